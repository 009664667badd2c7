"""The warehouse: a DuckDB file, written through Dagster's DuckDB resource."""

from __future__ import annotations

from contextlib import ExitStack, contextmanager
from pathlib import Path

import pandas as pd
from dagster_duckdb import DuckDBResource

from pipelines.settings import warehouse_path


class Warehouse(DuckDBResource):
    """The warehouse file, found when a connection is made (``WIJKKOMPAS_WAREHOUSE`` or
    ``data/warehouse/``), so one process can build several warehouses one after another."""

    database: str = ""

    @contextmanager
    def get_connection(self):
        path = Path(self.database) if self.database else warehouse_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        fixed = DuckDBResource(database=str(path), connection_config=self.connection_config)
        with ExitStack() as stack:
            con = stack.enter_context(fixed.get_connection())
            # closed also when the step fails: a connection kept alive by the failure's
            # traceback would hold the database open (the quality report of a failed run, the
            # swap of the warehouse copy and every later connection need it closed)
            stack.callback(con.close)
            yield con


def warehouse() -> DuckDBResource:
    return Warehouse()


def write_table(duckdb: DuckDBResource, name: str, frame: pd.DataFrame) -> int:
    """Replace table ``name`` with ``frame`` in one transaction; return its row count."""
    with duckdb.get_connection() as con:
        con.register("_frame", frame)
        con.execute("BEGIN TRANSACTION")
        con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _frame')
        con.execute("COMMIT")
        con.unregister("_frame")
    return len(frame)


def write_partitions(
    duckdb: DuckDBResource,
    name: str,
    frame: pd.DataFrame,
    column: str,
    keys: list,
    existing: list | None = None,
) -> int:
    """Replace the rows of table ``name`` whose ``column`` is in ``keys`` (the partitions a run
    materialises) with ``frame``, keeping every other partition that still ``existing`` lists
    (rows of a partition that no longer exists, e.g. an edition taken out of editions.yml, go);
    in one transaction. When the columns changed, the other partitions are carried over by name.
    Returns the table's size."""
    existing = list(keys) if existing is None else list(existing)
    with duckdb.get_connection() as con:
        con.register("_frame", frame)
        con.execute("BEGIN TRANSACTION")
        exists = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary", [name]
        ).fetchone()[0]
        if exists:
            con.execute(
                f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _frame UNION ALL BY NAME '
                f'SELECT * FROM "{name}" WHERE NOT list_contains(?, "{column}") '
                f'AND list_contains(?, "{column}")',
                [list(keys), existing],
            )
        else:
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _frame')
        con.execute("COMMIT")
        con.unregister("_frame")
        return con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]


def read_table(duckdb: DuckDBResource, sql: str, params: list | None = None) -> pd.DataFrame:
    with duckdb.get_connection() as con:
        return con.execute(sql, params or []).df()
