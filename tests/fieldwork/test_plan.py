"""Plans: count, length, spacing, hours and reproducibility, over many seeds."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import numpy as np
import pytest

from trial.errors import InputError
from trial.fieldwork.dosage import AdDosage, PatrolDosage
from trial.fieldwork.plan import make_plan
from trial.fieldwork.times import zone

LONDON = zone("Europe/London")
DOSAGE = PatrolDosage.from_toml({"visits_per_day": 3, "visit_minutes": 15, "min_gap_minutes": 60,
                                 "days": ["Fri", "Sat"], "start": "20:00", "end": "04:00"})
SPOTS = {"S1": ("patrol",), "S2": ("patrol", "ads"), "S3": ("ads",), "S4": ()}
# two weeks of March 2024 including the clock-change night (Sat 30 March) and 26 October
DATES = [date(2024, 3, 18) + timedelta(days=k) for k in range(14)] + [date(2024, 10, 26)]


@pytest.mark.parametrize("seed", range(40))
def test_plan_properties(seed: int) -> None:
    plan = make_plan(SPOTS, DOSAGE, DATES, LONDON, np.random.default_rng(seed),
                     today=date(2024, 3, 1), seed=seed)
    by_night: dict[tuple[str, date], list] = defaultdict(list)
    for v in plan.visits:
        by_night[(v.spot_id, v.night)].append(v)
    delivery_nights = [d for d in DATES if d.weekday() in (4, 5)]
    assert len(delivery_nights) == 5
    assert set(by_night) == {(s, d) for s in ("S1", "S2") for d in delivery_nights}
    for (_spot, night), visits in by_night.items():
        assert [v.order for v in visits] == [1, 2, 3]
        ps, pe = DOSAGE.hours.period(night, LONDON)
        for v in visits:
            assert v.end - v.start == timedelta(minutes=15)
            assert ps <= v.start and v.end <= pe
            assert DOSAGE.hours.contains(v.start, v.end, LONDON)
            assert v.start.second == 0 and v.start.microsecond == 0
        for a, b in zip(visits, visits[1:], strict=False):
            assert b.start - a.end >= timedelta(minutes=60)
    again = make_plan(SPOTS, DOSAGE, DATES, LONDON, np.random.default_rng(seed),
                      today=date(2024, 3, 1), seed=seed)
    assert again == plan and plan.seed == seed


def test_plans_differ_between_seeds_and_reach_the_whole_night() -> None:
    plans = [make_plan(SPOTS, DOSAGE, DATES, LONDON, np.random.default_rng(s),
                       today=date(2024, 3, 1)) for s in range(200)]
    assert len({p.visits for p in plans}) == 200
    ps, pe = DOSAGE.hours.period(date(2024, 3, 22), LONDON)
    firsts = [(v.start - ps).total_seconds() / 60 for p in plans for v in p.visits
              if v.order == 1 and v.night == date(2024, 3, 22)]
    lasts = [(pe - v.end).total_seconds() / 60 for p in plans for v in p.visits
             if v.order == 3 and v.night == date(2024, 3, 22)]
    # with 8 h and 3 x 15 min + 2 x 60 min, the slack is 315 minutes: starts spread widely
    assert min(firsts) == 0 or min(firsts) < 10
    assert min(lasts) < 10 and min(lasts) >= 0
    assert 60 < float(np.mean(firsts)) < 100  # E[min of 3 uniform on 0..315] = 78.75


def test_clock_change_nights_use_their_true_length() -> None:
    tight = PatrolDosage.from_toml({"visits_per_day": 2, "visit_minutes": 200,
                                    "min_gap_minutes": 20, "days": ["Sat"], "start": "20:00",
                                    "end": "04:00"})
    # 420 real minutes on 30 March: 2 x 200 + 20 = 420 fits exactly, one way only
    plan = make_plan({"S1": ("patrol",)}, tight, [date(2024, 3, 30)], LONDON,
                     np.random.default_rng(1), today=date(2024, 3, 1))
    assert [(v.start.astimezone(LONDON).strftime("%H:%M"),
             v.end.astimezone(LONDON).strftime("%H:%M")) for v in plan.visits] == [
        ("20:00", "23:20"), ("23:40", "04:00")]
    longer = PatrolDosage.from_toml({"visits_per_day": 2, "visit_minutes": 210,
                                     "min_gap_minutes": 20, "days": ["Sat"], "start": "20:00",
                                     "end": "04:00"})
    with pytest.raises(InputError, match="do not fit in the 420 minutes"):
        make_plan({"S1": ("patrol",)}, longer, [date(2024, 3, 30)], LONDON,
                  np.random.default_rng(1), today=date(2024, 3, 1))
    # 26 October has 540 minutes: fits
    plan = make_plan({"S1": ("patrol",)}, longer, [date(2024, 10, 26)], LONDON,
                     np.random.default_rng(1), today=date(2024, 3, 1))
    assert len(plan.visits) == 2


def test_past_dates_are_refused_and_ads_get_dayparts() -> None:
    with pytest.raises(InputError, match="future nights only; 2024-03-22 is before"):
        make_plan(SPOTS, DOSAGE, [date(2024, 3, 22)], LONDON, np.random.default_rng(1),
                  today=date(2024, 3, 23))
    ads = AdDosage.from_toml({"days": ["Fri"], "start": "20:00", "end": "04:00",
                              "daily_budget_gbp": 20.0})
    plan = make_plan(SPOTS, None, DATES[:7], LONDON, np.random.default_rng(1),
                     today=date(2024, 3, 1), ads=ads)
    assert plan.visits == ()
    assert [(d.spot_id, str(d.night), d.daily_budget_gbp) for d in plan.dayparts] == [
        ("S2", "2024-03-22", 20.0), ("S3", "2024-03-22", 20.0)]


def test_run_sheet() -> None:
    plan = make_plan({"S1": ("patrol",)}, DOSAGE, [date(2024, 3, 22)], LONDON,
                     np.random.default_rng(7), today=date(2024, 3, 1), seed=7)
    sheet = plan.run_sheet(LONDON)
    assert list(sheet.columns) == ["night", "day", "spot_id", "visit", "start", "end"]
    assert list(sheet["visit"]) == [1, 2, 3] and set(sheet["day"]) == {"Fri"}
