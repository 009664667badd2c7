"""The compass's words: the one-line summary of an area's quadrant scores. The compass itself
is drawn as SVG at build time (``dashboards.compass_svg``)."""

from __future__ import annotations

from dashboards.palette import score_band


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
