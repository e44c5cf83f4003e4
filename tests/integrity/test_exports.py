"""Row-level exports (personal fields only when asked for, audited; public ones rounded) and
crime references stored as keyed hashes."""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import stat
from pathlib import Path

import pytest

from tests.integrity.test_purge import _world
from tests.integrity.workers import TRIAL, crime_file
from trial.errors import InputError
from trial.service import audit_trail

pytestmark = pytest.mark.storage

FORMULA = "=cmd|' /C calc'!A0"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_row_exports_need_a_choice(ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from trial.service.row_export import export_rows

    _world(ctx, tmp_path)
    before = len(audit_trail.entries(ctx, limit=1000))
    with pytest.raises(InputError, match="--include-personal"):
        export_rows(ctx, trial=TRIAL, kinds=["sessions"], out=tmp_path / "o")
    with pytest.raises(InputError, match="choose one"):
        export_rows(ctx, trial=TRIAL, kinds=["records"], out=tmp_path / "o",
                    include_personal=True, public=True)
    assert len(audit_trail.entries(ctx, limit=1000)) == before


def test_personal_export_is_audited_and_formula_safe(ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from trial.service.fieldwork import log_patrol
    from trial.service.row_export import export_rows

    _world(ctx, tmp_path)
    log_patrol(ctx, trial=TRIAL, spot="D", start="2019-08-01 21:00", end="2019-08-01 21:10",
               officer="PC9", notes=FORMULA)
    r = export_rows(ctx, trial=TRIAL, kinds=["sessions", "records"], out=tmp_path / "o",
                    include_personal=True)
    sessions = _rows(tmp_path / "o" / "sessions.csv")
    cell = next(s["notes"] for s in sessions if s["spot_id"] == "D")
    assert cell == "'" + FORMULA
    assert {s["officer"] for s in sessions} >= {"PC101", "PC9"}
    records = _rows(tmp_path / "o" / "records.csv")
    assert len(records) == 300 and all(x["crime_id"].startswith("ref") for x in records)
    entry = audit_trail.entries(ctx, limit=1)[0]
    assert entry["action"] == "export"
    with ctx.reading() as s:
        from trial.store.models import AuditEntry

        stored = s.get(AuditEntry, entry["id"])
        assert stored is not None
        detail = json.loads(stored.detail)
    assert detail["personal"] is True and detail["rows"] == ["sessions", "records"]
    assert detail["files"]["records.csv"]["rows"] == 300
    assert {f["name"]: f["rows"] for f in r["files"]} == {"sessions.csv": 4,
                                                          "records.csv": 300}


def test_public_export_rounds_and_drops(ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from trial.service.row_export import RECORD_PERSONAL, SESSION_PERSONAL, export_rows

    _world(ctx, tmp_path)
    export_rows(ctx, trial=TRIAL, kinds=["records", "sessions"], out=tmp_path / "p",
                public=True)
    records = _rows(tmp_path / "p" / "records.csv")
    assert not set(RECORD_PERSONAL) & set(records[0])
    for x in records:
        if x["x"]:
            assert float(x["x"]) % 100 == 0 and float(x["y"]) % 100 == 0
            assert len(x["lon"].split(".")[1]) <= 3 and len(x["lat"].split(".")[1]) <= 3
    sessions = _rows(tmp_path / "p" / "sessions.csv")
    assert not set(SESSION_PERSONAL) & set(sessions[0])
    assert all(len(s["start_utc"]) == 10 for s in sessions)
    text = (tmp_path / "p" / "sessions.csv").read_text() + (tmp_path / "p" / "records.csv"
                                                             ).read_text()
    for secret in ("PC101", "J Smith", "ref0000", "On or near"):
        assert secret not in text


def test_hash_ids_keeps_deduplication(ctx, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from trial.service.allocation import randomise
    from trial.service.crimes import import_crimes
    from trial.service.registration import register
    from trial.service.spots import import_spot_data
    from trial.service.trials import create_trial
    from trial.store.crime_rows import read_records
    from trial.store.models import Trial

    from .workers import PROTOCOL, SPOTS

    key_file = tmp_path / "keys" / "crime.key"
    monkeypatch.setenv("SPOTLIGHT_CRIME_KEY_FILE", str(key_file))
    create_trial(ctx, protocol_text=PROTOCOL, source="p.toml")
    import_spot_data(ctx, trial=TRIAL, data=SPOTS, source="spots.csv")
    register(ctx, trial=TRIAL)
    randomise(ctx, trial=TRIAL)
    f = crime_file(tmp_path / "c.csv", rows=50, seed=2, prefix="REF/")
    first = import_crimes(ctx, trial=TRIAL, paths=[f], hash_ids=True)
    again = import_crimes(ctx, trial=TRIAL, paths=[f], hash_ids=True)
    assert (first.imported, again.imported, again.duplicates) == (50, 0, 50)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip().encode()
    with ctx.reading() as s:
        from sqlmodel import select

        t = s.exec(select(Trial)).one()
        stored = read_records(s.connection(), t.id, columns=("crime_id", "record_key"))
    expected = hmac.new(key, b"ref/00000000", hashlib.sha256).hexdigest()  # case folded
    assert expected in set(stored["crime_id"])
    assert not any("REF/" in str(v) for v in stored["record_key"])
    assert set(stored["record_key"]) == {"police-uk:" + c for c in stored["crime_id"]}
    assert audit_trail.verify(ctx).ok


def test_console_script(spotlight_bin, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Row exports, purge and unblinding through the real command line (exit codes, one line
    per problem, one JSON document)."""
    from tests.cli.run import run

    from .workers import setup

    db = tmp_path / "t.db"
    setup(str(db))
    r = run(spotlight_bin, db, "export", "--records", "--out", str(tmp_path / "o"))
    assert r.code == 1 and r.out == "" and "--include-personal" in r.err
    r = run(spotlight_bin, db, "export", "--records", "--public", "--out", str(tmp_path / "o"),
            "--json")
    assert r.code == 0 and r.json["files"][0]["name"] == "records.csv"
    r = run(spotlight_bin, db, "unblind", "--reason", "x")
    assert r.code == 1 and "not blinded" in r.err
    r = run(spotlight_bin, db, "purge", "--before", "2019-13-01", "--reason", "x")
    assert r.code == 1 and "--before" in r.err
    r = run(spotlight_bin, db, "blinding", "--json")
    assert r.code == 0 and r.json["blinded"] is False
