"""Editions over time: the crosswalk, harmonised values, trends with their test, the changelog."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from geo.crosswalk import buurt_crosswalk, wijk_crosswalk
from indicators.catalogue import load_catalogue
from tests.expected import judged_quadrants

INDICATORS = len(load_catalogue().indicators)  # every indicator of the catalogue, each edition

# ---------------------------------------------------------------- crosswalk on a drawn example


def _example():
    """Earlier year: wijk A (buurten A1, A2), wijk B (B1), wijk C (C1, code gone today, lying
    mostly in today's Y), D1 (code gone, no boundary). Today: X = {A1, A2}, Y = {B1, ...}."""
    source = gpd.GeoDataFrame(
        {
            "buurt_code": ["A1", "A2", "B1", "C1", "D1"],
            "wijk_code": ["A", "A", "B", "C", "D"],
            "population": [100.0, 300.0, 50.0, 40.0, 10.0],
        },
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1), box(3.2, 1, 4.2, 2), None],
        crs=28992,
    )
    target_buurten = pd.DataFrame({"buurt_code": ["A1", "A2", "B1"], "wijk_code": ["X", "X", "Y"]})
    target_wijken = gpd.GeoDataFrame(
        {"wijk_code": ["X", "Y"]}, geometry=[box(0, 0, 2, 1), box(2, 0, 4, 2)], crs=28992
    )
    return buurt_crosswalk(source, target_buurten, target_wijken)


def test_buurten_go_by_code_then_by_largest_overlap():
    cw = _example().set_index("from_code")
    assert cw.loc["A1", "to_code"] == "X" and cw.loc["A1", "method"] == "same_code"
    assert cw.loc["B1", "to_code"] == "Y"
    # C1's code is gone: 80 % of its surface lies in Y, 0 % in X
    assert cw.loc["C1", "to_code"] == "Y" and cw.loc["C1", "method"] == "largest_overlap"
    assert cw.loc["C1", "area_share"] == pytest.approx(0.8)
    # D1: no code, no boundary -> unmapped, never guessed
    assert cw.loc["D1", "method"] == "unmapped" and pd.isna(cw.loc["D1", "to_code"])


def test_weak_overlap_defers_to_the_wijk_the_code_names():
    # W1 (code gone) lies 30 % in today's V and 70 % outside every wijk drawn today: too little
    # to move it, so it stays in W, the wijk its code names; W2 (code gone, 90 % in V) moves
    source = gpd.GeoDataFrame(
        {"buurt_code": ["W1", "W2"], "wijk_code": ["W", "W"], "population": [10.0, 20.0]},
        geometry=[box(0.7, 0, 1.7, 1), box(1.1, 0, 2.1, 1)],
        crs=28992,
    )
    target_buurten = pd.DataFrame({"buurt_code": ["N1", "N2"], "wijk_code": ["W", "V"]})
    target_wijken = gpd.GeoDataFrame(
        {"wijk_code": ["W", "V"]}, geometry=[box(-1, 5, 0, 6), box(1.4, 0, 2, 1)], crs=28992
    )
    cw = buurt_crosswalk(source, target_buurten, target_wijken).set_index("from_code")
    assert (cw.loc["W1", "to_code"], cw.loc["W1", "method"]) == ("W", "same_wijk_code")
    assert cw.loc["W1", "area_share"] == 0.0  # its share in the wijk it was given
    assert (cw.loc["W2", "to_code"], cw.loc["W2", "method"]) == ("V", "largest_overlap")


def test_wijk_weights_sum_to_one_and_population_is_conserved():
    buurten = _example()
    wijken = wijk_crosswalk(buurten)
    sums = wijken.groupby("from_code")["weight"].sum()
    assert sums.to_numpy() == pytest.approx([1.0] * len(sums))
    mapped = buurten[buurten["to_code"].notna()]
    assert wijken["population"].sum() == mapped["population"].sum() == 490.0
    per_source = wijken.groupby("from_code")["population"].sum()
    assert per_source.to_dict() == {"A": 400.0, "B": 50.0, "C": 40.0}


