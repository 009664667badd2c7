"""Survey weights: bounded raking (iterative proportional fitting) to CBS margins.

Per wave, every respondent gets a weight so that, *within each wijk*, the weighted sample
reproduces the CBS population of 16 years and over by age group and by sex. Raking within the
wijk is finer than raking to separate wijk, age and sex margins, and reproduces those too.

Algorithm (Deville & Särndal's raking ratio with trimming, as Statistics Netherlands and most
municipal research bureaus apply it):

1. start weight d = the design weight: the inverse sampling fraction of the respondent's
   buurt (the stratum the sample is drawn in: small buurten are oversampled, so their
   respondents count for fewer residents), P_buurt / n_buurt, scaled so that the start
   weights of a wijk add up to its population N_wijk; without buurt populations
   N_wijk / n_wijk (the inverse sampling fraction of the wijk);
2. repeat: scale the weights so each (wijk, age group) cell hits its target; then each
   (wijk, sex) cell; then trim every adjustment w / d to [lo, hi];
3. stop when the largest relative margin error is below the tolerance, or when it no longer
   improves because the bounds bind, or after the maximum number of iterations; the achieved
   error is reported, never hidden.

A margin cell with fewer than ``min_cell`` respondents cannot be hit without extreme weights:
it is merged with the next age group of the same wijk (the oldest with the one before), and a
wijk with too few men or women is not raked on sex (``collapsed_cells`` reports how often).
Respondents with sex "anders" or unknown keep their weight in the sex step. The Kish design
effect 1 + CV² of the weights says how much precision the weighting costs (n_eff = n / deff).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

AGE_LABELS = ("16-24", "25-44", "45-64", "65+")


@dataclass
class RakingResult:
    weights: pd.DataFrame | object  # respondent_id, weight (a frame or an Arrow table)
    iterations: int
    max_margin_error: float
    design_effect: float
    collapsed_cells: int
    trimmed_share: float

    def summary(self) -> dict:
        return {
            "iterations": self.iterations,
            "max_margin_error": self.max_margin_error,
            "design_effect": self.design_effect,
            "collapsed_cells": self.collapsed_cells,
            "trimmed_share": self.trimmed_share,
        }


def age_group(age: np.ndarray, groups: list[list[int]]) -> np.ndarray:
    """Index of the age group of each age (-1 outside every group)."""
    out = np.full(len(age), -1, dtype=np.int64)
    for k, (lo, hi) in enumerate(groups):
        out[(age >= lo) & (age <= hi)] = k
    return out


def _merge_small_age_cells(w_idx, age, age_tot, n_wijk, k_age, min_cell):
    """Merge, per wijk, age groups with fewer than ``min_cell`` respondents into the next group
    (the last into the one before). Returns the new group per respondent, the merged targets
    and the number of merges."""
    counts = np.bincount(w_idx * k_age + age, minlength=n_wijk * k_age).reshape(n_wijk, k_age)
    mapping = np.tile(np.arange(k_age), (n_wijk, 1))
    targets = age_tot.copy()
    merged = 0
    for wi in np.flatnonzero((counts < min_cell).any(axis=1) & (counts.sum(axis=1) > 0)):
        groups = [[k] for k in range(k_age)]
        n = list(counts[wi])
        k = 0
        while k < len(groups) and len(groups) > 1:
            if n[k] >= min_cell:
                k += 1
                continue
            j = k + 1 if k + 1 < len(groups) else k - 1
            lo, hi = min(k, j), max(k, j)
            groups[lo] += groups[hi]
            n[lo] += n[hi]
            del groups[hi], n[hi]
            merged += 1
            k = lo
        new_t = np.zeros(k_age)
        for g in groups:
            mapping[wi, g] = g[0]
            new_t[g[0]] = age_tot[wi, g].sum()
        targets[wi] = new_t
    return mapping[w_idx, age], targets, merged


def _cell_targets(totals: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Targets per (wijk, category) with empty cells collapsed into the wijk's other cells."""
    targets = totals.astype(float).copy()
    wijk_total = targets.sum(axis=1, keepdims=True)
    targets[~present] = 0.0
    kept = targets.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(kept > 0, wijk_total / kept, 0.0)
    return targets * factor


