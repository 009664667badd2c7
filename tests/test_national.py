"""The Netherlands as reference: the national CBS source in the warehouse, figures equal to the
file, comparable gemeenten as summed measures, national positions and similar wijken
recomputed here, on the pages and in the reports."""

from __future__ import annotations

import math
import os
import re
from html import unescape
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import NATIONAL, ROOT, national_cell, national_rows

from indicators.catalogue import statistics_settings

OOSTERPARK = "WK001404"


@pytest.fixture(scope="module")
def raw() -> dict[str, dict[str, str]]:
    """The national file as a statistician opens it: code -> {column: cell}."""
    return national_rows()


def test_the_warehouse_holds_every_area_of_the_country(con, raw):
    counts = dict(
        con.execute("SELECT area_level, count(*) FROM national_areas GROUP BY ALL").fetchall()
    )
    assert counts == {"land": 1, "gemeente": 342, "wijk": 3352, "buurt": 14421}
    assert counts["wijk"] >= 3300 and counts["buurt"] >= 14000
    assert counts == {
        level: sum(1 for c in raw if c.startswith(prefix))
        for level, prefix in (("land", "NL"), ("gemeente", "GM"), ("wijk", "WK"), ("buurt", "BU"))
    }
    named = dict(
        con.execute(
            "SELECT area_code, area_name FROM national_areas WHERE area_code IN ('WK001404', "
            "'GM0344', 'WK0363AA')"
        ).fetchall()
    )
    assert named == {"WK001404": "Oosterparkwijk", "GM0344": "Utrecht",
                     "WK0363AA": "Haarlemmerbuurt"}  # fmt: skip


def test_netherlands_and_gemeente_figures_equal_the_file(con, raw):
    population = dict(
        con.execute(
            "SELECT area_code, value FROM national_values WHERE variable = 'population' "
            "AND area_level IN ('land', 'gemeente')"
        ).fetchall()
    )
    assert population["NL00"] == 17_811_291 == float(raw["NL00"]["a_inw"])
    assert population["GM0014"] == 238_147 == float(raw["GM0014"]["a_inw"])
    assert population == {c: float(r["a_inw"]) for c, r in raw.items() if c[:2] in ("NL", "GM")}
    assert sum(v for c, v in population.items() if c.startswith("GM")) == population["NL00"]
    # every figure of a few columns, cell for cell: decimal commas, '.' and float artefacts
    columns = {"cars_per_household": "g_pau_hh", "pct_youth_care": "p_jz_tn",
               "mean_income_per_inhabitant": "g_ink_pi"}  # fmt: skip
    stored = con.execute(
        "SELECT area_code, variable, value, status FROM national_values WHERE list_contains(?, "
        "variable)",
        [list(columns)],
    ).fetchall()
    assert len(stored) == 3 * len(raw)
    for code, variable, value, status in stored:
        cell = raw[code][columns[variable]]
        expected = national_cell(cell)
        if expected is None:
            assert value is None and status == "secret", (code, variable, cell)
        else:
            assert value == pytest.approx(expected, rel=1e-12) and status == "published"
            assert len(repr(value)) <= 12, (code, variable, value)  # 8.7, not 8.6999999...
    assert raw["GM0014"]["p_jz_tn"] == "8.699999999999999"
    assert con.execute(
        "SELECT value FROM national_values WHERE area_code = 'GM0014' AND variable = "
        "'pct_youth_care'"
    ).fetchone() == (8.7,)


def test_the_duckdb_reader_reads_what_the_python_reader_reads(con):
    """Two readers of the national file agree on every figure (the pipeline uses the fast
    one; ingest.cbs reads every other kerncijfers file)."""
    from ingest.cbs import load_crosswalk
    from ingest.national import read_national_values
    from ingest.snapshots import read_sidecar

    frame = read_national_values(
        NATIONAL,
        read_sidecar(NATIONAL),
        load_crosswalk(ROOT / "data/reference/cbs_variable_crosswalk.csv"),
    )
    con.register("python_read", frame)
    columns = "year, area_code, area_level, variable, value, status, source_row, source_column"
    for a, b in (("python_read", "national_values"), ("national_values", "python_read")):
        assert con.execute(
            f"SELECT count(*) FROM (SELECT {columns} FROM {a} EXCEPT ALL SELECT {columns} FROM {b})"
        ).fetchone() == (0,)


