"""The editions table (what each edition of the compass is made of) and the changelog between
editions."""

from __future__ import annotations

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from indicators.changelog import edition_changelog as edition_changelog_frame
from pipelines.partitions import INPUTS, compass_asset
from pipelines.resources import write_table
from pipelines.settings import editions_config


@compass_asset(group_name="editions", kinds={"duckdb"}, deps=[INPUTS])
def editions(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """Editions from data/editions.yml: area year, CBS years, survey wave, register year,
    boundaries."""
    cfg = editions_config()
    frame = pd.DataFrame(
        [
            {
                "edition": e.edition,
                "area_year": e.area_year,
                "cbs_years": ",".join(map(str, e.cbs_years)),
                "survey": e.survey,
                "registers": e.registers,
                "boundary_years": ",".join(f"{k}:{v}" for k, v in e.boundaries.items()),
                "dropped_questions": ",".join(e.dropped_questions) or None,
                "gemeente": cfg.gemeente,
            }
            for e in cfg.editions
        ]
    ).astype({"registers": "Int64", "dropped_questions": "string"})  # NULL, not NaN or INTEGER
    return dg.MaterializeResult(
        metadata={"dagster/row_count": write_table(duckdb, "editions", frame)}
    )


@compass_asset(
    group_name="editions",
    kinds={"duckdb"},
    deps=[dg.AssetKey("indicator_values"), dg.AssetKey("area_crosswalk")],
)
def edition_changelog(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """What changed since the previous edition, for statisticians (indicators/changelog.py): new
    and removed indicators, definition breaks, new and recomposed wijken, recoded buurten, and
    the largest changes. Published as statistiek/wijzigingen.html."""
    with duckdb.get_connection() as con:
        frame = edition_changelog_frame(con)
    rows = write_table(duckdb, "edition_changelog", frame)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "by_kind": frame["kind"].value_counts().to_dict(),
        }
    )
