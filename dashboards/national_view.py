"""The Netherlands as reference, as a page section: an area's CBS figures beside the gemeente,
the Netherlands and the comparable gemeenten (all of the national year), a wijk's position
among the Dutch wijken, and the most similar wijken elsewhere in the country
(``national_reference``, ``national_similar_wijken``, ``comparable_gemeenten``)."""

from __future__ import annotations

import math

import pandas as pd

from dashboards import i18n
from indicators.catalogue import in_sentence


def _number(x) -> float | None:
    return None if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)) else x


def comparable_names(data, lang: str) -> str:
    """'Leiden, Delft, Nijmegen, Wageningen en Maastricht' (or the named group's name)."""
    frame = data.comparable
    if frame.empty:
        return ""
    names = [str(n) for n in frame.sort_values("rank")["area_name"]]
    words = (
        f"{', '.join(names[:-1])} {i18n.t('and', lang)} {names[-1]}" if len(names) > 1 else names[0]
    )
    group = frame["group_name"].dropna()
    return f"{group.iloc[0]} ({words})" if len(group) else words


def national_section(data, area, lang: str, indicator_href) -> dict | None:
    """The rows of an area's comparison with the Netherlands (None without a national source
    or figures): per indicator of the compass the national file supports."""
    frame = data.national
    if frame.empty:
        return None
    own = frame[frame["area_code"] == area.code].set_index("indicator_id")
    if own.empty:
        return None
    cat = data.catalogue
    title = cat[f"title_{'nl' if lang == 'nl' else 'en'}"]
    rows = []
    for indicator in cat.index:
        if indicator not in own.index or not bool(cat.loc[indicator, "in_compass"]):
            continue
        r = own.loc[indicator]
        unit, decimals = cat.loc[indicator, "unit"], int(r["decimals"])

        def text(column, r=r, unit=unit, decimals=decimals):
            return i18n.with_unit(_number(r[column]), decimals, unit, lang)

        position = _number(r["national_position"])
        period = _number(r["period"]) if "period" in r else None
        measured = (  # a figure of another year than the national file's (RIVM's 2020)
            f" ({i18n.t('rivm_note', lang, year=int(period))})"
            if period is not None and int(period) != int(r["year"])
            else ""
        )
        rows.append(
            {
                "title": title[indicator] + measured,
                "href": indicator_href(indicator),
                "area": text("area_value"),
                "gemeente": text("gemeente_value"),
                "nederland": text("nederland_value"),
                "comparable": text("comparable_value"),
                "position": i18n.t("national_position", lang, share=int(position))
                if position is not None
                else "",
            }
        )
    if not rows:
        return None
    year = int(frame["year"].iloc[0])
    return {
        "year": year,
        "rows": rows,
        "with_position": area.level == "wijk",
        "intro": i18n.t("national_intro", lang, year=year, comparable=comparable_names(data, lang)),
        "map_alt": i18n.t(
            "netherlands_map_alt", lang, gemeente=data.areas[data.gemeente].name,
            comparable=comparable_names(data, lang),
        ) if data.netherlands_map else None,
    }  # fmt: skip


def elsewhere_section(data, area, lang: str) -> dict | None:
    """The most similar Dutch wijken outside the gemeente, with their figures beside the
    wijk's own (CBS, national year)."""
    frame = data.national_similar
    if frame.empty or area.level != "wijk":
        return None
    mine = frame[frame["area_code"] == area.code].sort_values("rank")
    if mine.empty:
        return None
    cat = data.catalogue
    composition = data.settings["national"]["composition"]
    shown = [f for f in ("population", *composition) if f in cat.index and f in mine.columns][:5]
    title = cat[f"title_{'nl' if lang == 'nl' else 'en'}"]
    own = data.national[data.national["area_code"] == area.code].set_index("indicator_id")

    def figures(get) -> list[str]:
        return [
            i18n.with_unit(_number(get(f)), int(cat.loc[f, "decimals"]), cat.loc[f, "unit"], lang)
            for f in shown
        ]

    rows = [
        {
            "name": area.name,
            "gemeente": "",
            "distance": "",
            "self": True,
            "figures": figures(lambda f: own["area_value"].get(f) if f in own.index else None),
        }
    ]
    for r in mine.itertuples():
        rows.append(
            {
                "name": r.similar_name or r.similar_code,
                "gemeente": r.gemeente_name or r.gemeente_code,
                "distance": i18n.number(r.distance, 2, lang),
                "self": False,
                "figures": figures(lambda f, r=r: getattr(r, f, None)),
            }
        )
    compared_on, of = int(mine["compared_on"].min()), int(mine["compared_of"].iloc[0])
    return {
        "columns": [title[f] for f in shown],
        "rows": rows,
        "intro": i18n.t(
            "elsewhere_intro",
            lang,
            indicators=", ".join(in_sentence(title[i]) for i in composition if i in title),
            year=int(mine["year"].iloc[0]),
        ),
        "partial": i18n.t("elsewhere_partial", lang, shared=compared_on, of=of)
        if compared_on < of
        else "",
    }
