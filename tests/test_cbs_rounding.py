"""CBS rounds the counts of small areas to fives, so a share made of two such counts can exceed
its whole (15 unmarried of 10 residents in BU01091010, Coevorden; 90 such cells in 54 gemeenten
of the national file). The engine's ratio model withholds such a share with its own reason
instead of publishing 150 % (which the rule shares_within_0_100 then stops, failing the
gemeente's build); a ratio that is no share (cars per household) may exceed 1."""

from __future__ import annotations

import duckdb
import pandas as pd

from indicators import engine
from indicators.messages import suppression_codes
from indicators.models import run_models
from tests.conftest import national_cell, national_rows


def _ratio_values(defs: list[dict], totals: list[dict]) -> pd.DataFrame:
    con = duckdb.connect()
    con.execute("CREATE TABLE edition_areas (area_id INTEGER, area_level VARCHAR)")
    con.execute("INSERT INTO edition_areas VALUES (1, 'buurt'), (2, 'wijk')")
    con.register("_defs", pd.DataFrame(defs))
    con.execute("CREATE TABLE ratio_defs AS SELECT * FROM _defs")
    con.register("_totals", pd.DataFrame(totals).astype({"missing": "string"}))
    con.execute("CREATE TABLE measure_totals AS SELECT * FROM _totals")
    run_models(
        con, engine.all_models(), ["ratio_values"], {"min_count": 5},
        sources=["edition_areas", "ratio_defs", "measure_totals"],
    )  # fmt: skip
    return con.execute("SELECT * FROM ratio_values ORDER BY area_id, indicator_key").df()


def test_a_share_above_its_whole_from_rounded_counts_is_withheld_with_its_reason():
    row = national_rows()["BU01091010"]
    unmarried, residents = national_cell(row["a_ongeh"]), national_cell(row["a_inw"])
    assert unmarried > residents  # the national file as CBS publishes it
    defs = [
        {"indicator_key": 0, "indicator_id": "share_unmarried", "source": "cbs",
         "numerator_id": 0, "denominator_id": 1, "scale": 100.0, "share": True},
        {"indicator_key": 1, "indicator_id": "cars_per_household", "source": "cbs",
         "numerator_id": 2, "denominator_id": 3, "scale": 1.0, "share": False},
    ]  # fmt: skip
    totals = [
        {"area_id": a, "measure_id": m, "total": t, "period": "2023", "missing": None}
        for a, m, t in [(1, 0, unmarried), (1, 1, residents), (1, 2, 15.0), (1, 3, 10.0),
                        (2, 0, 40.0), (2, 1, 100.0), (2, 2, 5.0), (2, 3, 10.0)]
    ]  # fmt: skip
    got = _ratio_values(defs, totals).set_index(["area_id", "indicator_key"])
    assert got.loc[(1, 0), "missing"] == "rounded_above_total"  # 150 %: withheld
    assert pd.isna(got.loc[(1, 1), "missing"]) and got.loc[(1, 1), "raw_value"] == 1.5
    assert pd.isna(got.loc[(2, 0), "missing"]) and got.loc[(2, 0), "raw_value"] == 40.0
    assert "rounded_above_total" in suppression_codes()  # a code with its sentences
