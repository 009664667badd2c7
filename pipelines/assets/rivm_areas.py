"""RIVM's 2020 division onto the areas of every edition (``geo.division_crosswalk``): which
RIVM area gives each CBS buurt, wijk and gemeente of an area year its health figures."""

from __future__ import annotations

import dagster as dg
import geopandas as gpd
import pandas as pd
import shapely
from dagster_duckdb import DuckDBResource

from geo.division_crosswalk import COLUMNS, division_crosswalk
from pipelines.assets.areas import area_geometries, areas
from pipelines.partitions import compass_asset
from pipelines.resources import read_table, write_table
from pipelines.settings import editions_config

GROUP = "rivm"
RD_NEW = 28992


def _source_codes(duckdb, gemeente: str) -> set[str]:
    """The codes of RIVM's division of the gemeente (its buurten, wijken and itself)."""
    rows = read_table(
        duckdb,
        "SELECT DISTINCT area_code FROM rivm_values WHERE area_code = ? "
        "OR (area_level IN ('wijk', 'buurt') AND substr(area_code, 3, 4) = ?)",
        [gemeente, gemeente[2:]],
    )
    return set(rows["area_code"])


def _raw_boundaries(duckdb, codes: list[str]) -> pd.DataFrame:
    """The newest boundary of each buurt of ``codes`` among the staged boundary files
    (``raw_<file>`` of boundary_snapshots): a buurt gone from today's map is on an older one."""
    with duckdb.get_connection() as con:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_columns() WHERE column_name = 'geom_rd_wkb' "
                "AND table_name LIKE 'raw_%'"
            ).fetchall()
        ]
        if not tables or not codes:
            return pd.DataFrame({"area_code": [], "geom_rd_wkb": []})
        union = " UNION ALL ".join(
            f"SELECT year, area_code, geom_rd_wkb FROM \"{t}\" WHERE area_level = 'buurt'"
            for t in sorted(set(tables))
        )
        return con.execute(
            f"SELECT area_code, arg_max(geom_rd_wkb, year) AS geom_rd_wkb FROM ({union}) "
            "WHERE list_contains(?, area_code) GROUP BY area_code",
            [codes],
        ).df()


def _orphans(duckdb, source: set[str], year_buurten: set[str]) -> gpd.GeoDataFrame:
    codes = sorted(c for c in source if c.startswith("BU") and c not in year_buurten)
    geoms = _raw_boundaries(duckdb, codes).set_index("area_code")["geom_rd_wkb"]
    return gpd.GeoDataFrame(
        {
            "buurt_code": codes,
            "wijk_code": ["WK" + c[2:8] for c in codes],
            "population": float("nan"),
        },
        geometry=[shapely.from_wkb(bytes(geoms[c])) if c in geoms else None for c in codes],
        crs=RD_NEW,
    )


def _wijk_boundaries(duckdb, year: int) -> gpd.GeoDataFrame:
    rows = read_table(
        duckdb,
        "SELECT area_code AS wijk_code, any_value(geom_rd_wkb) AS geom_rd_wkb "
        "FROM area_geometries WHERE area_level = 'wijk' AND year = ? GROUP BY ALL",
        [year],
    )
    return gpd.GeoDataFrame(
        {"wijk_code": rows["wijk_code"]},
        geometry=[shapely.from_wkb(bytes(b)) for b in rows["geom_rd_wkb"]],
        crs=RD_NEW,
    )


@compass_asset(
    group_name=GROUP,
    kinds={"duckdb", "geopandas"},
    deps=[dg.AssetKey("rivm_values"), areas, area_geometries],
)
def rivm_crosswalk(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Per area year of the editions, the RIVM area of every CBS buurt, wijk and gemeente:
    the same code, or for a buurt recoded since 2020 the RIVM buurten that are gone and lay in
    its wijk (quality/rules/rivm_crosswalk.yml names an area without one)."""
    cfg = editions_config()
    source = _source_codes(duckdb, cfg.gemeente)
    frames = []
    for year in sorted({e.area_year for e in cfg.editions}):
        year_areas = read_table(
            duckdb,
            "SELECT area_level, area_code, parent_code FROM areas WHERE year = ? "
            "AND layout = 'cbs' AND area_level IN ('buurt', 'wijk', 'gemeente')",
            [year],
        )
        buurten = set(year_areas.loc[year_areas["area_level"] == "buurt", "area_code"])
        frames.append(
            division_crosswalk(
                year, year_areas, source, _orphans(duckdb, source, buurten),
                _wijk_boundaries(duckdb, year),
            )
        )  # fmt: skip
    crosswalk = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    rows = write_table(duckdb, "rivm_crosswalk", crosswalk)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "methods": crosswalk["method"].value_counts().to_dict(),
        }
    )
