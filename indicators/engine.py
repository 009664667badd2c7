"""The indicator engine: every indicator of the catalogue, for every area of every level.

Per edition (``data/editions.yml``):

1. ``area_members`` — how each area is built from published areas (``indicators.members``);
2. CBS and register ratios in three set-based queries (``indicators.ratios``);
3. survey weights, raked to the CBS margins of the edition (``indicators.weights``);
4. survey sufficient statistics in one aggregate query (``indicators.survey_items``), turned
   into estimates, intervals, tests and suppression (``indicators.estimates``);
5. the compass index per indicator and area (``indicators.scores``).

The result is one long frame in the output contract of ``indicator_values``.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from indicators import estimates, scores
from indicators.catalogue import Catalogue
from indicators.members import build_area_members
from indicators.ratios import compute_ratios
from indicators.survey_items import compile_items, compute_survey_sums
from indicators.weights import RakingResult, rake
from ingest.survey.codebook import Codebook

SUPPRESSION_NOTES = {
    "secret": "CBS houdt dit cijfer geheim (te weinig waarnemingen of onthullingsrisico)",
    "secret_map": "CBS houdt dit cijfer geheim (te weinig waarnemingen of onthullingsrisico)",
    "not_available": "Geen cijfer beschikbaar voor dit jaar",
    "empty": "Geen cijfer beschikbaar voor dit jaar",
    "parts_missing": "Niet voor alle delen van dit gebied een cijfer beschikbaar",
    "zero_denominator": "Geen noemer (0) in dit gebied",
    "small_count": "Minder dan {min_count} geregistreerde gevallen (onthullingsbeveiliging)",
    "not_asked": "Deze vraag is in deze enquêteronde niet gesteld",
    "too_few_respondents": "Minder dan {min_n} respondenten (n = {n})",
    "cv_too_high": "Te onbetrouwbaar: variatiecoëfficiënt {cv:.0%} boven {max_cv:.0%}",
}


@dataclass(frozen=True)
class EditionPlan:
    edition: int
    area_year: int
    cbs_years: tuple[int, ...]
    wave: int
    register_year: int | None


def age_margin_measures(settings: dict) -> list[dict]:
    return settings["raking"]["age_margins"]


def survey_margins(con: duckdb.DuckDBPyConnection, settings: dict) -> pd.DataFrame:
    """CBS population 16+ per wijk by age group and sex (needs temp table measure_totals)."""
    ages = age_margin_measures(settings)
    sex = settings["raking"]["sex_margins"]
    wanted = [a["measure"] for a in ages] + [sex["men"], sex["women"]]
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


def compute_weights(
    con: duckdb.DuckDBPyConnection, catalogue: Catalogue, plan: EditionPlan, settings: dict
) -> RakingResult:
    """Raked weights of the plan's survey wave (uses the warehouse table survey_responses)."""
    build_area_members(con, plan.area_year)
    compute_ratios(con, catalogue, list(plan.cbs_years), plan.register_year, 5)
    margins = survey_margins(con, settings)
    resp = con.execute(
        "SELECT respondent_id, wijk_code, leeftijd, geslacht FROM survey_responses "
        "WHERE wave = $wave",
        {"wave": plan.wave},
    ).df()
    r = settings["raking"]
    groups = [a["ages"] for a in age_margin_measures(settings)]
    result = rake(
        resp,
        margins,
        groups,
        bounds=tuple(r["weight_bounds"]),
        max_iterations=r["max_iterations"],
        tolerance=r["tolerance"],
    )
    result.weights.insert(0, "wave", plan.wave)
    return result


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
        n, sw, swy, swy2, sw2 = (df[f"{prefix}{c}"].to_numpy(float) for c in
                                 ("n", "sw", "swy", "swy2", "sw2"))
        sh = estimates.share_estimate(sw, swy, sw2, z, s.get("share_interval", "wilson"))
        mn = estimates.mean_estimate(n, sw, swy, swy2, sw2, conf)
        return [np.where(is_share, a, b) for a, b in zip(sh, mn, strict=True)]

    est, se, lo, hi, n_eff = estimate("")
    rest_est, rest_se, *_ = estimate("rest_")
    _, significant = estimates.difference_test(est, se, rest_est, rest_se, conf)
    significant = np.where(df["area_level"].eq("gemeente"), np.nan, significant)
    cv = estimates.coefficient_of_variation(est, se)
    min_n = df["indicator_id"].map(lambda i: by_id[i].min_n or s["min_n"]).to_numpy()
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


