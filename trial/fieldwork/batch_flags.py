"""Times and flags of a whole import at once: local dates, the window and the hours as arrays.

Each function gives, row for row, what its one-row counterpart in :mod:`trial.fieldwork.times`
and :mod:`trial.fieldwork.flags` gives (tests check them against each other over many inputs).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo

import numpy as np

from trial.fieldwork.flags import HOURLY_ROW_SECONDS
from trial.fieldwork.times import Hours, Window

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_US = timedelta(microseconds=1)
HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
# Rows spanning more local days than this are judged one by one (a period lasts at most a day).
MAX_SPAN_DAYS = 3


def micros(times: Sequence[datetime]) -> np.ndarray:
    """Aware datetimes as int64 microseconds since 1970-01-01 UTC (exact)."""
    return np.fromiter(((t - EPOCH) // ONE_US for t in times), dtype=np.int64, count=len(times))


def as_datetime(us: int) -> datetime:
    """One time in microseconds back as an aware UTC datetime."""
    return EPOCH + timedelta(microseconds=us)


def _offset_us(us: int, tz: tzinfo) -> int:
    off = as_datetime(us).astimezone(tz).utcoffset()
    return 0 if off is None else off // ONE_US


def local_days(us: np.ndarray, tz: tzinfo) -> np.ndarray:
    """Each instant's local date in ``tz`` as days since 1970-01-01 (``t.astimezone(tz).date()``).

    The zone's offset is looked up at the start of every UTC hour the times fall in (and the
    next); where the two agree the whole hour has that offset (zones change their offset at
    most once in an hour), elsewhere each time is looked up itself.
    """
    if len(us) == 0:
        return np.zeros(0, dtype=np.int64)
    hours = us // HOUR_US
    probes = np.unique(np.concatenate([hours, hours + 1]))
    offsets = np.array([_offset_us(int(h) * HOUR_US, tz) for h in probes.tolist()],
                       dtype=np.int64)
    at = np.searchsorted(probes, hours)
    off = offsets[at]
    mixed = off != offsets[at + 1]
    if mixed.any():
        idx = np.flatnonzero(mixed)
        off = off.copy()
        off[idx] = [_offset_us(int(v), tz) for v in us[idx].tolist()]
    days = np.asarray((us + off) // DAY_US, dtype=np.int64)
    return days


def outside_window(start_us: np.ndarray, end_us: np.ndarray, window: Window | None,
                   tz: tzinfo) -> np.ndarray:
    """Rows not wholly inside the treatment window (:func:`trial.fieldwork.flags.window_flag`)."""
    if window is None:
        return np.zeros(len(start_us), dtype=bool)
    lo, hi = (int(micros([t])[0]) for t in window.bounds(tz))
    inside: np.ndarray = (start_us >= lo) & (end_us <= hi)
    return ~inside


def within_hours(start_us: np.ndarray, end_us: np.ndarray, hours: Hours,
                 tz: tzinfo) -> tuple[np.ndarray, np.ndarray]:
    """(``Hours.contains``, ``Hours.touches``) of every row, over the same periods they try."""
    n = len(start_us)
    contains = np.zeros(n, dtype=bool)
    touches = np.zeros(n, dtype=bool)
    if n == 0:
        return contains, touches
    first = local_days(start_us, tz) - 1
    last = local_days(end_us, tz)
    span = last - first
    slow = span > MAX_SPAN_DAYS
    fast = ~slow
    k_max = int(span[fast].max()) + 1 if fast.any() else 0
    nights = np.unique(np.concatenate([first[fast] + k for k in range(k_max)])) \
        if k_max else np.zeros(0, dtype=np.int64)
    starts = np.zeros(len(nights), dtype=np.int64)
    ends = np.zeros(len(nights), dtype=np.int64)
    for j, d in enumerate(nights.tolist()):
        ps, pe = hours.period(date(1970, 1, 1) + timedelta(days=d), tz)
        starts[j], ends[j] = (ps - EPOCH) // ONE_US, (pe - EPOCH) // ONE_US
    # 1970-01-01 was a Thursday (weekday 3).
    on_day = np.isin((nights + 3) % 7, np.array(hours.days, dtype=np.int64))
    for k in range(k_max):
        night = first + k
        live = fast & (night <= last)
        j = np.searchsorted(nights, night[live])
        ps, pe, ok = starts[j], ends[j], on_day[j]
        s, e = start_us[live], end_us[live]
        contains[live] |= ok & (ps <= s) & (e <= pe)
        touches[live] |= ok & (ps < e) & (s < pe)
    for i in np.flatnonzero(slow).tolist():
        s_t, e_t = as_datetime(int(start_us[i])), as_datetime(int(end_us[i]))
        contains[i] = hours.contains(s_t, e_t, tz)
        touches[i] = hours.touches(s_t, e_t, tz)
    return contains, touches


def outside_hours(start_us: np.ndarray, end_us: np.ndarray, hours: Hours | None,
                  tz: tzinfo) -> np.ndarray:
    """Rows not wholly inside one period (:func:`trial.fieldwork.flags.hours_flag`)."""
    if hours is None:
        return np.zeros(len(start_us), dtype=bool)
    return ~within_hours(start_us, end_us, hours, tz)[0]


def compliance(start_us: np.ndarray, end_us: np.ndarray, hours: Hours | None,
               tz: tzinfo) -> np.ndarray:
    """``yes``/``no``/``unknown`` per row (:func:`trial.fieldwork.flags.hours_compliance`)."""
    n = len(start_us)
    if hours is None:
        return np.full(n, "yes", dtype=object)
    contains, touches = within_hours(start_us, end_us, hours, tz)
    hourly = (end_us - start_us) <= HOURLY_ROW_SECONDS * 1_000_000
    out = np.where(contains, "yes", np.where(hourly | ~touches, "no", "unknown"))
    return out.astype(object)
