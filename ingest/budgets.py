"""Read the area-programme budgets ("open begroting") from the text of a municipal annual report.

The gemeente Groningen's jaarverslag accounts for the gebiedsprogramma's in the paragraph
*Integraal gebiedsgericht werken*: a table "Integraal gebiedsgericht (bedragen x 1,000 euro)" with
the columns Begroting <year>, Realisatie <year> and Resultaat/reserve, and one row per programme
(``Totaal Centrum`` / ``Totaalbudget Centrum`` ...) ending in a total row. The text of the web page
has one cell per line, blank lines between them, Dutch thousands separators (``1.070``) and a
minus for a deficit (``-191``).

A row's label, stripped of ``Totaal`` / ``Totaalbudget``, is matched case-insensitively against the
gebied names of ``data/areas/gebieden.csv``; ``Algemeen`` is the city-wide budget (no gebied: the
gemeente). The loader checks that

- every row's resultaat is its begroting minus its realisatie, exactly (in thousands, as printed);
- the total row equals the sum of the programme rows, within rounding: each figure is rounded to
  whole thousands, so the printed total may differ from the sum of n printed rows by up to
  (n + 1) / 2 units (half a unit per row and half for the total). The shipped reports need 1 unit
  (2017: realisatie 3.575 summed vs 3.576 printed, resultaat 1.495 vs 1.494); 2019 adds up;
- every label is a known programme, once.

A problem raises :class:`ingest.errors.InputError` naming the file, the line (1-based, as an
editor shows it), the label or column and what was expected. Amounts are returned in euros.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ingest.csvfile import read_delimited
from ingest.errors import InputError

CITY_WIDE = "Algemeen"  # the programme of the whole city, not of one gebied
UNIT_EUR = 1000  # the table is in thousands of euros
COLUMNS = ("begroting", "realisatie", "resultaat")
ROW_COLUMNS = [
    "year", "programme", "area_code", "area_level", "area_name", "begroting_eur",
    "realisatie_eur", "resultaat_eur", "source_file", "source_line",
]  # fmt: skip
RULE = "budget_table"

TABLE_HEADER = re.compile(r"\(\s*bedragen\s+x\s*1[.,]000\s+euro\s*\)", re.IGNORECASE)
BEGROTING_YEAR = re.compile(r"^begroting\s*(\d{4})?$", re.IGNORECASE)
YEAR = re.compile(r"^\d{4}$")
HEADER_LINES = 12  # the column headings follow the table heading within this many lines
LABEL_PREFIX = re.compile(r"^totaal(?:budget)?\b\s*", re.IGNORECASE)
TOTAL_LABEL = re.compile(r"^(?:gebiedsprogramma\S*)?$", re.IGNORECASE)  # "", "Gebiedsprogramma’s"
AMOUNT = re.compile(r"^([-−]?)(\d{1,3}(?:\.\d{3})+|\d+)$")
AMOUNT_EXPECTED = "a whole number of thousands of euros such as 1.070 or -191"


@dataclass(frozen=True)
class ProgrammeArea:
    """The area a programme is for: a gebied, or the gemeente for the city-wide budget."""

    programme: str  # the name as the page shows it (the gebied's own spelling)
    area_code: str
    area_level: str  # 'gebied' | 'gemeente'
    area_name: str


def programme_areas(
    gebieden_csv: Path, gemeente_code: str, gemeente_name: str
) -> dict[str, ProgrammeArea]:
    """The known programmes by lower-case name: every gebied of ``gebieden_csv`` and
    ``Algemeen`` (the gemeente)."""
    table = read_delimited(Path(gebieden_csv))
    table.require_columns(("gebied_code", "gebied_name"), expected="gebied_code, gebied_name")
    known = {
        CITY_WIDE.casefold(): ProgrammeArea(CITY_WIDE, gemeente_code, "gemeente", gemeente_name)
    }
    for _, rec in table.records():
        name = rec["gebied_name"].strip()
        known[name.casefold()] = ProgrammeArea(name, rec["gebied_code"], "gebied", name)
    return known


def programme_label(text: str) -> str:
    """``Totaalbudget Oude Wijken`` -> ``Oude Wijken`` (spaces, also non-breaking, collapsed)."""
    return LABEL_PREFIX.sub("", " ".join(text.split()))


def rounding_tolerance(rows: int) -> int:
    """How far (in printed units) a total of ``rows`` rounded figures may be from their sum."""
    return (rows + 1) // 2


def _lines(path: Path) -> list[tuple[int, str]]:
    """The non-empty lines of the file with their line numbers, stripped of (non-breaking)
    spaces."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise InputError(
            path,
            f"file is not valid UTF-8: byte {data[exc.start : exc.start + 1]!r}",
            line=data[: exc.start].count(b"\n") + 1,
            expected="UTF-8 text",
            rule="file_readable",
        ) from exc
    return [(no, line.strip()) for no, line in enumerate(text.splitlines(), 1) if line.strip()]


