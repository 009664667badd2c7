"""The register variables (``data/registers/variables.yml``): what each count is and how the
synthetic generator draws it. Problems name the file, the variable and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ingest.errors import InputError
from ingest.yamlfile import SAFE_LOADER

Context = Literal["dep", "urb", "stud", "old", "kids", "centre", "owner", "social", "new"]
Quantity = Literal[
    "population",
    "households",
    "households_with_children",
    "aged_0_14",
    "aged_15_24",
    "aged_25_44",
    "aged_45_64",
    "aged_65_plus",
    "dwellings",
    "cars",
    "businesses",
    "area_land_ha",
]
# the same names as tuples, for membership tests and messages
CONTEXT = get_args(Context)
QUANTITIES = get_args(Quantity)


class Title(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nl: str = Field(min_length=2)
    en: str = Field(min_length=2)


class RegisterVariable(BaseModel):
    """One register count per buurt per year, and the parameters of its synthetic generator."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: Title
    register_name: str = Field(alias="register", min_length=3)
    theme: str
    unit: str
    note: str | None = None
    per: dict[Quantity, float] | None = None
    of: str | None = None  # a register variable, or a CBS quantity (QUANTITIES)
    includes: list[str] = []
    rate: float | dict[int, float]
    drivers: dict[Context, float] = {}
    sigma: float = Field(0.25, ge=0)
    development: float = Field(0.10, ge=0)
    noise: float = Field(0.03, ge=0)
    since: int | None = None

    @model_validator(mode="after")
    def _base(self) -> RegisterVariable:
        if (self.per is None) == (self.of is None):
            raise ValueError(
                "give exactly one of 'per' (an expected count) or 'of' (a subset of a base)"
            )
        if self.of and self.includes:
            raise ValueError("'includes' sums counts; it cannot be combined with 'of'")
        rates = self.rate.values() if isinstance(self.rate, dict) else [self.rate]
        if not rates or any(r < 0 for r in rates):
            raise ValueError("rate must be a non-negative number or {year: number}")
        if self.of and any(not 0 < r < 1 for r in rates):
            raise ValueError("with 'of' the rate is a probability, strictly between 0 and 1")
        return self

    def rate_in(self, year: int) -> float:
        """The city-wide rate of ``year``: log-linear (logit-linear with ``of``) between the
        years given, constant before the first and after the last."""
        if not isinstance(self.rate, dict):
            return float(self.rate)
        years = sorted(self.rate)
        if year <= years[0]:
            return float(self.rate[years[0]])
        if year >= years[-1]:
            return float(self.rate[years[-1]])
        hi = next(y for y in years if y >= year)
        lo = max(y for y in years if y < year)
        t = (year - lo) / (hi - lo)
        a, b = self.rate[lo], self.rate[hi]
        if self.of:
            la, lb = np.log(a / (1 - a)), np.log(b / (1 - b))
            return float(1 / (1 + np.exp(-(la + t * (lb - la)))))
        if a == 0 or b == 0:
            return float(a + t * (b - a))
        return float(np.exp(np.log(a) + t * (np.log(b) - np.log(a))))

    def exists_in(self, year: int) -> bool:
        return self.since is None or year >= self.since


def load_variables(path: Path) -> list[RegisterVariable]:
    """Read and cross-check the variables; raise InputError naming the file and the variable."""
    path = Path(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(path, f"cannot read the register variables: {exc}") from exc
    entries = raw.get("variables") if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not entries:
        raise InputError(path, "no variables", expected="a top-level 'variables:' list")
    out: list[RegisterVariable] = []
    for pos, entry in enumerate(entries, start=1):
        name = entry.get("id", f"entry {pos}") if isinstance(entry, dict) else f"entry {pos}"
        try:
            out.append(RegisterVariable.model_validate(entry))
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or None
            raise InputError(
                path,
                f"variable {name!r}: {first['msg']}",
                column=field,
                value=first.get("input") if field else None,
                expected="see the field list at the top of the file",
            ) from exc
    ids = [v.id for v in out]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise InputError(path, "variable defined twice", value=dup, expected="unique ids")
    known = {v.id: v for v in out}
    for v in out:
        for ref, field in [(v.of, "of")] + [(c, "includes") for c in v.includes]:
            if ref is None or (field == "of" and ref in QUANTITIES):
                continue
            if ref not in known:
                raise InputError(
                    path,
                    f"variable {v.id!r} refers to an unknown variable",
                    column=field,
                    value=ref,
                    expected="the id of another register variable"
                    + (
                        " or a CBS quantity (" + ", ".join(QUANTITIES) + ")"
                        if field == "of"
                        else ""
                    ),
                )
            parent = known[ref]
            if (parent.since or 0) > (v.since or 0):
                raise InputError(
                    path,
                    f"variable {v.id!r} exists before the variable it is built from",
                    column=field,
                    value=ref,
                    expected=f"'since' of {v.id} at least {parent.since}",
                )
    generation_order(out, path)
    return out


def generation_order(variables: list[RegisterVariable], path: Path | None = None):
    """Variables ordered so that every ``of``/``includes`` comes before its user."""
    by_id = {v.id: v for v in variables}
    done: dict[str, RegisterVariable] = {}
    visiting: set[str] = set()

    def visit(v: RegisterVariable) -> None:
        if v.id in done:
            return
        if v.id in visiting:
            raise InputError(
                path or "register variables",
                f"variable {v.id!r} depends on itself through of/includes",
                expected="no cycles",
            )
        visiting.add(v.id)
        for ref in ([v.of] if v.of in by_id else []) + v.includes:
            visit(by_id[ref])
        visiting.discard(v.id)
        done[v.id] = v

    for v in variables:
        visit(v)
    return list(done.values())
