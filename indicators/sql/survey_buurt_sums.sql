-- survey_buurt_sums: per buurt the weighted sums of every survey item asked in the wave
-- reads: survey_responses, survey_weights
-- writes: survey_buurt_sums
--
-- One pass over the wave's respondents. Each item (indicators.survey_items) has a base (a
-- valid answer; "weet niet" is outside it) and a y (0/1 for a share, the answer or construct
-- score for a mean); per buurt the pass sums n, sum w, sum w*y, sum w*y^2 and sum w^2 over the
-- base. Each condition is evaluated once per respondent, into a weighted column (the weight
-- where it holds, NULL elsewhere); the sums are plain aggregates of those columns. An
-- aggregate two items share (the same base) is computed once. Every higher level is a sum of
-- buurt sums (survey_area_sums).
WITH scored AS (
    SELECT s.buurt_code, sw.weight AS w
           {%- for column in survey.columns %},
           {{ column }}
           {%- endfor %}
    FROM survey_responses s
    JOIN survey_weights sw USING (wave, respondent_id)
    WHERE s.wave = $wave
),
weighted AS (
    SELECT buurt_code
           {%- for column in survey.carried %},
           {{ column }}
           {%- endfor %}
           {%- for alias, expression in survey.weighted %},
           {{ expression }} AS {{ alias }}
           {%- endfor %}
    FROM scored
)
SELECT buurt_code
       {%- for alias, expression in survey.aggregates %},
       {{ expression }} AS {{ alias }}
       {%- endfor %}
FROM weighted
GROUP BY buurt_code
