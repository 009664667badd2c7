"""The catalogue entries of RIVM's health indicators (table 50090NED, "Gezondheid per wijk en
buurt"): which exist, what they measure, where they stand, what they replace and how they read.

The decisions recorded here: every concept RIVM measured in 2020 for adults (32: all but the
three walking/cycling-to-work columns, empty in 2020) and five for residents of 65 and over;
each RIVM adult indicator of a concept the synthetic wijkenquête also asks replaces that survey
indicator (one each); a RIVM indicator has the survey's title exactly where both measure the
same thing the same way (a resident tells them apart by the source label) and a title of its
own where the definition differs.
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from indicators.catalogue import CATALOGUE_DIR, CatalogueError, load_catalogue

# RIVM's columns _4 ... _38, in order, as concept ids (data/reference/rivm_variables.csv)
CONCEPTS = [
    "good_perceived_health",
    "meets_activity_guideline",
    "sports_weekly",
    "underweight",
    "normal_weight",
    "overweight",
    "obese",
    "smokes",
    "meets_alcohol_guideline",
    "drinks_alcohol",
    "heavy_drinker",
    "excessive_drinker",
    "chronic_condition",
    "limited_by_health",
    "severely_limited_by_health",
    "chronic_illness_and_limited",
    "physical_limitation",
    "hearing_limitation",
    "vision_limitation",
    "mobility_limitation",
    "anxiety_depression_risk",
    "high_anxiety_depression_risk",
    "much_stress",
    "in_control_of_own_life",
    "lonely",
    "severely_lonely",
    "emotionally_lonely",
    "socially_lonely",
    "informal_carer",
    "volunteers",
    "walks_or_cycles_to_work",
    "walks_to_work",
    "cycles_to_work",
    "noise_from_neighbours_severe",
    "difficulty_making_ends_meet",
]
NOT_IN_2020 = {"walks_or_cycles_to_work", "walks_to_work", "cycles_to_work"}
ADULT = [c for c in CONCEPTS if c not in NOT_IN_2020]
OLDER = [
    "good_perceived_health",
    "lonely",
    "severely_lonely",
    "limited_by_health",
    "informal_carer",
]
EXPECTED_IDS = {f"rivm_{c}" for c in ADULT} | {f"rivm_{c}_65_plus" for c in OLDER}

# the theme a resident looks in, per concept (the rest: gezondheid_welzijn)
THEME = {
    "lonely": "sociale_samenhang",
    "severely_lonely": "sociale_samenhang",
    "emotionally_lonely": "sociale_samenhang",
    "socially_lonely": "sociale_samenhang",
    "informal_carer": "participatie",
    "volunteers": "participatie",
    "difficulty_making_ends_meet": "werk_inkomen",
    "noise_from_neighbours_severe": "overlast_verloedering",
}

# the RIVM concept -> the synthetic survey indicator it replaces, and the family both belong to
REPLACES = {
    "good_perceived_health": "good_perceived_health",
    "limited_by_health": "limited_by_health",
    "meets_activity_guideline": "meets_activity_guideline",
    "sports_weekly": "sports_weekly",
    "smokes": "smokes",
    "in_control_of_own_life": "in_control_of_own_life",
    "informal_carer": "informal_carer",
    "lonely": "lonely",
    "severely_lonely": "severely_lonely",
    "volunteers": "volunteers",
    "difficulty_making_ends_meet": "difficulty_making_ends_meet",
    "noise_from_neighbours_severe": "noise_from_neighbours_frequent",
}
FAMILY = {
    "good_perceived_health": "perceived_health",
    "limited_by_health": "limitation",
    "meets_activity_guideline": "physical_activity",
    "sports_weekly": "physical_activity",
    "smokes": "smoking",
    "in_control_of_own_life": "control_over_life",
    "informal_carer": "informal_care",
    "lonely": "loneliness",
    "severely_lonely": "loneliness",
    "emotionally_lonely": "loneliness",
    "socially_lonely": "loneliness",
    "volunteers": "volunteering",
    "difficulty_making_ends_meet": "income_strain",
    "noise_from_neighbours_severe": "noise_from_neighbours",
    "noise_from_neighbours_frequent": "noise_from_neighbours",
}
# same question, same cut-off (apart from the survey's 16+): the survey's own title
SAME_TITLE = {
    "good_perceived_health",
    "sports_weekly",
    "smokes",
    "volunteers",
    "difficulty_making_ends_meet",
    "lonely",
    "limited_by_health",
}
# not judged: a key figure outside the compass score
NEUTRAL = {"underweight", "drinks_alcohol", "informal_carer"}
# empty in RIVM's 2016 table: no figure in edition 2018
ONLY_2020 = {
    "limited_by_health",
    "severely_limited_by_health",
    "chronic_illness_and_limited",
    "much_stress",
    "noise_from_neighbours_severe",
}
# what the issue's "must show" reads on Oosterparkwijk's page
ISSUE_TITLES = {"rivm_good_perceived_health": "Ervaart de eigen gezondheid als (zeer) goed"}
ISSUE_TITLES["rivm_smokes"] = "Rookt"


def _concept(ind_id: str) -> str:
    return ind_id.removeprefix("rivm_").removesuffix("_65_plus")


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="module")
def rivm(catalogue):
    return {i.id: i for i in catalogue.indicators if i.source == "rivm"}


@pytest.fixture(scope="module")
def by_id(catalogue):
    return catalogue.by_id()


def test_exactly_the_37_rivm_indicators(rivm):
    assert len(ADULT) == 32 and len(EXPECTED_IDS) == 37
    assert set(rivm) == EXPECTED_IDS


def test_each_measures_its_concept_for_the_age_group_its_id_says(rivm):
    for ind_id, ind in rivm.items():
        est = ind.definition.model_estimate
        assert est is not None, ind_id
        assert est.variable in CONCEPTS and est.variable not in NOT_IN_2020, ind_id
        assert est.variable == _concept(ind_id), ind_id
        assert est.age_group == ("65+" if ind_id.endswith("_65_plus") else "18+"), ind_id
        assert (ind.unit, ind.decimals) == ("%", 1), ind_id


def test_theme_and_quadrant(rivm, catalogue):
    quadrant = catalogue.theme_quadrant()
    for ind_id, ind in rivm.items():
        assert ind.theme == THEME.get(_concept(ind_id), "gezondheid_welzijn"), ind_id
        assert ind.quadrant == quadrant[ind.theme], ind_id


def test_replaces_names_the_survey_indicator_of_the_same_family(rivm, by_id):
    replacing = {i: ind.replaces for i, ind in rivm.items() if ind.replaces}
    assert replacing == {f"rivm_{c}": s for c, s in REPLACES.items()}
    for ind_id, survey_id in replacing.items():
        survey = by_id[survey_id]
        assert survey.source == "survey", survey_id
        assert FAMILY[_concept(ind_id)] == FAMILY[survey_id], ind_id
    # one real figure per survey figure, and the older residents' figures replace nothing
    assert not [s for s, n in Counter(replacing.values()).items() if n > 1]
    assert not [i for i in replacing if i.endswith("_65_plus")]


def test_a_replacement_keeps_the_survey_figure_s_place_in_the_compass(rivm, by_id):
    for concept, survey_id in REPLACES.items():
        real, survey = rivm[f"rivm_{concept}"], by_id[survey_id]
        assert real.in_compass == survey.in_compass, concept
        assert real.direction == survey.direction, concept


def test_titles_present_distinct_and_same_only_where_the_definition_is(rivm, by_id):
    for lang in ("nl", "en"):
        titles = [getattr(ind.title, lang) for ind in rivm.values()]
        assert all(t.strip() for t in titles)
        assert len(set(titles)) == len(titles), lang  # a page holding two can tell them apart
        for concept, survey_id in REPLACES.items():
            real = getattr(rivm[f"rivm_{concept}"].title, lang)
            survey = getattr(by_id[survey_id].title, lang)
            assert (real == survey) == (concept in SAME_TITLE), (concept, lang, real, survey)
    for concept in OLDER:
        adult, older = rivm[f"rivm_{concept}"], rivm[f"rivm_{concept}_65_plus"]
        assert older.title.nl == adult.title.nl + " (65+)"
        assert older.title.en == adult.title.en + " (65+)"
    for ind_id, title in ISSUE_TITLES.items():
        assert rivm[ind_id].title.nl == title


def test_direction_and_compass(rivm):
    in_compass = [i for i, ind in rivm.items() if ind.in_compass]
    assert len(in_compass) >= 25, len(in_compass)
    for ind_id, ind in rivm.items():
        neutral = _concept(ind_id) in NEUTRAL
        assert (ind.direction == "neutral") == neutral, ind_id
        if neutral:
            assert not ind.in_compass, ind_id  # a judged quadrant judges nothing neutral
    better = {"good_perceived_health", "meets_activity_guideline", "sports_weekly", "volunteers"}
    better |= {"meets_alcohol_guideline", "in_control_of_own_life", "normal_weight"}
    for ind_id, ind in rivm.items():
        if ind.direction != "neutral":
            expected = "higher_is_better" if _concept(ind_id) in better else "higher_is_worse"
            assert ind.direction == expected, ind_id


def test_texts_say_whom_where_from_and_how(rivm):
    for ind_id, ind in rivm.items():
        older = ind_id.endswith("_65_plus")
        if older:
            assert "65 jaar en ouder" in ind.description.nl, ind_id
            assert "65 and over" in ind.description.en, ind_id
            assert "inwoners van 65 jaar en ouder." in ind.processing.nl, ind_id
        else:
            assert "volwassenen (18+)" in ind.description.nl, ind_id
            assert "adults (18+)" in ind.description.en, ind_id
            assert "inwoners van 15 jaar en ouder" in ind.processing.nl, ind_id
            assert "residents aged 15 and over" in ind.processing.en, ind_id
        for text in (ind.processing.nl, ind.processing.en):
            assert "50090NED" in text and "RIVM" in text, ind_id
        assert "Geen onzekerheidsmarge" in ind.processing.nl, ind_id
        assert "No interval" in ind.processing.en, ind_id
        assert ind.caveats is not None, ind_id
        assert ind.caveats.nl.startswith("Modelschatting van het RIVM, geen telling"), ind_id
        assert ind.caveats.en.startswith("A model estimate by RIVM, not a count"), ind_id
        assert "Gezondheidsmonitor Volwassenen en Ouderen" in ind.caveats.nl, ind_id
        assert "Gezondheidsmonitor Volwassenen en Ouderen" in ind.caveats.en, ind_id
        only_2020 = _concept(ind_id) in ONLY_2020
        assert ("Geen cijfer in editie 2018" in ind.caveats.nl) == only_2020, ind_id
        assert ("No figure in edition 2018" in ind.caveats.en) == only_2020, ind_id
        assert ("editie 2018 heeft er geen" in ind.processing.nl) == only_2020, ind_id


def test_each_pair_names_the_other_in_its_caveats(rivm, by_id):
    for concept, survey_id in REPLACES.items():
        real, survey = rivm[f"rivm_{concept}"], by_id[survey_id]
        assert f"'{survey.title.nl}'" in real.caveats.nl, concept
        assert f"'{survey.title.en}'" in real.caveats.en, concept
        assert "Verschil:" in real.caveats.nl and "Difference:" in real.caveats.en, concept
        assert survey.caveats is not None, survey_id
        assert f"('{real.title.nl}', 18+)" in survey.caveats.nl, survey_id
        assert f"('{real.title.en}', 18+)" in survey.caveats.en, survey_id


def _copy_catalogue(tmp_path: Path) -> Path:
    target = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE_DIR, target)
    return target


def _edit(path: Path, ind_id: str, **changes) -> None:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    for entry in entries:
        if entry["id"] == ind_id:
            entry.update(changes)
    path.write_text(yaml.safe_dump(entries, allow_unicode=True, sort_keys=False), "utf-8")


def test_a_second_replacement_of_one_survey_figure_is_refused(tmp_path):
    directory = _copy_catalogue(tmp_path)
    _edit(directory / "gezondheid_welzijn.yml", "rivm_obese", replaces="smokes")
    with pytest.raises(CatalogueError, match=r"smokes is replaced by rivm_\w+ already"):
        load_catalogue(directory=directory)


def test_a_rivm_indicator_without_its_rivm_definition_is_refused(tmp_path):
    directory = _copy_catalogue(tmp_path)
    _edit(
        directory / "sociale_samenhang.yml",
        "rivm_lonely",
        definition={"construct": {"id": "eenzaamheid", "statistic": "mean"}},
    )
    with pytest.raises(CatalogueError, match="rivm_lonely"):
        load_catalogue(directory=directory)
