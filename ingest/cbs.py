"""CBS kerncijfers wijken en buurten: three naming schemes into one long table.

CBS has published the same figures under three column-naming schemes:

* ``statline``: OData keys of StatLine tables, e.g. ``AantalInwoners_5``; the ``_NN`` suffix
  changes from year to year;
* ``kwb``: the short names of the kwb Excel files and the Toelichting, e.g. ``a_inw``;
* ``map``: upper-case attribute names of the Wijk- en buurtkaart, e.g. ``AANT_INW``.

A hand-kept crosswalk (``data/reference/cbs_variable_crosswalk.csv``) maps each canonical
variable to its column per year. This module reads one raw file through it into rows of
``cbs_values(year, area_code, area_level, area_name, variable, value, status)``.
CBS markers for secret or missing cells become NULL with a status saying why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ingest.csvfile import Table, misspellings, read_delimited
from ingest.errors import InputError, Problems

CROSSWALK_PATH = Path("data/reference/cbs_variable_crosswalk.csv")
CROSSWALK_HINT = "see data/reference/cbs_variable_crosswalk.csv"

# CBS cell markers -> (status, explanation). Everything else that parses as a number is published.
STATUS_CODES = {
    "published": "published by CBS",
    "secret": "CBS '.': secret or unreliable (too few units), not published",
    "not_available": "CBS map value -99999999: secret or not available",
    "secret_map": "CBS map value -99997: secret (confidentiality)",
    "empty": "empty in the source: not (yet) published by CBS for this year",
}
MARKERS = {".": "secret", "-99999999": "not_available", "-99997": "secret_map"}

# StatLine's "Kerncijfers wijken en buurten" tables and the year each holds (one table per year,
# titled "Kerncijfers wijken en buurten <year>" on cbs.nl/nl-nl/cijfers/detail/<id>): a CBS
# file of a known table given for another year is refused before a refresh. Add next years'
# tables here as CBS publishes them; an unknown id is not checked.
KWB_TABLE_YEARS = {
    "82931NED": 2014,
    "83487NED": 2016,
    "83765NED": 2017,
    "84286NED": 2018,
    "84583NED": 2019,
    "84799NED": 2020,
    "85039NED": 2021,
    "85318NED": 2022,
    "85618NED": 2023,
    "85984NED": 2024,
}
# columns that say which year a CBS file's rows are of: StatLine's period ("2024JJ00"), a year,
# or the wijk- en buurtkaart's year + code ("2017WK001400"); their first four digits
PERIOD_COLUMNS = ("Perioden", "Periode", "perioden", "jaar", "Jaar", "year", "JRSTATCODE")


@dataclass(frozen=True)
class Scheme:
    code_column: str | tuple[str, ...]
    name_column: str | None
    id_columns: tuple[str, ...]


SCHEMES = {
    "statline": Scheme(
        "Codering_3",
        "WijkenEnBuurten",
        (
            "WijkenEnBuurten",
            "Gemeentenaam_1",
            "SoortRegio_2",
            "Codering_3",
            "IndelingswijzigingGemeenteWijkBuurt_4",
            "ID",
        ),
    ),
    "kwb": Scheme(  # regio (the area's name) is in CBS's own file, not in every extract
        "gwb_code_10", "regio", ("gwb_code_10", "gwb_code", "recs", "gm_naam", "regio", "ind_wbi")
    ),
    "map": Scheme(
        ("BU_CODE", "WK_CODE"),
        None,
        ("BU_CODE", "BU_NAAM", "WK_CODE", "WK_NAAM", "GM_CODE", "GM_NAAM", "IND_WBI", "WATER"),
    ),
}

CODE_PATTERNS = {
    "land": re.compile(r"^NL\d{2}$"),
    "gemeente": re.compile(r"^GM\d{4}$"),
    # the gemeente's 4 digits, then the wijk's 2 and the buurt's 2 more: digits, or capitals in
    # some gemeenten (Amsterdam: WK0363AA, BU0363AA01)
    "wijk": re.compile(r"^WK\d{4}[0-9A-Z]{2}$"),
    "buurt": re.compile(r"^BU\d{4}[0-9A-Z]{4}$"),
}
PREFIX_LEVEL = {"NL": "land", "GM": "gemeente", "WK": "wijk", "BU": "buurt"}


def load_crosswalk(path: Path = CROSSWALK_PATH) -> pd.DataFrame:
    """The variable crosswalk, wide: one row per canonical variable, a ``yYYYY`` column per year."""
    crosswalk = pd.read_csv(path, dtype=str, keep_default_na=False)
    if not crosswalk["variable"].is_unique:
        dup = crosswalk.loc[crosswalk["variable"].duplicated(), "variable"].tolist()
        raise InputError(
            path,
            "duplicate canonical variables",
            column="variable",
            value=dup,
            expected="one row per variable",
        )
    return crosswalk


def crosswalk_columns(
    crosswalk: pd.DataFrame, year: int, area_level: str | None = None
) -> dict[str, str]:
    """{source column: canonical variable} for one year (and, for one-level files, one level)."""
    col = f"y{year}"
    if col not in crosswalk.columns:
        raise InputError(
            CROSSWALK_PATH,
            f"the crosswalk has no column for year {year}",
            column=col,
            expected=f"a column '{col}' naming each variable's column in the {year} file",
        )
    mapped = crosswalk[crosswalk[col] != ""]
    if area_level:
        levels = mapped["levels"].str.split()
        mapped = mapped[[not lv or area_level in lv for lv in levels]]
    return dict(zip(mapped[col], mapped["variable"], strict=True))


def _suffix_stem(column: str) -> str:
    return re.sub(r"_\d+$", "", column).lower()


def _check_columns(table: Table, expected: dict[str, str], scheme: Scheme) -> None:
    """Raise for the crosswalk's columns missing from the file, all at once, the most likely
    cause first: a column of the same StatLine topic with another suffix, or a column of the
    file close to the missing name (a misspelling), then the others missing."""
    present = set(table.header)
    missing = [c for c in expected if c not in present]
    if not missing:
        return
    extra = [c for c in table.header if c not in expected and c not in scheme.id_columns]
    problems = Problems()
    plain = []
    renamed = {}
    for column in missing:
        candidates = [c for c in extra if _suffix_stem(c) == _suffix_stem(column)]
        if candidates:
            renamed[column] = candidates[0]
    # CBS files hold many similar names: only a close match is a misspelling
    misspelt = misspellings([c for c in extra if c not in renamed.values()],
                            [c for c in missing if c not in renamed], cutoff=0.9)  # fmt: skip
    misspelt_of = {name: column for column, name in misspelt.items()}
    for column in missing:
        where = f"column '{column}' for variable '{expected[column]}' ({CROSSWALK_HINT})"
        if column in renamed:
            problems.add(
                InputError(
                    table.path,
                    f"expected column is missing ({len(missing)} missing in all); "
                    f"'{renamed[column]}' looks like the same StatLine topic with another "
                    "suffix: map it in the crosswalk if it is",
                    row=1, column=column, expected=where, rule="cbs_expected_columns",
                )
            )  # fmt: skip
        elif column in misspelt_of:
            problems.add(
                InputError(
                    table.path,
                    f"unexpected column; did you mean {column}?",
                    row=1, column=misspelt_of[column], expected=where, rule="cbs_expected_columns",
                )
            )  # fmt: skip
        else:
            plain.append(column)
    if plain:
        listed = ", ".join(plain[:10]) + (f" and {len(plain) - 10} more" if len(plain) > 10 else "")
        problems.add(
            InputError(
                table.path,
                f"expected column is missing ({len(missing)} missing in all"
                + (f": {listed}" if len(plain) > 1 else "") + ")",
                row=1,
                column=plain[0],
                expected=f"column '{plain[0]}' for variable '{expected[plain[0]]}' "
                f"({CROSSWALK_HINT})",
                rule="cbs_expected_columns",
            )
        )  # fmt: skip
    problems.raise_all()


def _code_column(table: Table, scheme: Scheme) -> str:
    options = (scheme.code_column,) if isinstance(scheme.code_column, str) else scheme.code_column
    for option in options:
        if option in table.header:
            return option
    raise InputError(
        table.path,
        "no area-code column",
        row=1,
        column=options[0],
        expected=f"one of {', '.join(options)}",
    )


def area_level_of(code: str) -> str | None:
    level = PREFIX_LEVEL.get(code[:2])
    if level and CODE_PATTERNS[level].match(code):
        return level
    return None


def check_area_code(path: Path, row: int, column: str, code: str) -> str:
    """Return the area level of ``code`` or raise naming the row and what was expected. Whether
    the code is one of the gemeente's areas is a quality rule on ``cbs_values``."""
    level = area_level_of(code)
    if level is None:
        raise InputError(
            path,
            "malformed area code",
            row=row,
            column=column,
            value=code,
            expected="NLnn, GMnnnn, WKnnnnnn or BUnnnnnnnn (the last 2 or 4 may be capitals)",
            rule="cbs_value_readable",
        )
    return level


DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
DECIMAL_COMMA_PART = r"^(-?\d+),(\d+)$"


def parse_cell(
    path: Path, row: int, column: str, raw: str, decimal_comma: bool = False
) -> tuple[float | None, str]:
    """A CBS cell as (figure, status). With ``decimal_comma`` a number may be written '1,1'
    (CBS's Excel). A float that carries a binary artefact of a spreadsheet
    (8.699999999999999) is read as the figure CBS published (8.7): no CBS figure has more than
    12 significant digits."""
    value = raw.strip()
    if value == "":
        return None, "empty"
    if value in MARKERS:
        return None, MARKERS[value]
    if decimal_comma and DECIMAL_COMMA.match(value):
        value = value.replace(",", ".")
    try:
        number = float(value)
    except ValueError:
        raise InputError(
            path,
            "not a number",
            row=row,
            column=column,
            value=raw,
            expected="a number with a decimal "
            + ("point or comma" if decimal_comma else "point")
            + ", '.', or empty",
            rule="cbs_value_readable",
        ) from None
    if number in (-99999999.0, -99997.0):
        return None, MARKERS[str(int(number))]
    return float(f"{number:.12g}"), "published"


def read_kerncijfers(
    path: Path,
    *,
    year: int,
    scheme: str,
    crosswalk: pd.DataFrame,
    area_level: str | None = None,
    decimal_comma: bool = False,
) -> pd.DataFrame:
    """Read one kerncijfers file into long rows, with the source file, row and column of every
    figure; raise InputError when the file cannot be read as the table its sidecar says."""
    if scheme not in SCHEMES:
        raise InputError(
            path, "unknown CBS naming scheme", value=scheme, expected=" | ".join(SCHEMES)
        )
    spec = SCHEMES[scheme]
    table = read_delimited(path)
    # a semicolon-separated file is a Dutch spreadsheet's: its decimals are written with commas
    decimal_comma = decimal_comma or table.delimiter == ";"
    expected = crosswalk_columns(crosswalk, year, area_level)
    _check_columns(table, expected, spec)
    code_col = _code_column(table, spec)
    codes = [row[table.column_index(code_col)].strip() for row in table.rows]
    levels = [check_area_code(path, n + 2, code_col, code) for n, code in enumerate(codes)]
    if area_level:
        for n, level in enumerate(levels):
            if level != area_level:
                raise InputError(
                    path,
                    f"a {level} in a file of {area_level} rows",
                    row=n + 2,
                    column=code_col,
                    value=codes[n],
                    expected=f"{area_level} codes only",
                )
    names = (
        [row[table.column_index(spec.name_column)].strip() or None for row in table.rows]
        if spec.name_column in table.header
        else [None] * len(codes)
    )
    columns = list(expected)
    at = [table.column_index(c) for c in columns]
    cells = np.array([[row[k] for k in at] for row in table.rows], dtype=object).reshape(
        len(codes), len(columns)
    )
    value, status = parse_cells(path, cells, columns, decimal_comma)
    n_rows, n_cols = cells.shape
    return pd.DataFrame(
        {  # row by row, column by column: the order of the file
            "year": year,
            "area_code": np.repeat(codes, n_cols),
            "area_level": np.repeat(levels, n_cols),
            "area_name": np.repeat(np.array(names, dtype=object), n_cols),
            "variable": np.tile([expected[c] for c in columns], n_rows),
            "value": value.ravel(),
            "status": status.ravel(),
            "source_file": path.name,
            "source_row": np.repeat(np.arange(2, n_rows + 2), n_cols),
            "source_column": np.tile(columns, n_rows),
        }
    )


