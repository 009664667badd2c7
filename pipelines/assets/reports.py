"""The wijkanalyse reports: for every wijk and gebied of every published layout an HTML report,
its A4 PDF and its Word file, written into the staging site (``rapport/``) before it is
published, so a failed run publishes none. A PDF whose page did not change is taken from the
published site instead of printed again (``dashboards.report_reuse``). The area teams' own
notes (``data/wijkanalyse/<layout>/<code>.md``) are merged into all three."""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from dashboards.report_docx import DocxJob, draw_compasses, write_docx
from dashboards.report_pages import write_reports
from dashboards.report_pdf import PrintJob, pdfs_enabled, print_pdfs
from dashboards.report_reuse import reuse_printed, write_keys
from dashboards.site_data import own_layouts
from dashboards.wijkanalyse import load_report_context
from pipelines.assets.site import resident_site
from pipelines.partitions import compass_asset
from pipelines.settings import site_dir, site_staging_dir

GROUP = "site"


def footer(report, gemeente_name: str) -> str:
    """The footer of every printed page: which report, which edition, synthetic or not."""
    text = f"Wijkanalyse {report.name} · Wijkkompas {gemeente_name}, editie {report.edition}"
    if report.synthetic:
        text += " · bevat synthetische gegevens (enquête en registraties, gemarkeerd met *)"
    return text


@compass_asset(
    group_name=GROUP,
    kinds={"html", "pdf", "docx"},
    deps=[resident_site, dg.AssetKey("programme_budgets")],
)
def wijkanalyse_reports(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """A first draft of the wijkanalyse for every wijk and gebied of every published layout
    (summary, strengths and weaknesses per quadrant, significant changes, similar areas, the
    area-programme budget of a gebied, every indicator, data notes, the team's own notes) as
    HTML, printed to A4 PDF with Chromium (a PDF whose page, styles and footer are unchanged is
    reused) and as a Word file."""
    with duckdb.get_connection() as con:
        ctx = load_report_context(con)
        layouts = [load_report_context(con, name) for name in own_layouts(con)]
    staging = site_staging_dir()
    written = write_reports(ctx, staging, layouts)
    gemeente_name = ctx.name(ctx.data.gemeente)
    jobs = [
        PrintJob(html, html.with_suffix(".pdf"), footer(r, gemeente_name)) for r, html in written
    ]
    printed, reused = [], []
    if pdfs_enabled():
        to_print, reused, keys = reuse_printed(jobs, staging, site_dir())
        printed = print_pdfs(to_print, root=staging)
        write_keys(staging, keys)
    pdfs = printed + reused
    # the Word files, made from the pages; the compass drawn by Chromium where PDFs are printed
    pages = [html for _, html in written]
    compasses = draw_compasses(pages, staging) if pdfs_enabled() else {}
    docx = [
        write_docx(DocxJob(html, html.with_suffix(".docx"), footer(r, gemeente_name),
                           compasses.get(html)))
        for r, html in written
    ]  # fmt: skip
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(staging / "rapport")),
            "reports": len(written),
            "layouts": ", ".join(c.data.layout for c in [ctx, *layouts]),
            "pdfs": len(pdfs),
            "pdfs_printed": len(printed),
            "pdfs_reused": len(reused),
            "pdf_bytes": sum(p.stat().st_size for p in pdfs),
            "docx": len(docx),
            "docx_bytes": sum(p.stat().st_size for p in docx),
            "synthetic": any(r.synthetic for r, _ in written),
        }
    )
