"""A compass for any gemeente: inputs generated from the national CBS file, gemeente x edition as
Dagster partitions, and two other gemeenten built as partitions of one multiprocess run."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml

from tests.conftest import national_cell, national_rows, run_cli


def _national_rows(code: str) -> dict[str, dict[str, str]]:
    """The national file's rows of gemeente ``code``, its wijken and buurten, by area code."""
    return {k: r for k, r in national_rows().items() if k == code or k[2:6] == code[2:6]}


@pytest.fixture()
def gemeenten_dir(tmp_path, monkeypatch) -> Path:
    target = tmp_path / "gemeenten"
    monkeypatch.setenv("WIJKKOMPAS_GEMEENTEN", str(target))
    return target


def _layout(path: Path) -> Path:
    """An own layout of Terschelling: west (wijken 00, 01) and east (02-05), two gebieden."""
    rows = ["buurt_code,wijk_code,wijk_name,gebied_code,gebied_name"]
    for code in _national_rows("GM0093"):
        if code.startswith("BU"):
            west = code[6:8] in ("00", "01")
            rows.append(
                f"{code},{'TW' if west else 'TO'},{'West' if west else 'Oost'},"
                f"{'GB009301' if west else 'GB009302'},{'Westelijk eiland' if west else 'Oost'}"
            )
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_generated_inputs_are_the_national_rows_with_wijk_names(gemeenten_dir, tmp_path):
    from ingest.snapshots import discover_snapshots, verify_snapshot
    from pipelines.gemeente_inputs import generate_inputs

    data = generate_inputs("GM0093", _layout(tmp_path / "eigen.csv"), echo=lambda *_: None)
    assert data == gemeenten_dir / "GM0093" / "data"
    assert not (gemeenten_dir / "GM0093" / ".data.generating").exists()
    national = _national_rows("GM0093")
    # the CBS extract: every row and cell of the gemeente in the national file, as it was
    with (data / "raw" / "cbs" / "kwb_2023_gm0093.csv").open(encoding="utf-8") as fh:
        extract = list(csv.DictReader(fh))
    assert [r["gwb_code_10"] for r in extract] == list(national)
    for row in extract:
        assert {k: v for k, v in row.items() if k != "regio"} == national[row["gwb_code_10"]]
    names = {r["gwb_code_10"]: r["regio"] for r in extract}
    assert names["GM0093"] == "Terschelling"
    assert names["WK009301"] == "Wijk 01 Midsland"  # CBS's wijk- en buurtkaart (the dbf)
    assert names["BU00930110"] == "Wijk 01 Midsland, buurt 10"  # no buurt names nationally
    # every snapshot verifies against its sidecar; the survey and registers say SYNTHETIC
    snapshots = discover_snapshots(data / "raw")
    kinds = {s.kind for _, s in snapshots}
    assert {"cbs_kerncijfers", "cbs_area_codes", "cbs_national", "cbs_area_names"} <= kinds
    for path, sidecar in snapshots:
        verify_snapshot(path)
        assert sidecar.synthetic == (sidecar.kind in ("survey_export", "register")), path
    survey = next(s for _, s in snapshots if s.kind == "survey_export")
    assert "SYNTHETIC" in survey.title and "ratios of the Netherlands" in survey.notes
    # one gebied per CBS wijk, the own layout published first
    gebieden = pd.read_csv(data / "areas" / "gebieden.csv", dtype=str)
    wijken = [c for c in national if c.startswith("WK")]
    assert gebieden["wijk_code"].tolist() == wijken
    assert gebieden["gebied_code"].tolist() == ["GB" + w[2:] for w in wijken]
    config = yaml.safe_load((data / "editions.yml").read_text(encoding="utf-8"))
    assert config["gemeente"] == "GM0093" and config["primary_layout"] == "eigen"
    edition = config["editions"][0]
    assert edition["area_year"] == 2023 and edition["boundaries"] == {"wijk": 2023}
    # the wijk map: the gemeente's wijken with figures, from the national generalised map
    import geopandas as gpd

    maps = [(p, s) for p, s in snapshots if s.kind == "boundaries"]
    assert len(maps) == 1 and maps[0][1].area_level == "wijk"
    drawn = gpd.read_file(maps[0][0])
    assert set(drawn["WK_CODE"]) == set(wijken) and drawn.geometry.is_valid.all()
    assert "{code}" not in (data / "editions.yml").read_text(encoding="utf-8")


def test_another_gemeentes_catalogue_has_no_groningen_services_or_words():
    """Indicators of Groningen's own services (its WIJ teams, its Stadjerspas) are marked with
    the gemeente and left out of every other gemeente's compass; no word of what is left names
    Groningen where the gemeente is meant."""

    from indicators.catalogue import load_catalogue

    everything = load_catalogue()
    own = {i.id for i in everything.indicators if i.gemeente == "GM0014"}
    assert {"wij_requests_per_1000_households", "knows_wij_team"} <= own
    utrecht = load_catalogue(gemeente="GM0344")
    assert {i.id for i in utrecht.indicators} == {i.id for i in everything.indicators} - own
    assert len(load_catalogue(gemeente="GM0014").indicators) == len(everything.indicators)
    for i in utrecht.indicators:
        texts = [i.title, i.description, i.processing, i.caveats, i.break_note]
        words = " ".join(f"{t.nl} {t.en}" for t in texts if t is not None)
        assert not re.search(r"Groningen|\bWIJ\b|Stadjerspas", words), i.id


