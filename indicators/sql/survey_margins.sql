-- survey_margins: the CBS population 16+ of every CBS wijk by age group and by sex
-- reads: measure_totals, edition_areas, measure_sources
-- writes: survey_margins
--
-- The margins the survey weights are raked to (raking in indicators/statistics.yml): per age
-- group a CBS measure times a factor (16-24 is 9/10 of CBS's 15-24), and men and women.
WITH named AS (SELECT DISTINCT measure_id, measure FROM measure_sources)
SELECT a.area_code AS wijk_code
       {%- for m in margins %},
       any_value(CASE WHEN n.measure = '{{ m.measure }}' THEN t.total END) * {{ m.factor }}
           AS {{ m.column }}
       {%- endfor %}
FROM measure_totals t
JOIN edition_areas a USING (area_id)
JOIN named n USING (measure_id)
WHERE a.layout = 'cbs' AND a.area_level = 'wijk'
GROUP BY a.area_code
