-- area_members: which areas that carry figures make up each area, by rank of preference
-- reads: edition_areas, area_buurten, harmonised_area_buurten
-- writes: area_members
--
-- For every area of the edition, the ways to build it from areas that carry data (``rank``):
--   0  the area itself, when it is a CBS area (buurt BU, wijk WK, gemeente GM, land NL): CBS's own
--      published figure, with CBS's own rounding and secrecy;
--   1  whole CBS wijken, when the area is exactly a union of wijken (a gebied of the CBS
--      layout, an own wijk equal to a CBS wijk, the gemeente): wijk figures are less often
--      secret than buurt figures;
--   2  its buurten (always possible: every level is a set of buurten).
-- A measure of an area is taken from the first rank at which every member has a value
-- (measure_totals), so a total is never silently made of part of an area. Harmonised areas
-- carry today's codes for the earlier year's buurten, so they never take rank 0 (the earlier
-- figure of the same code may cover another area). ``data_id`` numbers the members.
WITH ab AS (
    SELECT a.area_id, a.layout, a.area_level, a.area_code, b.buurt_code
    FROM (SELECT layout, area_level, area_code, buurt_code
          FROM area_buurten WHERE year = $area_year
          UNION ALL
          SELECT layout, area_level, area_code, buurt_code
          FROM harmonised_area_buurten WHERE year = $area_year) b
    JOIN edition_areas a USING (layout, area_level, area_code)
),
wijk_of AS (
    SELECT area_code AS wijk, buurt_code FROM ab WHERE layout = 'cbs' AND area_level = 'wijk'
),
wijk_size AS (SELECT wijk, count(*) AS n FROM wijk_of GROUP BY wijk),
area_size AS (SELECT area_id, count(*) AS n FROM ab GROUP BY area_id),
whole_wijken AS (   -- wijken lying wholly inside an area of a level above wijk
    SELECT ab.area_id, w.wijk, count(*) AS n_in
    FROM ab JOIN wijk_of w USING (buurt_code)
    WHERE ab.area_level <> 'buurt' AND NOT (ab.layout = 'cbs' AND ab.area_level = 'wijk')
    GROUP BY ALL
),
covering AS (       -- areas exactly covered by whole wijken
    SELECT ww.area_id
    FROM whole_wijken ww
    JOIN wijk_size ws USING (wijk)
    JOIN area_size s USING (area_id)
    WHERE ww.n_in = ws.n
    GROUP BY ww.area_id
    HAVING sum(ww.n_in) = any_value(s.n)
),
members AS (
    SELECT area_id, 0 AS rank, area_level AS member_level, area_code AS member_code
    FROM edition_areas
    WHERE regexp_matches(area_code, '^(BU|WK|GM|NL)') AND NOT starts_with(layout, 'harmonised')
    UNION ALL
    SELECT ww.area_id, 1, 'wijk', ww.wijk
    FROM whole_wijken ww
    JOIN covering c USING (area_id)
    JOIN wijk_size ws USING (wijk)
    WHERE ww.n_in = ws.n
    UNION ALL
    SELECT area_id, 2, 'buurt', buurt_code FROM ab
)
SELECT area_id, rank::TINYINT AS rank, member_level, member_code,
       (dense_rank() OVER (ORDER BY member_level, member_code))::INTEGER AS data_id
FROM members
ORDER BY area_id, rank, data_id   -- sums over an area's members then fill one group at a time
