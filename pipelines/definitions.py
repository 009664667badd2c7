"""Dagster definitions of Wijkkompas: every asset, the warehouse, the build job."""

from __future__ import annotations

import dagster as dg

from pipelines.assets import areas, cbs, editions, indicators, registers, survey
from pipelines.resources import warehouse
from pipelines.runner import progress_logger

all_assets = dg.load_assets_from_modules([cbs, areas, survey, registers, editions, indicators])

build_job = dg.define_asset_job(
    "build",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Ingest every source and build the warehouse.",
)

defs = dg.Definitions(
    assets=all_assets,
    resources={"duckdb": warehouse()},
    jobs=[build_job],
    loggers={"console": progress_logger},
)
