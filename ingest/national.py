"""The national CBS source: the kerncijfers of every gemeente, wijk and buurt of the Netherlands
(``data/raw/national/kwb_2023_national_43cols.csv``) and the names of every wijk (the wijk
layer of CBS's wijk- en buurtkaart, ``wijk_2023_v0.dbf``).

The figures are read like every other kerncijfers file (``ingest.cbs.read_kerncijfers``: the
short kwb names through the variable crosswalk, '.' as secret, decimal commas, spreadsheet float
artefacts); the areas get their level from the code, their gemeente and wijk from the code's
digits (a buurt ``BU0014wwbb`` lies in wijk ``WK0014ww`` of gemeente ``GM0014``), gemeente
names from the file's ``gm_naam`` and wijk names from the map's attribute table. Whether every
wijk's gemeente and every buurt's wijk is in the file, and whether the gemeenten add up to the
Netherlands, are quality rules (quality/rules/national_*.yml) that name the row.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from ingest.cbs import check_area_code, read_kerncijfers
from ingest.csvfile import Dialect, detect_dialect, read_delimited
from ingest.errors import InputError
from ingest.snapshots import Sidecar, discover_snapshots, verify_snapshot

CODE_COLUMN = "gwb_code_10"
GEMEENTE_NAME_COLUMN = "gm_naam"
NAME_COLUMNS = ("WK_CODE", "WK_NAAM", "GM_CODE", "GM_NAAM", "WATER")


def national_boundaries(raw: Path, level: str):
    """The generalised boundaries of every ``level`` (wijk | gemeente) of the country (kind
    national_boundaries), checksum-verified, in WGS84 with ``area_code``, ``area_name`` and
    (wijken) ``gemeente_code``; a polygon that is not valid as drawn is repaired (make_valid),
    as the maps need a valid one. None without such a snapshot. Gemeenten: their land only.
    """
    import geopandas as gpd
    import shapely

    found = [
        p
        for p, s in discover_snapshots(raw)
        if s.kind == "national_boundaries" and s.area_level == level
    ]
    if not found:
        return None
    verify_snapshot(found[0])
    frame = gpd.read_parquet(found[0])
    prefix = "WK" if level == "wijk" else "GM"
    # a wijk of water is a wijk of the kerncijfers too; a gemeente's water polygons are not
    # the gemeente on a map of the country
    land = frame if level == "wijk" else frame[frame["H2O"].astype(str) != "JA"]
    out = gpd.GeoDataFrame(
        {
            "area_code": land[f"{prefix}_CODE"].astype(str).str.strip(),
            "area_name": land[f"{prefix}_NAAM"].astype(str),
            "gemeente_code": land["GM_CODE"].astype(str).str.strip(),
        },
        geometry=shapely.make_valid(land.geometry.to_numpy()),
        crs=frame.crs,
    )
    return out.reset_index(drop=True)


def national_snapshot(raw: Path, kind: str, verify: bool = True) -> tuple[Path, Sidecar]:
    """The one snapshot of ``kind`` (cbs_national | cbs_area_names) under ``raw``, found by its
    sidecar (never by file name: next year's file has another), checksum-verified unless
    ``verify`` is false."""
    found = [(p, s) for p, s in discover_snapshots(raw) if s.kind == kind]
    if len(found) != 1:
        raise InputError(
            raw,
            f"{len(found)} snapshots of kind {kind}",
            expected=f"exactly one raw file whose sidecar says kind: {kind} (data/raw/SOURCES.md)",
            rule="raw_snapshot_sidecar",
        )
    path, sidecar = found[0]
    return path, verify_snapshot(path) if verify else sidecar


def read_national_values(path: Path, sidecar: Sidecar, crosswalk: pd.DataFrame) -> pd.DataFrame:
    """Every figure of the national file, long (the columns of ``cbs_values``), read in Python
    like every kerncijfers file (``load_national_values`` does the same in DuckDB)."""
    return read_kerncijfers(
        path,
        year=sidecar.year,
        scheme=sidecar.scheme,
        crosswalk=crosswalk,
        decimal_comma=sidecar.decimal_comma,
    )


NATIONAL_VALUES_SQL = r"""
CREATE OR REPLACE TABLE national_values AS
WITH raw AS (
    SELECT row_number() OVER () + 1 AS source_row, *
    FROM read_csv($path, all_varchar = true, header = true, delim = $delim, quote = '"',
                  encoding = $encoding)
),
long AS (
    UNPIVOT raw ON COLUMNS(c -> list_contains($columns, c))
    INTO NAME source_column VALUE cell
),
cells AS (
    SELECT l.source_row, trim(l.{code}) AS area_code, l.source_column, m.variable,
           trim(l.cell) AS text
    FROM long l JOIN (SELECT unnest($columns) AS source_column,
                             unnest($variables) AS variable) m USING (source_column)
),
read AS (
    SELECT *,
        CASE WHEN text = '' THEN 'empty'
             ELSE coalesce(map_extract_value(MAP($markers_k, $markers_v), text), 'published')
        END AS status,
        TRY_CAST(CASE WHEN $decimal_comma THEN regexp_replace(text, '^(-?\d+),(\d+)$', '\1.\2')
                      ELSE text END AS DOUBLE) AS number
    FROM cells
)
SELECT $year::BIGINT AS year, area_code,
       CASE substr(area_code, 1, 2) WHEN 'NL' THEN 'land' WHEN 'GM' THEN 'gemeente'
            WHEN 'WK' THEN 'wijk' WHEN 'BU' THEN 'buurt' END AS area_level,
       NULL::VARCHAR AS area_name, variable,
       CASE WHEN status <> 'published' OR number IN (-99999999, -99997) THEN NULL
            -- a spreadsheet artefact (8.699999999999999) is the figure CBS published (8.7)
            WHEN length(text) > 13 THEN CAST(printf('%.12g', number) AS DOUBLE)
            ELSE number END AS value,
       CASE WHEN number = -99999999 THEN 'not_available' WHEN number = -99997 THEN 'secret_map'
            ELSE status END AS status,
       $file AS source_file, source_row, source_column
FROM read
ORDER BY source_row, list_position($columns, source_column)
"""


def load_national_values(con, path: Path, sidecar: Sidecar, crosswalk: pd.DataFrame) -> int:
    """Write every figure of the national file into the table ``national_values`` (the
    columns of ``cbs_values``) in DuckDB: the same reading as ``read_kerncijfers`` (crosswalk,
    markers, decimal commas, spreadsheet artefacts), a second instead of several. A cell that
    is no number is named with its row and column, as ``parse_cell`` does."""
    from ingest.cbs import MARKERS, crosswalk_columns, parse_cell

    expected = crosswalk_columns(crosswalk, sidecar.year)  # the file's structure: read_delimited
    # the delimiter and encoding as the sidecar states them, else detected (a Dutch Excel's
    # semicolons and Windows-1252, whose decimals are commas); DuckDB reads Windows-1252 as
    # Latin-1, the same for the codes and figures read here (names are read by
    # read_national_areas)
    dialect = (
        Dialect(sidecar.encoding, sidecar.delimiter)
        if sidecar.encoding and sidecar.delimiter
        else detect_dialect(path)
    ) or Dialect("utf-8", ",")
    params = {
        "path": str(path),
        "file": path.name,
        "year": sidecar.year,
        "columns": list(expected),
        "variables": list(expected.values()),
        "markers_k": list(MARKERS),
        "markers_v": list(MARKERS.values()),
        "decimal_comma": sidecar.decimal_comma or dialect.delimiter == ";",
        "delim": dialect.delimiter,
        "encoding": "latin-1" if dialect.encoding == "windows-1252" else "utf-8",
    }
    try:
        con.execute(NATIONAL_VALUES_SQL.replace("{code}", CODE_COLUMN), params)
    except duckdb.Error as exc:
        raise InputError(path, f"not readable as the national kerncijfers: {exc}",
                         rule="file_readable") from exc  # fmt: skip
    bad = con.execute(
        "SELECT source_row, source_column FROM national_values v WHERE status = 'published' "
        "AND value IS NULL ORDER BY source_row LIMIT 1"
    ).fetchone()
    if bad:
        row, column = bad
        cell = con.execute(
            f'SELECT "{column}" FROM read_csv($path, all_varchar = true, header = true, '
            "delim = $delim, encoding = $encoding) LIMIT 1 OFFSET $offset",
            {k: params[k] for k in ("path", "delim", "encoding")} | {"offset": row - 2},
        ).fetchone()[0]
        con.execute("DROP TABLE national_values")
        parse_cell(path, row, column, cell, params["decimal_comma"])  # raises, naming the cell
    return con.execute("SELECT count(*) FROM national_values").fetchone()[0]


def gemeente_of(code: str) -> str | None:
    """The gemeente code of a gemeente, wijk or buurt code (None for the Netherlands)."""
    return None if code.startswith("NL") else "GM" + code[2:6]


def wijk_of(code: str) -> str | None:
    return "WK" + code[2:8] if code.startswith("BU") else None


def read_national_areas(path: Path, names: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per area of the national file: code, level, name, gemeente, wijk, and the row it
    is on. ``names``: the wijk names (``read_wijk_names``)."""
    table = read_delimited(path)
    for column in (CODE_COLUMN, GEMEENTE_NAME_COLUMN):
        if column not in table.header:
            raise InputError(
                path, "expected column is missing", row=1, column=column,
                expected=f"column '{column}'", rule="cbs_expected_columns",
            )  # fmt: skip
    rows = []
    for row_no, record in table.records():
        code = record[CODE_COLUMN].strip()
        level = check_area_code(path, row_no, CODE_COLUMN, code)
        gemeente_name = record[GEMEENTE_NAME_COLUMN].strip() or None
        rows.append(
            {
                "area_code": code,
                "area_level": level,
                "area_name": gemeente_name if level in ("land", "gemeente") else None,
                "gemeente_code": gemeente_of(code),
                "gemeente_name": gemeente_name if level != "land" else None,
                "wijk_code": wijk_of(code),
                "source_file": path.name,
                "source_row": row_no,
            }
        )
    areas = pd.DataFrame(rows)
    if names is not None:
        wijk_names = names.set_index("WK_CODE")["WK_NAAM"]
        is_wijk = areas["area_level"] == "wijk"
        areas.loc[is_wijk, "area_name"] = areas.loc[is_wijk, "area_code"].map(wijk_names)
    return areas.astype({"area_name": "string", "gemeente_code": "string",
                         "gemeente_name": "string", "wijk_code": "string"})  # fmt: skip


def read_wijk_names(path: Path) -> pd.DataFrame:
    """The wijk layer's attribute table: code, name, gemeente and whether it is water."""
    import pyogrio

    try:
        frame = pyogrio.read_dataframe(path, read_geometry=False)
    except Exception as exc:  # an unreadable dBase file, named with the reason
        raise InputError(path, f"not a readable dBase table: {exc}", rule="file_readable") from exc
    missing = [c for c in NAME_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(path, "expected column is missing", column=missing[0],
                         expected=", ".join(NAME_COLUMNS), rule="cbs_expected_columns")  # fmt: skip
    frame = frame[list(NAME_COLUMNS)].copy()
    for column in NAME_COLUMNS:
        frame[column] = frame[column].astype("string").str.strip()
    frame["water"] = frame["WATER"].eq("JA")
    frame["source_file"] = path.name
    frame["source_row"] = range(1, len(frame) + 1)  # the record number in the table
    return frame.drop(columns="WATER")
