"""The downloads as a Frictionless data package (``downloads/datapackage.json``): every CSV and
Parquet file a resource with its table schema (field types as written, descriptions in Dutch and
English, primary and foreign keys, missing values, the codes a column may hold), its size and
SHA-256, and at package level what users read in the old sidecar: licence, credit, what is
synthetic, the suppression rule, provenance.

The words: the Dutch column descriptions of indicator_values, programme_budgets and the national
tables are those of ``indicators/downloads.py``; everything else is in ``indicators/open_data.yml``
(see its header). ``frictionless validate downloads/datapackage.json`` checks every file against
its schema, size and checksum.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd
import yaml

from ingest.snapshots import sha256_of

WORDS_FILE = Path(__file__).with_name("open_data.yml")
PACKAGE_FILE = "datapackage.json"
LANGS = ("nl", "en")

# the key of each table, and the columns that point at another table's key
PRIMARY_KEYS = {
    "indicator_values": ["edition", "layout", "area_code", "indicator_id"],
    "indicator_catalogue": ["indicator_id"],
    "compass_scores": ["edition", "layout", "area_code", "score_level", "score_id"],
    "edition_changelog": ["edition", "previous_edition", "layout", "kind", "subject"],
    "programme_budgets": ["year", "programme"],
    "national_reference": ["layout", "area_code", "indicator_id"],
    "national_similar_wijken": ["layout", "area_code", "rank"],
}
FOREIGN_KEYS = {
    "indicator_values": [("indicator_id", "indicator_catalogue", "indicator_id")],
    "national_reference": [("indicator_id", "indicator_catalogue", "indicator_id")],
}
MEDIA_TYPES = {
    "csv": "text/csv",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "jsonld": "application/ld+json",
}
CSV_DIALECT = {"csv": {"delimiter": ";", "lineTerminator": "\r\n", "quoteChar": '"'}}
LICENCE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Naamsvermelding 4.0 Internationaal",
}


@cache
def words() -> dict:
    """``indicators/open_data.yml``."""
    return yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8"))


def _settings_figures() -> dict[str, str]:
    from indicators.catalogue import statistics_settings

    settings = statistics_settings()
    low, high = settings["compass"]["clip"]
    return {
        "confidence": f"{100 * settings['confidence']:g}",
        "clip_low": f"{low:g}",
        "clip_high": f"{high:g}",
    }


def _dutch_columns(table: str) -> dict[str, str]:
    """The Dutch column descriptions that live in indicators/downloads.py."""
    from indicators import downloads

    if table == "indicator_values":
        return downloads.column_docs()
    if table == "programme_budgets":
        return downloads.BUDGET_COLUMN_DOCS
    if table in downloads.NATIONAL_DOCS:
        return downloads.NATIONAL_DOCS[table]["columns"]
    return {}


def column_words(
    table: str, columns: list[str], catalogue: pd.DataFrame | None = None
) -> dict[str, dict[str, str]]:
    """Per column of ``table`` its description in Dutch and English ('' where there is none:
    tests/test_open_data.py holds every published column to both). A column named after an
    indicator (the figures of a similar wijk) is described by the indicator's title."""
    figures = _settings_figures()
    dutch = _dutch_columns(table)
    english = words()["columns_en"].get(table, {})
    own = words()["columns"].get(table, {})
    titles = catalogue.set_index("indicator_id") if catalogue is not None else None
    out = {}
    for column in columns:
        nl = dutch.get(column) or own.get(column, {}).get("nl", "")
        en = english.get(column) or own.get(column, {}).get("en", "")
        if not nl and titles is not None and column in titles.index:
            nl = f"{titles.loc[column, 'title_nl']} (CBS)"
            en = f"{titles.loc[column, 'title_en']} (CBS)"
        out[column] = {"nl": nl.format(**figures), "en": en.format(**figures)}
    return out


def dataset_words(table: str) -> dict:
    """A table's title and description (nl, en), themes, keywords and languages. The Dutch
    titles of the tables the sidecar named are those of indicators/downloads.py."""
    from indicators import downloads

    entry = words()["datasets"][table]
    title = dict(entry["title"])
    if "nl" not in title:
        title["nl"] = downloads.TITLES.get(table) or downloads.NATIONAL_DOCS[table]["title"]
    return {
        "title": title,
        "description": dict(entry["description"]),
        "themes": list(entry["themes"]),
        "keywords": list(entry["keywords"]),
        "languages": list(entry.get("languages", ["NLD"])),
    }


