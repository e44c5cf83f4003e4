"""Migrations: the head is what the code expects, and they build exactly the models' schema."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from trial.store import SCHEMA_HEAD
from trial.store.migrate import head

pytestmark = pytest.mark.storage


def test_head_matches_code() -> None:
    assert head() == SCHEMA_HEAD


def test_migrations_match_models(ctx) -> None:  # type: ignore[no-untyped-def]
    import trial.store.models  # noqa: F401

    with ctx.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_upgrade_backs_up_sqlite(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from alembic import command
    from sqlalchemy import text

    from trial.service.context import open_context
    from trial.store.db import make_engine, resolve_url
    from trial.store.migrate import _config, upgrade

    db = tmp_path / "old.db"
    engine = make_engine(resolve_url(str(db)))
    command.upgrade(_config(engine), "0001")  # a file made by the first version
    before, after, backup = upgrade(engine)
    assert (before, after) == ("0001", SCHEMA_HEAD)
    assert backup is not None and backup.exists()
    engine.dispose()
    open_context(str(db), user="t").engine.dispose()  # opens without complaint now
    assert text


def test_older_schema_is_refused_until_upgrade(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from trial.errors import RefusedError
    from trial.service.context import open_context
    from trial.store.db import make_engine, resolve_url

    db = tmp_path / "old.db"
    open_context(str(db), user="t").engine.dispose()
    engine = make_engine(resolve_url(str(db)))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    with pytest.raises(RefusedError, match="spotlight db upgrade"):
        open_context(str(db), user="t")
