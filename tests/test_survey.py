"""The wijkenquête: codebook, the synthetic generator's calibration, and the export loader."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ingest.cbs import read_snapshot_set
from ingest.errors import InputError
from ingest.snapshots import read_sidecar, sha256_of
from ingest.survey.codebook import load_codebook
from ingest.survey.export import read_survey_export
from ingest.survey.generator import WaveSpec, generate_wave, load_rivm, write_export

ROOT = Path(__file__).resolve().parents[1]
SURVEY = ROOT / "data" / "raw" / "survey"


@pytest.fixture(scope="module")
def codebook():
    return load_codebook(ROOT / "data" / "survey" / "codebook.yml")


@pytest.fixture(scope="module")
def cbs():
    return read_snapshot_set(ROOT / "data" / "raw")


@pytest.fixture(scope="module")
def wave2024(codebook):
    return read_survey_export(SURVEY / "wijkenquete_2024.csv", codebook, 2024)


def test_codebook_covers_the_compass_themes(codebook):
    assert len(codebook.questions) >= 70
    themes = {q.theme for q in codebook.questions}
    assert {
        "veiligheid",
        "sociale_samenhang",
        "gezondheid_welzijn",
        "participatie",
        "woonomgeving",
        "overlast_verloedering",
        "voorzieningen",
    } <= themes
    assert any(98 in (s.codes or {}) for s in codebook.scales.values())
    assert {c.id for c in codebook.constructs} >= {"sociale_cohesie", "eenzaamheid"}
    assert "par_kent_gebiedsteam" in codebook.by_id


def test_shipped_export_is_reproduced_by_the_documented_generator(tmp_path, codebook, cbs):
    """wijkkompas generate-survey --wave 2018 --cbs-year 2017 --respondents 10000: the answers
    RIVM measures drawn from RIVM's 2016 figures (README, "Where the data come from")."""
    sidecar = read_sidecar(SURVEY / "wijkenquete_2018.csv")
    assert sidecar.synthetic and "seed 2018" in sidecar.origin
    assert "table 50090NED, 2016" in sidecar.origin and "RIVM" in sidecar.attribution
    assert "table 50090NED, 2020" in read_sidecar(SURVEY / "wijkenquete_2024.csv").origin
    rivm = load_rivm(ROOT / "data" / "raw", "GM0014")
    spec = WaveSpec(2018, 2017, 10000, 2018, date(2018, 9, 2))
    frame = generate_wave(cbs, codebook, spec, rivm)
    write_export(frame, tmp_path / "w.csv")
    assert sha256_of(tmp_path / "w.csv") == sidecar.sha256


def test_sample_size_and_composition_follow_cbs_with_response_bias(wave2024, cbs):
    assert 15500 < len(wave2024) < 18500
    pop = cbs[(cbs.year == 2024) & (cbs.area_level == "gemeente") & (cbs.area_code == "GM0014")]
    pop = pop.set_index("variable")["value"]
    adults = pop["aged_15_24"] * 0.9 + pop["aged_25_44"] + pop["aged_45_64"] + pop["aged_65_plus"]
    share_65_pop = pop["aged_65_plus"] / adults
    share_65_resp = (wave2024["leeftijd"] >= 65).mean()
    share_young_resp = (wave2024["leeftijd"] <= 24).mean()
    assert share_65_resp > share_65_pop * 1.15  # older people respond more
    assert share_young_resp < pop["aged_15_24"] * 0.9 / adults * 0.8
    assert (wave2024["geslacht"] == 2).mean() > (wave2024["geslacht"] == 1).mean()
    per_wijk = wave2024.groupby("wijk_code").size()
    assert len(per_wijk) == 20 and per_wijk.min() >= 150


def test_answers_correlate_with_real_wijk_characteristics(wave2024, cbs):
    wijk = cbs[(cbs.area_level == "wijk") & (cbs.year == 2023)].pivot_table(
        index="area_code", columns="variable", values="value"
    )
    mark = wave2024.groupby("wijk_code")["won_cijfer_buurt"].mean()
    joined = pd.concat(
        [mark, wijk["mean_income_per_inhabitant"], np.log(wijk["population_density"])], axis=1
    ).dropna()
    assert joined.corr().iloc[0, 1] > 0.5  # richer wijken rate their buurt higher
    unsafe = wave2024["vei_onveilig_buurt"].isin([1, 2]).groupby(wave2024["wijk_code"]).mean()
    dens = np.log(wijk["population_density"]).reindex(unsafe.index)
    assert np.corrcoef(unsafe, dens)[0, 1] > 0.4  # denser wijken feel less safe


