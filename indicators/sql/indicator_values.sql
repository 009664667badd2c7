-- indicator_values: the output contract: every edition on today's areas, with its trend
-- reads: series, indicator_meta
-- writes: indicator_values
-- materialise: table
--
-- Trend columns on every row, against the previous edition of the same area and indicator:
-- ``change`` (value - previous, in the unit: percentage points for %); for survey figures
-- ``change_se = sqrt(se1^2 + se2^2)`` and ``change_z`` (two independent weighted estimates)
-- with ``change_significant`` at the configured level (with no sampling error at all, e.g. 0 %
-- in both editions, z is empty and only a non-zero change is significant); CBS and register
-- figures count the whole population, they are not tested. ``trend`` is better | worse
-- (judged indicators) or higher | lower (neutral ones), or ``stable`` for a survey change that
-- is not significant or a change that rounds to 0; ``trend_reason`` is a code saying why there
-- is no trend (indicators/messages.yml). An indicator with a definition break
-- (``comparable_since``) has no trend across the break.
-- The development compass scores changes as the state compass scores levels:
-- compass_index(change, C, direction) with C the mean absolute change of the CBS wijken for the
-- indicator and edition; a survey change that is not significant scores 100.
WITH ordered AS (
    SELECT s.*, m.direction, m.comparable_since, m.in_compass,
           lag(edition) OVER w AS previous_edition,
           lag(raw_value) OVER w AS previous_raw,
           lag(standard_error) OVER w AS previous_se,
           lag(harmonisation) OVER w AS previous_harmonisation
    FROM series s JOIN indicator_meta m USING (indicator_id)
    WINDOW w AS (PARTITION BY layout, area_level, area_code, indicator_id ORDER BY edition)
),
changed AS (
    SELECT *,
        CASE WHEN previous_edition IS NULL THEN 'first_edition'
             WHEN harmonisation = 'not_comparable' OR previous_harmonisation = 'not_comparable'
                 THEN 'not_comparable'
             WHEN comparable_since IS NOT NULL AND previous_edition < comparable_since
                  AND edition >= comparable_since THEN 'definition_changed'
             WHEN raw_value IS NULL THEN 'no_value'
             WHEN previous_raw IS NULL THEN 'no_previous_value'
        END AS trend_reason,
        raw_value - previous_raw AS raw_change,
        CASE WHEN source = 'survey' THEN sqrt(standard_error ^ 2 + previous_se ^ 2) END
            AS raw_change_se
    FROM ordered
),
tested AS (
    SELECT *,
        CASE WHEN trend_reason IS NULL AND raw_change_se > 0
             THEN raw_change / raw_change_se END AS z
    FROM changed
),
typical_change AS (   -- mean absolute change of the CBS wijken: the scale of development
    SELECT edition, indicator_id, avg(abs(raw_change)) AS typical_change
    FROM tested
    WHERE layout = 'cbs' AND area_level = 'wijk' AND trend_reason IS NULL
    GROUP BY ALL
),
developed AS (
    SELECT t.*,
        CASE WHEN t.trend_reason IS NOT NULL OR NOT t.in_compass THEN NULL
             WHEN t.source = 'survey' AND NOT coalesce(abs(t.z) > $z, t.raw_change <> 0)
                 THEN 100.0
             ELSE compass_index(t.raw_change, c.typical_change, t.direction)
        END AS development_raw
    FROM tested t LEFT JOIN typical_change c USING (edition, indicator_id)
)
SELECT * EXCLUDE (direction, comparable_since, in_compass, previous_raw, previous_se,
                  previous_harmonisation, trend_reason, raw_change, raw_change_se, z,
                  development_raw),
    round(development_raw, 1) AS development_index,
    CASE WHEN trend_reason IS NULL THEN round(previous_raw, decimals) END AS previous_value,
    CASE WHEN trend_reason IS NULL THEN round(raw_change, decimals) END AS change,
    CASE WHEN trend_reason IS NULL THEN raw_change_se END AS change_se,
    z AS change_z,
    CASE WHEN trend_reason IS NULL AND source = 'survey'
         THEN coalesce(abs(z) > $z, raw_change <> 0) END AS change_significant,
    CASE WHEN trend_reason IS NOT NULL THEN NULL
         WHEN source = 'survey' AND NOT coalesce(abs(z) > $z, raw_change <> 0)
             THEN 'stable'
         WHEN round(raw_change, decimals) = 0 THEN 'stable'
         WHEN direction = 'neutral' THEN CASE WHEN raw_change > 0 THEN 'higher' ELSE 'lower' END
         WHEN (raw_change > 0) = (direction = 'higher_is_better') THEN 'better'
         ELSE 'worse' END AS trend,
    trend_reason,
    harmonisation <> 'not_comparable'
        AND NOT coalesce(comparable_since > edition, false) AS comparable,
    compass_band(development_raw, direction = 'neutral') AS development_band
FROM developed
ORDER BY edition, layout, area_level, area_code, indicator_id
