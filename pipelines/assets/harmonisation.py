"""Harmonisation assets: the crosswalk from every earlier edition's areas to today's, and the
``harmonised`` layout (today's wijken and gebieden as sets of the earlier buurten) the indicator
engine recomputes earlier editions on (``geo.crosswalk``)."""

from __future__ import annotations

import dagster as dg
import geopandas as gpd
import pandas as pd
import shapely
from dagster_duckdb import DuckDBResource

from geo.crosswalk import buurt_crosswalk, harmonised_layout, wijk_crosswalk
from pipelines.assets.areas import area_geometries, areas
from pipelines.assets.cbs import cbs_values
from pipelines.partitions import compass_asset
from pipelines.resources import read_table, write_table
from pipelines.settings import editions_config

GROUP = "editions"
RD_NEW = 28992


BUURT_TYPES = {
    "from_year": "int64",
    "to_year": "int64",
    "from_code": "string",
    "from_wijk": "string",
    "to_code": "string",
    "method": "string",
    "area_share": "float64",
    "population": "float64",
    "area_km2": "float64",
}
WIJK_TYPES = {
    "from_year": "int64",
    "to_year": "int64",
    "from_code": "string",
    "to_code": "string",
    "weight": "float64",
    "population": "float64",
    "buurten": "int64",
    "method": "string",
}
MEMBER_TYPES = {
    "year": "int64",
    "layout": "string",
    "area_level": "string",
    "area_code": "string",
    "buurt_code": "string",
}


def _empty(types: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in types.items()})


def _geometries(duckdb, edition: int, level: str) -> gpd.GeoDataFrame:
    rows = read_table(
        duckdb,
        "SELECT area_code, geom_rd_wkb FROM area_geometries WHERE edition = ? AND area_level = ?",
        [edition, level],
    )
    geoms = shapely.from_wkb([bytes(b) for b in rows["geom_rd_wkb"]]) if len(rows) else []
    return gpd.GeoDataFrame({"area_code": rows["area_code"]}, geometry=list(geoms), crs=RD_NEW)


def _target_wijken(
    duckdb, edition: int, wijk_of: pd.DataFrame, cbs: bool = True
) -> gpd.GeoDataFrame:
    """Today's wijken as the union of their buurten's boundaries (the buurt map is the finer
    one), for a CBS wijk none of whose buurten has one the wijk boundary itself (an own wijk
    has no boundary of its own: ``cbs=False``)."""
    buurten = _geometries(duckdb, edition, "buurt").rename(columns={"area_code": "buurt_code"})
    buurten = buurten.merge(wijk_of, on="buurt_code")
    dissolved = buurten.dissolve(by="wijk_code").reset_index()[["wijk_code", "geometry"]]
    if not cbs:
        return gpd.GeoDataFrame(dissolved, crs=RD_NEW)
    wijken = _geometries(duckdb, edition, "wijk").rename(columns={"area_code": "wijk_code"})
    missing = wijken[~wijken["wijk_code"].isin(dissolved["wijk_code"])]
    return gpd.GeoDataFrame(pd.concat([dissolved, missing], ignore_index=True), crs=RD_NEW)


def _members(duckdb, year: int, level: str, layout: str = "cbs") -> pd.DataFrame:
    return read_table(
        duckdb,
        "SELECT area_code, buurt_code FROM area_buurten "
        "WHERE year = ? AND layout = ? AND area_level = ?",
        [year, layout, level],
    )


def harmonised_name(layout: str) -> str:
    """The layout the engine recomputes an earlier edition on, for today's ``layout``."""
    return "harmonised" if layout == "cbs" else f"harmonised:{layout}"


def _own_targets(duckdb, cfg, latest, target_year):
    """Per own layout on today's area year: (name, its buurt -> own wijk, the own wijken drawn
    from their buurten, its areas)."""
    out = []
    for layout in cfg.layouts:
        if layout.area_year != target_year:
            continue  # a layout left on an earlier year (its buurten changed) is not harmonised
        wijk_of = _members(duckdb, target_year, "wijk", layout.name).rename(
            columns={"area_code": "wijk_code"}
        )
        wijken = _target_wijken(duckdb, latest.edition, wijk_of, cbs=False)
        areas_now = read_table(
            duckdb, "SELECT * FROM areas WHERE year = ? AND layout = ?", [target_year, layout.name]
        )
        holds = read_table(  # the own wijk holding most buurten of each CBS wijk of today
            duckdb,
            "SELECT area_code AS cbs_wijk, first(own ORDER BY n DESC, own) AS own_wijk FROM ("
            " SELECT c.area_code, o.area_code AS own, count(*) AS n FROM area_buurten c"
            " JOIN area_buurten o ON o.year = c.year AND o.layout = ? AND o.area_level = 'wijk'"
            " AND o.buurt_code = c.buurt_code"
            " WHERE c.year = ? AND c.layout = 'cbs' AND c.area_level = 'wijk' GROUP BY ALL)"
            " GROUP BY area_code",
            [layout.name, target_year],
        )
        wijk_code_to = dict(zip(holds["cbs_wijk"], holds["own_wijk"], strict=True))
        out.append((layout.name, wijk_of, wijken, areas_now, wijk_code_to))
    return out