def test_an_unknown_gemeente_is_named_with_the_file(gemeenten_dir):
    from ingest.errors import InputError
    from pipelines.gemeente_inputs import generate_inputs

    with pytest.raises(InputError) as err:
        generate_inputs("GM9999", echo=lambda *_: None)
    message = str(err.value)
    assert "kwb_2023_national_43cols.csv" in message and "GM9999" in message
    assert "gwb_code_10" in message
    assert not (gemeenten_dir / "GM9999").exists()
    result = run_cli("build", "--gemeente", "GM9999", WIJKKOMPAS_GEMEENTEN=str(gemeenten_dir))
    assert result.returncode == 1 and "Unknown gemeente 'GM9999'" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "breakage, row, column",
    [("drop wijk_name", 1, "wijk_name"), ("unknown buurt", 3, "buurt_code")],
)
def test_a_bad_layout_is_refused_before_any_input_is_written(
    gemeenten_dir, tmp_path, breakage, row, column
):
    """A --layout is read as the build reads it before the gemeente's inputs are generated: the
    error names the user's file, row and column, and nothing is left behind to fail later
    builds."""
    from ingest.errors import InputError
    from pipelines.gemeente_inputs import generate_inputs

    table = pd.read_csv(_layout(tmp_path / "eigen.csv"), dtype=str)
    if breakage == "drop wijk_name":
        table = table.drop(columns="wijk_name")
    else:  # row 3 of the file (the header is row 1): a buurt of Vlieland
        table.loc[1, "buurt_code"] = "BU00960000"
    bad = tmp_path / "bad.csv"
    table.to_csv(bad, index=False)
    before = bad.read_bytes()
    with pytest.raises(InputError) as err:
        generate_inputs("GM0093", bad, echo=lambda *_: None)
    assert (err.value.file, err.value.row, err.value.column) == (str(bad), row, column)
    assert bad.read_bytes() == before  # the user's file is not touched
    assert not (gemeenten_dir / "GM0093").exists()
    result = run_cli(
        "build", "--gemeente", "GM0093", "--layout", str(bad),
        WIJKKOMPAS_GEMEENTEN=str(gemeenten_dir),
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert str(bad) in result.stderr and f"column '{column}'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (gemeenten_dir / "GM0093").exists()


def test_wijken_without_age_or_sex_are_weighted_to_their_population():
    from indicators.weights import population_only_margins, rake_arrays

    margins = pd.DataFrame(
        {
            "wijk_code": ["WK1", "WK2"],
            "age_0": [np.nan, 100.0],
            "age_1": [np.nan, 300.0],
            "men": [np.nan, 190.0],
            "women": [np.nan, 210.0],
            "population": [1000.0, 400.0],
        }
    )
    rng = np.random.default_rng(1)
    w_idx = np.repeat([0, 1], [40, 60])
    ages = rng.integers(16, 90, 100)
    sex = rng.integers(1, 3, 100)
    filled, n = population_only_margins(margins, w_idx, ages, sex, [[16, 44], [45, 120]])
    assert n == 1
    assert filled.loc[1].equals(margins.loc[1])  # a wijk with CBS margins keeps them
    weights, _ = rake_arrays(w_idx, ages, sex, filled, [[16, 44], [45, 120]], min_cell=0)
    # every respondent of the wijk without margins carries population / respondents
    assert np.allclose(weights[:40], 1000 / 40)
    assert weights[40:].sum() == pytest.approx(400)


def test_gemeenten_of_one_run_are_a_box_of_partitions():
    from pipelines.partitions import contiguous_blocks, run_tags

    same = {"GM0088": (2024,), "GM0093": (2024,), "GM0096": (2024,), "GM0344": (2024,)}
    assert contiguous_blocks(["GM0096", "GM0093"], same) == [["GM0093", "GM0096"]]
    # GM0093 lies between GM0088 and GM0096: they are two runs, not a box that builds GM0093
    assert contiguous_blocks(["GM0088", "GM0096"], same) == [["GM0088"], ["GM0096"]]
    assert run_tags(["GM0093", "GM0096"], [2024]) == {
        "dagster/asset_partition_range_start": "2024|GM0093",
        "dagster/asset_partition_range_end": "2024|GM0096",
    }
    groningen = run_tags()
    assert groningen["dagster/asset_partition_range_start"] == "2018|GM0014"
    assert groningen["dagster/asset_partition_range_end"] == "2024|GM0014"


def test_two_other_gemeenten_build_as_partitions_of_one_multiprocess_run(islands):
    """Terschelling (with an own layout) and Vlieland, generated from the national file and
    built in one Dagster run with the multiprocess executor (tests/islands.py)."""
    assert islands.first_returncode == 0, islands.first_out[-3000:]
    said = islands.first_stdout
    assert "== GM0093 Terschelling ==" in said and "== GM0096 Vlieland ==" in said
    assert "generating a SYNTHETIC survey wave 2024 for GM0096" in said
    assert "generating a SYNTHETIC survey wave 2024 for GM0093" not in said  # kept
    # one run, both gemeenten's partitions, with the multiprocess executor (a process per step)
    run = islands.dagster
    assert run["runs"] == 1 and run["max_concurrent"] == 2 and run["same_run"]
    assert run["partitions"] == ["2024|GM0093", "2024|GM0096"]
    assert run["step_processes"] > 10
    gemeenten_dir = islands.gemeenten

    national = _national_rows("GM0093") | _national_rows("GM0096")
    for code, name in (("GM0093", "Terschelling"), ("GM0096", "Vlieland")):
        root = gemeenten_dir / code
        with duckdb.connect(str(root / "warehouse" / "wijkkompas.duckdb"), read_only=True) as con:
            # the gemeente's own areas only, and its CBS figures those of the national file
            areas = con.execute(
                "SELECT DISTINCT area_code FROM areas WHERE layout = 'cbs' "
                "AND area_level IN ('gemeente', 'wijk', 'buurt')"
            )
            codes = {c for (c,) in areas.fetchall()}
            assert {c for c in national if c[2:6] == code[2:6]} == codes
            population = dict(
                con.execute(
                    "SELECT area_code, value FROM indicator_values"
                    " WHERE indicator_id = 'population' AND layout = 'cbs' AND NOT suppressed"
                ).fetchall()
            )
            assert {c for c in codes if c[:2] in ("GM", "WK")} <= set(population)
            for area, value in population.items():
                if area.startswith("GB"):  # a gebied per wijk: the wijk's own population
                    assert value == population["WK" + area[2:]], area
                else:
                    assert value == national_cell(national[area]["a_inw"]), area
            weighting = con.execute("SELECT * FROM survey_weighting").df()
            wijken = sum(1 for c in codes if c.startswith("WK"))
            assert weighting["wijken_on_population_only"].iloc[0] == wijken
            # the wijk map from the national generalised wijk map; no buurt map
            drawn = dict(con.execute(
                "SELECT area_level, count(*) FROM area_geometries GROUP BY 1"
            ).fetchall())  # fmt: skip
            assert drawn == {"wijk": wijken}, drawn
            assert con.execute("SELECT bool_and(synthetic) FROM survey_responses").fetchone()[0]
        site = root / "site"
        home_page = (site / "index.html").read_text(encoding="utf-8")
        assert f"Wijkkompas {name}" in home_page
        if code == "GM0096":  # the CBS wijken lead: every wijk on the home map
            assert home_page.count('<a href="wijk/WK') >= wijken
            assert 'class="map home-map"' in home_page and "Geen kaart" not in home_page
        else:  # its own layout leads: wijken made of buurten, and no buurt boundaries
            assert "Geen kaart van deze indeling" in home_page
        assert "synthetisch" in home_page
        assert "postcode" not in home_page.split('id="q-hint"')[0].rsplit("<label", 1)[1]
        assert 'data-unknown="Zoeken op postcode kan hier niet' in home_page
        wijk = next((site / "wijk").glob("WK*.html")).read_text(encoding="utf-8")
        # one gebied per wijk, of the same name: the breadcrumb says it once (gemeente › wijk)
        crumbs = re.search(r'class="crumbs">(.*?)</nav>', wijk, re.S).group(1)
        assert crumbs.count("<a ") == 1 and crumbs.count("›") == 1, crumbs
        assert 'class="map locator"' in wijk and "Geen kaart" not in wijk
        assert "WIJ-team" not in wijk and not (site / "indicator" / "knows_wij_team.html").exists()
        indicator = (site / "indicator" / "population.html").read_text(encoding="utf-8")
        assert indicator.count('<svg class="map"') == 1 and "Geen buurtkaart" in indicator
        buurt = next((site / "buurt").glob("BU*.html")).read_text(encoding="utf-8")
        assert 'class="here"' in buurt  # located by its wijk
        assert "vergeleken met Nederland (2023)" in wijk
        for page in (home_page, wijk, indicator, buurt):  # the CBS year on every page
            assert "Editie 2024 · CBS-cijfers van 2023 ·" in page
    # the own layout of Terschelling is published as its primary layout, without maps either
    own = gemeenten_dir / "GM0093" / "site" / "eigen" / "wijk"
    assert sorted(p.stem for p in own.glob("*.html")) == ["TO", "TW"]
    assert not (gemeenten_dir / "GM0096" / "site" / "eigen").exists()
