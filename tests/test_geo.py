"""Areas (hierarchy, layouts) and boundaries."""

from __future__ import annotations

import json

import pytest

from geo.areas import user_layout
from geo.boundaries import RD_NEW, read_boundaries
from ingest.errors import InputError


def test_cbs_layouts_have_the_real_number_of_areas(con):
    counts = dict(
        ((y, lv), n)
        for y, lv, n in con.execute(
            "SELECT year, area_level, count(*) FROM areas WHERE layout = 'cbs' GROUP BY ALL"
        ).fetchall()
    )
    assert counts[(2024, "wijk")] == 20 and counts[(2017, "wijk")] == 15
    assert counts[(2024, "gebied")] == 7 and counts[(2017, "gebied")] == 5
    assert counts[(2024, "buurt")] == 151 and counts[(2017, "buurt")] == 108
    assert counts[(2024, "gemeente")] == 1


def test_every_buurt_belongs_once_to_each_level(con):
    bad = con.execute(
        """SELECT year, layout, area_level, buurt_code, count(*) FROM area_buurten
           GROUP BY ALL HAVING count(*) <> 1"""
    ).fetchall()
    assert bad == []
    per_level = con.execute(
        """SELECT year, layout, area_level, count(DISTINCT buurt_code) FROM area_buurten
           GROUP BY ALL"""
    ).fetchall()
    expected = {2024: 151, 2017: 108}
    assert all(n == expected[y] for y, _, _, n in per_level)


def test_gemeente_population_equals_the_sum_of_its_buurten(con):
    # the hierarchy is built from buurten; CBS rounds buurt counts, so allow a small difference
    total, buurt_sum = con.execute(
        """SELECT max(v.value) FILTER (WHERE v.area_code = 'GM0014'),
                  sum(v.value) FILTER (WHERE v.area_level = 'buurt')
           FROM cbs_values v WHERE v.year = 2024 AND v.variable = 'population'"""
    ).fetchone()
    assert abs(total - buurt_sum) / total < 0.002


def test_user_layout_is_a_full_partition(tmp_path):
    buurten = {f"BU001400{i:02d}": f"b{i}" for i in range(3)}
    path = tmp_path / "layout.csv"
    path.write_text(
        "buurt_code,wijk_code,wijk_name,gebied_code,gebied_name\n"
        "BU00140000,A,Wijk A,G1,Gebied 1\nBU00140001,A,Wijk A,G1,Gebied 1\n"
    )
    with pytest.raises(InputError, match="missing from the layout.*BU00140002"):
        user_layout(path, "own", 2024, "GM0014", "Groningen", buurten)
    path.write_text(path.read_text() + "BU00140002,B,Wijk B,G2,Gebied 2\n")
    areas, members = user_layout(path, "own", 2024, "GM0014", "Groningen", buurten)
    assert set(areas.area_level) == {"buurt", "wijk", "gebied", "gemeente"}
    assert len(members[members.area_level == "gemeente"]) == 3
    path.write_text(path.read_text() + "BU00140002,B,Wijk B,G2,Gebied 2\n")
    with pytest.raises(InputError, match=r"row 5.*buurt BU\d+ listed twice"):
        user_layout(path, "own", 2024, "GM0014", "Groningen", buurten)


def test_example_layout_is_loaded_beside_the_cbs_layout(con):
    n = con.execute(
        "SELECT count(*) FROM areas WHERE layout = 'voorbeeld' AND area_level = 'wijk'"
    ).fetchone()[0]
    assert n > 20


def test_boundaries_are_valid_and_in_rd_new(data_dir):
    frame = read_boundaries(
        data_dir / "raw/boundaries/cartomap_2024_groningen_wijken.geojson", "wijk"
    )
    assert frame.crs.to_string() == RD_NEW and len(frame) == 20
    # gemeente Groningen is about 198 km2
    assert 190 < frame.geometry.area.sum() / 1e6 < 205


def test_invalid_geometry_names_feature_and_code(tmp_path, data_dir):
    src = data_dir / "raw/boundaries/cartomap_2024_groningen_wijken.geojson"
    doc = json.loads(src.read_text())
    doc["features"][3]["geometry"] = {
        "type": "Polygon",
        "coordinates": [[[6.5, 53.2], [6.6, 53.3], [6.6, 53.2], [6.5, 53.3], [6.5, 53.2]]],
    }
    bad = tmp_path / "bowtie.geojson"
    bad.write_text(json.dumps(doc))
    with pytest.raises(InputError) as err:
        read_boundaries(bad, "wijk")
    msg = str(err.value)
    assert "bowtie.geojson" in msg and "feature 4" in msg and "WK001403" in msg
    assert "Self-intersection" in msg


