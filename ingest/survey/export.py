"""Read a survey tool's export (CSV + codebook) into one row per respondent.

The same loader reads the synthetic waves and a real export. It checks that the file can be
read as the wave's table: encoding, delimiter, shape, every frame column and every question of
the wave there and nothing else, numbers and dates readable, and every code one the codebook
knows (an answer 7 on a 1-5 scale, a sex code 9): that is found while reading, before any build.
Every problem of the file is reported at once (misspelt, missing and unexpected columns; per column
the first value that is not a whole number, a date or a code of the codebook, and how many), naming
the file, row, column, the value and the codes that were expected. Whether the
content fits the rest (unique respondents, the wave, known buurten, counts per wijk) is checked
by the quality rules (``quality/rules/survey_*.yml``) on the loaded table, which keeps the source
file and row of every respondent; they also hold the codes against the codebook once more.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ingest.csvfile import read_delimited
from ingest.errors import InputError, Problems, first_bad
from ingest.survey.codebook import Codebook

# a whole number as a survey tool writes it: digits, a sign, leading zeros, a ".0" of a
# spreadsheet; at most 6 digits (an answer code is a small integer: more is out of range)
WHOLE = re.compile(r"^[+-]?0*\d{1,6}(\.0*)?$")


def read_survey_export(path: Path, codebook: Codebook, wave: int) -> pd.DataFrame:
    """One row per respondent of the export at ``path`` read as wave ``wave``; raise one
    InputError listing every problem of the file (see the module doc)."""
    path = Path(path)
    table = read_delimited(path)
    questions = codebook.questions_in(wave)
    expected_cols = list(codebook.frame) + [q.id for q in questions]
    problems = Problems()
    for problem in table.column_problems(
        expected_cols,
        expected=f"every frame column and every question asked in {wave} "
        f"({len(expected_cols)} columns, data/survey/codebook.yml)",
        rule="survey_expected_columns",
        describe={q.id: f"the question '{q.text.nl}'" for q in questions}
        | {col: spec.label.nl for col, spec in codebook.frame.items()},
    ):
        problems.add(_dropped_hint(problem, codebook))
    present = [c for c in expected_cols if c in table.header]
    frame = pd.DataFrame(table.rows, columns=table.header)[present]
    # the text columns stripped here; the numbers are stripped as they are parsed
    texts = [c for c in ("respondent_id", "buurtcode") if c in present]
    texts += [c for c, spec in codebook.frame.items() if spec.type == "date" and c in present]
    frame[texts] = frame[texts].apply(lambda s: s.str.strip())

    columns = {}
    if "golf" in present:
        columns["wave_in_file"] = _whole_numbers(
            path, frame, "golf", "the survey year, e.g. 2024", problems
        )
    for col, spec in codebook.frame.items():
        if col not in present:
            continue
        if spec.type in ("integer", "code"):
            columns[col] = _whole_numbers(path, frame, col, spec.describe(), problems)
            problems.add(
                _outside_codebook(
                    path, frame, col, columns[col], spec.valid_values(), spec.describe()
                )
            )
        elif spec.type == "date":
            dates = pd.to_datetime(frame[col], format="%Y-%m-%d", errors="coerce")
            problems.add(
                first_bad(
                    path,
                    frame,
                    col,
                    dates.isna(),
                    expected="a date YYYY-MM-DD",
                    problem="not a date",
                    rule="survey_value_readable",
                )
            )
            columns[col] = dates.dt.date
    for q in questions:
        if q.id not in present:
            continue
        scale = codebook.scales[q.scale]
        columns[q.id] = _whole_numbers(path, frame, q.id, scale.describe(), problems)
        problems.add(
            _outside_codebook(
                path, frame, q.id, columns[q.id], scale.valid_codes(), scale.describe()
            )
        )
    problems.raise_all()
    out = pd.DataFrame(
        {
            "wave": wave,
            "respondent_id": frame["respondent_id"].replace("", None),
            "buurt_code": frame["buurtcode"],
            "wijk_code": "WK" + frame["buurtcode"].str[2:8],
            "wave_in_file": columns.pop("wave_in_file"),
        }
    )
    for col, values in columns.items():
        out[col] = values
    out["source_file"] = path.name
    out["source_row"] = np.arange(2, len(frame) + 2, dtype="int64")
    return out


def _dropped_hint(problem: InputError, codebook: Codebook) -> InputError:
    """A missing question the codebook knows: say how to record that it was not asked."""
    if problem.problem.startswith("missing column") and problem.column in codebook.by_id:
        return InputError(
            problem.file,
            problem.problem,
            row=problem.row,
            column=problem.column,
            expected=f"{problem.expected}; if a question was deliberately not asked this "
            "wave, remove the wave from its 'waves' in the codebook and name it in the "
            "edition's dropped_questions (wijkkompas new-edition --dropped-questions)",
            rule=problem.rule,
        )
    return problem


def _outside_codebook(path: Path, frame, column: str, values, valid, described: str):
    """An answer (or frame code) the codebook does not have cannot be interpreted: the first
    such row of the column, naming it, how many there are and every code the codebook
    allows."""
    return first_bad(
        path,
        frame,
        column,
        values.notna() & ~values.isin(list(valid)),
        expected=f"empty or a code of the codebook: {described}",
        problem="answer outside the codebook",
        rule="answers_inside_codebook",
    )


def _whole_numbers(
    path: Path, frame: pd.DataFrame, column: str, expected: str, problems: Problems
) -> pd.Series:
    """Parse a column of whole numbers (empty = missing); anything else is a read problem,
    added to ``problems`` (and missing in the values). Whether a number is a valid answer is a
    quality rule (quality/rules/survey_*.yml), not checked here."""
    text = pc.utf8_trim_whitespace(pa.array(frame[column].to_numpy(), type=pa.string()))
    whole = pc.fill_null(pc.match_substring_regex(text, WHOLE.pattern), False)
    digits = pc.replace_substring_regex(text, r"^\+|\.0*$", "")
    numbers = pc.cast(pc.if_else(whole, digits, pa.scalar(None, pa.string())), pa.int64())
    values = pd.Series(numbers.to_numpy(zero_copy_only=False), index=frame.index)
    empty = pc.fill_null(pc.equal(text, ""), True).to_numpy(zero_copy_only=False)
    too_big = (values.abs() > 32767).fillna(False).to_numpy(bool)
    bad = (~whole.to_numpy(zero_copy_only=False) & ~empty) | too_big
    problems.add(
        first_bad(
            path,
            frame,
            column,
            bad,
            expected=f"empty or a whole number: {expected}",
            problem="not a whole number",
            rule="survey_value_readable",
        )
    )
    return values.where(~too_big).astype("Int16")
