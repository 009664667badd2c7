"""The resident site as files: every page there in both languages, links that resolve, figures
equal to the warehouse, suppressed values nowhere, the postcode lookup equal to CBS, the page
budget; and the pieces it is made of (similar areas, SVG paths, numbers, colour contrast)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pandas as pd
import pytest
import shapely

from dashboards import i18n
from dashboards.page_weight import PAGE_BUDGET, page_weight
from dashboards.palette import FILL, INK, NEUTRAL, TREND_BAND
from geo.svg import MapFrame, path_data
from indicators import messages
from indicators.similar import similar_areas
from tests.figures import close, figure

LINK = re.compile(r'\s(?:href|src)="([^"]+)"')
LATEST = "(SELECT max(edition) FROM editions)"


@pytest.fixture(scope="module")
def site(built_warehouse) -> Path:
    return Path(os.environ["WIJKKOMPAS_SITE"])


@pytest.fixture(scope="module")
def pages(site) -> list[Path]:
    return sorted(p for p in site.rglob("*.html") if "statistiek" not in p.parts)


def test_every_area_and_indicator_has_a_page_in_both_languages(site, con):
    areas = con.execute(
        f"SELECT area_level, area_code FROM areas WHERE layout = 'cbs' AND area_level IN "
        f"('gebied', 'wijk', 'buurt') AND year = (SELECT area_year FROM editions "
        f"WHERE edition = {LATEST})"
    ).fetchall()
    indicators = [
        r[0]
        for r in con.execute(  # a synthetic figure a real one replaces has no resident page
            "SELECT indicator_id FROM indicator_catalogue WHERE replaced_by IS NULL"
        ).fetchall()
    ]
    assert len(areas) == 7 + 20 + 151
    for root in (site, site / "en"):
        assert (root / "index.html").exists()
        assert (root / "indicatoren.html").exists()
        missing = [c for lvl, c in areas if not (root / lvl / f"{c}.html").exists()]
        missing += [i for i in indicators if not (root / "indicator" / f"{i}.html").exists()]
        assert not missing, f"{root}: no page for {missing[:5]}"
        assert all((site / "data" / f"{c}.csv").exists() for _, c in areas)


def test_links_resolve_inside_the_site_and_nothing_points_outside(site, pages):
    """Every page's links, the resident pages and the statistician pages (statistiek/)."""
    broken, outside = [], []
    files = {os.path.normpath(p) for p in site.rglob("*")}  # one listing, not a stat per link
    statistician = sorted((site / "statistiek").rglob("*.html"))
    assert len(statistician) >= 3
    for page in [*pages, *statistician]:
        for target in set(LINK.findall(page.read_text(encoding="utf-8"))):
            if target.startswith(("http:", "https:", "//")):
                outside.append((page, target))
                continue
            if target.startswith(("#", "mailto:")):
                continue
            if os.path.normpath(page.parent / target.split("#")[0]) not in files:
                broken.append((page.relative_to(site), target))
    assert not outside, outside[:5]
    assert not broken, broken[:5]


def test_every_resident_page_has_the_banner_credit_and_no_statistician_link(pages):
    assert len(pages) > 800
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert 'class="banner"' in html, page
        assert "CBS" in html.split('<footer class="foot')[1], page
        assert "statistiek/" not in html, f"{page} links to the statistician pages"


def _rows(html: str) -> dict[str, list[str]]:
    """The text of the cells of every indicator row of a page (one pass over the page; the
    first row of an indicator where it appears twice)."""
    rows: dict[str, list[str]] = {}
    for indicator, row in re.findall(r'<tr id="r-([a-z0-9_]+)">(.*?)</tr>', html, re.S):
        rows.setdefault(indicator, [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ])  # fmt: skip
    return rows


