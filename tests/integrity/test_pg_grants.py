"""PostgreSQL grants: even from plain SQL, a supervisor cannot touch allocations, protocols or
the audit trail, and nobody (the owner included) updates or deletes audit entries."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError

from tests.conftest import PG_URL, _drop_pg_database, _fresh_pg_database
from trial.errors import PermissionDenied
from trial.service import audit_trail
from trial.service.context import open_context
from trial.service.fieldwork import log_patrol
from trial.service.users import add_user, grant_database

from .workers import TRIAL, setup

pytestmark = [pytest.mark.storage,
              pytest.mark.skipif(not PG_URL, reason="SPOTLIGHT_TEST_PG_URL is not set")]


@pytest.fixture(scope="module")
def granted() -> Iterator[dict[str, str]]:
    """A randomised trial on a new database, three logins, and `db grant` run by the owner."""
    assert PG_URL
    url, name = _fresh_pg_database(PG_URL)
    tag = uuid.uuid4().hex[:8]
    logins = {"supervisor": f"sup_{tag}", "coordinator": f"coord_{tag}",
              "researcher": f"res_{tag}"}
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for login in logins.values():
            conn.execute(text(f"CREATE ROLE {login} LOGIN PASSWORD 'pw'"))
    prefix = f"t{tag}_"
    try:
        patrol = setup(url)["patrol_spots"]
        owner = open_context(url)
        owner_login = owner.actor
        add_user(owner, name=owner_login, roles=["coordinator"])
        for role, login in logins.items():
            add_user(owner, name=login, roles=[role])
        doc = grant_database(owner, prefix=prefix)
        assert doc["missing_logins"] == []
        assert doc["members"][logins["supervisor"]] == ["supervisor"]
        assert doc["read_only_tables"] == []
        owner.engine.dispose()
        urls = {role: make_url(url).set(username=login, password="pw").render_as_string(
            hide_password=False) for role, login in logins.items()}
        yield {"owner": url, **urls, "spot": str(patrol[0]), **{
            f"{r}_login": v for r, v in logins.items()}}
    finally:
        from sqlalchemy.orm import close_all_sessions

        close_all_sessions()
        _drop_pg_database(PG_URL, name)
        with admin.connect() as conn:
            for login in logins.values():
                conn.execute(text(f"DROP ROLE IF EXISTS {login}"))
            for role in ("coordinator", "supervisor", "vendor", "researcher", "admin", "user"):
                conn.execute(text(f"DROP ROLE IF EXISTS {prefix}{role}"))
        admin.dispose()


def _refused(engine: Engine, sql: str) -> str:
    """Run one statement; return the database's refusal (fail if it was allowed)."""
    with engine.connect() as conn:
        try:
            conn.execute(text(sql))
            conn.commit()
        except DBAPIError as exc:
            conn.rollback()
            return str(exc.orig)
    pytest.fail(f"allowed: {sql}")


ALLOCATION_AND_PROTOCOL = [
    "INSERT INTO allocation_row (trial_id, spot_id, arm, audit_id) VALUES (1, 'Z', 'patrol', 1)",
    "UPDATE allocation_row SET arm = 'control'",
    "DELETE FROM allocation_row",
    "UPDATE allocation SET seed = '1'",
    "DELETE FROM allocation",
    "UPDATE trial SET protocol_text = 'changed'",
    "DELETE FROM trial",
    "INSERT INTO protocol_amendment (trial_id, version, protocol_text, sha256, previous_sha256, "
    "reason, amended_at, amended_by, audit_id) VALUES (1, 1, 'x', 'x', 'x', 'x', now(), 'x', 1)",
]
AUDIT = ["UPDATE audit_entry SET actor = 'someone else'", "DELETE FROM audit_entry",
         "TRUNCATE audit_entry", "DELETE FROM audit_head"]


def test_supervisor_login_cannot_touch_allocation_protocol_or_audit(granted) -> None:  # type: ignore[no-untyped-def]
    sup = create_engine(granted["supervisor"])
    for sql in ALLOCATION_AND_PROTOCOL + AUDIT:
        message = _refused(sup, sql)
        assert "permission denied" in message or "never changed" in message, (sql, message)
    # Appending an entry in someone else's name is refused too.
    forged = ("INSERT INTO audit_entry (id, at, actor, action, entity, content_sha256, detail, "
              "prev_hash, hash) VALUES (999, 'x', 'the coordinator', 'randomise', 'x', 'x', "
              "'{}', 'x', 'x')")
    assert "names its own login" in _refused(sup, forged)
    assert "moves one new entry" in _refused(sup, "UPDATE audit_head SET last_id = 1")
    with sup.connect() as conn:  # but they may read
        assert conn.execute(text("SELECT count(*) FROM allocation_row")).scalar_one() == 6
    sup.dispose()


def test_supervisor_logs_through_spotlight_as_themselves(granted) -> None:  # type: ignore[no-untyped-def]
    ctx = open_context(granted["supervisor"], user="whoever")
    assert ctx.actor == granted["supervisor_login"]
    log_patrol(ctx, trial=TRIAL, spot=granted["spot"], start="2019-05-02 21:00",
               end="2019-05-02 21:20", officer="PC9")
    from trial.service.allocation import randomise

    with pytest.raises(PermissionDenied, match="cannot randomise"):
        randomise(ctx, trial=TRIAL)
    r = audit_trail.verify(ctx)
    assert r.ok, r.problems
    ctx.engine.dispose()


def test_researcher_cannot_write_fieldwork_and_nobody_changes_audit(granted) -> None:  # type: ignore[no-untyped-def]
    res = create_engine(granted["researcher"])
    assert "permission denied" in _refused(
        res, "DELETE FROM field_session")
    assert "permission denied" in _refused(
        res, "INSERT INTO user_role_change (name, role, change, changed_at, changed_by, "
             "audit_id) VALUES ('me', 'admin', 'grant', now(), 'me', 1)")
    res.dispose()
    for who in ("coordinator", "owner"):
        eng = create_engine(granted[who])
        for sql in AUDIT[:3] + ["UPDATE allocation_row SET arm = 'control'",
                                "UPDATE trial SET protocol_text = 'changed'"]:
            message = _refused(eng, sql)
            assert "never changed" in message or "permission denied" in message \
                or "only by amendment" in message, (who, sql, message)
        eng.dispose()
    owner = open_context(granted["owner"])
    assert audit_trail.verify(owner).ok
    owner.engine.dispose()
