"""Small-area estimation: the area-level Fay–Herriot model (statistical core, no pipeline).

A buurt with a handful of respondents has a direct survey estimate too noisy to publish. The
Fay–Herriot model borrows strength from the other buurten through covariates. For the m areas
that have a direct estimate yᵢ with sampling variance ψᵢ (treated as known)::

    yᵢ = θᵢ + eᵢ,   eᵢ ~ N(0, ψᵢ)             (sampling error of the direct estimate)
    θᵢ = xᵢ'β + uᵢ,  uᵢ ~ N(0, σu²)           (the area's true value: regression + area effect)

so yᵢ ~ N(xᵢ'β, σu² + ψᵢ) independently (Fay & Herriot 1979; Rao & Molina 2015, ch. 6).

**Fitting** (:func:`fit_fay_herriot`). σu² (``A`` in ``sae``) by Fisher scoring exactly as R's
``sae::eblupFH`` does it (Molina & Marhuenda 2015): start at the median of the ψᵢ; update
A ← A + s(A)/F(A) with, for REML, the score s = −½ tr P + ½ y'PPy and the expected information
F = ½ tr PP (P = V⁻¹ − V⁻¹X(X'V⁻¹X)⁻¹X'V⁻¹), for ML s = −½ Σvᵢ + ½ Σvᵢ²rᵢ² and F = ½ Σvᵢ²
(vᵢ = 1/(A + ψᵢ), r the GLS residual); stop when the *relative* change |ΔA|/A is at most
``tol`` = 1e-4 or after ``max_iter`` = 100 updates; truncate at 0. The traces are computed
from p×p matrices (tr P = Σvᵢ − tr(QX'V⁻²X), tr PP = Σvᵢ² − 2 tr(QX'V⁻³X) + tr((QX'V⁻²X)²),
Q = (X'V⁻¹X)⁻¹), never from the m×m matrix P, so 15,000 buurten fit in milliseconds. This
stopping rule matters at the 1e-7 level: ``sae``'s published figures (the milk example, see
``tests/fixtures/sae_milk``) are those of its 4th iterate, reproduced here to 5e-8. Where an
iterate would fall below zero the score at A = 0 decides: not positive, the maximum over
A ≥ 0 is at 0 (``sae`` iterates on through negative values and truncates: the same answer);
positive, the step overshot and A is halved instead. β̂ = QX'V⁻¹y by GLS with covariance Q.
The log-likelihood reported is ``sae``'s: the (unrestricted) normal log-likelihood of y at β̂
and the estimated σu², for REML too.

**The adjusted estimator.** With few areas or small σu², REML and ML often give σu² = 0: every
EBLUP collapses onto the regression line and the MSE pretends σu² is known to be zero. With
``adjusted=True`` (the pipeline's default) such a fit is redone by Li & Lahiri's (2010) adjusted
likelihood: maximise L(σu²)·σu² (log L + log σu²; the residual likelihood for REML, "AREML",
the profile likelihood for ML, "AML"), which is strictly positive, keeps the estimator's
consistency and differs from REML by O(1/m). Same Fisher scoring with the adjustment's score
1/A and curvature 1/A² added. :attr:`FayHerriotFit.estimator` says which estimator was used.

**EBLUP and MSE** (:func:`eblup`, :func:`prasad_rao_mse`). θ̂ᵢ = γᵢyᵢ + (1 − γᵢ)xᵢ'β̂ with
γᵢ = σu²/(σu² + ψᵢ). MSE by Prasad & Rao (1990), as ``sae::mseFH``: g1 + g2 + 2·g3 with
g1 = γᵢψᵢ, g2 = (1 − γᵢ)² xᵢ'Qxᵢ, g3 = (1 − γᵢ)² V(σ̂u²)/(σu² + ψᵢ) and V(σ̂u²) = 2/Σvⱼ². For
ML ``sae`` subtracts the first-order bias of σ̂u² times ∂g1/∂σu² = (1 − γᵢ)² (Datta & Lahiri
2000): b = −tr(QX'V⁻²X)/Σvⱼ²; so does this module. The adjusted estimators are biased upwards
by the adjustment, b = 2/(σu²·Σvⱼ²) to first order, and Li & Lahiri (and ``emdi``) subtract
that too. Not here: the adjusted estimator is used exactly where REML gave 0, and there
σ̂u² ≈ √V(σ̂u²), so the correction is as large as g1 itself: in a simulation (m = 30–50, σu²
2–20 % of ψ, the fits where REML gave 0) it made 16–36 % of the MSEs negative and the 95 %
intervals covered 57–75 %, while the uncorrected Prasad–Rao MSE covered 97–100 %. An MSE
that errs, errs on the safe side: AREML takes REML's MSE, AML ML's (with ML's own b).

**Areas without a direct estimate** (:func:`synthetic_prediction`). A buurt without respondents
gets the regression prediction xᵢ'β̂. Its error u − xᵢ'(β̂ − β) has variance σu² + xᵢ'Qxᵢ: the
limit of g1 + g2 as ψᵢ → ∞. Its g3 vanishes to second order (the predictor uses σ̂u² only
through β̂), but σ̂u² still enters the *interval*: σu² is the bulk of this MSE and is estimated
with variance V(σ̂u²). Expanding the coverage of x'β̂ ± z·√M̂ (M = σu² + x'Qx) to second order in
M̂ − M gives a loss of z·φ(z)·(1 + z²)/4·V(σ̂u²)/M², restored (Datta, Ghosh, Smith & Lahiri 2002
derive the analogous correction of EB intervals) by adding the g3-like term
g3 = (1 + z²)/4 · V(σ̂u²)/(σ̂u² + x'Qx), z = 1.96 for the 95 % interval. So the synthetic MSE is
σ̂u² − b + x'Qx + g3 (b the estimator's bias above, 0 for REML; ``emdi`` adds b for ML, the
expansion subtracts it). It exceeds the MSE of an area with the same covariates and any direct
estimate whenever x'Qx ≤ 3σ̂u² (in-sample 2·g3 is at most 8/27·V(σ̂u²)/σu²): knowing nothing is
not better than knowing a little. In simulation (m = 20–150, σu² at least half the ψᵢ) these
intervals covered 94–98 %, against 90–94 % without g3; where σu² is barely identified (REML
often 0) both err on the wide side.

**Shares on a bounded scale** (:func:`estimate_shares`). A share modelled as it is can leave
[0, 1]. As ``emdi::fh(transformation = "arcsin")`` (Casas-Cordero, Encina & Lahiri 2016;
Schmid et al. 2017): y* = asin(√p̂), whose sampling variance 1/(4·n_eff) depends on the effective
sample size only (n_eff = n/deff), the model on that scale, and back: the bias-corrected
estimate is E[sin²θ] for θ ~ N(θ̂*, MSE*), in closed form (sin²θ = (1 − cos 2θ)/2 and
E cos 2θ = cos 2μ·e^(−2s²)): (1 − cos(2θ̂*)·e^(−2·MSE*))/2, always inside [0, 1]. (``emdi``
integrates numerically with the variance g1 over [0, π/2] only, dropping the mass beyond the
bounds; the closed form folds it back, sin² being symmetric about 0 and π/2, and MSE* also carries
the uncertainty of β̂ and σ̂u² and exists for areas without respondents.) Plain sin²(θ̂*) is
biased: sin² is convex below p = ½ and concave above, so it pulls small shares down and large
ones up. What no back-transformation removes is the bias of asin(√p̂) itself at a few
respondents (p̂ = 0 is common and has no spread): simulated at p ≈ 10 % and n = 5–40 the mean
error of the estimates falls from −1.7 to −1.0 points with the correction, not to 0. The MSE
on the original scale is E[(sin²θ − p̃)²] under the same normal (its variance, in closed form
with E cos 4θ), and the 95 % interval is the transformed-scale interval θ̂* ± z√MSE*, clipped
to [0, π/2] and mapped through sin²: monotone, so it keeps the coverage of the scale on which
the model is normal, and never leaves [0, 1] (it need not be symmetric about the estimate;
that is the point).

**Smoothed sampling variances** (:func:`smoothed_sampling_variances`). A buurt of four
respondents who happen to agree has a direct variance of zero. A generalised variance function
(Wolter 2007, ch. 7) replaces the area's own variance by ψᵢ = s²·deff/nᵢ with s² and deff pooled
over a group (wijk, else gemeente): s² the within-area variance of y pooled with nᵢ − 1 degrees
of freedom (for a 0/1 item the within-area p(1 − p), not p̄(1 − p̄) of the pooled share, which
would add the between-buurt spread of the share to the sampling variance), and deff Kish's
design effect of the weights, 1 + CV², with CV² the within-area relative variance of the weights
pooled the same way (a buurt's own deff is 1 by construction at n = 1). A group with fewer than
``min_df`` degrees of freedom passes to the next level.

**Covariates** (:func:`covariate_matrix`) and **guard rails**: every refusal is a named
:class:`SmallAreaError` (``ValueError``) with the facts a caller needs: :class:`TooFewAreas`,
:class:`TooFewRespondents`, :class:`NonFiniteInput`, :class:`InvalidInput`,
:class:`EmptyCovariate`, :class:`ConstantCovariate`, :class:`CollinearCovariates`,
:class:`ModelNotConverged`.

References: Fay & Herriot (1979), JASA 74, 269–277. Prasad & Rao (1990), JASA 85, 163–171.
Datta & Lahiri (2000), Statistica Sinica 10, 613–627. Datta, Ghosh, Smith & Lahiri (2002),
Scand. J. Statist. 29, 139–152. Li & Lahiri (2010), J. Multivariate Anal. 101, 882–892. Rao &
Molina (2015), Small Area Estimation, 2nd ed., Wiley. Molina & Marhuenda (2015), The R Journal
7(1), 81–98 (``sae``). Kreutzmann et al. (2019), J. Stat. Softw. 91(7) (``emdi``). Casas-Cordero,
Encina & Lahiri (2016), in Pratesi (ed.), Analysis of Poverty Data by Small Area Estimation,
Wiley. Schmid, Bruckschen, Salvati & Zbiranski (2017), JRSS A 180, 1163–1190. Kish (1965),
Survey Sampling. Wolter (2007), Introduction to Variance Estimation, 2nd ed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

METHODS = ("REML", "ML")
#: the estimator of σu² a fit used: plain, or Li–Lahiri's adjusted likelihood
ESTIMATORS = {
    "REML": "REML (Fisher scoring, as sae::eblupFH)",
    "ML": "ML (Fisher scoring, as sae::eblupFH)",
    "AREML": "adjusted REML (Li & Lahiri 2010): maximises L_R(σu²)·σu²",
    "AML": "adjusted ML (Li & Lahiri 2010): maximises L_P(σu²)·σu²",
}
LEVEL = 0.95  # the interval the synthetic MSE's g3-like term keeps honest

# --- named errors ----------------------------------------------------------------------------


class SmallAreaError(ValueError):
    """Anything the small-area model refuses, with the facts as attributes."""


class InvalidInput(SmallAreaError):
    """An input of the wrong shape or outside its range (a negative variance, a share > 1)."""


class NonFiniteInput(InvalidInput):
    def __init__(self, argument: str, count: int, first: int) -> None:
        self.argument, self.count, self.first = argument, count, first
        super().__init__(
            f"{argument}: {count} value(s) not finite (NaN or infinite), the first at "
            f"position {first}"
        )


class TooFewAreas(SmallAreaError):
    def __init__(self, n_areas: int, n_parameters: int) -> None:
        self.n_areas, self.n_parameters = n_areas, n_parameters
        super().__init__(
            f"{n_areas} area(s) with a direct estimate for {n_parameters} regression "
            f"parameter(s): the model needs at least {n_parameters + 2} (parameters + 2)"
        )


class TooFewRespondents(SmallAreaError):
    def __init__(self, n_areas: int, max_respondents: int) -> None:
        self.n_areas, self.max_respondents = n_areas, max_respondents
        super().__init__(
            f"every one of the {n_areas} area(s) has fewer than two respondents (at most "
            f"{max_respondents}): no within-area variance to estimate a sampling variance "
            "from, nothing to model on"
        )


class EmptyCovariate(SmallAreaError):
    def __init__(self, column: str) -> None:
        self.column = column
        super().__init__(f"covariate {column!r} has no value in any area")


class ConstantCovariate(SmallAreaError):
    def __init__(self, column: str, value: float) -> None:
        self.column, self.value = column, value
        super().__init__(
            f"covariate {column!r} has the same value ({value:g}) in every area that has one: "
            "it cannot be told apart from the intercept"
        )


class CollinearCovariates(SmallAreaError):
    def __init__(self, column: str, rank: int, n_columns: int) -> None:
        self.column, self.rank, self.n_columns = column, rank, n_columns
        super().__init__(
            f"covariate {column!r} is a linear combination of the columns before it "
            f"(rank {rank} of {n_columns} columns): its coefficient is not identified"
        )


class ModelNotConverged(SmallAreaError):
    def __init__(self, estimator: str, iterations: int, last_step: float, sigma2_u: float):
        self.estimator, self.iterations = estimator, iterations
        self.last_step, self.sigma2_u = last_step, sigma2_u
        super().__init__(
            f"{estimator} Fisher scoring for σu² did not converge in {iterations} iterations "
            f"(last step {last_step:.3g} at σu² = {sigma2_u:.6g})"
        )


# --- input checks ----------------------------------------------------------------------------


def _vector(values, argument: str, *, allow_nan: bool = False) -> np.ndarray:
    out = np.asarray(values, dtype=float)
    if out.ndim != 1:
        raise InvalidInput(f"{argument}: expected one value per area, got shape {out.shape}")
    bad = np.isinf(out) if allow_nan else ~np.isfinite(out)
    if bad.any():
        raise NonFiniteInput(argument, int(bad.sum()), int(np.flatnonzero(bad)[0]))
    return out


def _design(X, n_areas: int, argument: str = "X") -> np.ndarray:
    out = np.asarray(X, dtype=float)
    if out.ndim == 1:
        out = out[:, None]
    if out.ndim != 2 or out.shape[0] != n_areas:
        raise InvalidInput(f"{argument}: expected {n_areas} rows (one per area), got {out.shape}")
    bad = ~np.isfinite(out)
    if bad.any():
        raise NonFiniteInput(argument, int(bad.sum()), int(np.flatnonzero(bad.any(axis=1))[0]))
    return out


def _check_rank(X: np.ndarray, names: Sequence[str] | None = None) -> None:
    """Refuse a design whose columns are linearly dependent, naming the first culprit."""
    p = X.shape[1]
    if np.linalg.matrix_rank(X) == p:
        return
    for k in range(1, p + 1):  # the first column that does not add to the rank
        if np.linalg.matrix_rank(X[:, :k]) < k:
            name = names[k - 1] if names is not None else f"column {k - 1}"
            raise CollinearCovariates(name, int(np.linalg.matrix_rank(X)), p)


def _positive_variances(psi: np.ndarray) -> None:
    if (psi <= 0).any():
        first = int(np.flatnonzero(psi <= 0)[0])
        raise InvalidInput(
            f"psi: {int((psi <= 0).sum())} sampling variance(s) not positive, the first at "
            f"position {first} (smooth them first: smoothed_sampling_variances)"
        )


# --- the fit ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FayHerriotFit:
    """A fitted Fay–Herriot model on the areas that have a direct estimate."""

    method: str  # the likelihood: "REML" or "ML"
    estimator: str  # what estimated σu²: "REML", "ML", "AREML" or "AML" (see ESTIMATORS)
    sigma2_u: float  # σ̂u² used by every prediction
    sigma2_u_plain: float  # the plain REML/ML estimate (0 where the adjusted one took over)
    beta: np.ndarray
    beta_cov: np.ndarray  # Q = (X'V⁻¹X)⁻¹ at σ̂u²
    loglike: float  # sae's: normal log-likelihood of y at β̂, σ̂u²
    iterations: int  # Fisher-scoring updates of the estimator used
    converged: bool
    last_step: float  # the last σu² update
    y: np.ndarray = field(repr=False)
    X: np.ndarray = field(repr=False)
    psi: np.ndarray = field(repr=False)

    @property
    def beta_se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.beta_cov))

    @property
    def gamma(self) -> np.ndarray:
        """Shrinkage factor γᵢ = σu²/(σu² + ψᵢ): the weight of the area's own estimate."""
        return self.sigma2_u / (self.sigma2_u + self.psi)

    @property
    def n_areas(self) -> int:
        return len(self.y)

    @property
    def n_parameters(self) -> int:
        return self.X.shape[1]

    @property
    def sigma2_u_variance(self) -> float:
        """V(σ̂u²) = 2/Σ(σu² + ψᵢ)⁻², the inverse Fisher information (as sae's g3)."""
        return 2.0 / float(np.sum((self.sigma2_u + self.psi) ** -2.0))

    def summary(self) -> dict:
        return {
            "method": self.method,
            "estimator": self.estimator,
            "estimator_description": ESTIMATORS[self.estimator],
            "sigma2_u": self.sigma2_u,
            "sigma2_u_plain": self.sigma2_u_plain,
            "beta": self.beta.tolist(),
            "beta_se": self.beta_se.tolist(),
            "loglike": self.loglike,
            "iterations": self.iterations,
            "converged": self.converged,
            "n_areas": self.n_areas,
            "mean_gamma": float(self.gamma.mean()),
        }


