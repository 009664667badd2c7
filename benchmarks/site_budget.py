"""Budget of the resident site: page weights and build time, printed as figures.

    make budget        (after `make run`, which builds the warehouse)

Builds the whole resident site (the CBS layout and every own layout, as the build does) from the
warehouse RUNS times into temporary folders and prints the median build time (reading the
warehouse + writing every page), then the weight of every kind of page, own layouts' wijk and
gebied pages as kinds of their own (HTML + every stylesheet, script and icon it loads). Then,
in Chromium (390 px phone screen, cold cache, CPU 4x slower through the DevTools protocol),
the heaviest page of each kind is loaded RUNS times: bytes transferred and the median time to
the load event.
Targets (issue 17): every wijk, gebied and buurt page <= 400 KB on a cold load, everything it
loads included; its load event <= 2.0 s at 4x CPU throttling; the site builds in <= 30 s. The
script exits 1 when a target is missed.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from dashboards.page_weight import LOAD_BUDGET_MS, PAGE_BUDGET, cold_load, page_weight
from dashboards.site_builder import build_resident_site
from dashboards.site_data import load_site_data, own_layouts
from pipelines.settings import editions_config, warehouse_path

RUNS = 3
BUILD_BUDGET_S = 30.0
BUDGETED = ("wijk", "gebied", "buurt")  # the kinds a resident opens on a phone
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


def load_times(site: Path, pages: dict[str, Path]) -> float:
    """Cold loads in Chromium of each kind's heaviest page, RUNS times; prints bytes and the
    median load time; returns the slowest median of the budgeted kinds."""
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' browser harness
    from dashboards.report_pdf import chromium_path
    from tests.browser.harness import CHROMIUM_ARGS, MOBILE, serve

    print(f"\nCold load in Chromium, 390 px, CPU 4x slower, cache off ({RUNS} runs, median):")
    slowest = 0.0
    with serve(site) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium_path()), args=CHROMIUM_ARGS)
        try:
            for kind, page in pages.items():
                runs = []
                for _ in range(RUNS):
                    run = cold_load(
                        browser, url + page.relative_to(site).as_posix(), viewport=MOBILE
                    )
                    run["close"]()
                    runs.append(run)
                median = statistics.median(r["load_ms"] for r in runs)
                failed = sum(len(r["failed"]) for r in runs)
                if kind.split("/")[-1] in BUDGETED:
                    slowest = max(slowest, median)
                print(
                    f"  {kind:<16}{kb(runs[0]['bytes']):>12}{median:>9,.0f} ms  "
                    f"{len(runs[0]['requests'])} requests, {failed} failed  "
                    f"{page.relative_to(site)}"
                )
        finally:
            browser.close()
    return slowest


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
        print("\nPage weight (HTML + every stylesheet, script and icon it loads):")
        print(f"  {'kind':<16}{'pages':>6}{'median':>12}{'max':>12}  heaviest")
        worst, heaviest_of = 0, {}
        kinds = dict(KINDS)
        for name in names:  # an own layout's pages: a kind of their own
            kinds |= {f"{name}/{level}": f"{name}/{level}/*.html" for level in ("wijk", "gebied")}
        for kind, pattern in kinds.items():
            weights = [page_weight(p) for lang in ("", "en/") for p in site.glob(lang + pattern)]
            sizes = [w["bytes"] for w in weights]
            heaviest = max(weights, key=lambda w: w["bytes"])
            heaviest_of[kind] = heaviest["page"]
            if kind.split("/")[-1] in BUDGETED:
                worst = max(worst, *sizes)
            print(
                f"  {kind:<16}{len(sizes):>6}{kb(statistics.median(sizes)):>12}"
                f"{kb(max(sizes)):>12}  {heaviest['page'].relative_to(site)}"
            )
        print(
            f"\nHeaviest wijk, gebied or buurt page (CBS or own) {kb(worst)} "
            f"(budget {kb(PAGE_BUDGET)}): "
            + ("within budget" if worst <= PAGE_BUDGET else "OVER BUDGET")
        )
        slowest = load_times(site, heaviest_of)
        print(
            f"Slowest of them {slowest:,.0f} ms to the load event "
            f"(budget {LOAD_BUDGET_MS:,.0f} ms): "
            + ("within budget" if slowest <= LOAD_BUDGET_MS else "OVER BUDGET")
        )
        if worst > PAGE_BUDGET or slowest > LOAD_BUDGET_MS or build > BUILD_BUDGET_S:
            return 1  # make budget fails when a target is missed
    return 0


if __name__ == "__main__":
    sys.exit(main())
