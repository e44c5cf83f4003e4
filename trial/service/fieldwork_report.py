"""Use-cases for what fieldwork adds up to: fidelity and cost, context notes, closures, plans."""

from __future__ import annotations

import io
import secrets
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlmodel import Session, select

from trial.canonical import canonical_json, canonical_sha256
from trial.errors import InputError, Problem
from trial.fieldwork.dosage import (
    ADS,
    PATROL,
    AdDosage,
    CostRates,
    FidelityThresholds,
    PatrolDosage,
)
from trial.fieldwork.fidelity import Fidelity, fidelity
from trial.fieldwork.times import Window
from trial.service.context import Context
from trial.service.fieldwork import (
    AD_KIND,
    PATROL_KIND,
    FieldTrial,
    delivery_of,
    field_trial,
    randomised_trial,
    stored_sessions,
    voided_ids,
)
from trial.service.fieldwork_ads import contaminated_targets, lifetime_reach, stored_areas
from trial.service.trials import find_trial, trial_protocol
from trial.store.fieldwork_models import PatrolPlan, SpotContext
from trial.store.models import Trial

CONTEXT_KINDS = ("intervention", "incident", "closure")
BY = ("week",)


def _fidelity(session: Session, ft: FieldTrial, window: Window | None) -> Fidelity:
    from trial.service.fieldwork import visit_of

    voids = voided_ids(session, ft.trial_id)
    visits = [visit_of(r, voids) for r in stored_sessions(session, ft.trial_id, PATROL_KIND)]
    ads = [delivery_of(r, voids) for r in stored_sessions(session, ft.trial_id, AD_KIND)]
    raw = ft.protocol.raw
    dosage = ft.dosage
    return fidelity(
        spot_arms=ft.spot_arms, arms=ft.arms, visits=visits, ads=ads, tz=ft.tz,
        treatment_window=window, patrol_hours=ft.patrol_hours, ad_hours=ft.ad_hours,
        thresholds=FidelityThresholds.from_toml(raw.get("fidelity")),
        rates=CostRates.from_toml(raw.get("costs")),
        patrol_dosage=PatrolDosage.from_toml(dosage[PATROL]) if PATROL in dosage else None,
        lifetime_reach=lifetime_reach(session, ft.trial_id),
        contaminated_targets=contaminated_targets(stored_areas(session, ft.trial_id)))


def trial_fidelity(session: Session, trial: Trial | str) -> Fidelity:
    """The fidelity computation behind every report, over the treatment window (for callers
    that need per-arm cost or more than :func:`fidelity_by_spot` gives)."""
    t = find_trial(session, trial) if isinstance(trial, str) else trial
    ft = field_trial(session, t)
    return _fidelity(session, ft, ft.window)


def fidelity_report(ctx: Context, *, trial: str | None, by: str | None = None) -> dict[str, Any]:
    """Planned versus delivered fieldwork per spot and arm over the treatment window, with the
    cost per arm (METHODS.md 11); ``by="week"`` adds the same per treatment week.

    Returns:
        ``{"trial", "spots": [...], "arms": [...], "costs": [...], "weeks", ...}`` as
        :meth:`trial.fieldwork.fidelity.Fidelity.to_dict`, plus ``"by_week"`` when asked.
    """
    if by is not None and by not in BY:
        raise InputError(Problem(f"unknown breakdown {by!r}: use week", None, None, "by"))
    from trial.service.blinding import refuse_if_masked

    with ctx.reading() as s:
        t, ft = randomised_trial(s, find_trial(s, trial).name, doing="report fidelity")
        refuse_if_masked(s, t, ctx.actor, what="fidelity (what each arm received)")
        doc = {"trial": t.name, **_fidelity(s, ft, ft.window).to_dict()}
        if by == "week" and ft.window is not None:
            weeks = []
            start = ft.window.start
            while start <= ft.window.end:
                end = min(start + timedelta(days=6), ft.window.end)
                f = _fidelity(s, ft, Window(start, end))
                weeks.append({"from": start.isoformat(), "to": end.isoformat(),
                              "spots": [asdict(x) for x in f.spots],
                              "arms": [asdict(x) for x in f.arms]})
                start = end + timedelta(days=1)
            doc["by_week"] = weeks
    return doc


