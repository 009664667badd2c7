"""Run the build job in-process against a local Dagster instance, with readable progress."""

from __future__ import annotations

import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from pipelines.settings import PROJECT_ROOT


def dagster_home() -> Path:
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT / ".dagster_home")))
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copy(Path(__file__).with_name("dagster.yaml"), home / "dagster.yaml")
    return home


PROGRESS_LOGGER = "wijkkompas.progress"


@dg.logger(description="Quiet console logger: warnings and errors only; the CLI prints progress.")
def progress_logger(init_context) -> logging.Logger:
    log = logging.getLogger(PROGRESS_LOGGER)
    log.setLevel(logging.DEBUG)
    log.propagate = False
    if not any(getattr(h, "_wijkkompas", False) for h in log.handlers):
        warn = logging.StreamHandler()
        warn.setLevel(logging.WARNING)
        warn._wijkkompas = True
        log.addHandler(warn)
    return log


@dataclass
class RunReport:
    success: bool
    seconds: float
    steps_done: list[tuple[str, float]] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


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


def run_build(echo=print, selection: list[str] | None = None) -> RunReport:
    """Materialise every asset (or ``selection``) in-process; never raises on asset errors."""
    dagster_home()
    from pipelines.definitions import defs

    job = defs.resolve_job_def("build")
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
            asset_selection=[dg.AssetKey(s) for s in selection] if selection else None,
        )
    finally:
        dagster_logger.removeHandler(printer)
    report = RunReport(result.success, time.perf_counter() - started)
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            error = event.step_failure_data.error
            cause = error
            while cause.cause is not None:
                cause = cause.cause
            message = cause.message.strip() if cause else str(error)
            report.failures.append((event.step_key, message))
        elif event.event_type_value == "STEP_SKIPPED":
            report.skipped.append(event.step_key)
    return report