def compute_edition(
    con: duckdb.DuckDBPyConnection,
    catalogue: Catalogue,
    codebook: Codebook,
    plan: EditionPlan,
    settings: dict,
) -> pd.DataFrame:
    """indicator_values rows of one edition (survey weights must be in ``survey_weights``)."""
    build_area_members(con, plan.area_year)
    compute_ratios(
        con,
        catalogue,
        list(plan.cbs_years),
        plan.register_year,
        settings["register"]["min_count"],
    )
    ratio = con.execute(
        "SELECT layout, area_level, area_code, indicator_id, value AS raw_value, period, "
        "missing FROM ratio_values"
    ).df()
    items = compile_items(catalogue, codebook, plan.wave)
    compute_survey_sums(con, items, codebook, plan.wave)
    areas = con.execute(
        """SELECT a.layout, a.area_level, a.area_code, a.area_name, a.parent_code
           FROM areas a WHERE a.year = $y""",
        {"y": plan.area_year},
    ).df()
    survey_ids = pd.DataFrame({"indicator_id": [it.indicator_id for it in items]})
    grid = areas[["layout", "area_level", "area_code"]].merge(survey_ids, how="cross")
    sums = grid.merge(
        con.execute("SELECT * FROM survey_area_sums").df(),
        on=["layout", "area_level", "area_code", "indicator_id"],
        how="left",
    ).fillna({"n": 0, "sw": 0.0, "swy": 0.0, "swy2": 0.0, "sw2": 0.0})
    survey = _survey_estimates(sums, catalogue, items, settings)
    survey["period"] = plan.wave
    frame = pd.concat([ratio, survey], ignore_index=True)
    frame = frame.merge(areas, on=["layout", "area_level", "area_code"], how="left")
    # an own layout repeats the CBS buurten and gemeente: keep only its own levels
    frame = frame[
        (frame["layout"] == "cbs") | ~frame["area_level"].isin(["buurt", "gemeente"])
    ].copy()
    frame.insert(0, "edition", plan.edition)
    return finish(frame, catalogue, settings)


def finish(frame: pd.DataFrame, catalogue: Catalogue, settings: dict) -> pd.DataFrame:
    """Suppress, add metadata, reference values, index and bands; round as published."""
    meta = pd.DataFrame(
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
            }
            for i in catalogue.indicators
        ]
    )
    frame = frame.merge(meta, on="indicator_id", how="left")
    frame["suppressed"] = frame["missing"].notna() | frame["raw_value"].isna()
    frame.loc[frame["suppressed"] & frame["missing"].isna(), "missing"] = "not_available"
    frame.loc[frame["suppressed"], ["raw_value", "ci_low", "ci_high", "significant_vs_city"]] = (
        np.nan
    )
    frame = scores.add_index(frame, settings)
    s = settings["survey"]
    notes = []
    by_id = catalogue.by_id()
    min_ns = [by_id[i].min_n or s["min_n"] for i in frame["indicator_id"]]
    for reason, n, cv, min_n in zip(
        frame["missing"], frame["n_unweighted"], frame["cv"], min_ns, strict=True
    ):
        if reason is None or (isinstance(reason, float) and np.isnan(reason)):
            notes.append(None)
            continue
        notes.append(
            SUPPRESSION_NOTES.get(reason, reason).format(
                min_count=settings["register"]["min_count"],
                min_n=min_n,
                n=0 if pd.isna(n) else int(n),
                cv=0 if pd.isna(cv) else cv,
                max_cv=s["max_cv"],
            )
        )
    frame["suppression_note"] = notes
    frame = frame.rename(columns={"missing": "suppression_reason"})
    frame["synthetic"] = frame["source"].isin(["survey", "register"])
    frame["value"] = frame["raw_value"]
    for col in ("value", "ci_low", "ci_high", "reference_value"):
        frame[col] = [
            None if pd.isna(v) else round(float(v), int(d))
            for v, d in zip(frame[col], frame["decimals"], strict=True)
        ]
    frame["index"] = frame["index"].round(1)
    frame["significant_vs_city"] = frame["significant_vs_city"].map(
        lambda v: None if pd.isna(v) else bool(v)
    )
    columns = [
        "edition", "layout", "area_code", "area_name", "area_level", "parent_code",
        "indicator_id", "source", "quadrant", "theme", "value", "unit", "decimals",
        "ci_low", "ci_high", "n_unweighted", "n_effective", "cv", "caution",
        "reference_value", "index", "band", "significant_vs_city", "suppressed",
        "suppression_reason", "suppression_note", "period", "synthetic", "raw_value",
    ]  # fmt: skip
    for col in ("n_effective", "cv", "caution"):
        if col not in frame:
            frame[col] = np.nan
    frame["caution"] = frame["caution"].astype("boolean").fillna(False).astype(bool)
    return frame[columns].sort_values(
        ["edition", "layout", "area_level", "area_code", "indicator_id"], ignore_index=True
    )
