"""The small-area model in the engine: a model estimate for every buurt whose direct survey
figure cannot be published, and for own wijken and gebieden made of such buurten.

The statistics are those of :mod:`indicators.small_area` (the area-level Fay–Herriot model,
reproducing R's ``sae``); this module runs them for every survey indicator of an edition at
once, behind the engine's declared-model interface (``python_model``), and hands the rows the
publication needs to ``survey_values``:

1. **Direct estimates and smoothed variances** from the sums the engine already has
   (``survey_buurt_sums``: n, Σw, Σwy, Σwy², Σw² per CBS buurt and item). The sampling variance
   of a buurt's estimate is not its own (four respondents who agree have none) but a
   generalised variance function: ψᵢ = s²·deff/nᵢ with the within-buurt variance s² and Kish's
   design effect pooled over the buurten of its wijk, else over the gemeente
   (``small_area.variance_pool_min_df``; exactly :func:`indicators.small_area.
   smoothed_sampling_variances`, for every indicator at once).
2. **Covariates**: the CBS indicators of ``small_area.covariates`` (and the
   ``optional_covariates`` an edition has for at least ``optional_min_coverage`` of its
   buurten) at buurt level, from the edition's own figures (model ``small_area_covariates``);
   a missing value is imputed by :func:`indicators.small_area.covariate_matrix` (wijk mean,
   else gemeente mean, with a 0/1 ``_missing`` column when more than
   ``missing_indicator_share`` of the buurten lack it), never dropped; every column is then
   standardised over the buurten, so a coefficient is per standard deviation. One design for
   every indicator; a ``_missing`` column that is constant among the buurten an indicator is
   fitted on carries no information there and is left out of that indicator's fit (its
   imputed buurten are then predicted at the imputed value).
3. **The fit**, per indicator, on the buurten with at least one respondent: shares on the
   arcsine square-root scale (y* = asin √p̂, ψ* = 1/(4·n_eff)) and back with the
   bias-corrected transformation, so every estimate and interval stays inside 0–100 %; means
   on their own scale, the estimate and its interval clipped to the range of the answer scale
   (a mark 1–10, a construct score 0–10): the truth lies inside that range, so clipping never
   moves an estimate away from it, and the MSE is left as estimated (conservative). σu² by
   REML Fisher scoring as ``sae::eblupFH`` (Li–Lahiri's adjusted REML where REML gives 0), the
   EBLUP with Prasad–Rao's MSE, and for a buurt without respondents the regression prediction
   with its own MSE. Then, per indicator, the area variance by buurt size
   (:mod:`indicators.small_area_size`, ``small_area.area_variance: by_size``): A = σu²·(P̃/P)^δ
   by REML, the plain fit kept where δ̂ ≤ 0. The plain fits of all indicators are made
   together (:func:`fit_many`: the same Fisher scoring on stacked arrays, p×p matrices only);
   :func:`fit_many` equals :func:`indicators.small_area.fit_fay_herriot`
   indicator by indicator (``tests/test_small_area_model.py``).
4. **Own wijken and gebieden** (every non-buurt area of every layout, the harmonised ones
   included) are sets of buurten, so their model estimate is the sum of their buurten' model
   estimates weighted by the buurten' population 16+ (CBS, the raking margins):
   θ̂_W = Σ a_b θ̂_b. Its MSE is honest about what the buurten share: the errors of two
   buurten' EBLUPs are correlated only through β̂ (Cov = (1−γ_b)(1−γ_c) x_b'Qx_c; the area
   effects and sampling errors are independent), so
   MSE_W = Σ a_b² MSE_b + d'Qd − Σ a_b² f_b² (1−γ_b)² x_b'Qx_b with d = Σ a_b f_b (1−γ_b) x_b
   and f_b the slope of the back-transformation (1 for a mean). Fitting a second model on the
   32 own wijken instead would throw away the buurt covariates and estimate σu² from a few
   dozen areas; the sum is consistent with the buurten a resident sees.

A failure of one indicator (every buurt below two respondents: ``TooFewRespondents``; a
covariate without any value: ``EmptyCovariate``; Fisher scoring not converging:
``ModelNotConverged``; ...) is recorded in the fits with its named reason and gives that
indicator no model figure: its buurten keep their direct figure or its reason not to publish.
Only rows that may be published are returned: buurten, wijken and gebieden whose direct figure
falls short of ``survey.min_n`` or ``survey.max_cv`` (``survey_values`` applies the rule).
"""

from __future__ import annotations

import ctypes
import functools
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy import sparse, stats

from indicators import small_area as sa
from indicators import small_area_size as size
from indicators.models import python_model

LOG = re.compile(r"log\((\w+)\)")
#: the figures of a fit that go into the warehouse table small_area_fits
FIT_COLUMNS = {
    "indicator_id": "string",
    "statistic": "string",
    "scale": "string",
    "status": "string",  # fitted | failed
    "reason": "string",  # the named error of a failure (TooFewRespondents, ...)
    "message": "string",
    "method": "string",
    "estimator": "string",
    "sigma2_u": "float64",  # of a buurt of the median size where the variance is by size
    "size_power": "float64",  # δ of A = σu²·(P̃/P)^δ (indicators.small_area_size); 0: plain
    "sigma2_u_plain": "float64",
    "converged": "boolean",
    "iterations": "Int64",
    "n_buurten": "Int64",
    "n_fitted": "Int64",
    "mean_gamma": "float64",
    "loglike": "float64",
}


# --- settings ---------------------------------------------------------------------------------


def covariate_indicator(name: str) -> str:
    """The indicator id of a covariate of the settings ('log(mean_woz_value)' -> its id)."""
    match = LOG.fullmatch(name)
    return match.group(1) if match else name


def covariate_indicators(settings: dict) -> list[str]:
    """Every indicator the covariates of ``small_area`` read (required and optional)."""
    s = settings["small_area"]
    named = s["covariates"] + s["optional_covariates"] + s["fallback_covariates"]
    return list(dict.fromkeys(covariate_indicator(c) for c in named))


