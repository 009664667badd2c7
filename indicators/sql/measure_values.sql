-- measure_values: every measure (indicators/measures*.yml) of every area that carries data
-- reads: measure_sources, source_values
-- writes: measure_values
--
-- A measure is a source variable (times another, e.g. a share times the population) times a
-- scale; with several sources, the first (by priority) that has a value. ``first_status`` is
-- the status of the first source, the reason a figure is missing. Most measures are one
-- variable: those are a projection, only the others are grouped.
WITH kinds AS (
    SELECT measure_id, count(*) = 1 AND bool_and(times IS NULL) AS direct
    FROM measure_sources GROUP BY measure_id
),
direct AS (
    SELECT s.measure_id, v.data_id, v.value * s.scale AS value,
           CASE WHEN v.value IS NOT NULL THEN v.period END AS period,
           CASE WHEN v.value IS NULL THEN v.status ELSE 'published' END AS first_status
    FROM measure_sources s
    SEMI JOIN (SELECT measure_id FROM kinds WHERE direct) k USING (measure_id)
    JOIN source_values v ON v.var_id = s.var_id
),
evaluated AS (
    SELECT s.measure_id, s.priority, v.data_id,
           v.value * (CASE WHEN s.times IS NULL THEN 1 ELSE t.value END) * s.scale AS value,
           CASE WHEN v.value IS NULL THEN v.status
                WHEN s.times IS NOT NULL AND t.value IS NULL THEN coalesce(t.status, 'empty')
                ELSE 'published' END AS status,
           v.period
    FROM measure_sources s
    SEMI JOIN (SELECT measure_id FROM kinds WHERE NOT direct) k USING (measure_id)
    JOIN source_values v ON v.var_id = s.var_id
    LEFT JOIN (SELECT * FROM source_values
               WHERE var_id IN (SELECT times_id FROM measure_sources)) t
           ON t.var_id = s.times_id AND t.data_id = v.data_id
)
SELECT * FROM direct
UNION ALL
SELECT measure_id, data_id,
       -- the first source with a value (all NULL: NULL), and the period of that value
       arg_min(value, priority + CASE WHEN value IS NULL THEN 1000000 ELSE 0 END),
       arg_min(CASE WHEN value IS NOT NULL THEN period END,
               priority + CASE WHEN value IS NULL THEN 1000000 ELSE 0 END),
       arg_min(status, priority)
FROM evaluated
GROUP BY ALL
