"""Patrol logs from CSV: the trial's own header, or a supervisor form export through a TOML map."""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

import numpy as np

from trial.errors import InputError, Problem
from trial.fieldwork.batch_flags import EPOCH, ONE_US
from trial.fieldwork.imported import Imported, collected
from trial.fieldwork.patrol import (
    DIRECTED,
    MODES,
    PURPOSES,
    SOURCES,
    AcceptedVisit,
    PatrolVisit,
    check_patrols,
)
from trial.fieldwork.times import Hours, LocalTimeError, Window, localise, read_time, zone
from trial.fieldwork.visit_batch import Visits

REQUIRED = ("spot_id", "start", "end", "officer")
OPTIONAL = ("officers", "purpose", "mode", "source", "notes", "reason")
FIELDS = REQUIRED + OPTIONAL
_CHOICES = {"purpose": PURPOSES, "mode": MODES, "source": SOURCES}


@dataclass(frozen=True)
class FormMap:
    """How a form export's columns become patrol fields (read from a TOML file).

    Example::

        [columns]                       # field = "column" or ["date column", "time column"]
        spot_id = "Which hot spot?"
        start = ["Date of visit", "Time arrived"]
        end = ["Date of visit", "Time left"]
        officer = "Collar number"
        [times]
        formats = ["%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M"]
        next_day_end = true             # an end at or before the start is on the next day
        [values.purpose]                # form answers to trial values
        "Directed hot-spot patrol" = "directed"
        [defaults]                      # fields the form does not ask
        mode = "foot"

    Columns the map does not name are ignored (forms add a Timestamp and more).
    """

    columns: Mapping[str, tuple[str, ...]]
    formats: tuple[str, ...] = ()
    next_day_end: bool = False
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    defaults: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_toml(cls, path: str | Path) -> FormMap:
        """Read a map file.

        Raises:
            InputError: unreadable TOML, unknown sections or fields, a required field unmapped.
        """
        name = Path(path).name
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError(Problem(f"cannot read the map: {exc}", name)) from None
        return cls.from_dict(data, source=name)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str | None = None) -> FormMap:
        """Build a map from parsed TOML (see the class docstring for the shape)."""
        problems: list[Problem] = []
        for key in data:
            if key not in ("columns", "times", "values", "defaults"):
                problems.append(Problem("unknown section: use columns, times, values, defaults",
                                        source, None, key))
        columns: dict[str, tuple[str, ...]] = {}
        for fname, col in dict(data.get("columns", {})).items():
            if fname not in FIELDS:
                problems.append(Problem(f"unknown field: use one of {', '.join(FIELDS)}",
                                        source, None, f"columns.{fname}"))
            elif isinstance(col, str):
                columns[fname] = (col,)
            elif isinstance(col, list) and col and all(isinstance(c, str) for c in col):
                columns[fname] = tuple(col)
            else:
                problems.append(Problem("must be a column name or a list of names",
                                        source, None, f"columns.{fname}"))
        defaults = {str(k): str(v) for k, v in dict(data.get("defaults", {})).items()}
        for fname in REQUIRED:
            if fname not in columns and fname not in defaults:
                problems.append(Problem("is required: name the form's column",
                                        source, None, f"columns.{fname}"))
        times = dict(data.get("times", {}))
        values = {str(k): {str(a): str(b) for a, b in dict(v).items()}
                  for k, v in dict(data.get("values", {})).items()}
        if problems:
            raise InputError(problems)
        return cls(columns, tuple(times.get("formats", ())), bool(times.get("next_day_end")),
                   values, defaults)


def _standard_map(header: Sequence[str], source: str) -> tuple[FormMap, list[Problem]]:
    problems: list[Problem] = []
    lowered = {h.strip().lower(): h for h in header}
    for h in header:
        if h.strip().lower() not in FIELDS:
            problems.append(Problem(f"unknown column {h!r}: the columns are "
                                    f"{', '.join(FIELDS)} (a form export needs a map)",
                                    source, 1, h))
    for fname in REQUIRED:
        if fname not in lowered:
            problems.append(Problem("missing column", source, 1, fname))
    cols = {f: (lowered[f],) for f in FIELDS if f in lowered}
    return FormMap(cols), problems


