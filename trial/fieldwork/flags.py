"""Flags on accepted sessions: contamination, outside the treatment window, outside the hours."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, tzinfo
from typing import Literal

from trial.fieldwork.times import Hours, Window

CONTAMINATION = "contamination"
OUTSIDE_WINDOW = "outside_window"
OUTSIDE_HOURS = "outside_hours"
FLAGS = (CONTAMINATION, OUTSIDE_WINDOW, OUTSIDE_HOURS)

HoursCompliance = Literal["yes", "no", "unknown"]

# Rows no longer than this show when delivery happened; longer (daily) rows do not.
HOURLY_ROW_SECONDS = 3600


def window_flag(start: datetime, end: datetime, window: Window | None, tz: tzinfo) -> list[str]:
    """``outside_window`` when the interval is not wholly inside the treatment window."""
    if window is None or window.contains(start, end, tz):
        return []
    return [OUTSIDE_WINDOW]


def hours_flag(start: datetime, end: datetime, hours: Hours | None, tz: tzinfo) -> list[str]:
    """``outside_hours`` when the interval is not wholly inside one period of the hours."""
    if hours is None or hours.contains(start, end, tz):
        return []
    return [OUTSIDE_HOURS]


def contamination_flag(delivered: str, arm_delivers: Collection[str]) -> list[str]:
    """``contamination`` when the spot's arm does not deliver what was delivered."""
    return [] if delivered in arm_delivers else [CONTAMINATION]


def hours_compliance(start: datetime, end: datetime, hours: Hours | None,
                     tz: tzinfo) -> HoursCompliance:
    """Whether a delivery row kept to the hours: ``yes``, ``no`` or ``unknown``.

    A row of at most one hour is judged by whether it lies inside a period. A longer (daily)
    row cannot show when within it the delivery happened, so it is ``unknown``; the one
    exception is a row that shares no time at all with any period (a whole day that is not a
    delivery day), which is ``no``. Without hours every row is ``yes``.
    """
    if hours is None:
        return "yes"
    if (end - start).total_seconds() <= HOURLY_ROW_SECONDS:
        return "yes" if hours.contains(start, end, tz) else "no"
    if not hours.touches(start, end, tz):
        return "no"
    return "yes" if hours.contains(start, end, tz) else "unknown"
