"""Budget of the resident site: page weights and build time, printed as figures.

    make budget        (after `make run`, which builds the warehouse)

Builds the whole resident site (the CBS layout and every own layout, as the build does) from the
warehouse RUNS times into temporary folders and prints the median build time (reading the
warehouse + writing every page), then the weight of every kind of page, own layouts' wijk and
gebied pages as kinds of their own (HTML + the CSS/JS it loads; the shared, cached plotly.js
bundle apart).
Targets (issue 5): a wijk page <= 300 KB without plotly.js; the whole site builds in <= 30 s.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from dashboards.budget import page_weight
from dashboards.site_builder import build_resident_site
from dashboards.site_data import load_site_data, own_layouts
from pipelines.settings import editions_config, warehouse_path

RUNS = 3
WIJK_PAGE_BUDGET = 300 * 1024
BUILD_BUDGET_S = 30.0
KINDS = {
    "home": "index.html",
    "wijk": "wijk/*.html",
    "gebied": "gebied/*.html",
    "buurt": "buurt/*.html",
    "indicator": "indicator/*.html",
}


def build_once(warehouse: Path, target: Path) -> tuple[float, list[Path], list[str]]:
    start = time.perf_counter()
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        names = own_layouts(con)
        layouts = [load_site_data(con, name) for name in names]
        primary = editions_config().primary_layout
        files = build_resident_site(load_site_data(con), target, layouts, primary)
    finally:
        con.close()
    return time.perf_counter() - start, files, names


def kb(n: float) -> str:
    return f"{n / 1024:,.1f} KB"


def main() -> int:
    warehouse = warehouse_path()
    if not warehouse.exists():
        print(f"no warehouse at {warehouse}: run `make run` first", file=sys.stderr)
        return 2
    times = []
    with tempfile.TemporaryDirectory(prefix="wijkkompas-budget-") as tmp:
        for run in range(RUNS):
            seconds, files, names = build_once(warehouse, Path(tmp) / f"site{run}")
            times.append(seconds)
        site = Path(tmp) / f"site{RUNS - 1}"
        total = sum(f.stat().st_size for f in files)
        pages = [f for f in files if f.suffix == ".html"]
        build = statistics.median(times)
        print(
            f"Site build (read warehouse + write {len(pages)} pages, {len(files)} files), "
            f"{RUNS} runs: " + ", ".join(f"{t:.1f} s" for t in times)
        )
        print(
            f"  median {build:.1f} s (budget {BUILD_BUDGET_S:.0f} s): "
            + ("within budget" if build <= BUILD_BUDGET_S else "OVER BUDGET")
        )
        print(f"  whole site on disk: {total / 2**20:,.1f} MB")
        print("\nPage weight without the shared plotly.js bundle (HTML + CSS + JS it loads):")
        print(f"  {'kind':<16}{'pages':>6}{'median':>12}{'max':>12}  heaviest")
        wijk_max = 0
        shared = 0
        kinds = dict(KINDS)
        for name in names:  # an own layout's pages: a kind of their own
            kinds |= {f"{name}/{level}": f"{name}/{level}/*.html" for level in ("wijk", "gebied")}
        for kind, pattern in kinds.items():
            weights = [page_weight(p) for lang in ("", "en/") for p in site.glob(lang + pattern)]
            sizes = [w["bytes"] for w in weights]
            heaviest = max(weights, key=lambda w: w["bytes"])
            shared = max(shared, max(w["shared_bytes"] for w in weights))
            if kind.endswith("wijk"):
                wijk_max = max(wijk_max, *sizes)
            print(
                f"  {kind:<16}{len(sizes):>6}{kb(statistics.median(sizes)):>12}"
                f"{kb(max(sizes)):>12}  {heaviest['page'].relative_to(site)}"
            )
        print(f"  shared plotly.js bundle (loaded once, cached): {kb(shared)}")
        print(
            f"\nHeaviest wijk page (CBS or own) {kb(wijk_max)} (budget {kb(WIJK_PAGE_BUDGET)}): "
            + ("within budget" if wijk_max <= WIJK_PAGE_BUDGET else "OVER BUDGET")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
