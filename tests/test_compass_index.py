"""The compass index and bands are one definition (indicators.compass_index): the DuckDB macros
used by the state and the development index, and the Python band of the site palette."""

from __future__ import annotations

import math
import re

import duckdb
import pytest

from dashboards.palette import score_band
from indicators import compass_index
from indicators.catalogue import statistics_settings
from indicators.models import SQL_DIR

SHIPPED = statistics_settings()["compass"]
OTHER = {  # a different scale: the macros follow the settings, no bound is typed in SQL
    "spread": 12.5,
    "clip": [55, 150.5],
    "bands": [
        {"from": 10, "id": "very_unfavourable"},
        {"from": 80.5, "id": "unfavourable"},
        {"from": 95, "id": "average"},
        {"from": 104.25, "id": "favourable"},
        {"from": 121, "id": "very_favourable"},
    ],
}


def _grid(compass: dict) -> list[float | None]:
    edges = [b["from"] for b in compass["bands"]] + list(compass["clip"]) + [0, 100]
    near = [
        x for e in edges for x in (e, math.nextafter(e, -math.inf), math.nextafter(e, math.inf))
    ]
    steps = [x / 4 for x in range(-40, 801)]  # -10 .. 200 by 0.25
    return [*near, *steps, None, math.inf, -math.inf]


@pytest.mark.parametrize("compass", [SHIPPED, OTHER], ids=["shipped", "other"])
@pytest.mark.parametrize("neutral", [False, True])
def test_python_band_agrees_with_the_macro(compass: dict, neutral: bool) -> None:
    con = duckdb.connect()
    compass_index.create_macros(con, {"compass": compass})
    values = _grid(compass)
    rows = con.execute(  # NaN as a DOUBLE of DuckDB (a NaN parameter arrives as NULL)
        "SELECT v, compass_band(v, $neutral) FROM ("
        "SELECT unnest($values::DOUBLE[]) AS v UNION ALL SELECT 'NaN'::DOUBLE)",
        {"values": values, "neutral": neutral},
    ).fetchall()
    assert len(rows) == len(values) + 1
    assert sum(1 for v, _ in rows if v is not None and math.isnan(v)) == 1
    for value, sql_band in rows:
        assert sql_band == score_band(value, compass["bands"], neutral), value
    # every band is reached, exactly from its lower bound (the lowest one from below too)
    table = compass_index.band_table(compass["bands"])
    for lower, band_id in table[1:]:
        assert score_band(lower, compass["bands"], False) == band_id
        assert score_band(math.nextafter(lower, -math.inf), compass["bands"], False) != band_id
    assert score_band(-math.inf, compass["bands"], False) == table[0][1]
    assert score_band(None, compass["bands"], neutral) is None
    assert score_band(math.nan, compass["bands"], neutral) is None


@pytest.mark.parametrize("compass", [SHIPPED, OTHER], ids=["shipped", "other"])
def test_index_macro_is_the_clipped_formula(compass: dict) -> None:
    con = duckdb.connect()
    compass_index.create_macros(con, {"compass": compass})
    lo, hi = compass["clip"]
    cases = [(d, t, direction) for d in (-9.0, -1.5, -0.25, 0.0, 0.4, 2.0, 7.0)
             for t in (0.5, 1.0, 3.0) for direction in
             ("higher_is_better", "higher_is_worse", "neutral")]  # fmt: skip
    for d, t, direction in cases:
        got = con.execute("SELECT compass_index(?, ?, ?)", [d, t, direction]).fetchone()[0]
        s = -1 if direction == "higher_is_worse" else 1
        assert got == max(lo, min(hi, 100 + s * compass["spread"] * d / t))
    assert con.execute("SELECT compass_index(3.0, 0.0, 'neutral')").fetchone()[0] == 100
    assert con.execute("SELECT compass_index(3.0, NULL, 'neutral')").fetchone()[0] == 100
    assert con.execute("SELECT compass_index(NULL, 1.0, 'neutral')").fetchone()[0] is None
    assert con.execute("SELECT compass_index(1e9, 1.0, 'neutral')").fetchone()[0] == hi
    assert con.execute("SELECT compass_index(1e9, 1.0, 'higher_is_worse')").fetchone()[0] == lo


@pytest.mark.parametrize(
    ("difference", "typical", "direction", "index"),
    [
        (0.0, 2.0, "higher_is_better", 100),  # the gemeente itself
        (-3.0, 2.0, "higher_is_better", 70),  # 1.5 typical distances below: 100 - 30
        (1.0, 2.0, "higher_is_better", 110),  # half a typical distance above
        (2.0, 2.0, "higher_is_better", 120),  # one typical distance above: 100 + spread
        (2.0, 2.0, "neutral", 120),  # neutral indicators count like higher is better
        (2.0, 2.0, "higher_is_worse", 80),  # direction turns the sign
        (-3.0, 2.0, "higher_is_worse", 130),
        (20.0, 2.0, "higher_is_better", 160),  # clipped at the top
        (-20.0, 2.0, "higher_is_better", 40),  # and at the bottom
        (20.0, 2.0, "higher_is_worse", 40),
        (5.0, 0.0, "higher_is_worse", 100),  # no spread among the wijken: all at 100
    ],
)
def test_index_macro_at_known_points(difference, typical, direction, index) -> None:
    """The shipped scale (spread 20, clip 40-160) at points worked out by hand."""
    assert SHIPPED["spread"] == 20 and SHIPPED["clip"] == [40, 160]
    con = duckdb.connect()
    compass_index.create_macros(con, {"compass": SHIPPED})
    got = con.execute("SELECT compass_index(?, ?, ?)", [difference, typical, direction])
    assert got.fetchone()[0] == pytest.approx(index)
    band = con.execute("SELECT compass_band(?, false)", [float(index)]).fetchone()[0]
    assert band == {40: "very_unfavourable", 70: "unfavourable", 80: "unfavourable",
                    100: "average", 110: "favourable", 120: "favourable",
                    130: "very_favourable", 160: "very_favourable"}[index]  # fmt: skip


def test_state_and_development_index_call_the_macros() -> None:
    state = (SQL_DIR / "edition_values.sql").read_text(encoding="utf-8")
    development = (SQL_DIR / "indicator_values.sql").read_text(encoding="utf-8")
    for sql in (state, development):
        assert "compass_index(" in sql
        assert "compass_band(" in sql
        # the scale is nowhere else: no clip, spread or band bound of its own
        assert not re.search(r"\$(lo|hi|spread|b\d)\b|greatest\(|least\(", sql)
        assert "very_unfavourable" not in sql


def test_the_engine_setup_creates_the_macros() -> None:
    con = duckdb.connect()
    compass_index.create_macros(con, statistics_settings())
    names = {
        name
        for (name,) in con.execute(
            "SELECT function_name FROM duckdb_functions() WHERE function_type = 'macro'"
        ).fetchall()
    }
    assert {"compass_index", "compass_band"} <= names
    other = compass_index.macro_sql(OTHER)
    assert "idx < 80.5::DOUBLE" in other and "least(150.5::DOUBLE" in other
    assert " 70 " not in other and " 130 " not in other
