"""An import's patrol visits column by column, checked against the trial's rules all at once.

:func:`check_visit_batch` finds exactly the problems and flags that
:func:`trial.fieldwork.patrol.check_patrols` finds for the same visits: the rules are array
operations over every row, and the few rows where a rule may fail (or an overlap may exist) are
then checked one by one by :func:`trial.fieldwork.patrol.check_patrol` itself, so every problem
reads as it always has.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

import numpy as np
import pandas as pd

from trial.errors import Problem
from trial.fieldwork.batch_flags import as_datetime, micros, outside_hours, outside_window
from trial.fieldwork.dosage import PATROL
from trial.fieldwork.flags import CONTAMINATION, OUTSIDE_HOURS, OUTSIDE_WINDOW
from trial.fieldwork.patrol import (
    DIRECTED,
    MAX_VISIT,
    MODES,
    OVERRIDE,
    PURPOSES,
    SOURCES,
    PatrolVisit,
    check_patrol,
)
from trial.fieldwork.times import Hours, Window

_MAX_VISIT_US = MAX_VISIT // timedelta(microseconds=1)
# Flags by bit (contamination 1, outside_window 2, outside_hours 4), in the order they are kept.
_FLAG_SETS = tuple(tuple(f for bit, f in ((1, CONTAMINATION), (2, OUTSIDE_WINDOW),
                                         (4, OUTSIDE_HOURS)) if code & bit)
                   for code in range(8))


@dataclass(frozen=True)
class Visits:
    """Patrol visits column by column; times are UTC microseconds since 1970.

    ``voided`` is for stored visits (an import's own rows are never voided).
    """

    spot_id: list[str]
    start_us: np.ndarray
    end_us: np.ndarray
    officer: list[str]
    officers: list[int]
    purpose: list[str]
    mode: list[str]
    source: list[str]
    notes: list[str]
    reason: list[str]
    voided: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.spot_id)

    @classmethod
    def of(cls, visits: Sequence[PatrolVisit]) -> Visits:
        """Columns of visit objects."""
        return cls([v.spot_id for v in visits], micros([v.start for v in visits]),
                   micros([v.end for v in visits]), [v.officer for v in visits],
                   [v.officers for v in visits], [v.purpose for v in visits],
                   [v.mode for v in visits], [v.source for v in visits],
                   [v.notes for v in visits], [v.reason for v in visits],
                   np.array([v.voided for v in visits], dtype=bool))

    def visit(self, i: int) -> PatrolVisit:
        """Row ``i`` as a visit object."""
        return PatrolVisit(self.spot_id[i], as_datetime(int(self.start_us[i])),
                           as_datetime(int(self.end_us[i])), self.officer[i], self.officers[i],
                           self.purpose[i], self.mode[i], self.source[i], self.notes[i],
                           self.reason[i],
                           bool(self.voided[i]) if self.voided is not None else False)

    def keys(self) -> list[tuple[str, int, int, str]]:
        """The idempotency keys (spot, start, end, officer), times in microseconds."""
        return list(zip(self.spot_id, self.start_us.tolist(), self.end_us.tolist(),
                        self.officer, strict=True))

    def take(self, rows: np.ndarray) -> Visits:
        """The visits at positions ``rows``, in that order."""
        idx = rows.tolist()

        def pick(col: list[Any]) -> list[Any]:
            return [col[i] for i in idx]

        return Visits(pick(self.spot_id), self.start_us[rows], self.end_us[rows],
                      pick(self.officer), pick(self.officers), pick(self.purpose),
                      pick(self.mode), pick(self.source), pick(self.notes), pick(self.reason),
                      None if self.voided is None else self.voided[rows])


@dataclass(frozen=True)
class CheckedBatch:
    """What the batch check found: every problem (then no row is stored), else every row's
    flags."""

    problems: tuple[Problem, ...]
    flags: tuple[tuple[str, ...], ...]


def _in(values: list[str], allowed: Collection[str]) -> np.ndarray:
    return np.fromiter((v in allowed for v in values), dtype=bool, count=len(values))


def _overlap_suspects(visits: Visits, counted: np.ndarray, stored: Visits) -> np.ndarray:
    """Rows that may overlap another visit of the same officer (a superset of those that do).

    Sorted by officer, start and end, a visit overlaps another only if an earlier one in its
    officer's run ends after it starts, or the next one starts before it ends.
    """
    n = len(visits)
    keep = np.flatnonzero(counted)
    live = np.flatnonzero(~stored.voided) if stored.voided is not None else \
        np.arange(len(stored))
    officers = np.array([visits.officer[i] for i in keep.tolist()]
                        + [stored.officer[i] for i in live.tolist()], dtype=object)
    if len(officers) < 2:
        return np.zeros(n, dtype=bool)
    s = np.concatenate([visits.start_us[keep], stored.start_us[live]])
    e = np.concatenate([visits.end_us[keep], stored.end_us[live]])
    row = np.concatenate([keep, np.full(len(live), -1, dtype=np.int64)])
    codes = pd.factorize(officers)[0]
    order = np.lexsort((e, s, codes))
    c, s, e, row = codes[order], s[order], e[order], row[order]
    same_prev = np.r_[False, c[1:] == c[:-1]]
    same_next = np.r_[c[:-1] == c[1:], False]
    ends_before = pd.Series(e).groupby(c).cummax().to_numpy()
    prev_end = np.r_[np.iinfo(np.int64).min, ends_before[:-1]]
    next_start = np.r_[s[1:], np.iinfo(np.int64).max]
    suspect = (same_prev & (prev_end > s)) | (same_next & (next_start < e))
    out = np.zeros(n, dtype=bool)
    hit = row[suspect & (row >= 0)]
    out[hit] = True
    return out


def check_visit_batch(visits: Visits, *, lines: Sequence[int], source: str | None,
                      arms_by_spot: Mapping[str, Collection[str]],
                      treatment_window: Window | None, hours: Hours | None, now: datetime,
                      stored: Visits, tz: tzinfo) -> CheckedBatch:
    """Check an import's visits atomically, as :func:`trial.fieldwork.patrol.check_patrols`.

    Args:
        visits: the visits, in file order.
        lines: their file lines.
        source: the file name, for problems.
        arms_by_spot: every known spot and what its arm delivers.
        treatment_window, hours, now, tz: as for :func:`trial.fieldwork.patrol.check_patrol`.
        stored: stored visits (of any officer, ``voided`` set), in the order they are checked
            against (by start, then id).

    Returns:
        Every problem, or no problem and every visit's flags.
    """
    n = len(visits)
    seen: dict[tuple[str, int, int, str], int] = {}
    repeats: dict[int, int] = {}
    for i, (key, line) in enumerate(zip(visits.keys(), lines, strict=True)):
        if key in seen:
            repeats[i] = seen[key]
        else:
            seen[key] = line
    counted = np.ones(n, dtype=bool)
    counted[list(repeats)] = False
    s, e = visits.start_us, visits.end_us
    now_us = micros([now])[0]
    timely = (e > s) & (e - s <= _MAX_VISIT_US) & (e <= now_us)
    purpose = visits.purpose
    suspect = (~counted | ~timely | ~_in(visits.spot_id, arms_by_spot)
               | ~_in(purpose, PURPOSES) | ~_in(visits.mode, MODES)
               | ~_in(visits.source, SOURCES)
               | np.array([not o.strip() for o in visits.officer], dtype=bool)
               | np.array([k < 1 for k in visits.officers], dtype=bool)
               | np.array([p == OVERRIDE and not r.strip()
                           for p, r in zip(purpose, visits.reason, strict=True)], dtype=bool)
               | _overlap_suspects(visits, counted, stored))
    problems = _problems(visits, lines, source, suspect, repeats, arms_by_spot, now, stored,
                         tz) if suspect.any() else []
    if problems:
        return CheckedBatch(tuple(problems), ())
    directed = np.array([p == DIRECTED for p in purpose], dtype=bool)
    trial_patrol = directed | np.array([p == OVERRIDE for p in purpose], dtype=bool)
    delivers = np.array([PATROL in arms_by_spot.get(sp, ()) for sp in visits.spot_id],
                        dtype=bool)
    code = (directed & ~delivers).astype(np.int64)
    code |= 2 * (trial_patrol & outside_window(s, e, treatment_window, tz))
    code |= 4 * (trial_patrol & outside_hours(s, e, hours, tz))
    return CheckedBatch((), tuple(_FLAG_SETS[c] for c in code.tolist()))


def _problems(visits: Visits, lines: Sequence[int], source: str | None, suspect: np.ndarray,
              repeats: Mapping[int, int], arms_by_spot: Mapping[str, Collection[str]],
              now: datetime, stored: Visits, tz: tzinfo) -> list[Problem]:
    """The suspect rows checked one by one, against the visits the one-by-one check would see
    before them (the officer's stored visits, then the import's earlier rows)."""
    wanted = {visits.officer[i] for i in np.flatnonzero(suspect).tolist()}
    by_officer: dict[str, list[PatrolVisit]] = {}
    for j in range(len(stored)):
        if stored.officer[j] in wanted:
            by_officer.setdefault(stored.officer[j], []).append(stored.visit(j))
    problems: list[Problem] = []
    for i, line in enumerate(lines):
        officer = visits.officer[i]
        if i in repeats:
            problems.append(Problem(f"repeats line {repeats[i]} (same spot, start, end and "
                                    "officer)", source, line, "start"))
            continue
        if officer not in wanted:
            continue
        visit = visits.visit(i)
        if suspect[i]:
            delivers = arms_by_spot.get(visit.spot_id)
            # Flags are not needed here: with any problem no row is kept, and rows without
            # one take the batch's flags.
            checked = check_patrol(
                visit, spot_known=delivers is not None, arm_delivers=delivers or (),
                treatment_window=None, hours=None, now=now,
                existing_for_officer=by_officer.get(officer, []), tz=tz, source=source,
                line=line)
            problems.extend(checked.problems)
        by_officer.setdefault(officer, []).append(visit)
    return problems
