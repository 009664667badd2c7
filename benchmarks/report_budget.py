"""Time and size of the wijkanalyse reports, printed as figures.

    make budget        (after `make run`, which builds the warehouse and the site)

Writes the reports of every wijk and gebied from the warehouse into a copy of the published
site's assets and prints them to PDF with Chromium, RUNS times with one browser page and RUNS
times with the default number of pages in parallel (alternating, so both see the same machine),
and prints the medians, the pages per PDF and the sizes.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pypdf

from dashboards.report_pages import write_reports
from dashboards.report_pdf import PrintJob, default_workers, print_pdfs
from dashboards.wijkanalyse import load_report_context
from pipelines.assets.reports import footer
from pipelines.settings import site_dir, warehouse_path

RUNS = 3


def main() -> int:
    warehouse, site = warehouse_path(), site_dir()
    if not warehouse.exists() or not (site / "assets").exists():
        print(f"no warehouse at {warehouse} or no site at {site}: run `make run` first")
        return 2
    default = default_workers()
    with tempfile.TemporaryDirectory(prefix="wijkkompas-reports-") as tmp:
        target = Path(tmp)
        shutil.copytree(site / "assets", target / "assets")
        start = time.perf_counter()
        with duckdb.connect(str(warehouse), read_only=True) as con:
            ctx = load_report_context(con)
        written = write_reports(ctx, target)
        html_s = time.perf_counter() - start
        name = ctx.name(ctx.data.gemeente)
        jobs = [PrintJob(h, h.with_suffix(".pdf"), footer(r, name)) for r, h in written]
        times: dict[int, list[float]] = {1: [], default: []}
        for _ in range(RUNS):
            for workers in times:
                start = time.perf_counter()
                print_pdfs(jobs, workers=workers)
                times[workers].append(time.perf_counter() - start)
        pdfs = [j.pdf for j in jobs]
        pages = [len(pypdf.PdfReader(p).pages) for p in pdfs]
        sizes = [p.stat().st_size for p in pdfs]
        print(f"Reports: {len(jobs)} (wijken and gebieden); HTML written in {html_s:.1f} s")
        for workers, runs in times.items():
            print(
                f"  PDF printing, {workers} page(s) at a time, {RUNS} runs: "
                + ", ".join(f"{t:.1f} s" for t in runs)
                + f"; median {statistics.median(runs):.1f} s"
            )
        print(
            f"  pages per PDF: median {statistics.median(pages):.0f}, max {max(pages)}; "
            f"size median {statistics.median(sizes) / 2**20:.2f} MB, "
            f"all {sum(sizes) / 2**20:.1f} MB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
