"""Utrecht (GM0344) after one command, `wijkkompas build --gemeente GM0344`, in a real browser
(Debian chromium via Playwright, the site served on 127.0.0.1): the home page and a wijk page
load offline, the wijk map from the national generalised boundaries draws the gemeente's wijken
(the home map all of them, the wijk page's locator with its own wijk marked), the indicator
page has its wijk map, axe-core finds no serious or critical violation, and a phone's cold load
stays within the page budget."""

from __future__ import annotations

import duckdb
import pytest

from dashboards.page_weight import PAGE_BUDGET, cold_load
from tests.browser.harness import (
    MOBILE,
    browser,
    format_violations,
    open_page,
    run_axe,
    serious_or_critical,
    serve,
)
from tests.conftest import national_rows, run_cli

UTRECHT = "GM0344"
WIJKEN = sorted(c for c in national_rows() if c.startswith("WK") and c[2:6] == UTRECHT[2:6])


@pytest.fixture(scope="module")
def utrecht(tmp_path_factory):
    """Utrecht built from nothing (its inputs generated from the national files; the reports
    as pages only: printing them is tested on Groningen)."""
    gemeenten = tmp_path_factory.mktemp("utrecht") / "gemeenten"
    done = run_cli(
        "build", "--gemeente", UTRECHT, WIJKKOMPAS_GEMEENTEN=str(gemeenten),
        DAGSTER_HOME=str(gemeenten.parent / "dagster_home"), WIJKKOMPAS_REPORT_PDF="0",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"make serve GEMEENTE={UTRECHT}" in done.stdout  # the build says how to look at it
    return gemeenten / UTRECHT


@pytest.fixture(scope="module")
def base_url(utrecht):
    with serve(utrecht / "site") as url:
        yield url


@pytest.fixture(scope="module")
def chromium():
    with browser() as b:
        yield b


def test_utrecht_has_its_ten_wijken_in_the_warehouse_and_on_the_map_source(utrecht):
    assert len(WIJKEN) == 10
    with duckdb.connect(str(utrecht / "warehouse" / "wijkkompas.duckdb"), read_only=True) as con:
        drawn = con.execute(
            "SELECT area_code FROM area_geometries WHERE area_level = 'wijk' ORDER BY 1"
        ).fetchall()
        rivm = con.execute(
            "SELECT count(DISTINCT area_code) FROM indicator_values "
            "WHERE source = 'rivm' AND area_level = 'wijk' AND NOT suppressed"
        ).fetchone()[0]
    assert [c for (c,) in drawn] == WIJKEN
    assert rivm == 10  # RIVM's real health figures for every wijk


@pytest.mark.parametrize(
    ("path", "shapes", "where"),
    [
        ("index.html", '.layout-map[data-layout="cbs"] svg.home-map path[data-code^="WK"]', None),
        (f"wijk/{WIJKEN[3]}.html", 'svg.locator path[data-code^="WK"]', WIJKEN[3]),
        ("indicator/population.html", 'svg.map path[data-code^="WK"]', None),
    ],
)
def test_a_page_of_utrecht_loads_offline_with_its_wijk_map_and_is_accessible(
    chromium, base_url, path, shapes, where
):
    with open_page(chromium, base_url + path) as (page, log):
        assert not log.problems(), log.report()
        assert all(u.startswith(base_url) for u in log.requests), log.requests
        assert "Utrecht" in page.locator("h1, .crumbs").first.inner_text() or "Utrecht" in (
            page.title()
        )
        codes = page.locator(shapes).evaluate_all("ps => ps.map(p => p.dataset.code)")
        assert sorted(codes) == WIJKEN, codes  # every wijk drawn, once
        assert page.locator(shapes).first.is_visible()
        if where:  # the locator marks the page's own wijk
            assert page.locator(f'svg.locator path.here[data-code="{where}"]').count() == 1
            assert "WIJ-team" not in page.content()
            assert page.locator(".crumbs a").count() == 1  # gemeente › wijk, no gebied twice
        bad = serious_or_critical(run_axe(page))
        assert not bad, format_violations(bad)


def test_utrecht_pages_on_a_phone_stay_within_the_page_budget(chromium, base_url):
    for path in ("index.html", f"wijk/{WIJKEN[3]}.html"):
        run = cold_load(chromium, base_url + path, viewport=MOBILE)
        try:
            assert run["bytes"] <= PAGE_BUDGET, (path, run["bytes"])
            assert not run["failed"], run["failed"]
        finally:
            run["close"]()
