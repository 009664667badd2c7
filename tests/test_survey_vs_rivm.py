"""The synthetic wijkenquête follows RIVM's real map of health, and the statisticians' page
holds the survey's intervals against RIVM's figures (indicators/survey_vs_rivm.py)."""

from __future__ import annotations

import html
import os
import re
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from indicators.catalogue import load_catalogue
from indicators.survey_vs_rivm import coverage, survey_vs_rivm
from indicators.weights import rake
from ingest.cbs import read_snapshot_set
from ingest.survey.codebook import load_codebook
from ingest.survey.generator import (
    LONELINESS_CONSTRUCT,
    LONELY_AT_LEAST,
    RIVM_ITEMS,
    SEVERE_AT_LEAST,
    WaveSpec,
    _adults_by_area,
    buurt_frame,
    generate_wave,
    load_rivm,
    rivm_prevalence,
)

ROOT = Path(__file__).resolve().parents[1]
BANDS = ["16-24", "25-44", "45-64", "65+"]
AGE_GROUPS = [[16, 24], [25, 44], [45, 64], [65, 120]]
GEMEENTE = "GM0014"


@pytest.fixture(scope="module")
def cbs():
    return read_snapshot_set(ROOT / "data" / "raw")


@pytest.fixture(scope="module")
def codebook():
    return load_codebook(ROOT / "data" / "survey" / "codebook.yml")


@pytest.fixture(scope="module")
def rivm():
    return load_rivm(ROOT / "data" / "raw", GEMEENTE)


def _margins(cbs, year: int) -> pd.DataFrame:
    """The raking margins of the build: per wijk the residents 16+ by age group and by sex."""
    frame = buurt_frame(cbs, year)
    frame["wijk_code"] = "WK" + frame["buurt_code"].str[2:8]
    margins = frame.groupby("wijk_code")[BANDS].sum()
    margins.columns = [f"age_{i}" for i in range(len(BANDS))]
    everyone = frame[BANDS].sum(axis=1)
    margins["women"] = (everyone * frame["share_women"]).groupby(frame["wijk_code"]).sum()
    margins["men"] = margins[[f"age_{i}" for i in range(len(BANDS))]].sum(axis=1)
    margins["men"] -= margins["women"]
    return margins.reset_index()


def _weighted_shares(wave: pd.DataFrame, margins: pd.DataFrame) -> dict[str, tuple]:
    """Per RIVM concept: the weighted share per wijk and city-wide (%) as the survey indicator
    counts it (the codes of RIVM_ITEMS; loneliness from the De Jong Gierveld score)."""
    wave = wave.assign(wijk_code="WK" + wave["buurtcode"].str[2:8])
    weights = rake(wave, margins, AGE_GROUPS).weights.set_index("respondent_id")["weight"]
    w = weights.reindex(wave["respondent_id"]).to_numpy()
    counted = {}
    for question, (concept, codes) in RIVM_ITEMS.items():
        base = wave[question].notna() & (wave[question] != 98)
        counted[concept] = (base.to_numpy(), wave[question].isin(codes).to_numpy())
    items = ["eenz_leegte", "eenz_mis_mensen", "eenz_in_de_steek"]
    reversed_items = ["eenz_terugvallen", "eenz_vertrouwen", "eenz_verbonden"]
    complete = wave[items + reversed_items].notna().all(axis=1).to_numpy()
    score = wave[items].isin([1, 2]).sum(axis=1) + wave[reversed_items].isin([2, 3]).sum(axis=1)
    counted["lonely"] = (complete, (score >= LONELY_AT_LEAST).to_numpy())
    counted["severely_lonely"] = (complete, (score >= SEVERE_AT_LEAST).to_numpy())
    out = {}
    for concept, (base, yes) in counted.items():
        num = pd.Series(w * base * yes).groupby(wave["wijk_code"].to_numpy()).sum()
        den = pd.Series(w * base).groupby(wave["wijk_code"].to_numpy()).sum()
        out[concept] = (100 * num / den, 100 * (w * base * yes).sum() / (w * base).sum())
    return out


def _rivm_figures(rivm, year: int, concept: str) -> tuple[pd.Series, float]:
    rows = rivm[(rivm["year"] == year) & (rivm["age_group"] == "18+")]
    rows = rows[rows["concept"] == concept]
    wijken = rows[rows["area_level"] == "wijk"].set_index("area_code")["value"]
    return wijken, float(rows.loc[rows["area_code"] == GEMEENTE, "value"].iloc[0])


