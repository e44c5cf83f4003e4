"""Fidelity: what each spot and arm was planned and received, and whether it met the thresholds."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any

import pandas as pd

from trial.fieldwork.ads import AdDelivery, ad_flags, ad_hours_compliance
from trial.fieldwork.cost import ArmCost, cost_per_arm
from trial.fieldwork.dosage import ADS, PATROL, CostRates, FidelityThresholds, PatrolDosage
from trial.fieldwork.flags import CONTAMINATION
from trial.fieldwork.patrol import (
    BAU,
    DIRECTED,
    OVERRIDE,
    RESPONSE,
    SELF_REPORTED,
    PatrolVisit,
    patrol_flags,
)
from trial.fieldwork.plan import PlannedVisit
from trial.fieldwork.times import Hours, Window

TRIAL_PATROL = (DIRECTED, OVERRIDE)
KOPER_MINUTES = (10.0, 15.0)
NO_THRESHOLDS = FidelityThresholds()
NO_COSTS = CostRates()


@dataclass(frozen=True)
class SpotFidelity:
    """One spot's planned and delivered fieldwork over the treatment window."""

    spot_id: str
    arm: str
    patrol_visits: int
    patrol_minutes: float
    officer_minutes: float
    bau_minutes: float
    ad_impressions: int
    ad_clicks: int
    ad_spend: float
    contamination: int
    received: bool | None
    planned_visits: int = 0
    planned_minutes: float = 0.0
    bau_visits: int = 0
    response_minutes: float = 0.0
    koper_share: float | None = None
    gps_minutes: float = 0.0
    self_reported_minutes: float = 0.0
    ad_reach_max_daily: int | None = None
    ad_reach_lifetime: int | None = None
    ad_ctr: float | None = None
    ad_cpm: float | None = None
    ad_cpc: float | None = None
    ad_video_views: int = 0
    ad_impressions_in_hours: int = 0
    ad_impressions_outside_hours: int = 0
    ad_impressions_hours_unknown: int = 0
    patrol_visits_outside_hours: int = 0
    visits_per_week: float | None = None
    minutes_per_week: float | None = None
    impressions_per_week: float | None = None


@dataclass(frozen=True)
class ArmFidelity:
    """One arm's totals over its spots, and its cost."""

    arm: str
    patrol_visits: int
    patrol_minutes: float
    officer_minutes: float
    ad_impressions: int
    ad_clicks: int
    ad_spend: float
    contamination: int
    cost_gbp: float
    spots: int = 0
    spots_received: int = 0
    planned_visits: int = 0
    planned_minutes: float = 0.0
    bau_minutes: float = 0.0
    koper_share: float | None = None
    ad_ctr: float | None = None
    ad_cpm: float | None = None
    ad_cpc: float | None = None


@dataclass(frozen=True)
class Fidelity:
    """Per-spot and per-arm fidelity with cost; ``to_dict`` gives the JSON document."""

    spots: tuple[SpotFidelity, ...]
    arms: tuple[ArmFidelity, ...]
    costs: tuple[ArmCost, ...]
    weeks: float | None
    excluded_outside_window: int = 0
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {"spots": [asdict(s) for s in self.spots], "arms": [asdict(a) for a in self.arms],
                "costs": [asdict(c) for c in self.costs], "weeks": self.weeks,
                "excluded_outside_window": self.excluded_outside_window,
                "notes": list(self.notes)}

    @property
    def summary(self) -> pd.DataFrame:
        """The per-arm table."""
        return pd.DataFrame([asdict(a) for a in self.arms])


def covered_minutes(intervals: Sequence[tuple[datetime, datetime]]) -> float:
    """Minutes covered by at least one interval (overlaps counted once)."""
    total = timedelta()
    cur_start: datetime | None = None
    cur_end: datetime | None = None
    for s, e in sorted(intervals):
        if cur_end is None or s > cur_end:
            if cur_start is not None and cur_end is not None:
                total += cur_end - cur_start
            cur_start, cur_end = s, e
        elif e > cur_end:
            cur_end = e
    if cur_start is not None and cur_end is not None:
        total += cur_end - cur_start
    return total.total_seconds() / 60.0


def _ratio(num: float, den: float, scale: float = 1.0) -> float | None:
    return None if den == 0 else scale * num / den


