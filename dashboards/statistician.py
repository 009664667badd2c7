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


def write_changelog(con, folder: Path, downloads: Path, env, synthetic: bool) -> Path:
    """``wijzigingen.html`` (per edition pair, per kind of change) and the changelog CSV."""
    from indicators.changelog import KIND_ORDER, KIND_TITLES

    frame = con.execute("SELECT * FROM edition_changelog").df()
    downloads.mkdir(parents=True, exist_ok=True)
    frame.to_csv(downloads / "edition_changelog.csv", index=False, sep=";", encoding="utf-8")
    pairs = []
    for (edition, previous), rows in frame.groupby(["edition", "previous_edition"], sort=True):
        kinds = [
            {"title": KIND_TITLES[k], "rows": rows[rows["kind"] == k].to_dict("records")}
            for k in KIND_ORDER
            if (rows["kind"] == k).any()
        ]
        pairs.append({"edition": int(edition), "previous_edition": int(previous), "kinds": kinds})
    page = folder / "wijzigingen.html"
    page.write_text(
        env.get_template("wijzigingen.html.j2").render(pairs=pairs, synthetic=synthetic),
        encoding="utf-8",
    )
    return page


def write_statistician_pages(con, run_id: str, site: Path) -> list[Path]:
    """Write ``statistiek/index.html``, ``kwaliteit.html`` (the data-quality report) and
    ``wijzigingen.html`` (the changelog between editions) into ``site``."""
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
    changelog = write_changelog(con, folder, site / "downloads", env, synthetic)
    index = folder / "index.html"
    index.write_text(
        env.get_template("statistiek.html.j2").render(
            sidecar=sidecar, synthetic=synthetic, quality=quality, counts=quality.counts()
        ),
        encoding="utf-8",
    )
    return [index, report, changelog]
