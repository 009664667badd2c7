"""RIVM's health estimates per gemeente, wijk and buurt (StatLine table 50090NED; 2012, 2016,
2020; adults 18+ and 65+) in the warehouse: real figures, model-based (ingest/rivm.py).

``rivm_values`` holds them long, read from the one snapshot of kind ``rivm_health`` in
``data/raw/rivm/`` (an extract of RIVM's xlsx exports, made with ``wijkkompas extract-rivm``):
the Netherlands, every gemeente and wijk of the country (for the national comparison) and the
buurten of the gemeente. Its rules are ``quality/rules/rivm_values.yml`` (the figures) and
``rivm_coverage.yml`` (the gemeente's areas of today in RIVM's division of 2020).
"""

from __future__ import annotations

import dagster as dg
from dagster_duckdb import DuckDBResource

from ingest.errors import InputError
from ingest.rivm import read_rivm_extract, rivm_snapshot
from pipelines.assets.cbs import snapshot_metadata
from pipelines.partitions import INPUTS, compass_asset
from pipelines.resources import write_table
from pipelines.settings import current_gemeente, raw_dir

GROUP = "rivm"


@compass_asset(group_name=GROUP, kinds={"duckdb", "csv"}, deps=[INPUTS])
def rivm_values(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Every RIVM health figure, long: year, age group, area (the Netherlands, every gemeente and
    wijk of the country, the gemeente's buurten), variable (concept + _18plus or _65plus),
    value, status (published, secret, not_published) and the xlsx, row and StatLine key it
    came from. Model-based estimates of RIVM, not direct survey figures: no intervals."""
    path, sidecar = rivm_snapshot(raw_dir())
    try:
        values = read_rivm_extract(path, current_gemeente())
    except InputError as err:
        raise err.copy_of(sidecar.copied_from) from err
    rows = write_table(duckdb, "rivm_values", values)
    meta = snapshot_metadata(sidecar, rows)
    with duckdb.get_connection() as con:  # counted on the table just written
        meta["years"] = ", ".join(
            str(y)
            for (y,) in con.execute("SELECT DISTINCT year FROM rivm_values ORDER BY 1").fetchall()
        )
        meta["status_counts"] = dict(
            con.execute("SELECT status, count(*) FROM rivm_values GROUP BY ALL").fetchall()
        )
        meta["areas_per_level"] = dict(
            con.execute(
                "SELECT area_level, count(DISTINCT area_code) FROM rivm_values GROUP BY ALL"
            ).fetchall()
        )
    meta["originals"] = dg.MetadataValue.json(
        [o.model_dump(mode="json") for o in sidecar.originals or []]
    )
    return dg.MaterializeResult(metadata=meta)
