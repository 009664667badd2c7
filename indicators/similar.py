"""Similar areas: for every area, the nearest areas of the same level on a few composition
indicators (``similar_areas`` in ``indicators/statistics.yml``).

Each indicator is standardised across the areas of one edition, layout and level (mean 0,
sd 1), so a percentage and a WOZ value weigh the same. The distance is Euclidean over the
indicators both areas have, scaled to the full number of indicators (areas sharing fewer than
half of them are not compared). Only published values are used.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

GROUP = ["edition", "layout", "area_level"]
COLUMNS = GROUP + ["area_code", "rank", "similar_code", "distance", "compared_on"]


def similar_areas(values: pd.DataFrame, indicators: list[str], count: int) -> pd.DataFrame:
    """Rows (edition, layout, area_level, area_code, rank, similar_code, distance, compared_on)
    from ``values`` with columns GROUP + area_code, indicator_id, value, suppressed."""
    used = values[values["indicator_id"].isin(indicators) & ~values["suppressed"]]
    out = []
    for key, part in used.groupby(GROUP):
        wide = part.pivot_table(index="area_code", columns="indicator_id", values="value")
        if len(wide) < 2:
            continue
        found = nearest(wide, list(wide.index), count=count, indicators=len(indicators))
        out.extend((*key, *row) for row in found.itertuples(index=False))
    return pd.DataFrame(out, columns=COLUMNS)


def nearest(
    wide: pd.DataFrame,
    targets: list,
    pool: list | None = None,
    *,
    count: int,
    indicators: int,
    scale: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """For each of ``targets`` (rows of ``wide``: areas x indicators) the ``count`` nearest
    rows of ``pool`` (default: every row; never the target itself): (area_code, rank,
    similar_code, distance, compared_on). Each indicator is standardised by the mean and sd of
    ``scale`` (default ``wide``); the distance is Euclidean over the indicators both have,
    scaled to ``indicators`` (fewer than half shared: not compared)."""
    basis = wide if scale is None else scale
    sd = basis.std(ddof=0).replace(0, np.nan)
    z = ((wide - basis.mean()) / sd).to_numpy()
    known = ~np.isnan(z)
    filled = np.nan_to_num(z)
    codes = wide.index.to_numpy()
    position = {code: k for k, code in enumerate(codes)}
    candidates = np.array([position[c] for c in (codes if pool is None else pool)], dtype=int)
    rows = []
    for code in targets:
        i = position[code]
        both = known[i] & known[candidates]
        shared = both.sum(axis=1)
        sq = (((filled[i] - filled[candidates]) ** 2) * both).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            dist = np.sqrt(sq * indicators / shared)
        dist[(shared < indicators / 2) | (candidates == i)] = np.inf
        order = [j for j in np.argsort(dist, kind="stable") if np.isfinite(dist[j])][:count]
        rows.extend(
            (code, rank + 1, codes[candidates[j]], round(float(dist[j]), 3), int(shared[j]))
            for rank, j in enumerate(order)
        )
    return pd.DataFrame(
        rows, columns=["area_code", "rank", "similar_code", "distance", "compared_on"]
    )
