"""The warehouse: a DuckDB file, written through Dagster's DuckDB resource."""

from __future__ import annotations

import pandas as pd
from dagster_duckdb import DuckDBResource

from pipelines.settings import warehouse_path


def warehouse() -> DuckDBResource:
    path = warehouse_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return DuckDBResource(database=str(path))


def write_table(duckdb: DuckDBResource, name: str, frame: pd.DataFrame) -> int:
    """Replace table ``name`` with ``frame`` in one transaction; return its row count."""
    with duckdb.get_connection() as con:
        con.register("_frame", frame)
        con.execute("BEGIN TRANSACTION")
        con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _frame')
        con.execute("COMMIT")
        con.unregister("_frame")
    return len(frame)


def read_table(duckdb: DuckDBResource, sql: str, params: list | None = None) -> pd.DataFrame:
    with duckdb.get_connection() as con:
        return con.execute(sql, params or []).df()
