"""The data-quality gate: rules as data, generated asset checks, the bad-input corpus, the
report, and atomic publication."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from ingest.errors import InputError
from ingest.snapshots import read_sidecar, sidecar_path, write_sidecar
from quality.rulesets import load_ruleset, load_rulesets
from tests.conftest import copy_warehouse

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "fixtures" / "bad_inputs"
CASES = yaml.safe_load((CORPUS / "cases.yml").read_text(encoding="utf-8"))


def tree_digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` (relative path -> digest)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def apply_case(case: dict, data: Path) -> Path:
    """Put the case's bad file in the copy of data/; record a snapshot if the case says so."""
    target = data / case["target"]
    bad = CORPUS / "files" / case["file"]
    if case["action"] == "replace":
        shutil.copyfile(bad, target)
    else:
        with target.open("ab") as out:
            out.write(bad.read_bytes())
    if case.get("snapshot") and sidecar_path(target).exists():
        fields = read_sidecar(target).model_dump(exclude={"file", "sha256"})
        write_sidecar(target, **fields)
    return target


def run_command(args: list[str], data: Path, tmp: Path, site: Path | None = None):
    from pipelines.cli import main

    env = {
        "WIJKKOMPAS_DATA": str(data),
        "WIJKKOMPAS_WAREHOUSE": str(tmp / "wh" / "w.duckdb"),
        "WIJKKOMPAS_SITE": str(site or tmp / "site"),
    }
    return CliRunner().invoke(main, args, env=env, catch_exceptions=False)


def test_corpus_has_the_cases_the_field_meets():
    assert len(CASES) >= 15
    for name, case in CASES.items():
        assert (CORPUS / "files" / case["file"]).exists(), name
        assert case["outcome"] in ("fail", "warn") and case["expect"], name
    must = {
        "mixed_delimiters",
        "mixed_encodings",
        "layout_utf16",
        "missing_column",
        "renamed_cbs_column",
        "unknown_wijk_code",
        "duplicate_respondent",
        "answer_outside_codebook",
        "text_in_numeric_column",
        "negative_population",
        "empty_file",
        "truncated_file",
        "invalid_geometry",
        "survey_of_the_wrong_year",
    }
    assert must <= set(CASES)


def test_what_the_corpus_once_refused_is_read_like_the_original():
    """A CBS file and an own layout saved by a Dutch Excel (semicolons) and a gebieden file in
    Latin-1 with an "ë" were bad inputs once; their delimiter and encoding are detected now."""
    import pandas as pd

    from ingest.cbs import load_crosswalk, read_kerncijfers
    from ingest.csvfile import read_delimited

    shipped = ROOT / "data/raw/cbs/kwb_2017_wijkbuurtkaart_groningen_wijken.csv"
    sidecar = read_sidecar(shipped)

    def figures(path):
        frame = read_kerncijfers(
            path,
            year=sidecar.year,
            scheme=sidecar.scheme,
            crosswalk=load_crosswalk(),
            area_level=sidecar.area_level,
        )
        return frame.drop(columns="source_file")

    excel = CORPUS / "files" / "kwb_2017_wijken_semicolons.csv"
    assert read_delimited(excel).delimiter == ";"
    pd.testing.assert_frame_equal(figures(excel), figures(shipped))
    layout = read_delimited(CORPUS / "files" / "layout_semicolons.csv")
    original = read_delimited(ROOT / "data/areas/layout_example.csv")
    assert (layout.delimiter, layout.header, layout.rows) == (";", original.header, original.rows)
    gebieden = read_delimited(CORPUS / "files" / "gebieden_latin1.csv")
    assert gebieden.encoding == "windows-1252"
    assert gebieden.rows[1] == ["WK001402", "Oud-West", "GB001402", "Oude Wijken en Poëziekwartier"]
    assert gebieden.rows[2:] == read_delimited(ROOT / "data/areas/gebieden.csv").rows[2:]


def test_a_dutch_excel_layout_and_a_latin1_gebieden_file_pass_check(
    data_copy, tmp_path, built_warehouse
):
    """The same files in a copy of data/, through ``wijkkompas check`` (areas and its rules)."""
    shutil.copyfile(
        CORPUS / "files" / "layout_semicolons.csv", data_copy / "areas/layout_example.csv"
    )
    shutil.copyfile(CORPUS / "files" / "gebieden_latin1.csv", data_copy / "areas/gebieden.csv")
    copy_warehouse(built_warehouse, tmp_path)
    result = run_command(["check", "--select", "areas"], data_copy, tmp_path)
    assert result.exit_code == 0, result.output
    assert "0 blocking failures" in result.output


def test_every_rules_file_follows_the_schema():
    rulesets = load_rulesets()
    assert {rs.dataset for rs in rulesets} >= {
        "cbs_values",
        "cbs_totals",
        "boundaries",
        "survey_responses",
        "survey_answers",
        "survey_weights",
        "register_values",
        "indicator_values",
        "indicator_coverage",
        "downloads",
    }
    for rs in rulesets:
        for rule in rs.rules:
            assert rule.description.strip() and rule.severity in ("fatal", "error", "warning")


def test_a_rules_file_against_the_schema_names_file_and_field(tmp_path):
    text = (ROOT / "quality/rules/register_values.yml").read_text(encoding="utf-8")
    bad = tmp_path / "register_values.yml"
    bad.write_text(text.replace("severity: fatal", "severity: critical", 1), encoding="utf-8")
    with pytest.raises(InputError, match=r"register_values.yml.*rules\.0\.severity"):
        load_ruleset(bad)
    bad.write_text(text.replace("expectation: expect_", "expectation: check_", 1), "utf-8")
    with pytest.raises(InputError, match=r"rules\.0\.expectation.*Great Expectations"):
        load_ruleset(bad)


