"""Every RIVM measurement on today's areas: per area of the latest edition (every layout), RIVM
indicator and RIVM year (2012, 2016, 2020), the figure as the edition would show it.

The same declared model computes it as an edition's RIVM figures (``indicators/sql/
rivm_estimates.sql``): RIVM's own estimate of the area, or the mean of its parts weighted by
their residents of today; once per RIVM year, on the latest edition's areas. RIVM publishes
every year on its 2020 division, so the years need no harmonising: an area has the same extent
in every year of the series. The Netherlands' figure (RIVM's own, ``NL01``) is added per year.
The over-time charts of the site read this table (``rivm_series``).
"""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pandas as pd

from indicators import engine
from indicators.catalogue import Catalogue
from indicators.models import run_models

LAND = "NL01"  # RIVM's code of the Netherlands

SERIES_SQL = """SELECT a.layout, a.area_level, a.area_code, d.indicator_id,
       e.raw_value AS value, e.missing
FROM rivm_estimates e JOIN edition_areas a USING (area_id) JOIN rivm_defs d USING (indicator_key)"""

LAND_SQL = """SELECT 'cbs' AS layout, 'land' AS area_level, r.area_code, d.indicator_id,
       r.year, r.value, CASE WHEN r.value IS NULL THEN 'rivm_not_published' END AS missing
FROM rivm_values r JOIN rivm_defs d USING (variable) WHERE r.area_code = ?"""


def rivm_series(
    con: duckdb.DuckDBPyConnection,
    catalogue: Catalogue,
    settings: dict,
    plan: engine.EditionPlan,
    years: list[int],
) -> pd.DataFrame:
    """The series of every RIVM indicator on the areas of ``plan`` (the latest edition), one
    row per layout, level, area, indicator and year: ``value`` (NULL with its ``missing``
    reason)."""
    frames = []
    for year in years:
        inputs = engine.Inputs(catalogue, None, settings, replace(plan, rivm_year=year))
        run_models(
            con,
            engine.all_models(),
            ["rivm_estimates"],
            engine._params(inputs),
            {"inputs": inputs},
            keep=["edition_areas", "rivm_defs"],
        )
        frames.append(con.execute(SERIES_SQL).df().assign(year=year))
        frames.append(con.execute(LAND_SQL, [LAND]).df().query("year == @year"))
    series = pd.concat(frames, ignore_index=True)
    for table in ("rivm_estimates", "edition_areas", "rivm_defs"):
        con.execute(f"DROP TABLE IF EXISTS temp.main.{table}")
    harmonised = series["layout"].str.startswith("harmonised")
    return series[~harmonised].astype({"year": "int64"}).reset_index(drop=True)
