"""RIVM's health estimates per wijk and buurt (table 50090NED) as a real source: the reader of
RIVM's xlsx exports on faithful excerpts of them (tests/fixtures/rivm/), the extract the build
reads (data/raw/rivm/) held cell for cell against those excerpts, refusals of bad input where
the user meets them (``wijkkompas extract-rivm``) and where the build does (the rules), and the
table ``rivm_values`` of the shared build."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import ROOT, run_cli

from ingest.errors import InputError
from ingest.rivm import extract_rivm, read_rivm_extract, read_rivm_workbook, rivm_snapshot
from ingest.snapshots import read_sidecar, sha256_of, verify_snapshot

FIXTURES = ROOT / "tests" / "fixtures" / "rivm"
SHIPPED = ROOT / "data" / "raw" / "rivm" / "rivm_50090NED_2012_2016_2020.csv.gz"
FILES = {
    (year, age): FIXTURES / f"rivm_50090NED_{year}_{age[:2]}plus.xlsx"
    for year in (2012, 2016, 2020)
    for age in ("18+", "65+")
}
# the checksums RIVM's exports have in ../shared/data/health_rivm/README.md (the originals are
# not in the repository; the shipped extract's sidecar must name exactly these)
ORIGINALS = {
    "rivm_50090NED_2012_18plus.xlsx": "f7a97203f8005a20103d394ac457b49d"
    "65e8b4b0563f7ac980e04a316bebe0fb",
    "rivm_50090NED_2012_65plus.xlsx": "dc36636e28812128dd70d21a00069fc2"
    "0c24998f307c9a17957a5381c3a680f7",
    "rivm_50090NED_2016_18plus.xlsx": "9497c762459f59fb82b09f1d3c615f99"
    "ab6df8b981552ef8af94fc0eb32dcb79",
    "rivm_50090NED_2016_65plus.xlsx": "ea4e70f0abedbba4d66740e64de735d9"
    "81d2705fa101418100877e9dbb258c8e",
    "rivm_50090NED_2020_18plus.xlsx": "caa2d8aa7006401126b90e970f25e0e5"
    "a78c0baef047d0e71fdd1d5286a0d4ad",
    "rivm_50090NED_2020_65plus.xlsx": "39d74c4594ddedc2978587d86d626fd3"
    "4d24c437ee6a5a9d9c37b65a8aace6fe",
}  # fmt: skip
EXPERIENCED, SMOKES = "ErvarenGezondheidGoedZeerGoed_4", "Roker_11"


def groningen(code: str) -> bool:
    return code == "GM0014" or code.startswith(("WK0014", "BU0014"))


@pytest.fixture(scope="module")
def workbooks() -> dict[tuple[int, str], pd.DataFrame]:
    return {key: read_rivm_workbook(path) for key, path in FILES.items()}


def figure(frame: pd.DataFrame, code: str, key: str) -> str:
    return frame.loc[frame["area_code"] == code, key].item()


# --- the reader on faithful excerpts of RIVM's files -------------------------------------------


def test_the_fixtures_hold_groningen_and_a_complete_division(workbooks):
    for (year, age), frame in workbooks.items():
        assert frame["year"].eq(year).all() and frame["age_group"].eq(age).all()
        assert frame["source_file"].eq(FILES[year, age].name).all()
        assert frame["source_row"].tolist() == list(range(2, 178))  # header = row 1
        own = frame[frame["area_code"].map(groningen)]
        assert own["area_level"].value_counts().to_dict() == {"buurt": 150, "wijk": 20,
                                                              "gemeente": 1}  # fmt: skip
        assert sorted(own.loc[own["area_level"] == "wijk", "area_code"]) == [
            f"WK0014{n:02d}" for n in range(20)
        ]
        assert frame["area_code"].str.strip().eq(frame["area_code"]).all()  # padding removed
        assert figure(frame, "GM0014", "gemeente_name") == "Groningen"


def test_the_reader_gives_rivms_figures_of_groningen(workbooks):
    """The figures of ../shared/data/health_rivm/README.md, as RIVM published them."""
    adults_2020 = workbooks[2020, "18+"]
    assert figure(adults_2020, "GM0014", EXPERIENCED) == "79.9"
    assert figure(adults_2020, "GM0014", SMOKES) == "24.1"
    assert figure(adults_2020, "GM0014", "Overgewicht_9") == "41.2"
    assert figure(adults_2020, "GM0014", "Eenzaam_28") == "48.6"
    assert figure(adults_2020, "GM0014", "MoeiteMetRondkomen_38") == "17.5"
    assert figure(adults_2020, "WK001404", EXPERIENCED) == "78.1"  # Oosterparkwijk
    assert figure(adults_2020, "WK001404", SMOKES) == "29.1"
    assert figure(workbooks[2012, "18+"], "GM0014", EXPERIENCED) == "79.0"
    assert figure(workbooks[2016, "18+"], "GM0014", EXPERIENCED) == "78.2"
    netherlands = [figure(workbooks[y, "18+"], "NL01", EXPERIENCED) for y in (2012, 2016, 2020)]
    assert netherlands == ["76.1", "75.2", "78.4"]
    # buurten without a figure of their own for perceived health: RIVM's '.' (too few residents)
    for year, count in ((2012, 26), (2016, 27), (2020, 22)):
        frame = workbooks[year, "18+"]
        buurten = frame[(frame["area_level"] == "buurt") & frame["area_code"].map(groningen)]
        assert (buurten[EXPERIENCED] == ".").sum() == count, year
        assert buurten[EXPERIENCED].isin([".", ""]).sum() == count, year
    # not measured that year: empty, e.g. walking or cycling to work in 2020 (all 3 columns)
    assert figure(adults_2020, "GM0014", "LopenEnOfFietsenNaarSchoolOfWerk_34") == ""
    assert figure(workbooks[2012, "18+"], "GM0014", "Vrijwilligerswerk_33") == ""


# --- the extract ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fixture_extract(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("rivm") / "rivm_fixtures.csv.gz"
    extract_rivm(list(FILES.values()), out, origin="tests/fixtures/rivm")
    return out


def test_the_extract_has_its_originals_in_the_sidecar(fixture_extract):
    sidecar = verify_snapshot(fixture_extract)
    assert (sidecar.kind, sidecar.publisher) == ("rivm_health", "RIVM")
    assert sidecar.table_id == "50090NED"
    assert sidecar.synthetic is False and sidecar.attribution.startswith("Bron: RIVM")
    assert [(o.file, o.sha256, o.period, o.age_group, o.rows) for o in sidecar.originals] == [
        (path.name, sha256_of(path), f"{year}JJ00", age, 176)
        for (year, age), path in sorted(FILES.items())
    ]
    with gzip.open(fixture_extract, "rt", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:7] == ["source_file", "source_row", "year", "age_group", "area_code",
                           "area_level", "gemeente_name"] and len(rows[0]) == 42  # fmt: skip
    assert len(rows) == 1 + 6 * 176
    assert fixture_extract.read_bytes()[4:8] == b"\0\0\0\0"  # no time in the gzip header


def test_the_extract_read_back_long(fixture_extract, workbooks):
    values = read_rivm_extract(fixture_extract, "GM0014")
    assert list(values.columns) == [
        "year", "age_group", "area_code", "area_level", "gemeente_name", "variable", "concept",
        "value", "status", "source_file", "source_row", "source_column",
    ]  # fmt: skip
    # the buurten of the gemeente only; every gemeente and wijk of the file
    assert not values["area_code"].isin(["BU16800000", "BU16800009"]).any()
    assert values["area_code"].isin(["GM1680", "WK168000"]).any()
    everything = read_rivm_extract(fixture_extract)
    assert len(everything) == 6 * 176 * 35 == len(values) + 6 * 2 * 35
    oosterpark = values[(values["area_code"] == "WK001404") & (values["year"] == 2020)]
    adults = oosterpark[oosterpark["age_group"] == "18+"].set_index("variable")
    assert adults.loc["good_perceived_health_18plus", "value"] == 78.1
    assert adults.loc["smokes_18plus", ["value", "status", "source_column"]].tolist() == [
        29.1, "published", SMOKES,
    ]  # fmt: skip
    row = adults.loc["smokes_18plus"]
    assert (row["source_file"], row["concept"]) == ("rivm_50090NED_2020_18plus.xlsx", "smokes")
    assert row["source_row"] == workbooks[2020, "18+"].set_index("area_code").loc[
        "WK001404", "source_row"]  # fmt: skip
    older = oosterpark[oosterpark["age_group"] == "65+"].set_index("variable")
    assert "smokes_65plus" in older.index and len(oosterpark) == 70
    # an empty cell is not published, never a zero; '.' is secret
    walking = adults.loc["walks_or_cycles_to_work_18plus"]
    assert walking["status"] == "not_published" and pd.isna(walking["value"])
    secret = values[(values["status"] == "secret")]
    assert secret["value"].isna().all() and len(secret) > 0
    assert values.loc[values["status"] == "published", "value"].notna().all()


def test_the_shipped_extract_is_rivms_figures(workbooks):
    """data/raw/rivm/ holds RIVM's figures: every cell of Groningen (and of the Netherlands) in
    the six exports, as the reader gives them from the fixtures, read back from the shipped
    extract, with the originals' checksums in its sidecar."""
    sidecar = verify_snapshot(SHIPPED)
    assert {o.file: o.sha256 for o in sidecar.originals} == ORIGINALS
    assert [o.rows for o in sidecar.originals] == [17_341] * 6
    assert rivm_snapshot(ROOT / "data" / "raw")[0] == SHIPPED
    shipped = read_rivm_extract(SHIPPED, "GM0014")
    shipped = shipped[shipped["area_code"].map(groningen) | (shipped["area_code"] == "NL01")]
    expected = []
    for (year, age), frame in workbooks.items():
        frame = frame[frame["area_code"].map(groningen) | (frame["area_code"] == "NL01")]
        for key in frame.columns[7:]:
            for code, cell in zip(frame["area_code"], frame[key], strict=True):
                status = {"": "not_published", ".": "secret"}.get(cell, "published")
                value = float(cell) if status == "published" else None
                expected.append((year, age, code, key, status, value))
    found = [
        (r.year, r.age_group, r.area_code, r.source_column, r.status,
         None if pd.isna(r.value) else r.value)
        for r in shipped.itertuples()
    ]  # fmt: skip
    assert len(expected) == 6 * 172 * 35
    assert sorted(found) == sorted(expected)


