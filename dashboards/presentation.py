"""Indicator values as residents read them: formatted value, city value, interval, difference,
band and the reason when a figure is not published, and the change since the previous edition
(word, arrow, size, significance, previous value, or why there is none), in one language.

``present`` turns the warehouse's rows into ``IndicatorRow`` records, once per area and
language: every text is formatted here, in one pass, and the site pages, the reports, the
tables, the compass and the notebooks only read the records."""

from __future__ import annotations

from dataclasses import dataclass, fields

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
    if trend is None:
        out["trend_note_text"] = i18n.trend_note(reason if isinstance(reason, str) else None, lang)
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
    elif row["source"] == "rivm":  # two model estimates without an interval: no test
        out["change_sig_text"] = i18n.t("change_indicative", lang)
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


def _model(row: dict) -> bool:
    """A survey figure of the small-area model (``estimate_kind = 'model'``)."""
    return row.get("estimate_kind") == "model" and not row["suppressed"]


def _source_note(row: dict, period, lang: str) -> str:
    """What a figure is when the table does not say it by its columns: RIVM's model estimate,
    with the year RIVM measured it (an edition shows RIVM's latest measurement before it); a
    model estimate of the survey, with how it was made (from how many respondents)."""
    if _model(row):
        if row["area_level"] != "buurt":
            return i18n.t("model_note_area", lang)
        n = row.get("n_unweighted")
        if _missing(n) or int(n) == 0:
            return i18n.t("model_note_none", lang)
        return i18n.t("model_note", lang, n=i18n.number(n, 0, lang))
    if row["source"] != "rivm" or _missing(period):
        return ""
    return i18n.t("rivm_note", lang, year=int(period))


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


def _num(x) -> float | None:
    """A figure from a record: a float, or None for NULL / NaN."""
    return None if x is None or x is pd.NA or x != x else float(x)


def _text(x) -> str | None:
    return x if isinstance(x, str) else None


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    """One indicator of one area as residents read it, in one language: the figures of
    ``indicator_values`` it rests on and every text the site pages, the reports and the
    notebooks show, formatted once (``present``). Read, never changed."""

    # which indicator of which area
    area_code: str
    area_name: str
    area_level: str
    indicator_id: str
    title: str
    source: str  # cbs | rivm | survey | register
    quadrant: str
    theme: str
    unit: str | None
    direction: str  # higher_is_better | lower_is_better | neutral
    in_compass: bool
    synthetic: bool
    # the figures
    value: float | None
    reference_value: float | None
    ci_low: float | None
    ci_high: float | None
    index: float | None
    band: str | None
    suppressed: bool
    caution: bool  # a survey figure with a high coefficient of variation: 'indicatief'
    significant_vs_city: bool | None
    period: int | None
    estimate_kind: str | None  # survey figures: direct | model (small-area model); else None
    previous_value: float | None
    change: float | None
    change_significant: bool | None
    trend: str | None  # better | worse | higher | lower | stable, None without a comparison
    trend_reason: str | None  # why there is no trend (not_comparable, ...)
    development_band: str | None
    # the texts
    source_mark: str  # '*' for a figure from synthetic inputs
    source_note: str  # a model estimate's source and year: 'RIVM-modelschatting, 2020'
    model_label: str  # 'modelschatting' for a survey figure of the small-area model, else ''
    value_text: str
    city_text: str
    interval_text: str
    diff_text: str
    diff_class: str
    index_text: str
    band_key: str
    band_label: str
    note: str
    cell_text: str  # value, gemeente value and band: a compass cell's name
    trend_word: str
    trend_arrow: str
    trend_band: str
    change_text: str
    change_sig_text: str
    previous_text: str
    recomputed_text: str
    trend_detail: str
    trend_previous: str
    trend_note_text: str
    development_band_key: str
    development_text: str  # a development compass cell's name

    @property
    def published(self) -> bool:
        """A figure is shown: not suppressed and not empty."""
        return not self.suppressed and self.value is not None

    def extend(self, kind: type[IndicatorRow], **extra) -> IndicatorRow:
        """This row as a ``kind`` (a subclass adding fields, e.g. a listed area's name)."""
        return kind(**{name: getattr(self, name) for name in _FIELDS}, **extra)


_FIELDS = tuple(f.name for f in fields(IndicatorRow))


def present(records: list[dict], lang: str) -> list[IndicatorRow]:
    """The rows of ``records`` (from ``value_records``) as residents read them in ``lang``."""
    city, sig = i18n.t("col_city", lang), i18n.t("suppressed", lang)
    out = []
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
        band = _text(row["band"])
        note = i18n.suppression_note(
            row["suppression_reason"],
            lang,
            n=row["n_unweighted"],
            cv=row["cv"],
            threshold=row["suppression_threshold"],
            wave=row.get("period"),
        )
        if row["caution"] is True and not suppressed:
            note = i18n.t("caution", lang)
        band_label = i18n.BANDS[band or "none"][lang]
        city_text = i18n.with_unit(row["reference_value"], decimals, row["unit"], lang)
        cell = value_text if suppressed else f"{value_text} · {city} {city_text}"
        if note or band:
            cell += f" · {note or band_label}"
        model_label = i18n.t("model_label", lang) if _model(row) else ""
        if model_label:
            cell += f" · {model_label}"
        diff_text, diff_class = _difference(row, lang)
        trend = _trend(row, decimals, lang)
        development = _text(row.get("development_band"))
        neutral = row["direction"] == "neutral"
        period = row.get("period")
        out.append(
            IndicatorRow(
                area_code=row["area_code"],
                area_name=row["area_name"],
                area_level=row["area_level"],
                indicator_id=row["indicator_id"],
                title=i18n.keep_together(row["title_nl"] if lang == "nl" else row["title_en"]),
                source=row["source"],
                quadrant=row["quadrant"],
                theme=row["theme"],
                unit=_text(row["unit"]),
                direction=row["direction"],
                in_compass=bool(row["in_compass"]),
                synthetic=bool(row["synthetic"]),
                value=_num(row["value"]),
                reference_value=_num(row["reference_value"]),
                ci_low=_num(row["ci_low"]),
                ci_high=_num(row["ci_high"]),
                index=_num(row["index"]),
                band=band,
                suppressed=suppressed,
                caution=row["caution"] is True,
                significant_vs_city=_flag(row["significant_vs_city"]),
                period=None if _missing(period) else int(period),
                estimate_kind=_text(row.get("estimate_kind")),
                previous_value=_num(row.get("previous_value")),
                change=_num(row.get("change")),
                change_significant=trend.pop("change_significant"),
                trend=trend.pop("trend"),
                trend_reason=_text(row.get("trend_reason")),
                development_band=development,
                source_mark="*" if row["synthetic"] else "",
                source_note=_source_note(row, period, lang),
                model_label=model_label,
                value_text=value_text,
                city_text=city_text,
                interval_text=interval,
                diff_text=diff_text,
                diff_class=diff_class,
                index_text="" if _missing(row["index"]) else i18n.number(row["index"], 0, lang),
                band_key=band_key(band, neutral),
                band_label=band_label,
                note=note,
                cell_text=cell,
                development_band_key=band_key(development, neutral),
                # the earlier figure is in the row of the table the cell links to
                development_text=" · ".join(
                    p
                    for p in (
                        trend["change_text"],
                        trend["change_sig_text"],
                        i18n.BANDS[development or "none"][lang] if development else "",
                        trend["trend_note_text"],
                    )
                    if p
                ),
                **trend,
            )
        )
    return out