def fidelity(*, spot_arms: Mapping[str, str], arms: Mapping[str, Collection[str]],
             visits: Sequence[PatrolVisit] = (), ads: Sequence[AdDelivery] = (), tz: tzinfo,
             treatment_window: Window | None, patrol_hours: Hours | None = None,
             ad_hours: Hours | None = None,
             thresholds: FidelityThresholds = NO_THRESHOLDS,
             rates: CostRates = NO_COSTS, plan: Sequence[PlannedVisit] | None = None,
             patrol_dosage: PatrolDosage | None = None,
             lifetime_reach: Mapping[str, int] | None = None,
             contaminated_targets: Collection[tuple[str, str, str]] = ()) -> Fidelity:
    """Planned versus delivered fieldwork per spot and per arm, with cost per arm.

    Counts sessions that start inside the treatment window (all, without one); voided
    sessions are excluded. The trial's patrol is directed visits plus authorised overrides.

    Args:
        spot_arms: each spot's arm.
        arms: each arm and what it delivers, in report order.
        visits: patrol visits (any purpose, any source).
        ads: ad delivery rows.
        tz: the trial's timezone.
        treatment_window: ``[windows].treatment``.
        patrol_hours, ad_hours: ``[dosage]`` hours, for flags and hours compliance.
        thresholds: ``[fidelity]``.
        rates: ``[costs]``.
        plan: planned visits; without it, planned = ``visits_per_day`` x the window's
            delivery days (from ``patrol_dosage``) for each patrol spot.
        lifetime_reach: the platform's de-duplicated reach per spot, when given.
        contaminated_targets: (platform, account, ad group) keys of target areas reaching a
            non-ads spot or catchment.

    Returns:
        A :class:`Fidelity`.

    Notes:
        patrol_minutes = minutes with at least one officer present (overlapping visits counted
        once); officer_minutes = sum of minutes x officers. Koper compliance = share of the
        trial's visits lasting 10 to 15 minutes inclusive (Koper 1995). Reach is never summed:
        ``ad_reach_max_daily`` is the largest single-row reach. CTR = clicks / impressions,
        CPM = 1000 spend / impressions, CPC = spend / clicks.

        "Received" (met the thresholds): over the W = days / 7 treatment weeks, a spot met a
        per-week threshold when its total over the window is at least W x the threshold (its
        mean week meets it, so one lost night can be made up). A patrol spot must meet
        min_visits_per_week and min_minutes_per_week (on patrol_minutes); an ads spot
        min_impressions_per_week. A spot whose arm delivers nothing, or with no threshold for
        what it delivers, received its arm. Contamination does not change "received"; it is
        counted beside it. Without a window, "received" is None where a threshold applies.

    References:
        Koper, C. S. (1995). Just enough police presence. Justice Quarterly 12(4), 649-672.
        METHODS.md sections 8 and 11.
    """
    lo_hi = treatment_window.bounds(tz) if treatment_window else None
    weeks = treatment_window.weeks if treatment_window else None

    def inside(start: datetime) -> bool:
        return lo_hi is None or lo_hi[0] <= start < lo_hi[1]

    kept_visits = [v for v in visits if not v.voided and v.spot_id in spot_arms]
    kept_ads = [a for a in ads if not a.voided and a.spot_id in spot_arms]
    excluded = sum(not inside(v.start) for v in kept_visits) + sum(
        not inside(a.start) for a in kept_ads)
    kept_visits = [v for v in kept_visits if inside(v.start)]
    kept_ads = [a for a in kept_ads if inside(a.start)]
    bad_targets = {(p, g) for p, _a, g in contaminated_targets}
    planned = _planned(spot_arms, arms, plan, patrol_dosage, treatment_window, inside)
    lifetime = lifetime_reach or {}
    spots: list[SpotFidelity] = []
    for spot_id in sorted(spot_arms):
        arm = spot_arms[spot_id]
        delivers = tuple(arms.get(arm, ()))
        sv = [v for v in kept_visits if v.spot_id == spot_id]
        sa = [a for a in kept_ads if a.spot_id == spot_id]
        trial = [v for v in sv if v.purpose in TRIAL_PATROL]
        bau = [v for v in sv if v.purpose == BAU]
        contamination = sum(CONTAMINATION in patrol_flags(
            v, arm_delivers=delivers, treatment_window=None, hours=None, tz=tz) for v in sv)
        contamination += sum(CONTAMINATION in ad_flags(
            a, arm_delivers=delivers, target_contaminated=(a.platform, a.ad_group) in bad_targets,
            treatment_window=None, hours=None, tz=tz) for a in sa)
        impressions = sum(a.impressions for a in sa)
        clicks = sum(a.clicks for a in sa)
        spend = sum(a.spend_gbp for a in sa)
        by_hours = {"yes": 0, "no": 0, "unknown": 0}
        for a in sa:
            by_hours[ad_hours_compliance(a, ad_hours, tz)] += a.impressions
        patrol_minutes = covered_minutes([(v.start, v.end) for v in trial])
        koper = [KOPER_MINUTES[0] <= round(v.minutes, 6) <= KOPER_MINUTES[1] for v in trial]
        reaches = [a.reach for a in sa if a.reach is not None]
        spots.append(SpotFidelity(
            spot_id=spot_id, arm=arm, patrol_visits=len(trial), patrol_minutes=patrol_minutes,
            officer_minutes=sum(v.officer_minutes for v in trial),
            bau_minutes=covered_minutes([(v.start, v.end) for v in bau]),
            ad_impressions=impressions, ad_clicks=clicks, ad_spend=spend,
            contamination=contamination,
            received=_received(delivers, thresholds, weeks, len(trial), patrol_minutes,
                               impressions),
            planned_visits=planned.get(spot_id, (0, 0.0))[0],
            planned_minutes=planned.get(spot_id, (0, 0.0))[1], bau_visits=len(bau),
            response_minutes=covered_minutes([(v.start, v.end) for v in sv
                                              if v.purpose == RESPONSE]),
            koper_share=_ratio(sum(koper), len(koper)),
            gps_minutes=covered_minutes([(v.start, v.end) for v in trial if v.source == "gps"]),
            self_reported_minutes=covered_minutes([(v.start, v.end) for v in trial
                                                   if v.source in SELF_REPORTED]),
            ad_reach_max_daily=max(reaches) if reaches else None,
            ad_reach_lifetime=lifetime.get(spot_id), ad_ctr=_ratio(clicks, impressions),
            ad_cpm=_ratio(spend, impressions, 1000.0), ad_cpc=_ratio(spend, clicks),
            ad_video_views=sum(a.video_views or 0 for a in sa),
            ad_impressions_in_hours=by_hours["yes"], ad_impressions_outside_hours=by_hours["no"],
            ad_impressions_hours_unknown=by_hours["unknown"],
            patrol_visits_outside_hours=sum(
                patrol_hours is not None and not patrol_hours.contains(v.start, v.end, tz)
                for v in trial),
            visits_per_week=_ratio(len(trial), weeks or 0),
            minutes_per_week=_ratio(patrol_minutes, weeks or 0),
            impressions_per_week=_ratio(impressions, weeks or 0)))
    costs = cost_per_arm(
        arms, rates=rates,
        officer_minutes={arm: sum(s.officer_minutes for s in spots if s.arm == arm)
                         for arm in arms},
        ad_spend_gbp={arm: sum(s.ad_spend for s in spots if s.arm == arm) for arm in arms})
    arm_rows = [_arm_row(arm, [s for s in spots if s.arm == arm], c, kept_visits)
                for arm, c in zip(arms, costs, strict=True)]
    return Fidelity(tuple(spots), tuple(arm_rows), costs, weeks, excluded)


