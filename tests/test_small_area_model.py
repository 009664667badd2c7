"""The small-area model in the engine (indicators/small_area_model.py): the batched fit equals
indicators/small_area.py indicator by indicator, the pooled variances equal its GVF, an own
wijk's MSE is the exact MSE of the sum of its buurten' predictors, the bad cases are named and
publish nothing; and on the session build: what is published, labelled and downloaded."""

from __future__ import annotations

import copy
import csv
import os
import re
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy import sparse, stats

from indicators import small_area as sa
from indicators import small_area_model as sam
from indicators.catalogue import load_catalogue, statistics_settings

SETTINGS = statistics_settings()


def _problem(rng, K=6, m=80, p=4):
    """K indicators on one design; some areas without a direct estimate; small and large σu²."""
    X = np.column_stack([np.ones(m), rng.normal(size=(m, p - 1))])
    psi = rng.uniform(0.02, 0.3, (K, m))
    beta = rng.normal(size=p)
    sigma2 = np.array([0.0, 0.002, 0.05, 0.2, 0.5, 1.0])[:K]
    y = X @ beta + rng.normal(size=(K, m)) * np.sqrt(sigma2[:, None])
    y = y + rng.normal(size=(K, m)) * np.sqrt(psi)
    fitted = rng.random((K, m)) > 0.15
    return y, psi, fitted, X