def test_unchanged_wijk_maps_one_to_one():
    wijken = wijk_crosswalk(_example()).set_index("from_code")
    # A's buurten all went to X and X received nothing else: 1:1
    assert wijken.loc["A", "to_code"] == "X"
    assert wijken.loc["A", "weight"] == 1.0 and wijken.loc["A", "method"] == "identical"
    # Y received B and C: neither maps 1:1
    assert wijken.loc["B", "method"] == "population"
    assert wijken.loc["C", "method"] == "population"


def test_a_split_wijk_is_weighted_by_population():
    buurten = _example()
    buurten.loc[buurten["from_code"] == "A2", "to_code"] = "Y"
    wijken = wijk_crosswalk(buurten)
    a = wijken[wijken["from_code"] == "A"].set_index("to_code")["weight"]
    assert a.to_dict() == pytest.approx({"X": 0.25, "Y": 0.75})


def test_without_population_the_weights_follow_area():
    buurten = _example()
    buurten["population"] = float("nan")
    buurten.loc[buurten["from_code"] == "A2", "to_code"] = "Y"
    a = wijk_crosswalk(buurten).query("from_code == 'A'").set_index("to_code")
    assert a["weight"].to_dict() == pytest.approx({"X": 0.5, "Y": 0.5})
    assert set(a["method"]) == {"area"}


def test_harmonised_layout_makes_todays_areas_of_earlier_buurten():
    from geo.crosswalk import harmonised_layout

    target = pd.DataFrame(
        {
            "year": 2024,
            "layout": "cbs",
            "area_level": ["wijk", "wijk", "wijk", "gebied", "gebied", "gemeente"],
            "area_code": ["X", "Y", "Z", "G1", "G2", "GM"],
            "area_name": ["x", "y", "z", "g1", "g2", "gm"],
            "parent_code": ["G1", "G2", "G2", "GM", "GM", None],
        }
    )
    areas, members = harmonised_layout(2017, _example(), target)
    sets = members.groupby(["area_level", "area_code"])["buurt_code"].apply(set).to_dict()
    assert sets[("wijk", "X")] == {"A1", "A2"}
    assert sets[("wijk", "Y")] == {"B1", "C1"}
    assert sets[("gebied", "G2")] == {"B1", "C1"}
    assert sets[("gemeente", "GM")] == {"A1", "A2", "B1", "C1"}  # D1 was not mapped
    # Z has no earlier buurten: it is not in the layout (its 2017 figures are not comparable)
    assert ("wijk", "Z") not in sets and "Z" not in set(areas["area_code"])
    assert set(areas["layout"]) == {"harmonised"} and set(areas["year"]) == {2017}


# ---------------------------------------------------------------- on the shipped data


def test_crosswalk_of_2017_to_2024(con):
    wijken = con.sql(
        "SELECT * FROM area_crosswalk_wijken WHERE from_year = 2017 AND to_year = 2024"
    ).df()
    assert len(wijken.groupby("from_code")) == 15
    sums = wijken.groupby("from_code")["weight"].sum()
    assert sums.to_numpy() == pytest.approx([1.0] * 15, abs=1e-9)
    # population conserved: the CBS 2017 buurt populations, wijk by wijk
    cbs = (
        con.sql(
            """SELECT 'WK' || substr(area_code, 3, 6) AS from_code, sum(value) AS population
           FROM cbs_values WHERE year = 2017 AND area_level = 'buurt'
           AND variable = 'population' GROUP BY 1"""
        )
        .df()
        .set_index("from_code")["population"]
    )
    carried = wijken.groupby("from_code")["population"].sum()
    assert carried.to_dict() == pytest.approx(cbs.to_dict())
    # Meerdorpen (WK001413) did not change: 1:1, and its 2018 figures on today's wijk are the
    # figures published for it in 2018
    row = wijken[wijken["from_code"] == "WK001413"].iloc[0]
    assert (row["to_code"], row["weight"], row["method"]) == ("WK001413", 1.0, "identical")
    pairs = con.sql(
        """SELECT h.indicator_id, h.value AS harmonised, n.value AS native
           FROM indicator_values h JOIN edition_values n
             ON n.edition = 2018 AND n.layout = 'cbs' AND n.area_level = 'wijk'
            AND n.area_code = h.area_code AND n.indicator_id = h.indicator_id
           WHERE h.edition = 2018 AND h.area_code = 'WK001413'"""
    ).df()
    assert len(pairs) == INDICATORS
    same = pairs["harmonised"].fillna(-1) == pairs["native"].fillna(-1)
    assert same.all(), pairs[~same].head()


