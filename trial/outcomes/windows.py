"""Which registered window (baseline, treatment, follow-up) each record falls in (PROTOCOL.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from trial.errors import InputError, Problem
from trial.outcomes.localtime import check_timezone

RUN_IN = "run_in"  # excluded from every outcome
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

WindowSpec = tuple[dt.date | str, dt.date | str] | Mapping[str, Any]


@dataclass(frozen=True)
class Hours:
    """Local hours that restrict every window's outcomes.

    Attributes:
        days: the weekdays a period starts on (0 = Monday).
        start, end: local times; an end at or before the start runs past midnight into the
            next day, and a time equal to the end is inside.
    """

    days: frozenset[int]
    start: dt.time
    end: dt.time


def _as_date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(Problem(f"{value!r} is not a date written YYYY-MM-DD",
                                 field=where)) from None


def as_window(name: str, spec: WindowSpec) -> tuple[dt.date, dt.date]:
    """A window's inclusive (start, end) dates from a pair or a ``{start, end}`` table."""
    if isinstance(spec, Mapping):
        pair = (spec.get("start"), spec.get("end"))
    else:
        pair = tuple(spec)  # type: ignore[assignment]
    if len(pair) != 2:
        raise InputError(Problem("must be a start and an end date", field=f"windows.{name}"))
    start = _as_date(pair[0], f"windows.{name}.start")
    end = _as_date(pair[1], f"windows.{name}.end")
    if end < start:
        raise InputError(Problem(f"ends ({end}) before it starts ({start})",
                                 field=f"windows.{name}"))
    return start, end


def _windows(windows: Mapping[str, WindowSpec]) -> dict[str, tuple[dt.date, dt.date]]:
    out = {name: as_window(name, spec) for name, spec in windows.items() if name != "hours"}
    names = sorted(out, key=lambda k: out[k][0])
    for a, b in zip(names, names[1:], strict=False):
        if out[b][0] <= out[a][1]:
            raise InputError(Problem(f"overlaps windows.{a} ({out[a][0]} to {out[a][1]})",
                                     field=f"windows.{b}"))
    return out


def _as_time(value: Any, where: str) -> dt.time:
    if isinstance(value, dt.time):
        return value
    try:
        return dt.time.fromisoformat(str(value))
    except ValueError:
        raise InputError(Problem(f"{value!r} is not a time written HH:MM",
                                 field=where)) from None


def parse_hours(hours: Hours | Mapping[str, Any] | Sequence[Any]) -> Hours:
    """``Hours`` from ``{days, start, end}`` (as in the protocol) or ``(days, start, end)``.

    Raises:
        InputError: unknown day names or unreadable times.
    """
    if isinstance(hours, Hours):
        return hours
    if isinstance(hours, Mapping):
        days, start, end = hours.get("days"), hours.get("start"), hours.get("end")
    else:
        days, start, end = hours
    if isinstance(days, str) or not isinstance(days, Sequence | frozenset | set) or not days:
        raise InputError(Problem("must be a list of days such as [\"Fri\", \"Sat\"]",
                                 field="windows.hours.days"))
    bad = [d for d in days if d not in DAY_NAMES and d not in range(7)]
    if bad:
        raise InputError(Problem(f"unknown day(s) {bad}; use {', '.join(DAY_NAMES)}",
                                 field="windows.hours.days"))
    numbers = frozenset(d if isinstance(d, int) else DAY_NAMES.index(d) for d in days)
    return Hours(numbers, _as_time(start, "windows.hours.start"),
                 _as_time(end, "windows.hours.end"))


def _seconds(t: dt.time) -> float:
    return t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6


