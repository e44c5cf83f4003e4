"""The result of reading a file: every row or none, with every problem found."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from trial.errors import InputError, Problem

T = TypeVar("T")


@dataclass(frozen=True)
class Imported(Generic[T]):
    """Rows read from a file, all or nothing.

    Attributes:
        rows: the rows, in file order; empty whenever ``problems`` is not.
        lines: the file line of each row (header = line 1).
        problems: every problem found, each naming file, line and field.
        warnings: things worth telling the person that do not stop the import.
    """

    rows: tuple[T, ...] = ()
    lines: tuple[int, ...] = ()
    problems: tuple[Problem, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    def rows_or_raise(self) -> tuple[T, ...]:
        """The rows, or :class:`InputError` with every problem."""
        if self.problems:
            raise InputError(self.problems)
        return self.rows


def collected(rows: list[T], lines: list[int], problems: list[Problem],
              warnings: list[str] | None = None) -> Imported[T]:
    """Build an :class:`Imported`, dropping every row when there is any problem (atomic)."""
    if problems:
        return Imported((), (), tuple(problems), tuple(warnings or ()))
    return Imported(tuple(rows), tuple(lines), (), tuple(warnings or ()))