# --- bad input: named, and nothing written --------------------------------------------------


def workbook_copy(source: Path, target: Path, edit) -> Path:
    """A copy of a fixture workbook changed by ``edit(sheet)``, as a user's spreadsheet program
    would save it."""
    book = openpyxl.load_workbook(source)
    edit(book.active)
    book.save(target)
    return target


def cell_of(sheet, code: str, column: str):
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[3].value.strip() == code)
    return row[header.index(column)]


def without_smoking(sheet) -> None:
    sheet.delete_cols([c.value for c in sheet[1]].index(SMOKES) + 1)


def smoking_140(sheet) -> None:
    cell_of(sheet, "WK001404", SMOKES).value = "   140.0"


def mistyped_buurt(sheet) -> None:
    cell_of(sheet, "BU00140000", "Codering_3").value = "BU00149901          "
    cell_of(sheet, "BU00140000", "WijkenEnBuurten").value = "BU00149901"


def table_as_xlsx(source: Path, target: Path, sheet_name: str = "Sheet1") -> Path:
    """A CSV opened in a spreadsheet program and saved as xlsx."""
    book = openpyxl.Workbook()
    book.active.title = sheet_name
    for row in csv.reader(io.StringIO(source.read_text(encoding="utf-8"))):
        book.active.append(row)
    book.save(target)
    return target