def _gls(y, X, psi, A):
    """GLS at σu² = A: v = 1/(A + ψ), Q = (X'V⁻¹X)⁻¹, β̂, residual r."""
    v = 1.0 / (A + psi)
    xtv = X.T * v
    Q = np.linalg.inv(xtv @ X)
    beta = Q @ (xtv @ y)
    return v, Q, beta, y - X @ beta


def _score(y, X, psi, A, method: str, adjusted: bool) -> tuple[float, float]:
    """Score s(A) and expected information F(A) of the (adjusted) likelihood of σu²."""
    v, Q, _, r = _gls(y, X, psi, A)
    v2 = v * v
    resid = float(np.sum(v2 * r * r))  # y'PPy = Σ vᵢ² rᵢ² (Py = V⁻¹r)
    if method == "REML":
        c2 = Q @ ((X.T * v2) @ X)
        tr_p = float(v.sum() - np.trace(c2))
        tr_pp = float(v2.sum() - 2.0 * np.trace(Q @ ((X.T * (v2 * v)) @ X)) + np.sum(c2 * c2.T))
        s, F = -0.5 * tr_p + 0.5 * resid, 0.5 * tr_pp
    else:
        s, F = -0.5 * float(v.sum()) + 0.5 * resid, 0.5 * float(v2.sum())
    if adjusted:  # d/dA log A = 1/A, -d²/dA² log A = 1/A²
        s, F = s + 1.0 / A, F + 1.0 / (A * A)
    return s, F


