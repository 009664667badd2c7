"""Boundaries: read, validate and reproject CBS wijk and buurt polygons.

Stored twice: RD New (EPSG:28992, metres) for geometry work such as areas, overlays and
crosswalks, and WGS84 (EPSG:4326) GeoJSON for the web.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import shapely
from shapely.geometry import mapping
from shapely.validation import explain_validity

from ingest.errors import InputError

RD_NEW = "EPSG:28992"
WGS84 = "EPSG:4326"
CODE_PROPERTIES = ("statcode", "BU_CODE", "WK_CODE", "WKC", "GM_CODE")
NAME_PROPERTIES = {"statcode": "statnaam", "BU_CODE": "BU_NAAM", "WK_CODE": "WK_NAAM", "WKC": "WKN"}


def read_boundaries(path: Path, area_level: str) -> gpd.GeoDataFrame:
    """Read a GeoJSON of one level; return code, name, geometry (RD New), checked."""
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise InputError(
            path,
            f"cannot read as GeoJSON: {exc}",
            expected="a GeoJSON FeatureCollection of polygons",
            rule="file_readable",
        ) from exc
    if frame.empty:
        raise InputError(path, "no features", expected="one polygon per area", rule="file_readable")
    code_col = {"buurt": "BU_CODE", "wijk": "WK_CODE"}.get(area_level)
    if code_col not in frame.columns:
        code_col = next((c for c in CODE_PROPERTIES if c in frame.columns), None)
    if code_col is None:
        raise InputError(
            path,
            "no area-code property",
            column=CODE_PROPERTIES[0],
            expected=f"one of {', '.join(CODE_PROPERTIES)}",
            rule="file_readable",
        )
    name_col = NAME_PROPERTIES.get(code_col)
    if frame.crs is None:
        frame = frame.set_crs(WGS84)
    out = gpd.GeoDataFrame(
        {
            "area_code": frame[code_col].astype(str).str.strip(),
            "area_name": frame[name_col].astype(str) if name_col in frame.columns else None,
            "gemeente_code": frame["GMC"]
            if "GMC" in frame.columns
            else frame.get("GM_CODE", frame.get("gmCode")),
        },
        geometry=frame.geometry,
        crs=frame.crs,
    )
    validate_geometries(path, out, area_level)
    return out.to_crs(RD_NEW)


def validate_geometries(path: Path, frame: gpd.GeoDataFrame, area_level: str) -> None:
    prefix = {"buurt": "BU", "wijk": "WK"}[area_level]
    for idx, rec in enumerate(frame.itertuples()):
        feature = f"feature {idx + 1}"
        if not rec.area_code.startswith(prefix):
            raise InputError(
                path,
                f"{feature}: not a {area_level} code",
                column="area code",
                value=rec.area_code,
                expected=f"a {prefix} code",
                rule="boundary_code_level",
            )
        geom = rec.geometry
        if geom is None or geom.is_empty:
            raise InputError(
                path,
                f"{feature} ({rec.area_code}): empty geometry",
                column="geometry",
                expected="a polygon",
                rule="boundary_geometry_valid",
            )
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            raise InputError(
                path,
                f"{feature} ({rec.area_code}): not a polygon",
                column="geometry",
                value=geom.geom_type,
                expected="Polygon or MultiPolygon",
                rule="boundary_geometry_valid",
            )
        if not geom.is_valid:
            raise InputError(
                path,
                f"{feature} ({rec.area_code}): invalid geometry: {explain_validity(geom)}",
                column="geometry",
                expected="a valid polygon (no self-intersections)",
                rule="boundary_geometry_valid",
            )
    dup = frame["area_code"][frame["area_code"].duplicated()]
    if len(dup):
        raise InputError(
            path,
            "area code appears twice",
            column="area code",
            value=dup.iloc[0],
            expected="one feature per area",
            rule="boundary_code_unique",
        )


def match_codes(boundary_codes: set[str], data_codes: set[str]) -> dict[str, list[str]]:
    """Codes in the data without a boundary and boundaries without data."""
    return {
        "without_boundary": sorted(data_codes - boundary_codes),
        "without_data": sorted(boundary_codes - data_codes),
    }


STORED_COLUMNS = {  # area_geometries (with the edition first), typed for a table without rows
    "edition": "int64", "year": "int64", "area_level": "string", "area_code": "string",
    "area_name": "string", "area_km2": "float64", "geometry_valid": "bool",
    "geom_rd_wkb": pd.ArrowDtype(pa.binary()), "geom_wgs84_geojson": "string",
    "source_file": "string", "source_feature": "int64",
}  # fmt: skip
MATCH_COLUMNS = {
    "edition": "int64", "area_level": "string", "area_code": "string", "in_data": "bool",
    "has_boundary": "bool", "match": "string", "source_file": "string",
}  # fmt: skip


def empty_table(columns: dict[str, str]) -> pd.DataFrame:
    """No rows, every column typed (a gemeente without boundaries)."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})


def to_storage(frame: gpd.GeoDataFrame, year: int, area_level: str, source: str) -> pd.DataFrame:
    """Rows for ``area_geometries``: WKB in RD New and GeoJSON text in WGS84."""
    wgs = frame.to_crs(WGS84)
    return pd.DataFrame(
        {
            "year": year,
            "area_level": area_level,
            "area_code": frame["area_code"].values,
            "area_name": frame["area_name"].values,
            "area_km2": (frame.geometry.area / 1e6).round(4).values,
            "geometry_valid": shapely.is_valid(frame.geometry.values),
            "geom_rd_wkb": frame.geometry.to_wkb().values,
            "geom_wgs84_geojson": [
                json.dumps(mapping(shapely.set_precision(g, 1e-6))) for g in wgs.geometry
            ],
            "source_file": source,
            "source_feature": range(1, len(frame) + 1),
        }
    )
