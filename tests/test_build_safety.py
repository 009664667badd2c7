"""One build at a time, a damaged warehouse named at once, and downloads safe in a spreadsheet:
real `wijkkompas` processes on a small gemeente (Terschelling, generated from the national file
with an own layout whose wijk name is a spreadsheet formula, built with Vlieland once for the test
run: tests/islands.py), started together, killed with SIGKILL (on a copy), and run against a
warehouse with bytes overwritten."""

from __future__ import annotations

import csv
import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests import islands as shared
from tests.conftest import ROOT

FIRST, PAYLOAD, TERSCHELLING = shared.FIRST, shared.PAYLOAD, shared.TERSCHELLING

GEMEENTE = TERSCHELLING  # 6 wijken, a build of ~40 s
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _damage(path: Path, places: int = 19, size: int = 64 * 1024) -> None:
    """Overwrite ``places`` stretches of ``size`` bytes spread over the file, as a disk fault or
    an interrupted copy leaves it (the bytes are junk, the file keeps its length)."""
    length = path.stat().st_size
    step = (length - size) // places
    with path.open("r+b") as fh:
        for k in range(places):
            fh.seek(step // 2 + k * step)
            fh.write(bytes((k * 37 + i) % 251 for i in range(size)))


@pytest.fixture(scope="module")
def terschelling(islands) -> SimpleNamespace:
    """Terschelling built by one `wijkkompas build` (with Vlieland, tests/islands.py) while a
    second one was started beside it: what the islands build said, and its folder."""
    return SimpleNamespace(**vars(islands), home=islands.gemeenten / GEMEENTE)


@pytest.fixture()
def own_terschelling(terschelling, tmp_path) -> SimpleNamespace:
    """A private copy of the built Terschelling to kill builds of and damage."""
    gemeenten = shared.private_copy(terschelling.gemeenten, GEMEENTE, tmp_path)
    env = shared.environment(gemeenten, tmp_path / "dagster_home")
    home = gemeenten / GEMEENTE
    return SimpleNamespace(env=env, home=home, lock=home / "warehouse" / "wijkkompas.lock")


def test_a_second_build_refuses_at_once_and_the_first_publishes(terschelling):
    assert terschelling.second_returncode == 75, terschelling.second_stderr  # EX_TEMPFAIL
    assert terschelling.second_seconds < 5, terschelling.second_seconds
    message = terschelling.second_stderr
    assert "A build is running since" in message
    assert f"pid {terschelling.first_pid}" in message
    assert f"`wijkkompas {' '.join(FIRST)}`" in message  # the holder's own command
    assert "wait for it or stop it" in message and "Traceback" not in message
    assert terschelling.first_returncode == 0, terschelling.first_out[-3000:]
    assert "Done in" in terschelling.first_out
    assert (terschelling.home / "site" / "index.html").exists()
    assert (terschelling.home / "warehouse" / "wijkkompas.duckdb").exists()
    assert not (terschelling.home / "warehouse" / "wijkkompas.building.duckdb").exists()
    assert terschelling.lock_after == ""  # released: no holder named


def _csv_cells(site: Path):
    for path in sorted(site.rglob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for number, row in enumerate(csv.reader(fh, delimiter=";"), start=1):
                for cell in row:
                    yield path, number, cell


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_a_formula_in_a_wijk_name_reaches_no_csv_as_a_formula(terschelling):
    site = terschelling.home / "site"
    cells = list(_csv_cells(site))
    files = {path for path, _, _ in cells}
    assert site / "downloads" / "indicator_values.csv" in files
    assert site / "data" / "eigen" / "TW.csv" in files
    formulas = [
        (str(path.relative_to(site)), row, cell)
        for path, row, cell in cells
        if cell.startswith(FORMULA_START) and not _is_number(cell)
    ]
    assert not formulas, formulas[:5]
    # the name is there, as text a spreadsheet shows: neutralised with an apostrophe (OWASP)
    neutralised = {path.name for path, _, cell in cells if cell == "'" + PAYLOAD}
    assert {"indicator_values.csv", "TW.csv"} <= neutralised
    # the page shows the name as text, escaped, never as markup or a link
    page = (site / "eigen" / "wijk" / "TW.html").read_text(encoding="utf-8")
    assert "=HYPERLINK(&#34;http://x&#34;,&#34;click&#34;)" in page
    assert 'href="http://x"' not in page
    # the input rule warns about the name, naming the area
    assert "WARNING area_names.names_do_not_look_like_formulas" in terschelling.first_out
    assert "area_code TW" in terschelling.first_out


def test_a_killed_build_leaves_no_lock_and_a_damaged_warehouse_is_named_at_once(
    own_terschelling,
):
    env, home = own_terschelling.env, own_terschelling.home
    killed = shared.start(env, "build", "--gemeente", GEMEENTE)
    shared.wait_for_lock(own_terschelling.lock, killed.pid, killed)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.communicate(timeout=30)
    site = _digest(home / "site")
    warehouse = home / "warehouse" / "wijkkompas.duckdb"
    _damage(warehouse)
    rebuild = f"wijkkompas build --from-scratch --gemeente {GEMEENTE}"
    files = sorted(p.name for p in warehouse.parent.iterdir())
    for args in (["build", "--gemeente", GEMEENTE], ["check", "--gemeente", GEMEENTE]):
        done, seconds = shared.run(env, *args, timeout=60)
        message = done.stdout + done.stderr
        assert done.returncode == 1, message
        assert seconds < 30, (args, seconds)
        assert "A build is running" not in message  # the killed build's lock went with it
        assert f"The warehouse {warehouse} is damaged" in message
        assert "Corrupt database file" in message and rebuild in message
        assert "Traceback" not in message and "This is a bug" not in message
        assert sorted(p.name for p in warehouse.parent.iterdir()) == files  # nothing left
    notebook, seconds = shared.run(
        env, "notebook", "wijkanalyse", "--area", "WK009300", "--warehouse", str(warehouse)
    )
    assert notebook.returncode == 1 and "is damaged" in notebook.stderr and seconds < 30
    assert _digest(home / "site") == site  # byte for byte as published

    done, _ = shared.run(env, *rebuild.split()[1:], timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "from scratch" in done.stdout and "Published site" in done.stdout
    from pipelines.warehouse_check import damage_of

    assert damage_of(warehouse) is None
    assert _digest(home / "site") != site  # the rebuild published a new site
    assert not (home / "warehouse" / "wijkkompas.building.duckdb").exists()


def test_a_dagster_run_of_a_gemeente_whose_build_runs_fails_at_once(
    own_terschelling, tmp_path, monkeypatch
):
    """A run launched as the Dagster UI launches it (the job's own executor) while another
    process holds the gemeente's build lock fails before its first step, naming the holder."""
    import dagster as dg

    from pipelines.definitions import build_job
    from pipelines.partitions import run_tags

    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import time\nfrom pipelines.build_lock import build_lock\n"
         f"with build_lock(['{GEMEENTE}'], 'the holder'):\n"
         "    print('held', flush=True)\n    time.sleep(120)\n"],
        cwd=ROOT, env=own_terschelling.env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        monkeypatch.setenv("WIJKKOMPAS_GEMEENTEN", own_terschelling.env["WIJKKOMPAS_GEMEENTEN"])
        with (
            dg.instance_for_test(temp_dir=str(tmp_path)) as instance,
            dg.execute_job(
                dg.reconstructable(build_job),
                instance=instance,
                run_config={"execution": {"config": {"in_process": {}}}},
                tags=run_tags([GEMEENTE]),
                raise_on_error=False,
            ) as result,
        ):
            assert not result.success
            failure = next(e for e in result.all_events if e.is_run_failure)
            steps = [e for e in result.all_events if e.event_type_value == "STEP_START"]
        text = str(failure.event_specific_data.error.message)
        assert "A build is running" in text and f"pid {holder.pid}" in text
        assert "`the holder`" in text
        assert not steps  # nothing ran, nothing was written
    finally:
        holder.kill()
        holder.wait()


def test_numbers_stay_numbers_and_only_text_is_neutralised(tmp_path):
    """Negative figures (a change, a z value) are numbers, not formulas; text starting with any
    of the six characters gets its apostrophe; the frame written stays as it was."""
    import pandas as pd

    from indicators.downloads import write_csv

    frame = pd.DataFrame(
        {
            "area_name": ["=1+1", "+31 6", "-min", "@SUM(A1)", "\tTab", "\rCR", "Beijum"],
            "change": [-2.5, -0.1, 0.0, 1.5, -7.0, 3.0, -1.0],
            "trend_note": ["- lager", None, "gelijk", "hoger", "-", "x", "y"],
        }
    )
    before = frame.copy()
    path = write_csv(frame, tmp_path / "out.csv")
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert [r["area_name"] for r in rows] == [
        "'=1+1", "'+31 6", "'-min", "'@SUM(A1)", "'\tTab", "'\rCR", "Beijum"
    ]  # fmt: skip
    assert [float(r["change"]) for r in rows] == before["change"].tolist()
    assert [r["trend_note"] for r in rows] == ["'- lager", "", "gelijk", "hoger", "'-", "x", "y"]
    pd.testing.assert_frame_equal(frame, before)
