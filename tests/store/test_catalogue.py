"""The trial catalogue read with sqlite3 alone gives what the service gives, or steps aside."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

from tests.store.trial_states import LISTED, build_trials
from trial.errors import PermissionDenied, RefusedError
from trial.service.catalogue import TrialSummary, acting_user, listed_trials, quick_trials
from trial.service.context import Context, default_actor, open_context
from trial.service.trials import list_trials
from trial.store import SCHEMA_HEAD
from trial.store.catalogue import plain_sqlite_file


@pytest.fixture
def several(tmp_path: Path) -> tuple[str, Context]:
    db = str(tmp_path / "several.db")
    ctx = open_context(db, user="tester")
    build_trials(ctx, tmp_path)
    return db, ctx


def _set_revision(db: str, revision: str | None) -> None:
    con = sqlite3.connect(db)
    if revision is None:
        con.execute("DROP TABLE alembic_version")
    else:
        con.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    con.commit()
    con.close()


def test_same_trials_as_the_service(several: tuple[str, Context]) -> None:
    db, ctx = several
    quick = quick_trials(db, user="tester")
    assert quick == list_trials(ctx)
    assert quick == [TrialSummary(*row) for row in LISTED]


def test_listed_trials_opens_no_context_when_the_catalogue_answers(
        several: tuple[str, Context]) -> None:
    db, ctx = several

    def never() -> Context:
        raise AssertionError("the service context was opened")

    assert listed_trials(db, user="tester", context=never) == list_trials(ctx)


def test_a_database_without_trials_lists_none(tmp_path: Path) -> None:
    db = str(tmp_path / "empty.db")
    open_context(db, user="t").engine.dispose()
    assert quick_trials(db, user="t") == []


@pytest.mark.parametrize("revision", ["0000", "9999", None])
def test_other_schema_gets_the_same_refusal(tmp_path: Path, revision: str | None) -> None:
    db = str(tmp_path / "old.db")
    open_context(db, user="t").engine.dispose()
    _set_revision(db, revision)
    with pytest.raises(RefusedError) as full:
        open_context(db, user="t")
    with pytest.raises(RefusedError) as quick:
        quick_trials(db, user="t")
    assert str(quick.value) == str(full.value)
    assert f"at schema {revision or 'unknown'} and this Spotlight needs {SCHEMA_HEAD}" in str(
        quick.value)
    assert "run `spotlight db upgrade`" in str(quick.value)


def test_new_or_unreadable_files_go_to_the_service(tmp_path: Path) -> None:
    missing = tmp_path / "new.db"
    assert quick_trials(str(missing), user="t") is None
    assert not missing.exists()  # left for the service to create, private, and migrate
    assert listed_trials(str(missing), user="t",
                         context=lambda: open_context(str(missing), user="t")) == []
    assert missing.exists()
    empty = tmp_path / "zero.db"
    empty.touch()
    assert quick_trials(str(empty), user="t") is None
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    assert quick_trials(str(junk), user="t") is None


def test_postgresql_and_unusual_urls_go_to_the_service() -> None:
    assert quick_trials("postgresql://u@localhost/db", user="t") is None
    assert plain_sqlite_file("sqlite:///:memory:") is None
    assert plain_sqlite_file("sqlite:////a/b.db?mode=ro") is None
    assert plain_sqlite_file("sqlite:////a/b%20c.db") is None
    assert plain_sqlite_file("sqlite:////a/b.db") == Path("/a/b.db")


def test_unknown_user_is_refused_by_the_service_and_recorded(
        several: tuple[str, Context]) -> None:
    from trial.service.users import add_user, revoke_roles

    db, ctx = several
    add_user(ctx, name="tester", roles=["coordinator"])
    add_user(ctx, name="reader", roles=["researcher"])
    revoke_roles(ctx, name="reader", roles=["researcher"])
    assert quick_trials(db, user="tester") == list_trials(ctx)
    # A user whose roles were all revoked may still read, as through the service.
    assert quick_trials(db, user="reader") == list_trials(open_context(db, user="reader"))
    assert quick_trials(db, user="stranger") is None
    stranger = open_context(db, user="stranger")
    with pytest.raises(PermissionDenied, match="unknown user: stranger"):
        listed_trials(db, user="stranger", context=lambda: stranger)
    con = sqlite3.connect(db)
    refused = con.execute("SELECT actor, action FROM audit_entry ORDER BY id DESC").fetchone()
    con.close()
    assert refused == ("stranger", "permission refused")


def test_the_file_stays_private_as_when_opened(several: tuple[str, Context]) -> None:
    import os
    import stat

    db, _ = several
    os.chmod(db, 0o664)
    quick_trials(db, user="tester")
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o660  # group bits kept, others dropped


@pytest.mark.parametrize("user,env", [("given", "from-env"), (None, "from-env"), (None, None),
                                      ("", None)])
def test_acting_user_is_the_contexts_rule(monkeypatch: pytest.MonkeyPatch, user: str | None,
                                          env: str | None) -> None:
    if env is None:
        monkeypatch.delenv("SPOTLIGHT_USER", raising=False)
    else:
        monkeypatch.setenv("SPOTLIGHT_USER", env)
    assert acting_user(user) == default_actor(user)


def test_the_catalogue_path_imports_no_sqlalchemy(several: tuple[str, Context]) -> None:
    import subprocess

    db, _ = several
    code = ("import sys\n"
            "from trial.service.catalogue import quick_trials\n"
            f"assert quick_trials({db!r}, user='tester')\n"
            "heavy = ('sqlalchemy', 'sqlmodel', 'pydantic', 'alembic', 'numpy', 'pandas', "
            "'scipy', 'pyproj', 'shapely', 'matplotlib')\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.storage
def test_each_back_end_lists_the_same(ctx: Context, db_url: str, tmp_path: Path) -> None:
    build_trials(ctx, tmp_path)
    opened: list[bool] = []

    def context() -> Context:
        opened.append(True)
        return ctx

    assert listed_trials(db_url, user="tester", context=context) == [
        TrialSummary(*row) for row in LISTED]
    # SQLite answers from the catalogue; PostgreSQL through the service.
    assert opened == ([True] if "://" in db_url else [])