def fidelity_by_spot(session: Session, trial: Trial | str) -> dict[str, dict[str, Any]]:
    """Per allocated spot, what it received over the treatment window (voided sessions out).

    For the analysis (per-protocol sets and the analysis dataset).

    Returns:
        spot_id -> ``{"arm", "received", "patrol_visits", "patrol_minutes",
        "officer_minutes", "ad_impressions", "ad_clicks", "ad_spend", "contamination"}``;
        ``received`` is True, False, or None when a threshold applies but the trial has no
        treatment window.
    """
    t = find_trial(session, trial) if isinstance(trial, str) else trial
    ft = field_trial(session, t)
    f = _fidelity(session, ft, ft.window)
    return {s.spot_id: {"arm": s.arm, "received": s.received,
                        "patrol_visits": s.patrol_visits, "patrol_minutes": s.patrol_minutes,
                        "officer_minutes": s.officer_minutes,
                        "ad_impressions": s.ad_impressions, "ad_clicks": s.ad_clicks,
                        "ad_spend": s.ad_spend, "contamination": s.contamination}
            for s in f.spots}


def _day(text: str | date | None, fld: str, problems: list[Problem]) -> date | None:
    if text is None or isinstance(text, date):
        return text
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        problems.append(Problem(f"{text!r} is not a date: use YYYY-MM-DD", None, None, fld))
        return None


def add_context(ctx: Context, *, trial: str | None, spot: str, kind: str,
                date_from: str | date, date_to: str | date | None = None,
                text: str) -> dict[str, Any]:
    """Note something that happened at a spot (local dates, both inclusive; no end: ongoing).

    Closures shorten the spot's exposure (:func:`closures`).
    """
    problems: list[Problem] = []
    d0 = _day(date_from, "from", problems)
    d1 = _day(date_to, "to", problems)
    if kind not in CONTEXT_KINDS:
        problems.append(Problem(f"unknown kind {kind!r}: use one of {', '.join(CONTEXT_KINDS)}",
                                None, None, "kind"))
    if not text.strip():
        problems.append(Problem("is empty: say what happened", None, None, "text"))
    if d0 is not None and d1 is not None and d1 < d0:
        problems.append(Problem(f"{d1} is before {d0}", None, None, "to"))
    with ctx.reading() as s:
        t = find_trial(s, trial)
        name = t.name
        from trial.service.spots import stored_spots

        if spot not in {sp.spot_id for sp in stored_spots(s, t)}:
            problems.append(Problem(f"unknown spot {spot!r}", None, None, "spot"))
    if problems or d0 is None:
        raise InputError(problems)
    with ctx.action(action="context add", trial=name, entity=f"context at {spot}") as act:
        t = find_trial(act.session, name)
        assert t.id is not None
        row = SpotContext(trial_id=t.id, spot_id=spot, kind=kind, date_from=d0, date_to=d1,
                          text=text.strip(), added_at=act.at, added_by=act.actor,
                          audit_id=act.entry_id)
        act.session.add(row)
        act.session.flush()
        act.written.add_rows("spot_context", [row])
    return _context_json(row)


def _context_json(c: SpotContext) -> dict[str, Any]:
    return {"id": c.id, "spot_id": c.spot_id, "kind": c.kind, "from": c.date_from.isoformat(),
            "to": c.date_to.isoformat() if c.date_to else None, "text": c.text,
            "added_at": c.added_at.isoformat(), "added_by": c.added_by}


def list_context(ctx: Context, *, trial: str | None, spot: str | None = None,
                 kind: str | None = None) -> list[dict[str, Any]]:
    """Context notes by spot and date."""
    with ctx.reading() as s:
        t = find_trial(s, trial)
        rows = list(s.exec(select(SpotContext).where(SpotContext.trial_id == t.id)))
    rows = [r for r in rows if (spot is None or r.spot_id == spot)
            and (kind is None or r.kind == kind)]
    return [_context_json(r) for r in sorted(rows, key=lambda r: (r.spot_id, r.date_from,
                                                                   r.id or 0))]


def closures(session: Session, trial: Trial | str) -> dict[str, dict[str, int]]:
    """Each spot's closed days per defined window (baseline, run_in, treatment, follow_up).

    A day is closed when a ``closure`` note covers it (overlapping notes count once); a
    closure without an end runs to the end of the last window. Every candidate spot is
    listed, with 0 where nothing closed it.
    """
    from trial.service.spots import stored_spots

    t = find_trial(session, trial) if isinstance(trial, str) else trial
    windows = trial_protocol(t).windows.defined
    last = max((w.end for w in windows), default=date.max)
    closed: dict[str, set[date]] = {sp.spot_id: set() for sp in stored_spots(session, t)}
    notes = session.exec(select(SpotContext).where(SpotContext.trial_id == t.id,
                                                   SpotContext.kind == "closure"))
    for c in notes:
        d, end = c.date_from, c.date_to or last
        days = closed.setdefault(c.spot_id, set())
        while d <= end:
            days.add(d)
            d += timedelta(days=1)
    return {spot: {w.name: sum(w.start <= d <= w.end for d in days) for w in windows}
            for spot, days in sorted(closed.items())}


