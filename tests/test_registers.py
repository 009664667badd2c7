"""Municipal registers: the variables, the synthetic generator's calibration, the export loader
and the register tables of the real build."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from ingest.cbs import read_snapshot_set
from ingest.errors import InputError
from ingest.registers.export import read_register_export
from ingest.registers.generator import (
    RegisterSpec,
    buurt_quantities,
    generate_registers,
    write_export,
)
from ingest.registers.variables import load_variables
from ingest.snapshots import read_sidecar, sha256_of
from tests.conftest import run_cli

ROOT = Path(__file__).resolve().parents[1]
REGISTERS = ROOT / "data" / "raw" / "registers"
VARIABLES = ROOT / "data" / "registers" / "variables.yml"


@pytest.fixture(scope="module")
def cbs():
    return read_snapshot_set(ROOT / "data" / "raw")


@pytest.fixture(scope="module")
def variables():
    return load_variables(VARIABLES)


@pytest.fixture(scope="module")
def shipped():
    return {
        year: pd.read_csv(REGISTERS / f"registers_{year}.csv", sep=";") for year in (2017, 2024)
    }


def _buurten(cbs, year) -> set[str]:
    rows = cbs[(cbs["year"] == year) & (cbs["area_level"] == "buurt")]
    return set(rows["area_code"])


def _wide(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.pivot(index="buurtcode", columns="variabele", values="aantal")


def test_variables_cover_the_registers_with_their_own_bases(variables):
    ids = {v.id for v in variables}
    assert len(ids) == len(variables) >= 80
    registers = {v.register_name.split(" — ")[0] for v in variables}
    assert {"Politie", "Gemeente", "WIJ Groningen", "UWV", "Leerplicht / RMC", "GGD"} <= registers
    assert {
        "woninginbraak",
        "fietsdiefstal",
        "high_impact_crime",
        "afval_naast_container",
        "bijstand_langdurig",
        "schuldhulp_aanmeldingen",
        "voortijdig_schoolverlaters",
        "overgewicht_kinderen",
        "stemmen_uitgebracht",
        "energielabel_a_b",
    } <= ids
    by_id = {v.id: v for v in variables}
    # bases the CBS does not give are register variables themselves
    assert by_id["stemmen_uitgebracht"].of == "kiesgerechtigden"
    assert by_id["voortijdig_schoolverlaters"].of == "leerlingen_vo_mbo"
    assert by_id["overgewicht_kinderen"].of == "jgz_gemeten_kinderen"
    assert by_id["energielabel_a_b"].of == "energielabel_geregistreerd"
    assert by_id["werkzoekenden"].of == "inwoners_18_aow"
    # the register measures name exactly these variables
    measures = yaml.safe_load((ROOT / "indicators" / "measures_register.yml").read_text())
    assert {m["id"] for m in measures} == {f"reg.{i}" for i in ids}
    assert all(m["from"] == [{"var": m["id"][4:]}] for m in measures)


def test_register_catalogue_is_valid_and_only_uses_known_measures(variables):
    from indicators.catalogue import load_catalogue

    inds = [i for i in load_catalogue().indicators if i.source == "register"]
    assert len(inds) >= 75
    assert all("SYNTHETI" in i.caveats.nl and "SYNTHETIC" in i.caveats.en for i in inds)
    numerators = [i.definition.ratio.numerator for i in inds]
    assert len(numerators) == len(set(numerators))  # no padding
    allowed_cbs = {
        "cbs.population",
        "cbs.aged_0_14",
        "cbs.aged_15_24",
        "cbs.aged_25_44",
        "cbs.aged_45_64",
        "cbs.aged_65_plus",
        "cbs.households",
        "cbs.households_with_children",
        "cbs.dwellings",
        "cbs.cars",
        "cbs.businesses",
        "cbs.area_land_ha",
    }
    for i in inds:
        den = i.definition.ratio.denominator
        assert den is None or den.startswith("reg.") or den in allowed_cbs, (i.id, den)
    directions = {i.id: i.direction for i in inds}
    assert directions["burglaries_per_1000_households"] == "higher_is_worse"
    assert directions["voter_turnout"] == "higher_is_better"


def test_generator_is_deterministic_per_seed(cbs, variables):
    subset = [v for v in variables if v.id in ("bijstand_huishoudens", "bijstand_langdurig")]
    a = generate_registers(cbs, subset, RegisterSpec(2024, 2024, seed=7))
    b = generate_registers(cbs, subset, RegisterSpec(2024, 2024, seed=7))
    c = generate_registers(cbs, subset, RegisterSpec(2024, 2024, seed=8))
    pd.testing.assert_frame_equal(a, b)
    assert not a["aantal"].equals(c["aantal"])
    # a variable's draws do not depend on which other variables are generated
    alone = generate_registers(cbs, subset[:1], RegisterSpec(2024, 2024, seed=7))
    assert (
        alone["aantal"].tolist() == a[a["variabele"] == "bijstand_huishoudens"]["aantal"].tolist()
    )


def test_shipped_export_is_reproduced_by_the_documented_generator(tmp_path, cbs, variables):
    sidecar = read_sidecar(REGISTERS / "registers_2024.csv")
    assert sidecar.synthetic and sidecar.kind == "register" and "seed 14" in sidecar.origin
    frame = generate_registers(cbs, variables, RegisterSpec(2024, 2024, seed=14))
    write_export(frame, tmp_path / "r.csv")
    assert sha256_of(tmp_path / "r.csv") == sidecar.sha256


def test_cli_writes_the_2017_export_with_a_synthetic_sidecar(tmp_path):
    out = tmp_path / "registers_2017.csv"
    result = run_cli("generate-registers", "--year", "2017", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "108 buurten" in result.stdout
    assert sha256_of(out) == read_sidecar(REGISTERS / "registers_2017.csv").sha256
    sidecar = read_sidecar(out)
    assert sidecar.synthetic and sidecar.year == 2017 and "generator.py" in sidecar.origin


def test_counts_are_calibrated_and_scale_with_the_cbs_base(cbs, variables, shipped):
    by_id = {v.id: v for v in variables}
    for year in (2017, 2024):
        q = buurt_quantities(cbs, year)
        counts = _wide(shipped[year]).reindex(q.index)
        # the city-wide rate is the documented rate (within the year noise of the buurten)
        for var, base in [
            ("bijstand_huishoudens", "households"),
            ("wij_aanmeldingen", "households"),
            ("bibliotheekleden", "population"),
        ]:
            rate = counts[var].sum() / q[base].sum()
            assert rate == pytest.approx(by_id[var].rate_in(year), rel=0.1), (year, var)
        # counts grow with the base: library members follow the population of the buurt
        assert np.corrcoef(counts["bibliotheekleden"], q["population"])[0, 1] > 0.75
        # a share never exceeds its base (a register count or a CBS quantity)
        for v in variables:
            if v.of and v.exists_in(year):
                base = counts[v.of] if v.of in counts else np.round(q[v.of])
                assert (counts[v.id] <= base).all(), v.id
        assert (counts.fillna(0) >= 0).all().all()
        # a total includes its parts
        parts = counts[by_id["high_impact_crime"].includes].sum(axis=1)
        assert (counts["high_impact_crime"] >= parts).all()


def test_rare_counts_are_calibrated_in_expectation(cbs, variables):
    """Over many seeds the mean city-wide rate of a rare crime and of a share is the rate."""
    by_id = {v.id: v for v in variables}
    chosen = [by_id[i] for i in ("straatroof", "leerlingen_vo_mbo", "voortijdig_schoolverlaters")]
    q = buurt_quantities(cbs, 2024)
    robbery, early = [], []
    for seed in range(20):
        frame = generate_registers(cbs, chosen, RegisterSpec(2024, 2024, seed=seed))
        total = frame.groupby("variabele")["aantal"].sum()
        robbery.append(total["straatroof"] / q["population"].sum())
        early.append(total["voortijdig_schoolverlaters"] / total["leerlingen_vo_mbo"])
    assert np.mean(robbery) == pytest.approx(by_id["straatroof"].rate_in(2024), rel=0.05)
    assert np.mean(early) == pytest.approx(
        by_id["voortijdig_schoolverlaters"].rate_in(2024), rel=0.03
    )


def test_counts_follow_real_buurt_characteristics_and_develop(cbs, shipped):
    def wijk(frame: pd.DataFrame) -> pd.DataFrame:
        with_wijk = frame.assign(w="WK" + frame["buurtcode"].str[2:8])
        return with_wijk.groupby(["w", "variabele"])["aantal"].sum().unstack()

    w24 = wijk(shipped[2024])
    cbs_w = cbs[(cbs["area_level"] == "wijk") & (cbs["year"] == 2023)].pivot_table(
        index="area_code", columns="variable", values="value"
    )
    bijstand = w24["bijstand_huishoudens"] / cbs_w["households"].reindex(w24.index)
    low_income = cbs_w["pct_households_low_income_40"].reindex(w24.index)
    assert np.corrcoef(bijstand, low_income)[0, 1] > 0.5  # poorer wijken: more social assistance
    q17, q24 = buurt_quantities(cbs, 2017), buurt_quantities(cbs, 2024)
    c17, c24 = _wide(shipped[2017]), _wide(shipped[2024])
    # city-wide trends: fewer burglaries per household, many more charging points, energy
    # allowance only since 2022
    assert (c24["woninginbraak"].sum() / q24["households"].sum()) < 0.6 * (
        c17["woninginbraak"].sum() / q17["households"].sum()
    )
    assert c24["laadpunten_publiek"].sum() > 4 * c17["laadpunten_publiek"].sum()
    assert "energietoeslag" not in c17.columns and "energietoeslag" in c24.columns
    # buurten keep their character between the years (persistent buurt effect)
    common = [b for b in c17.index.intersection(c24.index) if q24.loc[b, "households"] > 300]
    r17 = c17.loc[common, "wij_aanmeldingen"] / q17.loc[common, "households"]
    r24 = c24.loc[common, "wij_aanmeldingen"] / q24.loc[common, "households"]
    assert np.corrcoef(r17, r24)[0, 1] > 0.7


def test_shipped_exports_load_with_expected_row_counts(cbs, variables):
    for year, n_buurten, n_vars in [(2017, 108, 86), (2024, 151, 88)]:
        frame = read_register_export(REGISTERS / f"registers_{year}.csv", year)
        assert set(frame["area_code"]) <= _buurten(cbs, year)
        assert (frame["source_row"] == np.arange(2, len(frame) + 2)).all()
        assert len(frame) == n_buurten * n_vars
        assert frame["area_code"].nunique() == n_buurten
        assert frame["variable"].nunique() == n_vars == sum(v.exists_in(year) for v in variables)
        assert (frame["year"] == year).all() and (frame["area_level"] == "buurt").all()
        assert frame["value"].dtype == np.float64 and (frame["value"] >= 0).all()


def _write_bad(tmp_path, edit, delimiter=";") -> Path:
    frame = pd.read_csv(REGISTERS / "registers_2017.csv", sep=";", dtype=str)
    edit(frame)
    path = tmp_path / "export.csv"
    frame.to_csv(path, sep=delimiter, index=False)
    return path


@pytest.mark.parametrize(
    ("edit", "expect"),
    [
        (
            lambda f: f.loc.__setitem__((7, "aantal"), "2.5"),
            r"row 9, column 'aantal': not a whole number.*found '2.5'.*register_value_readable",
        ),
        (
            lambda f: f.rename(columns={"aantal": "waarde"}, inplace=True),
            r"row 1, column 'aantal': missing column",
        ),
    ],
    ids=["decimal", "column"],
)
def test_bad_export_names_file_row_column_and_expected(tmp_path, edit, expect):
    path = _write_bad(tmp_path, edit)
    with pytest.raises(InputError, match=expect) as err:
        read_register_export(path, 2017)
    assert "export.csv" in str(err.value)


def test_an_export_with_commas_or_tabs_reads_like_the_shipped_one(tmp_path):
    shipped = read_register_export(REGISTERS / "registers_2017.csv", 2017)
    for delimiter in (",", "\t"):
        path = _write_bad(tmp_path, lambda f: None, delimiter=delimiter)
        frame = read_register_export(path, 2017).drop(columns="source_file")
        pd.testing.assert_frame_equal(frame, shipped.drop(columns="source_file"))


def test_every_problem_of_an_export_is_reported_at_once(tmp_path):
    """A year that is no year and counts with decimals: one message, every column's first bad
    row and how many; a misspelt column is a misspelling (not "missing column aantal" and
    "unexpected column aantl")."""

    def values(frame):
        frame.loc[3, "jaar"] = "2017x"
        frame.loc[[7, 8], "aantal"] = ["2.5", "1,5"]

    path = _write_bad(tmp_path, values)
    with pytest.raises(InputError) as err:
        read_register_export(path, 2017)
    message = str(err.value)
    assert f"file {path}: 2 problems, the most likely cause first:" in message, message
    assert "1. row 5, column 'jaar': not a year (1 rows in all) (found '2017x')" in message
    assert "2. row 9, column 'aantal': not a whole number (2 rows in all) (found '2.5')" in message
    assert (err.value.row, err.value.column) == (5, "jaar")

    path = _write_bad(tmp_path, lambda f: f.rename(columns={"aantal": "aantl"}, inplace=True))
    with pytest.raises(InputError) as err:
        read_register_export(path, 2017)
    message = str(err.value)
    assert message.startswith(
        f"file {path}, row 1, column 'aantl': unexpected column; did you mean aantal?"
    ), message
    assert "missing column" not in message


def test_bad_variables_file_names_the_variable(tmp_path):
    text = VARIABLES.read_text(encoding="utf-8").replace(
        "of: bijstand_huishoudens", "of: bijstand_gezinnen", 1
    )
    path = tmp_path / "variables.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(
        InputError, match=r"'bijstand_langdurig'.*unknown variable.*bijstand_gezinnen"
    ):
        load_variables(path)


def test_build_fills_register_tables(con, shipped):
    years = con.execute(
        "SELECT year, count(*), count(DISTINCT area_code), count(DISTINCT variable), "
        "bool_and(synthetic), bool_and(area_level = 'buurt') FROM register_values "
        "GROUP BY year ORDER BY year"
    ).fetchall()
    assert years == [(2017, 9288, 108, 86, True, True), (2024, 13288, 151, 88, True, True)]
    row = shipped[2024].iloc[1234]
    value = con.execute(
        "SELECT value FROM register_values WHERE year = 2024 AND area_code = ? AND variable = ?",
        [row["buurtcode"], row["variabele"]],
    ).fetchone()[0]
    assert value == float(row["aantal"])
    types = dict(
        con.execute("SELECT column_name, column_type FROM (DESCRIBE register_values)").fetchall()
    )
    assert types["value"] == "DOUBLE" and types["synthetic"] == "BOOLEAN"
    assert con.execute("SELECT count(*) FROM register_variables").fetchone()[0] == 88
    assert dict(con.execute("SELECT edition, registers FROM editions").fetchall()) == {
        2018: 2017,
        2024: 2024,
    }
    # every register buurt is a buurt of the edition's layout
    orphans = con.execute(
        """SELECT count(*) FROM register_values r LEFT JOIN areas a
           ON a.area_code = r.area_code AND a.year = r.year AND a.layout = 'cbs'
           WHERE a.area_code IS NULL"""
    ).fetchone()[0]
    assert orphans == 0


def test_every_register_export_is_staged_before_register_values(con):
    from pipelines.definitions import defs

    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"register_exports", "register_values", "register_variables"} <= keys
    # one staged table per export, with every count of its file
    for year in (2017, 2024):
        staged = con.execute(f"SELECT count(*) FROM raw_registers_{year}").fetchone()[0]
        with open(f"data/raw/registers/registers_{year}.csv", encoding="utf-8") as fh:
            assert staged == sum(1 for _ in fh) - 1
        assert (
            staged
            == con.execute(
                "SELECT count(*) FROM register_values WHERE year = ?", [year]
            ).fetchone()[0]
        )
