"""The notebooks for the area teams (notebooks/): both run with papermill through the
``wijkkompas notebook`` command against the session's warehouse, without an error and without
fetching anything, for CBS areas and for those of the own layout (data/editions.yml); the
wijkanalyse notebook's tables are the report's (dashboards.wijkanalyse) and hold the warehouse's
figures of the area's layout; an own gebied whose code is CBS's too is the one of ``--layout``;
the comparison's differences and significance test are recomputed here from indicator_values;
unknown codes and layouts and a missing warehouse are said clearly; the committed notebooks are
stripped."""

from __future__ import annotations

import copy
import re
import subprocess
import sys

import nbformat
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from dashboards.site_data import LAYOUT, own_layouts
from dashboards.wijkanalyse import (
    CHANGES_LISTED,
    DIFFERENCES_LISTED,
    PER_QUADRANT,
    area_report,
    load_report_context,
    report_tables,
)
from pipelines.cli import main
from pipelines.notebooks import (
    CBS,
    NOTEBOOKS,
    OUT_DIR,
    NotebookError,
    committed_notebooks,
    layout_areas,
    output_path,
    plan_run,
    read_tables,
    resolve_layout,
    strip_notebook,
    strip_notebooks,
)
from pipelines.settings import editions_config
from tests import expected
from tests.conftest import ROOT, run_cli