@pytest.mark.parametrize("page", ["wijk/WK001400", "gebied/GB001402", "buurt/BU00140000"])
def test_every_row_of_an_area_page_is_the_warehouse_figure(site, con, page):
    """Each of the page's indicator rows against indicator_values: the value, the city's, the
    interval and the index within the shown rounding, the figure of the previous edition; a
    suppressed row shows none of them."""
    code = page.split("/")[1]
    frame = con.execute(
        f"SELECT * FROM indicator_values WHERE edition = {LATEST} AND layout = 'cbs' "
        "AND area_code = ? AND indicator_id IN "
        "(SELECT indicator_id FROM indicator_catalogue WHERE replaced_by IS NULL)",
        [code],
    ).df()
    html = (site / f"{page}.html").read_text(encoding="utf-8")
    ids = re.findall(r'<tr id="r-([a-z0-9_]+)">', html)
    assert sorted(ids) == sorted(frame["indicator_id"]) and len(ids) >= 250
    rows = _rows(html)
    checked = {"value": 0, "interval": 0, "index": 0, "previous": 0, "hidden": 0}
    for r in frame.itertuples():
        cells = rows[r.indicator_id]
        where = (page, r.indicator_id, cells)
        if r.suppressed:
            assert cells[1] == "niet gepubliceerd" and cells[3] == "" and cells[5] == "–", where
            assert figure(cells[7] if len(cells) > 7 else "") is None, where
            checked["hidden"] += 1
            continue
        d = int(r.decimals)
        assert close(figure(cells[1]), r.value, d, r.unit), where
        assert close(figure(cells[2]), r.reference_value, d, r.unit), where
        checked["value"] += 1
        if r.ci_low == r.ci_low and r.ci_low is not None:
            low, high = (figure(x) for x in cells[3].split("–"))
            assert close(low, r.ci_low, d) and close(high, r.ci_high, d), where
            checked["interval"] += 1
        else:
            assert cells[3] == "", where
        if r.index == r.index and r.index is not None:
            assert close(figure(cells[5]), r.index, 0), where
            checked["index"] += 1
        if r.previous_value == r.previous_value and r.previous_value is not None:
            previous = figure(cells[7].split("in 2018:")[1])
            assert close(previous, r.previous_value, d, r.unit), where
            checked["previous"] += 1
    assert checked["value"] > 150 and checked["index"] > 100, checked
    if page.startswith(("wijk", "gebied")):
        assert checked["interval"] > 50 and checked["previous"] > 100, checked


def test_a_suppressed_row_says_why_in_the_words_of_the_catalogue(site, con):
    frame = con.execute(
        f"SELECT * FROM indicator_values WHERE edition = {LATEST} AND layout = 'cbs' "
        "AND area_code = 'WK001400' AND suppressed"
    ).df()
    html = (site / "wijk" / "WK001400.html").read_text(encoding="utf-8")
    assert len(frame)
    rows = _rows(html)
    for hidden in frame.itertuples():
        cells = rows[hidden.indicator_id]
        assert cells[6] == messages.suppression_message(
            hidden.suppression_reason,
            "nl",
            n=hidden.n_unweighted,
            cv=hidden.cv,
            threshold=hidden.suppression_threshold,
            wave=hidden.period,
        )


def test_area_csv_holds_published_figures_only(site, con):
    frame = pd.read_csv(site / "data" / "WK001400.csv", sep=";")
    expected = con.execute(
        f"SELECT indicator_id, value, suppressed FROM indicator_values WHERE edition = "
        f"{LATEST} AND layout = 'cbs' AND area_code = 'WK001400'"
    ).df()
    merged = frame.merge(expected, on="indicator_id", suffixes=("", "_wh"))
    assert len(merged) == len(expected) == len(frame)
    assert merged.loc[merged["suppressed"], "value"].isna().all()
    shown = merged[~merged["suppressed"]]
    assert (shown["value"] - shown["value_wh"]).abs().max() < 1e-9
    assert frame["synthetic"].notna().all()


