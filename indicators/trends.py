"""Editions over time: every edition on today's areas, and the change since the previous one.

``indicator_values`` (the output contract) is built from ``edition_values`` (each edition on its
own areas, plus the ``harmonised`` layout of earlier editions, see ``geo.crosswalk``):

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
a change that rounds to 0; ``trend_note`` says why there is no trend. An indicator with a
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
import pandas as pd
from scipy import stats

from indicators import compass_index
from indicators.catalogue import Catalogue
from indicators.engine import indicator_meta_frame

TREND_NOTES = {
    "first_edition": "Eerste editie: geen eerdere meting",
    "not_comparable": "Niet vergelijkbaar: het gebied bestond toen niet in deze vorm",
    "definition_changed": "Niet vergelijkbaar: de definitie is gewijzigd",
    "no_value": "Geen cijfer in deze editie",
    "no_previous_value": "Geen cijfer in de vorige editie",
}
NOT_COMPARABLE_NOTE = (
    "Dit gebied bestond in deze editie niet in deze vorm (nieuwe of gewijzigde grenzen); "
    "er is geen vergelijkbaar cijfer"
)

ASSEMBLE_SQL = """
CREATE OR REPLACE TEMP TABLE series AS
WITH plan AS (SELECT unnest($editions) AS edition, unnest($area_years) AS area_year),
pairs AS (    -- today's layout and the layout an earlier edition is recomputed on for it
    SELECT unnest($layouts) AS layout, unnest($harmonised) AS harmonised
),
native AS (   -- editions published on today's area year, as computed
    SELECT v.*, 'native' AS harmonisation
    FROM edition_values v JOIN plan p USING (edition)
    WHERE p.area_year = $target_year AND NOT starts_with(v.layout, 'harmonised')
),
earlier AS (SELECT edition FROM plan WHERE area_year <> $target_year),
targets AS (  -- today's wijken, gebieden, gemeente x indicators x earlier editions, per layout
    SELECT e.edition, a.layout, p.harmonised, a.area_level, a.area_code, a.area_name,
           a.parent_code, m.*
    FROM earlier e
    CROSS JOIN (SELECT * FROM areas WHERE year = $target_year AND area_level <> 'buurt'
                AND (layout = 'cbs' OR area_level <> 'gemeente')) a
    JOIN pairs p ON p.layout = a.layout
    CROSS JOIN indicator_meta m
),
same_buurten AS (   -- own areas made of exactly the buurten (codes) they have today
    SELECT h.year, t.layout, h.area_level, h.area_code,
           list_sort(list(h.buurt_code)) = any_value(t.buurten) AS identical
    FROM harmonised_area_buurten h
    JOIN (SELECT layout, area_level, area_code, list_sort(list(buurt_code)) AS buurten
          FROM area_buurten WHERE year = $target_year AND layout <> 'cbs' GROUP BY ALL) t
      ON h.layout = 'harmonised:' || t.layout AND t.area_level = h.area_level
     AND t.area_code = h.area_code
    GROUP BY ALL
),
mapped_wijken AS (SELECT DISTINCT from_year, to_code FROM area_crosswalk WHERE to_code IS NOT NULL),
complete AS (  -- areas of today all of whose (CBS) wijken have earlier buurten
    SELECT p.edition, p.area_year, ab.layout, ab.area_level, ab.area_code,
           bool_and(mw.to_code IS NOT NULL) AS complete,
           bool_and(coalesce(cw.identical, false)) AS identical
    FROM plan p
    JOIN (SELECT DISTINCT a.layout, a.area_level, a.area_code, w.area_code AS wijk
          FROM area_buurten a JOIN area_buurten w
            ON w.year = a.year AND w.layout = 'cbs' AND w.area_level = 'wijk'
           AND w.buurt_code = a.buurt_code
          WHERE a.year = $target_year AND a.area_level <> 'buurt'
            AND a.layout IN (SELECT layout FROM pairs)) ab
      ON true
    LEFT JOIN mapped_wijken mw ON mw.from_year = p.area_year AND mw.to_code = ab.wijk
    LEFT JOIN (SELECT from_year, to_code, bool_and(method = 'identical') AS identical
               FROM area_crosswalk_wijken GROUP BY ALL) cw
      ON cw.from_year = p.area_year AND cw.to_code = ab.wijk
    WHERE p.area_year <> $target_year
    GROUP BY ALL
),
harmonised AS (
    SELECT t.edition, t.layout, t.area_level, t.area_code, t.indicator_id,
           c.complete AND h.edition IS NOT NULL AS complete,   -- and earlier buurten made it
           CASE WHEN t.layout = 'cbs' THEN c.identical ELSE coalesce(sb.identical, false) END
               AS identical,
           h.* EXCLUDE (edition, area_level, area_code, indicator_id, layout, area_name,
                        parent_code)
    FROM targets t
    LEFT JOIN complete c USING (edition, layout, area_level, area_code)
    LEFT JOIN same_buurten sb ON sb.year = c.area_year AND sb.layout = t.layout
         AND sb.area_level = t.area_level AND sb.area_code = t.area_code
    LEFT JOIN edition_values h ON h.edition = t.edition AND h.layout = t.harmonised
         AND h.area_level = t.area_level AND h.area_code = t.area_code
         AND h.indicator_id = t.indicator_id
),
relabelled AS (
    SELECT t.edition, t.layout, t.area_code, t.area_name, t.area_level, t.parent_code,
           t.indicator_id, t.source, t.quadrant, t.theme,
           CASE WHEN h.complete THEN h.value END AS value, t.unit, t.decimals,
           CASE WHEN h.complete THEN h.ci_low END AS ci_low,
           CASE WHEN h.complete THEN h.ci_high END AS ci_high,
           CASE WHEN h.complete THEN h.standard_error END AS standard_error,
           CASE WHEN h.complete THEN h.n_unweighted END AS n_unweighted,
           CASE WHEN h.complete THEN h.n_effective END AS n_effective,
           CASE WHEN h.complete THEN h.cv END AS cv,
           coalesce(h.complete AND h.caution, false) AS caution,
           h.reference_value,
           CASE WHEN h.complete THEN h."index" END AS "index",
           CASE WHEN h.complete THEN h.band END AS band,
           CASE WHEN h.complete THEN h.significant_vs_city END AS significant_vs_city,
           NOT coalesce(h.complete, false) OR coalesce(h.suppressed, true) AS suppressed,
           CASE WHEN NOT coalesce(h.complete, false) THEN 'not_comparable'
                ELSE coalesce(h.suppression_reason, CASE WHEN h.value IS NULL
                                                         THEN 'not_available' END) END
               AS suppression_reason,
           CASE WHEN NOT coalesce(h.complete, false) THEN $not_comparable_note
                ELSE h.suppression_note END AS suppression_note,
           h.period, t.source IN ('survey', 'register') AS synthetic,
           CASE WHEN h.complete THEN h.raw_value END AS raw_value,
           CASE WHEN NOT coalesce(h.complete, false) THEN 'not_comparable'
                WHEN h.identical THEN 'identical' ELSE 'reaggregated' END AS harmonisation
    FROM targets t
    LEFT JOIN harmonised h USING (edition, layout, area_level, area_code, indicator_id)
)
SELECT * FROM native
UNION ALL BY NAME
SELECT * FROM relabelled
"""

TREND_SQL = """
WITH ordered AS (
    SELECT s.*, m.direction, m.comparable_since, m.in_compass,
           lag(edition) OVER w AS previous_edition,
           lag(raw_value) OVER w AS previous_raw,
           lag(standard_error) OVER w AS previous_se,
           lag(harmonisation) OVER w AS previous_harmonisation
    FROM series s JOIN indicator_meta m USING (indicator_id)
    WINDOW w AS (PARTITION BY layout, area_level, area_code, indicator_id ORDER BY edition)
),
changed AS (
    SELECT *,
        CASE WHEN previous_edition IS NULL THEN 'first_edition'
             WHEN harmonisation = 'not_comparable' OR previous_harmonisation = 'not_comparable'
                 THEN 'not_comparable'
             WHEN comparable_since IS NOT NULL AND previous_edition < comparable_since
                  AND edition >= comparable_since THEN 'definition_changed'
             WHEN raw_value IS NULL THEN 'no_value'
             WHEN previous_raw IS NULL THEN 'no_previous_value'
        END AS trend_reason,
        raw_value - previous_raw AS raw_change,
        CASE WHEN source = 'survey' THEN sqrt(standard_error ^ 2 + previous_se ^ 2) END
            AS raw_change_se
    FROM ordered
),
tested AS (
    SELECT *,
        CASE WHEN trend_reason IS NULL AND raw_change_se > 0
             THEN raw_change / raw_change_se END AS z
    FROM changed
),
typical_change AS (   -- mean absolute change of the CBS wijken: the scale of development
    SELECT edition, indicator_id, avg(abs(raw_change)) AS typical_change
    FROM tested
    WHERE layout = 'cbs' AND area_level = 'wijk' AND trend_reason IS NULL
    GROUP BY ALL
),
developed AS (
    SELECT t.*,
        CASE WHEN t.trend_reason IS NOT NULL OR NOT t.in_compass THEN NULL
             WHEN t.source = 'survey' AND NOT coalesce(abs(t.z) > $z_crit, t.raw_change <> 0)
                 THEN 100.0
             ELSE compass_index(t.raw_change, c.typical_change, t.direction)
        END AS development_raw
    FROM tested t LEFT JOIN typical_change c USING (edition, indicator_id)
)
SELECT * EXCLUDE (direction, comparable_since, in_compass, previous_raw, previous_se,
                  previous_harmonisation, trend_reason, raw_change, raw_change_se, z,
                  development_raw),
    round(development_raw, 1) AS development_index,
    CASE WHEN trend_reason IS NULL THEN round(previous_raw, decimals) END AS previous_value,
    CASE WHEN trend_reason IS NULL THEN round(raw_change, decimals) END AS change,
    CASE WHEN trend_reason IS NULL THEN raw_change_se END AS change_se,
    z AS change_z,
    CASE WHEN trend_reason IS NULL AND source = 'survey'
         THEN coalesce(abs(z) > $z_crit, raw_change <> 0) END AS change_significant,
    CASE WHEN trend_reason IS NOT NULL THEN NULL
         WHEN source = 'survey' AND NOT coalesce(abs(z) > $z_crit, raw_change <> 0)
             THEN 'stable'
         WHEN round(raw_change, decimals) = 0 THEN 'stable'
         WHEN direction = 'neutral' THEN CASE WHEN raw_change > 0 THEN 'higher' ELSE 'lower' END
         WHEN (raw_change > 0) = (direction = 'higher_is_better') THEN 'better'
         ELSE 'worse' END AS trend,
    trend_reason,
    CASE WHEN trend_reason IS NOT NULL
         THEN map_extract_value(MAP($notes_k, $notes_v), trend_reason) END AS trend_note,
    harmonisation <> 'not_comparable'
        AND NOT coalesce(comparable_since > edition, false) AS comparable,
    compass_band(development_raw, direction = 'neutral') AS development_band
