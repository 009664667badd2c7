"""The edition changelog per layout: an own layout's new and recomposed wijken and its largest
movements, held against indicator_values and the layout tables; the page's part per layout and
the statistician index's own-layout downloads."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest

LAYOUT = "voorbeeld"
OWN_WIJKEN_2018 = """SELECT DISTINCT area_code FROM indicator_values WHERE layout = ?
                     AND edition = 2018 AND area_level = 'wijk' AND harmonisation = ?"""


def _log(con, kind: str) -> pd.DataFrame:
    return con.execute(
        "SELECT * FROM edition_changelog WHERE edition = 2024 AND layout = ? AND kind = ?",
        [LAYOUT, kind],
    ).df()


def _codes(con, sql: str, params: list) -> set[str]:
    return {r[0] for r in con.execute(sql, params).fetchall()}


def test_every_row_names_its_layout(con):
    own = _codes(
        con,
        "SELECT DISTINCT layout FROM indicator_values WHERE layout <> 'cbs' "
        "AND NOT starts_with(layout, 'harmonised')",
        [],
    )
    assert LAYOUT in own
    layouts = con.sql("SELECT layout, kind, count(*) FROM edition_changelog GROUP BY ALL").df()
    assert set(layouts["layout"]) == {"all", "cbs"} | own
    indicator_kinds = {"indicator_new", "indicator_removed", "definition_changed"}
    assert set(layouts.loc[layouts["kind"].isin(indicator_kinds), "layout"]) == {"all"}
    assert set(layouts.loc[layouts["layout"] == LAYOUT, "kind"]) == {
        "area_new",
        "area_changed",
        "movement",
    }


def test_own_recomposed_wijken_are_the_reaggregated_ones(con):
    expected = _codes(con, OWN_WIJKEN_2018, [LAYOUT, "reaggregated"])
    changed = _log(con, "area_changed")
    assert expected and set(changed["subject"]) == expected
    for row in changed.itertuples():
        earlier = con.execute(
            "SELECT from_code, population FROM layout_crosswalk WHERE layout = ? "
            "AND from_year = 2017 AND to_code = ?",
            [LAYOUT, row.subject],
        ).fetchall()
        listed, _, now_only = row.detail.partition("; buurtcodes van nu")
        said = dict(re.findall(r"(BU\d{8}) \((\d+) inw\.", listed))
        assert said == {code: str(int(pop)) for code, pop in earlier}, row.subject
        assert f"({int(sum(p for _, p in earlier))} inw.)" in listed
        today = _codes(
            con,
            "SELECT buurt_code FROM area_buurten WHERE year = 2024 AND layout = ? "
            "AND area_level = 'wijk' AND area_code = ?",
            [LAYOUT, row.subject],
        )
        assert set(re.findall(r"BU\d{8}", now_only)) == today - set(said), row.subject


def test_own_new_wijken_are_the_not_comparable_ones(con):
    expected = _codes(con, OWN_WIJKEN_2018, [LAYOUT, "not_comparable"])
    new = _log(con, "area_new")
    assert expected and set(new["subject"]) == expected
    own_codes = _codes(con, "SELECT area_code FROM areas WHERE layout = ?", [LAYOUT])
    assert set(new["subject"]) <= own_codes
    # identical own wijken are no change at all
    identical = _codes(con, OWN_WIJKEN_2018, [LAYOUT, "identical"])
    assert identical and not identical & set(_log(con, "area_changed")["subject"])


def test_own_movements_are_the_own_wijken_changes(con):
    moves = _log(con, "movement")
    assert len(moves) == 30
    for row in moves.itertuples():
        indicator_id, area_code = row.subject.split(" ")
        change, z = con.execute(
            "SELECT change, change_z FROM indicator_values WHERE edition = 2024 AND layout = ? "
            "AND area_level = 'wijk' AND area_code = ? AND indicator_id = ?",
            [LAYOUT, area_code, indicator_id],
        ).fetchone()
        assert row.change == pytest.approx(change), row.subject
        assert (pd.isna(row.change_z) and z is None) or row.change_z == pytest.approx(z)
    # ranked within the layout, as the CBS ones: the own wijk with the largest |z| comes first
    top = con.execute(
        """SELECT indicator_id || ' ' || area_code FROM indicator_values WHERE edition = 2024
           AND layout = ? AND area_level = 'wijk' AND change_significant
           AND trend IN ('better', 'worse', 'higher', 'lower')
           ORDER BY abs(change_z) DESC LIMIT 1""",
        [LAYOUT],
    ).fetchone()[0]
    assert moves.loc[moves["subject"] == top, "rank"].tolist() == [1]
    assert sorted(moves["rank"]) == sorted(list(range(1, 16)) * 2)


def test_changelog_page_has_a_part_per_layout(built_warehouse, con):
    site = Path(os.environ["WIJKKOMPAS_SITE"])
    page = (site / "statistiek" / "wijzigingen.html").read_text(encoding="utf-8")
    parts = dict(re.findall(r'<section id="e2024-([^"]+)">(.*?)</section>', page, re.S))
    assert list(parts) == ["all", "cbs", LAYOUT]  # CBS wijken first, then the own layout
    own = parts[LAYOUT]
    assert f"eigen indeling van de gemeente ({LAYOUT})" in own
    assert set(_log(con, "area_changed")["subject"]) | set(_log(con, "area_new")["subject"]) <= {
        *re.findall(r"<code>(EW\d+)</code>", own)
    }
    assert not re.search(r"\bEW\d{2}\b", parts["cbs"]) and "WK0014" not in own
    csv = pd.read_csv(site / "downloads" / "edition_changelog.csv", sep=";")
    assert set(csv["layout"]) == {"all", "cbs", LAYOUT}
    assert len(csv[csv["layout"] == LAYOUT]) == len(
        con.execute("SELECT * FROM edition_changelog WHERE layout = ?", [LAYOUT]).df()
    )


def test_statistician_index_names_the_own_layout_downloads(built_warehouse):
    site = Path(os.environ["WIJKKOMPAS_SITE"])
    index = (site / "statistiek" / "index.html").read_text(encoding="utf-8")
    assert f'href="wijzigingen.html#e2024-{LAYOUT}"' in index
    example = re.search(rf'href="\.\./(data/{LAYOUT}/EW\d+\.csv)"', index)
    assert example and (site / example.group(1)).exists()
    rows = pd.read_parquet(site / "downloads" / "indicator_values.parquet")["layout"] == LAYOUT
    assert f"<td>{int(rows.sum())}</td>" in index
