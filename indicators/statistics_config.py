"""The statistical settings (``indicators/statistics.yml``) as a validated model.

Every key of the file is described here once, with its type, its constraints and its default:
readers get a complete dict (``indicators.catalogue.statistics_settings()``) and never repeat a
default. A wrong value raises ``ingest.errors.InputError`` naming the file, the key (e.g.
``survey.max_cv``), the value and what was expected; an unknown key is refused.
"""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ingest.errors import InputError
from ingest.yamlfile import SAFE_LOADER

Number = int | float
Fraction = Annotated[float, Field(gt=0, lt=1)]
# the five bands of the compass index, lowest first (indicators.compass_index.NEUTRAL_BANDS)
BAND_IDS = ("very_unfavourable", "unfavourable", "average", "favourable", "very_favourable")


class _Wrong(ValueError):
    """A value that breaks a rule between keys of one section: names the key and its value."""

    def __init__(self, key: str, value: object, expected: str) -> None:
        self.key, self.value, self.expected = key, value, expected
        super().__init__(f"{key}: expected {expected}")


def _no_repeats(key: str, ids: list[str]) -> None:
    """Indicator ids that are compared on: each at most once."""
    if len(set(ids)) < len(ids):
        raise _Wrong(key, ids, "indicator ids, none repeated")


class _Strict(BaseModel):
    # strict: 30 is a number as written, never "30" or true; a key not described here is refused
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


class Survey(_Strict):
    min_n: int = Field(30, ge=1)
    max_cv: Fraction = 0.35
    caution_cv: Fraction = 0.20
    share_interval: Literal["wilson", "logit"] = "wilson"

    @model_validator(mode="after")
    def _caution_below_max(self) -> Survey:
        if self.caution_cv > self.max_cv:
            raise _Wrong("caution_cv", self.caution_cv, f"at most max_cv ({self.max_cv})")
        return self


class AgeMargin(_Strict):
    ages: list[int] = Field(min_length=2, max_length=2)
    measure: str = Field(min_length=1)
    factor: Number = Field(1.0, gt=0, le=1)  # the share of the CBS age group (16-24 of 15-24)

    @model_validator(mode="after")
    def _ages_ordered(self) -> AgeMargin:
        if not 0 <= self.ages[0] <= self.ages[1]:
            raise _Wrong("ages", self.ages, "[from, to] with 0 <= from <= to")
        return self


class SexMargins(_Strict):
    men: str = Field(min_length=1)
    women: str = Field(min_length=1)


class Raking(_Strict):
    age_margins: list[AgeMargin] = Field(min_length=1)
    sex_margins: SexMargins
    # where CBS has no age or sex figures for a wijk (the national 43-column file): weighted to
    # this measure of the wijk only (post-stratification on the wijk), reported per wave
    population_margin: str = "cbs.population"
    max_iterations: int = Field(100, ge=1)
    min_cell: int = Field(10, ge=0)
    tolerance: float = Field(1.0e-6, gt=0, lt=1)
    weight_bounds: list[Number] = Field([0.2, 5.0], min_length=2, max_length=2)

    @model_validator(mode="after")
    def _checks(self) -> Raking:
        low, high = self.weight_bounds
        if not 0 < low <= 1 <= high:
            raise _Wrong(
                "weight_bounds", self.weight_bounds, "[low, high] with 0 < low <= 1 <= high"
            )
        ages = [m.ages for m in self.age_margins]
        if any(a[1] >= b[0] for a, b in pairwise(ages)):
            raise _Wrong("age_margins", ages, "age ranges in increasing order, without overlap")
        return self


class Register(_Strict):
    min_count: int = Field(5, ge=1)


class ModelEstimates(_Strict):
    # an area RIVM does not publish (an own wijk, a gebied) is the mean of its parts weighted by
    # residents; parts without a figure (too few residents for RIVM) may hold at most this share
    # of the area's residents, else the area gets no figure (parts_missing)
    min_coverage: Annotated[float, Field(gt=0, le=1)] = 0.95


class Band(_Strict):
    from_: Number = Field(alias="from")
    id: Literal[BAND_IDS]


class Compass(_Strict):
    spread: Number = Field(20, gt=0)
    clip: list[Number] = Field([40, 160], min_length=2, max_length=2)
    bands: list[Band] = Field(
        [
            Band(**{"from": f, "id": i})
            for f, i in zip((0, 70, 90, 110, 130), BAND_IDS, strict=True)
        ],
        min_length=5,
        max_length=5,
    )

    @model_validator(mode="after")
    def _checks(self) -> Compass:
        if not self.clip[0] < 100 < self.clip[1]:
            raise _Wrong("clip", self.clip, "[low, high] with low < 100 < high")
        if [b.id for b in self.bands] != list(BAND_IDS):
            raise _Wrong(
                "bands", [b.id for b in self.bands], f"ids, lowest first: {', '.join(BAND_IDS)}"
            )
        edges = [b.from_ for b in self.bands]
        if any(a >= b for a, b in pairwise(edges)):
            raise _Wrong("bands", edges, "increasing values of from")
        return self


class SimilarAreas(_Strict):
    count: int = Field(3, ge=1)
    indicators: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> SimilarAreas:
        _no_repeats("indicators", self.indicators)
        return self


