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
    with pytest.raises(InputError, match="row 5.*buurt listed twice"):
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
