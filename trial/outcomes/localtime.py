"""Turning an extract's written times into UTC, reading local times in the trial's timezone."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass

import numpy as np
import pandas as pd

from trial.errors import InputError

# An offset written after a time of day (a date's own "-01" is not an offset)
_FIRST_YEAR, _LAST_YEAR = 1900, 2199
_OFFSET = r"\d\d:\d\d(?::\d\d(?:\.\d+)?)?\s*(?:Z|[+-]\d\d(?::?\d\d)?)$"


@dataclass(frozen=True)
class ParsedTimes:
    """Times parsed from text.

    Attributes:
        utc: the instants (UTC), NaT where empty or refused.
        refused: ``(row index, why)`` for every non-empty value that could not be used.
    """

    utc: pd.DatetimeIndex
    refused: list[tuple[int, str]]


def check_timezone(timezone: str) -> zoneinfo.ZoneInfo:
    """The IANA zone named ``timezone``.

    Raises:
        InputError: the name is not an IANA timezone.
    """
    try:
        return zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise InputError(f"unknown timezone {timezone!r}; use an IANA name such as "
                         "\"Europe/London\"") from None


def _in_range(stamps: np.ndarray) -> np.ndarray:
    """Times a crime record can carry (and nanosecond timestamps can hold)."""
    years = stamps.astype("datetime64[Y]").astype(np.int64) + 1970
    return np.asarray(~np.isnat(stamps) & (years >= _FIRST_YEAR) & (years <= _LAST_YEAR))


def parse_times(text: pd.Series, *, fmt: str | None, timezone: str) -> ParsedTimes:
    """Parse written times; a time without an offset is local to ``timezone``.

    Each distinct value is parsed once (extracts repeat times to the minute).

    Args:
        text: the values as written ("" for none).
        fmt: a strptime format, or None for ISO 8601. A format with ``%z`` reads offsets.
        timezone: the trial's IANA timezone.

    Returns:
        UTC instants and the values refused: unreadable, outside the years 1900-2199, or a
        local time that does not exist (clocks going forward) or happens twice (clocks going
        back) and carries no offset.
    """
    check_timezone(timezone)
    codes, uniques = pd.factorize(text.astype(object).fillna(""))
    once = _parse_distinct(pd.Series(uniques, dtype=object), fmt=fmt, timezone=timezone)
    utc = pd.DatetimeIndex(np.asarray(once.utc.tz_localize(None).to_numpy())[codes]
                           ).tz_localize("UTC")
    why = np.full(len(uniques), None, dtype=object)
    for j, reason in once.refused:
        why[j] = reason
    rows = np.flatnonzero(pd.notna(why)[codes]) if len(codes) else np.zeros(0, np.int64)
    return ParsedTimes(utc=utc, refused=[(int(i), str(why[codes[i]])) for i in rows])


def _parse_distinct(text: pd.Series, *, fmt: str | None, timezone: str) -> ParsedTimes:
    values = text.str.strip().reset_index(drop=True)
    n = len(values)
    result = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    refused: list[tuple[int, str]] = []
    given = (values != "").to_numpy(dtype=bool)
    if fmt is not None and "%z" in fmt:
        has_offset = given
    elif fmt is None:
        has_offset = given & values.str.contains(_OFFSET, regex=True).to_numpy(dtype=bool)
    else:
        has_offset = np.zeros(n, dtype=bool)
    how = (f"the format {fmt!r}" if fmt else "ISO 8601 (2024-01-05 21:30)") + (
        f", years {_FIRST_YEAR} to {_LAST_YEAR}")

    def unreadable(rows: np.ndarray) -> None:
        refused.extend((int(i), f"{values.iat[i]!r} is not a time in {how}") for i in rows)

    if has_offset.any():
        idx = np.flatnonzero(has_offset)
        parsed = pd.to_datetime(values[has_offset], format=fmt or "ISO8601", utc=True,
                                errors="coerce")
        stamps = np.asarray(pd.DatetimeIndex(parsed).tz_localize(None).to_numpy())
        ok = _in_range(stamps)
        result[idx[ok]] = stamps[ok].astype("datetime64[ns]")
        unreadable(idx[~ok])
    local = given & ~has_offset
    if local.any():
        idx = np.flatnonzero(local)
        naive = pd.DatetimeIndex(pd.to_datetime(values[local], format=fmt or "ISO8601",
                                                errors="coerce"))
        if naive.tz is not None:
            naive = naive.tz_localize(None)
        stamps = np.asarray(naive.to_numpy())
        ok = _in_range(stamps)
        unreadable(idx[~ok])
        idx = idx[ok]
        wall = pd.DatetimeIndex(stamps[ok].astype("datetime64[ns]"))
        m = len(wall)
        summer = wall.tz_localize(timezone, ambiguous=np.ones(m, dtype=bool),
                                  nonexistent="NaT")
        winter = wall.tz_localize(timezone, ambiguous=np.zeros(m, dtype=bool),
                                  nonexistent="NaT")
        missing = np.asarray(pd.isna(summer))
        twice = ~missing & np.asarray(summer != winter)
        for j in np.flatnonzero(missing):
            refused.append((int(idx[j]), f"{values.iat[idx[j]]!r} does not exist in "
                            f"{timezone} (the clocks went forward); give the time with its "
                            "UTC offset"))
        for j in np.flatnonzero(twice):
            refused.append((int(idx[j]), f"{values.iat[idx[j]]!r} happens twice in "
                            f"{timezone} (the clocks went back); give the time with its "
                            "UTC offset"))
        good = ~missing & ~twice
        result[idx[good]] = np.asarray(
            summer[good].tz_convert("UTC").tz_localize(None).to_numpy()).astype(
            "datetime64[ns]")
    refused.sort()
    return ParsedTimes(utc=pd.DatetimeIndex(result).tz_localize("UTC"), refused=refused)
