"""Colours of the compass bands, safe for colour-blind readers.

Judged indicators run from green (favourable) through yellow to purple-red (unfavourable): the
green-yellow-red of the Groningen compass, taken from ColorBrewer's PiYG so that red-green
colour-blind readers still tell the ends apart (olive against blue-violet). Samenstelling and other
neutral indicators use blue tints, light for lower and dark for higher than the city. The band
is always written out too (table, tooltip), so colour is never the only carrier.
"""

from __future__ import annotations

from indicators.compass_index import band_of

JUDGED = ["very_favourable", "favourable", "average", "unfavourable", "very_unfavourable"]
NEUTRAL = ["much_higher", "higher", "average", "lower", "much_lower"]

FILL = {
    "very_favourable": "#276419",
    "favourable": "#7fbc41",
    "average": "#f6e27a",
    "unfavourable": "#f1b6da",
    "very_unfavourable": "#8e0152",
    "much_higher": "#08306b",
    "higher": "#4a89c8",
    "lower": "#c6dbef",
    "much_lower": "#eef4fa",
    "neutral_average": "#94bde0",
    "none": "#d4d4d4",
}

# text on a fill, chosen for WCAG AA contrast (>= 4.5:1)
INK = (
    {key: "#ffffff" for key in ("very_favourable", "very_unfavourable", "much_higher")}
    | {
        key: "#111111"
        for key in ("favourable", "average", "unfavourable", "higher", "lower", "much_lower")
    }
    | {"neutral_average": "#111111", "none": "#111111"}
)


# the colour of a change since the previous edition: better/worse take the favourable and the
# unfavourable end of the judged scale, higher/lower of a neutral indicator the blue tints, no
# change is left white; the word and an arrow are always written beside it
TREND_BAND = {
    "better": "favourable",
    "worse": "unfavourable",
    "higher": "higher",
    "lower": "lower",
    "stable": "none",
}


def band_key(band: str | None, neutral: bool) -> str:
    """The colour key of a band (``average`` differs between judged and neutral)."""
    if not band:
        return "none"
    if neutral and band == "average":
        return "neutral_average"
    return band


def score_band(score: float | None, bands: list[dict], neutral: bool) -> str | None:
    """The band of a theme, quadrant or centre score: the rule of the DuckDB macro
    ``compass_band`` that bands indicator indices, on the same table
    (``indicators.compass_index.band_of``)."""
    return band_of(score, bands, neutral)
