"""The indicator engine: every indicator of the catalogue, for every area of every level.

Per edition (``data/editions.yml``):

1. ``area_members`` — how each area is built from published areas (``indicators.members``);
2. CBS and register ratios in three set-based queries (``indicators.ratios``);
3. survey weights, raked to the CBS margins of the edition (``indicators.weights``);
4. survey sufficient statistics in one aggregate query (``indicators.survey_items``), turned
   into estimates, intervals, tests and suppression (``indicators.estimates``);
5. the compass index and band per indicator and area (``indicators.compass_index``).

The result is one long frame in the output contract of ``indicator_values``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from indicators import compass_index, estimates
from indicators.catalogue import Catalogue
from indicators.members import build_area_members
from indicators.ratios import compute_ratios
from indicators.survey_items import compile_items, compute_survey_sums
from indicators.weights import RakingResult, rake_arrays
from ingest.survey.codebook import Codebook

SUPPRESSION_NOTES = {
    "secret": "CBS houdt dit cijfer geheim (te weinig waarnemingen of onthullingsrisico)",
    "secret_map": "CBS houdt dit cijfer geheim (te weinig waarnemingen of onthullingsrisico)",
    "not_available": "Geen cijfer beschikbaar voor dit jaar",
    "empty": "Geen cijfer beschikbaar voor dit jaar",
    "parts_missing": "Niet voor alle delen van dit gebied een cijfer beschikbaar",
    "zero_denominator": "Geen noemer (0) in dit gebied",
    "no_registers": "Deze editie heeft geen gemeentelijke registraties",
}
# notes with figures (printf templates, filled in by FINISH_SQL)
NOTE_TOO_FEW = "Minder dan %d respondenten (n = %d)"
NOTE_CV = "Te onbetrouwbaar: variatiecoëfficiënt %d%% boven %d%%"
NOTE_SMALL_COUNT = "Minder dan %d geregistreerde gevallen (onthullingsbeveiliging)"
NOTE_NOT_ASKED = "Niet gesteld in de enquête van %d"


LAST_TIMINGS: dict[str, float] = {}  # seconds per step of the last compute_edition_table


class _Clock:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._t = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._t, 2)
        self._t = now


@dataclass(frozen=True)
class EditionPlan:
    edition: int
    area_year: int
    cbs_years: tuple[int, ...]
    wave: int
    register_year: int | None


def age_margin_measures(settings: dict) -> list[dict]:
    return settings["raking"]["age_margins"]


def margin_measures(settings: dict) -> list[str]:
    sex = settings["raking"]["sex_margins"]
    return [a["measure"] for a in age_margin_measures(settings)] + [sex["men"], sex["women"]]


def survey_margins(con: duckdb.DuckDBPyConnection, settings: dict) -> pd.DataFrame:
    """CBS population 16+ per wijk by age group and sex (needs temp table measure_totals)."""
    ages = age_margin_measures(settings)
    sex = settings["raking"]["sex_margins"]
    wanted = margin_measures(settings)
    frame = con.execute(
        """SELECT area_code AS wijk_code, measure, total FROM measure_totals
           WHERE layout = 'cbs' AND area_level = 'wijk' AND list_contains($m, measure)""",
        {"m": wanted},
    ).df()
    wide = frame.pivot(index="wijk_code", columns="measure", values="total")
    missing = [m for m in wanted if m not in wide.columns]
    if missing:
        raise ValueError(f"raking margins: measures {missing} have no CBS wijk figures")
    out = pd.DataFrame({"wijk_code": wide.index})
    for k, a in enumerate(ages):
        out[f"age_{k}"] = wide[a["measure"]].to_numpy() * a["factor"]
    out["men"] = wide[sex["men"]].to_numpy()
    out["women"] = wide[sex["women"]].to_numpy()
    if out.isna().any().any():
        bad = out[out.isna().any(axis=1)]["wijk_code"].tolist()
        raise ValueError(f"raking margins: CBS population by age/sex missing for wijken {bad}")
    return out


def _areas_and_ratios(con, catalogue, plan: EditionPlan, settings: dict, only_measures=None):
    """The area members of the plan's year and its CBS/register measure totals (and ratios,
    unless ``only_measures`` asks for just some totals)."""
    build_area_members(con, plan.area_year)
    compute_ratios(
        con,
        catalogue,
        list(plan.cbs_years),
        plan.register_year,
        settings["register"]["min_count"],
        only_measures=only_measures,
    )


def compute_weights(
    con: duckdb.DuckDBPyConnection, catalogue: Catalogue, plan: EditionPlan, settings: dict
) -> RakingResult:
    """Raked weights of the plan's survey wave (uses the warehouse table survey_responses)."""
    _areas_and_ratios(con, catalogue, plan, settings, only_measures=margin_measures(settings))
    margins = survey_margins(con, settings)
    # Arrow all the way: 2 million respondent ids never become Python objects
    resp = con.execute(
        "SELECT respondent_id, wijk_code, leeftijd, geslacht FROM survey_responses "
        "WHERE wave = $wave",
        {"wave": plan.wave},
    ).arrow()
    if isinstance(resp, pa.RecordBatchReader):
        resp = resp.read_all()
    wijk_idx = pc.index_in(resp["wijk_code"], value_set=pa.array(margins["wijk_code"]))
    if wijk_idx.null_count:
        bad = pc.filter(resp["wijk_code"], pc.is_null(wijk_idx))[0].as_py()
        raise ValueError(f"respondent in wijk {bad!r} without CBS margins")
    r = settings["raking"]
    groups = [a["ages"] for a in age_margin_measures(settings)]
    w, stats = rake_arrays(
        wijk_idx.to_numpy(),
        resp["leeftijd"].to_numpy(),
        resp["geslacht"].to_numpy(zero_copy_only=False),
        margins,
        groups,
        bounds=tuple(r["weight_bounds"]),
        max_iterations=r["max_iterations"],
        tolerance=r["tolerance"],
        min_cell=r["min_cell"],
    )
    weights = pa.table(
        {
            "wave": pa.array(np.full(len(w), plan.wave, dtype=np.int64)),
            "respondent_id": resp["respondent_id"],
            "weight": pa.array(w),
        }
    )
    return RakingResult(weights, **stats)


