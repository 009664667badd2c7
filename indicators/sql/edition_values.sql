-- edition_values: every indicator of every area of one edition, as published
-- reads: indicator_rows, compass_reference, edition_areas, indicator_meta
-- writes: edition_values
-- materialise: partition edition
--
-- Written straight into the warehouse, one partition per edition, in keys and figures only:
-- names come from ``areas``, the indicator's unit, source, theme and decimals from the
-- catalogue (joined in indicator_values, the output contract). Why a value is not published is
-- a code (``suppression_reason``) with the figures its message needs (``n_unweighted``,
-- ``cv``, ``period``, ``suppression_threshold``): the words are in indicators/messages.yml.
-- Codes are ENUMs of their vocabulary (engine.code_types): an unknown code fails the build.
-- The index (indicators.compass_index): the difference from the gemeente value over the
-- typical distance of the wijken (compass_reference), directed, clipped; a survey deviation
-- that is not significant is around average. A survey figure is direct, or the small-area
-- model's estimate (``estimate_kind``; its MSE is the square of its standard error).
WITH area_keys AS (
    SELECT area_id, layout::{{ types.layout }} AS layout, area_code,
           area_level::{{ types.level }} AS area_level
    FROM edition_areas
),
indicator_keys AS (
    SELECT indicator_key, indicator_id::{{ types.indicator }} AS indicator_id FROM indicator_meta
),
indexed AS (
    SELECT r.*, c.reference_raw,
        CASE WHEN NOT r.in_compass OR r.raw_value IS NULL OR c.reference_raw IS NULL THEN NULL
             ELSE compass_index(r.raw_value - c.reference_raw, c.typical_distance, r.direction)
        END AS index_raw
    FROM indicator_rows r
    LEFT JOIN compass_reference c USING (indicator_key)
)
SELECT $edition::INTEGER AS edition, a.layout, a.area_code, a.area_level, i.indicator_id,
       round(raw_value, decimals) AS value,
       round(ci_low, decimals) AS ci_low, round(ci_high, decimals) AS ci_high, standard_error,
       CASE WHEN source = 'survey' AND reason IS NULL
            THEN CASE WHEN modelled THEN 'model' ELSE 'direct' END
       END::{{ types.estimate_kind }} AS estimate_kind,
       CASE WHEN modelled THEN standard_error * standard_error END AS mse,
       n_unweighted, n_effective, cv, coalesce(caution, false) AS caution,
       round(reference_raw, decimals) AS reference_value,
       round(index_raw, 1) AS "index",
       CASE WHEN index_raw IS NULL THEN NULL
            WHEN source = 'survey' AND significant_vs_city = false THEN 'average'
            ELSE compass_band(index_raw, direction = 'neutral') END::{{ types.band }} AS band,
       significant_vs_city, reason IS NOT NULL AS suppressed,
       reason::{{ types.reason }} AS suppression_reason,
       CASE reason WHEN 'too_few_respondents' THEN min_n
                   WHEN 'cv_too_high' THEN $max_cv
                   WHEN 'model_cv_too_high' THEN $max_cv
                   WHEN 'small_count' THEN $min_count END::DOUBLE AS suppression_threshold,
       period, raw_value
FROM indexed x
JOIN area_keys a USING (area_id)
JOIN indicator_keys i USING (indicator_key)
