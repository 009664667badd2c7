"""The wijkanalyse: a first draft of the analysis an area team writes for its wijk or gebied,
generated from the indicator tables of the latest edition.

What it holds (``AreaReport``): a plain-Dutch summary; strengths and weaknesses per judged
quadrant (only clear deviations: the favourable / unfavourable bands, survey figures only when
significantly different from the city); what stands out in the composition of the population;
the real changes since the previous edition (survey: significant only); the most similar areas
and where this area scores clearly better or worse than they do; for a gebied its wijken and its
area-programme budget; the full indicator annex; data notes.

Every figure quoted in the text is a ``<span class="fig">`` that names where it comes from
(area, indicator and column of ``indicator_values``, a compass score of ``compass_scores``, or a
count), so a test can hold each quoted number against the warehouse. ``report_tables`` gives the
key tables as DataFrames (the notebooks show the same tables).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from markupsafe import Markup, escape

from dashboards import i18n
from dashboards.budgets_view import budget_section
from dashboards.changes import comparison, ranked_changes, wijk_spread
from dashboards.national_view import elsewhere_section, national_section
from dashboards.palette import score_band
from dashboards.presentation import IndicatorRow, present, value_records
from dashboards.site_builder import KEY_FIGURES
from dashboards.site_data import (
    LAYOUT,
    SiteData,
    load_site_data,
    scores_by_area,
    similar_by_area,
)
from indicators.catalogue import in_sentence

LANG = "nl"  # the reports are for the municipality's area teams
REPORTED_LEVELS = ("gemeente", "gebied", "wijk")
STRENGTH_BANDS = ("very_favourable", "favourable")
WEAKNESS_BANDS = ("very_unfavourable", "unfavourable")
PER_QUADRANT = 5  # strengths / weaknesses listed per quadrant
IN_SUMMARY = 3  # strengths / weaknesses / similar areas named in the summary
CHANGES_LISTED = 8  # improvements / deteriorations listed
DIFFERENCES_LISTED = 5  # indicators listed where the area differs from its similar areas
CLEAR_DIFFERENCE = 10.0  # index points (one band) before a difference from similar areas counts


@dataclass(frozen=True, slots=True)
class Difference(IndicatorRow):
    """A wijk's indicator beside the mean of its most similar wijken (compass indices; a survey
    figure that does not differ significantly from the city counts as 100)."""

    compass_index: float = 100.0
    similar_index: float = 100.0
    difference: float = 0.0


# -- quoted figures --------------------------------------------------------------------------
def fig(text: str, **source) -> Markup:
    """A quoted figure: ``text`` in a span naming its source, e.g. area/indicator/field, or
    area/score ('quadrant:veiligheid'), or count ('better')."""
    attrs = " ".join(f'data-{k}="{escape(v)}"' for k, v in source.items() if v is not None)
    return Markup(f'<span class="fig" {attrs}>{escape(text)}</span>')


FIELD_TEXT = {
    "value": "value_text",
    "reference_value": "city_text",
    "previous_value": "previous_text",
    "change": "change_text",
    "index": "index_text",
}


def quote(row: IndicatorRow, column: str) -> Markup:
    """A column of an indicator row as quoted in the text (``column`` of indicator_values)."""
    return fig(
        getattr(row, FIELD_TEXT[column]),
        area=row.area_code,
        indicator=row.indicator_id,
        field=column,
    )


def quote_score(area: str, scores: dict, level: str, score_id: str) -> Markup:
    return fig(
        i18n.number(scores.get((level, score_id)), 0, LANG),
        area=area,
        score=f"{level}:{score_id}",
    )


def listing(parts: list) -> Markup:
    """'a, b en c' with each part kept as markup."""
    parts = [Markup(escape(p)) for p in parts]
    if len(parts) <= 1:
        return Markup("").join(parts)
    return Markup(", ").join(parts[:-1]) + Markup(" en ") + parts[-1]


# -- what the reports read -------------------------------------------------------------------
@dataclass
class ReportContext:
    """Everything the reports read, once: the site's data plus the rows in Dutch per area."""

    data: SiteData
    rows: dict[str, list[IndicatorRow]]
    scores: dict[str, dict[tuple[str, str], float]]
    similar: dict[str, list[tuple[str, float]]]
    spread: dict[str, float]
    with_figures: set[str]  # the indicators any area has a figure for (not: no source has it)
    # the survey figures of the CBS buurten (direct or model estimate), for the buurten of an
    # area (every layout's areas are made of them): load_report_context reads them
    buurt_survey: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def bands(self) -> list[dict]:
        return self.data.settings["compass"]["bands"]

    def name(self, code: str) -> str:
        area = self.data.areas.get(code)
        return area.name if area else code


