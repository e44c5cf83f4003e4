"""The trials in a database: read from the SQLite catalogue when it can answer, else the service."""

# Importing this module must stay cheap (no SQLAlchemy, no SQLModel): the command line's
# `trial list` and the app's first screen come through here before anything else is loaded.

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from trial.errors import RefusedError
from trial.store.catalogue import plain_sqlite_file, read_catalogue
from trial.store.db import prepare_sqlite_file, resolve_url

if TYPE_CHECKING:
    from pathlib import Path

    from trial.service.context import Context


@dataclass(frozen=True)
class TrialSummary:
    """One line of the trial listing: name, state and number of spots."""

    trial: str
    state: str
    spots: int

    def as_json(self) -> dict[str, Any]:
        return {"trial": self.trial, "state": self.state, "spots": self.spots}


def acting_user(user: str | None) -> str:
    """Who acts on a SQLite database: ``user``, else ``SPOTLIGHT_USER``, else the OS login.

    The one rule for the whole service (``context.default_actor`` calls it); it lives here so
    that the catalogue path needs nothing heavier.
    """
    if user:
        return user
    env = os.environ.get("SPOTLIGHT_USER")
    if env:
        return env
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return "unknown"


def quick_trials(db: str | None, *, user: str | None) -> list[TrialSummary] | None:
    """The trials, read straight from a SQLite file without opening the service.

    Args:
        db: ``--db`` as given (path or URL; None for ``SPOTLIGHT_DB`` or ``./spotlight.db``).
        user: the acting user as given (None for ``SPOTLIGHT_USER`` or the OS login).

    Returns:
        The same list :func:`trial.service.trials.list_trials` returns, or None when only the
        service can answer: PostgreSQL, a database still to be created or migrated, or a
        reader the database does not know (whose refusal the service records).

    Raises:
        RefusedError: the database is at another schema than this Spotlight's; the message is
            the one opening it through the service gives.
    """
    path = plain_sqlite_file(resolve_url(db))
    if path is None:
        return None
    try:
        rows = read_catalogue(path, actor=acting_user(user))
    except RefusedError:
        _as_when_opened(path)
        raise
    if rows is None:
        return None
    _as_when_opened(path)
    return [TrialSummary(name, state, spots) for name, state, spots in rows]


def _as_when_opened(path: Path) -> None:
    # Opening the database through the service keeps the file private and warns when it lies
    # on a network drive; a listing does the same, so the file and the messages do not depend
    # on which path answered.
    prepare_sqlite_file(path, group=None)


def listed_trials(db: str | None, *, user: str | None,
                  context: Callable[[], Context]) -> list[TrialSummary]:
    """The trials in the database: from the catalogue when it can answer, else the service.

    Args:
        db: ``--db`` as given.
        user: the acting user as given.
        context: opens (or returns the already open) service context, called only when the
            catalogue cannot answer.
    """
    quick = quick_trials(db, user=user)
    if quick is not None:
        return quick
    from trial.service.trials import list_trials

    return list_trials(context())