def rake(
    respondents: pd.DataFrame,
    margins: pd.DataFrame,
    age_groups: list[list[int]],
    bounds: tuple[float, float] = (0.2, 5.0),
    max_iterations: int = 100,
    tolerance: float = 1e-6,
    min_cell: int = 10,
) -> RakingResult:
    """Rake ``respondents`` (respondent_id, wijk_code, leeftijd, geslacht) to ``margins``.

    ``margins`` has one row per wijk: wijk_code, one column per age group (``age_0`` ..
    ``age_{k-1}``, population 16+ in that group) and ``men``, ``women`` (population 16+ by sex).
    """
    wijk_idx = pd.Index(margins["wijk_code"]).get_indexer(respondents["wijk_code"])
    if (wijk_idx < 0).any():
        bad = respondents.loc[wijk_idx < 0, "wijk_code"].iloc[0]
        raise ValueError(f"respondent in wijk {bad!r} without CBS margins")
    w, stats = rake_arrays(
        wijk_idx,
        respondents["leeftijd"].to_numpy(),
        respondents["geslacht"].to_numpy(),
        margins,
        age_groups,
        bounds,
        max_iterations,
        tolerance,
        min_cell,
    )
    frame = pd.DataFrame({"respondent_id": respondents["respondent_id"].to_numpy(), "weight": w})
    return RakingResult(frame, **stats)


def design_weights(
    w_idx: np.ndarray, b_idx: np.ndarray, buurt_population: np.ndarray, wijk_population
) -> np.ndarray:
    """Start weights of the respondents: their buurt's population over its respondents (the
    inverse sampling fraction of the stratum), scaled per wijk to the wijk's population. A
    respondent of a buurt without a population figure (secret, or unknown) gets the wijk's
    mean weight. ``b_idx``: each respondent's buurt (an index into ``buurt_population``)."""
    n_wijk = len(wijk_population)
    n_b = np.bincount(b_idx, minlength=len(buurt_population)).astype(float)
    known = np.isfinite(buurt_population) & (buurt_population > 0)
    per = np.where(known, buurt_population, np.nan)[b_idx] / n_b[b_idx]
    ok = np.isfinite(per)
    n_resp = np.bincount(w_idx, minlength=n_wijk).astype(float)
    target = np.asarray(wijk_population, dtype=float)
    # the wijk's population shared over its respondents in proportion to the design weights
    # (those without one at the mean of the others)
    total = np.bincount(w_idx[ok], weights=per[ok], minlength=n_wijk)
    n_ok = np.bincount(w_idx[ok], minlength=n_wijk).astype(float)
    mean_known = np.divide(total, n_ok, out=np.ones(n_wijk), where=n_ok > 0)
    raw = np.where(ok, per, mean_known[w_idx])
    raw_total = np.bincount(w_idx, weights=raw, minlength=n_wijk)
    scale = np.divide(target, raw_total, out=np.zeros(n_wijk), where=raw_total > 0)
    flat = np.divide(target, n_resp, out=np.zeros(n_wijk), where=n_resp > 0)
    return np.where(np.isfinite(scale[w_idx]) & (scale[w_idx] > 0), raw * scale[w_idx],
                    flat[w_idx])  # fmt: skip


