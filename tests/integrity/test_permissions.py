"""Roles and permissions: single-user mode, the first user, refusals (audited), the matrix."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlmodel import Session, select

from tests.service.helpers import PROTOCOL, write_spots
from trial.errors import InputError, PermissionDenied, RefusedError
from trial.permissions import PERMISSIONS, ROLES, decide
from trial.service import audit_trail
from trial.service.context import Context
from trial.service.spots import import_spots
from trial.service.trials import create_trial, list_trials
from trial.service.users import add_user, list_users, revoke_roles
from trial.store.models import AuditEntry

pytestmark = pytest.mark.storage

SERVICE = Path(__file__).resolve().parents[2] / "trial" / "service"
# Names the fieldwork, analysis and export use-cases take.
PLANNED = ["sessions log patrol", "sessions import patrol", "sessions void",
           "sessions import-pings", "ads targets import", "sessions log ad",
           "sessions import ad", "context add", "plan", "analyse save", "protocol amend",
           "unblind", "export", "report"]


def as_(ctx: Context, name: str) -> Context:
    """The same database on behalf of another name (what a separate login gives)."""
    return Context(engine=ctx.engine, actor=name, clock=ctx.clock)


def _entries(ctx: Context) -> list[AuditEntry]:
    with Session(ctx.engine) as s:
        return list(s.exec(select(AuditEntry).order_by(AuditEntry.id)))  # type: ignore[arg-type]


def test_every_action_in_the_service_layer_is_in_the_matrix() -> None:
    used: set[str] = set()
    for path in SERVICE.glob("*.py"):
        used |= set(re.findall(r'action="([^"]+)"', path.read_text(encoding="utf-8")))
    assert used, "no action names found"
    missing = sorted((used | set(PLANNED)) - set(PERMISSIONS))
    assert missing == []
    assert all(PERMISSIONS[a] <= set(ROLES) and PERMISSIONS[a] for a in PERMISSIONS)


def test_matrix_as_the_issue_states_it() -> None:
    def who(action: str) -> set[str]:
        return set(PERMISSIONS[action])

    for a in ("trial create", "protocol register", "protocol amend", "randomise",
              "context add", "unblind"):
        assert who(a) == {"coordinator"}, a
    for a in ("sessions log patrol", "sessions import patrol", "sessions void"):
        assert who(a) == {"supervisor"}, a
    for a in ("ads targets import", "sessions log ad", "sessions import ad"):
        assert who(a) == {"vendor"}, a
    for a in ("crimes import", "outcomes lock", "analyse save", "export", "report"):
        assert who(a) == {"researcher"}, a
    assert who("users add") == {"admin"}
    # Nothing redraws, edits or deletes an allocation.
    assert not [a for a in PERMISSIONS if "allocation" in a and a != "allocation import"]


def test_decide_messages() -> None:
    assert decide("ann", ["researcher", "coordinator"], "randomise").allowed
    d = decide("bob", ["researcher", "coordinator"], "sessions void")
    assert d.message == "not permitted: bob (coordinator+researcher) cannot sessions void"
    assert decide("eve", None, "randomise").message == "unknown user: eve"
    assert decide("zed", [], "randomise").message == (
        "not permitted: zed (no roles) cannot randomise")


def test_single_user_mode_checks_nothing_but_audits_the_name(ctx) -> None:  # type: ignore[no-untyped-def]
    create_trial(as_(ctx, "anyone"), protocol_text=PROTOCOL, source="p.toml")
    assert list_users(ctx) == []
    assert [(e.actor, e.action) for e in _entries(ctx)] == [("anyone", "trial create")]


def test_first_user_makes_the_actor_admin_and_turns_checks_on(ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    alice = as_(ctx, "alice")
    changed = add_user(alice, name="bob", roles=["researcher", "coordinator"])
    assert {u.name: u.roles for u in changed} == {"alice": ("admin",),
                                                   "bob": ("coordinator", "researcher")}
    assert [u.as_json() for u in list_users(alice)] == [
        {"name": "alice", "roles": ["admin"]},
        {"name": "bob", "roles": ["coordinator", "researcher"]}]
    # Alice is only an admin: she may not create a trial; Bob may.
    with pytest.raises(PermissionDenied, match=r"^not permitted: alice \(admin\) cannot "
                                               r"trial create$"):
        create_trial(alice, protocol_text=PROTOCOL, source="p.toml")
    create_trial(as_(ctx, "bob"), protocol_text=PROTOCOL, source="p.toml")
    # A name that is not a user is refused, for writes and for reads.
    with pytest.raises(PermissionDenied, match=r"^unknown user: carol$"):
        import_spots(as_(ctx, "carol"), trial="test-trial", path=write_spots(tmp_path))
    with pytest.raises(PermissionDenied, match=r"^unknown user: carol$"):
        list_trials(as_(ctx, "carol"))
    assert [t.trial for t in list_trials(alice)] == ["test-trial"]  # everyone may read
    entries = _entries(ctx)
    assert [(e.actor, e.action) for e in entries] == [
        ("alice", "users add"), ("alice", "permission refused"), ("bob", "trial create"),
        ("carol", "permission refused"), ("carol", "permission refused")]
    refused = json.loads(entries[1].detail)
    assert refused["refused"] == "trial create"
    assert refused["reason"] == "not permitted: alice (admin) cannot trial create"
    assert entries[1].trial == "test-trial"
    # Nothing of the refused import was written, and the trail still verifies.
    r = audit_trail.verify(alice)
    assert r.ok, r.problems
    assert r.rows == 3 + 0  # three role grants; the trial is a record, not rows


def test_acting_user_named_first_gets_admin_too(ctx) -> None:  # type: ignore[no-untyped-def]
    changed = add_user(as_(ctx, "ann"), name="ann", roles=["coordinator"])
    assert [u.as_json() for u in changed] == [{"name": "ann",
                                               "roles": ["coordinator", "admin"]}]


def test_only_admins_manage_users_and_the_last_admin_stays(ctx) -> None:  # type: ignore[no-untyped-def]
    alice = as_(ctx, "alice")
    add_user(alice, name="sam", roles=["supervisor"])
    with pytest.raises(PermissionDenied, match=r"sam \(supervisor\) cannot users add"):
        add_user(as_(ctx, "sam"), name="sam", roles=["admin"])
    with pytest.raises(RefusedError, match="only admin"):
        revoke_roles(alice, name="alice", roles=["admin"])
    with pytest.raises(RefusedError, match="already holds"):
        add_user(alice, name="sam", roles=["supervisor"])
    assert revoke_roles(alice, name="sam", roles=["supervisor"]).roles == ()
    # Known, holding no roles: still a reader, no longer a writer.
    with pytest.raises(PermissionDenied, match=r"sam \(no roles\) cannot trial create"):
        create_trial(as_(ctx, "sam"), protocol_text=PROTOCOL, source="p.toml")
    assert list_trials(as_(ctx, "sam")) == []
    assert audit_trail.verify(alice).ok


def test_a_role_revoked_is_seen_at_once(ctx) -> None:  # type: ignore[no-untyped-def]
    alice = as_(ctx, "alice")
    add_user(alice, name="cora", roles=["coordinator"])
    cora = as_(ctx, "cora")
    create_trial(cora, protocol_text=PROTOCOL, source="p.toml")
    revoke_roles(alice, name="cora", roles=["coordinator"])
    with pytest.raises(PermissionDenied, match="cannot trial delete"):
        from trial.service.trials import delete_trial

        delete_trial(cora, trial="test-trial")


def test_bad_user_input_lists_every_problem(ctx) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as err:
        add_user(ctx, name=" ", roles=["chief", "admin"])
    assert [(p.field, p.what.split(" ")[0]) for p in err.value.problems] == [
        ("name", "give"), ("role", "unknown")]
    with pytest.raises(InputError, match="at least one --role"):
        add_user(ctx, name="x", roles=[])
    assert _entries(ctx) == []