def test_definitions_have_one_blocking_check_per_fatal_or_error_rule():
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    checks = {(k.asset_key.to_user_string(), k.name): k for k in graph.asset_check_keys}
    expected = {(rs.asset, r.name): r for rs in load_rulesets() for r in rs.rules}
    assert set(checks) == set(expected)
    for key, rule in expected.items():
        spec = graph.get_check_spec(checks[key])
        assert spec.blocking == (rule.severity in ("fatal", "error")), key


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_stopped_and_named(name, data_copy, tmp_path, built_warehouse):
    case = CASES[name]
    apply_case(case, data_copy)
    raw_before = tree_digest(data_copy)
    copy_warehouse(built_warehouse, tmp_path)
    selection = [a for asset in case["select"] for a in ("--select", asset)]
    result = run_command(["check", *selection], data_copy, tmp_path)
    out = result.output
    assert result.exit_code == (1 if case["outcome"] == "fail" else 0), out
    for part in case["expect"]:
        assert part in out, f"{name}: {part!r} not in the output:\n{out}"
    assert tree_digest(data_copy) == raw_before  # inputs are never modified
    report = (tmp_path / "quality-report" / "index.html").read_text(encoding="utf-8")
    assert ("Publicatie tegengehouden" in report) == (case["outcome"] == "fail")


def test_every_rule_ran_on_the_shipped_data_and_check_never_publishes(tmp_path, built_warehouse):
    """The session's build ran every rule on the shipped data, and every blocking one passed
    (it succeeded); `check` runs rules without publishing (here the rules of a few assets, on a
    copy of that warehouse: a full `check` repeats the session build)."""
    import duckdb

    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        first_run = con.execute(
            "SELECT run_id FROM quality_results ORDER BY checked_at LIMIT 1"
        ).fetchone()[0]
        results = con.execute(
            "SELECT asset, rule, severity, success FROM quality_results WHERE run_id = ?",
            [first_run],
        ).fetchall()
    ran = {(asset, rule) for asset, rule, _, _ in results}
    for rs in load_rulesets():
        for rule in rs.rules:
            assert (rs.asset, rule.name) in ran, rule.name
    blocking = [r for r in results if r[2] in ("fatal", "error")]
    assert blocking and all(success for *_, success in blocking)
    copy_warehouse(built_warehouse, tmp_path)
    selection = ["--select", "compass_scores", "--select", "similar_areas"]
    result = run_command(["check", *selection], ROOT / "data", tmp_path)
    assert result.exit_code == 0, result.output
    assert "All blocking rules passed" in result.output
    assert "0 blocking failures" in result.output
    assert not (tmp_path / "site").exists()  # check never publishes
    report = (tmp_path / "quality-report" / "index.html").read_text(encoding="utf-8")
    assert "compass_scores" in report


def test_published_site_carries_the_quality_report(built_warehouse):
    site = Path(os.environ["WIJKKOMPAS_SITE"])
    page = (site / "statistiek" / "kwaliteit.html").read_text(encoding="utf-8")
    assert "Alle blokkerende regels zijn geslaagd" in page
    assert "answers_inside_codebook" in page and "Synthetische gegevens" in page
    index = (site / "statistiek" / "index.html").read_text(encoding="utf-8")
    assert 'href="kwaliteit.html"' in index and "indicator_values.parquet" in index
    assert not site.with_name(f".{site.name}.staging").exists()


@pytest.mark.parametrize(
    ("case", "named"),
    [
        ("negative_population", "cbs_values.counts_not_negative"),
        ("layout_wijk_in_two_gebieden", "layout_example.csv, row 31"),
    ],
)
def test_failed_run_leaves_the_published_site_byte_identical(
    case, named, data_copy, tmp_path, built_warehouse
):
    site = Path(os.environ["WIJKKOMPAS_SITE"])  # published by the session's build
    before = tree_digest(site)
    assert "downloads/indicator_values.parquet" in before
    apply_case(CASES[case], data_copy)
    result = run_command(["build"], data_copy, tmp_path, site)
    assert result.exit_code == 1
    assert named in result.output
    assert "The published site was left as it was" in result.output
    assert tree_digest(site) == before


def test_selective_build_never_publishes(tmp_path, built_warehouse):
    site = Path(os.environ["WIJKKOMPAS_SITE"])
    before = tree_digest(site)
    copy_warehouse(built_warehouse, tmp_path)
    result = run_command(["build", "--select", "compass_scores"], ROOT / "data", tmp_path, site)
    assert result.exit_code == 0, result.output
    assert "published_site" not in result.output
    assert tree_digest(site) == before


def test_a_leak_caught_at_the_last_gate_keeps_the_old_site(monkeypatch, built_warehouse):
    """A bug that would publish suppressed values is stopped by the downloads rules after the
    new site was staged; the published site stays as it was and the staging is removed."""
    import indicators.downloads as downloads
    from pipelines.runner import run_build

    site = Path(os.environ["WIJKKOMPAS_SITE"])
    before = tree_digest(site)
    honest = downloads.published_values

    def leaky(values):
        out = honest(values)
        out.loc[out["suppressed"], "value"] = 1.0
        return out

    monkeypatch.setattr(downloads, "published_values", leaky)
    report = run_build(
        lambda *_: None, ["site_staging", "indicator_downloads", "published_site"], publish=True
    )
    assert not report.success
    failed = {(x.dataset, x.rule) for x in report.quality.blocking_failures}
    assert ("downloads", "no_suppressed_value_published") in failed
    assert tree_digest(site) == before
    assert not site.with_name(f".{site.name}.staging").exists()