def report_context(data: SiteData) -> ReportContext:
    rows: dict[str, list[IndicatorRow]] = {}
    # the reports and their comparisons are about wijken and gebieden (not the 150 buurten)
    values = data.values[data.values["area_level"].isin(REPORTED_LEVELS)]
    for row in present(value_records(values, data.catalogue), LANG):
        rows.setdefault(row.area_code, []).append(row)
    return ReportContext(
        data,
        rows,
        scores_by_area(data.scores, drop_missing=True),
        similar_by_area(data.similar),
        wijk_spread(data.values),
        set(data.values.loc[data.values["value"].notna(), "indicator_id"]),
    )


def load_report_context(con, layout: str = LAYOUT) -> ReportContext:
    """The report context of ``layout`` (the CBS layout or an own layout) from an open
    warehouse connection (read-only is enough)."""
    ctx = report_context(load_site_data(con, layout))
    ctx.buurt_survey = con.execute(BUURT_SURVEY_SQL).df()
    return ctx


BUURT_SURVEY_SQL = """SELECT area_code, indicator_id, value, ci_low, ci_high, estimate_kind,
       n_unweighted, suppressed
FROM indicator_values
WHERE edition = (SELECT max(edition) FROM editions) AND layout = 'cbs'
  AND area_level = 'buurt' AND source = 'survey'"""


# -- the report ------------------------------------------------------------------------------
@dataclass
class AreaReport:
    code: str
    name: str
    level: str  # wijk | gebied
    parent: str | None  # the gebied of a wijk
    edition: int
    previous_edition: int | None
    synthetic: bool
    summary: list[Markup] = field(default_factory=list)
    key_figures: list[dict] = field(default_factory=list)
    scores: list[dict] = field(default_factory=list)  # centre, quadrants, themes
    strengths: list[dict] = field(default_factory=list)  # per judged quadrant: title, rows, more
    weaknesses: list[dict] = field(default_factory=list)
    composition: list[dict] = field(default_factory=list)  # what stands out (neutral quadrant)
    changes: dict = field(default_factory=dict)  # better/worse rows, counts, compared, reason
    similar: list[dict] = field(default_factory=list)  # similar areas with their scores
    differences: dict = field(default_factory=dict)  # better/worse than the similar areas
    members: list[dict] = field(default_factory=list)  # a gebied's wijken with their scores
    national: dict | None = None  # beside the Netherlands (national_view.national_section)
    elsewhere: dict | None = None  # similar wijken elsewhere (national_view.elsewhere_section)
    budget: dict | None = None  # a gebied's area-programme budget (budgets_view.budget_section)
    annex: list[dict] = field(default_factory=list)  # per theme: title, quadrant, rows
    # per buurt of the area: its survey figures direct, model estimate, not published, and
    # (wijken) the indicators that are model estimates; buurt_estimates: those figures
    buurt_models: list[dict] = field(default_factory=list)
    buurt_estimates: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows: list[IndicatorRow] = field(default_factory=list)  # every presented indicator row


def _published(row: IndicatorRow) -> bool:
    return row.published


