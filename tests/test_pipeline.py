"""The Dagster definitions and a real build of the warehouse, including failing runs."""

from __future__ import annotations

import csv

from tests.conftest import copy_warehouse, run_cli


def test_definitions_partition_every_asset_by_gemeente_and_edition():
    import dagster as dg

    from pipelines.definitions import defs
    from pipelines.partitions import COMPASS

    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {
        "gemeente_inputs",
        "cbs_snapshots",
        "boundary_snapshots",
        "register_exports",
        "cbs_values",
        "areas",
        "area_geometries",
        "survey_export",
        "survey_responses",
        "area_crosswalk",
        "edition_changelog",
        "national_reference",
        "published_site",
    } <= keys
    # one asset per kind of source, whatever files a gemeente has: the graph is the same for
    # every gemeente
    assert not [k for k in keys if k.startswith("raw_")]
    job = defs.resolve_job_def("build")
    # Dagster's own executor (configured the same), holding the build lock for the whole run
    assert job.executor_def.name == "one_build_at_a_time"
    assert (
        job.executor_def.config_schema.as_field().config_type.key
        == dg.multi_or_in_process_executor.config_schema.as_field().config_type.key
    )
    dims = {d.name: d.partitions_def.get_partition_keys() for d in COMPASS.partitions_defs}
    assert dims["edition"] == ["2018", "2024"]
    # every gemeente of the national file (342) can be built, Groningen and Utrecht among them
    assert len(dims["gemeente"]) == 342 and {"GM0014", "GM0344"} <= set(dims["gemeente"])
    for key in graph.get_all_asset_keys():
        assert graph.get(key).partitions_def == COMPASS, key


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


def test_changed_raw_file_stops_the_run_naming_the_file(data_copy, tmp_path, built_warehouse):
    """A selective build from the built warehouse (the bad-input corpus covers the message):
    the sources that do not read the changed file still load, nothing downstream of it runs,
    and neither the site nor the warehouse is touched."""
    _break(data_copy, "raw/cbs/kwb_2023_groningen_subset43cols.csv", "238147", "238100")
    copy_warehouse(built_warehouse, tmp_path)
    warehouse = (tmp_path / "wh" / "w.duckdb").read_bytes()
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("the published site", encoding="utf-8")
    selection = ["cbs_snapshots", "cbs_values", "survey_codebook", "national_areas"]
    result = run_cli(
        "build", *(a for s in selection for a in ("--select", s)), data=data_copy, tmp=tmp_path
    )
    assert result.returncode == 1, result.stdout[-2000:]
    assert "kwb_2023_groningen_subset43cols.csv" in result.stdout
    assert "checksum does not match" in result.stdout and "raw_snapshot_checksum" in result.stdout
    assert "The published site was left as it was" in result.stderr
    assert "ok   survey_codebook" in result.stdout  # independent sources still load
    assert "ok   national_areas" in result.stdout
    assert "ok   cbs_values" not in result.stdout  # nothing downstream of the bad file
    assert [p.name for p in site.iterdir()] == ["index.html"]
    assert (site / "index.html").read_text(encoding="utf-8") == "the published site"
    assert (tmp_path / "wh" / "w.duckdb").read_bytes() == warehouse