def test_both_editions_on_the_2024_wijk_codes(con):
    codes = con.sql(
        """SELECT edition, list(DISTINCT area_code ORDER BY area_code) FROM indicator_values
           WHERE layout = 'cbs' AND area_level = 'wijk' GROUP BY edition ORDER BY edition"""
    ).fetchall()
    assert [e for e, _ in codes] == [2018, 2024]
    assert codes[0][1] == codes[1][1] and len(codes[1][1]) == 20
    # the wijken of Haren and Ten Boer were not in the gemeente in 2017: flagged, no value
    haren = con.sql(
        """SELECT count(*), count(value), bool_and(suppression_reason = 'not_comparable'),
                  bool_and(harmonisation = 'not_comparable')
           FROM indicator_values WHERE edition = 2018 AND area_code IN
           ('WK001415', 'WK001416', 'WK001417', 'WK001418', 'WK001419')"""
    ).fetchone()
    assert haren == (5 * INDICATORS, 0, True, True)
    # and so is the gemeente as a whole (it grew in 2019)
    gm = con.sql(
        "SELECT count(value) FROM indicator_values WHERE edition = 2018 AND area_level = 'gemeente'"
    ).fetchone()
    assert gm == (0,)


def test_harmonised_wijk_is_its_2017_wijk_within_buurt_rounding(con):
    # every wijk of today with earlier buurten maps 1:1 here, so its 2018 population is CBS's
    # published 2017 wijk figure, and that equals the CBS 2017 populations of exactly the buurten
    # the crosswalk assigns to it, within CBS's rounding of buurt figures (to 5: +-2.5 each)
    got = (
        con.sql(
            """SELECT area_code, value FROM indicator_values WHERE edition = 2018
           AND layout = 'cbs' AND area_level = 'wijk' AND indicator_id = 'population'
           AND value IS NOT NULL"""
        )
        .df()
        .set_index("area_code")["value"]
    )
    published = (
        con.sql(
            """SELECT area_code, value FROM cbs_values WHERE year = 2017 AND area_level = 'wijk'
           AND variable = 'population'"""
        )
        .df()
        .set_index("area_code")["value"]
    )
    buurten = (
        con.sql(
            """SELECT c.to_code, sum(v.value) AS population, count(*) AS n FROM area_crosswalk c
           JOIN cbs_values v ON v.year = 2017 AND v.area_code = c.from_code
            AND v.variable = 'population' GROUP BY 1"""
        )
        .df()
        .set_index("to_code")
    )
    assert len(got) == 15 and got.to_dict() == published.to_dict()
    buurten = buurten.reindex(got.index)
    gap = (got - buurten["population"]).abs()
    limit = 2.5 * buurten["n"]
    assert (gap <= limit).all(), gap[gap > limit]
    recoded = con.sql(
        "SELECT from_code, to_code, method FROM area_crosswalk WHERE method <> 'same_code'"
    ).fetchall()
    # both recoded buurten lie outside every 2024 buurt boundary: they stay in Hoogkerk e.o.
    assert sorted(recoded) == [
        ("BU00140807", "WK001408", "same_wijk_code"),
        ("BU00140808", "WK001408", "same_wijk_code"),
    ]


