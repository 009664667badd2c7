"""The declared models of the engine (indicators/sql/*.sql and the Python models) and their
runner (indicators.models): declarations that are the truth, an order from them, a refusal
before anything runs when an input is missing, timings returned, intermediates dropped."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from indicators import engine
from indicators.catalogue import load_catalogue, statistics_settings
from indicators.models import (
    SQL_DIR,
    MissingInput,
    ModelError,
    parse_model,
    plan,
    python_model,
    run_models,
    tables_read,
)
from ingest.survey.codebook import load_codebook

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def context() -> dict:
    """The Jinja context of the shipped catalogue, codebook and settings (edition 2024)."""
    inputs = engine.Inputs(
        load_catalogue(),
        load_codebook(ROOT / "data" / "survey" / "codebook.yml"),
        statistics_settings(),
        engine.EditionPlan(2024, 2024, (2024, 2023), 2024, 2024),
    )
    con = duckdb.connect()
    con.execute("CREATE TABLE areas (layout VARCHAR)")
    con.execute("INSERT INTO areas VALUES ('cbs'), ('voorbeeld')")
    con.execute("CREATE TABLE harmonised_areas (layout VARCHAR)")
    return {**engine._context(inputs, con), "params": engine._params(inputs)}


MODELS = engine.all_models()
SQL_MODELS = sorted(n for n, m in MODELS.items() if m.template is not None)


def test_every_model_file_is_loaded_and_named_for_its_table():
    files = sorted(p.stem for p in SQL_DIR.glob("*.sql"))
    assert files == SQL_MODELS and len(files) >= 15
    for name in files:
        assert MODELS[name].name == name


@pytest.mark.parametrize("name", SQL_MODELS)
def test_declared_inputs_are_exactly_the_tables_the_sql_reads(name, context):
    model = MODELS[name]
    read = tables_read(duckdb.connect(), model.sql(context))
    assert read == set(model.reads), (
        f"{model.path.name} declares {sorted(model.reads)} but its SQL reads {sorted(read)}"
    )


def test_tables_read_sees_subqueries_and_leaves_out_ctes():
    sql = """WITH a AS (SELECT * FROM t1), b AS (SELECT * FROM a JOIN t2 USING (k))
             SELECT *, (SELECT max(x) FROM t3) FROM b
             WHERE k IN (SELECT k FROM t4) UNION ALL SELECT * FROM t5"""
    assert tables_read(duckdb.connect(), sql) == {"t1", "t2", "t3", "t4", "t5"}


def test_every_python_model_is_declared_with_what_it_queries():
    con = duckdb.connect()
    for model in engine.PYTHON_MODELS:
        queries = engine.PYTHON_MODEL_SQL.get(model.name, [])
        read = set().union(*(tables_read(con, sql) for sql in queries)) if queries else set()
        assert read == set(model.reads), model.name


def test_the_plan_follows_the_declarations():
    order = [m.name for m in plan(MODELS, ["edition_values"], sources=["survey_weights"])]
    assert order.index("area_members") < order.index("measure_totals")
    assert order.index("measure_totals") < order.index("ratio_values")
    assert order.index("survey_area_sums") < order.index("t_quantiles")
    assert order[-1] == "edition_values"
    assert "survey_weights" not in order and "survey_margins" not in order  # weights: a source
    for i, model in enumerate(order):
        for table in MODELS[model].reads:
            if table in order:
                assert order.index(table) < i, (model, table)
    weights = [m.name for m in plan(MODELS, ["survey_weights"])]
    assert weights[-1] == "survey_weights"
    assert {"survey_margins", "survey_strata"} <= set(weights[:-1])
    assert "survey_buurt_sums" not in weights


def _toy_models(tmp_path: Path, files: dict[str, str]) -> dict:
    for name, text in files.items():
        (tmp_path / f"{name}.sql").write_text(text, encoding="utf-8")
    return {p.stem: parse_model(p) for p in tmp_path.glob("*.sql")}


TOY = {
    "doubled": "-- doubled: x times 2\n-- reads: numbers\n-- writes: doubled\n"
    "SELECT x * 2 AS y FROM numbers WHERE x <= $limit",
    "summed": "-- summed: their sum\n-- reads: doubled\n-- writes: summed\n"
    "SELECT sum(y) AS total FROM doubled",
}


def test_the_runner_runs_in_order_times_every_step_and_drops_intermediates(tmp_path):
    models = _toy_models(tmp_path, TOY)
    con = duckdb.connect()
    con.execute("CREATE TABLE numbers AS SELECT range AS x FROM range(10)")
    run = run_models(con, models, ["summed"], {"limit": 3})
    assert list(run.seconds) == ["doubled", "summed"]
    assert all(s >= 0 for s in run.seconds.values())
    assert run.rows == {"doubled": 4, "summed": 1}
    assert con.execute("SELECT total FROM summed").fetchone() == (12,)  # 2 * (0 + 1 + 2 + 3)
    tables = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert "doubled" not in tables  # no later step reads it: dropped
    kept = run_models(con, models, ["summed"], {"limit": 3}, keep=["doubled"])
    assert kept.rows["doubled"] == 4
    assert con.execute("SELECT count(*) FROM doubled").fetchone() == (4,)


def test_the_runner_refuses_a_model_whose_input_is_missing_naming_both(tmp_path):
    models = _toy_models(tmp_path, TOY)
    con = duckdb.connect()  # no table numbers
    with pytest.raises(MissingInput) as caught:
        run_models(con, models, ["summed"], {"limit": 3})
    assert caught.value.model == "doubled" and caught.value.table == "numbers"
    assert "'doubled'" in str(caught.value) and "'numbers'" in str(caught.value)
    # nothing ran: not even the first model
    assert not con.execute("SELECT count(*) FROM duckdb_tables()").fetchone()[0]


def test_a_temporary_model_never_hides_a_warehouse_table(tmp_path):
    models = _toy_models(tmp_path, TOY)
    con = duckdb.connect()
    con.execute("CREATE TABLE numbers AS SELECT range AS x FROM range(10)")
    con.execute("CREATE TABLE doubled AS SELECT 'a warehouse table' AS y")
    with pytest.raises(ModelError, match="would hide the warehouse table 'doubled'"):
        run_models(con, models, ["summed"], {"limit": 3})
    assert con.execute("SELECT * FROM doubled").fetchall() == [("a warehouse table",)]


def test_the_engine_refuses_a_warehouse_without_register_values(tmp_path):
    con = duckdb.connect()
    for table in ("areas", "harmonised_areas"):
        con.execute(f"CREATE TABLE {table} (year INTEGER, layout VARCHAR, area_level VARCHAR, "
                    "area_code VARCHAR, area_name VARCHAR, parent_code VARCHAR)")  # fmt: skip
    for table in ("area_buurten", "harmonised_area_buurten"):
        con.execute(f"CREATE TABLE {table} (year INTEGER, layout VARCHAR, area_level VARCHAR, "
                    "area_code VARCHAR, buurt_code VARCHAR)")  # fmt: skip
    con.execute("CREATE TABLE cbs_values (year INTEGER, area_code VARCHAR, area_level VARCHAR, "
                "variable VARCHAR, value DOUBLE, status VARCHAR)")  # fmt: skip
    inputs = engine.Inputs(
        load_catalogue(),
        load_codebook(ROOT / "data" / "survey" / "codebook.yml"),
        statistics_settings(),
        engine.EditionPlan(2024, 2024, (2024,), 2024, None),
    )
    with pytest.raises(MissingInput, match="'source_values' reads table 'register_values'"):
        engine.compute_edition(con, inputs.catalogue, inputs.codebook, inputs.plan, inputs.settings)


def test_a_cycle_and_an_unknown_target_are_refused(tmp_path):
    models = _toy_models(
        tmp_path,
        {
            "a": "-- a\n-- reads: b\n-- writes: a\nSELECT * FROM b",
            "b": "-- b\n-- reads: a\n-- writes: b\nSELECT * FROM a",
        },
    )
    with pytest.raises(ModelError, match="cycle"):
        plan(models, ["a"])
    with pytest.raises(ModelError, match="no model writes 'c'"):
        plan(models, ["c"])


def test_a_model_file_must_declare_its_interface(tmp_path):
    (tmp_path / "x.sql").write_text("-- x: no header\nSELECT 1", encoding="utf-8")
    with pytest.raises(ModelError, match="must declare"):
        parse_model(tmp_path / "x.sql")
    (tmp_path / "y.sql").write_text("-- y\n-- reads: t\n-- writes: z\nSELECT 1", encoding="utf-8")
    with pytest.raises(ModelError, match="named for its table"):
        parse_model(tmp_path / "y.sql")


def test_an_ephemeral_model_runs_inside_its_reader(tmp_path):
    models = _toy_models(
        tmp_path,
        {
            "doubled": TOY["doubled"].replace(
                "-- writes: doubled", "-- writes: doubled\n-- materialise: ephemeral"
            ),  # fmt: skip
            "summed": TOY["summed"],
        },
    )
    con = duckdb.connect()
    con.execute("CREATE TABLE numbers AS SELECT range AS x FROM range(10)")
    run = run_models(con, models, ["summed"], {"limit": 4})
    assert list(run.seconds) == ["summed"]  # doubled is part of summed's statement
    assert con.execute("SELECT total FROM summed").fetchone() == (20,)


def test_a_python_model_reports_and_is_written_like_sql():
    @python_model(reads=("numbers",), writes="squares")
    def squares(con, context):
        rows = con.execute("SELECT x * x AS y FROM numbers").df()
        return rows, {"largest": int(rows["y"].max())}

    con = duckdb.connect()
    con.execute("CREATE TABLE numbers AS SELECT range AS x FROM range(5)")
    run = run_models(con, {"squares": squares}, ["squares"], {})
    assert run.metadata == {"squares": {"largest": 16}}
    assert con.execute("SELECT sum(y) FROM squares").fetchone() == (30,)


def test_the_runner_keeps_no_timings_of_its_own():
    """Timings are returned by each run, never kept in a module (LAST_TIMINGS is gone)."""
    import indicators.engine
    import indicators.models

    for module in (indicators.engine, indicators.models):
        assert not [k for k, v in vars(module).items() if k.isupper() and isinstance(v, dict)
                    and "TIMING" in k]  # fmt: skip


# --- no words in the SQL ----------------------------------------------------------------------

_LITERAL = re.compile(r"'((?:[^']|'')*)'")


def _code_of(sql: str) -> str:
    """The SQL without its comments (their English documents the model, it is no output)."""
    out = []
    for line in sql.splitlines():
        out.append(re.sub(r"--.*$", "", line))
    return re.sub(r"\{#.*?#\}", "", "\n".join(out), flags=re.S)


@pytest.mark.parametrize("name", [*SQL_MODELS, "changelog"])
def test_no_dutch_or_english_sentence_in_the_sql(name, context):
    """Every string literal of the SQL in indicators/ (as it runs: rendered) is a code, a
    pattern or punctuation: a word followed by a space is a sentence, and sentences live in
    indicators/messages.yml."""
    from indicators import changelog

    sql = changelog.CHANGELOG_SQL if name == "changelog" else MODELS[name].sql(context)
    code = _code_of(sql)
    for literal in _LITERAL.findall(code):
        assert not re.search(r"[A-Za-zÀ-ÿ]{2,}\s+\S", literal), f"{name}: '{literal}'"
        assert not re.search(r"[a-z]{2,}[.!?]$", literal), f"{name}: '{literal}'"


def test_the_sentence_check_catches_a_sentence():
    code = _code_of("SELECT 'Minder dan 5 gevallen' AS note -- 'a comment is fine'")
    assert [x for x in _LITERAL.findall(code) if re.search(r"[A-Za-zÀ-ÿ]{2,}\s+\S", x)]
