"""Purge: personal fields of older rows become tombstones, and the audit trail still verifies,
while any other edit, before or after the purge, is still caught."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from tests.integrity.workers import PROTOCOL, SPOTS, TRIAL, crime_file
from trial.errors import InputError, PermissionDenied, RefusedError
from trial.service import audit_trail
from trial.service.context import Context

pytestmark = pytest.mark.storage

PATROLS = ("spot_id,start,end,officer,officers,purpose,mode,source,notes,reason\n"
           "A,2019-05-03 22:00,2019-05-03 22:14,PC101,2,directed,foot,manual,saw J Smith,\n"
           "B,2019-06-03 22:00,2019-06-03 22:14,PC102,1,directed,foot,manual,,\n"
           "C,2019-10-03 22:00,2019-10-03 22:14,PC103,1,directed,foot,manual,late note,\n")


def _world(ctx: Context, tmp: Path) -> None:
    from trial.service.allocation import randomise
    from trial.service.crimes import import_crimes
    from trial.service.fieldwork import import_patrols, list_sessions, void_session
    from trial.service.fieldwork_report import add_context
    from trial.service.registration import register
    from trial.service.spots import import_spot_data
    from trial.service.trials import create_trial

    create_trial(ctx, protocol_text=PROTOCOL, source="p.toml")
    import_spot_data(ctx, trial=TRIAL, data=SPOTS, source="spots.csv")
    register(ctx, trial=TRIAL)
    randomise(ctx, trial=TRIAL)
    f = tmp / "patrols.csv"
    f.write_text(PATROLS, encoding="utf-8")
    import_patrols(ctx, trial=TRIAL, path=f)
    first = next(s for s in list_sessions(ctx, trial=TRIAL) if s["spot_id"] == "B")
    void_session(ctx, session_id=first["session_id"], reason="PC102 was off sick")
    add_context(ctx, trial=TRIAL, spot="A", kind="incident", date_from="2019-05-10",
                text="stabbing outside no. 4")
    add_context(ctx, trial=TRIAL, spot="A", kind="incident", date_from="2019-11-10",
                text="a later note")
    import_crimes(ctx, trial=TRIAL, paths=[crime_file(tmp / "c.csv", rows=300, seed=1,
                                                      prefix="ref")])


def _sql(ctx: Context, sql: str) -> list[tuple[object, ...]]:
    with ctx.engine.begin() as conn:
        result = conn.execute(text(sql))
        return [tuple(r) for r in result] if result.returns_rows else []


def test_purge_leaves_tombstones_and_a_verifiable_trail(ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from trial.service.fieldwork import list_sessions
    from trial.service.purge import PURGED, purge

    _world(ctx, tmp_path)
    r = purge(ctx, trial=TRIAL, before="2019-07-01", reason="retention ended")
    assert r["purged"]["field_session"] == 2 and r["purged"]["session_void"] == 1
    assert r["purged"]["spot_context"] == 1
    months = _sql(ctx, "SELECT month, crime_id, record_key, location FROM crime_record")
    early = [m for m in months if m[0] < "2019-07"]
    late = [m for m in months if m[0] >= "2019-07"]
    assert r["purged"]["crime_record"] == len(early) > 0
    assert all(m[1] is None and str(m[2]).startswith("purged:") and m[3] is None for m in early)
    assert all(str(m[1]).startswith("ref") and m[3] for m in late)
    sessions = {s["spot_id"]: s for s in list_sessions(ctx, trial=TRIAL)}
    assert sessions["A"]["officer"] == PURGED and sessions["A"]["notes"] == PURGED
    assert sessions["B"]["officer"] == PURGED and sessions["B"]["void_reason"] == PURGED
    assert sessions["C"]["officer"] == "PC103" and sessions["C"]["notes"] == "late note"
    texts = sorted(str(t[0]) for t in _sql(ctx, "SELECT text FROM spot_context"))
    assert texts == [PURGED, "a later note"]
    v = audit_trail.verify(ctx)
    assert v.ok, v.problems
    entry = next(e for e in audit_trail.entries(ctx, limit=100) if e["action"] == "purge")
    assert entry["actor"] == ctx.actor
    with pytest.raises(RefusedError, match="no personal fields left"):
        purge(ctx, trial=TRIAL, before="2019-07-01", reason="again")
    # A later purge covers more and still verifies.
    purge(ctx, trial=TRIAL, before="2019-12-01", reason="second request")
    assert audit_trail.verify(ctx).ok


@pytest.mark.parametrize("edit", [
    "UPDATE field_session SET notes = 'put back' WHERE officer = '[purged]' AND spot_id = 'A'",
    "UPDATE field_session SET notes = 'edited' WHERE spot_id = 'C'",
    "UPDATE session_void SET reason = 'PC102 was off sick'",
    "UPDATE spot_context SET text = 'changed' WHERE text = '[purged]'",
    "UPDATE crime_record SET crime_type = 'Robbery' WHERE record_key LIKE 'purged:%'",
    "UPDATE crime_record SET crime_id = 'x' WHERE record_key LIKE 'purged:%'",
])
def test_an_edit_after_purge_is_caught(ctx, tmp_path, edit) -> None:  # type: ignore[no-untyped-def]
    from trial.service.purge import purge

    _world(ctx, tmp_path)
    purge(ctx, trial=TRIAL, before="2019-07-01", reason="retention ended")
    _sql(ctx, edit)
    v = audit_trail.verify(ctx)
    assert not v.ok
    table = edit.split()[1]
    assert any(table in p for p in v.problems), v.problems


def test_a_forged_purge_entry_is_caught(ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Changing a purge entry's listed digest breaks the chain."""
    from trial.service.purge import purge

    _world(ctx, tmp_path)
    purge(ctx, trial=TRIAL, before="2019-07-01", reason="retention ended")
    _sql(ctx, "UPDATE audit_entry SET detail = replace(detail, '\"digest\":\"', "
              "'\"digest\":\"0') WHERE action = 'purge'")
    assert not audit_trail.verify(ctx).ok


def test_purge_is_for_admins_with_a_reason_and_a_past_date(ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from trial.service.context import Context as Ctx
    from trial.service.purge import purge
    from trial.service.users import add_user

    _world(ctx, tmp_path)
    with pytest.raises(InputError) as bad:
        purge(ctx, trial=TRIAL, before="01/07/2019", reason=" ")
    assert {p.field for p in bad.value.problems} == {"--before", "--reason"}
    with pytest.raises(RefusedError, match="after today"):
        purge(ctx, trial=TRIAL, before="2999-01-01", reason="x")
    add_user(ctx, name=ctx.actor, roles=["coordinator"])  # the actor becomes admin too
    add_user(ctx, name="rita", roles=["researcher", "coordinator"])
    rita = Ctx(engine=ctx.engine, actor="rita")
    with pytest.raises(PermissionDenied, match="cannot purge"):
        purge(rita, trial=TRIAL, before="2019-07-01", reason="x")
    purge(ctx, trial=TRIAL, before="2019-07-01", reason="retention ended")
    assert audit_trail.verify(ctx).ok
