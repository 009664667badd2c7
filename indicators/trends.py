"""Editions over time: every edition on today's areas, and the change since the previous one.

``indicator_values`` (the output contract) is built from ``edition_values`` (each edition on its
own areas, plus the ``harmonised`` layout of earlier editions, see ``geo.crosswalk``) by the
declared models ``indicators/sql/series.sql`` and ``indicators/sql/indicator_values.sql``:

* the newest edition, and every edition published on the same area year, as computed
  (``harmonisation = 'native'``);
* an earlier edition on another area year: its ``harmonised`` rows, relabelled to the CBS layout,
  for today's wijken, gebieden and gemeente (``identical`` when the area is made of exactly the
  same buurten, else ``reaggregated``). An area that did not exist then (no earlier buurten, or
  only part of it, e.g. the gemeente before the 2019 merger with Haren and Ten Boer) gets no
  value: ``suppression_reason = 'not_comparable'``. The own wijken and gebieden of every own
  layout on today's area year are harmonised the same way (``harmonised:<layout>``: earlier
  buurten assigned to today's own wijken by code, then surface; ``identical`` when an own area
  is made of exactly the same buurt codes then and now). Buurten are not harmonised.

Trend columns on every row, against the previous edition of the same area and indicator:
``change`` (value − previous, in the unit: percentage points for %), for survey figures
``change_se = sqrt(se1² + se2²)`` and ``change_z`` (difference of two independent weighted
estimates) with ``change_significant`` at the configured level (with no sampling error at all,
e.g. 0 % in both editions, z is empty and only a non-zero change is significant); CBS and
register figures are counts of the whole population, not samples, so they are not tested
(``change_significant`` NULL). ``trend`` is better | worse (judged indicators) or
higher | lower (neutral ones), or ``stable`` for a survey change that is not significant or
a change that rounds to 0; ``trend_reason`` is the code of why there is no trend (its words
are in indicators/messages.yml). An indicator with a
definition break (``comparable_since`` in its catalogue entry) has no trend across the break.

The **development compass** (the second compass of every wijk, *ontwikkeling*) scores changes
the way the state compass scores levels: ``development_index = compass_index(change, C,
direction)`` = clip(100 + s · spread · change / C, lo, hi) (``indicators.compass_index``) with C
the mean absolute change of the CBS wijken for that indicator and edition, s = −1 when higher is
worse; a survey change that is not significant scores 100 (as a non-significant deviation does
in the state compass). ``development_band`` is ``compass_band`` of it, the same five steps;
theme, quadrant and centre means are in ``development_scores``.
"""

from __future__ import annotations

import duckdb
from scipy import stats

from indicators import engine
from indicators.catalogue import Catalogue
from indicators.models import ModelRun, run_models


def build_indicator_values(
    con: duckdb.DuckDBPyConnection,
    catalogue: Catalogue,
    settings: dict,
    editions: list[tuple[int, int]],
) -> ModelRun:
    """Write the warehouse table ``indicator_values``: every edition on the newest edition's
    areas, with trend columns (see module doc; models ``series`` and ``indicator_values``).
    ``editions``: (edition, area year) of every edition."""
    editions = sorted(editions)
    own = [  # own layouts with an earlier edition recomputed on their wijken (geo.crosswalk)
        name
        for (name,) in con.execute(
            "SELECT DISTINCT layout FROM harmonised_areas "
            "WHERE starts_with(layout, 'harmonised:') ORDER BY 1"
        ).fetchall()
    ]
    params = {
        "layouts": ["cbs"] + [name.removeprefix("harmonised:") for name in own],
        "harmonised": ["harmonised", *own],
        "editions": [e for e, _ in editions],
        "area_years": [y for _, y in editions],
        "target_year": editions[-1][1],
        "z": float(stats.norm.ppf(0.5 + settings["confidence"] / 2)),
    }
    engine.prepare_functions(con, settings)
    inputs = engine.Inputs(catalogue, None, settings, None)
    return run_models(
        con,
        engine.all_models(),
        ["indicator_values"],
        params,
        {"inputs": inputs},
        sources=["edition_values"],  # the asset edition_values wrote them
    )