def _column(frame: Mapping, name: str) -> np.ndarray:
    values = np.asarray(frame[covariate_indicator(name)], dtype=float)
    if LOG.fullmatch(name):
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(values > 0, np.log(values), np.nan)
    return values


@dataclass(frozen=True)
class Design:
    """The covariates of one edition: X (intercept, standardised covariates, ``_missing``
    columns) for every buurt, the optional covariates left out and how many buurten each
    covariate had imputed."""

    X: np.ndarray
    names: tuple[str, ...]
    left_out: tuple[str, ...]
    imputed: dict[str, int]


def design(frame: Mapping, settings: dict, wijk) -> Design:
    """X for the buurten of ``frame`` (columns: the covariate indicators, one row a buurt).
    The ``covariates`` of the settings, or where one of them has no value in any buurt (a
    gemeente generated from the national file has no age groups or land area) the
    ``fallback_covariates`` when the frame has values of each of those. Raises the named
    errors of :func:`indicators.small_area.covariate_matrix`."""
    s = settings["small_area"]
    used = list(s["covariates"])
    fallback = list(s["fallback_covariates"])

    def has_values(name: str) -> bool:
        return covariate_indicator(name) in frame and bool(np.isfinite(_column(frame, name)).any())

    if fallback and not all(map(has_values, used)) and all(map(has_values, fallback)):
        used = fallback
    left_out = []
    for name in s["optional_covariates"]:
        values = _column(frame, name)
        share = float(np.mean(~np.isnan(values))) if len(values) else 0.0
        (used if share >= s["optional_min_coverage"] else left_out).append(name)
    columns = {}
    for name in used:
        values = _column(frame, name)
        observed = values[~np.isnan(values)]
        if len(observed) > 1 and observed.std() > 0:  # standardised (the errors see the raw)
            values = (values - observed.mean()) / observed.std()
        columns[name] = values
    cov = sa.covariate_matrix(
        columns, used, wijk=wijk, gemeente=np.zeros(len(wijk)),
        indicator_share=s["missing_indicator_share"],
    )  # fmt: skip
    return Design(cov.X, cov.names, tuple(left_out), cov.imputed)


def prepare(frame: Mapping, settings: dict, wijk) -> tuple:
    """(design, wijk index 0..G-1) of an edition; the design is the named error instead when
    it cannot be made (EmptyCovariate, ...): every indicator then fails with it."""
    group = np.unique(np.asarray(wijk).astype(str), return_inverse=True)[1]
    try:
        return design(frame, settings, wijk), group
    except sa.SmallAreaError as error:
        return error, group


# --- smoothed sampling variances, every indicator at once ------------------------------------


def smoothed_variances(n, sw, sw2, swy, swy2, group: np.ndarray, min_df: int):
    """:func:`indicators.small_area.smoothed_sampling_variances` with groups ``(wijk,)`` for
    every row of the K×m arrays at once (``group``: the wijk of each of the m buurten as
    0..G-1). Returns (unit variance s², design effect) per indicator and buurt, pooled over
    the buurt's wijk when its buurten have ``min_df`` degrees of freedom, else over all."""
    K, m = n.shape
    G = int(group.max()) + 1 if m else 0
    has = n > 0
    sw_safe = np.where(has, sw, 1.0)
    mean = swy / sw_safe
    df = np.maximum(n - 1.0, 0.0)
    within = np.where(has, n * np.maximum(swy2 / sw_safe - mean * mean, 0.0), 0.0)
    excess = np.where(has, n * (n * sw2 / sw_safe**2 - 1.0), 0.0)
    flat = (np.arange(K)[:, None] * G + group[None, :]).ravel()

    def pooled(values):
        return np.bincount(flat, values.ravel(), minlength=K * G).reshape(K, G)

    g_df, g_within, g_excess = pooled(df), pooled(within), pooled(excess)
    a_df, a_within, a_excess = df.sum(1), within.sum(1), excess.sum(1)
    wijk_ok = g_df >= min_df
    with np.errstate(divide="ignore", invalid="ignore"):
        unit_w, deff_w = g_within / g_df, 1.0 + np.maximum(g_excess, 0.0) / g_df
        unit_a, deff_a = a_within / a_df, 1.0 + np.maximum(a_excess, 0.0) / a_df
    take = wijk_ok[:, group]
    unit = np.where(take, unit_w[:, group], unit_a[:, None])
    deff = np.where(take, deff_w[:, group], deff_a[:, None])
    return unit, deff


# --- Fay–Herriot for many indicators at once --------------------------------------------------


@dataclass
class ManyFits:
    """Fits of K indicators on one design (arrays over indicators; NaN where not fitted)."""

    sigma2_u: np.ndarray
    sigma2_u_plain: np.ndarray
    adjusted: np.ndarray  # bool: Li–Lahiri's adjusted likelihood gave σu²
    iterations: np.ndarray
    converged: np.ndarray
    last_step: np.ndarray
    beta: np.ndarray  # K×p (0 for a column left out)
    Q: np.ndarray  # K×p×p (rows and columns of a left-out column 0)
    loglike: np.ndarray
    sum_v2: np.ndarray  # Σ (σu² + ψᵢ)⁻² over the fitted areas: V(σ̂u²) = 2/sum_v2
    bias: np.ndarray  # first-order bias of σ̂u² (ML, AML; 0 for REML)


