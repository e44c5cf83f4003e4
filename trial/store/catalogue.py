"""The trials a SQLite database holds, read with the standard library's ``sqlite3`` alone."""

# Listing trials is what a person does first, in the command line and in the app; opening the
# database through SQLAlchemy and SQLModel costs most of a second of imports before any row is
# read. This path opens the file read-only and answers only when the answer is certain to be
# the one the full path gives; whenever the full path would do more (create or migrate a new
# database, record a refused reader, read PostgreSQL) it answers None and the caller takes the
# full path.

from __future__ import annotations

import sqlite3
from pathlib import Path

from trial.store import SCHEMA_HEAD
from trial.store.db import schema_refusal

SQLITE_PREFIX = "sqlite:///"
CatalogueRow = tuple[str, str, int]

_TRIALS = """
SELECT t.name, t.state, (SELECT count(*) FROM spot AS s WHERE s.trial_id = t.id)
FROM trial AS t
ORDER BY t.name
"""


def plain_sqlite_file(url: str) -> Path | None:
    """The file a plain SQLite URL names (``sqlite:///PATH``), else None.

    URLs with query options, percent-escapes or an in-memory database are left to SQLAlchemy,
    which parses them.
    """
    if not url.startswith(SQLITE_PREFIX):
        return None
    database = url[len(SQLITE_PREFIX):]
    if not database or database == ":memory:" or any(c in database for c in "?%#"):
        return None
    return Path(database)


def read_catalogue(path: Path, *, actor: str) -> list[CatalogueRow] | None:
    """Every trial's name, state and number of spots, by name, from the SQLite file ``path``.

    Args:
        path: an existing SQLite file.
        actor: who is reading; once the database has users, only a known user may read.

    Returns:
        ``(name, state, spots)`` per trial, ordered by name as the service lists them; None
        when the file cannot be read this way (missing, empty, not a database, locked) or when
        the full path has more to do: a database without tables is created and migrated
        there, and an unknown user's refusal is recorded there.

    Raises:
        RefusedError: the database is at another schema revision than this Spotlight's (the
            same refusal as opening it through the service).
    """
    try:
        if not path.is_file() or path.stat().st_size == 0:
            return None
        con = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=60)
    except (OSError, sqlite3.Error):
        return None
    try:
        return _read(con, actor)
    except sqlite3.Error:
        return None
    finally:
        con.close()


def _read(con: sqlite3.Connection, actor: str) -> list[CatalogueRow] | None:
    tables = {str(name) for (name,) in con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite~_%' "
        "ESCAPE '~'")}
    if "alembic_version" not in tables:
        if not tables:
            return None
        raise schema_refusal(None)
    row = con.execute("SELECT version_num FROM alembic_version").fetchone()
    revision = None if row is None else str(row[0])
    if revision != SCHEMA_HEAD:
        raise schema_refusal(revision)
    # One read transaction, so the users and the trials are seen at the same moment.
    con.execute("BEGIN")
    try:
        if _unknown_reader(con, actor):
            return None
        return [(str(name), str(state), int(spots))
                for name, state, spots in con.execute(_TRIALS)]
    finally:
        con.rollback()


def _unknown_reader(con: sqlite3.Connection, actor: str) -> bool:
    # Mirrors Context.reading: with no users the database is in single-user mode; otherwise a
    # reader must have been added at some time (a user whose roles were all revoked may read).
    if not con.execute("SELECT EXISTS (SELECT 1 FROM user_role_change)").fetchone()[0]:
        return False
    known = con.execute("SELECT EXISTS (SELECT 1 FROM user_role_change WHERE name = ?)",
                        (actor,)).fetchone()[0]
    return not known