def read_patrol_csv(path: str | Path, *, timezone: tzinfo | str,
                    form_map: FormMap | None = None) -> Imported[PatrolVisit]:
    """Read a patrol log: header ``spot_id,start,end,officer`` and optional
    ``officers,purpose,mode,source,notes,reason``, or any form export through ``form_map``.

    Times are ``YYYY-MM-DD HH:MM`` in the trial's timezone or ISO 8601 with an offset (plus the
    map's formats). Empty purpose is ``directed``, empty officers 1, empty source ``import``.

    Args:
        path: the CSV file (UTF-8, a byte-order mark is allowed).
        timezone: the trial's timezone.
        form_map: how to read a form export; None for the trial's own header.

    Returns:
        Every row as a :class:`PatrolVisit` with its line, or (atomic) no rows and every
        problem, each as FILE:LINE: FIELD: problem (header = line 1). Rules that need the trial
        (spots, overlaps, windows) are checked by :func:`import_patrols`.
    """
    tz = zone(timezone) if isinstance(timezone, str) else timezone
    rows, lines, problems = _read(Path(path), tz, form_map)
    return collected(rows, lines, problems)


def _read(p: Path, tz: tzinfo,
          form_map: FormMap | None) -> tuple[list[PatrolVisit], list[int], list[Problem]]:
    """Every readable row with its line, and every problem (not yet all-or-nothing)."""
    visits, lines, problems = read_visits(p, tz, form_map)
    return [visits.visit(i) for i in range(len(visits))], lines, problems


def read_visits(p: Path, tz: tzinfo,
                form_map: FormMap | None) -> tuple[Visits, list[int], list[Problem]]:
    """Every readable row, column by column, with its line, and every problem.

    Column by column, but row for row what reading each row alone gives: a row with any
    problem is left out, and its problems are listed in the order of its fields.
    """
    none = Visits.of([])
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return none, [], [Problem(f"cannot read the file: {exc}", p.name)]
    reader = csv.reader(text.splitlines(keepends=True))
    header = next(reader, None)
    if header is None:
        return none, [], [Problem("is empty: expected a header line", p.name, 1)]
    problems: list[Problem] = []
    if form_map is None:
        fmap, problems = _standard_map(header, p.name)
    else:
        fmap = form_map
        for fname, cols in fmap.columns.items():
            for col in cols:
                if col not in header:
                    problems.append(Problem(f"missing column {col!r} (mapped to {fname})",
                                            p.name, 1, col))
    if problems:
        return none, [], problems
    index = {h: i for i, h in enumerate(header)}
    records: list[list[str]] = []
    lines: list[int] = []
    last = 1
    for record in reader:
        line = last + 1
        last = reader.line_num
        if any(c.strip() for c in record):
            records.append(record)
            lines.append(line)
    return _columns(records, lines, index, fmap, tz, p.name)


def _cells(records: list[list[str]], index: Mapping[str, int], fmap: FormMap,
           fname: str) -> list[str]:
    """One field of every row: its column(s) stripped and joined, else the default, mapped."""
    cols = fmap.columns.get(fname)
    default = fmap.defaults.get(fname, "")
    if not cols:
        return [default] * len(records)
    where = [index[c] for c in cols]
    if len(where) == 1:
        (i,) = where
        texts = [r[i].strip() if i < len(r) else "" for r in records]
    else:
        texts = [" ".join(r[i].strip() if i < len(r) else "" for i in where).strip()
                 for r in records]
    if default:
        texts = [t or default for t in texts]
    values = fmap.values.get(fname, {})
    if values:
        texts = [values.get(t, t) for t in texts]
    return texts


def _walls(texts: list[str], formats: tuple[str, ...]) -> tuple[list[datetime | None],
                                                                 list[str | None]]:
    walls: list[datetime | None] = []
    errors: list[str | None] = []
    for t in texts:
        try:
            walls.append(read_time(t, formats=formats))
            errors.append(None)
        except LocalTimeError as exc:
            walls.append(None)
            errors.append(str(exc))
    return walls, errors


