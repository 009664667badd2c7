"""The indicator engine: every indicator of the catalogue, for every area of every level.

The computation is a set of declared models (``indicators.models``), run in the order their
declarations give, per edition (``data/editions.yml``):

    catalogue tables  measure_sources, ratio_defs, indicator_meta, survey_items (Python, below)
    edition_areas     every area of the edition's area year, numbered          (sql/*.sql)
    area_members      how each area is built from areas that carry figures
    source_values     the edition's CBS and register figures
    measure_values    every measure of every area that carries figures
    measure_totals    every measure of every area, from the first complete rank of members
    ratio_values      every CBS and register indicator: numerator over denominator
    survey_margins    the CBS population 16+ by age and sex per wijk
    survey_weights    raking to those margins (Python: indicators.weights)
    survey_buurt_sums one pass over the respondents: weighted sums per buurt and item
    survey_area_sums  the sums of every area (sums of its buurten)
    survey_values     estimates, intervals, tests, suppression
    edition_values    the published rows with the compass index (into the warehouse)

:func:`compute_weights` runs the models up to ``survey_weights`` (the asset of that name);
:func:`compute_edition` the models up to ``edition_values``, reading the weights from the
warehouse. Both return the :class:`~indicators.models.ModelRun` (seconds and rows per model).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import stats

from geo.areas import LEVELS
from indicators import compass_index, messages
from indicators.catalogue import Catalogue
from indicators.models import (
    Model,
    ModelRun,
    existing_tables,
    load_sql_models,
    python_model,
    run_models,
)
from indicators.small_area_model import PYTHON_MODEL_SQL as SMALL_AREA_SQL
from indicators.small_area_model import covariate_indicators, small_area_estimates
from indicators.survey_items import compile_items, survey_sums
from indicators.weights import design_weights, population_only_margins, rake_arrays
from ingest.survey.codebook import Codebook


@dataclass(frozen=True)
class EditionPlan:
    edition: int
    area_year: int
    cbs_years: tuple[int, ...]
    wave: int
    register_year: int | None
    rivm_year: int | None = None  # the RIVM measurement the edition shows (none: no figures)


@dataclass(frozen=True)
class Inputs:
    """What the models are computed from besides the warehouse: the run's Jinja context."""

    catalogue: Catalogue
    codebook: Codebook | None  # None: no survey model runs (the trends)
    settings: dict
    plan: EditionPlan | None  # None: no edition model runs (the trends)
    measures: tuple[str, ...] | None = None  # only these measures (the raking margins)
    sources: tuple[str, ...] | None = None  # only ratio indicators of these sources (cbs)


def margin_measures(settings: dict) -> list[str]:
    """The CBS measures the survey weights are raked to."""
    r = settings["raking"]
    sex = r["sex_margins"]
    return [a["measure"] for a in r["age_margins"]] + [
        sex["men"],
        sex["women"],
        r["population_margin"],
    ]


# --- the catalogue as tables (Python models without inputs) -------------------------------


def _inputs(context) -> Inputs:
    return context["inputs"]


@python_model(reads=(), writes="measure_sources")
def measure_sources(con, context) -> pd.DataFrame:
    """Every source of every measure (indicators/measures*.yml), numbered; every source
    variable numbered too (``var_id``, ``times_id``: the joins are on numbers)."""
    inputs = _inputs(context)
    variables = sorted(
        {(m.source, s.var) for m in inputs.catalogue.measures for s in m.sources}
        | {(m.source, s.times) for m in inputs.catalogue.measures for s in m.sources if s.times}
    )
    var_id = {v: k for k, v in enumerate(variables)}
    rows = [
        {
            "measure_id": k,
            "measure": m.id,
            "priority": pos,
            "source": m.source,
            "var": s.var,
            "var_id": var_id[(m.source, s.var)],
            "times": s.times,
            "times_id": var_id.get((m.source, s.times)),
            "scale": float(s.scale),
        }
        for k, m in enumerate(inputs.catalogue.measures)
        if inputs.measures is None or m.id in inputs.measures
        for pos, s in enumerate(m.sources)
    ]
    return pd.DataFrame(rows, columns=list(_MEASURE_COLUMNS)).astype(_MEASURE_COLUMNS)


_MEASURE_COLUMNS = {
    "measure_id": "int32",
    "measure": "string",
    "priority": "int32",
    "source": "string",
    "var": "string",
    "var_id": "int32",
    "times": "string",
    "times_id": "Int32",
    "scale": "float64",
}