def _population(duckdb, years: list[int]) -> pd.DataFrame:
    """Buurt population of the first of ``years`` with a figure for the buurt."""
    return read_table(
        duckdb,
        "SELECT area_code AS buurt_code, arg_min(value, list_position(?, year)) AS population "
        "FROM cbs_values WHERE area_level = 'buurt' AND variable = 'population' "
        "AND value IS NOT NULL AND list_contains(?, year) GROUP BY ALL",
        [years, years],
    )


def crosswalk_frames(duckdb) -> tuple[pd.DataFrame, ...]:
    """(buurt crosswalk, wijk crosswalk, harmonised areas, harmonised area_buurten, own-layout
    buurt crosswalk) from every earlier area year to the area year of the newest edition: the
    CBS wijken of today (layout ``harmonised``) and the own wijken of every own layout on
    today's year (layout ``harmonised:<name>``), each an own wijk of today as a set of earlier
    buurten by the same method (code first, then surface overlay)."""
    cfg = editions_config()
    latest = max(cfg.editions, key=lambda e: e.edition)
    target_year = latest.area_year
    target_wijk_of = _members(duckdb, target_year, "wijk").rename(
        columns={"area_code": "wijk_code"}
    )
    target_wijken = _target_wijken(duckdb, latest.edition, target_wijk_of)
    target_areas = read_table(
        duckdb, "SELECT * FROM areas WHERE year = ? AND layout = 'cbs'", [target_year]
    )
    own_targets = _own_targets(duckdb, cfg, latest, target_year)
    buurt_frames, wijk_frames, area_frames, member_frames, own_frames = [], [], [], [], []
    done: set[int] = set()
    for ed in sorted(cfg.editions, key=lambda e: e.edition):
        year = ed.area_year
        if year == target_year or year in done:
            continue
        done.add(year)
        src = _members(duckdb, year, "wijk").rename(columns={"area_code": "wijk_code"})
        src = src.merge(_population(duckdb, list(ed.cbs_years)), on="buurt_code", how="left")
        geoms = _geometries(duckdb, ed.edition, "buurt").rename(columns={"area_code": "buurt_code"})
        src = gpd.GeoDataFrame(
            src.merge(geoms, on="buurt_code", how="left"), geometry="geometry", crs=RD_NEW
        )
        buurten = buurt_crosswalk(src, target_wijk_of, target_wijken)
        wijken = wijk_crosswalk(buurten)
        for frame in (buurten, wijken):
            frame.insert(0, "from_year", year)
            frame.insert(1, "to_year", target_year)
        buurt_frames.append(buurten)
        wijk_frames.append(wijken)
        a, m = harmonised_layout(year, buurten, target_areas)
        area_frames.append(a)
        member_frames.append(m)
        for name, wijk_of, wijken_now, areas_now, wijk_code_to in own_targets:
            own = buurt_crosswalk(src, wijk_of, wijken_now, wijk_code_to=wijk_code_to)
            a, m = harmonised_layout(year, own, areas_now)
            area_frames.append(a.assign(layout=harmonised_name(name)))
            member_frames.append(m.assign(layout=harmonised_name(name)))
            own.insert(0, "layout", name)
            own.insert(1, "from_year", year)
            own.insert(2, "to_year", target_year)
            own_frames.append(own)
    if not buurt_frames:  # one edition, or every edition on today's layout: nothing to map
        buurt_frames.append(_empty(BUURT_TYPES))
        wijk_frames.append(_empty(WIJK_TYPES))
        # no rows: DuckDB would type an object column without values as INTEGER
        empty = target_areas.iloc[0:0]
        area_frames.append(empty.astype({c: "string" for c in empty if empty[c].dtype == object}))
        member_frames.append(_empty(MEMBER_TYPES))
    if not own_frames:
        own_frames.append(_empty({"layout": "string", **BUURT_TYPES}))
    return (
        pd.concat(buurt_frames, ignore_index=True),
        pd.concat(wijk_frames, ignore_index=True),
        pd.concat(area_frames, ignore_index=True),
        pd.concat(member_frames, ignore_index=True),
        pd.concat(own_frames, ignore_index=True),
    )


@compass_asset(
    group_name=GROUP, kinds={"duckdb", "geopandas"}, deps=[areas, area_geometries, cbs_values]
)
def area_crosswalk(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """How each earlier edition's buurten and wijken map onto the wijken of the newest edition
    (``geo.crosswalk``: same code, else largest overlap; population-weighted wijk weights), and
    the ``harmonised`` layout built from it; the same for the own wijken of every own layout
    (``layout_crosswalk``, layouts ``harmonised:<name>``). Checked by
    quality/rules/area_crosswalk*.yml and layout_crosswalk.yml."""
    buurten, wijken, layout_areas, members, own = crosswalk_frames(duckdb)
    rows = write_table(duckdb, "area_crosswalk", buurten)
    write_table(duckdb, "layout_crosswalk", own)
    write_table(duckdb, "area_crosswalk_wijken", wijken)
    write_table(duckdb, "harmonised_areas", layout_areas)
    write_table(duckdb, "harmonised_area_buurten", members)
    meta = {"dagster/row_count": rows}
    if len(buurten):
        meta["methods"] = buurten["method"].value_counts().to_dict()
        meta["wijken_identical"] = int((wijken["method"] == "identical").sum())
        meta["population_mapped"] = float(
            buurten.loc[buurten["to_code"].notna(), "population"].sum()
        )
    if len(own):
        meta["own_layout_methods"] = {
            f"{k[0]} {k[1]}": int(v) for k, v in own.groupby(["layout", "method"]).size().items()
        }
    return dg.MaterializeResult(metadata=meta)
