"""Typed reading of TOML values at a key path, recording a problem for each wrong one."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from trial.errors import ProblemCollector

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CLOCK = re.compile(r"(\d{2}):(\d{2})")


def join(path: str, key: str | int) -> str:
    """The key path of ``key`` inside ``path``; integers are 0-based list indices shown from 1."""
    if isinstance(key, int):
        return f"{path}[{key + 1}]"
    shown = key if _BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)
    return f"{path}.{shown}" if path else shown


def kind(value: Any) -> str:
    """How a TOML value is described to a person."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return f"an integer ({value})"
    if isinstance(value, float):
        return f"a float ({value!r})"
    if isinstance(value, str):
        return f"a string ({json.dumps(value, ensure_ascii=False)})"
    if isinstance(value, dt.datetime):
        return "a date-time"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, dt.time):
        return "a time"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


def quoted(values: Sequence[str]) -> str:
    return ", ".join(json.dumps(v, ensure_ascii=False) for v in values)


class FieldReader:
    """Reads typed values from parsed TOML tables, collecting every problem with its key path."""

    def __init__(self, problems: ProblemCollector,
                 locate: Callable[[str], int | None] | None = None) -> None:
        self.problems = problems
        self._locate = locate

    def add(self, path: str, what: str) -> None:
        line = self._locate(path) if self._locate else None
        self.problems.add(what, line=line, field=path or None)

    def table(self, value: Any, path: str, keys: Sequence[str]) -> dict[str, Any] | None:
        """The table at ``path`` with unknown keys reported; None (and a problem) if not a table."""
        if not isinstance(value, dict):
            self.add(path, f"must be a table, not {kind(value)}")
            return None
        for key in value:
            if key not in keys:
                where = f"[{path}]" if path else "the top level"
                self.add(join(path, key),
                         f"unknown key {json.dumps(key, ensure_ascii=False)}; "
                         f"valid keys in {where}: {', '.join(keys)}")
        return value

    def optional_table(self, parent: dict[str, Any], path: str, key: str,
                       keys: Sequence[str]) -> dict[str, Any] | None:
        if key not in parent:
            return None
        return self.table(parent[key], join(path, key), keys)

    def tables(self, parent: dict[str, Any], key: str) -> list[tuple[str, dict[str, Any]]]:
        """The ``[[key]]`` array of tables as (path, table) pairs; bad entries are reported."""
        if key not in parent:
            return []
        value = parent[key]
        if isinstance(value, dict):
            self.add(key, f"must be an array of tables ([[{key}]]), not a single table ([{key}])")
            return []
        if not isinstance(value, list):
            self.add(key, f"must be an array of tables ([[{key}]]), not {kind(value)}")
            return []
        found: list[tuple[str, dict[str, Any]]] = []
        for i, item in enumerate(value):
            if isinstance(item, dict):
                found.append((join(key, i), item))
            else:
                self.add(join(key, i), f"must be a table, not {kind(item)}")
        return found

    def _get(self, table: dict[str, Any], path: str, key: str, required: bool) -> Any:
        if key not in table:
            if required:
                self.add(join(path, key), "required")
            return None
        return table[key]

    def text(self, table: dict[str, Any], path: str, key: str, *, required: bool = False,
             choices: Sequence[str] | None = None, pattern: str | None = None,
             pattern_says: str = "") -> str | None:
        value = self._get(table, path, key, required)
        if value is None:
            return None
        where = join(path, key)
        if not isinstance(value, str):
            self.add(where, f"must be a string, not {kind(value)}")
            return None
        if choices is not None and value not in choices:
            self.add(where, f"must be one of {quoted(choices)}, not {json.dumps(value)}")
            return None
        if not value.strip():
            self.add(where, "must not be empty")
            return None
        if pattern is not None and not re.fullmatch(pattern, value):
            self.add(where, f"{json.dumps(value, ensure_ascii=False)} {pattern_says}")
            return None
        return value

    def integer(self, table: dict[str, Any], path: str, key: str, *, required: bool = False,
                minimum: int | None = None, says: str = "") -> int | None:
        value = self._get(table, path, key, required)
        if value is None:
            return None
        where = join(path, key)
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(where, f"must be {says or 'an integer'}, not {kind(value)}")
            return None
        if minimum is not None and value < minimum:
            self.add(where, f"must be {says or f'an integer >= {minimum}'}, not {value}")
            return None
        return value

    def number(self, table: dict[str, Any], path: str, key: str, *, required: bool = False,
               gt: float | None = None, ge: float | None = None, lt: float | None = None,
               le: float | None = None) -> float | None:
        value = self._get(table, path, key, required)
        if value is None:
            return None
        where = join(path, key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add(where, f"must be a number, not {kind(value)}")
            return None
        if not math.isfinite(value):
            self.add(where, f"must be a finite number, not {value!r}")
            return None
        bounds = [(b, sign) for b, sign in ((gt, ">"), (ge, ">="), (lt, "<"), (le, "<="))
                  if b is not None]
        if not all(_within(value, b, sign) for b, sign in bounds):
            wanted = " and ".join(f"{sign} {_num(b)}" for b, sign in bounds)
            self.add(where, f"must be {wanted}, not {value!r}")
            return None
        return float(value)

    def boolean(self, table: dict[str, Any], path: str, key: str) -> bool | None:
        value = self._get(table, path, key, False)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.add(join(path, key), f"must be true or false, not {kind(value)}")
            return None
        return value

    def text_list(self, table: dict[str, Any], path: str, key: str, *, required: bool = False,
                  non_empty: bool = False, choices: Sequence[str] | None = None,
                  empty_says: str = "must list at least one") -> tuple[str, ...] | None:
        """A list of distinct non-empty strings; None (and a problem) when anything is wrong."""
        value = self._get(table, path, key, required)
        if value is None:
            return None
        where = join(path, key)
        if not isinstance(value, list):
            self.add(where, f"must be an array of strings, not {kind(value)}")
            return None
        ok = True
        seen: set[str] = set()
        for i, item in enumerate(value):
            item_path = join(where, i)
            if not isinstance(item, str):
                self.add(item_path, f"must be a string, not {kind(item)}")
                ok = False
            elif not item.strip():
                self.add(item_path, "must not be empty")
                ok = False
            elif choices is not None and item not in choices:
                self.add(item_path, f"must be one of {quoted(choices)}, not {json.dumps(item)}")
                ok = False
            elif item in seen:
                self.add(item_path, f"{json.dumps(item, ensure_ascii=False)} is listed twice")
                ok = False
            else:
                seen.add(item)
        if non_empty and not value:
            self.add(where, empty_says)
            ok = False
        return tuple(value) if ok else None

    def date(self, table: dict[str, Any], path: str, key: str, *,
             required: bool = False) -> dt.date | None:
        value = self._get(table, path, key, required)
        if value is None:
            return None
        where = join(path, key)
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str) and _DATE.fullmatch(value):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                self.add(where, f"{json.dumps(value)} is not a date in the calendar")
                return None
        self.add(where, f'must be a date "YYYY-MM-DD", not {kind(value)}')
        return None

    def clock(self, table: dict[str, Any], path: str, key: str, *,
              required: bool = False) -> dt.time | None:
        value = self._get(table, path, key, required)
        if value is None:
            return None
        where = join(path, key)
        if isinstance(value, dt.time) and value.tzinfo is None:
            return value
        if isinstance(value, str):
            m = _CLOCK.fullmatch(value)
            if m and int(m[1]) < 24 and int(m[2]) < 60:
                return dt.time(int(m[1]), int(m[2]))
        self.add(where, f'must be a local time "HH:MM" (24-hour clock), not {kind(value)}')
        return None


def _num(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else str(bound)


def _within(value: float, bound: float, sign: str) -> bool:
    if sign == ">":
        return value > bound
    if sign == ">=":
        return value >= bound
    if sign == "<":
        return value < bound
    return value <= bound
