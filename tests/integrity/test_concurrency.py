"""Nothing lost: several real processes importing and logging at once, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from trial.service import audit_trail
from trial.service.context import open_context
from trial.store.fieldwork_models import FieldSession
from trial.store.models import AuditEntry, CrimeImport, CrimeRecord

from .workers import crime_file, setup

pytestmark = pytest.mark.storage
ROOT = Path(__file__).resolve().parents[2]
IMPORTERS, ROWS = 4, 1000
LOGGERS, VISITS = 3, 5


def _start(*args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPOTLIGHT_")}
    return subprocess.Popen([sys.executable, "-m", "tests.integrity.workers", *args], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _count(s: Session, model: object) -> int:
    return int(s.exec(select(func.count()).select_from(model)).one())  # type: ignore[arg-type]


def test_importers_and_loggers_at_once_lose_nothing(db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    patrol = setup(db_url)["patrol_spots"]
    assert isinstance(patrol, list)
    files = [crime_file(tmp_path / f"c{i}.csv", rows=ROWS, seed=i, prefix=f"p{i}-")
             for i in range(IMPORTERS)]
    procs = [_start("crimes", db_url, str(f)) for f in files]
    procs += [_start("log", db_url, f"PC{i}", patrol[i % len(patrol)], str(VISITS))
              for i in range(LOGGERS)]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (_out, err) in zip(procs, outs, strict=True):
        assert "locked" not in err.lower()
        assert p.returncode == 0, err
    results = [json.loads(out) for out, _ in outs]
    assert [r["imported"] for r in results[:IMPORTERS]] == [ROWS] * IMPORTERS
    assert [r["logged"] for r in results[IMPORTERS:]] == [VISITS] * LOGGERS
    ctx = open_context(db_url, user="tester")
    with Session(ctx.engine) as s:
        assert _count(s, CrimeRecord) == IMPORTERS * ROWS
        assert _count(s, CrimeImport) == IMPORTERS
        assert _count(s, FieldSession) == LOGGERS * VISITS
        actions = list(s.exec(select(AuditEntry.action)))
    assert actions.count("crimes import") == IMPORTERS
    assert actions.count("sessions log patrol") == LOGGERS * VISITS
    r = audit_trail.verify(ctx)
    assert r.ok, r.problems
    ctx.engine.dispose()
