"""Engine and schema set-up: SQLite (WAL, foreign keys, busy timeout, private) or PostgreSQL."""

from __future__ import annotations

import os
import stat
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trial.errors import RefusedError
from trial.store import SCHEMA_HEAD

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

# SQLAlchemy is imported inside the functions that use it: the trial catalogue reads a SQLite
# file with the standard library alone, and a command that only lists trials should not pay
# for importing SQLAlchemy.

DEFAULT_DB = "spotlight.db"
NETWORK_FS = {"nfs", "nfs4", "cifs", "smbfs", "smb3", "fuse.sshfs", "9p", "afs", "ncpfs"}


def resolve_url(db: str | None) -> str:
    """``--db`` value (path or SQLAlchemy URL), else ``SPOTLIGHT_DB``, else ``./spotlight.db``."""
    value = db or os.environ.get("SPOTLIGHT_DB") or DEFAULT_DB
    if "://" in value:
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value[len("postgresql://"):]
        return value
    return "sqlite:///" + str(Path(value).expanduser().resolve())


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if not database or database == ":memory:":
        return None
    return Path(database)


def _on_network_drive(path: Path) -> bool:
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return False
    best, fstype = "", ""
    target = str(path.resolve().parent)
    for line in mounts:
        parts = line.split()
        inside = len(parts) >= 3 and (
            target == parts[1] or target.startswith(parts[1].rstrip("/") + "/"))
        if inside and len(parts[1]) > len(best):
            best, fstype = parts[1], parts[2]
    return fstype in NETWORK_FS


def make_engine(url: str, *, group: str | None = None) -> Engine:
    """Create an engine; for SQLite prepare a private file with WAL and foreign keys."""
    from sqlmodel import create_engine

    if is_sqlite(url):
        path = sqlite_path(url)
        if path is not None:
            prepare_sqlite_file(path, group=group)
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})
        _sqlite_pragmas(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def prepare_sqlite_file(path: Path, *, group: str | None) -> None:
    """Create the file if missing, private to its owner (and ``group``); warn on a network drive."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        old = os.umask(0o077 if group is None else 0o007)
        try:
            path.touch()
        finally:
            os.umask(old)
    mode = stat.S_IRUSR | stat.S_IWUSR
    if group is not None:
        import grp

        try:
            gid = grp.getgrnam(group).gr_gid
        except KeyError:
            raise RefusedError(f"unknown OS group {group!r}") from None
        os.chown(path, -1, gid)
        mode |= stat.S_IRGRP | stat.S_IWGRP
    elif path.stat().st_mode & (stat.S_IRGRP | stat.S_IWGRP):
        mode |= path.stat().st_mode & (stat.S_IRGRP | stat.S_IWGRP)
    os.chmod(path, mode)
    if _on_network_drive(path):
        warnings.warn(
            f"{path} is on a network drive: SQLite's WAL mode does not work there; "
            "keep the file on a local disk or use PostgreSQL", stacklevel=2)


def _sqlite_pragmas(engine: Engine) -> None:
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" below decide when a transaction starts.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout = 60000")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # Take the write lock at the start: concurrent writers queue on the busy timeout
        # instead of failing with "database is locked" when a read upgrades to a write.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def schema_revision(engine: Engine) -> str | None:
    from sqlalchemy import inspect, text

    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        return None if row is None else str(row[0])


def has_tables(engine: Engine) -> bool:
    from sqlalchemy import inspect

    with engine.connect() as conn:
        return bool(inspect(conn).get_table_names())


def ensure_schema(engine: Engine) -> None:
    """Create and migrate a new database; refuse an older one until ``spotlight db upgrade``."""
    revision = schema_revision(engine)
    if revision == SCHEMA_HEAD:
        return
    if revision is None and not has_tables(engine):
        from trial.store.migrate import upgrade

        upgrade(engine, backup=False)
        return
    raise schema_refusal(revision)


def schema_refusal(revision: str | None) -> RefusedError:
    """The refusal for a database at another schema than this Spotlight's (``revision``)."""
    return RefusedError(
        f"the database is at schema {revision or 'unknown'} and this Spotlight needs "
        f"{SCHEMA_HEAD}: run `spotlight db upgrade` (it backs the database up first)")
