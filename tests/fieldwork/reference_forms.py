"""The patrol log reader as it was, row by row: the reference the column reader must equal."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

from trial.errors import Problem
from trial.fieldwork.forms import _CHOICES, FormMap, _naive, _standard_map
from trial.fieldwork.patrol import DIRECTED, PatrolVisit
from trial.fieldwork.times import _LOCAL_FORMATS, LocalTimeError, localise


def read_time(text: str, *, formats: Iterable[str] = ()) -> datetime:
    """``trial.fieldwork.times.read_time`` as it was: every strptime format, then ISO 8601."""
    s = text.strip()
    if not s:
        raise LocalTimeError("is empty: give a time as YYYY-MM-DD HH:MM")
    for fmt in (*formats, *_LOCAL_FORMATS):
        try:
            return datetime.strptime(s, fmt)
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(s)
    except ValueError:
        raise LocalTimeError(
            f"{s!r} is not a time: use YYYY-MM-DD HH:MM (local) or ISO 8601 with an offset"
        ) from None


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


