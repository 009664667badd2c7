"""Gemeenten by name: ``wijkkompas build --gemeente Utrecht`` builds GM0344, as ``--gemeente
GM0344`` (or ``gm0344``) does.

People name a gemeente; the pipeline keys it by its CBS code. The names are those of the
national CBS file (``gm_naam`` of its gemeente rows, ``data/raw/national/``), matched as people
type them: whatever the case, accents, spaces and punctuation (``sudwest-fryslan`` is
Súdwest-Fryslân; ``s-hertogenbosch``, without the apostrophe a shell makes awkward, is
's-Hertogenbosch). Where CBS qualifies a name because two gemeenten bear it (Bergen (NH.),
Bergen (L.)), the bare name is ambiguous and both are named with their codes; an unknown name
gets the nearest names. The two names everyone uses for a gemeente CBS calls otherwise are
known too (``ALIASES``).

This runs before a build takes its lock, on every ``wijkkompas build``: it reads the one file
with the csv module and imports neither dagster nor pandas (``ingest.national`` imports both;
its column names are repeated here for that reason).
"""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from pathlib import Path

from pipelines.cli_messages import SelectionError

CODE = re.compile(r"GM\d{4}", re.IGNORECASE)
CODE_COLUMN, NAME_COLUMN = "gwb_code_10", "gm_naam"  # as ingest.national
NATIONAL_KIND = "cbs_national"
QUALIFIER = re.compile(r"\s*\([^)]*\)")  # CBS's "(NH.)", "(L.)" after a name two gemeenten bear
# names in daily use for gemeenten whose CBS name is another (keys of name_key)
ALIASES = {"denhaag": "'s-Gravenhage", "denbosch": "'s-Hertogenbosch"}
SUGGESTED = 5


def name_key(text: str) -> str:
    """A name as it is compared: lower case, without accents, spaces or punctuation, so the
    ways people type a name meet the way it is written ("Súdwest-Fryslân", "sudwest fryslan")."""
    plain = unicodedata.normalize("NFKD", text)
    return "".join(c for c in plain.casefold() if c.isalnum() and not unicodedata.combining(c))


def _national_file(raw: Path) -> Path | None:
    """The national kerncijfers under ``raw``, found by its sidecar (as
    ``ingest.national.national_snapshot``; the build verifies its checksum), or None."""
    from ingest.snapshots import discover_snapshots

    found = [path for path, sidecar in discover_snapshots(raw) if sidecar.kind == NATIONAL_KIND]
    return found[0] if len(found) == 1 else None


def gemeente_names() -> dict[str, str]:
    """Code -> name of every gemeente a build can be of: those of the national file of data/
    and the default gemeente (data/editions.yml), as ``pipelines.partitions.national_gemeenten``.
    """
    from pipelines.settings import default_gemeente, editions_config, gemeente_scope, raw_dir

    with gemeente_scope(default_gemeente()):
        config, path = editions_config(), _national_file(raw_dir())
    names = {config.gemeente: config.gemeente_name}
    if path is None:
        return names
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader([handle.readline()]))
        code, name = header.index(CODE_COLUMN), header.index(NAME_COLUMN)
        rows = csv.reader(line for line in handle if line.startswith("GM"))
        names |= {row[code].strip(): row[name].strip() for row in rows}
    return dict(sorted(names.items()))


def resolve_gemeenten(values: list[str]) -> list[str]:
    """The gemeente codes of ``--gemeente`` values (codes or names), in order, each once; a
    ``SelectionError`` for the first value that is no gemeente's code or name, or is the name
    of several."""
    names = gemeente_names()
    return list(dict.fromkeys(_resolve(value.strip(), names) for value in values))


def _resolve(value: str, names: dict[str, str]) -> str:
    if CODE.fullmatch(value):
        if value.upper() in names:
            return value.upper()
        raise SelectionError(_unknown_code(value, names))
    key = name_key(value)
    key = name_key(ALIASES[key]) if key in ALIASES else key
    found = [c for c, n in names.items() if name_key(n) == key]
    found = found or [c for c, n in names.items() if name_key(QUALIFIER.sub("", n)) == key]
    if len(found) == 1:
        return found[0]
    if found:
        raise SelectionError(
            f"The gemeente name {value!r} in --gemeente is that of {len(found)} gemeenten: "
            f"{_listed(found, names)}. Give the code (--gemeente {found[0]}) or the name as "
            f"CBS writes it (--gemeente {names[found[0]]!r})."
        )
    near = _nearest(key, names)
    raise SelectionError(
        f"Unknown gemeente {value!r} in --gemeente: no gemeente of the national CBS file "
        f"(data/raw/national/, {len(names)} gemeenten) has that name"
        + (f"; did you mean {_listed(near, names, ' or ')}?" if near else ".")
        + " Give a gemeente's name or its GM code (Utrecht or GM0344)."
    )


def _unknown_code(value: str, names: dict[str, str]) -> str:
    near = difflib.get_close_matches(value.upper(), list(names), n=3, cutoff=0.6)
    return (
        f"Unknown gemeente {value!r} in --gemeente: a GM code of the national CBS file "
        f"(data/raw/national/, {len(names)} gemeenten; GM0344 is Utrecht) or a gemeente's name"
        + (f"; did you mean {_listed(near, names, ' or ')}?" if near else ".")
    )


def _nearest(key: str, names: dict[str, str]) -> list[str]:
    """The codes of the names nearest to ``key``: those that begin with it or hold it, then
    those spelt most alike."""
    keys = {code: name_key(name) for code, name in names.items()}
    near = sorted(
        (c for c, k in keys.items() if key and key in k),
        key=lambda c: (not keys[c].startswith(key), names[c]),
    )
    first_of = {}
    for code, k in keys.items():
        first_of.setdefault(k, code)
    near += [first_of[k] for k in difflib.get_close_matches(key, list(first_of), n=3, cutoff=0.6)]
    return list(dict.fromkeys(near))[:SUGGESTED]


def _listed(codes: list[str], names: dict[str, str], last: str = " and ") -> str:
    """Each name with its code: "Bergen (NH.) (GM0373) and Bergen (L.) (GM0893)"."""
    named = [f"{names[c]} ({c})" for c in codes]
    return last.join([", ".join(named[:-1]), named[-1]] if len(named) > 1 else named)