def _survey_estimates(
    sums: pd.DataFrame, catalogue: Catalogue, items, settings: dict
) -> pd.DataFrame:
    """Estimates per (layout, level, area, indicator) from summed sufficient statistics."""
    conf = settings["confidence"]
    s = settings["survey"]
    z = float(estimates.stats.norm.ppf(0.5 + conf / 2))
    by_id = catalogue.by_id()
    stat = {it.indicator_id: it.statistic for it in items}
    asked = {it.indicator_id: it.asked for it in items}
    city = sums[sums["area_level"] == "gemeente"][
        ["layout", "indicator_id", "n", "sw", "swy", "swy2", "sw2"]
    ].rename(columns=lambda c: c if c in ("layout", "indicator_id") else f"city_{c}")
    df = sums.merge(city, on=["layout", "indicator_id"], how="left")
    for c in ("n", "sw", "swy", "swy2", "sw2"):
        df[f"rest_{c}"] = df[f"city_{c}"] - df[c]
    is_share = df["indicator_id"].map(stat).eq("share").to_numpy()

    def estimate(prefix: str):
        n, sw, swy, swy2, sw2 = (
            df[f"{prefix}{c}"].to_numpy(float) for c in ("n", "sw", "swy", "swy2", "sw2")
        )
        sh = estimates.share_estimate(sw, swy, sw2, z, s["share_interval"])
        mn = estimates.mean_estimate(n, sw, swy, swy2, sw2, conf)
        return [np.where(is_share, a, b) for a, b in zip(sh, mn, strict=True)]

    est, se, lo, hi, n_eff = estimate("")
    rest_est, rest_se, *_ = estimate("rest_")
    _, significant = estimates.difference_test(est, se, rest_est, rest_se, conf)
    significant = np.where(df["area_level"].eq("gemeente"), np.nan, significant)
    cv = estimates.coefficient_of_variation(est, se)
    min_n = df["indicator_id"].map({i: by_id[i].min_n or s["min_n"] for i in stat}).to_numpy()
    reason = estimates.suppression(df["n"].to_numpy(float), cv, min_n, s["max_cv"])
    factor = np.where(is_share, 100.0, 1.0)
    out = pd.DataFrame(
        {
            "layout": df["layout"],
            "area_level": df["area_level"],
            "area_code": df["area_code"],
            "indicator_id": df["indicator_id"],
            "raw_value": est * factor,
            "ci_low": lo * factor,
            "ci_high": hi * factor,
            "standard_error": se * factor,
            "n_unweighted": df["n"].astype("Int64"),
            "n_effective": n_eff,
            "cv": cv,
            "significant_vs_city": significant,
            "missing": reason,
        }
    )
    out.loc[~out["indicator_id"].map(asked).astype(bool), "missing"] = "not_asked"
    out["caution"] = (out["cv"] > s["caution_cv"]) & out["missing"].isna()
    return out


