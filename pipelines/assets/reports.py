"""The wijkanalyse reports: for every wijk and gebied of every published layout an HTML report
and its A4 PDF, written into the staging site (``rapport/``) before it is published, so a failed
run publishes none. A PDF whose page did not change is taken from the published site instead of
printed again (``dashboards.report_reuse``)."""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

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
    kinds={"html", "pdf"},
    deps=[resident_site, dg.AssetKey("programme_budgets")],
)
def wijkanalyse_reports(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """A first draft of the wijkanalyse for every wijk and gebied of every published layout
    (summary, strengths and weaknesses per quadrant, significant changes, similar areas, the
    area-programme budget of a gebied, every indicator, data notes) as HTML and printed to A4
    PDF with Chromium; a PDF whose page, styles and footer are unchanged is reused."""
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
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(staging / "rapport")),
            "reports": len(written),
            "layouts": ", ".join(c.data.layout for c in [ctx, *layouts]),
            "pdfs": len(pdfs),
            "pdfs_printed": len(printed),
            "pdfs_reused": len(reused),
            "pdf_bytes": sum(p.stat().st_size for p in pdfs),
            "synthetic": any(r.synthetic for r, _ in written),
        }
    )
