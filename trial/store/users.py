"""Users' roles as stored: canonical content for the audit trail and who holds what now."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from trial.audit import AuditedTable, register_table
from trial.store.content import stamp
from trial.store.users_models import DataProtection, UserRoleChange

GRANT, REVOKE = "grant", "revoke"


def user_role_content(r: UserRoleChange) -> dict[str, Any]:
    return {"name": r.name, "role": r.role, "change": r.change,
            "changed_at": stamp(r.changed_at), "changed_by": r.changed_by}


def data_protection_content(r: DataProtection) -> dict[str, Any]:
    return {"trial_id": r.trial_id, "basis": r.basis, "dpia_reference": r.dpia_reference,
            "sharing_agreement": r.sharing_agreement,
            "retain_until": r.retain_until.isoformat(), "set_at": stamp(r.set_at),
            "set_by": r.set_by}


register_table(AuditedTable("user_role_change", UserRoleChange,
                            ("name", "role", "change", "changed_at"), user_role_content))
register_table(AuditedTable("data_protection", DataProtection, ("trial_id", "set_at"),
                            data_protection_content))


def fold_roles(changes: Iterable[UserRoleChange]) -> dict[str, set[str]]:
    """Every user's roles now, from their grants and revocations in the order written."""
    held: dict[str, set[str]] = {}
    for c in sorted(changes, key=lambda c: (c.audit_id, c.id or 0)):
        roles = held.setdefault(c.name, set())
        if c.change == GRANT:
            roles.add(c.role)
        else:
            roles.discard(c.role)
    return held


def enforcing(session: Session) -> bool:
    """Whether any user exists: without users a database runs in single-user mode."""
    n = session.execute(select(func.count()).select_from(UserRoleChange)).scalar_one()
    return bool(n)


def roles_of(session: Session, name: str) -> frozenset[str] | None:
    """The roles ``name`` holds now, or ``None`` when no such user was ever added."""
    rows = list(session.exec(select(UserRoleChange).where(UserRoleChange.name == name)))
    if not rows:
        return None
    return frozenset(fold_roles(rows).get(name, set()))


def all_users(session: Session) -> dict[str, set[str]]:
    return fold_roles(session.exec(select(UserRoleChange)))
