"""Read a municipal data warehouse's register export into long rows.

The export is a semicolon CSV in UTF-8, one row per buurt, variable and year:
``jaar;buurtcode;variabele;aantal``. The same loader reads the synthetic files
(``ingest/registers/generator.py``) and a real export. It checks that the file reads as that
table (encoding, delimiter, the four columns, whole numbers); problems name the file, row, column,
value and what was expected. The content (the year, buurten of the edition's layout, variables of
``data/registers/variables.yml``, counts of zero or more, each buurt and variable once) is checked
by the quality rules on ``register_values`` (``quality/rules/register_values.yml``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ingest.csvfile import read_delimited
from ingest.errors import raise_first_bad

COLUMNS = ("jaar", "buurtcode", "variabele", "aantal")
DELIMITER = ";"
ENCODING = "utf-8"


def read_register_export(path: Path, year: int) -> pd.DataFrame:
    """Rows ``(year, area_code, area_level, variable, value)`` of one register export loaded as
    ``year``, with the year written in the file and the source file and row of every count."""
    path = Path(path)
    table = read_delimited(path, delimiter=DELIMITER, encoding=ENCODING)
    columns = DELIMITER.join(COLUMNS)
    rule = "register_expected_columns"
    table.require_columns(COLUMNS, expected="the columns " + columns, rule=rule)
    table.reject_other_columns(COLUMNS, expected="only the columns " + columns, rule=rule)
    frame = pd.DataFrame(table.rows, columns=table.header)[list(COLUMNS)]
    frame = frame.apply(lambda s: s.str.strip())
    jaar = pd.to_numeric(frame["jaar"], errors="coerce")
    raise_first_bad(
        path,
        frame,
        "jaar",
        jaar.isna() | (jaar % 1 != 0),
        problem="not a year",
        expected=f"a year such as {year}",
        rule="register_value_readable",
    )
    text = frame["aantal"]
    raise_first_bad(
        path,
        frame,
        "aantal",
        ~text.str.fullmatch(r"-?\d+"),
        problem="not a whole number",
        expected="a count: a whole number without decimals or thousands separators",
        rule="register_value_readable",
    )
    return pd.DataFrame(
        {
            "year": np.full(len(frame), year, dtype="int64"),
            "area_code": frame["buurtcode"].to_numpy(),
            "area_level": "buurt",
            "variable": frame["variabele"].to_numpy(),
            "value": text.astype("int64").astype("float64").to_numpy(),
            "year_in_file": jaar.astype("int64").to_numpy(),
            "source_file": path.name,
            "source_row": np.arange(2, len(frame) + 2, dtype="int64"),
        }
    )
