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
  |z|, CBS and register changes by relative size.

Area changes are listed for the newest pair of editions only: the crosswalk maps earlier areas
onto the newest layout (``geo.crosswalk``), not onto every layout in between.
"""

from __future__ import annotations

import duckdb
import pandas as pd

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
           mode(suppression_note) AS why_not   -- e.g. not asked, no register export
    FROM indicator_values WHERE layout = 'cbs' AND area_level = 'wijk' GROUP BY ALL
),
titles AS (SELECT indicator_id, title_nl, source, comparable_since, break_note_nl
           FROM indicator_catalogue),
indicator_changes AS (
    SELECT p.edition, p.previous_edition,
           CASE WHEN now.published THEN 'indicator_new' ELSE 'indicator_removed' END AS kind,
           t.indicator_id AS subject, t.title_nl AS title,
           CASE WHEN now.published
                THEN 'Gepubliceerd in ' || p.edition || ', niet in ' || p.previous_edition
                ELSE 'Gepubliceerd in ' || p.previous_edition || ', niet meer in ' || p.edition
           END || ' (' || t.source || ')'
           || CASE WHEN NOT now.published THEN coalesce(': ' || now.why_not, '') ELSE '' END
           AS detail,
           NULL::DOUBLE AS change, NULL::DOUBLE AS change_z, NULL::BIGINT AS rank
    FROM pair p
    JOIN published now ON now.edition = p.edition
    JOIN published prev ON prev.edition = p.previous_edition
         AND prev.indicator_id = now.indicator_id
    JOIN titles t ON t.indicator_id = now.indicator_id
    WHERE now.published <> prev.published
),
definition_changes AS (
    SELECT p.edition, p.previous_edition, 'definition_changed', t.indicator_id, t.title_nl,
           t.break_note_nl, NULL, NULL, NULL
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
    SELECT p.edition, p.previous_edition, 'area_new', a.area_code, a.area_name,
           'Wijk zonder buurten in ' || p.previous_area_year
           || ': hoorde toen niet bij de gemeente of bestond niet; geen vergelijking',
           NULL, NULL, NULL
    FROM area_pair p JOIN target a ON a.year = p.area_year AND a.area_level = 'wijk'
    WHERE p.area_year <> p.previous_area_year
      AND a.area_code NOT IN (SELECT to_code FROM wijk_pair w WHERE w.edition = p.edition)
),
area_changed AS (
    SELECT w.edition, w.previous_edition, 'area_changed', w.to_code, any_value(a.area_name),
           'Samengesteld uit ' || string_agg(w.from_code || ' (' || w.population::BIGINT
               || ' inw.)', ', ' ORDER BY w.from_code)
           || ': cijfers van ' || w.previous_edition || ' opnieuw opgeteld uit de buurten',
           NULL, NULL, NULL
    FROM wijk_pair w
    LEFT JOIN target a ON a.year = w.to_year AND a.area_level = 'wijk' AND a.area_code = w.to_code
    GROUP BY w.edition, w.previous_edition, w.to_code
    HAVING NOT bool_and(w.method = 'identical')
),
buurt_recoded AS (
    SELECT edition, previous_edition, 'buurt_recoded', from_code, from_code,
           'Buurtcode bestaat niet meer; op grond van de grenzen ('
           || round(100 * area_share)::BIGINT || '% van de oppervlakte) toegedeeld aan '
           || to_code || ' (' || coalesce(population::BIGINT, 0) || ' inw.)', NULL, NULL, NULL
    FROM crosswalk_pair WHERE method <> 'same_code'
),
area_renamed AS (
    SELECT p.edition, p.previous_edition, 'area_renamed', now.area_code, now.area_name,
           'Naam was ' || prev.area_name, NULL, NULL, NULL
    FROM area_pair p
    JOIN target now ON now.year = p.area_year AND now.area_level IN ('wijk', 'gebied')
    JOIN target prev ON prev.year = p.previous_area_year AND prev.area_code = now.area_code
         AND prev.area_level = now.area_level
    WHERE prev.area_name <> now.area_name AND prev.area_name <> prev.area_code
),
movement AS (
    SELECT v.edition, v.previous_edition, 'movement', v.indicator_id || ' ' || v.area_code,
           t.title_nl || ' — ' || v.area_name,
           v.previous_value || ' → ' || v.value || ' ' || v.unit || ' ('
           || CASE v.trend WHEN 'better' THEN 'beter' WHEN 'worse' THEN 'slechter'
                           WHEN 'higher' THEN 'hoger' ELSE 'lager' END
           || CASE WHEN v.source = 'survey' THEN ', z = ' || round(v.change_z, 1) ELSE '' END
           || ')',
           v.change, v.change_z,
           row_number() OVER (PARTITION BY v.edition, v.source = 'survey' ORDER BY
               CASE WHEN v.source = 'survey' THEN abs(v.change_z)
                    ELSE abs(v.change) / nullif(abs(v.previous_value), 0) END DESC NULLS LAST)
               AS rank
    FROM indicator_values v JOIN titles t USING (indicator_id)
    WHERE v.layout = 'cbs' AND v.area_level = 'wijk' AND v.change IS NOT NULL
      AND v.trend IN ('better', 'worse', 'higher', 'lower')
)
SELECT * FROM indicator_changes
UNION ALL SELECT * FROM definition_changes
UNION ALL SELECT * FROM area_new
UNION ALL SELECT * FROM area_changed
UNION ALL SELECT * FROM buurt_recoded
UNION ALL SELECT * FROM area_renamed
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


def edition_changelog(con: duckdb.DuckDBPyConnection, top: int = 15) -> pd.DataFrame:
    """The changelog between each edition and the previous one (see module doc); ``top``
    movements per edition for survey and for CBS/register figures each."""
    frame = con.execute(CHANGELOG_SQL, {"top": top}).df()
    frame.columns = [
        "edition",
        "previous_edition",
        "kind",
        "subject",
        "title",
        "detail",
        "change",
        "change_z",
        "rank",
    ]
    frame["order"] = frame["kind"].map(KIND_ORDER.index)
    return (
        frame.sort_values(["edition", "order", "rank", "subject"])
        .drop(columns="order")
        .reset_index(drop=True)
    )
