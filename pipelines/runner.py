"""Run the build job in-process against a local Dagster instance, with readable progress."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from ingest.snapshots import discover_snapshots
from pipelines.build_lock import build_lock
from pipelines.settings import (
    BUILD_COPY,
    PROJECT_ROOT,
    check_copy,
    data_dir,
    default_gemeente,
    environment,
    gemeente_scope,
    on_working_copy,
    published_warehouse_path,
    quality_report_path,
    raw_dir,
    site_dir,
    site_staging_dir,
    warehouse_copy,
    warehouse_path,
)
from pipelines.warehouse_check import rebuild_command, verify_warehouse
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
    from_scratch: bool = False,
) -> RunReport:
    """Build the default gemeente (data/): :func:`run_builds` of that one gemeente."""
    return run_builds(echo, selection, publish, editions, keep, from_scratch=from_scratch)[0]


def run_builds(
    echo=print,
    selection: list[str] | None = None,
    publish: bool = True,
    editions: list[int] | None = None,
    keep: bool = True,
    gemeenten: list[str] | None = None,
    workers: int = 0,
    from_scratch: bool = False,
) -> list[RunReport]:
    """Materialise every asset (or ``selection``) with every quality check on them, for the
    ``gemeenten`` (default: the default gemeente) x every edition of each (or ``editions``);
    without ``publish`` the site is built in staging but not swapped in. Writes each gemeente's
    data-quality report; never raises on asset errors or failed rules. One report per gemeente.

    Gemeenten that are neighbours in the partition dimension and have the same editions are one
    Dagster run (a box of partitions); ``workers`` > 0 runs it with Dagster's multiprocess
    executor (that many step processes), else in-process.

    Each gemeente's run works on a copy of its warehouse (``wijkkompas.building.duckdb``), like
    the site in staging: when the run passed the copy replaces the warehouse in one rename, right
    after the site was swapped in; after a failed run the warehouse is as it was, and the copy is
    kept to inspect as ``wijkkompas.failed-<time>.duckdb`` (the latest few). So the warehouse,
    the notebooks that read it and the site all show the last good build.

    A build (``keep``) holds the build lock of its gemeenten (:mod:`pipelines.build_lock`) and
    raises BuildRunning at once when another process holds one. `wijkkompas check` (not
    ``keep``) takes no lock: it works on copies of its own (``wijkkompas.checking-<pid>.duckdb``,
    ``.site.checking-<pid>``), removed afterwards, so it runs beside a build. Before anything is
    copied, the warehouse is read whole: a damaged one raises DamagedWarehouse naming the
    rebuild command (``from_scratch``: start from an empty warehouse instead of a copy)."""
    from pipelines.gemeente_inputs import gemeente_editions
    from pipelines.partitions import contiguous_blocks

    gemeenten = gemeenten or [default_gemeente()]
    with build_lock(gemeenten) if keep else contextlib.nullcontext():
        editions_by = {g: tuple(gemeente_editions(g)) for g in gemeenten}
        reports: list[RunReport] = []
        for block in contiguous_blocks(gemeenten, editions_by):
            reports += _build_block(
                echo, block, selection, publish, editions, keep, workers, from_scratch
            )
    return reports


FAILED_COPIES_KEPT = 3  # the latest failed runs' warehouses kept to inspect, per gemeente


def _working_copies(block, kind: str, from_scratch: bool) -> dict[str, tuple[Path, Path]]:
    """Per gemeente (published warehouse, working copy): the warehouse read whole first (a
    damaged one is named before anything is copied), then copied; or, ``from_scratch``, an
    empty working copy."""
    copies = {}
    for code in block:
        with gemeente_scope(code):
            published = published_warehouse_path()
            published.parent.mkdir(parents=True, exist_ok=True)
            if not from_scratch:
                verify_warehouse(published, rebuild_command(code), data_dir())
            _remove_stale_checks(published, site_dir())
            copies[code] = (published, warehouse_copy(kind, published))
            if from_scratch:
                _remove(copies[code][1])
            else:
                _move(published, copies[code][1], copy=True)  # over an interrupted run's copy
    return copies


def _build_block(
    echo, block, selection, publish, editions, keep, workers, from_scratch
) -> list[RunReport]:
    kind = BUILD_COPY if keep else check_copy()
    copies = _working_copies(block, kind, from_scratch)
    try:
        with on_working_copy(kind):
            run = _run(echo, block, selection, publish, editions, workers)
    except BaseException:
        for published, working in copies.values():
            _move(working, _failed_copy(published))
        raise
    reports = []
    for code in block:
        published, working = copies[code]
        with gemeente_scope(code):
            report = RunReport(
                run.success, run.seconds, run.run_id, list(run.failures), gemeente=code
            )
            report.published = run.published
            with on_working_copy(kind):
                if not run.success or not keep:  # a failed run leaves no half-built site
                    shutil.rmtree(site_staging_dir(), ignore_errors=True)
                report.quality, report.quality_report = write_quality_report(report)
        if keep and (report.success or report.published):
            # a site published by this run always gets its warehouse (a step that failed after
            # the publication cannot leave the site newer than the warehouse)
            _move(working, published)
        elif report.success:
            _remove(working)
        else:
            report.failed_warehouse = _failed_copy(published)
            _move(working, report.failed_warehouse)
        reports.append(report)
    return reports


def _failed_copy(published: Path) -> Path:
    """A new name, by time, for a failed run's warehouse (``wijkkompas.failed-20261207-140201
    .duckdb``), after removing all but the latest few of the earlier ones: a run never
    overwrites another run's copy."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = warehouse_copy(f"failed-{stamp}", published)
    if target.exists():  # a check beside a build, failing in the same second
        target = warehouse_copy(f"failed-{stamp}-{os.getpid()}", published)
    earlier = failed_copies(published)
    for old in earlier[: max(0, len(earlier) - FAILED_COPIES_KEPT + 1)]:
        _remove(old)
    return target


def failed_copies(published: Path) -> list[Path]:
    """The failed runs' warehouses kept beside ``published``, the latest last."""
    pattern = f"{published.stem}.failed*{published.suffix}"
    return sorted(published.parent.glob(pattern), key=lambda p: p.stat().st_mtime)


def _remove_stale_checks(published: Path, site: Path) -> None:
    """Remove the copies of checks whose process is gone (killed before it cleaned up)."""
    stale = []
    for path in [
        *published.parent.glob(f"{published.stem}.checking-*{published.suffix}"),
        *site.parent.glob(f".{site.name}.checking-*"),
    ]:
        pid = path.name.split("checking-")[1].split(".")[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            stale.append(path)
    for path in stale:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            _remove(path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
