"""Two small gemeenten built once for the whole test run: Terschelling (GM0093, with an own
layout whose western wijk is named with a spreadsheet formula) and Vlieland (GM0096), generated
from the national CBS file and built by one `wijkkompas build --workers 2` (one Dagster run,
the multiprocess executor), while a second `wijkkompas build` of Terschelling is started beside
it and must refuse.

Building them costs minutes, so ``tests/test_gemeenten.py`` (the gemeenten as partitions of
one run) and ``tests/test_build_safety.py`` (one build at a time, safe downloads) read the same
build. It is made by the first worker that asks, under a file lock, and stored with what the
processes said (``islands.json``); the other workers read it. Tests that change a gemeente
(kill a build, damage its warehouse) work on a copy (:func:`private_copy`)."""

from __future__ import annotations

import csv
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

from tests.conftest import ROOT, TMP, national_rows

TERSCHELLING, VLIELAND = "GM0093", "GM0096"
PAYLOAD = '=HYPERLINK("http://x","click")'  # the western wijk's name
FIRST = ("build", "--gemeente", "vlieland", "--gemeente", "terschelling", "--workers", "2")


def formula_layout(path: Path) -> Path:
    """An own layout of Terschelling: west (wijken 00, 01; named with a spreadsheet formula)
    and east (02-05), two gebieden."""
    rows = [["buurt_code", "wijk_code", "wijk_name", "gebied_code", "gebied_name"]]
    for code in national_rows():
        if code.startswith("BU") and code[2:6] == TERSCHELLING[2:6]:
            west = code[6:8] in ("00", "01")
            rows.append(
                [code, "TW" if west else "TO", PAYLOAD if west else "Oost",
                 "GB009301" if west else "GB009302", "West" if west else "Oost"]
            )  # fmt: skip
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return path


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipelines.cli", *args]


def start(env: dict, *args: str) -> subprocess.Popen:
    """A `wijkkompas` process in a session of its own (so that it can be killed whole)."""
    return subprocess.Popen(
        command(*args), cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, start_new_session=True,
    )  # fmt: skip


def run(env: dict, *args: str, timeout: int = 300) -> tuple[subprocess.CompletedProcess, float]:
    started = time.perf_counter()
    done = subprocess.run(
        command(*args), cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    return done, time.perf_counter() - started


def wait_for_lock(lock: Path, pid: int, process: subprocess.Popen, seconds: float = 60) -> None:
    """Until the process ``pid`` holds the build lock (it wrote its name into the lock file)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            if json.loads(lock.read_text(encoding="utf-8") or "{}").get("pid") == pid:
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.1)
    raise AssertionError(f"{pid} never took {lock}")


def environment(gemeenten: Path, dagster_home: Path) -> dict:
    return dict(os.environ) | {
        "WIJKKOMPAS_GEMEENTEN": str(gemeenten),
        "DAGSTER_HOME": str(dagster_home),
        "WIJKKOMPAS_REPORT_PDF": "0",
    }


def _dagster_run(home: Path) -> dict:
    """What the Dagster instance of the build recorded: its runs, the executor's concurrency,
    the partitions published and how many processes ran steps."""
    import dagster as dg

    home_set = mock.patch.dict(os.environ, {"DAGSTER_HOME": str(home)})
    with home_set, dg.DagsterInstance.get() as instance:  # entered in that order
        runs = instance.get_runs()
        run_ = runs[0]
        records = instance.fetch_materializations(dg.AssetKey("published_site"), limit=10).records
        started = instance.all_logs(run_.run_id, of_type=dg.DagsterEventType.STEP_START)
        return {
            "runs": len(runs),
            "max_concurrent": run_.run_config["execution"]["config"]["multiprocess"][
                "max_concurrent"
            ],
            "partitions": sorted(r.partition_key for r in records),
            "same_run": sorted({r.run_id for r in records}) == [run_.run_id],
            "step_processes": len({e.dagster_event.pid for e in started}),
        }


def _build(root: Path) -> dict:
    from pipelines.gemeente_inputs import generate_inputs

    gemeenten = root / "gemeenten"
    env = environment(gemeenten, root / "dagster_home")
    layout = formula_layout(root / "eigen.csv")
    # Terschelling's inputs with its own layout, before the build (which keeps them)
    with mock.patch.dict(os.environ, {"WIJKKOMPAS_GEMEENTEN": str(gemeenten)}):
        generate_inputs(TERSCHELLING, layout, echo=lambda *_: None)
    lock = gemeenten / TERSCHELLING / "warehouse" / "wijkkompas.lock"
    first = start(env, *FIRST)
    wait_for_lock(lock, first.pid, first, seconds=120)
    second, second_seconds = run(env, "build", "--gemeente", TERSCHELLING)
    out, err = first.communicate(timeout=900)
    return {
        "first_pid": first.pid,
        "first_returncode": first.returncode,
        "first_stdout": out,
        "first_out": out + err,
        "second_returncode": second.returncode,
        "second_stderr": second.stderr,
        "second_out": second.stdout + second.stderr,
        "second_seconds": second_seconds,
        "dagster": _dagster_run(root / "dagster_home") if first.returncode == 0 else {},
        "lock_after": lock.read_text(encoding="utf-8") if lock.exists() else None,
    }


def islands() -> SimpleNamespace:
    """The shared build (module doc): built by the first caller of the test run, read by the
    others. ``gemeenten`` is read-only for the tests."""
    root = TMP / "islands"
    root.mkdir(exist_ok=True)
    done = root / "islands.json"
    with (root / "build.lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # released when the file closes
        if not done.exists():
            done.write_text(json.dumps(_build(root)), encoding="utf-8")
    said = json.loads(done.read_text(encoding="utf-8"))
    return SimpleNamespace(root=root, gemeenten=root / "gemeenten", **said)


def private_copy(gemeenten: Path, code: str, target: Path) -> Path:
    """A copy of one built gemeente (inputs, warehouse, site) under ``target``/gemeenten, for
    a test that changes it; returns the copy's gemeenten folder."""
    copy = target / "gemeenten"
    shutil.copytree(gemeenten / code, copy / code, ignore=shutil.ignore_patterns("*.lock"))
    return copy
