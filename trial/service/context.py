"""Who is acting, on which database, at what time: what every use-case receives."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

import trial.store.content  # noqa: F401  (registers audited tables)
import trial.store.crime_rows  # noqa: F401  (registers audited tables)
import trial.store.fieldwork_content  # noqa: F401  (registers audited tables)
import trial.store.integrity_content  # noqa: F401  (registers audited tables)
from trial import audit, permissions
from trial.errors import PermissionDenied
from trial.service.catalogue import acting_user
from trial.store import users as user_store  # (registers audited tables)
from trial.store.db import ensure_schema, is_sqlite, make_engine, resolve_url

REFUSED = "permission refused"


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Act:
    """An action under way: its session, what it wrote, its audit entry's id and its time."""

    session: Session
    written: audit.Written
    entry_id: int
    at: datetime
    actor: str


@dataclass
class Context:
    """A connection to one Spotlight database on behalf of one person."""

    engine: Engine
    actor: str
    clock: Callable[[], datetime] = field(default=_utcnow)
    _may_read: bool = field(default=False, repr=False)

    @property
    def url(self) -> str:
        return str(self.engine.url)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only session; once users exist, only for one of them."""
        if not self._may_read:
            self._check_reader()
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    def _check_reader(self) -> None:
        with Session(self.engine, expire_on_commit=False) as session:
            unknown = (user_store.enforcing(session)
                       and user_store.roles_of(session, self.actor) is None)
        if unknown:
            message = f"unknown user: {self.actor}"
            self._record_refusal(action=permissions.READ, trial=None, entity="the database",
                                 message=message)
            raise PermissionDenied(message)
        self._may_read = True

    @contextmanager
    def action(self, *, action: str, trial: str | None, entity: str) -> Iterator[Act]:
        """One user action: one transaction and exactly one audit entry, or nothing at all.

        Once the database has users, the actor's roles must allow ``action`` (see
        :mod:`trial.permissions`); a refusal is recorded in an audit entry of its own, in a
        transaction of its own, and raises :class:`~trial.errors.PermissionDenied`.
        """
        with Session(self.engine, expire_on_commit=False) as session:
            act = Act(session=session, written=audit.Written(),
                      entry_id=audit.next_entry_id(session), at=self.clock(), actor=self.actor)
            # Checked inside the transaction, with the chain's head locked, so that a role
            # revoked a moment ago is seen.
            refusal = self._refusal(session, action)
            if not refusal:
                yield act
                session.flush()
                audit.append(session, entry_id=act.entry_id, at=act.at, actor=self.actor,
                             action=action, trial=trial, entity=entity, written=act.written)
                session.commit()
                return
            session.rollback()
        self._record_refusal(action=action, trial=trial, entity=entity, message=refusal)
        raise PermissionDenied(refusal)

    def require(self, *, action: str, trial: str | None, entity: str) -> None:
        """Check ``action`` now, for work done outside :meth:`action` (recorded after it).

        Raises:
            PermissionDenied: the actor may not; the refusal is recorded.
        """
        with Session(self.engine, expire_on_commit=False) as session:
            refusal = self._refusal(session, action)
        if refusal:
            self._record_refusal(action=action, trial=trial, entity=entity, message=refusal)
            raise PermissionDenied(refusal)

    def _refusal(self, session: Session, action: str) -> str:
        """Why the actor may not take ``action`` now ("" when they may)."""
        if action in permissions.UNCHECKED or not user_store.enforcing(session):
            return ""
        roles = user_store.roles_of(session, self.actor)
        decision = permissions.decide(self.actor, roles, action)
        if decision.allowed:
            self._may_read = True
        return decision.message

    def _record_refusal(self, *, action: str, trial: str | None, entity: str,
                        message: str) -> None:
        with Session(self.engine, expire_on_commit=False) as session:
            written = audit.Written(extra={"refused": action, "reason": message})
            entry_id = audit.next_entry_id(session)
            audit.append(session, entry_id=entry_id, at=self.clock(), actor=self.actor,
                         action=REFUSED, trial=trial, entity=entity, written=written)
            session.commit()


def default_actor(user: str | None) -> str:
    """Who acts on a SQLite database (the rule lives with the light catalogue path)."""
    return acting_user(user)


def open_context(db: str | None = None, *, user: str | None = None,
                 clock: Callable[[], datetime] | None = None, group: str | None = None,
                 engine: Engine | None = None) -> Context:
    """Open (creating and migrating if new) the database and name the acting user.

    On PostgreSQL the database login is the identity; elsewhere ``user``, else
    ``SPOTLIGHT_USER``, else the OS login name.
    """
    url = resolve_url(db)
    engine = engine or make_engine(url, group=group)
    ensure_schema(engine)
    actor = default_actor(user)
    if not is_sqlite(url):
        with engine.connect() as conn:
            login: Any = conn.execute(text("SELECT session_user")).scalar()
        actor = str(login)
    return Context(engine=engine, actor=actor, clock=clock or _utcnow)
