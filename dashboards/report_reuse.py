"""Printing a report again only when what it prints changed: a PDF is reused from the published
site when its report's HTML, the stylesheets and images that page loads, its footer, the
printing code (settings, footer markup) and the Chromium version are the ones it was printed
from.

Each printed PDF's key (a SHA-256 over those bytes) is kept in ``rapport/pdf-keys.json`` of the
site, published with it. A build stages the whole site anew; before printing, every job whose
key equals the published one gets a copy of the published PDF instead. Anything else (a new
edition, a changed figure, a changed stylesheet, a missing or damaged key file, a PDF deleted by
hand) prints again, so a reused PDF is always the one the page would print to.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

from dashboards import report_pdf
from dashboards.report_pdf import PrintJob

KEYS = "rapport/pdf-keys.json"
LOADED = re.compile(r'<(?:link[^>]*\bhref|img[^>]*\bsrc|script[^>]*\bsrc)="([^"#:]+)"')


@cache
def _printer() -> bytes:
    """What prints: the printing code (settings, footer markup, what it takes out) and the
    Chromium version; a change to either prints every report again."""
    code = Path(report_pdf.__file__).read_bytes()
    try:
        version = subprocess.run(
            [str(report_pdf.chromium_path()), "--version"],
            capture_output=True,
            text=True,
            timeout=30,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError, report_pdf.ReportPrintError):
        version = "unknown"
    return code + version.encode()


def print_key(job: PrintJob) -> str:
    """SHA-256 of everything that decides the printed PDF: the HTML, the local files it loads,
    the footer, the printing code and the Chromium version."""
    digest = hashlib.sha256()
    html = job.html.read_bytes()
    for part in (_printer(), job.footer.encode(), html):
        digest.update(len(part).to_bytes(8, "big") + part)
    for ref in sorted(set(LOADED.findall(html.decode("utf-8")))):
        loaded = job.html.parent / ref
        body = loaded.read_bytes() if loaded.exists() else b"(missing)"
        digest.update(ref.encode() + len(body).to_bytes(8, "big") + body)
    return digest.hexdigest()


def _published_keys(published: Path) -> dict[str, str]:
    try:
        keys = json.loads((published / KEYS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return keys if isinstance(keys, dict) else {}


def reuse_printed(
    jobs: list[PrintJob], staging: Path, published: Path
) -> tuple[list[PrintJob], list[Path], dict[str, str]]:
    """Split ``jobs`` (HTML under ``staging``) into those to print and the PDFs copied from
    the ``published`` site because their key is unchanged; also return every job's key
    (by PDF path relative to the site), to be written with ``write_keys`` once printed."""
    old = _published_keys(published)
    to_print, reused, keys = [], [], {}
    for job in jobs:
        rel = job.pdf.relative_to(staging).as_posix()
        keys[rel] = print_key(job)
        source = published / rel
        if old.get(rel) == keys[rel] and source.is_file() and source.stat().st_size > 0:
            shutil.copyfile(source, job.pdf)
            reused.append(job.pdf)
        else:
            to_print.append(job)
    return to_print, reused, keys


def write_keys(staging: Path, keys: dict[str, str]) -> Path:
    """Record the keys of the PDFs now in the staging site (printed or reused)."""
    target = staging / KEYS
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(keys, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return target
