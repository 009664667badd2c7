"""What changed between two editions, for the statisticians who publish the refresh.

One row per change, ``kind`` one of:

* ``indicator_new`` / ``indicator_removed`` — published (somewhere at wijk level) in one edition
  and in no area of the other (a new survey question, a register that started, a CBS figure
  that was not there yet, a question dropped);
* ``definition_changed`` — a definition break in the catalogue (``comparable_since``);
* ``area_new`` — a wijk of today without earlier buurten (did not belong to the gemeente);
* ``area_changed`` — a wijk of today made of other buurten than the earlier wijk of its code;
* ``buurt_recoded`` — an earlier buurt whose code is gone, placed by its boundary;
* ``area_renamed`` — same code, other name;
* ``movement`` — the largest comparable changes at wijk level: significant survey changes by
  |z|, CBS and register changes by relative size (equal sizes by indicator, then area code).

Every row names its ``layout``: indicator and definition changes hold for every layout alike
(``layout = 'all'``, :data:`ALL_LAYOUTS`); area changes and movements are listed for the CBS
wijken (``cbs``) and for the own wijken of every own layout (its name). An own wijk is
``area_new`` when its earlier figures are ``not_comparable`` (no or not all of its earlier
buurten), ``area_changed`` when they are ``reaggregated`` (``indicator_values.harmonisation``),
with the earlier buurten it is made of (``layout_crosswalk``) and today's buurten that had no
buurt of their code then; its movements are ranked like the CBS ones, per layout. Recoded
buurten and renamed areas are CBS facts (own areas have no earlier own edition).

Area changes are listed for the newest pair of editions only: the crosswalk maps earlier areas
onto the newest layout (``geo.crosswalk``), not onto every layout in between.
"""

from __future__ import annotations

import json

import duckdb
import pandas as pd

from indicators import messages

ALL_LAYOUTS = "all"  # the layout of a change that holds for every layout (indicators)

