"""The budget of a gebied's programme ("open begroting") as a page shows it: per budget year the
figures of ``programme_budgets`` and their texts (``€ 600.000``, ``€ 12,34`` per inhabitant),
or why the gebied had no programme that year, with the city-wide Algemeen budget for context.
Used by the gebied pages of the site and reusable by the gebied reports."""

from __future__ import annotations

import pandas as pd

from dashboards import i18n

MERGER_YEAR = 2019  # Haren and Ten Boer joined the gemeente Groningen on 1 January 2019
AMOUNTS = ("begroting_eur", "realisatie_eur", "resultaat_eur")
PER_INHABITANT = ("begroting_per_inhabitant", "realisatie_per_inhabitant")
RAW = (*AMOUNTS, *PER_INHABITANT, "population", "population_year", "population_edition")


def euro(value, decimals: int = 0, lang: str = "nl") -> str:
    """``€ 600.000`` / ``€ 12,34`` (nl, a non-breaking space after the sign), ``€600,000`` (en);
    a minus before the sign (``−€ 48.000``); an en dash for no value."""
    if value is None or pd.isna(value):
        return "–"
    text = i18n.number(abs(value), decimals, lang)
    sign = "−" if value < 0 and text.strip("0,.") else ""
    return f"{sign}€\u00a0{text}" if lang == "nl" else f"{sign}€{text}"


def _plain(value):
    """A warehouse value as plain Python (None for a missing value)."""
    if value is None or pd.isna(value):
        return None
    return value.item() if hasattr(value, "item") else value


def _amount_texts(row: pd.Series, lang: str) -> dict:
    texts = {f"{c.removesuffix('_eur')}_text": euro(row[c], 0, lang) for c in AMOUNTS}
    texts |= {f"{c}_text": euro(row[c], 2, lang) for c in PER_INHABITANT}
    return texts


def budget_rows(frame: pd.DataFrame, area_code: str, lang: str = "nl") -> list[dict]:
    """Per budget year of ``frame`` (the table programme_budgets), oldest first, the programme
    of ``area_code``: the raw figures (``begroting_eur``, ``realisatie_eur``, ``resultaat_eur``,
    ``begroting_per_inhabitant``, ``realisatie_per_inhabitant``, ``population``,
    ``population_year``, ``population_edition``; None where missing) and their texts
    (``begroting_text`` "€ 600.000", ``begroting_per_inhabitant_text`` "€ 26,51",
    ``population_text`` ...). ``has_programme`` is False for a year in which the area had no
    programme, and ``note`` says why. ``city`` holds the city-wide (Algemeen) budget of that
    year for context: its raw amounts and texts, or None."""
    out = []
    for year, part in frame.groupby("year", sort=True):
        own = part[part["area_code"] == area_code]
        city = part[part["area_level"] == "gemeente"]
        entry: dict = {"year": int(year), "has_programme": not own.empty, "city": None}
        if not city.empty:
            c = city.iloc[0]
            entry["city"] = {
                "programme": c["programme"],
                **{k: _plain(c[k]) for k in AMOUNTS},
                **_amount_texts(c, lang),
            }
        if own.empty:
            entry |= {k: None for k in RAW} | {"programme": None, "source_document": None}
            entry["note"] = i18n.t(
                "budget_not_merged" if year < MERGER_YEAR else "budget_none", lang, year=year
            )
        else:
            r = own.iloc[0]
            entry |= {k: _plain(r[k]) for k in RAW}
            entry |= _amount_texts(r, lang)
            entry |= {
                "programme": r["programme"],
                "source_document": r["source_document"],
                "population_text": i18n.number(_plain(r["population"]), 0, lang),
                "note": "",
            }
        out.append(entry)
    return out


def has_budgets(frame: pd.DataFrame, area_code: str) -> bool:
    """Whether ``area_code`` has a programme in any year of ``frame``."""
    return bool(len(frame)) and bool((frame["area_code"] == area_code).any())


def joined(items: list[str], lang: str) -> str:
    """``2017 en 2019`` / ``2017, 2019 and 2021``."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {i18n.t('and', lang)} {items[-1]}"


def budget_section(frame: pd.DataFrame, area_code: str, lang: str) -> dict | None:
    """What a gebied page shows of its programme: the years (``budget_rows``), the years of the
    reports in words and a sentence on the city-wide budget; None when the area has none."""
    if not has_budgets(frame, area_code):
        return None
    years = budget_rows(frame, area_code, lang)
    city = [
        i18n.t(
            "budget_city_item",
            lang,
            year=y["year"],
            begroting=y["city"]["begroting_text"],
            realisatie=y["city"]["realisatie_text"],
        )
        for y in years
        if y["city"]
    ]
    return {
        "years": years,
        "years_text": joined([str(y["year"]) for y in years], lang),
        "city_text": i18n.t("budget_city", lang, items="; ".join(city)) if city else "",
    }