def rake_arrays(
    w_idx: np.ndarray,
    ages: np.ndarray,
    sex: np.ndarray,
    margins: pd.DataFrame,
    age_groups: list[list[int]],
    bounds: tuple[float, float] = (0.2, 5.0),
    max_iterations: int = 100,
    tolerance: float = 1e-6,
    min_cell: int = 10,
    base: np.ndarray | None = None,
) -> tuple[np.ndarray, dict]:
    """The raking itself on plain arrays: ``w_idx`` is each respondent's row in ``margins``;
    ``base`` the start (design) weights (default: the wijk's population over its respondents).
    The bounds hold the adjustment of a weight, w / base."""
    n_wijk = len(margins)
    k_age = len(age_groups)
    age = age_group(ages, age_groups)
    if (age < 0).any():
        raise ValueError("respondent outside every age group of the raking margins")
    age_tot = margins[[f"age_{k}" for k in range(k_age)]].to_numpy(dtype=float)
    age, age_tot, merged = _merge_small_age_cells(w_idx, age, age_tot, n_wijk, k_age, min_cell)
    sex_idx = np.where(sex == 1, 0, np.where(sex == 2, 1, -1))

    sex_tot = margins[["men", "women"]].to_numpy(dtype=float)
    pop = age_tot.sum(axis=1)

    sex_ok = sex_idx >= 0
    sex_n = np.bincount(w_idx[sex_ok] * 2 + sex_idx[sex_ok], minlength=n_wijk * 2).reshape(
        n_wijk, 2
    )
    no_sex_raking = (sex_n < min_cell).any(axis=1)
    sex_ok &= ~no_sex_raking[w_idx]
    # Every step scales whole cells (wijk x age group x sex; 'anders' or not raked on sex is a
    # sex of its own) and the bounds hold the adjustment, so respondents of a cell keep their
    # design weights' proportions: the loop runs on the cells' adjustments.
    sex3 = np.where(sex_ok, sex_idx, 2)
    key = (w_idx * k_age + age) * 3 + sex3
    count = np.bincount(key, minlength=n_wijk * k_age * 3)
    cells = np.flatnonzero(count)
    respondent_cell = np.searchsorted(cells, key)
    c_wijk = cells // (k_age * 3)
    c_age_cell = cells // 3  # wijk * k_age + age
    c_sex = cells % 3
    c_sex_ok = c_sex < 2
    c_sex_cell = np.where(c_sex_ok, c_wijk * 2 + c_sex, 0)

    age_present = np.bincount(c_age_cell, minlength=n_wijk * k_age).reshape(n_wijk, k_age) > 0
    sex_present = np.bincount(c_sex_cell[c_sex_ok], minlength=n_wijk * 2).reshape(n_wijk, 2) > 0
    has_resp = np.bincount(w_idx, minlength=n_wijk) > 0
    collapsed = merged + int(no_sex_raking[has_resp].sum())
    age_target = _cell_targets(age_tot, age_present).ravel()

    n_resp = np.bincount(w_idx, minlength=n_wijk).astype(float)
    mean_w = np.divide(pop, n_resp, out=np.zeros_like(pop), where=n_resp > 0)
    if base is None:
        base = mean_w[w_idx]
    # the loop scales each cell's adjustment g (weight = design weight x g): a cell's weighted
    # total is g x the sum of its design weights, so the cells stay the unit of the loop
    n_c = np.bincount(respondent_cell, weights=base, minlength=len(cells))
    w = np.ones(len(cells))
    lo_w, hi_w = np.full(len(cells), bounds[0]), np.full(len(cells), bounds[1])
    share = sex_tot / np.maximum(sex_tot.sum(axis=1, keepdims=True), 1e-12)
    mask = age_target > 0
    err = np.inf
    it = 0
    history: list[float] = []
    for it in range(1, max_iterations + 1):  # noqa: B007 - the count is reported
        got = np.bincount(c_age_cell, weights=w * n_c, minlength=n_wijk * k_age)
        w *= np.divide(age_target, got, out=np.ones_like(got), where=got > 0)[c_age_cell]
        # sex targets: the weight carried by man/vrouw respondents, split by the CBS sex ratio
        carried = np.bincount(c_wijk[c_sex_ok], weights=(w * n_c)[c_sex_ok], minlength=n_wijk)
        sex_target = _cell_targets(share * carried[:, None], sex_present).ravel()
        got = np.bincount(c_sex_cell[c_sex_ok], weights=(w * n_c)[c_sex_ok], minlength=n_wijk * 2)
        factor = np.divide(sex_target, got, out=np.ones_like(got), where=got > 0)
        w[c_sex_ok] *= factor[c_sex_cell[c_sex_ok]]
        np.clip(w, lo_w, hi_w, out=w)
        got_age = np.bincount(c_age_cell, weights=w * n_c, minlength=n_wijk * k_age)
        err = float(np.max(np.abs(got_age[mask] / age_target[mask] - 1))) if mask.any() else 0.0
        got_sex = np.bincount(
            c_sex_cell[c_sex_ok], weights=(w * n_c)[c_sex_ok], minlength=n_wijk * 2
        )
        smask = sex_target > 0
        if smask.any():
            err = max(err, float(np.max(np.abs(got_sex[smask] / sex_target[smask] - 1))))
        if err < tolerance:
            break
        # bounds that bind make some margins unreachable: stop once the error stagnates
        history.append(err)
        if len(history) > 5 and history[-6] - err < 1e-4 * max(history[-6], 1e-12):
            break
    at_bound = np.isclose(w, lo_w) | np.isclose(w, hi_w)
    counted = count[cells].astype(float)  # respondents per cell
    trimmed = float(np.sum(counted[at_bound]) / np.sum(counted))
    weights = base * w[respondent_cell]
    return weights, {
        "iterations": it,
        "max_margin_error": err,
        "design_effect": kish_deff(weights),
        "collapsed_cells": collapsed,
        "trimmed_share": trimmed,
    }


