"""Use-cases for a trial's data-protection record: set it (audited), read the one in force."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, select

from trial.errors import InputError, Problem, RefusedError
from trial.service.context import Context
from trial.service.trials import DRAFT, find_trial
from trial.store.models import Trial
from trial.store.users_models import DataProtection

TEXT_LIMIT = 2000


def current(session: Session, t: Trial) -> DataProtection | None:
    """The newest data-protection record of a trial, if any."""
    return session.exec(select(DataProtection).where(DataProtection.trial_id == t.id)
                        .order_by(DataProtection.id.desc())).first()  # type: ignore[union-attr]


def as_fields(r: DataProtection | None) -> dict[str, Any]:
    """The record as ``trial show`` prints it (``None`` values when none was set)."""
    return {"data_protection_basis": r.basis if r else None,
            "dpia_reference": r.dpia_reference if r else None,
            "data_sharing_agreement": r.sharing_agreement if r else None,
            "retain_until": r.retain_until.isoformat() if r else None}


def set_data_protection(ctx: Context, *, trial: str | None, basis: str, dpia: str, dsa: str,
                        retain_until: str) -> dict[str, Any]:
    """Record the trial's lawful basis, DPIA reference, data-sharing agreement and retention date.

    A new record replaces the one in force (both stay in the database and the audit trail).
    Allowed once the trial is registered, since a draft can still be deleted.
    """
    problems: list[Problem] = []
    values = {"basis": basis.strip(), "dpia": dpia.strip(), "dsa": dsa.strip()}
    for name, value in values.items():
        if not value:
            problems.append(Problem("must not be empty", field=name))
        elif len(value) > TEXT_LIMIT or any(not c.isprintable() for c in value):
            problems.append(Problem(f"must be printable and at most {TEXT_LIMIT} characters",
                                    field=name))
    until: date | None = None
    try:
        until = date.fromisoformat(retain_until.strip())
    except ValueError:
        problems.append(Problem(f"{retain_until!r} is not a date (YYYY-MM-DD)",
                                field="retain_until"))
    today = ctx.clock().date()
    if until is not None and until <= today:
        problems.append(Problem(f"{until} is not after today ({today}): personal data past "
                                "its retention date is purged, not kept", field="retain_until"))
    if problems or until is None:
        raise InputError(problems)
    with ctx.reading() as s:
        name = find_trial(s, trial).name
    with ctx.action(action="trial set-data-protection", trial=name,
                    entity=f"data protection of {name}") as act:
        t = find_trial(act.session, name)
        if t.state == DRAFT:
            raise RefusedError(f"trial {name} is a draft: record its data protection once it "
                               "is registered (a draft can still be deleted)")
        assert t.id is not None
        row = DataProtection(trial_id=t.id, basis=values["basis"], dpia_reference=values["dpia"],
                             sharing_agreement=values["dsa"], retain_until=until,
                             set_at=act.at, set_by=ctx.actor, audit_id=act.entry_id)
        act.session.add(row)
        act.written.add_rows("data_protection", [row])
    return {"trial": name, **as_fields(row)}