class _Stack:
    """What the Fisher scoring of a group of indicators reads."""

    def __init__(self, y, psi, fitted, X, XX, keep):
        self.y, self.psi, self.fitted = y, psi, fitted
        self.X, self.XX, self.keep = X, XX, keep
        self.p = X.shape[1]

    def _solve(self, rows, M, v):
        """Q and β̂ from X'V⁻¹X (``M``, flattened) and v = 1/(A + ψ)."""
        p, keep = self.p, self.keep[rows]
        mask = keep[:, :, None] * keep[:, None, :]
        M = M.reshape(-1, p, p) * mask + np.einsum("kp,pq->kpq", 1.0 - keep, np.eye(p))
        Q = np.linalg.inv(M) * mask
        beta = np.einsum("kpq,kq->kp", Q, (v * self.y[rows]) @ self.X)
        return Q, beta

    def gls(self, rows, A):
        """v, Q, β̂, r at σu² = A for the indicators ``rows``."""
        v = self.fitted[rows] / (A[:, None] + self.psi[rows])
        Q, beta = self._solve(rows, v @ self.XX, v)
        return v, Q, beta, self.y[rows] - beta @ self.X.T

    def score(self, rows, A, reml: bool, adjusted: bool):
        """Score and expected information of σu² (indicators.small_area._score), with the
        three weighted cross-products of REML in one matrix product."""
        p, K = self.p, len(rows)
        v = self.fitted[rows] / (A[:, None] + self.psi[rows])
        v2 = v * v
        if reml:
            products = np.concatenate([v, v2, v2 * v]) @ self.XX
            Q, beta = self._solve(rows, products[:K], v)
        else:
            Q, beta = self._solve(rows, v @ self.XX, v)
        r = self.y[rows] - beta @ self.X.T
        resid = np.einsum("km,km->k", v2, r * r)
        if reml:
            c2 = Q @ products[K : 2 * K].reshape(-1, p, p)
            c3 = Q @ products[2 * K :].reshape(-1, p, p)
            tr_p = v.sum(1) - np.trace(c2, axis1=1, axis2=2)
            tr_pp = (
                v2.sum(1)
                - 2.0 * np.trace(c3, axis1=1, axis2=2)
                + np.sum(c2 * np.transpose(c2, (0, 2, 1)), axis=(1, 2))
            )
            s, F = -0.5 * tr_p + 0.5 * resid, 0.5 * tr_pp
        else:
            s, F = -0.5 * v.sum(1) + 0.5 * resid, 0.5 * v2.sum(1)
        if adjusted:
            with np.errstate(divide="ignore"):
                s, F = s + 1.0 / A, F + 1.0 / (A * A)
        return s, F

    def scoring(self, rows, reml: bool, adjusted: bool, max_iter: int, tol: float):
        """sae's Fisher scoring (indicators.small_area._fisher_scoring) for every indicator of
        ``rows`` at once: (A, iterations, last step, converged)."""
        psi = np.where(self.fitted[rows], self.psi[rows], np.nan)
        A = np.nanmedian(psi, axis=1)
        k = np.zeros(len(rows), dtype=int)
        step = np.full(len(rows), np.nan)
        done = np.zeros(len(rows), dtype=bool)
        converged = np.zeros(len(rows), dtype=bool)
        while True:
            live = np.flatnonzero(~done & (k < max_iter))
            if not len(live):
                break
            k[live] += 1
            s, F = self.score(rows[live], A[live], reml, adjusted)
            bad = ~(np.isfinite(s) & np.isfinite(F) & (F > 0))
            done[live[bad]] = True
            step[live[bad]] = np.nan
            live, s, F = live[~bad], s[~bad], F[~bad]
            new = A[live] + s / F
            low = new <= 0
            if low.any():
                boundary = np.zeros(len(live), dtype=bool)
                if not adjusted:
                    at = live[low]
                    s0, _ = self.score(rows[at], np.zeros(len(at)), reml, False)
                    boundary[low] = s0 <= 0
                hit = live[boundary]  # the maximum over σu² ≥ 0 is at the boundary
                step[hit], A[hit] = -A[hit], 0.0
                done[hit] = converged[hit] = True
                new = np.where(low & ~boundary, A[live] / 2.0, new)
                keep = ~boundary
                live, new = live[keep], new[keep]
            step[live] = new - A[live]
            diff = np.abs(step[live] / A[live])
            A[live] = new
            finished = diff <= tol
            done[live[finished]] = converged[live[finished]] = True
        return A, k, step, converged


def fit_many(y, psi, fitted, X, keep=None, method: str = "REML", *, adjusted: bool = True,
             max_iter: int = 100, tol: float = 1e-4) -> ManyFits:  # fmt: skip
    """:func:`indicators.small_area.fit_fay_herriot` for K indicators on one design: ``y`` and
    ``psi`` K×m (read where ``fitted``), ``X`` m×p, ``keep`` K×p (the columns each indicator
    is fitted with; all by default). The caller checks sizes and ranks (:func:`fit_edition`)."""
    y, psi = np.asarray(y, float), np.asarray(psi, float)
    fitted = np.asarray(fitted, bool)
    K, m = y.shape
    p = X.shape[1]
    keep = np.ones((K, p)) if keep is None else np.asarray(keep, float)
    XX = (X[:, :, None] * X[:, None, :]).reshape(m, p * p)
    stack = _Stack(np.where(fitted, y, 0.0), np.where(fitted, psi, 1.0), fitted.astype(float),
                   X, XX, keep)  # fmt: skip
    reml = method.upper() == "REML"
    rows = np.arange(K)
    A, iterations, step, converged = stack.scoring(rows, reml, False, max_iter, tol)
    plain = np.maximum(A, 0.0)
    again = rows[converged & (plain <= 0)] if adjusted else rows[:0]
    used_adjusted = np.zeros(K, dtype=bool)
    if len(again):
        A2, k2, s2, c2 = stack.scoring(again, reml, True, max_iter, tol)
        A[again], iterations[again], step[again], converged[again] = A2, k2, s2, c2
        used_adjusted[again] = True
    A = np.maximum(A, 0.0)
    v, Q, beta, r = stack.gls(rows, A)
    with np.errstate(divide="ignore"):
        loglike = -0.5 * np.sum(
            np.where(fitted, np.log(2.0 * np.pi / np.where(fitted, v, 1.0)) + v * r * r, 0.0),
            axis=1,
        )
    v2 = v * v
    sum_v2 = v2.sum(1)
    bias = np.zeros(K)
    if not reml:
        trace = np.trace(Q @ (v2 @ XX).reshape(-1, p, p), axis1=1, axis2=2)
        bias = -trace / sum_v2
    return ManyFits(A, plain, used_adjusted, iterations, converged, step, beta, Q, loglike,
                    sum_v2, bias)  # fmt: skip