def _clear(row: IndicatorRow, bands: tuple[str, ...]) -> bool:
    """A clear deviation: in one of ``bands``; a survey figure only if significant."""
    if not _published(row) or row.band not in bands:
        return False
    if row.source == "survey":
        return row.significant_vs_city is True
    return True


def _deviation(row: IndicatorRow) -> float:
    return abs(float(row.index) - 100.0)


def _order(ctx: ReportContext):
    """Largest deviation first; among equal (e.g. capped at 40 or 160) indices the larger
    difference from the city in standard deviations of the wijken, then the title."""

    def key(row: IndicatorRow):
        sd = ctx.spread.get(row.indicator_id)
        raw = row.value - row.reference_value if row.reference_value is not None else 0
        raw = abs(raw) / sd if sd and sd == sd and raw == raw else 0.0
        return (-_deviation(row), -raw, row.title)

    return key


def _by_quadrant(
    ctx: ReportContext, rows: list[IndicatorRow], bands: tuple[str, ...]
) -> list[dict]:
    out = []
    for q in ctx.data.quadrants:
        if not q.judged:
            continue
        found = [r for r in rows if r.quadrant == q.id and r.in_compass and _clear(r, bands)]
        found.sort(key=_order(ctx))
        out.append(
            {
                "id": q.id,
                "title": q.title.nl,
                "rows": found[:PER_QUADRANT],
                "more": max(len(found) - PER_QUADRANT, 0),
                "count": len(found),
            }
        )
    return out


def _composition(ctx: ReportContext, rows: list[IndicatorRow]) -> list[IndicatorRow]:
    """The neutral quadrant (samenstelling): the largest deviations from the city, not judged."""
    neutral = {q.id for q in ctx.data.quadrants if not q.judged}
    found = [
        r
        for r in rows
        if r.quadrant in neutral
        and r.in_compass
        and _published(r)
        and r.band not in (None, "average")
        and r.index is not None
    ]
    found.sort(key=_order(ctx))
    return found[:PER_QUADRANT]


def _scores(ctx: ReportContext, code: str) -> list[dict]:
    scores = ctx.scores.get(code, {})
    out = []

    def add(level, score_id, title, depth, neutral):
        score = scores.get((level, score_id))
        out.append(
            {
                "level": level,
                "id": score_id,
                "title": title,
                "depth": depth,
                "score": score,
                "text": quote_score(code, scores, level, score_id),
                "band": score_band(score, ctx.bands, neutral),
                "neutral": neutral,
            }
        )

    add("centre", "centre", "Kompasscore", 0, False)
    for q in ctx.data.quadrants:
        add("quadrant", q.id, q.title.nl, 1, not q.judged)
        for th in q.themes:
            add("theme", th.id, th.title.nl, 2, not q.judged)
    return out


def _changes(ctx: ReportContext, rows: list[IndicatorRow]) -> dict:
    """The clear changes since the previous edition (outside the development compass's
    'around average' band; survey: significant only), largest first."""
    better = ranked_changes(rows, ctx.spread, "better", clear_only=True)
    worse = ranked_changes(rows, ctx.spread, "worse", clear_only=True)
    return {
        "better": better[:CHANGES_LISTED],
        "worse": worse[:CHANGES_LISTED],
        "n_better": len(better),
        "n_worse": len(worse),
        **comparison(rows),
    }


def _score_rows(ctx: ReportContext, codes: list[str]) -> list[dict]:
    """Areas with their compass score and quadrant scores (similar areas, a gebied's wijken)."""
    out = []
    for c in codes:
        scores = ctx.scores.get(c, {})
        out.append(
            {
                "code": c,
                "name": ctx.name(c),
                "centre": scores.get(("centre", "centre")),
                "quadrants": [scores.get(("quadrant", q.id)) for q in ctx.data.quadrants],
            }
        )
    return out


def _similar(ctx: ReportContext, code: str) -> list[dict]:
    pairs = ctx.similar.get(code, [])
    rows = _score_rows(ctx, [c for c, _ in pairs])
    return [dict(r, distance=d) for r, (_, d) in zip(rows, pairs, strict=True)]


