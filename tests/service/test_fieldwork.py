"""Patrol sessions through the service: refusals, flags, imports, voids, pseudonyms, audit."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tests.service.helpers import PROTOCOL, write_spots
from trial.errors import InputError, NotFoundError, RefusedError
from trial.fieldwork.pseudonym import pseudonymise
from trial.service import audit_trail
from trial.service import fieldwork as fw
from trial.service.allocation import randomise
from trial.service.registration import register
from trial.service.spots import import_spots
from trial.service.trials import create_trial

pytestmark = pytest.mark.storage

FIELDWORK = """
[dosage]
patrol = { visits_per_day = 2, visit_minutes = 15, min_gap_minutes = 30, days = ["Fri", "Sat"], \
start = "20:00", end = "04:00" }
ads = { days = ["Fri", "Sat"], start = "20:00", end = "04:00", daily_budget_gbp = 20.0 }

[fidelity]
patrol = { min_visits_per_week = 1, min_minutes_per_week = 10 }
ads = { min_impressions_per_week = 100 }

[costs]
officer_hour_gbp = 40.0
fixed_gbp = { ads = 1300.0 }
"""
PRIVACY = "\n[privacy]\npseudonymise_officers = true\n"
# Fixed "now" for every test: after the treatment window (2024-01-08 to 2024-04-07).
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def field_protocol(*, pseudonymise_officers: bool = False) -> str:
    """The service-test protocol with a published seed, dosage, fidelity and costs."""
    text_ = PROTOCOL.replace("min_separation_m = 50", "min_separation_m = 50\nseed = 7")
    return text_ + FIELDWORK + (PRIVACY if pseudonymise_officers else "")


def setup_trial(ctx: Any, tmp_path: Path, *, pseudonymise_officers: bool = False,
                randomised: bool = True) -> dict[str, list[str]]:
    """Create, register and randomise; returns the spots of each arm."""
    ctx.clock = lambda: NOW
    create_trial(ctx, protocol_text=field_protocol(pseudonymise_officers=pseudonymise_officers),
                 source="p.toml")
    import_spots(ctx, trial=None, path=write_spots(tmp_path))
    register(ctx, trial=None)
    if not randomised:
        return {}
    rows = randomise(ctx, trial=None).rows
    return {arm: sorted(r["spot_id"] for r in rows if r["arm"] == arm)
            for arm in ("digital", "physical", "control")}


@pytest.fixture
def field(ctx, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SPOTLIGHT_KEY_FILE", str(tmp_path / "keys" / "spotlight.key"))
    arms = setup_trial(ctx, tmp_path)
    return ctx, arms


def entries(ctx: Any) -> int:
    return audit_trail.verify(ctx).entries


def patrol(ctx: Any, spot: str, start: str = "2024-02-02 22:10",
           end: str = "2024-02-02 22:25", officer: str = "PC1234", **kw: Any) -> fw.Logged:
    return fw.log_patrol(ctx, trial=None, spot=spot, start=start, end=end, officer=officer,
                         **kw)


def test_log_patrol_and_flags(field) -> None:  # type: ignore[no-untyped-def]
    ctx, arms = field
    p, c = arms["physical"][0], arms["control"][0]
    ok = patrol(ctx, p, officers="2")  # Friday 22:10-22:25, inside the hours and window
    assert ok.kind == "patrol" and ok.flags == ()
    assert ok.as_json() == {"session_id": ok.session_id, "kind": "patrol", "flags": []}
    # directed patrol in a control spot: contamination, stored
    assert patrol(ctx, c, "2024-02-02 23:00", "2024-02-02 23:12").flags == ("contamination",)
    # a Tuesday afternoon: outside the Fri/Sat 20:00-04:00 hours
    assert patrol(ctx, p, "2024-02-06 14:00", "2024-02-06 14:15").flags == ("outside_hours",)
    # before the treatment window (a Friday night)
    assert patrol(ctx, p, "2023-12-01 22:00", "2023-12-01 22:15").flags == ("outside_window",)
    # business as usual anywhere at any time is not flagged
    assert patrol(ctx, c, "2024-02-06 10:00", "2024-02-06 10:30", purpose="bau").flags == ()
    rows = fw.list_sessions(ctx, trial=None)
    assert len(rows) == 5
    first = next(r for r in rows if r["session_id"] == ok.session_id)
    assert first["start"] == "2024-02-02T22:10+00:00" and first["officers"] == 2
    assert first["officer"] == "PC1234" and first["voided"] is False
    assert audit_trail.verify(ctx).ok


def test_summer_time_is_stored_in_utc(field) -> None:  # type: ignore[no-untyped-def]
    ctx, arms = field
    patrol(ctx, arms["physical"][0], "2024-04-05 22:10", "2024-04-05 22:25")  # BST, UTC+1
    (row,) = fw.list_sessions(ctx, trial=None)
    assert row["start_utc"] == "2024-04-05T21:10:00+00:00"
    assert row["start"] == "2024-04-05T22:10+01:00"


@pytest.mark.parametrize(("kw", "field_name", "words"), [
    ({"spot": "NOPE"}, "spot_id", "unknown spot"),
    ({"end": "2024-02-02 22:00"}, "end", "after the start"),
    ({"end": "2024-02-03 10:11"}, "end", "at most 12"),
    ({"start": "2024-06-01 14:00", "end": "2024-06-01 14:15"}, "end", "future"),
    ({"start": "2024-03-31 01:30", "end": "2024-03-31 02:45"}, "start", "does not exist"),
    ({"start": "2024-10-27 01:30", "end": "2024-10-27 01:45"}, "start", "happens twice"),
    ({"officers": "0"}, "officers", "at least 1"),
    ({"officers": "-2"}, "officers", "at least 1"),
    ({"officers": "two"}, "officers", "whole number"),
    ({"purpose": "override"}, "reason", "needs a reason"),
    ({"purpose": "lunch"}, "purpose", "unknown purpose"),
])
def test_log_patrol_refusals(field, kw, field_name, words) -> None:  # type: ignore[no-untyped-def]
    ctx, arms = field
    before = entries(ctx)
    args = {"spot": arms["physical"][0], **kw}
    with pytest.raises(InputError) as err:
        patrol(ctx, **args)
    assert any(p.field == field_name and words in p.what for p in err.value.problems), \
        err.value.problems
    assert fw.list_sessions(ctx, trial=None) == [] and entries(ctx) == before


def test_override_with_reason_is_kept(field) -> None:  # type: ignore[no-untyped-def]
    ctx, arms = field
    r = patrol(ctx, arms["physical"][0], purpose="override", reason="Inspector's request")
    (row,) = fw.list_sessions(ctx, trial=None)
    assert row["session_id"] == r.session_id and row["override_reason"] == "Inspector's request"


def test_overlap_across_stored_sessions(field) -> None:  # type: ignore[no-untyped-def]
    ctx, arms = field
    p1, p2 = arms["physical"]
    first = patrol(ctx, p1)
    with pytest.raises(InputError, match="already logged"):
        patrol(ctx, p2, "2024-02-02 22:20", "2024-02-02 22:40")
    # logged one at a time, the very same visit again is a second, overlapping visit
    with pytest.raises(InputError, match="already logged"):
        patrol(ctx, p1)
    # touching end to start is not an overlap; another officer may be there at the same time
    patrol(ctx, p2, "2024-02-02 22:25", "2024-02-02 22:40")
    patrol(ctx, p1, officer="PC9999")
    # a voided visit no longer blocks the officer
    fw.void_session(ctx, session_id=first.session_id, reason="wrong officer")
    patrol(ctx, p2, "2024-02-02 22:10", "2024-02-02 22:20")
    assert len(fw.list_sessions(ctx, trial=None)) == 4


def test_sessions_need_a_randomised_trial(ctx, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SPOTLIGHT_KEY_FILE", str(tmp_path / "spotlight.key"))
    setup_trial(ctx, tmp_path, randomised=False)
    with pytest.raises(RefusedError, match="registered"):
        patrol(ctx, "S01")


def test_void_is_kept_listed_and_excluded(field) -> None:  # type: ignore[no-untyped-def]
    from trial.service.fieldwork_report import fidelity_report

    ctx, arms = field
    p = arms["physical"][0]
    a = patrol(ctx, p)
    patrol(ctx, p, "2024-02-03 22:10", "2024-02-03 22:22")
    out = fw.void_session(ctx, session_id=str(a.session_id), reason="logged twice")
    assert out == {"session_id": a.session_id, "voided": True, "reason": "logged twice"}
    rows = {r["session_id"]: r for r in fw.list_sessions(ctx, trial=None)}
    assert rows[a.session_id]["voided"] is True and rows[a.session_id]["reason"] == "logged twice"
    assert len(rows) == 2
    spot = next(s for s in fidelity_report(ctx, trial=None)["spots"] if s["spot_id"] == p)
    assert spot["patrol_visits"] == 1 and spot["patrol_minutes"] == 12.0
    with pytest.raises(RefusedError, match="already voided"):
        fw.void_session(ctx, session_id=a.session_id, reason="again")
    with pytest.raises(NotFoundError):
        fw.void_session(ctx, session_id=999, reason="x")
    with pytest.raises(InputError, match="reason"):
        fw.void_session(ctx, session_id=a.session_id, reason="  ")
    assert audit_trail.verify(ctx).ok


LOG = """spot_id,start,end,officer,officers,purpose,mode,source,notes,reason
{p},2024-02-02 22:00,2024-02-02 22:14,PC101,2,directed,foot,manual,quiet,
{p},2024-02-02 23:50,2024-02-03 00:05,PC101,1,,foot,,crosses midnight,
{c},2024-02-02 22:30,2024-02-02 22:42,PC202,1,directed,vehicle,manual,wrong spot,
{c},2024-02-06 10:00,2024-02-06 10:20,PC303,1,bau,foot,manual,,
{p},2024-02-07 14:00,2024-02-07 14:15,PC101,1,directed,foot,manual,afternoon,
"""


def test_import_is_idempotent(field, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ctx, arms = field
    f = tmp_path / "log.csv"
    f.write_text(LOG.format(p=arms["physical"][0], c=arms["control"][0]), encoding="utf-8")
    r = fw.import_patrols(ctx, trial=None, path=f)
    assert r.as_json() == {"imported": 5, "duplicates": 0, "flagged": {
        "contamination": 1, "outside_window": 0, "outside_hours": 1}}
    again = fw.import_patrols(ctx, trial=None, path=f)
    assert again.as_json() == {"imported": 0, "duplicates": 5, "flagged": {
        "contamination": 0, "outside_window": 0, "outside_hours": 0}}
    rows = fw.list_sessions(ctx, trial=None, kind="patrol")
    assert len(rows) == 5 and {r["source"] for r in rows} == {"manual", "import"}
    assert sorted(r["flags"] for r in rows) == [[], [], [], ["contamination"], ["outside_hours"]]
    assert audit_trail.verify(ctx).ok


def test_import_is_atomic(field, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ctx, arms = field
    p = arms["physical"][0]
    patrol(ctx, p, "2024-02-09 22:00", "2024-02-09 22:30", officer="PC7")
    bad = (LOG.format(p=p, c=arms["control"][0])
           + f"{p},2024-03-31 01:30,2024-03-31 03:00,PC8,1,directed,foot,,,\n"  # line 7
           + "NOPE,2024-02-02 22:00,2024-02-02 22:10,PC9,1,directed,foot,,,\n"  # line 8
           + f"{p},2024-02-09 22:10,2024-02-09 22:20,PC7,1,directed,foot,,,\n"  # line 9
           + f"{p},2024-02-09 22:10,2024-02-09 22:20,PC6,0,directed,foot,,,\n")  # line 10
    f = tmp_path / "bad.csv"
    f.write_text(bad, encoding="utf-8")
    before = entries(ctx)
    with pytest.raises(InputError) as err:
        fw.import_patrols(ctx, trial=None, path=f)
    shown = [str(q) for q in err.value.problems]
    assert any(s.startswith("bad.csv:7: start:") and "does not exist" in s for s in shown)
    assert any(s.startswith("bad.csv:8: spot_id: unknown spot") for s in shown)
    assert any(s.startswith("bad.csv:9: officer:") and "already logged" in s for s in shown)
    assert any(s.startswith("bad.csv:10: officers:") for s in shown)
    assert len(fw.list_sessions(ctx, trial=None)) == 1 and entries(ctx) == before


def test_form_export_through_a_map(field, test_data, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ctx, arms = field
    src = (test_data / "sessions" / "google-form-export.csv").read_text(encoding="utf-8")
    # the fixture's spots are S1 and S2: give them this trial's physical spots' names
    p1, p2 = arms["physical"]
    src = src.replace(",S1,", f",{p1},").replace(",S2,", f",{p2},")
    f = tmp_path / "form.csv"
    f.write_text(src, encoding="utf-8")
    r = fw.import_patrols(ctx, trial=None, path=f,
                          map_path=test_data / "sessions" / "google-form-map.toml")
    assert r.as_json() == {"imported": 3, "duplicates": 0, "flagged": {
        "contamination": 0, "outside_window": 0, "outside_hours": 0}}
    rows = fw.list_sessions(ctx, trial=None)
    crossing = next(r for r in rows if r["notes"].startswith("Busy"))
    assert crossing["end"] == "2024-01-13T00:05+00:00" and crossing["officers"] == 2
    assert sorted(r["purpose"] for r in rows) == ["bau", "directed", "directed"]


def test_pseudonymised_officers(ctx, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    key_file = tmp_path / "keys" / "spotlight.key"
    monkeypatch.setenv("SPOTLIGHT_KEY_FILE", str(key_file))
    arms = setup_trial(ctx, tmp_path, pseudonymise_officers=True)
    p1, p2 = arms["physical"]
    patrol(ctx, p1, officer="PC 1234")
    assert key_file.exists() and (key_file.stat().st_mode & 0o777) == 0o600
    hashed = pseudonymise("PC 1234", key_file.read_text().strip())
    with ctx.engine.connect() as conn:
        stored = conn.execute(text("SELECT officer, officer_pseudonymised FROM field_session"))
        assert [tuple(r) for r in stored] == [(hashed, True)]
        details = " ".join(r[0] for r in conn.execute(text("SELECT detail FROM audit_entry")))
    assert "1234" not in details
    # the same officer typed differently still overlaps (the message shows what was typed)
    with pytest.raises(InputError, match="pc 1234 is already logged"):
        patrol(ctx, p2, "2024-02-02 22:20", "2024-02-02 22:40", officer="pc 1234")
    # key holders see the identifier and can search by it; without the key, the pseudonym
    (row,) = fw.list_sessions(ctx, trial=None)
    assert row["officer"] == "PC 1234" and row["officer_pseudonymised"] is True
    assert len(fw.list_sessions(ctx, trial=None, officer="pc 1234")) == 1
    monkeypatch.setenv("SPOTLIGHT_KEY_FILE", str(tmp_path / "elsewhere.key"))
    (row,) = fw.list_sessions(ctx, trial=None)
    assert row["officer"] == hashed
    with pytest.raises(RefusedError, match="key"):
        fw.list_sessions(ctx, trial=None, officer="PC 1234")
    assert audit_trail.verify(ctx).ok


def test_gps_pings_become_visits(field, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ctx, arms = field
    spot = arms["physical"][0]
    lat, lon = {"S01": (53.79560, -1.54080), "S02": (53.79420, -1.54050),
                "S03": (53.79850, -1.54900), "S04": (53.79930, -1.55200),
                "S05": (53.80010, -1.54300), "S06": (53.80020, -1.54700)}[spot]
    lines = ["device,time,lat,lon"]
    for k in range(8):  # a ping a minute for 7 minutes inside the spot, then gone
        lines.append(f"R17,2024-02-02 22:{10 + k:02d},{lat:.6f},{lon:.6f}")
    lines.append(f"R17,2024-02-02 22:30,{lat + 0.01:.6f},{lon:.6f}")
    f = tmp_path / "pings.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = fw.import_pings(ctx, trial=None, path=f)
    assert r.imported == 1 and r.duplicates == 0
    (row,) = fw.list_sessions(ctx, trial=None)
    assert row["source"] == "gps" and row["spot_id"] == spot and row["minutes"] == 7.0
    assert fw.import_pings(ctx, trial=None, path=f).duplicates == 1


def test_audit_catches_an_edited_session(field) -> None:  # type: ignore[no-untyped-def]
    ctx, arms = field
    s = patrol(ctx, arms["physical"][0])
    fw.void_session(ctx, session_id=s.session_id, reason="test")
    assert audit_trail.verify(ctx).ok
    with ctx.engine.begin() as conn:
        conn.execute(text("UPDATE field_session SET officers = 5"))
    r = audit_trail.verify(ctx)
    assert not r.ok and "field_session row" in r.problems[0] and "changed" in r.problems[0]


def test_audit_catches_a_deleted_session(field, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ctx, arms = field
    f = tmp_path / "log.csv"
    f.write_text(LOG.format(p=arms["physical"][0], c=arms["control"][0]), encoding="utf-8")
    fw.import_patrols(ctx, trial=None, path=f)
    with ctx.engine.begin() as conn:
        conn.execute(text("DELETE FROM field_session WHERE notes = 'wrong spot'"))
    r = audit_trail.verify(ctx)
    assert not r.ok and "field_session row" in r.problems[0] and "missing" in r.problems[0]


def test_list_filters(field) -> None:  # type: ignore[no-untyped-def]
    ctx, arms = field
    p1, p2 = arms["physical"]
    patrol(ctx, p1)
    patrol(ctx, p2, officer="PC2")
    assert [r["spot_id"] for r in fw.list_sessions(ctx, trial=None, spot=p2)] == [p2]
    assert fw.list_sessions(ctx, trial=None, kind="ad") == []
    with pytest.raises(InputError, match="kind"):
        fw.list_sessions(ctx, trial=None, kind="walk")
    json.dumps(fw.list_sessions(ctx, trial=None))  # JSON-ready
