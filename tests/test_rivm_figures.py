"""RIVM's health estimates in the compass: recomputed from RIVM's own spreadsheets (the faithful
excerpts in tests/fixtures/rivm/, read here with openpyxl, independently of ingest.rivm) and
held against the warehouse of the real build, its pages and its national reference."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "rivm"
WIJK, BUURT = "WK001404", "BU00140402"  # Oosterparkwijk and one of its buurten
COLUMNS = {  # five indicators and their StatLine columns
    "rivm_good_perceived_health": "ErvarenGezondheidGoedZeerGoed_4",
    "rivm_smokes": "Roker_11",
    "rivm_overweight": "Overgewicht_9",
    "rivm_lonely": "Eenzaam_28",
    "rivm_difficulty_making_ends_meet": "MoeiteMetRondkomen_38",
}
YEARS = (2012, 2016, 2020)
EDITION_OF = {2016: 2018, 2020: 2024}  # the RIVM year each edition shows


def _cell(text) -> float | None:
    text = "" if text is None else str(text).strip()
    return None if text in ("", ".") else float(text)


@pytest.fixture(scope="module")
def spreadsheets() -> dict[tuple[int, str], dict[str, dict[str, float | None]]]:
    """(year, age) -> area code -> StatLine column -> RIVM's figure, from the workbooks."""
    out = {}
    for year in YEARS:
        for age in ("18plus", "65plus"):
            book = openpyxl.load_workbook(
                FIXTURES / f"rivm_50090NED_{year}_{age}.xlsx", read_only=True
            )
            rows = book.worksheets[0].iter_rows(values_only=True)
            header = next(rows)
            at = header.index("WijkenEnBuurten")
            first = header.index("Codering_3") + 1  # the figures follow the id columns
            out[(year, age)] = {
                str(r[at]).strip(): {h: _cell(v) for h, v in zip(header[first:], r[first:],
                                                                 strict=True)}
                for r in rows
            }  # fmt: skip
    return out


def test_five_figures_of_a_wijk_and_a_buurt_in_every_year(con, spreadsheets):
    """RIVM's figures of Oosterparkwijk and one of its buurten, 2012, 2016 and 2020: the series
    of today's areas, and the editions that show 2016 (2018) and 2020 (2024)."""
    checked = 0
    for indicator, column in COLUMNS.items():
        for code in (WIJK, BUURT):
            for year in YEARS:
                expected = spreadsheets[(year, "18plus")][code][column]
                series = con.execute(
                    "SELECT value FROM rivm_series WHERE layout = 'cbs' AND area_code = ? "
                    "AND indicator_id = ? AND year = ?",
                    [code, indicator, year],
                ).fetchone()
                assert series is not None, (code, indicator, year)
                assert series[0] == pytest.approx(expected), (code, indicator, year)
                checked += 1
                if year in EDITION_OF:  # as the edition published it, on its own areas
                    shown = con.execute(
                        "SELECT value, period FROM edition_values "
                        "WHERE edition = ? AND layout = 'cbs' AND area_code = ? "
                        "AND indicator_id = ?",
                        [EDITION_OF[year], code, indicator],
                    ).fetchone()
                    assert shown[0] == pytest.approx(expected, abs=0.05), (code, indicator)
                    assert shown[1] == year
    assert checked == 30


def test_an_own_wijk_is_the_mean_of_its_buurten_weighted_by_residents_15_plus(con, spreadsheets):
    """An own wijk made of buurten (not of whole CBS wijken) gets RIVM's buurt figures averaged
    with the weights of its buurten's residents aged 15 and over (CBS 2024)."""
    own = con.execute(
        "SELECT area_code, list(buurt_code ORDER BY buurt_code) FROM area_buurten "
        "WHERE layout = 'voorbeeld' AND area_level = 'wijk' "
        "AND year = (SELECT max(year) FROM area_buurten) GROUP BY ALL "
        "HAVING count(*) >= 3 ORDER BY 1"
    ).fetchall()
    cbs_wijken = con.execute(
        "SELECT area_code, list(buurt_code ORDER BY buurt_code) FROM area_buurten "
        "WHERE layout = 'cbs' AND area_level = 'wijk' "
        "AND year = (SELECT max(year) FROM area_buurten) GROUP BY ALL"
    ).fetchall()
    code, buurten = next((c, b) for c, b in own if not any(set(b) == set(w) for _, w in cbs_wijken))
    weights = dict(
        con.execute(
            "SELECT area_code, max(value) FILTER (WHERE variable = 'population') "
            "- max(value) FILTER (WHERE variable = 'aged_0_14') FROM cbs_values "
            "WHERE year = 2024 AND list_contains(?, area_code) GROUP BY area_code",
            [buurten],
        ).fetchall()
    )
    figures = spreadsheets[(2020, "18plus")]
    column = COLUMNS["rivm_good_perceived_health"]
    parts = [(figures[b][column], weights[b]) for b in buurten if figures[b][column] is not None]
    expected = sum(v * w for v, w in parts) / sum(w for _, w in parts)
    value = con.execute(
        "SELECT value FROM indicator_values WHERE edition = 2024 AND layout = 'voorbeeld' "
        "AND area_code = ? AND indicator_id = 'rivm_good_perceived_health'",
        [code],
    ).fetchone()[0]
    assert value == pytest.approx(expected, abs=0.05), (code, buurten)


