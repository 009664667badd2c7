"""Where things are: project paths and the editions configuration (``data/editions.yml``)."""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

PROJECT_ROOT = Path(os.environ.get("WIJKKOMPAS_ROOT", Path(__file__).resolve().parents[1]))
WAREHOUSE_FILE = "wijkkompas.duckdb"

# The gemeente whose compass is being read or built. The default gemeente is the one of data/
# (its editions.yml); every other gemeente has its own directory under gemeenten/<code>/ with
# data/ (generated from the national file on its first build: pipelines/gemeente_inputs.py),
# warehouse/ and site/. A build of several gemeenten (Dagster partitions) enters each one's
# scope in turn: pipelines.partitions.for_each_gemeente.
_scope: list[str] = []


def _default_data_dir() -> Path:
    return Path(os.environ.get("WIJKKOMPAS_DATA", PROJECT_ROOT / "data"))


def default_gemeente() -> str:
    """The gemeente of data/editions.yml: what `wijkkompas build` builds without --gemeente."""
    path = _default_data_dir() / "editions.yml"
    return _load(path, path.stat().st_mtime).gemeente


def current_gemeente() -> str:
    return _scope[-1] if _scope else default_gemeente()


def is_default(code: str) -> bool:
    return code == default_gemeente()


def gemeenten_dir() -> Path:
    """Where the other gemeenten live (one directory per gemeente code)."""
    return Path(os.environ.get("WIJKKOMPAS_GEMEENTEN", PROJECT_ROOT / "gemeenten"))


def gemeente_dir(code: str) -> Path:
    return gemeenten_dir() / code


def _other() -> str | None:
    """The gemeente in scope when it is not the default one."""
    if not _scope or is_default(_scope[-1]):
        return None
    return _scope[-1]


@contextmanager
def gemeente_scope(code: str):
    """Within this block data_dir(), the warehouse and the site are those of gemeente ``code``."""
    _scope.append(code)
    try:
        yield code
    finally:
        _scope.pop()


def data_dir() -> Path:
    other = _other()
    return gemeente_dir(other) / "data" if other else _default_data_dir()


def raw_dir() -> Path:
    return data_dir() / "raw"


def published_warehouse_path() -> Path:
    """The warehouse of the last good build: what the notebooks, `make run` and users read."""
    other = _other()
    if other:
        return gemeente_dir(other) / "warehouse" / WAREHOUSE_FILE
    return Path(os.environ.get("WIJKKOMPAS_WAREHOUSE", data_dir() / "warehouse" / WAREHOUSE_FILE))


def warehouse_copy(kind: str, path: Path | None = None) -> Path:
    """``wijkkompas.<kind>.duckdb`` beside the warehouse (same file system: a rename swaps it)."""
    path = path or published_warehouse_path()
    return path.with_name(f"{path.stem}.{kind}{path.suffix}")


# set while a run works on copies, in this process and its step processes: the kind of copy
# ("building" for a build, "checking-<pid>" for `wijkkompas check`, which may run beside a build)
WORKING_COPY = "WIJKKOMPAS_WORKING_COPY"
BUILD_COPY = "building"


def working_copy() -> str | None:
    """The kind of working copy the run in this process works on, or None (the published
    warehouse: notebooks, a run started from the Dagster UI)."""
    return os.environ.get(WORKING_COPY) or None


def check_copy() -> str:
    """The working copy of a `wijkkompas check` of this process: its own, so that a check runs
    beside a build (or another check) without touching the build's copies."""
    return f"checking-{os.getpid()}"


def warehouse_path() -> Path:
    """The warehouse to read and write now: during a run its working copy (a build's
    ``wijkkompas.building.duckdb``, swapped in only when the build passed; a check's own), else
    the published one."""
    kind = working_copy()
    return warehouse_copy(kind) if kind else published_warehouse_path()


@contextmanager
def environment(name: str, value: str):
    """Within this block the environment variable ``name`` is ``value`` (seen by this process
    and the processes it starts); afterwards it is as it was."""
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


def on_working_copy(kind: str = BUILD_COPY):
    """Within this block every reader and writer of the warehouse and the staged site uses the
    run's working copies (``kind``) of the gemeente in scope; the flag is an environment
    variable, so that the step processes of Dagster's multiprocess executor work on the same
    copies."""
    return environment(WORKING_COPY, kind)


def site_dir() -> Path:
    """Where the published site (and its downloads) goes."""
    other = _other()
    if other:
        return gemeente_dir(other) / "site"
    return Path(os.environ.get("WIJKKOMPAS_SITE", PROJECT_ROOT / "site"))


def site_staging_dir() -> Path:
    """Where a run builds the site before it is swapped in (same file system as the site): a
    build's ``.site.staging``, a check's own ``.site.checking-<pid>``."""
    site = site_dir()
    kind = working_copy()
    return site.with_name(f".{site.name}.{kind if kind and kind != BUILD_COPY else 'staging'}")


