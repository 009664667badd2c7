"""Strict reading of delimited text files: encoding, delimiter, shape, with exact row numbers.
Every problem is reported under the rule ``file_readable``.

Files are small (a municipality's rows), so the stdlib csv reader is used: it lets every problem
be reported with the row as a spreadsheet shows it (header = row 1).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import InputError

DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


@dataclass(frozen=True)
class Table:
    path: Path
    header: list[str]
    rows: list[list[str]]

    def column_index(self, name: str) -> int:
        return self.header.index(name)

    def records(self):
        """Yield (spreadsheet row number, {column: value})."""
        for offset, row in enumerate(self.rows):
            yield offset + 2, dict(zip(self.header, row, strict=True))

    def require_columns(self, columns, *, expected: str, rule: str | None = None) -> None:
        """Raise for the first of ``columns`` missing from the header (row 1, that column)."""
        for col in columns:
            if col not in self.header:
                raise InputError(
                    self.path, "missing column", row=1, column=col, expected=expected, rule=rule
                )

    def reject_other_columns(self, allowed, *, expected: str, rule: str | None = None) -> None:
        """Raise for the first header column not in ``allowed``."""
        extra = [c for c in self.header if c not in allowed]
        if extra:
            raise InputError(
                self.path, "unexpected column", row=1, column=extra[0], expected=expected, rule=rule
            )


def _decode(path: Path, encoding: str) -> str:
    data = path.read_bytes()
    if not data.strip():
        raise InputError(
            path, "file is empty", expected="a header row and data rows", rule="file_readable"
        )
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start : exc.start + 2]
        hint = f"; the bytes read as {bad.decode('latin-1')!r} in Latin-1/Windows-1252"
        raise InputError(
            path,
            f"file is not valid {encoding.upper()}: byte {bad[:1]!r} at offset {exc.start}{hint}",
            row=line,
            expected=f"{encoding.upper()} text (re-save the file as {encoding.upper()})",
            rule="file_readable",
        ) from exc
    return text.removeprefix("\ufeff")


def read_delimited(path: Path, *, delimiter: str = ",", encoding: str = "utf-8") -> Table:
    """Read ``path`` and check it is a rectangular table with the expected delimiter."""
    path = Path(path)
    text = _decode(path, encoding)
    first_line = text.splitlines()[0]
    if delimiter not in first_line:
        counts = {d: first_line.count(d) for d in DELIMITER_NAMES if d != delimiter}
        found = max(counts, key=counts.get)
        if counts[found]:
            raise InputError(
                path,
                f"wrong delimiter: the header is separated by {DELIMITER_NAMES[found]}s",
                row=1,
                expected=f"{DELIMITER_NAMES[delimiter]}-separated values",
                rule="file_readable",
            )
        raise InputError(
            path,
            "the header has a single column",
            row=1,
            expected=f"{DELIMITER_NAMES[delimiter]}-separated column names",
            rule="file_readable",
        )
    reader = csv.reader(text.splitlines(), delimiter=delimiter, strict=True)
    try:
        header = [h.strip() for h in next(reader)]
        rows = [row for row in reader if row]
    except csv.Error as exc:
        raise InputError(
            path, f"malformed CSV: {exc}", row=reader.line_num, rule="file_readable"
        ) from exc
    duplicates = sorted({h for h in header if header.count(h) > 1})
    if duplicates:
        raise InputError(
            path,
            "duplicate column names",
            row=1,
            value=duplicates,
            expected="unique column names",
            rule="file_readable",
        )
    if not rows:
        raise InputError(
            path, "file has a header but no data rows", expected="data rows", rule="file_readable"
        )
    for offset, row in enumerate(rows):
        if len(row) != len(header):
            truncated = offset == len(rows) - 1 and len(row) < len(header)
            raise InputError(
                path,
                (
                    "the last row is cut short: the file looks truncated"
                    if truncated
                    else f"row has {len(row)} fields"
                ),
                row=offset + 2,
                column=header[len(row)] if len(row) < len(header) else None,
                expected=f"{len(header)} fields, as in the header",
                rule="file_readable",
            )
    return Table(path, header, rows)