@pytest.fixture(scope="module")
def bad_workbooks(tmp_path_factory) -> dict[str, Path]:
    tmp_path, adults = tmp_path_factory.mktemp("bad_rivm"), FILES[2020, "18+"]
    return {
        "column_missing": workbook_copy(adults, tmp_path / "zonder_roker.xlsx", without_smoking),
        "percentage_140": workbook_copy(adults, tmp_path / "roker_140.xlsx", smoking_140),
        "code_outside": workbook_copy(adults, tmp_path / "buurtcode.xlsx", mistyped_buurt),
        "other_table": table_as_xlsx(
            ROOT / "data/raw/cbs/kwb_2024_85984NED_groningen.csv", tmp_path / "kerncijfers.xlsx"
        ),
    }


def test_each_bad_workbook_is_named_with_row_column_value_and_expectation(bad_workbooks):
    said = {}
    for name, path in bad_workbooks.items():
        with pytest.raises(InputError) as err:
            read_rivm_workbook(path)
        said[name] = err.value
        assert err.value.file == str(path) and err.value.rule, name
    missing = said["column_missing"]
    assert (missing.row, missing.column, missing.rule) == (1, SMOKES, "rivm_expected_columns")
    assert "missing column" in str(missing) and "50090NED" in missing.expected
    high = said["percentage_140"]
    assert (high.column, high.value, high.rule) == (SMOKES, "140.0", "rivm_percentage_range")
    assert high.row == read_rivm_workbook(FILES[2020, "18+"]).set_index("area_code").loc[
        "WK001404", "source_row"]  # fmt: skip
    assert "from 0 to 100" in high.expected
    outside = said["code_outside"]
    assert (outside.column, outside.value) == ("WijkenEnBuurten", "BU00149901")
    assert "outside the division" in str(outside) and "WK001499 is not in it" in outside.expected
    other = said["other_table"]
    assert len(other.problems) == 1 and other.row == 1 and other.rule == "rivm_table"
    message = str(other)
    assert "a file of another table" in message and "Kerncijfers wijken en buurten" in message
    assert "0 of the 35 indicators" in message and "ErvarenGezondheidGoedZeerGoed_4" in message


