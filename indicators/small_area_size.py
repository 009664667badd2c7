"""An area variance that falls with a buurt's size: Fay–Herriot with Aᵢ = σ²·(P̃/Pᵢ)^δ.

The plain Fay–Herriot model gives every buurt the same area variance σu²: the spread of the
truth around the regression. It is estimated where the information is, in the large buurten
(many respondents, small sampling variance), and the small buurten inherit it. But a buurt's
figure is a mean over its residents: the part of their differences that the covariates do not
explain averages out less in a buurt of 60 adults than in one of 6,000, and the buurten that
publish a model estimate are mostly the small ones. The simulation study
(``benchmarks/small_area_simulation.py``) shows it on the generator's known truth: the
deviations from the regression of buurten with fewer than 100 adults are two to five times
those of buurten with more than 3,000, so with one σu² their intervals held the truth about
half the time.

Here the area variance of buurt i is Aᵢ = exp(a + δ·zᵢ) with zᵢ = log(P̃/Pᵢ): σ² = eᵃ is the
area variance of a buurt of the median adult population P̃ of the buurten fitted, and δ in
[0, 1] how fast it grows as a buurt gets smaller (δ = 1: as 1/P, the rate of a mean of
independent residents; δ = 0: the plain model). Pᵢ is the buurt's population 16+ (CBS, the
raking margins), at least ``floor``. (a, δ) are estimated by REML with Fisher scoring, as
``sae`` estimates σu², on the variance function's derivatives ∂V/∂a = Aᵢ, ∂V/∂δ = Aᵢzᵢ:

    score_j = −½ tr(P Dⱼ) + ½ r'V⁻¹DⱼV⁻¹r,   F_jk = ½ tr(P Dⱼ P Dₖ),

with P = V⁻¹ − V⁻¹X(X'V⁻¹X)⁻¹X'V⁻¹ (diagonal V: traces from p×p matrices only). The EBLUP is
as before with γᵢ = Aᵢ/(Aᵢ + ψᵢ); the Prasad–Rao MSE g1 + g2 + 2·g3 with
g3ᵢ = ψᵢ²/(Aᵢ + ψᵢ)³ · V(Âᵢ), V(Âᵢ) = dᵢ'Ī⁻¹dᵢ, dᵢ = (Aᵢ, Aᵢzᵢ), Ī = ½ Σ vᵢ²dᵢdᵢ' (the delta
method on the information's leading term, as ``sae`` takes V(σ̂u²) = 2/Σvᵢ²: for δ = 0
exactly the plain MSE), and a buurt without respondents gets Aᵢ + xᵢ'Qxᵢ plus
the same estimated-variance term as the plain synthetic prediction.

The plain model stays where the data do not ask for more: δ̂ ≤ 0 (or scoring that does not
converge) keeps the plain fit with its Li–Lahiri adjustment; δ̂ > 1 is refitted with δ = 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from indicators import small_area as sa

MAX_POWER = 1.0  # δ at most: the area variance of a mean of independent residents, ∝ 1/P


@dataclass(frozen=True)
class SizeFit:
    """One indicator's area variance by size, on its fitted buurten."""

    log_sigma2: float  # a: the log area variance of a buurt of the median size
    power: float  # δ
    free: tuple[bool, bool]  # which of (a, δ) were estimated (δ = 1 is fixed when it is hit)
    info_inverse: np.ndarray  # the free parameters' covariance, ½ Σ vᵢ²dᵢdᵢ' inverted
    beta: np.ndarray
    Q: np.ndarray
    converged: bool
    iterations: int
    loglike: float  # the REML log-likelihood at the estimate

    @property
    def sigma2(self) -> float:
        return float(np.exp(self.log_sigma2))


def size_scores(population: np.ndarray, fitted: np.ndarray, floor: float) -> np.ndarray:
    """zᵢ = log(P̃/max(Pᵢ, floor)) for every buurt, P̃ the median of the fitted buurten."""
    P = np.maximum(np.nan_to_num(np.asarray(population, float)), floor)
    median = float(np.median(P[fitted])) if fitted.any() else float(np.median(P))
    return np.log(median / P)


def _reml(y, psi, X, z, theta):
    """(loglike, A, v, Q, β̂, r) of REML at θ = (a, δ); loglike −inf where θ is out of reach
    (an area variance that overflows, a singular X'V⁻¹X)."""
    with np.errstate(over="ignore"):
        A = np.exp(theta[0] + theta[1] * z)
    v = 1.0 / (A + psi)
    M = (X.T * v) @ X
    try:
        if not np.all(np.isfinite(M)):
            raise np.linalg.LinAlgError("not finite")
        Q = np.linalg.inv(M)
    except np.linalg.LinAlgError:
        return -np.inf, A, v, None, None, None
    beta = Q @ (X.T @ (v * y))
    r = y - X @ beta
    logdet = np.linalg.slogdet(M)[1]
    loglike = -0.5 * (np.log(A + psi).sum() + logdet + (v * r * r).sum())
    return loglike, A, v, Q, beta, r