def test_postcode_lookup_is_the_cbs_most_common_postcode_per_buurt(site, con):
    text = (site / "assets" / "search-index.js").read_text(encoding="utf-8")
    index = json.loads(text.removeprefix("window.WIJKKOMPAS_SEARCH=").rstrip(";\n"))
    rows = con.execute(
        """
        SELECT lpad(CAST(CAST(c.value AS INTEGER) AS VARCHAR), 4, '0'), a.parent_code
        FROM cbs_values c JOIN areas a ON a.area_code = c.area_code AND a.year = c.year
             AND a.layout = 'cbs'
        WHERE c.variable = 'most_common_postcode' AND c.area_level = 'buurt' AND c.year = 2024
          AND c.value IS NOT NULL
        """
    ).fetchall()
    expected: dict[str, set] = {}
    for pc, wijk in rows:
        expected.setdefault(pc, set()).add(wijk)
    assert {k: set(v) for k, v in index["postcodes"].items()} == expected
    assert any(len(v) > 1 for v in expected.values())  # some postcodes span several wijken
    assert {a[2] for a in index["areas"]} == {"gebied", "wijk", "buurt"}


def test_area_pages_are_within_the_page_budget(site):
    """Every wijk, gebied and buurt page (CBS and own layouts, nl and en) with everything it
    loads stays within the phone budget; no page loads plotly.js."""
    pages = [
        p
        for lang in ("", "en/")
        for pattern in (
            "wijk/*.html",
            "gebied/*.html",
            "buurt/*.html",
            "*/wijk/*.html",
            "*/gebied/*.html",
        )
        for p in site.glob(lang + pattern)
    ]
    assert len(pages) > 2 * (20 + 7 + 150 + 32 + 7)
    for page in pages:
        weight = page_weight(page)
        assert weight["bytes"] <= PAGE_BUDGET, (page, weight["bytes"])
        assert {f.name for f in weight["resources"]} >= {"site.css", "site.js", "favicon.svg"}
    assert not list(site.rglob("plotly*.js"))


# -- the pieces -------------------------------------------------------------------------------


def _composition(rows):
    return pd.DataFrame(
        [
            {"edition": 2024, "layout": "cbs", "area_level": "wijk", "area_code": code,
             "indicator_id": ind, "value": v, "suppressed": v is None}
            for code, values in rows.items()
            for ind, v in values.items()
        ]
    )  # fmt: skip


def test_similar_areas_are_the_nearest_on_standardised_composition():
    values = _composition(
        {
            "A": {"old": 10.0, "woz": 200.0},
            "B": {"old": 11.0, "woz": 210.0},  # close to A
            "C": {"old": 30.0, "woz": 400.0},
            "D": {"old": 29.0, "woz": None},  # suppressed: compared on 'old' only
        }
    )
    out = similar_areas(values, ["old", "woz"], count=2)
    a = out[out["area_code"] == "A"].sort_values("rank")
    assert a["similar_code"].tolist()[0] == "B"
    assert "A" not in a["similar_code"].tolist()
    d = out[out["area_code"] == "D"].sort_values("rank")
    assert d["similar_code"].iloc[0] == "C"
    assert d["compared_on"].iloc[0] == 1
    assert (out["distance"] >= 0).all()


def test_svg_path_is_in_metres_with_y_flipped():
    # a 1 km square whose south-east corner lies 2 km east of and 2 km below the frame's
    # north-west corner: SVG y runs down, RD New y runs north
    square = shapely.box(100_000, 500_000, 101_000, 501_000)
    frame = MapFrame(99_000, 499_000, 102_000, 502_000)
    assert frame.view_box() == "0 0 3000 3000"
    assert path_data(square, frame) == "M2000 2000l0 -1000 -1000 0 0 1000z"


def test_numbers_are_written_the_dutch_and_the_english_way():
    assert i18n.number(12345.678, 1, "nl") == "12.345,7"
    assert i18n.number(12345.678, 1, "en") == "12,345.7"
    assert i18n.with_unit(46.0, 0, "%", "nl") == "46%"
    # a number and its unit never break apart, nor a number inside a unit ('per 1 000')
    assert i18n.with_unit(3.25, 1, "per 1 000 inwoners", "en") == "3.2\u00a0per 1,000 residents"
    assert i18n.with_unit(8.5, 1, "per 1 000 huishoudens", "nl") == (
        "8,5\u00a0per 1\u00a0000 huishoudens"
    )
    # CBS's thousands of euros as euros
    assert i18n.with_unit(258.0, 0, "x 1 000 euro", "nl") == "€\u00a0258.000"
    assert i18n.with_unit(258.0, 0, "x 1 000 euro", "en") == "€258,000"
    assert i18n.number(None, 1, "nl") == "–"


