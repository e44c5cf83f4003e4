"""Delivered against plan per arm, from aggregates: the fidelity report's arm totals, cheaply."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlmodel import Session

from trial.fieldwork.cost import cost_per_arm
from trial.fieldwork.dosage import ADS, PATROL, CostRates, FidelityThresholds, PatrolDosage
from trial.fieldwork.fidelity import TRIAL_PATROL, _planned, _received, covered_minutes
from trial.fieldwork.patrol import DIRECTED
from trial.fieldwork.times import Window
from trial.service.context import Context
from trial.service.fieldwork import AD_KIND, PATROL_KIND, FieldTrial, randomised_trial
from trial.service.fieldwork_ads import contaminated_targets, stored_areas
from trial.service.trials import find_trial
from trial.store.fieldwork_models import FieldSession, SessionVoid

_FS = FieldSession.__table__  # type: ignore[attr-defined]
_SV = SessionVoid.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ArmDosage:
    """One arm's delivery over a period: the fields of the fidelity report's arm row."""

    arm: str
    patrol_visits: int
    patrol_minutes: float
    planned_minutes: float
    ad_impressions: int
    ad_spend: float
    contamination: int
    cost_gbp: float
    spots: int
    spots_received: int


@dataclass(frozen=True)
class DosageSummary:
    """Arm totals for ``period`` (a treatment week, or None: the whole window) and the spots
    with contamination over the whole window, as ``(spot_id, arm)`` in spot order."""

    trial: str
    period: tuple[date, date] | None
    arms: tuple[ArmDosage, ...]
    contaminated: tuple[tuple[str, str], ...]


@dataclass
class _Spot:
    visits: int = 0
    impressions: int = 0
    contamination: int = 0
    intervals: list[tuple[datetime, datetime]] | None = None
    officer_minutes: float = 0.0
    spend: float = 0.0


def treatment_week(window: Window | None, today: date) -> Window | None:
    """The week of the fidelity report's ``by_week`` holding ``today`` (weeks run from the
    window's first day; the last may be short), or None."""
    if window is None or not window.start <= today <= window.end:
        return None
    start = window.start + timedelta(days=(today - window.start).days // 7 * 7)
    return Window(start, min(start + timedelta(days=6), window.end))


def _spots(s: Session, ft: FieldTrial, window: Window | None, *,
           minutes: bool) -> dict[str, _Spot]:
    conds: list[ColumnElement[bool]] = [
        _FS.c.trial_id == ft.trial_id,
        _FS.c.id.not_in(select(_SV.c.session_id).where(_SV.c.trial_id == ft.trial_id))]
    if window is not None:
        lo, hi = window.bounds(ft.tz)
        conds += [_FS.c.start_utc >= lo, _FS.c.start_utc < hi]
    bad = {(p, g) for p, _a, g in contaminated_targets(stored_areas(s, ft.trial_id))}
    out: dict[str, _Spot] = {}
    keys = (_FS.c.spot_id, _FS.c.kind, _FS.c.purpose, _FS.c.platform, _FS.c.ad_group)
    q = (select(*keys, func.count(), func.coalesce(func.sum(_FS.c.impressions), 0))
         .where(*conds).group_by(*keys))
    for spot, kind, purpose, platform, group, n, impressions in s.execute(q):
        arm = ft.spot_arms.get(spot)
        if arm is None:
            continue
        delivers = ft.arms.get(arm, ())
        cell = out.setdefault(spot, _Spot())
        if kind == PATROL_KIND:
            cell.visits += n if purpose in TRIAL_PATROL else 0
            cell.contamination += n if purpose == DIRECTED and PATROL not in delivers else 0
        elif kind == AD_KIND:
            cell.impressions += int(impressions)
            hit = ADS not in delivers or (platform or "", group or "") in bad
            cell.contamination += n if hit else 0
    if minutes:
        # Officer minutes and spend are summed row by row in the report's session order
        # (start, then id), so the float sums are the report's to the last bit.
        order = (_FS.c.start_utc, _FS.c.id)
        spans = (select(_FS.c.spot_id, _FS.c.start_utc, _FS.c.end_utc, _FS.c.officers)
                 .where(*conds, _FS.c.kind == PATROL_KIND, _FS.c.purpose.in_(TRIAL_PATROL))
                 .order_by(*order))
        for spot, start, end, officers in s.execute(spans):
            if spot in out:
                cell = out[spot]
                if cell.intervals is None:
                    cell.intervals = []
                cell.intervals.append((start, end))
                cell.officer_minutes += (end - start).total_seconds() / 60.0 * (officers or 1)
        spend = (select(_FS.c.spot_id, _FS.c.spend_gbp)
                 .where(*conds, _FS.c.kind == AD_KIND).order_by(*order))
        for spot, gbp in s.execute(spend):
            if spot in out:
                out[spot].spend += gbp or 0.0
    return out


def _arms(ft: FieldTrial, window: Window | None, cells: dict[str, _Spot]) -> list[ArmDosage]:
    raw = ft.protocol.raw
    dosage = ft.dosage
    thresholds = FidelityThresholds.from_toml(raw.get("fidelity"))
    patrol = PatrolDosage.from_toml(dosage[PATROL]) if PATROL in dosage else None
    planned = _planned(ft.spot_arms, ft.arms, None, patrol, window, None)
    weeks = window.weeks if window is not None else None
    per_arm: dict[str, list[tuple[int, float, float, int, int, bool, float, float]]] = (
        defaultdict(list))
    # Spot by spot in spot order, summed per arm in that order, as the fidelity report sums.
    for spot in sorted(ft.spot_arms):
        arm = ft.spot_arms[spot]
        c = cells.get(spot, _Spot())
        minutes = covered_minutes(c.intervals or [])
        received = _received(tuple(ft.arms.get(arm, ())), thresholds, weeks, c.visits,
                             minutes, c.impressions)
        per_arm[arm].append((c.visits, minutes, planned.get(spot, (0, 0.0))[1], c.impressions,
                             c.contamination, bool(received), c.officer_minutes, c.spend))
    rows_of = {arm: per_arm.get(arm, []) for arm in ft.arms}
    costs = cost_per_arm(
        ft.arms, rates=CostRates.from_toml(raw.get("costs")),
        officer_minutes={arm: sum(r[6] for r in rows) for arm, rows in rows_of.items()},
        ad_spend_gbp={arm: sum(r[7] for r in rows) for arm, rows in rows_of.items()})
    return [ArmDosage(arm=arm, patrol_visits=sum(r[0] for r in rows),
                      patrol_minutes=sum(r[1] for r in rows),
                      planned_minutes=sum(r[2] for r in rows),
                      ad_impressions=sum(r[3] for r in rows),
                      ad_spend=sum(r[7] for r in rows),
                      contamination=sum(r[4] for r in rows), cost_gbp=cost.cost_gbp,
                      spots=len(rows), spots_received=sum(r[5] for r in rows))
            for (arm, rows), cost in zip(rows_of.items(), costs, strict=True)]


def dosage_summary(ctx: Context, *, trial: str | None, today: date) -> DosageSummary:
    """Delivered against plan per arm for the treatment week holding ``today`` (else the
    whole window), and the contaminated spots over the window; from grouped counts and the
    trial's patrol intervals, never a row object per session.

    Returns:
        A :class:`DosageSummary` whose arm rows equal the ``fidelity_report`` arm rows (of
        ``by_week`` for the week, else of the report) in the fields they share.

    Raises:
        RefusedError: the trial is not randomised, or the reader is blinded (as
            ``fidelity_report``).

    Notes:
        patrol_minutes is the union of a spot's directed and override visits (overlaps
        once), summed over the arm's spots; ad_spend sums the arm's ad rows and cost_gbp is
        :func:`trial.fieldwork.cost.cost_per_arm` of its officer-minutes and spend;
        contamination counts directed visits in spots whose arm does not patrol and ad rows
        in spots whose arm runs no ads or whose ad group reaches beyond its spot. METHODS.md 11.
    """
    from trial.service.blinding import refuse_if_masked

    with ctx.reading() as s:
        t, ft = randomised_trial(s, find_trial(s, trial).name, doing="report fidelity")
        refuse_if_masked(s, t, ctx.actor, what="fidelity (what each arm received)")
        week = treatment_week(ft.window, today)
        period = week if week is not None else ft.window
        cells = _spots(s, ft, period, minutes=True)
        whole = cells if week is None else _spots(s, ft, ft.window, minutes=False)
    contaminated = tuple((spot, ft.spot_arms[spot]) for spot in sorted(whole)
                         if whole[spot].contamination)
    return DosageSummary(trial=t.name, period=None if week is None else (week.start, week.end),
                         arms=tuple(_arms(ft, period, cells)), contaminated=contaminated)