AREA, OTHER = "WK001404", "WK001403"
# the own layout: its wijk Beijum and Lewenborg, and their gebied (whose code is CBS's too)
OWN_LAYOUT = editions_config().layouts[0]
_OWN = pd.read_csv(ROOT / OWN_LAYOUT.file, dtype=str).drop_duplicates("wijk_code")
OWN, OWN_OTHER = (_OWN.set_index("wijk_name").loc[n, "wijk_code"] for n in ("Beijum", "Lewenborg"))
SHARED = _OWN.set_index("wijk_code").loc[OWN, "gebied_code"]
# run -> (notebook, its --area codes, --layout or None, the layout it must run on)
RUNS = {
    "wijkanalyse": ("wijkanalyse", [AREA], None, CBS),
    "own wijk": ("wijkanalyse", [OWN], None, OWN_LAYOUT.name),  # inferred: only it has OWN
    "own gebied": ("wijkanalyse", [SHARED], OWN_LAYOUT.name, OWN_LAYOUT.name),
    "vergelijk": ("vergelijk", [OWN, OWN_OTHER], None, OWN_LAYOUT.name),
    "own wijk by name": ("wijkanalyse", ["Beijum"], None, OWN_LAYOUT.name),  # OWN, by its name
}
LATEST = "edition = (SELECT max(edition) FROM editions) AND layout = $layout"
# anything a browser would fetch: src/href/url() to the network, stylesheets, scripts
FETCH = re.compile(
    r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import|<script"""
)


@pytest.fixture(scope="module")
def runs(built_warehouse, tmp_path_factory) -> dict[str, dict]:
    """Both notebooks, for CBS and own areas, run at the same time (four kernels) by the real
    command."""
    tmp = tmp_path_factory.mktemp("notebooks")
    started = {}
    for run, (name, codes, layout, _) in RUNS.items():
        out, tables = tmp / f"{run}.ipynb", tmp / f"{run}.json"
        args = [f"--area={c}" for c in codes] + (["--layout", layout] if layout else [])
        args += [
            "--warehouse",
            str(built_warehouse),
            "--out",
            str(out),
            "--tables-out",
            str(tables),
        ]
        process = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "notebook", name, *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started[run] = (process, out, tables)
    done = {}
    for run, (process, out, tables) in started.items():
        stdout, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, f"{run}: {stdout}\n{stderr}"
        assert f"Done: {out}" in stdout
        nb = nbformat.read(out, as_version=4)
        done[run] = {"nb": nb, "tables": read_tables(tables), "stdout": stdout}
    return done


def test_notebooks_run_without_errors_and_fetch_nothing(runs):
    for run, (name, codes, given, layout) in RUNS.items():
        nb = runs[run]["nb"]
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.execution_count for c in code), f"{run}: a cell did not run"
        errors = [o for c in code for o in c.outputs if o.output_type == "error"]
        assert not errors, f"{run}: {errors[0].ename}: {errors[0].evalue}"
        shown = [str(v) for c in code for o in c.outputs for v in o.get("data", {}).values()]
        fetching = [m.group(0) for text in shown for m in FETCH.finditer(text)]
        assert not fetching, f"{run} fetches {fetching[:3]}"
        compasses = sum(text.count('class="compass-svg"') for text in shown)
        assert compasses == len(codes), run
        # the run is on the layout meant (inferred, given or the default), and every SQL query
        # of the notebook finds rows of it: a query on another layout finds none for an own wijk
        assert f"(layout {layout})" in runs[run]["stdout"], run
        inferred = f"Only the own layout {layout} has {' and '.join(codes)}: using --layout"
        assert (inferred in runs[run]["stdout"]) == (given is None and layout != CBS), run
        (injected,) = [c for c in code if "injected-parameters" in c.metadata.get("tags", [])]
        assert f'layout = "{layout}"' in injected.source, run
        for cell in (c for c in code if "sql(" in c.source and "def sql" not in c.source):
            html = [o.data.get("text/html", "") for o in cell.outputs if "data" in o]
            tables = [t for t in html if "<table" in t]
            assert tables and all("<td" in t for t in tables), (run, cell.source[:80])
        # the executed notebook, stripped, is the committed template again
        template = nbformat.read(ROOT / "notebooks" / NOTEBOOKS[name].file, as_version=4)
        assert strip_notebook(copy.deepcopy(nb)) == template


@pytest.mark.parametrize("run", ["wijkanalyse", "own wijk"])
def test_wijkanalyse_tables_are_the_reports_with_the_warehouse_figures(runs, con, run):
    _, (area,), _, layout = RUNS[run]
    got = runs[run]["tables"]
    tables = report_tables(area_report(load_report_context(con, layout), area))
    assert sorted(got) == sorted(tables)
    for key, frame in tables.items():
        pd.testing.assert_frame_equal(got[key], frame, check_dtype=False, obj=key)
    assert not got["strengths"].empty and not got["weaknesses"].empty
    assert not got["similar"].empty
    # the lists themselves, recomputed in SQL (tests/expected.py), not by the report's code
    edition = con.execute("SELECT max(edition) FROM editions").fetchone()[0]
    rows = expected.area_rows(con, edition, layout, area)
    for kind in expected.BANDS:
        want = [i for q in expected.strengths(rows, kind).values() for i in q.head(PER_QUADRANT)]
        assert list(got[kind]["indicator_id"]) == want, kind
    changes = got["changes"]
    for trend in ("better", "worse"):
        want = expected.changes(rows, trend).head(CHANGES_LISTED)
        assert list(changes[changes["trend"] == trend]["indicator_id"]) == want, trend
    found, lists = expected.differences(con, edition, layout, area)
    shown = got["differences"]
    for key, want in lists.items():
        part = shown[shown["direction"] == key]
        assert list(part["indicator_id"]) == want.head(DIFFERENCES_LISTED), key
        assert list(part["difference"]) == pytest.approx([found[i] for i in part["indicator_id"]])
    assert not changes.empty and not shown.empty
    # their figures are indicator_values' and compass_scores' own, of the area's layout
    where = {"layout": layout, "area": area}
    values = con.execute(
        f"SELECT indicator_id, value, reference_value, index, band FROM indicator_values "
        f"WHERE {LATEST} AND area_code = $area",
        where,
    ).df()
    for key in ("strengths", "weaknesses", "composition"):
        merged = got[key].merge(values, on="indicator_id", suffixes=("", "_warehouse"))
        assert len(merged) == len(got[key])
        for column in ("value", "reference_value", "index", "band"):
            assert (merged[column] == merged[f"{column}_warehouse"]).all(), (key, column)
    centre = con.execute(
        f"SELECT score FROM compass_scores WHERE {LATEST} AND area_code = $area "
        "AND score_level = 'centre'",
        where,
    ).fetchone()[0]
    assert got["scores"].query("level == 'centre'")["score"].item() == centre
    similar = con.execute(
        f"SELECT similar_code, distance FROM similar_areas WHERE {LATEST} AND area_code = $area "
        "ORDER BY rank",
        where,
    ).fetchall()
    assert list(got["similar"][["code", "distance"]].itertuples(index=False, name=None)) == similar


def test_comparison_differences_and_significance_recomputed_from_indicator_values(runs, con):
    _, (area, other), _, layout = RUNS["vergelijk"]
    tables = runs["vergelijk"]["tables"]
    got = tables["vergelijking"].set_index("indicator_id")
    rows = con.execute(
        f"SELECT area_code, indicator_id, quadrant, source, suppressed, value, index, "
        f"standard_error FROM indicator_values WHERE {LATEST} AND area_code IN ($a, $b)",
        {"layout": layout, "a": area, "b": other},
    ).df()
    a = rows[rows.area_code == area].set_index("indicator_id")
    b = rows[rows.area_code == other].set_index("indicator_id").reindex(a.index)
    assert len(a) > 100 and sorted(got.index) == sorted(a.index)
    got = got.reindex(a.index)
    shown_a = a["value"].where(~a["suppressed"])
    shown_b = b["value"].where(~b["suppressed"])
    # a suppressed figure is never shown, nor a difference made with it
    assert got.loc[a["suppressed"], "waarde_a"].isna().all()
    assert got.loc[b["suppressed"], "waarde_b"].isna().all()
    np.testing.assert_allclose(got["verschil"], shown_a - shown_b, equal_nan=True)
    np.testing.assert_allclose(
        got["verschil_index"],
        a["index"].where(~a["suppressed"]) - b["index"].where(~b["suppressed"]),
        equal_nan=True,
    )
    se = np.sqrt(a["standard_error"] ** 2 + b["standard_error"] ** 2)
    z = ((shown_a - shown_b) / se).where((a["source"] == "survey") & (se > 0))
    np.testing.assert_allclose(got["z"].astype(float), z, equal_nan=True)
    significant = [None if pd.isna(v) else bool(abs(v) > 1.96) for v in z]
    assert [None if pd.isna(v) else v for v in got["significant"]] == significant
    survey = got[a["source"] == "survey"]
    assert survey["significant"].eq(True).sum() > 0 and survey["significant"].eq(False).sum() > 0
    assert got.loc[a["source"] != "survey", "significant"].isna().all()
    # the largest differences per quadrant: the top |index difference| among real differences
    largest = tables["grootste_verschillen"]
    real = got[got["verschil_index"].notna() & (got["verschil_index"] != 0)]
    real = real[(real["bron"] != "survey") | (real["significant"] == True)]  # noqa: E712
    for quadrant, group in largest.groupby("kwadrant"):
        top = real[real["kwadrant"] == quadrant]["verschil_index"].abs().nlargest(5)
        np.testing.assert_allclose(group["verschil_index"].abs(), top.to_numpy())
    assert set(largest["kwadrant"]) == set(a["quadrant"])


def test_an_own_gebied_with_a_cbs_code_is_the_one_of_the_layout_given(runs, con):
    """SHARED is a gebied code of CBS and of the own layout (the same buurten, so the same
    figures): without --layout it is CBS's, with --layout the own one, whose wijken are the own
    layout's own wijken."""
    assert resolve_layout(con, [SHARED]) == (CBS, None)
    assert resolve_layout(con, [SHARED], OWN_LAYOUT.name) == (OWN_LAYOUT.name, None)
    wijken = {
        layout: {
            code
            for (code,) in con.execute(
                "SELECT area_code FROM areas WHERE layout = ? AND area_level = 'wijk' "
                "AND parent_code = ? AND year = (SELECT max(year) FROM areas WHERE layout = ?)",
                [layout, SHARED, layout],
            ).fetchall()
        }
        for layout in (CBS, OWN_LAYOUT.name)
    }
    own = wijken[OWN_LAYOUT.name]
    assert OWN in own and wijken[CBS] and not wijken[CBS] & own
    (members,) = [c for c in runs["own gebied"]["nb"].cells if "report.members" in c.source]
    shown = set(re.findall(r"\b[A-Z]{2}\d+\b", members.outputs[0].data["text/plain"]))
    assert shown == own


def test_an_own_code_selects_its_layout_and_output_names_keep_layouts_apart(con):
    assert CBS == LAYOUT and list(layout_areas(con)) == [CBS, *own_layouts(con)]
    layout, said = resolve_layout(con, [OWN])
    assert layout == OWN_LAYOUT.name and f"using --layout {layout}" in said
    assert resolve_layout(con, [AREA, OTHER]) == (CBS, None)
    assert output_path("wijkanalyse", [AREA]) == OUT_DIR / f"wijkanalyse_{AREA}.ipynb"
    own = output_path("wijkanalyse", [SHARED], OWN_LAYOUT.name)
    assert own == OUT_DIR / f"wijkanalyse_{OWN_LAYOUT.name}_{SHARED}.ipynb"
    assert own != output_path("wijkanalyse", [SHARED])


def test_cli_says_which_codes_and_layouts_exist_and_that_the_warehouse_must_be_built(
    built_warehouse, tmp_path
):
    own = OWN_LAYOUT.name
    cases = {  # --area/--layout -> what the message says
        ("wijkanalyse", "--area", "WK009999"): [
            "Unknown area code 'WK009999'",
            "Layout cbs (the default):\n  Valid wijk codes:",
            f"{AREA} (Oosterparkwijk)",
            f"Layout {own} (--layout {own}):\n  Valid wijk codes:",
            f"{OWN} (Beijum)",
        ],
        ("wijkanalyse", "--area", OWN, "--layout", "eigen"): [
            "Unknown layout 'eigen'",
            f"The layouts of the warehouse: cbs, {own}",
        ],
        ("wijkanalyse", "--area", OWN, "--layout", CBS): [
            f"'{OWN}' is not a wijk or gebied of the layout cbs but of the layout {own} "
            f"(--layout {own})",
            "Valid wijk codes:",
        ],
        ("wijkanalyse", "--area", "Oosterparkwijk"): [
            "'Oosterparkwijk' is the name of 2 areas",
            f"Give the code of the one you mean (--area {AREA})",
        ],
        ("vergelijk", "--area", AREA, "--area", OWN): [
            f"{AREA} and {OWN} are areas of different layouts ({AREA} of cbs; {OWN} of {own})",
            "share buurten",
        ],
    }
    for args, says in cases.items():  # in-process: quick, through the command's own handler
        result = CliRunner().invoke(main, ["notebook", *args], catch_exceptions=False)
        assert result.exit_code == 1, (args, result.output)
        assert result.output.startswith("Not run: ") and "Traceback" not in result.output
        for part in says:
            assert part in result.output, (args, part, result.output)
    missing = tmp_path / "none.duckdb"  # and the real command, in a process of its own
    result = run_cli(
        "notebook", "vergelijk", f"--area={AREA}", f"--area={OTHER}", "--warehouse", str(missing)
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert str(missing) in result.stderr and "make run" in result.stderr


def test_an_area_given_by_its_name_runs_as_its_code(runs):
    """``--area Beijum`` is the own wijk OWN: the notebook runs on its code, and says so."""
    run = runs["own wijk by name"]
    assert f"Beijum is the wijk {OWN}. Only the own layout {OWN_LAYOUT.name}" in run["stdout"]
    code = [c for c in run["nb"].cells if c.cell_type == "code"]
    (injected,) = [c for c in code if "injected-parameters" in c.metadata.get("tags", [])]
    assert f'wijk_code = "{OWN}"' in injected.source
    assert run["tables"]["scores"].equals(runs["own wijk"]["tables"]["scores"])


def test_areas_are_found_by_name_within_a_layout(built_warehouse):
    """A name in any case or accents is the code of the one area of that name (in ``--layout``,
    or in the one layout that has every area given); several areas of one name are listed with
    their codes, levels and layouts, and an own gebied with a CBS gebied's name and code is
    CBS's without --layout, as its code is."""
    own, path = OWN_LAYOUT.name, built_warehouse
    run = plan_run(path, ["beijum"])
    assert run.codes == [OWN] and run.layout == own
    assert run.note == (
        f"Beijum is the wijk {OWN}. Only the own layout {own} has beijum: using --layout {own}."
    )
    assert plan_run(path, ["BEIJUM"], own).codes == [OWN]
    assert plan_run(path, [OWN.lower()]).codes == [OWN]  # a code in any case
    # Oosterparkwijk is a CBS wijk and an own wijk: the other area given chooses the layout
    assert plan_run(path, ["Beijum", "Oosterparkwijk"]).codes[0] == OWN
    assert plan_run(path, [AREA, "Oud-Noord"]).codes == [AREA, OTHER]
    assert plan_run(path, ["Oosterparkwijk"], CBS).codes == [AREA]
    shared_name = _OWN.set_index("wijk_code").loc[OWN, "gebied_name"]
    assert plan_run(path, [shared_name]).codes == [SHARED]  # CBS's, as the code SHARED is
    assert plan_run(path, [shared_name]).layout == CBS
    assert plan_run(path, [shared_name], own).layout == own
    refused = {  # areas, --layout -> what the message says
        (("Oosterparkwijk",), None): [
            "'Oosterparkwijk' is the name of 2 areas:",
            f"{AREA} (wijk, layout cbs) and ",
            f"(wijk, layout {own})",
            f"--layout cbs or --layout {own}",
        ],
        (("Centrum",), None): ["'Centrum' is the name of 2 areas", "(wijk, layout cbs)",
                                "(gebied, layout cbs)", "Give the code of the one you mean"],
        (("Beijum",), CBS): [f"'Beijum' is not the name of a wijk or gebied of the layout cbs "
                             f"but of {OWN} (wijk) of the layout {own} (--layout {own})"],
        (("Beyum",), None): ["Unknown area 'Beyum'", f"did you mean Beijum ({OWN}, layout {own})",
                             "Valid wijk codes"],
        (("Beijum", AREA), None): [f"Beijum and {AREA} are areas of different layouts"],
    }  # fmt: skip
    for (areas, layout), says in refused.items():
        with pytest.raises(NotebookError) as err:
            plan_run(path, list(areas), layout)
        for part in says:
            assert part in str(err.value), (areas, part, str(err.value))


def test_committed_notebooks_are_stripped():
    paths = committed_notebooks()
    assert sorted(p.name for p in paths) == sorted(spec.file for spec in NOTEBOOKS.values())
    assert strip_notebooks(write=False) == []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        assert "papermill" not in nb.metadata
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.outputs == [] and c.execution_count is None for c in code), path.name
        assert all(set(c.metadata) <= {"tags"} for c in nb.cells), path.name
        tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1 and "warehouse = None" in tagged[0].source, path.name
        assert f'layout = "{CBS}"' in tagged[0].source, path.name
        queries = "".join(c.source for c in code if "sql(" in c.source)
        # the layout is the parameter's; only the buurten's figures are CBS's (own layouts are
        # made of CBS buurten)
        assert "layout = $layout" in queries, path.name
        assert re.findall(r"\w+\.layout = 'cbs'", queries) in ([], ["b.layout = 'cbs'"])