def _month_bounds(months: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    first = months.astype("datetime64[M]")
    return first.astype("datetime64[D]"), (first + 1).astype("datetime64[D]") - 1


def window_labels(frame: pd.DataFrame, windows: Mapping[str, WindowSpec], *, timezone: str,
                  hours: Hours | Mapping[str, Any] | None = None) -> npt.NDArray[np.object_]:
    """The outcome window of each record, or None.

    Args:
        frame: a record frame (``precision``, ``occurred_from``, ``month``).
        windows: name -> (start, end) dates, inclusive and local to ``timezone``; a
            ``hours`` entry is ignored (pass it as ``hours``). Windows may not overlap.
        timezone: the trial's IANA timezone.
        hours: optional local hours restricting every window.

    Returns:
        Per record, the window name or None. Timed records are placed by their local
        committed-from time; with ``hours``, only records inside the hours count and the day
        that places them is the day their period started (a Saturday 02:00 crime of a
        Friday 20:00-04:00 period counts on Friday). Month-level records count in a window
        only when it holds their whole month. ``run_in`` records belong to no window.

    Raises:
        InputError: overlapping or unreadable windows, or ``hours`` with month-level records
            (police.uk gives only the month, so hours cannot be applied, only guessed).
    """
    check_timezone(timezone)
    spans = _windows(windows)
    n = len(frame)
    labels = np.full(n, None, dtype=object)
    timed = (frame["precision"] == "time").to_numpy(dtype=bool)
    monthly = (frame["precision"] == "month").to_numpy(dtype=bool)
    rule = parse_hours(hours) if hours is not None else None
    if rule is not None and monthly.any():
        raise InputError(Problem(
            f"{int(monthly.sum())} records give only their month (police.uk); they cannot be "
            "restricted to hours of the day. Use timed force records for an hours-restricted "
            "outcome, or remove hours", field="windows.hours"))
    day = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    keep = np.zeros(n, dtype=bool)
    if timed.any():
        local = pd.DatetimeIndex(frame["occurred_from"])[timed].tz_convert(
            timezone).tz_localize(None)
        stamp = local.to_numpy().astype("datetime64[s]")
        d = stamp.astype("datetime64[D]")
        secs = (stamp - d).astype(np.int64).astype(np.float64)
        ok = ~np.isnat(d)
        if rule is not None:
            weekday = (d.astype(np.int64) + 3) % 7
            on_day = np.isin(weekday, list(rule.days))
            on_eve = np.isin((weekday - 1) % 7, list(rule.days))
            start, end = _seconds(rule.start), _seconds(rule.end)
            if end > start:
                ok &= on_day & (secs >= start) & (secs <= end)
            else:
                late = on_day & (secs >= start)
                early = on_eve & (secs <= end) & ~late
                ok &= late | early
                d = np.where(early, d - 1, d)
        idx = np.flatnonzero(timed)
        day[idx] = d
        keep[idx] = ok
    first, last = _month_bounds(frame["month"].to_numpy(dtype=object)[monthly].astype(
        "datetime64[M]"))
    for name, (w_start, w_end) in spans.items():
        s, e = np.datetime64(w_start, "D"), np.datetime64(w_end, "D")
        inside = keep & (day >= s) & (day <= e)
        labels[inside] = None if name == RUN_IN else name
        whole = (first >= s) & (last <= e)
        labels[np.flatnonzero(monthly)[whole]] = None if name == RUN_IN else name
    return labels


def month_window_problems(windows: Mapping[str, WindowSpec],
                          months: Sequence[str] | set[str] | frozenset[str]) -> list[Problem]:
    """Each window that cuts one of ``months`` (holding part of it), explained.

    Month-level records (police.uk) count in a window only when it holds their whole month,
    so a window starting or ending mid-month silently loses that month's records.
    """
    problems: list[Problem] = []
    spans = _windows(windows)
    wanted = sorted(set(months))
    if not wanted:
        return problems
    firsts, lasts = _month_bounds(np.asarray(wanted, dtype="datetime64[M]"))
    for name, (start, end) in spans.items():
        s, e = np.datetime64(start, "D"), np.datetime64(end, "D")
        for month, first, last in zip(wanted, firsts, lasts, strict=True):
            overlaps = first <= e and last >= s
            whole = first >= s and last <= e
            if overlaps and not whole:
                problems.append(Problem(
                    f"cuts {month} ({start} to {end} holds only part of it): records that "
                    f"give only their month (police.uk) count in a window only when it holds "
                    f"the whole month, so {month}'s records count in no window; start "
                    f"windows on a month's first day and end them on a month's last day",
                    field=f"windows.{name}"))
    return problems
