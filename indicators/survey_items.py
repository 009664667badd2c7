"""Survey indicators compiled into one aggregate query per wave.

Each survey indicator becomes two expressions on a respondent: ``b`` (is the respondent in the
base: a valid answer, "weet niet" excluded) and ``y`` (0/1 for a share, the answer or the
construct score for a mean). One pass over the respondents sums, per buurt, the sufficient
statistics n, sum w, sum w*y, sum w*y^2 and sum w^2 of every indicator; every higher level is
then a sum of buurt sums (``indicators.estimates`` turns them into estimates).

Construct scores (codebook ``constructs``) are computed per respondent first:
``mean_0_10`` (agree5 items -> 10 = fully agree, reversed items the other way round),
``mean_0_10_problem`` (problem3 items -> 10 = often, 5 = sometimes, 0 = never) and
``dejong_gierveld`` (number of lonely answers on six lonely3 items, all six needed).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from indicators.catalogue import Catalogue, Indicator
from ingest.survey.codebook import Codebook


@dataclass(frozen=True)
class SurveyItem:
    indicator_id: str
    statistic: str  # share | mean
    base: str  # SQL boolean
    y: str  # SQL numeric
    asked: bool  # the question(s) were asked in this wave
    construct: str | None = None  # the construct whose score it uses


def _in(col: str, values) -> str:
    """``col`` is one of ``values``. list_contains, not IN: with a hundred IN-lists in one
    projection DuckDB's optimizer grows superlinearly (measured: 100 items 0.48 s vs 0.10 s on
    17,000 rows)."""
    return f"list_contains([{', '.join(str(int(v)) for v in values)}], {col})"


def _valid_codes(codebook: Codebook, question: str) -> list[int]:
    scale = codebook.scale_of(question)
    missing = codebook.survey.missing_code
    return sorted(c for c in scale.valid_codes() if c != missing)


def construct_expression(codebook: Codebook, construct_id: str) -> str:
    """SQL for a respondent's score on a construct (NULL below its minimum of items)."""
    c = next(x for x in codebook.constructs if x.id == construct_id)
    parts = []
    for item in c.items:
        q = codebook.by_id[item]
        col = f'"{item}"'
        if c.scoring == "mean_0_10":  # agree5: 1 = fully agree .. 5 = fully disagree
            expr = f"(({col} - 1) / 4.0 * 10)" if q.reverse else f"((5 - {col}) / 4.0 * 10)"
            parts.append(f"CASE WHEN {col} BETWEEN 1 AND 5 THEN {expr} END")
        elif c.scoring == "mean_0_10_problem":  # problem3: 1 often, 2 sometimes, 3 never
            parts.append(f"CASE WHEN {col} BETWEEN 1 AND 3 THEN (3 - {col}) / 2.0 * 10 END")
        else:  # dejong_gierveld: lonely3 1 ja, 2 min of meer, 3 nee
            lonely = "(2, 3)" if q.reverse else "(1, 2)"
            parts.append(f"CASE WHEN {col} BETWEEN 1 AND 3 THEN ({col} IN {lonely})::INTEGER END")
    items = "[" + ", ".join(parts) + "]"
    agg = "list_sum" if c.scoring == "dejong_gierveld" else "list_avg"
    return f"CASE WHEN list_count({items}) >= {c.min_items} THEN {agg}({items}) END"


def compile_item(ind: Indicator, codebook: Codebook, wave: int) -> SurveyItem:
    d = ind.definition
    if d.share or d.mean:
        spec = d.share or d.mean
        q = spec.question
        col = f'"{q}"'
        base = spec.base or _valid_codes(codebook, q)
        asked = wave in codebook.by_id[q].waves
        b = _in(col, base)
        if d.share:
            return SurveyItem(ind.id, "share", b, f"{_in(col, spec.codes)}::DOUBLE", asked)
        return SurveyItem(ind.id, "mean", b, f"{col}::DOUBLE", asked)
    cs = d.scale_score
    construct = next(x for x in codebook.constructs if x.id == cs.id)
    asked = all(wave in codebook.by_id[i].waves for i in construct.items)
    score = f'"c_{cs.id}"'
    if cs.statistic == "mean":
        return SurveyItem(ind.id, "mean", f"{score} IS NOT NULL", score, asked, cs.id)
    return SurveyItem(
        ind.id,
        "share",
        f"{score} IS NOT NULL",
        f"({score} >= {cs.at_least})::DOUBLE",
        asked,
        cs.id,
    )


