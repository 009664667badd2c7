"""Pages for statisticians (not linked from resident pages): what was published, where the
downloads are, and the data-quality report of the run that published it."""

from __future__ import annotations

import json
from pathlib import Path

import jinja2

from quality.report import outcome, write_report
from quality.results import run_results
from quality.rulesets import load_rulesets

TEMPLATES = Path(__file__).with_name("templates")


def write_statistician_pages(con, run_id: str, site: Path) -> list[Path]:
    """Write ``statistiek/index.html`` and ``statistiek/kwaliteit.html`` into ``site``."""
    folder = site / "statistiek"
    folder.mkdir(parents=True, exist_ok=True)
    sidecar_path = site / "downloads" / "indicator_values.json"
    sidecar = json.loads(sidecar_path.read_text(encoding="utf-8")) if sidecar_path.exists() else {}
    synthetic = bool(sidecar.get("synthetic"))
    quality = outcome(run_id, load_rulesets(), run_results(con, run_id))
    report = write_report(
        folder / "kwaliteit.html", quality, synthetic=synthetic, home="index.html"
    )
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    index = folder / "index.html"
    index.write_text(
        env.get_template("statistiek.html.j2").render(
            sidecar=sidecar, synthetic=synthetic, quality=quality, counts=quality.counts()
        ),
        encoding="utf-8",
    )
    return [index, report]
