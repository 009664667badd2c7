-- indicator_rows: every indicator of every area with its reason not to publish, if any
-- reads: ratio_values, rivm_estimates, survey_values, indicator_meta, edition_areas
-- writes: indicator_rows
-- materialise: ephemeral
--
-- The CBS and register ratios, RIVM's estimates and the survey estimates as one set of rows. A value with a
-- reason not to publish it is emptied (with its interval, error and test); the reason is a
-- code, the words are in indicators/messages.yml. An own layout repeats the CBS buurten and
-- gemeente: only its own levels are kept (the harmonised CBS layout keeps its gemeente: an
-- earlier edition's gemeente recomputed on today's extent, for the trend of the gemeente).
WITH rows AS (
    SELECT area_id, indicator_key, raw_value,
           NULL::DOUBLE AS ci_low, NULL::DOUBLE AS ci_high, NULL::DOUBLE AS standard_error,
           NULL::BIGINT AS n_unweighted, NULL::DOUBLE AS n_effective, NULL::DOUBLE AS cv,
           NULL::BOOLEAN AS caution, NULL::BOOLEAN AS significant_vs_city, period, missing
    FROM ratio_values
    UNION ALL BY NAME
    SELECT * FROM rivm_estimates
    UNION ALL BY NAME
    SELECT * FROM survey_values
),
kept AS (
    SELECT r.*, a.layout, a.area_level,
           m.source, m.decimals, m.direction, m.in_compass, m.min_n,
           CASE WHEN m.source = 'register' AND $no_registers THEN 'no_registers'
                ELSE coalesce(r.missing, CASE WHEN r.raw_value IS NULL THEN 'not_available' END)
           END AS reason
    FROM rows r
    JOIN edition_areas a USING (area_id)
    JOIN indicator_meta m USING (indicator_key)
    WHERE a.layout IN ('cbs', 'harmonised') AND a.area_level = 'gemeente'
       OR a.layout = 'cbs' OR a.area_level NOT IN ('buurt', 'gemeente')
)
SELECT * REPLACE (
       CASE WHEN reason IS NULL THEN raw_value END AS raw_value,
       CASE WHEN reason IS NULL THEN ci_low END AS ci_low,
       CASE WHEN reason IS NULL THEN ci_high END AS ci_high,
       CASE WHEN reason IS NULL THEN standard_error END AS standard_error,
       CASE WHEN reason IS NULL THEN significant_vs_city END AS significant_vs_city,
       reason IS NULL AND coalesce(modelled, false) AS modelled)
FROM kept
