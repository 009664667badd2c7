-- source_values: the edition's CBS and register figures of every area that carries data
-- reads: area_members, measure_sources, cbs_values, register_values
-- writes: source_values
--
-- CBS: per variable the first year of the edition's CBS years that has any figure (the
-- kerncijfers of the area year, completed by the next year where that one lacks a variable);
-- registers: the edition's register year (none: $register_year is -1). Only the variables
-- some measure uses. (Area codes are unique across levels: BU, WK, GM, NL; the join is on the
-- code, the level checked after it.)
WITH known AS (
    SELECT DISTINCT data_id, member_level AS area_level, member_code AS area_code
    FROM area_members
),
used AS (
    SELECT source, var AS variable FROM measure_sources
    UNION SELECT source, times FROM measure_sources WHERE times IS NOT NULL
),
cv AS (
    SELECT k.data_id, c.year, c.variable, c.value, c.status
    FROM cbs_values c
    JOIN known k ON k.area_code = c.area_code
    SEMI JOIN (SELECT variable FROM used WHERE source = 'cbs') u USING (variable)
    WHERE list_contains($cbs_years, c.year) AND k.area_level = c.area_level
),
chosen AS (   -- per variable: the first year of the edition's list that has any figure
    SELECT variable, arg_min(year, list_position($cbs_years, year)) AS year
    FROM cv WHERE value IS NOT NULL GROUP BY variable
)
SELECT 'cbs' AS source, cv.data_id, cv.variable, cv.value, cv.status, cv.year AS period
FROM cv JOIN chosen USING (variable, year)
UNION ALL
SELECT 'register', k.data_id, r.variable, r.value,
       CASE WHEN r.value IS NULL THEN 'empty' ELSE 'published' END, r.year
FROM register_values r
JOIN known k ON k.area_code = r.area_code
SEMI JOIN (SELECT variable FROM used WHERE source = 'register') u USING (variable)
WHERE r.year = $register_year AND k.area_level = r.area_level
