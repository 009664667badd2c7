"""RIVM's health estimates for every gemeente, wijk and buurt of the Netherlands: StatLine table
50090NED, "Gezondheid per wijk en buurt; 2012/2016/2020" (area division of 2020).

RIVM estimates 35 health indicators (percentages of adults, one decimal) for every area from the
Gezondheidsmonitor Volwassenen en Ouderen (GGD'en, CBS, RIVM) with a small-area model: they are
real figures, but model-based estimates, not direct survey figures (no intervals; ``Marges`` is
``MW00000``, the point value, on every row). StatLine exports one xlsx per period and age group.

Three steps, so that the build never needs the 20 MB of spreadsheets:

- :func:`read_rivm_workbook` reads one export with openpyxl and checks that it is 50090NED as
  StatLine exports it (columns, one period, one age group, codes of the levels they say, unique
  codes in a complete division, every value empty, '.' or a percentage); a file of another table
  is named as such in one message; every other problem of a file comes in one message, each
  naming the file, row (header = row 1), column, value and what was expected;
- :func:`extract_rivm` writes the rows of several exports into one gzipped CSV, the figures as
  RIVM wrote them (only the padding spaces removed), with a sidecar listing the originals and
  their checksums (``wijkkompas extract-rivm``): what ``data/raw/rivm/`` holds;
- :func:`read_rivm_extract` reads that extract, long, in DuckDB (a gemeente's 0.8 million
  cells in about a second, the country's 3.6 million in three): one row per area, year, age
  group and indicator, with the xlsx, row and column each figure came from. Whether the
  figures are plausible (0-100, counts per level, a complete division, the gemeente's areas
  present) is for the rules, ``quality/rules/rivm_*.yml``.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import os
import re
import warnings
import zipfile
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from ingest.cbs import CODE_PATTERNS, PREFIX_LEVEL
from ingest.csvfile import column_problems
from ingest.errors import InputError, Problems, first_bad
from ingest.national import national_snapshot
from ingest.snapshots import Original, Sidecar, sha256_of, write_sidecar

TABLE_ID = "50090NED"
TABLE_TITLE = "Gezondheid per wijk en buurt; 2012/2016/2020"
KIND = "rivm_health"
VARIABLES_PATH = Path(__file__).resolve().parents[1] / "data" / "reference" / "rivm_variables.csv"
ID_COLUMNS = (
    "ID", "Leeftijd", "Marges", "WijkenEnBuurten", "Perioden", "Gemeentenaam_1", "SoortRegio_2",
    "Codering_3",
)  # fmt: skip
AGE_GROUPS = {"20300": "18+", "80200": "65+"}  # StatLine's Leeftijd codes
POINT_VALUE = "MW00000"  # Marges: the estimate itself (the table has no intervals)
REGION_LEVELS = {"Land": "land", "Gemeente": "gemeente", "Wijk": "wijk", "Buurt": "buurt"}
PERIOD = re.compile(r"^(\d{4})JJ00$")
NUMBER = r"^-?\d+(\.\d+)?$"  # as RIVM writes a percentage: 78.4
STATLINE_KEY = re.compile(r"^[A-Z][A-Za-z0-9]*_\d+$")
TABLE_IN_SHEET_NAME = re.compile(r"(\d{5}[A-Z]{3})")  # StatLine names the sheet 50090NED_...
EXTRACT_IDS = (
    "source_file", "source_row", "year", "age_group", "area_code", "area_level", "gemeente_name",
)  # fmt: skip
STATUS = {"": "not_published", ".": "secret"}  # anything else is a published figure

LICENCE = "open data (RIVM StatLine)"
ATTRIBUTION = "Bron: RIVM, Gezondheidsmonitor Volwassenen en Ouderen (GGD'en, CBS, RIVM)"
ORIGIN = "RIVM StatLine, table 50090NED (statline.rivm.nl), exported as xlsx"
EXPECTED_TABLE = (
    f'RIVM\'s table {TABLE_ID} "{TABLE_TITLE}" as StatLine exports it: one sheet whose first '
    f"row holds {', '.join(ID_COLUMNS)} and the 35 indicators ErvarenGezondheidGoedZeerGoed_4 "
    "... MoeiteMetRondkomen_38 (data/reference/rivm_variables.csv), one file per period and age "
    "group (its successor 50120NED, on the division of 2022, is another table)"
)


@functools.cache
def load_variables(path: Path = VARIABLES_PATH) -> pd.DataFrame:
    """The 35 indicators of the table: StatLine key, concept, RIVM's Dutch title, English."""
    variables = pd.read_csv(path, dtype=str, keep_default_na=False)
    expected = ["key", "concept", "title_nl", "title_en"]
    if list(variables.columns) != expected or not variables["key"].is_unique:
        raise InputError(
            path,
            "not the list of RIVM's indicators",
            row=1,
            value=list(variables.columns),
            expected=f"columns {', '.join(expected)}, one row per StatLine key",
        )
    bad = ~variables["key"].str.match(STATLINE_KEY.pattern)
    if bad.any():
        raise InputError(
            path, "not a StatLine key", row=int(bad.to_numpy().argmax()) + 2, column="key",
            value=variables["key"][bad].iloc[0], expected="a key such as Roker_11",
        )  # fmt: skip
    return variables


