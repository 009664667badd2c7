"""Read a survey tool's export (CSV + codebook) into one row per respondent.

The same loader reads the synthetic waves and a real export: it checks the frame columns, that
every question of the wave is there and nothing else, the wave, the buurt codes, and that every
answer is a code of the question's scale. Problems name the file, row, column and the codes
expected.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ingest.csvfile import read_delimited
from ingest.errors import InputError, raise_first_bad
from ingest.survey.codebook import Codebook


def read_survey_export(
    path: Path, codebook: Codebook, wave: int, known_buurten: set[str]
) -> pd.DataFrame:
    path = Path(path)
    table = read_delimited(
        path, delimiter=codebook.survey.delimiter, encoding=codebook.survey.encoding
    )
    questions = codebook.questions_in(wave)
    expected_cols = list(codebook.frame) + [q.id for q in questions]
    for col in expected_cols:
        if col not in table.header:
            known_elsewhere = col in codebook.by_id
            raise InputError(
                path,
                "missing column",
                row=1,
                column=col,
                expected=f"every frame column and every question asked in {wave} "
                f"({len(expected_cols)} columns)"
                + (
                    "; if the question was dropped this wave, remove the wave from its "
                    "'waves' in the codebook"
                    if known_elsewhere
                    else ""
                ),
                rule="survey_expected_columns",
            )
    unknown = [c for c in table.header if c not in expected_cols]
    if unknown:
        raise InputError(
            path,
            "column not in the codebook for this wave",
            row=1,
            column=unknown[0],
            expected="only columns described in data/survey/codebook.yml for wave " + str(wave),
            rule="survey_expected_columns",
        )
    frame = pd.DataFrame(table.rows, columns=table.header)[expected_cols]
    frame = frame.apply(lambda s: s.str.strip())

    ids = frame["respondent_id"]
    raise_first_bad(
        path,
        frame,
        "respondent_id",
        ids == "",
        expected="a respondent id",
        problem="empty respondent id",
        rule="survey_respondent_id_unique",
    )
    raise_first_bad(
        path,
        frame,
        "respondent_id",
        ids.duplicated(),
        expected="each respondent once",
        problem="duplicate respondent id",
        rule="survey_respondent_id_unique",
    )
    golf = pd.to_numeric(frame["golf"], errors="coerce")
    raise_first_bad(
        path,
        frame,
        "golf",
        golf != wave,
        expected=f"{wave}, the wave this export is loaded as",
        problem="survey wave differs from the expected year",
        rule="survey_wave_matches",
    )
    raise_first_bad(
        path,
        frame,
        "buurtcode",
        ~frame["buurtcode"].isin(known_buurten),
        expected=f"a buurt code of the wave's area layout ({len(known_buurten)} buurten)",
        problem="unknown buurt code",
        rule="survey_buurt_known",
    )

    out = pd.DataFrame(
        {
            "wave": wave,
            "respondent_id": frame["respondent_id"],
            "buurt_code": frame["buurtcode"],
            "wijk_code": "WK" + frame["buurtcode"].str[2:8],
        }
    )
    for col, spec in codebook.frame.items():
        if spec.type in ("integer", "code"):
            values = pd.to_numeric(frame[col], errors="coerce")
            allowed = (
                values.between(spec.min, spec.max)
                if spec.type == "integer"
                else values.isin(list(spec.codes))
            )
            expected = (
                f"a whole number {spec.min}-{spec.max}"
                if spec.type == "integer"
                else ", ".join(f"{k} ({v})" for k, v in spec.codes.items())
            )
            raise_first_bad(
                path,
                frame,
                col,
                ~allowed | (values % 1 != 0),
                expected=expected,
                problem="value outside the codebook",
                rule="survey_frame_valid",
            )
            out[col] = values.astype("int16")
        elif spec.type == "date":
            dates = pd.to_datetime(frame[col], format="%Y-%m-%d", errors="coerce")
            raise_first_bad(
                path,
                frame,
                col,
                dates.isna(),
                expected="a date YYYY-MM-DD",
                problem="not a date",
                rule="survey_frame_valid",
            )
            out[col] = dates.dt.date
    for q in questions:
        raw = frame[q.id]
        values = pd.to_numeric(raw, errors="coerce")
        scale = codebook.scales[q.scale]
        valid = values.isin(list(scale.valid_codes())) | (raw == "")
        raise_first_bad(
            path,
            frame,
            q.id,
            ~valid,
            expected=f"empty or {scale.describe()}",
            problem="answer code outside the codebook",
            rule="survey_answer_in_codebook",
        )
        out[q.id] = values.astype("Int16")
    return out