def _arm_row(arm: str, spots: list[SpotFidelity], cost: ArmCost,
             visits: Sequence[PatrolVisit]) -> ArmFidelity:
    ids = {s.spot_id for s in spots}
    trial = [v for v in visits if v.spot_id in ids and v.purpose in TRIAL_PATROL]
    koper = [KOPER_MINUTES[0] <= round(v.minutes, 6) <= KOPER_MINUTES[1] for v in trial]
    imp = sum(s.ad_impressions for s in spots)
    clicks = sum(s.ad_clicks for s in spots)
    spend = sum(s.ad_spend for s in spots)
    return ArmFidelity(
        arm=arm, patrol_visits=sum(s.patrol_visits for s in spots),
        patrol_minutes=sum(s.patrol_minutes for s in spots),
        officer_minutes=sum(s.officer_minutes for s in spots), ad_impressions=imp,
        ad_clicks=clicks, ad_spend=spend, contamination=sum(s.contamination for s in spots),
        cost_gbp=cost.cost_gbp, spots=len(spots),
        spots_received=sum(bool(s.received) for s in spots),
        planned_visits=sum(s.planned_visits for s in spots),
        planned_minutes=sum(s.planned_minutes for s in spots),
        bau_minutes=sum(s.bau_minutes for s in spots),
        koper_share=_ratio(sum(koper), len(koper)), ad_ctr=_ratio(clicks, imp),
        ad_cpm=_ratio(spend, imp, 1000.0), ad_cpc=_ratio(spend, clicks))


def _received(delivers: Collection[str], t: FidelityThresholds, weeks: float | None,
              visits: int, minutes: float, impressions: int) -> bool | None:
    checks: list[tuple[float, float | None]] = []
    if PATROL in delivers:
        checks += [(visits, t.min_visits_per_week), (minutes, t.min_minutes_per_week)]
    if ADS in delivers:
        checks.append((impressions, t.min_impressions_per_week))
    needed = [(got, per_week) for got, per_week in checks if per_week is not None]
    if not needed:
        return True
    if weeks is None:
        return None
    # a small tolerance so that 45.0 minutes a week over 13 weeks is not lost to rounding
    return all(got >= per_week * weeks - 1e-9 for got, per_week in needed)


def _planned(spot_arms: Mapping[str, str], arms: Mapping[str, Collection[str]],
             plan: Sequence[PlannedVisit] | None, dosage: PatrolDosage | None,
             window: Window | None, inside: Any) -> dict[str, tuple[int, float]]:
    out: dict[str, tuple[int, float]] = {}
    if plan is not None:
        for p in plan:
            if inside(p.start):
                n, m = out.get(p.spot_id, (0, 0.0))
                out[p.spot_id] = (n + 1, m + (p.end - p.start).total_seconds() / 60.0)
        return out
    if dosage is None or window is None:
        return out
    nights = sum((window.start + timedelta(days=k)).weekday() in dosage.hours.days
                 for k in range(window.days))
    for spot_id, arm in spot_arms.items():
        if PATROL in arms.get(arm, ()):
            n = nights * dosage.visits_per_day
            out[spot_id] = (n, float(n * dosage.visit_minutes))
    return out
