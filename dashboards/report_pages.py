"""The wijkanalyse reports as pages: one HTML file per wijk and gebied of every published layout
in ``rapport/`` of the (staging) site (an own layout's under ``rapport/<layout>/``), beside the
resident pages whose assets they use, and one index of all reports.
``dashboards.report_pdf`` prints them to A4 PDF."""

from __future__ import annotations

from pathlib import Path

import jinja2

from dashboards import i18n
from dashboards.compass_svg import compass_svg
from dashboards.palette import band_key
from dashboards.report_pdf import pdfs_enabled
from dashboards.site_builder import layout_path, report_path
from dashboards.site_data import similar_indicator_titles
from dashboards.site_maps import Maps
from dashboards.table_rows import area_table_row, table_body
from dashboards.team_notes import load_notes, note_html
from dashboards.wijkanalyse import (
    CLEAR_DIFFERENCE,
    LANG,
    PER_QUADRANT,
    AreaReport,
    ReportContext,
    area_report,
    report_codes,
)
from dashboards.workbooks import LEVELS as WORKBOOK_LEVELS
from dashboards.workbooks import area_workbook_path

TEMPLATES = Path(__file__).resolve().parent / "templates" / "report"
LEVEL_PLURAL = {"wijk": "wijken", "gebied": "gebieden"}


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,  # a misspelt field fails the build
    )
    env.filters["nb"] = i18n.keep_together
    return env


def area_csv_path(code: str, layout: str = "cbs") -> str:
    """An area's own CSV from the site root, where the site writes it
    (``SiteBuilder.write_area_csvs``): ``data/<code>.csv``, an own layout's under its name
    (``data/voorbeeld/EW21.csv``), as its pages are."""
    return f"data/{code}.csv" if layout == "cbs" else f"data/{layout}/{code}.csv"


def _number(value, decimals: int = 0) -> str:
    return i18n.number(value, decimals, LANG)


def _signed(value) -> str:
    return i18n.change(value, 0, None, LANG)


def _score_row(row: dict) -> dict:
    return dict(
        row,
        centre=_number(row["centre"]),
        quadrants=[_number(v) for v in row["quadrants"]],
        distance=_number(row.get("distance"), 1) if "distance" in row else "",
    )