def test_survey_trend_is_the_difference_of_two_independent_estimates(con):
    rows = con.sql(
        """SELECT n.indicator_id, n.area_code, n.raw_value, n.standard_error, n.change,
                  n.change_se, n.change_z, n.change_significant, n.trend, n.decimals,
                  p.raw_value AS p_raw, p.standard_error AS p_se, c.direction
           FROM indicator_values n
           JOIN indicator_values p ON p.edition = 2018 AND p.layout = n.layout
            AND p.area_level = n.area_level AND p.area_code = n.area_code
            AND p.indicator_id = n.indicator_id
           JOIN indicator_catalogue c ON c.indicator_id = n.indicator_id
           WHERE n.edition = 2024 AND n.layout = 'cbs' AND n.area_level = 'wijk'
             AND n.source = 'survey' AND n.change IS NOT NULL"""
    ).df()
    assert len(rows) > 500
    se = (rows["standard_error"] ** 2 + rows["p_se"] ** 2) ** 0.5
    z = (rows["raw_value"] - rows["p_raw"]) / se
    assert rows["change_se"].to_numpy() == pytest.approx(se.to_numpy())
    assert rows["change_z"].to_numpy() == pytest.approx(z.to_numpy(), nan_ok=True)
    tested = z.notna()
    assert tested.sum() > 500
    assert (rows.loc[tested, "change_significant"] == (z[tested].abs() > 1.959964)).all()
    assert (rows.loc[~rows["change_significant"], "trend"] == "stable").all()
    sig = rows[rows["change_significant"]]
    assert len(sig) > 20
    judged = sig[sig["direction"] != "neutral"]
    better = (judged["change"] > 0) == (judged["direction"] == "higher_is_better")
    assert (judged["trend"] == better.map({True: "better", False: "worse"})).all()
    # one by hand
    r = rows.iloc[0]
    hand = (r.raw_value - r.p_raw) / math.sqrt(r.standard_error**2 + r.p_se**2)
    assert r.change_z == pytest.approx(hand)


def test_cbs_and_register_changes_are_not_tested(con):
    counts = con.sql(
        """SELECT source, count(change), count(change_significant), count(change_z)
           FROM indicator_values WHERE edition = 2024 AND source <> 'survey' GROUP BY source"""
    ).fetchall()
    for source, changes, tested, z in counts:
        assert changes > 100 and tested == 0 and z == 0, source


def test_changelog_lists_new_wijken_removed_question_and_movements(con):
    log = con.sql(
        "SELECT * FROM edition_changelog WHERE edition = 2024 AND layout IN ('all', 'cbs')"
    ).df()  # the own layouts' rows: tests/test_changelog_layouts.py
    assert set(log.loc[log["kind"] == "area_new", "subject"]) == {
        "WK001415",
        "WK001416",
        "WK001417",
        "WK001418",
        "WK001419",
    }
    assert set(log.loc[log["kind"] == "area_changed", "subject"]) == set()  # all 1:1
    assert set(log.loc[log["kind"] == "buurt_recoded", "subject"]) == {
        "BU00140807",
        "BU00140808",
    }
    # an indicator published in 2018 and no longer in 2024: the 2018-only question
    removed = log.loc[log["kind"] == "indicator_removed", "subject"].tolist()
    not_asked = (
        con.sql(
            """SELECT DISTINCT indicator_id FROM indicator_values WHERE edition = 2024
           AND suppression_reason = 'not_asked'"""
        )
        .df()["indicator_id"]
        .tolist()
    )
    assert removed and set(removed) <= set(not_asked)
    moves = log[log["kind"] == "movement"]
    assert len(moves) == 30
    top = con.sql(
        """SELECT indicator_id || ' ' || area_code FROM indicator_values WHERE edition = 2024
           AND layout = 'cbs' AND area_level = 'wijk' AND change_significant
           ORDER BY abs(change_z) DESC LIMIT 1"""
    ).fetchone()[0]
    assert top in set(moves["subject"])


def test_changelog_page_and_csv_are_published(built_warehouse):
    import os
    from pathlib import Path

    site = Path(os.environ["WIJKKOMPAS_SITE"])
    page = (site / "statistiek" / "wijzigingen.html").read_text(encoding="utf-8")
    assert "Editie 2024 ten opzichte van 2018" in page
    assert "WK001415" in page and "Nieuwe wijken" in page
    csv = pd.read_csv(site / "downloads" / "edition_changelog.csv", sep=";")
    assert set(csv["kind"]) >= {"area_new", "movement", "indicator_new"}
    assert set(csv.loc[csv["subject"] == "WK001415", "layout"]) == {"cbs"}
    assert 'href="wijzigingen.html"' in (site / "statistiek" / "index.html").read_text("utf-8")