@dataclass
class ManyPredictions:
    """Model estimates of every buurt and indicator on the model's scale (K×m)."""

    estimate: np.ndarray
    mse: np.ndarray
    gamma: np.ndarray  # 0 for a buurt without a direct estimate
    leverage: np.ndarray  # xᵢ'Qxᵢ


def predict_many(fits: ManyFits, y, psi, fitted, X, level: float = sa.LEVEL) -> ManyPredictions:
    """EBLUP and Prasad–Rao MSE (:func:`indicators.small_area.eblup`,
    :func:`~indicators.small_area.prasad_rao_mse`) where there is a direct estimate, the
    synthetic prediction with its MSE (:func:`~indicators.small_area.synthetic_prediction`)
    where there is none."""
    K, m = np.shape(y)
    p = X.shape[1]
    A = fits.sigma2_u[:, None]
    XX = (X[:, :, None] * X[:, None, :]).reshape(m, p * p)
    leverage = (XX @ fits.Q.reshape(K, p * p).T).T
    synthetic = fits.beta @ X.T
    psi = np.where(fitted, psi, 1.0)
    gamma = np.where(fitted, A / (A + psi), 0.0)
    shrink = 1.0 - gamma
    variance = (2.0 / fits.sum_v2)[:, None]
    bias = fits.bias[:, None]
    eblup = synthetic + gamma * (np.where(fitted, y, 0.0) - synthetic)
    mse_in = A * shrink + shrink**2 * leverage + 2.0 * shrink**2 * variance / (A + psi)
    mse_in = mse_in - bias * shrink**2
    z = stats.norm.ppf(0.5 + level / 2.0)
    base = A + leverage
    with np.errstate(divide="ignore", invalid="ignore"):
        g3 = (1.0 + z * z) / 4.0 * variance / base
    mse_out = base - bias + g3
    return ManyPredictions(
        np.where(fitted, eblup, synthetic), np.where(fitted, mse_in, mse_out), gamma, leverage
    )


# --- one edition -----------------------------------------------------------------------------


@dataclass
class EditionModel:
    """Everything the model made of one edition: per buurt and indicator the published-scale
    estimate, MSE and interval (NaN where an indicator has no model), and per indicator its
    fit (``fits``, the rows of the warehouse table small_area_fits)."""

    keys: np.ndarray  # indicator keys, K
    estimate: np.ndarray  # K×m, on the statistic's scale (share 0-1, or the mean)
    mse: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    gamma: np.ndarray
    slope: np.ndarray  # d estimate / d model scale (aggregation's delta method)
    leverage: np.ndarray
    Q: np.ndarray  # K×p×p
    X: np.ndarray
    ok: np.ndarray  # bool K: the indicator has a model
    fits: list[dict]
    coefficients: list[dict]


def _failure(item: dict, error: Exception) -> dict:
    return {
        "indicator_id": item["indicator_id"], "statistic": item["statistic"],
        "scale": item["scale"], "status": "failed", "reason": type(error).__name__,
        "message": str(error),
    }  # fmt: skip