def test_how_close_the_buurten_of_a_wijk_come_to_rivms_own_wijk_figure(con, spreadsheets):
    """The weighted mean of a wijk's buurten against RIVM's own figure of the wijk (the build
    uses RIVM's own wherever RIVM publishes the area): printed, and close."""
    column = COLUMNS["rivm_good_perceived_health"]
    figures = spreadsheets[(2020, "18plus")]
    rows = con.execute(
        "SELECT b.area_code, list(b.buurt_code) FROM area_buurten b WHERE b.layout = 'cbs' "
        "AND b.area_level = 'wijk' AND b.year = 2024 GROUP BY ALL ORDER BY 1"
    ).fetchall()
    weights = dict(
        con.execute(
            "SELECT area_code, max(value) FILTER (WHERE variable = 'population') "
            "- max(value) FILTER (WHERE variable = 'aged_0_14') FROM cbs_values "
            "WHERE year = 2024 AND area_level = 'buurt' GROUP BY area_code"
        ).fetchall()
    )
    gaps = []
    for wijk, buurten in rows:
        parts = [
            (figures[b][column], weights[b])
            for b in buurten
            if b in figures and figures[b][column] is not None and weights.get(b)
        ]
        mean = sum(v * w for v, w in parts) / sum(w for _, w in parts)
        gaps.append(abs(mean - figures[wijk][column]))
    print(
        f"\nWeighted mean of the buurten against RIVM's own wijk figure (ervaren gezondheid "
        f"2020, {len(gaps)} wijken): mean gap {sum(gaps) / len(gaps):.2f}, "
        f"largest {max(gaps):.2f} percentage points"
    )
    assert sum(gaps) / len(gaps) < 1.0 and max(gaps) < 3.0


def test_recoded_buurten_take_the_figure_of_the_2020_buurt_they_came_from(con, spreadsheets):
    """Peizerweg (BU00140808 in 2020, BU00140110 now) and the Suikerfabriekterrein
    (BU00140807, now De Suikerzijde-Noord and -Zuid) through the crosswalk of divisions."""
    recoded = dict(
        con.execute(
            "SELECT area_code, source_code FROM rivm_crosswalk WHERE method = 'recoded'"
        ).fetchall()
    )
    assert recoded == {
        "BU00140110": "BU00140808",
        "BU00140908": "BU00140807",
        "BU00140909": "BU00140807",
    }
    column = COLUMNS["rivm_smokes"]
    for today, then in recoded.items():
        value = con.execute(
            "SELECT value FROM indicator_values WHERE edition = 2024 AND area_code = ? "
            "AND indicator_id = 'rivm_smokes'",
            [today],
        ).fetchone()[0]
        expected = spreadsheets[(2020, "18plus")][then][column]
        assert value == (None if expected is None else pytest.approx(expected))


def test_every_area_of_today_has_rivm_figures(con):
    """Every CBS wijk and gebied, every own wijk and gebied and the gemeente; every buurt but
    those RIVM publishes nothing for (too few residents)."""
    missing = con.execute(
        """SELECT layout, area_level, area_code FROM indicator_values
           WHERE edition = 2024 AND indicator_id = 'rivm_good_perceived_health'
             AND area_level <> 'buurt' AND value IS NULL"""
    ).fetchall()
    assert not missing
    levels = dict(
        con.execute(
            """SELECT layout || ' ' || area_level, count(*) FROM indicator_values
               WHERE edition = 2024 AND indicator_id = 'rivm_good_perceived_health'
               GROUP BY ALL"""
        ).fetchall()
    )
    assert levels["cbs wijk"] == 20 and levels["cbs gemeente"] == 1
    assert levels["voorbeeld wijk"] == 32 and levels["cbs gebied"] == 7
    reasons = {
        r
        for (r,) in con.execute(
            "SELECT DISTINCT suppression_reason FROM indicator_values WHERE edition = 2024 "
            "AND source = 'rivm' AND suppression_reason IS NOT NULL"
        ).fetchall()
    }
    assert reasons <= {"rivm_not_published"}, reasons