class ComparableGemeenten(_Strict):
    count: int | None = Field(None, ge=1)  # the most similar gemeenten on composition
    name: str | None = None  # or a named group of gemeenten
    gemeenten: list[str] | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _one_way(self) -> ComparableGemeenten:
        named = self.name is not None or self.gemeenten is not None
        if (self.count is None) == (not named) or (named and not (self.name and self.gemeenten)):
            raise _Wrong(
                "comparable_gemeenten",
                self.model_dump(exclude_none=True),
                "either {count: N} or {name: ..., gemeenten: [GMnnnn, ...]}",
            )
        bad = [g for g in self.gemeenten or [] if not re.fullmatch(r"GM\d{4}", g)]
        if bad:
            raise _Wrong("gemeenten", bad, "gemeente codes GMnnnn")
        return self


class National(_Strict):
    comparable_gemeenten: ComparableGemeenten = ComparableGemeenten(count=5)
    similar_wijken: int = Field(5, ge=1)
    # composition indicators the national kerncijfers have (they lack age groups, WOZ and
    # land area): what comparable gemeenten and similar wijken are compared on
    composition: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> National:
        _no_repeats("composition", self.composition)
        return self


_COVARIATE = re.compile(r"(log\()?([a-z][a-z0-9_]*)(?(1)\))")


class SmallArea(_Strict):
    # the model-based buurt estimates (indicators/small_area_model.py): see statistics.yml
    method: Literal["REML", "ML"] = "REML"
    covariates: list[str] = Field(min_length=1)
    optional_covariates: list[str] = []
    fallback_covariates: list[str] = []
    optional_min_coverage: Annotated[float, Field(gt=0, le=1)] = 0.5
    missing_indicator_share: Annotated[float, Field(ge=0, le=1)] = 0.3
    variance_pool_min_df: int = Field(30, ge=1)
    area_variance: Literal["by_size", "constant"] = "by_size"
    size_floor: Annotated[float, Field(gt=0)] = 10.0
    max_iterations: int = Field(100, ge=1)
    tolerance: Annotated[float, Field(gt=0, lt=1)] = 1.0e-4

    @model_validator(mode="after")
    def _names(self) -> SmallArea:
        for key in ("covariates", "optional_covariates", "fallback_covariates"):
            bad = [c for c in getattr(self, key) if not _COVARIATE.fullmatch(c)]
            if bad:
                raise _Wrong(key, bad, "indicator ids, or log(<indicator id>)")
        _no_repeats("covariates", [*self.covariates, *self.optional_covariates])
        return self


class StatisticsSettings(_Strict):
    confidence: Fraction = 0.95
    survey: Survey = Survey()
    raking: Raking
    # 'register' is a name of pydantic's BaseModel: the field is register_, the key register
    register_: Register = Field(Register(), alias="register")
    rivm: ModelEstimates = ModelEstimates()
    compass: Compass = Compass()
    similar_areas: SimilarAreas
    national: National
    small_area: SmallArea


_EXPECTED = {
    "int_type": "a whole number (e.g. 30, not 30.0 or '30')",
    "float_type": "a number (e.g. 0.35, not '0.35')",
    "string_type": "text",
    "list_type": "a list, e.g. [0.2, 5.0]",
    "model_type": "a mapping of the keys described in the comments of the file",
    "missing": "this key (see the comments of the file)",
    "extra_forbidden": "only the keys described in the comments of the file "
    "(and in indicators/statistics_config.py)",
}


def _key_path(loc: tuple) -> str:
    """('raking', 'age_margins', 0, 'factor') -> 'raking.age_margins[0].factor'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part not in _UNION_MEMBERS:
            out += f".{part}" if out else str(part)
    return out


_UNION_MEMBERS = {"int", "float"}  # pydantic names the member of int | float it tried


def _describe(error: dict) -> tuple[str, object, str]:
    """(key path, value, what was expected) of a pydantic error."""
    wrong = (error.get("ctx") or {}).get("error")
    if isinstance(wrong, _Wrong):
        key = ".".join(p for p in (_key_path(error["loc"]), wrong.key) if p)
        return key, wrong.value, wrong.expected
    key = _key_path(error["loc"])
    value = None if error["type"] == "missing" else error.get("input")
    if error["type"] in ("int_type", "float_type") and _UNION_MEMBERS & set(error["loc"]):
        return key, value, "a number (e.g. 20 or 0.9, not '0.9')"
    expected = _EXPECTED.get(error["type"]) or error["msg"].removeprefix("Input should be ")
    if error["type"].startswith(("greater_than", "less_than")):
        expected = f"a number {expected}"  # e.g. a number less than 1 (max_cv is a fraction)
    return key, value, expected


def load_statistics_settings(path: Path) -> StatisticsSettings:
    """Read and validate ``path``; an InputError names the file, the key and what was
    expected."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise InputError(path, f"not valid YAML: {exc}", expected="YAML") from exc
    try:
        return StatisticsSettings.model_validate(raw or {})
    except ValidationError as exc:
        key, value, expected = _describe(exc.errors()[0])
        raise InputError(
            path,
            f"{exc.error_count()} wrong statistical setting(s), the first",
            key=key or None,
            value=value,
            expected=expected,
            rule="statistics_schema",
        ) from exc