def test_the_generator_draws_the_overlapping_answers_from_rivm(cbs, codebook, rivm):
    """On a generated wave (2024: RIVM 2020) the weighted share per wijk tracks RIVM's wijk
    figure far better than the latent model alone (the same wave without RIVM), and the
    city-wide share is within a few points of RIVM's gemeente figure, for every concept."""
    spec = WaveSpec(2024, 2024, 17000, 7, date(2024, 9, 2))
    margins = _margins(cbs, 2024)
    new = _weighted_shares(generate_wave(cbs, codebook, spec, rivm), margins)
    old = _weighted_shares(generate_wave(cbs, codebook, spec), margins)
    correlations = {}
    for concept, (per_wijk, city) in new.items():
        wijken, gemeente = _rivm_figures(rivm, 2020, concept)
        wijken = wijken.reindex(per_wijk.index)
        assert wijken.notna().all(), concept
        r_new = np.corrcoef(per_wijk, wijken)[0, 1]
        r_old = np.corrcoef(old[concept][0], wijken)[0, 1]
        correlations[concept] = (round(float(r_new), 2), round(float(r_old), 2))
        assert abs(city - gemeente) < 3, (concept, city, gemeente)
        assert (per_wijk - wijken).abs().mean() < 3, concept
        assert r_new > 0.6, (concept, r_new)
    print("correlation across wijken with RIVM (new, old):", correlations)
    smokes_new, smokes_old = correlations["smokes"]
    assert smokes_new > 0.9 and smokes_new > smokes_old + 0.1
    mean_new = np.mean([c[0] for c in correlations.values()])
    mean_old = np.mean([c[1] for c in correlations.values()])
    assert mean_new > 0.85 and mean_new > mean_old + 0.2, (mean_new, mean_old)


def test_only_the_items_rivm_measured_change_and_the_rest_keep_their_draws(cbs, codebook, rivm):
    """Wave 2018 takes RIVM 2016, which has no limited_by_health and no noise figure: those
    items, and every item RIVM does not measure, are exactly what the latent model draws."""
    spec = WaveSpec(2018, 2017, 3000, 11, date(2018, 9, 2))
    with_rivm = generate_wave(cbs, codebook, spec, rivm)
    without = generate_wave(cbs, codebook, spec)
    again = generate_wave(cbs, codebook, spec, rivm)
    pd.testing.assert_frame_equal(with_rivm, again)  # seeded: the same wave twice
    construct = next(c for c in codebook.constructs if c.id == LONELINESS_CONSTRUCT)
    drawn = {q for q, (concept, _) in RIVM_ITEMS.items() if concept not in ("limited_by_health",
             "noise_from_neighbours_severe")} | set(construct.items)  # fmt: skip
    changed = {c for c in without.columns if not with_rivm[c].equals(without[c])}
    assert changed == drawn


def test_the_prevalence_per_age_keeps_rivms_18_plus_figure(cbs, rivm):
    """18-64 and 65+ recombine to RIVM's 18+ figure with the buurt's CBS residents; recoded
    buurten take their wijk's figures."""
    frame = buurt_frame(cbs, 2024)
    prevalence = rivm_prevalence(rivm, cbs, 2024, frame["buurt_code"], 2024)
    assert set(prevalence) == {c for c, _ in RIVM_ITEMS.values()} | {"lonely", "severely_lonely"}
    people = _adults_by_area(cbs, 2024)
    rows = rivm[(rivm["year"] == 2020) & (rivm["concept"] == "smokes")]
    figure = rows.pivot_table(index="area_code", columns="age_group", values="value") / 100
    smokes = prevalence["smokes"]
    buurt = "BU00140000"
    n15, n65 = people.loc[buurt, ["n15", "n65"]]
    mixed = ((n15 - n65) * smokes.loc[buurt, "young"] + n65 * smokes.loc[buurt, "old"]) / n15
    assert mixed == pytest.approx(figure.loc[buurt, "18+"], abs=1e-9)
    assert smokes.loc[buurt, "old"] == pytest.approx(figure.loc[buurt, "65+"])
    for recoded, wijk in (("BU00140110", "WK001401"), ("BU00140908", "WK001409")):
        assert recoded not in figure.index
        assert smokes.loc[recoded, "old"] == pytest.approx(figure.loc[wijk, "65+"])
        n15, n65 = people.loc[wijk, ["n15", "n65"]]
        mixed = (n15 - n65) * smokes.loc[recoded, "young"] + n65 * smokes.loc[recoded, "old"]
        assert mixed / n15 == pytest.approx(figure.loc[wijk, "18+"], abs=1e-9)
    # RIVM 2016 measured neither limitation nor noise: those items keep the latent model
    assert "limited_by_health" not in rivm_prevalence(rivm, cbs, 2017, frame["buurt_code"], 2018)


