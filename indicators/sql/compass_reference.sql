-- compass_reference: per indicator the gemeente value and the typical distance of the wijken
-- reads: indicator_rows
-- writes: compass_reference
-- materialise: ephemeral
--
-- What the compass index of every area is measured against (indicators.compass_index): the
-- published value of the CBS gemeente, and the mean absolute deviation of the published
-- values of the CBS wijken from it.
WITH reference AS (
    SELECT indicator_key, raw_value AS reference_raw
    FROM indicator_rows WHERE layout = 'cbs' AND area_level = 'gemeente'
),
typical AS (
    SELECT r.indicator_key, avg(abs(r.raw_value - g.reference_raw)) AS typical_distance
    FROM indicator_rows r JOIN reference g USING (indicator_key)
    WHERE r.layout = 'cbs' AND r.area_level = 'wijk'
    GROUP BY r.indicator_key
)
SELECT indicator_key, reference_raw, typical_distance
FROM reference LEFT JOIN typical USING (indicator_key)
