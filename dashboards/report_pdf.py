"""Printing the reports to A4 PDF with headless Chromium (Debian's ``chromium``, driven by
Playwright; nothing is downloaded): one browser for all reports, each page printed once loaded
(the reports need no script), with a footer on every printed page naming the report, the
edition, the synthetic inputs and the page number. Requests outside local files are refused."""

from __future__ import annotations

import asyncio
import html
import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_CHROMIUM = "/usr/bin/chromium"
MARGIN = {"top": "14mm", "bottom": "16mm", "left": "14mm", "right": "14mm"}


class ReportPrintError(RuntimeError):
    """A report could not be printed (no Chromium, a script error, a chart never drawn)."""


@dataclass
class PrintJob:
    html: Path
    pdf: Path
    footer: str  # left part of every page's footer


def pdfs_enabled() -> bool:
    """Whether the reports are also printed to PDF (needs Chromium). On by default;
    ``WIJKKOMPAS_REPORT_PDF=0`` builds them as pages only, and no page then links a PDF."""
    return os.environ.get("WIJKKOMPAS_REPORT_PDF", "1").strip().lower() not in ("0", "no", "false")


def chromium_path() -> Path:
    """The Chromium binary (``WIJKKOMPAS_CHROMIUM`` or Debian's ``/usr/bin/chromium``)."""
    path = Path(os.environ.get("WIJKKOMPAS_CHROMIUM", DEFAULT_CHROMIUM))
    if not path.exists():
        raise ReportPrintError(
            f"the PDF reports need Chromium at {path}: install Debian's package "
            "('apt-get install chromium'; `make run` does it) or set WIJKKOMPAS_CHROMIUM"
        )
    return path


def footer_template(text: str) -> str:
    """Chromium's footer: the text left, 'pagina X van Y' right (font size must be set)."""
    return (
        '<div style="font-size:7.5px;font-family:sans-serif;color:#444;width:100%;'
        'margin:0 14mm;display:flex;justify-content:space-between">'
        f"<span>{html.escape(text)}</span>"
        '<span>pagina <span class="pageNumber"></span> van <span class="totalPages"></span>'
        "</span></div>"
    )


def default_workers() -> int:
    """Pages printed at a time: one per CPU, at most 4."""
    return max(1, min(os.cpu_count() or 1, 4))


def print_pdfs(jobs: list[PrintJob], workers: int | None = None) -> list[Path]:
    """Print every job's HTML file to its PDF, ``workers`` pages at a time (default: one per
    CPU, at most 4); raise ReportPrintError naming the file that failed."""
    if not jobs:
        return []
    executable = chromium_path()
    workers = workers or default_workers()
    return asyncio.run(_print_all(jobs, executable, workers))


async def _print_all(jobs: list[PrintJob], executable: Path, workers: int) -> list[Path]:
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import async_playwright

    queue = list(jobs)
    done: list[Path] = []

    async def block_outside(route):
        if route.request.url.startswith("file:"):
            await route.continue_()
        else:
            await route.abort()

    async def worker(context) -> None:
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        while queue:
            job = queue.pop(0)
            errors.clear()
            try:
                await page.goto(job.html.resolve().as_uri(), wait_until="load")
                if errors:
                    raise ReportPrintError(f"{job.html}: script error: {'; '.join(errors)}")
                await page.pdf(
                    path=str(job.pdf),
                    format="A4",
                    print_background=True,
                    display_header_footer=True,
                    header_template="<span></span>",
                    footer_template=footer_template(job.footer),
                    margin=MARGIN,
                    prefer_css_page_size=True,
                    tagged=True,
                    outline=True,
                )
            except PlaywrightError as e:
                raise ReportPrintError(f"{job.html}: printing failed: {e}") from e
            done.append(job.pdf)

    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=str(executable), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            context = await browser.new_context()
            await context.route("**/*", block_outside)
            await asyncio.gather(*(worker(context) for _ in range(min(workers, len(jobs)))))
        finally:
            await browser.close()
    return sorted(done)