def test_geometries_stored_for_every_edition_wijk(con):
    rows = con.execute(
        "SELECT edition, count(*) FROM area_geometries WHERE area_level = 'wijk' GROUP BY ALL"
    ).fetchall()
    assert dict(rows) == {2018: 15, 2024: 20}
    geojson = con.execute(
        "SELECT geom_wgs84_geojson FROM area_geometries WHERE area_code = 'WK001400' "
        "AND edition = 2024"
    ).fetchone()[0]
    lon, lat = json.loads(geojson)["coordinates"][0][0][:2]
    assert 6.4 < lon < 6.7 and 53.1 < lat < 53.3


def test_a_layout_is_dissolved_from_its_buurten_and_a_missing_buurt_is_listed():
    """Drawn example: two adjacent unit squares make one own wijk of area 2 (their shared edge
    gone); a third buurt of the wijk without a boundary is listed, not guessed."""
    import pandas as pd
    import shapely
    from shapely.geometry import box

    from geo.layout_geometry import dissolve_layout

    buurten = pd.DataFrame(
        {
            "area_code": ["B1", "B2", "B3"],
            "geom_rd_wkb": [shapely.to_wkb(g) for g in (box(0, 0, 1, 1), box(1, 0, 2, 1),
                                                         box(5, 5, 6, 7))],
        }
    )  # fmt: skip
    members = pd.DataFrame(
        {
            "area_level": ["wijk", "wijk", "wijk", "wijk"],
            "area_code": ["W1", "W1", "W1", "W2"],
            "buurt_code": ["B1", "B2", "B9", "B3"],
        }
    )
    drawn, coverage = dissolve_layout(buurten, members, {"W1": "Een", "W2": "Twee"})
    w1 = drawn.set_index("area_code").loc["W1", "geometry"]
    assert w1.geom_type == "Polygon" and w1.area == pytest.approx(2.0)
    assert w1.equals(box(0, 0, 2, 1))
    cov = coverage.set_index("area_code")
    assert (cov.loc["W1", "buurten"], cov.loc["W1", "buurten_drawn"]) == (3, 2)
    assert cov.loc["W1", "buurten_without_boundary"] == "B9"
    assert cov.loc["W2", "buurten_without_boundary"] is None
    assert drawn.set_index("area_code").loc["W2", "geometry"].area == pytest.approx(2.0)


def test_own_wijken_are_drawn_from_their_buurten(con):
    """Every own wijk and gebied of the example layout has one valid boundary whose surface is
    the sum of its buurten' surfaces (recomputed here from the buurt boundaries) within 0.1 %;
    the buurten without a boundary are exactly those the buurt map lacks."""
    import shapely

    own = con.sql(
        """SELECT area_level, area_code, geom_rd_wkb, buurten_without_boundary, geometry_valid
           FROM layout_geometries WHERE layout = 'voorbeeld'"""
    ).df()
    areas = con.sql(
        """SELECT area_level, area_code FROM areas WHERE layout = 'voorbeeld'
           AND area_level IN ('wijk', 'gebied')"""
    ).df()
    assert sorted(zip(own["area_level"], own["area_code"], strict=True)) == sorted(
        zip(areas["area_level"], areas["area_code"], strict=True)
    )
    assert own["geometry_valid"].all()
    members = con.sql(
        """SELECT m.area_code, m.buurt_code, g.geom_rd_wkb FROM area_buurten m
           LEFT JOIN area_geometries g ON g.edition = 2024 AND g.area_level = 'buurt'
            AND g.area_code = m.buurt_code
           WHERE m.layout = 'voorbeeld' AND m.area_level IN ('wijk', 'gebied')"""
    ).df()
    for row in own.itertuples():
        parts = members[members["area_code"] == row.area_code]
        have = parts[parts["geom_rd_wkb"].notna()]
        expected = sum(shapely.from_wkb(bytes(b)).area for b in have["geom_rd_wkb"])
        dissolved = shapely.from_wkb(bytes(row.geom_rd_wkb)).area
        assert dissolved == pytest.approx(expected, rel=1e-3), row.area_code
        lacking = sorted(parts.loc[parts["geom_rd_wkb"].isna(), "buurt_code"])
        assert (row.buurten_without_boundary or "") == ",".join(lacking), row.area_code
    # the 2022 buurt map lacks three buurten of 2024: their own wijken say so
    listed = {b for v in own["buurten_without_boundary"].dropna() for b in v.split(",")}
    assert len(listed) == 3


def test_a_gemeente_without_own_layouts_gets_a_typed_empty_table(con):
    """With no own layout, layout_geometries is empty but has the columns and types of the real
    table, so its rules and the site read it alike (an untyped empty frame failed the build)."""
    from geo.layout_geometry import empty_layout_geometries

    real = dict(
        con.sql("SELECT column_name, column_type FROM (DESCRIBE layout_geometries)").fetchall()
    )
    empty = empty_layout_geometries()
    import duckdb

    typed = dict(duckdb.sql("SELECT column_name, column_type FROM (DESCRIBE empty)").fetchall())
    assert len(empty) == 0 and typed == real
