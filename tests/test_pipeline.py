"""The Dagster definitions and a real build of the warehouse, including failing runs."""

from __future__ import annotations

import csv

import dagster as dg

from tests.conftest import run_cli


def test_definitions_load_with_one_asset_per_source():
    from pipelines.definitions import defs

    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {
        "cbs_values",
        "areas",
        "area_geometries",
        "survey_responses",
        "cbs_variables",
        "survey_codebook",
        "editions",
    } <= keys
    assert {
        "raw_kwb_2024_85984ned_groningen",
        "raw_kwb_2023_groningen_subset43cols",
        "raw_kwb_2017_wijkbuurtkaart_groningen_wijken",
        "raw_cartomap_2024_groningen_wijken",
        "survey_export",
        "area_crosswalk",
        "edition_changelog",
    } <= keys
    job = defs.resolve_job_def("build")
    assert job.executor_def.name == "in_process"
    # what holds one edition's data is partitioned by edition, one partition per edition
    graph = defs.resolve_asset_graph()
    for name in ("survey_export", "survey_responses", "survey_weights", "edition_values"):
        partitions = graph.get(dg.AssetKey(name)).partitions_def
        assert partitions.get_partition_keys() == ["2018", "2024"], name
    for name in ("area_crosswalk", "indicator_values", "edition_changelog"):
        assert graph.get(dg.AssetKey(name)).partitions_def is None, name


def test_build_fills_the_warehouse(con):
    years = con.execute(
        "SELECT year, count(DISTINCT area_code) FILTER (WHERE area_level = 'wijk'), "
        "count(DISTINCT area_code) FILTER (WHERE area_level = 'buurt') "
        "FROM cbs_values GROUP BY year ORDER BY year"
    ).fetchall()
    assert years == [(2017, 15, 108), (2023, 20, 151), (2024, 20, 151)]
    pop = con.execute(
        "SELECT value, status FROM cbs_values WHERE year = 2024 AND area_code = 'WK001419' "
        "AND variable = 'population'"
    ).fetchone()
    with open("data/raw/cbs/kwb_2024_85984NED_groningen.csv", encoding="utf-8") as fh:
        row = next(r for r in csv.DictReader(fh) if r["Codering_3"] == "WK001419")
    assert pop == (float(row["AantalInwoners_5"]), "published")
    waves = dict(
        con.execute("SELECT wave, count(*) FROM survey_responses GROUP BY wave").fetchall()
    )
    assert 9000 < waves[2018] < 11000 and 15500 < waves[2024] < 18500
    assert con.execute("SELECT bool_and(synthetic) FROM survey_responses").fetchone()[0]
    # a question asked only in 2024 is NULL for every 2018 respondent
    assert (
        con.execute("SELECT count(ovl_verward) FROM survey_responses WHERE wave = 2018").fetchone()[
            0
        ]
        == 0
    )
    definition = con.execute(
        "SELECT definition_nl FROM cbs_variables WHERE variable = 'aged_65_plus'"
    ).fetchone()[0]
    assert definition and "65" in definition


def _break(data, rel, old, new):
    path = data / rel
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")


def test_changed_raw_file_stops_the_run_naming_the_file(data_copy, tmp_path):
    _break(data_copy, "raw/cbs/kwb_2023_groningen_subset43cols.csv", "238147", "238100")
    result = run_cli("build", data=data_copy, tmp=tmp_path)
    assert result.returncode == 1
    assert "kwb_2023_groningen_subset43cols.csv" in result.stdout
    assert "checksum does not match" in result.stdout and "raw_snapshot_checksum" in result.stdout
    assert "The published site was left as it was" in result.stderr
    assert "ok   raw_kwb_2024" in result.stdout  # independent sources still load
    assert "ok   cbs_values" not in result.stdout  # nothing downstream of the bad file
