"""The indicator catalogue and the indicator tables of the real build (Groningen, two editions)."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from indicators.catalogue import load_catalogue, statistics_settings
from ingest.survey.codebook import load_codebook

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_catalogue_has_250_distinct_indicators_in_12_themes(catalogue):
    ids = [i.id for i in catalogue.indicators]
    assert len(ids) == len(set(ids)) >= 250
    themes = {(i.quadrant, i.theme) for i in catalogue.indicators}
    assert len({t for _, t in themes}) == 12 and len({q for q, _ in themes}) == 4
    # no two indicators with the same definition (no padding by duplicates)
    defs = [json.dumps(i.definition.model_dump(exclude_none=True), sort_keys=True)
            for i in catalogue.indicators]  # fmt: skip
    assert len(defs) == len(set(defs))
    by_source = pd.Series([i.source for i in catalogue.indicators]).value_counts()
    assert set(by_source.index) == {"cbs", "rivm", "survey", "register"}


def test_every_input_an_indicator_names_exists(catalogue):
    codebook = load_codebook(ROOT / "data" / "survey" / "codebook.yml")
    questions = codebook.by_id
    constructs = {c.id for c in codebook.constructs}
    with open(ROOT / "data" / "reference" / "cbs_variable_crosswalk.csv", encoding="utf-8") as f:
        cbs_vars = {row["variable"] for row in csv.DictReader(f)}
    registers = yaml.safe_load((ROOT / "data" / "registers" / "variables.yml").read_text())
    reg_entries = registers["variables"] if isinstance(registers, dict) else registers
    reg_vars = {v["id"] for v in reg_entries}
    for m in catalogue.measures:
        known = cbs_vars if m.source == "cbs" else reg_vars
        for s in m.sources:
            assert s.var in known, f"measure {m.id}: unknown {m.source} variable {s.var}"
            assert s.times is None or s.times in known, f"measure {m.id}: unknown {s.times}"
    missing = codebook.survey.missing_code
    for i in catalogue.indicators:
        d = i.definition
        spec = d.share or d.mean
        if spec:
            assert spec.question in questions, f"{i.id}: unknown question {spec.question}"
            valid = codebook.scale_of(spec.question).valid_codes()
            for code in (spec.base or []) + (getattr(spec, "codes", None) or []):
                assert code in valid and code != missing, f"{i.id}: code {code} not in scale"
        elif d.scale_score:
            assert d.scale_score.id in constructs, f"{i.id}: unknown construct"


def test_every_wijk_has_250_indicators_with_a_value_or_a_reason(con, catalogue):
    wijk = con.sql(
        """SELECT area_code, count(DISTINCT indicator_id) AS n,
                  count(*) FILTER (WHERE NOT suppressed) AS published,
                  count(*) FILTER (WHERE suppressed AND suppression_reason IS NULL) AS unexplained
           FROM indicator_values WHERE edition = 2024 AND layout = 'cbs' AND area_level = 'wijk'
           GROUP BY area_code"""
    ).df()
    assert len(wijk) == 20
    assert (wijk["n"] == len(catalogue.indicators)).all()
    assert (wijk["n"] >= 250).all()
    assert (wijk["unexplained"] == 0).all()
    # suppression is the exception at wijk level, not the rule
    assert (wijk["published"] >= 0.9 * wijk["n"]).all(), wijk
    levels = dict(
        con.sql(
            "SELECT area_level, count(DISTINCT area_code) FROM indicator_values "
            "WHERE edition = 2024 AND layout = 'cbs' GROUP BY 1"
        ).fetchall()
    )
    assert levels == {"buurt": 151, "wijk": 20, "gebied": 7, "gemeente": 1}
    own = con.sql(
        "SELECT count(DISTINCT area_code) FROM indicator_values WHERE layout = 'voorbeeld' "
        "AND area_level = 'wijk'"
    ).fetchone()[0]
    assert own == 32
    editions = con.sql("SELECT DISTINCT edition FROM indicator_values ORDER BY 1").fetchall()
    assert editions == [(2018,), (2024,)]


def _raw_kwb_2024():
    path = ROOT / "data" / "raw" / "cbs" / "kwb_2024_85984NED_groningen.csv"
    frame = pd.read_csv(path, dtype=str)
    frame["code"] = frame["Codering_3"].str.strip()
    return frame.set_index("code")


def test_cbs_indicator_equals_the_published_cbs_figure(con):
    raw = _raw_kwb_2024()
    for code in ("WK001400", "WK001411", "GM0014"):
        expected = round(
            100
            * float(raw.loc[code, "k_65JaarOfOuder_12"])
            / float(raw.loc[code, "AantalInwoners_5"]),
            1,
        )
        got = con.execute(
            "SELECT value FROM indicator_values WHERE edition = 2024 AND layout = 'cbs' "
            "AND area_code = ? AND indicator_id = 'share_aged_65_plus'",
            [code],
        ).fetchone()[0]
        assert got == expected, code
    # edition 2018 (CBS 2017 map file) publishes the percentage itself: on the 2017 wijken, as
    # published then (edition_values), it comes back exactly
    path = ROOT / "data" / "raw" / "cbs" / "kwb_2017_wijkbuurtkaart_groningen_wijken.csv"
    k17 = pd.read_csv(path, dtype=str).set_index("WK_CODE")
    got = dict(
        con.sql(
            "SELECT area_code, value FROM edition_values WHERE edition = 2018 AND layout = 'cbs' "
            "AND area_level = 'wijk' AND indicator_id = 'share_aged_65_plus'"
        ).fetchall()
    )
    assert len(got) == 15
    for code, value in got.items():
        assert value == float(k17.loc[code, "P_65_EO_JR"]), code


def test_gebied_and_gemeente_are_recomputed_from_parts(con):
    v = con.sql(
        """SELECT area_level, area_code, parent_code, raw_value FROM indicator_values
           WHERE edition = 2024 AND layout = 'cbs' AND indicator_id = 'share_aged_65_plus'"""
    ).df()
    pop = (
        con.sql(
            """SELECT area_code, value FROM cbs_values WHERE year = 2024
           AND variable = 'population' AND area_level = 'wijk'"""
        )
        .df()
        .set_index("area_code")["value"]
    )
    wijk = v[v["area_level"] == "wijk"].set_index("area_code")
    gebied = v[v["area_level"] == "gebied"].set_index("area_code")
    for code, row in gebied.iterrows():
        parts = wijk[wijk["parent_code"] == code]
        pooled = (parts["raw_value"] * pop[parts.index]).sum() / pop[parts.index].sum()
        assert row["raw_value"] == pytest.approx(pooled, rel=1e-9)
    # the city is not the mean of its wijken
    gm = v[v["area_level"] == "gemeente"]["raw_value"].iloc[0]
    assert abs(gm - wijk["raw_value"].mean()) > 0.5


def test_survey_rows_carry_interval_n_and_significance(con):
    s = con.sql(
        """SELECT * FROM indicator_values WHERE edition = 2024 AND source = 'survey'
           AND layout = 'cbs' AND area_level = 'wijk' AND NOT suppressed"""
    ).df()
    assert len(s) > 20 * 100
    assert (s["ci_low"] <= s["value"]).all() and (s["value"] <= s["ci_high"]).all()
    shares = s[s["unit"] == "%"]
    assert shares["value"].between(0, 100).all() and shares["ci_high"].le(100).all()
    assert (s["n_unweighted"] >= statistics_settings()["survey"]["min_n"]).all()
    assert s["significant_vs_city"].notna().all() and s["synthetic"].all()
    assert s["significant_vs_city"].mean() > 0.1  # wijken do differ
    buurt = con.sql(
        """SELECT suppression_reason, count(*) AS n FROM indicator_values
           WHERE edition = 2024 AND source = 'survey' AND area_level = 'buurt' AND suppressed
           GROUP BY 1"""
    ).df()
    # few respondents: the small-area model's figure; withheld only where even its CV is high
    assert "model_cv_too_high" in set(buurt["suppression_reason"])
    assert set(buurt["suppression_reason"]) <= {
        "model_cv_too_high", "not_asked", "too_few_respondents", "cv_too_high",
    }  # fmt: skip


def test_weights_reproduce_cbs_margins_per_wijk(con):
    diag = con.sql("SELECT * FROM survey_weighting ORDER BY wave").df()
    assert list(diag["wave"]) == [2018, 2024]
    assert (diag["max_margin_error"] < 1e-3).all()
    assert ((diag["design_effect"] > 1) & (diag["design_effect"] < 3)).all()
    got = (
        con.sql(
            """SELECT r.wijk_code, sum(w.weight) FILTER (WHERE r.leeftijd >= 65) AS w65
           FROM survey_responses r JOIN survey_weights w USING (wave, respondent_id)
           WHERE r.wave = 2024 GROUP BY 1"""
        )
        .df()
        .set_index("wijk_code")["w65"]
    )
    cbs = (
        con.sql(
            """SELECT area_code, value FROM cbs_values WHERE year = 2024 AND area_level = 'wijk'
           AND variable = 'aged_65_plus'"""
        )
        .df()
        .set_index("area_code")["value"]
    )
    assert got.sort_index().to_numpy() == pytest.approx(
        cbs[got.index].sort_index().to_numpy(), rel=1e-3
    )


def test_compass_scores_are_means_of_their_parts(con):
    scores = con.sql(
        "SELECT * FROM compass_scores WHERE edition = 2024 AND layout = 'cbs' "
        "AND area_code = 'WK001400'"
    ).df()
    idx = con.sql(
        "SELECT theme, quadrant, index FROM indicator_values WHERE edition = 2024 "
        "AND layout = 'cbs' AND area_code = 'WK001400' AND index IS NOT NULL"
    ).df()
    themes = scores[scores["score_level"] == "theme"].set_index("score_id")["score"]
    assert len(themes) == 12
    means = idx.groupby("theme")["index"].mean()  # unrounded, from the indices
    for theme, score in themes.items():
        assert score == pytest.approx(means[theme], abs=0.051)
    # a quadrant is the mean of its themes, the centre that of the three judged quadrants
    quadrant_of = idx.drop_duplicates("theme").set_index("theme")["quadrant"]
    expected = means.groupby(quadrant_of).mean()
    quadrants = scores[scores["score_level"] == "quadrant"].set_index("score_id")["score"]
    assert sorted(quadrants.index) == sorted(expected.index) and len(quadrants) == 4
    for quadrant, score in quadrants.items():
        assert score == pytest.approx(expected[quadrant], abs=0.051)
    centre = scores[scores["score_level"] == "centre"]["score"].iloc[0]
    judged = expected.drop("samenstelling")
    assert len(judged) == 3
    assert centre == pytest.approx(judged.mean(), abs=0.051)


def test_downloads_hold_no_suppressed_value_and_say_what_is_synthetic(built_warehouse):
    downloads = Path(os.environ["WIJKKOMPAS_SITE"]) / "downloads"
    values = pd.read_parquet(downloads / "indicator_values.parquet")
    required = {
        "edition", "area_code", "area_name", "area_level", "indicator_id", "value", "unit",
        "ci_low", "ci_high", "n_unweighted", "reference_value", "index",
        "significant_vs_city", "suppressed", "suppression_reason", "synthetic",
    }  # fmt: skip
    assert required <= set(values.columns)
    assert "raw_value" not in values.columns
    sup = values[values["suppressed"]]
    assert len(sup) and sup["value"].isna().all() and sup["ci_low"].isna().all()
    assert sup["suppression_reason"].notna().all()
    csv_rows = pd.read_csv(downloads / "indicator_values.csv", sep=";")
    assert len(csv_rows) == len(values)
    meta = json.loads((downloads / "datapackage.json").read_text(encoding="utf-8"))
    assert meta["synthetic"] and "synthetische" in meta["synthetic_note"]
    assert meta["credit"].startswith("Bron: CBS; RIVM, Gezondheidsmonitor")
    assert meta["rows"]["indicator_values"] == len(values)
    cat = pd.read_parquet(downloads / "indicator_catalogue.parquet")
    assert len(cat) >= 250 and cat["indicator_id"].is_unique
    with duckdb.connect(str(built_warehouse), read_only=True) as c:
        n = c.sql("SELECT count(*) FROM indicator_values").fetchone()[0]
    assert n == len(values)
