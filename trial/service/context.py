"""Who is acting, on which database, at what time: what every use-case receives."""

from __future__ import annotations

import getpass
import os
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
from trial import audit
from trial.store.db import ensure_schema, is_sqlite, make_engine, resolve_url


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

    @property
    def url(self) -> str:
        return str(self.engine.url)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def action(self, *, action: str, trial: str | None, entity: str) -> Iterator[Act]:
        """One user action: one transaction and exactly one audit entry, or nothing at all."""
        with Session(self.engine, expire_on_commit=False) as session:
            act = Act(session=session, written=audit.Written(),
                      entry_id=audit.next_entry_id(session), at=self.clock(), actor=self.actor)
            yield act
            session.flush()
            audit.append(session, entry_id=act.entry_id, at=act.at, actor=self.actor,
                         action=action, trial=trial, entity=entity, written=act.written)
            session.commit()


def default_actor(user: str | None) -> str:
    if user:
        return user
    env = os.environ.get("SPOTLIGHT_USER")
    if env:
        return env
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "unknown"


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
            login: Any = conn.execute(text("SELECT current_user")).scalar()
        actor = str(login)
    return Context(engine=engine, actor=actor, clock=clock or _utcnow)
