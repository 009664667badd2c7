"""Rules as data: one YAML file per dataset under ``quality/rules/``, checked by a schema.

A rules file names the Dagster asset it guards, the SQL that gives the rows to validate (the
dataset; ``{gemeente}`` and ``{site_staging}`` are filled in), the other assets that SQL reads
(``needs``), the columns that say where a row came from (file, row, area) and its rules. A rule is
a Great Expectations expectation (its snake_case name), its parameters, a severity and a human
description. Parameters may refer to the statistical settings (``{setting: survey.min_n}``) or
to a list from the warehouse (``{query: "SELECT ..."}``) or one value (``{query_value: ...}``),
so no code list is copied into a rule.

Severity: ``fatal`` (the dataset is unusable), ``error`` (a wrong value) and ``warning``
(worth a look). Fatal and error block publication; warnings are reported only.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ingest.errors import InputError
from ingest.yamlfile import SAFE_LOADER

RULES_DIR = Path(__file__).with_name("rules")
Severity = Literal["fatal", "error", "warning"]
BLOCKING: frozenset[str] = frozenset({"fatal", "error"})
NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    expectation: str
    parameters: dict[str, Any] = Field(default_factory=dict)
    severity: Severity
    description: str

    @field_validator("name")
    @classmethod
    def _snake(cls, value: str) -> str:
        if not NAME.match(value):
            raise ValueError(f"'{value}': use lower_snake_case (it becomes a Dagster check name)")
        return value

    @field_validator("expectation")
    @classmethod
    def _gx_name(cls, value: str) -> str:
        if not NAME.match(value) or not value.startswith("expect_"):
            raise ValueError(f"'{value}': a Great Expectations name such as expect_column_values_…")
        return value

    @property
    def blocking(self) -> bool:
        return self.severity in BLOCKING

    @property
    def column(self) -> str | None:
        """The column the rule is about (the first one, for rules on several)."""
        p = self.parameters
        if "column" in p:
            return p["column"]
        for key in ("column_A", "column_list"):
            if key in p:
                return p[key] if isinstance(p[key], str) else ", ".join(p[key])
        return None


class RuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dataset: str
    asset: str
    description: str
    query: str
    needs: list[str] = Field(default_factory=list)  # further assets the query reads
    location: list[str] = Field(min_length=1)
    rules: list[Rule] = Field(min_length=1)
    file: str = ""

    @model_validator(mode="after")
    def _unique_rules(self) -> RuleSet:
        names = [r.name for r in self.rules]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"rule names appear twice: {', '.join(dup)}")
        return self


def load_ruleset(path: Path) -> RuleSet:
    path = Path(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise InputError(path, f"not valid YAML: {exc}") from exc
    try:
        ruleset = RuleSet.model_validate({**(data or {}), "file": path.name})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(
            path,
            f"rules file does not follow the schema at {where}: {first['msg']}",
            expected="dataset, asset, description, query, location and rules (name, "
            "expectation, parameters, severity fatal|error|warning, description)",
        ) from exc
    if ruleset.dataset != path.stem:
        raise InputError(
            path,
            "dataset name differs from the file name",
            value=ruleset.dataset,
            expected=path.stem,
        )
    return ruleset


def load_rulesets(directory: Path = RULES_DIR) -> list[RuleSet]:
    """Every rules file, checked; a check name must be unique per asset across files."""
    rulesets = [load_ruleset(p) for p in sorted(Path(directory).glob("*.yml"))]
    seen: dict[tuple[str, str], str] = {}
    for rs in rulesets:
        for rule in rs.rules:
            key = (rs.asset, rule.name)
            if key in seen:
                raise InputError(
                    Path(directory) / rs.file,
                    f"rule '{rule.name}' on asset '{rs.asset}' is also in {seen[key]}",
                    expected="one name per check of an asset",
                )
            seen[key] = rs.file
    return rulesets