def _luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def test_text_on_every_band_colour_meets_wcag_aa():
    for key, fill in FILL.items():
        light, dark = sorted([_luminance(fill), _luminance(INK[key])], reverse=True)
        assert (light + 0.05) / (dark + 0.05) >= 4.5, key


# -- the change since the previous edition ----------------------------------------------------

PREVIOUS = f"(SELECT max(edition) FROM editions WHERE edition < {LATEST})"


def _trend_rows(con, where: str) -> pd.DataFrame:
    return con.execute(
        f"SELECT v.*, p.harmonisation AS previous_harmonisation FROM indicator_values v "
        f"LEFT JOIN indicator_values p ON p.edition = v.previous_edition AND p.layout = v.layout "
        f"AND p.area_code = v.area_code AND p.indicator_id = v.indicator_id "
        f"WHERE v.edition = {LATEST} AND v.layout = 'cbs' AND {where}"
    ).df()


def _section(html: str, heading_id: str) -> str:
    start = html.index(f'<section aria-labelledby="{heading_id}"')
    return html[start : html.index("</section>", start)]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_change_is_written_with_sign_unit_and_the_dutch_or_english_decimal_mark():
    nb = "\u00a0"
    assert i18n.change(2.34, 1, "%", "nl") == f"+2,3{nb}procentpunt"
    assert i18n.change(2.34, 1, "%", "en") == f"+2.3{nb}percentage points"
    assert i18n.change(-1234.5, 1, "inwoners", "nl") == f"−1.234,5{nb}inwoners"
    assert i18n.change(-0.04, 1, "%", "nl") == f"0,0{nb}procentpunt"  # rounds to nothing: no sign
    assert i18n.change(-12.0, 0, "x 1 000 euro", "nl") == f"−€{nb}12.000"
    assert i18n.change(None, 1, "%", "nl") == "–"


def test_wijk_page_shows_a_significant_survey_change_equal_to_the_warehouse(site, con):
    frame = _trend_rows(
        con, "v.area_level = 'wijk' AND v.source = 'survey' AND v.change_significant"
    )
    assert len(frame), "expected significant survey changes in the warehouse"
    row = frame.loc[frame["change_z"].abs().idxmax()]
    year = int(row["previous_edition"])
    d = int(row["decimals"])
    html = (site / "wijk" / f"{row['area_code']}.html").read_text(encoding="utf-8")
    assert f"Ontwikkeling sinds {year}" in html
    cell = _rows(html)[row["indicator_id"]][7]
    words = {"better": "beter", "worse": "slechter", "higher": "hoger", "lower": "lager"}
    assert words[row["trend"]] in cell
    assert "↑" in cell or "↓" in cell
    change = ("+" if row["change"] > 0 else "−") + i18n.number(abs(row["change"]), d, "nl")
    if row["unit"] == "%":
        change += " procentpunt"
        assert f"in {year}: {i18n.number(row['previous_value'], d, 'nl')}%" in cell
    assert change in cell
    assert "· significant" in cell and "niet significant" not in cell


def test_stable_survey_change_says_not_significant_and_register_changes_have_no_test(site, con):
    frame = _trend_rows(con, "v.area_code = 'WK001400' AND v.trend IS NOT NULL")
    html = (site / "wijk" / "WK001400.html").read_text(encoding="utf-8")
    tested = frame["change_significant"].fillna(True).astype(bool)
    stable = frame[(frame["source"] == "survey") & (frame["trend"] == "stable") & ~tested]
    cell = _rows(html)[stable.iloc[0]["indicator_id"]][7]
    assert "gelijk gebleven" in cell and "niet significant" in cell
    register = frame[frame["source"] == "register"].iloc[0]
    cell = _rows(html)[register["indicator_id"]][7]
    assert "significant" not in cell
    d = int(register["decimals"])
    assert i18n.change(register["change"], d, register["unit"], "nl") in cell


