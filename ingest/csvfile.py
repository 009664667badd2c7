"""Reading delimited text files: encoding and delimiter, shape, with exact row numbers.
Every problem is reported under the rule ``file_readable``.

A file is read whatever its delimiter (comma, semicolon or tab) and encoding (UTF-8 with or
without a byte-order mark, or Windows-1252, as a Dutch Excel saves "CSV"): both are detected, or
read as the file's sidecar states them (``encoding:``, ``delimiter:``; ``wijkkompas snapshot``
writes what it detected). Detection never guesses: a file that mixes encodings or delimiters, or
whose header splits by two delimiters that both fit every row, is refused with one message
listing every problem, and the question to answer (the sidecar's ``delimiter:``). A sidecar that
states another encoding or delimiter than the file has is named.

Files are small (a municipality's rows), so the stdlib csv reader is used: it lets every problem
be reported with the row as a spreadsheet shows it (header = row 1).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import InputError, Problems
from ingest.snapshots import DELIMITERS, stated_dialect

DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
BOM = b"\xef\xbb\xbf"
RULE = "file_readable"


@dataclass(frozen=True)
class Table:
    path: Path
    header: list[str]
    rows: list[list[str]]
    encoding: str = "utf-8"
    delimiter: str = ","

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

    def column_problems(
        self, required, *, expected: str, rule: str, optional=(), describe=None
    ) -> list[InputError]:
        """Every problem of the header against ``required`` columns (``optional`` ones may be
        there too), the most likely cause first: an unexpected column close to a missing one
        is a misspelling ("did you mean ...?"), then the columns missing, then the columns
        unexpected. ``describe``: {column: what it holds}, said of a misspelt column."""
        return column_problems(
            self.path, self.header, required, expected=expected, rule=rule,
            optional=optional, describe=describe,
        )  # fmt: skip


def misspellings(unexpected, missing, cutoff: float = 0.8) -> dict[str, str]:
    """{unexpected column: the missing column it most likely is}: the closest missing name
    (difflib's ratio at least ``cutoff``), each missing column matched once, the closest pairs
    first."""
    import difflib

    pairs = []
    for extra in unexpected:
        for name in missing:
            ratio = difflib.SequenceMatcher(None, extra.lower(), name.lower()).ratio()
            if ratio >= cutoff:
                pairs.append((-ratio, extra, name))
    found: dict[str, str] = {}
    for _, extra, name in sorted(pairs):
        if extra not in found and name not in found.values():
            found[extra] = name
    return {extra: found[extra] for extra in unexpected if extra in found}


def column_problems(
    path, header, required, *, expected: str, rule: str, optional=(), describe=None
) -> list[InputError]:
    """See :meth:`Table.column_problems`."""
    present = set(header)
    missing = [c for c in required if c not in present]
    unexpected = [c for c in header if c not in required and c not in optional]
    misspelt = misspellings(unexpected, missing)
    problems = []
    for extra, name in misspelt.items():
        what = (describe or {}).get(name)
        problems.append(
            InputError(
                path,
                f"unexpected column; did you mean {name}?",
                row=1,
                column=extra,
                expected=f"column '{name}'"
                + (f" ({what})" if what else "")
                + " in its place: correct the header",
                rule=rule,
            )
        )
    missing = [c for c in missing if c not in misspelt.values()]
    if missing:
        problems.append(
            InputError(
                path,
                "missing column"
                + (f" ({len(missing)} missing in all: {_listed(missing)})" if len(missing) > 1
                   else ""),
                row=1,
                column=missing[0],
                expected=expected,
                rule=rule,
            )
        )  # fmt: skip
    unexpected = [c for c in unexpected if c not in misspelt]
    if unexpected:
        problems.append(
            InputError(
                path,
                "unexpected column"
                + (f" ({len(unexpected)} in all: {_listed(unexpected)})" if len(unexpected) > 1
                   else ""),
                row=1,
                column=unexpected[0],
                expected=f"only the columns {_listed(required, 12)}"
                + (f" (and optionally {_listed(optional, 6)})" if optional else ""),
                rule=rule,
            )
        )  # fmt: skip
    return problems


def _listed(names, shown: int = 10) -> str:
    names = list(names)
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


@dataclass(frozen=True)
class Dialect:
    """How a delimited file is written: its encoding (ingest.snapshots.ENCODINGS) and
    delimiter."""

    encoding: str
    delimiter: str


def read_delimited(
    path: Path, *, delimiter: str | None = None, encoding: str | None = None
) -> Table:
    """Read ``path`` and check it is a rectangular table. Its encoding and delimiter are
    ``encoding``/``delimiter`` when given, else as its sidecar states them, else detected."""
    path = Path(path)
    if encoding or delimiter:
        return _read(path, encoding, delimiter, "its reader")
    stated = stated_dialect(path)
    return _read(path, stated.encoding, stated.delimiter, stated.source)


def detect_dialect(path: Path) -> Dialect | None:
    """The encoding and delimiter ``path`` is read with when nothing states them, or None when
    it cannot be read as a table (its reader will say why)."""
    try:
        table = _read(Path(path), None, None, None)
    except (InputError, OSError):
        return None
    return Dialect(table.encoding, table.delimiter)


def _read(path: Path, encoding: str | None, delimiter: str | None, source: str | None) -> Table:
    problems = Problems()
    data = path.read_bytes()
    _refuse_non_text(path, data)
    text, encoding = _decode(path, data, encoding, source, problems)
    lines = text.splitlines()
    delimiter = _delimiter(path, lines, delimiter, source, problems)
    header, rows, spans = _parse(path, lines, delimiter, problems)
    duplicates = sorted({h for h in header if header.count(h) > 1})
    if duplicates:
        problems.add(
            InputError(
                path,
                "duplicate column names",
                row=1,
                value=duplicates,
                expected="unique column names",
                rule=RULE,
            )
        )
    if not rows:
        problems.add(
            InputError(path, "file has a header but no data rows", expected="data rows", rule=RULE)
        )
    _check_shape(path, lines, header, rows, spans, delimiter, problems)
    problems.raise_all()
    return Table(path, header, rows, encoding, delimiter)


def _refuse_non_text(path: Path, data: bytes) -> None:
    """An empty file, a workbook or a UTF-16 file is no CSV at all: said at once."""
    if not data.strip():
        raise InputError(path, "file is empty", expected="a header row and data rows", rule=RULE)
    if data[:4] == b"PK\x03\x04":
        raise InputError(
            path,
            "the file is an Excel workbook (.xlsx), not a CSV text file",
            expected="a CSV file: in Excel, 'Save as' CSV (comma or semicolon separated)",
            rule=RULE,
        )
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4096]:
        raise InputError(
            path,
            "the file is UTF-16 (or binary), not text in UTF-8 or Windows-1252",
            expected="a CSV text file in UTF-8 or Windows-1252 (in Excel: 'CSV UTF-8')",
            rule=RULE,
        )


def _decode(
    path: Path, data: bytes, stated: str | None, source: str | None, problems: Problems
) -> tuple[str, str]:
    """The text of ``data`` and its encoding. Problems (bytes of two encodings, bytes of
    neither, an encoding other than the sidecar states) are added to ``problems``; the text is
    then decoded line by line as well as it can be, so that the rest can still be checked."""
    body = data.removeprefix(BOM)
    has_bom = data.startswith(BOM)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        found = "utf-8-sig" if has_bom else "utf-8"
        if stated == "windows-1252" and (has_bom or not body.isascii()):
            line, char = _first_non_ascii(body)
            problems.add(
                InputError(
                    path,
                    f"the file is UTF-8 (line {line} has {char!r} in UTF-8), not Windows-1252 "
                    f"as {source} states",
                    row=line,
                    expected="the encoding the sidecar states: correct its 'encoding' to "
                    f"{found}, or re-save the file as Windows-1252",
                    rule=RULE,
                )
            )
        return text, found
    kinds = _line_encodings(body)
    utf8, cp1252, neither = kinds["utf-8"], kinds["windows-1252"], kinds["neither"]
    if neither:
        line, byte = neither[0]
        problems.add(
            InputError(
                path,
                f"{len(neither)} line(s) hold bytes that are neither UTF-8 nor Windows-1252 "
                f"(first: byte {byte!r})",
                row=line,
                expected="a text file in UTF-8 or Windows-1252 (is it another kind of file "
                "renamed to .csv?)",
                rule=RULE,
            )
        )
    if utf8 and cp1252:
        (u_line, u_char), (c_line, c_byte) = utf8[0], cp1252[0]
        problems.add(
            InputError(
                path,
                f"the file mixes two encodings: UTF-8 on {len(utf8)} line(s) (first: line "
                f"{u_line}, {u_char!r}) and Windows-1252 on {len(cp1252)} (first: line "
                f"{c_line}, byte {c_byte!r}: {c_byte.decode('windows-1252')!r})",
                row=c_line,
                expected="one encoding for the whole file (rows pasted together from two "
                "exports?): re-save it as UTF-8 and check the accented letters",
                rule=RULE,
            )
        )
    elif cp1252 and stated in ("utf-8", "utf-8-sig"):
        line, byte = cp1252[0]
        problems.add(
            InputError(
                path,
                f"file is not valid UTF-8 as {source} states: byte {byte!r} at line {line}; "
                f"the bytes read as {byte.decode('windows-1252')!r} in Latin-1/Windows-1252",
                row=line,
                expected="UTF-8 text (re-save the file as UTF-8, or correct the sidecar's "
                "'encoding' to windows-1252)",
                rule=RULE,
            )
        )
    text = "\n".join(_decode_line(line) for line in body.split(b"\n"))
    return text, "windows-1252"


def _decode_line(line: bytes) -> str:
    for encoding in ("utf-8", "windows-1252"):
        try:
            return line.decode(encoding)
        except UnicodeDecodeError:
            continue
    return line.decode("latin-1")


def _line_encodings(body: bytes) -> dict[str, list]:
    """Per encoding, the (line number, first non-ASCII character or byte) of every line that
    is not plain ASCII: UTF-8 lines, Windows-1252 lines (not UTF-8), lines of neither."""
    kinds: dict[str, list] = {"utf-8": [], "windows-1252": [], "neither": []}
    for number, line in enumerate(body.split(b"\n"), start=1):
        if line.isascii():
            continue
        at = next(k for k, b in enumerate(line) if b > 127)
        try:
            decoded = line.decode("utf-8")
            kinds["utf-8"].append((number, next(c for c in decoded if ord(c) > 127)))
            continue
        except UnicodeDecodeError as exc:
            at = exc.start
        try:
            line.decode("windows-1252")
            kinds["windows-1252"].append((number, line[at : at + 1]))
        except UnicodeDecodeError as exc:
            kinds["neither"].append((number, line[exc.start : exc.start + 1]))
    return kinds


def _first_non_ascii(body: bytes) -> tuple[int, str]:
    text = body.decode("utf-8")
    at = next((k for k, c in enumerate(text) if ord(c) > 127), 0)
    return text.count("\n", 0, at) + 1, text[at]


def _split(text: str, delimiter: str) -> list[str]:
    """The fields of one record's text."""
    return next(csv.reader(text.splitlines() or [""], delimiter=delimiter), [])


def yaml_delimiter(delimiter: str) -> str:
    """``delimiter`` as it is written in a sidecar (YAML): a tab as "\\t"."""
    return '"\\t"' if delimiter == "\t" else f"'{delimiter}'"


def _names(delimiters) -> str:
    return " and ".join(f"{DELIMITER_NAMES[d]}s" for d in delimiters)


def _delimiter(
    path: Path, lines: list[str], stated: str | None, source: str | None, problems: Problems
) -> str:
    """The delimiter: as stated, else the one that splits the header into columns; when two
    do, the one that fits every row, and the question when both (or neither) do."""
    header = lines[0] if lines else ""
    splitting = [d for d in DELIMITERS if len(_split(header, d)) > 1]
    if stated in splitting or (not stated and len(splitting) == 1):
        return stated or splitting[0]
    if stated and splitting:
        problem = InputError(
            path,
            f"the header is separated by {_names(splitting)}, not by the "
            f"{DELIMITER_NAMES[stated]}s {source} states",
            row=1,
            expected=f"{DELIMITER_NAMES[stated]}-separated values, as stated (or correct "
            f"the sidecar: delimiter: {yaml_delimiter(splitting[0])})",
            rule=RULE,
        )
    elif not splitting:
        problem = InputError(
            path,
            "the header has a single column",
            row=1,
            expected=f"column names separated by {DELIMITER_NAMES[stated]}s, as {source} states"
            if stated
            else "column names separated by commas, semicolons or tabs",
            rule=RULE,
        )
    else:
        fitting = [d for d in splitting if _rows_fit(lines, d)]
        if len(fitting) == 1:
            return fitting[0]
        columns = " and ".join(
            f"{len(_split(header, d))} columns by {DELIMITER_NAMES[d]}s" for d in splitting
        )
        problem = InputError(
            path,
            f"the delimiter is ambiguous: the header splits into {columns}, and "
            + ("every row fits each of them" if fitting else "none of them fits every row"),
            row=1,
            expected=f"a sidecar {path.name}.meta.yml beside the file that says which, e.g. "
            f"delimiter: {yaml_delimiter((fitting or splitting)[0])}",
            rule=RULE,
        )
    problems.add(problem)
    raise InputError.together(problems.found)


def _rows_fit(lines: list[str], delimiter: str) -> bool:
    """Every non-empty row has as many fields as the header, split by ``delimiter``."""
    try:
        records = [r for r in csv.reader(lines, delimiter=delimiter, strict=True) if r]
    except csv.Error:
        return False
    return all(len(r) == len(records[0]) for r in records)


def _parse(path: Path, lines: list[str], delimiter: str, problems: Problems):
    """(header, rows, the span of lines of each row); a malformed CSV is raised with what was
    found so far."""
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    rows, spans = [], []
    try:
        header = [h.strip() for h in next(reader)]
        start = reader.line_num
        for row in reader:
            if row:
                rows.append(row)
                spans.append((start, reader.line_num))
            start = reader.line_num
    except csv.Error as exc:
        problems.add(InputError(path, f"malformed CSV: {exc}", row=reader.line_num, rule=RULE))
        raise InputError.together(problems.found) from exc
    return header, rows, spans


def _check_shape(path, lines, header, rows, spans, delimiter, problems: Problems) -> None:
    """Rows with another number of fields than the header: rows separated by another delimiter
    (grouped per delimiter), a last row cut short (a truncated file), and the others (grouped:
    the first and how many)."""
    other: dict[str, list[int]] = {}
    wrong: list[int] = []
    for offset, row in enumerate(rows):
        if len(row) == len(header):
            continue
        start, end = spans[offset]
        text = "\n".join(lines[start:end])
        by = next((d for d in DELIMITERS if d != delimiter and len(_split(text, d)) == len(header)),
                  None)  # fmt: skip
        if by:
            other.setdefault(by, []).append(offset)
        else:
            wrong.append(offset)
    for by, offsets in other.items():
        problems.add(
            InputError(
                path,
                f"{len(offsets)} row(s) are separated by {DELIMITER_NAMES[by]}s, the header by "
                f"{DELIMITER_NAMES[delimiter]}s",
                row=offsets[0] + 2,
                expected="one delimiter for the whole file (rows pasted together from two "
                f"exports?): {DELIMITER_NAMES[delimiter]}s, as the header",
                rule=RULE,
            )
        )
    last = len(rows) - 1
    if wrong and wrong[-1] == last and len(rows[last]) < len(header):
        wrong.pop()
        problems.add(
            InputError(
                path,
                "the last row is cut short: the file looks truncated",
                row=last + 2,
                column=header[len(rows[last])],
                expected=f"{len(header)} fields, as in the header",
                rule=RULE,
            )
        )
    if wrong:
        first = rows[wrong[0]]
        problems.add(
            InputError(
                path,
                f"row has {len(first)} fields"
                + (f" ({len(wrong)} rows in all have another number)" if len(wrong) > 1 else ""),
                row=wrong[0] + 2,
                column=header[len(first)] if len(first) < len(header) else None,
                expected=f"{len(header)} fields, as in the header",
                rule=RULE,
            )
        )