FINISH_SQL = """
CREATE OR REPLACE TEMP TABLE edition_values AS
WITH rows AS (
    SELECT layout, area_level, area_code, indicator_id, value AS raw_value,
           NULL::DOUBLE AS ci_low, NULL::DOUBLE AS ci_high, NULL::DOUBLE AS standard_error,
           NULL::BIGINT AS n_unweighted,
           NULL::DOUBLE AS n_effective, NULL::DOUBLE AS cv, NULL::BOOLEAN AS caution,
           NULL::BOOLEAN AS significant_vs_city, period, missing
    FROM ratio_values
    UNION ALL BY NAME
    SELECT * FROM survey_values
),
kept AS (   -- an own layout repeats the CBS buurten and gemeente: keep only its own levels
            -- (the harmonised CBS layout keeps its gemeente: an earlier edition's gemeente
            -- recomputed on today's extent, for the trend of the gemeente)
    SELECT r.*, m.* EXCLUDE (indicator_id), a.area_name, a.parent_code,
           CASE WHEN m.source = 'register' AND $no_registers THEN 'no_registers'
                ELSE coalesce(r.missing,
                              CASE WHEN r.raw_value IS NULL THEN 'not_available' END)
           END AS reason
    FROM rows r
    JOIN indicator_meta m USING (indicator_id)
    LEFT JOIN plan_areas a ON a.year = $area_year AND a.layout = r.layout
         AND a.area_level = r.area_level AND a.area_code = r.area_code
    WHERE r.layout IN ('cbs', 'harmonised') AND r.area_level = 'gemeente'
       OR r.layout = 'cbs' OR r.area_level NOT IN ('buurt', 'gemeente')
),
clean AS (
    SELECT * EXCLUDE (raw_value, ci_low, ci_high, standard_error, significant_vs_city),
           CASE WHEN reason IS NULL THEN raw_value END AS raw_value,
           CASE WHEN reason IS NULL THEN ci_low END AS ci_low,
           CASE WHEN reason IS NULL THEN ci_high END AS ci_high,
           CASE WHEN reason IS NULL THEN standard_error END AS standard_error,
           CASE WHEN reason IS NULL THEN significant_vs_city END AS significant_vs_city
    FROM kept
),
reference AS (     -- the gemeente value of every indicator
    SELECT indicator_id, raw_value AS reference_raw
    FROM clean WHERE layout = 'cbs' AND area_level = 'gemeente'
),
typical AS (       -- mean absolute deviation of the CBS wijken from the gemeente
    SELECT c.indicator_id, avg(abs(c.raw_value - r.reference_raw)) AS typical_distance
    FROM clean c JOIN reference r USING (indicator_id)
    WHERE c.layout = 'cbs' AND c.area_level = 'wijk'
    GROUP BY c.indicator_id
),
spread AS (
    SELECT c.*, r.reference_raw, t.typical_distance
    FROM clean c
    LEFT JOIN reference r USING (indicator_id)
    LEFT JOIN typical t USING (indicator_id)
),
indexed AS (
    SELECT *,
        CASE WHEN NOT in_compass OR raw_value IS NULL OR reference_raw IS NULL THEN NULL
             ELSE compass_index(raw_value - reference_raw, typical_distance, direction)
        END AS index_raw
    FROM spread
),
banded AS (     -- a survey deviation that is not significant is around average
    SELECT *,
        CASE WHEN index_raw IS NULL THEN NULL
             WHEN source = 'survey' AND significant_vs_city = false THEN 'average'
             ELSE compass_band(index_raw, direction = 'neutral') END AS band
    FROM indexed
)
SELECT $edition AS edition, layout, area_code, area_name, area_level, parent_code,
       indicator_id, source, quadrant, theme,
       round(raw_value, decimals) AS value, unit, decimals,
       round(ci_low, decimals) AS ci_low, round(ci_high, decimals) AS ci_high, standard_error,
       n_unweighted, n_effective, cv, coalesce(caution, false) AS caution,
       round(reference_raw, decimals) AS reference_value,
       round(index_raw, 1) AS "index",
       band,
       significant_vs_city, reason IS NOT NULL AS suppressed,
       reason AS suppression_reason,
       CASE reason
           WHEN 'too_few_respondents'
               THEN printf($note_n, min_n::BIGINT, coalesce(n_unweighted, 0)::BIGINT)
           WHEN 'cv_too_high' THEN printf($note_cv, round(cv * 100)::BIGINT, $max_cv_pct::BIGINT)
           WHEN 'small_count' THEN printf($note_small, $min_count::BIGINT)
           WHEN 'not_asked' THEN printf($note_not_asked, $wave::BIGINT)
           ELSE map_extract_value(MAP($notes_k, $notes_v), reason) END AS suppression_note,
       period, source IN ('survey', 'register') AS synthetic, raw_value
FROM banded
"""