def parse_cells(
    path: Path, cells: np.ndarray, columns: list[str], decimal_comma: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """``parse_cell`` for a whole table of cells at once: (figures, statuses), shaped like
    ``cells``. Cells that are no number are named as ``parse_cell`` does, every column at once:
    its first such row and how many there are."""
    flat = pd.Series(cells.ravel(), dtype=object).str.strip()
    status = np.full(len(flat), "published", dtype=object)
    status[(flat == "").to_numpy()] = "empty"
    for marker, meaning in MARKERS.items():
        status[(flat == marker).to_numpy()] = meaning
    text = flat
    if decimal_comma:  # only the few cells with a comma
        comma = flat.str.contains(",", regex=False).fillna(False).to_numpy(bool)
        text = flat.copy()
        text[comma] = flat[comma].str.replace(DECIMAL_COMMA_PART, r"\1.\2", regex=True)
    numbers = pd.to_numeric(text.where(status == "published"), errors="coerce").to_numpy(float)
    bad = (np.isnan(numbers) & (status == "published")).reshape(cells.shape)
    problems = Problems()
    for col in np.flatnonzero(bad.any(axis=0)):  # every column: its first bad row, and how many
        rows = np.flatnonzero(bad[:, col])
        try:
            parse_cell(path, int(rows[0]) + 2, columns[col], cells[rows[0], col], decimal_comma)
        except InputError as err:
            if len(rows) > 1:
                err = err.with_problem(f"{err.problem} ({len(rows)} rows in all)")
            problems.add(err)
    problems.raise_all()
    for code in (-99999999.0, -99997.0):
        hidden = numbers == code
        status[hidden] = MARKERS[str(int(code))]
        numbers[hidden] = np.nan
    # a spreadsheet artefact (8.699999999999999) is read as the figure CBS published (8.7)
    for k in np.flatnonzero((flat.str.len() > 13).to_numpy() & ~np.isnan(numbers)):
        numbers[k] = float(f"{numbers[k]:.12g}")
    return numbers.reshape(cells.shape), status.reshape(cells.shape)


def variable_catalogue(crosswalk: pd.DataFrame, dictionary: pd.DataFrame) -> pd.DataFrame:
    """Canonical variables with unit and definition from CBS's data dictionary (85984NED)."""
    definitions = dictionary.set_index("Key")["Description"].to_dict()
    years = [c for c in crosswalk.columns if re.fullmatch(r"y\d{4}", c)]
    latest = sorted(years)[-1]
    rows = []
    for rec in crosswalk.to_dict("records"):
        definition = definitions.get(rec[latest], "") if rec[latest] else ""
        rows.append(
            {
                "variable": rec["variable"],
                "kwb_name": rec["kwb_name"] or None,
                "kind": rec["kind"],
                "unit": rec["unit"],
                "base": rec["base"] or None,
                "levels": rec["levels"] or None,
                "title_nl": rec["title_nl"],
                "title_en": rec["title_en"],
                "definition_nl": definition or None,
                "columns": "; ".join(f"{y[1:]}: {rec[y]}" for y in years if rec[y]),
            }
        )
    return pd.DataFrame(rows)


def read_snapshot_set(raw_dir: Path, crosswalk: pd.DataFrame | None = None):
    """Verify and read every CBS kerncijfers snapshot under ``raw_dir`` into one long frame."""
    from ingest.snapshots import discover_snapshots, verify_snapshot

    crosswalk = load_crosswalk() if crosswalk is None else crosswalk
    snapshots = discover_snapshots(raw_dir)
    frames = []
    for path, sidecar in snapshots:
        if sidecar.kind != "cbs_kerncijfers":
            continue
        verify_snapshot(path)
        frames.append(
            read_kerncijfers(
                path,
                year=sidecar.year,
                scheme=sidecar.scheme,
                crosswalk=crosswalk,
                area_level=sidecar.area_level,
                decimal_comma=sidecar.decimal_comma,
            )
        )
    return pd.concat(frames, ignore_index=True)