FROM developed
ORDER BY edition, layout, area_level, area_code, indicator_id
"""


def build_indicator_values(
    con: duckdb.DuckDBPyConnection,
    catalogue: Catalogue,
    settings: dict,
    editions: list[tuple[int, int]],
) -> pd.DataFrame:
    """Every edition on the newest edition's areas, with trend columns (see module doc).
    ``editions``: (edition, area year) of every edition."""
    editions = sorted(editions)
    target_year = editions[-1][1]
    meta = indicator_meta_frame(catalogue, settings["survey"]["min_n"])
    con.register("_meta", meta)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE indicator_meta AS SELECT * REPLACE "
        "(decimals::INTEGER AS decimals, min_n::INTEGER AS min_n, "
        "comparable_since::INTEGER AS comparable_since) FROM _meta"
    )
    con.unregister("_meta")
    own = [  # own layouts with an earlier edition recomputed on their wijken (geo.crosswalk)
        name
        for (name,) in con.execute(
            "SELECT DISTINCT layout FROM harmonised_areas "
            "WHERE starts_with(layout, 'harmonised:') ORDER BY 1"
        ).fetchall()
    ]
    con.execute(
        ASSEMBLE_SQL,
        {
            "layouts": ["cbs"] + [name.removeprefix("harmonised:") for name in own],
            "harmonised": ["harmonised", *own],
            "editions": [e for e, _ in editions],
            "area_years": [y for _, y in editions],
            "target_year": target_year,
            "not_comparable_note": NOT_COMPARABLE_NOTE,
        },
    )
    z_crit = float(stats.norm.ppf(0.5 + settings["confidence"] / 2))
    compass_index.create_macros(con, settings)
    frame = con.execute(
        TREND_SQL,
        {
            "z_crit": z_crit,
            "notes_k": list(TREND_NOTES),
            "notes_v": list(TREND_NOTES.values()),
        },
    ).df()
    return frame
