"""The resident site: home, gebied / wijk / buurt pages, indicator pages, in Dutch (site root)
and English (``en/``), with one shared set of assets (``assets/``: CSS, a small script, the
search index, the favicon) and per-area CSV files (``data/``).

Pages link relatively, so the site works from any folder, over plain http and from ``file://``.
Nothing is fetched from elsewhere, and nothing needs a script: the compasses, maps and ranking
charts are inline SVG drawn at build time; ``site.js`` only enhances (search, the home map's
indicator and layout switch, the compass cell panel).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import jinja2

from dashboards import i18n
from dashboards.budgets_view import budget_section
from dashboards.changes import comparison, ranked_changes, wijk_spread
from dashboards.compass_summary import quadrant_summary
from dashboards.compass_svg import compass_svg
from dashboards.national_view import elsewhere_section, national_section
from dashboards.nlds import site_stylesheet
from dashboards.palette import FILL, INK, JUDGED, NEUTRAL, band_key
from dashboards.presentation import IndicatorRow, present, value_records
from dashboards.ranking_chart import ranking_svg
from dashboards.report_pdf import pdfs_enabled
from dashboards.site_data import (
    LAND,
    SiteData,
    scores_by_area,
    similar_by_area,
    similar_indicator_titles,
)
from dashboards.site_maps import Maps
from dashboards.table_rows import area_table_row, buurt_table_row, table_body, wijk_table_row
from dashboards.time_chart import has_series, spark_svg, time_chart_svg
from indicators.downloads import PUBLISHED_COLUMNS, published_values, write_csv

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates" / "site"
STATIC = HERE / "static"
COMPASS_FONT_SCALE = 1.35  # the scores in the compass stay >= 12 px on a 390 px phone screen
KEY_FIGURES = ["population", "households", "dwellings", "share_aged_65_plus", "mean_woz_value"]
AREA_LEVELS = ("gebied", "wijk", "buurt")
REPORT_LEVELS = ("gebied", "wijk")  # levels with a wijkanalyse report
TOP_CHANGES = 5  # improvements and deteriorations listed at the top of a wijk / gebied page


@dataclass
class Page:
    """Where a page sits: its path inside a language root and the way back to the site root."""

    lang: str
    path: str  # e.g. "wijk/WK001400.html"

    @property
    def depth(self) -> int:
        return self.path.count("/") + (1 if self.lang == "en" else 0)

    @property
    def site_root(self) -> str:
        return "../" * self.depth

    @property
    def lang_root(self) -> str:
        return "../" * self.path.count("/")

    @property
    def other(self) -> str:
        """Relative link to the same page in the other language."""
        if self.lang == "nl":
            return self.lang_root + "en/" + self.path
        return "../" * (self.path.count("/") + 1) + self.path

    def file(self, site: Path) -> Path:
        return site / ("en" if self.lang == "en" else "") / self.path


def area_path(level: str, code: str) -> str:
    return f"{level}/{code}.html"


def layout_path(layout: str, level: str, code: str) -> str:
    """An area's page in a layout: CBS areas (and every buurt) at the top, an own layout's
    wijken and gebieden under its name (voorbeeld/wijk/EW01.html), so codes never collide."""
    if layout == "cbs" or level == "buurt":
        return area_path(level, code)
    return f"{layout}/{area_path(level, code)}"


def indicator_path(indicator_id: str) -> str:
    return f"indicator/{indicator_id}.html"


class SiteBuilder:
    def __init__(
        self, data: SiteData, site: Path, layouts: list[SiteBuilder] = (), primary: str = "cbs"
    ):
        self.data = data
        # the builders of the own layouts: their maps on the home page, their areas in the search
        self.others = list(layouts)
        self.primary = primary  # the layout the home page leads with
        self.site = Path(site)
        # an own layout's pages sit under its name (layout_path); its CSVs too
        self.own = data.layout != "cbs"
        self.prefix = f"{data.layout}/" if self.own else ""
        self.levels = ("gebied", "wijk") if self.own else AREA_LEVELS
        self.maps = Maps(data.geometry)
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=True,
            trim_blocks=True,
            lstrip_blocks=True,
            undefined=jinja2.StrictUndefined,  # a misspelt field fails the build
        )
        self.env.filters["json"] = lambda obj: json.dumps(
            obj, ensure_ascii=False, separators=(",", ":")
        ).replace("</", "<\\/")
        self.bands = data.settings["compass"]["bands"]
        self.written: list[Path] = []
        self.by_area: dict[str, dict[str, list[IndicatorRow]]] = {}
        self.by_indicator: dict[str, dict[str, list[IndicatorRow]]] = {}
        records = value_records(data.values, data.catalogue)
        for lang in i18n.LANGS:
            self.by_area[lang], self.by_indicator[lang] = {}, {}
            for row in present(records, lang):
                self.by_area[lang].setdefault(row.area_code, []).append(row)
                self.by_indicator[lang].setdefault(row.indicator_id, []).append(row)
        self.scores = scores_by_area(data.scores)
        self.development = scores_by_area(data.development)
        self.similar = similar_by_area(data.similar)
        self.gemeente_name = data.areas[data.gemeente].name
        self.titles = {
            lang: {k: i18n.keep_together(v) for k, v in data.catalogue[f"title_{lang}"].items()}
            for lang in ("nl", "en")
        }
        # how much the wijken differ on each indicator (standard deviation of the published
        # values): the yardstick for ranking changes in different units against each other
        self.spread = wijk_spread(data.values)

    # -- helpers -------------------------------------------------------------------------
    def path(self, level: str, code: str) -> str:
        """The page of an area of this layout (a buurt's page is always the CBS one)."""
        return layout_path(self.data.layout, level, code)

    def layout_note(self, lang: str) -> str | None:
        """On an own layout's pages: whose wijken these are."""
        if not self.own:
            return None
        return i18n.t("own_layout_note", lang, layout=self.data.layout)

    def build_layout(self) -> list[Path]:
        """The pages of an own layout: its wijken and gebieden (nl, en) and their CSVs."""
        self.write_area_csvs()
        for lang in i18n.LANGS:
            for level in self.levels:
                for area in self.data.level(level):
                    self.area_page(area, lang)
        return self.written

    def name(self, code: str) -> str:
        area = self.data.areas.get(code)
        return area.name if area else code

    def title(self, indicator_id: str, lang: str) -> str:
        return self.titles["nl" if lang == "nl" else "en"][indicator_id]

    def render(
        self, template: str, page: Page, figures: list[IndicatorRow] = (), **context
    ) -> None:
        """Write ``template`` as ``page``; ``figures``: the indicator rows the page shows, of
        which the banner says how many are real (CBS, RIVM) and how many synthetic."""
        context.setdefault("uses_search", False)
        html = self.env.get_template(template).render(
            real_share=real_share(figures, page.lang),
            page=page,
            lang=page.lang,
            t=lambda key, **f: i18n.t(key, page.lang, **f),
            i18n=i18n,
            synthetic=self.data.synthetic,
            edition=self.data.edition,
            cbs_year=self.data.cbs_years[0] if self.data.cbs_years else None,
            gemeente_name=self.gemeente_name,
            level_word=lambda level, plural=False: i18n.LEVELS[level][page.lang][int(plural)],
            previous_edition=self.data.previous_edition,
            previous_area_year=self.data.previous_area_year,
            **context,
        )
        target = page.file(self.site)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
        self.written.append(target)

    def legend(self, neutral: bool, lang: str) -> list[dict]:
        keys = NEUTRAL if neutral else JUDGED
        items = [
            {
                "label": i18n.BANDS[k][lang],
                "fill": FILL[band_key(k, neutral)],
                "ink": INK[band_key(k, neutral)],
            }
            for k in keys
        ]
        items.append({"label": i18n.BANDS["none"][lang], "fill": FILL["none"], "ink": INK["none"]})
        return items

    # -- the site -------------------------------------------------------------------------
    def build(self) -> list[Path]:
        self.site.mkdir(parents=True, exist_ok=True)
        self.write_assets()
        self.write_area_csvs()
        for lang in i18n.LANGS:
            self.home(lang)
            self.indicator_index(lang)
            for level in AREA_LEVELS:
                for area in self.data.level(level):
                    self.area_page(area, lang)
            for indicator_id in self.data.catalogue.index:
                self.indicator_page(indicator_id, lang)
        return self.written

    def write_assets(self) -> None:
        assets = self.site / "assets"
        assets.mkdir(parents=True, exist_ok=True)
        for f in STATIC.iterdir():
            shutil.copyfile(f, assets / f.name)
        # one stylesheet: the NL Design System components, the theme's tokens, the site's rules
        (assets / "site.css").write_text(
            site_stylesheet(HERE / "tokens.css", STATIC / "site.css"), encoding="utf-8"
        )
        # browsers ask for /favicon.ico where a page names no icon (a PDF, a CSV): answer it
        shutil.copyfile(STATIC / "favicon.ico", self.site / "favicon.ico")
        index = {
            "areas": [
                [a.code, a.name, a.level, self.name(a.parent) if a.level != "gebied" else ""]
                for level in AREA_LEVELS
                for a in self.data.level(level)
            ]
            + [  # own wijken and gebieden, with their page (their codes may repeat CBS codes)
                [
                    a.code,
                    a.name,
                    a.level,
                    own.areas[a.parent].name if a.level == "wijk" else own.layout,
                    layout_path(own.layout, a.level, a.code),
                    own.layout,
                ]
                for own in (b.data for b in self.others)
                for level in ("gebied", "wijk")
                for a in own.level(level)
            ],
            # what a name found in several layouts is listed with, the primary layout first
            "layouts": {
                b.data.layout: [b.layout_label("nl", short=True), b.layout_label("en", short=True)]
                for b in [self, *self.others]
            },
            "primary": self.primary,
            "postcodes": self.data.postcodes,
            "postcode_year": self.data.postcode_year,
            # PC4 -> [[name, page, layout label]] of every layout, the primary layout first
            "postcode_areas": self.postcode_areas(),
        }
        (assets / "search-index.js").write_text(
            "window.WIJKKOMPAS_SEARCH=" + json.dumps(index, ensure_ascii=False) + ";\n",
            encoding="utf-8",
        )
        self.written.extend(assets.iterdir())

    def postcode_areas(self) -> dict[str, list[list[str]]]:
        """Per PC4 the wijken of its buurten in every layout, the primary layout first: what a
        postcode search lists when there is more than one layout."""
        builders = sorted([self, *self.others], key=lambda b: b.data.layout != self.primary)
        out: dict[str, list[list[str]]] = {}
        for b in builders:
            label = b.layout_label("nl", short=True), b.layout_label("en", short=True)
            for pc, wijken in b.data.postcodes.items():
                out.setdefault(pc, []).extend(
                    [b.name(w), b.path("wijk", w), *label] for w in wijken
                )
        return dict(sorted(out.items()))

    def write_area_csvs(self) -> None:
        folder = self.site / "data" / self.prefix
        folder.mkdir(parents=True, exist_ok=True)
        published = published_values(self.data.values)
        cat = self.data.catalogue[["indicator_id", "title_nl", "title_en"]]
        published = published.merge(cat, on="indicator_id", how="left")
        columns = PUBLISHED_COLUMNS[:7] + ["title_nl", "title_en"] + PUBLISHED_COLUMNS[7:]
        for code, part in published.groupby("area_code"):
            if code in self.data.areas and self.data.areas[code].level in self.levels:
                target = folder / f"{code}.csv"
                write_csv(part[columns], target)
                self.written.append(target)

    # -- home -----------------------------------------------------------------------------
    def has_figures(self, indicator_id: str, lang: str) -> bool:
        """Whether any area has a figure for the indicator: an indicator the sources do not
        have at all (the national 43-column file has no dwellings) is left out of the headline
        map and key figures, and stays in the tables with its reason."""
        return any(r.value is not None for r in self.by_indicator[lang].get(indicator_id, []))

    def headline(self, lang: str) -> dict[str, dict]:
        """The headline indicators for the home map: per wijk its colour and text."""
        cat = self.data.catalogue
        out = {}
        headline = [i for i in cat.index[cat["headline"]] if self.has_figures(i, lang)]
        for indicator_id in headline or list(cat.index[cat["headline"]][:1]):
            wijk = [r for r in self.by_indicator[lang][indicator_id] if r.area_level == "wijk"]
            out[indicator_id] = {
                "title": self.title(indicator_id, lang),
                "neutral": bool(cat.loc[indicator_id, "direction"] == "neutral"),
                "cells": {
                    r.area_code: [
                        FILL[r.band_key],
                        f"{self.name(r.area_code)}: {r.value_text}",
                    ]
                    for r in wijk
                },
                "bands": {r.area_code: r.band for r in wijk},
                "texts": {r.area_code: r.value_text for r in wijk},
            }
        return out

    def undrawn_note(self, buurten: list[str], lang: str) -> str | None:
        """Which buurten a map of this layout lacks (not on the buurt map), or None."""
        if not buurten:
            return None
        names = [f"{self.name(b)} ({b})" for b in buurten]
        return i18n.t("map_undrawn", lang, buurten=", ".join(names), map=self.data.buurt_map)

    def layout_label(self, lang: str, short: bool = False) -> str:
        """What this layout's wijken are called on the home page's switch (``short``: beside
        a wijk's name in the search)."""
        key = ("layout_own" if self.own else "layout_cbs") + ("_short" if short else "")
        return i18n.t(key, lang, layout=self.data.layout)

    def home_map(self, page: Page, lang: str) -> dict:
        """This layout's part of the home page: its wijken on a map coloured by the first
        headline indicator (the others as data for the page's script), the map's figures as a
        table and its gebieden with their wijken."""
        headline = self.headline(lang)
        first_id = next(iter(headline))
        first = headline[first_id]
        cells = {
            code: {"band": first["bands"][code], "neutral": first["neutral"], "title": text}
            for code, (_fill, text) in first["cells"].items()
        }
        label = self.layout_label(lang)
        svg = self.maps.choropleth(
            "wijk",
            cells,
            label=f"{i18n.t('map_title', lang)}: {label}",
            href=lambda c: page.lang_root + self.path("wijk", c),
            css_class="map home-map",
            lang=lang,
        )
        undrawn = sorted({b for bs in self.data.undrawn.values() for b in bs})
        wijken = {w.code: w.name for w in self.data.level("wijk")}
        return {
            "layout": self.data.layout,
            "label": label,
            "svg": svg,
            "has_map": self.maps.available,
            "labels": self.maps.labels("wijk", wijken),
            "first_id": first_id,
            "headline": {
                k: {"title": v["title"], "neutral": v["neutral"], "cells": v["cells"]}
                for k, v in headline.items()
            },
            "titles": [h["title"] for h in headline.values()],
            "table": [
                {
                    "name": wijk.name,
                    "href": self.path("wijk", wijk.code),
                    "values": [h["texts"].get(wijk.code, "–") for h in headline.values()],
                }
                for wijk in self.data.level("wijk")
            ],
            "gebieden": [
                {
                    "name": g.name,
                    "href": self.path("gebied", g.code),
                    "wijken": [
                        {"name": self.name(w), "href": self.path("wijk", w)} for w in g.children
                    ],
                }
                for g in self.data.level("gebied")
            ],
            "undrawn": self.undrawn_note(undrawn, lang),
        }

    def search_examples(self, lang: str) -> str:
        """What the search box suggests: the most populous buurt and wijk of this gemeente and,
        where CBS gives postcodes, one of that wijk."""
        population = {
            r.area_code: r.value
            for r in self.by_indicator[lang].get("population", [])
            if r.value is not None
        }

        def largest(level: str):
            areas = [a for a in self.data.level(level) if a.code in population]
            return max(areas, key=lambda a: (population[a.code], a.code), default=None)

        wijk, buurt = largest("wijk"), largest("buurt")
        names = list(dict.fromkeys(a.name for a in (buurt, wijk) if a is not None))
        if wijk is not None:
            codes = sorted(pc for pc, ws in self.data.postcodes.items() if wijk.code in ws)
            names += codes[:1]
        if len(names) < 2:
            return "".join(names)
        return f"{', '.join(names[:-1])} {i18n.t('or', lang)} {names[-1]}"

    def home(self, lang: str) -> None:
        page = Page(lang, "index.html")
        layouts = [b.home_map(page, lang) for b in [self, *self.others]]
        layouts.sort(key=lambda m: m["layout"] != self.primary)  # the primary layout first
        first = layouts[0]
        self.render(
            "home.html.j2",
            page,
            title=f"{i18n.t('site_title', lang)} {self.gemeente_name}",
            layouts=layouts,
            has_postcodes=bool(self.data.postcodes),
            search_examples=self.search_examples(lang),
            headline=first["headline"],
            first_id=first["first_id"],
            headline_data={m["layout"]: m["headline"] for m in layouts},
            legends={"judged": self.legend(False, lang), "neutral": self.legend(True, lang)},
            how_to_read=i18n.how_to_read(lang),
            uses_search=True,
        )

    def indicator_index(self, lang: str) -> None:
        page = Page(lang, "indicatoren.html")
        cat = self.data.catalogue
        groups = []
        for q in self.data.quadrants:
            for th in q.themes:
                items = cat[cat["theme"] == th.id]
                groups.append(
                    {
                        "title": th.title.nl if lang == "nl" else th.title.en,
                        "quadrant": q.title.nl if lang == "nl" else q.title.en,
                        "items": [
                            {
                                "title": self.title(i, lang),
                                "href": indicator_path(i),
                                "mark": "*" if items.loc[i, "synthetic"] else "",
                            }
                            for i in items.index
                        ],
                    }
                )
        self.render("indicators.html.j2", page, title=i18n.t("all_indicators", lang), groups=groups)

    # -- area pages -----------------------------------------------------------------------
    def similar_rows(self, area, lang: str) -> list[dict]:
        """This area and its most similar areas with their compass scores."""
        rows = []
        for code, distance in [(area.code, None)] + self.similar.get(area.code, []):
            scores = self.scores.get(code, {})
            rows.append(
                {
                    "name": self.name(code),
                    "href": None if code == area.code else self.path(area.level, code),
                    "centre": i18n.number(scores.get(("centre", "centre")), 0, lang),
                    "quadrants": [
                        i18n.number(scores.get(("quadrant", q.id)), 0, lang)
                        for q in self.data.quadrants
                    ],
                    "distance": "" if distance is None else i18n.number(distance, 1, lang),
                }
            )
        return rows

    def crumbs(self, area) -> list[dict]:
        """The levels above ``area`` up to the gemeente; a level that only repeats the one
        below it (a gemeente with one gebied per wijk, of the same name) is said once."""
        crumbs = []
        below, parent = area, self.data.areas.get(area.parent)
        while parent is not None and parent.level != "gemeente":
            if not (parent.name == below.name and len(parent.children) == 1):
                href = self.path(parent.level, parent.code)
                crumbs.insert(0, {"name": parent.name, "href": href})
            below, parent = parent, self.data.areas.get(parent.parent)
        return crumbs

    def changes(self, area, rows: list[IndicatorRow], lang: str) -> dict | None:
        """What changed since the previous edition: the largest real improvements and
        deteriorations of judged indicators (survey: significant changes only), ranked by the
        change relative to how much the wijken differ on the indicator; or why there is no
        comparison. None for areas without a previous edition (buurten)."""
        year = self.data.previous_edition
        if year is None or area.level not in ("wijk", "gebied"):
            return None

        def item(r: IndicatorRow) -> dict:
            return {
                "title": r.title,
                "mark": r.source_mark,
                "href": indicator_path(r.indicator_id),
                "previous": r.previous_text,
                "now": r.value_text,
                "change": r.change_text,
                "band": r.trend_band,
                "word": r.trend_word,
                "arrow": r.trend_arrow,
            }

        lists = {}
        for trend in ("better", "worse"):
            found = ranked_changes(rows, self.spread, trend)
            lists[trend] = [item(r) for r in found[:TOP_CHANGES]]
        return {**lists, **comparison(rows)}

    def development_compass(self, area, rows: list[IndicatorRow], lang: str) -> dict | None:
        """The second compass (ontwikkeling): every indicator coloured by its change since the
        previous edition; None where the area has no comparison. It re-uses the outlines of
        the state compass drawn above it on the page."""
        scores = self.development.get(area.code)
        if not scores:
            return None
        centre = i18n.number(scores.get(("centre", "centre")), 0, lang)
        return {
            "svg": compass_svg(
                rows,
                scores,
                self.data.quadrants,
                self.bands,
                lang,
                label=f"{i18n.t('development', lang, year=self.data.previous_edition)} "
                f"{area.name}: {i18n.t('col_score', lang).lower()} {centre}",
                band_field="development_band_key",
                text_field="development_text",
                links=True,
                reuse="k",
                font_scale=COMPASS_FONT_SCALE,
            ),
            "centre": centre,
        }

    def compass(self, area, rows: list[IndicatorRow], scores: dict, centre: str, lang: str) -> str:
        """The state compass as SVG: cells link to their table row, themes to their list."""
        return compass_svg(
            rows,
            scores,
            self.data.quadrants,
            self.bands,
            lang,
            label=f"{i18n.t('compass', lang)} {area.name}: "
            f"{i18n.t('col_score', lang).lower()} {centre}",
            links=True,
            define="k",
            font_scale=COMPASS_FONT_SCALE,
        )

    def zoom_lists(self, rows: list[IndicatorRow], lang: str) -> list[dict]:
        """Per theme its compass indicators, legible on a phone: what a click on a theme of the
        compass opens (``#zoom-<theme>``, by CSS ``:target``, no script needed)."""
        by_theme: dict[str, list[IndicatorRow]] = {}
        for r in rows:
            if r.in_compass:
                by_theme.setdefault(r.theme, []).append(r)
        return [
            {
                "id": th.id,
                "title": th.title.nl if lang == "nl" else th.title.en,
                "items": by_theme.get(th.id, []),
            }
            for q in self.data.quadrants
            for th in q.themes
        ]

    def area_page(self, area, lang: str) -> None:
        page = Page(lang, self.path(area.level, area.code))
        rows = self.by_area[lang].get(area.code)
        if rows is None:
            return
        scores = self.scores.get(area.code, {})
        centre = i18n.number(scores.get(("centre", "centre")), 0, lang)
        by_id = {r.indicator_id: r for r in rows}
        key_figures = [by_id[i] for i in KEY_FIGURES if i in by_id and self.has_figures(i, lang)]
        # the change since the previous edition: a column for wijken and gebieden, not buurten
        with_trend = bool(self.data.previous_edition) and area.level != "buurt"
        lang_root = page.lang_root
        table_rows: dict[str, list[str]] = {}
        for r in rows:
            table_rows.setdefault(r.theme, []).append(
                area_table_row(r, lang_root, with_trend, self.spark(area, r, lang))
            )
        themes = []
        for q in self.data.quadrants:
            for th in q.themes:
                themes.append(
                    {
                        "id": th.id,
                        "title": th.title.nl if lang == "nl" else th.title.en,
                        "quadrant": q.title.nl if lang == "nl" else q.title.en,
                        "rows": table_body(table_rows.get(th.id, [])),
                    }
                )
        context_level = "buurt" if area.level == "buurt" else "wijk"
        locator = self.maps.locator(
            area.level,
            area.code,
            context_level,
            label=i18n.t("location", lang),
            names=self.name,
            lang=lang,
            parent=area.parent,
        )
        child_level = {"gebied": "wijk", "wijk": "buurt"}.get(area.level)
        children = [  # an own wijk's buurten are CBS buurten: their pages are the CBS ones
            {"name": self.name(c), "href": self.path(child_level, c)}
            for c in area.children
            if child_level and (c in self.by_area[lang] or (self.own and child_level == "buurt"))
        ]
        self.render(
            "area.html.j2",
            page,
            figures=rows,
            title=f"{area.name} ({i18n.LEVELS[area.level][lang][0]})",
            area=area,
            level=area.level,
            crumbs=self.crumbs(area),
            summary=quadrant_summary(area.name, scores, self.data.quadrants, self.bands, lang),
            centre=centre,
            key_figures=key_figures,
            compass=self.compass(area, rows, scores, centre, lang),
            zoom=self.zoom_lists(rows, lang),
            development=self.development_compass(area, rows, lang),
            themes=themes,
            locator=locator,
            similar=self.similar_rows(area, lang) if area.level != "gebied" else [],
            national=national_section(self.data, area, lang, lambda i: f"indicator/{i}.html")
            if area.level in ("wijk", "gebied")
            else None,
            elsewhere=elsewhere_section(self.data, area, lang),
            similar_indicators=similar_indicator_titles(self.data, lang),
            quadrant_titles=[
                q.title.nl if lang == "nl" else q.title.en for q in self.data.quadrants
            ],
            children=children,
            changes=self.changes(area, rows, lang),
            with_trend=with_trend,
            csv_href=f"{page.site_root}data/{self.prefix}{area.code}.csv",
            budget=budget_section(self.data.budgets, area.code, lang)
            if area.level == "gebied"
            else None,
            report=report_links(area, page, self.data.layout),
            layout_note=self.layout_note(lang),
            undrawn=self.undrawn_note(self.data.undrawn.get(area.code, []), lang),
            legends={"judged": self.legend(False, lang), "neutral": self.legend(True, lang)},
        )

    # -- over-time charts ------------------------------------------------------------------
    def series_points(self, code: str, indicator_id: str) -> dict[int, float | None]:
        return self.data.series.get((code, indicator_id), {})

    def series_text(self, points: dict[int, float | None], unit, decimals, lang: str) -> str:
        """'79,0 → 78,2 → 79,9%': the figures of a line, oldest first, the unit with the last."""
        values = [v for _, v in sorted(points.items())]
        figures = [i18n.number(v, decimals, lang) for v in values[:-1]]
        return " → ".join([*figures, i18n.with_unit(values[-1], decimals, unit, lang)])

    def spark(self, area, r: IndicatorRow, lang: str) -> str:
        """The small over-time chart of an area's row: the area, the gemeente, the
        Netherlands, for an indicator measured three or more times."""
        own = self.series_points(area.code, r.indicator_id)
        if not has_series(own):
            return ""
        ind = self.data.catalogue.loc[r.indicator_id]
        lines = {
            "area": own,
            "gemeente": self.series_points(self.data.gemeente, r.indicator_id),
            "land": self.series_points(LAND, r.indicator_id),
        }
        names = {"area": area.name, "gemeente": self.gemeente_name, "land": i18n.t("land", lang)}
        years = sorted(own)
        label = f"{years[0]}–{years[-1]}: " + "; ".join(
            f"{names[k]} {self.series_text(v, ind['unit'], ind['decimals'], lang)}"
            for k, v in lines.items()
            if v
        )
        return spark_svg(lines, label)

    def time_section(self, indicator_id: str, wijken: list, lang: str) -> dict | None:
        """The indicator page's over-time chart and its table (the gemeente, the Netherlands,
        every wijk), for an indicator measured three or more times."""
        gemeente = self.series_points(self.data.gemeente, indicator_id)
        land = self.series_points(LAND, indicator_id)
        if not has_series(gemeente) and not has_series(land):
            return None
        ind = self.data.catalogue.loc[indicator_id]
        years = sorted(set(gemeente) | set(land))
        lines = [(self.gemeente_name, gemeente), (i18n.t("land", lang), land)]
        lines += [(self.name(w.code), self.series_points(w.code, indicator_id)) for w in wijken]

        def cells(points):
            return [
                i18n.with_unit(points.get(y), ind["decimals"], ind["unit"], lang)
                if points.get(y) is not None
                else "–"
                for y in years
            ]

        return {
            "svg": time_chart_svg(
                gemeente, land, [p for _, p in lines[2:]],
                label=f"{i18n.t('series_title', lang)}: {self.title(indicator_id, lang)}",
                fmt=lambda v: i18n.axis_number(v, ind["unit"], lang),
            ),
            "years": years,
            "years_text": i18n.listing([str(y) for y in years], lang),
            "rows": [(name, cells(points)) for name, points in lines if points],
        }  # fmt: skip

    # -- indicator pages ------------------------------------------------------------------
    def indicator_page(self, indicator_id: str, lang: str) -> None:
        page = Page(lang, indicator_path(indicator_id))
        ind = self.data.catalogue.loc[indicator_id]
        rows = self.by_indicator[lang].get(indicator_id, [])
        neutral = ind["direction"] == "neutral"
        gemeente = next((r for r in rows if r.area_level == "gemeente"), None)
        reference = None if gemeente is None or gemeente.value is None else gemeente.value
        by_level: dict[str, list[IndicatorRow]] = {"wijk": [], "buurt": []}
        for r in rows:
            if r.area_level in by_level:
                by_level[r.area_level].append(r)
        maps, tables = {}, {}
        for level, level_rows in by_level.items():
            cells = {
                r.area_code: {
                    "band": r.band,
                    "neutral": neutral,
                    "title": f"{self.name(r.area_code)}: {r.value_text}"
                    + (f" ({r.band_label})" if r.band else ""),
                }
                for r in level_rows
            }
            maps[level] = self.maps.choropleth(
                level,
                cells,
                label=f"{i18n.t(f'map_{level}', lang)}: {self.title(indicator_id, lang)}",
                href=lambda c, level=level: page.lang_root + area_path(level, c),
                lang=lang,
            )
            known = [r for r in level_rows if r.value is not None]
            unknown = [r for r in level_rows if r.value is None]
            tables[level] = [  # (row, area name, area page)
                (r, self.name(r.area_code), area_path(level, r.area_code))
                for r in sorted(known, key=lambda r: -r.value) + unknown
            ]
        not_compared = sorted(n for r, n, _ in tables["wijk"] if r.trend_reason == "not_comparable")
        text = "nl" if lang == "nl" else "en"
        with_trend = bool(self.data.previous_edition)
        survey = ind["source"] == "survey"
        self.render(
            "indicator.html.j2",
            page,
            figures=rows,
            title=self.title(indicator_id, lang),
            ind=ind,
            description=ind[f"description_{text}"],
            processing=ind[f"processing_{text}"],
            caveats=ind[f"caveats_{text}"],
            source=i18n.SOURCES.get(ind["source"], {}).get(lang, ind["source"]),
            direction=i18n.DIRECTIONS[ind["direction"]][lang],
            unit=i18n.unit_described(ind["unit"], lang),
            periods=sorted({r.period for r in rows if r.period is not None}),
            city_text=gemeente.value_text if gemeente else "–",
            maps=maps,
            survey=survey,
            wijk_rows=table_body(
                [wijk_table_row(*t, page.lang_root, with_trend, survey) for t in tables["wijk"]]
            ),
            buurt_rows=table_body([buurt_table_row(*t, page.lang_root) for t in tables["buurt"]]),
            ranking=ranking_svg(
                [(r, name) for r, name, _ in tables["wijk"]],
                reference,
                i18n.unit(ind["unit"], lang),
                label=f"{i18n.t('ranking', lang)}: {self.title(indicator_id, lang)}",
                fmt=lambda v: i18n.axis_number(v, ind["unit"], lang),
            ),
            legend_items=self.legend(neutral, lang),
            not_compared=", ".join(not_compared),
            over_time=self.time_section(indicator_id, self.data.level("wijk"), lang),
        )


REAL_SOURCES = ("cbs", "rivm")  # measured for real (RIVM: a model estimate from a real survey)


def real_share(rows, lang: str) -> str:
    """'On this page 120 of the 180 figures are real (67%)': of the published figures of the
    page, those of real sources; nothing for a page without figures."""
    shown = [r for r in rows if r.published]
    if not shown:
        return ""
    real = sum(r.source in REAL_SOURCES for r in shown)
    share = i18n.number(100 * real / len(shown), 0, lang)
    return i18n.t("real_share", lang, real=real, total=len(shown), share=share)


def report_path(code: str, suffix: str = "html", layout: str = "cbs") -> str:
    """Where the wijkanalyse report of a wijk or gebied sits, from the site root (Dutch only):
    a CBS area's in ``rapport/``, an own layout's under its name (``rapport/voorbeeld/EW01``)."""
    folder = "rapport/" if layout == "cbs" else f"rapport/{layout}/"
    return f"{folder}{code}.{suffix}"


def report_links(area, page: Page, layout: str = "cbs") -> dict | None:
    """Links from an area page to its wijkanalyse report (HTML and PDF); wijken and gebieden."""
    if area.level not in REPORT_LEVELS:
        return None
    return {
        "html": page.site_root + report_path(area.code, "html", layout),
        "pdf": page.site_root + report_path(area.code, "pdf", layout) if pdfs_enabled() else None,
    }


def build_resident_site(
    data: SiteData, site: Path, layouts: list[SiteData] = (), primary: str = "cbs"
) -> list[Path]:
    """Write the resident site into ``site`` (a staging directory): the CBS layout's pages and
    the wijk and gebied pages of every own layout in ``layouts``, the home page leading with
    the ``primary`` layout; return the files written."""
    own = [SiteBuilder(layout, site) for layout in layouts]
    written = SiteBuilder(data, site, own, primary).build()
    for builder in own:
        written += builder.build_layout()
    return written
