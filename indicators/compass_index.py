"""The compass index and its five bands, defined once.

    compass_index(difference, typical, direction)
        = clip(100 + s * spread * difference / typical, lo, hi)

with s = -1 when ``direction`` is ``higher_is_worse`` and +1 otherwise; 100 when ``typical`` is 0
or NULL (all wijken equal the city, or no wijk changed), NULL when ``difference`` is NULL. The
state index (``indicators.engine.FINISH_SQL``: the difference from the gemeente value over the
mean absolute deviation of the CBS wijken) and the development index
(``indicators.trends.TREND_SQL``: the change over the mean absolute change of the CBS wijken) both
call it.

    compass_band(index, neutral)

is the band id of an index: the last band whose lower bound ``from`` the index reaches (an index
below the second band's bound is in the lowest band), named higher / lower than the city when
``neutral``; NULL for NULL or NaN. The site palette (``dashboards.palette.score_band``) bands
theme, quadrant and centre scores with ``band_of``, the same rule on the same table.

Both macros are generated from ``compass`` in indicators/statistics.yml (spread, clip, bands):
``band_table`` turns the bands into one list of (lower bound, id), used by the macro text and
by ``band_of``. No number of the scale is written in SQL by hand.
"""

from __future__ import annotations

import duckdb

# Samenstelling and other neutral indicators are described, not judged: the same five steps,
# named as higher / lower than the city (blue tints on the site).
NEUTRAL_BANDS = {
    "very_unfavourable": "much_lower",
    "unfavourable": "lower",
    "average": "average",
    "favourable": "higher",
    "very_favourable": "much_higher",
}


def band_table(bands: list[dict]) -> list[tuple[float, str]]:
    """The bands of ``compass.bands`` as (lower bound, judged id), lowest first."""
    return sorted((b["from"], b["id"]) for b in bands)


def band_of(value: float | None, bands: list[dict], neutral: bool) -> str | None:
    """The band id of an index or score (``compass_band`` in Python)."""
    if value is None or value != value:
        return None
    table = band_table(bands)
    band = table[0][1]
    for lower, band_id in table[1:]:
        if value >= lower:
            band = band_id
    return NEUTRAL_BANDS[band] if neutral else band


def _number(x: float) -> str:
    """A setting as an SQL literal of the same value (an integer, or a DOUBLE, never DECIMAL)."""
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise TypeError(f"not a number: {x!r}")
    return str(x) if isinstance(x, int) else f"{float(x)!r}::DOUBLE"


def _text(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def macro_sql(settings: dict) -> str:
    """``CREATE TEMP MACRO`` statements of compass_index and compass_band for ``settings``
    (the whole statistics settings, or their ``compass`` section)."""
    c = settings.get("compass", settings)
    lo, hi = c["clip"]
    table = band_table(c["bands"])

    def named(band_id: str) -> str:
        return f"CASE WHEN neutral THEN {_text(NEUTRAL_BANDS[band_id])} ELSE {_text(band_id)} END"

    steps = "\n".join(
        f"         WHEN idx < {_number(upper)} THEN {named(band_id)}"
        for (_, band_id), (upper, _) in zip(table, table[1:], strict=False)
    )
    return f"""
CREATE OR REPLACE TEMP MACRO compass_index(difference, typical, direction) AS
    CASE WHEN difference IS NULL THEN NULL
         WHEN coalesce(typical, 0) = 0 THEN 100.0
         ELSE greatest({_number(lo)}, least({_number(hi)}, 100 + (CASE
              WHEN direction = 'higher_is_worse' THEN -1 ELSE 1 END) * {_number(c["spread"])}
              * difference / typical))
    END;
CREATE OR REPLACE TEMP MACRO compass_band(idx, neutral) AS
    CASE WHEN idx IS NULL OR isnan(idx) THEN NULL
{steps}
         ELSE {named(table[-1][1])} END;
"""


def create_macros(con: duckdb.DuckDBPyConnection, settings: dict) -> None:
    """Create (or replace) the temp macros compass_index and compass_band on ``con``."""
    con.execute(macro_sql(settings))