def indicator_keys() -> list[str]:
    return list(load_variables()["key"])


# --- one StatLine export ----------------------------------------------------------------------


def read_rivm_workbook(path: str | Path) -> pd.DataFrame:
    """One row per area of the export at ``path``: ``source_file, source_row, year, age_group
    ('18+' | '65+'), area_code, area_level, gemeente_name`` and the 35 indicators as trimmed text
    ('' = not published, '.' = secret); raise one InputError listing every problem."""
    path = Path(path)
    sheet, header, rows = _read_sheet(path)
    keys = indicator_keys()
    other = _another_table(path, sheet, header, keys)
    if other is not None:
        raise other
    problems = Problems()
    for problem in column_problems(
        path, header, [*ID_COLUMNS, *keys], expected=EXPECTED_TABLE, rule="rivm_expected_columns"
    ):
        problems.add(problem)
    frame = pd.DataFrame(
        {name: [_text(row[i]) for row in rows] for i, name in enumerate(header) if name},
        dtype=object,
    )
    if frame.empty:
        problems.add(
            InputError(path, "a header but no rows", row=2, expected="one row per area (17,341 "
                       "in the division of 2020)", rule="rivm_structure")
        )  # fmt: skip
    present = set(frame.columns)
    year = _one_period(path, frame, problems) if "Perioden" in present else None
    age_group = _one_age_group(path, frame, problems) if "Leeftijd" in present else None
    if "Marges" in present:
        problems.add(
            first_bad(
                path, frame, "Marges", frame["Marges"] != POINT_VALUE,
                expected=f"{POINT_VALUE} (the estimate; the table has no intervals)",
                problem="not the point value", rule="rivm_structure",
            )
        )  # fmt: skip
    levels = _levels(path, frame, problems) if "WijkenEnBuurten" in present else None
    for key in [k for k in keys if k in present]:
        _check_percentages(path, frame, key, problems)
    problems.raise_all()
    out = pd.DataFrame(
        {
            "source_file": path.name,
            "source_row": range(2, len(frame) + 2),
            "year": year,
            "age_group": age_group,
            "area_code": frame["WijkenEnBuurten"],
            "area_level": levels,
            "gemeente_name": frame["Gemeentenaam_1"],
        }
    )
    for key in keys:
        out[key] = frame[key]
    return out


