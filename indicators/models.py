"""Declared models and the runner that orders, checks, times and cleans up after them.

Every step of the indicator computation is a **model**: it reads tables and writes exactly
one. An SQL model is a file ``indicators/sql/<name>.sql`` holding one SELECT, with a header
that declares its interface::

    -- measure_totals: every measure of every area, from the first complete rank of members
    -- reads: area_members, measure_values
    -- writes: measure_totals

optionally ``-- materialise: table`` (a warehouse table, replaced),
``-- materialise: partition <column>`` (the rows of one partition of a warehouse table,
replaced; the other partitions kept) or ``-- materialise: ephemeral`` (never stored: the
model is a common table expression of the model reading it, so DuckDB plans both as one
query; its time is that reader's); the default is a temporary table of the run. The SQL is
a Jinja template (rendered with the run's context: the compiled survey items, say) and takes
``$name`` parameters. What SQL cannot do well (raking) is a **Python model**: a function with
the same declaration (``python_model(reads=..., writes=...)``) that returns an Arrow table or a
pandas frame.

:func:`run_models` takes the models and the tables wanted, and

1. orders the models needed for them from their declarations (a model runs after every model
   that writes a table it reads);
2. checks, before anything runs, that every table a model reads is written by an earlier model
   or is in the warehouse (``MissingInput`` names the model and the table);
3. runs them, timing every step (returned in :class:`ModelRun`, nothing global);
4. drops every intermediate table as soon as no later model reads it.

The declaration is held to the SQL by ``tests/test_models.py``: the tables a model's SQL reads
(from DuckDB's own parser, :func:`tables_read`) are exactly the ones it declares.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import jinja2

SQL_DIR = Path(__file__).parent / "sql"
_HEADER = re.compile(r"^--\s*(reads|writes|materialise)\s*:\s*(.*?)\s*$")
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_JINJA = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


class ModelError(ValueError):
    """A model that cannot run as declared."""


class MissingInput(ModelError):
    def __init__(self, model: str, table: str) -> None:
        self.model, self.table = model, table
        super().__init__(
            f"model {model!r} reads table {table!r}, which no earlier model writes and the "
            "warehouse does not have"
        )


@dataclass(frozen=True)
class Model:
    """One step: the table it writes, the tables it reads, how it is computed."""

    name: str
    reads: tuple[str, ...]
    materialise: str = "temp"  # temp | table | partition <column> | ephemeral
    template: str | None = None  # SQL models: the SELECT (a Jinja template)
    function: Callable[[duckdb.DuckDBPyConnection, Mapping[str, Any]], Any] | None = None
    path: Path | None = None
    doc: str = ""

    def sql(self, context: Mapping[str, Any]) -> str:
        """The model's SELECT, rendered for ``context``."""
        if self.template is None:
            raise ModelError(f"model {self.name!r} is a Python model: it has no SQL")
        try:
            return _JINJA.from_string(self.template).render(**context)
        except jinja2.UndefinedError as exc:
            raise ModelError(f"model {self.name!r} ({self.path}): {exc}") from exc

    @property
    def partition_column(self) -> str | None:
        kind, _, column = self.materialise.partition(" ")
        return column if kind == "partition" else None


def parse_model(path: Path) -> Model:
    """A model from an SQL file with its declaration header (see the module doc)."""
    text = path.read_text(encoding="utf-8")
    declared: dict[str, str] = {}
    doc = ""
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        match = _HEADER.match(line)
        if match:
            declared[match.group(1)] = match.group(2)
        elif not doc:
            doc = line.lstrip("- ").strip()
    if "writes" not in declared or "reads" not in declared:
        raise ModelError(f"{path}: the header must declare '-- reads:' and '-- writes:'")
    writes = declared["writes"]
    if writes != path.stem:
        raise ModelError(f"{path}: writes {writes!r}, but a model file is named for its table")
    materialise = declared.get("materialise", "temp")
    if not re.fullmatch(r"temp|table|ephemeral|partition [a-z_]+", materialise):
        raise ModelError(
            f"{path}: materialise {materialise!r}; expected temp, table, ephemeral or "
            "partition <column>"
        )
    reads = tuple(t.strip() for t in declared["reads"].split(",") if t.strip())
    return Model(writes, reads, materialise, template=text, path=path, doc=doc)


def python_model(*, reads: Iterable[str], writes: str, materialise: str = "temp"):
    """Declare a Python function ``f(con, context)`` as the model writing ``writes``."""

    def wrap(function):
        return Model(
            writes,
            tuple(reads),
            materialise,
            function=function,
            doc=(function.__doc__ or "").strip().split("\n")[0],
        )

    return wrap


def load_sql_models(folder: Path = SQL_DIR) -> dict[str, Model]:
    return {p.stem: parse_model(p) for p in sorted(folder.glob("*.sql"))}


# --- reading the SQL ----------------------------------------------------------------------


