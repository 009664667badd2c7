"""Indicator assets: catalogue, survey weights, indicator values, compass scores."""

from __future__ import annotations

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from indicators.catalogue import load_catalogue, statistics_settings
from indicators.downloads import catalogue_frame
from indicators.engine import EditionPlan, compute_edition, compute_weights
from indicators.rivm_series import rivm_series as compute_rivm_series
from indicators.scores import compass_scores as score_frame
from indicators.similar import similar_areas as find_similar
from indicators.small_area_model import fit_summary, fit_tables
from indicators.trends import build_indicator_values
from ingest.survey.codebook import load_codebook
from pipelines.assets.areas import areas
from pipelines.assets.cbs import cbs_values
from pipelines.assets.harmonisation import area_crosswalk
from pipelines.assets.survey import codebook_path, survey_responses
from pipelines.partitions import INPUTS, all_editions, compass_asset, editions_of
from pipelines.resources import read_table, write_partitions, write_table
from pipelines.settings import editions_config


def gemeente_catalogue():
    """The catalogue of the gemeente being built: without another gemeente's own services."""
    return load_catalogue(gemeente=editions_config().gemeente)


GROUP = "indicators"


def edition_plans(
    editions: list[int] | None = None, rivm_years: tuple[int, ...] = ()
) -> list[EditionPlan]:
    """Plans of the given editions (default: all), oldest first. An edition shows RIVM's
    latest measurement of its year or before (``rivm_years``: those in the warehouse): edition
    2018 the one of 2016, edition 2024 the one of 2020."""
    return [
        EditionPlan(
            edition=e.edition,
            area_year=e.area_year,
            cbs_years=tuple(e.cbs_years),
            wave=e.edition,
            register_year=getattr(e, "registers", None),
            rivm_year=max((y for y in rivm_years if y <= e.edition), default=None),
        )
        for e in sorted(editions_config().editions, key=lambda e: e.edition)
        if editions is None or e.edition in editions
    ]


def rivm_years(duckdb: DuckDBResource) -> tuple[int, ...]:
    """The years of RIVM's measurements in the warehouse (table rivm_values)."""
    with duckdb.get_connection() as con:
        return tuple(
            int(r[0])
            for r in con.execute("SELECT DISTINCT year FROM rivm_values ORDER BY 1").fetchall()
        )


@compass_asset(group_name=GROUP, kinds={"duckdb", "yaml"}, deps=[INPUTS])
def indicator_catalogue(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """The indicator catalogue (indicators/catalogue/*.yml), validated, as a table."""
    cat = gemeente_catalogue()
    frame = catalogue_frame(cat)
    rows = write_table(duckdb, "indicator_catalogue", frame)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "measures": len(cat.measures),
            "by_source": frame["source"].value_counts().to_dict(),
        }
    )


def _steps(runs) -> dict[str, float]:
    """Seconds per declared model, summed over the editions of a run (Dagster metadata)."""
    out: dict[str, float] = {}
    for run in runs:
        for name, seconds in run.seconds.items():
            out[name] = round(out.get(name, 0.0) + seconds, 3)
    return out


@compass_asset(
    group_name=GROUP,
    kinds={"duckdb"},
    deps=[survey_responses, cbs_values, areas, area_crosswalk],
)
def survey_weights(context, duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Raking weights of the edition's wave to the CBS population 16+ by age group and sex within
    each wijk (bounded), with the design effect and margin error per wave in
    ``survey_weighting``."""
    cat = gemeente_catalogue()
    codebook = load_codebook(codebook_path())
    settings = statistics_settings()
    waves = editions_of(context)
    runs, diagnostics = [], []
    with duckdb.get_connection() as con:
        for plan in edition_plans(waves):
            run = compute_weights(con, cat, codebook, plan, settings, all_editions())
            runs.append(run)
            diagnostics.append({"wave": plan.wave, **run.metadata["survey_weights"]})
        rows = con.execute("SELECT count(*) FROM survey_weights").fetchone()[0]
    write_partitions(
        duckdb, "survey_weighting", pd.DataFrame(diagnostics), "wave", waves, all_editions()
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "design_effect": {str(d["wave"]): round(d["design_effect"], 3) for d in diagnostics},
            "max_margin_error": max(d["max_margin_error"] for d in diagnostics),
            "seconds_per_model": _steps(runs),
        }
    )


@compass_asset(
    group_name=GROUP,
    kinds={"duckdb"},
    deps=[
        indicator_catalogue, survey_weights, dg.AssetKey("register_values"), area_crosswalk,
        dg.AssetKey("rivm_crosswalk"),
    ],
)  # fmt: skip
def edition_values(context, duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Every indicator x area x level of the edition, on the edition's own areas (as it was
    published), plus the ``harmonised`` layout: today's wijken and gebieden recomputed from the
    edition's buurten (``area_crosswalk``). Computed by the declared models of
    indicators/sql (``indicators.engine``), written straight into the partition. The
    small-area model's fit of every survey indicator goes into ``small_area_fits`` and
    ``small_area_coefficients`` (indicators.small_area_model); an indicator without a model
    is named with its reason in the metadata ``small_area``."""
    cat = gemeente_catalogue()
    codebook = load_codebook(codebook_path())
    settings = statistics_settings()
    wanted = editions_of(context)
    measured = rivm_years(duckdb)
    with duckdb.get_connection() as con:
        plans = edition_plans(wanted, measured)
        runs = [
            compute_edition(con, cat, codebook, plan, settings, all_editions()) for plan in plans
        ]
        fits, coefficients = fit_tables(
            con, {p.edition: r for p, r in zip(plans, runs, strict=True)}
        )
        counts = dict(
            con.execute(
                "SELECT edition, count(*) FROM edition_values "
                "WHERE list_contains(?, edition) GROUP BY ALL ORDER BY 1",
                [wanted],
            ).fetchall()
        )
        harmonised, rows = con.execute(
            "SELECT count(*) FILTER (WHERE layout::VARCHAR = 'harmonised'), count(*) "
            "FROM edition_values"
        ).fetchone()
    write_partitions(duckdb, "small_area_fits", fits, "edition", wanted, all_editions())
    write_partitions(
        duckdb, "small_area_coefficients", coefficients, "edition", wanted, all_editions()
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "rows_per_edition": {int(k): int(v) for k, v in counts.items()},
            "harmonised_rows": int(harmonised),
            "seconds_per_model": _steps(runs),
            "small_area": fit_summary(fits),
        }
    )