def _compass_index(row: IndicatorRow) -> float:
    """The index as the compass reads it: a survey figure that does not differ significantly
    from the rest of the city counts as the city (100)."""
    if row.source == "survey" and row.significant_vs_city is not True:
        return 100.0
    return float(row.index)


def _differences(ctx: ReportContext, code: str, rows: list[IndicatorRow]) -> dict:
    """Judged compass indicators on which the area's index differs clearly (≥ one band) from
    the mean index of its similar areas: where it does better or worse than areas like it.
    Survey figures count as the city (100) where they do not differ significantly from it, so
    sampling noise is never reported as a difference."""
    others = [c for c, _ in ctx.similar.get(code, [])]
    if not others:
        return {"better": [], "worse": [], "similar": []}
    index_of = {
        (r.area_code, r.indicator_id): _compass_index(r)
        for c in others
        for r in ctx.rows.get(c, [])
        if _published(r) and r.index is not None
    }
    judged = {q.id for q in ctx.data.quadrants if q.judged}
    found = []
    for r in rows:
        if r.quadrant not in judged or not r.in_compass or not _published(r):
            continue
        if r.index is None:
            continue
        theirs = [index_of[(c, r.indicator_id)] for c in others if (c, r.indicator_id) in index_of]
        if len(theirs) < len(others):
            continue  # compared only where every similar area has a figure
        mean = sum(theirs) / len(theirs)
        own = _compass_index(r)
        found.append(
            r.extend(Difference, compass_index=own, similar_index=mean, difference=own - mean)
        )
    better = sorted(
        (r for r in found if r.difference >= CLEAR_DIFFERENCE),
        key=lambda r: (-r.difference, r.title),
    )
    worse = sorted(
        (r for r in found if r.difference <= -CLEAR_DIFFERENCE),
        key=lambda r: (r.difference, r.title),
    )
    return {
        "better": better[:DIFFERENCES_LISTED],
        "worse": worse[:DIFFERENCES_LISTED],
        "similar": [ctx.name(c) for c in others],
    }


def _annex(ctx: ReportContext, rows: list[IndicatorRow]) -> list[dict]:
    by_theme: dict[str, list[IndicatorRow]] = {}
    for r in rows:
        by_theme.setdefault(r.theme, []).append(r)
    return [
        {"id": th.id, "title": th.title.nl, "quadrant": q.title.nl, "rows": by_theme.get(th.id, [])}
        for q in ctx.data.quadrants
        for th in q.themes
    ]


def _item(r: IndicatorRow) -> Markup:
    """'title* (value; gemeente city)' with the figures quoted; ``*`` marks a figure from the
    synthetic survey or registers, as the banner says."""
    return Markup("{}{} ({}; gemeente {})").format(
        in_sentence(r.title),
        r.source_mark,
        quote(r, "value"),
        quote(r, "reference_value"),
    )


def full_stop(text: str) -> Markup:
    """``text`` ending in one full stop ('Ten Boer e.o.' stays as it is)."""
    text = Markup(escape(text)).rstrip()
    return text if text.endswith(".") else text + Markup(".")


