"""Dagster definitions of Wijkkompas: every asset, the quality checks generated from the rules
files, the warehouse, the build job."""

from __future__ import annotations

import dagster as dg

from pipelines.assets import (
    areas,
    budgets,
    cbs,
    editions,
    harmonisation,
    indicators,
    national,
    registers,
    reports,
    site,
    survey,
)
from pipelines.checks import rule_checks
from pipelines.resources import warehouse
from pipelines.runner import progress_logger

all_assets = dg.load_assets_from_modules(
    [
        cbs,
        national,
        areas,
        survey,
        registers,
        editions,
        harmonisation,
        indicators,
        budgets,
        site,
        reports,
    ]
)

build_job = dg.define_asset_job(
    "build",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Ingest every source, build the warehouse, check every quality rule and publish "
    "the site when no blocking rule failed.",
)

defs = dg.Definitions(
    assets=all_assets,
    asset_checks=rule_checks(),
    resources={"duckdb": warehouse()},
    jobs=[build_job],
    loggers={"console": progress_logger},
)
