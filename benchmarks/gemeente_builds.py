"""How long a generated gemeente takes to build (not a test: it prints figures).

    .venv/bin/python benchmarks/gemeente_builds.py [--gemeente GM0344] [--repeat 3]
                                                   [--ten] [--workers 2]

1. ``--repeat`` fresh builds of one gemeente (default Utrecht), each from nothing: its inputs
   generated from the national files, its warehouse and site built, as a new user's first
   ``wijkkompas build --gemeente GM0344`` does (PDFs printed, as ``make run`` prints them);
   prints each wall time and the median.
2. With ``--ten``: ten gemeenten of different sizes in one run with ``--workers`` processes
   (one Dagster run, gemeente x edition partitions; their inputs generated first, as every
   first build generates them); prints the wall
   time, the seconds per gemeente, and what all 342 gemeenten of the national file would take
   on one such machine and on a cluster of ten.

Everything goes to a temporary WIJKKOMPAS_GEMEENTEN directory, removed afterwards; the
project's own data, warehouse and site are not touched.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# ten gemeenten of every size, from Schiermonnikoog (982 inhabitants, 1 wijk) to Leeuwarden
# (127,073, 22 wijken): neighbours in the gemeente partitions' order, because one Dagster run
# is a box of partitions (pipelines.partitions.contiguous_blocks): ten scattered codes would be
# ten runs one after the other, and --workers would have nothing to share
TEN = ["GM0080", "GM0085", "GM0086", "GM0088", "GM0090", "GM0093", "GM0096", "GM0098",
       "GM0106", "GM0109"]  # fmt: skip
ALL = 342


def build(codes: list[str], gemeenten: Path, workers: int | None = None) -> float:
    env = dict(os.environ, WIJKKOMPAS_GEMEENTEN=str(gemeenten),
               DAGSTER_HOME=str(gemeenten / "dagster_home"))  # fmt: skip
    (gemeenten / "dagster_home").mkdir(parents=True, exist_ok=True)
    args = [sys.executable, "-m", "pipelines.cli", "build"]
    for code in codes:
        args += ["--gemeente", code]
    if workers:
        args += ["--workers", str(workers)]
    start = time.perf_counter()
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"build of {', '.join(codes)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gemeente", default="GM0344")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--ten", action="store_true")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wijkkompas-gemeente-builds-"))
    try:
        if args.repeat:
            times = []
            for k in range(args.repeat):
                fresh = work / f"fresh-{k}"
                times.append(build([args.gemeente], fresh))
                print(f"  fresh build {k + 1} of {args.gemeente}: {times[-1]:.1f} s", flush=True)
                shutil.rmtree(fresh)
            print(f"{args.gemeente}, {args.repeat} fresh builds: median "
                  f"{statistics.median(times):.1f} s (min {min(times):.1f}, "
                  f"max {max(times):.1f}); load average {os.getloadavg()[0]:.1f}")  # fmt: skip
        if args.ten:
            seconds = build(TEN, work / "ten", args.workers)  # inputs generated in the run
            per = seconds / len(TEN)
            print(f"ten gemeenten ({', '.join(TEN)}) in one run with --workers {args.workers}: "
                  f"{seconds:.0f} s, {per:.1f} s a gemeente; all {ALL}: about "
                  f"{ALL * per / 60:.0f} min on this machine, {ALL * per / 600:.0f} min on ten "
                  "such machines (dagster-k8s or dagster-celery, one gemeente a task)")  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