def _ratio(con, code: str, numerator: str, denominator: str) -> float:
    values = dict(
        con.execute(
            "SELECT variable, value FROM national_values WHERE area_code = ? AND "
            "list_contains(?, variable)",
            [code, [numerator, denominator]],
        ).fetchall()
    )
    return 100 * values[numerator] / values[denominator]


def test_netherlands_and_comparable_gemeenten_beside_the_gemeente(con):
    comparable = [
        c
        for (c,) in con.execute(
            "SELECT area_code FROM comparable_gemeenten ORDER BY rank"
        ).fetchall()
    ]
    assert len(comparable) == statistics_settings()["national"]["comparable_gemeenten"]["count"]
    assert "GM0014" not in comparable
    row = con.execute(
        "SELECT area_value, gemeente_value, nederland_value, comparable_value "
        "FROM national_reference WHERE layout = 'cbs' AND area_code = ? "
        "AND indicator_id = 'share_one_person_households'",
        [OOSTERPARK],
    ).fetchone()
    assert row[0] == pytest.approx(_ratio(con, OOSTERPARK, "one_person_households", "households"))
    assert row[1] == pytest.approx(_ratio(con, "GM0014", "one_person_households", "households"))
    assert row[2] == pytest.approx(_ratio(con, "NL00", "one_person_households", "households"))
    # the comparable gemeenten together: summed counts, never a mean of their percentages
    sums = con.execute(
        "SELECT sum(value) FILTER (variable = 'one_person_households'), "
        "sum(value) FILTER (variable = 'households') FROM national_values "
        "WHERE list_contains(?, area_code)",
        [comparable],
    ).fetchone()
    assert row[3] == pytest.approx(100 * sums[0] / sums[1])
    shares = [_ratio(con, g, "one_person_households", "households") for g in comparable]
    assert not math.isclose(row[3], sum(shares) / len(shares), rel_tol=1e-6)


def test_a_wijk_national_position_recomputed(con):
    indicator = "share_households_with_children"
    wijken = con.execute(
        """SELECT a.area_code,
                  max(v.value) FILTER (v.variable = 'households_with_children')
                  / max(v.value) FILTER (v.variable = 'households') * 100 AS share
           FROM national_values v JOIN national_areas a USING (area_code)
           WHERE a.area_level = 'wijk' GROUP BY a.area_code
           HAVING max(v.value) FILTER (v.variable = 'households') > 0"""
    ).df()
    wijken = wijken.dropna()
    own = float(wijken.loc[wijken["area_code"] == OOSTERPARK, "share"].iloc[0])
    lower = int((wijken["share"] < own).sum())
    stored = con.execute(
        "SELECT wijken_lower, wijken_compared, national_position FROM national_reference "
        "WHERE layout = 'cbs' AND area_code = ? AND indicator_id = ?",
        [OOSTERPARK, indicator],
    ).fetchone()
    assert stored[0] == lower and stored[1] == len(wijken)
    assert stored[2] == round(100 * lower / len(wijken))


