"""CBS and register indicators: ratios of additive measures, recomputed at every level.

Three set-based queries, whatever the size of the catalogue:

1. ``source_values``: the edition's inputs, long (CBS per variable from the first year of the
   edition's CBS years that has data; registers from the edition's register year);
2. ``measure_totals``: every measure (``indicators/measures.yml``) for every area of every level,
   summed over the first complete rank of ``area_members`` (see ``indicators.members``);
3. ``ratio_values``: every ratio indicator = sum(numerator) / sum(denominator) * scale.

Ratios are never averaged: a gebied's share is its summed numerator over its summed
denominator.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from indicators.catalogue import Catalogue

SOURCE_VALUES_SQL = """
CREATE OR REPLACE TEMP TABLE source_values AS
WITH known AS (SELECT DISTINCT area_code FROM area_members WHERE rank = 0
               UNION SELECT DISTINCT member_code FROM area_members),
cv AS (
    SELECT c.year, c.area_level, c.area_code, c.variable, c.value, c.status
    FROM cbs_values c JOIN known k USING (area_code)
    WHERE list_contains($cbs_years, c.year)
),
chosen AS (   -- per variable: the first year of the edition's list that has any figure
    SELECT variable, arg_min(year, list_position($cbs_years, year)) AS year
    FROM cv WHERE value IS NOT NULL GROUP BY variable
)
SELECT 'cbs' AS source, cv.area_level, cv.area_code, cv.variable, cv.value, cv.status,
       cv.year AS period
FROM cv JOIN chosen USING (variable, year)
UNION ALL
SELECT 'register', r.area_level, r.area_code, r.variable, r.value,
       CASE WHEN r.value IS NULL THEN 'empty' ELSE 'published' END, r.year
FROM register_values r JOIN known k USING (area_code)
WHERE r.year = $register_year
"""

MEASURE_VALUES_SQL = """
CREATE OR REPLACE TEMP TABLE measure_values AS
WITH evaluated AS (
    SELECT s.measure, s.priority, v.area_level, v.area_code,
           v.value * (CASE WHEN s.times IS NULL THEN 1 ELSE t.value END) * s.scale AS value,
           CASE WHEN v.value IS NULL THEN v.status
                WHEN s.times IS NOT NULL AND t.value IS NULL THEN coalesce(t.status, 'empty')
                ELSE 'published' END AS status,
           v.period
    FROM measure_sources s
    JOIN source_values v ON v.source = s.source AND v.variable = s.var
    LEFT JOIN source_values t ON t.source = s.source AND t.variable = s.times
         AND t.area_level = v.area_level AND t.area_code = v.area_code
)
SELECT measure, area_level, area_code,
       arg_min(value, priority) FILTER (WHERE value IS NOT NULL) AS value,
       arg_min(period, priority) FILTER (WHERE value IS NOT NULL) AS period,
       arg_min(status, priority) AS first_status
FROM evaluated
GROUP BY ALL
"""

MEASURE_TOTALS_SQL = """
CREATE OR REPLACE TEMP TABLE measure_totals AS
WITH sizes AS (
    SELECT layout, area_level, area_code, rank, count(*) AS n_members
    FROM area_members GROUP BY ALL
),
per_rank AS (
    SELECT m.layout, m.area_level, m.area_code, m.rank, mv.measure,
           sum(mv.value) AS total, count(mv.value) AS n_with_value, max(mv.period) AS period,
           any_value(mv.first_status) FILTER (WHERE mv.value IS NULL) AS missing_status
    FROM area_members m
    JOIN measure_values mv ON mv.area_level = m.member_level AND mv.area_code = m.member_code
    GROUP BY ALL
),
ranked AS (
    SELECT p.*, s.n_members,
           row_number() OVER (PARTITION BY p.layout, p.area_level, p.area_code, p.measure
                              ORDER BY (p.n_with_value = s.n_members) DESC, p.rank) AS pick
    FROM per_rank p JOIN sizes s USING (layout, area_level, area_code, rank)
)
SELECT layout, area_level, area_code, measure, rank,
       CASE WHEN n_with_value = n_members THEN total END AS total,
       period, n_members, n_with_value,
       CASE WHEN n_with_value = n_members THEN NULL
            WHEN rank = 0 THEN coalesce(missing_status, 'empty')
            ELSE 'parts_missing' END AS missing