def fit_edition(sums: dict, items: list[dict], frame: Mapping, wijk: np.ndarray,
                settings: dict, prepared: tuple | None = None) -> EditionModel:  # fmt: skip
    """The model of every indicator of ``items`` (dicts: indicator_key, indicator_id,
    statistic, lower, upper) on the buurten: ``sums`` K×m arrays n, sw, sw2, swy, swy2 in the
    order of ``items``; ``frame`` the covariates per buurt; ``wijk`` the wijk of each buurt.
    ``prepared``: (design, wijk index) of the edition, when the caller fits in chunks; a
    :class:`SmallAreaError` of the design (EmptyCovariate, ...) fails every indicator."""
    s = settings["small_area"]
    K = len(items)
    m = len(wijk)
    for item in items:
        item["scale"] = "arcsine" if item["statistic"] == "share" else "original"
    nan = np.full((K, m), np.nan)
    out = EditionModel(np.array([i["indicator_key"] for i in items], dtype=np.int32),
                       nan.copy(), nan.copy(), nan.copy(), nan.copy(), np.zeros((K, m)),
                       np.zeros((K, m)), np.zeros((K, m)), np.zeros((K, 0, 0)), np.zeros((m, 0)),
                       np.zeros(K, dtype=bool), [], [])  # fmt: skip
    n = sums["n"]
    try:
        dsg, group = prepared if prepared is not None else prepare(frame, settings, wijk)
        if isinstance(dsg, sa.SmallAreaError):
            raise dsg
    except sa.SmallAreaError as error:  # the edition has no model (EmptyCovariate, ...)
        n_fitted = (n > 0).sum(axis=1)
        out.fits = [
            {"n_buurten": m, "n_fitted": int(n_fitted[k]), "covariates": [], "left_out": [],
             **_failure(item, error)}
            for k, item in enumerate(items)
        ]  # fmt: skip
        return out
    X, p = dsg.X, dsg.X.shape[1]
    out.X, out.Q = X, np.zeros((K, p, p))
    unit, deff = smoothed_variances(n, sums["sw"], sums["sw2"], sums["swy"], sums["swy2"],
                                    group, s["variance_pool_min_df"])  # fmt: skip
    fitted = n > 0
    share = np.array([i["statistic"] == "share" for i in items])
    with np.errstate(divide="ignore", invalid="ignore"):
        direct = np.where(fitted, sums["swy"] / np.where(fitted, sums["sw"], 1.0), np.nan)
        n_eff = np.where(fitted, n / deff, 0.0)
        y = np.where(share[:, None], np.arcsin(np.sqrt(np.clip(direct, 0.0, 1.0))), direct)
        psi = np.where(share[:, None], 0.25 / n_eff, unit * deff / n)
    # which indicators can be fitted, and on which columns: a _missing column constant among
    # the fitted buurten is left out; the rest must have full rank (all at once, p×p)
    weight = fitted.astype(float)
    n_fit = weight.sum(1)
    missing_column = np.array([name.endswith("_missing") for name in dsg.names])
    ones = weight @ X  # per indicator and column: Σ x over the fitted buurten
    flat = missing_column[None, :] & ((ones <= 0) | (ones >= n_fit[:, None]))
    keep = np.where(flat, 0.0, 1.0)
    gram = (weight @ ((X[:, :, None] * X[:, None, :]).reshape(m, p * p))).reshape(K, p, p)
    gram = gram * keep[:, :, None] * keep[:, None, :] + np.einsum(
        "kp,pq->kpq", 1.0 - keep, np.eye(p)
    )
    scale = np.sqrt(np.maximum(np.einsum("kpp->kp", gram), 1e-300))
    eig = np.linalg.eigvalsh(gram / scale[:, :, None] / scale[:, None, :])
    singular = eig[:, 0] <= 1e-10 * eig[:, -1]
    too_few = np.maximum(n - 1, 0).sum(1) <= 0
    no_spread = ~np.all(~fitted | (np.isfinite(psi) & (psi > 0)), axis=1)
    fits: list[dict | None] = [None] * K
    for k in np.flatnonzero(too_few | no_spread | singular | (n_fit < keep.sum(1) + 2)):
        item = items[k]
        try:
            if too_few[k]:
                raise sa.TooFewRespondents(m, int(n[k].max()) if m else 0)
            if no_spread[k]:
                raise sa.InvalidInput(
                    "no variation within the buurten (pooled within-buurt variance 0): no "
                    "sampling variance to model with"
                )
            kept = X[fitted[k]][:, keep[k] > 0]
            if len(kept) < kept.shape[1] + 2:
                raise sa.TooFewAreas(len(kept), kept.shape[1])
            sa._check_rank(kept, [nm for nm, kp in zip(dsg.names, keep[k], strict=True) if kp])
            raise sa.CollinearCovariates("(numerically)", int((eig[k] > 1e-10 * eig[k, -1]).sum()),
                                         int(keep[k].sum()))  # fmt: skip
        except sa.SmallAreaError as error:
            fits[k] = _failure(item, error)
    live = np.array([f is None for f in fits])
    # the area variance by size needs the buurten' population (adults, population: the
    # model's covariate frame has them); a frame without it gets the plain model
    by_size = (s["area_variance"] == "by_size" and s["method"] == "REML"
               and {"adults", "population"} <= set(frame.keys()))  # fmt: skip
    people = _people(frame) if by_size else None
    if live.any():
        rows = np.flatnonzero(live)
        many = fit_many(y[rows], psi[rows], fitted[rows], X, keep[rows], s["method"],
                        max_iter=s["max_iterations"], tol=s["tolerance"])  # fmt: skip
        pred = predict_many(many, y[rows], psi[rows], fitted[rows], X)
        for j, k in enumerate(rows):
            item = items[k]
            if not many.converged[j]:
                estimator = s["method"] if not many.adjusted[j] else "A" + s["method"]
                fits[k] = _failure(item, sa.ModelNotConverged(
                    estimator, int(many.iterations[j]), float(many.last_step[j]),
                    float(many.sigma2_u[j])))  # fmt: skip
                live[k] = False
                continue
            est, mse = pred.estimate[j], pred.mse[j]
            gamma, leverage, Q, beta = pred.gamma[j], pred.leverage[j], many.Q[j], many.beta[j]
            sigma2_u, power, loglike = float(many.sigma2_u[j]), 0.0, float(many.loglike[j])
            if by_size:
                cols, f = keep[k] > 0, fitted[k]
                z = size.size_scores(people, f, s["size_floor"])
                fit = size.fit_by_size(
                    y[k][f], psi[k][f], X[f][:, cols], z[f], sigma2_u,
                    max_iter=s["max_iterations"], tol=s["tolerance"],
                )  # fmt: skip
                if fit is not None:
                    sp = size.predict_by_size(fit, y[k], psi[k], f, X[:, cols], z)
                    est, mse, gamma, leverage = sp.estimate, sp.mse, sp.gamma, sp.leverage
                    Q, beta = np.zeros((p, p)), np.zeros(p)
                    Q[np.ix_(cols, cols)], beta[cols] = fit.Q, fit.beta
                    sigma2_u, power, loglike = fit.sigma2, fit.power, sp.loglike
            if item["statistic"] == "share":
                value, mse_out, lo, hi = sa.arcsine_back_transform(est, mse)
                slope = np.sin(2.0 * est) * np.exp(-2.0 * mse)
            else:
                half = stats.norm.ppf(0.5 + sa.LEVEL / 2.0) * np.sqrt(mse)
                bounds = (item["lower"], item["upper"])
                value = np.clip(est, *bounds)
                lo, hi = np.clip(est - half, *bounds), np.clip(est + half, *bounds)
                mse_out, slope = mse, np.ones(m)
            value = np.clip(value, lo, hi)  # never outside its own interval
            out.estimate[k], out.mse[k], out.lower[k], out.upper[k] = value, mse_out, lo, hi
            out.gamma[k], out.slope[k], out.leverage[k] = gamma, slope, leverage
            out.Q[k] = Q
            out.ok[k] = True
            estimator = ("A" if many.adjusted[j] else "") + s["method"]
            used = [nm for nm, kp in zip(dsg.names, keep[k], strict=True) if kp]
            se = np.sqrt(np.diag(Q))
            fits[k] = {
                "indicator_id": item["indicator_id"], "statistic": item["statistic"],
                "scale": item["scale"], "status": "fitted", "reason": None, "message": None,
                "method": s["method"], "estimator": estimator,
                "sigma2_u": sigma2_u, "size_power": power,
                "sigma2_u_plain": float(many.sigma2_u_plain[j]),
                "converged": True, "iterations": int(many.iterations[j]),
                "n_buurten": m, "n_fitted": int(fitted[k].sum()),
                "mean_gamma": float(gamma[fitted[k]].mean()),
                "loglike": loglike, "covariates": used,
            }  # fmt: skip
            out.coefficients.extend(
                {"indicator_id": item["indicator_id"], "term": nm,
                 "estimate": float(beta[c]), "standard_error": float(se[c]),
                 "imputed": dsg.imputed.get(nm)}
                for c, nm in enumerate(dsg.names) if c < p and keep[k, c]
            )  # fmt: skip
    for k in range(K):
        base = {"n_buurten": m, "n_fitted": int(fitted[k].sum()), "covariates": list(dsg.names),
                "left_out": list(dsg.left_out)}  # fmt: skip
        fits[k] = {**base, **fits[k]}
    out.fits = fits
    return out


