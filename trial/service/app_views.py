"""What the app's screens show, composed from the other use-cases (reads only)."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from typing import Any

from trial.errors import SpotlightError
from trial.service.allocation import check
from trial.service.audit_trail import entries
from trial.service.blinding import mask_for
from trial.service.context import Context
from trial.service.spots import candidate_spots, list_spots
from trial.service.trials import find_trial, trial_details


def trial_overview(ctx: Context, *, trial: str, activity: int = 12) -> dict[str, Any]:
    """One trial at a glance: details, arms with spot counts, alerts and recent activity.

    Returns:
        ``trial_details`` plus ``arm_spots`` (arm -> allocated spots; masked label -> spots
        for a blinded reader, with ``masked`` true), ``unallocated``,
        ``activity`` (the latest audit entries), ``alerts`` (strings) and ``fidelity``
        (arm rows of the fidelity report for the treatment week holding today, else for the
        whole window, each with ``period``, in the fields of
        :class:`trial.service.fieldwork_summary.ArmDosage`; empty before randomisation).
    """
    doc = trial_details(ctx, trial=trial)
    spots = list_spots(ctx, trial=trial)
    counts = Counter(s["arm"] for s in spots if s["arm"])
    # A blinded reader's spots carry masked labels: counts by label, never by arm name (unequal
    # arms would pair them up).
    mask = mask_for(ctx, trial=trial) if doc["state"] == "randomised" else None
    names = mask.order if mask is not None else [a["arm"] for a in doc["arms"]]
    doc["arm_spots"] = {a: counts.get(a, 0) for a in names}
    doc["masked"] = mask is not None
    doc["unallocated"] = sum(1 for s in spots if s["eligible"] and not s["arm"])
    doc["activity"] = entries(ctx, trial=trial, limit=activity)
    doc["alerts"], doc["fidelity"], doc["incidents"] = _fieldwork(ctx, trial, doc["state"])
    return doc


def _fieldwork(ctx: Context, trial: str, state: str
               ) -> tuple[list[str], list[dict[str, Any]], list[dict[str, Any]]]:
    if state != "randomised":
        return [], [], []
    try:
        from trial.service import fieldwork_report, fieldwork_summary
    except ImportError:
        return [], [], []
    alerts: list[str] = []
    try:
        summary = fieldwork_summary.dosage_summary(ctx, trial=trial,
                                                   today=ctx.clock().date())
        incidents = fieldwork_report.list_context(ctx, trial=trial)
    except SpotlightError as exc:
        return [str(exc)], [], []
    period = (f"{summary.period[0].isoformat()} to {summary.period[1].isoformat()}"
              if summary.period else "window")
    arms = [{**asdict(a), "period": period} for a in summary.arms]
    for spot, arm in summary.contaminated:
        alerts.append(f"contamination at {spot} ({arm})")
    for a in arms:
        planned, spots = a.get("planned_minutes") or 0, a.get("spots") or 0
        if planned and a.get("patrol_minutes", 0) < 0.8 * planned:
            alerts.append(f"fidelity: {a['arm']} delivered {a.get('patrol_minutes', 0):.0f} of "
                          f"{planned:.0f} planned patrol minutes")
        if planned and spots and a.get("spots_received", spots) < spots:
            alerts.append(f"fidelity: {a['arm']}: {a.get('spots_received')} of {spots} spots "
                          "received their dose")
    return alerts, arms, list(incidents)


def registration_preview(ctx: Context, *, trial: str) -> dict[str, Any]:
    """Before registering: eligible spots, their separation and how many allocations remain.

    Returns:
        ``{"trial", "eligible", "min_separation_m", "separation": {"min_m",
        "median_nearest_m", "closest": [{"a", "b", "distance_m"}]}, "design": check(...)}``;
        ``design`` is ``{"error": ...}`` when the design cannot be counted yet; ``power`` lists
        the quick power check's warnings (empty when every confirmatory hypothesis has 80%).
    """
    from trial.service.trials import trial_protocol
    from trial.spots import separation_summary

    with ctx.reading() as s:
        t = find_trial(s, trial)
        protocol = trial_protocol(t)
        eligible = [c for c in candidate_spots(s, t) if c.eligible]
    summary = separation_summary(eligible, k=5)
    try:
        design: dict[str, Any] = check(ctx, trial=trial, draws=200)
    except SpotlightError as exc:
        design = {"error": str(exc)}
    from trial.service.power import quick_warnings

    # The same quick power check registration runs (seeded from the protocol's hash there too).
    power = quick_warnings(protocol, eligible, seed=int(protocol.sha256[:15], 16))
    return {"trial": trial, "eligible": len(eligible),
            "min_separation_m": float(protocol.design.min_separation_m),
            "separation": {"min_m": summary.min_m, "median_nearest_m": summary.median_nearest_m,
                           "closest": [{"a": p.a, "b": p.b, "distance_m": round(p.distance_m, 1)}
                                       for p in summary.closest]},
            "design": design, "power": power}


def preview_patrol(ctx: Context, *, trial: str | None, spot: str, start: str, end: str,
                   officer: str, officers: int | str | None = 1, purpose: str = "directed",
                   mode: str = "foot", reason: str = "") -> dict[str, Any]:
    """The checks ``log_patrol`` makes, without storing: so flags can be shown before saving.

    Returns:
        ``{"flags": [...]}``: contamination, outside_window, outside_hours.

    Raises:
        InputError: what ``log_patrol`` would refuse, each problem naming its field.
    """
    from sqlmodel import select

    from trial.errors import InputError, Problem
    from trial.fieldwork.patrol import PatrolVisit, check_patrol
    from trial.service.fieldwork import (
        PATROL_KIND,
        randomised_trial,
        read_count,
        read_time_arg,
        visit_of,
        voided_ids,
    )
    from trial.service.fieldwork_officers import Officers
    from trial.store.fieldwork_models import FieldSession

    with ctx.reading() as s:
        name = find_trial(s, trial).name
        _, ft = randomised_trial(s, name, doing="log sessions (arms decide contamination)")
        problems: list[Problem] = []
        t0 = read_time_arg(start, ft.tz, "start", problems)
        t1 = read_time_arg(end, ft.tz, "end", problems)
        n = read_count(officers, "officers", problems, default=1)
        if not officer.strip():
            problems.append(Problem("is empty: give the officer's identifier", None, None,
                                    "officer"))
        if problems or t0 is None or t1 is None or n is None:
            raise InputError(problems)
        stored_officer = Officers(ctx.url, pseudonymise_officers=ft.pseudonymise).stored(officer)
        visit = PatrolVisit(spot.strip(), t0, t1, stored_officer, n, purpose.strip().lower(),
                            mode.strip().lower(), "manual", "", reason.strip())
        voids = voided_ids(s, ft.trial_id)
        existing = [visit_of(r, voids) for r in s.exec(
            select(FieldSession).where(FieldSession.trial_id == ft.trial_id,
                                       FieldSession.kind == PATROL_KIND,
                                       FieldSession.officer == stored_officer))]
        delivers = ft.delivers_by_spot.get(visit.spot_id)
        checked = check_patrol(
            visit, spot_known=delivers is not None, arm_delivers=delivers or (),
            treatment_window=ft.window, hours=ft.patrol_hours, now=ctx.clock(),
            existing_for_officer=existing, tz=ft.tz)
    if checked.problems:
        raise InputError(checked.problems)
    return {"flags": list(checked.flags)}


def spot_choices(ctx: Context, *, trial: str) -> list[tuple[str, str, str | None]]:
    """Every eligible spot as ``(spot_id, name, arm)``, for pickers."""
    return [(s["spot_id"], s["name"], s["arm"]) for s in list_spots(ctx, trial=trial)
            if s["eligible"]]


def visit_defaults(ctx: Context, *, trial: str) -> dict[str, Any]:
    """What the visit form starts from: the spots, now and the usual visit, in local time.

    Returns:
        ``{"timezone", "visit_minutes", "start", "end", "spots": [(spot_id, name, arm)]}``
        with ``start`` = now minus the usual visit and ``end`` = now, as ``YYYY-MM-DD HH:MM``.
    """
    from datetime import timedelta

    from trial.fieldwork.times import zone
    from trial.service.trials import trial_protocol

    with ctx.reading() as s:
        t = find_trial(s, trial)
        protocol = trial_protocol(t)
    patrol = dict(protocol.raw.get("dosage", {}) or {}).get("patrol") or {}
    minutes = int(patrol.get("visit_minutes", 15)) if isinstance(patrol, dict) else 15
    now = ctx.clock().astimezone(zone(t.timezone)).replace(second=0, microsecond=0)
    return {"timezone": t.timezone, "visit_minutes": minutes,
            "start": f"{now - timedelta(minutes=minutes):%Y-%m-%d %H:%M}",
            "end": f"{now:%Y-%m-%d %H:%M}", "spots": spot_choices(ctx, trial=trial)}