def test_the_items_drawn_from_rivm_are_what_the_catalogue_counts():
    """RIVM_ITEMS and the loneliness thresholds agree with the catalogue: each survey indicator
    the RIVM indicator rivm_<concept> replaces counts those codes of that question."""
    catalogue = load_catalogue()
    by_id = {i.id: i for i in catalogue.indicators}
    replaced = {i.definition.model_estimate.variable: by_id[i.replaces]
                for i in catalogue.indicators if i.source == "rivm" and i.replaces}  # fmt: skip
    for question, (concept, codes) in RIVM_ITEMS.items():
        share = replaced[concept].definition.share
        assert (share.question, tuple(share.codes)) == (question, codes), concept
    for concept, at_least in (("lonely", LONELY_AT_LEAST), ("severely_lonely", SEVERE_AT_LEAST)):
        construct = replaced[concept].definition.scale_score
        assert (construct.id, construct.at_least) == (LONELINESS_CONSTRUCT, at_least)
    assert len(RIVM_ITEMS) + 2 == len(replaced) == 12


# --- the comparison on a small constructed warehouse -----------------------------------------

CATALOGUE = [  # indicator_id, source, title_nl, title_en, replaces, replaced_by
    ("smokes", "survey", "Rookt", "Smokes", None, "rivm_smokes"),
    ("rivm_smokes", "rivm", "Rookt (RIVM)", "Smokes (RIVM)", "smokes", None),
    ("noise", "survey", "Geluid", "Noise", None, "rivm_noise_from_neighbours_severe"),
    ("rivm_noise_from_neighbours_severe", "rivm", "Geluidhinder", "Noise annoyance", "noise",
     None),
    ("alone", "survey", "Alleen", "Alone", None, "share_alone"),
    ("share_alone", "cbs", "Alleen (CBS)", "Alone (CBS)", "alone", None),
]  # fmt: skip
VALUES = [  # edition, layout, area_code, indicator, value, ci_low, ci_high, suppressed
    (2024, "cbs", "WK01", "smokes", 20.0, 18.0, 22.0, False),
    (2024, "cbs", "WK01", "rivm_smokes", 18.0, None, None, False),  # on the lower edge: held
    (2024, "cbs", "WK02", "smokes", 20.0, 18.0, 22.0, False),
    (2024, "cbs", "WK02", "rivm_smokes", 22.0, None, None, False),  # on the upper edge: held
    (2024, "cbs", "WK03", "smokes", 20.0, 18.0, 22.0, False),
    (2024, "cbs", "WK03", "rivm_smokes", 17.9, None, None, False),  # just below: not held
    (2024, "cbs", "WK04", "smokes", 20.0, 18.0, 22.0, False),
    (2024, "cbs", "WK04", "rivm_smokes", 22.1, None, None, False),  # just above: not held
    (2024, "cbs", "WK05", "smokes", None, None, None, True),  # survey suppressed: left out
    (2024, "cbs", "WK05", "rivm_smokes", 30.0, None, None, False),
    (2024, "cbs", "WK06", "smokes", 20.0, 18.0, 22.0, False),
    (2024, "cbs", "WK06", "rivm_smokes", None, None, None, False),  # RIVM no figure: left out
    (2024, "cbs", "WK07", "smokes", 20.0, 18.0, 22.0, False),
    (2024, "cbs", "WK07", "rivm_smokes", 19.0, None, None, True),  # RIVM suppressed: left out
    (2024, "voorbeeld", "WK01", "smokes", 20.0, 18.0, 22.0, False),  # own layout: left out
    (2024, "voorbeeld", "WK01", "rivm_smokes", 50.0, None, None, False),
    (2024, "cbs", "WK01", "noise", 8.0, 6.0, 10.0, False),  # defined differently
    (2024, "cbs", "WK01", "rivm_noise_from_neighbours_severe", 9.0, None, None, False),
    (2024, "cbs", "WK02", "noise", 8.0, 6.0, 10.0, False),
    (2024, "cbs", "WK02", "rivm_noise_from_neighbours_severe", 12.0, None, None, False),
    (2024, "cbs", "WK01", "alone", 40.0, 35.0, 45.0, False),  # a CBS figure replaces it
    (2024, "cbs", "WK01", "share_alone", 60.0, None, None, False),
    (2018, "cbs", "WK01", "smokes", 25.0, 22.0, 28.0, False),
    (2018, "cbs", "WK01", "rivm_smokes", 24.0, None, None, False),
]