def field_type(cells: pd.Series) -> str:
    """The Table Schema type of a column as pandas writes it to CSV."""
    dtype = cells.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    present = cells.dropna()
    if len(present) and present.map(lambda v: isinstance(v, bool)).all():
        return "boolean"
    return "string"


def _enums() -> dict[str, list[str]]:
    """The codes a column may hold, from where they are defined."""
    from dashboards import i18n
    from indicators import downloads, messages

    return {
        "source": sorted(downloads.FIGURE_KINDS),
        "figure_kind": sorted(set(downloads.FIGURE_KINDS.values())),
        "area_level": sorted(i18n.LEVELS),
        "band": sorted(k for k in i18n.BANDS if k != "none"),
        "development_band": sorted(k for k in i18n.BANDS if k != "none"),
        "trend": sorted(i18n.TRENDS),
        "suppression_reason": sorted(messages.suppression_codes()),
    }


def table_schema(table: str, frame: pd.DataFrame, catalogue: pd.DataFrame | None = None) -> dict:
    described = column_words(table, list(frame.columns), catalogue)
    enums = _enums() if table in ("indicator_values", "indicator_catalogue") else {}
    fields = []
    for column in frame.columns:
        f = {
            "name": column,
            "type": field_type(frame[column]),
            "description": described[column]["nl"],
            "description_en": described[column]["en"],
        }
        codes = enums.get(column)
        if codes and f["type"] == "string":
            f["constraints"] = {"enum": codes}
        if column in PRIMARY_KEYS.get(table, []):
            f.setdefault("constraints", {})["required"] = True
        fields.append(f)
    schema = {"fields": fields, "missingValues": [""]}
    if table in PRIMARY_KEYS:
        schema["primaryKey"] = PRIMARY_KEYS[table]
    keys = FOREIGN_KEYS.get(table, [])
    if keys:
        schema["foreignKeys"] = [
            {"fields": [column], "reference": {"resource": target, "fields": [key]}}
            for column, target, key in keys
        ]
    return schema


@dataclass
class Table:
    """A published table: its name, the frame as written and its files (CSV first)."""

    name: str
    frame: pd.DataFrame
    files: list[Path]
    extra: dict = field(default_factory=dict)  # what the old sidecar said of it


def resource_name(table: str, path: Path) -> str:
    """The CSV is the table's resource (what foreign keys point at); the Parquet file is
    ``<table>-parquet``."""
    return table if path.suffix == ".csv" else f"{table}-{path.suffix.lstrip('.')}"


def resources(table: Table, catalogue: pd.DataFrame | None = None) -> list[dict]:
    info = dataset_words(table.name)
    schema = table_schema(table.name, table.frame, catalogue)
    out = []
    for path in table.files:
        fmt = path.suffix.lstrip(".")
        resource = {
            "name": resource_name(table.name, path),
            "type": "table",
            "path": path.name,
            "format": fmt,
            "mediatype": MEDIA_TYPES[fmt],
            "title": info["title"]["nl"],
            "title_en": info["title"]["en"],
            "description": info["description"]["nl"],
            "description_en": info["description"]["en"],
            "rows": len(table.frame),
            "schema": schema,
            **table.extra,
        }
        if fmt == "csv":
            # frictionless checks a file's size and checksum as it reads it: a CSV through its
            # own loader; a Parquet file is read by pyarrow, unmeasured, so its size and
            # checksum are said under names of their own
            resource |= {"encoding": "utf-8", "dialect": CSV_DIALECT}
            resource |= {"bytes": path.stat().st_size, "hash": f"sha256:{sha256_of(path)}"}
        else:
            resource |= {"file_bytes": path.stat().st_size, "sha256": sha256_of(path)}
        out.append(resource)
    return out


def datapackage(tables: list[Table], meta: dict, catalogue: pd.DataFrame | None = None) -> dict:
    """The descriptor: ``meta`` (title, licence and credit texts, synthetic, provenance, ...) at
    package level and every file of ``tables`` as a resource."""
    return {
        "name": "wijkkompas",
        "licenses": [LICENCE],
        **meta,
        "resources": [r for t in tables for r in resources(t, catalogue)],
    }


def files_of(package: dict) -> dict[str, dict]:
    """File name -> {bytes, sha256} of every resource."""
    return {
        r["path"]: {
            "bytes": r.get("bytes", r.get("file_bytes")),
            "sha256": r["hash"].removeprefix("sha256:") if "hash" in r else r["sha256"],
        }
        for r in package["resources"]
    }