def test_other_files_are_named_for_what_they_are(tmp_path):
    renamed = workbook_copy(
        FILES[2020, "65+"],
        tmp_path / "opvolger.xlsx",
        lambda sheet: setattr(sheet, "title", "50120NED_TypedDataSet_2024"),
    )
    with pytest.raises(InputError, match=r"StatLine export of table 50120NED"):
        read_rivm_workbook(renamed)
    layout = table_as_xlsx(ROOT / "data/areas/gebieden.csv", tmp_path / "gebieden.xlsx")
    with pytest.raises(InputError, match=r"no StatLine export.*wijk_code, wijk_name"):
        read_rivm_workbook(layout)
    text = tmp_path / "export.xlsx"
    text.write_text("ID;Leeftijd\n1;20300\n", encoding="utf-8")  # a CSV named .xlsx
    with pytest.raises(InputError, match=r"not an Excel workbook"):
        read_rivm_workbook(text)


def test_extract_rivm_names_every_bad_workbook_and_writes_nothing(bad_workbooks, tmp_path):
    """Where the user meets it: the command, in a process of its own, one paragraph (no
    traceback), every file's problem with its row, column, value and what was expected; no
    extract, no sidecar, no partial file."""
    rows = read_rivm_workbook(FILES[2020, "18+"]).set_index("area_code")["source_row"]
    out = tmp_path / "out" / "rivm.csv.gz"
    result = run_cli("extract-rivm", str(FILES[2012, "18+"]), *map(str, bad_workbooks.values()),
                     "--out", str(out))  # fmt: skip
    said = result.stdout + result.stderr
    assert result.returncode == 1, said
    assert result.stderr.startswith("Not done:") and "Traceback" not in said
    assert "zonder_roker.xlsx: 4 problems" in said
    for expected in (
        "1. row 1, column 'Roker_11': missing column; expected RIVM's table 50090NED",
        f"roker_140.xlsx, row {rows['WK001404']}, column 'Roker_11': a percentage outside 0-100 "
        "(1 rows in all) (found '140.0'); expected a percentage from 0 to 100",
        f"buurtcode.xlsx, row {rows['BU00140000']}, column 'WijkenEnBuurten': an area code "
        "outside the division",
        "(found 'BU00149901'); expected an area of RIVM's division of 2020",
        "kerncijfers.xlsx, row 1: a file of another table: this looks like a StatLine export of "
        "CBS's Kerncijfers wijken en buurten",
    ):
        assert expected in said, said
    assert not out.parent.exists() or not any(out.parent.iterdir())


