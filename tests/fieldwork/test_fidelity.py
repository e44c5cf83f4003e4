"""Fidelity and cost on a small made-up trial, every number worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from trial.fieldwork.ads import AdDelivery
from trial.fieldwork.cost import cost_per_arm
from trial.fieldwork.dosage import CostRates, FidelityThresholds, PatrolDosage
from trial.fieldwork.fidelity import covered_minutes, fidelity
from trial.fieldwork.patrol import PatrolVisit
from trial.fieldwork.times import Window, zone

LONDON = zone("Europe/London")  # January: London time = UTC
ARMS = {"physical": ("patrol",), "digital": ("ads",), "control": (),
        "combined": ("patrol", "ads")}
SPOT_ARMS = {"P1": "physical", "P2": "physical", "D1": "digital", "C1": "control",
             "B1": "combined"}
WINDOW = Window.from_toml({"start": "2024-01-08", "end": "2024-01-21"})  # 2 weeks
THRESHOLDS = FidelityThresholds(min_visits_per_week=2, min_minutes_per_week=25,
                                min_impressions_per_week=1000)
RATES = CostRates(officer_hour_gbp=45.0, fixed_gbp={"ads": 1000.0, "patrol": 300.0})
DOSAGE = PatrolDosage.from_toml({"visits_per_day": 3, "visit_minutes": 15, "min_gap_minutes": 60,
                                 "days": ["Fri", "Sat"], "start": "20:00", "end": "04:00"})


def t(day: int, hh: int, mm: int) -> datetime:
    return datetime(2024, 1, day, hh, mm, tzinfo=UTC)


def v(spot: str, day: int, a: tuple[int, int], b: tuple[int, int], **kw: object) -> PatrolVisit:
    return PatrolVisit(spot, t(day, *a), t(day, *b), str(kw.pop("officer", "PC1")),
                       **kw)  # type: ignore[arg-type]


def ad(spot: str, day: int, impressions: int, clicks: int, spend: float,
       reach: int | None = None) -> AdDelivery:
    return AdDelivery(spot, "tiktok", t(day, 0, 0), t(day + 1, 0, 0), impressions, clicks, spend,
                      reach=reach, ad_group=f"{spot} group")


VISITS = [
    v("P1", 12, (22, 0), (22, 12), officers=2),                        # 12 min, 24 officer-min
    v("P1", 12, (22, 5), (22, 20), officer="PC2", source="gps"),       # overlaps: union 20 min
    v("P1", 13, (23, 0), (23, 20)),                                    # 20 min, not Koper
    v("P1", 20, (21, 0), (21, 10), officers=3),                        # 10 min, 30 officer-min
    v("P1", 13, (20, 0), (20, 30), officer="PC9", purpose="bau"),      # BAU presence
    PatrolVisit("P1", t(20, 22, 0), t(20, 23, 0), "PC1", voided=True),  # voided
    v("P1", 5, (22, 0), (22, 15)),                                     # before the window
    v("P2", 11, (22, 0), (22, 15)),                                    # a Thursday
    v("D1", 12, (21, 0), (21, 20), officer="PC9", purpose="bau"),
    v("C1", 19, (22, 0), (22, 10), officers=2),                        # contamination
    v("B1", 19, (23, 0), (23, 15)),
]
ADS = [ad("D1", 12, 1200, 12, 6.0, reach=900), ad("D1", 13, 900, 6, 4.5, reach=800),
       ad("C1", 13, 100, 1, 1.0), ad("B1", 19, 500, 5, 2.5)]


def report():  # type: ignore[no-untyped-def]
    return fidelity(spot_arms=SPOT_ARMS, arms=ARMS, visits=VISITS, ads=ADS, tz=LONDON,
                    treatment_window=WINDOW, thresholds=THRESHOLDS, rates=RATES,
                    patrol_dosage=DOSAGE, lifetime_reach={"D1": 1500}, ad_hours=DOSAGE.hours,
                    patrol_hours=DOSAGE.hours)


def test_spots_by_hand() -> None:
    f = report()
    s = {x.spot_id: x for x in f.spots}
    p1 = s["P1"]
    assert (p1.patrol_visits, p1.patrol_minutes, p1.officer_minutes) == (4, 50.0, 89.0)
    assert (p1.bau_minutes, p1.bau_visits, p1.koper_share) == (30.0, 1, 0.75)
    assert (p1.gps_minutes, p1.self_reported_minutes) == (15.0, 42.0)
    assert p1.patrol_visits_outside_hours == 0 and s["B1"].patrol_visits_outside_hours == 0
    assert (p1.planned_visits, p1.planned_minutes) == (12, 180.0)  # 4 nights x 3 x 15
    assert p1.visits_per_week == 2.0 and p1.minutes_per_week == 25.0
    assert p1.received is True  # exactly on both thresholds
    assert s["P2"].patrol_visits_outside_hours == 1
    assert s["P2"].received is False and s["B1"].received is False  # 1 visit < 2 a week
    d1 = s["D1"]
    assert (d1.ad_impressions, d1.ad_clicks, d1.ad_spend) == (2100, 18, 10.5)
    assert (d1.ad_reach_max_daily, d1.ad_reach_lifetime) == (900, 1500)  # never 1700
    assert d1.ad_ctr == pytest.approx(18 / 2100) and d1.ad_cpm == pytest.approx(5.0)
    assert d1.ad_cpc == pytest.approx(10.5 / 18)
    assert d1.ad_impressions_hours_unknown == 2100 and d1.ad_impressions_in_hours == 0
    assert (d1.received, d1.bau_minutes, d1.planned_visits) == (True, 20.0, 0)
    c1 = s["C1"]
    assert (c1.contamination, c1.received, c1.officer_minutes) == (2, True, 20.0)
    assert f.excluded_outside_window == 1 and f.weeks == 2.0


def test_arms_and_cost_by_hand() -> None:
    f = report()
    a = {x.arm: x for x in f.arms}
    assert [x.arm for x in f.arms] == ["physical", "digital", "control", "combined"]
    assert (a["physical"].patrol_visits, a["physical"].officer_minutes) == (5, 104.0)
    assert (a["physical"].spots, a["physical"].spots_received) == (2, 1)
    assert a["physical"].planned_visits == 24 and a["physical"].koper_share == 0.8
    # physical: 104/60 x 45 = 78 + 300/2 fixed patrol = 228
    # digital: 10.5 spend + 1000/2 fixed ads = 510.5
    # control: 20/60 x 45 = 15 + 1.0 spend (contamination) = 16
    # combined: 15/60 x 45 = 11.25 + 2.5 + 500 + 150 = 663.75
    assert [round(x.cost_gbp, 6) for x in f.arms] == [228.0, 510.5, 16.0, 663.75]
    assert a["control"].contamination == 2 and a["control"].bau_minutes == 0
    doc = f.to_dict()
    for key in ("spot_id", "arm", "patrol_visits", "patrol_minutes", "officer_minutes",
                "bau_minutes", "ad_impressions", "ad_clicks", "ad_spend", "contamination",
                "received"):
        assert key in doc["spots"][0]
    for key in ("arm", "patrol_visits", "patrol_minutes", "officer_minutes", "ad_impressions",
                "ad_clicks", "ad_spend", "contamination", "cost_gbp"):
        assert key in doc["arms"][0]
    assert list(f.summary["arm"]) == ["physical", "digital", "control", "combined"]


def test_without_thresholds_every_spot_received_and_without_window_none() -> None:
    f = fidelity(spot_arms=SPOT_ARMS, arms=ARMS, visits=VISITS, ads=ADS, tz=LONDON,
                 treatment_window=WINDOW)
    assert all(s.received is True for s in f.spots)
    g = fidelity(spot_arms=SPOT_ARMS, arms=ARMS, visits=VISITS, ads=ADS, tz=LONDON,
                 treatment_window=None, thresholds=THRESHOLDS)
    assert {s.spot_id: s.received for s in g.spots}["C1"] is True
    assert {s.spot_id: s.received for s in g.spots}["P1"] is None
    assert {s.spot_id: s.patrol_visits for s in g.spots}["P1"] == 5  # the early one counts


def test_cost_per_arm_alone() -> None:
    costs = cost_per_arm({"a": ("ads",), "b": ("ads",), "c": ("ads",), "ctl": ()},
                         officer_minutes={"ctl": 60}, ad_spend_gbp={"a": 1.0},
                         rates=CostRates(officer_hour_gbp=None, fixed_gbp={"ads": 90.0,
                                                                            "patrol": 7.0}))
    assert [(c.arm, c.cost_gbp) for c in costs] == [("a", 31.0), ("b", 30.0), ("c", 30.0),
                                                     ("ctl", 0.0)]


def test_covered_minutes() -> None:
    assert covered_minutes([]) == 0
    assert covered_minutes([(t(1, 0, 0), t(1, 0, 10)), (t(1, 0, 10), t(1, 0, 20)),
                            (t(1, 0, 5), t(1, 0, 8)), (t(1, 1, 0), t(1, 1, 1))]) == 21
