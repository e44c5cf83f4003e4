"""Patrol plans: directed visits at randomised, unpredictable times, as a per-night run sheet."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

import numpy as np
import pandas as pd

from trial.errors import InputError, Problem
from trial.fieldwork.dosage import ADS, PATROL, AdDosage, PatrolDosage
from trial.fieldwork.times import DAY_NAMES, minutes_between


@dataclass(frozen=True)
class PlannedVisit:
    """One directed visit on a night's run sheet (times in UTC)."""

    spot_id: str
    night: date  # the local date the night's hours begin on
    order: int  # 1, 2, ... within the spot's night
    start: datetime
    end: datetime


@dataclass(frozen=True)
class AdDaypart:
    """When a spot's ads run on a night, and the day's budget."""

    spot_id: str
    night: date
    start: datetime
    end: datetime
    daily_budget_gbp: float | None


@dataclass(frozen=True)
class Plan:
    """A reproducible plan: the same spots, dosage, dates and seed give the same plan."""

    visits: tuple[PlannedVisit, ...]
    dayparts: tuple[AdDaypart, ...]
    seed: int | None

    def run_sheet(self, tz: tzinfo) -> pd.DataFrame:
        """One row per planned visit: night, day, spot_id, visit, start, end (local HH:MM),
        ordered by night and start, as the supervisor reads it."""
        rows = [{"night": v.night.isoformat(), "day": DAY_NAMES[v.night.weekday()],
                 "spot_id": v.spot_id, "visit": v.order,
                 "start": v.start.astimezone(tz).strftime("%H:%M"),
                 "end": v.end.astimezone(tz).strftime("%H:%M"), "_t": v.start}
                for v in self.visits]
        cols = ["night", "day", "spot_id", "visit", "start", "end"]
        if not rows:
            return pd.DataFrame(columns=cols)
        frame = pd.DataFrame(rows).sort_values(["_t", "spot_id"], kind="stable")
        return frame[cols].reset_index(drop=True)


def make_plan(spots: Mapping[str, Collection[str]], dosage: PatrolDosage | None,
              dates: Sequence[date], tz: tzinfo, rng: np.random.Generator, *, today: date,
              ads: AdDosage | None = None, seed: int | None = None) -> Plan:
    """Plan directed visits for every patrol spot, and ad dayparts for every ad spot.

    For each spot whose arm delivers patrol and each date whose weekday is one of the
    dosage's days, ``visits_per_day`` visits of ``visit_minutes`` are placed inside that
    night's hours (an end before the start runs past midnight; clock-change nights have their
    true length), at least ``min_gap_minutes`` apart (end of one to start of the next), at
    whole-minute times drawn uniformly: with slack ``L - n v - (n - 1) g`` minutes, ``n``
    draws from ``0..slack`` are sorted and visit ``i`` starts at ``draw_i + i (v + g)``.
    Spots are visited in ``spot_id`` order and dates in date order, so the plan depends only
    on its inputs and the generator's state.

    Args:
        spots: every spot and what its arm delivers.
        dosage: ``[dosage].patrol`` (None: no visits).
        dates: the nights to plan (local dates the hours begin on).
        tz: the trial's timezone.
        rng: the random generator (e.g. ``np.random.default_rng(seed)``).
        today: the local date today; plans are for today or later only.
        ads: ``[dosage].ads`` (None: no dayparts).
        seed: the seed behind ``rng``, recorded in the plan.

    Raises:
        InputError: a date in the past, or visits that cannot fit in the hours.
    """
    problems: list[Problem] = []
    past = sorted(d for d in dates if d < today)
    if past:
        problems.append(Problem(f"plans are for future nights only; {', '.join(map(str, past))} "
                                f"{'is' if len(past) == 1 else 'are'} before {today}",
                                None, None, "dates"))
    nights = sorted(set(dates))
    visits: list[PlannedVisit] = []
    if dosage is not None:
        n, v, g = dosage.visits_per_day, dosage.visit_minutes, dosage.min_gap_minutes
        if n < 1 or v < 1 or g < 0:
            problems.append(Problem("visits_per_day and visit_minutes must be at least 1 and "
                                    "min_gap_minutes at least 0", None, None, "dosage.patrol"))
        for night in nights:
            if night.weekday() not in dosage.hours.days or problems:
                continue
            ps, pe = dosage.hours.period(night, tz)
            slack = int(minutes_between(ps, pe)) - n * v - (n - 1) * g
            if slack < 0:
                problems.append(Problem(
                    f"{n} visits of {v} minutes, {g} minutes apart, do not fit in the "
                    f"{minutes_between(ps, pe):.0f} minutes of the night of {night}",
                    None, None, "dosage.patrol"))
                continue
            for spot_id in sorted(s for s, d in spots.items() if PATROL in d):
                draws = np.sort(rng.integers(0, slack + 1, size=n))
                for i, u in enumerate(draws.tolist()):
                    start = ps + timedelta(minutes=u + i * (v + g))
                    visits.append(PlannedVisit(spot_id, night, i + 1, start,
                                               start + timedelta(minutes=v)))
    if problems:
        raise InputError(problems)
    dayparts: list[AdDaypart] = []
    if ads is not None:
        for night in nights:
            if night.weekday() not in ads.hours.days:
                continue
            ps, pe = ads.hours.period(night, tz)
            for spot_id in sorted(s for s, d in spots.items() if ADS in d):
                dayparts.append(AdDaypart(spot_id, night, ps, pe, ads.daily_budget_gbp))
    return Plan(tuple(visits), tuple(dayparts), seed)
