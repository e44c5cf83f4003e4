"""The loaded protocol's values: types, conversions and conveniences."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from tests.protocol.minimal import MINIMAL, after, variant
from trial.errors import InputError
from trial.protocol import Hours, load_protocol, read_protocol


def test_values_are_typed_and_frozen() -> None:
    p = load_protocol(variant(("[windows]\n", '[windows]\nhours = { days = ["Fri"], '
                                              'start = "20:00", end = "04:00" }\n'),
                              append="[catchment]\nbuffer_m = 250\n"))
    assert isinstance(p.windows.treatment.start, dt.date)
    assert p.windows.treatment.start == dt.date(2024, 1, 8)
    assert p.windows.hours is not None and p.windows.hours.start == dt.time(20, 0)
    # an integer is accepted where a float is expected, and becomes a float
    assert p.catchment.buffer_m == 250.0 and isinstance(p.catchment.buffer_m, float)
    assert isinstance(p.hypotheses, tuple) and isinstance(p.hypotheses[0].compare, tuple)
    assert isinstance(p.windows.hours.days, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.trial.name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        p.arms[0].factors["x"] = 1  # type: ignore[index]
    hash(p)


def test_toml_native_dates_and_times_are_accepted() -> None:
    p = load_protocol(variant(
        ('treatment = { start = "2024-01-08", end = "2024-04-07" }',
         "treatment = { start = 2024-01-08, end = 2024-04-07 }"),
        ("[windows]\n", "[windows]\nhours = { start = 20:00:00, end = 04:00:00 }\n")))
    assert p.windows.treatment.end == dt.date(2024, 4, 7)
    assert p.windows.hours is not None and p.windows.hours.end == dt.time(4, 0)


def test_ratios_are_reduced_by_their_greatest_common_divisor() -> None:
    p = load_protocol(variant(after('name = "a"\n', "ratio = 4"), after('name = "b"\n',
                                                                         "ratio = 2")))
    assert [a.ratio for a in p.arms] == [2, 1]


def test_control_arm_is_the_first_when_none_is_marked() -> None:
    p = load_protocol(variant(("control = true\n", "")))
    assert p.control_arm.name == "a"
    assert load_protocol(MINIMAL).control_arm.name == "b"


def test_lookups() -> None:
    p = load_protocol(variant(after('name = "a"\n', 'delivers = ["patrol", "ads"]')))
    assert p.arm("a").delivers == ("patrol", "ads")
    assert p.arms_delivering("ads") == (p.arm("a"),)
    assert p.arms_delivering("patrol") == (p.arm("a"),)
    assert p.outcome("crime") is p.primary_outcome
    assert p.windows.get("treatment") is p.windows.treatment
    assert p.windows.get("follow_up") is None
    assert p.windows.get("hours") is None
    assert [w.name for w in p.windows.defined] == ["baseline", "treatment"]
    assert p.windows.treatment.n_days == 91
    with pytest.raises(KeyError):
        p.arm("c")
    with pytest.raises(KeyError):
        p.outcome("harm")
    with pytest.raises(ValueError):
        p.arms_delivering("drones")


def test_non_inferiority_alternative_is_the_one_sided_direction() -> None:
    lower = load_protocol(variant(after('id = "H1"\n', 'test = "non-inferiority"',
                                        "margin = 1.2")))
    assert lower.hypotheses[0].alternative == "less"
    higher = load_protocol(variant(after('id = "H1"\n', 'test = "non-inferiority"',
                                         "margin = 0.8"),
                                   after('name = "crime"\n', 'better = "higher"')))
    assert higher.hypotheses[0].alternative == "greater"


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute))


def test_hours_past_midnight_belong_to_the_day_they_started() -> None:
    hours = Hours(days=("Fri", "Sat"), start=dt.time(20), end=dt.time(4))
    friday = dt.date(2024, 1, 12)
    assert friday.weekday() == 4
    assert hours.contains(at(friday, 20))
    assert hours.contains(at(friday + dt.timedelta(days=1), 4))  # the end is inside
    assert not hours.contains(at(friday + dt.timedelta(days=1), 4, 1))
    assert hours.contains(at(friday + dt.timedelta(days=2), 3))  # Saturday's period, on Sunday
    assert not hours.contains(at(friday, 3))  # Thursday's night is not listed
    assert not hours.contains(at(friday, 19, 59))
    day = Hours(days=("Mon",), start=dt.time(9), end=dt.time(17))
    assert day.contains(at(dt.date(2024, 1, 8), 17))
    assert not day.contains(at(dt.date(2024, 1, 9), 12))


def test_read_protocol_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "my-trial.toml"
    path.write_text(MINIMAL.replace('method = "complete"', 'method = "random"'), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_protocol(path)
    assert str(caught.value).startswith('my-trial.toml:11: design.method: must be one of')


def test_read_protocol_keeps_the_text_exactly(tmp_path: Path) -> None:
    path = tmp_path / "crlf.toml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.replace("\n", "\r\n").encode())
    p = read_protocol(path)
    assert p.text == MINIMAL.replace("\n", "\r\n")
    assert p.sha256 == load_protocol(MINIMAL).sha256


def test_read_protocol_refuses_missing_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_protocol(tmp_path / "absent.toml")
    assert caught.value.problems[0].source == "absent.toml"
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'[trial]\nname = "caf\xe9"\n')
    with pytest.raises(InputError) as caught:
        read_protocol(path)
    problem = caught.value.problems[0]
    assert (problem.line, problem.what) == (2, "is not UTF-8 text")


def test_another_iana_timezone_is_accepted() -> None:
    p = load_protocol(variant(after('name = "t"\n', 'timezone = "Europe/Dublin"')))
    assert p.trial.timezone == "Europe/Dublin"
    assert str(p.trial.tzinfo) == "Europe/Dublin"
