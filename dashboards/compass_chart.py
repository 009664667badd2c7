"""The compass chart in the Groningen manner, as a Plotly sunburst (drawn by the page's
plotly.js from this JSON; no Python plotly needed at build time).

Rings from the centre out: the compass score (mean of the three judged quadrants), the four
quadrants (each a quarter), the twelve themes (equal parts of their quadrant) and the
indicators (equal parts of their theme). Every ring is coloured by its band; Samenstelling in
blue tints. Clicking a theme zooms into it; clicking an indicator shows its figures beside the
chart (``site.js``).
"""

from __future__ import annotations

from dashboards import i18n
from dashboards.palette import FILL, band_key, score_band

SCALE = 1200.0  # leaf values are shares of this; quadrants get SCALE / 4 each


def compass_figure(
    rows: list[dict],
    scores: dict[tuple[str, str], float],
    quadrants,
    bands: list[dict],
    lang: str,
    band_field: str = "band_key",
    text_field: str = "cell_text",
) -> dict:
    """Plotly data + layout for one area. ``rows``: the area's presented indicator values (in
    compass order, ``dashboards.presentation``); ``scores``: (score_level, score_id) -> score.
    The development compass passes its own cell colour and text fields and scores."""
    ids, labels, parents, values, colors, hover = [], [], [], [], [], []

    def add(node_id, label, parent, value, color, text):
        ids.append(node_id)
        labels.append(label)
        parents.append(parent)
        values.append(value)
        colors.append(color)
        hover.append(text)

    def score_text(score, neutral):
        if score is None:
            return i18n.BANDS["none"][lang]
        band = score_band(score, bands, neutral)
        return (
            f"{i18n.t('col_score', lang)} {i18n.number(score, 0, lang)} · {i18n.BANDS[band][lang]}"
        )

    centre = scores.get(("centre", "centre"))
    add(
        "c",
        f"{i18n.number(centre, 0, lang)}" if centre is not None else "",
        "",
        0,
        FILL[band_key(score_band(centre, bands, False), False)],
        score_text(centre, False),
    )
    by_theme: dict[str, list[dict]] = {}
    for row in rows:
        if row["in_compass"]:
            by_theme.setdefault(row["theme"], []).append(row)
    for quadrant in quadrants:
        neutral = not quadrant.judged
        q_score = scores.get(("quadrant", quadrant.id))
        q_band = score_band(q_score, bands, neutral)
        add(
            f"q:{quadrant.id}",
            quadrant.title.nl if lang == "nl" else quadrant.title.en,
            "c",
            0,
            FILL[band_key(q_band, neutral)],
            score_text(q_score, neutral),
        )
        for theme in quadrant.themes:
            leaves = by_theme.get(theme.id, [])
            t_score = scores.get(("theme", theme.id))
            add(
                f"t:{theme.id}",
                theme.title.nl if lang == "nl" else theme.title.en,
                f"q:{quadrant.id}",
                0,
                FILL[band_key(score_band(t_score, bands, neutral), neutral)],
                score_text(t_score, neutral),
            )
            weight = round(SCALE / 4 / len(quadrant.themes) / max(len(leaves), 1), 4)
            for row in leaves:
                add(
                    f"i:{row['indicator_id']}",
                    row["title"],
                    f"t:{theme.id}",
                    weight,
                    FILL[row[band_field]],
                    row[text_field],
                )
    trace = {
        "type": "sunburst",
        "ids": ids,
        "labels": labels,
        "parents": parents,
        "values": values,
        "branchvalues": "remainder",
        "sort": False,
        "rotation": 90,
        "marker": {"colors": colors, "line": {"color": "#ffffff", "width": 0.6}},
        "customdata": hover,
        "hovertemplate": "<b>%{label}</b><br>%{customdata}<extra></extra>",
        "insidetextorientation": "radial",
        "textfont": {"size": 11},
        "leaf": {"opacity": 1},
    }
    layout = {
        "margin": {"l": 4, "r": 4, "t": 4, "b": 4},
        "height": 560,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "font": {"family": "system-ui, sans-serif"},
    }
    return {"data": [trace], "layout": layout}


def quadrant_summary(name: str, scores: dict, quadrants, bands: list[dict], lang: str) -> str:
    """One plain line: how the judged quadrants compare with the city."""
    groups: dict[str, list[str]] = {"better": [], "worse": [], "same": []}
    for q in quadrants:
        score = scores.get(("quadrant", q.id))
        if not q.judged or score is None:
            continue
        band = score_band(score, bands, False)
        key = {"very_favourable": "better", "favourable": "better"}.get(band)
        key = key or {"very_unfavourable": "worse", "unfavourable": "worse"}.get(band, "same")
        groups[key].append((q.title.nl if lang == "nl" else q.title.en).lower())
    words = SUMMARY_WORDS[lang]
    parts = [
        f"{word} {words['and'].join(groups[key])}"
        for key, word in words["groups"].items()
        if groups[key]
    ]
    if not parts:
        return ""
    if not groups["better"]:
        parts[0] = words["scores"] + parts[0]
    return f"{name} " + "; ".join(parts) + "."


SUMMARY_WORDS = {
    "nl": {
        "groups": {
            "better": "scoort gunstiger dan de gemeente op",
            "worse": "ongunstiger op",
            "same": "rond het gemiddelde op",
        },
        "scores": "scoort ",
        "and": " en ",
    },
    "en": {
        "groups": {
            "better": "scores more favourably than the municipality on",
            "worse": "less favourably on",
            "same": "around average on",
        },
        "scores": "scores ",
        "and": " and ",
    },
}