def aggregate(model: EditionModel, weights: sparse.csr_matrix, z: float, bounds):
    """Model estimates of areas made of buurten (rows of ``weights``: each area's buurten with
    their population shares): the weighted sum of the buurten' estimates, its MSE with the
    buurten' correlation through β̂ (module doc), and a 95 % interval (for shares by the
    delta method on the arcsine scale, inside 0–1; for means clipped to the scale). K×areas
    arrays (estimate, mse, lower, upper); NaN for indicators without a model."""
    K = len(model.keys)
    A = weights.shape[0]
    est, mse = np.full((K, A), np.nan), np.full((K, A), np.nan)
    lower, upper = np.full((K, A), np.nan), np.full((K, A), np.nan)
    if not model.ok.any() or A == 0:
        return est, mse, lower, upper
    squares = weights.multiply(weights).tocsr()
    X = model.X
    for k in np.flatnonzero(model.ok):
        f = model.slope[k] * (1.0 - model.gamma[k])  # the β̂ part of each buurt's error
        e = weights @ model.estimate[k]
        own = model.mse[k] - f * f * model.leverage[k]
        d = weights @ (f[:, None] * X)
        m = squares @ own + np.einsum("ap,pq,aq->a", d, model.Q[k], d)
        m = np.maximum(m, 0.0)
        est[k], mse[k] = e, m
        lo, hi = bounds[k]
        if lo is None:  # a share: the interval on the arcsine scale, by the delta method
            theta = np.arcsin(np.sqrt(np.clip(e, 0.0, 1.0)))
            with np.errstate(divide="ignore", invalid="ignore"):
                half = z * np.sqrt(m) / np.abs(np.sin(2.0 * theta))
            half = np.where(np.isfinite(half), half, np.pi / 2.0)
            lower[k] = np.sin(np.clip(theta - half, 0.0, np.pi / 2.0)) ** 2
            upper[k] = np.sin(np.clip(theta + half, 0.0, np.pi / 2.0)) ** 2
        else:
            lower[k] = np.clip(e - z * np.sqrt(m), lo, hi)
            upper[k] = np.clip(e + z * np.sqrt(m), lo, hi)
    return est, mse, lower, upper


# --- what the direct estimate of survey_values will say --------------------------------------


def direct_unreliable(n, sw, sw2, swy, swy2, share, min_n, max_cv) -> np.ndarray:
    """Rows whose direct figure ``survey_values`` may withhold (fewer than ``min_n``
    respondents, or a CV above ``max_cv``; computed as there, with a margin for rounding):
    the rows a model figure is returned for. ``survey_values`` decides."""
    with np.errstate(divide="ignore", invalid="ignore"):
        n_eff = np.where(sw2 > 0, sw * sw / sw2, 0.0)
        est = np.where(sw > 0, swy / sw, np.nan)
        var_share = np.maximum(est * (1 - est), 0.0) / n_eff
        var_mean = np.maximum(swy2 / sw - est * est, 0.0) * np.where(n > 1, n / (n - 1), np.nan)
        se = np.sqrt(np.where(share, var_share, var_mean / n_eff))
        cv = np.where(est > 0, se / est, np.nan)
    return (n < min_n) | ~(cv <= max_cv * (1 - 1e-9))


# --- the declared model ----------------------------------------------------------------------

# the weighted sums of every buurt with respondents (survey_buurt_sums: one column per
# aggregate of the one pass, indicators.survey_items), and the buurten every other area is
# made of: an area's sums are the sums of its buurten', as in survey_area_sums
BUURT_SUMS_SQL = "SELECT * FROM survey_buurt_sums"
OTHERS = "area_level NOT IN ('buurt', 'gemeente')"
AREAS_SQL = f"SELECT area_id FROM edition_areas WHERE {OTHERS} ORDER BY area_id"
MEMBERS_SQL = """SELECT m.area_id, m.member_code AS area_code FROM area_members m
JOIN edition_areas a USING (area_id)
WHERE m.rank = 2 AND a.area_level NOT IN ('buurt', 'gemeente')"""
COVARIATES_SQL = "SELECT * FROM small_area_covariates ORDER BY area_id"
ITEMS_SQL = """SELECT indicator_key, indicator_id, statistic, min_n FROM survey_items
WHERE asked ORDER BY indicator_key"""
CHUNK = 16  # indicators fitted together: the arrays of a chunk stay a few MB at any scale
SUMS = ("n", "sw", "sw2", "swy", "swy2")

_OUT = {
    "area_id": pa.int32(),
    "indicator_key": pa.int32(),
    "model_value": pa.float64(),
    "model_low": pa.float64(),
    "model_high": pa.float64(),
    "model_mse": pa.float64(),
}


def mean_bounds(catalogue, codebook) -> dict[str, tuple[float, float]]:
    """The range of the answer of every survey mean: the codes of its base, or a construct's
    score (0-10, or 0 to the number of De Jong Gierveld items)."""
    out = {}
    constructs = {c.id: c for c in codebook.constructs} if codebook else {}
    for ind in catalogue.indicators:
        d = ind.definition
        if ind.source != "survey":
            continue
        if d.mean:
            codes = d.mean.base or [
                c for c in codebook.scale_of(d.mean.question).valid_codes()
                if c != codebook.survey.missing_code
            ]  # fmt: skip
            out[ind.id] = (float(min(codes)), float(max(codes)))
        elif d.scale_score and d.scale_score.statistic == "mean":
            c = constructs[d.scale_score.id]
            top = float(len(c.items)) if c.scoring == "dejong_gierveld" else 10.0
            out[ind.id] = (0.0, top)
    return out


