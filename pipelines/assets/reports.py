"""The wijkanalyse reports: for every wijk and gebied an HTML report and its A4 PDF, written into
the staging site (``rapport/``) before it is published, so a failed run publishes none."""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from dashboards.report_pages import write_reports
from dashboards.report_pdf import PrintJob, pdfs_enabled, print_pdfs
from dashboards.wijkanalyse import load_report_context
from pipelines.assets.site import resident_site
from pipelines.settings import site_staging_dir

GROUP = "site"


def footer(report, gemeente_name: str) -> str:
    """The footer of every printed page: which report, which edition, synthetic or not."""
    text = f"Wijkanalyse {report.name} · Wijkkompas {gemeente_name}, editie {report.edition}"
    if report.synthetic:
        text += " · bevat synthetische gegevens (enquête en registraties, gemarkeerd met *)"
    return text


@dg.asset(
    group_name=GROUP,
    kinds={"html", "pdf"},
    deps=[resident_site, dg.AssetKey("programme_budgets")],
)
def wijkanalyse_reports(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """A first draft of the wijkanalyse for every wijk and gebied (summary, strengths and
    weaknesses per quadrant, significant changes, similar areas, the area-programme budget of a
    gebied, every indicator, data notes) as HTML and printed to A4 PDF with Chromium."""
    with duckdb.get_connection() as con:
        ctx = load_report_context(con)
    staging = site_staging_dir()
    written = write_reports(ctx, staging)
    gemeente_name = ctx.name(ctx.data.gemeente)
    jobs = [
        PrintJob(html, html.with_suffix(".pdf"), footer(r, gemeente_name)) for r, html in written
    ]
    pdfs = print_pdfs(jobs) if pdfs_enabled() else []
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(staging / "rapport")),
            "reports": len(written),
            "pdfs": len(pdfs),
            "pdf_bytes": sum(p.stat().st_size for p in pdfs),
            "synthetic": any(r.synthetic for r, _ in written),
        }
    )
