"""Indicator assets: catalogue, survey weights, indicator values, compass scores."""

from __future__ import annotations

import dagster as dg
import pandas as pd
import pyarrow as pa
from dagster_duckdb import DuckDBResource

from indicators.catalogue import load_catalogue, statistics_settings
from indicators.downloads import catalogue_frame
from indicators.engine import EditionPlan, compute_edition, compute_weights
from indicators.scores import compass_scores as score_frame
from indicators.similar import similar_areas as find_similar
from ingest.survey.codebook import load_codebook
from pipelines.assets.areas import areas
from pipelines.assets.cbs import cbs_values
from pipelines.assets.survey import codebook_path, survey_responses
from pipelines.resources import read_table, write_table
from pipelines.settings import editions_config

GROUP = "indicators"


def edition_plans() -> list[EditionPlan]:
    return [
        EditionPlan(
            edition=e.edition,
            area_year=e.area_year,
            cbs_years=tuple(e.cbs_years),
            wave=e.edition,
            register_year=getattr(e, "registers", None),
        )
        for e in editions_config().editions
    ]


@dg.asset(group_name=GROUP, kinds={"duckdb", "yaml"})
def indicator_catalogue(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """The indicator catalogue (indicators/catalogue/*.yml), validated, as a table."""
    cat = load_catalogue()
    frame = catalogue_frame(cat)
    rows = write_table(duckdb, "indicator_catalogue", frame)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "measures": len(cat.measures),
            "by_source": frame["source"].value_counts().to_dict(),
        }
    )


@dg.asset(group_name=GROUP, kinds={"duckdb"}, deps=[survey_responses, cbs_values, areas])
def survey_weights(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Raking weights per wave to the CBS population 16+ by age group and sex within each wijk
    (bounded), with the design effect and margin error per wave in ``survey_weighting``."""
    cat = load_catalogue()
    settings = statistics_settings()
    weights, diagnostics = [], []
    with duckdb.get_connection() as con:
        for plan in edition_plans():
            result = compute_weights(con, cat, plan, settings)
            weights.append(result.weights)
            diagnostics.append(
                {"wave": plan.wave, "respondents": len(result.weights), **result.summary()}
            )
    frame = pa.concat_tables(weights)
    rows = write_table(duckdb, "survey_weights", frame)
    diag = pd.DataFrame(diagnostics)
    write_table(duckdb, "survey_weighting", diag)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "design_effect": {str(d["wave"]): round(d["design_effect"], 3) for d in diagnostics},
            "max_margin_error": max(d["max_margin_error"] for d in diagnostics),
        }
    )


@dg.asset(
    group_name=GROUP,
    kinds={"duckdb"},
    deps=[indicator_catalogue, survey_weights, dg.AssetKey("register_values")],
)
def indicator_values(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Every indicator x area x level x edition: value, interval, n, index, significance,
    suppression with its reason, synthetic flag (the output contract)."""
    cat = load_catalogue()
    codebook = load_codebook(codebook_path())
    settings = statistics_settings()
    frames = []
    with duckdb.get_connection() as con:
        for plan in edition_plans():
            frames.append(compute_edition(con, cat, codebook, plan, settings))
    values = pd.concat(frames, ignore_index=True)
    rows = write_table(duckdb, "indicator_values", values)
    wijk = values[(values["layout"] == "cbs") & (values["area_level"] == "wijk")]
    latest = wijk[wijk["edition"] == wijk["edition"].max()]
    published = latest[~latest["suppressed"]].groupby("area_code")["indicator_id"].nunique()
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "indicators": int(values["indicator_id"].nunique()),
            "published_per_wijk_min": int(published.min()) if len(published) else 0,
            "suppressed_share": round(float(values["suppressed"].mean()), 4),
        }
    )


@dg.asset(group_name=GROUP, kinds={"duckdb"}, deps=[indicator_values])
def compass_scores(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Theme, quadrant and centre scores per area (unweighted means of indices)."""
    values = read_table(
        duckdb,
        "SELECT edition, layout, area_level, area_code, quadrant, theme, index "
        "FROM indicator_values",
    )
    frame = score_frame(values, load_catalogue())
    return dg.MaterializeResult(
        metadata={"dagster/row_count": write_table(duckdb, "compass_scores", frame)}
    )


@dg.asset(group_name=GROUP, kinds={"duckdb"}, deps=[indicator_values])
def similar_areas(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Per area the most similar areas of its level on a few composition indicators
    (``similar_areas`` in indicators/statistics.yml), for comparisons on the site and reports."""
    settings = statistics_settings()["similar_areas"]
    values = read_table(
        duckdb,
        "SELECT edition, layout, area_level, area_code, indicator_id, value, suppressed "
        "FROM indicator_values WHERE list_contains(?, indicator_id)",
        [settings["indicators"]],
    )
    frame = find_similar(values, settings["indicators"], settings["count"])
    return dg.MaterializeResult(
        metadata={"dagster/row_count": write_table(duckdb, "similar_areas", frame)}
    )