def test_extract_rivm_command_writes_the_extract_and_sidecar(tmp_path):
    from pipelines.cli import main

    out = tmp_path / "rivm.csv.gz"
    files = [str(p) for p in FILES.values()]
    result = CliRunner().invoke(main, ["extract-rivm", *files, "--out", str(out),
                                       "--retrieved", "2022-07-01"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "1,056 rows of 6 exports" in result.output
    sidecar = read_sidecar(out)
    assert str(sidecar.retrieved) == "2022-07-01" and sidecar.sha256 == sha256_of(out)
    first = out.read_bytes()
    result = CliRunner().invoke(main, ["extract-rivm", *reversed(files), "--out", str(out),
                                       "--retrieved", "2022-07-01"])  # fmt: skip
    assert result.exit_code == 0 and out.read_bytes() == first  # the same files, the same bytes
    again = CliRunner().invoke(main, ["extract-rivm", files[0], files[0], "--out", str(out)])
    assert again.exit_code == 1 and "a second export of the same period and age group" in (
        again.output
    )
    assert out.read_bytes() == first  # a refused extraction leaves the old extract as it was


def test_a_damaged_extract_is_named_by_line_and_original(fixture_extract, tmp_path):
    with gzip.open(fixture_extract, "rt", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    at = rows[0].index(SMOKES)
    line = next(i for i, r in enumerate(rows) if r[4] == "WK001404" and r[2] == "2016") + 1
    rows[line - 1][at] = "n.v.t."
    damaged = tmp_path / "damaged.csv.gz"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    damaged.write_bytes(gzip.compress(buf.getvalue().encode("utf-8")))
    with pytest.raises(InputError) as err:
        read_rivm_extract(damaged, "GM0014")
    assert (err.value.row, err.value.column, err.value.value) == (line, SMOKES, "n.v.t.")
    assert f"rivm_50090NED_2016_18plus.xlsx row {rows[line - 1][1]}" in str(err.value)
    assert "a percentage such as 78.4" in err.value.expected


# --- the generated gemeenten and the build -------------------------------------------------


def test_a_generated_gemeente_gets_the_rivm_extract(tmp_path):
    from ingest.national import national_snapshot
    from pipelines.gemeente_inputs import _copy_shared

    source = ROOT / "data"
    national, _ = national_snapshot(source / "raw", "cbs_national", verify=False)
    names, _ = national_snapshot(source / "raw", "cbs_area_names", verify=False)
    _copy_shared(source, tmp_path, national, names)
    path, sidecar = rivm_snapshot(tmp_path / "raw")
    assert path == tmp_path / "raw" / "rivm" / SHIPPED.name and sidecar == read_sidecar(SHIPPED)


def test_rivm_values_in_the_warehouse(con):
    """The shared build: RIVM's figures of the Netherlands, every gemeente and wijk of the
    country and Groningen's buurten, with their rules run: the three buurten new since 2020
    named by the coverage warning, every blocking rule passed."""
    counts = dict(
        con.execute(
            "SELECT area_level, count(DISTINCT area_code) FROM rivm_values GROUP BY ALL"
        ).fetchall()
    )
    assert counts == {"land": 1, "gemeente": 355, "wijk": 3177, "buurt": 150}
    oosterpark = dict(
        con.execute(
            "SELECT variable, value FROM rivm_values WHERE area_code = 'WK001404' "
            "AND year = 2020 AND variable IN ('good_perceived_health_18plus', 'smokes_18plus')"
        ).fetchall()
    )
    assert oosterpark == {"good_perceived_health_18plus": 78.1, "smokes_18plus": 29.1}
    assert con.execute("SELECT count(*) FROM rivm_values").fetchone()[0] == 6 * 3683 * 35
    results = con.execute(
        "SELECT rule, success, failing_rows FROM quality_results WHERE dataset IN "
        "('rivm_values', 'rivm_coverage') AND run_id = (SELECT run_id FROM quality_results "
        "WHERE dataset = 'rivm_values' ORDER BY checked_at DESC LIMIT 1)"
    ).fetchall()
    by_rule = {rule: (success, rows) for rule, success, rows in results}
    assert len(by_rule) == 9
    assert all(ok for rule, (ok, _) in by_rule.items() if rule != "areas_of_today_in_rivm_division")
    ok, rows = by_rule["areas_of_today_in_rivm_division"]
    assert not ok and all(c in str(rows) for c in ("BU00140110", "BU00140908", "BU00140909"))


def test_the_fixture_maker_reproduces_the_fixtures(tmp_path):
    """make_fixtures.py keeps every cell of the rows it takes (checked on the fixtures
    themselves: cutting a fixture down again changes nothing)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make", FIXTURES / "make_fixtures.py")
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    source = FILES[2016, "65+"]
    assert make.make(source, tmp_path / source.name) == 176
    before = openpyxl.load_workbook(source, read_only=True)
    after = openpyxl.load_workbook(tmp_path / source.name, read_only=True)
    assert before.active.title == after.active.title == "50090NED_UntypedDataSet_1305202"
    assert list(before.active.values) == list(after.active.values)
