"""Backups and restores: online while another process writes (SQLite), pg_dump (PostgreSQL)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from trial.errors import InputError, PermissionDenied, RefusedError
from trial.service import audit_trail
from trial.service.backups import back_up, restore
from trial.service.context import Context, open_context
from trial.service.users import add_user
from trial.store.backup import _sqlite_problem
from trial.store.models import AuditEntry, Trial

from .workers import PROTOCOL

ROOT = Path(__file__).resolve().parents[2]


def _counts(ctx: Context) -> tuple[int, list[str]]:
    with Session(ctx.engine) as s:
        trials = int(s.exec(select(func.count()).select_from(Trial)).one())
        actions = list(s.exec(select(AuditEntry.action).order_by(AuditEntry.id)))
    return trials, actions


def _worker(*args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPOTLIGHT_")}
    return subprocess.Popen([sys.executable, "-m", "tests.integrity.workers", *args], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _create(ctx: Context, name: str) -> None:
    from trial.service.trials import create_trial

    create_trial(ctx, protocol_text=PROTOCOL.replace('name = "col"', f'name = "{name}"', 1),
                 source="p.toml")


def test_sqlite_backup_while_another_process_writes_then_restore(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "live.db"
    ctx = open_context(str(db), user="tester")
    writer = _worker("trials", str(db), "w", "60", "0.03")
    backups: list[Path] = []
    deadline = time.monotonic() + 60
    while writer.poll() is None and time.monotonic() < deadline:
        if _counts(ctx)[0] >= 5 * (len(backups) + 1):
            b = tmp_path / f"b{len(backups)}.db"
            done = back_up(ctx, target=b)
            assert done.kind == "sqlite" and done.schema is not None and len(done.sha256) == 64
            assert oct(b.stat().st_mode & 0o777) == "0o600"
            backups.append(b)
        time.sleep(0.02)
    out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err
    assert "database is locked" not in err
    assert len(backups) >= 2
    seen = []
    for b in backups:
        assert _sqlite_problem(b) == ""
        copy = open_context(str(b), user="tester")
        r = audit_trail.verify(copy)
        assert r.ok, r.problems
        trials, actions = _counts(copy)
        # One consistent moment: every trial in the copy has its entry, and the copy holds
        # the record of its own backup.
        assert actions.count("trial create") == trials
        assert actions[-1] in ("db backup", "trial create") and "db backup" in actions
        seen.append(trials)
        copy.engine.dispose()
    assert seen == sorted(seen) and 0 < seen[0] < 60
    assert _counts(ctx)[0] == 60

    with pytest.raises(RefusedError, match="already exists"):
        back_up(ctx, target=backups[0])
    junk = tmp_path / "junk.db"
    junk.write_bytes(os.urandom(4096))
    with pytest.raises(InputError, match="not a SQLite database"):
        restore(ctx, source=junk)
    assert _counts(ctx)[0] == 60

    done = restore(ctx, source=backups[0])
    assert done.note is None and done.kept is not None
    trials, actions = _counts(ctx)
    assert trials == seen[0] and actions[-1] == "db restored"
    assert audit_trail.verify(ctx).ok
    kept = open_context(done.kept, user="tester")
    assert _counts(kept)[0] == 60 and _counts(kept)[1][-1] == "db restore"
    assert audit_trail.verify(kept).ok
    kept.engine.dispose()
    ctx.engine.dispose()


def test_only_admins_restore(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "live.db"
    ctx = open_context(str(db), user="ann")
    add_user(ctx, name="sam", roles=["supervisor"])
    sam = Context(engine=ctx.engine, actor="sam")
    b = tmp_path / "b.db"
    assert back_up(sam, target=b).kind == "sqlite"  # everyone may take a backup (audited)
    with pytest.raises(PermissionDenied, match=r"sam \(supervisor\) cannot db restore"):
        restore(sam, source=b)
    assert restore(ctx, source=b).kept
    # The restored database is the backup's, plus the record of its restoring.
    assert _counts(ctx)[1] == ["users add", "db backup", "db restored"]
    ctx.engine.dispose()


@pytest.mark.storage
def test_postgresql_backup_and_restore(db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    if db_url.startswith("/") or "://" not in db_url:
        pytest.skip("PostgreSQL only")
    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump and pg_restore are not installed")
    ctx = open_context(db_url, user="tester")
    _create(ctx, "one")
    _create(ctx, "two")
    b = tmp_path / "pg.dump"
    done = back_up(ctx, target=b)
    assert done.kind == "pg_dump" and b.read_bytes()[:5] == b"PGDMP"
    _create(ctx, "three")
    assert _counts(ctx)[0] == 3
    done = restore(ctx, source=b)
    trials, actions = _counts(ctx)
    assert trials == 2
    assert actions == ["trial create", "trial create", "db backup", "db restored"]
    assert audit_trail.verify(ctx).ok
    assert done.kept and Path(done.kept).exists()
    ctx.engine.dispose()


def test_db_backup_and_restore_commands(spotlight_bin, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.cli.run import run

    db = tmp_path / "t.db"
    b = tmp_path / "copy.db"
    r = run(spotlight_bin, db, "db", "backup", str(b), "--json")
    assert r.code == 0, r.err
    assert r.json["kind"] == "sqlite" and r.json["file"] == str(b)
    r = run(spotlight_bin, db, "db", "backup", str(b))
    assert (r.code, r.out) == (1, "") and "already exists" in r.err
    r = run(spotlight_bin, db, "db", "restore", str(b), "--json")
    assert r.code == 0, r.err
    assert Path(r.json["kept"]).exists()
    r = run(spotlight_bin, db, "audit", "log", "--json")
    assert [e["action"] for e in reversed(r.json)] == ["db backup", "db restored"]
