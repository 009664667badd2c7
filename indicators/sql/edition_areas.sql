-- edition_areas: every area of the edition's area year, of every layout, numbered
-- reads: areas, harmonised_areas
-- writes: edition_areas
--
-- The CBS layout, every own layout and, when an earlier edition is recomputed on today's areas,
-- the layouts ``harmonised`` and ``harmonised:<own layout>`` (today's wijken and gebieden as
-- sets of the earlier year's buurten, geo.crosswalk). ``area_id`` is the key of every later
-- model: joins on a number, the names are joined back at the end.
SELECT (row_number() OVER (ORDER BY layout, area_level, area_code))::INTEGER AS area_id,
       layout, area_level, area_code, area_name, parent_code
FROM (
    SELECT layout, area_level, area_code, area_name, parent_code
    FROM areas WHERE year = $area_year
    UNION ALL
    SELECT layout, area_level, area_code, area_name, parent_code
    FROM harmonised_areas WHERE year = $area_year
)