@pytest.mark.parametrize("layout", ["cbs", "voorbeeld"])
def test_only_a_recomputed_wijk_says_its_previous_figure_was_recomputed(site, con, layout):
    """The CBS wijken of the shipped data map 1:1 onto 2017's; several wijken and gebieden of
    the own layout ('voorbeeld') are recomposed from 2017 buurten (reaggregated). Exactly those
    pages say their 2018 figures were recomputed, and mark each previous figure '(herberekend)'."""
    areas = con.execute(
        f"SELECT area_level, area_code, list(DISTINCT harmonisation) FROM indicator_values "
        f"WHERE edition = {PREVIOUS} AND layout = ? AND area_level IN ('wijk', 'gebied') "
        f"GROUP BY ALL",
        [layout],
    ).fetchall()
    how = {}
    for level, code, kinds in areas:
        assert len(kinds) == 1, (code, kinds)  # one harmonisation per area
        how[(level, code)] = kinds[0]
    kinds = list(how.values())
    assert kinds.count("identical") >= 5
    if layout == "voorbeeld":
        assert kinds.count("reaggregated") >= 4
    root = site if layout == "cbs" else site / layout
    trends = con.execute(
        f"SELECT area_code, list(indicator_id) FROM indicator_values WHERE edition = {LATEST} "
        f"AND layout = ? AND trend IS NOT NULL AND NOT suppressed AND indicator_id IN "
        "(SELECT indicator_id FROM indicator_catalogue WHERE replaced_by IS NULL) GROUP BY 1",
        [layout],
    ).fetchall()
    trends = dict(trends)
    for (level, code), kind in how.items():
        html = (root / level / f"{code}.html").read_text(encoding="utf-8")
        recomputed = kind == "reaggregated"
        where = (layout, code, kind)
        assert ("de cijfers van 2018 zijn herberekend" in html) == recomputed, where
        if kind == "not_comparable":
            assert code not in trends, where
            continue
        assert len(trends[code]) > 100, where
        rows = _rows(html)
        for indicator in trends[code]:
            assert ("(herberekend)" in rows[indicator][7]) == recomputed, (*where, indicator)


def test_what_changed_lists_the_largest_real_changes(site, con):
    values = con.execute(  # the figures residents read: one per concept (the real one)
        f"SELECT v.*, c.direction FROM indicator_values v JOIN indicator_catalogue c "
        f"USING (indicator_id) WHERE v.edition = {LATEST} AND v.layout = 'cbs' "
        f"AND v.area_level = 'wijk' AND c.replaced_by IS NULL"
    ).df()
    spread = values[~values["suppressed"]].groupby("indicator_id")["value"].std()
    titles = con.execute("SELECT indicator_id, title_nl FROM indicator_catalogue").df()
    titles = titles.set_index("indicator_id")["title_nl"]
    code = "WK001409"
    mine = values[values["area_code"] == code].copy()
    mine["size"] = mine["change"].abs() / mine["indicator_id"].map(spread)
    real = (mine["source"] != "survey") | mine["change_significant"].fillna(False).astype(bool)
    html = (site / "wijk" / f"{code}.html").read_text(encoding="utf-8")
    section = _section(html, "sinds-kop")
    assert html.index("sinds-kop") < html.index("kompas-kop")  # near the top
    for trend, heading in (("better", "Beter geworden"), ("worse", "Slechter geworden")):
        expected = mine[(mine["trend"] == trend) & real & (mine["direction"] != "neutral")]
        expected = expected.sort_values("size", ascending=False).head(5)
        part = section.split(heading)[1].split("</ol>")[0]
        shown = re.findall(r'indicator/([a-z0-9_]+)\.html">', part)
        assert shown == expected["indicator_id"].tolist(), trend
        first = expected.iloc[0]
        d = int(first["decimals"])
        item = _text(part.split("</li>")[0])
        assert item.startswith(titles[first["indicator_id"]])
        previous = i18n.with_unit(first["previous_value"], d, first["unit"], "nl")
        now = i18n.with_unit(first["value"], d, first["unit"], "nl")
        assert _text(f"{previous} → {now}") in item
        assert _text(i18n.change(first["change"], d, first["unit"], "nl")) in item
    # survey changes that are not significant are never listed
    quiet = mine[(mine["source"] == "survey") & (mine["trend"] == "stable")]["indicator_id"]
    assert not set(quiet) & set(re.findall(r'indicator/([a-z0-9_]+)\.html">', section))