def _sums(con, plan_items: list[dict], keys: np.ndarray, codes: pd.Index) -> dict:
    """K×m arrays of the sums of the asked items (rows: ``keys``) in the buurten ``codes``,
    from the aggregates of survey_buurt_sums (zeros for a buurt without respondents)."""
    got = con.execute(BUURT_SUMS_SQL).fetchnumpy()
    col = codes.get_indexer(np.asarray(got["buurt_code"], dtype=object))
    ok = col >= 0
    by_key = {item["key"]: item["sums"] for item in plan_items}
    out = {name: np.zeros((len(keys), len(codes))) for name in SUMS}
    where = col[ok]

    @functools.cache
    def column(alias: str) -> np.ndarray:  # NULL: nobody of the buurt in the base
        return np.nan_to_num(np.ma.filled(np.ma.asarray(got[alias], dtype=float), 0.0)[ok])

    for k, key in enumerate(keys):
        for name in SUMS:
            alias = by_key[int(key)][name]
            if alias is not None:
                out[name][k, where] = column(alias)
    return out


def _rows(area_ids, keys, values: dict, pick: np.ndarray) -> dict:
    k, a = np.nonzero(pick)
    return {"area_id": area_ids[a], "indicator_key": keys[k],
            **{name: v[k, a] for name, v in values.items()}}  # fmt: skip


def _weights(members: pd.DataFrame, area_ids: np.ndarray, frame: pd.DataFrame):
    """The areas' buurten with their population shares (areas × buurten, rows sum to 1 or 0)."""
    col = pd.Index(frame["area_code"]).get_indexer(members["area_code"])
    row = np.searchsorted(area_ids, members["area_id"].to_numpy())
    people = _people(frame)
    w = np.where(col >= 0, people[np.maximum(col, 0)], 0.0)
    weights = sparse.csr_matrix((w, (row, np.maximum(col, 0))), shape=(len(area_ids), len(frame)))
    totals = np.asarray(weights.sum(axis=1)).ravel()
    scale = np.where(totals > 0, 1.0 / np.where(totals > 0, totals, 1.0), 0.0)
    return (sparse.diags(scale) @ weights).tocsr(), totals > 0


@python_model(
    reads=("survey_buurt_sums", "survey_items", "edition_areas", "area_members",
           "small_area_covariates"),
    writes="small_area_estimates",
)  # fmt: skip
def small_area_estimates(con, context):
    """Fay–Herriot model estimates of buurten, wijken and gebieden whose direct survey figure
    may not be published (indicators.small_area_model), with the fit of every indicator."""
    inputs = context["inputs"]
    settings = inputs.settings
    bounds_of = mean_bounds(inputs.catalogue, inputs.codebook)
    items = [
        {"indicator_key": int(key), "indicator_id": ind, "statistic": stat, "min_n": int(n),
         "lower": bounds_of.get(ind, (None, None))[0], "upper": bounds_of.get(ind, (None, None))[1]}
        for key, ind, stat, n in con.execute(ITEMS_SQL).fetchall()
    ]  # fmt: skip
    keys = np.array([i["indicator_key"] for i in items], dtype=np.int32)
    frame = con.execute(COVARIATES_SQL).df()
    m = len(frame)
    sums = _sums(con, context["survey"].items, keys, pd.Index(frame["area_code"]))
    prepared = prepare(frame, settings, frame["wijk_code"].to_numpy())
    area_ids = np.array([r[0] for r in con.execute(AREAS_SQL).fetchall()], dtype=np.int32)
    members = con.execute(MEMBERS_SQL).df()
    weights, covered = _weights(members, area_ids, frame)
    area_sums = None
    if len(area_ids):  # an area's sums are its buurten's (as survey_area_sums adds them)
        col = pd.Index(frame["area_code"]).get_indexer(members["area_code"])
        row = np.searchsorted(area_ids, members["area_id"].to_numpy())
        inside = sparse.csr_matrix(
            (np.where(col >= 0, 1.0, 0.0), (row, np.maximum(col, 0))), shape=(len(area_ids), m)
        )
        area_sums = {name: (inside @ v.T).T for name, v in sums.items()}
    with single_threaded_blas():
        parts, fits, coefficients = _chunks(items, keys, sums, frame, prepared, area_ids,
                                            area_sums, weights, covered, settings)  # fmt: skip
    columns = {
        name: pa.array(
            np.concatenate([p[name] for p in parts]) if parts else np.array([]),
            type=kind, from_pandas=True,
        )
        for name, kind in _OUT.items()
    }  # fmt: skip
    return pa.table(columns), {"fits": fits, "coefficients": coefficients}


def _chunks(items, keys, sums, frame, prepared, area_ids, area_sums, weights, covered, settings):
    """The model of CHUNK indicators at a time, and the rows of each that may be published:
    (rows, fits, coefficients)."""
    buurt_ids = frame["area_id"].to_numpy().astype(np.int32)
    max_cv = settings["survey"]["max_cv"]
    K = len(items)
    z = stats.norm.ppf(0.5 + sa.LEVEL / 2.0)
    parts, fits, coefficients = [], [], []
    for start in range(0, K, CHUNK):
        part = slice(start, start + CHUNK)
        chunk = items[part]
        model = fit_edition({k: v[part] for k, v in sums.items()}, chunk, frame,
                            frame["wijk_code"].to_numpy(), settings, prepared)  # fmt: skip
        fits += model.fits
        coefficients += model.coefficients
        if not model.ok.any():
            continue
        share = np.array([i["statistic"] == "share" for i in chunk])[:, None]
        min_n = np.array([i["min_n"] for i in chunk])[:, None]
        pick = model.ok[:, None] & direct_unreliable(
            *(sums[name][part] for name in SUMS), share, min_n, max_cv
        )
        values = {"model_value": model.estimate, "model_low": model.lower,
                  "model_high": model.upper, "model_mse": model.mse}  # fmt: skip
        parts.append(_rows(buurt_ids, keys[part], values, pick))
        if area_sums is None:
            continue
        unreliable = (
            model.ok[:, None]
            & covered[None, :]
            & direct_unreliable(*(area_sums[name][part] for name in SUMS), share, min_n, max_cv)
        )
        needed = np.flatnonzero(unreliable.any(axis=0))  # only the areas that need a figure
        if not len(needed):
            continue
        bounds = [(i["lower"], i["upper"]) for i in chunk]
        est, mse, lo, hi = aggregate(model, weights[needed], z, bounds)
        agg = {"model_value": est, "model_low": lo, "model_high": hi, "model_mse": mse}
        parts.append(_rows(area_ids[needed], keys[part], agg, unreliable[:, needed]))
    return parts, fits, coefficients


