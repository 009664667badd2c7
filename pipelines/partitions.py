"""Gemeenten and editions as Dagster partitions: every asset is partitioned by gemeente x edition.

The gemeente dimension holds every gemeente of the national CBS file (any of them can be built:
``wijkkompas build --gemeente GM0344``); the edition dimension the editions of data/editions.yml
(a gemeente generated from the national file has the latest of them). An asset that holds one
edition's data (the survey wave, its weights, the indicator values on the edition's own areas)
works on the editions of the run; one that compares editions (the crosswalk, harmonised values,
trends, changelog, site) reads every edition of the gemeente from its warehouse. Each gemeente has
its own data directory, warehouse and site (pipelines.settings.gemeente_scope).

A run covers a box of partitions: a range of gemeenten x a range of editions (Dagster's
``asset_partition_range`` tags), with ``BackfillPolicy.single_run``: the assets loop over the
gemeenten of the run (:func:`compass_asset`), and within one gemeente over its editions
(:func:`editions_of`). So many gemeenten are one backfill (Dagster's multiprocess executor here,
dagster-k8s or dagster-celery on a cluster: docs/operations.md, "Many gemeenten").
"""

from __future__ import annotations

import csv
import functools
import warnings
from collections.abc import Iterable

import dagster as dg

from ingest.errors import InputError
from ingest.national import national_snapshot
from pipelines.settings import (
    current_gemeente,
    default_gemeente,
    editions_config,
    gemeente_scope,
    raw_dir,
)

# single-run backfills are marked beta; they are what lets one run build every edition
warnings.filterwarnings("ignore", message="Parameter `backfill_policy`")


def national_gemeenten() -> list[str]:
    """The gemeente codes of the national kerncijfers (and the default gemeente's own code).
    Without a national snapshot only the default gemeente: its assets say what is missing."""
    codes = {default_gemeente()}
    try:
        path, _ = national_snapshot(raw_dir(), "cbs_national", verify=False)
    except InputError:
        return sorted(codes)
    with path.open(encoding="utf-8", newline="") as handle:
        codes |= {row[0] for row in csv.reader(handle) if row and row[0].startswith("GM")}
    return sorted(codes)


def generated_edition() -> int:
    """The edition of a gemeente generated from the national file: the latest edition."""
    return max(e.edition for e in editions_config().editions)


GEMEENTEN = dg.StaticPartitionsDefinition(national_gemeenten())
EDITIONS = dg.StaticPartitionsDefinition([str(e.edition) for e in editions_config().editions])
COMPASS = dg.MultiPartitionsDefinition({"gemeente": GEMEENTEN, "edition": EDITIONS})
SINGLE_RUN = dg.BackfillPolicy.single_run()


def key(gemeente: str, edition: int) -> dg.MultiPartitionKey:
    return dg.MultiPartitionKey({"gemeente": gemeente, "edition": str(edition)})


def _split(keys: Iterable[str]) -> list[tuple[str, int]]:
    out = []
    for k in keys:
        dims = COMPASS.get_partition_key_from_str(k).keys_by_dimension
        out.append((dims["gemeente"], int(dims["edition"])))
    return out


def run_keys(context) -> list[tuple[str, int]]:
    """(gemeente, edition) of every partition a run (of an asset or a check) materialises."""
    return keys_of_tags(context.run.tags)


def keys_of_tags(tags) -> list[tuple[str, int]]:
    """(gemeente, edition) of every partition of a run with these tags."""
    start = tags.get("dagster/asset_partition_range_start")
    if start:
        keys = COMPASS.get_partition_keys_in_range(
            dg.PartitionKeyRange(start, tags["dagster/asset_partition_range_end"])
        )
    elif tags.get("dagster/partition"):
        keys = [tags["dagster/partition"]]
    else:
        raise ValueError("a run of the compass names its gemeente and edition partitions")
    return _split(keys)


def gemeenten_of(context) -> list[str]:
    """The gemeenten of a run, in code order."""
    return sorted({g for g, _ in run_keys(context)})


def editions_of(context) -> list[int]:
    """The editions of the gemeente in scope that the run materialises."""
    here = current_gemeente()
    own = {e.edition for e in editions_config().editions}
    return sorted(e for g, e in run_keys(context) if g == here and e in own)


def all_editions() -> list[int]:
    """Every edition of the gemeente in scope (what a partitioned table may hold)."""
    return sorted(e.edition for e in editions_config().editions)


def for_each_gemeente(fn):
    """Run ``fn`` (an asset's or a check's body) once per gemeente of the run, each in its own
    scope (data, warehouse, site). A generator's events are passed on; results of several
    gemeenten are merged into one, with the metadata per gemeente."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        context = dg.OpExecutionContext.get()
        results = {}
        for code in gemeenten_of(context):
            with gemeente_scope(code):
                results[code] = fn(*args, **kwargs)
        return _merge(results)

    return wrapper


def _merge(results: dict[str, dg.MaterializeResult | None]):
    if len(results) == 1:
        return next(iter(results.values()))
    metadata: dict = {}
    rows = 0
    for code, result in results.items():
        meta = dict(result.metadata or {}) if result is not None else {}
        count = meta.get("dagster/row_count")
        rows += int(getattr(count, "value", count) or 0)
        metadata[code] = dg.MetadataValue.json(
            {k: str(getattr(v, "value", v)) for k, v in meta.items()}
        )
    metadata["dagster/row_count"] = rows
    return dg.MaterializeResult(metadata=metadata)


def compass_asset(**kwargs):
    """``@dg.asset`` partitioned by gemeente x edition, its body run per gemeente of the run."""

    def decorate(fn):
        return dg.asset(partitions_def=COMPASS, backfill_policy=SINGLE_RUN, **kwargs)(
            for_each_gemeente(fn)
        )

    return decorate


def run_tags(
    gemeenten: list[str] | None = None, editions: list[int] | None = None
) -> dict[str, str]:
    """Run tags selecting a box of partitions: the gemeenten (default: the default gemeente, a
    contiguous run of codes: see :func:`contiguous_blocks`) x the editions (default: every edition
    of the first gemeente; they must be a contiguous range)."""
    gemeenten = sorted(gemeenten or [default_gemeente()])
    known = EDITIONS.get_partition_keys()
    from pipelines.gemeente_inputs import gemeente_editions

    own = [str(e) for e in gemeente_editions(gemeenten[0])]
    wanted = [str(e) for e in editions] if editions else own
    unknown = [k for k in wanted if k not in known]
    if unknown:
        raise ValueError(f"unknown edition(s) {unknown}; data/editions.yml has {known}")
    ordered = sorted(wanted, key=known.index)
    return {
        "dagster/asset_partition_range_start": str(key(gemeenten[0], int(ordered[0]))),
        "dagster/asset_partition_range_end": str(key(gemeenten[-1], int(ordered[-1]))),
    }


def contiguous_blocks(gemeenten: list[str], editions_by: dict[str, tuple]) -> list[list[str]]:
    """The gemeenten in runs of one Dagster run each: a run is a box, so its gemeenten are
    neighbours in the gemeente dimension and have the same editions."""
    order = GEMEENTEN.get_partition_keys()
    blocks: list[list[str]] = []
    for code in sorted(set(gemeenten), key=order.index):
        last = blocks[-1][-1] if blocks else None
        if (
            last is not None
            and order.index(code) == order.index(last) + 1
            and editions_by[code] == editions_by[last]
        ):
            blocks[-1].append(code)
        else:
            blocks.append([code])
    return blocks


INPUTS = dg.AssetKey("gemeente_inputs")  # the root every source asset reads below
