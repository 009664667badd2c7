"""The notebooks for the area teams (notebooks/): both run with papermill through the
``wijkkompas notebook`` command against the session's warehouse, without an error and without
fetching anything; the wijkanalyse notebook's tables are the report's (dashboards.wijkanalyse)
and hold the warehouse's figures; the comparison's differences and significance test are
recomputed here from indicator_values; unknown codes and a missing warehouse are said clearly;
the committed notebooks are stripped."""

from __future__ import annotations

import re
import subprocess
import sys

import nbformat
import numpy as np
import pandas as pd
import pytest

from dashboards.wijkanalyse import area_report, load_report_context, report_tables
from pipelines.notebooks import (
    NOTEBOOKS,
    committed_notebooks,
    read_tables,
    strip_notebook,
    strip_notebooks,
)
from tests.conftest import ROOT, run_cli

AREA, OTHER = "WK001404", "WK001403"
RUNS = {"wijkanalyse": [AREA], "vergelijk": [AREA, OTHER]}
LATEST = "edition = (SELECT max(edition) FROM editions) AND layout = 'cbs'"
# anything a browser would fetch: src/href/url() to the network, stylesheets, scripts
FETCH = re.compile(
    r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import|<script"""
)


@pytest.fixture(scope="module")
def runs(built_warehouse, tmp_path_factory) -> dict[str, dict]:
    """Both notebooks, run at the same time (two kernels) by the real command."""
    tmp = tmp_path_factory.mktemp("notebooks")
    started = {}
    for name, codes in RUNS.items():
        out, tables = tmp / f"{name}.ipynb", tmp / f"{name}.json"
        args = [f"--area={c}" for c in codes]
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
        started[name] = (process, out, tables)
    done = {}
    for name, (process, out, tables) in started.items():
        stdout, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, f"{name}: {stdout}\n{stderr}"
        assert f"Done: {out}" in stdout
        done[name] = {"nb": nbformat.read(out, as_version=4), "tables": read_tables(tables)}
    return done


def test_notebooks_run_without_errors_and_fetch_nothing(runs):
    for name, run in runs.items():
        nb = run["nb"]
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.execution_count for c in code), f"{name}: a cell did not run"
        errors = [o for c in code for o in c.outputs if o.output_type == "error"]
        assert not errors, f"{name}: {errors[0].ename}: {errors[0].evalue}"
        shown = [str(v) for c in code for o in c.outputs for v in o.get("data", {}).values()]
        fetching = [m.group(0) for text in shown for m in FETCH.finditer(text)]
        assert not fetching, f"{name} fetches {fetching[:3]}"
        compasses = sum(text.count('class="compass-svg"') for text in shown)
        assert compasses == len(RUNS[name]), name
        # the executed notebook, stripped, is the committed template again
        template = nbformat.read(ROOT / "notebooks" / NOTEBOOKS[name].file, as_version=4)
        assert strip_notebook(nb) == template


def test_wijkanalyse_tables_are_the_reports_with_the_warehouse_figures(runs, con):
    got = runs["wijkanalyse"]["tables"]
    expected = report_tables(area_report(load_report_context(con), AREA))
    assert sorted(got) == sorted(expected)
    for key, frame in expected.items():
        pd.testing.assert_frame_equal(got[key], frame, check_dtype=False, obj=key)
    assert not got["strengths"].empty and not got["weaknesses"].empty
    # their figures are indicator_values' and compass_scores' own
    values = con.execute(
        f"SELECT indicator_id, value, reference_value, index, band FROM indicator_values "
        f"WHERE {LATEST} AND area_code = ?",
        [AREA],
    ).df()
    for key in ("strengths", "weaknesses", "composition"):
        merged = got[key].merge(values, on="indicator_id", suffixes=("", "_warehouse"))
        assert len(merged) == len(got[key])
        for column in ("value", "reference_value", "index", "band"):
            assert (merged[column] == merged[f"{column}_warehouse"]).all(), (key, column)
    centre = con.execute(
        f"SELECT score FROM compass_scores WHERE {LATEST} AND area_code = ? "
        "AND score_level = 'centre'",
        [AREA],
    ).fetchone()[0]
    assert got["scores"].query("level == 'centre'")["score"].item() == centre
    similar = con.execute(
        f"SELECT similar_code, distance FROM similar_areas WHERE {LATEST} AND area_code = ? "
        "ORDER BY rank",
        [AREA],
    ).fetchall()
    assert list(got["similar"][["code", "distance"]].itertuples(index=False, name=None)) == similar


def test_comparison_differences_and_significance_recomputed_from_indicator_values(runs, con):
    tables = runs["vergelijk"]["tables"]
    got = tables["vergelijking"].set_index("indicator_id")
    rows = con.execute(
        f"SELECT area_code, indicator_id, quadrant, source, suppressed, value, index, "
        f"standard_error FROM indicator_values WHERE {LATEST} AND area_code IN (?, ?)",
        [AREA, OTHER],
    ).df()
    a = rows[rows.area_code == AREA].set_index("indicator_id")
    b = rows[rows.area_code == OTHER].set_index("indicator_id").reindex(a.index)
    assert sorted(got.index) == sorted(a.index)
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


def test_cli_says_which_codes_exist_and_that_the_warehouse_must_be_built(built_warehouse, tmp_path):
    result = run_cli("notebook", "wijkanalyse", "--area", "WK009999")
    assert result.returncode == 1
    assert "Unknown area code 'WK009999'" in result.stderr
    assert "Valid wijk codes:" in result.stderr and f"{AREA} (Oosterparkwijk)" in result.stderr
    missing = tmp_path / "none.duckdb"
    result = run_cli(
        "notebook", "vergelijk", f"--area={AREA}", f"--area={OTHER}", "--warehouse", str(missing)
    )
    assert result.returncode == 1
    assert str(missing) in result.stderr and "make run" in result.stderr


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