@python_model(reads=(), writes="ratio_defs")
def ratio_defs(con, context) -> pd.DataFrame:
    """Every CBS and register indicator as numerator / denominator * scale."""
    inputs = _inputs(context)
    cat = inputs.catalogue
    measure_id = {m.id: k for k, m in enumerate(cat.measures)}
    rows = [
        {
            "indicator_key": k,
            "indicator_id": i.id,
            "source": i.source,
            "numerator_id": measure_id[i.definition.ratio.numerator],
            "denominator_id": measure_id.get(i.definition.ratio.denominator),
            "scale": float(i.definition.ratio.scale),
            "share": i.unit == "%",  # a part of its denominator: never above 100 %
        }
        for k, i in enumerate(cat.indicators)
        if i.definition.ratio and (inputs.sources is None or i.source in inputs.sources)
    ]
    return pd.DataFrame(rows).astype({"numerator_id": "int32", "denominator_id": "Int32"})


@python_model(reads=(), writes="rivm_defs")
def rivm_defs(con, context) -> pd.DataFrame:
    """Every RIVM indicator: the variable of rivm_values it shows, for which age group."""
    cat = _inputs(context).catalogue
    rows = [
        {
            "indicator_key": k,
            "indicator_id": i.id,
            "variable": i.definition.model_estimate.source_variable,
            "age_group": i.definition.model_estimate.age_group,
        }
        for k, i in enumerate(cat.indicators)
        if i.definition.model_estimate
    ]
    columns = {"indicator_key": "int32", "indicator_id": "string", "variable": "string",
               "age_group": "string"}  # fmt: skip
    return pd.DataFrame(rows, columns=list(columns)).astype(columns)


def indicator_meta_frame(catalogue: Catalogue, default_min_n: int) -> pd.DataFrame:
    """Per indicator what the engine needs to publish it (``indicator_key``: its position). A
    survey figure a real one replaces is computed, but not judged in the compass."""
    replaced = catalogue.replaced_by()
    return pd.DataFrame(
        [
            {
                "indicator_key": k,
                "indicator_id": i.id,
                "source": i.source,
                "quadrant": i.quadrant,
                "theme": i.theme,
                "unit": i.unit,
                "decimals": i.decimals,
                "direction": i.direction,
                "in_compass": i.in_compass and i.id not in replaced,
                "min_n": i.min_n or default_min_n,
                "comparable_since": i.comparable_since,
            }
            for k, i in enumerate(catalogue.indicators)
        ]
    ).astype(
        {
            "indicator_key": "int32",
            "decimals": "int32",
            "min_n": "int32",
            "comparable_since": "Int32",
        }
    )


@python_model(reads=(), writes="indicator_meta")
def indicator_meta(con, context) -> pd.DataFrame:
    """Every indicator: source, quadrant, theme, unit, decimals, direction, publication rule."""
    inputs = _inputs(context)
    return indicator_meta_frame(inputs.catalogue, inputs.settings["survey"]["min_n"])


@python_model(reads=(), writes="survey_items")
def survey_items(con, context) -> pd.DataFrame:
    """Every survey indicator: share or mean, asked in the wave or not, its minimum n."""
    inputs = _inputs(context)
    by_id = inputs.catalogue.by_id()
    keys = _indicator_keys(inputs.catalogue)
    default = inputs.settings["survey"]["min_n"]
    rows = [
        {
            "indicator_key": keys[it.indicator_id],
            "indicator_id": it.indicator_id,
            "statistic": it.statistic,
            "asked": it.asked,
            "min_n": by_id[it.indicator_id].min_n or default,
        }
        for it in compile_items(inputs.catalogue, inputs.codebook, inputs.plan.wave)
    ]
    columns = {"indicator_key": "int32", "indicator_id": "string", "statistic": "string",
               "asked": "bool", "min_n": "int32"}  # fmt: skip
    return pd.DataFrame(rows, columns=list(columns)).astype(columns)


def _indicator_keys(catalogue: Catalogue) -> dict[str, int]:
    return {i.id: k for k, i in enumerate(catalogue.indicators)}


# --- what DuckDB lacks ---------------------------------------------------------------------


MEAN_SUMS_SQL = """SELECT s.area_id, s.indicator_key, s.sw, s.sw2 FROM survey_area_sums s
JOIN survey_items i USING (indicator_key) WHERE i.statistic = 'mean'"""


