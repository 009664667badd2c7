"""CBS kerncijfers through the crosswalk: real published values, markers, and bad input."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from ingest.cbs import SCHEMES, crosswalk_columns, load_crosswalk, read_kerncijfers
from ingest.errors import InputError
from ingest.snapshots import read_sidecar

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw" / "cbs"
CODES = RAW / "groningen_wijkcodes_2016_2017_2023_2024.csv"
FILES = {
    "2024": RAW / "kwb_2024_85984NED_groningen.csv",
    "2023": RAW / "kwb_2023_groningen_subset43cols.csv",
    "2017w": RAW / "kwb_2017_wijkbuurtkaart_groningen_wijken.csv",
    "2017b": RAW / "kwb_2017_wijkbuurtkaart_groningen_buurten.csv",
}


def read(path: Path, **overrides) -> pd.DataFrame:
    sidecar = read_sidecar(FILES[overrides.pop("like")] if "like" in overrides else path)
    kwargs = dict(
        year=sidecar.year,
        scheme=sidecar.scheme,
        crosswalk=load_crosswalk(),
        area_level=sidecar.area_level,
    )
    kwargs.update(overrides)
    return read_kerncijfers(path, **kwargs)


def value(frame, code, variable):
    row = frame[(frame.area_code == code) & (frame.variable == variable)]
    assert len(row) == 1, (code, variable)
    return row.iloc[0]


@pytest.mark.parametrize("key", FILES)
def test_crosswalk_maps_every_column_of_every_file(key):
    path = FILES[key]
    sidecar = read_sidecar(path)
    header = next(csv.reader(path.open(encoding="utf-8")))
    mapped = crosswalk_columns(load_crosswalk(), sidecar.year, sidecar.area_level)
    unmapped = [
        c for c in header if c not in mapped and c not in SCHEMES[sidecar.scheme].id_columns
    ]
    assert unmapped == []


def test_2024_population_matches_the_cbs_file():
    frame = read(FILES["2024"])
    assert value(frame, "GM0014", "population").value == 243768
    assert value(frame, "WK001400", "population").value == 24920
    assert value(frame, "WK001400", "population").area_name == "Centrum"
    assert value(frame, "NL00", "population").area_level == "land"
    levels = frame.drop_duplicates("area_code").area_level.value_counts().to_dict()
    assert levels == {"buurt": 151, "wijk": 20, "gemeente": 5, "land": 1}


def test_three_naming_schemes_land_on_the_same_variable():
    y2023 = read(FILES["2023"])
    y2017 = read(FILES["2017w"])
    assert value(y2023, "GM0014", "population").value == 238147
    assert value(y2017, "WK001400", "population").value == 22635
    assert value(y2017, "WK001400", "pct_aged_65_plus").value == 7
    assert value(read(FILES["2024"]), "WK001400", "households").value == 19890
    assert value(y2023, "GM0014", "mean_income_per_inhabitant").value == pytest.approx(30.2)


def test_cbs_markers_become_null_with_a_reason():
    y2024 = read(FILES["2024"])
    secret = value(y2024, "WK001400", "most_common_postcode")
    assert pd.isna(secret.value) and secret.status == "secret"
    empty = value(y2024, "GM0014", "mean_income_per_inhabitant")
    assert pd.isna(empty.value) and empty.status == "empty"
    y2017 = read(FILES["2017b"])
    hidden = y2017[y2017.status == "not_available"]
    assert len(hidden) > 400 and hidden.value.isna().all()
    assert not (y2017.value == -99999999).any()


def _rewrite(src: Path, dst: Path, edit) -> Path:
    rows = list(csv.reader(src.open(encoding="utf-8")))
    edit(rows)
    with dst.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    return dst


def test_missing_column_names_file_column_and_variable(tmp_path):
    def drop(rows):
        i = rows[0].index("AantalInwoners_5")
        for r in rows:
            del r[i]

    bad = _rewrite(FILES["2024"], tmp_path / "kwb_2024.csv", drop)
    with pytest.raises(InputError) as err:
        read(bad, like="2024")
    msg = str(err.value)
    assert "kwb_2024.csv" in msg and "'AantalInwoners_5'" in msg and "population" in msg


def test_renamed_statline_column_is_recognised_in_the_message(tmp_path):
    def rename(rows):
        rows[0][rows[0].index("AantalInwoners_5")] = "AantalInwoners_6"

    bad = _rewrite(FILES["2024"], tmp_path / "kwb_2024.csv", rename)
    with pytest.raises(InputError, match="'AantalInwoners_6' looks like the same StatLine"):
        read(bad, like="2024")


def test_text_in_a_numeric_column_names_the_cell(tmp_path):
    def text(rows):
        rows[3][rows[0].index("Mannen_6")] = "ca. 5000"

    bad = _rewrite(FILES["2024"], tmp_path / "kwb_2024.csv", text)
    with pytest.raises(InputError) as err:
        read(bad, like="2024")
    msg = str(err.value)
    assert "row 4" in msg and "'Mannen_6'" in msg and "ca. 5000" in msg


def test_wrong_delimiter_and_latin1_are_explained(tmp_path):
    semi = tmp_path / "semi.csv"
    semi.write_text(FILES["2023"].read_text(encoding="utf-8").replace(",", ";"))
    with pytest.raises(InputError, match="wrong delimiter.*semicolon"):
        read(semi, like="2023")
    latin = tmp_path / "latin.csv"
    latin.write_bytes(
        FILES["2024"]
        .read_text(encoding="utf-8")
        .replace("Centrum", "Centrüm")
        .encode("latin-1", errors="replace")
    )
    with pytest.raises(InputError, match="not valid UTF-8.*Latin-1"):
        read(latin, like="2024")