def _summary(ctx: ReportContext, report: AreaReport, by_id: dict[str, dict]) -> list[Markup]:
    code, name = report.code, report.name
    scores = ctx.scores.get(code, {})
    out = []
    population = by_id.get("population")
    people = (
        Markup(" en telt {}").format(quote(population, "value"))
        if population and _published(population)
        else Markup("")
    )
    if report.level == "wijk":
        head = Markup("{} is een wijk").format(name)
        if report.parent:
            head += Markup(" in gebied {}").format(ctx.name(report.parent))
    else:
        wijken = [ctx.name(c) for c in ctx.data.areas[code].children]
        head = Markup("Gebied {} bestaat uit {}").format(name, listing(wijken))
    out.append(full_stop(head + people))
    if ("centre", "centre") in scores:
        quadrants = [
            Markup("{} {}").format(q.title.nl.lower(), quote_score(code, scores, "quadrant", q.id))
            for q in ctx.data.quadrants
            if q.judged and ("quadrant", q.id) in scores
        ]
        out.append(
            Markup("Op het kompas scoort {} {} (de gemeente is 100): {}.").format(
                name, quote_score(code, scores, "centre", "centre"), listing(quadrants)
            )
        )
    strengths = sorted((r for q in report.strengths for r in q["rows"]), key=_order(ctx))
    weaknesses = sorted((r for q in report.weaknesses for r in q["rows"]), key=_order(ctx))
    strengths, weaknesses = strengths[:IN_SUMMARY], weaknesses[:IN_SUMMARY]
    if strengths:
        out.append(
            Markup("Duidelijk gunstiger dan in de gemeente: {}.").format(
                listing([_item(r) for r in strengths])
            )
        )
    if weaknesses:
        out.append(
            Markup("Duidelijk ongunstiger: {}.").format(listing([_item(r) for r in weaknesses]))
        )
    if not strengths and not weaknesses:
        out.append(
            Markup("Op geen enkele indicator wijkt {} duidelijk af van de gemeente.").format(name)
        )
    changes = report.changes
    if report.previous_edition and changes.get("compared"):
        text = Markup(
            "Van de {} indicatoren die met {} te vergelijken zijn, ging {} op {} duidelijk "
            "vooruit en op {} duidelijk achteruit (enquêtecijfers alleen als de verandering "
            "significant is)."
        ).format(
            fig(str(changes["n_compared"]), area=code, count="compared"),
            report.previous_edition,
            name,
            fig(str(changes["n_better"]), area=code, count="better"),
            fig(str(changes["n_worse"]), area=code, count="worse"),
        )
        for key, word in (("better", "verbetering"), ("worse", "verslechtering")):
            if changes[key]:
                r = changes[key][0]
                text += Markup(" De grootste {}: {}{} van {} naar {}.").format(
                    word,
                    in_sentence(r.title),
                    r.source_mark,
                    quote(r, "previous_value"),
                    quote(r, "value"),
                )
        out.append(text)
    elif report.previous_edition:
        # the warehouse's reason ('Niet vergelijkbaar: het gebied bestond toen ...') without
        # its heading, as the end of the sentence
        reason = (changes.get("reason") or "geen cijfers").split(": ", 1)[-1]
        out.append(
            Markup("Een vergelijking met {} is er niet: {}").format(
                report.previous_edition, full_stop(in_sentence(reason))
            )
        )
    if report.similar:
        names = [s["name"] for s in report.similar[:IN_SUMMARY]]
        level = "wijken" if report.level == "wijk" else "gebieden"
        text = full_stop(
            Markup("Qua bevolking en woningen lijken vooral {} op {}").format(listing(names), name)
        )
        diff = report.differences
        if diff.get("better"):
            text += Markup(" Vergeleken met die {} scoort {} gunstiger op {}").format(
                level,
                name,
                listing(
                    [in_sentence(r.title) + r.source_mark for r in diff["better"][:IN_SUMMARY]]
                ),
            )
            text += (
                Markup(" en ongunstiger op {}.").format(
                    listing(
                        [in_sentence(r.title) + r.source_mark for r in diff["worse"][:IN_SUMMARY]]
                    )
                )
                if diff.get("worse")
                else Markup(".")
            )
        elif diff.get("worse"):
            text += Markup(" Vergeleken met die {} scoort {} ongunstiger op {}.").format(
                level,
                name,
                listing([in_sentence(r.title) + r.source_mark for r in diff["worse"][:IN_SUMMARY]]),
            )
        out.append(text)
    return out


