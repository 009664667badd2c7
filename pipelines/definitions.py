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
    inputs,
    national,
    open_data,
    registers,
    reports,
    rivm,
    rivm_areas,
    site,
    survey,
)
from pipelines.build_executor import one_build_at_a_time
from pipelines.checks import rule_checks
from pipelines.resources import warehouse
from pipelines.runner import progress_logger

all_assets = dg.load_assets_from_modules(
    [
        inputs,
        cbs,
        national,
        rivm,
        areas,
        rivm_areas,
        survey,
        registers,
        editions,
        harmonisation,
        indicators,
        budgets,
        site,
        reports,
        open_data,
    ]
)

BUILD_JOB = dg.define_asset_job(
    "build",
    selection=dg.AssetSelection.all(),
    # in-process for one gemeente (the fastest: no process per step); Dagster's multiprocess
    # executor for many (`wijkkompas build --workers N`); on a cluster dagster-k8s or
    # dagster-celery run the same job (docs/operations.md, "Many gemeenten"); either holding
    # the build lock of the run's gemeenten, so that a run from the UI and a `wijkkompas build`
    # never overlap
    executor_def=one_build_at_a_time,
    description="Ingest every source, build the warehouse, check every quality rule and publish "
    "the site when no blocking rule failed: for the gemeenten x editions of the run.",
)


def build_job() -> dg.JobDefinition:
    """The build job, resolved (what a run of the multiprocess executor reconstructs)."""
    return defs.resolve_job_def("build")


defs = dg.Definitions(
    assets=all_assets,
    asset_checks=rule_checks(),
    resources={"duckdb": warehouse()},
    jobs=[BUILD_JOB],
    loggers={"console": progress_logger},
)
