"""Patrol visits to hot spots: what one is, what is refused and what is flagged."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import NamedTuple

from trial.errors import Problem
from trial.fieldwork.dosage import PATROL
from trial.fieldwork.flags import contamination_flag, hours_flag, window_flag
from trial.fieldwork.imported import Imported, collected
from trial.fieldwork.times import Hours, Window, minutes_between

DIRECTED = "directed"
BAU = "bau"
RESPONSE = "response"
OVERRIDE = "override"
PURPOSES = (DIRECTED, BAU, RESPONSE, OVERRIDE)
MODES = ("foot", "vehicle", "cycle", "other")
SOURCES = ("manual", "gps", "bwv", "import")
SELF_REPORTED = ("manual", "import")
MAX_VISIT = timedelta(hours=12)


@dataclass(frozen=True)
class PatrolVisit:
    """One patrol visit to a spot; times are aware datetimes in UTC.

    ``officer`` is the identifier as stored: with ``[privacy].pseudonymise_officers`` the
    caller replaces it with :func:`trial.fieldwork.pseudonym.pseudonymise` before storing.
    """

    spot_id: str
    start: datetime
    end: datetime
    officer: str
    officers: int = 1
    purpose: str = DIRECTED
    mode: str = "foot"
    source: str = "manual"
    notes: str = ""
    reason: str = ""
    voided: bool = False

    @property
    def minutes(self) -> float:
        return minutes_between(self.start, self.end)

    @property
    def officer_minutes(self) -> float:
        return self.minutes * self.officers

    @property
    def key(self) -> tuple[str, datetime, datetime, str]:
        """The idempotency key: (spot, start, end, officer)."""
        return (self.spot_id, self.start, self.end, self.officer)


class Checked(NamedTuple):
    """What a check found: problems refuse the visit; flags are kept with it."""

    problems: tuple[Problem, ...]
    flags: tuple[str, ...]


def _overlaps(a: PatrolVisit, b: PatrolVisit) -> bool:
    return a.start < b.end and b.start < a.end


def check_patrol(visit: PatrolVisit, *, spot_known: bool, arm_delivers: Collection[str],
                 treatment_window: Window | None, hours: Hours | None, now: datetime,
                 existing_for_officer: Sequence[PatrolVisit] = (), tz: tzinfo,
                 source: str | None = None, line: int | None = None) -> Checked:
    """Check one patrol visit against the trial's rules.

    Args:
        visit: the visit (times in UTC).
        spot_known: whether the spot exists in the trial.
        arm_delivers: what the spot's arm delivers (``[[arm]].delivers``).
        treatment_window: ``[windows].treatment``, or None.
        hours: ``[dosage].patrol`` days and hours, or None.
        now: the current time (UTC).
        existing_for_officer: the officer's stored visits (voided ones and the same visit,
            by key, are ignored, so a re-import is not an overlap).
        tz: the trial's timezone, for windows and hours.
        source, line: where the visit came from, stamped on each problem.

    Returns:
        ``Checked(problems, flags)``. Problems refuse: unknown spot, unknown purpose, mode or
        source, end not after start, longer than 12 hours, ending in the future, an overlap
        with the same officer's other visit, a zero or negative officer count, an override
        without a reason. Flags are kept: ``contamination`` (a directed visit to a spot whose
        arm does not deliver patrol); for directed and override visits (the trial's patrol;
        business as usual and response happen anywhere at any time) ``outside_window`` and
        ``outside_hours`` (a visit ending exactly at the hours' end is inside).
    """
    problems: list[Problem] = []

    def refuse(field: str, what: str) -> None:
        problems.append(Problem(what, source, line, field))

    if not spot_known:
        refuse("spot_id", f"unknown spot {visit.spot_id!r}")
    if visit.purpose not in PURPOSES:
        refuse("purpose", f"unknown purpose {visit.purpose!r}: use one of {', '.join(PURPOSES)}")
    if visit.mode not in MODES:
        refuse("mode", f"unknown mode {visit.mode!r}: use one of {', '.join(MODES)}")
    if visit.source not in SOURCES:
        refuse("source", f"unknown source {visit.source!r}: use one of {', '.join(SOURCES)}")
    if not visit.officer.strip():
        refuse("officer", "is empty: give the officer's identifier")
    if visit.officers < 1:
        refuse("officers", f"must be at least 1 (got {visit.officers})")
    if visit.purpose == OVERRIDE and not visit.reason.strip():
        refuse("reason", "an override needs a reason")
    if visit.end <= visit.start:
        refuse("end", "must be after the start")
    elif visit.end - visit.start > MAX_VISIT:
        refuse("end", f"the visit lasts {visit.minutes / 60:.1f} hours; at most 12 are allowed")
    if visit.end > now:
        refuse("end", "is in the future")
    for other in existing_for_officer:
        if other.voided or other.key == visit.key:
            continue
        if _overlaps(visit, other):
            refuse("officer", f"{visit.officer} is already logged at {other.spot_id} from "
                              f"{other.start.astimezone(tz):%Y-%m-%d %H:%M} to "
                              f"{other.end.astimezone(tz):%Y-%m-%d %H:%M}")
            break
    if problems:
        return Checked(tuple(problems), ())
    return Checked((), patrol_flags(visit, arm_delivers=arm_delivers,
                                    treatment_window=treatment_window, hours=hours, tz=tz))


def patrol_flags(visit: PatrolVisit, *, arm_delivers: Collection[str],
                 treatment_window: Window | None, hours: Hours | None,
                 tz: tzinfo) -> tuple[str, ...]:
    """The flags of an accepted visit (see :func:`check_patrol`)."""
    flags: list[str] = []
    if visit.purpose == DIRECTED:
        flags += contamination_flag(PATROL, arm_delivers)
    if visit.purpose in (DIRECTED, OVERRIDE):
        flags += window_flag(visit.start, visit.end, treatment_window, tz)
        flags += hours_flag(visit.start, visit.end, hours, tz)
    return tuple(flags)


@dataclass(frozen=True)
class AcceptedVisit:
    """A checked visit with its flags and the file line it came from (None: not from a file)."""

    visit: PatrolVisit
    flags: tuple[str, ...]
    line: int | None = None


def check_patrols(visits: Sequence[PatrolVisit], *, lines: Sequence[int] | None = None,
                  source: str | None = None, arms_by_spot: Mapping[str, Collection[str]],
                  treatment_window: Window | None, hours: Hours | None, now: datetime,
                  existing: Sequence[PatrolVisit] = (), tz: tzinfo) -> Imported[AcceptedVisit]:
    """Check a batch (an import) atomically: every visit passes, or none is returned.

    Besides :func:`check_patrol` on each visit, the batch refuses a key repeated within it and
    one officer in two overlapping visits of the batch. Visits whose key is already stored are
    accepted again (the caller skips them: imports are idempotent).

    Args:
        visits: the visits, in file order.
        lines: their file lines (header = line 1); default 1, 2, ... as positions.
        source: the file name, for problems.
        arms_by_spot: every known spot and what its arm delivers.
        existing: stored visits (of any officer) to check overlaps against.
        treatment_window, hours, now, tz: as for :func:`check_patrol`.

    Returns:
        Every visit with its flags, or every problem and no visits.
    """
    where = list(lines) if lines is not None else list(range(1, len(visits) + 1))
    by_officer: dict[str, list[PatrolVisit]] = {}
    for v in existing:
        by_officer.setdefault(v.officer, []).append(v)
    seen: dict[tuple[str, datetime, datetime, str], int] = {}
    problems: list[Problem] = []
    accepted: list[AcceptedVisit] = []
    for visit, line in zip(visits, where, strict=True):
        if visit.key in seen:
            problems.append(Problem(f"repeats line {seen[visit.key]} (same spot, start, end "
                                    "and officer)", source, line, "start"))
            continue
        seen[visit.key] = line
        delivers = arms_by_spot.get(visit.spot_id)
        checked = check_patrol(
            visit, spot_known=delivers is not None, arm_delivers=delivers or (),
            treatment_window=treatment_window, hours=hours, now=now,
            existing_for_officer=by_officer.get(visit.officer, []), tz=tz,
            source=source, line=line)
        problems.extend(checked.problems)
        by_officer.setdefault(visit.officer, []).append(visit)
        accepted.append(AcceptedVisit(visit, checked.flags, line))
    return collected(accepted, [a.line or 0 for a in accepted], problems)
