-- survey_area_sums: the survey sums of every area and item: the sums of its buurten
-- reads: edition_areas, area_members, survey_buurt_sums
-- writes: survey_area_sums
--
-- Every area of every level is a set of buurten (area_members, rank 2), so its sums are the
-- sums of its buurten' sums; an area or item without respondents gets zeros (and is
-- suppressed for too few respondents). One row per area and survey item of the catalogue.
WITH wide AS (
    SELECT m.area_id
           {%- for alias, _ in survey.aggregates %},
           sum(s.{{ alias }}) AS {{ alias }}
           {%- endfor %}
    FROM area_members m
    JOIN survey_buurt_sums s ON s.buurt_code = m.member_code
    WHERE m.rank = 2
    GROUP BY m.area_id
),
long AS (    -- one row per area and item: the lists of each sum, unnested side by side
    {%- if survey.items %}
    SELECT a.area_id,
           unnest([{{ survey.items | map(attribute='key') | join(', ') }}]) AS indicator_key
           {%- for sum in ('n', 'sw', 'swy', 'swy2', 'sw2') %},
           unnest([{% for item in survey.items -%}
               {{ 'w.' ~ item.sums[sum] if item.sums[sum] else 0 }}{{ ', ' if not loop.last }}
           {%- endfor %}]) AS {{ sum }}
           {%- endfor %}
    FROM edition_areas a LEFT JOIN wide w USING (area_id)
    {%- else %}   {#- a catalogue without survey indicators #}
    SELECT area_id, NULL::INTEGER AS indicator_key, NULL::BIGINT AS n, NULL::DOUBLE AS sw,
           NULL::DOUBLE AS swy, NULL::DOUBLE AS swy2, NULL::DOUBLE AS sw2
    FROM edition_areas WHERE false
    {%- endif %}
)
SELECT l.area_id, l.indicator_key,
       coalesce(l.n, 0)::BIGINT AS n, coalesce(l.sw, 0)::DOUBLE AS sw,
       coalesce(l.swy, 0)::DOUBLE AS swy, coalesce(l.swy2, 0)::DOUBLE AS swy2,
       coalesce(l.sw2, 0)::DOUBLE AS sw2
FROM long l