class ReportWriter:
    def __init__(self, ctx: ReportContext, site: Path, notes: Path | None = None):
        self.ctx = ctx
        self.notes_folder = notes  # the teams' notes (default: data/wijkanalyse/)
        self.notes: dict = {}
        self.site = Path(site)
        self.layout = ctx.data.layout
        # from a report back to the site root: rapport/X.html or rapport/<layout>/X.html
        self.root = "../" * report_path("X", layout=self.layout).count("/")
        self.env = _environment()
        self.maps = Maps(ctx.data.geometry)
        self.quadrant_titles = [q.title.nl for q in ctx.data.quadrants]
        self.similar_indicators = similar_indicator_titles(ctx.data, LANG)

    def page(self, report: AreaReport) -> str:
        ctx = self.ctx
        scores = ctx.scores.get(report.code, {})
        compass = compass_svg(
            report.rows,
            scores,
            ctx.data.quadrants,
            ctx.bands,
            LANG,
            label=f"Kompas van {report.name}",
        )
        context_level = "wijk"
        locator = self.maps.locator(
            report.level, report.code, context_level, label="Ligging", names=ctx.name
        )
        pairs = []
        for strong, weak in zip(report.strengths, report.weaknesses, strict=True):
            pairs.append({"title": strong["title"], "strengths": strong, "weaknesses": weak})
        with_trend = bool(report.changes)
        annex = [
            dict(
                th, rows=table_body([area_table_row(r, self.root, with_trend) for r in th["rows"]])
            )
            for th in report.annex
        ]
        self_scores = {
            "centre": _number(scores.get(("centre", "centre"))),
            "quadrants": [_number(scores.get(("quadrant", q.id))) for q in ctx.data.quadrants],
        }
        years = report.budget["years"] if report.budget else []
        sources = sorted({y["source_document"] for y in years if y["source_document"]})
        return self.env.get_template("wijkanalyse.html.j2").render(
            r=report,
            confidence=i18n.settings_figures()["confidence"],
            gemeente_name=ctx.name(ctx.data.gemeente),
            parent_name=ctx.name(report.parent) if report.parent else "",
            levels=LEVEL_PLURAL[report.level],
            root=self.root,
            site_page=self.root + layout_path(self.layout, report.level, report.code),
            area_csv=self.root + area_csv_path(report.code, self.layout),
            layout_note=None
            if self.layout == "cbs"
            else i18n.t("own_layout_note", LANG, layout=self.layout),
            compass=compass,
            centre_text=_number(scores.get(("centre", "centre"))),
            locator=locator,
            quadrant_pairs=pairs,
            per_quadrant=PER_QUADRANT,
            similar_rows=[_score_row(s) for s in report.similar],
            self_row=self_scores,
            member_rows=[_score_row(s) for s in report.members],
            similar_indicators=self.similar_indicators,
            quadrant_titles=self.quadrant_titles,
            clear_difference=int(CLEAR_DIFFERENCE),
            budget=report.budget,
            budget_source="Bron: " + "; ".join(sources) if sources else "",
            note=lambda section: note_html(self.notes.get(report.code), section),
            area_xlsx=self.root + area_workbook_path(report.code, self.layout)
            if report.level in WORKBOOK_LEVELS
            else None,
            docx=Path(report_path(report.code, "docx", self.layout)).name,
            annex=annex,
            band_key=band_key,
            band_word=lambda band: i18n.BANDS[band or "none"][LANG],
            number=_number,
            signed=_signed,
            credit=i18n.t("credit", LANG),
        )

    def write(self) -> list[tuple[AreaReport, Path]]:
        """Every report of this layout, with the area teams' notes (``dashboards.team_notes``:
        a note that cites an unknown indicator stops the build naming its file and line);
        returns (report, html file) pairs."""
        out = []
        reports = {code: area_report(self.ctx, code) for code in report_codes(self.ctx)}
        self.notes = load_notes(self.ctx, reports, self.notes_folder)
        for code, report in reports.items():
            target = self.site / report_path(code, layout=self.layout)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(self.page(report), encoding="utf-8")
            out.append((report, target))
        return out


def write_index(site: Path, layouts: list[tuple[ReportContext, list[AreaReport]]]) -> Path:
    """``rapport/index.html``: the reports of every layout, the CBS layout first."""
    ctx = layouts[0][0]
    sections = [
        {
            "layout": c.data.layout,
            "note": None
            if c.data.layout == "cbs"
            else i18n.t("own_layout_title", LANG, layout=c.data.layout),
            "reports": [
                {
                    "report": r,
                    "parent": c.name(r.parent) if r.parent else "",
                    "href": report_path(r.code, layout=c.data.layout).removeprefix("rapport/"),
                }
                for r in reports
            ],
        }
        for c, reports in layouts
    ]
    target = site / "rapport" / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        _environment()
        .get_template("index.html.j2")
        .render(
            sections=sections,
            gemeente_name=ctx.name(ctx.data.gemeente),
            edition=ctx.data.edition,
            synthetic=any(r.synthetic for _, reports in layouts for r in reports),
            credit=i18n.t("credit", LANG),
            pdfs=pdfs_enabled(),
        ),
        encoding="utf-8",
    )
    return target


def write_reports(
    ctx: ReportContext, site: Path, layouts: list[ReportContext] = (), notes: Path | None = None
) -> list[tuple[AreaReport, Path]]:
    """The HTML reports of every wijk and gebied of ``ctx`` (the CBS layout) and of every own
    layout in ``layouts``, and their index, into ``site``; ``notes``: where the area teams'
    notes are (default ``data/wijkanalyse/``)."""
    written, sections = [], []
    for c in [ctx, *layouts]:
        pairs = ReportWriter(c, site, notes).write()
        written += pairs
        sections.append((c, [r for r, _ in pairs]))
    write_index(site, sections)
    return written
