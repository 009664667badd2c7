"""Asset checks generated from the rules files (``quality/rules/*.yml``): one Dagster check per
rule, on the asset the file names. Fatal and error rules are blocking: when one fails, nothing
downstream of the asset runs, so a bad edition never reaches publication. Every result is also
stored in ``quality_results`` for the data-quality report."""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from indicators.catalogue import statistics_settings
from pipelines.partitions import gemeenten_of
from pipelines.settings import editions_config, gemeente_scope, site_staging_dir
from quality.results import store_results
from quality.rulesets import RuleSet, load_rulesets
from quality.validate import validate


def placeholders() -> dict[str, str]:
    """Values filled into the rules' SQL."""
    return {"gemeente": editions_config().gemeente, "site_staging": str(site_staging_dir())}


def ruleset_checks(ruleset: RuleSet) -> dg.AssetChecksDefinition:
    asset = dg.AssetKey(ruleset.asset)
    specs = [
        dg.AssetCheckSpec(
            rule.name,
            asset=asset,
            description=f"[{rule.severity}] {rule.description}",
            blocking=rule.blocking,
            additional_deps=[dg.AssetKey(n) for n in ruleset.needs],
            metadata={
                "severity": rule.severity,
                "expectation": rule.expectation,
                "rules_file": f"quality/rules/{ruleset.file}",
            },
        )
        for rule in ruleset.rules
    ]

    @dg.multi_asset_check(
        specs=specs,
        name=f"{ruleset.dataset}_rules",
        description=f"Rules of quality/rules/{ruleset.file}: {ruleset.description}",
        can_subset=True,
    )
    def _check(context, duckdb: DuckDBResource):
        selected = {key.name for key in context.selected_asset_check_keys}
        by_rule: dict[str, list] = {}
        for code in gemeenten_of(context):  # each gemeente's warehouse, its results stored there
            with gemeente_scope(code), duckdb.get_connection() as con:
                results = validate(con, ruleset, statistics_settings(), selected, placeholders())
                store_results(con, context.run.run_id, results)
            for r in results:
                by_rule.setdefault(r.rule, []).append((code, r))
        for rule, found in by_rule.items():
            yield _check_result(asset, rule, found)

    return _check


def _check_result(asset: dg.AssetKey, rule: str, found: list) -> dg.AssetCheckResult:
    """One rule's result over the gemeenten of the run: passed when it passed in every one."""
    first = next((r for _, r in found if not r.success), found[0][1])
    failing = [code for code, r in found if not r.success]
    description = first.error or first.description
    if len(found) > 1 and failing:
        description = f"{', '.join(failing)}: {description}"
    return dg.AssetCheckResult(
        asset_key=asset,
        check_name=rule,
        passed=not failing,
        severity=dg.AssetCheckSeverity.WARN
        if first.severity == "warning"
        else dg.AssetCheckSeverity.ERROR,
        description=description,
        metadata={
            "severity": first.severity,
            "gemeenten": ", ".join(code for code, _ in found),
            "failing_gemeenten": ", ".join(failing),
            "rows": sum(r.element_count or 0 for _, r in found),
            "failing_rows": sum(r.unexpected_count or 0 for _, r in found),
            "first_failing_rows": dg.MetadataValue.json(first.failing_rows[:5]),
        },
    )


def rule_checks() -> list[dg.AssetChecksDefinition]:
    return [ruleset_checks(rs) for rs in load_rulesets()]