def _score(X, z, A, v, Q, r, free):
    """REML score and expected information of the free parameters of (a, δ)."""
    D = [A, A * z]
    D = [d for d, f in zip(D, free, strict=True) if f]
    B = [(X.T * (v * v * d)) @ X for d in D]
    s = np.array([-0.5 * (np.sum(v * d) - np.trace(Q @ b)) + 0.5 * np.sum(d * (v * r) ** 2)
                  for d, b in zip(D, B, strict=True)])  # fmt: skip
    F = np.empty((len(D), len(D)))
    for j, dj in enumerate(D):
        for k in range(j, len(D)):
            dk = D[k]
            cross = (X.T * (v**3 * dj * dk)) @ X
            both = np.sum((Q @ B[j]) * (Q @ B[k]).T)
            F[j, k] = F[k, j] = 0.5 * (np.sum(v * v * dj * dk) - 2.0 * np.trace(Q @ cross) + both)
    return s, F


def fit_size_variance(y, psi, X, z, start_sigma2: float, *, max_iter: int = 100,
                      tol: float = 1e-4, power: float | None = None) -> SizeFit:  # fmt: skip
    """REML Fisher scoring of (a, δ) on the fitted buurten (``y``, ``psi``, ``X``, ``z`` of
    those only), from σ² = ``start_sigma2`` and δ = 0 (or δ fixed at ``power``). A step
    that lowers the likelihood is halved; converged when no parameter moves more than
    ``tol`` (a relative change of σ² of ``tol``)."""
    free = (True, power is None)
    theta = np.array([np.log(max(start_sigma2, 1e-3 * float(np.median(psi)))), power or 0.0])
    loglike, A, v, Q, beta, r = _reml(y, psi, X, z, theta)
    converged, iterations = False, 0
    F = np.eye(sum(free))
    while iterations < max_iter:
        iterations += 1
        s, F = _score(X, z, A, v, Q, r, free)
        try:
            step = np.linalg.solve(F, s)
        except np.linalg.LinAlgError:
            break
        full = np.zeros(2)
        full[np.array(free)] = step
        for _ in range(30):  # step halving: Fisher scoring may overshoot on the log scale
            trial = theta + full
            result = _reml(y, psi, X, z, trial)
            if np.isfinite(result[0]) and result[0] >= loglike - 1e-10:
                break
            full = full / 2.0
        else:
            break
        theta = trial
        loglike, A, v, Q, beta, r = result
        if np.max(np.abs(full)) <= tol:
            converged = True
            break
    # the estimates' covariance as sae's Prasad–Rao MSE takes it (2/Σvᵢ² for σu²): the
    # leading term of the information, ½ Σ vᵢ² dᵢⱼ dᵢₖ, so δ = 0 is exactly the plain MSE
    D = np.column_stack([A, A * z])[:, np.array(free)]
    F = 0.5 * (D.T * (v * v)) @ D
    try:
        info_inverse = np.linalg.inv(F)
    except np.linalg.LinAlgError:
        info_inverse, converged = np.full_like(F, np.nan), False
    return SizeFit(float(theta[0]), float(theta[1]), free, info_inverse, beta, Q,
                   converged and bool(np.all(np.isfinite(info_inverse))), iterations,
                   float(loglike))  # fmt: skip


def fit_by_size(y, psi, X, z, start_sigma2: float, *, max_iter: int, tol: float) -> SizeFit | None:
    """The size model of one indicator, or None where the plain model stays (δ̂ ≤ 0, or no
    convergence); δ̂ above :data:`MAX_POWER` is refitted with δ fixed there."""
    fit = fit_size_variance(y, psi, X, z, start_sigma2, max_iter=max_iter, tol=tol)
    if not fit.converged or fit.power <= 0.0:
        return None
    if fit.power > MAX_POWER:
        fit = fit_size_variance(y, psi, X, z, start_sigma2, max_iter=max_iter, tol=tol,
                                power=MAX_POWER)  # fmt: skip
        if not fit.converged:
            return None
    return fit


@dataclass(frozen=True)
class SizePrediction:
    estimate: np.ndarray
    mse: np.ndarray
    gamma: np.ndarray
    leverage: np.ndarray
    loglike: float  # of the fitted buurten at the estimate, as fit_many reports it (not REML)


def predict_by_size(fit: SizeFit, y, psi, fitted, X, z, level: float = sa.LEVEL) -> SizePrediction:
    """EBLUP and MSE of every buurt (``y``, ``psi``, ``fitted``, ``X``, ``z`` of all of them):
    g1 + g2 + 2·g3 where there is a direct estimate, Aᵢ + xᵢ'Qxᵢ + the estimated-variance
    term where there is none (module doc)."""
    A = np.exp(fit.log_sigma2 + fit.power * z)
    d = np.column_stack([A, A * z])[:, np.array(fit.free)]
    var_A = np.einsum("ij,jk,ik->i", d, fit.info_inverse, d)
    leverage = np.einsum("ij,jk,ik->i", X, fit.Q, X)
    synthetic = X @ fit.beta
    psi = np.where(fitted, psi, 1.0)
    gamma = np.where(fitted, A / (A + psi), 0.0)
    shrink = 1.0 - gamma
    eblup = synthetic + gamma * (np.where(fitted, y, 0.0) - synthetic)
    mse_in = A * shrink + shrink**2 * leverage + 2.0 * shrink**2 * var_A / (A + psi)
    zq = stats.norm.ppf(0.5 + level / 2.0)
    base = A + leverage
    mse_out = base + (1.0 + zq * zq) / 4.0 * var_A / base
    V, r = A + psi, y - synthetic
    loglike = float(-0.5 * np.sum(np.where(fitted, np.log(2.0 * np.pi * V) + r * r / V, 0.0)))
    return SizePrediction(np.where(fitted, eblup, synthetic), np.where(fitted, mse_in, mse_out),
                          gamma, leverage, loglike)  # fmt: skip
