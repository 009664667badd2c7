"""Raw snapshots: a file as it was received plus a sidecar that says where it came from.

Every raw input in ``data/raw/`` has a sidecar ``<file>.meta.yml`` (publisher, table id, year,
licence, origin, retrieval date, sha256, ...). Ingest verifies the checksum before it reads a
byte of the file, so a changed or corrupted snapshot stops the run with the file's name. Raw files
are only ever read.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ingest.errors import InputError

SIDECAR_SUFFIX = ".meta.yml"


class Sidecar(BaseModel):
    """Provenance of one raw file."""

    model_config = ConfigDict(extra="forbid")

    file: str
    title: str
    publisher: str
    table_id: str | None = None
    year: int | None = Field(None, description="reference year of the figures (peildatum year)")
    licence: str
    attribution: str | None = None
    origin: str
    retrieved: date
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    synthetic: bool = False
    kind: Literal[
        "cbs_kerncijfers",
        "cbs_national",
        "cbs_area_names",
        "cbs_dictionary",
        "cbs_area_codes",
        "boundaries",
        "survey_export",
        "register",
        "budget",
        "documentation",
    ]
    scheme: str | None = Field(
        None, description="column naming scheme for CBS tables: statline | kwb | map"
    )
    area_level: str | None = Field(None, description="for files holding one level only")
    decimal_comma: bool = Field(
        False, description="numbers may be written with a decimal comma ('1,1'), as CBS's Excel"
    )
    notes: str | None = None
    copied_from: str | None = Field(
        None, description="the file it was copied from (wijkkompas new-edition), named in errors"
    )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def read_sidecar(path: Path) -> Sidecar:
    """Read the sidecar of ``path`` (the data file, not the sidecar)."""
    meta = sidecar_path(path)
    if not meta.exists():
        raise InputError(
            path,
            "raw file has no sidecar",
            expected=f"{meta.name} beside it (create one with `wijkkompas snapshot {path}`)",
            rule="raw_snapshot_sidecar",
        )
    try:
        raw = yaml.safe_load(meta.read_text(encoding="utf-8"))
        return Sidecar.model_validate(raw)
    except (yaml.YAMLError, ValidationError) as exc:
        raise InputError(meta, f"sidecar is not valid: {exc}", rule="raw_snapshot_sidecar") from exc


def verify_snapshot(path: Path) -> Sidecar:
    """Check that ``path`` exists and matches the checksum in its sidecar; return the sidecar."""
    if not path.exists():
        raise InputError(
            path,
            "raw file is missing",
            expected="the file named by the pipeline",
            rule="raw_snapshot_sidecar",
        )
    sidecar = read_sidecar(path)
    if sidecar.file != path.name:
        raise InputError(
            sidecar_path(path),
            "sidecar describes another file",
            value=sidecar.file,
            expected=path.name,
            rule="raw_snapshot_sidecar",
        )
    actual = sha256_of(path)
    if actual != sidecar.sha256:
        raise InputError(
            path,
            "checksum does not match the sidecar: the raw file was changed or replaced",
            value=actual,
            expected=f"sha256 {sidecar.sha256} (from {sidecar_path(path).name}); if the new "
            "file is intended, record it with `wijkkompas snapshot`",
            rule="raw_snapshot_checksum",
        )
    return sidecar


def discover_snapshots(raw_dir: Path) -> list[tuple[Path, Sidecar]]:
    """Every raw file under ``raw_dir`` with its sidecar (not verified)."""
    found = []
    for meta in sorted(raw_dir.rglob(f"*{SIDECAR_SUFFIX}")):
        data = meta.with_name(meta.name[: -len(SIDECAR_SUFFIX)])
        found.append((data, read_sidecar(data)))
    return found


def write_sidecar(path: Path, **fields: object) -> Sidecar:
    """Record ``path`` as a snapshot: compute its checksum and write the sidecar next to it."""
    fields.setdefault("retrieved", date.today())
    sidecar = Sidecar(file=path.name, sha256=sha256_of(path), **fields)
    data = sidecar.model_dump(mode="json", exclude_none=True)
    sidecar_path(path).write_text(
        yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    return sidecar
