"""Use-cases for the audit trail: verify it, list its entries."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlmodel import Session, col, select

from trial import audit
from trial.service.context import Context
from trial.store.content import trial_content
from trial.store.models import AuditEntry, Trial

RecordCheck = Callable[[Session], Iterable[tuple[int, str, dict[str, Any]]]]


def _trial_records(session: Session) -> Iterable[tuple[int, str, dict[str, Any]]]:
    for t in session.exec(select(Trial)):
        yield t.audit_id, t.name, trial_content(t)


# Later capabilities add their single-row entities here.
RECORD_CHECKS: dict[str, RecordCheck] = {"trial": _trial_records}


def verify(ctx: Context) -> audit.VerifyResult:
    with ctx.reading() as s:
        return audit.verify(s, record_check=RECORD_CHECKS)


def entries(ctx: Context, *, trial: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
    with ctx.reading() as s:
        q = select(AuditEntry).order_by(col(AuditEntry.id).desc())
        if trial:
            q = q.where(AuditEntry.trial == trial)
        rows = list(s.exec(q.limit(limit)))
        return [{"id": e.id, "at": e.at, "actor": e.actor, "action": e.action,
                 "trial": e.trial, "entity": e.entity, "hash": e.hash} for e in rows]