def _notes(ctx: ReportContext, report: AreaReport) -> list[str]:
    data = ctx.data
    rows = report.rows
    suppressed = sum(1 for r in rows if r.suppressed)
    survey = data.settings["survey"]
    compass = data.settings["compass"]
    confidence = i18n.number(100 * data.settings["confidence"], 0, LANG)
    spread = compass["spread"]
    low, high = (i18n.number(v, 0, LANG) for v in compass["clip"])
    bounds = [b["from"] for b in compass["bands"]]
    words = [i18n.BANDS[b["id"]][LANG] for b in compass["bands"]]
    bands = ", ".join(
        f"{lo}–{hi} {w}" if hi is not None else f"vanaf {lo} {w}"
        for lo, hi, w in zip(bounds, [*bounds[1:], None], words, strict=True)
    )
    published = [r for r in rows if r.published]
    real = sum(r.source in ("cbs", "rivm") for r in published)
    notes = [
        "Bronnen: CBS, Kerncijfers wijken en buurten (CC BY 4.0, 'Bron: CBS'); RIVM, "
        "Gezondheidsmonitor Volwassenen en Ouderen (GGD'en, CBS, RIVM), modelschattingen per "
        "wijk en buurt; de wijkenquête van de gemeente; registraties van gemeente en partners "
        "(politie, WIJ, GGD, leerplicht, verkiezingen, voorzieningen). Per indicator staan bron, "
        "definitie en kanttekeningen op de indicatorpagina's van de site.",
        f"Echt zijn {real} van de {len(published)} gepubliceerde cijfers van {report.name} "
        f"({i18n.number(100 * real / len(published), 0, LANG) if published else 0} %): die van "
        "het CBS en de gezondheidscijfers van het RIVM. De RIVM-cijfers zijn modelschattingen "
        "zonder onzekerheidsmarge, met het jaar van meting erbij; hun veranderingen zijn "
        "indicatief. Waar het RIVM en de wijkenquête hetzelfde meten, staat hier het cijfer van "
        "het RIVM.",
        f"Niet gepubliceerd: {suppressed} van de {len(rows)} indicatoren van {report.name}. "
        f"Een enquêtecijfer vraagt minstens {survey['min_n']} respondenten en een "
        f"variatiecoëfficiënt onder {int(100 * survey['max_cv'])} %; registraties met 1 tot "
        f"{data.settings['register']['min_count'] - 1} gevallen worden in buurten niet getoond; "
        "CBS houdt zelf kleine aantallen geheim.",
        "Enquêtecijfers zijn gewogen naar leeftijd en geslacht per wijk; 'significant' betekent "
        "dat het verschil met de rest van de gemeente (of met de vorige editie) op "
        f"{confidence} % niet aan toeval is toe te schrijven. Een niet-significant verschil telt "
        "als 'rond het gemiddelde', ook in de vergelijking met vergelijkbare wijken; "
        "'indicatief' betekent een onzekerder enquêtecijfer (variatiecoëfficiënt boven "
        f"{int(100 * survey['caution_cv'])} %).",
        f"Index: 100 is de gemeente; {spread} punten is hoeveel de wijken gemiddeld van de "
        f"gemeente afwijken; de index loopt van {low} tot {high} (daarbuiten afgekapt). "
        f"Banden: {bands}.",
    ]
    if report.previous_edition and report.changes.get("compared"):
        notes.append(
            f"Veranderingen zijn gemeten tegen de editie {report.previous_edition}, herberekend "
            "voor de wijkindeling van nu waar de grenzen veranderden. 'Duidelijk' is een "
            "verandering van minstens de helft van wat de wijken gemiddeld veranderden "
            "(buiten 'rond het gemiddelde' in het ontwikkelingskompas)."
        )
    model = sum(r.estimate_kind == "model" and r.published for r in rows)
    buurten = sum(b["model"] for b in report.buurt_models)
    if model or buurten:
        shown = sum(b["direct"] + b["model"] + b["blank"] for b in report.buurt_models)
        notes.append(
            "Modelschattingen: een buurt (of eigen wijk) met te weinig respondenten voor een "
            "eigen enquêtecijfer krijgt een modelschatting, gemarkeerd als 'modelschatting': de "
            "antwoorden uit de buurt aangevuld met wat buurten met dezelfde kenmerken (CBS: "
            "bevolkingsdichtheid, leeftijd, woningen) antwoordden (kleine-gebiedenmodel "
            "Fay–Herriot), met een interval; alleen gepubliceerd als ook die schatting "
            "betrouwbaar genoeg is. "
            + (f"Van de indicatoren van {report.name} zelf zijn er {model} modelschattingen. "
               if model else "")
            + (f"Van de {shown} enquêtecijfers van de buurten van {report.name} zijn er "
               f"{buurten} modelschattingen (zie de bijlage)." if buurten else "")
        )  # fmt: skip
    if report.level == "gebied":
        notes.append(
            "De indeling in gebieden volgt de gebiedsteams bij benadering (CBS-wijken per gebied)."
        )
    if report.synthetic:
        notes.insert(
            0,
            "Let op: de wijkenquête en de gemeentelijke registraties in dit rapport zijn "
            "synthetisch (gegenereerd om de werking te tonen, niet gemeten bij echte inwoners). "
            "Echt zijn de cijfers van het CBS en de gezondheidscijfers van het RIVM. Cijfers uit "
            "enquête en registraties zijn gemarkeerd met *.",
        )
    return notes