CHANGELOG_SQL = """
WITH pairs AS (
    SELECT edition, lag(edition) OVER (ORDER BY edition) AS previous_edition,
           area_year, lag(area_year) OVER (ORDER BY edition) AS previous_area_year
    FROM editions
),
pair AS (SELECT * FROM pairs WHERE previous_edition IS NOT NULL),
area_pair AS (  -- area changes: the crosswalk maps earlier areas onto the newest layout only
    SELECT * FROM pair
    WHERE area_year = (SELECT area_year FROM editions ORDER BY edition DESC LIMIT 1)
),
published AS (
    SELECT edition, indicator_id, bool_or(NOT suppressed) AS published,
           mode(suppression_reason) AS why_not   -- e.g. not asked, no register export
    FROM indicator_values WHERE layout = 'cbs' AND area_level = 'wijk' GROUP BY ALL
),
titles AS (SELECT indicator_id, title_nl, source, comparable_since, break_note_nl
           FROM indicator_catalogue),
indicator_changes AS (
    SELECT p.edition, p.previous_edition, $all AS layout,
           CASE WHEN now.published THEN 'indicator_new' ELSE 'indicator_removed' END AS kind,
           t.indicator_id AS subject, t.title_nl AS title,
           CASE WHEN now.published THEN 'indicator_new'
                WHEN now.why_not IS NULL THEN 'indicator_removed'
                ELSE 'indicator_removed_because' END AS detail_code,
           to_json({edition: p.edition, previous_edition: p.previous_edition,
                    source: t.source, reason: now.why_not, wave: p.edition}) AS figures,
           NULL::DOUBLE AS change, NULL::DOUBLE AS change_z, NULL::BIGINT AS rank
    FROM pair p
    JOIN published now ON now.edition = p.edition
    JOIN published prev ON prev.edition = p.previous_edition
         AND prev.indicator_id = now.indicator_id
    JOIN titles t ON t.indicator_id = now.indicator_id
    WHERE now.published <> prev.published
),
definition_changes AS (
    SELECT p.edition, p.previous_edition, $all, 'definition_changed', t.indicator_id, t.title_nl,
           'definition_changed', to_json({note: t.break_note_nl}), NULL, NULL, NULL
    FROM pair p JOIN titles t ON t.comparable_since > p.previous_edition
                              AND t.comparable_since <= p.edition
),
target AS (SELECT * FROM areas WHERE layout = 'cbs'),
crosswalk_pair AS (
    SELECT p.edition, p.previous_edition, c.*
    FROM area_pair p JOIN area_crosswalk c ON c.from_year = p.previous_area_year
     AND c.to_year = p.area_year
),
wijk_pair AS (
    SELECT p.edition, p.previous_edition, w.*
    FROM area_pair p JOIN area_crosswalk_wijken w ON w.from_year = p.previous_area_year
     AND w.to_year = p.area_year
),
area_new AS (
    SELECT p.edition, p.previous_edition, 'cbs', 'area_new', a.area_code, a.area_name,
           'area_new', to_json({previous_area_year: p.previous_area_year}), NULL, NULL, NULL
    FROM area_pair p JOIN target a ON a.year = p.area_year AND a.area_level = 'wijk'
    WHERE p.area_year <> p.previous_area_year
      AND a.area_code NOT IN (SELECT to_code FROM wijk_pair w WHERE w.edition = p.edition)
),
area_changed AS (
    SELECT w.edition, w.previous_edition, 'cbs', 'area_changed', w.to_code, any_value(a.area_name),
           'area_changed',
           to_json({previous_edition: w.previous_edition,
                    parts: list({code: w.from_code, population: w.population::BIGINT}
                                ORDER BY w.from_code)}),
           NULL, NULL, NULL
    FROM wijk_pair w
    LEFT JOIN target a ON a.year = w.to_year AND a.area_level = 'wijk' AND a.area_code = w.to_code
    GROUP BY w.edition, w.previous_edition, w.to_code
    HAVING NOT bool_and(w.method = 'identical')
),
buurt_recoded AS (
    SELECT edition, previous_edition, 'cbs', 'buurt_recoded', from_code, from_code,
           'buurt_recoded',
           to_json({share: round(100 * area_share)::BIGINT, to_code: to_code,
                    population: coalesce(population::BIGINT, 0)}),
           NULL, NULL, NULL
    FROM crosswalk_pair WHERE method <> 'same_code'
),
area_renamed AS (
    SELECT p.edition, p.previous_edition, 'cbs', 'area_renamed', now.area_code, now.area_name,
           'area_renamed', to_json({previous_name: prev.area_name}), NULL, NULL, NULL
    FROM area_pair p
    JOIN target now ON now.year = p.area_year AND now.area_level IN ('wijk', 'gebied')
    JOIN target prev ON prev.year = p.previous_area_year AND prev.area_code = now.area_code
         AND prev.area_level = now.area_level
    WHERE prev.area_name <> now.area_name AND prev.area_name <> prev.area_code
),
own_wijken AS (  -- each own wijk of today as the earlier edition of the pair has it
    SELECT p.edition, p.previous_edition, p.area_year, p.previous_area_year, v.layout,
           v.area_code, any_value(v.area_name) AS area_name,
           bool_and(v.harmonisation = 'not_comparable') AS not_comparable,
           bool_or(v.harmonisation = 'reaggregated') AS reaggregated
    FROM area_pair p JOIN indicator_values v ON v.edition = p.previous_edition
    WHERE v.layout <> 'cbs' AND NOT starts_with(v.layout, 'harmonised') AND v.area_level = 'wijk'
    GROUP BY ALL
),
own_from AS (   -- the earlier buurten of each own wijk (layout_crosswalk)
    SELECT o.edition, o.layout, o.area_code, count(*) AS buurten,
           sum(c.population)::BIGINT AS population,
           list({code: c.from_code, population: c.population::BIGINT,
                 recoded: c.method <> 'same_code'} ORDER BY c.from_code) AS parts
    FROM own_wijken o JOIN layout_crosswalk c ON c.layout = o.layout
         AND c.from_year = o.previous_area_year AND c.to_year = o.area_year
         AND c.to_code = o.area_code
    GROUP BY ALL
),
own_only_now AS (   -- today's buurten of an own wijk without a buurt of their code then
    SELECT o.edition, o.layout, o.area_code, list(b.buurt_code ORDER BY b.buurt_code) AS codes
    FROM own_wijken o JOIN area_buurten b ON b.year = o.area_year AND b.layout = o.layout
         AND b.area_level = 'wijk' AND b.area_code = o.area_code
    WHERE NOT EXISTS (SELECT 1 FROM layout_crosswalk c WHERE c.layout = o.layout
                      AND c.from_year = o.previous_area_year AND c.from_code = b.buurt_code)
    GROUP BY ALL
),
own_area AS (
    SELECT o.edition, o.previous_edition, o.layout,
           CASE WHEN o.not_comparable THEN 'area_new' ELSE 'area_changed' END,
           o.area_code, o.area_name,
           CASE WHEN o.not_comparable AND f.buurten IS NULL THEN 'own_area_new'
                WHEN o.not_comparable THEN 'own_area_partial'
                WHEN n.codes IS NULL THEN 'own_area_changed'
                ELSE 'own_area_changed_new_codes' END,
           to_json({previous_edition: o.previous_edition,
                    previous_area_year: o.previous_area_year, buurten: f.buurten,
                    population: f.population, parts: f.parts, new_codes: n.codes}),
           NULL, NULL, NULL
    FROM own_wijken o
    LEFT JOIN own_from f USING (edition, layout, area_code)
    LEFT JOIN own_only_now n USING (edition, layout, area_code)
    WHERE o.area_year <> o.previous_area_year AND (o.not_comparable OR o.reaggregated)
),
movement AS (   -- per layout: the CBS wijken and the own wijken of every own layout
    SELECT v.edition, v.previous_edition, v.layout, 'movement',
           v.indicator_id || ' ' || v.area_code,
           t.title_nl || ' — ' || v.area_name,
           CASE WHEN v.source = 'survey' THEN 'movement_tested' ELSE 'movement' END,
           to_json({previous_value: v.previous_value::VARCHAR, value: v.value::VARCHAR,
                    unit: v.unit, trend: v.trend,
                    z: round(v.change_z, 1)::VARCHAR}),
           v.change, v.change_z,
           row_number() OVER (PARTITION BY v.layout, v.edition, v.source = 'survey' ORDER BY
               CASE WHEN v.source = 'survey' THEN abs(v.change_z)
                    ELSE abs(v.change) / nullif(abs(v.previous_value), 0) END DESC NULLS LAST,
               v.indicator_id, v.area_code) AS rank
    FROM indicator_values v JOIN titles t USING (indicator_id)
    WHERE NOT starts_with(v.layout, 'harmonised') AND v.area_level = 'wijk'
      AND v.change IS NOT NULL AND v.trend IN ('better', 'worse', 'higher', 'lower')
)
SELECT * FROM indicator_changes
UNION ALL SELECT * FROM definition_changes
UNION ALL SELECT * FROM area_new
UNION ALL SELECT * FROM area_changed
UNION ALL SELECT * FROM buurt_recoded
UNION ALL SELECT * FROM area_renamed
UNION ALL SELECT * FROM own_area
UNION ALL SELECT * FROM movement WHERE rank <= $top
"""

