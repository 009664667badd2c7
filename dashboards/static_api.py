"""A static JSON API for embedding and other tools, written into the site at build time:

- ``api/v1/areas.json``: every area of every layout with its level, parent, children, layout
  and where its figures are, and every indicator (titles in Dutch and English, unit, source,
  kind of figure);
- ``api/v1/areas/<code>.json`` (an own layout's ``api/v1/areas/<layout>/<code>.json``: own codes
  may repeat CBS ones): every indicator's figures of that area in the latest edition, as the
  downloads publish them (a suppressed figure is empty, with its reason in Dutch and English),
  with its compass scores.

Each file follows a JSON Schema in ``docs/api/v1/`` (published beside the files); the tests
validate every file against it. Nothing here is loaded by a resident's page.
"""

from __future__ import annotations

import json
import math
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from dashboards import i18n
from dashboards.site_builder import layout_path
from dashboards.site_data import SiteData
from indicators import messages
from indicators.downloads import published_values

API = "api/v1"
SCHEMAS = ("areas.schema.json", "area.schema.json")
FIGURE_FIELDS = [
    "value", "ci_low", "ci_high", "reference_value", "index", "band", "significant_vs_city",
    "caution", "n_unweighted", "period", "suppressed", "suppression_reason", "previous_value",
    "change", "change_significant", "trend", "development_index",
]  # fmt: skip
INDICATOR_FIELDS = ["unit", "decimals", "source", "quadrant", "theme", "direction", "in_compass",
                    "synthetic", "figure_kind", "replaced_by"]  # fmt: skip
LEVELS = {"cbs": ("gemeente", "gebied", "wijk", "buurt"), "own": ("gebied", "wijk")}


def schema_dir() -> Path:
    from pipelines.settings import PROJECT_ROOT

    return PROJECT_ROOT / "docs" / "api" / "v1"


def area_file(code: str, layout: str = "cbs") -> str:
    """An area's file from ``api/v1/``: ``areas/<code>.json``, an own layout's under its name."""
    return f"areas/{code}.json" if layout == "cbs" else f"areas/{layout}/{code}.json"


def _clean(value):
    """A JSON value: no NaN, no numpy scalars."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    return value


def _scores(frame: pd.DataFrame) -> dict:
    """The compass scores of one area: the centre, per quadrant, per theme."""
    out = {"centre": None, "quadrants": {}, "themes": {}}
    for level, score_id, score in frame[["score_level", "score_id", "score"]].itertuples(
        index=False, name=None
    ):
        score = _clean(score)
        if level == "centre":
            out["centre"] = score
        else:
            out["quadrants" if level == "quadrant" else "themes"][score_id] = score
    return out


def _figures(part: pd.DataFrame) -> dict[str, dict]:
    """Per indicator its figures; a field that does not apply (no interval for a count, no
    change in the first edition, no reason for a published figure) is left out."""
    out = {}
    for row in part.to_dict("records"):
        figure = {k: v for k in FIGURE_FIELDS if (v := _clean(row[k])) is not None}
        if figure.get("suppression_reason"):
            figure["suppression_note"] = {
                lang: messages.suppression_message(
                    row["suppression_reason"], lang, n=row["n_unweighted"], cv=row["_cv"],
                    threshold=row["suppression_threshold"], wave=row["period"],
                )
                for lang in i18n.LANGS
            }  # fmt: skip
        if _clean(row["trend_reason"]):  # its sentence: areas.json, trend_reasons
            figure["trend_reason"] = row["trend_reason"]
        out[row["indicator_id"]] = figure
    return out


def _indicators(catalogue: pd.DataFrame) -> dict[str, dict]:
    """Per indicator what does not change between areas: titles, unit, source, ..."""
    out = {}
    for row in catalogue.to_dict("records"):
        entry = {"title": {"nl": row["title_nl"], "en": row["title_en"]}}
        entry |= {k: v for k in INDICATOR_FIELDS if (v := _clean(row.get(k))) is not None}
        out[row["indicator_id"]] = entry
    return out


def _published(data: SiteData) -> pd.DataFrame:
    """The area rows as the downloads publish them (suppressed values empty), with the codes
    and figures the reasons' sentences need."""
    pub = published_values(data.values)
    extra = data.values[["suppression_threshold", "trend_reason", "cv"]].rename(
        columns={"cv": "_cv"}
    )
    return pd.concat([pub.reset_index(drop=True), extra.reset_index(drop=True)], axis=1)


def write_api(
    site: Path,
    layouts: list[SiteData],
    catalogue: pd.DataFrame,
    gemeente_name: str,
    primary: str = "cbs",
) -> list[Path]:
    """Write ``api/v1/`` into ``site`` (the first layout is the CBS one); return the files."""
    root = site / API
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    cbs = layouts[0]
    written, entries = [], []
    for data in layouts:
        levels = LEVELS["cbs" if data.layout == "cbs" else "own"]
        values = _published(data)
        by_area = dict(tuple(values.groupby("area_code", sort=False)))
        scores = dict(tuple(data.scores.groupby("area_code", sort=False)))
        for level in levels:
            for area in data.level(level):
                part = by_area.get(area.code)
                if part is None:
                    continue
                href = area_file(area.code, data.layout)
                page = (
                    layout_path(data.layout, area.level, area.code)
                    if area.level != "gemeente"
                    else "index.html"
                )
                entry = {
                    "code": area.code,
                    "name": area.name,
                    "level": area.level,
                    "layout": data.layout,
                    "parent": area.parent,
                    "children": list(area.children),
                    "href": href,
                    "page": page,
                }
                entries.append(entry)
                body = {
                    **entry,
                    "edition": data.edition,
                    "previous_edition": data.previous_edition,
                    "synthetic": bool(part["synthetic"].any()),
                    "scores": _scores(scores[area.code]) if area.code in scores else None,
                    "figures": _figures(part),
                }
                target = root / href
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(
                    json.dumps(body, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
                )
                written.append(target)
    index = {
        "api_version": "v1",
        "gemeente": {"code": cbs.gemeente, "name": gemeente_name},
        "edition": cbs.edition,
        "previous_edition": cbs.previous_edition,
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "synthetic": any(d.synthetic for d in layouts),
        "licence": "CC BY 4.0",
        "credit": {lang: i18n.t("credit", lang) for lang in i18n.LANGS},
        "layouts": [{"layout": d.layout, "primary": d.layout == primary} for d in layouts],
        "indicators": _indicators(catalogue),
        "trend_reasons": {
            code: {lang: messages.trend_message(code, lang) for lang in i18n.LANGS}
            for code in messages.trend_codes()
        },
        "areas": entries,
    }
    target = root / "areas.json"
    target.write_text(json.dumps(index, ensure_ascii=False, indent=1), encoding="utf-8")
    written.append(target)
    for name in SCHEMAS:  # the schemas beside the files they describe
        shutil.copyfile(schema_dir() / name, root / name)
        written.append(root / name)
    return written
