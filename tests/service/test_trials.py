"""Trials, spots and registration through the service layer, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func
from sqlmodel import select

from tests.service.helpers import PROTOCOL, SPOTS_CSV, write_spots
from trial.errors import InputError, NotFoundError, RefusedError
from trial.service import audit_trail
from trial.service.registration import register
from trial.service.spots import import_spots, list_spots, remove_spots
from trial.service.trials import (
    create_trial,
    delete_trial,
    list_trials,
    replace_protocol,
    trial_details,
)
from trial.store.models import AuditEntry, Spot, Trial

pytestmark = pytest.mark.storage


def _count(ctx, model) -> int:  # type: ignore[no-untyped-def]
    with ctx.reading() as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


def test_create_list_show(ctx) -> None:  # type: ignore[no-untyped-def]
    r = create_trial(ctx, protocol_text=PROTOCOL, source="p.toml")
    assert (r.trial, r.state) == ("test-trial", "draft")
    assert [t.as_json() for t in list_trials(ctx)] == [
        {"trial": "test-trial", "state": "draft", "spots": 0}]
    d = trial_details(ctx, trial=None)
    assert d["design"] == "stratified"
    assert [a["arm"] for a in d["arms"]] == ["digital", "physical", "control"]
    with pytest.raises(RefusedError, match="already exists"):
        create_trial(ctx, protocol_text=PROTOCOL, source="p.toml")
    assert _count(ctx, Trial) == 1 and _count(ctx, AuditEntry) == 1


def test_invalid_protocol_creates_nothing(ctx) -> None:  # type: ignore[no-untyped-def]
    bad = PROTOCOL.replace('compare = ["physical", "control"]', 'compare = ["physicl", "control"]')
    with pytest.raises(InputError) as err:
        create_trial(ctx, protocol_text=bad, source="bad.toml")
    assert any(p.field == "hypothesis[1].compare" for p in err.value.problems)
    assert _count(ctx, Trial) == 0 and _count(ctx, AuditEntry) == 0


def test_spots_import_list_remove(ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    create_trial(ctx, protocol_text=PROTOCOL, source="p.toml")
    assert import_spots(ctx, trial="test-trial", path=write_spots(tmp_path)) == 6
    spots = list_spots(ctx, trial=None)
    assert [s["spot_id"] for s in spots] == ["S01", "S02", "S03", "S04", "S05", "S06"]
    assert spots[0]["arm"] is None and spots[0]["baseline_crimes"] == 12
    assert spots[0]["baseline_harm"] == 340.5 and spots[0]["district"] == "Call Lane"
    # A repeated import appends; an id already present is refused, nothing written.
    more = write_spots(tmp_path, "spot_id,name,lat,lon,radius_m,district\n"
                                 "S07,Briggate,53.7975,-1.5425,30,Briggate\n"
                                 "S01,Again,53.7900,-1.5300,30,Briggate\n", "more.csv")
    with pytest.raises(InputError) as err:
        import_spots(ctx, trial=None, path=more)
    assert "S01" in str(err.value)
    assert _count(ctx, Spot) == 6
    assert remove_spots(ctx, trial=None, spot_ids=["S06"]) == 1
    assert _count(ctx, Spot) == 5
    with pytest.raises(NotFoundError):
        remove_spots(ctx, trial=None, spot_ids=["nope"])
    assert audit_trail.verify(ctx).ok


def test_replace_protocol_only_in_draft(ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    create_trial(ctx, protocol_text=PROTOCOL, source="p.toml")
    replace_protocol(ctx, trial=None, protocol_text=PROTOCOL.replace("A small", "A tiny"),
                     source="p2.toml")
    assert trial_details(ctx, trial=None)["title"] == "A tiny test trial"
    import_spots(ctx, trial=None, path=write_spots(tmp_path))
    register(ctx, trial=None)
    with pytest.raises(RefusedError, match="registered"):
        replace_protocol(ctx, trial=None, protocol_text=PROTOCOL, source="p.toml")


def test_register_freezes_spots_and_hashes(ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from trial.protocol import protocol_sha256
    from trial.spots import parse_spots, spots_sha256

    create_trial(ctx, protocol_text=PROTOCOL, source="p.toml")
    import_spots(ctx, trial=None, path=write_spots(tmp_path))
    r = register(ctx, trial=None)
    assert r.state == "registered"
    assert r.sha256 == protocol_sha256(PROTOCOL)
    assert r.spots_sha256 == spots_sha256(parse_spots(SPOTS_CSV, source="x.csv"))
    assert r.closest and r.closest[0]["distance_m"] > 50
    with pytest.raises(RefusedError, match="frozen"):
        import_spots(ctx, trial=None, path=write_spots(tmp_path, SPOTS_CSV.replace("S0", "T0")))
    with pytest.raises(RefusedError, match="frozen"):
        remove_spots(ctx, trial=None, spot_ids=["S01"])
    with pytest.raises(RefusedError):
        delete_trial(ctx, trial=None)
    with pytest.raises(RefusedError, match="registered once"):
        register(ctx, trial=None)


def test_register_refuses_close_spots(ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    create_trial(ctx, protocol_text=PROTOCOL.replace("min_separation_m = 50",
                                                     "min_separation_m = 200"), source="p.toml")
    import_spots(ctx, trial=None, path=write_spots(tmp_path))
    n_entries = _count(ctx, AuditEntry)
    with pytest.raises(InputError) as err:
        register(ctx, trial=None)
    messages = [str(p) for p in err.value.problems]
    assert any("S01" in m and "S02" in m and "design.min_separation_m" in m for m in messages)
    assert trial_details(ctx, trial=None)["state"] == "draft"
    assert _count(ctx, AuditEntry) == n_entries


def test_register_refuses_missing_strata(ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    create_trial(ctx, protocol_text=PROTOCOL, source="p.toml")
    csv_text = SPOTS_CSV.replace(",Park Row,7,", ",,7,")
    import_spots(ctx, trial=None, path=write_spots(tmp_path, csv_text))
    with pytest.raises(InputError) as err:
        register(ctx, trial=None)
    assert "S03" in str(err.value) and "design.strata" in str(err.value)


def test_delete_draft(ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    create_trial(ctx, protocol_text=PROTOCOL, source="p.toml")
    import_spots(ctx, trial=None, path=write_spots(tmp_path))
    assert delete_trial(ctx, trial=None) == "test-trial"
    assert _count(ctx, Trial) == 0 and _count(ctx, Spot) == 0
    assert audit_trail.verify(ctx).ok


def test_audit_entries_one_per_action(ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    create_trial(ctx, protocol_text=PROTOCOL, source="p.toml")
    import_spots(ctx, trial=None, path=write_spots(tmp_path))
    register(ctx, trial=None)
    with ctx.reading() as s:
        entries = list(s.exec(select(AuditEntry).order_by(AuditEntry.id)))
    assert [e.action for e in entries] == ["trial create", "spots import", "protocol register"]
    assert all(e.actor == "tester" for e in entries) or ctx.url.startswith("postgresql")
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    detail = json.loads(entries[1].detail)
    assert detail["rows"] == {"spot": 6} and len(detail["file_sha256"]) == 64