@compass_asset(group_name=GROUP, kinds={"duckdb"}, deps=[edition_values])
def rivm_series(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Every RIVM measurement (2012, 2016, 2020) of every RIVM indicator on the areas of the
    newest edition, every layout, and of the Netherlands (``indicators.rivm_series``): what the
    over-time charts of the site draw."""
    latest = edition_plans(rivm_years=rivm_years(duckdb))[-1]
    years = list(rivm_years(duckdb))
    with duckdb.get_connection() as con:
        series = compute_rivm_series(
            con, gemeente_catalogue(), statistics_settings(), latest, years
        )
    rows = write_table(duckdb, "rivm_series", series)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "years": years,
            "published_share": round(float(series["value"].notna().mean()), 4) if rows else 0.0,
        }
    )


@compass_asset(group_name=GROUP, kinds={"duckdb"}, deps=[edition_values])
def indicator_values(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """The output contract: every indicator x area x level of every edition on the areas of the
    newest edition: the newest as computed, earlier editions harmonised (``harmonisation``,
    ``comparable``), each row with its trend since the previous edition (change, its standard
    error and z for survey figures, significance, direction)."""
    cat = gemeente_catalogue()
    settings = statistics_settings()
    editions = [(e.edition, e.area_year) for e in editions_config().editions]
    with duckdb.get_connection() as con:
        run = build_indicator_values(con, cat, settings, editions)
        rows, indicators, suppressed_share = con.execute(
            "SELECT count(*), count(DISTINCT indicator_id), avg(suppressed::INTEGER) "
            "FROM indicator_values"
        ).fetchone()
        published_min, trends, significant = con.execute(
            """WITH latest AS (
                   SELECT * FROM indicator_values
                   WHERE layout = 'cbs' AND area_level = 'wijk'
                     AND edition = (SELECT max(edition) FROM indicator_values))
               SELECT (SELECT min(n) FROM (SELECT count(DISTINCT indicator_id) AS n
                       FROM latest WHERE NOT suppressed GROUP BY area_code)),
                      count(*) FILTER (WHERE change IS NOT NULL),
                      count(*) FILTER (WHERE change IS NOT NULL AND change_significant)
               FROM latest"""
        ).fetchone()
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "indicators": int(indicators),
            "published_per_wijk_min": int(published_min or 0),
            "suppressed_share": round(float(suppressed_share or 0), 4),
            "wijk_trends": int(trends),
            "wijk_trends_significant": int(significant),
            "seconds_per_model": _steps([run]),
        }
    )


@compass_asset(group_name=GROUP, kinds={"duckdb"}, deps=[indicator_values])
def compass_scores(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Theme, quadrant and centre scores per area (unweighted means of indices)."""
    values = read_table(
        duckdb,
        "SELECT edition, layout, area_level, area_code, quadrant, theme, index "
        "FROM indicator_values",
    )
    frame = score_frame(values, gemeente_catalogue())
    return dg.MaterializeResult(
        metadata={"dagster/row_count": write_table(duckdb, "compass_scores", frame)}
    )


@compass_asset(group_name=GROUP, kinds={"duckdb"}, deps=[indicator_values])
def development_scores(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """The development compass: theme, quadrant and centre means of the development index of
    every indicator (its change since the previous edition, scaled like the state index)."""
    values = read_table(
        duckdb,
        "SELECT edition, layout, area_level, area_code, quadrant, theme, development_index "
        "FROM indicator_values WHERE development_index IS NOT NULL",
    )
    frame = score_frame(values, gemeente_catalogue(), index="development_index")
    return dg.MaterializeResult(
        metadata={"dagster/row_count": write_table(duckdb, "development_scores", frame)}
    )


@compass_asset(group_name=GROUP, kinds={"duckdb"}, deps=[indicator_values])
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
