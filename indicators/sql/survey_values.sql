-- survey_values: every survey indicator of every area: estimate, interval, test, suppression
-- reads: survey_area_sums, survey_items, edition_areas, t_quantiles, small_area_estimates
-- writes: survey_values
-- materialise: ephemeral
--
-- From the weighted sums of an area (n, sw = sum w, swy = sum w*y, swy2 = sum w*y^2,
-- sw2 = sum w^2):
--   estimate     swy / sw (a share: y is 0/1)
--   effective n  sw^2 / sw2 (Kish: n / deff with deff = 1 + CV^2 of the weights)
--   share        se = sqrt(p (1 - p) / n_eff); Wilson (or logit) interval on n_eff, so it
--                never leaves 0-100 %
--   mean         weighted variance (n/(n-1) corrected) over n_eff; t interval, df = n_eff - 1
--                (the quantile of t from t_quantiles: DuckDB has none)
--   significance against the rest of the gemeente (the gemeente's sums minus the area's):
--                two independent estimates, z = (x1 - x2) / sqrt(se1^2 + se2^2)
--   suppression  fewer respondents than min_n, or a coefficient of variation above max_cv;
--                a question not asked in the wave
--   model        where the direct figure is suppressed for too few respondents or its CV,
--                the small-area model's estimate if it has one (small_area_estimates,
--                indicators.small_area_model): its value, 95 % interval and MSE, published
--                when its CV (sqrt(MSE) / value) is at most max_cv (else model_cv_too_high);
--                it differs from the city when its interval excludes the city's value
-- NULL, never NaN: DuckDB orders NaN above every number, so an unguarded 0/0 would pass a
-- threshold.
{%- macro nonnegative(x) -%} (CASE WHEN {{ x }} < 0 THEN 0 ELSE {{ x }} END) {%- endmacro %}
{%- macro unit(x) -%}
    (CASE WHEN {{ x }} < 0 THEN 0 WHEN {{ x }} > 1 THEN 1 ELSE {{ x }} END)
{%- endmacro %}
{%- macro estimate(p) %}
           CASE WHEN {{ p }}sw2 > 0 THEN {{ p }}sw * {{ p }}sw / {{ p }}sw2 ELSE 0 END
               AS {{ p }}n_eff,
           CASE WHEN {{ p }}sw > 0 THEN {{ p }}swy / {{ p }}sw END AS {{ p }}est
{%- endmacro %}
{%- macro standard_error(p) %}
           CASE WHEN statistic = 'share'
                THEN sqrt({{ nonnegative(p ~ 'est * (1 - ' ~ p ~ 'est)') }} / {{ p }}n_eff)
                ELSE sqrt({{ nonnegative(p ~ 'swy2 / ' ~ p ~ 'sw - ' ~ p ~ 'est * ' ~ p ~ 'est') }}
                          * CASE WHEN {{ p }}n > 1 THEN {{ p }}n / ({{ p }}n - 1) END
                          / {{ p }}n_eff)
           END AS {{ p }}se
{%- endmacro %}
WITH sums AS (
    SELECT s.area_id, s.indicator_key, a.layout, a.area_level, i.statistic, i.asked, i.min_n,
           s.n::DOUBLE AS n, s.sw, s.swy, s.swy2, s.sw2
    FROM survey_area_sums s
    JOIN edition_areas a USING (area_id)
    JOIN survey_items i USING (indicator_key)
),
city AS (SELECT layout, indicator_key, n, sw, swy, swy2, sw2 FROM sums WHERE area_level = 'gemeente'),
parts AS (   -- the area and the rest of the gemeente
    SELECT s.*, c.n - s.n AS r_n, c.sw - s.sw AS r_sw, c.swy - s.swy AS r_swy,
           c.swy2 - s.swy2 AS r_swy2, c.sw2 - s.sw2 AS r_sw2,
           CASE WHEN c.sw > 0 THEN c.swy / c.sw END AS city_est
    FROM sums s LEFT JOIN city c USING (layout, indicator_key)
),
estimated AS (
    SELECT *, {{ estimate('') }}, {{ estimate('r_') }}
    FROM parts
),
spread AS (
    SELECT *, {{ standard_error('') }}, {{ standard_error('r_') }}
    FROM estimated
),
intervals AS (
    SELECT s.*, q.t,
        1 + $z * $z / n_eff AS w_denominator,
        CASE WHEN est <= 0 OR est >= 1 THEN NULL
             ELSE 1 / sqrt(n_eff * est * (1 - est)) END AS logit_se,
        CASE WHEN est <= 0 OR est >= 1 THEN NULL ELSE ln(est / (1 - est)) END AS logit
    FROM spread s LEFT JOIN t_quantiles q USING (area_id, indicator_key)
),
bounds AS (
    SELECT *,
        (est + $z * $z / (2 * n_eff)) / w_denominator AS w_centre,
        $z * sqrt({{ nonnegative('est * (1 - est) / n_eff + $z * $z / (4 * n_eff * n_eff)') }})
            / w_denominator AS w_half
    FROM intervals
),
tested AS (
    SELECT *,
        CASE WHEN statistic = 'mean' THEN est - t * se
             WHEN $interval = 'logit' AND logit IS NOT NULL
                 THEN 1 / (1 + exp(-(logit - $z * logit_se)))
             ELSE {{ unit('w_centre - w_half') }} END AS lo,
        CASE WHEN statistic = 'mean' THEN est + t * se
             WHEN $interval = 'logit' AND logit IS NOT NULL
                 THEN 1 / (1 + exp(-(logit + $z * logit_se)))
             ELSE {{ unit('w_centre + w_half') }} END AS hi,
        CASE WHEN area_level = 'gemeente' OR est IS NULL OR r_est IS NULL OR se IS NULL
                  OR r_se IS NULL THEN NULL
             WHEN se * se + r_se * r_se > 0
                 THEN abs(est - r_est) / sqrt(se * se + r_se * r_se) > $z
             WHEN est <> r_est THEN true      -- no sampling error at all, yet different
        END AS significant,
        CASE WHEN est > 0 THEN se / est END AS cv
    FROM bounds
),
judged AS (
    SELECT *,
        CASE WHEN NOT asked THEN 'not_asked'
             WHEN n < min_n THEN 'too_few_respondents'
             WHEN cv > $max_cv THEN 'cv_too_high' END AS missing,
        CASE WHEN statistic = 'share' THEN 100.0 ELSE 1.0 END AS factor
    FROM tested
),
with_model AS (   -- the model's figure where the direct one is not published
    SELECT j.*, m.model_value, m.model_low, m.model_high, m.model_mse,
           coalesce(j.missing IN ('too_few_respondents', 'cv_too_high')
                    AND m.model_value IS NOT NULL, false) AS model,
           CASE WHEN m.model_value > 0 THEN sqrt(m.model_mse) / m.model_value END AS model_cv
    FROM judged j LEFT JOIN small_area_estimates m USING (area_id, indicator_key)
),
chosen AS (
    SELECT area_id, indicator_key, statistic, n, n_eff, factor, t,
           CASE WHEN model THEN model_value ELSE est END AS est,
           CASE WHEN model THEN model_low ELSE lo END AS lo,
           CASE WHEN model THEN model_high ELSE hi END AS hi,
           CASE WHEN model THEN sqrt(model_mse) ELSE se END AS se, model,
           CASE WHEN model THEN model_cv ELSE cv END AS cv,
           CASE WHEN NOT model THEN significant
                WHEN city_est IS NULL OR area_level = 'gemeente' THEN NULL
                ELSE city_est < model_low OR city_est > model_high END AS significant,
           CASE WHEN NOT model THEN missing
                WHEN model_cv IS NULL OR model_cv > $max_cv THEN 'model_cv_too_high' END
               AS missing
    FROM with_model
)
SELECT area_id, indicator_key, est * factor AS raw_value, lo * factor AS ci_low,
       hi * factor AS ci_high, se * factor AS standard_error, n::BIGINT AS n_unweighted,
       n_eff AS n_effective, cv, coalesce(cv > $caution_cv AND missing IS NULL, false) AS caution,
       significant AS significant_vs_city, $wave::BIGINT AS period, missing,
       model AND missing IS NULL AS modelled   -- its MSE is standard_error^2
FROM chosen