def compile_items(catalogue: Catalogue, codebook: Codebook, wave: int) -> list[SurveyItem]:
    return [compile_item(i, codebook, wave) for i in catalogue.indicators if i.source == "survey"]


def buurt_sums_sql(items: list[SurveyItem], codebook: Codebook) -> str:
    """The one aggregate query: sufficient statistics per buurt for every asked item, as a
    wide aggregate (one pass, plain sums) unnested to long rows per buurt."""
    asked = [it for it in items if it.asked]
    constructs = sorted({it.construct for it in asked if it.construct})
    used = {q.id for q in codebook.questions if any(f'"{q.id}"' in it.base + it.y for it in asked)}
    used |= {i for c in codebook.constructs if c.id in constructs for i in c.items}
    cols = ["s.buurt_code", "sw.weight AS w", "sw.weight * sw.weight AS w2"]
    cols += [f's."{q}"' for q in sorted(used)]
    cols += [f'{construct_expression(codebook, c)} AS "c_{c}"' for c in constructs]
    # plain CASE WHEN sums straight on the respondent rows: measured fastest in DuckDB 1.5
    # (2M respondents: 8.6 s, against 19.5 s for precomputed flag columns and 53 s for FILTER);
    # for a share y is 0/1, so sum w*y^2 = sum w*y is not summed twice; names carry a
    # separator (sw2_1 is not sw_21)
    aggs = ",\n        ".join(
        f"count(CASE WHEN {it.base} THEN 1 END) AS n_{k}, "
        f"sum(CASE WHEN {it.base} THEN w END) AS sw_{k}, "
        f"sum(CASE WHEN {it.base} THEN w * {it.y} END) AS swy_{k}, "
        + (
            f"sum(CASE WHEN {it.base} THEN w * {it.y} * {it.y} END) AS swy2_{k}, "
            if it.statistic == "mean"
            else ""
        )
        + f"sum(CASE WHEN {it.base} THEN w2 END) AS sw2_{k}"
        for k, it in enumerate(asked)
    )
    structs = ",\n            ".join(
        f"{{'indicator_id': '{it.indicator_id}', 'n': n_{k}, 'sw': sw_{k}, 'swy': swy_{k}, "
        f"'swy2': {f'swy2_{k}' if it.statistic == 'mean' else f'swy_{k}'}, 'sw2': sw2_{k}}}"
        for k, it in enumerate(asked)
    )
    return f"""
CREATE OR REPLACE TEMP TABLE survey_buurt_sums AS
WITH scored AS (
    SELECT {", ".join(cols)}
    FROM survey_responses s
    JOIN survey_weights sw USING (wave, respondent_id)
    WHERE s.wave = $wave
),
per_buurt AS (
    SELECT buurt_code,
        {aggs}
    FROM scored GROUP BY buurt_code
)
SELECT buurt_code, UNNEST([
            {structs}
        ], recursive := true)
FROM per_buurt
"""


AREA_SUMS_SQL = """
CREATE OR REPLACE TEMP TABLE survey_area_sums AS
SELECT m.layout, m.area_level, m.area_code, s.indicator_id,
       sum(s.n) AS n, sum(s.sw) AS sw, sum(s.swy) AS swy, sum(s.swy2) AS swy2,
       sum(s.sw2) AS sw2
FROM area_members m
JOIN survey_buurt_sums s ON m.rank = 2 AND s.buurt_code = m.member_code
GROUP BY ALL
"""


def compute_survey_sums(
    con: duckdb.DuckDBPyConnection, items: list[SurveyItem], codebook: Codebook, wave: int
) -> None:
    """Fill temp tables survey_buurt_sums and survey_area_sums (needs area_members and the
    warehouse tables survey_responses and survey_weights)."""
    if any(it.asked for it in items):
        con.execute(buurt_sums_sql(items, codebook), {"wave": wave})
    else:  # nothing of the catalogue was asked in this wave
        con.execute(
            "CREATE OR REPLACE TEMP TABLE survey_buurt_sums (buurt_code VARCHAR, "
            "indicator_id VARCHAR, n BIGINT, sw DOUBLE, swy DOUBLE, swy2 DOUBLE, sw2 DOUBLE)"
        )
    con.execute(AREA_SUMS_SQL)