def tables_read(con: duckdb.DuckDBPyConnection, sql: str) -> set[str]:
    """The tables a SELECT reads, from DuckDB's own parse tree (CTE names left out)."""
    tree = json.loads(con.execute("SELECT json_serialize_sql($sql)", {"sql": sql}).fetchone()[0])
    if tree.get("error"):
        raise ModelError(f"DuckDB cannot parse the model: {tree.get('error_message')}")
    tables: set[str] = set()
    ctes: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "BASE_TABLE" and "table_name" in node:
                tables.add(node["table_name"])
            for entry in (node.get("cte_map") or {}).get("map", []):
                ctes.add(entry["key"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(tree)
    return tables - ctes


def parameters_of(sql: str) -> list[str]:
    """The ``$name`` parameters of a statement, in order of first use (comments left out)."""
    code = "\n".join(line.split("--")[0] for line in sql.splitlines())
    return list(dict.fromkeys(_PARAM.findall(code)))


# --- running ------------------------------------------------------------------------------


@dataclass
class ModelRun:
    """What a run did: seconds and rows per model, in the order they ran."""

    seconds: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    metadata: dict[str, dict] = field(default_factory=dict)  # what Python models report

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


def plan(
    models: Mapping[str, Model], targets: Iterable[str], sources: Iterable[str] = ()
) -> list[Model]:
    """The models needed for ``targets``, each after the models writing what it reads;
    ``sources`` are read from the warehouse, not computed, although a model writes them
    (an earlier asset did)."""
    sources = set(sources)
    order: list[Model] = []
    state: dict[str, str] = {}

    def visit(name: str, path: tuple[str, ...]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            raise ModelError("models read each other in a cycle: " + " -> ".join(path + (name,)))
        state[name] = "visiting"
        for table in models[name].reads:
            if table in models and table not in sources:
                visit(table, path + (name,))
        state[name] = "done"
        order.append(models[name])

    for target in targets:
        if target not in models:
            raise ModelError(f"no model writes {target!r}")
        visit(target, ())
    return order


def existing_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {
        name
        for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() UNION SELECT view_name FROM duckdb_views()"
        ).fetchall()
    }


def check_inputs(con: duckdb.DuckDBPyConnection, order: list[Model]) -> None:
    """Refuse the run before it starts when a model's input is nowhere to be found, or when
    a temporary model would hide a warehouse table of its name."""
    have = existing_tables(con)
    warehouse = {
        name
        for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary "
            "UNION SELECT view_name FROM duckdb_views() WHERE NOT temporary"
        ).fetchall()
    }
    written: set[str] = set()
    for model in order:
        for table in model.reads:
            if table not in written and table not in have:
                raise MissingInput(model.name, table)
        if model.materialise in ("temp", "ephemeral") and model.name in warehouse:
            raise ModelError(
                f"model {model.name!r} would hide the warehouse table {model.name!r} of the "
                "same name: rename one of them"
            )
        written.add(model.name)


def run_models(
    con: duckdb.DuckDBPyConnection,
    models: Mapping[str, Model],
    targets: Iterable[str],
    params: Mapping[str, Any],
    context: Mapping[str, Any] | None = None,
    partitions: list | None = None,
    sources: Iterable[str] = (),
    keep: Iterable[str] = (),
) -> ModelRun:
    """Run the models needed for ``targets`` on ``con`` (see the module doc). ``params`` are
    the ``$name`` values of the SQL (and the partition keys); ``context`` the Jinja context of
    the templates and the argument of Python models (with ``params`` in it). A partitioned
    model replaces its partition and keeps the others that ``partitions`` lists (all when
    None). ``sources``: tables read from the warehouse although a model writes them (the
    output of an earlier asset). Temporary tables of the run are dropped once no later model
    reads them, except ``targets`` and ``keep``."""
    targets = list(targets)
    sources = set(sources)
    order = plan(models, targets, sources)
    models = {name: m for name, m in models.items() if name not in sources}
    check_inputs(con, order)
    context = {**(context or {}), "params": params}
    # an ephemeral model is part of its reader; asked for itself, it becomes a temp table
    stored = [m for m in order if m.materialise != "ephemeral" or m.name in targets]
    last_reader = {table: i for i, m in enumerate(stored) for table in _stored_reads(m, models)}
    kept = set(targets) | set(keep)
    run = ModelRun()
    live: list[str] = []  # temporary tables of this run, not yet dropped
    for i, model in enumerate(stored):
        start = time.perf_counter()
        run.rows[model.name] = _execute(con, model, models, params, context, partitions, run)
        run.seconds[model.name] = time.perf_counter() - start
        if model.materialise in ("temp", "ephemeral"):
            live.append(model.name)
        for name in [n for n in live if n not in kept and last_reader.get(n, -1) <= i]:
            con.execute(f'DROP TABLE temp.main."{name}"')
            live.remove(name)
    return run


def _ephemeral_inputs(model: Model, models: Mapping[str, Model]) -> list[Model]:
    """The ephemeral models ``model`` reads, directly or through each other, each after the
    ephemeral models it reads (``models``: those of the run, without its sources)."""
    out: list[Model] = []
    for table in model.reads:
        reader = models.get(table)
        if reader is not None and reader.materialise == "ephemeral":
            for inner in [*_ephemeral_inputs(reader, models), reader]:
                if inner not in out:
                    out.append(inner)
    return out


def _stored_reads(model: Model, models: Mapping[str, Model]) -> set[str]:
    """The tables a model reads once its ephemeral inputs are part of it."""
    reads = set(model.reads)
    for inner in _ephemeral_inputs(model, models):
        reads |= set(inner.reads)
    return {t for t in reads if not (t in models and models[t].materialise == "ephemeral")}


def render(model: Model, models: Mapping[str, Model], context: Mapping[str, Any]) -> str:
    """The statement that computes ``model``: its SQL with its ephemeral inputs as CTEs."""
    inner = _ephemeral_inputs(model, models)
    if not inner:
        return model.sql(context)
    ctes = ",\n".join(f'"{m.name}" AS (\n{m.sql(context)}\n)' for m in inner)
    return f"WITH {ctes}\nSELECT * FROM (\n{model.sql(context)}\n)"


def _execute(con, model: Model, models, params, context, partitions, run: ModelRun) -> int:
    if model.function is not None:
        if model.materialise == "ephemeral":
            raise ModelError(f"model {model.name!r}: a Python model cannot be ephemeral")
        result = model.function(con, context)
        if isinstance(result, tuple):  # (table, what the model reports)
            result, run.metadata[model.name] = result
        con.register("_model_result", result)
        try:
            return _materialise(con, model, "SELECT * FROM _model_result", {}, params, partitions)
        finally:
            con.unregister("_model_result")
    sql = render(model, models, context)
    names = parameters_of(sql)
    missing = [n for n in names if n not in params]
    if missing:
        raise ModelError(f"model {model.name!r} needs the parameter(s) {', '.join(missing)}")
    try:
        return _materialise(con, model, sql, {n: params[n] for n in names}, params, partitions)
    except duckdb.Error as exc:
        raise ModelError(f"model {model.name!r} ({model.path}) failed: {exc}") from exc


def _materialise(con, model: Model, select: str, bound: dict, params, partitions) -> int:
    name = f'"{model.name}"'
    if model.materialise in ("temp", "ephemeral"):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {select}", bound)
    elif model.materialise == "table":
        con.execute(f"CREATE OR REPLACE TABLE {name} AS {select}", bound)
    else:
        column = model.partition_column
        if column not in params:
            raise ModelError(f"model {model.name!r} is partitioned by {column}: no ${column}")
        return replace_partitions(
            con, model.name, select, bound, column, [params[column]], partitions
        )
    return con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]


