-- series: every edition on today's areas, before the trend columns
-- reads: edition_values, indicator_meta, areas, area_buurten, harmonised_area_buurten, area_crosswalk, area_crosswalk_wijken
-- writes: series
--
-- * the newest edition, and every edition published on the same area year, as computed
--   (``harmonisation = 'native'``);
-- * an earlier edition on another area year: its ``harmonised`` rows (today's wijken and
--   gebieden recomputed from that year's buurten, geo.crosswalk), relabelled to the CBS
--   layout, for today's wijken, gebieden and gemeente (``identical`` when the area is made of
--   exactly the same buurten, else ``reaggregated``). An area that did not exist then (no
--   earlier buurten, or only part of it, e.g. the gemeente before the 2019 merger with Haren
--   and Ten Boer) gets no value: ``suppression_reason = 'not_comparable'``. Own layouts on
--   today's area year are harmonised the same way (``harmonised:<layout>``; ``identical``
--   when an own area is made of exactly the same buurt codes then and now). Buurten are not
--   harmonised.
-- Names come from ``areas`` of today, the indicator's unit, source and theme from the
-- catalogue (indicator_meta); codes are VARCHAR again (edition_values stores them as ENUMs).
WITH plan AS (SELECT unnest($editions) AS edition, unnest($area_years) AS area_year),
pairs AS (    -- today's layout and the layout an earlier edition is recomputed on for it
    SELECT unnest($layouts) AS layout, unnest($harmonised) AS harmonised
),
today AS (SELECT * FROM areas WHERE year = $target_year),
native AS (   -- editions published on today's area year, as computed
    SELECT v.edition, a.layout, v.area_code, a.area_name, a.area_level, a.parent_code,
           m.indicator_id, m.source, m.quadrant, m.theme, v.value, m.unit, m.decimals,
           v.ci_low, v.ci_high, v.standard_error, v.estimate_kind::VARCHAR AS estimate_kind,
           v.mse, v.n_unweighted, v.n_effective, v.cv,
           v.caution, v.reference_value, v."index", v.band::VARCHAR AS band,
           v.significant_vs_city, v.suppressed,
           v.suppression_reason::VARCHAR AS suppression_reason, v.suppression_threshold,
           v.period, m.source IN ('survey', 'register') AS synthetic, v.raw_value,
           'native' AS harmonisation
    FROM edition_values v
    JOIN plan p USING (edition)
    JOIN today a ON a.layout = v.layout::VARCHAR AND a.area_level = v.area_level::VARCHAR
         AND a.area_code = v.area_code
    JOIN indicator_meta m ON m.indicator_id = v.indicator_id::VARCHAR
    WHERE p.area_year = $target_year
),
earlier AS (SELECT edition FROM plan WHERE area_year <> $target_year),
targets AS (  -- today's wijken, gebieden, gemeente x indicators x earlier editions, per layout
    SELECT e.edition, a.layout, p.harmonised, a.area_level, a.area_code, a.area_name,
           a.parent_code, m.*
    FROM earlier e
    CROSS JOIN (SELECT * FROM today WHERE area_level <> 'buurt'
                AND (layout = 'cbs' OR area_level <> 'gemeente')) a
    JOIN pairs p ON p.layout = a.layout
    CROSS JOIN indicator_meta m
),
same_buurten AS (   -- own areas made of exactly the buurten (codes) they have today
    SELECT h.year, t.layout, h.area_level, h.area_code,
           list_sort(list(h.buurt_code)) = any_value(t.buurten) AS identical
    FROM harmonised_area_buurten h
    JOIN (SELECT layout, area_level, area_code, list_sort(list(buurt_code)) AS buurten
          FROM area_buurten WHERE year = $target_year AND layout <> 'cbs' GROUP BY ALL) t
      ON h.layout = 'harmonised:' || t.layout AND t.area_level = h.area_level
     AND t.area_code = h.area_code
    GROUP BY ALL
),
mapped_wijken AS (SELECT DISTINCT from_year, to_code FROM area_crosswalk WHERE to_code IS NOT NULL),
complete AS (  -- areas of today all of whose (CBS) wijken have earlier buurten
    SELECT p.edition, p.area_year, ab.layout, ab.area_level, ab.area_code,
           bool_and(mw.to_code IS NOT NULL) AS complete,
           bool_and(coalesce(cw.identical, false)) AS identical
    FROM plan p
    JOIN (SELECT DISTINCT a.layout, a.area_level, a.area_code, w.area_code AS wijk
          FROM area_buurten a JOIN area_buurten w
            ON w.year = a.year AND w.layout = 'cbs' AND w.area_level = 'wijk'
           AND w.buurt_code = a.buurt_code
          WHERE a.year = $target_year AND a.area_level <> 'buurt'
            AND a.layout IN (SELECT layout FROM pairs)) ab
      ON true
    LEFT JOIN mapped_wijken mw ON mw.from_year = p.area_year AND mw.to_code = ab.wijk
    LEFT JOIN (SELECT from_year, to_code, bool_and(method = 'identical') AS identical
               FROM area_crosswalk_wijken GROUP BY ALL) cw
      ON cw.from_year = p.area_year AND cw.to_code = ab.wijk
    WHERE p.area_year <> $target_year
    GROUP BY ALL
),
harmonised AS (
    SELECT t.edition, t.layout, t.area_level, t.area_code, t.indicator_id,
           c.complete AND h.edition IS NOT NULL AS complete,   -- and earlier buurten made it
           CASE WHEN t.layout = 'cbs' THEN c.identical ELSE coalesce(sb.identical, false) END
               AS identical,
           h.* EXCLUDE (edition, area_level, area_code, indicator_id, layout)
    FROM targets t
    LEFT JOIN complete c USING (edition, layout, area_level, area_code)
    LEFT JOIN same_buurten sb ON sb.year = c.area_year AND sb.layout = t.layout
         AND sb.area_level = t.area_level AND sb.area_code = t.area_code
    LEFT JOIN edition_values h ON h.edition = t.edition AND h.layout::VARCHAR = t.harmonised
         AND h.area_level::VARCHAR = t.area_level AND h.area_code = t.area_code
         AND h.indicator_id::VARCHAR = t.indicator_id
),
relabelled AS (
    SELECT t.edition, t.layout, t.area_code, t.area_name, t.area_level, t.parent_code,
           t.indicator_id, t.source, t.quadrant, t.theme,
           CASE WHEN h.complete THEN h.value END AS value, t.unit, t.decimals,
           CASE WHEN h.complete THEN h.ci_low END AS ci_low,
           CASE WHEN h.complete THEN h.ci_high END AS ci_high,
           CASE WHEN h.complete THEN h.standard_error END AS standard_error,
           CASE WHEN h.complete THEN h.estimate_kind::VARCHAR END AS estimate_kind,
           CASE WHEN h.complete THEN h.mse END AS mse,
           CASE WHEN h.complete THEN h.n_unweighted END AS n_unweighted,
           CASE WHEN h.complete THEN h.n_effective END AS n_effective,
           CASE WHEN h.complete THEN h.cv END AS cv,
           coalesce(h.complete AND h.caution, false) AS caution,
           h.reference_value,
           CASE WHEN h.complete THEN h."index" END AS "index",
           CASE WHEN h.complete THEN h.band::VARCHAR END AS band,
           CASE WHEN h.complete THEN h.significant_vs_city END AS significant_vs_city,
           NOT coalesce(h.complete, false) OR coalesce(h.suppressed, true) AS suppressed,
           CASE WHEN NOT coalesce(h.complete, false) THEN 'not_comparable'
                ELSE coalesce(h.suppression_reason::VARCHAR,
                              CASE WHEN h.value IS NULL THEN 'not_available' END) END
               AS suppression_reason,
           CASE WHEN h.complete THEN h.suppression_threshold END AS suppression_threshold,
           h.period, t.source IN ('survey', 'register') AS synthetic,
           CASE WHEN h.complete THEN h.raw_value END AS raw_value,
           CASE WHEN NOT coalesce(h.complete, false) THEN 'not_comparable'
                WHEN h.identical THEN 'identical' ELSE 'reaggregated' END AS harmonisation
    FROM targets t
    LEFT JOIN harmonised h USING (edition, layout, area_level, area_code, indicator_id)
)
SELECT * FROM native
UNION ALL BY NAME
SELECT * FROM relabelled