@pytest.fixture()
def small():
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE indicator_catalogue (indicator_id VARCHAR, source VARCHAR, title_nl "
        "VARCHAR, title_en VARCHAR, replaces VARCHAR, replaced_by VARCHAR)"
    )
    con.executemany("INSERT INTO indicator_catalogue VALUES (?, ?, ?, ?, ?, ?)", CATALOGUE)
    con.execute(
        "CREATE TABLE indicator_values (edition INTEGER, layout VARCHAR, area_level VARCHAR, "
        "area_code VARCHAR, area_name VARCHAR, indicator_id VARCHAR, value DOUBLE, ci_low "
        "DOUBLE, ci_high DOUBLE, n_unweighted BIGINT, decimals INTEGER, period BIGINT, "
        "suppressed BOOLEAN)"
    )
    con.executemany(
        "INSERT INTO indicator_values VALUES (?, ?, 'wijk', ?, 'Wijk ' || ?, ?, ?, ?, ?, 100, "
        "1, 2020, ?)",
        [(e, lay, code, code, ind, v, lo, hi, sup) for e, lay, code, ind, v, lo, hi, sup in VALUES],
    )
    con.execute("CREATE TABLE editions AS SELECT 2024 AS edition UNION ALL SELECT 2018")
    yield con
    con.close()


def test_held_at_the_edges_not_held_outside_and_unpublished_figures_left_out(small):
    frame = survey_vs_rivm(small, 2024)
    smokes = frame[frame["survey_indicator"] == "smokes"].set_index("area_code")
    assert smokes["held"].to_dict() == {"WK01": True, "WK02": True, "WK03": False, "WK04": False}
    assert set(frame["survey_indicator"]) == {"smokes", "noise"}  # not the CBS-replaced one
    assert not frame.loc[frame["survey_indicator"] == "noise", "in_overall"].any()
    table = coverage(frame).set_index("survey_indicator")
    assert table.loc["smokes", ["wijken", "held"]].tolist() == [4, 2]
    assert table.loc["noise", ["wijken", "held", "in_overall"]].tolist() == [2, 1, False]
    # overall: the smokers only (noise is defined differently)
    assert table.loc["overall", ["wijken", "held", "share"]].tolist() == [4, 2, 0.5]
    every = coverage(survey_vs_rivm(small))
    assert sorted(every.loc[every["survey_indicator"] == "overall", "edition"]) == [2018, 2024]


# --- the build ------------------------------------------------------------------------------


def test_the_statisticians_page_states_the_share_of_intervals_holding_rivm(built_warehouse):
    con = duckdb.connect(str(built_warehouse), read_only=True)
    try:
        latest = int(con.execute("SELECT max(edition) FROM editions").fetchone()[0])
        table = coverage(survey_vs_rivm(con, latest)).set_index("survey_indicator")
        kept = con.execute("SELECT count(*) FROM survey_rivm_comparison").fetchone()[0]
    finally:
        con.close()
    held, compared = table.loc["overall", ["held", "wijken"]]
    share = f"{100 * held / compared:.1f}".replace(".", ",")
    print(f"survey intervals holding RIVM's value, edition {latest}: {held}/{compared} = {share} %")
    assert kept > compared  # every edition, noise too
    assert compared >= 200  # 11 concepts x 20 wijken (less the suppressed)
    assert set(table.index) >= {"smokes", "lonely", "noise_from_neighbours_frequent"}
    page = (Path(os.environ["WIJKKOMPAS_SITE"]) / "statistiek" / "index.html").read_text("utf-8")
    section = page[page.index('id="enquete-rivm"') :]
    paragraph = section[section.index("<p>") + 3 : section.index("</p>")]
    text = html.unescape(re.sub(r"[ \t\n]+", " ", re.sub(r"<[^>]+>", "", paragraph)))
    first = text.split(". ")[0]  # the first sentence
    assert f"{share}\u00a0%" in first and f"{compared} vergelijkingen" in first, first
    assert "Geluidsoverlast door buren" in section and "telt niet mee" in section
    assert section.count("<caption>") >= 12  # the summary and one table per concept
