"""Outcome windows: local dates, hours across midnight, run-in, and whole months."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trial.errors import InputError
from trial.outcomes import (
    month_window_problems,
    parse_record_map,
    read_records,
    window_labels,
)
from trial.outcomes.frame import build_frame

TZ = "Europe/London"
HOURS = {"days": ["Fri", "Sat"], "start": "20:00", "end": "04:00"}


@pytest.fixture(scope="module")
def extract(test_data: Path) -> pd.DataFrame:
    folder = test_data / "outcomes"
    rmap = parse_record_map((folder / "force-extract-map.toml").read_text(), source="map")
    return read_records([folder / "force-extract.csv"], rmap, timezone=TZ).frame


def _labels(frame: pd.DataFrame, labels: np.ndarray) -> dict[str, str | None]:
    return dict(zip(frame["crime_id"], labels, strict=True))


def test_timed_records_by_local_date(extract: pd.DataFrame) -> None:
    windows = {"baseline": ("2023-12-01", "2024-01-05"),
               "treatment": (dt.date(2024, 1, 6), dt.date(2024, 1, 31))}
    got = _labels(extract, window_labels(extract, windows, timezone=TZ))
    assert got["R007"] == got["R001"] == "baseline"  # Thu 4th, Fri 5th
    assert got["R002"] == "treatment"  # Sat 6th 03:59, no hours: its own date
    assert got["R014"] is None  # July
    assert all(got[f"R1{k:02d}"] == "treatment" for k in range(20))


def test_hours_across_midnight_count_on_the_day_the_period_starts(
        extract: pd.DataFrame) -> None:
    windows = {"baseline": ("2023-12-01", "2024-01-05"),
               "treatment": ("2024-01-06", "2024-01-31")}
    got = _labels(extract, window_labels(extract, windows, timezone=TZ, hours=HOURS))
    inside_friday = ["R001", "R002", "R003", "R008", "R009", "R010", "R011", "R012", "R013"]
    assert {k: got[k] for k in inside_friday} == dict.fromkeys(inside_friday, "baseline")
    assert got["R005"] == "treatment"  # Sun 02:00: the Saturday-night period
    # 04:01 Saturday (after the end), Mon 02:00 (Sunday not a day), Thu 23:00, a Monday in
    # July, and daytime records are outside the hours.
    outside = ["R004", "R006", "R007", "R014"] + [f"R1{k:02d}" for k in range(20)]
    assert all(got[k] is None for k in outside)


def test_run_in_belongs_to_no_window(extract: pd.DataFrame) -> None:
    windows = {"baseline": ("2023-12-01", "2024-01-05"),
               "run_in": {"start": "2024-01-06", "end": "2024-01-07"},
               "treatment": ("2024-01-08", "2024-01-31"),
               "hours": HOURS}  # the protocol's [windows] table: hours is not a window
    got = _labels(extract, window_labels(extract, windows, timezone=TZ, hours=HOURS))
    assert got["R005"] is None  # its Saturday period is in the run-in
    assert got["R001"] == "baseline"
    assert "run_in" not in set(got.values())


def test_hours_within_one_day_and_equal_end() -> None:
    times = ["2024-01-05 09:00", "2024-01-05 17:00", "2024-01-05 17:01", "2024-01-06 10:00"]
    frame = build_frame({"precision": "time", "occurred_from": pd.DatetimeIndex(
        pd.to_datetime(times).tz_localize("UTC")), "crime_id": ["a", "b", "c", "d"]}, 4)
    labels = window_labels(frame, {"w": ("2024-01-01", "2024-01-31")}, timezone=TZ,
                           hours={"days": ["Fri"], "start": "09:00", "end": "17:00"})
    assert list(labels) == ["w", "w", None, None]


def _monthly(months: list[str]) -> pd.DataFrame:
    return build_frame({"precision": "month", "month": months,
                        "crime_id": [str(i) for i in range(len(months))]}, len(months))


def test_month_level_records_need_the_whole_month() -> None:
    frame = _monthly(["2019-03", "2019-04", "2019-05", "2019-06", "2019-07"])
    windows = {"baseline": ("2018-04-01", "2019-03-31"),
               "treatment": ("2019-04-15", "2019-06-30")}
    assert list(window_labels(frame, windows, timezone=TZ)) == [
        "baseline", None, "treatment", "treatment", None]
    problems = month_window_problems(windows, ["2019-03", "2019-04", "2019-05"])
    assert [(p.field, p.what.split(" ")[1]) for p in problems] == [
        ("windows.treatment", "2019-04")]
    assert "count in no window" in problems[0].what


def test_hours_with_month_level_data_is_refused() -> None:
    frame = _monthly(["2019-03"])
    with pytest.raises(InputError) as err:
        window_labels(frame, {"w": ("2019-01-01", "2019-12-31")}, timezone=TZ, hours=HOURS)
    (problem,) = err.value.problems
    assert problem.field == "windows.hours" and "only their month" in problem.what


def test_bad_windows_are_refused() -> None:
    frame = _monthly(["2019-03"])
    with pytest.raises(InputError, match="overlaps"):
        window_labels(frame, {"a": ("2019-01-01", "2019-03-31"),
                              "b": ("2019-03-31", "2019-04-30")}, timezone=TZ)
    with pytest.raises(InputError, match="before it starts"):
        window_labels(frame, {"a": ("2019-03-31", "2019-01-01")}, timezone=TZ)
    with pytest.raises(InputError, match="unknown day"):
        window_labels(frame.iloc[:0], {"a": ("2019-01-01", "2019-03-31")}, timezone=TZ,
                      hours={"days": ["Friday"], "start": "20:00", "end": "04:00"})


def test_the_local_date_decides_not_the_utc_date() -> None:
    # 23:30 UTC on 30 June is 00:30 BST on 1 July.
    frame = build_frame({"precision": "time", "occurred_from": pd.DatetimeIndex(
        [pd.Timestamp("2024-06-30 23:30", tz="UTC")]), "crime_id": ["a"]}, 1)
    windows = {"june": ("2024-06-01", "2024-06-30"), "july": ("2024-07-01", "2024-07-31")}
    assert list(window_labels(frame, windows, timezone=TZ)) == ["july"]
    assert list(window_labels(frame, windows, timezone="UTC")) == ["june"]
