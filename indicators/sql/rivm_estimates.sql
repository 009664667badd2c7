-- rivm_estimates: every RIVM indicator of every area: RIVM's own estimate, or the mean of its parts
-- reads: edition_areas, area_members, rivm_defs, rivm_crosswalk, rivm_values, measure_values, measure_sources
-- writes: rivm_estimates
--
-- RIVM's small-area estimates (table 50090NED, the RIVM year of the edition: $rivm_year, -1
-- when the edition has none) are shares of the residents of an area. An area RIVM publishes
-- (rank 0: through rivm_crosswalk, its own code, or for a buurt recoded since 2020 the RIVM
-- buurten it was made of) has RIVM's own figure, published or not. Any other area (an own wijk,
-- a gebied, a harmonised wijk) is the mean of its parts (whole wijken, else buurten: the first
-- rank whose parts are enough) weighted by their residents of 15 and over (CBS publishes no 18+
-- count per buurt; the 65+ indicators by the residents of 65 and over; all residents where the
-- CBS file has no age groups): a mean over residents,
-- as RIVM's own figures are. Parts without a figure (RIVM publishes none for a buurt with too
-- few residents) may hold at most 1 - $rivm_min_coverage of the area's weight.
WITH measured AS (  -- the variables RIVM measured in the year at all (its figure of the country)
    SELECT DISTINCT variable FROM rivm_values
    WHERE year = $rivm_year AND area_level = 'land' AND value IS NOT NULL
),
member_data AS (
    SELECT DISTINCT data_id, member_level, member_code FROM area_members
),
weight_measures AS (
    SELECT DISTINCT measure_id, measure FROM measure_sources
    WHERE measure IN ('cbs.population', 'cbs.aged_0_14', 'cbs.aged_65_plus')
),
weights AS (    -- residents 15+ and 65+ of every area that carries data (all residents where
                -- CBS publishes no age groups: the national 43-column file)
    SELECT v.data_id,
           coalesce(max(CASE WHEN w.measure = 'cbs.population' THEN v.value END)
                      - max(CASE WHEN w.measure = 'cbs.aged_0_14' THEN v.value END),
                    max(CASE WHEN w.measure = 'cbs.population' THEN v.value END)) AS w_15,
           coalesce(max(CASE WHEN w.measure = 'cbs.aged_65_plus' THEN v.value END),
                    max(CASE WHEN w.measure = 'cbs.population' THEN v.value END)) AS w_65
    FROM measure_values v JOIN weight_measures w USING (measure_id)
    GROUP BY v.data_id
),
observed AS (   -- RIVM's figure of every area that carries data and is in RIVM's division
    SELECT m.data_id, d.indicator_key,
           sum(r.value * x.share) / nullif(sum(x.share) FILTER (WHERE r.value IS NOT NULL), 0)
             AS value
    FROM member_data m
    JOIN rivm_crosswalk x
      ON x.area_code = m.member_code AND x.area_level = m.member_level
     AND x.area_year = $area_year
    JOIN rivm_values r ON r.area_code = x.source_code AND r.year = $rivm_year
    JOIN rivm_defs d ON d.variable = r.variable
    GROUP BY ALL
),
own AS (        -- rank 0: the area is one of RIVM's (its figure may be unpublished)
    SELECT m.area_id, o.indicator_key, o.value
    FROM area_members m JOIN observed o USING (data_id)
    WHERE m.rank = 0
),
parts AS (      -- ranks 1 and 2: the weighted mean of the parts with a figure
    SELECT m.area_id, m.rank, d.indicator_key,
           sum(o.value * CASE d.age_group WHEN '65+' THEN w.w_65 ELSE w.w_15 END)
             / nullif(sum(CASE WHEN o.value IS NOT NULL
                               THEN CASE d.age_group WHEN '65+' THEN w.w_65 ELSE w.w_15 END
                          END), 0) AS value,
           sum(CASE WHEN o.value IS NOT NULL
                    THEN CASE d.age_group WHEN '65+' THEN w.w_65 ELSE w.w_15 END END)
             / nullif(sum(CASE d.age_group WHEN '65+' THEN w.w_65 ELSE w.w_15 END), 0)
             AS coverage
    FROM area_members m
    CROSS JOIN rivm_defs d
    LEFT JOIN observed o ON o.data_id = m.data_id AND o.indicator_key = d.indicator_key
    LEFT JOIN weights w ON w.data_id = m.data_id
    WHERE m.rank > 0
    GROUP BY ALL
),
from_parts AS ( -- the first rank whose parts hold enough of the area's residents
    SELECT area_id, indicator_key, arg_min(value, rank) AS value
    FROM parts
    WHERE value IS NOT NULL AND coverage >= $rivm_min_coverage
    GROUP BY ALL
)
SELECT a.area_id, d.indicator_key,
       CASE WHEN $rivm_year < 0 OR d.variable NOT IN (SELECT variable FROM measured) THEN NULL
            WHEN own.indicator_key IS NOT NULL THEN own.value
            ELSE p.value END AS raw_value,
       CASE WHEN $rivm_year >= 0 THEN $rivm_year END AS period,
       CASE WHEN $rivm_year < 0 THEN 'no_rivm'
            WHEN d.variable NOT IN (SELECT variable FROM measured) THEN 'rivm_not_measured'
            WHEN own.indicator_key IS NOT NULL AND own.value IS NULL THEN 'rivm_not_published'
            WHEN own.indicator_key IS NOT NULL THEN NULL
            WHEN p.value IS NOT NULL THEN NULL
            WHEN a.area_level = 'buurt' THEN 'not_in_division'
            ELSE 'parts_missing' END AS missing
FROM edition_areas a
CROSS JOIN rivm_defs d
LEFT JOIN own ON own.area_id = a.area_id AND own.indicator_key = d.indicator_key
LEFT JOIN from_parts p ON p.area_id = a.area_id AND p.indicator_key = d.indicator_key
