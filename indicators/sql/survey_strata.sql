-- survey_strata: the population of every CBS buurt: the strata the survey sample is drawn in
-- reads: measure_totals, edition_areas, measure_sources
-- writes: survey_strata
--
-- A municipal survey samples per buurt, small buurten more heavily (so that they have enough
-- respondents): a respondent's design weight is their buurt's population over its respondents
-- (indicators.weights.design_weights), the start of the raking to the wijk's margins.
WITH named AS (
    SELECT DISTINCT measure_id FROM measure_sources WHERE measure = '{{ population_measure }}'
)
SELECT a.area_code AS buurt_code, t.total AS population
FROM measure_totals t
JOIN edition_areas a USING (area_id)
JOIN named USING (measure_id)
WHERE a.layout = 'cbs' AND a.area_level = 'buurt'
