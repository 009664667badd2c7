"""Where things are: project paths and the editions configuration (``data/editions.yml``)."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

PROJECT_ROOT = Path(os.environ.get("WIJKKOMPAS_ROOT", Path(__file__).resolve().parents[1]))


def data_dir() -> Path:
    return Path(os.environ.get("WIJKKOMPAS_DATA", PROJECT_ROOT / "data"))


def raw_dir() -> Path:
    return data_dir() / "raw"


def warehouse_path() -> Path:
    return Path(
        os.environ.get("WIJKKOMPAS_WAREHOUSE", data_dir() / "warehouse" / "wijkkompas.duckdb")
    )


def site_dir() -> Path:
    """Where the published site (and its downloads) goes."""
    return Path(os.environ.get("WIJKKOMPAS_SITE", PROJECT_ROOT / "site"))


def site_staging_dir() -> Path:
    """Where a run builds the site before it is swapped in (same file system as the site)."""
    site = site_dir()
    return site.with_name(f".{site.name}.staging")


def quality_report_path() -> Path:
    """The data-quality report of the latest run, beside the site (also after a failed run)."""
    return site_dir().parent / "quality-report" / "index.html"


class Edition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    edition: int
    area_year: int
    cbs_years: list[int]
    survey: str
    boundaries: dict[str, int]
    registers: int | None = None  # year of the municipal register export (data/raw/registers)


class Layout(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    area_year: int
    file: str


class EditionsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    gemeente: str
    gemeente_name: str
    gebieden: str
    editions: list[Edition]
    layouts: list[Layout] = []

    def resolve(self, relative: str) -> Path:
        """Paths in the config are written from the project root (``data/...``); they resolve
        against the data directory in use, so a copy of ``data/`` elsewhere works the same."""
        path = Path(relative)
        if path.is_absolute():
            return path
        if path.parts and path.parts[0] == "data":
            path = Path(*path.parts[1:])
        return data_dir() / path


@lru_cache(maxsize=4)
def _load(path: Path, mtime: float) -> EditionsConfig:
    return EditionsConfig.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def editions_config() -> EditionsConfig:
    path = data_dir() / "editions.yml"
    return _load(path, path.stat().st_mtime)
