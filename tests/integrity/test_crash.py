"""Crashes: kill -9 during a large crime or session import leaves all of it or none, and a
sound database."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from sqlmodel import Session, func, select

from trial.service import audit_trail
from trial.service.context import open_context
from trial.store.fieldwork_models import FieldSession, SessionImport
from trial.store.models import AuditEntry, CrimeImport, CrimeRecord

from .workers import crime_file, patrol_file, setup

ROOT = Path(__file__).resolve().parents[2]
ROWS = 20_000


def _start(*args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPOTLIGHT_")}
    return subprocess.Popen([sys.executable, "-m", "tests.integrity.workers", *args], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _state(db: str) -> tuple[int, int, int]:
    """(crime records, crime imports, audit entries naming a crimes import)."""
    ctx = open_context(db, user="tester")
    try:
        with Session(ctx.engine) as s:
            records = int(s.exec(select(func.count()).select_from(CrimeRecord)).one())
            imports = int(s.exec(select(func.count()).select_from(CrimeImport)).one())
            entries = len(list(s.exec(select(AuditEntry.id).where(
                AuditEntry.action == "crimes import"))))
        r = audit_trail.verify(ctx)
        assert r.ok, r.problems
    finally:
        ctx.engine.dispose()
    return records, imports, entries


def _integrity(path: Path) -> str:
    con = sqlite3.connect(path)
    try:
        return str(con.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        con.close()


@pytest.fixture(scope="module")
def randomised(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    d = tmp_path_factory.mktemp("crash")
    setup(str(d / "template.db"))
    return d / "template.db", crime_file(d / "big.csv", rows=ROWS, seed=7, prefix="k")


def _copy(template: Path, to: Path) -> Path:
    con = sqlite3.connect(template)
    dst = sqlite3.connect(to)
    con.backup(dst)
    dst.close()
    con.close()
    return to


def _wal_grows(db: Path, p: subprocess.Popen[str], timeout: float = 60) -> bool:
    """Wait until the import writes (its uncommitted pages spill into the WAL)."""
    wal = db.with_name(db.name + "-wal")
    base = wal.stat().st_size if wal.exists() else 0
    deadline = time.monotonic() + timeout
    while p.poll() is None and time.monotonic() < deadline:
        if wal.exists() and wal.stat().st_size > base + 256 * 1024:
            return True
        time.sleep(0.005)
    return False


def test_kill_9_mid_write_leaves_none(randomised, tmp_path) -> None:  # type: ignore[no-untyped-def]
    template, big = randomised
    db = _copy(template, tmp_path / "t.db")
    p = _start("crimes", str(db), str(big))
    assert _wal_grows(db, p), "the import finished before it could be killed mid-write"
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert _integrity(db) == "ok"
    # Killed while writing, the import left nothing; on a loaded machine its commit can land
    # between the WAL growing and the kill, and then it is all there: never a part.
    state = _state(str(db))
    assert state in ((0, 0, 0), (ROWS, 1, 1)), state
    if state == (ROWS, 1, 1):
        return
    # The database takes the same import afterwards, whole.
    p = _start("crimes", str(db), str(big))
    _, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    assert _integrity(db) == "ok"
    assert _state(str(db)) == (ROWS, 1, 1)


def test_kill_9_at_random_moments_leaves_all_or_none(randomised, tmp_path) -> None:  # type: ignore[no-untyped-def]
    template, big = randomised
    rng = np.random.default_rng(20240501)
    seen = set()
    for i, delay in enumerate(rng.uniform(0.2, 3.0, size=3)):
        db = _copy(template, tmp_path / f"r{i}.db")
        p = _start("crimes", str(db), str(big))
        time.sleep(float(delay))
        p.send_signal(signal.SIGKILL)
        p.wait()
        assert _integrity(db) == "ok"
        state = _state(str(db))
        assert state in ((0, 0, 0), (ROWS, 1, 1)), state
        seen.add(state)
    assert seen
    shutil.rmtree(tmp_path, ignore_errors=True)


SESSIONS = 12_000


def _session_state(db: str) -> tuple[int, int, int]:
    """(field sessions, session imports, audit entries naming a patrol import)."""
    ctx = open_context(db, user="tester")
    try:
        with Session(ctx.engine) as s:
            rows = int(s.exec(select(func.count()).select_from(FieldSession)).one())
            imports = int(s.exec(select(func.count()).select_from(SessionImport)).one())
            entries = len(list(s.exec(select(AuditEntry.id).where(
                AuditEntry.action == "sessions import patrol"))))
        r = audit_trail.verify(ctx)
        assert r.ok, r.problems
    finally:
        ctx.engine.dispose()
    return rows, imports, entries


def test_kill_9_during_a_session_import_leaves_none(randomised, tmp_path) -> None:  # type: ignore[no-untyped-def]
    template, _ = randomised
    log = patrol_file(tmp_path / "patrols.csv", rows=SESSIONS, seed=11)
    db = _copy(template, tmp_path / "s.db")
    p = _start("sessions", str(db), str(log))
    assert _wal_grows(db, p), "the import finished before it could be killed mid-write"
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert _integrity(db) == "ok"
    state = _session_state(str(db))
    assert state in ((0, 0, 0), (SESSIONS, 1, 1)), state  # all or none, never a part
    if state == (SESSIONS, 1, 1):
        return
    p = _start("sessions", str(db), str(log))
    _, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    assert _session_state(str(db)) == (SESSIONS, 1, 1)
