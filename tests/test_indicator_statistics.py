"""Survey statistics, raking, re-aggregation, suppression and the index, against values computed
by hand on tiny fixtures."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from indicators import engine, messages
from indicators.catalogue import load_catalogue, statistics_settings
from indicators.engine import EditionPlan, compute_edition
from indicators.models import run_models
from indicators.weights import kish_deff, rake
from ingest.survey.codebook import load_codebook

Z95 = 1.959963984540054


def survey_values(areas: list[tuple], statistic: str = "share", **settings) -> dict:
    """The model survey_values (indicators/sql/survey_values.sql, with t_quantiles) on
    hand-made sums: ``areas`` are (code, level, n, sw, swy, swy2, sw2); the gemeente's sums
    give each area's rest of the gemeente. Returns {code: row}."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE edition_areas (area_id INTEGER, layout VARCHAR, area_level VARCHAR, "
        "area_code VARCHAR, area_name VARCHAR, parent_code VARCHAR)"
    )
    con.execute(
        "CREATE TABLE survey_area_sums (area_id INTEGER, indicator_key INTEGER, n BIGINT, "
        "sw DOUBLE, swy DOUBLE, swy2 DOUBLE, sw2 DOUBLE)"
    )
    for k, (code, level, *sums) in enumerate(areas):
        con.execute("INSERT INTO edition_areas VALUES (?, 'cbs', ?, ?, ?, NULL)",
                    [k, level, code, code])  # fmt: skip
        con.execute("INSERT INTO survey_area_sums VALUES (?, 0, ?, ?, ?, ?, ?)", [k, *sums])
    con.execute(
        "CREATE TABLE survey_items AS SELECT 0 AS indicator_key, 'x' AS indicator_id, "
        "$s AS statistic, true AS asked, 3 AS min_n",
        {"s": statistic},
    )
    # no small-area model: the direct figures only (tests/test_small_area_model.py has it)
    con.execute(
        "CREATE TABLE small_area_estimates (area_id INTEGER, indicator_key INTEGER, "
        "model_value DOUBLE, model_low DOUBLE, model_high DOUBLE, model_mse DOUBLE)"
    )
    config = copy.deepcopy(statistics_settings())
    config["survey"].update(settings)
    inputs = engine.Inputs(load_catalogue(), None, config, engine.EditionPlan(1, 1, (1,), 1, 1))
    params = engine._params(inputs)
    given = ["edition_areas", "survey_area_sums", "survey_items", "small_area_estimates"]
    run_models(con, engine.all_models(), ["survey_values"], params, {"inputs": inputs}, None, given)
    rows = con.execute(
        "SELECT a.area_code, v.* FROM survey_values v JOIN edition_areas a USING (area_id)"
    ).df()
    return {r["area_code"]: r for r in rows.to_dict("records")}


