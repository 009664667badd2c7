"""Municipal register assets: the variables, one staged table per export, ``register_values``.

The shipped exports are SYNTHETIC (``ingest/registers/generator.py``); a real export from the
municipal data warehouse in the same layout loads the same way. Every export is checksum-verified
against its sidecar before it is read; its content is checked by the rules of
``quality/rules/register_values.yml`` against the buurten of the edition that uses its year
(``registers:`` in ``data/editions.yml``) and the register variables.
"""

from __future__ import annotations

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from ingest.errors import InputError
from ingest.registers.export import read_register_export
from ingest.registers.variables import QUANTITIES, load_variables
from ingest.snapshots import discover_snapshots, verify_snapshot
from pipelines.assets.areas import areas
from pipelines.assets.cbs import asset_name, staged_result
from pipelines.partitions import INPUTS, compass_asset
from pipelines.resources import write_table
from pipelines.settings import data_dir, editions_config, raw_dir

GROUP = "registers"
VALUE_COLUMNS = (
    "year BIGINT, area_code VARCHAR, area_level VARCHAR, variable VARCHAR, value DOUBLE, "
    "synthetic BOOLEAN, year_in_file BIGINT, source_file VARCHAR, source_row BIGINT"
)


def variables_path():
    return data_dir() / "registers" / "variables.yml"


def _register_snapshots() -> list[tuple]:
    return [(p, s) for p, s in discover_snapshots(raw_dir()) if s.kind == "register"]


@compass_asset(group_name=GROUP, kinds={"duckdb", "yaml"}, deps=[INPUTS])
def register_variables(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """The register variables (data/registers/variables.yml): title, owning register, theme,
    unit, and the parameters the synthetic generator draws them with."""
    variables = load_variables(variables_path())
    frame = pd.DataFrame(
        [
            {
                "variable": v.id,
                "title_nl": v.title.nl,
                "title_en": v.title.en,
                "register": v.register_name,
                "theme": v.theme,
                "unit": v.unit,
                "note": v.note,
                "base": v.of
                if v.of
                else " + ".join(f"{w:g} x {q}" for q, w in (v.per or {}).items()),
                "base_kind": "register" if v.of and v.of not in QUANTITIES else "cbs",
                "includes": ",".join(v.includes) or None,
                "rate_2017": v.rate_in(2017),
                "rate_2024": v.rate_in(2024),
                "drivers": ", ".join(f"{k} {b:+g}" for k, b in v.drivers.items()) or None,
                "sigma": v.sigma,
                "since": v.since,
            }
            for v in variables
        ]
    ).astype({"since": "Int64", "note": "object", "includes": "object", "drivers": "object"})
    rows = write_table(duckdb, "register_variables", frame)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "registers": int(frame["register"].nunique()),
            "by_theme": frame["theme"].value_counts().to_dict(),
        }
    )


@compass_asset(group_name=GROUP, kinds={"duckdb", "csv"}, deps=[areas, register_variables])
def register_exports(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Every municipal register export of data/raw/registers (kind register), checksum-verified,
    staged in a table ``raw_<file>`` each; their content is checked by the rules on
    register_values (the shipped and generated exports are SYNTHETIC)."""
    staged = {}
    for path, _ in _register_snapshots():
        checked = verify_snapshot(path)
        try:
            frame = read_register_export(path, checked.year)
        except InputError as err:
            raise err.copy_of(checked.copied_from) from err
        frame["synthetic"] = checked.synthetic
        rows = write_table(duckdb, asset_name(checked), frame)
        staged[asset_name(checked)] = {
            "year": checked.year,
            "rows": rows,
            "sha256": checked.sha256,
            "buurten": int(frame["area_code"].nunique()),
            "variables": int(frame["variable"].nunique()),
            "synthetic": checked.synthetic,
        }
    return staged_result(staged)


@compass_asset(group_name=GROUP, kinds={"duckdb"}, deps=[register_exports, register_variables])
def register_values(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """All register counts, long: year, area_code, area_level ('buurt'), variable, value,
    synthetic. Every edition with ``registers: <year>`` must have an export of that year."""
    snapshots = _register_snapshots()
    years = {s.year: asset_name(s) for _, s in snapshots}
    for edition in editions_config().editions:
        if edition.registers is not None and edition.registers not in years:
            raise InputError(
                data_dir() / "editions.yml",
                f"edition {edition.edition} names register year {edition.registers}, but there "
                "is no register export of that year",
                column="registers",
                value=edition.registers,
                expected=f"data/raw/registers/registers_{edition.registers}.csv with a sidecar "
                f"(kind: register, year: {edition.registers}); one of {sorted(years)}",
            )
    with duckdb.get_connection() as con:
        if years:
            union = " UNION ALL ".join(
                "SELECT year, area_code, area_level, variable, value, synthetic, year_in_file, "
                f'source_file, source_row FROM "{n}"'
                for n in years.values()
            )
            con.execute(
                f"CREATE OR REPLACE TABLE register_values AS SELECT * FROM ({union}) "
                "ORDER BY year, area_code, variable"
            )
        else:
            con.execute(f"CREATE OR REPLACE TABLE register_values ({VALUE_COLUMNS})")
        per_year = con.execute(
            "SELECT year, count(*), count(DISTINCT area_code), count(DISTINCT variable), "
            "sum(value) FROM register_values GROUP BY year ORDER BY year"
        ).fetchall()
        synthetic = con.execute("SELECT bool_or(synthetic) FROM register_values").fetchone()[0]
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": sum(r[1] for r in per_year),
            "rows_per_year": {str(y): n for y, n, *_ in per_year},
            "buurten_per_year": {str(y): b for y, _, b, *_ in per_year},
            "variables_per_year": {str(y): v for y, _, _, v, _ in per_year},
            "checksums": {s.file: s.sha256 for _, s in snapshots},
            "synthetic": bool(synthetic),
        }
    )
