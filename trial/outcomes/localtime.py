"""Turning an extract's written times into UTC, reading local times in the trial's timezone."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass

import numpy as np
import pandas as pd

from trial.errors import InputError

# An offset written after a time of day (a date's own "-01" is not an offset)
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


def parse_times(text: pd.Series, *, fmt: str | None, timezone: str) -> ParsedTimes:
    """Parse written times; a time without an offset is local to ``timezone``.

    Args:
        text: the values as written ("" for none).
        fmt: a strptime format, or None for ISO 8601. A format with ``%z`` reads offsets.
        timezone: the trial's IANA timezone.

    Returns:
        UTC instants and the values refused: unreadable, or a local time that does not exist
        (clocks going forward) or happens twice (clocks going back) and carries no offset.
    """
    check_timezone(timezone)
    values = text.astype(object).fillna("").str.strip()
    n = len(values)
    result = pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns, UTC]")
    refused: list[tuple[int, str]] = []
    given = (values != "").to_numpy(dtype=bool)
    if fmt is not None and "%z" in fmt:
        has_offset = given
    elif fmt is None:
        has_offset = given & values.str.contains(_OFFSET, regex=True).to_numpy(dtype=bool)
    else:
        has_offset = np.zeros(n, dtype=bool)
    how = f"the format {fmt!r}" if fmt else "ISO 8601 (2024-01-05 21:30)"
    if has_offset.any():
        parsed = pd.to_datetime(values[has_offset], format=fmt or "ISO8601", utc=True,
                                errors="coerce")
        result[has_offset] = parsed
        for i in np.flatnonzero(has_offset)[pd.isna(parsed).to_numpy()]:
            refused.append((int(i), f"{values.iat[i]!r} is not a time in {how}"))
    local = given & ~has_offset
    if local.any():
        naive = pd.to_datetime(values[local], format=fmt or "ISO8601", errors="coerce")
        bad = pd.isna(naive).to_numpy()
        idx = np.flatnonzero(local)
        for i in idx[bad]:
            refused.append((int(i), f"{values.iat[i]!r} is not a time in {how}"))
        naive_ok = pd.DatetimeIndex(naive[~bad])
        if naive_ok.tz is not None:
            naive_ok = naive_ok.tz_localize(None)
        m = len(naive_ok)
        summer = naive_ok.tz_localize(timezone, ambiguous=np.ones(m, dtype=bool),
                                      nonexistent="NaT")
        winter = naive_ok.tz_localize(timezone, ambiguous=np.zeros(m, dtype=bool),
                                      nonexistent="NaT")
        ok_idx = idx[~bad]
        missing = np.asarray(pd.isna(summer))
        twice = ~missing & np.asarray(summer != winter)
        for j in np.flatnonzero(missing):
            refused.append((int(ok_idx[j]), f"{values.iat[ok_idx[j]]!r} does not exist in "
                            f"{timezone} (the clocks went forward); give the time with its "
                            "UTC offset"))
        for j in np.flatnonzero(twice):
            refused.append((int(ok_idx[j]), f"{values.iat[ok_idx[j]]!r} happens twice in "
                            f"{timezone} (the clocks went back); give the time with its "
                            "UTC offset"))
        good = ~missing & ~twice
        result.iloc[ok_idx[good]] = summer[good].tz_convert("UTC")
    refused.sort()
    return ParsedTimes(utc=pd.DatetimeIndex(result), refused=refused)
