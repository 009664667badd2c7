"""Open data beyond the downloads, written into the staging site before it is published: the
area teams' Excel workbooks, the static JSON API and the DCAT-AP-NL 3.0 catalogue of everything
(validated against the profile's shapes: a violation fails this asset, naming the shape, and
nothing is published)."""

from __future__ import annotations

import json

import dagster as dg
from dagster_duckdb import DuckDBResource

from dashboards.dcat_catalogue import (
    CatalogueInput,
    Dataset,
    bbox_of,
    distribution_of,
    write_catalogue,
)
from dashboards.site_data import load_site_data, own_layouts
from dashboards.static_api import API, write_api
from dashboards.workbooks import WHOLE_SET, write_workbooks
from indicators.datapackage import PACKAGE_FILE, words
from pipelines.assets.site import indicator_downloads, resident_site
from pipelines.partitions import compass_asset
from pipelines.resources import read_table
from pipelines.settings import editions_config, site_staging_dir

GROUP = "site"


def _layouts(duckdb: DuckDBResource) -> list:
    with duckdb.get_connection() as con:
        return [load_site_data(con)] + [load_site_data(con, name) for name in own_layouts(con)]


@compass_asset(group_name=GROUP, kinds={"xlsx"}, deps=[indicator_downloads, resident_site])
def area_workbooks(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Excel for area teams: per wijk and gebied of every layout a workbook beside its CSV
    (data/<code>.xlsx), the figures as its page shows them, a sheet per quadrant and one
    explaining the columns; and all of them as one workbook (downloads/indicator_values.xlsx)."""
    staging = site_staging_dir()
    files = write_workbooks(staging, _layouts(duckdb))
    return dg.MaterializeResult(
        metadata={
            "workbooks": len(files),
            "bytes": sum(f.stat().st_size for f in files),
            "whole_set": dg.MetadataValue.path(str(staging / WHOLE_SET)),
        }
    )


@compass_asset(group_name=GROUP, kinds={"json"}, deps=[indicator_downloads, resident_site])
def static_api(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """api/v1/areas.json (every area and indicator) and api/v1/areas/<code>.json (an area's
    figures in the latest edition), with their JSON Schemas (docs/api/v1/)."""
    staging = site_staging_dir()
    config = editions_config()
    catalogue = read_table(duckdb, "SELECT * FROM indicator_catalogue")
    files = write_api(
        staging, _layouts(duckdb), catalogue, config.gemeente_name, config.primary_layout
    )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(staging / API)),
            "files": len(files),
            "bytes": sum(f.stat().st_size for f in files),
        }
    )


YEARS_SQL = """
SELECT (SELECT min(edition) FROM editions), (SELECT max(edition) FROM editions),
       (SELECT min(period) FROM indicator_values), (SELECT max(period) FROM indicator_values),
       (SELECT min(period) FROM indicator_values
        WHERE edition = (SELECT max(edition) FROM editions)),
       (SELECT max(period) FROM indicator_values
        WHERE edition = (SELECT max(edition) FROM editions))
"""


def _years(duckdb: DuckDBResource, package: dict) -> dict[str, tuple[int, int]]:
    """The first and last year of the data of every dataset."""
    with duckdb.get_connection() as con:
        first, last, p_first, p_last, l_first, l_last = con.execute(YEARS_SQL).fetchone()
        years = {
            "indicator_values": (p_first, p_last),
            "indicator_catalogue": (first, last),
            "compass_scores": (first, last),
            "edition_changelog": (first, last),
            "areas_api": (l_first, l_last),
        }
        for table, sql in (
            ("programme_budgets", "SELECT min(year), max(year) FROM programme_budgets"),
            ("national_reference", "SELECT min(least(period, year)), max(year) "
                                   "FROM national_reference"),
            ("national_similar_wijken", "SELECT min(year), max(year) FROM national_similar_wijken"),
        ):  # fmt: skip
            if table in package["rows"]:
                years[table] = con.execute(sql).fetchone()
    return {k: (int(a), int(b)) for k, (a, b) in years.items()}


def _has_table(con, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?",
                            [name]).fetchone()[0])  # fmt: skip


def catalogue_input(duckdb: DuckDBResource) -> CatalogueInput:
    """What the catalogue describes: every table of the data package (its CSV and Parquet
    files; indicator values also the whole-set workbook) and the static API, measured in the
    staging site."""
    staging = site_staging_dir()
    package = json.loads((staging / "downloads" / PACKAGE_FILE).read_text(encoding="utf-8"))
    config = editions_config()
    years = _years(duckdb, package)
    kinds = words()["catalogue"]["file"]
    datasets = []
    by_table: dict[str, list[dict]] = {}
    for resource in package["resources"]:
        by_table.setdefault(resource["name"].split("-")[0], []).append(resource)
    for table, resources in by_table.items():
        first = resources[0]
        titles = {"nl": first["title"], "en": first["title_en"]}
        paths = [f"downloads/{r['path']}" for r in resources]
        if table == "indicator_values" and (staging / WHOLE_SET).exists():
            paths.append(WHOLE_SET)
        files = []
        for path in paths:
            fmt = path.rsplit(".", 1)[-1]
            title = {k: v.format(title=titles[k]) for k, v in kinds[fmt].items()}
            schema = f"downloads/{PACKAGE_FILE}" if fmt in ("csv", "parquet") else None
            files.append(distribution_of(staging, path, title, schema=schema))
        datasets.append(
            Dataset(
                table,
                files,
                synthetic=table not in ("programme_budgets",) and not table.startswith("national")
                and bool(package["synthetic"]),
                years=years[table],
                rights=first.get("licence") if table == "programme_budgets" else None,
            )
        )  # fmt: skip
    api_title = words()["datasets"]["areas_api"]["title"]
    datasets.append(
        Dataset(
            "areas_api",
            [
                distribution_of(
                    staging,
                    f"{API}/areas.json",
                    {k: v.format(title=api_title[k]) for k, v in kinds["json"].items()},
                    schema=f"{API}/areas.schema.json",
                    service=True,
                )
            ],
            synthetic=bool(package["synthetic"]),
            years=years["areas_api"],
        )
    )
    with duckdb.get_connection() as con:  # a gemeente built without boundaries has none
        shapes = [
            g
            for (g,) in con.execute(
                "SELECT geom_wgs84_geojson FROM area_geometries WHERE area_level = 'wijk' "
                "AND edition = (SELECT max(edition) FROM area_geometries)"
            ).fetchall()
        ] if _has_table(con, "area_geometries") else []  # fmt: skip
    od = config.open_data
    return CatalogueInput(
        gemeente=config.gemeente,
        gemeente_name=config.gemeente_name,
        edition=max(package["editions"]),
        datasets=datasets,
        bbox=bbox_of(shapes),
        contact_name=od.contact_name,
        contact_email=od.contact_email,
        contact_url=od.contact_url,
    )


@compass_asset(
    group_name=GROUP,
    kinds={"json"},
    deps=[indicator_downloads, area_workbooks, static_api],
)
def open_data_catalogue(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """catalogus.jsonld and catalogus.ttl: the open data in DCAT-AP-NL 3.0 (a dataset per
    published table, a distribution per file), validated against the profile's four shape files
    (data/reference/dcat-ap-nl-3.0/); a violation stops the build naming the shape."""
    staging = site_staging_dir()
    info = catalogue_input(duckdb)
    outcome = write_catalogue(info, staging)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(staging / "catalogus.jsonld")),
            "datasets": len(info.datasets),
            "distributions": sum(len(d.files) for d in info.datasets),
            "violations": len(outcome.violations),
            "warnings": len(outcome.warnings),
            "warnings_by_shape": dg.MetadataValue.json(outcome.warnings_by_shape()),
        }
    )
