"""Indicator values as residents read them: formatted value, city value, interval, difference,
band and the reason when a figure is not published, and the change since the previous edition
(word, arrow, size, significance, previous value, or why there is none), in one language."""

from __future__ import annotations

import pandas as pd

from dashboards import i18n
from dashboards.palette import TREND_BAND, band_key


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


def _flag(x) -> bool | None:
    """A nullable boolean from a record (True, False, or None for NULL)."""
    if x is None or x is pd.NA or x != x:
        return None
    return bool(x)


def _trend(row: dict, decimals: int, lang: str) -> dict:
    """The change since the previous edition as texts: for a row with a trend its word, arrow,
    colour key and details (size, significance for survey, previous value, whether the
    previous figure was recomputed for today's area); otherwise why there is none."""
    trend = row.get("trend")
    trend = trend if isinstance(trend, str) else None
    out = {
        "trend": trend,
        "trend_word": "",
        "trend_arrow": "",
        "trend_band": "none",
        "change_text": "",
        "change_sig_text": "",
        "previous_text": "",
        "recomputed_text": "",
        "trend_detail": "",
        "trend_previous": "",
        "trend_note_text": "",
        "change_significant": _flag(row.get("change_significant")),
    }
    reason = row.get("trend_reason")
    note = row.get("trend_note")
    if trend is None:
        out["trend_note_text"] = i18n.trend_note(
            reason if isinstance(reason, str) else None,
            note if isinstance(note, str) else None,
            lang,
        )
        return out
    year = row.get("previous_edition")
    year = "" if _missing(year) else int(year)
    significant = out["change_significant"]
    out.update(
        trend_word=i18n.TRENDS[trend][lang],
        trend_arrow=i18n.TREND_ARROWS[trend],
        trend_band=TREND_BAND[trend],
        change_text=i18n.change(row.get("change"), decimals, row["unit"], lang),
        previous_text=i18n.with_unit(row.get("previous_value"), decimals, row["unit"], lang),
    )
    if row["source"] == "survey" and significant is not None:
        out["change_sig_text"] = i18n.t("change_sig" if significant else "change_not_sig", lang)
    if row.get("previous_harmonisation") == "reaggregated":
        out["recomputed_text"] = i18n.t("recomputed", lang, year=year)
    # the previous value in the row's details: the unit is in the value column already (but a
    # percentage keeps its sign, an amount its euro)
    if row["unit"] == "%" or row["unit"] in i18n.MONEY:
        previous = i18n.with_unit(row.get("previous_value"), decimals, row["unit"], lang)
    else:
        previous = i18n.number(row.get("previous_value"), decimals, lang)
    out["trend_detail"] = " · ".join(p for p in (out["change_text"], out["change_sig_text"]) if p)
    out["trend_previous"] = i18n.t("in_year", lang, year=year, value=previous)
    if out["recomputed_text"]:
        out["trend_previous"] += f" ({i18n.t('recomputed_short', lang)})"
    return out


def value_records(values: pd.DataFrame, catalogue: pd.DataFrame) -> list[dict]:
    """The rows of ``values`` (indicator_values) with their catalogue titles and direction, as
    dicts in catalogue order within each area: the input of ``present``, once for all languages."""
    cat = catalogue[["indicator_id", "title_nl", "title_en", "direction", "in_compass"]]
    frame = values.merge(cat, on="indicator_id", how="inner")
    frame["order"] = frame["indicator_id"].map({k: i for i, k in enumerate(catalogue.index)})
    frame = frame.sort_values(["area_code", "order"]).astype(
        {"n_unweighted": "float64", "decimals": "float64"}
    )
    return frame.to_dict("records")


def present(records: list[dict], lang: str, rules: dict) -> list[dict]:
    """Copies of ``records`` (from ``value_records``) with display texts added in ``lang``."""
    records = [dict(r) for r in records]
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
            wave=None if _missing(row.get("period")) else row.get("period"),
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
            **_trend(row, decimals, lang),
        )
        development = row.get("development_band")
        development = development if isinstance(development, str) else None
        row.update(
            development_band_key=band_key(development, row["direction"] == "neutral"),
            development_text=" · ".join(
                p
                for p in (
                    row["trend_previous"],
                    row["change_text"],
                    row["change_sig_text"],
                    i18n.BANDS[development or "none"][lang] if development else "",
                    row["trend_note_text"],
                )
                if p
            ),
        )
    return records