def test_downloads_carry_the_trend_columns(built_warehouse):
    import os
    from pathlib import Path

    site = Path(os.environ["WIJKKOMPAS_SITE"])
    pub = pd.read_parquet(site / "downloads" / "indicator_values.parquet")
    for col in ("harmonisation", "previous_value", "change", "change_significant", "trend"):
        assert col in pub.columns
    assert set(pub["edition"]) == {2018, 2024}
    # a change never reveals a hidden figure: no change where either edition is suppressed
    keys = ["layout", "area_level", "area_code", "indicator_id"]
    now = pub[pub["edition"] == 2024]
    before = pub[pub["edition"] == 2018][[*keys, "suppressed"]]
    pair = now.merge(before, on=keys, how="left", suffixes=("", "_2018"), validate="1:1")
    hidden_before = pair["suppressed_2018"].eq(True)
    assert hidden_before.sum() > 50 and (hidden_before & ~pair["suppressed"]).sum() > 10
    for either in (pair["suppressed"], hidden_before):
        assert pair.loc[either, ["change", "previous_value", "trend"]].isna().all().all()
    assert pair.loc[~pair["suppressed"] & ~hidden_before, "change"].notna().sum() > 1000
    # and a suppressed row itself carries no figure at all
    suppressed = pub[pub["suppressed"]]
    assert len(suppressed) > 100
    hidden = ["value", "ci_low", "ci_high", "index", "previous_value", "change"]
    assert suppressed[hidden].isna().all().all(), suppressed[hidden].notna().sum()


def test_one_edition_partition_is_rebuilt_alone(tmp_path, built_warehouse, monkeypatch):
    import shutil

    import dagster as dg
    import duckdb

    from pipelines.runner import run_build

    warehouse = tmp_path / "w.duckdb"
    shutil.copy(built_warehouse, warehouse)
    monkeypatch.setenv("WIJKKOMPAS_WAREHOUSE", str(warehouse))
    # a site of its own too: the build lock sits beside the site, and the other test worker
    # may be building the shared one (tests/test_quality_gate.py)
    monkeypatch.setenv("WIJKKOMPAS_SITE", str(tmp_path / "site"))
    with duckdb.connect(str(warehouse)) as c:
        before = dict(c.sql("SELECT wave, count(*) FROM survey_responses GROUP BY 1").fetchall())
        c.execute("DELETE FROM survey_responses WHERE wave = 2024")
        # rows of an edition no longer in editions.yml (e.g. a refresh that was undone)
        c.execute(
            "INSERT INTO survey_responses SELECT * REPLACE (2030 AS wave) "
            "FROM survey_responses WHERE wave = 2018 LIMIT 5"
        )
    report = run_build(
        lambda *_: None, ["survey_export", "survey_responses"], publish=False, editions=[2024]
    )
    assert report.success, report.failures
    with duckdb.connect(str(warehouse)) as c:
        after = dict(c.sql("SELECT wave, count(*) FROM survey_responses GROUP BY 1").fetchall())
    assert after == before  # 2024 came back, 2018 was kept as it was, 2030 is gone
    # the run materialised the partition gemeente Groningen x edition 2024, and only that one
    instance = dg.DagsterInstance.get()
    run = instance.get_runs(limit=1)[0]
    records = instance.fetch_materializations(dg.AssetKey("survey_responses"), limit=50).records
    assert {r.partition_key for r in records if r.run_id == run.run_id} == {"2024|GM0014"}


