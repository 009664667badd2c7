"""Pages for statisticians (not linked from resident pages): what was published, where the
downloads are, and the data-quality report of the run that published it."""

from __future__ import annotations

import json
from pathlib import Path

import jinja2
import pandas as pd

from dashboards import i18n
from dashboards.small_area_view import small_area_section
from indicators.datapackage import files_of
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


def write_changelog(con, folder: Path, env, synthetic: bool) -> Path:
    """``wijzigingen.html`` (per edition pair, per layout: changes for every layout, the CBS
    wijken, each own layout; per kind of change); its CSV is one of the downloads."""
    from indicators.changelog import KIND_ORDER, KIND_TITLES, layout_order

    frame = con.execute("SELECT * FROM edition_changelog").df()
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


# an empty edition_changelog (one edition) has INTEGER columns: the layout is compared as text
OWN_LAYOUTS_SQL = """
SELECT v.layout, count(*) AS rows,
       count(DISTINCT v.area_code) FILTER (v.area_level = 'wijk' AND v.edition = e.latest)
           AS wijken,
       count(DISTINCT v.area_code) FILTER (v.area_level = 'gebied' AND v.edition = e.latest)
           AS gebieden,
       min(v.area_code) FILTER (v.area_level = 'wijk') AS example,
       any_value(s.rows) AS score_rows, e.latest,
       EXISTS (SELECT 1 FROM edition_changelog c WHERE c.edition = e.latest
               AND c.layout::VARCHAR = v.layout) AS in_changelog
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


def survey_rivm_section(con) -> dict | None:
    """The comparison of the wijkenquête with RIVM (``indicators.survey_vs_rivm``) for the page:
    the latest edition's pairs, each with its wijken (survey value, interval, RIVM value,
    held), the share held per pair and overall, and the overall share of every edition. Also
    keeps the comparison in the warehouse (``survey_rivm_comparison``). None without pairs."""
    from indicators.survey_vs_rivm import DIFFERENT_CONCEPTS, coverage, write_comparison

    frame = write_comparison(con)
    if frame.empty:
        return None
    shares = coverage(frame)
    latest = int(frame["edition"].max())
    overall = shares[shares["survey_indicator"] == "overall"].set_index("edition")

    def pct(share: float) -> str:
        return f"{i18n.number(100 * share, 1, 'nl')}{i18n.NBSP}%"

    concepts = []
    rows = frame[frame["edition"] == latest]
    per = shares[shares["edition"] == latest].set_index("survey_indicator")
    for indicator, part in rows.groupby("survey_indicator", sort=False):
        first = part.iloc[0]
        wijken = [
            {
                "name": r.area_name,
                "code": r.area_code,
                "survey": i18n.number(r.survey_value, r.survey_decimals, "nl"),
                "interval": f"{i18n.number(r.ci_low, r.survey_decimals, 'nl')}–"
                f"{i18n.number(r.ci_high, r.survey_decimals, 'nl')}",
                "rivm": i18n.number(r.rivm_value, r.rivm_decimals, "nl"),
                "held": bool(r.held),
            }
            for r in part.sort_values("area_name").itertuples()
        ]
        reason = DIFFERENT_CONCEPTS.get(first["rivm_indicator"])
        concepts.append(
            {
                "id": indicator,
                "survey_title": first["survey_title_nl"],
                "rivm_title": first["rivm_title_nl"],
                "rivm_indicator": first["rivm_indicator"],
                "rivm_year": int(first["rivm_year"]) if pd.notna(first["rivm_year"]) else None,
                "held": int(per.loc[indicator, "held"]),
                "wijken": int(per.loc[indicator, "wijken"]),
                "share": pct(per.loc[indicator, "share"]),
                "in_overall": reason is None,
                "reason": reason[0] if reason else None,
                "rows": wijken,
            }
        )
    concepts.sort(key=lambda c: (not c["in_overall"], c["survey_title"].lower()))
    if latest not in overall.index:  # only pairs that are defined differently
        overall.loc[latest, ["share", "held", "wijken"]] = [float("nan"), 0, 0]
    return {
        "edition": latest,
        "share": pct(overall.loc[latest, "share"]),
        "held": int(overall.loc[latest, "held"]),
        "compared": int(overall.loc[latest, "wijken"]),
        "editions": [
            {
                "edition": int(e),
                "share": pct(r.share),
                "held": int(r.held),
                "compared": int(r.wijken),
            }
            for e, r in overall.sort_index().iterrows()
            if e != latest
        ],
        "concepts": concepts,
        "left_out": [c for c in concepts if not c["in_overall"]],
    }


def write_statistician_pages(con, run_id: str, site: Path) -> list[Path]:
    """Write ``statistiek/index.html`` (with the wijkenquête beside RIVM, also kept in the
    warehouse as ``survey_rivm_comparison``), ``kwaliteit.html`` (the data-quality report) and
    ``wijzigingen.html`` (the changelog between editions) into ``site``."""
    folder = site / "statistiek"
    folder.mkdir(parents=True, exist_ok=True)
    package_path = site / "downloads" / "datapackage.json"
    sidecar = json.loads(package_path.read_text(encoding="utf-8")) if package_path.exists() else {}
    synthetic = bool(sidecar.get("synthetic"))
    quality = outcome(run_id, load_rulesets(), run_results(con, run_id))
    report = write_report(
        folder / "kwaliteit.html", quality, synthetic=synthetic, home="index.html"
    )
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    changelog = write_changelog(con, folder, env, synthetic)
    index = folder / "index.html"
    index.write_text(
        env.get_template("statistiek.html.j2").render(
            sidecar=sidecar,
            files=files_of(sidecar) if sidecar else {},
            synthetic=synthetic,
            quality=quality,
            counts=quality.counts(),
            layouts=own_layout_downloads(con),
            rivm=survey_rivm_section(con),
            small_area=small_area_section(con),
            confidence=i18n.settings_figures()["confidence"],
        ),
        encoding="utf-8",
    )
    return [index, report, changelog]
