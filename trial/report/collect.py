"""Everything a trial report shows, read through the service layer into plain values."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from trial.protocol import Protocol
from trial.service.context import Context


@dataclass(frozen=True)
class ReportData:
    """What the report is built from (no database handles, only values).

    Attributes:
        results: the results document (saved, else run now).
        status: "saved" or "provisional".
        protocol, registered: the protocol as analysed, and as registered.
        allocation: method, seed source, sha256, draws tried.
        balance: the balance table rows of ``allocation show``.
        monthly: per arm, area and month, the primary outcome's mean per spot:
            ``{"spots": {arm: {month: mean}}, "catchment": {...}}``.
        demand: the demand profile (hour of week) from timed baseline records.
        fidelity: ``fidelity_report`` or None when no fieldwork was recorded.
        lock: ``lock_status``.
        generated_at, generated_by: when and for whom.
        versions: software versions.
        masked: a blinded reader's report: arms are masked labels (in ``protocol`` too) and
            fieldwork is withheld.
    """

    results: dict[str, Any]
    status: str
    protocol: Protocol
    registered: Protocol
    allocation: dict[str, Any]
    balance: list[dict[str, Any]]
    monthly: dict[str, dict[str, dict[str, float]]]
    demand: dict[str, Any]
    fidelity: dict[str, Any] | None
    lock: dict[str, Any]
    generated_at: str
    generated_by: str
    versions: dict[str, str] = field(default_factory=dict)
    masked: bool = False


def monthly_means(rows: list[dict[str, Any]], outcome: str, arms: list[str], *,
                  span: tuple[date, date] | None = None
                  ) -> dict[str, dict[str, dict[str, float]]]:
    """Mean count per spot, per arm and month, in the spots and in their catchments.

    A month only partly inside ``span`` (the windows' first to last day) is scaled up to a
    whole month, so a window ending on the 7th does not look like a fall in crime.
    """
    sums: dict[str, dict[str, dict[str, float]]] = {"spots": {}, "catchment": {}}
    spots_in: dict[str, set[str]] = {a: set() for a in arms}
    for r in rows:
        if r["outcome"] != outcome or r.get("arm") is None:
            continue
        arm, month = str(r["arm"]), str(r["month"])
        spots_in.setdefault(arm, set()).add(str(r["spot_id"]))
        for area, key in (("spots", "count"), ("catchment", "catchment_count")):
            by_month = sums[area].setdefault(arm, {})
            by_month[month] = by_month.get(month, 0.0) + float(r[key])
    def scale(month: str) -> float:
        y, m = (int(x) for x in month.split("-")[:2])
        days = calendar.monthrange(y, m)[1]
        if span is None:
            return 1.0
        first = max(span[0], date(y, m, 1))
        last = min(span[1], date(y, m, days))
        covered = (last - first).days + 1
        return days / covered if covered > 0 else 1.0

    return {area: {arm: {m: v * scale(m) / max(len(spots_in.get(arm, ())), 1)
                         for m, v in sorted(b.items())}
                   for arm, b in per_arm.items()}
            for area, per_arm in sums.items()}


def _fieldwork(ctx: Context, name: str) -> dict[str, Any] | None:
    try:
        from trial.service import fieldwork_report
    except ImportError:
        return None
    if not hasattr(fieldwork_report, "fidelity_report"):
        return None
    doc: dict[str, Any] = fieldwork_report.fidelity_report(ctx, trial=name)
    delivered = sum(float(a.get("patrol_minutes") or 0) + float(a.get("ad_impressions") or 0)
                    for a in doc.get("arms", []))
    return doc if delivered > 0 else None


def collect(ctx: Context, *, trial: str | None, results: dict[str, Any], status: str,
            generated_at: str, generated_by: str) -> ReportData:
    """Read what the report needs (reads only: the caller audits the report)."""
    from trial.report.readme import software
    from trial.service.allocation import show
    from trial.service.analysis import analysed_protocol
    from trial.service.blinding import viewer_mask
    from trial.service.outcomes import demand_profile, lock_status, outcome_table
    from trial.service.trials import find_trial

    with ctx.reading() as s:
        t = find_trial(s, trial)
        name = t.name
        protocol, registered = analysed_protocol(s, t)
        mask = viewer_mask(s, t, ctx.actor)
    # show and outcome_table mask the arms themselves for a blinded reader.
    view = show(ctx, trial=name)
    table = outcome_table(ctx, trial=name, monthly=True)
    if mask is not None:
        protocol, registered = mask.protocol(protocol), mask.protocol(registered)
    monthly = monthly_means(table.rows, protocol.primary_outcome.name,
                            [a.name for a in protocol.arms],
                            span=(protocol.windows.defined[0].start,
                                  protocol.windows.defined[-1].end))
    if mask is not None:
        monthly = {area: dict(sorted(per_arm.items())) for area, per_arm in monthly.items()}
    return ReportData(
        results=results, status=status, protocol=protocol, registered=registered,
        allocation={"method": view.method, "seed_source": view.seed_source,
                    "sha256": view.sha256, "draws_tried": view.draws_tried,
                    "algorithm": view.algorithm},
        balance=view.balance, monthly=monthly,
        demand=demand_profile(ctx, trial=name),
        fidelity=None if mask is not None else _fieldwork(ctx, name),
        lock=lock_status(ctx, trial=name), generated_at=generated_at,
        generated_by=generated_by, versions=software(), masked=mask is not None)