KIND_ORDER = [
    "indicator_new",
    "indicator_removed",
    "definition_changed",
    "area_new",
    "area_changed",
    "buurt_recoded",
    "area_renamed",
    "movement",
]
KIND_TITLES = {
    "indicator_new": "Nieuwe indicatoren",
    "indicator_removed": "Vervallen indicatoren",
    "definition_changed": "Gewijzigde definities",
    "area_new": "Nieuwe wijken (geen vergelijking mogelijk)",
    "area_changed": "Wijken met een andere samenstelling",
    "buurt_recoded": "Buurten met een vervallen code",
    "area_renamed": "Gewijzigde namen",
    "movement": "Grootste veranderingen (wijkniveau)",
}


def layout_order(layout: str) -> tuple[int, str]:
    """Changes for every layout first, then the CBS wijken, then the own layouts by name."""
    return ({ALL_LAYOUTS: 0, "cbs": 1}.get(layout, 2), layout)


def edition_changelog(con: duckdb.DuckDBPyConnection, top: int = 15) -> pd.DataFrame:
    """The changelog between each edition and the previous one (see module doc); ``top``
    movements per edition and layout for survey and for CBS/register figures each. The SQL
    gives each change a ``detail_code`` and its figures; the sentence (``detail``) is written
    from indicators/messages.yml (``changelog``)."""
    frame = con.execute(CHANGELOG_SQL, {"top": top, "all": ALL_LAYOUTS}).df()
    frame.columns = [
        "edition",
        "previous_edition",
        "layout",
        "kind",
        "subject",
        "title",
        "detail_code",
        "figures",
        "change",
        "change_z",
        "rank",
    ]
    frame.insert(
        6,
        "detail",
        [
            messages.changelog_message(code, "nl", json.loads(figures))
            for code, figures in zip(frame["detail_code"], frame["figures"], strict=True)
        ],
    )
    frame = frame.drop(columns=["detail_code", "figures"])
    frame["order"] = frame["kind"].map(KIND_ORDER.index)
    frame["layout_order"] = frame["layout"].map(layout_order)
    return (
        frame.sort_values(["edition", "layout_order", "order", "rank", "subject"])
        .drop(columns=["order", "layout_order"])
        .reset_index(drop=True)
    )