def test_not_comparable_wijk_shows_the_reason_instead_of_a_change(site, con):
    indicator = "feels_unsafe_in_buurt"
    frame = _trend_rows(con, f"v.area_level = 'wijk' AND v.indicator_id = '{indicator}'")
    ten_boer = frame[frame["area_code"] == "WK001415"].iloc[0]
    assert pd.isna(ten_boer["change"]) and ten_boer["trend_reason"] == "not_comparable"
    html = (site / "indicator" / f"{indicator}.html").read_text(encoding="utf-8")
    row = re.search(r'<tr id="w-WK001415">(.*?)</tr>', html, re.S).group(1)
    cells = [_text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
    assert cells[0] == "Ten Boer e.o."
    assert cells[6:9] == ["", "", ""]  # no previous value, change or significance
    assert cells[9] == messages.trend_message(ten_boer["trend_reason"], "nl")
    explanation = _text(re.search(r'<p id="trend-uitleg">(.*?)</p>', html, re.S).group(1))
    assert "huidige wijkgrenzen" in explanation and "Ten Boer e.o." in explanation
    assert "Centrum" not in explanation
    # a comparable wijk on the same page: its previous value, change and test
    other = frame[frame["change"].notna()].iloc[0]
    d = int(other["decimals"])
    row = re.search(rf'<tr id="w-{other["area_code"]}">(.*?)</tr>', html, re.S).group(1)
    cells = [_text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
    assert cells[6] == _text(i18n.with_unit(other["previous_value"], d, other["unit"], "nl"))
    assert cells[7].startswith(_text(i18n.change(other["change"], d, other["unit"], "nl")))
    assert cells[8] == ("significant" if other["change_significant"] else "niet significant")
    # and the wijk page of Ten Boer says there is no comparison, with the reason
    wijk = (site / "wijk" / "WK001415.html").read_text(encoding="utf-8")
    section = _text(_section(wijk, "sinds-kop"))
    assert "geen vergelijking met" in section
    assert messages.trend_message("not_comparable", "nl") in section
    assert "<ol" not in _section(wijk, "sinds-kop")


def test_english_pages_show_the_change_in_english(site, con):
    frame = _trend_rows(
        con,
        "v.area_code = 'WK001400' AND v.source = 'survey' AND v.change_significant "
        "AND v.unit = '%'",
    )
    row = frame.iloc[0]
    year = int(row["previous_edition"])
    html = (site / "en" / "wijk" / "WK001400.html").read_text(encoding="utf-8")
    assert f"Change since {year}" in html and f"What changed since {year}" in html
    cell = _rows(html)[row["indicator_id"]][7]
    words = {"better": "better", "worse": "worse", "higher": "higher", "lower": "lower"}
    assert words[row["trend"]] in cell
    assert i18n.change(row["change"], int(row["decimals"]), "%", "en") in cell
    assert "percentage points" in cell and "significant" in cell
    assert "procentpunt" not in html and "slechter" not in html
    page = (site / "en" / "indicator" / f"{row['indicator_id']}.html").read_text(encoding="utf-8")
    assert "No comparison for" in page and "Not comparable" in page


def test_buurt_pages_have_no_change_column(site):
    html = (site / "buurt" / "BU00140000.html").read_text(encoding="utf-8")
    assert "Ontwikkeling sinds" not in html and "sinds-kop" not in html
    assert "Voor buurten is er nog geen vergelijking" in html


def test_trend_colours_are_the_palette_colours(site):
    css = (site / "assets" / "site.css").read_text(encoding="utf-8")
    rules = dict(re.findall(r'\.band\[data-band="(\w+)"\][^{]* \{ background: (#[0-9a-f]{6})', css))
    for trend, key in TREND_BAND.items():
        if key != "none":
            assert rules[key] == FILL[key], trend
    assert TREND_BAND["better"] == "favourable" and TREND_BAND["worse"] == "unfavourable"
    assert {TREND_BAND["higher"], TREND_BAND["lower"]} <= set(NEUTRAL)


def _compass_cells(html: str, figure_id: str) -> tuple[str, dict[str, str]]:
    """The centre's name and each indicator cell's fill of a compass SVG on a page."""
    start = html.index(f'id="{figure_id}"')
    svg = html[start : html.index("</svg>", start)]
    cells = re.findall(r'<a href="#r-(\w+)" fill="(#\w+)"><title>', svg)
    centre = re.search(r'<g role="img" tabindex="0"><title>([^<]*)</title><circle', svg).group(1)
    return centre, dict(cells)


def test_development_compass_colours_each_cell_by_its_change(site, con):
    """The second compass: centre = development centre score, each indicator cell coloured by
    its development band; only areas with a comparison have one."""
    code = "WK001404"
    html = (site / "wijk" / f"{code}.html").read_text(encoding="utf-8")
    centre_name, colours = _compass_cells(html, "compass-dev")
    centre = con.execute(
        f"""SELECT score FROM development_scores WHERE edition = {LATEST} AND layout = 'cbs'
            AND area_code = ? AND score_level = 'centre'""",
        [code],
    ).fetchone()[0]
    assert f": {i18n.number(centre, 0, 'nl')} (" in centre_name
    rows = con.execute(
        f"""SELECT v.indicator_id, v.development_band, c.direction FROM indicator_values v
            JOIN indicator_catalogue c USING (indicator_id)
            WHERE v.edition = {LATEST} AND v.layout = 'cbs' AND v.area_code = ?
              AND c.in_compass""",
        [code],
    ).fetchall()
    assert len(colours) == len(rows)
    judged = 0
    for indicator, band, direction in rows:
        neutral = direction == "neutral"
        key = (
            "none"
            if band is None
            else ("neutral_average" if neutral and band == "average" else band)
        )
        assert colours[indicator] == FILL[key], indicator
        judged += band is not None
    assert judged > 100
    # the state compass is still coloured by the state bands: the two differ
    assert _compass_cells(html, "compass")[1] != colours
    # no comparison for Ten Boer e.o. (not in the gemeente in 2017) and for buurten
    assert 'id="compass-dev"' not in (site / "wijk" / "WK001415.html").read_text("utf-8")
    buurt = next((site / "buurt").glob("*.html"))
    assert 'id="compass-dev"' not in buurt.read_text("utf-8")


def test_a_reaggregated_previous_figure_is_marked_recomputed():
    """The shipped 2017 wijken all map 1:1 onto today's; a wijk rebuilt from other buurten
    says so beside its previous figure (and not otherwise)."""
    from dashboards.presentation import _trend

    row = {
        "trend": "worse", "trend_reason": None, "previous_edition": 2018,
        "change_significant": True, "change": -2.5, "unit": "%", "previous_value": 40.0,
        "source": "survey",
    }  # fmt: skip
    for how, marked in (("reaggregated", True), ("identical", False)):
        out = _trend(dict(row, previous_harmonisation=how), 1, "nl")
        assert ("herberekend" in out["trend_previous"]) == marked
        assert bool(out["recomputed_text"]) == marked
        assert out["trend_word"] == i18n.TRENDS["worse"]["nl"]


# ---------------------------------------------------------------- the own layout's pages

OWN_WIJKEN = ["Beijum", "Lewenborg", "Paddepoel", "Vinkhuizen", "Korrewegwijk"]


def test_own_wijken_have_pages_reachable_from_home_and_search(site, con):
    """The municipality's own wijken (the example layout) are published: a page in nl and en
    under the layout's name, linked from the home page and found by the search, with the
    figures of the warehouse and the CBS buurten they are made of."""
    codes = dict(
        con.sql(
            """SELECT area_name, area_code FROM areas WHERE layout = 'voorbeeld'
               AND area_level = 'wijk' AND year = (SELECT max(year) FROM areas
               WHERE layout = 'voorbeeld')"""
        ).fetchall()
    )
    home = (site / "index.html").read_text(encoding="utf-8")
    index = json.loads(
        (site / "assets" / "search-index.js").read_text(encoding="utf-8").split("=", 1)[1][:-2]
    )
    entries = {(a[1], a[2]): a for a in index["areas"]}
    for name in OWN_WIJKEN:
        code = codes[name]
        path = f"voorbeeld/wijk/{code}.html"
        assert f'href="{path}"' in home, name
        assert entries[(name, "wijk")][4] == path, name
        for lang in ("", "en/"):
            html = (site / f"{lang}{path}").read_text(encoding="utf-8")
            assert f"<h1>{name} " in html
        html = (site / path).read_text(encoding="utf-8")
        assert "eigen wijkindeling van de gemeente" in html
        assert 'class="compass' in html and "<svg" in html  # the compass and the locator map
        population = con.execute(
            f"""SELECT value FROM indicator_values WHERE edition = {LATEST}
                AND layout = 'voorbeeld' AND area_code = ? AND indicator_id = 'population'""",
            [code],
        ).fetchone()[0]
        assert i18n.number(population, 0, "nl") in html
        buurten = [
            b
            for (b,) in con.execute(
                "SELECT buurt_code FROM area_buurten WHERE layout = 'voorbeeld' "
                "AND area_level = 'wijk' AND area_code = ?",
                [code],
            ).fetchall()
        ]
        for buurt in buurten:  # its buurten link to the (CBS) buurt pages
            assert f'href="../../buurt/{buurt}.html"' in html, (name, buurt)


def test_own_wijk_page_and_csv_show_the_warehouse_figures(site, con):
    code = con.sql(
        "SELECT area_code FROM areas WHERE layout = 'voorbeeld' AND area_name = 'Beijum'"
    ).fetchone()[0]
    frame = con.execute(
        f"SELECT * FROM indicator_values WHERE edition = {LATEST} AND layout = 'voorbeeld' "
        "AND area_code = ?",
        [code],
    ).df()
    html = (site / "voorbeeld" / "wijk" / f"{code}.html").read_text(encoding="utf-8")
    published = frame[~frame["suppressed"] & frame["ci_low"].notna()].iloc[0]
    cells = _rows(html)[published["indicator_id"]]
    d = int(published["decimals"])
    assert cells[1] == i18n.with_unit(published["value"], d, published["unit"], "nl")
    csv = pd.read_csv(site / "data" / "voorbeeld" / f"{code}.csv", sep=";")
    merged = csv.merge(frame, on="indicator_id", suffixes=("", "_wh"))
    assert len(merged) == len(frame) == len(csv)
    assert merged.loc[merged["suppressed"], "value"].isna().all()
    shown = merged[~merged["suppressed"]]
    assert (shown["value"] - shown["value_wh"]).abs().max() < 1e-9
    # its change since 2018 is on the page (own wijken are harmonised like CBS wijken)
    assert "Wat veranderde sinds 2018" in html


def test_presented_rows_are_typed_records_and_a_misspelt_field_fails_the_build(site, con):
    """One presentation record per indicator, area and language: read-only, and a template
    naming a field the record does not have stops the build instead of printing nothing."""
    import dataclasses

    import jinja2

    from dashboards.presentation import IndicatorRow, present, value_records
    from dashboards.site_builder import SiteBuilder
    from dashboards.site_data import load_site_data

    data = load_site_data(con)
    records = value_records(data.values[data.values["area_code"] == "WK001404"], data.catalogue)
    rows = present(records, "nl")
    assert rows and all(isinstance(r, IndicatorRow) for r in rows)
    with pytest.raises(dataclasses.FrozenInstanceError):
        rows[0].value_text = "x"
    env = SiteBuilder(data, site / "unused").env
    assert env.from_string("{{ r.value_text }}").render(r=rows[0]) == rows[0].value_text
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ r.value_txet }}").render(r=rows[0])
