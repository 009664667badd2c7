"""Rule results per run in the warehouse (``quality_results``), for the report and history."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pandas as pd

from quality.validate import RuleResult

TABLE = "quality_results"
COLUMNS = (
    "run_id VARCHAR, checked_at TIMESTAMP, dataset VARCHAR, asset VARCHAR, rule VARCHAR, "
    "expectation VARCHAR, severity VARCHAR, description VARCHAR, column_name VARCHAR, "
    "success BOOLEAN, element_count BIGINT, unexpected_count BIGINT, failing_rows VARCHAR, "
    "error VARCHAR"
)


def store_results(con, run_id: str, results: list[RuleResult]) -> None:
    """Replace this run's results of the datasets in ``results``."""
    con.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} ({COLUMNS})")
    now = datetime.now(UTC).replace(tzinfo=None)
    rows = [
        (
            run_id,
            now,
            r.dataset,
            r.asset,
            r.rule,
            r.expectation,
            r.severity,
            r.description,
            r.column,
            r.success,
            r.element_count,
            r.unexpected_count,
            json.dumps(r.failing_rows, ensure_ascii=False, default=str),
            r.error,
        )
        for r in results
    ]
    for dataset in {r.dataset for r in results}:
        con.execute(f"DELETE FROM {TABLE} WHERE run_id = ? AND dataset = ?", [run_id, dataset])
    con.executemany(f"INSERT INTO {TABLE} VALUES ({', '.join('?' * 14)})", rows)


def run_results(con, run_id: str) -> list[RuleResult]:
    """The results recorded for one run (empty if the table or the run is not there)."""
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [TABLE]
    ).fetchone()[0]
    if not exists:
        return []
    frame: pd.DataFrame = con.execute(
        f"SELECT * FROM {TABLE} WHERE run_id = ? ORDER BY dataset, rule", [run_id]
    ).df()
    return [
        RuleResult(
            dataset=row.dataset,
            asset=row.asset,
            rule=row.rule,
            expectation=row.expectation,
            severity=row.severity,
            description=row.description,
            column=row.column_name,
            success=bool(row.success),
            element_count=int(row.element_count),
            unexpected_count=int(row.unexpected_count),
            failing_rows=json.loads(row.failing_rows),
            error=None if pd.isna(row.error) else row.error,
        )
        for row in frame.itertuples()
    ]