@python_model(reads=("survey_area_sums", "survey_items"), writes="t_quantiles")
def t_quantiles(con, context) -> pa.Table:
    """Student's t quantile of the interval of every survey mean (df = n_eff - 1, at least 1),
    from scipy: DuckDB has no t distribution (and a Python function called from SQL runs once
    per chunk, seconds at national scale)."""
    level = 0.5 + _inputs(context).settings["confidence"] / 2
    sums = con.execute(MEAN_SUMS_SQL).arrow()
    if isinstance(sums, pa.RecordBatchReader):
        sums = sums.read_all()
    sw, sw2 = sums["sw"].to_numpy(), sums["sw2"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        n_eff = np.where(sw2 > 0, sw**2 / sw2, 0.0)
    t = stats.t.ppf(level, np.maximum(n_eff - 1, 1))
    return pa.table(
        {"area_id": sums["area_id"], "indicator_key": sums["indicator_key"], "t": pa.array(t)}
    )


# --- raking (Python: iterative proportional fitting) ---------------------------------------


MARGINS_SQL = "SELECT * FROM survey_margins ORDER BY wijk_code"
RESPONDENTS_SQL = """SELECT respondent_id, wijk_code, buurt_code, leeftijd, geslacht
FROM survey_responses WHERE wave = $wave"""
STRATA_SQL = "SELECT buurt_code, population FROM survey_strata ORDER BY buurt_code"


@python_model(
    reads=("survey_responses", "survey_margins", "survey_strata"),
    writes="survey_weights",
    materialise="partition wave",
)
def survey_weights(con, context):
    """Raked weights of the wave's respondents (indicators.weights): from their buurt's design
    weight to the wijk's CBS margins, into the warehouse."""
    inputs = _inputs(context)
    r = inputs.settings["raking"]
    margins = con.execute(MARGINS_SQL).df()
    strata = con.execute(STRATA_SQL).df()
    # Arrow all the way: 2 million respondent ids never become Python objects
    resp = con.execute(RESPONDENTS_SQL, {"wave": inputs.plan.wave}).arrow()
    if isinstance(resp, pa.RecordBatchReader):
        resp = resp.read_all()
    wijk_idx = pc.index_in(resp["wijk_code"], value_set=pa.array(margins["wijk_code"]))
    if wijk_idx.null_count:
        bad = pc.filter(resp["wijk_code"], pc.is_null(wijk_idx))[0].as_py()
        raise ValueError(f"respondent in wijk {bad!r} without CBS margins")
    ages = [a["ages"] for a in r["age_margins"]]
    margins, on_population = population_only_margins(
        margins, wijk_idx.to_numpy(), resp["leeftijd"].to_numpy(),
        resp["geslacht"].to_numpy(zero_copy_only=False), ages,
    )  # fmt: skip
    buurt_idx = pc.index_in(resp["buurt_code"], value_set=pa.array(strata["buurt_code"]))
    buurt_population = np.append(strata["population"].to_numpy(dtype=float), np.nan)
    base = design_weights(  # a buurt without CBS figures: the last, unknown population
        wijk_idx.to_numpy(),
        pc.fill_null(buurt_idx, len(strata)).to_numpy(),
        buurt_population,
        margins[[f"age_{k}" for k in range(len(ages))]].to_numpy(dtype=float).sum(axis=1),
    )
    w, diagnostics = rake_arrays(
        wijk_idx.to_numpy(),
        resp["leeftijd"].to_numpy(),
        resp["geslacht"].to_numpy(zero_copy_only=False),
        margins,
        ages,
        bounds=tuple(r["weight_bounds"]),
        max_iterations=r["max_iterations"],
        tolerance=r["tolerance"],
        min_cell=r["min_cell"],
        base=base,
    )
    weights = pa.table(
        {
            "wave": pa.array(np.full(len(w), inputs.plan.wave, dtype=np.int64)),
            "respondent_id": resp["respondent_id"],
            "weight": pa.array(w),
            "design_weight": pa.array(base),
        }
    )
    return weights, {
        "respondents": len(w),
        "wijken_on_population_only": on_population,
        **diagnostics,
    }


# what each Python model queries (tests/test_models.py holds it to the declaration)
PYTHON_MODEL_SQL = {
    "t_quantiles": [MEAN_SUMS_SQL],
    "survey_weights": [MARGINS_SQL, RESPONDENTS_SQL, STRATA_SQL],
    **SMALL_AREA_SQL,
}

PYTHON_MODELS = (
    measure_sources,
    ratio_defs,
    rivm_defs,
    indicator_meta,
    survey_items,
    t_quantiles,
    survey_weights,
    small_area_estimates,
)


def all_models() -> dict[str, Model]:
    """Every model of the engine: the SQL files of indicators/sql and the Python models."""
    models = load_sql_models()
    for model in PYTHON_MODELS:
        models[model.name] = model
    return models


# --- running --------------------------------------------------------------------------------


def prepare_functions(con: duckdb.DuckDBPyConnection, settings: dict) -> None:
    """The functions the models call: the compass index and band macros (from the settings)."""
    compass_index.create_macros(con, settings)


def sql_enum(values) -> str:
    """An SQL ENUM type of ``values`` (codes: letters, digits, '_', ':', '-')."""
    for v in values:
        if not all(c.isalnum() or c in "_:-." for c in v):
            raise ValueError(f"{v!r} cannot be a code of an ENUM")
    return "ENUM(" + ", ".join(f"'{v}'" for v in values) + ")"


def code_types(con: duckdb.DuckDBPyConnection, catalogue: Catalogue) -> dict[str, str]:
    """The ENUM types of the code columns of edition_values: their vocabularies are known
    (an unknown code fails the build) and a code is stored in a byte or two. Layouts are
    those of every edition, so every partition has the same types."""
    have = existing_tables(con)  # a missing one is named by the runner (MissingInput)
    union = " UNION ALL ".join(
        f"SELECT layout FROM {t}" for t in ("areas", "harmonised_areas") if t in have
    )
    layouts = (
        [r[0] for r in con.execute(f"SELECT DISTINCT layout FROM ({union}) ORDER BY 1").fetchall()]
        if union
        else []
    )
    bands = [*compass_index.NEUTRAL_BANDS, *compass_index.NEUTRAL_BANDS.values()]
    return {
        "layout": sql_enum(layouts),
        "level": sql_enum(LEVELS),
        "indicator": sql_enum([i.id for i in catalogue.indicators]),
        "band": sql_enum(dict.fromkeys(bands)),
        "reason": sql_enum(messages.suppression_codes()),
        "estimate_kind": sql_enum(["direct", "model"]),
    }


def _context(inputs: Inputs, con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    context: dict[str, Any] = {"inputs": inputs, "settings": inputs.settings}
    context["types"] = code_types(con, inputs.catalogue)
    r = inputs.settings["raking"]
    context["margins"] = [
        {"measure": a["measure"], "factor": float(a["factor"]), "column": f"age_{k}"}
        for k, a in enumerate(r["age_margins"])
    ] + [
        {"measure": r["sex_margins"]["men"], "factor": 1.0, "column": "men"},
        {"measure": r["sex_margins"]["women"], "factor": 1.0, "column": "women"},
        {"measure": r["population_margin"], "factor": 1.0, "column": "population"},
    ]
    context["population_measure"] = r["population_margin"]
    context["small_area_covariates"] = covariate_indicators(inputs.settings)
    items = compile_items(inputs.catalogue, inputs.codebook, inputs.plan.wave)
    context["survey"] = survey_sums(items, inputs.codebook, _indicator_keys(inputs.catalogue))
    return context


def _params(inputs: Inputs) -> dict[str, Any]:
    s = inputs.settings
    level = 0.5 + s["confidence"] / 2
    plan = inputs.plan
    return {
        "edition": plan.edition,
        "area_year": plan.area_year,
        "cbs_years": list(plan.cbs_years),
        "register_year": plan.register_year if plan.register_year is not None else -1,
        "no_registers": plan.register_year is None,
        "rivm_year": plan.rivm_year if plan.rivm_year is not None else -1,
        "rivm_min_coverage": float(s["rivm"]["min_coverage"]),
        "wave": plan.wave,
        "min_count": s["register"]["min_count"],
        "z": float(stats.norm.ppf(level)),
        "max_cv": float(s["survey"]["max_cv"]),
        "caution_cv": float(s["survey"]["caution_cv"]),
        "interval": s["survey"]["share_interval"],
        "small_area_covariates": covariate_indicators(s),
    }


def compute_weights(
    con: duckdb.DuckDBPyConnection,
    catalogue: Catalogue,
    codebook: Codebook,
    plan: EditionPlan,
    settings: dict,
    partitions: list | None = None,
) -> ModelRun:
    """Rake the plan's survey wave to the CBS margins of its edition and write the weights
    into the partition ``wave`` of the warehouse table ``survey_weights`` (``partitions``: the
    waves whose rows are kept, all when None). The run's ``metadata['survey_weights']`` has the
    diagnostics (iterations, margin error, design effect, ...)."""
    inputs = Inputs(catalogue, codebook, settings, plan, tuple(margin_measures(settings)))
    prepare_functions(con, settings)
    return run_models(
        con, all_models(), ["survey_weights"], _params(inputs), _context(inputs, con), partitions
    )


def compute_edition(
    con: duckdb.DuckDBPyConnection,
    catalogue: Catalogue,
    codebook: Codebook,
    plan: EditionPlan,
    settings: dict,
    partitions: list | None = None,
) -> ModelRun:
    """Compute the plan's edition into the partition ``edition`` of the warehouse table
    ``edition_values`` (``partitions``: the editions whose rows are kept, all when None); the
    survey weights are read from the warehouse table ``survey_weights``."""
    inputs = Inputs(catalogue, codebook, settings, plan)
    prepare_functions(con, settings)
    return run_models(
        con,
        all_models(),
        ["edition_values"],
        _params(inputs),
        _context(inputs, con),
        partitions,
        sources=["survey_weights"],  # the asset survey_weights wrote them
    )
