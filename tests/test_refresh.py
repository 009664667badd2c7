"""The biennial refresh: ``wijkkompas new-edition`` adds a synthetic 2026 wave end to end."""

from __future__ import annotations

import hashlib
import shutil

import duckdb
import pandas as pd
import yaml
from conftest import ROOT, run_cli


def _tree_digest(folder):
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _inputs(tmp_path, data):
    """A synthetic 2026 wave and register export, and a CBS 2026 file (the 2024 figures, with
    one StatLine column renumbered as CBS does from year to year)."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    survey = inputs / "enquete_2026.csv"
    registers = inputs / "registraties_2026.csv"
    r = run_cli(
        "generate-survey", "--wave", "2026", "--cbs-year", "2024", "--respondents", "4000",
        "--questions-of", "2024", "--out", str(survey), data=data, tmp=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    r = run_cli(
        "generate-registers", "--year", "2026", "--cbs-year", "2024", "--out", str(registers),
        data=data, tmp=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    cbs = inputs / "kerncijfers_2026.csv"
    text = (ROOT / "data/raw/cbs/kwb_2024_85984NED_groningen.csv").read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    assert "AantalInwoners_5" in header.split(",")
    cbs.write_text(header.replace("AantalInwoners_5", "AantalInwoners_6") + "\n" + rest, "utf-8")
    return survey, cbs, registers


def test_new_edition_2026_end_to_end(tmp_path, data_copy, built_warehouse):
    data = data_copy
    (tmp_path / "wh").mkdir()
    shutil.copy(built_warehouse, tmp_path / "wh" / "w.duckdb")
    survey, cbs, registers = _inputs(tmp_path, data)
    given = _tree_digest(survey.parent)

    # the reports as pages only: printing them is tested on the session build (and costs ~30 s)
    r = run_cli(
        "new-edition", "2026", "--survey", str(survey), "--cbs", str(cbs),
        "--registers", str(registers), "--cbs-fallback-year", "2023", data=data, tmp=tmp_path,
        WIJKKOMPAS_REPORT_PDF="0",
    )  # fmt: skip
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "Edition 2026 added and published" in r.stdout
    assert _tree_digest(survey.parent) == given  # the statistician's files are not touched

    # the edition, its files (with sidecars) and the derived crosswalk column are in data/
    editions = yaml.safe_load((data / "editions.yml").read_text(encoding="utf-8"))["editions"]
    new = editions[-1]
    assert (new["edition"], new["area_year"], new["cbs_years"]) == (2026, 2026, [2026, 2023])
    layouts = yaml.safe_load((data / "editions.yml").read_text(encoding="utf-8"))["layouts"]
    assert layouts[0]["area_year"] == 2026
    assert (data / "raw/survey/wijkenquete_2026.csv.meta.yml").exists()
    survey_meta = yaml.safe_load((data / "raw/survey/wijkenquete_2026.csv.meta.yml").read_text())
    assert survey_meta["synthetic"] is True  # carried over from the generator's sidecar
    crosswalk = pd.read_csv(data / "reference/cbs_variable_crosswalk.csv", dtype=str)
    assert crosswalk.set_index("variable").loc["population", "y2026"] == "AantalInwoners_6"

    con = duckdb.connect(str(tmp_path / "wh" / "w.duckdb"), read_only=True)
    try:
        wijken = con.sql(
            """SELECT edition, count(DISTINCT area_code) FROM indicator_values
               WHERE layout = 'cbs' AND area_level = 'wijk' GROUP BY 1 ORDER BY 1"""
        ).fetchall()
        assert wijken == [(2018, 20), (2024, 20), (2026, 20)]
        # 2024 and 2026 share their wijken: 2024 maps 1:1 and keeps its published figures
        assert con.sql(
            """SELECT DISTINCT harmonisation FROM indicator_values
               WHERE edition = 2024 AND area_level = 'wijk'"""
        ).fetchall() == [("identical",)]
        same = con.sql(
            """SELECT count(*), count(*) FILTER (h.value IS NOT DISTINCT FROM n.value)
               FROM indicator_values h JOIN edition_values n ON n.edition = 2024
                AND n.layout = 'cbs' AND n.area_level = 'wijk' AND n.area_code = h.area_code
                AND n.indicator_id = h.indicator_id
               WHERE h.edition = 2024 AND h.area_level = 'wijk'"""
        ).fetchone()
        assert same[0] == 20 * 254 and same[0] == same[1]
        # 2026 figures carry their trend since 2024, survey changes tested
        trend = con.sql(
            """SELECT count(*) FILTER (previous_edition = 2024),
                      count(change_z) FILTER (source = 'survey'),
                      count(*) FILTER (change_significant)
               FROM indicator_values WHERE edition = 2026 AND layout = 'cbs'
               AND area_level = 'wijk'"""
        ).fetchone()
        assert trend[0] > 3000 and trend[1] > 1000 and trend[2] > 0
        # population of 2026 is CBS's (the renumbered column was found)
        pop = con.sql(
            """SELECT value FROM indicator_values WHERE edition = 2026 AND area_code = 'GM0014'
               AND indicator_id = 'population'"""
        ).fetchone()[0]
        raw = pd.read_csv(cbs, dtype=str).set_index("Codering_3")
        assert pop == float(raw.loc[raw.index.str.strip() == "GM0014", "AantalInwoners_6"].iloc[0])
        pairs = con.sql(
            "SELECT DISTINCT edition, previous_edition FROM edition_changelog ORDER BY 1"
        ).fetchall()
        assert pairs == [(2024, 2018), (2026, 2024)]
        # area changes are listed against the newest layout only: 2024 -> 2026 changed nothing
        # (and no pair claims that every wijk is new)
        assert con.sql(
            "SELECT count(*) FROM edition_changelog WHERE kind LIKE 'area_%'"
        ).fetchone() == (0,)
        # the own layout's buurten are all in the 2026 file: it moved along and is computed
        own = con.sql(
            """SELECT count(DISTINCT area_code) FROM indicator_values
               WHERE edition = 2026 AND layout = 'voorbeeld' AND area_level = 'wijk'"""
        ).fetchone()[0]
        assert own == 32
    finally:
        con.close()
    site = tmp_path / "site"
    sidecar = yaml.safe_load((site / "downloads" / "indicator_values.json").read_text("utf-8"))
    assert sidecar["editions"] == [2018, 2024, 2026]
    assert "Editie 2026 ten opzichte van 2024" in (site / "statistiek/wijzigingen.html").read_text(
        "utf-8"
    )
    # the area teams' reports are the new edition's, compared with 2024; built without PDFs
    # (WIJKKOMPAS_REPORT_PDF=0), no page links one
    report = (site / "rapport" / "WK001404.html").read_text("utf-8")
    assert "editie 2026" in report and "Veranderingen sinds 2024" in report
    assert not list((site / "rapport").glob("*.pdf"))
    wijk_page = (site / "wijk" / "WK001404.html").read_text("utf-8")
    assert "rapport/WK001404.html" in wijk_page and ".pdf" not in wijk_page
    assert ".pdf" not in (site / "rapport" / "index.html").read_text("utf-8")


def test_new_edition_with_a_bad_survey_changes_nothing(tmp_path, data_copy):
    data = data_copy
    before = _tree_digest(data)
    survey = tmp_path / "enquete_2026.csv"
    lines = (data / "raw/survey/wijkenquete_2024.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(";")
    drop = header.index("leeftijd")
    survey.write_text(
        "\n".join(";".join(c for i, c in enumerate(ln.split(";")) if i != drop) for ln in lines)
        + "\n",
        encoding="utf-8",
    )
    cbs = tmp_path / "kerncijfers_2026.csv"
    shutil.copy(ROOT / "data/raw/cbs/kwb_2024_85984NED_groningen.csv", cbs)
    r = run_cli(
        "new-edition", "2026", "--survey", str(survey), "--cbs", str(cbs), data=data, tmp=tmp_path
    )
    assert r.returncode == 1
    assert "enquete_2026.csv" in r.stderr and "leeftijd" in r.stderr, r.stderr
    assert "Nothing in" in r.stderr
    assert _tree_digest(data) == before  # no copy, no sidecar, no crosswalk or codebook edit
    assert not (tmp_path / "site").exists()