def _fisher_scoring(y, X, psi, method, adjusted, max_iter, tol):
    """σu² by sae's Fisher scoring; returns (A, iterations, last step, converged)."""
    A = float(np.median(psi))
    k, diff, step = 0, tol + 1.0, np.nan
    while diff > tol and k < max_iter:
        k += 1
        s, F = _score(y, X, psi, A, method, adjusted)
        if not (np.isfinite(s) and np.isfinite(F) and F > 0):
            return A, k, np.nan, False
        new = A + s / F
        if new <= 0:
            if not adjusted and _score(y, X, psi, 0.0, method, False)[0] <= 0:
                return 0.0, k, -A, True  # the maximum over σu² ≥ 0 is at the boundary
            new = A / 2.0  # the step overshot a positive maximum
        step = new - A
        diff = abs(step / A)
        A = new
    return A, k, step, diff <= tol


def fit_fay_herriot(
    y,
    X,
    psi,
    method: str = "REML",
    *,
    adjusted: bool = True,
    max_iter: int = 100,
    tol: float = 1e-4,
    raise_if_not_converged: bool = True,
) -> FayHerriotFit:
    """Fit the Fay–Herriot model to the areas that have a direct estimate.

    ``y`` the direct estimates, ``X`` the covariates (one row per area, the intercept included
    by the caller), ``psi`` their sampling variances (all finite, ψ > 0). σu² by Fisher scoring
    as ``sae::eblupFH`` (``tol`` is its relative-change ``PRECISION``); with ``adjusted`` a
    plain estimate of 0 is replaced by Li–Lahiri's adjusted one (reported in ``estimator``).
    Not converging raises :class:`ModelNotConverged`, or with ``raise_if_not_converged=False``
    returns the last iterate with ``converged=False`` for the caller to act on.
    """
    method = method.upper()
    if method not in METHODS:
        raise InvalidInput(f"method must be one of {METHODS}, not {method!r}")
    y = _vector(y, "y")
    psi = _vector(psi, "psi")
    if len(psi) != len(y):
        raise InvalidInput(f"psi: {len(psi)} values for {len(y)} direct estimates")
    X = _design(X, len(y))
    _positive_variances(psi)
    m, p = X.shape
    if m < p + 2:
        raise TooFewAreas(m, p)
    _check_rank(X)

    A, iterations, step, converged = _fisher_scoring(y, X, psi, method, False, max_iter, tol)
    plain, estimator = max(A, 0.0), method
    if converged and adjusted and plain <= 0:
        estimator = "AREML" if method == "REML" else "AML"
        A, iterations, step, converged = _fisher_scoring(y, X, psi, method, True, max_iter, tol)
    A = max(A, 0.0)
    if not converged and raise_if_not_converged:
        raise ModelNotConverged(estimator, iterations, step, A)

    v, Q, beta, r = _gls(y, X, psi, A)
    loglike = -0.5 * float(np.sum(np.log(2.0 * np.pi / v) + v * r * r))
    return FayHerriotFit(
        method=method, estimator=estimator, sigma2_u=A, sigma2_u_plain=plain, beta=beta,
        beta_cov=Q, loglike=loglike, iterations=iterations, converged=converged,
        last_step=float(step), y=y, X=X, psi=psi,
    )  # fmt: skip


