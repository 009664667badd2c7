"""Indicator values as residents read them: formatted value, city value, interval, difference,
band and the reason when a figure is not published, in one language."""

from __future__ import annotations

import pandas as pd

from dashboards import i18n
from dashboards.palette import band_key


def _missing(x) -> bool:
    return x is None or x != x


def _difference(row: dict, lang: str) -> tuple[str, str]:
    value, reference = row["value"], row["reference_value"]
    if row["suppressed"] or _missing(value) or _missing(reference):
        return "", ""
    if row["area_level"] == "gemeente":
        return "", ""
    up = value > reference
    if row["source"] == "survey":
        if row["significant_vs_city"] is not True:
            return i18n.t("not_sig", lang), "ns"
        return i18n.t("sig_higher" if up else "sig_lower", lang), "up" if up else "down"
    if value == reference:
        return i18n.t("equal", lang), "ns"
    return i18n.t("higher" if up else "lower", lang), "up" if up else "down"


def present(values: pd.DataFrame, catalogue: pd.DataFrame, lang: str, rules: dict) -> list[dict]:
    """The rows of ``values`` (indicator_values) as dicts with display texts added, in
    catalogue order within each area."""
    cat = catalogue[["indicator_id", "title_nl", "title_en", "direction", "in_compass"]]
    frame = values.merge(cat, on="indicator_id", how="inner")
    frame["order"] = frame["indicator_id"].map({k: i for i, k in enumerate(catalogue.index)})
    frame = frame.sort_values(["area_code", "order"]).astype(
        {"n_unweighted": "float64", "decimals": "float64"}
    )
    records = frame.to_dict("records")
    city, sig = i18n.t("col_city", lang), i18n.t("suppressed", lang)
    for row in records:
        decimals = 1 if _missing(row["decimals"]) else int(row["decimals"])
        suppressed = bool(row["suppressed"])
        value_text = (
            sig if suppressed else i18n.with_unit(row["value"], decimals, row["unit"], lang)
        )
        interval = ""
        if not suppressed and not _missing(row["ci_low"]) and not _missing(row["ci_high"]):
            interval = (
                f"{i18n.number(row['ci_low'], decimals, lang)} – "
                f"{i18n.number(row['ci_high'], decimals, lang)}"
            )
        band = row["band"] if isinstance(row["band"], str) else None
        note = i18n.suppression_note(
            row["suppression_reason"],
            row["suppression_note"],
            lang,
            n=None if _missing(row["n_unweighted"]) else row["n_unweighted"],
            cv=None if _missing(row["cv"]) else row["cv"],
            rules=rules,
        )
        if row["caution"] is True and not suppressed:
            note = i18n.t("caution", lang)
        band_label = i18n.BANDS[band or "none"][lang]
        city_text = i18n.with_unit(row["reference_value"], decimals, row["unit"], lang)
        cell = value_text if suppressed else f"{value_text} · {city} {city_text}"
        if note or band:
            cell += f" · {note or band_label}"
        diff_text, diff_class = _difference(row, lang)
        row.update(
            title=row["title_nl"] if lang == "nl" else row["title_en"],
            band=band,
            source_mark="*" if row["synthetic"] else "",
            value_text=value_text,
            city_text=city_text,
            interval_text=interval,
            diff_text=diff_text,
            diff_class=diff_class,
            index_text="" if _missing(row["index"]) else i18n.number(row["index"], 0, lang),
            band_key=band_key(band, row["direction"] == "neutral"),
            band_label=band_label,
            note=note,
            cell_text=cell,
        )
    return records
