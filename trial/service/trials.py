"""Use-cases for trials: create, list, show, replace the protocol, delete a draft."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from trial.errors import NotFoundError, RefusedError
from trial.protocol import Protocol, load_protocol
from trial.service.catalogue import TrialSummary as TrialSummary
from trial.service.context import Context
from trial.store.content import trial_content
from trial.store.models import Spot, Trial

DRAFT, REGISTERED, RANDOMISED = "draft", "registered", "randomised"


def find_trial(session: Session, name: str | None) -> Trial:
    """The named trial, or the only trial when no name is given."""
    if name:
        t = session.exec(select(Trial).where(Trial.name == name)).first()
        if t is None:
            names = _names(session)
            known = ", ".join(names) if names else "none yet"
            raise NotFoundError(f"no trial named {name!r} (trials: {known})")
        return t
    trials = list(session.exec(select(Trial)))
    if len(trials) == 1:
        return trials[0]
    if not trials:
        raise NotFoundError("there is no trial yet: create one with "
                            "`spotlight trial create --protocol FILE.toml`")
    raise RefusedError("the database holds several trials; name one with --trial "
                       f"({', '.join(sorted(t.name for t in trials))})")


def _names(session: Session) -> list[str]:
    return sorted(session.exec(select(Trial.name)))


def trial_protocol(t: Trial) -> Protocol:
    return load_protocol(t.protocol_text, source=f"{t.name} protocol")


def require_state(t: Trial, *states: str, doing: str) -> None:
    if t.state not in states:
        allowed = " or ".join(states)
        raise RefusedError(f"trial {t.name} is {t.state}: cannot {doing} (only while {allowed})")


def create_trial(ctx: Context, *, protocol_text: str, source: str) -> TrialSummary:
    """Create a draft trial from a protocol file's text; nothing is written if it is invalid."""
    protocol = load_protocol(protocol_text, source=source)
    name = protocol.trial.name
    with ctx.action(action="trial create", trial=name, entity=f"trial {name}") as act:
        if name in _names(act.session):
            raise RefusedError(f"{source}: trial.name: a trial named {name!r} already exists")
        t = Trial(name=name, state=DRAFT, title=protocol.trial.title,
                  timezone=protocol.trial.timezone, protocol_text=protocol_text,
                  protocol_sha256=protocol.sha256, created_at=act.at, created_by=ctx.actor,
                  audit_id=act.entry_id)
        act.session.add(t)
        act.written.record = trial_content(t)
        act.written.extra["source"] = source
    return TrialSummary(name, DRAFT, 0)


def list_trials(ctx: Context) -> list[TrialSummary]:
    with ctx.reading() as s:
        rows = s.exec(select(Spot.trial_id, func.count()).group_by(col(Spot.trial_id))).all()
        counts: dict[int, int] = {int(tid): int(n) for tid, n in rows}
        trials = s.exec(select(Trial).order_by(Trial.name))
        return [TrialSummary(t.name, t.state, counts.get(t.id or 0, 0)) for t in trials]


def trial_details(ctx: Context, *, trial: str | None) -> dict[str, Any]:
    """Everything ``trial show`` prints about one trial."""
    with ctx.reading() as s:
        t = find_trial(s, trial)
        spots = list(s.exec(select(Spot).where(Spot.trial_id == t.id)))
        p = trial_protocol(t)
        eligible = sum(1 for sp in spots if sp.eligible)
        return {
            "trial": t.name, "state": t.state, "title": t.title, "timezone": t.timezone,
            "registration": p.trial.registration, "ethics_reference": p.trial.ethics_reference,
            "protocol_sha256": t.protocol_sha256, "spots_sha256": t.spots_sha256,
            "created_at": t.created_at.isoformat(), "created_by": t.created_by,
            "registered_at": t.registered_at.isoformat() if t.registered_at else None,
            "registered_by": t.registered_by,
            "design": p.design.method,
            "arms": [{"arm": a.name, "ratio": a.ratio, "delivers": list(a.delivers),
                      "control": a.control} for a in p.arms],
            "spots": len(spots), "eligible": eligible, "excluded": len(spots) - eligible,
            **_data_protection(s, t),
        }


def _data_protection(session: Session, t: Trial) -> dict[str, Any]:
    from trial.service.data_protection import as_fields, current

    return as_fields(current(session, t))


def replace_protocol(ctx: Context, *, trial: str | None, protocol_text: str,
                     source: str) -> TrialSummary:
    """Swap a draft trial's protocol (the trial's name cannot change)."""
    protocol = load_protocol(protocol_text, source=source)
    with ctx.reading() as s:
        name = find_trial(s, trial).name
    with ctx.action(action="protocol replace", trial=name, entity=f"trial {name}") as act:
        t = find_trial(act.session, name)
        require_state(t, DRAFT, doing="replace its protocol")
        if protocol.trial.name != t.name:
            raise RefusedError(f"{source}: trial.name: is {protocol.trial.name!r} but the trial "
                               f"is {t.name!r}; a trial's name cannot change")
        previous = t.protocol_sha256
        t.protocol_text = protocol_text
        t.protocol_sha256 = protocol.sha256
        t.title = protocol.trial.title
        t.timezone = protocol.trial.timezone
        t.audit_id = act.entry_id
        act.session.add(t)
        act.written.record = trial_content(t)
        act.written.extra.update({"source": source, "previous_sha256": previous})
        n = _spot_count(act.session, t)
    return TrialSummary(name, t.state, n)


def _spot_count(session: Session, t: Trial) -> int:
    return int(session.execute(select(func.count()).select_from(Spot).where(
        Spot.trial_id == t.id)).scalar_one())


def delete_trial(ctx: Context, *, trial: str | None) -> str:
    """Delete a draft trial and its spots (the audit trail keeps what was removed)."""
    with ctx.reading() as s:
        name = find_trial(s, trial).name
    with ctx.action(action="trial delete", trial=name, entity=f"trial {name}") as act:
        t = find_trial(act.session, name)
        require_state(t, DRAFT, doing="delete it")
        spots: Sequence[Spot] = list(act.session.exec(
            select(Spot).where(Spot.trial_id == t.id)))
        act.written.add_removed("spot", spots)
        act.written.extra["deleted_trial"] = trial_content(t)
        act.session.execute(delete(Spot).where(Spot.trial_id == t.id))  # type: ignore[arg-type]
        act.session.delete(t)
    return name
