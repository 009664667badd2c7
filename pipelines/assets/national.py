"""National reference assets: the CBS kerncijfers of every area of the Netherlands, unpartitioned
(every gemeente's compass reads the same national source).

``national_areas`` (every gemeente, wijk and buurt: level, name, gemeente, wijk) and
``national_values`` (every figure, long, like ``cbs_values``) are read from the snapshots of kind
``cbs_national`` and ``cbs_area_names`` in ``data/raw/national/``; their rules are
``quality/rules/national_areas.yml`` and ``national_values.yml``.
"""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from indicators.catalogue import statistics_settings
from indicators.national import compute_reference
from ingest.cbs import load_crosswalk
from ingest.errors import InputError
from ingest.national import (
    load_national_values,
    national_snapshot,
    read_national_areas,
    read_wijk_names,
)
from pipelines.assets.cbs import cbs_variables, snapshot_metadata
from pipelines.assets.indicators import gemeente_catalogue
from pipelines.partitions import INPUTS, compass_asset
from pipelines.resources import write_table
from pipelines.settings import data_dir, editions_config, raw_dir

GROUP = "national"


@compass_asset(group_name=GROUP, kinds={"duckdb", "csv"}, deps=[INPUTS])
def national_areas(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Every area of the Netherlands in the national kerncijfers: level, name (gemeenten from
    the file, wijken from CBS's wijk- en buurtkaart), its gemeente and wijk."""
    names_path, names_sidecar = national_snapshot(raw_dir(), "cbs_area_names")
    names = read_wijk_names(names_path)
    path, sidecar = national_snapshot(raw_dir(), "cbs_national")
    try:
        areas = read_national_areas(path, names)
    except InputError as err:
        raise err.copy_of(sidecar.copied_from) from err
    areas.insert(0, "year", sidecar.year)
    rows = write_table(duckdb, "national_areas", areas)
    write_table(duckdb, "national_wijk_names", names.assign(year=names_sidecar.year))
    meta = snapshot_metadata(sidecar, rows)
    meta["areas_per_level"] = areas["area_level"].value_counts().to_dict()
    return dg.MaterializeResult(metadata=meta)


@compass_asset(group_name=GROUP, kinds={"duckdb", "csv"}, deps=[national_areas, cbs_variables])
def national_values(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Every figure of the national kerncijfers, long (year, area, level, variable, value,
    status, and the file, row and column it came from), like ``cbs_values``."""
    path, sidecar = national_snapshot(raw_dir(), "cbs_national")
    crosswalk = load_crosswalk(data_dir() / "reference" / "cbs_variable_crosswalk.csv")
    with duckdb.get_connection() as con:
        try:  # read in DuckDB: 743,000 figures (its structure was checked by national_areas)
            rows = load_national_values(con, path, sidecar, crosswalk)
        except InputError as err:
            raise err.copy_of(sidecar.copied_from) from err
        counts = dict(
            con.execute("SELECT status, count(*) FROM national_values GROUP BY ALL").fetchall()
        )
    meta = snapshot_metadata(sidecar, rows)
    meta["status_counts"] = counts
    return dg.MaterializeResult(metadata=meta)


@compass_asset(
    group_name=GROUP,
    kinds={"duckdb"},
    deps=[national_values, national_areas, dg.AssetKey("areas")],
)
def national_reference(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """The Netherlands as reference for the gemeente's compass (``indicators.national``): every
    CBS indicator the national file supports for the Netherlands, every gemeente and wijk, the
    gemeente's own areas and its comparable gemeenten (``national_indicator_values``); per area
    of the compass the Netherlands' and comparable gemeenten' value and a wijk's national
    position (``national_reference``); the most similar Dutch wijken outside the gemeente
    (``national_similar_wijken``); the comparable gemeenten (``comparable_gemeenten``)."""
    config = editions_config()
    area_year = max(e.area_year for e in config.editions)
    with duckdb.get_connection() as con:
        found = compute_reference(
            con, gemeente_catalogue(), statistics_settings(), config.gemeente, area_year
        )
    write_table(duckdb, "national_indicator_values", found.values.assign(year=found.year))
    rows = write_table(duckdb, "national_reference", found.reference.assign(year=found.year))
    write_table(duckdb, "national_similar_wijken", found.similar.assign(year=found.year))
    write_table(duckdb, "comparable_gemeenten", found.comparable.assign(year=found.year))
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "year": found.year,
            "comparable_gemeenten": ", ".join(found.comparable["area_name"].astype(str)),
            "indicators": int(found.reference["indicator_id"].nunique()),
            "similar_wijken_rows": len(found.similar),
        }
    )
