"""Errors for bad input: every message names the file, the place in it and what was expected.

A file's problems are reported together (``InputError.together``): one error whose attributes
are those of the first (most likely) problem, and whose message lists every problem, so a
statistician fixes a file in one go instead of one problem per run.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

# problems listed in one message; the rest are counted
PROBLEMS_SHOWN = 20


class InputError(ValueError):
    """A raw input is not what the pipeline expects.

    The message always names the file and, where known, the row (1-based, counting the header as
    row 1, as a spreadsheet shows it) or, for a text document, the line (1-based, as an editor
    shows it), the column (or, in a YAML file, the key) and what was expected instead.

    ``also``: the other problems of the same file (see :meth:`together`); ``file``, ``row``,
    ``column`` ... are those of the first problem. ``file`` may be None for a problem of the
    command itself (an edition year that cannot be right).
    """

    def __init__(
        self,
        file: str | Path | None,
        problem: str,
        *,
        row: int | None = None,
        line: int | None = None,
        column: str | None = None,
        key: str | None = None,
        value: object = None,
        expected: str | None = None,
        rule: str | None = None,
        also: Sequence[InputError] = (),
    ) -> None:
        self.file = None if file is None else str(file)
        self.problem = problem
        self.row = row
        self.line = line
        self.column = column
        self.key = key
        self.value = value
        self.expected = expected
        self.rule = rule
        self.also = list(also)
        super().__init__(self._message())

    @classmethod
    def together(cls, problems: Sequence[InputError]) -> InputError:
        """One error for the problems of one file, in the order given (the most likely cause
        first): the first problem itself when it is the only one."""
        first, *rest = [p for problem in problems for p in problem.problems]
        if not rest:
            return first
        return cls(first.file, first.problem, **first._fields(), also=rest)

    @property
    def problems(self) -> list[InputError]:
        """Every problem this error reports, the first one first."""
        if not self.also:
            return [self]
        return [type(self)(self.file, self.problem, **self._fields()), *self.also]

    def with_problem(self, problem: str) -> InputError:
        """The same place and expectation with another wording of the problem."""
        return type(self)(self.file, problem, **self._fields(), also=self.also)

    def _fields(self) -> dict:
        names = ("row", "line", "column", "key", "value", "expected", "rule")
        return {k: getattr(self, k) for k in names}

    def copy_of(self, source: str | Path | None) -> InputError:
        """The same error on a copy of a user's file, naming both (the copy and the original
        the user knows), or itself when the file is no copy."""
        if not source:
            return self
        copies = [
            InputError(
                f"{p.file} (copy of {source})" if p.file == self.file is not None else p.file,
                p.problem,
                **p._fields(),
            )
            for p in self.problems
        ]
        copy = InputError.together(copies)
        copy.__cause__ = self
        return copy

    def _where(self, with_file: bool = True) -> list[str]:
        where = [f"file {self.file}"] if with_file and self.file is not None else []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        if self.key is not None:
            where.append(f"key '{self.key}'")
        return where

    def _text(self, with_file: bool = True) -> str:
        where = self._where(with_file)
        text = f"{', '.join(where)}: {self.problem}" if where else self.problem
        if self.value is not None:
            text += f" (found {self.value!r})"
        if self.expected:
            text += f"; expected {self.expected}"
        if self.rule:
            text += f" [rule: {self.rule}]"
        return text

    def _message(self) -> str:
        if not self.also:
            return self._text()
        problems = [self, *self.also]
        head = f"{len(problems)} problems, the most likely cause first:"
        lines = [f"file {self.file}: {head}" if self.file is not None else head]
        for n, problem in enumerate(problems[:PROBLEMS_SHOWN], start=1):
            lines.append(f"  {n}. {problem._text(with_file=problem.file != self.file)}")
        if len(problems) > PROBLEMS_SHOWN:
            lines.append(f"  ... and {len(problems) - PROBLEMS_SHOWN} more problems")
        return "\n".join(lines)


class Problems:
    """The problems found in one file, collected to be raised together as one InputError."""

    def __init__(self) -> None:
        self.found: list[InputError] = []

    def add(self, problem: InputError | None) -> None:
        if problem is not None:
            self.found.extend(problem.problems)

    def __bool__(self) -> bool:
        return bool(self.found)

    def raise_all(self) -> None:
        """Raise every problem found, as one InputError; nothing when none was found."""
        if self.found:
            raise InputError.together(self.found)


def first_bad(
    path, frame, column: str, bad, *, expected: str, problem: str, rule: str
) -> InputError | None:
    """The InputError for the first row of ``frame`` where ``bad`` is true, naming the file,
    its row (header = row 1), the column and value, and how many rows are bad in all; None when
    no row is bad."""
    import numpy as np

    mask = np.asarray(bad, dtype=bool)
    if not mask.any():
        return None
    idx = int(np.flatnonzero(mask)[0])
    return InputError(
        path,
        f"{problem} ({int(mask.sum())} rows in all)",
        row=idx + 2,
        column=column,
        value=frame[column].iloc[idx],
        expected=expected,
        rule=rule,
    )


def raise_first_bad(
    path, frame, column: str, bad, *, expected: str, problem: str, rule: str
) -> None:
    """Raise :func:`first_bad`'s error, if any."""
    error = first_bad(path, frame, column, bad, expected=expected, problem=problem, rule=rule)
    if error is not None:
        raise error
