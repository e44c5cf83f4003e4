"""Pings to visits: a stay, a drive-through and a gap, with known answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from trial.errors import InputError
from trial.fieldwork.pings import read_pings_csv, visits_from_pings
from trial.fieldwork.times import zone
from trial.geo import shape_of

SPOT = shape_of("S1", {"type": "Circle", "crs": "EPSG:27700", "center": [430000, 433000],
                       "radius_m": 50})
OTHER = shape_of("S2", {"type": "Circle", "crs": "EPSG:27700", "center": [431000, 433000],
                        "radius_m": 50})
T0 = datetime(2024, 1, 12, 22, 0, tzinfo=UTC)


def pings(device: str, points: list[tuple[float, float, float]]) -> pd.DataFrame:
    return pd.DataFrame({"device": device,
                         "time": [T0 + timedelta(seconds=s) for s, _, _ in points],
                         "easting": [x for _, x, _ in points],
                         "northing": [y for _, _, y in points]})


def test_stay_drive_through_and_gap() -> None:
    # a foot patrol: 11 pings 30 s apart, drifting 5 m each, inside for 300 s
    stay = pings("D1", [(30 * k, 429980 + 5 * k, 433000) for k in range(11)])
    # a car at ~40 km/h: 55 m every 5 s through the 100 m circle
    drive = pings("D2", [(5 * k, 429850 + 55 * k, 433000) for k in range(7)])
    # inside 0..180 s, a 300 s silence, inside again 480..540 s (too short alone)
    gap = pings("D3", [(s, 430000, 433010) for s in (0, 60, 120, 180, 480, 540)])
    # outside every spot
    away = pings("D4", [(30 * k, 432000, 433000) for k in range(10)])
    visits = visits_from_pings(pd.concat([drive, gap, stay, away]), [SPOT, OTHER])
    assert [(v.officer, v.spot_id, (v.start - T0).seconds, v.minutes, v.source)
            for v in visits] == [("D1", "S1", 0, 5.0, "gps"), ("D3", "S1", 0, 3.0, "gps")]


def test_thresholds_are_inclusive_where_documented() -> None:
    # exactly max_gap_s between pings and exactly min_stay_s in all: one visit
    edge = pings("D1", [(0, 430000, 433000), (120, 430000, 433000)])
    assert len(visits_from_pings(edge, [SPOT])) == 1
    assert visits_from_pings(edge, [SPOT], min_stay_s=121) == ()
    assert visits_from_pings(edge, [SPOT], max_gap_s=119) == ()
    # moving between two spots is never one visit
    hop = pings("D1", [(0, 430000, 433000), (60, 430000, 433000), (120, 431000, 433000),
                       (240, 431000, 433000)])
    assert [v.spot_id for v in visits_from_pings(hop, [SPOT, OTHER])] == ["S2"]


def test_lat_lon_and_officer_column() -> None:
    from trial.geo import from_metric

    lon, lat = from_metric([430000.0], [433000.0])
    frame = pd.DataFrame({"officer": "PC7", "time": [T0 + timedelta(seconds=s)
                                                     for s in (0, 90, 150)],
                          "lat": [lat[0]] * 3, "lon": [lon[0]] * 3})
    (v,) = visits_from_pings(frame, [SPOT], purpose="bau")
    assert (v.officer, v.purpose, v.minutes) == ("PC7", "bau", 2.5)


def test_naive_times_are_refused() -> None:
    frame = pings("D1", [(0, 430000, 433000)])
    frame["time"] = frame["time"].dt.tz_localize(None)
    with pytest.raises(InputError, match="offset"):
        visits_from_pings(frame, [SPOT])


def test_read_pings_csv(tmp_path: Path) -> None:
    f = tmp_path / "pings.csv"
    f.write_text("device,time,easting,northing\nD1,2024-06-14 22:00:00,430000,433000\n"
                 "D1,2024-06-14 22:03:00,430001,433000\n")
    frame = read_pings_csv(f, timezone=zone("Europe/London"))
    (v,) = visits_from_pings(frame, [SPOT], max_gap_s=200)
    assert v.start == datetime(2024, 6, 14, 21, 0, tzinfo=UTC) and v.minutes == 3
    f.write_text("device,time,easting,northing\nD1,2024-03-31 01:30,430000,x\n")
    with pytest.raises(InputError) as err:
        read_pings_csv(f, timezone=zone("Europe/London"))
    assert [(p.line, p.field) for p in err.value.problems] == [(2, "time"), (2, "northing")]
