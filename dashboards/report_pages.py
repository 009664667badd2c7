"""The wijkanalyse reports as pages: one HTML file per wijk and gebied in ``rapport/`` of the
(staging) site, beside the resident pages whose assets they use, and an index of all reports.
``dashboards.report_pdf`` prints them to A4 PDF."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2

from dashboards import i18n
from dashboards.compass_svg import compass_svg
from dashboards.palette import band_key
from dashboards.report_pdf import pdfs_enabled
from dashboards.site_builder import area_path, report_path
from dashboards.site_data import similar_indicator_titles
from dashboards.site_maps import Maps
from dashboards.table_rows import area_table_row, table_body
from dashboards.wijkanalyse import (
    CLEAR_DIFFERENCE,
    LANG,
    PER_QUADRANT,
    AreaReport,
    ReportContext,
    area_report,
    report_codes,
)

TEMPLATES = Path(__file__).resolve().parent / "templates" / "report"
LEVEL_PLURAL = {"wijk": "wijken", "gebied": "gebieden"}


GROUPED_DIGITS = re.compile(r"(\d) (\d{3})\b")


def keep_together(text: str) -> str:
    """'per 1 000 inwoners' with a non-breaking space in '1 000', so a narrow column never
    breaks a number in two."""
    return GROUPED_DIGITS.sub("\\1\u00a0\\2", str(text))


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["nb"] = keep_together
    return env


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
    def __init__(self, ctx: ReportContext, site: Path):
        self.ctx = ctx
        self.site = Path(site)
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
            dict(th, rows=table_body([area_table_row(r, "../", with_trend) for r in th["rows"]]))
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
            gemeente_name=ctx.name(ctx.data.gemeente),
            parent_name=ctx.name(report.parent) if report.parent else "",
            levels=LEVEL_PLURAL[report.level],
            site_page="../" + area_path(report.level, report.code),
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
            annex=annex,
            band_key=band_key,
            band_word=lambda band: i18n.BANDS[band or "none"][LANG],
            number=_number,
            signed=_signed,
            credit=i18n.t("credit", LANG),
        )

    def index(self, reports: list[AreaReport]) -> str:
        return self.env.get_template("index.html.j2").render(
            reports=reports,
            gemeente_name=self.ctx.name(self.ctx.data.gemeente),
            edition=self.ctx.data.edition,
            synthetic=any(r.synthetic for r in reports),
            name=self.ctx.name,
            credit=i18n.t("credit", LANG),
            pdfs=pdfs_enabled(),
        )

    def write(self) -> list[tuple[AreaReport, Path]]:
        """Every report and the index; returns (report, html file) pairs."""
        out = []
        for code in report_codes(self.ctx):
            report = area_report(self.ctx, code)
            target = self.site / report_path(code)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(self.page(report), encoding="utf-8")
            out.append((report, target))
        index = self.site / "rapport" / "index.html"
        index.write_text(self.index([r for r, _ in out]), encoding="utf-8")
        return out


def write_reports(ctx: ReportContext, site: Path) -> list[tuple[AreaReport, Path]]:
    """The HTML reports of every wijk and gebied (and their index) into ``site``."""
    return ReportWriter(ctx, site).write()
