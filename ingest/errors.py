"""Errors for bad input: every message names the file, the place in it and what was expected."""

from __future__ import annotations

from pathlib import Path


class InputError(ValueError):
    """A raw input is not what the pipeline expects.

    The message always names the file and, where known, the row (1-based, counting the header as
    row 1, as a spreadsheet shows it) or, for a text document, the line (1-based, as an editor
    shows it), the column (or, in a YAML file, the key) and what was expected instead.
    """

    def __init__(
        self,
        file: str | Path,
        problem: str,
        *,
        row: int | None = None,
        line: int | None = None,
        column: str | None = None,
        key: str | None = None,
        value: object = None,
        expected: str | None = None,
        rule: str | None = None,
    ) -> None:
        self.file = str(file)
        self.problem = problem
        self.row = row
        self.line = line
        self.column = column
        self.key = key
        self.value = value
        self.expected = expected
        self.rule = rule
        super().__init__(self._message())

    def copy_of(self, source: str | Path | None) -> InputError:
        """The same error on a copy of a user's file, naming both (the copy and the original
        the user knows), or itself when the file is no copy."""
        if not source:
            return self
        fields = {k: getattr(self, k) for k in ("row", "line", "column", "key", "value")}
        copy = InputError(
            f"{self.file} (copy of {source})",
            self.problem,
            expected=self.expected,
            rule=self.rule,
            **fields,
        )
        copy.__cause__ = self
        return copy

    def _message(self) -> str:
        where = [f"file {self.file}"]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        if self.key is not None:
            where.append(f"key '{self.key}'")
        text = f"{', '.join(where)}: {self.problem}"
        if self.value is not None:
            text += f" (found {self.value!r})"
        if self.expected:
            text += f"; expected {self.expected}"
        if self.rule:
            text += f" [rule: {self.rule}]"
        return text


def raise_first_bad(
    path, frame, column: str, bad, *, expected: str, problem: str, rule: str
) -> None:
    """Raise an InputError for the first row of ``frame`` where ``bad`` is true, naming the
    file, its row (header = row 1), the column and value, and how many rows are bad in all."""
    import numpy as np

    mask = np.asarray(bad, dtype=bool)
    if mask.any():
        idx = int(np.flatnonzero(mask)[0])
        raise InputError(
            path,
            f"{problem} ({int(mask.sum())} rows in all)",
            row=idx + 2,
            column=column,
            value=frame[column].iloc[idx],
            expected=expected,
            rule=rule,
        )
