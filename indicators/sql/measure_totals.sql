-- measure_totals: every measure of every area, summed over the first complete rank of members
-- reads: area_members, edition_areas, measure_values, measure_sources
-- writes: measure_totals
--
-- An area's own figure (rank 0) is used where it has one; only where it has none are whole
-- wijken summed (rank 1), and only where those are incomplete too its buurten (rank 2). When no
-- rank is complete the total is missing: with the area's own status (secret, ...) when it has a
-- figure of its own, else ``parts_missing``. Ratios are never averaged: a gebied's share is its
-- summed numerator over its summed denominator (ratio_values).
{%- macro rank_sums(rank, wanted) %}   {#- the totals of the wanted areas at one rank #}
    SELECT w.area_id, w.measure_id, {{ rank }} AS rank, sum(v.value) AS total,
           max(v.period) AS period, count(v.value) AS n_with_value,
           count(v.data_id) AS n_rows,
           any_value(v.first_status) FILTER (WHERE v.value IS NULL) AS missing_status
    FROM {{ wanted }} w
    JOIN area_members m ON m.area_id = w.area_id AND m.rank = {{ rank }}
    LEFT JOIN measure_values v ON v.data_id = m.data_id AND v.measure_id = w.measure_id
    GROUP BY w.area_id, w.measure_id
{%- endmacro %}
WITH own AS (          -- rank 0: the area's own figure
    SELECT m.area_id, v.measure_id, v.value AS total, v.period, 0 AS rank,
           1 AS n_members, (v.value IS NOT NULL)::INTEGER AS n_with_value,
           v.first_status AS missing_status
    FROM area_members m JOIN measure_values v USING (data_id)
    WHERE m.rank = 0
),
sizes AS (SELECT area_id, rank, count(*) AS n_members FROM area_members GROUP BY ALL),
composite AS (   -- areas with parts other than themselves (a buurt is its own only buurt)
    SELECT DISTINCT m.area_id
    FROM area_members m JOIN edition_areas a USING (area_id)
    WHERE m.rank > 0 AND NOT (m.member_level = a.area_level AND m.member_code = a.area_code)
),
wanted_1 AS MATERIALIZED (   -- made of parts, without an own figure
    SELECT c.area_id, s.measure_id
    FROM composite c CROSS JOIN (SELECT DISTINCT measure_id FROM measure_sources) s
    ANTI JOIN (SELECT area_id, measure_id FROM own WHERE n_with_value = 1) o
         USING (area_id, measure_id)
),
rank_1 AS MATERIALIZED ({{ rank_sums(1, 'wanted_1') }}),
wanted_2 AS (          -- ... nor complete wijken
    SELECT w.area_id, w.measure_id
    FROM wanted_1 w
    ANTI JOIN (SELECT r.area_id, r.measure_id FROM rank_1 r
               JOIN sizes s ON s.area_id = r.area_id AND s.rank = 1
               WHERE r.n_with_value = s.n_members) r1
         USING (area_id, measure_id)
),
rank_2 AS ({{ rank_sums(2, 'wanted_2') }}),
candidates AS (        -- every rank at which a member has the measure at all
    SELECT area_id, measure_id, rank, total, period, n_members, n_with_value, missing_status
    FROM own WHERE n_with_value = 0
    UNION ALL
    SELECT r.area_id, r.measure_id, r.rank, r.total, r.period, s.n_members, r.n_with_value,
           r.missing_status
    FROM (SELECT * FROM rank_1 UNION ALL SELECT * FROM rank_2) r
    JOIN sizes s USING (area_id, rank)
    WHERE r.n_rows > 0
),
picked AS (            -- the first complete rank, else the first rank there is
    SELECT area_id, measure_id,
           arg_min(c, CASE WHEN c.n_with_value = c.n_members THEN 0 ELSE 10 END + c.rank) AS c
    FROM candidates c
    GROUP BY ALL
)
SELECT area_id, measure_id, total, period, n_members, n_with_value, NULL::VARCHAR AS missing
FROM own WHERE n_with_value = 1
UNION ALL
SELECT area_id, measure_id,
       CASE WHEN c.n_with_value = c.n_members THEN c.total END,
       c.period, c.n_members, c.n_with_value,
       CASE WHEN c.n_with_value = c.n_members THEN NULL
            WHEN c.rank = 0 THEN coalesce(c.missing_status, 'empty')
            ELSE 'parts_missing' END
FROM picked
