"""Errors a person can cause, each carrying where (file, line, field or TOML key) and what."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input.

    Attributes:
        what: what is wrong and, where it helps, what would be valid.
        source: the file (or other input) the problem is in, if any.
        line: the line as an editor shows it (CSV header = line 1), if any.
        field: the column, TOML key path (``hypothesis[2].compare``) or
            ``feature[3].radius_m`` for GeoJSON, if any.
    """

    what: str
    source: str | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.source:
            where = self.source if self.line is None else f"{self.source}:{self.line}"
        elif self.line is not None:
            where = f"line {self.line}"
        parts = [p for p in (where, self.field) if p]
        return ": ".join([*parts, self.what])


class SpotlightError(Exception):
    """Base of every error Spotlight reports to a person (never a traceback)."""


class InputError(SpotlightError):
    """Bad input: one or more problems, all reported at once; nothing was changed."""

    def __init__(self, problems: Problem | str | Iterable[Problem]) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)


class RefusedError(SpotlightError):
    """A well-formed request the trial's state or rules refuse (e.g. a second randomisation)."""


class NotFoundError(SpotlightError):
    """A named trial, spot, session or other entity does not exist."""


class PermissionDenied(SpotlightError):
    """The acting user's roles do not allow the action."""


class IntegrityError(SpotlightError):
    """Stored data no longer matches its audit trail (reported by verification)."""


class ProblemCollector:
    """Collects problems while checking an input, so that all are reported at once.

    Example:
        problems = ProblemCollector(source="spots.csv")
        problems.add("must be > 0", line=12, field="radius_m")
        problems.raise_if_any()
    """

    def __init__(self, source: str | None = None) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def add(self, what: str, *, line: int | None = None, field: str | None = None,
            source: str | None = None) -> None:
        self.problems.append(Problem(what, source or self.source, line, field))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise InputError(self.problems)
