"""Backups and restores: SQLite online backup (safe while others write), pg_dump for PostgreSQL."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine, make_url

from trial.errors import InputError, Problem, RefusedError
from trial.store.db import is_sqlite, sqlite_path

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


@dataclass(frozen=True)
class BackupFile:
    """A backup written or read: where, what kind, how big, its SHA-256 and its schema."""

    path: Path
    kind: str  # sqlite | pg_dump
    bytes: int
    sha256: str
    schema: str | None


def _file_sha256(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _live_path(engine: Engine) -> Path:
    path = sqlite_path(str(engine.url))
    if path is None:
        raise RefusedError("an in-memory database cannot be backed up or restored")
    return path


def _refuse_existing(target: Path) -> None:
    if target.exists():
        raise RefusedError(f"{target} already exists: name a new file (a backup never "
                           "overwrites one)")
    if not target.parent.is_dir():
        raise InputError(Problem("its folder does not exist", str(target)))


def _sqlite_copy(src_path: Path, target: Path) -> None:
    """Online backup of ``src_path`` into the new file ``target``, consistent as of one moment."""
    tmp = target.with_name(f".{target.name}.partial")
    tmp.unlink(missing_ok=True)
    old = os.umask(0o077)
    try:
        src = sqlite3.connect(src_path, timeout=60)
        dst = sqlite3.connect(tmp)
        try:
            # All pages in one step: one read transaction, so the copy is one consistent moment
            # while WAL lets writers carry on.
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")
        finally:
            dst.close()
            src.close()
    finally:
        os.umask(old)
    problem = _sqlite_problem(tmp)
    if problem:
        tmp.unlink(missing_ok=True)
        raise RefusedError(f"the backup did not check out ({problem}); nothing was written")
    os.replace(tmp, target)


def _sqlite_problem(path: Path) -> str:
    """Why ``path`` is not a sound Spotlight SQLite database ("" when it is)."""
    try:
        with path.open("rb") as f:
            if f.read(16) != SQLITE_MAGIC:
                return "not a SQLite database"
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = con.execute("PRAGMA integrity_check").fetchone()
            if not ok or ok[0] != "ok":
                return f"integrity check failed: {ok[0] if ok else 'no answer'}"
            has = con.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                              "AND name = 'alembic_version'").fetchone()[0]
            if not has:
                return "not a Spotlight database (no schema version)"
        finally:
            con.close()
    except (OSError, sqlite3.DatabaseError) as exc:
        return f"cannot read it: {exc}"
    return ""


def _sqlite_schema(path: Path) -> str | None:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        return None if row is None else str(row[0])
    finally:
        con.close()


def _pg_env(engine: Engine) -> tuple[dict[str, str], str]:
    """libpq settings for pg_dump and pg_restore (the password in the environment, never argv)."""
    url = make_url(str(engine.url.render_as_string(hide_password=False)))
    env = dict(os.environ)
    for key, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                       ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value is not None:
            env[key] = str(value)
    return env, str(url.database or "")


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise RefusedError(f"{name} is not installed: install the PostgreSQL client tools "
                           "(the same major version as the server)")
    return found


def _run(args: list[str], env: dict[str, str], doing: str) -> None:
    p = subprocess.run(args, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if p.returncode != 0:
        detail = (p.stderr.strip().splitlines() or ["no message"])[-1]
        raise RefusedError(f"{doing} failed: {detail}")


def backup(engine: Engine, target: Path) -> BackupFile:
    """Write a consistent copy of the database to the new file ``target``.

    SQLite: the online backup API (others may go on writing), checked with
    ``PRAGMA integrity_check`` before it is given its name. PostgreSQL: ``pg_dump -Fc``.
    """
    _refuse_existing(target)
    if is_sqlite(str(engine.url)):
        _sqlite_copy(_live_path(engine), target)
        kind, schema = "sqlite", _sqlite_schema(target)
    else:
        env, _ = _pg_env(engine)
        tmp = target.with_name(f".{target.name}.partial")
        _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={tmp}"], env,
             "pg_dump")
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
        kind, schema = "pg_dump", None
    return BackupFile(target, kind, target.stat().st_size, _file_sha256(target), schema)


def check_backup(engine: Engine, source: Path) -> BackupFile:
    """Check that ``source`` is a backup this database can be restored from."""
    if not source.is_file():
        raise InputError(Problem("no such file", str(source)))
    with source.open("rb") as f:
        head = f.read(16)
    if is_sqlite(str(engine.url)):
        problem = _sqlite_problem(source)
        if problem:
            raise InputError(Problem(f"{problem}: not a backup to restore from", str(source)))
        return BackupFile(source, "sqlite", source.stat().st_size, _file_sha256(source),
                          _sqlite_schema(source))
    if not head.startswith(PG_MAGIC):
        raise InputError(Problem("not a pg_dump custom-format file (spotlight db backup "
                                 "writes one)", str(source)))
    env, _ = _pg_env(engine)
    _run([_pg_tool("pg_restore"), "--list", str(source)], env, "reading the dump")
    return BackupFile(source, "pg_dump", source.stat().st_size, _file_sha256(source), None)


def restore(engine: Engine, source: Path, *, now: datetime) -> tuple[BackupFile, Path]:
    """Replace the database's content with the backup ``source``.

    What it replaces is first backed up beside the database (SQLite) or in the backup's folder
    (PostgreSQL), as ``NAME.before-restore-STAMP``; that file's path is returned with the
    checked backup.
    """
    checked = check_backup(engine, source)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    if is_sqlite(str(engine.url)):
        live = _live_path(engine)
        saved = live.with_name(f"{live.name}.before-restore-{stamp}")
        backup(engine, saved)
        engine.dispose()
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dst = sqlite3.connect(live, timeout=60)
        try:
            # Into the live file through SQLite itself: other connections see the new content
            # (and the WAL stays consistent), where copying the file over it would not.
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        return checked, saved
    _, database = _pg_env(engine)
    saved = source.with_name(f"{database}.before-restore-{stamp}.dump")
    backup(engine, saved)
    env, _ = _pg_env(engine)
    engine.dispose()
    _run([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner",
          "--single-transaction", f"--dbname={env.get('PGDATABASE', '')}", str(source)],
         env, "pg_restore")
    return checked, saved
