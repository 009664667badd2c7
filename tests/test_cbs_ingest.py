"""CBS kerncijfers through the crosswalk: real published values, markers, and bad input."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from ingest.cbs import SCHEMES, crosswalk_columns, load_crosswalk, read_kerncijfers
from ingest.errors import InputError
from ingest.snapshots import read_sidecar

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw" / "cbs"
CODES = RAW / "groningen_wijkcodes_2016_2017_2023_2024.csv"
FILES = {
    "2024": RAW / "kwb_2024_85984NED_groningen.csv",
    "2023": RAW / "kwb_2023_groningen_subset43cols.csv",
    "2017w": RAW / "kwb_2017_wijkbuurtkaart_groningen_wijken.csv",
    "2017b": RAW / "kwb_2017_wijkbuurtkaart_groningen_buurten.csv",
}


def read(path: Path, **overrides) -> pd.DataFrame:
    sidecar = read_sidecar(FILES[overrides.pop("like")] if "like" in overrides else path)
    kwargs = dict(
        year=sidecar.year,
        scheme=sidecar.scheme,
        crosswalk=load_crosswalk(),
        area_level=sidecar.area_level,
    )
    kwargs.update(overrides)
    return read_kerncijfers(path, **kwargs)


def value(frame, code, variable):
    row = frame[(frame.area_code == code) & (frame.variable == variable)]
    assert len(row) == 1, (code, variable)
    return row.iloc[0]


@pytest.mark.parametrize("key", FILES)
def test_crosswalk_maps_every_column_of_every_file(key):
    path = FILES[key]
    sidecar = read_sidecar(path)
    header = next(csv.reader(path.open(encoding="utf-8")))
    mapped = crosswalk_columns(load_crosswalk(), sidecar.year, sidecar.area_level)
    unmapped = [
        c for c in header if c not in mapped and c not in SCHEMES[sidecar.scheme].id_columns
    ]
    assert unmapped == []


def test_2024_population_matches_the_cbs_file():
    frame = read(FILES["2024"])
    assert value(frame, "GM0014", "population").value == 243768
    assert value(frame, "WK001400", "population").value == 24920
    assert value(frame, "WK001400", "population").area_name == "Centrum"
    assert value(frame, "NL00", "population").area_level == "land"
    levels = frame.drop_duplicates("area_code").area_level.value_counts().to_dict()
    assert levels == {"buurt": 151, "wijk": 20, "gemeente": 5, "land": 1}


def test_three_naming_schemes_land_on_the_same_variable():
    y2023 = read(FILES["2023"])
    y2017 = read(FILES["2017w"])
    assert value(y2023, "GM0014", "population").value == 238147
    assert value(y2017, "WK001400", "population").value == 22635
    assert value(y2017, "WK001400", "pct_aged_65_plus").value == 7
    assert value(read(FILES["2024"]), "WK001400", "households").value == 19890
    assert value(y2023, "GM0014", "mean_income_per_inhabitant").value == pytest.approx(30.2)


def test_cbs_markers_become_null_with_a_reason():
    y2024 = read(FILES["2024"])
    secret = value(y2024, "WK001400", "most_common_postcode")
    assert pd.isna(secret.value) and secret.status == "secret"
    empty = value(y2024, "GM0014", "mean_income_per_inhabitant")
    assert pd.isna(empty.value) and empty.status == "empty"
    y2017 = read(FILES["2017b"])
    hidden = y2017[y2017.status == "not_available"]
    assert len(hidden) > 400 and hidden.value.isna().all()
    assert not (y2017.value == -99999999).any()


def _rewrite(src: Path, dst: Path, edit) -> Path:
    rows = list(csv.reader(src.open(encoding="utf-8")))
    edit(rows)
    with dst.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return dst


def test_missing_column_names_file_column_and_variable(tmp_path):
    def drop(rows):
        i = rows[0].index("AantalInwoners_5")
        for r in rows:
            del r[i]

    bad = _rewrite(FILES["2024"], tmp_path / "kwb_2024.csv", drop)
    with pytest.raises(InputError) as err:
        read(bad, like="2024")
    msg = str(err.value)
    assert "kwb_2024.csv" in msg and "'AantalInwoners_5'" in msg and "population" in msg


def test_renamed_statline_column_is_recognised_in_the_message(tmp_path):
    def rename(rows):
        rows[0][rows[0].index("AantalInwoners_5")] = "AantalInwoners_6"

    bad = _rewrite(FILES["2024"], tmp_path / "kwb_2024.csv", rename)
    with pytest.raises(InputError, match="'AantalInwoners_6' looks like the same StatLine"):
        read(bad, like="2024")


def test_text_in_a_numeric_column_names_the_cell(tmp_path):
    def text(rows):
        rows[3][rows[0].index("Mannen_6")] = "ca. 5000"

    bad = _rewrite(FILES["2024"], tmp_path / "kwb_2024.csv", text)
    with pytest.raises(InputError) as err:
        read(bad, like="2024")
    msg = str(err.value)
    assert "row 4" in msg and "'Mannen_6'" in msg and "ca. 5000" in msg


def _dutch_excel(src: Path, dst: Path) -> Path:
    """``src`` as a Dutch Excel saves it as CSV: semicolons, Windows-1252, decimal commas; one
    buurt name carries Excel's typographic apostrophe (a Windows-1252 byte, 0x92)."""
    rows = list(csv.reader(src.open(encoding="utf-8")))
    for row in rows[1:]:
        row[:] = [re.sub(r"^(-?\d+)\.(\d+)$", r"\1,\2", cell) for cell in row]
        row[0] = row[0].replace("Stainkoel'n", "Stainkoel\u2019n")
    with dst.open("w", newline="", encoding="windows-1252") as fh:
        csv.writer(fh, delimiter=";", lineterminator="\r\n").writerows(rows)
    return dst


