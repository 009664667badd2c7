"""Boundaries of an own layout's wijken and gebieden, dissolved from the CBS buurt boundaries.

An own wijk is a set of CBS buurten (``data/areas/layout_*.csv``), so its boundary is the union
of theirs, in RD New (EPSG:28992), never drawn by hand. A buurt of the layout without a boundary
in the edition's buurt map (the 2022 map lacks buurten of 2024) is not guessed: the area is drawn
from the buurten that have one, and the missing ones are listed with it (and on the map).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import shapely

from geo.boundaries import RD_NEW, to_storage


def dissolve_layout(
    buurt_geometries: pd.DataFrame, members: pd.DataFrame, names: dict[str, str]
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Dissolve buurt boundaries into the areas of a layout.

    ``buurt_geometries``: ``area_code`` and ``geom_rd_wkb`` of the buurten that have a boundary;
    ``members``: ``area_level``, ``area_code``, ``buurt_code`` (which buurten make each area);
    ``names``: area code -> name. Returns the areas drawn (area_level, area_code, area_name,
    geometry in RD New) and per area its buurten, how many have a boundary and which do not."""
    geometry = dict(
        zip(
            buurt_geometries["area_code"],
            shapely.from_wkb([bytes(b) for b in buurt_geometries["geom_rd_wkb"]]),
            strict=True,
        )
    )
    drawn, coverage = [], []
    for (level, code), group in members.groupby(["area_level", "area_code"], sort=True):
        buurten = sorted(group["buurt_code"])
        parts = [geometry[b] for b in buurten if b in geometry]
        missing = [b for b in buurten if b not in geometry]
        coverage.append(
            {
                "area_level": level,
                "area_code": code,
                "buurten": len(buurten),
                "buurten_drawn": len(parts),
                "buurten_without_boundary": ",".join(missing) or None,
                "buurt_km2_sum": round(sum(p.area for p in parts) / 1e6, 6),
            }
        )
        if parts:  # make_valid: slivers between generalised buurt polygons may touch oddly
            union = shapely.make_valid(shapely.union_all(parts))
            drawn.append((level, code, names.get(code, code), union))
    frame = gpd.GeoDataFrame(
        pd.DataFrame(drawn, columns=["area_level", "area_code", "area_name", "geometry"]),
        geometry="geometry",
        crs=RD_NEW,
    )
    return frame, pd.DataFrame(coverage)


COLUMNS = {  # layout_geometries: the columns of area_geometries, the layout and its buurten
    "layout": "string", "edition": "int64", "year": "int64", "area_level": "string",
    "area_code": "string", "buurten": "int64", "buurten_drawn": "int64",
    "buurten_without_boundary": "string", "buurt_km2_sum": "float64", "area_name": "string",
    "area_km2": "float64", "geometry_valid": "boolean", "geom_rd_wkb": pd.ArrowDtype(pa.binary()),
    "geom_wgs84_geojson": "string", "source_file": "string",
}  # fmt: skip


def empty_layout_geometries() -> pd.DataFrame:
    """The table of a gemeente without own layouts: no rows, every column typed."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in COLUMNS.items()})


def layout_geometry_rows(
    drawn: gpd.GeoDataFrame, coverage: pd.DataFrame, *, layout: str, edition: int, year: int,
    source: str,
) -> pd.DataFrame:  # fmt: skip
    """Rows for ``layout_geometries``: the columns of ``area_geometries`` (WKB in RD New,
    GeoJSON in WGS84) plus the layout and the buurten behind each area, one row per area of
    the layout (an area none of whose buurten has a boundary has no geometry)."""
    stored = []
    for level, part in drawn.groupby("area_level", sort=True):
        rows = to_storage(part.reset_index(drop=True), year, level, source)
        stored.append(rows.drop(columns=["source_feature"]))
    geometry = pd.concat(stored, ignore_index=True) if stored else pd.DataFrame()
    out = coverage.merge(
        geometry.drop(columns=["year"]), on=["area_level", "area_code"], how="left"
    )
    out.insert(0, "layout", layout)
    out.insert(1, "edition", edition)
    out.insert(2, "year", year)
    out["source_file"] = source
    return out