def test_weighted_share_and_wilson_interval_by_hand():
    w = np.array([1.0, 2.0, 3.0, 4.0])
    y = np.array([1, 0, 1, 1])
    sums = (4, w.sum(), (w * y).sum(), (w * y).sum(), (w**2).sum())
    got = survey_values([("WK1", "wijk", *sums), ("GM1", "gemeente", *sums)])["WK1"]
    # by hand: p = (1 + 3 + 4) / 10 = 0.8; n_eff = 10^2 / (1 + 4 + 9 + 16) = 10/3
    assert got["raw_value"] == pytest.approx(80)
    assert got["n_effective"] == pytest.approx(10 / 3)
    n = 10 / 3
    centre = (0.8 + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 * math.sqrt(0.8 * 0.2 / n + Z95**2 / (4 * n * n)) / (1 + Z95**2 / n)
    assert got["ci_low"] == pytest.approx(100 * (centre - half))
    assert got["ci_high"] == pytest.approx(100 * (centre + half))
    assert 0 <= got["ci_low"] < 80 < got["ci_high"] <= 100
    assert got["standard_error"] == pytest.approx(100 * math.sqrt(0.16 / n))
    assert got["cv"] == pytest.approx(math.sqrt(0.16 / n) / 0.8)
    assert got["missing"] is None and got["n_unweighted"] == 4
    # Kish: deff = n * sum w^2 / (sum w)^2 = 4 * 30 / 100
    assert kish_deff(w) == pytest.approx(1.2)


def test_logit_interval_when_the_settings_ask_for_it():
    sums = (100, 100.0, 20.0, 20.0, 100.0)  # p = 0.2 on n_eff = 100
    got = survey_values([("WK1", "wijk", *sums), ("GM1", "gemeente", *sums)],
                        share_interval="logit")["WK1"]  # fmt: skip
    se = 1 / math.sqrt(100 * 0.2 * 0.8)
    logit = math.log(0.2 / 0.8)
    assert got["ci_low"] == pytest.approx(100 / (1 + math.exp(-(logit - Z95 * se))))
    assert got["ci_high"] == pytest.approx(100 / (1 + math.exp(-(logit + Z95 * se))))


def test_wilson_interval_stays_inside_0_1_at_the_edges():
    got = survey_values(
        [("WK0", "wijk", 50, 50.0, 0.0, 0.0, 50.0), ("WK1", "wijk", 50, 50.0, 50.0, 50.0, 50.0),
         ("GM1", "gemeente", 100, 100.0, 50.0, 50.0, 100.0)]
    )  # fmt: skip
    assert got["WK0"]["ci_low"] == pytest.approx(0, abs=1e-10) and 0 < got["WK0"]["ci_high"] < 10
    assert got["WK1"]["ci_high"] == pytest.approx(100) and 90 < got["WK1"]["ci_low"] < 100
    assert got["WK0"]["cv"] is None or math.isnan(got["WK0"]["cv"])  # no CV of a zero share


def test_weighted_mean_t_interval_by_hand():
    w = np.array([1.0, 1.0, 2.0, 2.0])
    y = np.array([6.0, 8.0, 7.0, 9.0])
    sums = (4, w.sum(), (w * y).sum(), (w * y * y).sum(), (w**2).sum())
    got = survey_values([("WK1", "wijk", *sums), ("GM1", "gemeente", *sums)], "mean")["WK1"]
    mean = (6 + 8 + 14 + 18) / 6
    var = ((6 - mean) ** 2 + (8 - mean) ** 2 + 2 * (7 - mean) ** 2 + 2 * (9 - mean) ** 2) / 6
    var *= 4 / 3
    neff = 36 / 10
    assert got["raw_value"] == pytest.approx(mean)
    assert got["n_effective"] == pytest.approx(neff)
    assert got["standard_error"] == pytest.approx(math.sqrt(var / neff))
    # t quantile with df = n_eff - 1 = 2.6 (between the table values 4.303 for df 2 and
    # 3.182 for df 3), wider than the normal 1.96
    half = got["ci_high"] - got["raw_value"]
    assert half == pytest.approx(stats.t.ppf(0.975, 2.6) * got["standard_error"])
    assert 3.182 * got["standard_error"] < half < 4.303 * got["standard_error"]
    assert got["raw_value"] - got["ci_low"] == pytest.approx(half)


def test_difference_test_flags_only_real_differences():
    # A: p = 0.5 on 625 (se 0.02); the rest of the gemeente: p = 0.4 on 2400 (se 0.01):
    # z = 0.10 / sqrt(0.0005) = 4.47 -> significant. B: p = 0.5 on 625 again, rest p = 0.47
    # on 2491 (se 0.0100): z = 1.34 -> not significant.
    def gemeente(rest_n, rest_p):
        return ("GM1", "gemeente", 625 + rest_n, 625.0 + rest_n, 312.5 + rest_n * rest_p,
                312.5 + rest_n * rest_p, 625.0 + rest_n)  # fmt: skip

    a = survey_values([("WK1", "wijk", 625, 625.0, 312.5, 312.5, 625.0), gemeente(2400, 0.4)])
    b = survey_values([("WK1", "wijk", 625, 625.0, 312.5, 312.5, 625.0), gemeente(2491, 0.47)])
    assert a["WK1"]["significant_vs_city"] is True
    assert b["WK1"]["significant_vs_city"] is False
    # the gemeente itself is not tested against itself
    assert a["GM1"]["significant_vs_city"] is None or math.isnan(a["GM1"]["significant_vs_city"])


def test_small_and_unreliable_estimates_are_suppressed_with_their_reason():
    got = survey_values(
        [("WK1", "wijk", 2, 2.0, 1.0, 1.0, 2.0),       # 2 respondents, min_n is 3
         ("WK2", "wijk", 10, 10.0, 1.0, 1.0, 10.0),    # p = 0.1 on 10: cv = 0.95
         ("WK3", "wijk", 400, 400.0, 120.0, 120.0, 400.0),  # p = 0.3 on 400: cv = 0.076
         ("GM1", "gemeente", 412, 412.0, 122.0, 122.0, 412.0)],
        max_cv=0.35,
    )  # fmt: skip
    assert got["WK1"]["missing"] == "too_few_respondents"
    assert got["WK2"]["missing"] == "cv_too_high"
    assert got["WK2"]["cv"] == pytest.approx(math.sqrt(0.09 / 10) / 0.1)
    assert got["WK3"]["missing"] is None


def test_raking_reproduces_margins_and_respects_bounds():
    rng = np.random.default_rng(3)
    n = 600
    resp = pd.DataFrame(
        {
            "respondent_id": [f"r{i}" for i in range(n)],
            "wijk_code": rng.choice(["WK1", "WK2"], n, p=[0.3, 0.7]),
            # older people respond more: the sample is skewed to 65+
            "leeftijd": rng.choice([20, 35, 55, 75], n, p=[0.1, 0.2, 0.3, 0.4]),
            "geslacht": rng.choice([1, 2, 3], n, p=[0.4, 0.58, 0.02]),
        }
    )
    margins = pd.DataFrame(
        {
            "wijk_code": ["WK1", "WK2"],
            "age_0": [3000.0, 800.0],
            "age_1": [2500.0, 2000.0],
            "age_2": [1500.0, 2500.0],
            "age_3": [500.0, 1700.0],
            "men": [3600.0, 3400.0],
            "women": [3900.0, 3600.0],
        }
    )
    groups = [[16, 24], [25, 44], [45, 64], [65, 120]]
    res = rake(resp, margins, groups, bounds=(0.05, 20.0), tolerance=1e-9, max_iterations=500)
    w = resp.assign(w=res.weights["weight"].to_numpy())
    w["age"] = pd.cut(w["leeftijd"], [15, 24, 44, 64, 120], labels=False)
    got = w.groupby(["wijk_code", "age"])["w"].sum().unstack()
    for k in range(4):
        assert got[k].to_numpy() == pytest.approx(margins[f"age_{k}"].to_numpy(), rel=1e-6)
    # sex: men/women carry the CBS ratio of the weight of man/vrouw respondents
    mw = w[w["geslacht"].isin([1, 2])].groupby(["wijk_code", "geslacht"])["w"].sum().unstack()
    ratio = margins.set_index("wijk_code")
    assert (mw[1] / mw[2]).to_numpy() == pytest.approx(
        (ratio["men"] / ratio["women"]).to_numpy(), rel=1e-6
    )
    assert res.max_margin_error < 1e-6
    # tight bounds are respected, at the price of margin error, which is reported
    tight = rake(resp, margins, groups, bounds=(0.5, 2.0), max_iterations=50)
    mean_w = margins.set_index("wijk_code")[[f"age_{k}" for k in range(4)]].sum(axis=1)
    rel = tight.weights["weight"].to_numpy() / (
        resp["wijk_code"].map(mean_w / resp["wijk_code"].value_counts()).to_numpy()
    )
    assert rel.min() >= 0.5 - 1e-9 and rel.max() <= 2.0 + 1e-9
    assert tight.max_margin_error > 1e-3
    assert tight.design_effect < res.design_effect


# --- a tiny gemeente: 2 wijken, 3 buurten ------------------------------------------------

TINY_MEASURES = """
- {id: cbs.population, title: inwoners, from: [{var: population}]}
- {id: cbs.aged_65_plus, title: 65+, from: [{var: aged_65_plus}]}
"""

TINY_CATALOGUE = """
- id: share_aged_65_plus
  title: {nl: Inwoners van 65+, en: Residents 65+}
  description: {nl: Aandeel 65+., en: Share 65+.}
  processing: {nl: a_65_oo / a_inw., en: a_65_oo / a_inw.}
  unit: "%"
  decimals: 1
  source: cbs
  quadrant: samenstelling
  theme: bevolking
  direction: neutral
  definition: {ratio: {numerator: cbs.aged_65_plus, denominator: cbs.population, scale: 100}}
- id: feels_unsafe_in_buurt
  title: {nl: Voelt zich onveilig, en: Feels unsafe}
  description: {nl: Vaak of soms onveilig., en: Often or sometimes unsafe.}
  processing: {nl: codes 1-2 van 1-4., en: codes 1-2 of 1-4.}
  unit: "%"
  decimals: 0
  source: survey
  quadrant: kwaliteit_sociale_omgeving
  theme: veiligheid
  direction: higher_is_worse
  min_n: 3
  definition: {share: {question: vei_onveilig_buurt, codes: [1, 2], base: [1, 2, 3, 4]}}
"""


def tiny_values(tmp_path, settings):
    (tmp_path / "cat").mkdir()
    (tmp_path / "cat" / "tiny.yml").write_text(TINY_CATALOGUE)
    (tmp_path / "measures.yml").write_text(TINY_MEASURES)
    cat = load_catalogue(tmp_path / "cat", measure_files=[tmp_path / "measures.yml"])
    con = duckdb.connect()
    areas = [
        ("cbs", "gemeente", "GM9999", "Tiny", None),
        ("cbs", "gebied", "GB999901", "Alles", "GM9999"),
        ("cbs", "wijk", "WK999900", "Noord", "GB999901"),
        ("cbs", "wijk", "WK999901", "Zuid", "GB999901"),
        ("cbs", "buurt", "BU99990000", "N1", "WK999900"),
        ("cbs", "buurt", "BU99990100", "Z1", "WK999901"),
        ("cbs", "buurt", "BU99990101", "Z2", "WK999901"),
    ]
    con.execute(
        "CREATE TABLE areas (year BIGINT, layout VARCHAR, area_level VARCHAR, area_code VARCHAR,"
        " area_name VARCHAR, parent_code VARCHAR)"
    )
    con.executemany("INSERT INTO areas VALUES (2030, ?, ?, ?, ?, ?)", areas)
    members = {
        "GM9999": ["BU99990000", "BU99990100", "BU99990101"],
        "GB999901": ["BU99990000", "BU99990100", "BU99990101"],
        "WK999900": ["BU99990000"],
        "WK999901": ["BU99990100", "BU99990101"],
    }
    con.execute(
        "CREATE TABLE area_buurten (year BIGINT, layout VARCHAR, area_level VARCHAR, "
        "area_code VARCHAR, buurt_code VARCHAR)"
    )
    level = {a[2]: a[1] for a in areas}
    rows = [(level[a], a, b) for a, bs in members.items() for b in bs]
    rows += [("buurt", b, b) for b in members["GM9999"]]
    con.executemany("INSERT INTO area_buurten VALUES (2030, 'cbs', ?, ?, ?)", rows)
    # CBS: wijk Noord 1000 inh. of whom 100 aged 65+ (10 %); Zuid 3000 of whom 900 (30 %);
    # buurt Z2 is secret. No gemeente row: the gemeente must be rebuilt from its wijken.
    cbs = [
        ("wijk", "WK999900", "population", 1000), ("wijk", "WK999900", "aged_65_plus", 100),
        ("wijk", "WK999901", "population", 3000), ("wijk", "WK999901", "aged_65_plus", 900),
        ("buurt", "BU99990000", "population", 1000), ("buurt", "BU99990000", "aged_65_plus", 100),
        ("buurt", "BU99990100", "population", 2000), ("buurt", "BU99990100", "aged_65_plus", 700),
        ("buurt", "BU99990101", "population", 1000), ("buurt", "BU99990101", "aged_65_plus", None),
    ]  # fmt: skip
    con.execute(
        "CREATE TABLE cbs_values (year BIGINT, area_code VARCHAR, area_level VARCHAR, "
        "variable VARCHAR, value DOUBLE, status VARCHAR)"
    )
    con.executemany(
        "INSERT INTO cbs_values VALUES (2030, ?, ?, ?, ?, ?)",
        [(c, lvl, v, x, "published" if x is not None else "secret") for lvl, c, v, x in cbs],
    )
    # survey: N1 has 4 respondents (2 unsafe), Z1 has 2 (both unsafe, below min_n = 3),
    # Z2 has 4 (none unsafe); 98 = weet niet is outside the base. Weights given.
    resp = [
        ("BU99990000", 1, 1.0), ("BU99990000", 3, 1.0), ("BU99990000", 2, 2.0),
        ("BU99990000", 4, 2.0), ("BU99990000", 98, 5.0),
        ("BU99990100", 1, 3.0), ("BU99990100", 2, 3.0),
        ("BU99990101", 3, 1.0), ("BU99990101", 4, 1.0), ("BU99990101", 3, 1.0),
        ("BU99990101", 4, 1.0),
    ]  # fmt: skip
    con.execute(
        "CREATE TABLE survey_responses (wave BIGINT, respondent_id VARCHAR, buurt_code VARCHAR,"
        " vei_onveilig_buurt SMALLINT)"
    )
    con.execute("CREATE TABLE survey_weights (wave BIGINT, respondent_id VARCHAR, weight DOUBLE)")
    for k, (b, a, w) in enumerate(resp):
        con.execute("INSERT INTO survey_responses VALUES (2024, ?, ?, ?)", [f"r{k}", b, a])
        con.execute("INSERT INTO survey_weights VALUES (2024, ?, ?)", [f"r{k}", w])
    # no register export and no earlier edition recomputed on these areas
    con.execute(
        "CREATE TABLE register_values (year BIGINT, area_code VARCHAR, area_level VARCHAR, "
        "variable VARCHAR, value DOUBLE)"
    )
    con.execute("CREATE TABLE harmonised_areas AS SELECT * FROM areas WHERE false")
    con.execute("CREATE TABLE harmonised_area_buurten AS SELECT * FROM area_buurten WHERE false")
    # nor RIVM's estimates (the plan has no RIVM year: its indicators say so)
    con.execute(
        "CREATE TABLE rivm_values (year BIGINT, area_code VARCHAR, area_level VARCHAR, "
        "variable VARCHAR, value DOUBLE)"
    )
    con.execute(
        "CREATE TABLE rivm_crosswalk (area_year BIGINT, area_level VARCHAR, area_code VARCHAR, "
        "source_code VARCHAR, method VARCHAR, share DOUBLE)"
    )
    codebook = load_codebook(Path("data/survey/codebook.yml"))
    plan = EditionPlan(2030, 2030, (2030,), 2024, None)  # wave 2024 of the real codebook
    compute_edition(con, cat, codebook, plan, settings)
    values = con.execute("SELECT * FROM edition_values").df()
    for column in ("layout", "area_level", "indicator_id", "band", "suppression_reason"):
        values[column] = values[column].astype(object)  # ENUM codes, as plain text
    values["synthetic"] = values["indicator_id"].map(
        {i.id: i.source in ("survey", "register") for i in cat.indicators}
    )
    return values.set_index(["area_code", "indicator_id"])


@pytest.fixture()
def tiny(tmp_path):
    settings = copy.deepcopy(statistics_settings())
    settings["survey"]["max_cv"] = 0.45
    return tiny_values(tmp_path, settings)


def test_index_formula_at_known_points(tiny, tmp_path):
    # share 65+: gemeente 25, wijken 10 and 30 -> typical distance D = (15 + 5) / 2 = 10;
    # index = 100 + 20 * (x - 25) / 10 (neutral: sign +1)
    ind = "share_aged_65_plus"
    assert tiny.loc[("GM9999", ind), "index"] == 100.0
    assert tiny.loc[("WK999900", ind), "index"] == 70.0
    assert tiny.loc[("WK999901", ind), "index"] == 110.0
    # buurt Z1 (35 %) is scored against the same city value and wijk spread: 120
    assert tiny.loc[("BU99990100", ind), "index"] == 120.0
    # neutral indicators are described (higher / lower), not judged
    assert tiny.loc[("WK999900", ind), "band"] == "lower"
    assert tiny.loc[("WK999901", ind), "band"] == "higher"  # 110 opens the band above average
    assert tiny.loc[("GM9999", ind), "band"] == "average"
    assert tiny.loc[("BU99990100", ind), "band"] == "higher"
    # a tenfold spread pushes both wijken outside [40, 160]: clipped
    wide = copy.deepcopy(statistics_settings())
    wide["compass"]["spread"] = 200
    (tmp_path / "w").mkdir()
    clipped = tiny_values(tmp_path / "w", wide)
    assert clipped.loc[("WK999900", ind), "index"] == 40.0
    assert clipped.loc[("WK999901", ind), "index"] == 160.0
    # higher is worse turns the sign: the survey share (gemeente 56.25 %, Zuid 60 %, the only
    # published wijk, so D = 3.75) -> Zuid = 100 - 20 * 3.75 / 3.75 = 80
    unsafe = "feels_unsafe_in_buurt"
    assert tiny.loc[("WK999901", unsafe), "index"] == 80.0
    assert tiny.loc[("WK999901", unsafe), "band"] in ("unfavourable", "average")


def test_gemeente_recomputed_from_parts_not_mean_of_wijken(tiny):
    share = "share_aged_65_plus"
    noord, zuid = tiny.loc[("WK999900", share)], tiny.loc[("WK999901", share)]
    assert (noord["value"], zuid["value"]) == (10.0, 30.0)
    gm = tiny.loc[("GM9999", share)]
    # (100 + 900) / (1000 + 3000) = 25 %, not the mean of the wijken (20 %)
    assert gm["value"] == 25.0 != (noord["value"] + zuid["value"]) / 2
    assert tiny.loc[("GB999901", share), "value"] == 25.0
    # a secret buurt stays secret, with CBS's reason
    z2 = tiny.loc[("BU99990101", share)]
    assert z2["suppressed"] and pd.isna(z2["value"]) and z2["suppression_reason"] == "secret"
    assert gm["index"] == 100.0


def test_survey_pooled_estimate_and_small_n_suppression(tiny):
    ind = "feels_unsafe_in_buurt"
    n1 = tiny.loc[("BU99990000", ind)]
    # N1: p = (1 + 2) / (1 + 1 + 2 + 2) = 0.5 (the 98 answer is outside the base) on
    # n_eff = 6^2 / 10 = 3.6: se = sqrt(0.25 / 3.6) = 0.264, CV 0.53 > 0.45 -> suppressed
    assert n1["n_unweighted"] == 4
    assert n1["cv"] == pytest.approx(math.sqrt(0.25 / 3.6) / 0.5)
    assert n1["suppressed"] and n1["suppression_reason"] == "cv_too_high"
    assert pd.isna(n1["value"]) and pd.isna(n1["ci_low"])
    z1 = tiny.loc[("BU99990100", ind)]
    assert z1["suppressed"] and z1["suppression_reason"] == "too_few_respondents"
    assert pd.isna(z1["value"]) and z1["n_unweighted"] == 2 and z1["suppression_threshold"] == 3
    note = messages.suppression_message(
        z1["suppression_reason"], "nl", n=z1["n_unweighted"], threshold=z1["suppression_threshold"]
    )
    assert note == "Minder dan 3 respondenten (n = 2)"
    gm = tiny.loc[("GM9999", ind)]
    # pooled: (1 + 2 + 3 + 3) / (6 + 6 + 4) = 9 / 16, not a mean of buurt or wijk values
    assert gm["raw_value"] == pytest.approx(100 * 9 / 16)
    zuid = tiny.loc[("WK999901", ind)]
    assert zuid["raw_value"] == pytest.approx(100 * 6 / 10)
    assert gm["n_unweighted"] == 10
    assert pd.isna(gm["significant_vs_city"])
    assert zuid["ci_low"] <= zuid["value"] <= zuid["ci_high"]
    assert bool(gm["synthetic"]) and not bool(
        tiny.loc[("GM9999", "share_aged_65_plus"), "synthetic"]
    )


def test_catalogue_rejects_a_bad_entry_naming_file_and_indicator(tmp_path):
    bad = yaml.safe_load(TINY_CATALOGUE)
    bad[0]["direction"] = "higher_is_better"  # Samenstelling is not judged
    (tmp_path / "cat").mkdir()
    (tmp_path / "cat" / "bevolking.yml").write_text(yaml.safe_dump(bad))
    (tmp_path / "m.yml").write_text(TINY_MEASURES)
    with pytest.raises(ValueError, match=r"bevolking\.yml: share_aged_65_plus: .*neutral"):
        load_catalogue(tmp_path / "cat", measure_files=[tmp_path / "m.yml"])
    bad[0]["direction"] = "neutral"
    bad[0]["definition"]["ratio"]["numerator"] = "cbs.nonexistent"
    (tmp_path / "cat" / "bevolking.yml").write_text(yaml.safe_dump(bad))
    with pytest.raises(ValueError, match="unknown measure 'cbs.nonexistent'"):
        load_catalogue(tmp_path / "cat", measure_files=[tmp_path / "m.yml"])
