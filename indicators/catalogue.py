"""The indicator catalogue: indicators declared as data (``indicators/catalogue/*.yml``).

Every indicator is defined once. CBS and register indicators are ratios of *measures*
(``indicators/measures.yml``): sums that can be added over areas, so any level is recomputed
from summed numerators and denominators. Survey indicators name a codebook question (or a
construct) and a statistic (a share of answer codes within a base, or a mean).

``load_catalogue()`` reads and validates everything; ``python -m indicators.catalogue`` prints
a summary or the first error, naming the file and the indicator.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from indicators.statistics_config import load_statistics_settings
from ingest.yamlfile import SAFE_LOADER

HERE = Path(__file__).resolve().parent
CATALOGUE_DIR = HERE / "catalogue"
MEASURES_GLOB = "measures*.yml"  # measures.yml (CBS), measures_register.yml (registers)
COMPASS_FILE = HERE / "compass.yml"
STATISTICS_FILE = HERE / "statistics.yml"

ID = re.compile(r"^[a-z][a-z0-9_]*$")
MEASURE_ID = re.compile(r"^(cbs|reg)\.[a-z][a-z0-9_]*$")


class CatalogueError(ValueError):
    """A catalogue file breaks the schema; the message names the file and the indicator."""


class Text(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nl: str = Field(min_length=3)
    en: str = Field(min_length=3)


class Title(Text):
    """An indicator's title, in sentence case: it starts with a capital letter (or a digit), as
    it stands above a table or a chart. Inside a sentence ``in_sentence`` writes it; a title
    that starts in lower case would stand so in every heading and table, beside titles that do
    not ("wmo-vervoer" beside "Wmo begeleiding")."""

    @field_validator("nl", "en")
    @classmethod
    def _sentence_case(cls, v: str) -> str:
        if not (v[:1].isupper() or v[:1].isdigit()):
            raise ValueError(
                f"title {v!r} must start with a capital letter or a digit (sentence case: "
                f"{v[:1].upper() + v[1:]!r})"
            )
        return v


# first words of titles that keep their capital inside a sentence: names (abbreviations, such
# as WW or WOZ, keep theirs anyway)
PROPER_WORDS = {"Wmo", "Stadjerspas"}


def in_sentence(title: str) -> str:
    """A title inside a sentence: 'Woningen met energielabel A of B' -> 'woningen met
    energielabel A of B'. Only the first letter is lowered, and only of an ordinary word: an
    abbreviation ('WW-uitkeringen', 'WOZ-waarde') or a name ('Wmo-vervoer', 'Stadjerspas voor
    minima') stays as it is, as does every later word ('herkomst buiten Europa')."""
    first = re.split(r"[\s\-/]", title, maxsplit=1)[0]
    if first in PROPER_WORDS or not first[1:].islower():
        return title
    return title[:1].lower() + title[1:]


class Ratio(BaseModel):
    """numerator / denominator * scale, with both summed over the area first."""

    model_config = ConfigDict(extra="forbid")
    numerator: str
    denominator: str | None = None  # None: the numerator itself (a count or a sum)
    scale: float = 1.0

    @field_validator("numerator", "denominator")
    @classmethod
    def _measure_id(cls, v: str | None) -> str | None:
        if v is not None and not MEASURE_ID.match(v):
            raise ValueError(f"measure {v!r} must look like cbs.<name> or reg.<name>")
        return v


class Share(BaseModel):
    """Weighted share of respondents answering one of ``codes`` among those answering ``base``."""

    model_config = ConfigDict(extra="forbid")
    question: str
    codes: list[int] = Field(min_length=1)
    base: list[int] | None = None  # default: every code of the scale except "weet niet" (98)

    @model_validator(mode="after")
    def _codes_in_base(self) -> Share:
        if self.base is not None and not set(self.codes) <= set(self.base):
            raise ValueError(f"codes {self.codes} must lie inside base {self.base}")
        return self


class Mean(BaseModel):
    """Weighted mean of a numeric answer (e.g. a rapportcijfer) over ``base`` codes."""

    model_config = ConfigDict(extra="forbid")
    question: str
    base: list[int] | None = None


class ConstructStat(BaseModel):
    """A statistic of a multi-item construct score (see the codebook's ``constructs``)."""

    model_config = ConfigDict(extra="forbid")
    id: str
    statistic: Literal["mean", "share_at_least"]
    at_least: float | None = None

    @model_validator(mode="after")
    def _threshold(self) -> ConstructStat:
        if (self.statistic == "share_at_least") != (self.at_least is not None):
            raise ValueError("share_at_least needs at_least; mean takes none")
        return self


SYNTHETIC_SOURCES = ("survey", "register")  # generated inputs: every figure of them is marked
RIVM_CONCEPT = re.compile(r"^[a-z][a-z0-9_]*$")


class ModelEstimate(BaseModel):
    """A share RIVM estimates for every area with its small-area model (table 50090NED): the
    ``variable`` of data/reference/rivm_variables.csv for the ``age_group``. RIVM's figure is
    a mean over the residents of the area: an area RIVM does not publish is the mean of its
    parts weighted by their residents of the age group."""

    model_config = ConfigDict(extra="forbid")
    variable: str
    age_group: Literal["18+", "65+"] = "18+"

    @field_validator("variable")
    @classmethod
    def _concept(cls, v: str) -> str:
        if not RIVM_CONCEPT.match(v):
            raise ValueError(f"variable {v!r} must be a concept id of rivm_variables.csv")
        return v

    @property
    def source_variable(self) -> str:
        """The variable's name in the warehouse (``rivm_values.variable``)."""
        return f"{self.variable}_{'65plus' if self.age_group == '65+' else '18plus'}"


DEFINITION_KINDS = ("ratio", "share", "mean", "scale_score", "model_estimate")


class Definition(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    ratio: Ratio | None = None
    share: Share | None = None
    mean: Mean | None = None
    scale_score: ConstructStat | None = Field(default=None, alias="construct")
    model_estimate: ModelEstimate | None = Field(default=None, alias="rivm")

    @model_validator(mode="after")
    def _exactly_one(self) -> Definition:
        given = [k for k in DEFINITION_KINDS if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(
                f"a definition has exactly one of ratio/share/mean/construct/rivm, got {given}"
            )
        return self

    @property
    def kind(self) -> str:
        return next(k for k in DEFINITION_KINDS if getattr(self, k))


Quadrant = Literal[
    "samenstelling",
    "kwaliteit_fysieke_leefomgeving",
    "kwaliteit_van_leven",
    "kwaliteit_sociale_omgeving",
]


class Indicator(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    title: Title
    description: Text
    processing: Text
    unit: str = Field(min_length=1)
    decimals: int = Field(ge=0, le=3)
    source: Literal["cbs", "rivm", "survey", "register"]
    quadrant: Quadrant
    theme: str
    direction: Literal["higher_is_better", "higher_is_worse", "neutral"]
    definition: Definition
    min_n: int | None = Field(default=None, ge=1)
    caveats: Text | None = None
    in_compass: bool = True  # False for key figures (counts, areas) that are not compared
    headline: bool = False  # offered on the home map
    # a definition break: editions before this one are not comparable with it (trends stop)
    comparable_since: int | None = None
    break_note: Text | None = None
    # a real figure that stands for a synthetic (survey or register) figure of the same concept
    # on the resident pages and in the compass (one figure per concept); the synthetic figure
    # stays in the warehouse, the downloads and the statisticians' page
    replaces: str | None = None
    # an indicator of one gemeente's own services, teams or programmes (Groningen's WIJ teams,
    # its Stadjerspas): computed for that gemeente only, left out (not shown empty) elsewhere
    gemeente: str | None = Field(default=None, pattern=r"^GM\d{4}$")

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not ID.match(v):
            raise ValueError(f"id {v!r} must be snake_case ascii")
        return v

    @model_validator(mode="after")
    def _source_matches_definition(self) -> Indicator:
        kind = self.definition.kind
        if (self.source == "rivm") != (kind == "model_estimate"):
            raise ValueError("a rivm indicator, and only a rivm indicator, has a rivm definition")
        if self.source == "survey" and kind == "ratio":
            raise ValueError("a survey indicator is a share, mean or construct, not a ratio")
        if self.source in ("cbs", "register") and kind != "ratio":
            raise ValueError(f"a {self.source} indicator is a ratio of measures, not {kind}")
        if self.replaces is not None and self.source in SYNTHETIC_SOURCES:
            raise ValueError("replaces: a real figure stands for a synthetic one, not the reverse")
        if self.source != "survey" and self.min_n is not None:
            raise ValueError("min_n applies to survey indicators only")
        prefix = {"cbs": "cbs.", "register": "reg."}.get(self.source)
        if kind == "ratio" and not self.definition.ratio.numerator.startswith(prefix):
            raise ValueError(f"a {self.source} indicator's numerator must be a {prefix}* measure")
        if (self.comparable_since is None) != (self.break_note is None):
            raise ValueError("comparable_since and break_note go together")
        if self.quadrant == "samenstelling" and self.direction != "neutral":
            raise ValueError("Samenstelling is not judged: direction must be neutral")
        return self


class MeasureSource(BaseModel):
    """One way to obtain a measure for an area: ``var`` (times ``times``) times ``scale``."""

    model_config = ConfigDict(extra="forbid")
    var: str
    times: str | None = None
    scale: float = 1.0


class Measure(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    title: str
    sources: list[MeasureSource] = Field(alias="from", min_length=1)

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not MEASURE_ID.match(v):
            raise ValueError(f"measure id {v!r} must look like cbs.<name> or reg.<name>")
        return v

    @property
    def source(self) -> str:
        return "cbs" if self.id.startswith("cbs.") else "register"


class Theme(BaseModel):
    id: str
    title: Text


class QuadrantDef(BaseModel):
    id: Quadrant
    judged: bool
    title: Text
    themes: list[Theme]


class Catalogue(BaseModel):
    indicators: list[Indicator]
    measures: list[Measure]
    quadrants: list[QuadrantDef]

    def by_id(self) -> dict[str, Indicator]:
        return {i.id: i for i in self.indicators}

    def replaced_by(self) -> dict[str, str]:
        """{survey indicator: the real indicator that stands for it on resident pages and in
        the compass} (``replaces`` of the catalogue: one figure per concept)."""
        return {i.replaces: i.id for i in self.indicators if i.replaces}

    def measures_by_id(self) -> dict[str, Measure]:
        return {m.id: m for m in self.measures}

    def theme_quadrant(self) -> dict[str, str]:
        return {t.id: q.id for q in self.quadrants for t in q.themes}


def _read_yaml(path: Path):
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path}: not valid YAML: {exc}") from exc


def _validate_list(path: Path, entries, model):
    if not isinstance(entries, list):
        raise CatalogueError(f"{path}: expected a list of entries at the top level")
    out = []
    for pos, entry in enumerate(entries, start=1):
        name = entry.get("id", f"entry {pos}") if isinstance(entry, dict) else f"entry {pos}"
        try:
            out.append(model.model_validate(entry))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "(entry)"
            raise CatalogueError(f"{path}: {name}: {where}: {first['msg']}") from exc
    return out


def load_catalogue(
    directory: Path | None = None,
    files: list[Path] | None = None,
    measure_files: list[Path] | None = None,
    gemeente: str | None = None,
) -> Catalogue:
    """Read, validate and cross-check the whole catalogue; raise CatalogueError on the first
    problem, naming the file and the indicator. With ``gemeente`` (a GM code): the catalogue
    of that gemeente's compass, without the indicators of another gemeente's own services."""
    directory = directory or CATALOGUE_DIR
    compass = _read_yaml(COMPASS_FILE)
    quadrants = [QuadrantDef.model_validate(q) for q in compass["quadrants"]]
    theme_quadrant = {t.id: q.id for q in quadrants for t in q.themes}
    measures: list[Measure] = []
    for mfile in measure_files or sorted(HERE.glob(MEASURES_GLOB)):
        measures += _validate_list(mfile, _read_yaml(mfile) or [], Measure)
    indicators: list[Indicator] = []
    origin: dict[str, Path] = {}
    files = files or sorted(directory.glob("*.yml"))
    if not files:
        raise CatalogueError(f"{directory}: no catalogue files (*.yml)")
    for path in files:
        for ind in _validate_list(path, _read_yaml(path) or [], Indicator):
            if ind.id in origin:
                raise CatalogueError(f"{path}: {ind.id}: id already defined in {origin[ind.id]}")
            if ind.theme not in theme_quadrant:
                raise CatalogueError(f"{path}: {ind.id}: unknown theme {ind.theme!r}")
            if theme_quadrant[ind.theme] != ind.quadrant:
                raise CatalogueError(
                    f"{path}: {ind.id}: theme {ind.theme} belongs to quadrant "
                    f"{theme_quadrant[ind.theme]}, not {ind.quadrant}"
                )
            origin[ind.id] = path
            indicators.append(ind)
    dup = [m for m, c in Counter(m.id for m in measures).items() if c > 1]
    if dup:
        raise CatalogueError(f"{HERE}/{MEASURES_GLOB}: measure defined twice: {dup}")
    by_id = {i.id: i for i in indicators}
    replaced: dict[str, str] = {}
    for ind in indicators:
        if ind.replaces is None:
            continue
        other = by_id.get(ind.replaces)
        if other is None or other.source not in SYNTHETIC_SOURCES:
            raise CatalogueError(
                f"{origin[ind.id]}: {ind.id}: replaces {ind.replaces!r}, which is no survey or "
                "register indicator of the catalogue"
            )
        if ind.replaces in replaced:
            raise CatalogueError(
                f"{origin[ind.id]}: {ind.id}: {ind.replaces} is replaced by "
                f"{replaced[ind.replaces]} already"
            )
        replaced[ind.replaces] = ind.id
    known = {m.id for m in measures}
    for ind in indicators:
        if ind.definition.ratio:
            for m in (ind.definition.ratio.numerator, ind.definition.ratio.denominator):
                if m and m not in known:
                    raise CatalogueError(
                        f"{origin[ind.id]}: {ind.id}: unknown measure {m!r} "
                        f"(define it in {MEASURES_GLOB})"
                    )
    if gemeente is not None:
        indicators = [i for i in indicators if i.gemeente in (None, gemeente)]
    return Catalogue(indicators=indicators, measures=measures, quadrants=quadrants)


@lru_cache(maxsize=4)
def statistics_settings(path: Path = STATISTICS_FILE) -> dict:
    """``indicators/statistics.yml`` (or ``path``), validated, as a dict with every default
    filled in (``indicators.statistics_config`` holds the keys, constraints and defaults)."""
    return load_statistics_settings(Path(path)).model_dump(by_alias=True, exclude_none=True)


def main() -> None:  # pragma: no cover - a developer aid
    import sys

    files = [Path(a) for a in sys.argv[1:]] or None
    cat = load_catalogue(files=files)
    by = Counter((i.quadrant, i.theme, i.source) for i in cat.indicators)
    for key, n in sorted(by.items()):
        print(*key, n)
    print(f"{len(cat.indicators)} indicators, {len(cat.measures)} measures")


if __name__ == "__main__":
    main()
