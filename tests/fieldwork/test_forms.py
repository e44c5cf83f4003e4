"""Patrol logs from CSV files and form exports."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from trial.errors import InputError
from trial.fieldwork.forms import FormMap, import_patrols, read_patrol_csv
from trial.fieldwork.times import Hours, Window, zone

LONDON = zone("Europe/London")
NIGHTS = Hours.from_toml({"days": ["Fri", "Sat"], "start": "20:00", "end": "04:00"})
WINDOW = Window.from_toml({"start": "2024-01-08", "end": "2024-11-03"})
NOW = datetime(2024, 12, 1, tzinfo=UTC)
ARMS = {"S1": ("patrol",), "S2": ()}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_trial_patrol_csv(test_data: Path) -> None:
    res = read_patrol_csv(test_data / "sessions" / "patrol-log.csv", timezone="Europe/London")
    assert res.ok and res.lines == (2, 3, 4, 5, 6)
    v = res.rows
    assert (v[0].start, v[0].end, v[0].officers, v[0].source) == (
        utc(2024, 1, 12, 22), utc(2024, 1, 12, 22, 14), 2, "manual")
    assert (v[1].purpose, v[1].source, v[1].minutes) == ("directed", "import", 15)
    assert (v[2].purpose, v[2].mode) == ("bau", "vehicle")
    assert v[3].minutes == 105 and v[4].minutes == 180
    assert v[4].reason == "Inspector asked for a longer visit"


def test_import_checks_against_the_trial(test_data: Path) -> None:
    res = import_patrols(test_data / "sessions" / "patrol-log.csv", timezone=LONDON,
                         arms_by_spot=ARMS, treatment_window=WINDOW, hours=NIGHTS, now=NOW)
    assert [a.flags for a in res.rows_or_raise()] == [(), (), (), (), ()]


def test_bad_file_gives_nothing_and_every_problem(test_data: Path) -> None:
    path = test_data / "sessions" / "patrol-log-bad.csv"
    assert read_patrol_csv(path, timezone=LONDON).rows == ()
    res = import_patrols(path, timezone=LONDON, arms_by_spot=ARMS, treatment_window=WINDOW,
                         hours=NIGHTS, now=NOW)
    assert res.rows == ()
    text = [str(p) for p in res.problems]
    assert text[0].startswith("patrol-log-bad.csv:3: start: 2024-03-31 01:30 does not exist")
    assert text[1:] == [
        "patrol-log-bad.csv:4: officers: must be at least 1 (got 0)",
        "patrol-log-bad.csv:4: purpose: unknown purpose 'patrolling': use one of directed, bau, "
        "response, override",
        "patrol-log-bad.csv:4: mode: unknown mode 'boat': use one of foot, vehicle, cycle, other",
        "patrol-log-bad.csv:5: spot_id: unknown spot 'S9'",
        "patrol-log-bad.csv:5: end: must be after the start",
    ]
    with pytest.raises(InputError) as err:
        res.rows_or_raise()
    assert len(err.value.problems) == 6


def test_header_problems(tmp_path: Path) -> None:
    f = tmp_path / "log.csv"
    f.write_text("spot,start,end,officer\nS1,2024-01-12 22:00,2024-01-12 22:10,PC1\n")
    res = read_patrol_csv(f, timezone=LONDON)
    assert [str(p) for p in res.problems] == [
        "log.csv:1: spot: unknown column 'spot': the columns are spot_id, start, end, officer, "
        "officers, purpose, mode, source, notes, reason (a form export needs a map)",
        "log.csv:1: spot_id: missing column",
    ]
    f.write_text("")
    assert str(read_patrol_csv(f, timezone=LONDON).problems[0]) == (
        "log.csv:1: is empty: expected a header line")


def test_google_form_export_through_a_map(test_data: Path) -> None:
    fmap = FormMap.from_toml(test_data / "sessions" / "google-form-map.toml")
    res = read_patrol_csv(test_data / "sessions" / "google-form-export.csv", timezone=LONDON,
                          form_map=fmap)
    rows = res.rows_or_raise()
    assert [(r.spot_id, r.start, r.end, r.officer, r.officers, r.purpose, r.source)
            for r in rows] == [
        ("S1", utc(2024, 1, 12, 22), utc(2024, 1, 12, 22, 14), "PC101", 2, "directed", "import"),
        ("S1", utc(2024, 1, 12, 23, 50), utc(2024, 1, 13, 0, 5), "PC101", 2, "directed",
         "import"),
        ("S2", utc(2024, 1, 13, 21), utc(2024, 1, 13, 21, 20), "PC202", 1, "bau", "import"),
    ]
    assert rows[1].notes == "Busy outside the club, crossed midnight"


def test_form_map_problems(tmp_path: Path) -> None:
    f = tmp_path / "map.toml"
    f.write_text('[columns]\nspot = "Where"\nstart = "Start"\n[extra]\n')
    with pytest.raises(InputError) as err:
        FormMap.from_toml(f)
    assert [str(p) for p in err.value.problems] == [
        "map.toml: extra: unknown section: use columns, times, values, defaults",
        "map.toml: columns.spot: unknown field: use one of spot_id, start, end, officer, "
        "officers, purpose, mode, source, notes, reason",
        "map.toml: columns.spot_id: is required: name the form's column",
        "map.toml: columns.end: is required: name the form's column",
        "map.toml: columns.officer: is required: name the form's column",
    ]
