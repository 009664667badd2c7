"""Crosswalk between area layouts of two years: how an earlier edition's areas map onto today's.

An earlier edition is harmonised to the newest layout through its **buurten**, the smallest
areas that carry every source (CBS figures, register counts, survey respondents):

1. ``same_code`` — a buurt whose code still exists in the target year belongs to the target
   wijk of that code (CBS keeps a code only while the buurt keeps its extent);
2. ``largest_overlap`` — a buurt whose code is gone goes to the target wijk holding at least
   half of its surface (overlay in RD New with today's wijken drawn as the union of their
   buurten, the finer map);
3. ``same_wijk_code`` — otherwise (the maps do not settle it) to the wijk its code names, when
   that wijk still exists (for an own layout: the own wijk holding most of that CBS wijk's
   buurten today); failing that to the largest overlap, however small;
4. ``unmapped`` — none of these: the buurt's population is lost, and the rules of
   ``quality/rules/area_crosswalk.yml`` stop the run.

Each target wijk of today is then *a set of earlier buurten*, so its earlier figures are
recomputed like any own layout: counts summed, rates from summed numerators and denominators,
survey estimates from the respondents of those buurten. No value is interpolated.

``area_share`` records how much of a buurt's surface lies in its target wijk on the boundary
maps; with generalised maps it is a plausibility check, not the assignment (codes win).

The wijk crosswalk derived from it gives, per earlier wijk, the share of its population
(``weight``; area share where no buurt has a population figure) that went to each target wijk.
An earlier wijk whose buurten all went to one target wijk that received nothing else maps 1:1
(``identical``): its earlier figures are the published ones.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

BUURT_COLUMNS = [
    "from_code",
    "from_wijk",
    "to_code",
    "method",
    "area_share",
    "population",
    "area_km2",
]


def buurt_crosswalk(
    source: gpd.GeoDataFrame,
    target_buurten: pd.DataFrame,
    target_wijken: gpd.GeoDataFrame,
    min_share: float = 0.5,
    wijk_code_to: dict[str, str] | None = None,
) -> pd.DataFrame:
    """One row per source buurt: the target wijk it belongs to and how that was decided.

    ``source``: buurt_code, wijk_code, population (may be NaN), geometry (RD New; may be None).
    ``target_buurten``: buurt_code, wijk_code of the target year.
    ``target_wijken``: wijk_code, geometry (RD New) of the target year.
    ``wijk_code_to``: the target wijk of a source CBS wijk code that still exists (default: the
    same code, for the CBS layout; an own layout names the own wijk holding most of it).
    """
    by_code = dict(zip(target_buurten["buurt_code"], target_buurten["wijk_code"], strict=True))
    if wijk_code_to is None:
        wijk_code_to = {w: w for w in target_buurten["wijk_code"]}
    shares = _overlap_shares(source, target_wijken)
    areas = dict(zip(source["buurt_code"], source.geometry.area / 1e6, strict=True))
    rows = []
    for rec in source.itertuples(index=False):
        own = shares.get(rec.buurt_code, {})
        best = max(own, key=own.get) if own else None
        if rec.buurt_code in by_code:
            to, method = by_code[rec.buurt_code], "same_code"
        elif best and own[best] >= min_share:
            to, method = best, "largest_overlap"
        elif rec.wijk_code in wijk_code_to:
            to, method = wijk_code_to[rec.wijk_code], "same_wijk_code"
        elif best:
            to, method = best, "largest_overlap"
        else:
            to, method = None, "unmapped"
        share = own.get(to, 0.0) if own and to else np.nan
        rows.append(
            (
                rec.buurt_code,
                rec.wijk_code,
                to,
                method,
                share,
                rec.population,
                areas[rec.buurt_code],
            )
        )
    out = pd.DataFrame(rows, columns=BUURT_COLUMNS)
    out["population"] = out["population"].astype(float)
    return out


def _overlap_shares(source: gpd.GeoDataFrame, wijken: gpd.GeoDataFrame) -> dict:
    """{buurt: {target wijk: share of the buurt's area in it}} for buurten with a geometry."""
    with_geom = source[source.geometry.notna() & ~source.geometry.is_empty]
    if with_geom.empty or wijken.empty:
        return {}
    left = gpd.GeoDataFrame(
        {"buurt_code": with_geom["buurt_code"].to_numpy(), "buurt_area": with_geom.area},
        geometry=with_geom.geometry.to_numpy(),
        crs=source.crs,
    )
    right = gpd.GeoDataFrame(
        {"target": wijken["wijk_code"].to_numpy()},
        geometry=wijken.geometry.to_numpy(),
        crs=wijken.crs,
    )
    pieces = gpd.overlay(left, right, how="intersection", keep_geom_type=True)
    pieces["share"] = pieces.area / pieces["buurt_area"]
    out: dict[str, dict[str, float]] = {}
    for rec in pieces.itertuples(index=False):
        out.setdefault(rec.buurt_code, {})
        out[rec.buurt_code][rec.target] = out[rec.buurt_code].get(rec.target, 0.0) + rec.share
    return out


def wijk_crosswalk(buurten: pd.DataFrame) -> pd.DataFrame:
    """Per source wijk and target wijk: the share of the source wijk's population that went there
    (``weight``, summing to 1 per source wijk), the population moved, and the method
    (``identical`` for a 1:1 wijk, else ``population``; ``area`` when the source wijk has no
    buurt population at all)."""
    mapped = buurten[buurten["to_code"].notna()].copy()
    pop = mapped["population"].fillna(0.0)
    mapped["pop"] = pop
    mapped["km2"] = mapped["area_km2"].fillna(0.0)
    groups = mapped.groupby(["from_wijk", "to_code"], as_index=False).agg(
        population=("pop", "sum"), buurten=("from_code", "size"), km2=("km2", "sum")
    )
    total = groups.groupby("from_wijk")["population"].transform("sum")
    total_km2 = groups.groupby("from_wijk")["km2"].transform("sum")
    groups["weight"] = np.where(
        total > 0,
        groups["population"] / total.where(total > 0, 1),
        groups["km2"] / total_km2.where(total_km2 > 0, 1),
    )
    groups["method"] = np.where(total > 0, "population", "area")
    sources_per_target = groups.groupby("to_code")["from_wijk"].transform("nunique")
    targets_per_source = groups.groupby("from_wijk")["to_code"].transform("nunique")
    one_to_one = (sources_per_target == 1) & (targets_per_source == 1)
    groups.loc[one_to_one, "method"] = "identical"
    return groups.rename(columns={"from_wijk": "from_code"})[
        ["from_code", "to_code", "weight", "population", "buurten", "method"]
    ]


def harmonised_layout(year: int, buurten: pd.DataFrame, target_areas: pd.DataFrame):
    """Today's wijken, gebieden and gemeente as sets of the buurten of ``year`` (the layout
    ``harmonised`` the indicator engine recomputes an earlier edition on): rows in the shape of
    ``areas`` and of ``area_buurten``. ``target_areas``: today's CBS-layout areas."""
    mapped = buurten[buurten["to_code"].notna()]
    wijk_in = target_areas[target_areas["area_level"] == "wijk"].set_index("area_code")
    gemeente = target_areas.loc[target_areas["area_level"] == "gemeente", "area_code"].iloc[0]
    levels = {
        "wijk": mapped["to_code"],
        "gebied": mapped["to_code"].map(wijk_in["parent_code"]),
        "gemeente": pd.Series(gemeente, index=mapped.index),
    }
    members = pd.concat(
        [
            pd.DataFrame(
                {
                    "year": year,
                    "layout": "harmonised",
                    "area_level": level,
                    "area_code": codes.to_numpy(),
                    "buurt_code": mapped["from_code"].to_numpy(),
                }
            )
            for level, codes in levels.items()
        ],
        ignore_index=True,
    ).dropna(subset=["area_code"])
    used = members[["area_level", "area_code"]].drop_duplicates()
    areas = target_areas.merge(used, on=["area_level", "area_code"])
    return areas.assign(year=year, layout="harmonised"), members
