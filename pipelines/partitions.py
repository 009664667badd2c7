"""Editions as Dagster partitions: one partition per edition of ``data/editions.yml``.

The assets that hold one edition's data (the survey wave, its weights, the indicator values on
the edition's own areas) are partitioned by edition, so a biennial refresh materialises only the
new partition; what compares editions (the crosswalk, harmonised values, trends, changelog, site)
is unpartitioned and reads every partition. A build runs every partition in one run
(``BackfillPolicy.single_run``), assets looping over ``context.partition_keys``.
"""

from __future__ import annotations

import warnings

import dagster as dg

from pipelines.settings import editions_config

# single-run backfills are marked beta; they are what lets one run build every edition
warnings.filterwarnings("ignore", message="Parameter `backfill_policy`")

EDITIONS = dg.StaticPartitionsDefinition([str(e.edition) for e in editions_config().editions])
SINGLE_RUN = dg.BackfillPolicy.single_run()


def partitioned(**kwargs) -> dict:
    """Asset arguments of an edition-partitioned asset."""
    return {"partitions_def": EDITIONS, "backfill_policy": SINGLE_RUN, **kwargs}


def run_tags(editions: list[int] | None = None) -> dict[str, str]:
    """Run tags selecting a range of edition partitions (default: every edition)."""
    keys = EDITIONS.get_partition_keys()
    if editions:
        wanted = [str(e) for e in editions]
        unknown = [k for k in wanted if k not in keys]
        if unknown:
            raise ValueError(f"unknown edition(s) {unknown}; data/editions.yml has {keys}")
        first, last = keys.index(wanted[0]), keys.index(wanted[-1])
        keys = keys[min(first, last) : max(first, last) + 1]
    return {
        "dagster/asset_partition_range_start": keys[0],
        "dagster/asset_partition_range_end": keys[-1],
    }


def editions_of(context) -> list[int]:
    """The editions a run of a partitioned asset materialises."""
    return [int(k) for k in context.partition_keys]


def all_editions() -> list[int]:
    """Every edition of the partitions definition (what a partitioned table may hold)."""
    return [int(k) for k in EDITIONS.get_partition_keys()]