def _utc_micros(walls: list[datetime | None], tz: tzinfo) -> tuple[list[int], list[str | None]]:
    out: list[int] = []
    errors: list[str | None] = []
    local: dict[datetime, int | str] = {}
    for w in walls:
        if w is None:
            out.append(0)
            errors.append(None)
        elif w.tzinfo is not None:
            out.append((w - EPOCH) // ONE_US)
            errors.append(None)
        else:
            got = local.get(w)
            if got is None:
                try:
                    got = local[w] = (localise(w, tz) - EPOCH) // ONE_US
                except LocalTimeError as exc:
                    got = local[w] = str(exc)
            out.append(got if isinstance(got, int) else 0)
            errors.append(got if isinstance(got, str) else None)
    return out, errors


def _whole(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _columns(records: list[list[str]], lines: list[int], index: Mapping[str, int],
             fmap: FormMap, tz: tzinfo, source: str) -> tuple[Visits, list[int], list[Problem]]:
    cells = {f: _cells(records, index, fmap, f) for f in FIELDS}
    start_wall, start_read = _walls(cells["start"], fmap.formats)
    end_wall, end_read = _walls(cells["end"], fmap.formats)
    if fmap.next_day_end:
        for k, (a, b) in enumerate(zip(start_wall, end_wall, strict=True)):
            if a is not None and b is not None and _naive(a) and _naive(b) and b <= a:
                end_wall[k] = b + timedelta(days=1)
    start_us, start_local = _utc_micros(start_wall, tz)
    end_us, end_local = _utc_micros(end_wall, tz)
    officers_text = [t or "1" for t in cells["officers"]]
    officers = [_whole(t) for t in officers_text]
    chosen = {"purpose": [t.lower() or DIRECTED for t in cells["purpose"]],
              "mode": [t.lower() or "foot" for t in cells["mode"]],
              "source": [t.lower() or "import" for t in cells["source"]]}
    bad = {f: [v not in _CHOICES[f] for v in chosen[f]] for f in _CHOICES}
    problems: list[Problem] = []
    ok: list[int] = []
    for k, line in enumerate(lines):
        n = officers[k]
        if (start_read[k] or end_read[k] or start_local[k] or end_local[k]
                or not cells["spot_id"][k] or not cells["officer"][k] or n is None or n < 1
                or bad["purpose"][k] or bad["mode"][k] or bad["source"][k]
                or (chosen["purpose"][k] == "override" and not cells["reason"][k])):
            problems += _row_problems(k, cells, officers_text, officers, chosen, bad,
                                      (start_read[k], end_read[k], start_local[k],
                                       end_local[k]), source, line)
        else:
            ok.append(k)

    def pick(col: list[Any]) -> list[Any]:
        return [col[k] for k in ok]

    visits = Visits(pick(cells["spot_id"]), np.array(pick(start_us), dtype=np.int64),
                    np.array(pick(end_us), dtype=np.int64), pick(cells["officer"]),
                    pick(officers), pick(chosen["purpose"]), pick(chosen["mode"]),
                    pick(chosen["source"]), pick(cells["notes"]), pick(cells["reason"]),
                    np.zeros(len(ok), dtype=bool))
    return visits, pick(lines), problems


def _row_problems(k: int, cells: Mapping[str, list[str]], officers_text: list[str],
                  officers: list[int | None], chosen: Mapping[str, list[str]],
                  bad: Mapping[str, list[bool]], times: tuple[str | None, ...], source: str,
                  line: int) -> list[Problem]:
    """One row's problems, in the order its fields are read."""
    out = [Problem(what, source, line, f)
           for f, what in zip(("start", "end", "start", "end"), times, strict=True) if what]
    if not cells["spot_id"][k]:
        out.append(Problem("is empty", source, line, "spot_id"))
    if not cells["officer"][k]:
        out.append(Problem("is empty: give the officer's identifier", source, line, "officer"))
    n = officers[k]
    if n is None:
        out.append(Problem(f"{officers_text[k]!r} is not a whole number", source, line,
                           "officers"))
    elif n < 1:
        out.append(Problem(f"must be at least 1 (got {n})", source, line, "officers"))
    for f in ("purpose", "mode", "source"):
        if bad[f][k]:
            out.append(Problem(f"unknown {f} {chosen[f][k]!r}: use one of "
                               f"{', '.join(_CHOICES[f])}", source, line, f))
    if chosen["purpose"][k] == "override" and not cells["reason"][k]:
        out.append(Problem("an override needs a reason", source, line, "reason"))
    return out


def _naive(t: datetime) -> bool:
    return t.tzinfo is None


def import_patrols(path: str | Path, *, timezone: tzinfo | str, form_map: FormMap | None = None,
                   arms_by_spot: Mapping[str, Collection[str]], treatment_window: Window | None,
                   hours: Hours | None, now: datetime,
                   existing: Sequence[PatrolVisit] = ()) -> Imported[AcceptedVisit]:
    """Read a patrol log and check every row against the trial, atomically.

    Combines :func:`read_patrol_csv` and :func:`trial.fieldwork.patrol.check_patrols`: the
    problems of both are listed together (rows that could not be read are not checked further).

    Returns:
        Every visit with its flags and line, or no visits and every problem.
    """
    tz = zone(timezone) if isinstance(timezone, str) else timezone
    name = Path(path).name
    rows, lines, read_problems = _read(Path(path), tz, form_map)
    checked = check_patrols(rows, lines=lines, source=name,
                            arms_by_spot=arms_by_spot, treatment_window=treatment_window,
                            hours=hours, now=now, existing=existing, tz=tz)
    problems = sorted([*read_problems, *checked.problems],
                      key=lambda q: (q.line or 0, FIELDS.index(q.field)
                                     if q.field in FIELDS else len(FIELDS)))
    return collected(list(checked.rows), list(checked.lines), problems)
