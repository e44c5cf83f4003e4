"""Patrol logs from CSV: the trial's own header, or a supervisor form export through a TOML map."""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from trial.errors import InputError, Problem
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
    try:
        text = p.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [], [Problem(f"cannot read the file: {exc}", p.name)]
    reader = csv.reader(text.splitlines(keepends=True))
    header = next(reader, None)
    if header is None:
        return [], [], [Problem("is empty: expected a header line", p.name, 1)]
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
        return [], [], problems
    index = {h: i for i, h in enumerate(header)}
    rows: list[PatrolVisit] = []
    lines: list[int] = []
    last = 1
    for record in reader:
        line = last + 1
        last = reader.line_num
        if not any(c.strip() for c in record):
            continue
        visit = _row(record, index, fmap, tz, p.name, line, problems)
        if visit is not None:
            rows.append(visit)
            lines.append(line)
    return rows, lines, problems


def _row(record: list[str], index: Mapping[str, int], fmap: FormMap, tz: tzinfo,
         source: str, line: int, problems: list[Problem]) -> PatrolVisit | None:
    before = len(problems)

    def cell(fname: str) -> str:
        cols = fmap.columns.get(fname)
        if not cols:
            return fmap.defaults.get(fname, "")
        text = " ".join(record[index[c]].strip() if index[c] < len(record) else ""
                        for c in cols).strip()
        if not text:
            text = fmap.defaults.get(fname, "")
        return fmap.values.get(fname, {}).get(text, text)

    def bad(fname: str, what: str) -> None:
        problems.append(Problem(what, source, line, fname))

    walls: dict[str, datetime] = {}
    for fname in ("start", "end"):
        try:
            walls[fname] = read_time(cell(fname), formats=fmap.formats)
        except LocalTimeError as exc:
            bad(fname, str(exc))
    times: dict[str, datetime] = {}
    if fmap.next_day_end and len(walls) == 2 and _naive(walls["start"]) and _naive(walls["end"]):
        if walls["end"] <= walls["start"]:
            walls["end"] += timedelta(days=1)
    for fname, wall in walls.items():
        try:
            times[fname] = wall.astimezone(tz) if not _naive(wall) else localise(wall, tz)
        except LocalTimeError as exc:
            bad(fname, str(exc))
    spot = cell("spot_id")
    if not spot:
        bad("spot_id", "is empty")
    officer = cell("officer")
    if not officer:
        bad("officer", "is empty: give the officer's identifier")
    officers_text = cell("officers") or "1"
    try:
        officers = int(officers_text)
    except ValueError:
        bad("officers", f"{officers_text!r} is not a whole number")
        officers = 1
    if officers < 1:
        bad("officers", f"must be at least 1 (got {officers})")
    chosen = {"purpose": cell("purpose").lower() or DIRECTED,
              "mode": cell("mode").lower() or "foot",
              "source": cell("source").lower() or "import"}
    for fname, value in chosen.items():
        if value not in _CHOICES[fname]:
            bad(fname, f"unknown {fname} {value!r}: use one of {', '.join(_CHOICES[fname])}")
    reason = cell("reason")
    if chosen["purpose"] == "override" and not reason:
        bad("reason", "an override needs a reason")
    if len(problems) > before:
        return None
    return PatrolVisit(spot, times["start"].astimezone(UTC), times["end"].astimezone(UTC),
                       officer, officers, chosen["purpose"], chosen["mode"],
                       chosen["source"], cell("notes"), reason)


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
