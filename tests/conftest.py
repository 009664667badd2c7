"""Shared fixtures. The suite builds a real warehouse once (real Dagster run, real DuckDB file)
in a temporary directory, so the project's own ``data/warehouse`` is never touched."""

from __future__ import annotations

import csv
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NATIONAL = ROOT / "data" / "raw" / "national" / "kwb_2023_national_43cols.csv"


@functools.cache
def national_rows() -> dict[str, dict[str, str]]:
    """The national CBS file as a statistician opens it: code -> {column: cell}, read once."""
    with NATIONAL.open(encoding="utf-8", newline="") as fh:
        return {r["gwb_code_10"]: r for r in csv.DictReader(fh)}


def national_cell(cell: str) -> float | None:
    """A figure of the national file: empty or "." (secret) is no figure."""
    cell = cell.strip()
    return None if cell in ("", ".") else float(cell.replace(",", "."))


# `make test` runs the suite on two pytest-xdist workers that share one build: the same
# directory for every worker of a run (PYTEST_XDIST_TESTRUNUID), a private one otherwise
_RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID")
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
if _RUN:
    _TMP = Path(tempfile.gettempdir()) / f"wijkkompas-tests-{_RUN}"
    _TMP.mkdir(exist_ok=True)
else:
    _TMP = Path(tempfile.mkdtemp(prefix="wijkkompas-tests-"))
TMP = _TMP  # the run's shared folder (tests/islands.py builds there too)
os.environ["WIJKKOMPAS_WAREHOUSE"] = str(_TMP / "warehouse" / "wijkkompas.duckdb")
os.environ["DAGSTER_HOME"] = str(_TMP / f"dagster_home_{_WORKER}")  # a worker's own runs
os.environ["WIJKKOMPAS_SITE"] = str(_TMP / "site")
os.environ.pop("WIJKKOMPAS_DATA", None)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return ROOT / "data"


@pytest.fixture(scope="session")
def built_warehouse() -> Path:
    """Run the real build job once per test run; return the DuckDB file. The first worker
    that needs it builds it; the others wait for it (a file lock) and read the same files."""
    import fcntl

    from pipelines.runner import run_build

    done = _TMP / "build.done"
    with (_TMP / "build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.exists():
            report = run_build(echo=lambda *_: None)
            assert report.success, report.failures
            done.write_text(_WORKER, encoding="utf-8")
    return Path(os.environ["WIJKKOMPAS_WAREHOUSE"])


@pytest.fixture(scope="session")
def islands():
    """Terschelling and Vlieland built by one multiprocess run, once per test run
    (tests/islands.py): read-only; copy a gemeente before changing it."""
    from tests.islands import islands as shared

    return shared()


@pytest.fixture()
def con(built_warehouse):
    import duckdb

    connection = duckdb.connect(str(built_warehouse), read_only=True)
    yield connection
    connection.close()


@pytest.fixture()
def data_copy(tmp_path) -> Path:
    """A private copy of data/ (without the warehouse) to damage in a test."""
    target = tmp_path / "data"
    shutil.copytree(ROOT / "data", target, ignore=shutil.ignore_patterns("warehouse"))
    return target


def run_cli(*args: str, data: Path | None = None, tmp: Path | None = None, **settings: str):
    """Run the real ``wijkkompas`` command in a subprocess; return the completed process.
    ``settings``: extra environment variables (e.g. WIJKKOMPAS_REPORT_PDF="0")."""
    env = dict(os.environ) | settings
    if data is not None:
        env["WIJKKOMPAS_DATA"] = str(data)
        env["WIJKKOMPAS_WAREHOUSE"] = str((tmp or data.parent) / "wh" / "w.duckdb")
        env["DAGSTER_HOME"] = str((tmp or data.parent) / "dagster_home")
        env["WIJKKOMPAS_SITE"] = str((tmp or data.parent) / "site")
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def copy_warehouse(source: Path, tmp: Path) -> None:
    """Start from the built warehouse: a copy of the file and of its write-ahead log if it has
    one (DuckDB replays it on opening); the source is only read, so other test workers may
    hold it open meanwhile."""
    (tmp / "wh").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, tmp / "wh" / "w.duckdb")
    wal = source.with_name(source.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, tmp / "wh" / "w.duckdb.wal")


# files that need no session build but run builds of their own (minutes: tests/islands.py)
SLOW_WITHOUT_BUILD = ("test_build_safety.py", "test_gemeenten.py", "test_gemeente_browser.py")
# files that need it and take minutes after it (their own builds on copies): first in line,
# so that no worker is left with one of them at the end while the other idles
SLOW_WITH_BUILD = ("test_refresh.py", "test_quality_gate.py", "test_layouts.py",
                   "test_site_browser.py", "test_cli.py", "test_reports.py")  # fmt: skip


def pytest_collection_modifyitems(session, config, items):
    """The order of the files: the first that needs the session's build, then every file that
    needs none, then the rest, the slowest first. `make test` runs two workers with
    ``--dist loadfile --no-loadscope-reorder`` (xdist would otherwise reorder the files by
    their number of tests): xdist hands the first four files out in pairs (the builder gets
    the 1st and 3rd, the other worker the 2nd and 4th), then one file at a time to whichever
    is free. So one worker builds while the other runs the slow files that need no build
    (the two gemeenten of tests/islands.py), instead of waiting for it."""
    needs: dict = {}
    for item in items:
        needs[item.path] = needs.get(item.path, False) or (
            "built_warehouse" in getattr(item, "fixturenames", ())
        )
    dependent = [f for f, built in needs.items() if built]
    slow = [f for f, built in needs.items() if not built and f.name in SLOW_WITHOUT_BUILD]
    light = [f for f, built in needs.items() if not built and f.name not in SLOW_WITHOUT_BUILD]
    independent = []
    while slow or light:
        independent.append(slow.pop(0) if slow else light.pop(0))  # the other worker's place
        if light:
            independent.append(light.pop(0))  # the builder's, run after its build
    first = [f for f in dependent if f.name not in SLOW_WITH_BUILD][:1]
    rest = sorted(
        (f for f in dependent if f not in first),
        key=lambda f: SLOW_WITH_BUILD.index(f.name) if f.name in SLOW_WITH_BUILD else 99,
    )  # stable: the others in their own order
    order = first + independent + rest
    rank = {f: i for i, f in enumerate(order)}
    items.sort(key=lambda item: rank[item.path])  # stable: a file's own order is kept
