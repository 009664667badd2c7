"""What the resident site reads from the warehouse, read once: the latest edition on the CBS
layout (buurt, wijk, gebied, gemeente) with its change since the previous edition (and whether
that edition's figure was recomputed for today's area), the catalogue in compass order, the
scores, the similar areas, the boundaries, the postcode lookup and the budgets of the
gebiedsprogramma's. Everything after this works on small frames."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd
import shapely

from indicators.catalogue import in_sentence, load_catalogue, statistics_settings

LAYOUT = "cbs"  # the layout the site leads with; own layouts get pages of their own


@dataclass
class Area:
    code: str
    name: str
    level: str
    parent: str | None
    children: list[str] = field(default_factory=list)


@dataclass
class SiteData:
    edition: int
    gemeente: str
    quadrants: list  # indicators.catalogue.QuadrantDef, in display order
    catalogue: pd.DataFrame  # one row per indicator, in compass order, indexed by id
    values: pd.DataFrame  # indicator_values of the edition and layout
    scores: pd.DataFrame  # compass_scores of the edition and layout
    development: pd.DataFrame  # development_scores (the development compass) of the edition
    similar: pd.DataFrame
    areas: dict[str, Area]
    geometry: dict[str, dict[str, object]]  # level -> code -> shapely geometry (RD New)
    postcodes: dict[str, list[str]]  # PC4 -> wijk codes (of this layout)
    postcode_year: int | None
    settings: dict
    cbs_years: tuple[int, ...] = ()  # the edition's CBS years, its own first (the footer says it)
    previous_edition: int | None = None  # the edition the trend columns compare with
    previous_area_year: int | None = None  # the area year that edition was published on
    budgets: pd.DataFrame = field(default_factory=pd.DataFrame)  # programme_budgets (all years)
    layout: str = LAYOUT
    # an own layout's areas drawn without some of their buurten (not on the buurt map): code ->
    # those buurten, and the map they are missing from
    undrawn: dict[str, list[str]] = field(default_factory=dict)
    buurt_map: str | None = None
    # the Netherlands as reference (national_reference, national_similar_wijken,
    # comparable_gemeenten of this layout); empty without a national source
    national: pd.DataFrame = field(default_factory=pd.DataFrame)
    national_similar: pd.DataFrame = field(default_factory=pd.DataFrame)
    comparable: pd.DataFrame = field(default_factory=pd.DataFrame)
    # every measurement of the indicators measured in several years (rivm_series): (area code,
    # indicator) -> {year: value}; the Netherlands under the code 'land'
    series: dict[tuple[str, str], dict[int, float | None]] = field(default_factory=dict)
    # the site has assets/nederland.svg (geo.netherlands_map): the national context shows it
    netherlands_map: bool = False

    @property
    def synthetic(self) -> bool:
        return bool(self.values["synthetic"].any())

    def level(self, level: str) -> list[Area]:
        return sorted((a for a in self.areas.values() if a.level == level), key=lambda a: a.code)


def _catalogue(con, quadrants) -> pd.DataFrame:
    """The indicators residents read, in compass order: one figure per concept (a survey
    figure that a real one replaces stays in the downloads and the statisticians' page)."""
    cat = con.execute("SELECT * FROM indicator_catalogue").df()
    if "replaced_by" in cat:
        cat = cat[cat["replaced_by"].isna()]
    order = {t.id: i for i, t in enumerate(th for q in quadrants for th in q.themes)}
    cat["theme_order"] = cat["theme"].map(order)
    cat["row_order"] = range(len(cat))
    cat = cat.sort_values(["theme_order", "row_order"])
    return cat.set_index("indicator_id", drop=False).rename_axis("id")


def _areas(con, year: int, layout: str = LAYOUT) -> dict[str, Area]:
    rows = con.execute(
        "SELECT area_code, area_name, area_level, parent_code FROM areas "
        "WHERE year = ? AND layout = ?",
        [year, layout],
    ).fetchall()
    areas = {code: Area(code, name, level, parent) for code, name, level, parent in rows}
    for area in areas.values():
        if area.parent in areas:
            areas[area.parent].children.append(area.code)
    for area in areas.values():
        area.children.sort()
    return areas


def _geometry(
    con, edition: int, areas: dict[str, Area], layout: str = LAYOUT
) -> dict[str, dict[str, object]]:
    """Boundaries in RD New per level; an own layout's wijken and gebieden are the ones
    dissolved from their buurten (``layout_geometries``), its buurten CBS's."""
    rows = con.execute(
        "SELECT area_level, area_code, geom_rd_wkb FROM area_geometries WHERE edition = ? "
        "AND (? = 'cbs' OR area_level = 'buurt') "
        "UNION ALL SELECT area_level, area_code, geom_rd_wkb FROM layout_geometries "
        "WHERE layout = ? AND geom_rd_wkb IS NOT NULL",
        [edition, layout, layout],
    ).fetchall()
    out: dict[str, dict[str, object]] = {"wijk": {}, "buurt": {}, "gebied": {}}
    for level, code, wkb in rows:
        if code in areas:
            out.setdefault(level, {})[code] = shapely.from_wkb(bytes(wkb))
    for gebied in (a for a in areas.values() if a.level == "gebied"):
        parts = [out["wijk"][w] for w in gebied.children if w in out["wijk"]]
        if parts and gebied.code not in out["gebied"]:
            out["gebied"][gebied.code] = shapely.union_all(parts)
    return out


def _undrawn(con, layout: str) -> tuple[dict[str, list[str]], str | None]:
    """Own areas drawn without some of their buurten (``layout_geometries``), and the buurt map
    they are dissolved from; nothing for the CBS layout (its wijken have a map of their own)."""
    if layout == LAYOUT or not _has_table(con, "layout_geometries"):
        return {}, None
    rows = con.execute(
        "SELECT area_code, buurten_without_boundary, source_file FROM layout_geometries "
        "WHERE layout = ?",
        [layout],
    ).fetchall()
    undrawn = {code: sorted(missing.split(",")) for code, missing, _ in rows if missing}
    sources = sorted({str(source).removeprefix("dissolved from ") for *_, source in rows})
    years = sorted({m.group(0) for s in sources if (m := re.search(r"(19|20)\d\d", s))})
    return undrawn, ", ".join(years or sources) or None


def _postcodes(con, cbs_years: list[int], areas: dict[str, Area]):
    """PC4 -> the wijken of the buurten for which CBS gives it as the most common postcode."""
    for year in cbs_years:
        rows = con.execute(
            "SELECT area_code, value FROM cbs_values WHERE year = ? AND area_level = 'buurt' "
            "AND variable = 'most_common_postcode' AND value IS NOT NULL",
            [year],
        ).fetchall()
        if rows:
            lookup: dict[str, set[str]] = {}
            for buurt, pc4 in rows:
                wijk = areas[buurt].parent if buurt in areas else None
                if wijk:
                    lookup.setdefault(f"{int(pc4):04d}", set()).add(wijk)
            return {pc: sorted(w) for pc, w in sorted(lookup.items())}, year
    return {}, None


def _has_table(con, name: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary", [name]
        ).fetchone()[0]
    )


