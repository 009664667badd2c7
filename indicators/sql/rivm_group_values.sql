-- rivm_group_values: RIVM indicators of groups of areas: the mean of their members weighted by residents
-- reads: area_groups, edition_areas, rivm_estimates, rivm_defs, measure_totals, measure_sources
-- writes: rivm_group_values
--
-- A group (e.g. the gemeenten comparable with this one) is the mean of its members' RIVM
-- estimates weighted by their residents (RIVM's figures are means over residents, so this is
-- the group's own mean); a member without a figure leaves the group without it
-- (``parts_missing``).
WITH members AS (
    SELECT g.group_code, a.area_id
    FROM area_groups g JOIN edition_areas a ON a.area_code = g.member_code
),
size AS (SELECT group_code, count(*) AS n_members FROM members GROUP BY group_code),
residents AS (
    SELECT t.area_id, t.total AS w
    FROM measure_totals t
    JOIN (SELECT DISTINCT measure_id FROM measure_sources WHERE measure = 'cbs.population') p
      USING (measure_id)
),
sums AS (
    SELECT m.group_code, e.indicator_key, sum(e.raw_value * r.w) / nullif(sum(r.w), 0) AS value,
           count(e.raw_value * r.w) AS n_with_value, max(e.period) AS period
    FROM members m
    JOIN rivm_estimates e USING (area_id)
    LEFT JOIN residents r USING (area_id)
    GROUP BY ALL
)
SELECT s.group_code, d.indicator_key, d.indicator_id,
       CASE WHEN x.n_with_value = s.n_members THEN x.value END AS raw_value,
       x.period,
       CASE WHEN x.n_with_value IS DISTINCT FROM s.n_members THEN 'parts_missing' END AS missing
FROM size s
CROSS JOIN rivm_defs d
LEFT JOIN sums x ON x.group_code = s.group_code AND x.indicator_key = d.indicator_key