def _buurten_of(ctx: ReportContext, code: str) -> list[str]:
    """The buurten an area is made of (its children, down to buurt level)."""
    area = ctx.data.areas.get(code)
    if area is None:
        return []
    if area.level == "buurt":
        return [code]
    return [b for child in area.children for b in _buurten_of(ctx, child)]


def _buurt_models(ctx: ReportContext, area) -> tuple[list[dict], list[dict]]:
    """Per buurt of the area (by name) how many of the survey figures residents see are direct,
    model estimates (the small-area model: indicators/small_area_model.py) or not published,
    and for a wijk the titles of the model estimates; and every model estimate as a row."""
    frame = ctx.buurt_survey
    codes = _buurten_of(ctx, area.code)
    if frame.empty or not codes:
        return [], []
    shown = ctx.data.catalogue
    part = frame[frame["area_code"].isin(codes) & frame["indicator_id"].isin(shown.index)]
    order = {k: i for i, k in enumerate(shown.index)}
    out, estimates = [], []
    for code in sorted(codes, key=lambda c: (ctx.name(c), c)):
        rows = part[part["area_code"] == code]
        model = rows[rows["estimate_kind"] == "model"].copy()
        model["order"] = model["indicator_id"].map(order)
        model = model.sort_values("order")
        titles = [shown.loc[i, "title_nl"] for i in model["indicator_id"]]
        respondents = rows["n_unweighted"].max() if len(rows) else 0
        out.append(
            {
                "code": code,
                "name": ctx.name(code),
                "respondents": 0 if pd.isna(respondents) else int(respondents),
                "direct": int((rows["estimate_kind"] == "direct").sum()),
                "model": len(model),
                "blank": int(rows["suppressed"].sum()),
                "titles": titles if area.level == "wijk" else [],
            }
        )
        estimates += [
            {"buurt": code, "name": ctx.name(code), "indicator_id": r.indicator_id,
             "title": title, "value": r.value, "ci_low": r.ci_low, "ci_high": r.ci_high}
            for r, title in zip(model.itertuples(), titles, strict=True)
        ]  # fmt: skip
    return out, estimates


