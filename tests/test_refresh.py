"""The biennial refresh: ``wijkkompas new-edition`` adds a synthetic 2026 wave end to end."""

from __future__ import annotations

import hashlib
import re
import shutil
import time

import duckdb
import pandas as pd
import pytest
import yaml
from conftest import ROOT, run_cli

from indicators import messages
from indicators.catalogue import load_catalogue


def _tree_digest(folder):
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _inputs(tmp_path, data, registers: bool = False):
    """A synthetic 2026 wave (the codebook does not know 2026: the generator asks the questions
    of the latest wave, 2024, and says so), a register export when asked for, and a CBS 2026
    file (the 2024 figures, with one StatLine column renumbered as CBS does every year)."""
    inputs = tmp_path / "inputs"
    inputs.mkdir(exist_ok=True)
    survey = inputs / "enquete_2026.csv"
    r = run_cli(
        "generate-survey", "--wave", "2026", "--cbs-year", "2024", "--respondents", "4000",
        "--out", str(survey), data=data, tmp=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "no questions for wave 2026: asking those of wave 2024" in r.stdout
    assert "answering 102 questions" in r.stdout
    export = None
    if registers:
        export = inputs / "registraties_2026.csv"
        r = run_cli(
            "generate-registers", "--year", "2026", "--cbs-year", "2024", "--out", str(export),
            data=data, tmp=tmp_path,
        )  # fmt: skip
        assert r.returncode == 0, r.stderr
    cbs = inputs / "kerncijfers_2026.csv"
    text = (ROOT / "data/raw/cbs/kwb_2024_85984NED_groningen.csv").read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    assert "AantalInwoners_5" in header.split(",")
    cbs.write_text(header.replace("AantalInwoners_5", "AantalInwoners_6") + "\n" + rest, "utf-8")
    return survey, cbs, export


def test_new_edition_2026_without_registers_end_to_end(tmp_path, data_copy, built_warehouse):
    """The README's refresh without the optional register export: the edition is built and
    published, without register indicators, and every page says why."""
    data = data_copy
    (tmp_path / "wh").mkdir()
    shutil.copy(built_warehouse, tmp_path / "wh" / "w.duckdb")
    survey, cbs, _ = _inputs(tmp_path, data)
    # the 2026 questionnaire left out one question of 2024, on purpose
    table = [line.split(";") for line in survey.read_text("utf-8").splitlines()]
    drop = table[0].index("won_schoon")
    survey.write_text(
        "\n".join(";".join(c for i, c in enumerate(r) if i != drop) for r in table) + "\n", "utf-8"
    )
    given = _tree_digest(survey.parent)
    # an area team's note citing figures: after the refresh they are the new edition's
    note = data / "wijkanalyse" / "cbs" / "WK001404.md"
    note.parent.mkdir(parents=True, exist_ok=True)
    note.write_text(NOTE, encoding="utf-8")

    # the reports as pages only: printing them is tested on the session build (and costs ~30 s)
    r = run_cli(
        "new-edition", "2026", "--survey", str(survey), "--cbs", str(cbs),
        "--cbs-fallback-year", "2023", "--dropped-questions", "won_schoon",
        data=data, tmp=tmp_path, WIJKKOMPAS_REPORT_PDF="0",
    )  # fmt: skip
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "Edition 2026 added and published" in r.stdout
    assert _tree_digest(survey.parent) == given  # the statistician's files are not touched
    assert "Traceback" not in r.stdout + r.stderr

    # the edition, its files (with sidecars) and the derived crosswalk column are in data/
    editions = yaml.safe_load((data / "editions.yml").read_text(encoding="utf-8"))["editions"]
    new = editions[-1]
    assert (new["edition"], new["area_year"], new["cbs_years"]) == (2026, 2026, [2026, 2023])
    assert "registers" not in new and new["dropped_questions"] == ["won_schoon"]
    # the CBS copy is named like the shipped files, whatever the statistician called it
    assert (data / "raw/cbs/kwb_2026_groningen.csv").exists()
    assert not list((data / "raw/cbs").glob("*kerncijfers*"))
    copied = yaml.safe_load((data / "raw/cbs/kwb_2026_groningen.csv.meta.yml").read_text())
    assert copied["copied_from"] == cbs.name  # the statistician's file, no local path
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
        indicators = len(load_catalogue().indicators)
        assert same[0] == 20 * indicators and same[0] == same[1]
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
        # the changelog says why the register indicators are gone
        removed = dict(
            con.sql(
                """SELECT subject, detail FROM edition_changelog
                   WHERE edition = 2026 AND kind = 'indicator_removed'"""
            ).fetchall()
        )
        registers_gone = [d for d in removed.values() if "(register)" in d]
        assert registers_gone and all(
            d.endswith(": Deze editie heeft geen gemeentelijke registraties")
            for d in registers_gone
        )
        assert removed["buurt_clean_and_well_kept"].endswith(
            "(survey): Niet gesteld in de enquête van 2026"
        )
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
        # no register export: every register indicator of 2026 is absent with its reason, and
        # 2024 keeps its register figures
        registers = con.sql(
            """SELECT edition, count(*), count(value), count(*) FILTER
                      (suppression_reason = 'no_registers'), any_value(suppression_reason)
               FROM indicator_values WHERE source = 'register' AND layout = 'cbs'
               AND area_level = 'wijk' AND edition >= 2024 GROUP BY 1 ORDER BY 1"""
        ).fetchall()
        n_register = con.sql(
            "SELECT count(*) FROM indicator_catalogue WHERE source = 'register'"
        ).fetchone()[0]
        assert registers[1] == (2026, 20 * n_register, 0, 20 * n_register, "no_registers")
        assert (
            messages.suppression_message("no_registers", "nl")
            == "Deze editie heeft geen gemeentelijke registraties"
        )
        assert registers[0][2] > 0 and registers[0][3] == 0
        assert con.sql("SELECT registers FROM editions WHERE edition = 2026").fetchone() == (None,)
        # the question left out on purpose: its indicator is "not asked in 2026", with a value
        # in 2024
        not_asked = con.sql(
            """SELECT edition, count(value), any_value(suppression_reason), any_value(period)
               FROM indicator_values v JOIN indicator_catalogue c USING (indicator_id)
               WHERE c.definition LIKE '%won_schoon%' AND v.layout = 'cbs'
                 AND v.area_level = 'wijk' AND v.edition >= 2024 GROUP BY 1 ORDER BY 1"""
        ).fetchall()
        assert not_asked[0][1] > 0
        assert not_asked[1] == (2026, 0, "not_asked", 2026)
        said = messages.suppression_message("not_asked", "nl", wave=not_asked[1][3])
        assert said == "Niet gesteld in de enquête van 2026"
    finally:
        con.close()
    site = tmp_path / "site"
    sidecar = yaml.safe_load((site / "downloads" / "datapackage.json").read_text("utf-8"))
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
    assert wijk_page.count("Deze editie heeft geen gemeentelijke registraties") >= n_register
    assert "Niet gesteld in de enquête van 2026" in wijk_page
    english = (site / "en" / "wijk" / "WK001404.html").read_text("utf-8")
    assert english.count("This edition has no municipal register data") >= n_register
    assert "Not asked in the 2026 survey" in english
    assert ".pdf" not in (site / "rapport" / "index.html").read_text("utf-8")
    _note_cites_the_new_edition(report, site / "rapport" / "WK001404.docx", tmp_path)


NOTE = """---
team: Gebiedsteam Oude Wijken
datum: 2026-11-20
---
Bewoners die actief zijn voor de buurt: {{ active_for_buurt }}; rapportcijfer veiligheid
{{ mark_safety }}; sociale samenhang {{ social_cohesion_score }}; kent het wijkteam
{{ knows_area_team }}.
"""


def _note_cites_the_new_edition(report: str, word, tmp_path):
    """Every figure the team's note cites is the 2026 figure (in the page and the Word file),
    and the note did not keep a figure of 2024."""
    import docx

    from tests.figures import figure

    cited = re.findall(r'<span class="fig" data-area="WK001404" data-indicator="(\w+)" '
                       r'data-field="value">([^<]*)</span>', report)  # fmt: skip
    ids = ["active_for_buurt", "mark_safety", "social_cohesion_score", "knows_area_team"]
    assert "Gebiedsteam Oude Wijken, 20 november 2026" in report
    with duckdb.connect(str(tmp_path / "wh" / "w.duckdb"), read_only=True) as con:
        rows = {
            (edition, ind): (value, suppressed)
            for edition, ind, value, suppressed in con.execute(
                "SELECT edition, indicator_id, value, suppressed FROM indicator_values WHERE "
                "area_code = 'WK001404' AND layout = 'cbs' AND edition IN (2024, 2026) AND "
                "list_contains(?, indicator_id)",
                [ids],
            ).fetchall()
        }
    shown = {ind: text for ind, text in cited if ind in ids}
    assert set(shown) == set(ids)
    changed = 0
    for ind, text in shown.items():
        value, suppressed = rows[(2026, ind)]
        if suppressed:
            assert text == "niet gepubliceerd", ind
            continue
        assert figure(text) == value, ind
        changed += value != rows[(2024, ind)][0]
    assert changed  # a new survey wave: at least one cited figure moved
    paragraphs = " ".join(p.text for p in docx.Document(word).paragraphs)
    assert all(text in paragraphs for text in shown.values())


def test_new_edition_with_a_bad_survey_changes_nothing(tmp_path, data_copy):
    data = data_copy
    before = _tree_digest(data)
    survey = _survey_2026(tmp_path, data, drop=("leeftijd",))
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


def _survey_2026(
    tmp_path,
    data,
    drop: tuple[str, ...] = (),
    keep_only: tuple | None = None,
    answer: tuple[int, str, str] | None = None,
):
    """The shipped 2024 export as a 2026 wave (its wave column ``golf`` says 2026): without the
    columns ``drop``, with only the columns ``keep_only``, or with one answer (row, column,
    value) changed."""
    lines = (data / "raw/survey/wijkenquete_2024.csv").read_text(encoding="utf-8").splitlines()
    table = [line.split(";") for line in lines]
    header = table[0]
    for row in table[1:]:
        row[header.index("golf")] = "2026"
    keep = [i for i, c in enumerate(header)
            if c not in drop and (keep_only is None or c in keep_only)]  # fmt: skip
    if answer is not None:
        row, column, value = answer
        table[row - 1][header.index(column)] = value
    path = tmp_path / "mijn_enquete_2026.csv"
    path.write_text("\n".join(";".join(r[i] for i in keep) for r in table) + "\n", "utf-8")
    return path


def _cbs_2026(tmp_path):
    cbs = tmp_path / "kerncijfers_2026.csv"
    shutil.copy(ROOT / "data/raw/cbs/kwb_2024_85984NED_groningen.csv", cbs)
    return cbs


FRAME = ("respondent_id", "golf", "buurtcode", "leeftijd", "geslacht", "modus", "datum")


def test_a_wave_without_questions_or_missing_one_is_stopped_with_the_list(tmp_path, data_copy):
    data, cbs = data_copy, _cbs_2026(tmp_path)
    before = _tree_digest(data)

    frame_only = _survey_2026(tmp_path, data, keep_only=FRAME)
    r = run_cli("new-edition", "2026", "--survey", str(frame_only), "--cbs", str(cbs), data=data)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "mijn_enquete_2026.csv" in r.stderr and "no question columns at all" in r.stderr
    assert "--questions-of 2024" in r.stderr and "Traceback" not in r.stderr
    # saying every question was dropped does not make a survey of it
    everything = ",".join(
        q["id"] for q in yaml.safe_load((data / "survey/codebook.yml").read_text())["questions"]
        if 2024 in q["waves"]
    )  # fmt: skip
    r = run_cli(
        "new-edition", "2026", "--survey", str(frame_only), "--cbs", str(cbs),
        "--dropped-questions", everything, data=data,
    )  # fmt: skip
    assert r.returncode == 1 and "no question columns at all" in r.stderr, r.stderr

    one_missing = _survey_2026(tmp_path, data, drop=("vei_onveilig_buurt", "won_schoon"))
    r = run_cli("new-edition", "2026", "--survey", str(one_missing), "--cbs", str(cbs), data=data)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "2 question(s) asked in 2024 are not in the export: vei_onveilig_buurt, won_schoon" in (
        r.stderr
    )
    assert "--dropped-questions vei_onveilig_buurt,won_schoon" in r.stderr
    assert "mijn_enquete_2026.csv" in r.stderr
    # a dropped question that the export has after all, or that 2024 did not ask, is named
    r = run_cli(
        "new-edition", "2026", "--survey", str(one_missing), "--cbs", str(cbs),
        "--dropped-questions", "vei_onveilig_buurt,won_schoon,won_prettig", data=data,
    )  # fmt: skip
    assert r.returncode == 1 and "names won_prettig, but the export has that column" in r.stderr
    r = run_cli(
        "new-edition", "2026", "--survey", str(one_missing), "--cbs", str(cbs),
        "--dropped-questions", "vei_onveilig_buurt,won_schoon,par_kent_wijkwethouder", data=data,
    )  # fmt: skip
    assert r.returncode == 1 and "par_kent_wijkwethouder, not asked in 2024" in r.stderr
    assert _tree_digest(data) == before  # nothing copied, no crosswalk or codebook edit


def test_dropped_questions_and_registers_are_recorded_with_the_edition(
    tmp_path, data_copy, monkeypatch
):
    """What new-edition writes before the build (the build itself is tested above): the
    register export with its sidecar, the wave in the codebook for the questions asked, the
    questions left out on purpose in editions.yml; undo puts everything back."""
    from pipelines.refresh import NewEdition, prepare
    from pipelines.settings import editions_config

    data = data_copy
    monkeypatch.setenv("WIJKKOMPAS_DATA", str(data))
    before = _tree_digest(data)
    survey = _survey_2026(tmp_path, data, drop=("won_schoon",))
    registers = tmp_path / "registraties_2026.csv"
    shutil.copy(data / "raw/registers/registers_2024.csv", registers)
    registers.write_text(
        registers.read_text("utf-8").replace("\n2024;", "\n2026;"), encoding="utf-8"
    )
    said = []
    spec = NewEdition(2026, survey, _cbs_2026(tmp_path), registers, cbs_table="86165NED",
                      dropped_questions=["won_schoon"])  # fmt: skip
    change = prepare(spec, said.append)
    try:
        new = editions_config().editions[-1]
        assert (new.edition, new.registers, new.dropped_questions) == (2026, 2026, ["won_schoon"])
        assert (data / "raw/registers/registers_2026.csv.meta.yml").exists()
        assert (data / "raw/cbs/kwb_2026_86165NED_groningen.csv").exists()
        codebook = yaml.safe_load((data / "survey/codebook.yml").read_text("utf-8"))
        asked = {q["id"] for q in codebook["questions"] if 2026 in q["waves"]}
        asked_2024 = {q["id"] for q in codebook["questions"] if 2024 in q["waves"]}
        assert asked == asked_2024 - {"won_schoon"}
        assert any("deliberately not asked again: won_schoon" in line for line in said)
    finally:
        change.undo()
    assert _tree_digest(data) == before


def test_an_answer_outside_the_codebook_is_stopped_before_the_build(tmp_path, data_copy):
    data = data_copy
    before = _tree_digest(data)
    survey = _survey_2026(tmp_path, data, answer=(118, "won_schoon", "6"))
    r = run_cli("new-edition", "2026", "--survey", str(survey), "--cbs", str(_cbs_2026(tmp_path)),
                data=data)  # fmt: skip
    assert r.returncode == 1
    message = r.stderr
    assert f"file {survey}, row 118, column 'won_schoon'" in message, message
    assert "answer outside the codebook" in message and "found '6'" in message
    assert "1 (helemaal mee eens), 2 (mee eens)" in message and "98 (weet niet)" in message
    assert "Building" not in r.stdout  # stopped while reading, before any build
    assert _tree_digest(data) == before


def _warehouse_state(path):
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [t for (t,) in con.sql("SELECT table_name FROM duckdb_tables()").fetchall()]
        return {t: con.sql(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        con.close()


def test_a_refresh_failing_on_a_rule_leaves_data_warehouse_and_site_as_they_were(
    tmp_path, data_copy, built_warehouse
):
    """A respondent in a buurt that does not exist passes reading and is stopped by the rule
    survey_responses.buurt_known inside the build: data/, the warehouse and the site stay as
    they were, and the notebooks go on showing the last good edition."""
    import os

    data = data_copy
    warehouse = tmp_path / "wh" / "w.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(built_warehouse, warehouse)
    site = tmp_path / "site"
    shutil.copytree(os.environ["WIJKKOMPAS_SITE"], site)
    before = (_tree_digest(data), _warehouse_state(warehouse), _tree_digest(site))
    warehouse_bytes = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    survey = _survey_2026(tmp_path, data, answer=(5, "buurtcode", "BU00149999"))

    r = run_cli("new-edition", "2026", "--survey", str(survey), "--cbs", str(_cbs_2026(tmp_path)),
                data=data, tmp=tmp_path, WIJKKOMPAS_REPORT_PDF="0")  # fmt: skip
    assert r.returncode == 1, r.stdout[-2000:]
    assert "survey_responses.buurt_known" in r.stdout and "BU00149999" in r.stdout
    assert "Edition 2026 was NOT added" in r.stderr and "Traceback" not in r.stderr
    assert (_tree_digest(data), _warehouse_state(warehouse), _tree_digest(site)) == before
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == warehouse_bytes
    from pipelines.runner import failed_copies

    failed = failed_copies(warehouse)[-1]  # the failed run, kept to inspect, named by time
    assert failed.name.startswith("w.failed-") and str(failed) in r.stderr
    assert 2026 in dict(duckdb.connect(str(failed), read_only=True).sql(
        "SELECT edition, 1 FROM editions").fetchall())  # fmt: skip

    out = tmp_path / "nb.ipynb"
    r = run_cli("notebook", "wijkanalyse", "--area", "WK001404", "--out", str(out),
                data=data, tmp=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr[-2000:]
    assert "on edition 2024 (the latest in" in r.stdout
    assert "editie 2024" in out.read_text("utf-8") and "editie 2026" not in out.read_text("utf-8")


def test_the_notebook_refuses_a_warehouse_that_disagrees_with_itself(tmp_path, built_warehouse):
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(built_warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("INSERT INTO editions (edition, area_year) VALUES (2026, 2026)")
    r = run_cli("notebook", "wijkanalyse", "--area", "WK001404", "--warehouse", str(warehouse))
    assert r.returncode == 1
    assert "its table editions lists 2018, 2024, 2026" in r.stderr, r.stderr
    assert "indicator_values has figures for 2018, 2024" in r.stderr
    assert "Traceback" not in r.stderr


def test_editions_fields_are_typed(tmp_path, data_copy):
    """A year written as 2024.0 (what pandas made of a missing register year) is refused with
    the file, the key and what was expected, before anything runs."""
    text = (data_copy / "editions.yml").read_text("utf-8")
    (data_copy / "editions.yml").write_text(
        text.replace("registers: 2024", "registers: 2024.0"), "utf-8"
    )
    r = run_cli("check", data=data_copy, tmp=tmp_path)
    assert r.returncode == 1
    assert "editions.yml, key 'editions[1].registers'" in r.stderr, r.stderr
    assert "found 2024.0" in r.stderr and "a whole number" in r.stderr
    assert "Traceback" not in r.stderr


def _codebook_asks_2026(data, but: tuple[str, ...] = ()):
    """The codebook edited by hand for the 2026 wave: every 2024 question, except ``but``."""
    path = data / "survey/codebook.yml"
    lines = []
    for line in path.read_text("utf-8").splitlines(keepends=True):
        if "2024]" in line and not any(f"{{id: {q}," in line for q in but):
            line = line.replace("2024]", "2024, 2026]", 1)
        lines.append(line)
    path.write_text("".join(lines), "utf-8")


def test_a_wave_the_codebook_lists_already_checks_dropped_questions_too(
    tmp_path, data_copy, built_warehouse, monkeypatch
):
    """The statistician added the 2026 wave to the codebook by hand, without won_schoon: the
    refresh asks for --dropped-questions and records it; later, an error in the copy of the
    export names the statistician's own file too."""
    from ingest.errors import InputError
    from pipelines.refresh import NewEdition, prepare

    data = data_copy
    monkeypatch.setenv("WIJKKOMPAS_DATA", str(data))
    _codebook_asks_2026(data, but=("won_schoon",))
    survey = _survey_2026(tmp_path, data, drop=("won_schoon",))
    cbs = _cbs_2026(tmp_path)
    with pytest.raises(InputError, match="not asked in the codebook's wave 2026: won_schoon"):
        prepare(NewEdition(2026, survey, cbs), print)
    change = prepare(NewEdition(2026, survey, cbs, dropped_questions=["won_schoon"]), print)
    assert "dropped_questions: [won_schoon]" in (data / "editions.yml").read_text("utf-8")
    # the codebook now asks won_schoon in 2026 after all: the copy lacks the column
    _codebook_asks_2026(data)
    (tmp_path / "wh").mkdir()
    shutil.copy(built_warehouse, tmp_path / "wh" / "w.duckdb")
    r = run_cli("check", "--select", "survey_export", "--edition", "2026", data=data,
                tmp=tmp_path)  # fmt: skip
    assert r.returncode == 1
    assert "wijkenquete_2026.csv (copy of mijn_enquete_2026.csv)" in r.stdout, r.stdout
    assert "column 'won_schoon': missing column" in r.stdout
    change.undo()


def test_a_raw_file_of_another_edition_is_never_replaced(tmp_path, data_copy, monkeypatch):
    """A CBS file given for the wrong year would land on the shipped 2024 file: refused."""
    from ingest.errors import InputError
    from pipelines.refresh import NewEdition, prepare

    data = data_copy
    monkeypatch.setenv("WIJKKOMPAS_DATA", str(data))
    before = _tree_digest(data)
    cbs = _cbs_2026(tmp_path)
    cbs.write_text(cbs.read_text("utf-8").replace("Groningen", "Groningen (bewerkt)"), "utf-8")
    spec = NewEdition(2026, _survey_2026(tmp_path, data), cbs, cbs_year=2024,
                      cbs_table="85984NED")  # fmt: skip
    with pytest.raises(InputError, match=r"would replace raw/cbs/kwb_2024_85984NED_groningen"):
        prepare(spec, print)
    assert _tree_digest(data) == before


def _new_edition(*args: str, data, tmp_path):
    """``wijkkompas new-edition ARGS`` as the statistician runs it, and the seconds it took."""
    started = time.perf_counter()
    r = run_cli("new-edition", *args, data=data, tmp=tmp_path)
    return r, time.perf_counter() - started


def _rename_column(path, column: str, to: str) -> None:
    lines = path.read_text("utf-8").split("\n", 1)
    header = [to if c == column else c for c in lines[0].split(";")]
    assert to in header
    path.write_text(";".join(header) + "\n" + lines[1], "utf-8")


def test_a_misspelt_question_is_named_and_never_advised_to_be_dropped(tmp_path, data_copy):
    """A typo in a question's column is a misspelling ("did you mean"), not a question the wave
    left out: following --dropped-questions advice would drop a question that was asked."""
    data = data_copy
    before = _tree_digest(data)
    cbs = _cbs_2026(tmp_path)
    survey = _survey_2026(tmp_path, data)
    _rename_column(survey, "won_cijfer_buurt", "won_cijfer_buurrt")
    r, _ = _new_edition("2026", "--survey", str(survey), "--cbs", str(cbs), data=data,
                        tmp_path=tmp_path)  # fmt: skip
    assert r.returncode == 1, r.stdout + r.stderr
    assert (
        f"file {survey}, row 1, column 'won_cijfer_buurrt': unexpected column; did you mean "
        "won_cijfer_buurt?"
    ) in r.stderr, r.stderr
    assert "dropped-questions" not in r.stderr and "Building" not in r.stdout

    # with a question really left out too: one message, the misspelling first, the advice to
    # drop only for the question that is missing
    survey = _survey_2026(tmp_path, data, drop=("won_schoon",))
    _rename_column(survey, "won_cijfer_buurt", "won_cijfer_buurrt")
    r, _ = _new_edition("2026", "--survey", str(survey), "--cbs", str(cbs), data=data,
                        tmp_path=tmp_path)  # fmt: skip
    assert r.returncode == 1
    message = r.stderr
    assert "2 problems, the most likely cause first:" in message, message
    first = message.index("1. row 1, column 'won_cijfer_buurrt': unexpected column; did you mean")
    second = message.index("2. row 1, column 'won_schoon': 1 question(s) asked in 2024 are not")
    assert first < second
    assert "--dropped-questions won_schoon [rule" in message
    assert "won_cijfer_buurt," not in message and "dropped-questions won_cijfer" not in message
    assert _tree_digest(data) == before


def test_a_survey_of_another_wave_is_refused_in_seconds_naming_the_users_file(tmp_path, data_copy):
    """The 2024 export given as the 2026 wave: refused before any build, naming the file the
    statistician gave (not its copy in data/raw), the row, column, value and year expected."""
    data = data_copy
    before = _tree_digest(data)
    bad = tmp_path / "bad_year.csv"
    shutil.copy(data / "raw/survey/wijkenquete_2024.csv", bad)
    r, seconds = _new_edition("2026", "--survey", str(bad), "--cbs", str(_cbs_2026(tmp_path)),
                              data=data, tmp_path=tmp_path)  # fmt: skip
    assert r.returncode == 1, r.stdout + r.stderr
    assert seconds < 10, f"refused after {seconds:.1f} s"
    assert (
        f"file {bad}, row 2, column 'golf': the survey's wave is not 2026: 17011 of 17011 rows "
        "say 2024 (found '2024'); expected 2026, the edition being added"
    ) in r.stderr, r.stderr
    assert "wijkenquete_2026" not in r.stderr  # never the name of the copy it would become
    assert "Building" not in r.stdout and "Traceback" not in r.stderr
    assert _tree_digest(data) == before


def test_an_edition_year_typo_is_refused_in_seconds(tmp_path, data_copy):
    """``new-edition 2062`` for 2026: the year cannot be right, and the survey says 2026."""
    data = data_copy
    before = _tree_digest(data)
    survey = _survey_2026(tmp_path, data)
    r, seconds = _new_edition("2062", "--survey", str(survey), "--cbs", str(_cbs_2026(tmp_path)),
                              data=data, tmp_path=tmp_path)  # fmt: skip
    assert r.returncode == 1, r.stdout + r.stderr
    assert seconds < 10, f"refused after {seconds:.1f} s"
    message = r.stderr
    assert "1. edition 2062 cannot be right: it is more than a year after today" in message, message
    assert (
        f"2. file {survey}, row 2, column 'golf': the survey's wave is not 2062: 17011 of 17011 "
        "rows say 2026 (found '2026')"
    ) in message
    assert "Building" not in r.stdout
    assert _tree_digest(data) == before


def test_registers_and_cbs_of_another_year_are_refused_before_anything_changes(
    tmp_path, data_copy, monkeypatch
):
    """The register export's ``jaar`` and the CBS file's period column, or its StatLine table,
    of another year than the edition's figures: all named at once, nothing changed."""
    from ingest.errors import InputError
    from pipelines.refresh import NewEdition, check_years, prepare

    data = data_copy
    monkeypatch.setenv("WIJKKOMPAS_DATA", str(data))
    before = _tree_digest(data)
    registers = tmp_path / "registraties.csv"
    shutil.copy(data / "raw/registers/registers_2024.csv", registers)
    cbs = tmp_path / "statline_download.csv"  # a download with StatLine's period column
    lines = (ROOT / "data/raw/cbs/kwb_2024_85984NED_groningen.csv").read_text("utf-8").split("\n")
    cbs.write_text(
        "\n".join(
            [lines[0] + ",Perioden"] + [ln + ",2024JJ00" for ln in lines[1:] if ln]
        ) + "\n",
        "utf-8",
    )  # fmt: skip
    spec = NewEdition(2026, _survey_2026(tmp_path, data), cbs, registers)
    with pytest.raises(InputError) as err:
        prepare(spec, print)
    message = str(err.value)
    assert f"file {registers}: 2 problems, the most likely cause first:" in message, message
    assert (
        "1. row 2, column 'jaar': the register export's year is not 2026: 13288 of 13288 rows "
        "say 2024 (found '2024')"
    ) in message
    assert (
        f"2. file {cbs}, row 2, column 'Perioden': the CBS file's period is not 2026: 177 of "
        "177 rows say 2024 (found '2024JJ00')"
    ) in message
    assert _tree_digest(data) == before
    # a StatLine table known to hold another year's figures
    spec = NewEdition(2026, _survey_2026(tmp_path, data), _cbs_2026(tmp_path),
                      cbs_table="85984NED")  # fmt: skip
    with pytest.raises(InputError, match=r"table 85984NED holds the kerncijfers of 2024, not 2026"):
        check_years(spec)
    check_years(NewEdition(2026, spec.survey, spec.cbs, cbs_year=2024, cbs_table="85984NED"))


def test_a_rule_failing_on_a_copy_names_the_users_file(
    tmp_path, data_copy, built_warehouse, monkeypatch
):
    """A problem only a quality rule sees (a respondent twice) in a file new-edition copied:
    the failure lines name the copy and the statistician's own file."""
    from pipelines.refresh import NewEdition, prepare

    data = data_copy
    monkeypatch.setenv("WIJKKOMPAS_DATA", str(data))
    survey = _survey_2026(tmp_path, data)
    twice = survey.with_name("enquete_met_dubbele.csv")
    lines = survey.read_text("utf-8").splitlines()
    twice.write_text("\n".join([*lines, lines[1]]) + "\n", "utf-8")
    change = prepare(NewEdition(2026, twice, _cbs_2026(tmp_path)), print)
    try:
        (tmp_path / "wh").mkdir()
        shutil.copy(built_warehouse, tmp_path / "wh" / "w.duckdb")
        r = run_cli("check", "--select", "survey_export", "--select", "survey_responses",
                    "--edition", "2026", data=data, tmp=tmp_path)  # fmt: skip
    finally:
        change.undo()
    assert r.returncode == 1, r.stdout + r.stderr
    assert "FATAL survey_responses.respondent_id_unique" in r.stdout, r.stdout
    assert "source_file wijkenquete_2026.csv (copy of enquete_met_dubbele.csv)" in r.stdout