@pytest.mark.parametrize("method", ["REML", "ML"])
def test_fit_many_is_fit_fay_herriot_indicator_by_indicator(method):
    y, psi, fitted, X = _problem(np.random.default_rng(3))
    many = sam.fit_many(y, psi, fitted, X, method=method)
    pred = sam.predict_many(many, y, psi, fitted, X)
    estimators = set()
    for k in range(len(y)):
        rows = fitted[k]
        one = sa.fit_fay_herriot(y[k][rows], X[rows], psi[k][rows], method)
        estimators.add(one.estimator)
        assert many.adjusted[k] == (one.estimator != method)
        assert (many.iterations[k], many.converged[k]) == (one.iterations, one.converged)
        assert many.sigma2_u[k] == pytest.approx(one.sigma2_u, rel=1e-10, abs=1e-14)
        np.testing.assert_allclose(many.beta[k], one.beta, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(many.Q[k], one.beta_cov, rtol=1e-9, atol=1e-14)
        assert many.loglike[k] == pytest.approx(one.loglike, rel=1e-10)
        np.testing.assert_allclose(pred.estimate[k][rows], sa.eblup(one), rtol=1e-9, atol=1e-12)
        mse = sa.prasad_rao_mse(one).mse
        np.testing.assert_allclose(pred.mse[k][rows], mse, rtol=1e-9, atol=1e-14)
        synth = sa.synthetic_prediction(one, X[~rows])
        np.testing.assert_allclose(pred.estimate[k][~rows], synth.estimate, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(pred.mse[k][~rows], synth.mse, rtol=1e-9, atol=1e-14)
    assert estimators == {method, "A" + method}  # σu² = 0 somewhere: the adjusted estimator


def test_a_left_out_column_is_a_fit_without_it():
    y, psi, fitted, X = _problem(np.random.default_rng(5), K=3)
    keep = np.ones((3, X.shape[1]))
    keep[1, 2] = 0.0
    many = sam.fit_many(y, psi, fitted, X, keep)
    pred = sam.predict_many(many, y, psi, fitted, X)
    rows = fitted[1]
    Xk = np.delete(X, 2, axis=1)
    one = sa.fit_fay_herriot(y[1][rows], Xk[rows], psi[1][rows])
    assert many.sigma2_u[1] == pytest.approx(one.sigma2_u, rel=1e-10)
    np.testing.assert_allclose(np.delete(many.beta[1], 2), one.beta, rtol=1e-9)
    assert many.beta[1][2] == 0 and not many.Q[1][2].any() and not many.Q[1][:, 2].any()
    np.testing.assert_allclose(pred.mse[1][rows], sa.prasad_rao_mse(one).mse, rtol=1e-9)


def test_pooled_variances_are_the_generalised_variance_function():
    rng = np.random.default_rng(11)
    K, m = 3, 40
    n = rng.integers(0, 25, (K, m)).astype(float)
    w = rng.uniform(0.5, 3, (K, m))
    sw, sw2 = n * w, n * w * w * rng.uniform(1.0, 1.6, (K, m))
    p = rng.uniform(0.05, 0.6, (K, m))
    swy = sw * p
    swy2 = swy * rng.uniform(1.0, 2.0, (K, m))
    wijk = np.repeat(np.arange(8), 5)
    unit, deff = sam.smoothed_variances(n, sw, sw2, swy, swy2, wijk, 30)
    for k in range(K):
        one = sa.smoothed_sampling_variances(
            n[k], sw[k], sw2[k], swy[k], swy2[k], groups=(wijk.astype(str),), min_df=30
        )
        has = n[k] > 0
        np.testing.assert_allclose(unit[k][has], one.unit_variance[has], rtol=1e-12)
        np.testing.assert_allclose(deff[k][has], one.design_effect[has], rtol=1e-12)


def test_own_wijk_mse_is_the_exact_mse_of_the_sum_of_its_buurten():
    """For a mean (no transformation) the aggregate's MSE, g3 terms aside, is exactly the
    variance of a'(θ̂ − θ) at the fitted σu²: the buurten' errors share β̂."""
    rng = np.random.default_rng(7)
    y, psi, fitted, X = _problem(rng, K=4, m=60)
    many = sam.fit_many(y, psi, fitted, X)
    pred = sam.predict_many(many, y, psi, fitted, X)
    K, m = y.shape
    model = sam.EditionModel(
        np.arange(K), pred.estimate, pred.mse, pred.estimate - 1, pred.estimate + 1,
        pred.gamma, np.ones((K, m)), pred.leverage, many.Q, X, np.ones(K, bool), [], [],
    )  # fmt: skip
    members = [rng.choice(m, size=int(rng.integers(3, 9)), replace=False) for _ in range(5)]
    weights = np.zeros((5, m))
    for i, b in enumerate(members):
        weights[i, b] = rng.uniform(0.5, 2.0, len(b))
    weights /= weights.sum(1, keepdims=True)
    z = stats.norm.ppf(0.975)
    est, mse, lo, hi = sam.aggregate(model, sparse.csr_matrix(weights), z, [(-1e9, 1e9)] * K)
    for k in range(K):
        A, rows = many.sigma2_u[k], fitted[k]
        V = np.diag(A + psi[k][rows])
        Vi = np.linalg.inv(V)
        XF = X[rows]
        Q = np.linalg.inv(XF.T @ Vi @ XF)
        B = Q @ XF.T @ Vi  # β̂ = B y_F
        G = np.zeros((m, rows.sum()))  # θ̂ = M y_F
        G[np.flatnonzero(rows), np.arange(rows.sum())] = A / (A + psi[k][rows])
        M = X @ B + G - G @ XF @ B
        for i in range(5):
            a = weights[i]
            ma = M.T @ a
            exact = A * np.sum((ma - a[rows]) ** 2) + A * np.sum(a[~rows] ** 2)
            exact += np.sum(ma**2 * psi[k][rows])
            var = 2.0 / many.sum_v2[k]
            shrink = 1.0 - pred.gamma[k]
            g3 = np.where(
                rows,
                2.0 * shrink**2 * var / (A + np.where(rows, psi[k], 1.0)),
                (1.0 + z * z) / 4.0 * var / (A + pred.leverage[k]),
            )
            assert est[k, i] == pytest.approx(a @ pred.estimate[k])
            assert mse[k, i] - np.sum(a * a * g3) == pytest.approx(exact, rel=1e-8)


def _items(statistics):
    return [
        {"indicator_key": k, "indicator_id": f"item_{k}", "statistic": s, "min_n": 30,
         "lower": None if s == "share" else 1.0, "upper": None if s == "share" else 10.0}
        for k, s in enumerate(statistics)
    ]  # fmt: skip


def _edition(rng, m=60, statistics=("share", "share", "mean")):
    """Sums of a small edition: buurten in 6 wijken, a share and a mean per indicator."""
    K = len(statistics)
    n = rng.integers(0, 40, (K, m)).astype(float)
    n[:, :4] = 0  # buurten without respondents
    w = rng.uniform(0.8, 1.2, (K, m))
    p = np.clip(rng.normal(0.3, 0.08, m), 0.02, 0.9)[None, :].repeat(K, 0)
    mean = rng.normal(7, 0.4, m)[None, :].repeat(K, 0)
    is_share = np.array([s == "share" for s in statistics])[:, None]
    y1 = np.where(is_share, p, mean)
    y2 = np.where(is_share, p, mean * mean + 1.5)
    sums = {"n": n, "sw": n * w, "sw2": n * w * w * 1.1, "swy": n * w * y1, "swy2": n * w * y2}
    frame = pd.DataFrame(
        {
            "population_density": rng.uniform(100, 8000, m),
            "share_aged_15_24": rng.uniform(5, 40, m),
            "share_aged_65_plus": rng.uniform(5, 30, m),
            "share_social_housing": rng.uniform(0, 60, m),
            "mean_woz_value": rng.uniform(150, 600, m),
            "adults": rng.uniform(30, 6000, m),  # the area variance by size reads these
        }
    )
    frame["population"] = frame["adults"] * 1.2
    return sums, frame, np.repeat([f"WK{i}" for i in range(6)], m // 6)


def test_edition_model_fits_every_indicator_and_keeps_estimates_in_range():
    sums, frame, wijk = _edition(np.random.default_rng(1))
    model = sam.fit_edition(sums, _items(("share", "share", "mean")), frame, wijk, SETTINGS)
    assert model.ok.all()
    assert [f["status"] for f in model.fits] == ["fitted"] * 3
    shares, means = model.estimate[:2], model.estimate[2]
    assert (shares > 0).all() and (shares < 1).all()
    assert (model.lower <= model.estimate).all() and (model.estimate <= model.upper).all()
    assert (means >= 1).all() and (means <= 10).all()
    assert model.fits[0]["covariates"][0] == "(intercept)"
    terms = {c["term"] for c in model.coefficients if c["indicator_id"] == "item_2"}
    assert terms == set(model.fits[2]["covariates"])


def test_every_buurt_below_two_respondents_is_named_and_gets_no_model():
    sums, frame, wijk = _edition(np.random.default_rng(2))
    sums = {k: v.copy() for k, v in sums.items()}
    for key in sums:  # indicator 1: one respondent at most in every buurt
        sums[key][1] = np.where(sums["n"][1] > 0, sums[key][1] / np.maximum(sums["n"][1], 1), 0)
    model = sam.fit_edition(sums, _items(("share", "share", "mean")), frame, wijk, SETTINGS)
    assert list(model.ok) == [True, False, True]
    fit = model.fits[1]
    assert (fit["status"], fit["reason"]) == ("failed", "TooFewRespondents")
    assert "fewer than two respondents" in fit["message"]
    assert np.isnan(model.estimate[1]).all() and np.isnan(model.mse[1]).all()


def test_an_empty_covariate_stops_the_model_of_the_edition_by_name():
    sums, frame, wijk = _edition(np.random.default_rng(3), statistics=("share", "mean"))
    frame["share_aged_65_plus"] = np.nan
    model = sam.fit_edition(sums, _items(("share", "mean")), frame, wijk, SETTINGS)
    assert not model.ok.any() and np.isnan(model.estimate).all()
    assert {f["reason"] for f in model.fits} == {"EmptyCovariate"}
    assert "share_aged_65_plus" in model.fits[0]["message"]
    # an optional covariate without values is left out, not an error
    sums, frame, wijk = _edition(np.random.default_rng(3), statistics=("share",))
    frame["share_social_housing"] = np.nan
    model = sam.fit_edition(sums, _items(("share",)), frame, wijk, SETTINGS)
    assert model.ok.all() and model.fits[0]["left_out"] == ["share_social_housing"]


def test_a_gemeente_without_age_groups_or_land_area_gets_the_fallback_covariates():
    """As a gemeente generated from the national file: no density, no ages, no housing; its
    buurten have addresses per km² and households, the fallback set of the settings."""
    rng = np.random.default_rng(6)
    sums, frame, wijk = _edition(rng, statistics=("share", "mean"))
    for gone in ("population_density", "share_aged_15_24", "share_aged_65_plus",
                 "share_social_housing", "mean_woz_value"):  # fmt: skip
        frame[gone] = np.nan
    frame["address_density"] = rng.uniform(50, 6000, len(frame))
    frame["share_one_person_households"] = rng.uniform(10, 70, len(frame))
    frame["share_households_with_children"] = rng.uniform(5, 45, len(frame))
    model = sam.fit_edition(sums, _items(("share", "mean")), frame, wijk, SETTINGS)
    assert model.ok.all()
    fallback = SETTINGS["small_area"]["fallback_covariates"]
    assert [f["covariates"] for f in model.fits] == [["(intercept)", *fallback]] * 2
    assert model.fits[0]["left_out"] == ["share_social_housing", "log(mean_woz_value)"]
    # one fallback covariate empty too: the named error of the settings' own set, as before
    frame["share_households_with_children"] = np.nan
    model = sam.fit_edition(sums, _items(("share", "mean")), frame, wijk, SETTINGS)
    assert {f["reason"] for f in model.fits} == {"EmptyCovariate"}
    assert "population_density" in model.fits[0]["message"]


def test_fisher_scoring_that_does_not_converge_is_named_and_publishes_nothing():
    sums, frame, wijk = _edition(np.random.default_rng(4), statistics=("share", "mean"))
    settings = copy.deepcopy(SETTINGS)
    settings["small_area"]["max_iterations"] = 1
    model = sam.fit_edition(sums, _items(("share", "mean")), frame, wijk, settings)
    assert not model.ok.any() and np.isnan(model.estimate).all()
    assert {f["reason"] for f in model.fits} == {"ModelNotConverged"}
    assert "did not converge in 1 iterations" in model.fits[0]["message"]


def test_the_model_for_15000_buurten_and_110_indicators_is_vectorised():
    rng = np.random.default_rng(9)
    m, K = 15000, 110
    stats_ = tuple("share" if k % 4 else "mean" for k in range(K))
    sums, frame, _ = _edition(rng, m=m, statistics=stats_)
    wijk = np.repeat([f"WK{i}" for i in range(3000)], 5)
    import time

    start = time.perf_counter()
    model = sam.fit_edition(sums, _items(stats_), frame, wijk, SETTINGS)
    assert model.ok.all()
    assert time.perf_counter() - start < 10.0  # about 1 s on the benchmark machine


# --- the session build ----------------------------------------------------------------------

BUURT_SURVEY = """
SELECT v.* FROM indicator_values v
WHERE v.edition = $edition AND v.layout = 'cbs' AND v.area_level = 'buurt'
  AND v.source = 'survey'"""


def test_buurten_get_model_estimates_and_few_stay_blank(con):
    max_cv = SETTINGS["survey"]["max_cv"]
    min_n = SETTINGS["survey"]["min_n"]
    rows = con.execute(BUURT_SURVEY, {"edition": 2024}).df()
    blank = rows["suppressed"].mean()
    # 41 % before the model; the model's intervals are honest about small buurten (their area
    # variance by size), so a rare share's CV withholds some of them: at most a fifth blank
    assert blank <= 0.20, f"{blank:.1%} of buurt x survey figures blank"
    model = rows[rows["estimate_kind"] == "model"]
    direct = rows[rows["estimate_kind"] == "direct"]
    assert len(model) > 0.2 * len(rows)  # a fifth of them from the model (41 % were blank)
    assert (direct["n_unweighted"] >= min_n).all()
    assert (direct["cv"].fillna(0) <= max_cv).all()  # none: a share of 0 (no CV)
    assert (model["cv"] <= max_cv + 1e-9).all() and model["mse"].notna().all()
    assert (model["ci_low"] <= model["value"]).all() and (model["value"] <= model["ci_high"]).all()
    assert np.allclose(model["standard_error"] ** 2, model["mse"])
    assert (model["n_unweighted"] == 0).any()  # buurten without respondents: the prediction
    # different from the city only when the interval excludes the city's value
    clear = model[(model["reference_value"] < model["ci_low"] - 0.2)
                  | (model["reference_value"] > model["ci_high"] + 0.2)]  # fmt: skip
    inside = model[(model["reference_value"] > model["ci_low"] + 0.2)
                   & (model["reference_value"] < model["ci_high"] - 0.2)]  # fmt: skip
    assert clear["significant_vs_city"].all() and not inside["significant_vs_city"].any()
    assert (inside["band"].dropna() == "average").all()
    withheld = rows[rows["suppression_reason"] == "model_cv_too_high"]
    # a model estimate of 0 has no finite CV: withheld too
    assert (withheld["cv"].fillna(np.inf) > max_cv).all() and withheld["value"].isna().all()
    assert set(rows.loc[rows["suppressed"], "suppression_reason"]) <= {
        "model_cv_too_high", "not_asked",
    }  # fmt: skip


def test_own_wijken_with_few_respondents_get_the_sum_of_their_buurten(con):
    rows = con.execute(
        "SELECT * FROM indicator_values WHERE edition = 2024 AND layout = 'voorbeeld' "
        "AND source = 'survey' AND estimate_kind = 'model'"
    ).df()
    assert len(rows) and (rows["mse"] > 0).all() and (rows["ci_low"] <= rows["value"]).all()
    # an own wijk's model figure is that of its buurten: published only where reliable
    assert (rows["cv"] <= SETTINGS["survey"]["max_cv"] + 1e-9).all()


def test_fits_name_every_indicator_and_count_what_the_model_published(con):
    fits = con.execute("SELECT * FROM small_area_fits").df()
    for edition, part in fits.groupby("edition"):
        asked = con.execute(
            "SELECT count(DISTINCT indicator_id) FROM indicator_values WHERE edition = ? "
            "AND source = 'survey' AND coalesce(suppression_reason, '') "
            "NOT IN ('not_asked', 'not_comparable')",  # asked in the wave
            [int(edition)],
        ).fetchone()[0]
        assert len(part) == asked
        published = con.execute(
            "SELECT count(*) FROM edition_values WHERE edition = ? AND layout = 'cbs' "
            "AND area_level = 'buurt' AND estimate_kind = 'model'",
            [int(edition)],
        ).fetchone()[0]
        assert part["buurten_from_model"].sum() == published
    fitted = fits[fits["status"] == "fitted"]
    assert fitted["converged"].all() and (fitted["sigma2_u"] >= 0).all()
    assert fitted["mean_gamma"].between(0, 1).all()
    assert set(fitted["estimator"]) <= {"REML", "AREML"}
    assert (fits["model_seconds"] <= 5.0).all()  # every survey indicator of the edition
    coef = con.execute("SELECT * FROM small_area_coefficients").df()
    assert (coef["standard_error"] > 0).all()
    assert set(coef["term"]) >= {"(intercept)", "log(population_density)"}


@pytest.fixture(scope="module")
def site(built_warehouse) -> Path:
    return Path(os.environ["WIJKKOMPAS_SITE"])


def test_buurt_page_labels_a_model_estimate_with_its_interval(con, site):
    shown = {i.id for i in load_catalogue().indicators} - set(load_catalogue().replaced_by())
    rows = con.execute(
        BUURT_SURVEY + " AND v.estimate_kind = 'model' AND v.n_unweighted > 0 "
        "ORDER BY v.area_code, v.indicator_id",
        {"edition": 2024},
    ).df()
    row = rows[rows["indicator_id"].isin(shown)].iloc[0]
    for lang, label, note in (("nl", "Modelschatting", "respondenten"),
                              ("en", "Model estimate", "respondents")):  # fmt: skip
        page = site / ("en" if lang == "en" else "") / "buurt" / f"{row.area_code}.html"
        html = page.read_text(encoding="utf-8")
        tr = re.search(rf'<tr id="r-{row.indicator_id}">.*?</tr>', html, re.S).group(0)
        assert f"<small>{label}: " in tr and note in tr, tr
        low = f"{row.ci_low:.{int(row.decimals)}f}".replace(".", "," if lang == "nl" else ".")
        assert low in tr  # the interval is in the row
        assert ("modelschatting" if lang == "nl" else "model estimate") in html


def test_statistician_page_shows_the_fits(site):
    html = (site / "statistiek" / "index.html").read_text(encoding="utf-8")
    assert 'id="modelschattingen"' in html and "Fay–Herriot" in html
    assert "σ<sub>u</sub>²" in html and 'id="model-smokes"' in html


def test_report_and_downloads_say_which_figures_are_model_estimates(con, site):
    html = (site / "rapport" / "WK001404.html").read_text(encoding="utf-8")
    assert 'id="buurtcijfers"' in html and "Modelschatting" in html
    with (site / "downloads" / "indicator_values.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter=";")
        assert {"estimate_kind", "mse"} <= set(reader.fieldnames)
        kinds = {r["estimate_kind"] for r in reader}
    assert {"direct", "model", ""} <= kinds


def test_bad_cases_on_a_copy_publish_nothing_wrongly(con, built_warehouse, tmp_path):
    """Every buurt below two respondents on one question, a covariate without figures,
    Fisher scoring cut off: each named in the fits, no model figure for what failed, the
    direct figures as they were."""
    from indicators.engine import compute_edition
    from ingest.survey.codebook import load_codebook
    from pipelines.assets.indicators import edition_plans
    from pipelines.assets.survey import codebook_path

    copy_path = tmp_path / "w.duckdb"
    shutil.copy(built_warehouse, copy_path)
    w = duckdb.connect(str(copy_path))
    try:
        years = tuple(r[0] for r in w.execute("SELECT DISTINCT year FROM rivm_values").fetchall())
        # smokes (gez_roken): one respondent per buurt keeps an answer
        w.execute(
            """UPDATE survey_responses SET gez_roken = NULL WHERE wave = 2024 AND respondent_id
               NOT IN (SELECT min(respondent_id) FROM survey_responses WHERE wave = 2024
                       GROUP BY buurt_code)"""
        )
        cat, codebook = load_catalogue(), load_codebook(codebook_path())
        plan = edition_plans([2024], years)[0]
        run = compute_edition(w, cat, codebook, plan, SETTINGS)
        fits = {f["indicator_id"]: f for f in run.metadata["small_area_estimates"]["fits"]}
        assert fits["smokes"]["reason"] == "TooFewRespondents"
        assert fits["good_perceived_health"]["status"] == "fitted"
        rows = w.execute(
            "SELECT * FROM edition_values WHERE edition = 2024 AND layout = 'cbs' "
            "AND area_level = 'buurt' AND indicator_id = 'smokes'"
        ).df()
        assert not (rows["estimate_kind"] == "model").any()
        assert set(rows["suppression_reason"].dropna()) <= {"too_few_respondents"}
        # an empty covariate (CBS 2017 has no businesses per buurt): the fallback set is used
        # (the model of the edition is fitted on it); empty in both sets, the model stops
        fallback = copy.deepcopy(SETTINGS)
        fallback["small_area"]["covariates"].append("businesses_per_1000")
        run = compute_edition(w, cat, codebook, edition_plans([2018], years)[0], fallback)
        fitted = [f for f in run.metadata["small_area_estimates"]["fits"]
                  if f["status"] == "fitted"]  # fmt: skip
        assert fitted and {tuple(f["covariates"]) for f in fitted} == {
            ("(intercept)", *SETTINGS["small_area"]["fallback_covariates"])
        }
        empty = copy.deepcopy(fallback)
        empty["small_area"]["fallback_covariates"].append("businesses_per_1000")
        stopped = copy.deepcopy(SETTINGS)
        stopped["small_area"]["max_iterations"] = 1
        for edition, settings, reason in ((2018, empty, "EmptyCovariate"),
                                          (2024, stopped, "ModelNotConverged")):  # fmt: skip
            plan = edition_plans([edition], years)[0]
            run = compute_edition(w, cat, codebook, plan, settings)
            got = {f["reason"] for f in run.metadata["small_area_estimates"]["fits"]}
            smokes = {"TooFewRespondents"} if edition == 2024 else set()  # as damaged above
            assert got == {reason} | smokes, edition
            after = w.execute(
                "SELECT area_code, indicator_id::VARCHAR AS indicator_id, value, "
                "suppression_reason::VARCHAR AS reason FROM edition_values "
                "WHERE edition = ? AND layout = 'cbs' AND area_level = 'buurt'",
                [edition],
            ).df()
            before = con.execute(
                "SELECT area_code, indicator_id::VARCHAR AS indicator_id, value, estimate_kind "
                "FROM edition_values WHERE edition = ? AND layout = 'cbs' "
                "AND area_level = 'buurt'",
                [edition],
            ).df()
            both = before.merge(after, on=["area_code", "indicator_id"])
            assert (
                w.execute(
                    "SELECT count(*) FROM edition_values "
                    "WHERE edition = ? AND estimate_kind = 'model'",
                    [edition],
                ).fetchone()[0]
                == 0
            )
            was_model = both[both["estimate_kind"] == "model"]
            assert was_model["value_y"].isna().all()
            assert set(was_model["reason"]) <= {"too_few_respondents", "cv_too_high"}
            direct = both[both["estimate_kind"] == "direct"]
            differ = direct[~np.isclose(direct["value_x"], direct["value_y"], equal_nan=True)]
            assert set(differ["indicator_id"]) <= {"smokes"}, differ  # damaged above
    finally:
        w.close()
