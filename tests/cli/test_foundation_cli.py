"""The command-line contract of the foundation, through the installed console script."""

from __future__ import annotations

import os
import stat

import pytest

from tests.cli.run import run
from tests.service.helpers import PROTOCOL, SPOTS_CSV, write_spots


@pytest.fixture
def files(tmp_path):  # type: ignore[no-untyped-def]
    (tmp_path / "p.toml").write_text(PROTOCOL)
    return tmp_path, tmp_path / "p.toml", write_spots(tmp_path)


def test_walkthrough_json(spotlight_bin, files) -> None:  # type: ignore[no-untyped-def]
    tmp, proto, spots = files
    db = tmp / "t.db"
    r = run(spotlight_bin, db, "trial", "list", "--json")
    assert (r.code, r.json) == (0, [])
    assert stat.S_IMODE(os.stat(db).st_mode) & 0o077 == 0  # owner-only
    r = run(spotlight_bin, db, "trial", "create", "--protocol", str(proto), "--json")
    assert (r.code, r.json) == (0, {"trial": "test-trial", "state": "draft"})
    r = run(spotlight_bin, db, "spots", "import", str(spots), "--json")
    assert (r.code, r.json) == (0, {"trial": "test-trial", "imported": 6})
    r = run(spotlight_bin, db, "spots", "list", "--trial", "test-trial", "--json")
    rows = r.json
    assert [x["spot_id"] for x in rows] == ["S01", "S02", "S03", "S04", "S05", "S06"]
    assert rows[1]["arm"] is None and rows[1]["eligible"] is True
    assert rows[1]["baseline_crimes"] == 20 and rows[1]["district"] == "Call Lane"
    r = run(spotlight_bin, db, "protocol", "register", "--json")
    assert r.code == 0, r.err
    doc = r.json
    assert doc["trial"] == "test-trial" and doc["state"] == "registered"
    assert len(doc["sha256"]) == 64 and len(doc["spots_sha256"]) == 64
    r = run(spotlight_bin, db, "trial", "list", "--json")
    assert r.json == [{"trial": "test-trial", "state": "registered", "spots": 6}]
    r = run(spotlight_bin, db, "trial", "show", "--json")
    assert r.json["state"] == "registered"
    r = run(spotlight_bin, db, "audit", "verify")
    assert r.code == 0 and "intact" in r.out


def test_errors_exit_1_with_empty_stdout(spotlight_bin, files) -> None:  # type: ignore[no-untyped-def]
    tmp, proto, spots = files
    db = tmp / "t.db"
    bad = tmp / "bad.toml"
    bad.write_text(PROTOCOL.replace('compare = ["physical", "control"]',
                                    'compare = ["physicl", "control"]').replace(
                                        'method = "stratified"', 'method = "stratifed"'))
    r = run(spotlight_bin, db, "trial", "create", "--protocol", str(bad), "--json")
    assert r.code == 1 and r.out == ""
    lines = r.err.strip().splitlines()
    assert len(lines) >= 2 and all(x.startswith("spotlight: error: ") for x in lines)
    assert any("hypothesis[1].compare" in x for x in lines)
    assert any("design.method" in x for x in lines)
    assert run(spotlight_bin, db, "trial", "list", "--json").json == []

    run(spotlight_bin, db, "trial", "create", "--protocol", str(proto))
    broken = write_spots(tmp, "spot_id,name,lat,lon,radius_m\nA,a,53.79,-1.54,-5\n"
                              ",b,53.80,-1.55,30\n", "broken.csv")
    r = run(spotlight_bin, db, "spots", "import", str(broken), "--json")
    assert r.code == 1 and r.out == ""
    assert "broken.csv:2: radius_m" in r.err and "broken.csv:3: spot_id" in r.err
    assert run(spotlight_bin, db, "trial", "list", "--json").json[0]["spots"] == 0


def test_usage_error_exits_2(spotlight_bin, tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = run(spotlight_bin, tmp_path / "t.db", "trial", "create")
    assert r.code == 2 and r.out == ""
    r = run(spotlight_bin, tmp_path / "t.db", "no-such-command")
    assert r.code == 2


def test_several_trials_need_trial(spotlight_bin, files) -> None:  # type: ignore[no-untyped-def]
    tmp, proto, _ = files
    db = tmp / "t.db"
    other = tmp / "q.toml"
    other.write_text(PROTOCOL.replace('name = "test-trial"', 'name = "other-trial"'))
    run(spotlight_bin, db, "trial", "create", "--protocol", str(proto))
    run(spotlight_bin, db, "trial", "create", "--protocol", str(other))
    r = run(spotlight_bin, db, "trial", "show", "--json")
    assert r.code == 1 and "--trial" in r.err and r.out == ""
    r = run(spotlight_bin, db, "trial", "delete", "--trial", "other-trial", "--json")
    assert r.code == 0
    assert [t["trial"] for t in run(spotlight_bin, db, "trial", "list", "--json").json] == [
        "test-trial"]


def test_audit_verify_fails_on_sql_edit(spotlight_bin, files) -> None:  # type: ignore[no-untyped-def]
    import sqlite3

    tmp, proto, spots = files
    db = tmp / "t.db"
    run(spotlight_bin, db, "trial", "create", "--protocol", str(proto))
    run(spotlight_bin, db, "spots", "import", str(spots))
    con = sqlite3.connect(db)
    con.execute("UPDATE spot SET name = 'renamed' WHERE spot_id = 'S02'")
    con.commit()
    con.close()
    r = run(spotlight_bin, db, "audit", "verify")
    assert r.code == 1 and "S02" in r.err


def test_help_is_quick_and_lists_commands(spotlight_bin, tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = run(spotlight_bin, tmp_path / "t.db", "--help")
    assert r.code == 0
    for cmd in ("trial", "spots", "protocol", "audit"):
        assert cmd in r.out
    assert not (tmp_path / "t.db").exists()  # help opens no database


def test_spots_csv_text_is_unchanged() -> None:
    assert SPOTS_CSV.count("\n") == 7
