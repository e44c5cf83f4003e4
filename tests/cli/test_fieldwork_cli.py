"""The fieldwork commands through the real console script: JSON shapes and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.run import run
from tests.service.test_fieldwork import setup_trial
from trial.service.context import open_context


@pytest.fixture
def trial_db(tmp_path: Path) -> tuple[Path, dict[str, list[str]]]:
    db = tmp_path / "spotlight.db"
    ctx = open_context(str(db), user="tester")
    arms = setup_trial(ctx, tmp_path)
    ctx.engine.dispose()
    return db, arms


def test_sessions_commands(spotlight_bin: str, trial_db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    db, arms = trial_db
    p, c, d = arms["physical"][0], arms["control"][0], arms["digital"][0]

    ok = run(spotlight_bin, db, "sessions", "log", "patrol", "--trial", "test-trial",
             "--spot", c, "--start", "2024-02-02 22:10", "--end", "2024-02-02 22:25",
             "--officer", "PC1234", "--officers", "2", "--json")
    assert ok.code == 0, ok.err
    assert set(ok.json) == {"session_id", "kind", "flags"}
    assert ok.json["kind"] == "patrol" and ok.json["flags"] == ["contamination"]

    refused = run(spotlight_bin, db, "sessions", "log", "patrol", "--spot", p, "--start",
                  "2024-02-02 22:10", "--end", "2024-02-02 22:05", "--officer", "PC9",
                  "--officers", "0", "--json")
    assert refused.code == 1 and refused.out == ""
    assert "spotlight: error: officers: must be at least 1" in refused.err
    assert "end: must be after the start" in refused.err

    logged_ad = run(spotlight_bin, db, "sessions", "log", "ad", "--spot", d, "--platform",
                    "tiktok", "--start", "2024-02-02 20:00", "--end", "2024-02-02 21:00",
                    "--impressions", "1200", "--clicks", "9", "--spend", "4.20", "--reach",
                    "800", "--json")
    assert logged_ad.code == 0, logged_ad.err
    assert logged_ad.json["kind"] == "ad" and logged_ad.json["flags"] == []
    negative = run(spotlight_bin, db, "sessions", "log", "ad", "--spot", d, "--platform",
                   "tiktok", "--start", "2024-02-02 20:00", "--end", "2024-02-02 21:00",
                   "--impressions", "-5", "--clicks", "9", "--spend", "1", "--json")
    assert negative.code == 1 and "impressions" in negative.err and negative.out == ""

    log = tmp_path / "log.csv"
    log.write_text("spot_id,start,end,officer\n"
                   f"{p},2024-02-03 22:00,2024-02-03 22:14,PC7\n"
                   f"{p},2024-02-03 23:00,2024-02-03 23:12,PC7\n", encoding="utf-8")
    imported = run(spotlight_bin, db, "sessions", "import", str(log), "--kind", "patrol",
                   "--json")
    assert imported.code == 0, imported.err
    assert imported.json == {"imported": 2, "duplicates": 0, "flagged": {
        "contamination": 0, "outside_window": 0, "outside_hours": 0}}

    void = run(spotlight_bin, db, "sessions", "void", str(ok.json["session_id"]),
               "--reason", "wrong spot")
    assert void.code == 0, void.err
    listed = run(spotlight_bin, db, "sessions", "list", "--trial", "test-trial", "--json")
    assert listed.code == 0 and len(listed.json) == 4
    voided = next(r for r in listed.json if r["session_id"] == ok.json["session_id"])
    assert voided["voided"] is True and voided["reason"] == "wrong spot"

    fid = run(spotlight_bin, db, "fidelity", "--trial", "test-trial", "--json")
    assert fid.code == 0, fid.err
    spot = next(s for s in fid.json["spots"] if s["spot_id"] == p)
    assert (spot["patrol_visits"], spot["patrol_minutes"]) == (2, 26.0)
    assert {"arm", "cost_gbp", "contamination"} <= set(fid.json["arms"][0])
    control = next(s for s in fid.json["spots"] if s["spot_id"] == c)
    assert control["contamination"] == 0  # the contaminating visit was voided
    assert run(spotlight_bin, db, "audit", "verify").code == 0