def indicator_meta_frame(catalogue: Catalogue, default_min_n: int) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "indicator_id": i.id,
                "source": i.source,
                "quadrant": i.quadrant,
                "theme": i.theme,
                "unit": i.unit,
                "decimals": i.decimals,
                "direction": i.direction,
                "in_compass": i.in_compass,
                "min_n": i.min_n or default_min_n,
                "comparable_since": i.comparable_since,
            }
            for i in catalogue.indicators
        ]
    ).astype({"comparable_since": "Int64"})


def compute_edition_table(
    con: duckdb.DuckDBPyConnection,
    catalogue: Catalogue,
    codebook: Codebook,
    plan: EditionPlan,
    settings: dict,
) -> int:
    """Fill the temp table ``edition_values`` (the indicator_values rows of one edition);
    survey weights must be in ``survey_weights``. Returns the number of rows."""
    clock = _Clock()
    _areas_and_ratios(con, catalogue, plan, settings)
    clock("cbs_register_ratios")
    items = compile_items(catalogue, codebook, plan.wave)
    compute_survey_sums(con, items, codebook, plan.wave)
    clock("survey_sums")
    grid = con.execute(
        """SELECT a.layout, a.area_level, a.area_code, i.indicator_id,
                  coalesce(s.n, 0) AS n, coalesce(s.sw, 0) AS sw, coalesce(s.swy, 0) AS swy,
                  coalesce(s.swy2, 0) AS swy2, coalesce(s.sw2, 0) AS sw2
           FROM (SELECT DISTINCT layout, area_level, area_code FROM area_members) a
           CROSS JOIN (SELECT unnest($ids) AS indicator_id) i
           LEFT JOIN survey_area_sums s USING (layout, area_level, area_code, indicator_id)""",
        {"ids": [it.indicator_id for it in items] or [""]},
    ).df()
    if not items:
        grid = grid.iloc[0:0]
    clock("survey_grid")
    survey = _survey_estimates(grid, catalogue, items, settings)
    clock("survey_estimates")
    survey["period"] = plan.wave
    survey["missing"] = survey["missing"].astype(object)
    con.register("_survey_values", survey)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE survey_values AS SELECT layout, area_level, area_code, "
        "indicator_id, raw_value::DOUBLE AS raw_value, ci_low::DOUBLE AS ci_low, "
        "ci_high::DOUBLE AS ci_high, standard_error::DOUBLE AS standard_error, "
        "n_unweighted::BIGINT AS n_unweighted, "
        "n_effective::DOUBLE AS n_effective, cv::DOUBLE AS cv, caution::BOOLEAN AS caution, "
        "CAST(significant_vs_city AS DOUBLE)::BOOLEAN AS significant_vs_city, "
        "period::BIGINT AS period, missing::VARCHAR AS missing FROM _survey_values"
    )
    con.unregister("_survey_values")
    s = settings["survey"]
    con.register("_meta", indicator_meta_frame(catalogue, s["min_n"]))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE indicator_meta AS SELECT * REPLACE "
        "(decimals::INTEGER AS decimals, min_n::INTEGER AS min_n) FROM _meta"
    )
    con.unregister("_meta")
    compass_index.create_macros(con, settings)
    con.execute(
        FINISH_SQL,
        {
            "edition": plan.edition,
            "area_year": plan.area_year,
            "notes_k": list(SUPPRESSION_NOTES),
            "notes_v": list(SUPPRESSION_NOTES.values()),
            "note_n": NOTE_TOO_FEW,
            "note_cv": NOTE_CV,
            "max_cv_pct": round(s["max_cv"] * 100),
            "note_small": NOTE_SMALL_COUNT,
            "min_count": settings["register"]["min_count"],
            "note_not_asked": NOTE_NOT_ASKED,
            "wave": plan.wave,
            "no_registers": plan.register_year is None,
        },
    )
    clock("finish")
    LAST_TIMINGS.clear()
    LAST_TIMINGS.update(clock.laps)
    return con.execute("SELECT count(*) FROM edition_values").fetchone()[0]


def compute_edition(
    con: duckdb.DuckDBPyConnection,
    catalogue: Catalogue,
    codebook: Codebook,
    plan: EditionPlan,
    settings: dict,
) -> pd.DataFrame:
    """indicator_values rows of one edition as a frame (see ``compute_edition_table``)."""
    compute_edition_table(con, catalogue, codebook, plan, settings)
    return con.execute("SELECT * FROM edition_values").df()
