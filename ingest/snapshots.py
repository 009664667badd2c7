"""Raw snapshots: a file as it was received plus a sidecar that says where it came from.

Every raw input in ``data/raw/`` has a sidecar ``<file>.meta.yml`` (publisher, table id, year,
licence, origin, retrieval date, sha256, ...). Ingest verifies the checksum before it reads a
byte of the file, so a changed or corrupted snapshot stops the run with the file's name. Raw files
are only ever read.

A delimited file's sidecar states its ``encoding`` and ``delimiter`` (``write_sidecar`` records
what it detects); the file is then read that way, and a file that no longer matches is named.
Sidecars without them (older ones) still work: the reader detects both
(``ingest.csvfile``).
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Literal, NamedTuple, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ingest.errors import InputError

SIDECAR_SUFFIX = ".meta.yml"
# what a sidecar may state of a delimited file (ingest.csvfile reads these)
ENCODINGS = ("utf-8", "utf-8-sig", "windows-1252")
DELIMITERS = (",", ";", "\t")


class Original(BaseModel):
    """A file an extract was made of (kind rivm_health: one StatLine export per period and age
    group), with its checksum: the extract's provenance down to the files as published."""

    model_config = ConfigDict(extra="forbid")

    file: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    period: str | None = Field(None, description="StatLine's period, e.g. 2020JJ00")
    age_group: str | None = Field(None, description="e.g. 18+ or 65+")
    rows: int | None = Field(None, description="data rows (the header not counted)")


#: what a raw file is: the kinds of snapshot the pipeline reads (``wijkkompas snapshot --kind``)
SnapshotKind = Literal[
    "cbs_kerncijfers",
    "cbs_national",
    "cbs_area_names",
    "cbs_dictionary",
    "cbs_area_codes",
    "boundaries",
    "survey_export",
    "register",
    "budget",
    "rivm_health",
    "national_boundaries",
    "documentation",
]
SNAPSHOT_KINDS: tuple[str, ...] = get_args(SnapshotKind)


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
    kind: SnapshotKind
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
    encoding: Literal[ENCODINGS] | None = Field(
        None,
        description="of a delimited file: utf-8, utf-8-sig (UTF-8 with a byte-order mark) or "
        "windows-1252 (a Dutch Excel's CSV); read that way. None: detected when read",
    )
    delimiter: Literal[DELIMITERS] | None = Field(
        None, description="of a delimited file: ',', ';' or a tab; None: detected when read"
    )
    originals: list[Original] | None = Field(
        None, description="of an extract: the files it was made of, each with its sha256"
    )


DELIMITED_SUFFIXES = (".csv", ".tsv")
CBS_FIGURES = ("cbs_kerncijfers", "cbs_national")  # kinds whose figures may have decimal commas


class StatedDialect(NamedTuple):
    """The encoding and delimiter a sidecar states (None: not stated) and where it says so."""

    encoding: str | None = None
    delimiter: str | None = None
    source: str | None = None


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


def stated_dialect(path: Path) -> StatedDialect:
    """The encoding and delimiter the sidecar beside ``path`` states, if any. Read leniently (a
    sidecar beside a statistician's own file may hold only these two fields): a sidecar that is
    no mapping states nothing; its other fields are checked where the snapshot is verified."""
    meta = sidecar_path(path)
    if not meta.exists():
        return StatedDialect()
    try:
        raw = yaml.safe_load(meta.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        return StatedDialect()
    if not isinstance(raw, dict):
        return StatedDialect()
    for key, allowed in (("encoding", ENCODINGS), ("delimiter", DELIMITERS)):
        if raw.get(key) is not None and raw[key] not in allowed:
            raise InputError(
                meta,
                f"unknown {key}",
                key=key,
                value=raw[key],
                expected=" | ".join(repr(v) for v in allowed),
                rule="raw_snapshot_sidecar",
            )
    stated = [f"{k}: {raw[k]!r}" for k in ("encoding", "delimiter") if raw.get(k) is not None]
    return StatedDialect(
        raw.get("encoding"),
        raw.get("delimiter"),
        f"its sidecar ({', '.join(stated)} in {meta.name})" if stated else None,
    )


def copies_in(raw_dir: Path) -> dict[str, str]:
    """{raw file name: the user's file it is a copy of} for every sidecar under ``raw_dir``
    with ``copied_from`` (files added by ``wijkkompas new-edition``)."""
    copies = {}
    for meta in sorted(raw_dir.rglob(f"*{SIDECAR_SUFFIX}")):
        data = meta.with_name(meta.name[: -len(SIDECAR_SUFFIX)])
        try:
            sidecar = read_sidecar(data)
        except InputError:  # named where the snapshot is verified, not here
            continue
        if sidecar.copied_from:
            copies[data.name] = sidecar.copied_from
    return copies


def write_sidecar(path: Path, **fields: object) -> Sidecar:
    """Record ``path`` as a snapshot: compute its checksum and write the sidecar next to it. A
    delimited file's encoding and delimiter are detected and stated, unless given (a CBS file
    separated by semicolons has decimal commas); a file that cannot be read as a table gets
    neither (its reader names the problem)."""
    from ingest.csvfile import detect_dialect

    fields.setdefault("retrieved", date.today())
    if path.suffix.lower() in DELIMITED_SUFFIXES and (
        fields.get("encoding") is None or fields.get("delimiter") is None
    ):
        dialect = detect_dialect(path)
        if dialect is not None:
            fields["encoding"] = fields.get("encoding") or dialect.encoding
            fields["delimiter"] = fields.get("delimiter") or dialect.delimiter
    if fields.get("delimiter") == ";" and fields.get("kind") in CBS_FIGURES:
        fields["decimal_comma"] = True  # a Dutch spreadsheet's: what its reader does too
    sidecar = Sidecar(file=path.name, sha256=sha256_of(path), **fields)
    data = sidecar.model_dump(mode="json", exclude_none=True)
    sidecar_path(path).write_text(
        yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8"
    )
    return sidecar