def own_layouts(con) -> list[str]:
    """The own layouts with figures in the latest edition (each gets pages of its own)."""
    return [
        name
        for (name,) in con.execute(
            "SELECT DISTINCT layout FROM indicator_values WHERE layout <> 'cbs' "
            "AND NOT starts_with(layout, 'harmonised') "
            "AND edition = (SELECT max(edition) FROM editions) ORDER BY 1"
        ).fetchall()
    ]


def load_site_data(con, layout: str = LAYOUT) -> SiteData:
    """The latest edition on ``layout`` (the CBS layout, or an own layout: its wijken and
    gebieden, with the CBS buurten they are made of)."""
    edition, area_year, cbs_years, gemeente = con.execute(
        "SELECT edition, area_year, cbs_years, gemeente FROM editions ORDER BY edition DESC LIMIT 1"
    ).fetchone()
    if layout != LAYOUT:  # an own layout may stay on an earlier area year
        area_year = con.execute(
            "SELECT max(year) FROM areas WHERE layout = ?", [layout]
        ).fetchone()[0]
    quadrants = load_catalogue().quadrants
    areas = _areas(con, area_year, layout)
    previous = con.execute(
        "SELECT edition, area_year FROM editions WHERE edition < ? ORDER BY edition DESC LIMIT 1",
        [edition],
    ).fetchone()
    # the previous edition's harmonisation (identical / reaggregated / not_comparable) says
    # whether its figure was recomputed for today's area
    values = con.execute(
        "SELECT v.*, p.harmonisation AS previous_harmonisation FROM indicator_values v "
        "LEFT JOIN indicator_values p ON p.edition = v.previous_edition AND p.layout = v.layout "
        "AND p.area_level = v.area_level AND p.area_code = v.area_code "
        "AND p.indicator_id = v.indicator_id "
        "WHERE v.edition = ? AND v.layout = ?",
        [edition, layout],
    ).df()
    scores = con.execute(
        "SELECT * FROM compass_scores WHERE edition = ? AND layout = ?", [edition, layout]
    ).df()
    development = con.execute(
        "SELECT * FROM development_scores WHERE edition = ? AND layout = ?", [edition, layout]
    ).df()
    similar = con.execute(
        "SELECT * FROM similar_areas WHERE edition = ? AND layout = ?", [edition, layout]
    ).df()
    budgets = (
        con.execute("SELECT * FROM programme_budgets ORDER BY year, source_line").df()
        if _has_table(con, "programme_budgets")
        else pd.DataFrame()
    )
    years = [int(y) for y in str(cbs_years).split(",")]
    postcodes, postcode_year = _postcodes(con, years, areas)
    undrawn, buurt_map = _undrawn(con, layout)
    national, national_similar, comparable = _national(con, layout)
    return SiteData(
        edition=int(edition),
        gemeente=gemeente,
        quadrants=quadrants,
        catalogue=_catalogue(con, quadrants),
        values=values,
        scores=scores,
        development=development,
        similar=similar,
        areas=areas,
        geometry=_geometry(con, edition, areas, layout),
        postcodes=postcodes,
        postcode_year=postcode_year,
        settings=statistics_settings(),
        cbs_years=tuple(years),
        previous_edition=int(previous[0]) if previous else None,
        previous_area_year=int(previous[1]) if previous else None,
        budgets=budgets,
        layout=layout,
        national=national,
        national_similar=national_similar,
        comparable=comparable,
        undrawn=undrawn,
        buurt_map=buurt_map,
        series=_series(con, layout),
    )