@dataclass(frozen=True)
class PlanResult:
    """A stored plan: its run sheet, ad dayparts and the seed that reproduces it."""

    plan_id: int
    seed: int
    visits: list[dict[str, Any]]
    dayparts: list[dict[str, Any]]
    sha256: str

    def as_json(self) -> dict[str, Any]:
        return {"plan_id": self.plan_id, "seed": self.seed, "sha256": self.sha256,
                "visits": self.visits, "dayparts": self.dayparts}

    def csv(self) -> str:
        out = io.StringIO()
        out.write("night,day,spot_id,visit,start,end\n")
        for v in self.visits:
            out.write(f"{v['night']},{v['day']},{v['spot_id']},{v['visit']},{v['start']},"
                      f"{v['end']}\n")
        return out.getvalue()


def make_plan(ctx: Context, *, trial: str | None, date_from: str | date, date_to: str | date,
              seed: int | None = None) -> PlanResult:
    """Draw and store a run sheet for future nights: directed visits at random times in each
    patrol spot (``[dosage].patrol``) and the ad dayparts and budget (``[dosage].ads``).

    The seed (drawn unless given) is stored with the plan, so the plan can be re-derived;
    earlier plans are kept.
    """
    from trial.fieldwork.plan import make_plan as draw
    from trial.fieldwork.times import DAY_NAMES

    problems: list[Problem] = []
    d0 = _day(date_from, "from", problems)
    d1 = _day(date_to, "to", problems)
    if d0 is not None and d1 is not None and d1 < d0:
        problems.append(Problem(f"{d1} is before {d0}", None, None, "to"))
    if d0 is not None and d1 is not None and (d1 - d0).days > 366:
        problems.append(Problem("plan at most a year at a time", None, None, "to"))
    if problems or d0 is None or d1 is None:
        raise InputError(problems)
    chosen = secrets.randbits(63) if seed is None else int(seed)
    with ctx.reading() as s:
        name = find_trial(s, trial).name
    with ctx.action(action="plan", trial=name, entity=f"patrol plan of {name}") as act:
        _, ft = randomised_trial(act.session, name, doing="plan fieldwork")
        dosage = ft.dosage
        today = act.at.astimezone(ft.tz).date()
        dates = [d0 + timedelta(days=k) for k in range((d1 - d0).days + 1)]
        plan = draw(ft.delivers_by_spot,
                    PatrolDosage.from_toml(dosage[PATROL]) if PATROL in dosage else None,
                    dates, ft.tz, np.random.default_rng(chosen), today=today,
                    ads=AdDosage.from_toml(dosage[ADS]) if ADS in dosage else None,
                    seed=chosen)

        def hm(x: Any) -> str:
            return str(x.astimezone(ft.tz).strftime("%H:%M"))

        visits = [{"night": v.night.isoformat(), "day": DAY_NAMES[v.night.weekday()],
                   "spot_id": v.spot_id, "visit": v.order, "start": hm(v.start),
                   "end": hm(v.end), "start_utc": v.start.isoformat(),
                   "end_utc": v.end.isoformat()}
                  for v in sorted(plan.visits, key=lambda v: (v.start, v.spot_id))]
        parts = [{"night": p.night.isoformat(), "spot_id": p.spot_id, "start": hm(p.start),
                  "end": hm(p.end), "daily_budget_gbp": p.daily_budget_gbp}
                 for p in plan.dayparts]
        body = {"visits": visits, "dayparts": parts}
        row = PatrolPlan(trial_id=ft.trial_id, date_from=d0, date_to=d1, seed=str(chosen),
                         plan=canonical_json(body), sha256=canonical_sha256(body),
                         created_at=act.at, created_by=act.actor, audit_id=act.entry_id)
        act.session.add(row)
        act.session.flush()
        act.written.add_rows("patrol_plan", [row])
        act.written.extra.update({"seed": str(chosen), "from": d0.isoformat(),
                                  "to": d1.isoformat(), "sha256": row.sha256})
    return PlanResult(int(row.id or 0), chosen, visits, parts, row.sha256)