def quality_report_path() -> Path:
    """The data-quality report of the latest run, beside the site (also after a failed run)."""
    return site_dir().parent / "quality-report" / "index.html"


class Edition(BaseModel):
    # strict: a year is a whole number as written (2017), never a float or a string ("2017.0")
    model_config = ConfigDict(extra="forbid", strict=True)
    edition: int
    area_year: int
    cbs_years: list[int]
    survey: str
    boundaries: dict[str, int]
    registers: int | None = None  # year of the municipal register export (data/raw/registers)
    # questions of the previous wave that this wave deliberately did not ask (the rule
    # survey_waves.previous_questions_asked stops a wave that lacks any other one)
    dropped_questions: list[str] = []


class Layout(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    name: str
    area_year: int
    file: str


class OpenData(BaseModel):
    """How the open data describe themselves (``open_data:`` in ``data/editions.yml``): where
    the site is published (the catalogue's download URLs are relative to ``base_url``) and who
    answers questions about the data (the catalogue's contact point)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    base_url: str = "http://127.0.0.1:8000/"  # `make serve`; set it where the site is published
    contact_name: str | None = None  # default: the gemeente
    contact_email: str | None = None
    contact_url: str | None = None


class EditionsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    gemeente: str
    gemeente_name: str
    gebieden: str
    editions: list[Edition]
    layouts: list[Layout] = []
    # the layout the site leads with (home map, search order): "cbs" or the name of a layout
    primary_layout: str = "cbs"
    open_data: OpenData = OpenData()

    def resolve(self, relative: str) -> Path:
        """Paths in the config are written from the project root (``data/...``); they resolve
        against the data directory in use, so a copy of ``data/`` elsewhere works the same."""
        path = Path(relative)
        if path.is_absolute():
            return path
        if path.parts and path.parts[0] == "data":
            path = Path(*path.parts[1:])
        return data_dir() / path


LAYOUT_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
# folders of the site and names the warehouse uses itself: a layout of that name would collide
RESERVED_NAMES = {"cbs", "en", "wijk", "gebied", "buurt", "indicator", "assets", "data"}
RESERVED_NAMES |= {"downloads", "rapport", "statistiek", "all"}  # 'all': the changelog's


@lru_cache(maxsize=4)
def _load(path: Path, mtime: float) -> EditionsConfig:
    from ingest.errors import InputError

    try:
        config = EditionsConfig.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except yaml.YAMLError as exc:
        raise InputError(path, f"not valid YAML: {exc}", expected="data/editions.yml") from exc
    except ValidationError as exc:
        error = exc.errors()[0]
        raise InputError(
            path,
            f"{len(exc.errors())} wrong field(s), the first: {error['msg']}",
            key=_key_path(error["loc"]),
            value=error.get("input"),
            expected=_EXPECTED.get(error["type"], "a value as in the comments of the file"),
            rule="editions_schema",
        ) from exc
    for i, layout in enumerate(config.layouts):
        name = layout.name
        if (
            not LAYOUT_NAME.fullmatch(name)
            or name in RESERVED_NAMES
            or name.startswith("harmonised")
        ):
            raise InputError(
                path,
                "a layout's name is the folder of its pages and must not clash with the site's",
                key=f"layouts[{i}].name",
                value=layout.name,
                expected="lower-case letters, digits, - or _ (e.g. gemeente2024), not "
                + ", ".join(sorted(RESERVED_NAMES))
                + " and not starting with harmonised",
                rule="editions_schema",
            )
    names = ["cbs"] + [layout.name for layout in config.layouts]
    if len(set(names)) < len(names):
        raise InputError(
            path, "two layouts have the same name", key="layouts", expected="unique names"
        )
    if config.primary_layout not in names:
        raise InputError(
            path,
            "primary_layout names no layout of this file",
            key="primary_layout",
            value=config.primary_layout,
            expected=f"one of {', '.join(names)} (cbs, or a name under layouts:)",
            rule="editions_schema",
        )
    return config


_EXPECTED = {
    "int_type": "a whole number (a year is written 2024, not 2024.0 or '2024')",
    "int_parsing": "a whole number (a year is written 2024)",
    "string_type": "text",
    "list_type": "a list, e.g. [2024, 2023]",
    "dict_type": "a mapping, e.g. {wijk: 2024, buurt: 2022}",
    "missing": "this key (every edition has edition, area_year, cbs_years, survey, boundaries)",
    "extra_forbidden": "only the keys described in the comments of data/editions.yml",
}


def _key_path(loc: tuple) -> str:
    """('editions', 1, 'registers') -> 'editions[1].registers' (the second edition)."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def editions_config() -> EditionsConfig:
    path = data_dir() / "editions.yml"
    return _load(path, path.stat().st_mtime)
