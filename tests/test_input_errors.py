"""Reading delimited inputs whatever their delimiter and encoding, and refusing what cannot be
read without a guess: every problem of a file in one message, the most likely cause first."""

from __future__ import annotations

import pytest

from ingest.csvfile import read_delimited
from ingest.errors import PROBLEMS_SHOWN, InputError

ROWS = [["buurt_code", "naam", "inwoners"], ["BU00140000", "Binnenstad-Zuid", "4215"]]


def _write(path, text: str, encoding: str = "utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(",", "utf-8"), (";", "utf-8-sig"), ("\t", "utf-8"), (";", "windows-1252")],
)
def test_any_delimiter_and_encoding_is_read(tmp_path, delimiter, encoding):
    rows = [*ROWS, ["BU00140001", "Poëziekwartier", "830"]]
    text = "\r\n".join(delimiter.join(r) for r in rows) + "\r\n"
    table = read_delimited(_write(tmp_path / "f.csv", text, encoding))
    assert (table.encoding, table.delimiter) == (encoding, delimiter)
    assert [table.header, *table.rows] == rows  # the "ë" decoded, the BOM not in a name


def test_a_file_mixing_encodings_and_delimiters_gets_one_message_with_every_problem(tmp_path):
    """Rows pasted together from a UTF-8 file and a Dutch Excel's (Windows-1252, semicolons):
    neither encoding nor delimiter can be chosen without a guess; both problems are named."""
    path = tmp_path / "gebieden.csv"
    path.write_bytes(
        "wijk_code,gebied_name\nWK001402,Poëziekwartier\n".encode()
        + "WK001403;Poëziekwartier\nWK001404;Oosterparkwijk\n".encode("windows-1252")
    )
    with pytest.raises(InputError) as err:
        read_delimited(path)
    message = str(err.value)
    assert message.splitlines() == [
        f"file {path}: 2 problems, the most likely cause first:",
        "  1. row 3: the file mixes two encodings: UTF-8 on 1 line(s) (first: line 2, 'ë') and "
        "Windows-1252 on 1 (first: line 3, byte b'\\xeb': 'ë'); expected one encoding for the "
        "whole file (rows pasted together from two exports?): re-save it as UTF-8 and check the "
        "accented letters [rule: file_readable]",
        "  2. row 3: 2 row(s) are separated by semicolons, the header by commas; expected one "
        "delimiter for the whole file (rows pasted together from two exports?): commas, as the "
        "header [rule: file_readable]",
    ]
    assert (err.value.file, err.value.row) == (str(path), 3)  # the first problem's place
    assert [p.problem[:24] for p in err.value.problems] == [
        "the file mixes two encod",
        "2 row(s) are separated b",
    ]


def test_an_ambiguous_delimiter_is_a_question_the_sidecar_answers(tmp_path):
    """A header that splits by commas and by semicolons, every row fitting both: the reader
    asks instead of guessing; the sidecar's ``delimiter:`` answers."""
    path = _write(tmp_path / "f.csv", "code;naam,kort\nBU1;Noord,N\nBU2;Zuid,Z\n")
    with pytest.raises(InputError) as err:
        read_delimited(path)
    assert (
        "row 1: the delimiter is ambiguous: the header splits into 2 columns by commas and 2 "
        "columns by semicolons, and every row fits each of them; expected a sidecar "
        "f.csv.meta.yml beside the file that says which, e.g. delimiter: ','"
    ) in str(err.value), str(err.value)
    (tmp_path / "f.csv.meta.yml").write_text("delimiter: ';'\n", encoding="utf-8")
    table = read_delimited(path)
    assert table.header == ["code", "naam,kort"] and table.rows[0] == ["BU1", "Noord,N"]


def test_a_file_that_is_no_csv_is_named_for_what_it_is(tmp_path):
    workbook = tmp_path / "layout.csv"
    workbook.write_bytes(b"PK\x03\x04\x14\x00\x06\x00[Content_Types].xml")
    with pytest.raises(InputError, match=r"an Excel workbook \(\.xlsx\), not a CSV"):
        read_delimited(workbook)
    strange = tmp_path / "f.csv"
    strange.write_bytes(b"a,b\n\x81\x8d,2\n")
    with pytest.raises(InputError, match=r"row 2: 1 line\(s\) hold bytes that are neither UTF-8 "
                       r"nor Windows-1252 \(first: byte b'\\x81'\)"):  # fmt: skip
        read_delimited(strange)


def test_many_problems_are_listed_up_to_a_limit_with_the_count_of_the_rest(tmp_path):
    problems = [InputError(tmp_path / "f.csv", f"problem {n}", row=n + 1) for n in range(25)]
    error = InputError.together(problems)
    lines = str(error).splitlines()
    assert lines[0] == f"file {tmp_path / 'f.csv'}: 25 problems, the most likely cause first:"
    assert len(lines) == 1 + PROBLEMS_SHOWN + 1 and PROBLEMS_SHOWN == 20
    assert lines[1] == "  1. row 1: problem 0" and lines[20] == "  20. row 20: problem 19"
    assert lines[-1] == "  ... and 5 more problems"
    assert (error.row, error.problem, len(error.problems)) == (1, "problem 0", 25)
    copy = error.copy_of("mijn_bestand.csv")  # a copy in data/raw names the user's file
    assert str(copy).startswith(f"file {tmp_path / 'f.csv'} (copy of mijn_bestand.csv): 25")
    assert InputError.together(problems[:1]) is problems[0]
