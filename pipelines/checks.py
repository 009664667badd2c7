"""Asset checks generated from the rules files (``quality/rules/*.yml``): one Dagster check per
rule, on the asset the file names. Fatal and error rules are blocking: when one fails, nothing
downstream of the asset runs, so a bad edition never reaches publication. Every result is also
stored in ``quality_results`` for the data-quality report."""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from indicators.catalogue import statistics_settings
from pipelines.settings import editions_config, site_staging_dir
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
        with duckdb.get_connection() as con:
            results = validate(con, ruleset, statistics_settings(), selected, placeholders())
            store_results(con, context.run.run_id, results)
        for r in results:
            yield dg.AssetCheckResult(
                asset_key=asset,
                check_name=r.rule,
                passed=r.success,
                severity=dg.AssetCheckSeverity.WARN
                if r.severity == "warning"
                else dg.AssetCheckSeverity.ERROR,
                description=r.error or r.description,
                metadata={
                    "severity": r.severity,
                    "rows": r.element_count,
                    "failing_rows": r.unexpected_count,
                    "first_failing_rows": dg.MetadataValue.json(r.failing_rows[:5]),
                },
            )

    return _check


def rule_checks() -> list[dg.AssetChecksDefinition]:
    return [ruleset_checks(rs) for rs in load_rulesets()]