# --- predictions and their MSE ---------------------------------------------------------------


def eblup(fit: FayHerriotFit) -> np.ndarray:
    """θ̂ᵢ = γᵢ yᵢ + (1 − γᵢ) xᵢ'β̂ for the areas the model was fitted on."""
    synthetic = fit.X @ fit.beta
    return synthetic + fit.gamma * (fit.y - synthetic)


def _leverage(X: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """xᵢ'Qxᵢ for every row, without the m×m matrix XQX'."""
    return np.einsum("ij,ij->i", X @ Q, X)


def sigma2_u_bias(fit: FayHerriotFit) -> float:
    """First-order bias b of σ̂u² that the MSE corrects for: ML's, −tr(QX'V⁻²X)/Σvⱼ²
    (Datta & Lahiri 2000, as ``sae``), for ML and AML; 0 for REML and AREML. The adjustment's
    own upward bias is deliberately left in (why: the module docstring)."""
    if fit.method == "REML":
        return 0.0
    v2 = (fit.sigma2_u + fit.psi) ** -2.0
    return -float(np.trace(fit.beta_cov @ ((fit.X.T * v2) @ fit.X))) / float(v2.sum())


@dataclass(frozen=True)
class MseComponents:
    g1: np.ndarray  # γψ: the area effect's uncertainty left after shrinkage
    g2: np.ndarray  # from estimating β
    g3: np.ndarray  # from estimating σu²
    bias: np.ndarray  # subtracted: b·∂g1/∂σu² = b(1 − γ)² (ML and AML: b < 0, it adds)

    @property
    def mse(self) -> np.ndarray:
        return self.g1 + self.g2 + 2.0 * self.g3 - self.bias


def prasad_rao_mse(fit: FayHerriotFit) -> MseComponents:
    """Prasad–Rao MSE of the EBLUPs, g1 + g2 + 2·g3 (− b(1 − γ)² where σ̂u² is biased), as
    ``sae::mseFH``: the second-order unbiased estimate of the EBLUP's mean squared error."""
    A, psi = fit.sigma2_u, fit.psi
    shrink = psi / (A + psi)  # 1 − γ
    g1 = A * shrink
    g2 = shrink**2 * _leverage(fit.X, fit.beta_cov)
    g3 = shrink**2 * fit.sigma2_u_variance / (A + psi)
    return MseComponents(g1, g2, g3, sigma2_u_bias(fit) * shrink**2)


@dataclass(frozen=True)
class Synthetic:
    estimate: np.ndarray  # xᵢ'β̂
    mse: np.ndarray  # σ̂u² − b + xᵢ'Qxᵢ + g3
    g3: np.ndarray  # the term for the uncertainty of σ̂u² (see the module docstring)


def synthetic_prediction(fit: FayHerriotFit, X_new, level: float = LEVEL) -> Synthetic:
    """The regression prediction for areas without a direct estimate, with its MSE: σu² plus
    β̂'s variance along xᵢ, plus the g3-like term that keeps the ``level`` interval's coverage
    when σu² itself is estimated (derivation in the module docstring)."""
    X_new = _design(X_new, np.asarray(X_new).shape[0], "X_new")
    if X_new.shape[1] != fit.n_parameters:
        raise InvalidInput(f"X_new: {X_new.shape[1]} columns, the model has {fit.n_parameters}")
    z = stats.norm.ppf(0.5 + level / 2.0)
    base = fit.sigma2_u + _leverage(X_new, fit.beta_cov)
    g3 = (1.0 + z * z) / 4.0 * fit.sigma2_u_variance / base
    mse = base - sigma2_u_bias(fit) + g3  # b ≤ 0: never below σ̂u² + x'Qx
    return Synthetic(X_new @ fit.beta, mse, g3)


@dataclass(frozen=True)
class AreaEstimates:
    """Model estimates for every area: the EBLUP where there is a direct estimate, the
    synthetic prediction where there is none."""

    estimate: np.ndarray
    mse: np.ndarray
    has_direct: np.ndarray  # bool: the area has a direct estimate (kind "eblup")
    gamma: np.ndarray  # weight of the direct estimate (0 for synthetic)
    fit: FayHerriotFit

    @property
    def kind(self) -> np.ndarray:
        return np.where(self.has_direct, "eblup", "synthetic")

    def interval(self, level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
        half = stats.norm.ppf(0.5 + level / 2.0) * np.sqrt(self.mse)
        return self.estimate - half, self.estimate + half


def estimate_areas(y, X, psi, method: str = "REML", **options) -> AreaEstimates:
    """Fit on the areas with a direct estimate and predict every area. A NaN in ``y`` means
    *no direct estimate* (no respondents): that area gets the synthetic prediction and its
    ψ is not read. ``X`` must be finite for every area; ``options`` go to
    :func:`fit_fay_herriot`."""
    y = _vector(y, "y", allow_nan=True)
    X = _design(X, len(y))
    psi = np.asarray(psi, dtype=float)
    if psi.shape != y.shape:
        raise InvalidInput(f"psi: shape {psi.shape} for {len(y)} areas")
    has = ~np.isnan(y)
    fit = fit_fay_herriot(y[has], X[has], psi[has], method, **options)
    estimate, mse = np.empty(len(y)), np.empty(len(y))
    gamma = np.zeros(len(y))
    estimate[has], mse[has], gamma[has] = eblup(fit), prasad_rao_mse(fit).mse, fit.gamma
    if (~has).any():
        synth = synthetic_prediction(fit, X[~has])
        estimate[~has], mse[~has] = synth.estimate, synth.mse
    return AreaEstimates(estimate, mse, has, gamma, fit)


# --- shares: the arcsine square-root scale ---------------------------------------------------


def arcsine_transform(p, n_eff) -> tuple[np.ndarray, np.ndarray]:
    """y* = asin(√p̂) and its sampling variance 1/(4·n_eff): variance-stabilising, so the
    variance needs no p̂ (a buurt whose few respondents all agree is not 'certain')."""
    p = _vector(p, "p", allow_nan=True)
    n_eff = np.asarray(n_eff, dtype=float)
    if n_eff.shape != p.shape:
        raise InvalidInput(f"n_eff: shape {n_eff.shape} for {len(p)} shares")
    has = ~np.isnan(p)
    if ((p[has] < 0) | (p[has] > 1)).any():
        raise InvalidInput("p: a share outside [0, 1]")
    if not np.all(np.isfinite(n_eff[has]) & (n_eff[has] > 0)):
        raise InvalidInput("n_eff: every area with a share needs a positive effective n")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.arcsin(np.sqrt(p)), np.where(has, 0.25 / n_eff, np.nan)


def _sin2_moments(theta, var) -> tuple[np.ndarray, np.ndarray]:
    """E[sin²θ] and Var[sin²θ] for θ ~ N(theta, var), in closed form."""
    c2 = np.cos(2.0 * theta) * np.exp(-2.0 * var)  # E cos 2θ
    c4 = np.cos(4.0 * theta) * np.exp(-8.0 * var)  # E cos 4θ
    mean = (1.0 - c2) / 2.0
    fourth = (3.0 - 4.0 * c2 + c4) / 8.0  # sin⁴ = (3 − 4 cos 2θ + cos 4θ)/8
    return np.clip(mean, 0.0, 1.0), np.maximum(fourth - mean * mean, 0.0)


@dataclass(frozen=True)
class ShareEstimates:
    estimate: np.ndarray  # on [0, 1]
    mse: np.ndarray  # on the original scale
    lower: np.ndarray  # the back-transformed interval of the arcsine scale
    upper: np.ndarray
    transformed: AreaEstimates  # the model on the arcsine scale

    @property
    def kind(self) -> np.ndarray:
        return self.transformed.kind


def arcsine_back_transform(
    theta, mse, *, bias_corrected: bool = True, level: float = LEVEL
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """From the arcsine scale to a share: (estimate, mse, lower, upper).

    ``bias_corrected``: E[sin²θ] under θ ~ N(θ̂*, MSE*) (``emdi``'s "bc" idea, in closed form);
    otherwise sin²(θ̂*) clipped to [0, π/2] (``emdi``'s "naive"). The MSE is E[(sin²θ − p̃)²]
    under the same normal; the interval the sin² of the clipped transformed-scale interval."""
    theta, mse = np.asarray(theta, dtype=float), np.asarray(mse, dtype=float)
    mean, var = _sin2_moments(theta, mse)
    estimate = mean if bias_corrected else np.sin(np.clip(theta, 0.0, np.pi / 2.0)) ** 2
    half = stats.norm.ppf(0.5 + level / 2.0) * np.sqrt(mse)
    lower = np.sin(np.clip(theta - half, 0.0, np.pi / 2.0)) ** 2
    upper = np.sin(np.clip(theta + half, 0.0, np.pi / 2.0)) ** 2
    return estimate, var + (mean - estimate) ** 2, lower, upper


def estimate_shares(
    p, n_eff, X, method: str = "REML", *, bias_corrected: bool = True, level: float = LEVEL,
    **options,
) -> ShareEstimates:  # fmt: skip
    """Fay–Herriot for shares on the arcsine scale, back to [0, 1]. ``p`` the direct shares
    (NaN: no respondents), ``n_eff`` their effective sample sizes (n/deff, e.g. from
    :func:`smoothed_sampling_variances`), ``X`` covariates for every area."""
    y_star, psi_star = arcsine_transform(p, n_eff)
    on_scale = estimate_areas(y_star, X, psi_star, method, **options)
    estimate, mse, lower, upper = arcsine_back_transform(
        on_scale.estimate, on_scale.mse, bias_corrected=bias_corrected, level=level
    )
    return ShareEstimates(estimate, mse, lower, upper, on_scale)


# --- smoothed sampling variances (generalised variance function) -----------------------------


def _missing_code(code) -> bool:
    if code is None or isinstance(code, str):
        return not code
    try:
        return bool(code != code)  # NaN
    except TypeError:  # pandas.NA
        return True


def _group_index(codes) -> np.ndarray:
    """Integer group of every area; -1 where the code is missing (None, NaN, NA or "")."""
    codes = np.asarray(codes, dtype=object)
    missing = np.array([_missing_code(c) for c in codes], dtype=bool)
    out = np.full(len(codes), -1, dtype=np.int64)
    if (~missing).any():
        _, out[~missing] = np.unique(codes[~missing].astype(str), return_inverse=True)
    return out


def _pooled(values: np.ndarray, weights: np.ndarray, index: np.ndarray):
    """Σ values and Σ weights per group (group -1 excluded)."""
    ok = index >= 0
    size = int(index.max()) + 1 if ok.any() else 0
    return (
        np.bincount(index[ok], values[ok], minlength=size),
        np.bincount(index[ok], weights[ok], minlength=size),
    )


@dataclass(frozen=True)
class SmoothedVariances:
    psi: np.ndarray  # smoothed sampling variance of the direct estimate (NaN where n = 0)
    n_eff: np.ndarray  # n / pooled deff (for the arcsine route)
    design_effect: np.ndarray  # the pooled Kish deff the area got
    unit_variance: np.ndarray  # the pooled within-area variance s² the area got
    pooled_at: np.ndarray  # level the area's figures come from: index into groups, or
    #                        len(groups) for all areas together


def smoothed_sampling_variances(
    n, sw, sw2, swy, swy2, groups: Sequence = (), *, min_df: int = 30
) -> SmoothedVariances:
    """ψᵢ = s²·deff/nᵢ with s² and deff pooled (generalised variance function).

    Per area the pipeline's weighted sums: ``n`` respondents, ``sw`` = Σw, ``sw2`` = Σw²,
    ``swy`` = Σwy, ``swy2`` = Σwy² (y 0/1 for a share). ``groups``: group codes per area,
    finest first (e.g. ``(wijk, gemeente)``); each area takes its figures from the first level
    whose group has at least ``min_df`` within-area degrees of freedom Σ(nᵢ − 1), else from
    all areas together. Pooled with nᵢ − 1 degrees of freedom (see the module docstring):
    s² = Σ nᵢ(ȳᵢ⁽²⁾ − ȳᵢ²)/Σ(nᵢ − 1), deff = 1 + Σ nᵢ(deffᵢ − 1)/Σ(nᵢ − 1), with deffᵢ Kish's
    nᵢΣw²/(Σw)². Raises :class:`TooFewRespondents` when no area has two respondents.
    """
    n = _vector(n, "n")
    sums = {name: _vector(v, name) for name, v in (("sw", sw), ("sw2", sw2), ("swy", swy))}
    sums["swy2"] = _vector(swy2, "swy2")
    if any(len(v) != len(n) for v in sums.values()):
        raise InvalidInput("n, sw, sw2, swy, swy2: one value per area each")
    if (n < 0).any() or ((n > 0) & (sums["sw"] <= 0)).any():
        raise InvalidInput("n and sw: respondents and weights must be positive")
    df = np.maximum(n - 1.0, 0.0)
    if df.sum() <= 0:
        raise TooFewRespondents(len(n), int(n.max()) if len(n) else 0)
    has = n > 0
    sw_safe = np.where(has, sums["sw"], 1.0)
    mean = sums["swy"] / sw_safe
    within = np.where(has, n * np.maximum(sums["swy2"] / sw_safe - mean * mean, 0.0), 0.0)
    excess = np.where(has, n * (n * sums["sw2"] / sw_safe**2 - 1.0), 0.0)  # nᵢ(deffᵢ − 1)

    levels = [_group_index(g) for g in groups] + [np.zeros(len(n), dtype=np.int64)]
    unit = np.full(len(n), np.nan)
    deff = np.full(len(n), np.nan)
    pooled_at = np.full(len(n), -1, dtype=np.int64)
    for k, index in enumerate(levels):
        if len(index) != len(n):
            raise InvalidInput(f"groups[{k}]: one code per area")
        s_within, s_df = _pooled(within, df, index)
        s_excess, _ = _pooled(excess, df, index)
        enough = s_df >= (min_df if k < len(levels) - 1 else 1)
        take = (pooled_at < 0) & (index >= 0)
        take[take] = enough[index[take]]
        g = index[take]
        unit[take] = s_within[g] / s_df[g]
        deff[take] = 1.0 + np.maximum(s_excess[g], 0.0) / s_df[g]
        pooled_at[take] = k
    with np.errstate(divide="ignore", invalid="ignore"):
        psi = np.where(has, unit * deff / n, np.nan)
        n_eff = np.where(has, n / deff, 0.0)
    return SmoothedVariances(psi, n_eff, deff, unit, pooled_at)


# --- covariates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Covariates:
    X: np.ndarray
    names: tuple[str, ...]  # one per column of X: "(intercept)", covariates, "<name>_missing"
    imputed: dict[str, int]  # covariate -> areas whose value was imputed


def _group_means(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Mean of the observed values of each area's group (NaN where the group has none)."""
    ok = ~np.isnan(values)
    totals, counts = _pooled(np.where(ok, values, 0.0), ok.astype(float), index)
    with np.errstate(divide="ignore", invalid="ignore"):
        means = totals / counts
    return np.where(index >= 0, means[np.maximum(index, 0)] if len(means) else np.nan, np.nan)


def covariate_matrix(
    frame: Mapping,
    columns: Sequence[str],
    *,
    wijk=None,
    gemeente=None,
    indicator_share: float = 0.10,
    intercept: bool = True,
) -> Covariates:
    """Build X from candidate covariates (any mapping of column -> values, e.g. a DataFrame).

    A missing value (None/NaN) is imputed with the mean of the area's wijk over the areas
    that have the value, else its gemeente's, else all areas' mean; when more than
    ``indicator_share`` of the areas are imputed a 0/1 column ``<name>_missing`` is added, so
    the imputed areas get their own level instead of pretending to sit at the mean (a pattern
    identical to an earlier indicator's is not added twice). Refused, by name: a column with no
    value (:class:`EmptyCovariate`), one with a single value (:class:`ConstantCovariate`), an
    infinite value (:class:`NonFiniteInput`), a column that is a linear combination of the
    others (:class:`CollinearCovariates`).
    """
    if not columns:
        raise InvalidInput("columns: no covariate named")
    n = len(np.asarray(frame[columns[0]]))
    levels = [_group_index(g) for g in (wijk, gemeente) if g is not None]
    if any(len(index) != n for index in levels):
        raise InvalidInput(f"wijk and gemeente: one code per area ({n})")
    cols, names, imputed, patterns = [], [], {}, []
    if intercept:
        cols.append(np.ones(n))
        names.append("(intercept)")
    for name in columns:
        values = np.asarray(frame[name], dtype=float)  # None and pandas' NA become NaN
        if values.shape != (n,):
            raise InvalidInput(f"covariate {name!r}: {len(values)} values for {n} areas")
        infinite = np.isinf(values)
        if infinite.any():
            raise NonFiniteInput(name, int(infinite.sum()), int(np.argmax(infinite)))
        missing = np.isnan(values)
        if missing.all():
            raise EmptyCovariate(name)
        observed = values[~missing]
        if observed.min() == observed.max():
            raise ConstantCovariate(name, float(observed[0]))
        filled = values.copy()
        for index in levels:
            gap = np.isnan(filled)
            if not gap.any():
                break
            filled[gap] = _group_means(values, index)[gap]
        filled[np.isnan(filled)] = observed.mean()
        cols.append(filled)
        names.append(name)
        imputed[name] = int(missing.sum())
        if missing.mean() > indicator_share and not any((missing == q).all() for q in patterns):
            patterns.append(missing)
            cols.append(missing.astype(float))
            names.append(f"{name}_missing")
    X = np.column_stack(cols)
    _check_rank(X, names)
    return Covariates(X, tuple(names), imputed)