LAND = "land"  # the key of the Netherlands in SiteData.series


def _series(con, layout: str) -> dict[tuple[str, str], dict[int, float | None]]:
    """The over-time figures of the layout's areas, of the CBS gemeente and of the Netherlands
    (an own layout's gemeente is the CBS one)."""
    if not _has_table(con, "rivm_series"):
        return {}
    rows = con.execute(
        "SELECT CASE WHEN area_level = 'land' THEN 'land' ELSE area_code END, indicator_id, "
        "year, value FROM rivm_series WHERE layout = ? OR (layout = 'cbs' AND area_level IN "
        "('gemeente', 'land')) ORDER BY year",
        [layout],
    ).fetchall()
    out: dict[tuple[str, str], dict[int, float | None]] = {}
    for code, indicator, year, value in rows:
        out.setdefault((code, indicator), {})[int(year)] = None if value != value else value
    return out


def scores_by_area(frame, drop_missing: bool = False) -> dict[str, dict[tuple[str, str], float]]:
    """{area: {(score_level, score_id): score}} of a compass_scores-like frame (without the
    scores that could not be computed when ``drop_missing``)."""
    out: dict[str, dict[tuple[str, str], float]] = {}
    for code, level, score_id, score in frame[
        ["area_code", "score_level", "score_id", "score"]
    ].itertuples(index=False):
        if not drop_missing or score == score:
            out.setdefault(code, {})[(level, score_id)] = score
    return out


def _national(con, layout: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The national reference of the layout's areas (empty frames without a national source)."""
    if not _has_table(con, "national_reference"):
        return pd.DataFrame(), pd.DataFrame(), pd.DataFrame()
    reference = con.execute("SELECT * FROM national_reference WHERE layout = ?", [layout]).df()
    similar = con.execute(
        "SELECT * FROM national_similar_wijken WHERE layout = ? ORDER BY area_code, rank",
        [layout],
    ).df()
    comparable = con.execute("SELECT * FROM comparable_gemeenten ORDER BY rank").df()
    return reference, similar, comparable


def similar_by_area(frame) -> dict[str, list[tuple[str, float]]]:
    """{area: [(similar area, distance), ...]} nearest first, from similar_areas."""
    out: dict[str, list[tuple[str, float]]] = {}
    for code, other, distance in frame.sort_values("rank")[
        ["area_code", "similar_code", "distance"]
    ].itertuples(index=False):
        out.setdefault(code, []).append((other, distance))
    return out


def similar_indicator_titles(data: SiteData, lang: str) -> str:
    """The indicators similar areas are compared on, as words ('inwoners van 15 tot 25 ...')."""
    titles = data.catalogue[f"title_{'nl' if lang == 'nl' else 'en'}"]
    return ", ".join(
        in_sentence(titles[i]) for i in data.settings["similar_areas"]["indicators"] if i in titles
    )
