"""Alembic migrations run from the installed package (no alembic.ini needed)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

from trial.store.db import is_sqlite, schema_revision, sqlite_path

MIGRATIONS = Path(__file__).parent / "migrations"


def _config(engine: Engine) -> object:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def head() -> str:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_config(None))  # type: ignore[arg-type]
    return str(script.get_current_head())


def backup_before_migration(engine: Engine) -> Path | None:
    """Copy a SQLite database (online backup) beside itself before a migration."""
    url = str(engine.url)
    if not is_sqlite(url):
        return None
    path = sqlite_path(url)
    if path is None or not path.exists() or path.stat().st_size == 0:
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.{stamp}.bak")
    import sqlite3

    src = sqlite3.connect(path)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    shutil.copymode(path, target)
    return target


def upgrade(engine: Engine, *, backup: bool = True) -> tuple[str | None, str, Path | None]:
    """Migrate to the newest schema; returns (from revision, to revision, backup file)."""
    from alembic import command

    before = schema_revision(engine)
    saved = backup_before_migration(engine) if backup and before is not None else None
    command.upgrade(_config(engine), "head")  # type: ignore[arg-type]
    return before, head(), saved