FROM ranked WHERE pick = 1
"""

RATIO_VALUES_SQL = """
CREATE OR REPLACE TEMP TABLE ratio_values AS
SELECT a.layout, a.area_level, a.area_code, d.indicator_id, d.source,
       CASE WHEN num.total IS NULL THEN NULL
            WHEN d.denominator IS NULL THEN num.total * d.scale
            WHEN den.total IS NULL OR den.total = 0 THEN NULL
            ELSE num.total / den.total * d.scale END AS value,
       num.total AS numerator, den.total AS denominator, num.period,
       CASE WHEN num.total IS NULL THEN coalesce(num.missing, 'not_available')
            WHEN d.denominator IS NOT NULL AND den.total IS NULL
                 THEN coalesce(den.missing, 'not_available')
            WHEN d.denominator IS NOT NULL AND den.total = 0 THEN 'zero_denominator'
            WHEN d.source = 'register' AND a.area_level = 'buurt'
                 AND num.total > 0 AND num.total < $min_count THEN 'small_count'
       END AS missing,
       num.n_members AS n_parts, num.n_with_value AS n_parts_with_value
FROM (SELECT DISTINCT layout, area_level, area_code FROM area_members) a
CROSS JOIN ratio_defs d
LEFT JOIN measure_totals num ON num.layout = a.layout AND num.area_level = a.area_level
     AND num.area_code = a.area_code AND num.measure = d.numerator
LEFT JOIN measure_totals den ON den.layout = a.layout AND den.area_level = a.area_level
     AND den.area_code = a.area_code AND den.measure = d.denominator
"""


def measure_sources_frame(catalogue: Catalogue) -> pd.DataFrame:
    rows = [
        {
            "measure": m.id,
            "priority": pos,
            "source": m.source,
            "var": s.var,
            "times": s.times,
            "scale": s.scale,
        }
        for m in catalogue.measures
        for pos, s in enumerate(m.sources)
    ]
    return pd.DataFrame(rows).astype({"times": "object"})


def ratio_defs_frame(catalogue: Catalogue) -> pd.DataFrame:
    rows = [
        {
            "indicator_id": i.id,
            "source": i.source,
            "numerator": i.definition.ratio.numerator,
            "denominator": i.definition.ratio.denominator,
            "scale": i.definition.ratio.scale,
        }
        for i in catalogue.indicators
        if i.definition.ratio
    ]
    return pd.DataFrame(rows).astype({"denominator": "object"})


def compute_ratios(
    con: duckdb.DuckDBPyConnection,
    catalogue: Catalogue,
    cbs_years: list[int],
    register_year: int | None,
    min_count: int,
    only_measures: list[str] | None = None,
) -> None:
    """Fill the temp tables source_values, measure_values, measure_totals and ratio_values.

    Expects the temp table ``area_members`` (``indicators.members.build_area_members``).
    With ``only_measures``, computes just those measure totals (no ratios): what the survey
    weighting needs from CBS."""
    sources = measure_sources_frame(catalogue)
    if only_measures is not None:
        sources = sources[sources["measure"].isin(only_measures)]
    con.register("_measure_sources", sources)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE measure_sources AS SELECT measure::VARCHAR AS measure, "
        "priority::INTEGER AS priority, source::VARCHAR AS source, var::VARCHAR AS var, "
        "times::VARCHAR AS times, scale::DOUBLE AS scale FROM _measure_sources"
    )
    con.register("_ratio_defs", ratio_defs_frame(catalogue))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE ratio_defs AS SELECT indicator_id::VARCHAR AS "
        "indicator_id, source::VARCHAR AS source, numerator::VARCHAR AS numerator, "
        "denominator::VARCHAR AS denominator, scale::DOUBLE AS scale FROM _ratio_defs"
    )
    has_registers = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'register_values'"
    ).fetchone()[0]
    if not has_registers:
        con.execute(
            "CREATE TEMP TABLE register_values (year BIGINT, area_code VARCHAR, "
            "area_level VARCHAR, variable VARCHAR, value DOUBLE)"
        )
    con.execute(
        SOURCE_VALUES_SQL,
        {"cbs_years": list(cbs_years), "register_year": register_year or -1},
    )
    con.execute(MEASURE_VALUES_SQL)
    con.execute(MEASURE_TOTALS_SQL)
    if only_measures is None:
        con.execute(RATIO_VALUES_SQL, {"min_count": min_count})
