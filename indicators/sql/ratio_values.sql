-- ratio_values: every CBS and register indicator of every area, numerator over denominator
-- reads: edition_areas, ratio_defs, measure_totals
-- writes: ratio_values
-- materialise: ephemeral
--
-- value = sum(numerator) / sum(denominator) * scale (a count when there is no denominator),
-- from the totals of the area (measure_totals); ``missing`` is why there is no value.
-- Disclosure: a register count of 1 to min_count - 1 cases in a buurt is not shown. A share
-- whose part exceeds its whole (CBS rounds the counts of small areas to fives: 15 unmarried of
-- 10 residents) is no figure and is not shown either.
SELECT a.area_id, d.indicator_key,
       CASE WHEN num.total IS NULL THEN NULL
            WHEN d.denominator_id IS NULL THEN num.total * d.scale
            WHEN den.total IS NULL OR den.total = 0 THEN NULL
            ELSE num.total / den.total * d.scale END AS raw_value,
       num.period,
       CASE WHEN num.total IS NULL THEN coalesce(num.missing, 'not_available')
            WHEN d.denominator_id IS NOT NULL AND den.total IS NULL
                 THEN coalesce(den.missing, 'not_available')
            WHEN d.denominator_id IS NOT NULL AND den.total = 0 THEN 'zero_denominator'
            WHEN d.source = 'register' AND a.area_level = 'buurt'
                 AND num.total > 0 AND num.total < $min_count THEN 'small_count'
            WHEN d.share AND num.total > den.total THEN 'rounded_above_total'
       END AS missing
FROM edition_areas a
CROSS JOIN ratio_defs d
LEFT JOIN measure_totals num ON num.area_id = a.area_id AND num.measure_id = d.numerator_id
LEFT JOIN measure_totals den ON den.area_id = a.area_id AND den.measure_id = d.denominator_id
