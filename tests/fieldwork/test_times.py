"""Local times, clock changes, windows and hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from trial.fieldwork.times import (
    Hours,
    LocalTimeError,
    Window,
    parse_local_time,
    zone,
)

LONDON = zone("Europe/London")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_local_time_in_winter_and_summer() -> None:
    assert parse_local_time("2024-01-12 22:00", LONDON) == utc(2024, 1, 12, 22, 0)
    assert parse_local_time("2024-06-14 22:00", LONDON) == utc(2024, 6, 14, 21, 0)
    assert parse_local_time("2024-06-14T22:00:30", "Europe/London") == utc(2024, 6, 14, 21, 0, 30)


def test_offsets_are_taken_as_given() -> None:
    assert parse_local_time("2024-10-27T01:30+01:00", LONDON) == utc(2024, 10, 27, 0, 30)
    assert parse_local_time("2024-10-27T01:30+00:00", LONDON) == utc(2024, 10, 27, 1, 30)
    assert parse_local_time("2024-03-31T01:30Z", LONDON) == utc(2024, 3, 31, 1, 30)


def test_clocks_going_forward_leave_a_missing_hour() -> None:
    with pytest.raises(LocalTimeError, match="does not exist"):
        parse_local_time("2024-03-31 01:30", LONDON)
    # either side of the gap is fine
    assert parse_local_time("2024-03-31 00:59", LONDON) == utc(2024, 3, 31, 0, 59)
    assert parse_local_time("2024-03-31 02:00", LONDON) == utc(2024, 3, 31, 1, 0)


def test_clocks_going_back_repeat_an_hour() -> None:
    with pytest.raises(LocalTimeError, match="happens twice"):
        parse_local_time("2024-10-27 01:30", LONDON)
    assert parse_local_time("2024-10-27 02:00", LONDON) == utc(2024, 10, 27, 2, 0)


def test_unreadable_time() -> None:
    with pytest.raises(LocalTimeError, match="not a time"):
        parse_local_time("yesterday", LONDON)
    with pytest.raises(LocalTimeError, match="empty"):
        parse_local_time(" ", LONDON)


def test_zone_names_and_fixed_offsets() -> None:
    assert zone("UTC+09:00") == timezone(timedelta(hours=9))
    assert zone("(UTC-05:00)") == timezone(timedelta(hours=-5))
    assert zone("UTC") == UTC
    with pytest.raises(LocalTimeError, match="unknown time zone"):
        zone("Mars/Olympus")


NIGHTS = Hours.from_toml({"days": ["Fri", "Sat"], "start": "20:00", "end": "04:00"})


def test_hours_across_midnight() -> None:
    assert NIGHTS.days == (4, 5) and NIGHTS.end == time(4)
    # Fri 2024-01-12 23:30 to Sat 00:15 (GMT = UTC)
    assert NIGHTS.contains(utc(2024, 1, 12, 23, 30), utc(2024, 1, 13, 0, 15), LONDON)
    # ending exactly at the end is inside; one minute later is not
    assert NIGHTS.contains(utc(2024, 1, 13, 3, 45), utc(2024, 1, 13, 4, 0), LONDON)
    assert not NIGHTS.contains(utc(2024, 1, 13, 3, 46), utc(2024, 1, 13, 4, 1), LONDON)
    # a Sunday-night visit is outside (Sun is not a delivery day)
    assert not NIGHTS.contains(utc(2024, 1, 14, 22, 0), utc(2024, 1, 14, 22, 15), LONDON)
    # Thursday 20:00 is not a period start
    assert not NIGHTS.contains(utc(2024, 1, 11, 21, 0), utc(2024, 1, 11, 21, 15), LONDON)


def test_hours_on_clock_change_nights() -> None:
    # Sat 30 March 2024 20:00 GMT to Sun 31 March 04:00 BST (= 03:00 UTC): 7 real hours
    start, end = NIGHTS.period(date(2024, 3, 30), LONDON)
    assert (start, end) == (utc(2024, 3, 30, 20), utc(2024, 3, 31, 3))
    # Sat 26 October 20:00 BST (19:00 UTC) to Sun 27 October 04:00 GMT: 9 real hours
    start, end = NIGHTS.period(date(2024, 10, 26), LONDON)
    assert (start, end) == (utc(2024, 10, 26, 19), utc(2024, 10, 27, 4))


def test_window_is_inclusive_local_dates() -> None:
    w = Window.from_toml({"start": "2024-01-08", "end": "2024-04-07"})
    assert w.days == 91 and w.weeks == 13
    lo, hi = w.bounds(LONDON)
    assert lo == utc(2024, 1, 8) and hi == utc(2024, 4, 7, 23)  # BST on 7 April
    assert w.contains(utc(2024, 4, 7, 22), utc(2024, 4, 7, 23), LONDON)
    assert not w.contains(utc(2024, 4, 7, 22), utc(2024, 4, 7, 23, 1), LONDON)
