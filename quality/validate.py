"""Run a rules file with Great Expectations on the rows its query gives from the warehouse.

GX's SQL datasource does not work against DuckDB, so the dataset is read with DuckDB and
validated with GX's pandas datasource (``../shared/STACK.md``). GX is imported lazily, once per
process (it costs ~13 s), with its progress bars off.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

import pandas as pd

from quality.rulesets import Rule, RuleSet

FAILING_ROWS_KEPT = 20


@dataclass
class RuleResult:
    dataset: str
    asset: str
    rule: str
    expectation: str
    severity: str
    description: str
    column: str | None
    success: bool
    element_count: int = 0
    unexpected_count: int = 0
    failing_rows: list[dict] = field(default_factory=list)
    error: str | None = None


@cache
def _gx():
    import logging

    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("wijkkompas")
    return gx, context, source


def _setting(settings: dict, dotted: str) -> Any:
    value: Any = settings
    for part in dotted.split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def resolve_parameters(
    con, parameters: dict, settings: dict, placeholders: dict | None = None
) -> dict:
    """Replace ``{setting: a.b}``, ``{query: SQL}`` (a list) and ``{query_value: SQL}`` (one
    value) by their values."""
    out = {}
    for key, value in parameters.items():
        if isinstance(value, dict) and set(value) == {"setting"}:
            value = _setting(settings, value["setting"])
        elif isinstance(value, dict) and set(value) == {"query"}:
            query = value["query"].format(**(placeholders or {}))
            value = [r[0] for r in con.execute(query).fetchall()]
        elif isinstance(value, dict) and set(value) == {"query_value"}:
            value = con.execute(value["query_value"].format(**(placeholders or {}))).fetchone()[0]
        out[key] = value
    if "row_condition" in out:
        out.setdefault("condition_parser", "pandas")
    return out


def dataset_frame(con, ruleset: RuleSet, placeholders: dict | None = None) -> pd.DataFrame:
    query = ruleset.query.format(**(placeholders or {}))
    return con.execute(query).df()


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _expectation(gx, rule: Rule, parameters: dict):
    class_name = "".join(part.capitalize() for part in rule.expectation.split("_"))
    cls = getattr(gx.expectations, class_name, None)
    if cls is None:
        raise ValueError(f"Great Expectations has no expectation '{rule.expectation}'")
    return cls(**parameters, meta={"rule": rule.name})


def validate(
    con,
    ruleset: RuleSet,
    settings: dict,
    selected: set[str] | None = None,
    placeholders: dict | None = None,
) -> list[RuleResult]:
    """Validate the rules of ``ruleset`` (or the ``selected`` ones) on its dataset."""
    gx, context, source = _gx()
    rules = [r for r in ruleset.rules if selected is None or r.name in selected]
    frame = dataset_frame(con, ruleset, placeholders)
    location = [c for c in ruleset.location if c in frame.columns]
    results: dict[str, RuleResult] = {}
    suite = gx.ExpectationSuite(name=f"{ruleset.dataset}_suite")
    for rule in rules:
        base = RuleResult(
            ruleset.dataset,
            ruleset.asset,
            rule.name,
            rule.expectation,
            rule.severity,
            rule.description,
            rule.column,
            success=False,
            element_count=len(frame),
        )
        results[rule.name] = base
        try:
            suite.add_expectation(
                _expectation(
                    gx, rule, resolve_parameters(con, rule.parameters, settings, placeholders)
                )
            )
        except Exception as exc:  # a wrong rule must say so, not stop the other rules
            base.error = f"the rule cannot be built: {exc}"
    try:
        asset = source.get_asset(ruleset.dataset)
    except LookupError:
        asset = source.add_dataframe_asset(ruleset.dataset)
    batch_definition = next(iter(asset.batch_definitions), None) or (
        asset.add_batch_definition_whole_dataframe("all")
    )
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    outcome = batch.validate(
        suite,
        result_format={
            "result_format": "COMPLETE",
            "unexpected_index_column_names": location,
            "partial_unexpected_count": FAILING_ROWS_KEPT,
        },
    )
    for item in outcome.results:
        result = results[item.expectation_config.meta["rule"]]
        info = item.exception_info or {}
        if info.get("raised_exception"):
            result.error = f"the rule could not be evaluated: {info.get('exception_message')}"
            continue
        res = item.result or {}
        result.success = bool(item.success)
        result.element_count = int(res.get("element_count", len(frame)) or 0)
        rows = res.get("unexpected_index_list") or []
        result.unexpected_count = int(res.get("unexpected_count", len(rows)) or 0)
        if not result.success and not rows and "observed_value" in res:
            rows = [{"observed_value": res["observed_value"]}]
            result.unexpected_count = result.unexpected_count or 1
        result.failing_rows = _name_copies(
            [
                {k: _plain(v) for k, v in row.items()} if isinstance(row, dict) else {"row": row}
                for row in rows[:FAILING_ROWS_KEPT]
            ]
        )
    return list(results.values())


def _name_copies(rows: list[dict]) -> list[dict]:
    """Failing rows of a file that ``wijkkompas new-edition`` copied into data/raw name the
    statistician's own file too: ``wijkenquete_2026.csv (copy of bad_year.csv)``."""
    if not any(row.get("source_file") for row in rows):
        return rows
    from ingest.snapshots import copies_in
    from pipelines.settings import raw_dir

    copies = copies_in(raw_dir())
    for row in rows:
        if row.get("source_file") in copies:
            row["source_file"] = f"{row['source_file']} (copy of {copies[row['source_file']]})"
    return rows
