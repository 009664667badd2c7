"""Pages for statisticians (not linked from resident pages): what was published, where the
downloads are, and the data-quality report of the run that published it."""

from __future__ import annotations

import json
from pathlib import Path

import jinja2

from dashboards import i18n
from indicators.downloads import write_csv
from quality.report import outcome, write_report
from quality.results import run_results
from quality.rulesets import load_rulesets

TEMPLATES = Path(__file__).with_name("templates")


def layout_heading(layout: str) -> str:
    """The heading of a layout's part of the changelog."""
    from indicators.changelog import ALL_LAYOUTS

    if layout == ALL_LAYOUTS:
        return "Alle indelingen: indicatoren en definities"
    if layout == "cbs":
        return "CBS-wijken"
    return i18n.t("own_layout_title", "nl", layout=layout)


def write_changelog(con, folder: Path, downloads: Path, env, synthetic: bool) -> Path:
    """``wijzigingen.html`` (per edition pair, per layout: changes for every layout, the CBS
    wijken, each own layout; per kind of change) and the changelog CSV."""
    from indicators.changelog import KIND_ORDER, KIND_TITLES, layout_order

    frame = con.execute("SELECT * FROM edition_changelog").df()
    downloads.mkdir(parents=True, exist_ok=True)
    write_csv(frame, downloads / "edition_changelog.csv")
    pairs = []
    for (edition, previous), rows in frame.groupby(["edition", "previous_edition"], sort=True):
        layouts = []
        for layout in sorted(rows["layout"].unique(), key=layout_order):
            part = rows[rows["layout"] == layout]
            kinds = [
                {"title": KIND_TITLES[k], "rows": part[part["kind"] == k].to_dict("records")}
                for k in KIND_ORDER
                if (part["kind"] == k).any()
            ]
            layouts.append(
                {"id": f"e{edition}-{layout}", "heading": layout_heading(layout), "kinds": kinds}
            )
        pairs.append(
            {"edition": int(edition), "previous_edition": int(previous), "layouts": layouts}
        )
    page = folder / "wijzigingen.html"
    page.write_text(
        env.get_template("wijzigingen.html.j2").render(
            pairs=pairs, synthetic=synthetic, confidence=i18n.settings_figures()["confidence"]
        ),
        encoding="utf-8",
    )
    return page


OWN_LAYOUTS_SQL = """
SELECT v.layout, count(*) AS rows,
       count(DISTINCT v.area_code) FILTER (v.area_level = 'wijk' AND v.edition = e.latest)
           AS wijken,
       count(DISTINCT v.area_code) FILTER (v.area_level = 'gebied' AND v.edition = e.latest)
           AS gebieden,
       min(v.area_code) FILTER (v.area_level = 'wijk') AS example,
       any_value(s.rows) AS score_rows, e.latest,
       EXISTS (SELECT 1 FROM edition_changelog c WHERE c.edition = e.latest
               AND c.layout = v.layout) AS in_changelog
FROM indicator_values v
CROSS JOIN (SELECT max(edition) AS latest FROM editions) e
LEFT JOIN (SELECT layout, count(*) AS rows FROM compass_scores GROUP BY ALL) s USING (layout)
WHERE list_contains($layouts, v.layout)
GROUP BY v.layout, e.latest ORDER BY v.layout
"""


def own_layout_downloads(con) -> list[dict]:
    """Per own layout (``site_data.own_layouts``): its wijken and gebieden in the latest
    edition, its rows in the downloads (column ``layout``), an example area CSV and its part
    of the latest changelog (if it has one)."""
    from dashboards.site_data import own_layouts

    layouts = own_layouts(con)
    if not layouts:
        return []
    rows = con.execute(OWN_LAYOUTS_SQL, {"layouts": layouts}).df().to_dict("records")
    for r in rows:
        anchor = f"wijzigingen.html#e{r['latest']}-{r['layout']}"
        r["changelog"] = anchor if r["in_changelog"] else None
    return rows


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
            sidecar=sidecar,
            synthetic=synthetic,
            quality=quality,
            counts=quality.counts(),
            layouts=own_layout_downloads(con),
        ),
        encoding="utf-8",
    )
    return [index, report, changelog]