def test_item_nonresponse_and_dont_know_exist(wave2024):
    assert wave2024["won_cijfer_buurt"].isna().mean() > 0.005
    assert (wave2024["vrz_jongeren"] == 98).mean() > 0.1
    # weet-niet for primary schools is much rarer among parents
    parents = wave2024["jgd_kinderen_thuis"] == 1
    dk = wave2024["vrz_basisschool"] == 98
    assert dk[parents].mean() < dk[~parents].mean() / 2


def _write_bad(tmp_path, edit) -> Path:
    frame = pd.read_csv(SURVEY / "wijkenquete_2018.csv", sep=";", dtype=str, keep_default_na=False)
    edit(frame)
    path = tmp_path / "export.csv"
    frame.to_csv(path, sep=";", index=False)
    return path


@pytest.mark.parametrize(
    ("edit", "expect"),
    [
        (
            lambda f: f.drop(columns=["vei_cijfer"], inplace=True),
            r"column 'vei_cijfer': missing column",
        ),
        (
            lambda f: f.loc.__setitem__((9, "leeftijd"), "twintig"),
            r"row 11, column 'leeftijd': not a whole number.*'twintig'.*survey_value_readable",
        ),
    ],
    ids=["column", "age"],
)
def test_bad_export_names_row_column_and_expected(tmp_path, codebook, edit, expect):
    path = _write_bad(tmp_path, edit)
    with pytest.raises(InputError, match=expect) as err:
        read_survey_export(path, codebook, 2018)
    assert "export.csv" in str(err.value)


def test_every_problem_of_an_export_is_reported_at_once(tmp_path, codebook):
    """A misspelt question, a frame column missing, text in a number and answers outside the
    codebook: one message, the misspelling first, each column's first bad row and how many."""

    def edit(frame):
        frame.rename(columns={"won_cijfer_buurt": "won_cijfer_buurrt"}, inplace=True)
        frame.drop(columns=["modus"], inplace=True)
        frame.loc[9, "leeftijd"] = "twintig"
        frame.loc[[20, 30], "coh_thuis"] = "7"

    path = _write_bad(tmp_path, edit)
    with pytest.raises(InputError) as err:
        read_survey_export(path, codebook, 2018)
    message = str(err.value)
    lines = [line.strip() for line in message.splitlines()]
    assert lines[0] == f"file {path}: 4 problems, the most likely cause first:", message
    assert lines[1].startswith(
        "1. row 1, column 'won_cijfer_buurrt': unexpected column; did you mean won_cijfer_buurt?"
    )
    assert lines[2].startswith("2. row 1, column 'modus': missing column")
    assert "dropped_questions" not in lines[2]  # a frame column, not a question
    assert lines[3].startswith(
        "3. row 11, column 'leeftijd': not a whole number (1 rows in all) (found 'twintig')"
    )
    assert lines[4].startswith(
        "4. row 22, column 'coh_thuis': answer outside the codebook (2 rows in all) (found '7')"
    )
    assert (err.value.row, err.value.column) == (1, "won_cijfer_buurrt")


def test_an_export_saved_by_a_dutch_excel_or_with_commas_reads_the_same(tmp_path, codebook):
    shipped = read_survey_export(SURVEY / "wijkenquete_2018.csv", codebook, 2018)
    frame = pd.read_csv(SURVEY / "wijkenquete_2018.csv", sep=";", dtype=str, keep_default_na=False)
    for name, delimiter, encoding in (("comma.csv", ",", "utf-8-sig"),
                                      ("excel.csv", ";", "windows-1252")):  # fmt: skip
        frame.to_csv(tmp_path / name, sep=delimiter, index=False, encoding=encoding)
        read_back = read_survey_export(tmp_path / name, codebook, 2018)
        pd.testing.assert_frame_equal(
            read_back.drop(columns="source_file"), shipped.drop(columns="source_file")
        )
