"""Site assets: the site is built in a staging directory and published (swapped in) last.

Every blocking quality check sits upstream of ``published_site``: if one fails, the swap does
not run and the previously published ``site/`` stays exactly as it was.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from dashboards.publish import fresh_staging, publish
from dashboards.site_builder import build_resident_site
from dashboards.site_data import load_site_data, own_layouts
from dashboards.statistician import write_statistician_pages
from indicators.downloads import write_downloads
from pipelines.assets.budgets import programme_budgets
from pipelines.assets.indicators import (
    compass_scores,
    development_scores,
    edition_plans,
    rivm_years,
    similar_areas,
)
from pipelines.partitions import compass_asset
from pipelines.resources import read_table
from pipelines.settings import editions_config, site_dir, site_staging_dir

GROUP = "site"


@compass_asset(group_name=GROUP, kinds={"html"}, deps=[compass_scores, development_scores])
def site_staging() -> dg.MaterializeResult:
    """An empty directory beside site/ in which this run builds the whole site."""
    path = fresh_staging(site_staging_dir())
    return dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(str(path))})


@compass_asset(
    group_name=GROUP,
    kinds={"parquet", "csv"},
    deps=[
        site_staging,
        programme_budgets,
        dg.AssetKey("national_reference"),
        dg.AssetKey("edition_changelog"),
    ],
)
def indicator_downloads(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """downloads/: indicator values, catalogue and scores as Parquet + CSV, the budgets of the
    gebiedsprogramma's (programme_budgets), the national reference (the Netherlands and
    comparable gemeenten beside every area, similar wijken elsewhere) and the changelog between
    editions, described by one Frictionless data package (datapackage.json)."""
    values = read_table(duckdb, "SELECT * FROM indicator_values")
    catalogue = read_table(duckdb, "SELECT * FROM indicator_catalogue")
    scores = read_table(duckdb, "SELECT * FROM compass_scores")
    weighting = read_table(duckdb, "SELECT * FROM survey_weighting")
    budgets = read_table(duckdb, "SELECT * FROM programme_budgets ORDER BY year, source_line")
    national = {
        name: read_table(duckdb, f"SELECT * FROM {name} ORDER BY ALL")
        for name in ("national_reference", "national_similar_wijken")
    }
    target = site_staging_dir() / "downloads"
    sidecar = write_downloads(
        values,
        catalogue,
        scores,
        target,
        provenance={
            "editions": [
                p.__dict__ | {"cbs_years": list(p.cbs_years)}
                for p in edition_plans(rivm_years=rivm_years(duckdb))
            ],
            "survey_weighting": weighting.to_dict(orient="records"),
        },
        budgets=budgets,
        national=national,
        changelog=read_table(duckdb, "SELECT * FROM edition_changelog"),
    )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(target)),
            "rows": sidecar["rows"]["indicator_values"],
            "synthetic": sidecar["synthetic"],
        }
    )


def write_netherlands_map(data, site: Path) -> Path | None:
    """assets/nederland.svg: the gemeente and its comparable gemeenten on a map of the country
    (geo.netherlands_map), from the project's national gemeente map (CBS/Kadaster; every
    gemeente's site reads it from the project's data/raw/national/). None without that map or
    without comparable gemeenten to show."""
    from geo.netherlands_map import netherlands_svg
    from ingest.national import national_boundaries
    from pipelines.settings import _default_data_dir

    if data.comparable.empty:
        return None
    gemeenten = national_boundaries(_default_data_dir() / "raw", "gemeente")
    if gemeenten is None:
        return None
    svg = netherlands_svg(
        gemeenten, data.gemeente, set(data.comparable["area_code"].astype(str)), "Nederland"
    )
    if svg is None:
        return None
    path = site / "assets" / "nederland.svg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(svg, encoding="utf-8")
    return path


@compass_asset(
    group_name=GROUP,
    kinds={"html", "svg"},
    deps=[site_staging, similar_areas, programme_budgets, dg.AssetKey("national_reference")],
)
def resident_site(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """The pages for residents (home with map and search, gebied / wijk / buurt pages with the
    compass, indicator pages; Dutch and English) and a CSV per area, into the staging site."""
    with duckdb.get_connection() as con:
        data = load_site_data(con)
        layouts = [load_site_data(con, name) for name in own_layouts(con)]
    staging = site_staging_dir()
    nl_map = write_netherlands_map(data, staging)
    for d in (data, *layouts):
        d.netherlands_map = nl_map is not None
    files = build_resident_site(data, staging, layouts, editions_config().primary_layout)
    files += [nl_map] if nl_map else []
    pages = [f for f in files if f.suffix == ".html"]
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(staging)),
            "pages": len(pages),
            "area_csvs": sum(1 for f in files if f.suffix == ".csv"),
            "bytes": sum(f.stat().st_size for f in files),
            "synthetic": data.synthetic,
        }
    )


@compass_asset(
    group_name=GROUP,
    kinds={"html"},
    deps=[
        indicator_downloads,
        resident_site,
        dg.AssetKey("edition_changelog"),
        dg.AssetKey("wijkanalyse_reports"),
        dg.AssetKey("open_data_catalogue"),
        # every other asset too, so that publication is the last step of a build: nothing can
        # fail after the site (and with it the warehouse) was swapped in
        dg.AssetKey("editions"),
        dg.AssetKey("cbs_variables"),
    ],
)
def published_site(context, duckdb: DuckDBResource) -> dg.MaterializeResult:
    """The statistician pages (with this run's data-quality report) are added, then the staged
    site replaces site/ in one step."""
    staging = site_staging_dir()
    with duckdb.get_connection() as con:
        pages = write_statistician_pages(con, context.run_id, staging)
    publish(staging, site_dir())
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(site_dir())),
            "pages": [str(p.relative_to(staging)) for p in pages],
        }
    )