def _amount(path: Path, line: tuple[int, str], column: str) -> int:
    no, text = line
    match = AMOUNT.match(text)
    if not match:
        raise InputError(
            path,
            "not a number",
            line=no,
            column=column,
            value=text,
            expected=AMOUNT_EXPECTED,
            rule=RULE,
        )
    value = int(match.group(2).replace(".", ""))
    return -value if match.group(1) else value


def _header(path: Path, lines: list[tuple[int, str]]) -> tuple[int, int]:
    """The budget year of the table (from 'Begroting 2017') and the index of its first row."""
    start = next((i for i, (_, text) in enumerate(lines) if TABLE_HEADER.search(text)), None)
    if start is None:
        raise InputError(
            path,
            "no budget table found",
            expected="a table headed '(bedragen x 1,000 euro)' with the columns Begroting, "
            "Realisatie and Resultaat/reserve",
            rule=RULE,
        )
    year = None
    for i in range(start + 1, min(start + HEADER_LINES, len(lines))):
        text = lines[i][1]
        found = BEGROTING_YEAR.match(text)
        if found and year is None:
            following = lines[i + 1][1] if i + 1 < len(lines) else ""
            year = found.group(1) or (following if YEAR.match(following) else None)
        if text.casefold().endswith("reserve") and year is not None:
            return int(year), i + 1
    raise InputError(
        path,
        "table header incomplete",
        line=lines[start][0],
        expected="the columns 'Begroting <year>', 'Realisatie <year>' and 'Resultaat/reserve' "
        "under '(bedragen x 1,000 euro)'",
        rule=RULE,
    )


def read_programme_budgets(path: Path, known: dict[str, ProgrammeArea]) -> pd.DataFrame:
    """One row per programme of the report's table: ``year, programme, area_code, area_level,
    area_name, begroting_eur, realisatie_eur, resultaat_eur, source_file, source_line``. The
    total row is checked, not returned."""
    path = Path(path)
    lines = _lines(path)
    year, i = _header(path, lines)
    columns = {
        "begroting": f"Begroting {year}",
        "realisatie": f"Realisatie {year}",
        "resultaat": "Resultaat/reserve",
    }
    programmes = ", ".join(sorted({a.programme for a in known.values()}))
    rows: list[dict] = []
    while True:
        if i + len(COLUMNS) >= len(lines):
            raise InputError(
                path,
                "table ends without its total row",
                line=lines[-1][0],
                expected="a last row 'Totaal' with begroting, realisatie and resultaat",
                rule=RULE,
            )
        (no, text), cells = lines[i], lines[i + 1 : i + 1 + len(COLUMNS)]
        label = programme_label(text)
        is_total = TOTAL_LABEL.match(label) is not None
        area = known.get(label.casefold())
        if not is_total and area is None:
            raise InputError(
                path,
                f"unknown programme '{label}'",
                line=no,
                column="programme",
                value=text,
                expected=f"one of {programmes} (after 'Totaal' or 'Totaalbudget')",
                rule=RULE,
            )
        if area is not None and any(r["programme"] == area.programme for r in rows):
            raise InputError(
                path,
                f"programme '{area.programme}' appears twice",
                line=no,
                column="programme",
                value=text,
                expected="each programme once per table",
                rule=RULE,
            )
        amounts = {
            c: _amount(path, cell, columns[c]) for c, cell in zip(COLUMNS, cells, strict=True)
        }
        if is_total:  # first the sum of the rows, which says more than the row itself
            _check_total(path, rows, amounts, cells, columns, at=no)
        expected = amounts["begroting"] - amounts["realisatie"]
        if amounts["resultaat"] != expected:
            raise InputError(
                path,
                f"resultaat of '{text}' is not begroting minus realisatie",
                line=cells[2][0],
                column=columns["resultaat"],
                value=amounts["resultaat"],
                expected=f"{amounts['begroting']} - {amounts['realisatie']} = {expected}",
                rule=RULE,
            )
        if is_total:
            return pd.DataFrame(rows, columns=ROW_COLUMNS)
        rows.append(
            {
                "year": year,
                "programme": area.programme,
                "area_code": area.area_code,
                "area_level": area.area_level,
                "area_name": area.area_name,
                **{f"{c}_eur": float(amounts[c] * UNIT_EUR) for c in COLUMNS},
                "source_file": path.name,
                "source_line": no,
            }
        )
        i += 1 + len(COLUMNS)


def _check_total(path: Path, rows: list[dict], amounts: dict, cells, columns: dict, at: int):
    """The total row equals the sum of the programme rows within rounding."""
    if not rows:
        raise InputError(
            path,
            "table has a total but no programme rows",
            line=at,
            expected="rows 'Totaal <programme>' before the total",
            rule=RULE,
        )
    tolerance = rounding_tolerance(len(rows))
    for column, (no, _) in zip(COLUMNS, cells, strict=True):
        summed = round(sum(r[f"{column}_eur"] for r in rows) / UNIT_EUR)
        if abs(amounts[column] - summed) > tolerance:
            raise InputError(
                path,
                "total row is not the sum of the programme rows",
                line=no,
                column=columns[column],
                value=amounts[column],
                expected=f"{summed} (the sum of the {len(rows)} rows above), give or take "
                f"{tolerance} for rounding",
                rule=RULE,
            )
