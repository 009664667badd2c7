"""Read a municipal data warehouse's register export into long rows.

The export is a CSV (semicolons, as the warehouse writes it, or commas or tabs; UTF-8 or
Windows-1252: detected), one row per buurt, variable and year:
``jaar;buurtcode;variabele;aantal``. The same loader reads the synthetic files
(``ingest/registers/generator.py``) and a real export. It checks that the file reads as that
table (encoding, delimiter, the four columns, whole numbers); every problem is reported at once,
naming the file, row, column, value and what was expected. The content (the year, buurten of the
edition's layout, variables of ``data/registers/variables.yml``, counts of zero or more, each
buurt and variable once) is checked by the quality rules on ``register_values``
(``quality/rules/register_values.yml``); ``wijkkompas new-edition`` checks the year before
anything changes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ingest.csvfile import read_delimited
from ingest.errors import Problems, first_bad

COLUMNS = ("jaar", "buurtcode", "variabele", "aantal")


def read_register_export(path: Path, year: int) -> pd.DataFrame:
    """Rows ``(year, area_code, area_level, variable, value)`` of one register export loaded as
    ``year``, with the year written in the file and the source file and row of every count.
    Every problem of the file is raised at once (columns, then each column's values)."""
    path = Path(path)
    table = read_delimited(path)
    problems = Problems()
    for problem in table.column_problems(
        COLUMNS,
        expected="the columns " + ", ".join(COLUMNS),
        rule="register_expected_columns",
        describe={
            "jaar": "the year",
            "buurtcode": "the buurt code",
            "variabele": "the variable",
            "aantal": "the count",
        },
    ):
        problems.add(problem)
    present = [c for c in COLUMNS if c in table.header]
    frame = pd.DataFrame(table.rows, columns=table.header)[present]
    frame = frame.apply(lambda s: s.str.strip())
    if "jaar" in present:
        jaar = pd.to_numeric(frame["jaar"], errors="coerce")
        problems.add(
            first_bad(
                path,
                frame,
                "jaar",
                jaar.isna() | (jaar % 1 != 0),
                problem="not a year",
                expected=f"a year such as {year}",
                rule="register_value_readable",
            )
        )
    if "aantal" in present:
        problems.add(
            first_bad(
                path,
                frame,
                "aantal",
                ~frame["aantal"].str.fullmatch(r"-?\d+"),
                problem="not a whole number",
                expected="a count: a whole number without decimals or thousands separators",
                rule="register_value_readable",
            )
        )
    problems.raise_all()
    return pd.DataFrame(
        {
            "year": np.full(len(frame), year, dtype="int64"),
            "area_code": frame["buurtcode"].to_numpy(),
            "area_level": "buurt",
            "variable": frame["variabele"].to_numpy(),
            "value": frame["aantal"].astype("int64").astype("float64").to_numpy(),
            "year_in_file": jaar.astype("int64").to_numpy(),
            "source_file": path.name,
            "source_row": np.arange(2, len(frame) + 2, dtype="int64"),
        }
    )
