-- small_area_covariates: per CBS buurt of the edition the covariates of the small-area model
-- reads: edition_areas, ratio_defs, measure_totals, measure_sources
-- writes: small_area_covariates
--
-- The CBS indicators named in small_area of indicators/statistics.yml at buurt level, from the
-- edition's own figures: numerator over denominator of the buurt's totals, as ratio_values
-- computes every indicator (only these, only for buurten: the model runs at national scale).
-- NULL where CBS has no figure (indicators.small_area_model imputes it and says how many).
-- ``adults`` (residents 16+, the raking age margins) and ``population`` weigh the buurten in
-- the model estimate of an own wijk or gebied. One row per CBS buurt, also without
-- respondents.
WITH buurten AS (
    SELECT area_id, area_code, parent_code AS wijk_code
    FROM edition_areas WHERE layout = 'cbs' AND area_level = 'buurt'
),
wanted AS (
    SELECT indicator_id, numerator_id, denominator_id, scale FROM ratio_defs
    WHERE list_contains($small_area_covariates, indicator_id)
),
ages (measure, factor) AS (
    VALUES {% for m in margins if m.column.startswith('age_') -%}
        ('{{ m.measure }}', {{ m.factor }}){{ ", " if not loop.last }}
    {%- endfor %}
),
named AS (   -- the measures the buurt's weight is made of, with their factor
    SELECT DISTINCT s.measure_id, s.measure, g.factor
    FROM measure_sources s LEFT JOIN ages g USING (measure)
    WHERE g.factor IS NOT NULL OR s.measure = '{{ population_measure }}'
),
totals AS (  -- the totals of the buurten that either needs
    SELECT t.area_id, t.measure_id, t.total
    FROM measure_totals t
    WHERE t.area_id IN (SELECT area_id FROM buurten)
      AND (t.measure_id IN (SELECT measure_id FROM named)
           OR t.measure_id IN (SELECT numerator_id FROM wanted)
           OR t.measure_id IN (SELECT denominator_id FROM wanted))
),
covariates AS (
    SELECT b.area_id, w.indicator_id,
           CASE WHEN w.denominator_id IS NULL THEN num.total * w.scale
                WHEN den.total = 0 THEN NULL
                ELSE num.total / den.total * w.scale END AS raw_value
    FROM buurten b CROSS JOIN wanted w
    LEFT JOIN totals num ON num.area_id = b.area_id AND num.measure_id = w.numerator_id
    LEFT JOIN totals den ON den.area_id = b.area_id AND den.measure_id = w.denominator_id
),
people AS (
    SELECT t.area_id,
           CASE WHEN count(t.total) FILTER (WHERE n.factor IS NOT NULL) = (SELECT count(*) FROM ages)
                THEN sum(t.total * n.factor) END AS adults,
           any_value(t.total) FILTER (WHERE n.measure = '{{ population_measure }}') AS population
    FROM totals t JOIN named n USING (measure_id)
    GROUP BY t.area_id
),
wide AS (
    SELECT area_id
           {%- for c in small_area_covariates %},
           any_value(raw_value) FILTER (WHERE indicator_id = '{{ c }}')::DOUBLE AS "{{ c }}"
           {%- endfor %}
    FROM covariates GROUP BY area_id
)
SELECT b.area_id, b.area_code, b.wijk_code, p.adults::DOUBLE AS adults,
       p.population::DOUBLE AS population, w.* EXCLUDE (area_id)
FROM buurten b
LEFT JOIN people p USING (area_id)
LEFT JOIN wide w USING (area_id)
