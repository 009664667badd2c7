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
    published_warehouse_path,
    quality_report_path,
    raw_dir,
    site_staging_dir,
    warehouse_path,
)
from quality.report import QualityOutcome


def dagster_home() -> Path:
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT / ".dagster_home")))
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
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
    return log


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

    @property
    def read_failures(self) -> list[tuple[str, str]]:
        """Steps that failed other than by a quality rule (unreadable input, a crash)."""
        return [(s, m) for s, m in self.failures if not s.endswith(CHECK_STEP_SUFFIX)]


class _StepPrinter(logging.Handler):
    """Prints one line per finished step from Dagster's structured log records."""

    def __init__(self, echo):
        super().__init__(logging.DEBUG)
        self.echo = echo
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
            self.echo(f"  ok   {step:<48} {took:6.1f} s")
        elif kind == "STEP_FAILURE":
            self.echo(f"  FAIL {step}")


class _NoEngineErrors(logging.Filter):
    """Failed steps and what they held up are summarised by the command (file, row, column, rule);
    Dagster's own error records of them (stack traces, "Not executing") only hide that summary.
    They stay in the run's event log (``make dagster``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno < logging.ERROR


def warehouse_copy(kind: str, path: Path | None = None) -> Path:
    """``wijkkompas.<kind>.duckdb`` beside the warehouse (same file system: a rename swaps it)."""
    path = path or published_warehouse_path()
    return path.with_name(f"{path.stem}.{kind}{path.suffix}")


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
    """Materialise every asset (or ``selection``) in-process with every quality check on them;
    edition-partitioned assets for every edition (or ``editions``); without ``publish`` the
    site is built in staging but not swapped in. Writes the data-quality report of the run;
    never raises on asset errors or failed rules.

    The run works on a copy of the warehouse (``wijkkompas.building.duckdb``), like the site in
    staging: when it passed (and ``keep``: `wijkkompas check` keeps nothing) the copy replaces
    the warehouse in one rename, right after the site was swapped in; after a failed run the
    warehouse is as it was, and the copy is left as ``wijkkompas.failed.duckdb`` to inspect.
    So the warehouse, the notebooks that read it and the site all show the last good build."""
    published = published_warehouse_path()
    published.parent.mkdir(parents=True, exist_ok=True)
    building = warehouse_copy("building", published)
    _move(published, building, copy=True)  # over an interrupted run's copy, if any
    try:
        with building_warehouse(building):
            report = _run(echo, selection, publish, editions)
    except BaseException:
        _move(building, warehouse_copy("failed", published))
        raise
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
    return report


def _run(echo, selection, publish, editions) -> RunReport:
    dagster_home()
    from pipelines.definitions import defs
    from pipelines.partitions import run_tags

    job = defs.resolve_job_def("build")
    keys = [dg.AssetKey(s) for s in selection] if selection else None
    if not publish:
        every = keys or list(defs.resolve_asset_graph().get_all_asset_keys())
        keys = [k for k in every if k.to_user_string() not in PUBLICATION_ASSETS]
    instance = dg.DagsterInstance.get()
    printer = _StepPrinter(echo)
    dagster_logger = logging.getLogger(PROGRESS_LOGGER)
    dagster_logger.addHandler(printer)
    started = time.perf_counter()
    try:
        result = job.execute_in_process(
            instance=instance,
            run_config={"loggers": {"console": {}}},
            raise_on_error=False,
            asset_selection=keys,
            tags=run_tags(editions),
        )
    finally:
        dagster_logger.removeHandler(printer)
    report = RunReport(result.success, time.perf_counter() - started, result.run_id)
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            report.failures.append((event.step_key, _root_message(event.step_failure_data.error)))
        elif event.event_type_value == "STEP_SUCCESS" and event.step_key == "published_site":
            report.published = True
    if not result.success:  # a failed run leaves no half-built site behind
        shutil.rmtree(site_staging_dir(), ignore_errors=True)
    report.quality, report.quality_report = write_quality_report(report)
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
