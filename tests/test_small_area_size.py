"""The area variance by buurt size (indicators/small_area_size.py): with δ = 0 it is the plain
Fay–Herriot model of the reference package; its REML estimate is the maximum of the REML
likelihood; on data whose truth strays further in small areas it finds δ and its intervals
hold the truth of small areas where the plain model's do not."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import optimize

from indicators import small_area as sa
from indicators import small_area_size as ss


def _areas(rng, m, power, sigma2=0.04):
    """m areas of 30 to 8,000 adults; the truth's spread around the regression σ²·(P̃/P)^power;
    a sampling variance that falls with size as a survey's does (more respondents)."""
    P = np.exp(rng.uniform(np.log(30), np.log(8000), m))
    X = np.column_stack([np.ones(m), rng.normal(size=(m, 2))])
    z = ss.size_scores(P, np.ones(m, bool), floor=10)
    spread = np.sqrt(sigma2 * np.exp(power * z))
    theta = X @ np.array([0.5, 0.2, -0.1]) + rng.normal(size=m) * spread
    psi = 0.25 / np.clip(P / 40, 3, 200)
    y = theta + rng.normal(size=m) * np.sqrt(psi)
    return X, P, z, theta, psi, y


def test_with_no_size_effect_it_is_the_plain_model_of_sae():
    X, P, z, theta, psi, y = _areas(np.random.default_rng(7), 150, power=0.0)
    plain = sa.fit_fay_herriot(y, X, psi, "REML", tol=1e-12)
    fit = ss.fit_size_variance(y, psi, X, z, plain.sigma2_u, power=0.0, tol=1e-12)
    assert fit.converged and fit.free == (True, False)
    assert fit.sigma2 == pytest.approx(plain.sigma2_u, rel=1e-8)
    np.testing.assert_allclose(fit.beta, plain.beta, rtol=1e-8)
    np.testing.assert_allclose(fit.Q, plain.beta_cov, rtol=1e-7)
    everyone = np.ones(len(y), bool)
    pred = ss.predict_by_size(fit, y, psi, everyone, X, z)
    np.testing.assert_allclose(pred.estimate, sa.eblup(plain), rtol=1e-8)
    np.testing.assert_allclose(pred.mse, sa.prasad_rao_mse(plain).mse, rtol=1e-7)
    # an area without respondents: the plain synthetic prediction and its MSE
    none = ss.predict_by_size(fit, y, psi, np.zeros(len(y), bool), X, z)
    synthetic = sa.synthetic_prediction(plain, X)
    np.testing.assert_allclose(none.estimate, synthetic.estimate, rtol=1e-8)
    np.testing.assert_allclose(none.mse, synthetic.mse, rtol=1e-7)


def test_the_estimate_is_the_maximum_of_the_reml_likelihood():
    X, P, z, theta, psi, y = _areas(np.random.default_rng(11), 300, power=0.5)
    fit = ss.fit_size_variance(y, psi, X, z, 0.04, tol=1e-10)
    assert fit.converged and fit.free == (True, True)
    best = optimize.minimize(
        lambda t: -ss._reml(y, psi, X, z, t)[0], [np.log(0.01), 0.0], method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 10_000},
    )  # fmt: skip
    assert fit.log_sigma2 == pytest.approx(best.x[0], abs=1e-5)
    assert fit.power == pytest.approx(best.x[1], abs=1e-5)
    assert fit.loglike == pytest.approx(-best.fun, abs=1e-8)


def test_small_areas_intervals_hold_their_truth_where_one_variance_for_all_does_not():
    """200 replicates of 150 areas whose truth strays as (P̃/P)^0.8: the size model finds δ
    and covers the truth of the smallest areas about as often as it says; the plain model,
    its σu² set by the large areas, far less often."""
    rng = np.random.default_rng(2026)
    powers, size_inside, plain_inside = [], [], []
    for _ in range(200):
        X, P, z, theta, psi, y = _areas(rng, 150, power=0.8)
        small = P < 150
        plain = sa.fit_fay_herriot(y, X, psi, "REML")
        half = 1.96 * np.sqrt(sa.prasad_rao_mse(plain).mse)
        plain_inside += list(np.abs(sa.eblup(plain) - theta)[small] <= half[small])
        fit = ss.fit_by_size(y, psi, X, z, plain.sigma2_u, max_iter=100, tol=1e-6)
        assert fit is not None  # δ̂ > 0 on such data
        powers.append(fit.power)
        pred = ss.predict_by_size(fit, y, psi, np.ones(len(y), bool), X, z)
        size_inside += list(np.abs(pred.estimate - theta)[small] <= 1.96 * np.sqrt(pred.mse)[small])
    assert np.median(powers) == pytest.approx(0.8, abs=0.15)
    assert 0.92 <= np.mean(size_inside) <= 0.98, np.mean(size_inside)
    assert np.mean(plain_inside) < 0.88, np.mean(plain_inside)


def test_no_size_effect_keeps_the_plain_model_and_a_steep_one_stops_at_one():
    rng = np.random.default_rng(5)
    kept = 0
    for _ in range(20):
        X, P, z, theta, psi, y = _areas(rng, 150, power=-0.6)  # larger areas stray further
        kept += ss.fit_by_size(y, psi, X, z, 0.04, max_iter=100, tol=1e-6) is None
    assert kept >= 18  # δ̂ ≤ 0: the plain model stays
    X, P, z, theta, psi, y = _areas(rng, 400, power=2.0)
    fit = ss.fit_by_size(y, psi, X, z, 0.04, max_iter=100, tol=1e-6)
    assert fit is not None and fit.power == ss.MAX_POWER and fit.free == (True, False)