def test_development_index_scales_change_like_the_state_index(con):
    rows = con.sql(
        """SELECT n.indicator_id, n.area_code, n.raw_value - p.raw_value AS raw_change,
                  n.development_index, n.source, n.change_significant, c.direction
           FROM indicator_values n
           JOIN indicator_values p ON p.edition = 2018 AND p.layout = 'cbs'
            AND p.area_level = 'wijk' AND p.area_code = n.area_code
            AND p.indicator_id = n.indicator_id
           JOIN indicator_catalogue c ON c.indicator_id = n.indicator_id
           WHERE n.edition = 2024 AND n.layout = 'cbs' AND n.area_level = 'wijk'
             AND n.change IS NOT NULL AND c.in_compass"""
    ).df()
    typical = rows.groupby("indicator_id")["raw_change"].apply(lambda s: s.abs().mean())
    sign = rows["direction"].map({"higher_is_worse": -1}).fillna(1)
    expected = (100 + sign * 20 * rows["raw_change"] / rows["indicator_id"].map(typical)).clip(
        40, 160
    )
    expected = expected.where(rows["indicator_id"].map(typical) > 0, 100.0)
    quiet = (rows["source"] == "survey") & ~rows["change_significant"].fillna(False).astype(bool)
    expected = expected.where(~quiet, 100.0)
    # rounded half away from zero, as DuckDB's round (pandas rounds a half to even)
    rounded = np.floor(expected * 10 + 0.5) / 10
    assert rows["development_index"].to_numpy() == pytest.approx(rounded, abs=0.051)
    assert (rows.loc[quiet, "development_index"] == 100).all() and quiet.sum() > 100


def test_development_scores_are_means_of_their_parts(con):
    values = con.sql(
        """SELECT area_code, quadrant, theme, development_index FROM indicator_values
           WHERE edition = 2024 AND layout = 'cbs' AND area_code = 'WK001404'
             AND development_index IS NOT NULL"""
    ).df()
    scores = (
        con.sql(
            """SELECT score_level, score_id, score FROM development_scores
           WHERE edition = 2024 AND layout = 'cbs' AND area_code = 'WK001404'"""
        )
        .df()
        .set_index(["score_level", "score_id"])["score"]
    )
    themes = values.groupby("theme")["development_index"].mean()
    assert len(themes) >= 9
    for theme, mean in themes.items():
        assert scores[("theme", theme)] == pytest.approx(mean, abs=0.051)
    # a quadrant is the mean of its themes' scores, the centre that of the judged quadrants
    quadrant_of = values.drop_duplicates("theme").set_index("theme")["quadrant"]
    quadrants = themes.groupby(quadrant_of).mean()
    assert len(quadrants) == 4
    for quadrant, mean in quadrants.items():
        assert scores[("quadrant", quadrant)] == pytest.approx(mean, abs=0.051)
    judged = list(judged_quadrants())
    assert scores[("centre", "centre")] == pytest.approx(quadrants[judged].mean(), abs=0.051)
    assert len(con.sql("SELECT * FROM development_scores WHERE edition = 2018").df()) == 0


# ---------------------------------------------------------------- own layouts over editions