def replace_partitions(
    con: duckdb.DuckDBPyConnection,
    table: str,
    select: str,
    bound: Mapping[str, Any],
    column: str,
    keys: list,
    existing: list | None = None,
) -> int:
    """Replace the rows of ``table`` whose ``column`` is one of ``keys`` with the rows of
    ``select`` (written straight into the table, never held in memory), keeping the other
    partitions that ``existing`` lists (all when None), in one transaction. The table is
    created when it does not exist; when its columns differ from the select's, the other
    partitions are carried over in the new columns (by name). Returns the rows written."""
    name = f'"{table}"'
    new_columns = [(r[0], r[1]) for r in con.execute(f"DESCRIBE {select}", dict(bound)).fetchall()]
    con.execute("BEGIN TRANSACTION")
    try:
        exists = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ? AND NOT temporary",
            [table],
        ).fetchone()[0]
        if not exists:
            con.execute(f"CREATE TABLE {name} AS {select}", dict(bound))
        elif _columns(con, table) == new_columns:
            con.execute(
                f'DELETE FROM {name} WHERE list_contains($keys, "{column}")', {"keys": keys}
            )
            if existing is not None:
                con.execute(
                    f'DELETE FROM {name} WHERE NOT list_contains($keep, "{column}")',
                    {"keep": existing},
                )
            con.execute(f"INSERT INTO {name} {select}", dict(bound))
        else:
            con.execute(f"ALTER TABLE {name} RENAME TO _previous_partitions")
            con.execute(f"CREATE TABLE {name} AS {select}", dict(bound))
            old = {c for c, _ in _columns(con, "_previous_partitions")}
            carried = ", ".join(f'"{c}"' for c, _ in new_columns if c in old)
            con.execute(
                f"INSERT INTO {name} BY NAME SELECT {carried} FROM _previous_partitions "
                f'WHERE NOT list_contains($keys, "{column}") '
                f'AND ($all OR list_contains($keep, "{column}"))',
                {"keys": keys, "all": existing is None, "keep": existing or []},
            )
            con.execute("DROP TABLE _previous_partitions")
        rows = con.execute(
            f'SELECT count(*) FROM {name} WHERE list_contains($keys, "{column}")', {"keys": keys}
        ).fetchone()[0]
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return rows


def _columns(con, relation: str) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in con.execute(f'DESCRIBE "{relation}"').fetchall()]
