"""CBS assets: one staged table per kerncijfers snapshot, the crosswalk, and ``cbs_values``."""

from __future__ import annotations

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from ingest.cbs import STATUS_CODES, load_crosswalk, read_kerncijfers, variable_catalogue
from ingest.errors import InputError
from ingest.snapshots import Sidecar, discover_snapshots, verify_snapshot
from pipelines.partitions import INPUTS, compass_asset
from pipelines.resources import read_table, write_table
from pipelines.settings import data_dir, raw_dir

GROUP = "cbs"


def snapshot_metadata(sidecar: Sidecar, rows: int) -> dict:
    return {
        "dagster/row_count": rows,
        "sha256": sidecar.sha256,
        "publisher": sidecar.publisher,
        "table_id": sidecar.table_id or "",
        "year": sidecar.year or 0,
        "licence": sidecar.licence,
        "synthetic": sidecar.synthetic,
        "origin": sidecar.origin,
    }


def staged_result(staged: dict[str, dict]) -> dg.MaterializeResult:
    """The result of an asset that stages every snapshot of a kind: their rows summed, and per
    table ``raw_<file>`` what it staged (with its ``rows``)."""
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": sum(m["rows"] for m in staged.values()),
            "snapshots": staged,
        }
    )


def asset_name(sidecar: Sidecar) -> str:
    stem = sidecar.file.rsplit(".", 1)[0].lower()
    return "raw_" + "".join(ch if ch.isalnum() else "_" for ch in stem)


def _snapshots(kind: str):
    return [(p, s) for p, s in discover_snapshots(raw_dir()) if s.kind == kind]


@compass_asset(group_name=GROUP, kinds={"duckdb", "csv"}, deps=[INPUTS])
def cbs_area_codes(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """CBS wijk codes and names per year of the gemeente (to know which codes are real)."""
    path, sidecar = _snapshots("cbs_area_codes")[0]
    sidecar = verify_snapshot(path)
    frame = pd.read_csv(path, dtype=str)
    rows = write_table(duckdb, "cbs_wijk_codes", frame)
    return dg.MaterializeResult(metadata=snapshot_metadata(sidecar, rows))


def stage_kerncijfers(duckdb: DuckDBResource, path, sidecar: Sidecar) -> dict:
    """One kerncijfers snapshot, checksum-verified, as long rows in table ``raw_<file>``."""
    checked = verify_snapshot(path)
    try:
        frame = read_kerncijfers(
            path,
            year=sidecar.year,
            scheme=sidecar.scheme,
            crosswalk=load_crosswalk(data_dir() / "reference" / "cbs_variable_crosswalk.csv"),
            area_level=sidecar.area_level,
            decimal_comma=sidecar.decimal_comma,
        )
    except InputError as err:
        raise err.copy_of(checked.copied_from) from err
    rows = write_table(duckdb, asset_name(sidecar), frame)
    meta = snapshot_metadata(sidecar, rows)
    meta["status_counts"] = frame["status"].value_counts().to_dict()
    return meta


@compass_asset(group_name=GROUP, kinds={"duckdb", "csv"}, deps=[cbs_area_codes])
def cbs_snapshots(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Every CBS kerncijfers snapshot of data/raw/ (kind cbs_kerncijfers), checksum-verified,
    staged as long rows in a table ``raw_<file>`` each; their content is checked by the rules on
    cbs_values."""
    staged = {}
    for path, sidecar in _snapshots("cbs_kerncijfers"):
        meta = stage_kerncijfers(duckdb, path, sidecar)
        staged[asset_name(sidecar)] = {"rows": meta["dagster/row_count"]} | {
            k: meta[k] for k in ("year", "sha256", "synthetic")
        }
    return staged_result(staged)


@compass_asset(group_name=GROUP, kinds={"duckdb"}, deps=[INPUTS])
def cbs_variables(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Canonical CBS variables: columns per year, unit, kind and CBS's own definition."""
    dictionary_path = next(
        p for p, s in _snapshots("cbs_dictionary") if p.name.endswith("data_dictionary.csv")
    )
    verify_snapshot(dictionary_path)
    crosswalk = load_crosswalk(data_dir() / "reference" / "cbs_variable_crosswalk.csv")
    catalogue = variable_catalogue(crosswalk, pd.read_csv(dictionary_path, dtype=str))
    rows = write_table(duckdb, "cbs_variables", catalogue)
    write_table(
        duckdb,
        "cbs_status_codes",
        pd.DataFrame(list(STATUS_CODES.items()), columns=["status", "explanation"]),
    )
    return dg.MaterializeResult(metadata={"dagster/row_count": rows})


@compass_asset(group_name=GROUP, kinds={"duckdb"}, deps=[cbs_snapshots])
def cbs_values(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """All CBS figures in one long table: year, area, level, variable, value, status."""
    names = [asset_name(s) for _, s in _snapshots("cbs_kerncijfers")]
    union = " UNION ALL ".join(f'SELECT * FROM "{n}"' for n in names)
    with duckdb.get_connection() as con:
        con.execute(
            f"CREATE OR REPLACE TABLE cbs_values AS {union} "
            "ORDER BY year, area_level, area_code, variable"
        )
        counts = con.execute(
            "SELECT year, area_level, count(DISTINCT area_code) FROM cbs_values "
            "GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        rows = con.execute("SELECT count(*) FROM cbs_values").fetchone()[0]
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "areas_per_year_level": {f"{y} {lv}": n for y, lv, n in counts},
        }
    )


def cbs_values_frame(duckdb: DuckDBResource) -> pd.DataFrame:
    return read_table(duckdb, "SELECT * FROM cbs_values")
