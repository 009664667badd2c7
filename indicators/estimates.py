"""Survey estimates from weighted sums: value, interval, reliability, significance, suppression.

Everything works on arrays of sufficient statistics per (area, indicator), so an area's
estimate is computed from sums that were added over its buurten, and the "rest of the gemeente"
is the gemeente's sums minus the area's:

    n    respondents in the base          sw   = sum w        sw2  = sum w^2
    swy  = sum w*y                        swy2 = sum w*y^2    (y = 0/1 for shares)

Estimate: swy / sw. Effective n (Kish): sw^2 / sw2, i.e. n / deff with deff = 1 + CV^2 of the
weights in the area. Shares: Wilson (or logit) interval on the effective n, so it never leaves
0-100 %. Means: t interval with the weighted variance (n/(n-1) corrected) over the effective n,
df = n_eff - 1. Difference from the rest of the gemeente: two independent estimates,
z = (x1 - x2) / sqrt(se1^2 + se2^2), significant at the configured level.
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def effective_n(sw: np.ndarray, sw2: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(sw2 > 0, sw**2 / sw2, 0.0)


def wilson(p: np.ndarray, n_eff: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion, on the effective sample size."""
    with np.errstate(invalid="ignore", divide="ignore"):
        denom = 1 + z**2 / n_eff
        centre = (p + z**2 / (2 * n_eff)) / denom
        half = z * np.sqrt(p * (1 - p) / n_eff + z**2 / (4 * n_eff**2)) / denom
    return np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)


def logit_interval(p: np.ndarray, n_eff: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Logit-transformed Wald interval; at p = 0 or 1 it falls back to Wilson."""
    with np.errstate(invalid="ignore", divide="ignore"):
        se_logit = 1 / np.sqrt(n_eff * p * (1 - p))
        lg = np.log(p / (1 - p))
        lo = 1 / (1 + np.exp(-(lg - z * se_logit)))
        hi = 1 / (1 + np.exp(-(lg + z * se_logit)))
    w_lo, w_hi = wilson(p, n_eff, z)
    edge = (p <= 0) | (p >= 1)
    return np.where(edge, w_lo, lo), np.where(edge, w_hi, hi)


def share_estimate(sw, swy, sw2, z: float, method: str = "wilson"):
    """(estimate, se, ci_low, ci_high, n_eff) of weighted shares, as fractions."""
    n_eff = effective_n(sw, sw2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(sw > 0, swy / sw, np.nan)
        se = np.sqrt(p * (1 - p) / n_eff)
    lo, hi = (wilson if method == "wilson" else logit_interval)(p, n_eff, z)
    return p, se, lo, hi, n_eff


def mean_estimate(n, sw, swy, swy2, sw2, confidence: float):
    """(estimate, se, ci_low, ci_high, n_eff) of weighted means (t interval on n_eff)."""
    n_eff = effective_n(sw, sw2)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.where(sw > 0, swy / sw, np.nan)
        var = np.maximum(swy2 / sw - m**2, 0) * np.where(n > 1, n / (n - 1), np.nan)
        se = np.sqrt(var / n_eff)
        df = np.maximum(n_eff - 1, 1)
    t = stats.t.ppf(0.5 + confidence / 2, df)
    return m, se, m - t * se, m + t * se, n_eff


def difference_test(x1, se1, x2, se2, confidence: float):
    """Two-sided z test of two independent estimates: (z, significant)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (x1 - x2) / np.sqrt(se1**2 + se2**2)
    crit = stats.norm.ppf(0.5 + confidence / 2)
    significant = np.abs(z) > crit
    return z, np.where(np.isnan(z), np.nan, significant)


def coefficient_of_variation(estimate, se):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(estimate > 0, se / estimate, np.nan)


def suppression(n, cv, min_n, max_cv) -> np.ndarray:
    """Reason code per estimate (None = publish): too few respondents, or too unreliable."""
    n = np.asarray(n, dtype=float)
    min_n = np.broadcast_to(np.asarray(min_n, dtype=float), n.shape)
    out = np.full(n.shape, None, dtype=object)
    out[np.nan_to_num(cv, nan=0.0) > max_cv] = "cv_too_high"
    out[n < min_n] = "too_few_respondents"
    return out
