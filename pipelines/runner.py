"""Run the build job in-process against a local Dagster instance, with readable progress."""

from __future__ import annotations

import logging
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from ingest.snapshots import discover_snapshots
from pipelines.settings import (
    PROJECT_ROOT,
    building_warehouse,
    default_gemeente,
    environment,
    gemeente_scope,
    published_warehouse_path,
    quality_report_path,
    raw_dir,
    site_staging_dir,
    warehouse_copy,
    warehouse_path,
)
from quality.report import QualityOutcome


def dagster_home() -> Path:
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT / ".dagster_home")))
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():  # an instance configured by hand is kept
        shutil.copy(Path(__file__).with_name("dagster.yaml"), home / "dagster.yaml")
    return home


PROGRESS_LOGGER = "wijkkompas.progress"


class _CurrentStderr(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a record comes (the terminal, or the capture
    of a test runner), not to the stream of the first run in this process."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


@dg.logger(description="Quiet console logger: warnings and errors only; the CLI prints progress.")
def progress_logger(init_context) -> logging.Logger:
    log = logging.getLogger(PROGRESS_LOGGER)
    log.setLevel(logging.DEBUG)
    log.propagate = False
    if not any(getattr(h, "_wijkkompas", False) for h in log.handlers):
        warn = _CurrentStderr()
        warn.setLevel(logging.WARNING)
        warn.addFilter(_NoEngineErrors())
        warn._wijkkompas = True
        log.addHandler(warn)
    if os.environ.get(STEP_LINES) == "1" and not any(
        isinstance(h, _StepPrinter) for h in log.handlers
    ):  # a step process of the multiprocess executor prints its own line
        log.addHandler(_StepPrinter(print))
    return log


STEP_LINES = "WIJKKOMPAS_STEP_LINES"  # set for the step processes of a multiprocess run


CHECK_STEP_SUFFIX = "_rules"  # steps of the checks generated from quality/rules/*.yml
# left out of a run that does not publish (`wijkkompas check`): the reports have no quality rules
# and printing them is the slowest step; the publication itself
PUBLICATION_ASSETS = ("wijkanalyse_reports", "published_site")


@dataclass
class RunReport:
    success: bool
    seconds: float
    run_id: str = ""
    failures: list[tuple[str, str]] = field(default_factory=list)
    quality: QualityOutcome | None = None
    quality_report: Path | None = None
    failed_warehouse: Path | None = None  # the failed run's working copy, kept to inspect
    published: bool = False  # the run swapped in a new site
    gemeente: str = ""  # the gemeente of this report (a run can build several)

    @property
    def read_failures(self) -> list[tuple[str, str]]:
        """Steps that failed other than by a quality rule (unreadable input, a crash)."""
        return [(s, m) for s, m in self.failures if not s.endswith(CHECK_STEP_SUFFIX)]


class _StepPrinter(logging.Handler):
    """Prints one line per finished step from Dagster's structured log records."""

    def __init__(self, echo):
        super().__init__(logging.DEBUG)
        self.echo = lambda text, flush=False: echo(text)  # noqa: ARG005 - print flushes it
        if echo is print:
            self.echo = print
        self.started: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        if event is None:
            return
        step = event.step_key or ""
        kind = event.event_type_value
        if kind == "STEP_START":
            self.started[step] = time.perf_counter()
        elif kind == "STEP_SUCCESS":
            took = time.perf_counter() - self.started.get(step, time.perf_counter())
            self.echo(f"  ok   {step:<48} {took:6.1f} s", flush=True)
        elif kind == "STEP_FAILURE":
            self.echo(f"  FAIL {step}", flush=True)


class _NoEngineErrors(logging.Filter):
    """Failed steps and what they held up are summarised by the command (file, row, column, rule);
    Dagster's own error records of them (stack traces, "Not executing") only hide that summary.
    They stay in the run's event log (``make dagster``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno < logging.ERROR


def _files(path: Path) -> tuple[Path, Path]:
    """A DuckDB database: its file and the write-ahead log one may have left."""
    return Path(path), Path(f"{path}.wal")


def _move(source: Path, target: Path, copy: bool = False) -> None:
    """Rename (or copy) a DuckDB database over ``target``, its write-ahead log with it."""
    for src, dst in zip(_files(source), _files(target), strict=True):
        if not src.exists():
            dst.unlink(missing_ok=True)
        elif copy:
            shutil.copyfile(src, dst)
        else:
            os.replace(src, dst)


def _remove(path: Path) -> None:
    for file in _files(path):
        file.unlink(missing_ok=True)


def run_build(
    echo=print,
    selection: list[str] | None = None,
    publish: bool = True,
    editions: list[int] | None = None,
    keep: bool = True,
) -> RunReport:
    """Build the default gemeente (data/): :func:`run_builds` of that one gemeente."""
    return run_builds(echo, selection, publish, editions, keep)[0]


def run_builds(
    echo=print,
    selection: list[str] | None = None,
    publish: bool = True,
    editions: list[int] | None = None,
    keep: bool = True,
    gemeenten: list[str] | None = None,
    workers: int = 0,
) -> list[RunReport]:
    """Materialise every asset (or ``selection``) with every quality check on them, for the
    ``gemeenten`` (default: the default gemeente) x every edition of each (or ``editions``);
    without ``publish`` the site is built in staging but not swapped in. Writes each gemeente's
    data-quality report; never raises on asset errors or failed rules. One report per gemeente.

    Gemeenten that are neighbours in the partition dimension and have the same editions are one
    Dagster run (a box of partitions); ``workers`` > 0 runs it with Dagster's multiprocess
    executor (that many step processes), else in-process.

    Each gemeente's run works on a copy of its warehouse (``wijkkompas.building.duckdb``), like
    the site in staging: when the run passed (and ``keep``: `wijkkompas check` keeps nothing)
    the copy replaces the warehouse in one rename, right after the site was swapped in; after a
    failed run the warehouse is as it was, and the copy is left as ``wijkkompas.failed.duckdb``
    to inspect. So the warehouse, the notebooks that read it and the site all show the last
    good build."""
    from pipelines.gemeente_inputs import gemeente_editions
    from pipelines.partitions import contiguous_blocks

    gemeenten = gemeenten or [default_gemeente()]
    editions_by = {g: tuple(gemeente_editions(g)) for g in gemeenten}
    reports: list[RunReport] = []
    for block in contiguous_blocks(gemeenten, editions_by):
        reports += _build_block(echo, block, selection, publish, editions, keep, workers)
    return reports


def _build_block(echo, block, selection, publish, editions, keep, workers) -> list[RunReport]:
    copies = {}
    for code in block:
        with gemeente_scope(code):
            published = published_warehouse_path()
            published.parent.mkdir(parents=True, exist_ok=True)
            copies[code] = (published, warehouse_copy("building", published))
            _move(published, copies[code][1], copy=True)  # over an interrupted run's copy
    try:
        with building_warehouse():
            run = _run(echo, block, selection, publish, editions, workers)
    except BaseException:
        for published, building in copies.values():
            _move(building, warehouse_copy("failed", published))
        raise
    reports = []
    for code in block:
        published, building = copies[code]
        with gemeente_scope(code):
            report = RunReport(
                run.success, run.seconds, run.run_id, list(run.failures), gemeente=code
            )
            report.published = run.published
            if not run.success:  # a failed run leaves no half-built site behind
                shutil.rmtree(site_staging_dir(), ignore_errors=True)
            with building_warehouse():
                report.quality, report.quality_report = write_quality_report(report)
        if keep and (report.success or report.published):
            # a site published by this run always gets its warehouse (a step that failed after
            # the publication cannot leave the site newer than the warehouse)
            _move(building, published)
            warehouse_copy("failed", published).unlink(missing_ok=True)
        elif report.success:
            _remove(building)
        else:
            report.failed_warehouse = warehouse_copy("failed", published)
            _move(building, report.failed_warehouse)
        reports.append(report)
    return reports


# imported once by the fork server, so that a step process starts without importing them
PRELOAD = [
    "pipelines.definitions",
    "great_expectations",
    "quality.validate",
    "indicators.engine",
    "indicators.national",
    "dashboards.site_builder",
    "dashboards.wijkanalyse",
    "geopandas",
]


def _execution(workers: int) -> dict:
    """Run config of the executor: in-process, or Dagster's multiprocess executor with
    ``workers`` step processes forked from a server that has the pipeline imported already."""
    if workers <= 0:
        return {"in_process": {}}
    return {
        "multiprocess": {
            "max_concurrent": workers,
            "start_method": {"forkserver": {"preload_modules": PRELOAD}},
        }
    }


def _execute(keys, instance, run_config, tags, workers):
    """Run the build job: in this process, or (``workers`` > 0) with Dagster's multiprocess
    executor, which needs the job reconstructable. Returns success, run id and the events."""
    from pipelines.definitions import build_job

    if workers > 0:
        with dg.execute_job(
            dg.reconstructable(build_job),
            instance=instance,
            run_config=run_config,
            tags=tags,
            raise_on_error=False,
            asset_selection=keys,
        ) as result:
            return result.success, result.run_id, list(result.all_events)
    result = build_job().execute_in_process(
        instance=instance,
        run_config=run_config,
        raise_on_error=False,
        asset_selection=keys,
        tags=tags,
    )
    return result.success, result.run_id, result.all_events


def _run(echo, gemeenten, selection, publish, editions, workers) -> RunReport:
    dagster_home()
    from pipelines.definitions import defs
    from pipelines.partitions import run_tags

    keys = [dg.AssetKey(s) for s in selection] if selection else None
    if not publish:
        every = keys or list(defs.resolve_asset_graph().get_all_asset_keys())
        keys = [k for k in every if k.to_user_string() not in PUBLICATION_ASSETS]
    instance = dg.DagsterInstance.get()
    printer = _StepPrinter(echo)
    dagster_logger = logging.getLogger(PROGRESS_LOGGER)
    dagster_logger.addHandler(printer)
    run_config = {"loggers": {"console": {}}, "execution": {"config": _execution(workers)}}
    tags = run_tags(gemeenten, editions)
    started = time.perf_counter()
    try:
        with environment(STEP_LINES, "1" if workers > 0 and echo is not None else "0"):
            success, run_id, events = _execute(keys, instance, run_config, tags, workers)
    finally:
        dagster_logger.removeHandler(printer)
    report = RunReport(success, time.perf_counter() - started, run_id)
    for event in events:
        if event.event_type_value == "STEP_FAILURE":
            report.failures.append((event.step_key, _root_message(event.step_failure_data.error)))
        elif event.event_type_value == "STEP_SUCCESS" and event.step_key == "published_site":
            report.published = True
    return report


def _root_message(error) -> str:
    """The message of the InputError behind a step failure (it names file, row, column and
    rule); for other errors, that of the deepest cause."""
    chain = []
    while error is not None:
        chain.append(error)
        error = error.cause
    named = [e for e in chain if e.cls_name == "InputError"]
    return (named[0] if named else chain[-1]).message.strip()


def write_quality_report(report: RunReport) -> tuple[QualityOutcome, Path]:
    """The run's rule results and read failures, as the HTML report beside the site."""
    import duckdb

    from quality.report import outcome, write_report
    from quality.results import run_results
    from quality.rulesets import load_rulesets

    results = []
    if warehouse_path().exists():
        # same configuration as the run's connections: DuckDB shares one instance per process
        with duckdb.connect(str(warehouse_path())) as con:
            results = run_results(con, report.run_id)
    quality = outcome(report.run_id, load_rulesets(), results, report.read_failures)
    synthetic = any(s.synthetic for _, s in discover_snapshots(raw_dir()))
    path = write_report(quality_report_path(), quality, synthetic=synthetic)
    return quality, path
