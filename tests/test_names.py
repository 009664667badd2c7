"""Names where people use names: a gemeente by its name (``--gemeente Utrecht``), whatever the
case and accents, with ambiguous and unknown names answered by the candidates, read before a
build without dagster; indicator titles in sentence case by a rule of the catalogue, and written
inside a sentence without losing their capitals. (Areas by name: tests/test_notebooks.py.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from indicators.catalogue import CATALOGUE_DIR, CatalogueError, in_sentence, load_catalogue
from pipelines.cli_messages import SelectionError
from pipelines.gemeente_names import gemeente_names, resolve_gemeenten
from tests.conftest import ROOT, national_rows


@pytest.mark.parametrize(
    "given, code",
    [
        ("Utrecht", "GM0344"),
        ("utrecht", "GM0344"),
        ("UTRECHT", "GM0344"),  # as the command line had it upper-cased for a code
        ("GM0344", "GM0344"),
        ("gm0344", "GM0344"),
        (" Utrecht ", "GM0344"),
        ("'s-Hertogenbosch", "GM0796"),
        ("s-hertogenbosch", "GM0796"),  # without the apostrophe a shell makes awkward
        ("Den Bosch", "GM0796"),
        ("Den Haag", "GM0518"),
        ("Súdwest-Fryslân", "GM1900"),
        ("sudwest-fryslan", "GM1900"),
        ("Sudwest Fryslan", "GM1900"),
        ("Bergen (NH.)", "GM0373"),
        ("bergen nh", "GM0373"),
        ("Bergen op Zoom", "GM0748"),  # not ambiguous with the two Bergens
        ("Groningen", "GM0014"),
    ],
)
def test_a_gemeente_is_found_by_its_name_whatever_the_case_and_accents(given, code):
    assert resolve_gemeenten([given]) == [code]


def test_the_names_are_those_of_the_national_file():
    names = gemeente_names()
    gemeenten = {c: r["gm_naam"] for c, r in national_rows().items() if c.startswith("GM")}
    assert names == gemeenten and len(names) == 342
    assert resolve_gemeenten(["Utrecht", "GM0014", "groningen", "gm0344"]) == ["GM0344", "GM0014"]


def test_an_ambiguous_name_lists_every_gemeente_of_that_name_with_its_code():
    with pytest.raises(SelectionError) as err:
        resolve_gemeenten(["Bergen"])
    message = str(err.value)
    assert "'Bergen' in --gemeente is that of 2 gemeenten" in message
    assert "Bergen (NH.) (GM0373)" in message and "Bergen (L.) (GM0893)" in message
    assert "\n" not in message  # one paragraph


@pytest.mark.parametrize(
    "given, says",
    [
        ("Utrech", ["Unknown gemeente 'Utrech'", "did you mean Utrecht (GM0344)"]),
        ("Amsterdm", ["did you mean Amsterdam (GM0363)"]),
        ("Heuvelrug", ["did you mean Utrechtse Heuvelrug (GM1581)"]),
        ("Atlantis", ["Unknown gemeente 'Atlantis'", "342 gemeenten", "GM code"]),
        ("GM9999", ["Unknown gemeente 'GM9999'", "a GM code of the national CBS file"]),
    ],
)
def test_an_unknown_name_or_code_gets_the_nearest_names(given, says):
    with pytest.raises(SelectionError) as err:
        resolve_gemeenten(["Utrecht", given])
    for part in says:
        assert part in str(err.value), str(err.value)


def test_names_are_read_quickly_without_dagster_or_pandas():
    """The names are read before a build takes its lock: the csv module, nothing heavy."""
    script = (
        "import sys, time\n"
        "import pipelines.settings\n"  # the command line has it imported already
        "t = time.perf_counter()\n"
        "from pipelines.gemeente_names import resolve_gemeenten\n"
        "print(resolve_gemeenten(['Utrecht', 'sudwest-fryslan']), time.perf_counter() - t)\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'dagster', 'pandas', 'duckdb'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    resolved, heavy = result.stdout.splitlines()
    codes, seconds = resolved.rsplit(" ", 1)
    assert codes == "['GM0344', 'GM1900']"
    assert float(seconds) < 0.5, resolved  # about 0.05 s
    assert heavy == "[]"


# -- indicator titles ------------------------------------------------------------------------
def test_every_title_of_the_catalogue_is_in_sentence_case():
    for indicator in load_catalogue().indicators:
        for title in (indicator.title.nl, indicator.title.en):
            assert title[:1].isupper() or title[:1].isdigit(), (indicator.id, title)


def _catalogue_with(tmp_path: Path, title: dict) -> Path:
    """A copy of one catalogue file whose second indicator has ``title``."""
    source = CATALOGUE_DIR / "gezondheid_welzijn.yml"
    entries = yaml.safe_load(source.read_text(encoding="utf-8"))
    entries[1]["title"] = title
    target = tmp_path / source.name
    target.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    return target


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_title_in_lower_case_is_refused_naming_file_and_indicator(tmp_path, lang):
    good = yaml.safe_load((CATALOGUE_DIR / "gezondheid_welzijn.yml").read_text(encoding="utf-8"))
    indicator = good[1]["id"]
    title = dict(good[1]["title"]) | {lang: "wmo-vervoer"}
    path = _catalogue_with(tmp_path, title)
    with pytest.raises(CatalogueError) as err:
        load_catalogue(files=[path])
    message = str(err.value)
    assert str(path) in message and f"{indicator}: title.{lang}" in message
    assert "must start with a capital letter or a digit" in message
    assert "'Wmo-vervoer'" in message  # what it should be
    load_catalogue(files=[_catalogue_with(tmp_path, dict(title, **{lang: "12 maanden"}))])


@pytest.mark.parametrize(
    "title, written",
    [
        ("Woningen met energielabel A of B", "woningen met energielabel A of B"),
        ("Wmo-vervoer", "Wmo-vervoer"),  # a name keeps its capital
        ("Wmo begeleiding", "Wmo begeleiding"),
        ("Stadjerspas voor minima", "Stadjerspas voor minima"),
        ("WW-uitkeringen", "WW-uitkeringen"),  # an abbreviation too
        ("Gemiddelde WOZ-waarde", "gemiddelde WOZ-waarde"),  # and later words as they are
        ("Herkomst buiten Europa", "herkomst buiten Europa"),
        ("Auto's per km²", "auto's per km²"),
        ("Average WOZ value", "average WOZ value"),
    ],
)
def test_a_title_inside_a_sentence_loses_only_an_ordinary_first_capital(title, written):
    assert in_sentence(title) == written
