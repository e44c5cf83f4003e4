"""Patrol visits: every refusal and every flag."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from trial.fieldwork.patrol import PatrolVisit, check_patrol, check_patrols
from trial.fieldwork.times import Hours, Window, parse_local_time, zone

LONDON = zone("Europe/London")
NIGHTS = Hours.from_toml({"days": ["Fri", "Sat"], "start": "20:00", "end": "04:00"})
WINDOW = Window.from_toml({"start": "2024-01-08", "end": "2024-11-03"})
NOW = datetime(2024, 12, 1, tzinfo=UTC)


def local(text: str) -> datetime:
    return parse_local_time(text, LONDON)


def visit(start: str = "2024-01-12 22:00", end: str = "2024-01-12 22:15",
          **kw: object) -> PatrolVisit:
    return PatrolVisit(spot_id=str(kw.pop("spot_id", "S1")), start=local(start), end=local(end),
                       officer=str(kw.pop("officer", "PC1")), **kw)  # type: ignore[arg-type]


def check(v: PatrolVisit, **kw: object) -> tuple[list[str], tuple[str, ...]]:
    args: dict[str, object] = dict(spot_known=True, arm_delivers=("patrol",),
                                   treatment_window=WINDOW, hours=NIGHTS, now=NOW,
                                   existing_for_officer=(), tz=LONDON)
    args.update(kw)
    problems, flags = check_patrol(v, **args)  # type: ignore[arg-type]
    return [f"{p.field}: {p.what}" for p in problems], flags


def test_a_good_visit_has_no_problems_or_flags() -> None:
    v = visit()
    assert v.minutes == 15 and v.officer_minutes == 15
    assert check(v) == ([], ())


@pytest.mark.parametrize(("v", "kw", "field", "words"), [
    (visit(), {"spot_known": False}, "spot_id", "unknown spot"),
    (visit("2024-01-12 22:15", "2024-01-12 22:15"), {}, "end", "after the start"),
    (visit("2024-01-12 22:15", "2024-01-12 22:00"), {}, "end", "after the start"),
    (visit("2024-01-12 08:00", "2024-01-12 20:01"), {}, "end", "at most 12"),
    (visit("2024-12-01 00:00", "2024-12-01 00:10"), {}, "end", "future"),
    (visit(officers=0), {}, "officers", "at least 1"),
    (visit(officers=-2), {}, "officers", "at least 1"),
    (visit(purpose="override"), {}, "reason", "needs a reason"),
    (visit(purpose="directd"), {}, "purpose", "unknown purpose"),
    (visit(mode="horse"), {}, "mode", "unknown mode"),
    (visit(source="radio"), {}, "source", "unknown source"),
    (visit(officer=" "), {}, "officer", "empty"),
    (visit(), {"existing_for_officer": [visit("2024-01-12 22:10", "2024-01-12 22:40",
                                              spot_id="S2")]}, "officer", "already logged"),
])
def test_refusals(v: PatrolVisit, kw: dict[str, object], field: str, words: str) -> None:
    problems, flags = check(v, **kw)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{field}: ") and words in problems[0]
    assert flags == ()


def test_exactly_twelve_hours_is_allowed_and_touching_visits_do_not_overlap() -> None:
    assert check(visit("2024-01-12 16:00", "2024-01-13 04:00"))[0] == []
    before = visit("2024-01-12 21:45", "2024-01-12 22:00", spot_id="S2")
    voided = replace(visit("2024-01-12 22:05", "2024-01-12 22:06"), voided=True)
    assert check(visit(), existing_for_officer=[before, voided])[0] == []
    # the same visit already stored (re-import) is not an overlap with itself
    assert check(visit(), existing_for_officer=[visit()])[0] == []


def test_override_with_reason_is_accepted() -> None:
    assert check(visit(purpose="override", reason="Inspector's instruction"))[0] == []


def test_contamination_only_for_directed_patrol_in_a_non_patrol_arm() -> None:
    assert check(visit(), arm_delivers=("ads",))[1] == ("contamination",)
    assert check(visit(), arm_delivers=())[1] == ("contamination",)
    assert check(visit(purpose="bau"), arm_delivers=())[1] == ()
    assert check(visit(purpose="response"), arm_delivers=())[1] == ()


def test_outside_window_and_hours() -> None:
    assert check(visit("2024-01-05 22:00", "2024-01-05 22:15"))[1] == ("outside_window",)
    # Wednesday evening
    assert check(visit("2024-01-10 22:00", "2024-01-10 22:15"))[1] == ("outside_hours",)
    # Friday 19:50 starts before the hours
    assert check(visit("2024-01-12 19:50", "2024-01-12 20:05"))[1] == ("outside_hours",)
    # business as usual is not held to the trial's hours
    assert check(visit("2024-01-10 22:00", "2024-01-10 22:15", purpose="bau"))[1] == ()


def test_visit_across_midnight_and_ending_at_the_hours_end() -> None:
    assert check(visit("2024-01-12 23:50", "2024-01-13 00:10")) == ([], ())
    assert check(visit("2024-01-13 03:45", "2024-01-13 04:00")) == ([], ())
    assert check(visit("2024-01-13 03:50", "2024-01-13 04:01"))[1] == ("outside_hours",)


def test_clock_going_forward_night() -> None:
    # Sat 30 March 2024 23:30 GMT to Sun 31 March 02:15 BST: 1 h 45 real minutes, inside
    v = visit("2024-03-30 23:30", "2024-03-31 02:15")
    assert v.minutes == 105
    assert check(v) == ([], ())
    # 03:50 BST to 04:00 BST ends exactly at the end
    assert check(visit("2024-03-31 03:50", "2024-03-31 04:00")) == ([], ())
    with pytest.raises(ValueError, match="does not exist"):
        visit("2024-03-31 01:15", "2024-03-31 02:15")


def test_clock_going_back_night() -> None:
    # Sat 26 October 23:30 BST to Sun 27 October 01:30 GMT (the second 01:30): 3 real hours
    v = PatrolVisit("S1", local("2024-10-26 23:30"), local("2024-10-27T01:30+00:00"), "PC1")
    assert v.minutes == 180
    assert check(v) == ([], ())
    with pytest.raises(ValueError, match="happens twice"):
        visit("2024-10-27 01:30", "2024-10-27 01:45")
    # 03:45 to 04:00 GMT on that night is inside
    assert check(visit("2024-10-27 03:45", "2024-10-27 04:00")) == ([], ())


def test_batch_is_atomic_and_checks_overlaps_within_it() -> None:
    arms = {"S1": ("patrol",), "S2": ()}
    good = visit()
    clash = visit("2024-01-12 22:10", "2024-01-12 22:20", spot_id="S2")
    unknown = visit("2024-01-13 22:00", "2024-01-13 22:15", spot_id="S9")
    res = check_patrols([good, clash, unknown, good], lines=[2, 3, 4, 5], source="log.csv",
                        arms_by_spot=arms, treatment_window=WINDOW, hours=NIGHTS, now=NOW,
                        tz=LONDON)
    assert res.rows == ()
    assert [str(p) for p in res.problems] == [
        "log.csv:3: officer: PC1 is already logged at S1 from 2024-01-12 22:00 to "
        "2024-01-12 22:15",
        "log.csv:4: spot_id: unknown spot 'S9'",
        "log.csv:5: start: repeats line 2 (same spot, start, end and officer)",
    ]
    ok = check_patrols([good, replace(clash, officer="PC2")], arms_by_spot=arms,
                       treatment_window=WINDOW, hours=NIGHTS, now=NOW, tz=LONDON)
    assert [a.flags for a in ok.rows_or_raise()] == [(), ("contamination",)]
    assert ok.rows[1].visit.start == datetime(2024, 1, 12, 22, 10, tzinfo=UTC)
    assert ok.rows[1].visit.end - ok.rows[1].visit.start == timedelta(minutes=10)
