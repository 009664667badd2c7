"""Which published areas make up each target area: the basis of re-aggregation.

For every area of every level and layout of a year, ``area_members`` lists ways to build it
from areas that carry data, in order of preference (``rank``):

0. the area itself, when it is a CBS area (buurt ``BU``, wijk ``WK``, gemeente ``GM``): CBS's own
   published figure, with CBS's own rounding and secrecy;
1. whole CBS wijken, when the area is exactly a union of wijken (a gebied of the CBS layout, an
   own wijk equal to a CBS wijk, a wijk of today unchanged since an earlier edition): wijk
   figures are less often secret than buurt figures;
2. its buurten (always possible: every level is a set of buurten).

A measure of an area is taken from the first rank at which *every* member has a value, so a
total is never silently made of part of an area.

The areas are those of ``areas``/``area_buurten`` plus, when an earlier edition is harmonised to
today's layout, the layout ``harmonised`` of ``harmonised_areas``/``harmonised_area_buurten``
(today's wijken and gebieden as sets of the earlier year's buurten, ``geo.crosswalk``). Those
carry today's codes, so they never take rank 0: the earlier year's figure for the same code may
cover a different area.
"""

from __future__ import annotations

import duckdb

AREA_MEMBERS_SQL = """
CREATE OR REPLACE TEMP TABLE area_members AS
WITH ab AS (
    SELECT layout, area_level, area_code, buurt_code FROM plan_area_buurten WHERE year = $year
),
wijk_of AS (
    SELECT area_code AS wijk, buurt_code FROM ab WHERE layout = 'cbs' AND area_level = 'wijk'
),
wijk_size AS (SELECT wijk, count(*) AS n FROM wijk_of GROUP BY wijk),
area_size AS (SELECT layout, area_level, area_code, count(*) AS n FROM ab GROUP BY ALL),
whole_wijken AS (   -- wijken lying wholly inside an area of a level above wijk
    SELECT ab.layout, ab.area_level, ab.area_code, w.wijk, count(*) AS n_in
    FROM ab JOIN wijk_of w USING (buurt_code)
    WHERE ab.area_level <> 'buurt' AND NOT (ab.layout = 'cbs' AND ab.area_level = 'wijk')
    GROUP BY ALL
),
covering AS (       -- areas exactly covered by whole wijken
    SELECT ww.layout, ww.area_level, ww.area_code
    FROM whole_wijken ww
    JOIN wijk_size ws USING (wijk)
    JOIN area_size s USING (layout, area_level, area_code)
    WHERE ww.n_in = ws.n
    GROUP BY ww.layout, ww.area_level, ww.area_code
    HAVING sum(ww.n_in) = any_value(s.n)
)
SELECT layout, area_level, area_code, area_level AS member_level, area_code AS member_code,
       0 AS rank
FROM plan_areas
WHERE year = $year AND regexp_matches(area_code, '^(BU|WK|GM)')
  AND NOT starts_with(layout, 'harmonised')
UNION ALL
SELECT ww.layout, ww.area_level, ww.area_code, 'wijk', ww.wijk, 1
FROM whole_wijken ww
JOIN covering c USING (layout, area_level, area_code)
JOIN wijk_size ws USING (wijk)
WHERE ww.n_in = ws.n
UNION ALL
SELECT layout, area_level, area_code, 'buurt', buurt_code, 2 FROM ab
"""


HARMONISED_TABLES = {
    "plan_areas": "harmonised_areas",
    "plan_area_buurten": "harmonised_area_buurten",
}


def create_plan_area_views(con: duckdb.DuckDBPyConnection) -> None:
    """Temp views ``plan_areas`` and ``plan_area_buurten``: the areas of every layout, with the
    harmonised layout when the warehouse has one."""
    have = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    for view, extra in HARMONISED_TABLES.items():
        base = view.removeprefix("plan_")
        union = f" UNION ALL BY NAME SELECT * FROM {extra}" if extra in have else ""
        con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM {base}{union}")


def build_area_members(con: duckdb.DuckDBPyConnection, year: int) -> int:
    """Create the temp table ``area_members`` for the areas of ``year``; return its size."""
    create_plan_area_views(con)
    con.execute(AREA_MEMBERS_SQL, {"year": year})
    return con.execute("SELECT count(*) FROM area_members").fetchone()[0]
