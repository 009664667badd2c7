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
MARGIN = {"top": "14mm", "bottom": "16mm", "left": "14mm", "right": "14mm"}  # = report.css
JOB_TIMEOUT_S = 120  # one report; a hung browser must not hang the build


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


def print_pdfs(
    jobs: list[PrintJob], workers: int | None = None, root: Path | None = None
) -> list[Path]:
    """Print every job's HTML file to its PDF, ``workers`` pages at a time (default: one per
    CPU, at most 4); raise ReportPrintError naming the file that failed. Only files under
    ``root`` (the site; by default the folder above the jobs' folders) may load; a request
    elsewhere or a missing file fails the job. Links are taken out of the printed copy: in a
    PDF they would point at this machine's files."""
    if not jobs:
        return []
    executable = chromium_path()
    workers = workers or default_workers()
    if root is None:
        root = Path(os.path.commonpath([j.html.resolve().parent.parent for j in jobs]))
    root = Path(root).resolve()
    return asyncio.run(_print_all(jobs, executable, workers, root))


UNLINK = "document.querySelectorAll('a[href]').forEach(a => a.removeAttribute('href'))"


async def _print_all(
    jobs: list[PrintJob], executable: Path, workers: int, root: Path
) -> list[Path]:
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import async_playwright

    queue = list(jobs)
    done: list[Path] = []
    allowed = root.as_uri() + "/"

    async def inside_only(route):
        if route.request.url.startswith(allowed):
            await route.continue_()
        else:
            await route.abort()

    async def print_one(page, job: PrintJob, problems: list[str]) -> None:
        await page.goto(job.html.resolve().as_uri(), wait_until="load")
        if problems:
            raise ReportPrintError(f"{job.html}: {'; '.join(problems)}")
        await page.evaluate(UNLINK)
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

    async def worker(context) -> None:
        page = await context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
        page.on(
            "requestfailed",
            lambda r: problems.append(f"could not load {r.url} ({r.failure})"),
        )
        while queue:
            job = queue.pop(0)
            problems.clear()
            try:
                await asyncio.wait_for(print_one(page, job, problems), JOB_TIMEOUT_S)
            except TimeoutError as e:
                raise ReportPrintError(f"{job.html}: not printed within {JOB_TIMEOUT_S} s") from e
            except PlaywrightError as e:
                raise ReportPrintError(f"{job.html}: printing failed: {e}") from e
            done.append(job.pdf)

    args = ["--disable-gpu"] + (["--no-sandbox"] if os.geteuid() == 0 else [])
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(executable), args=args)
        try:
            context = await browser.new_context()
            await context.route("**/*", inside_only)
            tasks = [asyncio.create_task(worker(context)) for _ in range(min(workers, len(jobs)))]
            finished, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for task in pending:  # one job failed: stop the others before the browser closes
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            for task in finished:
                task.result()  # raises the first failure
        finally:
            await browser.close()
    return sorted(done)