def population_only_margins(
    margins: pd.DataFrame,
    w_idx: np.ndarray,
    ages: np.ndarray,
    sex: np.ndarray,
    age_groups: list[list[int]],
) -> tuple[pd.DataFrame, int]:
    """Margins for wijken without CBS age or sex figures (the national 43-column file has
    neither): the wijk's ``population`` split as its respondents are, so that raking only scales
    the wijk to its population (post-stratification on the wijk: every respondent of the wijk
    gets the same weight). Returns the margins and how many wijken had to be weighted so; a
    wijk without any population figure stops the run."""
    k_age = len(age_groups)
    columns = [f"age_{k}" for k in range(k_age)] + ["men", "women"]
    missing = margins[columns].isna().any(axis=1).to_numpy()
    if not missing.any():
        return margins, 0
    no_population = missing & margins["population"].isna().to_numpy()
    if no_population.any():
        bad = margins.loc[no_population, "wijk_code"].tolist()
        raise ValueError(f"raking margins: no CBS population (by age/sex or in total) for {bad}")
    n_wijk = len(margins)
    group = age_group(ages, age_groups)
    ok = group >= 0
    by_age = (
        np.bincount(w_idx[ok] * k_age + group[ok], minlength=n_wijk * k_age)
        .reshape(n_wijk, k_age)
        .astype(float)
    )
    known = (sex == 1) | (sex == 2)
    by_sex = (
        np.bincount(w_idx[known] * 2 + (sex[known] == 2), minlength=n_wijk * 2)
        .reshape(n_wijk, 2)
        .astype(float)
    )
    population = margins["population"].to_numpy(dtype=float)[:, None]
    age_share, sex_share = _row_shares(by_age), _row_shares(by_sex)
    filled = margins.copy()
    filled.loc[missing, columns[:k_age]] = (population * age_share)[missing]
    filled.loc[missing, ["men", "women"]] = (population * sex_share)[missing]
    return filled, int(missing.sum())


def _row_shares(counts: np.ndarray) -> np.ndarray:
    """Each row's counts as shares of the row; equal shares in a row without counts."""
    total = counts.sum(axis=1, keepdims=True)
    equal = np.full_like(counts, 1 / counts.shape[1])
    return np.divide(counts, total, out=equal, where=total > 0)


def kish_deff(weights: np.ndarray) -> float:
    """Kish's design effect due to weighting: n * sum(w^2) / (sum w)^2 = 1 + CV^2."""
    weights = np.asarray(weights, dtype=float)
    return float(len(weights) * np.sum(weights**2) / np.sum(weights) ** 2)