def _read_sheet(path: Path) -> tuple[str, list[str], list[tuple]]:
    """The first sheet's name, header (trimmed) and data rows (each as long as the header;
    trailing empty rows dropped)."""
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        with warnings.catch_warnings():  # "Workbook contains no default style": harmless
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise InputError(
            path,
            f"a file of another kind: not an Excel workbook ({exc})",
            expected=EXPECTED_TABLE + ", saved as .xlsx",
            rule="rivm_table",
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        cells = sheet.iter_rows(values_only=True)
        header = list(next(cells, ()) or ())
        rows = list(cells)
        title = sheet.title
    finally:
        workbook.close()
    while header and header[-1] in (None, ""):
        header.pop()
    while rows and all(v in (None, "") for v in rows[-1]):
        rows.pop()
    if not header:
        raise InputError(path, "the first sheet is empty", row=1, expected=EXPECTED_TABLE,
                         rule="rivm_table")  # fmt: skip
    width = len(header)
    rows = [tuple(row[:width]) + (None,) * (width - len(row)) for row in rows]
    return title, [_text(h) for h in header], rows


def _text(value: object) -> str:
    """A cell as RIVM wrote it, without the padding: '    78.4' is '78.4', an empty cell ''.
    A number typed into the sheet (a copy re-saved by Excel) is written as it reads."""
    if value is None:
        return ""
    if isinstance(value, float):
        return format(value, ".12g")
    return str(value).strip()


def _another_table(path: Path, sheet: str, header: list[str], keys: list[str]):
    """One error for a file of another table (a StatLine export of another table, or no StatLine
    export at all), saying what it looks like, instead of 35 missing columns; None for 50090NED
    (a few columns missing or misspelt are named one by one)."""
    found = TABLE_IN_SHEET_NAME.search(sheet)
    present = [k for k in keys if k in header]
    if found and found.group(1) != TABLE_ID:
        looks = f"a StatLine export of table {found.group(1)} (its sheet is named '{sheet}')"
    elif len(present) * 2 >= len(keys):
        return None
    elif any(c.startswith("AantalInwoners_") for c in header):
        looks = "a StatLine export of CBS's Kerncijfers wijken en buurten (e.g. 85984NED)"
    elif "WijkenEnBuurten" in header or sum(bool(STATLINE_KEY.match(c)) for c in header) >= 3:
        looks = "a StatLine export of another table"
    else:
        looks = "no StatLine export"
    shown = ", ".join(header[:6]) + (f" ... ({len(header)} columns)" if len(header) > 6 else "")
    return InputError(
        path,
        f"a file of another table: this looks like {looks}; {len(present)} of the "
        f"{len(keys)} indicators of {TABLE_ID} are in its first row",
        row=1,
        value=shown,
        expected=EXPECTED_TABLE,
        rule="rivm_table",
    )


def _one_period(path: Path, frame: pd.DataFrame, problems: Problems) -> int | None:
    """The file's one period (StatLine writes 2020JJ00 on every row): its year."""
    periods = frame["Perioden"]
    valid = periods.str.match(PERIOD.pattern)
    problems.add(
        first_bad(path, frame, "Perioden", ~valid, expected="a year as StatLine writes it, "
                  "e.g. 2020JJ00", problem="not a period", rule="rivm_structure")
    )  # fmt: skip
    if not valid.any():
        return None
    first = periods[valid].iloc[0]
    problems.add(
        first_bad(path, frame, "Perioden", valid & (periods != first),
                  expected=f"{first}, the period of row {int(valid.to_numpy().argmax()) + 2}: "
                  "one export per period", problem="a second period in the file",
                  rule="rivm_structure")
    )  # fmt: skip
    return int(first[:4])


def _one_age_group(path: Path, frame: pd.DataFrame, problems: Problems) -> str | None:
    """The file's one age group (Leeftijd 20300 = 18 jaar of ouder, 80200 = 65 jaar of ouder)."""
    ages = frame["Leeftijd"]
    known = ages.isin(list(AGE_GROUPS))
    problems.add(
        first_bad(path, frame, "Leeftijd", ~known, expected="20300 (18 jaar of ouder) or 80200 "
                  "(65 jaar of ouder)", problem="an age group the pipeline does not read",
                  rule="rivm_structure")
    )  # fmt: skip
    if not known.any():
        return None
    first = ages[known].iloc[0]
    problems.add(
        first_bad(path, frame, "Leeftijd", known & (ages != first),
                  expected=f"{first}, the age group of row {int(known.to_numpy().argmax()) + 2}: "
                  "one export per age group", problem="a second age group in the file",
                  rule="rivm_structure")
    )  # fmt: skip
    return AGE_GROUPS[first]


def _levels(path: Path, frame: pd.DataFrame, problems: Problems) -> pd.Series:
    """Each area's level from its code (NL, GM, WK, BU and CBS's code patterns), checked against
    SoortRegio_2 and Codering_3; codes unique; every buurt's wijk and every wijk's gemeente in
    the file (a code outside the division is a wrong or mistyped row)."""
    codes = frame["WijkenEnBuurten"]
    levels = codes.str[:2].map(PREFIX_LEVEL)
    fits = pd.Series(
        [
            bool(lv) and bool(CODE_PATTERNS[lv].match(c))
            for c, lv in zip(codes, levels.fillna(""), strict=True)
        ],
        index=frame.index,
    )
    problems.add(
        first_bad(path, frame, "WijkenEnBuurten", ~fits, expected="an area code NL01, GM0014, "
                  "WK001404 or BU00140000", problem="not an area code", rule="rivm_area_codes")
    )  # fmt: skip
    if "SoortRegio_2" in frame:
        said = frame["SoortRegio_2"].map(REGION_LEVELS)
        problems.add(
            first_bad(path, frame, "SoortRegio_2", said.isna(), expected="Land, Gemeente, Wijk "
                      "or Buurt", problem="not a kind of area", rule="rivm_area_codes")
        )  # fmt: skip
        problems.add(
            first_bad(path, frame, "SoortRegio_2", fits & said.notna() & (said != levels),
                      expected="the level of the area's code (NL: Land, GM: Gemeente, WK: Wijk, "
                      "BU: Buurt)", problem="another level than the code's",
                      rule="rivm_area_codes")
        )  # fmt: skip
    if "Codering_3" in frame:
        problems.add(
            first_bad(path, frame, "Codering_3", frame["Codering_3"] != codes,
                      expected="the code of WijkenEnBuurten on the same row",
                      problem="another code than WijkenEnBuurten", rule="rivm_area_codes")
        )  # fmt: skip
    problems.add(
        first_bad(path, frame, "WijkenEnBuurten", fits & codes.duplicated(),
                  expected="each area once per file", problem="an area code for the second time",
                  rule="rivm_area_codes")
    )  # fmt: skip
    known = set(codes)
    parent = codes.where(levels != "buurt", "WK" + codes.str[2:8])
    parent = parent.where(levels != "wijk", "GM" + codes.str[2:6])
    outside = fits & levels.isin(["wijk", "buurt"]) & ~parent.isin(known)
    if outside.any():
        first = parent[outside].iloc[0]
        problems.add(
            first_bad(path, frame, "WijkenEnBuurten", outside,
                      expected=f"an area of RIVM's division of 2020: a buurt of a wijk, a wijk of "
                      f"a gemeente in the file ({first} is not in it)",
                      problem="an area code outside the division", rule="rivm_area_codes")
        )  # fmt: skip
    return levels


def _check_percentages(path: Path, frame: pd.DataFrame, key: str, problems: Problems) -> None:
    """Every value empty (not published), '.' (secret) or a percentage 0-100."""
    text = frame[key]
    number = text.str.match(NUMBER)
    problems.add(
        first_bad(path, frame, key, ~(number | text.isin(list(STATUS))),
                  expected="empty (not published by RIVM), '.' (secret) or a percentage such "
                  "as 78.4", problem="not a number", rule="rivm_value_readable")
    )  # fmt: skip
    values = pd.to_numeric(text.where(number), errors="coerce")
    problems.add(
        first_bad(path, frame, key, (values < 0) | (values > 100),
                  expected="a percentage from 0 to 100", problem="a percentage outside 0-100",
                  rule="rivm_percentage_range")
    )  # fmt: skip


# --- the extract the build reads --------------------------------------------------------------


def extract_rivm(
    paths: Iterable[str | Path],
    out: str | Path,
    *,
    origin: str | None = None,
    retrieved: date | None = None,
    progress: Callable[[Path], None] | None = None,
) -> Sidecar:
    """Read the exports ``paths`` and write their rows into one gzipped CSV ``out`` (ordered by
    year, age group and row; byte for byte the same for the same files) with its sidecar: kind
    rivm_health, the originals with their checksums. Every workbook is read before anything is
    written: a bad one (or two of one period and age group) writes nothing."""
    paths, out = [Path(p) for p in paths], Path(out)
    if not paths:
        raise InputError(None, "no workbook to extract", expected="one StatLine export (.xlsx) "
                         f"of {TABLE_ID} or more", rule="rivm_extract")  # fmt: skip
    if not out.name.endswith(".csv.gz"):
        raise InputError(out, "the extract is a gzipped CSV", value=out.name,
                         expected="a file name ending in .csv.gz", rule="rivm_extract")  # fmt: skip
    problems = Problems()
    read: list[tuple[Path, pd.DataFrame]] = []
    for path in paths:
        if progress is not None:
            progress(path)
        try:
            read.append((path, read_rivm_workbook(path)))
        except InputError as err:
            problems.add(err)
    seen: dict[tuple, Path] = {}
    for path, frame in read:
        which = (int(frame["year"].iloc[0]), frame["age_group"].iloc[0]) if len(frame) else None
        if which in seen:
            problems.add(
                InputError(path, "a second export of the same period and age group",
                           value=f"{which[0]}, {which[1]}",
                           expected=f"one file per period and age group ({seen[which].name} "
                           "has them too)", rule="rivm_extract")
            )  # fmt: skip
        seen[which] = path
    problems.raise_all()
    read.sort(key=lambda r: (int(r[1]["year"].iloc[0]), r[1]["age_group"].iloc[0]))
    table = pd.concat([frame for _, frame in read], ignore_index=True)
    _write_csv_gz(table, out)
    originals = [
        Original(
            file=path.name,
            sha256=sha256_of(path),
            period=f"{int(frame['year'].iloc[0])}JJ00",
            age_group=frame["age_group"].iloc[0],
            rows=len(frame),
        )
        for path, frame in read
    ]
    years = sorted({o.period[:4] for o in originals})
    ages = sorted({o.age_group for o in originals})
    return write_sidecar(
        out,
        title=f"{TABLE_TITLE} (RIVM {TABLE_ID}): every area of {', '.join(years)}, "
        f"age groups {', '.join(ages)}; extract of {len(originals)} StatLine exports",
        publisher="RIVM",
        table_id=TABLE_ID,
        licence=LICENCE,
        attribution=ATTRIBUTION,
        origin=origin or f"{ORIGIN}: {', '.join(o.file for o in originals)}",
        retrieved=retrieved or date.today(),
        synthetic=False,
        kind=KIND,
        notes="Model-based estimates by RIVM (small-area model on the Gezondheidsmonitor "
        "Volwassenen en Ouderen), not direct survey figures; no intervals. One row per area of "
        "each original (source_file, source_row: its row in the xlsx, header = row 1); codes, "
        "names and figures as RIVM wrote them without the padding spaces; empty = not published "
        "by RIVM, '.' = secret. Made with `wijkkompas extract-rivm` (ingest/rivm.py).",
        originals=originals,
    )


def _write_csv_gz(table: pd.DataFrame, out: Path) -> None:
    """Write ``table`` as a gzipped CSV without a time or name in the gzip header (the same
    files give the same bytes), into a file beside ``out`` renamed into place when complete."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".writing")
    try:
        with (
            partial.open("wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz,
            io.TextIOWrapper(gz, encoding="utf-8", newline="") as text,
        ):
            writer = csv.writer(text, lineterminator="\n")
            writer.writerow(table.columns)
            writer.writerows(table.itertuples(index=False, name=None))
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)


# --- the extract, long, for the warehouse -----------------------------------------------------

EXTRACT_ROWS_SQL = """
CREATE TABLE extract AS
SELECT * FROM (
    SELECT row_number() OVER () + 1 AS extract_row, *
    FROM read_csv($path, header = true, all_varchar = true, delim = ',', quote = '"',
                  escape = '"', compression = 'gzip')
)
WHERE area_level IS DISTINCT FROM 'buurt' OR $gemeente IS NULL
   OR substr(area_code, 3, 4) = substr($gemeente, 3, 4)
"""
# one row per cell, in the extract's order (parallel unnests keep it: no sort needed)
LONG_SQL = r"""
WITH cells AS (
    SELECT year, age_group, area_code, area_level, gemeente_name, source_file, source_row,
           unnest($keys) AS source_column, unnest($concepts) AS concept,
           unnest([{cells}]) AS cell
    FROM extract
)
SELECT CAST(year AS INTEGER) AS year, age_group, area_code, area_level, gemeente_name,
       concept || CASE age_group WHEN '18+' THEN '_18plus' WHEN '65+' THEN '_65plus' END
           AS variable, concept,
       CASE WHEN regexp_full_match(cell, '{number}') THEN CAST(cell AS DOUBLE) END AS value,
       CASE WHEN cell IS NULL OR cell = '' THEN 'not_published'
            WHEN cell = '.' THEN 'secret' ELSE 'published' END AS status,
       source_file, CAST(source_row AS INTEGER) AS source_row, source_column
FROM cells
"""
LONG_COLUMNS = (
    "year", "age_group", "area_code", "area_level", "gemeente_name", "variable", "concept",
    "value", "status", "source_file", "source_row", "source_column",
)  # fmt: skip
LEVELS = ("land", "gemeente", "wijk", "buurt")


def read_rivm_extract(path: str | Path, gemeente: str | None = None) -> pd.DataFrame:
    """The extract at ``path``, long: one row per area, year, age group and indicator (the
    columns of ``LONG_COLUMNS``; ``variable`` is the concept with ``_18plus`` or ``_65plus``,
    ``value`` NULL unless ``status`` is 'published', ``source_file``/``source_row``/
    ``source_column`` the original xlsx, row and StatLine key), in the extract's order. Keeps
    the Netherlands, every gemeente and wijk of the country (the national comparison) and the
    buurten of ``gemeente`` only (all when None). A cell that is no number, or a row without a
    year, age group, level or row (a damaged extract), is named with the extract's line and the
    original's row; a figure outside 0-100 is read as it is (the rules name it)."""
    path = Path(path)
    variables = load_variables()
    keys, concepts = list(variables["key"]), list(variables["concept"])
    _check_extract_header(path, keys)
    with duckdb.connect() as con:
        try:
            con.execute(EXTRACT_ROWS_SQL, {"path": str(path), "gemeente": gemeente})
        except duckdb.Error as exc:
            raise InputError(path, f"not readable as the RIVM extract: {exc}",
                             rule="file_readable") from exc  # fmt: skip
        _refuse_damaged_rows(con, path, keys)
        sql = LONG_SQL.format(cells=", ".join(f'"{k}"' for k in keys), number=NUMBER)
        # through Arrow, its texts kept as Arrow strings: DuckDB's own .df() takes seconds more
        # for millions of texts, and DuckDB writes Arrow strings into the warehouse faster
        long = con.execute(sql, {"keys": keys, "concepts": concepts}).to_arrow_table()
    return long.to_pandas(types_mapper=_arrow_text)


def _arrow_text(dtype):
    """Texts as pandas' Arrow strings (numbers stay NumPy: ``value`` NaN where NULL)."""
    import pyarrow as pa

    return pd.ArrowDtype(dtype) if pa.types.is_string(dtype) else None


def _check_extract_header(path: Path, keys: list[str]) -> None:
    try:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise InputError(path, f"not a gzipped CSV: {exc}", expected="the extract written by "
                         "`wijkkompas extract-rivm`", rule="file_readable") from exc  # fmt: skip
    expected = [*EXTRACT_IDS, *keys]
    if header != expected:
        missing = [c for c in expected if c not in header]
        extra = [c for c in header if c not in expected]
        raise InputError(
            path,
            "not the columns of the RIVM extract"
            + (f": missing {', '.join(missing[:5])}" if missing else "")
            + (f"; unexpected {', '.join(extra[:5])}" if extra else ""),
            row=1,
            column=(missing or extra or [None])[0],
            expected=f"{', '.join(EXTRACT_IDS)} and the 35 indicators in the order of "
            "data/reference/rivm_variables.csv (as `wijkkompas extract-rivm` writes them)",
            rule="rivm_extract",
        )


def _refuse_damaged_rows(con, path: Path, keys: list[str]) -> None:
    """Name every kind of damage of the extract at its first line (header = line 1), with the
    original file and row that line says it holds, and how many there are: read on the wide
    rows (a tenth of a second), before they are made long."""
    problems = Problems()
    checks = [  # (what is wrong, column, the condition on a cell "c", what was expected)
        ("not a year", "year", "TRY_CAST(c AS INTEGER) IS NULL",
         "the year of the StatLine period, e.g. 2020"),
        ("not an age group", "age_group", "c IS NULL OR c NOT IN ('18+', '65+')", "18+ or 65+"),
        ("not a row number", "source_row", "TRY_CAST(c AS INTEGER) IS NULL",
         "the row in the original xlsx (header = row 1)"),
        ("not an area level", "area_level", f"c IS NULL OR c NOT IN {LEVELS}",
         "land, gemeente, wijk or buurt"),
    ]  # fmt: skip
    checks += [
        ("not a number", key, f"NOT (coalesce(c, '') IN ('', '.') OR regexp_full_match(c, "
         f"'{NUMBER}'))", "empty (not published by RIVM), '.' (secret) or a percentage such "
         "as 78.4")
        for key in keys
    ]  # fmt: skip
    for problem, column, condition, expected in checks:
        where = re.sub(r"\bc\b", f'"{column}"', condition)
        found = con.execute(
            f'SELECT extract_row, "{column}", source_file, source_row, count(*) OVER () '
            f"FROM extract WHERE {where} ORDER BY extract_row LIMIT 1"
        ).fetchone()
        if found is None:
            continue
        line, value, source, source_row, count = found
        problems.add(
            InputError(
                path,
                f"{problem} (line {line} holds {source} row {source_row}; {count} lines in all)",
                row=line,
                column=column,
                value=value,
                expected=expected,
                rule="rivm_value_readable",
            )
        )
    problems.raise_all()


def rivm_snapshot(raw: Path, verify: bool = True) -> tuple[Path, Sidecar]:
    """The one extract (kind rivm_health) under ``raw``, found by its sidecar (as the national
    files are), checksum-verified unless ``verify`` is false."""
    return national_snapshot(raw, KIND, verify)