def test_own_wijken_are_harmonised_like_cbs_wijken(con):
    """Every 2017 buurt lands in an own wijk of today (code first; the two recoded Hoogkerk
    buurten, which lie outside every 2024 buurt boundary, in the own wijk holding most of their
    CBS wijk), and own wijken carry 2018 figures for at least half of their 2024 figures."""
    crosswalk = con.sql(
        "SELECT from_code, to_code, method FROM layout_crosswalk WHERE layout = 'voorbeeld'"
    ).df()
    buurten_2017 = con.sql(
        "SELECT count(*) FROM areas WHERE layout = 'cbs' AND year = 2017 AND area_level = 'buurt'"
    ).fetchone()[0]
    assert len(crosswalk) == buurten_2017 and crosswalk["to_code"].notna().all()
    same = crosswalk[crosswalk["method"] == "same_code"]
    own_of = dict(
        con.sql(
            """SELECT buurt_code, area_code FROM area_buurten WHERE layout = 'voorbeeld'
               AND year = 2024 AND area_level = 'wijk'"""
        ).fetchall()
    )
    assert (same["to_code"] == same["from_code"].map(own_of)).all()
    hoogkerk = crosswalk[crosswalk["method"] == "same_wijk_code"]
    assert set(hoogkerk["from_code"]) == {"BU00140807", "BU00140808"}
    assert set(hoogkerk["to_code"]) == {own_of["BU00140800"]}  # Hoogkerk's own wijk
    share = con.sql(
        """SELECT count(n.value), count(n.previous_value) FROM indicator_values n
           WHERE n.layout = 'voorbeeld' AND n.area_level = 'wijk' AND n.edition = 2024"""
    ).fetchone()
    assert share[1] >= share[0] / 2, share
    # Haren and Ten Boer did not belong to the gemeente in 2017: their own wijken have no 2018
    # figure, and say why
    gone = con.sql(
        """SELECT DISTINCT v.area_code FROM indicator_values v
           WHERE v.layout = 'voorbeeld' AND v.edition = 2018 AND v.area_level = 'wijk'
             AND v.harmonisation = 'not_comparable'"""
    ).fetchall()
    haren_ten_boer = con.sql(
        """SELECT DISTINCT o.area_code FROM area_buurten o JOIN area_buurten c
             ON c.year = o.year AND c.layout = 'cbs' AND c.area_level = 'wijk'
            AND c.buurt_code = o.buurt_code
           WHERE o.layout = 'voorbeeld' AND o.year = 2024 AND o.area_level = 'wijk'
             AND c.area_code BETWEEN 'WK001415' AND 'WK001419'"""
    ).fetchall()
    assert sorted(gone) == sorted(haren_ten_boer) and gone


def test_an_own_wijk_of_2018_is_recomputed_from_its_2017_buurten_and_respondents(con):
    """Herewegbuurt e.o. (EW04) is part of the 2017 wijk Oud-Zuid: its 2018 population is the
    sum of its 2017 buurten' CBS populations, and its 2018 survey share is recomputed here from
    the 2018 respondents of those buurten and their weights (never interpolated)."""
    buurten = [
        b
        for (b,) in con.sql(
            """SELECT from_code FROM layout_crosswalk WHERE layout = 'voorbeeld'
               AND to_code = 'EW04' AND from_year = 2017"""
        ).fetchall()
    ]
    assert len(buurten) >= 5
    row = con.sql(
        """SELECT value, harmonisation FROM indicator_values WHERE layout = 'voorbeeld'
           AND edition = 2018 AND area_code = 'EW04' AND indicator_id = 'population'"""
    ).fetchone()
    population = con.execute(
        """SELECT sum(value) FROM cbs_values WHERE year = 2017 AND area_level = 'buurt'
           AND variable = 'population' AND list_contains(?, area_code)""",
        [buurten],
    ).fetchone()[0]
    assert row == (population, "reaggregated")
    share = con.execute(
        """SELECT 100 * sum(w.weight) FILTER (won_schoon IN (1, 2))
                    / sum(w.weight) FILTER (won_schoon BETWEEN 1 AND 5),
                  count(*) FILTER (won_schoon BETWEEN 1 AND 5)
           FROM survey_responses r JOIN survey_weights w USING (wave, respondent_id)
           WHERE r.wave = 2018 AND list_contains(?, r.buurt_code)""",
        [buurten],
    ).fetchone()
    got = con.sql(
        """SELECT value, n_unweighted, decimals FROM indicator_values WHERE layout = 'voorbeeld'
           AND edition = 2018 AND area_code = 'EW04'
           AND indicator_id = 'buurt_clean_and_well_kept'"""
    ).fetchone()
    assert got[1] == share[1]
    assert got[0] == pytest.approx(round(share[0], got[2]), abs=10 ** -got[2] / 2 + 1e-9)
    # and the 2024 row compares with it
    trend = con.sql(
        """SELECT previous_edition, previous_value, value, change FROM indicator_values
           WHERE layout = 'voorbeeld' AND edition = 2024 AND area_code = 'EW04'
             AND indicator_id = 'population'"""
    ).fetchone()
    assert trend[:2] == (2018, population) and trend[3] == pytest.approx(trend[2] - population)
