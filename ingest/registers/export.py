"""Read a municipal data warehouse's register export into long rows.

The export is a semicolon CSV in UTF-8, one row per buurt, variable and year:
``jaar;buurtcode;variabele;aantal``. The same loader reads the synthetic files
(``ingest/registers/generator.py``) and a real export. It checks the columns, the year, that
every buurt code belongs to the edition's area layout, that every variable is described in
``data/registers/variables.yml``, that counts are whole numbers of zero or more, and that no buurt
has a variable twice. Problems name the file, row, column, value and what was expected.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from ingest.csvfile import read_delimited
from ingest.errors import InputError, raise_first_bad

COLUMNS = ("jaar", "buurtcode", "variabele", "aantal")
DELIMITER = ";"
ENCODING = "utf-8"


def read_register_export(
    path: Path, year: int, known_buurten: Iterable[str], variables: Iterable[str]
) -> pd.DataFrame:
    """Rows ``(year, area_code, area_level, variable, value)`` of one register export."""
    path = Path(path)
    known_buurten = set(known_buurten)
    variables = set(variables)
    table = read_delimited(path, delimiter=DELIMITER, encoding=ENCODING)
    for col in COLUMNS:
        if col not in table.header:
            raise InputError(
                path,
                "missing column",
                row=1,
                column=col,
                expected="the columns " + DELIMITER.join(COLUMNS),
                rule="register_expected_columns",
            )
    extra = [c for c in table.header if c not in COLUMNS]
    if extra:
        raise InputError(
            path,
            "unexpected column",
            row=1,
            column=extra[0],
            expected="only the columns " + DELIMITER.join(COLUMNS),
            rule="register_expected_columns",
        )
    frame = pd.DataFrame(table.rows, columns=table.header)[list(COLUMNS)]
    frame = frame.apply(lambda s: s.str.strip())

    jaar = pd.to_numeric(frame["jaar"], errors="coerce")
    raise_first_bad(
        path,
        frame,
        "jaar",
        jaar != year,
        problem="register year differs from the expected year",
        expected=f"{year}, the register year of the edition this file is loaded for",
        rule="register_year_matches",
    )
    raise_first_bad(
        path,
        frame,
        "buurtcode",
        ~frame["buurtcode"].isin(known_buurten),
        problem="unknown buurt code",
        expected=f"a buurt code of the area layout the file is loaded for ({len(known_buurten)} "
        "buurten, e.g. BU00140000)",
        rule="register_buurt_known",
    )
    raise_first_bad(
        path,
        frame,
        "variabele",
        ~frame["variabele"].isin(variables),
        problem="unknown register variable",
        expected=f"one of the {len(variables)} variables of data/registers/variables.yml",
        rule="register_variable_known",
    )
    text = frame["aantal"]
    negative = text.str.fullmatch(r"-\s*\d+([.,]\d*)?")
    raise_first_bad(
        path,
        frame,
        "aantal",
        negative,
        problem="negative count",
        expected="a whole number of zero or more",
        rule="register_count_valid",
    )
    raise_first_bad(
        path,
        frame,
        "aantal",
        ~text.str.fullmatch(r"\d+"),
        problem="not a count",
        expected="a whole number of zero or more, without decimals or thousands separators",
        rule="register_count_valid",
    )
    dup = frame.duplicated(["buurtcode", "variabele"])
    if dup.any():
        idx = int(np.flatnonzero(dup.to_numpy())[0])
        first = frame[
            (frame["buurtcode"] == frame["buurtcode"].iloc[idx])
            & (frame["variabele"] == frame["variabele"].iloc[idx])
        ].index[0]
        raise InputError(
            path,
            f"duplicate buurt and variable ({int(dup.sum())} rows in all)",
            row=idx + 2,
            column="variabele",
            value=f"{frame['buurtcode'].iloc[idx]} {frame['variabele'].iloc[idx]}",
            expected=f"each variable once per buurt (first at row {first + 2})",
            rule="register_unique",
        )
    return pd.DataFrame(
        {
            "year": np.full(len(frame), year, dtype="int64"),
            "area_code": frame["buurtcode"].to_numpy(),
            "area_level": "buurt",
            "variable": frame["variabele"].to_numpy(),
            "value": text.astype("int64").astype("float64").to_numpy(),
        }
    )