def test_a_dutch_excel_export_is_read_with_the_figures_of_the_shipped_file(tmp_path):
    """A StatLine download opened and saved by a Dutch Excel (semicolons, Windows-1252, decimal
    commas) is read with exactly the figures of the shipped file, and recorded as such."""
    from ingest.snapshots import write_sidecar

    excel = _dutch_excel(FILES["2024"], tmp_path / "kwb_2024_excel.csv")
    assert b";2,1;" in excel.read_bytes() and b"Stainkoel\x92n" in excel.read_bytes()
    shipped, read_back = read(FILES["2024"]), read(excel, like="2024")
    columns = ["area_code", "area_level", "variable", "value", "status", "source_row",
               "source_column"]  # fmt: skip
    pd.testing.assert_frame_equal(read_back[columns], shipped[columns])
    names = read_back.drop_duplicates("area_code").set_index("area_code")["area_name"]
    expected = shipped.drop_duplicates("area_code").set_index("area_code")["area_name"]
    assert names["BU00140509"] == "Stainkoel\u2019n"  # the Windows-1252 apostrophe, decoded
    assert names.drop("BU00140509").equals(expected.drop("BU00140509"))
    # `wijkkompas snapshot` (write_sidecar) states what it detected; the file is read that way
    sidecar = write_sidecar(excel, **read_sidecar(FILES["2024"]).model_dump(
        exclude={"file", "sha256", "encoding", "delimiter"}))  # fmt: skip
    assert (sidecar.encoding, sidecar.delimiter, sidecar.decimal_comma) == (
        "windows-1252",
        ";",
        True,
    )
    meta = yaml.safe_load((tmp_path / "kwb_2024_excel.csv.meta.yml").read_text("utf-8"))
    assert (meta["encoding"], meta["delimiter"]) == ("windows-1252", ";")
    pd.testing.assert_frame_equal(read(excel, like="2024")[columns], shipped[columns])


def test_a_sidecar_stating_another_encoding_or_delimiter_is_named(tmp_path):
    from ingest.snapshots import write_sidecar

    excel = _dutch_excel(FILES["2024"], tmp_path / "kwb_2024_excel.csv")
    fields = read_sidecar(FILES["2024"]).model_dump(exclude={"file", "sha256"})
    write_sidecar(excel, **fields | {"delimiter": ","})
    with pytest.raises(InputError) as err:
        read(excel, like="2024")
    assert (
        "row 1: the header is separated by semicolons, not by the commas its sidecar "
        "(encoding: 'windows-1252', delimiter: ',' in kwb_2024_excel.csv.meta.yml) states"
    ) in str(err.value), str(err.value)
    write_sidecar(excel, **fields | {"encoding": "utf-8"})
    with pytest.raises(InputError, match=r"file is not valid UTF-8 as its sidecar \(encoding: "
                       r"'utf-8'.*byte b'\\x92'.*'’' in Latin-1/Windows-1252"):  # fmt: skip
        read(excel, like="2024")


def test_a_misspelt_column_is_named_as_such(tmp_path):
    def misspell(rows):
        rows[0][rows[0].index("Mannen_6")] = "Manen_6"

    bad = _rewrite(FILES["2024"], tmp_path / "kwb_2024.csv", misspell)
    with pytest.raises(InputError) as err:
        read(bad, like="2024")
    assert str(err.value).startswith(
        f"file {bad}, row 1, column 'Manen_6': unexpected column; did you mean Mannen_6?"
    ), str(err.value)


def test_text_in_two_columns_is_reported_together(tmp_path):
    def text(rows):
        column = rows[0].index("Vrouwen_7")
        rows[3][column], rows[5][column] = "ca. 5000", "n.v.t."
        rows[4][rows[0].index("k_0Tot15Jaar_8")] = "?"

    bad = _rewrite(FILES["2024"], tmp_path / "kwb_2024.csv", text)
    with pytest.raises(InputError) as err:
        read(bad, like="2024")
    message = str(err.value)
    assert f"file {bad}: 2 problems, the most likely cause first:" in message, message
    assert "1. row 4, column 'Vrouwen_7': not a number (2 rows in all) (found 'ca. 5000')" in (
        message
    )
    assert "2. row 5, column 'k_0Tot15Jaar_8': not a number (found '?')" in message
    assert (err.value.row, err.value.column) == (4, "Vrouwen_7")  # the first problem's place