def area_report(ctx: ReportContext, code: str) -> AreaReport:
    """The wijkanalyse of one wijk or gebied of the latest edition (of the context's layout)."""
    data = ctx.data
    area = data.areas[code]
    if area.level not in ("wijk", "gebied"):
        raise ValueError(f"{code}: a wijkanalyse is made for wijken and gebieden, not {area.level}")
    rows = ctx.rows.get(code, [])
    by_id = {r.indicator_id: r for r in rows}
    report = AreaReport(
        code=code,
        name=area.name,
        level=area.level,
        parent=area.parent if area.level == "wijk" else None,
        edition=data.edition,
        previous_edition=data.previous_edition,
        synthetic=any(r.synthetic for r in rows),
        rows=rows,
    )
    report.key_figures = [by_id[i] for i in KEY_FIGURES if i in by_id and i in ctx.with_figures]
    report.scores = _scores(ctx, code)
    report.strengths = _by_quadrant(ctx, rows, STRENGTH_BANDS)
    report.weaknesses = _by_quadrant(ctx, rows, WEAKNESS_BANDS)
    report.composition = _composition(ctx, rows)
    report.changes = _changes(ctx, rows) if data.previous_edition else {}
    if area.level == "wijk":  # 7 gebieden are too few and too different to call any similar
        report.similar = _similar(ctx, code)
        report.differences = _differences(ctx, code, rows)
    report.national = national_section(data, area, LANG, lambda indicator: None)
    report.elsewhere = elsewhere_section(data, area, LANG)
    if area.level == "gebied":
        report.members = _score_rows(ctx, area.children)
        report.budget = budget_section(data.budgets, code, LANG)
    report.annex = _annex(ctx, rows)
    report.buurt_models, report.buurt_estimates = _buurt_models(ctx, area)
    report.summary = _summary(ctx, report, by_id)
    report.notes = _notes(ctx, report)
    return report


def report_codes(ctx: ReportContext) -> list[str]:
    """The areas that get a report: every gebied and wijk of the latest edition."""
    return [a.code for level in ("gebied", "wijk") for a in ctx.data.level(level)]


# -- the key tables, as data -----------------------------------------------------------------
ROW_COLUMNS = ["indicator_id", "title", "source", "value", "reference_value", "index", "band"]


def _frame(rows: list, columns: list[str], **extra) -> pd.DataFrame:
    def get(r, c):  # a score row is a dict, an indicator row a record (no silent default)
        return r.get(c) if isinstance(r, dict) else getattr(r, c)

    frame = pd.DataFrame([{c: get(r, c) for c in columns} for r in rows], columns=columns)
    for key, value in extra.items():
        frame.insert(0, key, value)
    return frame


def report_tables(report: AreaReport) -> dict[str, pd.DataFrame]:
    """The report's key tables as DataFrames: scores, strengths, weaknesses, composition,
    changes, similar areas and differences from them (what the notebooks reproduce)."""
    tables = {
        "scores": pd.DataFrame(
            [{k: s[k] for k in ("level", "id", "title", "score", "band")} for s in report.scores]
        ),
        "composition": _frame(report.composition, ROW_COLUMNS),
    }
    for key in ("strengths", "weaknesses"):
        parts = [_frame(q["rows"], ROW_COLUMNS, quadrant=q["title"]) for q in getattr(report, key)]
        tables[key] = pd.concat(parts, ignore_index=True) if parts else _frame([], ROW_COLUMNS)
    change_columns = ["indicator_id", "title", "source", "previous_value", "value", "change"]
    change_columns += ["change_significant"]
    tables["changes"] = pd.concat(
        [_frame(report.changes.get(k, []), change_columns, trend=k) for k in ("better", "worse")],
        ignore_index=True,
    )
    tables["similar"] = pd.DataFrame(
        [{k: s[k] for k in ("code", "name", "distance", "centre")} for s in report.similar],
        columns=["code", "name", "distance", "centre"],
    )
    diff_columns = ["indicator_id", "title", "compass_index", "similar_index", "difference"]
    tables["buurt_estimates"] = pd.DataFrame(
        report.buurt_estimates,
        columns=["buurt", "name", "indicator_id", "title", "value", "ci_low", "ci_high"],
    )
    tables["differences"] = pd.concat(
        [
            _frame(report.differences.get(k, []), diff_columns, direction=k)
            for k in ("better", "worse")
        ],
        ignore_index=True,
    )
    return tables
