"""The survey codebook (``data/survey/codebook.yml``): questions, answer scales, constructs."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from ingest.errors import InputError
from ingest.yamlfile import SAFE_LOADER

CODEBOOK_PATH = Path("data/survey/codebook.yml")


class Text(BaseModel):
    nl: str
    en: str


class Scale(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["numeric", "ordinal", "nominal"]
    codes: dict[int, str] | None = None
    min: int | None = None
    max: int | None = None
    label: Text | None = None

    @model_validator(mode="after")
    def _has_values(self) -> Scale:
        if self.type == "numeric" and (self.min is None or self.max is None):
            raise ValueError("a numeric scale needs min and max")
        if self.type != "numeric" and not self.codes:
            raise ValueError("an ordinal or nominal scale needs codes")
        return self

    def valid_codes(self) -> set[int]:
        if self.type == "numeric":
            return set(range(self.min, self.max + 1))
        return set(self.codes)

    def describe(self) -> str:
        if self.type == "numeric":
            return f"a whole number {self.min}-{self.max}"
        return ", ".join(f"{k} ({v})" for k, v in self.codes.items())


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    theme: str
    scale: str
    waves: list[int]
    text: Text
    reverse: bool = False


class Construct(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    title: Text
    description: Text
    items: list[str]
    scoring: Literal["mean_0_10", "mean_0_10_problem", "dejong_gierveld"]
    min_items: int


class FrameColumn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["id", "wave", "area_code", "integer", "code", "date"]
    label: Text
    min: int | None = None
    max: int | None = None
    codes: dict[int, str] | None = None

    def valid_values(self) -> list[int]:
        """The values an integer or code column may take."""
        if self.type == "integer":
            return list(range(self.min, self.max + 1))
        return list(self.codes or {})

    def describe(self) -> str:
        if self.type == "integer":
            return f"a whole number {self.min}-{self.max}"
        return ", ".join(f"{k} ({v})" for k, v in (self.codes or {}).items())


class SurveyInfo(BaseModel):
    name: str
    population: str
    delimiter: str
    encoding: str
    missing_code: int


class Codebook(BaseModel):
    model_config = ConfigDict(extra="forbid")
    survey: SurveyInfo
    frame: dict[str, FrameColumn]
    scales: dict[str, Scale]
    themes: dict[str, dict[str, str]]
    questions: list[Question]
    constructs: list[Construct]

    @model_validator(mode="after")
    def _consistent(self) -> Codebook:
        ids = [q.id for q in self.questions]
        dup = {i for i in ids if ids.count(i) > 1}
        if dup:
            raise ValueError(f"duplicate question ids: {sorted(dup)}")
        for q in self.questions:
            if q.scale not in self.scales:
                raise ValueError(f"question {q.id}: unknown scale {q.scale}")
            if q.theme not in self.themes:
                raise ValueError(f"question {q.id}: unknown theme {q.theme}")
        for c in self.constructs:
            missing = [i for i in c.items if i not in ids]
            if missing:
                raise ValueError(f"construct {c.id}: unknown items {missing}")
        return self

    @cached_property
    def by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    def questions_in(self, wave: int) -> list[Question]:
        return [q for q in self.questions if wave in q.waves]

    def scale_of(self, question_id: str) -> Scale:
        return self.scales[self.by_id[question_id].scale]


def load_codebook(path: Path = CODEBOOK_PATH) -> Codebook:
    try:
        return Codebook.model_validate(
            yaml.load(Path(path).read_text(encoding="utf-8"), Loader=SAFE_LOADER)
        )
    except (yaml.YAMLError, ValidationError) as exc:
        raise InputError(path, f"codebook is not valid: {exc}") from exc
