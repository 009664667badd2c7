-- group_values: CBS and register indicators of groups of areas: their summed measures
-- reads: area_groups, edition_areas, measure_totals, ratio_defs
-- writes: group_values
--
-- A group (e.g. the gemeenten comparable with this one) is its members' summed numerators
-- over their summed denominators, never a mean of their percentages; a measure a member lacks
-- leaves the group without it (``parts_missing``).
WITH members AS (
    SELECT g.group_code, a.area_id
    FROM area_groups g JOIN edition_areas a ON a.area_code = g.member_code
),
size AS (SELECT group_code, count(*) AS n_members FROM members GROUP BY group_code),
totals AS (
    SELECT m.group_code, t.measure_id, sum(t.total) AS total,
           count(t.total) AS n_with_value, max(t.period) AS period
    FROM members m JOIN measure_totals t USING (area_id)
    GROUP BY ALL
),
complete AS (
    SELECT t.group_code, t.measure_id, t.period,
           CASE WHEN t.n_with_value = s.n_members THEN t.total END AS total
    FROM totals t JOIN size s USING (group_code)
)
SELECT s.group_code, d.indicator_key, d.indicator_id,
       CASE WHEN num.total IS NULL THEN NULL
            WHEN d.denominator_id IS NULL THEN num.total * d.scale
            WHEN den.total IS NULL OR den.total = 0 THEN NULL
            ELSE num.total / den.total * d.scale END AS raw_value,
       num.period,
       CASE WHEN num.total IS NULL OR d.denominator_id IS NOT NULL AND den.total IS NULL
            THEN 'parts_missing'
            WHEN d.denominator_id IS NOT NULL AND den.total = 0 THEN 'zero_denominator'
            WHEN d.share AND num.total > den.total THEN 'rounded_above_total'
       END AS missing
FROM size s
CROSS JOIN ratio_defs d
LEFT JOIN complete num ON num.group_code = s.group_code AND num.measure_id = d.numerator_id
LEFT JOIN complete den ON den.group_code = s.group_code AND den.measure_id = d.denominator_id
