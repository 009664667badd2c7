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
used AS (      -- the variables, numbered (measure_sources: var_id, times_id)
    SELECT DISTINCT source, var AS variable, var_id FROM measure_sources
    UNION SELECT source, times, times_id FROM measure_sources WHERE times IS NOT NULL
),
cv AS (
    SELECT k.data_id, c.year, u.var_id, c.value, c.status
    FROM cbs_values c
    JOIN known k ON k.area_code = c.area_code
    JOIN used u ON u.source = 'cbs' AND u.variable = c.variable
    WHERE list_contains($cbs_years, c.year) AND k.area_level = c.area_level
),
chosen AS (   -- per variable: the first year of the edition's list that has any figure
    SELECT var_id, arg_min(year, list_position($cbs_years, year)) AS year
    FROM cv WHERE value IS NOT NULL GROUP BY var_id
)
SELECT cv.var_id, cv.data_id, cv.value, cv.status, cv.year AS period
FROM cv JOIN chosen USING (var_id, year)
UNION ALL
SELECT u.var_id, k.data_id, r.value,
       CASE WHEN r.value IS NULL THEN 'empty' ELSE 'published' END, r.year
FROM register_values r
JOIN known k ON k.area_code = r.area_code
JOIN used u ON u.source = 'register' AND u.variable = r.variable
WHERE r.year = $register_year AND k.area_level = r.area_level