def test_a_similar_wijk_distance_recomputed(con):
    settings = statistics_settings()["national"]
    composition = settings["composition"]
    values = con.execute(
        "SELECT layout, area_code, indicator_id, raw_value FROM national_indicator_values "
        "WHERE area_level = 'wijk' AND missing IS NULL AND list_contains(?, indicator_id)",
        [composition],
    ).df()
    wide = values.pivot_table(index=["layout", "area_code"], columns="indicator_id",
                              values="raw_value")[composition]  # fmt: skip
    dutch = wide.loc["cbs"]
    z = (wide - dutch.mean()) / dutch.std(ddof=0)
    me = z.loc[("cbs", OOSTERPARK)]
    others = z.loc["cbs"]
    others = others[~others.index.str.startswith("WK0014")]  # outside the gemeente
    shared = (others.notna() & me.notna()).sum(axis=1)
    distance = np.sqrt(((others - me) ** 2).sum(axis=1) * len(composition) / shared)
    distance[shared < len(composition) / 2] = np.inf
    expected = distance.sort_values(kind="stable").head(settings["similar_wijken"])
    stored = con.execute(
        "SELECT similar_code, distance, gemeente_code FROM national_similar_wijken "
        "WHERE layout = 'cbs' AND area_code = ? ORDER BY rank",
        [OOSTERPARK],
    ).fetchall()
    assert [c for c, _, _ in stored] == list(expected.index)
    assert [d for _, d, _ in stored] == pytest.approx(list(expected.round(3)), abs=1e-3)
    assert all(g != "GM0014" for _, _, g in stored)


