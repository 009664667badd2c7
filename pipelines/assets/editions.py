"""The editions table: what each edition of the compass is made of."""

from __future__ import annotations

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from pipelines.resources import write_table
from pipelines.settings import editions_config


@dg.asset(group_name="editions", kinds={"duckdb"})
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
                "gemeente": cfg.gemeente,
            }
            for e in cfg.editions
        ]
    )
    return dg.MaterializeResult(
        metadata={"dagster/row_count": write_table(duckdb, "editions", frame)}
    )