@functools.cache
def _openblas() -> tuple:
    """numpy's OpenBLAS thread setter and getter (None, None when not found: not Linux, or
    another BLAS)."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            paths = sorted({line.split()[-1] for line in maps if "openblas" in line.lower()})
    except OSError:
        return None, None
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for suffix in ("", "64_"):
            for prefix in ("scipy_openblas", "openblas"):
                setter = getattr(lib, f"{prefix}_set_num_threads{suffix}", None)
                getter = getattr(lib, f"{prefix}_get_num_threads{suffix}", None)
                if setter is not None and getter is not None:
                    return setter, getter
    return None, None


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """numpy's OpenBLAS on one thread while the model runs. Its products are a few MB
    (16 indicators × the buurten × p² columns); on a thread per core they spent most of their
    time waiting for each other whenever another process was busy (the model of 15,000 buurten
    × 110 indicators: 1.0 s on one thread, 4–40 s on two with the machine loaded)."""
    setter, getter = _openblas()
    if setter is None:
        yield
        return
    before = getter()
    setter(1)
    try:
        yield
    finally:
        setter(before)


def _people(frame: pd.DataFrame) -> np.ndarray:
    """The weight of each buurt in an area's model estimate: its population 16+ (the raking
    margins), else its population times the gemeente's share of 16+, else nothing."""
    adults = frame["adults"].to_numpy(dtype=float)
    population = frame["population"].to_numpy(dtype=float)
    both = np.isfinite(adults) & np.isfinite(population) & (population > 0)
    ratio = adults[both].sum() / population[both].sum() if both.any() else 1.0
    return np.nan_to_num(np.where(np.isfinite(adults), adults, population * ratio))


# what the Python model queries (tests/test_models.py holds it to the declaration)
PYTHON_MODEL_SQL = {
    "small_area_estimates": [BUURT_SUMS_SQL, AREAS_SQL, MEMBERS_SQL, COVARIATES_SQL, ITEMS_SQL],
}  # fmt: skip


# --- the fits as warehouse tables ------------------------------------------------------------

PUBLISHED_SQL = """SELECT edition, indicator_id::VARCHAR AS indicator_id,
       count(*) FILTER (WHERE estimate_kind = 'model' AND area_level = 'buurt')
           AS buurten_from_model,
       count(*) FILTER (WHERE suppression_reason = 'model_cv_too_high' AND area_level = 'buurt')
           AS buurten_withheld,
       count(*) FILTER (WHERE estimate_kind = 'model' AND area_level <> 'buurt')
           AS areas_from_model
FROM edition_values
WHERE list_contains($editions, edition) AND (layout = 'cbs' OR area_level <> 'buurt')
GROUP BY ALL"""
STEPS = ("small_area_covariates", "small_area_estimates")


def fit_tables(con, runs: Mapping[int, object]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The warehouse tables ``small_area_fits`` (per edition and survey indicator: status and
    named reason, estimator, σu², iterations, mean γ, covariates, how many buurten and other
    areas were published from the model) and ``small_area_coefficients`` (per edition,
    indicator and term: estimate and standard error, per standard deviation of the covariate)
    from the runs of ``compute_edition`` of each edition, after ``edition_values`` was
    written."""
    fits, coefficients = [], []
    for edition, run in runs.items():
        meta = run.metadata.get("small_area_estimates", {})
        seconds = sum(run.seconds.get(step, 0.0) for step in STEPS)
        fits += [{"edition": edition, **f, "model_seconds": seconds} for f in meta.get("fits", [])]
        coefficients += [{"edition": edition, **c} for c in meta.get("coefficients", [])]
    frame = pd.DataFrame(fits)
    if frame.empty:
        frame = pd.DataFrame(columns=["edition", *FIT_COLUMNS])
    for column, kind in FIT_COLUMNS.items():
        if column not in frame:
            frame[column] = None
        frame[column] = frame[column].astype(kind)
    published = con.execute(PUBLISHED_SQL, {"editions": list(runs)}).df()
    frame = frame.merge(published, on=["edition", "indicator_id"], how="left")
    for column in ("buurten_from_model", "buurten_withheld", "areas_from_model"):
        frame[column] = frame[column].fillna(0).astype("int64")
    frame["edition"] = frame["edition"].astype("int64")
    for column in ("covariates", "left_out"):
        if column not in frame:
            frame[column] = [[] for _ in range(len(frame))]
    order = ["edition", *FIT_COLUMNS, "covariates", "left_out", "buurten_from_model",
             "buurten_withheld", "areas_from_model", "model_seconds"]  # fmt: skip
    for column in order:
        if column not in frame:
            frame[column] = None
    frame = frame[order + [c for c in frame.columns if c not in order]]
    coef = pd.DataFrame(
        coefficients,
        columns=["edition", "indicator_id", "term", "estimate", "standard_error", "imputed"],
    ).astype({"edition": "int64", "imputed": "Int64"})
    return frame, coef


def fit_summary(frame: pd.DataFrame) -> dict:
    """What the build says about the model (Dagster metadata): per edition the indicators
    fitted, buurt figures published from the model, the model's seconds, and every indicator
    without a model with its named reason."""
    out = {}
    for edition, part in frame.groupby("edition"):
        failed = part[part["status"] != "fitted"]
        out[str(int(edition))] = {
            "fitted": int((part["status"] == "fitted").sum()),
            "buurten_from_model": int(part["buurten_from_model"].sum()),
            "seconds": round(float(part["model_seconds"].max()), 3) if len(part) else 0.0,
            "no_model": {r.indicator_id: f"{r.reason}: {r.message}" for r in failed.itertuples()},
        }
    return out