def test_own_wijken_have_national_figures_and_similar_wijken(con):
    own = con.execute(
        "SELECT count(DISTINCT area_code) FROM national_similar_wijken WHERE layout = 'voorbeeld'"
    ).fetchone()[0]
    wijken = con.execute(
        "SELECT count(*) FROM areas WHERE layout = 'voorbeeld' AND area_level = 'wijk' "
        "AND year = (SELECT max(year) FROM areas)"
    ).fetchone()[0]
    assert own == wijken == 32


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_oosterparkwijk_page_shows_the_netherlands_and_similar_wijken(con):
    site = Path(os.environ["WIJKKOMPAS_SITE"])
    html = (site / "wijk" / f"{OOSTERPARK}.html").read_text(encoding="utf-8")
    national = html[html.index('id="nederland-kop"') :]
    national = national[: national.index("</section>")]
    header = re.search(r"<thead>(.*?)</thead>", national, re.S).group(1)
    assert [_text(h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", header)][2:4] == [
        "Gemeente", "Nederland"]  # fmt: skip
    row = re.search(r'indicator/share_one_person_households\.html">[^<]*</a></th>(.*?)</tr>',
                    national, re.S).group(1)  # fmt: skip
    cells = [_text(c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
    stored = con.execute(
        "SELECT gemeente_value, nederland_value, national_position, decimals "
        "FROM national_reference WHERE layout = 'cbs' AND area_code = ? "
        "AND indicator_id = 'share_one_person_households'",
        [OOSTERPARK],
    ).fetchone()
    d = stored[3]
    assert cells[1] == f"{stored[0]:.{d}f}%".replace(".", ",")
    assert cells[2] == f"{stored[1]:.{d}f}%".replace(".", ",")
    assert cells[4] == f"hoger dan {int(stored[2])}% van de Nederlandse wijken"
    elsewhere = html[html.index('id="elders-kop"') :]
    elsewhere = elsewhere[: elsewhere.index("</section>")]
    listed = re.findall(r'<tr><th scope="row">([^<]+)</th><td>([^<]+)</td>', elsewhere)
    expected = con.execute(
        "SELECT similar_name, gemeente_name FROM national_similar_wijken WHERE layout = 'cbs' "
        "AND area_code = ? ORDER BY rank",
        [OOSTERPARK],
    ).fetchall()
    assert len(listed) >= 3
    assert [(unescape(n), unescape(g)) for n, g in listed] == expected
    assert all(g != "Groningen" for _, g in expected)


def test_the_national_context_locates_the_gemeente_and_its_comparable_gemeenten(con):
    """assets/nederland.svg: the country's land, the comparable gemeenten and the gemeente
    (the paths drawn from the national gemeente map: the gemeente inside its circle, the
    comparable ones elsewhere), a few kilobytes, linked from every area page's national
    context with a text that names them all."""
    import geopandas as gpd
    import shapely

    from geo.netherlands_map import COMPARABLE, HERE, LAND

    site = Path(os.environ["WIJKKOMPAS_SITE"])
    svg = (site / "assets" / "nederland.svg").read_text(encoding="utf-8")
    assert len(svg.encode()) < 12_000
    paths = dict(re.findall(r'<path fill="(#\w+)" d="([^"]+)"/>', svg))
    assert set(paths) == {LAND, COMPARABLE, HERE}
    comparable = [n for (n,) in con.execute(
        "SELECT area_name FROM comparable_gemeenten ORDER BY rank").fetchall()]  # fmt: skip

    def shape(d: str):
        rings = [[tuple(map(float, p.split())) for p in r.strip("MZ").split("L")]
                 for r in re.findall(r"M[^M]+", d)]  # fmt: skip
        return shapely.union_all([shapely.Polygon(r).buffer(0) for r in rings if len(r) >= 3])

    land, shade, own = shape(paths[LAND]), shape(paths[COMPARABLE]), shape(paths[HERE])
    # the gemeente and the comparable ones: small parts of the country, apart from each other
    assert own.area < land.area / 50 and shade.area < land.area / 10
    assert own.intersection(shade).area < 1
    cx, cy = (float(v) for v in re.search(r'<circle cx="(\d+)" cy="(\d+)"', svg).groups())
    assert own.distance(shapely.Point(cx, cy)) < 1 and shade.distance(shapely.Point(cx, cy)) > 20
    assert gpd.GeoSeries([own]).within(gpd.GeoSeries([land.buffer(3)])).all()
    html = (site / "wijk" / f"{OOSTERPARK}.html").read_text(encoding="utf-8")
    # linked, not embedded: the area pages keep their weight (dashboards/page_weight.py)
    link = re.search(r'<p class="nl-map"><a href="\.\./assets/nederland\.svg">([^<]+)</a>',
                     html).group(1)  # fmt: skip
    section = html.split('id="nederland-kop"')[1].split("</section>")[0]
    assert "Groningen" in link and "<img" not in section
    assert all(unescape(name) in unescape(link) for name in comparable), link
    english = (site / "en" / "gebied" / "GB001401.html").read_text(encoding="utf-8")
    src = re.search(r'<p class="nl-map"><a href="([^"]+)"', english).group(1)
    assert (site / "en" / "gebied" / src).resolve() == (site / "assets" / "nederland.svg").resolve()


def test_reports_and_downloads_carry_the_national_reference(con):
    site = Path(os.environ["WIJKKOMPAS_SITE"])
    report = (site / "rapport" / f"{OOSTERPARK}.html").read_text(encoding="utf-8")
    assert 'id="nederland-kop"' in report and 'id="elders-kop"' in report
    first = con.execute(
        "SELECT similar_name FROM national_similar_wijken WHERE layout = 'cbs' AND area_code = ? "
        "AND rank = 1",
        [OOSTERPARK],
    ).fetchone()[0]
    assert first in unescape(report)
    downloads = site / "downloads"
    similar = pd.read_csv(downloads / "national_similar_wijken.csv", sep=";")
    reference = pd.read_parquet(downloads / "national_reference.parquet")
    assert len(similar) == con.execute("SELECT count(*) FROM national_similar_wijken").fetchone()[0]
    assert set(reference["area_code"]) >= {OOSTERPARK, "GM0014"}
    # figures as shown: to the indicator's decimals, the same in every build
    stored = con.execute(
        "SELECT layout, area_code, indicator_id, area_value, comparable_value, decimals "
        "FROM national_reference"
    ).df()
    both = reference.merge(stored, on=["layout", "area_code", "indicator_id"], suffixes=("", "_w"))
    assert len(both) == len(stored)
    places = both["decimals"].astype(int)
    for column in ("area_value", "comparable_value"):
        warehouse = both[column + "_w"].astype(float)
        expected = [round(v, d) for v, d in zip(warehouse, places, strict=True)]  # nan stays nan
        assert both[column].astype(float).tolist() == pytest.approx(expected, nan_ok=True)
        # the warehouse keeps the unrounded figures (the positions are taken on them)
        differs = warehouse.notna() & (warehouse.round(4) != pd.Series(expected).round(4))
        assert differs.sum() > 100, column
    text = (downloads / "national_reference.csv").read_text(encoding="utf-8")
    assert "0000000" not in text and "9999999" not in text