def test_at_least_30_rivm_indicators_and_35_percent_real_in_the_compass(con):
    """The share of the compass's indicators on a wijk page that are real (CBS, RIVM), before
    RIVM (CBS only, every survey figure in the compass) and now: printed."""
    from indicators.catalogue import load_catalogue

    catalogue = load_catalogue()
    rivm = sum(i.source == "rivm" for i in catalogue.indicators)
    assert rivm >= 30
    # before: every indicator but RIVM's in the compass as its catalogue entry says
    old = [i for i in catalogue.indicators if i.in_compass and i.source != "rivm"]
    cbs_before, compass_before = sum(i.source == "cbs" for i in old), len(old)
    before = 100 * cbs_before / compass_before
    real_now, compass_now = con.execute(
        "SELECT count(*) FILTER (WHERE source IN ('cbs', 'rivm')), count(*) "
        "FROM indicator_catalogue WHERE in_compass"
    ).fetchone()
    page = con.execute(
        """SELECT count(*) FILTER (WHERE v.source IN ('cbs', 'rivm')), count(*)
           FROM indicator_values v JOIN indicator_catalogue c USING (indicator_id)
           WHERE v.edition = 2024 AND v.layout = 'cbs' AND v.area_code = ? AND c.in_compass""",
        [WIJK],
    ).fetchone()
    now = 100 * page[0] / page[1]
    print(
        f"\nReal share of the compass's indicators on the Oosterparkwijk page: before "
        f"{before:.1f}% ({cbs_before} of {compass_before}), now {now:.1f}% ({page[0]} of "
        f"{page[1]}; catalogue: {real_now} of {compass_now})"
    )
    assert now >= 35.0 and real_now / compass_now >= 0.35


def _page(built_warehouse, path: str) -> str:
    import os

    return (Path(os.environ["WIJKKOMPAS_SITE"]) / path).read_text(encoding="utf-8")


def test_oosterparkwijk_shows_rivms_figures_without_the_synthetic_mark(built_warehouse):
    page = _page(built_warehouse, f"wijk/{WIJK}.html")
    for indicator, title, figure in (
        ("rivm_good_perceived_health", "Ervaart de eigen gezondheid als (zeer) goed", "78,1%"),
        ("rivm_smokes", "Rookt", "29,1%"),
    ):
        row = re.search(rf'<tr id="r-{indicator}">(.*?)</tr>', page).group(1)
        head = re.search(r"<th[^>]*>(.*?)</th>", row).group(1)
        assert f">{title}</a>" in head and "*" not in re.sub(r"<[^>]+>", "", head)
        assert "RIVM-modelschatting, gemeten in 2020" in head
        assert f"<td>{figure}</td>" in row
        assert 'class="spark"' in head  # the over-time chart, drawn without a script
    assert "Op deze pagina zijn" in page and "cijfers echt" in page
    # one figure per concept: the survey's own smokers are not on the resident page
    assert 'id="r-smokes"' not in page


def test_the_over_time_chart_on_the_indicator_page(built_warehouse):
    page = _page(built_warehouse, "indicator/rivm_smokes.html")
    chart = re.search(r'<svg class="time-svg".*?</svg>', page, re.S).group(0)
    assert chart.count("<polyline") == 22  # 20 wijken, the gemeente, the Netherlands
    for year in YEARS:
        assert f">{year}</text>" in chart
    assert "<script" not in chart
    table = page[page.index("Over de jaren") :]
    assert "<td>24,1%</td>" in table  # the gemeente in 2020, as RIVM published it


def test_the_netherlands_beside_rivm_figures(con, spreadsheets):
    """The national reference has RIVM's figure of the Netherlands, the comparable gemeenten'
    and Oosterparkwijk's position among the Dutch wijken (RIVM 2020)."""
    row = con.execute(
        "SELECT area_value, nederland_value, comparable_value, national_position, period "
        "FROM national_reference WHERE layout = 'cbs' AND area_code = ? "
        "AND indicator_id = 'rivm_smokes'",
        [WIJK],
    ).fetchone()
    assert row is not None
    column = COLUMNS["rivm_smokes"]
    assert row[0] == pytest.approx(spreadsheets[(2020, "18plus")][WIJK][column])
    assert row[1] == pytest.approx(spreadsheets[(2020, "18plus")]["NL01"][column])
    assert row[2] is not None and 0 <= row[3] <= 100 and row[4] == 2020
    pool = con.execute(
        "SELECT count(*) FILTER (WHERE value < ?), count(*) FROM rivm_values "
        "WHERE year = 2020 AND area_level = 'wijk' AND variable = 'smokes_18plus' "
        "AND value IS NOT NULL",
        [row[0]],
    ).fetchone()
    assert row[3] == pytest.approx(100 * pool[0] / pool[1], abs=1.0)
