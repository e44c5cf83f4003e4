"""PostgreSQL group roles, table grants and guard triggers, so the permissions hold even in psql."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from trial.errors import RefusedError
from trial.permissions import ADMIN, COORDINATOR, RESEARCHER, ROLES, SUPERVISOR, VENDOR
from trial.store.db import is_sqlite

# Which roles write which tables, and how (admins update the rows ``purge`` tombstones).
# Every user may read every table, append audit
# entries in their own name and advance the chain's head; nobody else gets more.
WRITES: dict[str, dict[str, tuple[str, ...]]] = {
    "trial": {COORDINATOR: ("INSERT", "UPDATE", "DELETE")},
    "spot": {COORDINATOR: ("INSERT", "DELETE")},
    "allocation": {COORDINATOR: ("INSERT",)},
    "allocation_row": {COORDINATOR: ("INSERT",)},
    "protocol_amendment": {COORDINATOR: ("INSERT",)},
    "spot_context": {COORDINATOR: ("INSERT",), ADMIN: ("UPDATE",)},
    "patrol_plan": {COORDINATOR: ("INSERT",), SUPERVISOR: ("INSERT",)},
    "data_protection": {COORDINATOR: ("INSERT",), ADMIN: ("INSERT",)},
    "session_import": {SUPERVISOR: ("INSERT",), VENDOR: ("INSERT",)},
    "field_session": {SUPERVISOR: ("INSERT",), VENDOR: ("INSERT",), ADMIN: ("UPDATE",)},
    "session_void": {SUPERVISOR: ("INSERT",), ADMIN: ("UPDATE",)},
    "ad_target_area": {VENDOR: ("INSERT",)},
    "crime_import": {RESEARCHER: ("INSERT",)},
    "crime_record": {RESEARCHER: ("INSERT",), ADMIN: ("UPDATE",)},
    "outcome_lock": {RESEARCHER: ("INSERT",)},
    "analysis_result": {RESEARCHER: ("INSERT",)},
    "user_role_change": {ADMIN: ("INSERT",)},
    "arm_mask": {COORDINATOR: ("INSERT",)},
    "unblinding": {COORDINATOR: ("INSERT",)},
}
EVERYONE_WRITES = {"audit_entry": ("INSERT",), "audit_head": ("INSERT", "UPDATE")}
OWNER_WRITES = {"alembic_version"}  # read by every command; written only by migrations
# Rows no one changes or removes once written, whatever their grants (owner included).
NEVER_CHANGED = ("audit_entry", "allocation", "allocation_row", "protocol_amendment",
                 "arm_mask", "unblinding")

GUARDS = """
CREATE OR REPLACE FUNCTION spotlight_never_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'spotlight: % rows are never changed or removed', TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE OR REPLACE FUNCTION spotlight_audit_actor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.actor IS DISTINCT FROM session_user::text THEN
    RAISE EXCEPTION 'spotlight: an audit entry names its own login (%), not %',
      session_user, NEW.actor USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION spotlight_audit_head() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.last_id <> OLD.last_id + 1 OR NOT EXISTS (
      SELECT 1 FROM audit_entry e WHERE e.id = NEW.last_id AND e.hash = NEW.last_hash
        AND e.prev_hash = OLD.last_hash) THEN
    RAISE EXCEPTION 'spotlight: the audit chain''s head moves one new entry at a time'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION spotlight_protocol_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.state <> 'draft' THEN
      RAISE EXCEPTION 'spotlight: a registered trial is kept for good'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN OLD;
  END IF;
  IF OLD.state <> 'draft' AND (NEW.protocol_text IS DISTINCT FROM OLD.protocol_text
      OR NEW.protocol_sha256 IS DISTINCT FROM OLD.protocol_sha256
      OR NEW.spots_sha256 IS DISTINCT FROM OLD.spots_sha256 OR NEW.name <> OLD.name) THEN
    RAISE EXCEPTION 'spotlight: a registered protocol is changed only by amendment'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END $$;
"""


@dataclass(frozen=True)
class GrantReport:
    """What ``db grant`` set up: the group roles, members granted, logins missing, tables."""

    groups: dict[str, str]  # Spotlight role -> PostgreSQL group role
    members: dict[str, list[str]]  # login -> Spotlight roles granted through groups
    missing_logins: list[str]
    read_only_tables: list[str]


def group_names(prefix: str) -> dict[str, str]:
    return {r: f"{prefix}{r}" for r in (*ROLES, "user")}


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _prefix_for(conn: Connection, prefix: str | None) -> str:
    if prefix is None:
        db = str(conn.execute(text("SELECT current_database()")).scalar_one())
        prefix = re.sub(r"[^a-z0-9_]", "_", db.lower()) + "_"
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,40}", prefix):
        raise RefusedError(f"--prefix {prefix!r}: use lower-case letters, digits and _ "
                           "(at most 41 characters)")
    return prefix


def _create_group(conn: Connection, name: str) -> None:
    exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}).first()
    if not exists:
        conn.execute(text(f"CREATE ROLE {_ident(name)} NOLOGIN"))


def grant(engine: Engine, *, users: dict[str, set[str]], prefix: str | None = None
          ) -> GrantReport:
    """Create the group roles, grant each its tables, install the guards, sync memberships.

    Run by the database's owner (or a superuser); safe to run again after ``users add`` or
    ``users revoke``, or after an upgrade adds tables.

    Args:
        engine: a PostgreSQL engine connected as the owner.
        users: every Spotlight user's roles now (login -> roles).
        prefix: group role names are ``PREFIX + role``; default the database's name and ``_``.
    """
    if is_sqlite(str(engine.url)):
        raise RefusedError("db grant is for PostgreSQL: a SQLite file's protection is its "
                           "file permissions (spotlight init --group)")
    with engine.begin() as conn:
        prefix = _prefix_for(conn, prefix)
        groups = group_names(prefix)
        db = str(conn.execute(text("SELECT current_database()")).scalar_one())
        for g in groups.values():
            _create_group(conn, g)
        tables = sorted(inspect(conn).get_table_names(schema="public"))
        everyone = _ident(groups["user"])
        conn.execute(text(f"REVOKE ALL ON DATABASE {_ident(db)} FROM PUBLIC"))
        conn.execute(text(f"GRANT CONNECT, TEMPORARY ON DATABASE {_ident(db)} TO {everyone}"))
        conn.execute(text("REVOKE ALL ON SCHEMA public FROM PUBLIC"))
        conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {everyone}"))
        conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {everyone}"))
        read_only: list[str] = []
        for t in tables:
            q = _ident(t)
            conn.execute(text(f"REVOKE ALL ON {q} FROM PUBLIC, "
                              + ", ".join(_ident(g) for g in groups.values())))
            conn.execute(text(f"GRANT SELECT ON {q} TO {everyone}"))
            if t in OWNER_WRITES:
                continue
            if t in EVERYONE_WRITES:
                conn.execute(text(f"GRANT {', '.join(EVERYONE_WRITES[t])} ON {q} TO {everyone}"))
            elif t in WRITES:
                for role, privileges in WRITES[t].items():
                    conn.execute(text(f"GRANT {', '.join(privileges)} ON {q} TO "
                                      f"{_ident(groups[role])}"))
            else:
                read_only.append(t)
        _install_guards(conn, set(tables))
        members, missing = _sync_members(conn, groups, users)
    return GrantReport(groups={r: groups[r] for r in ROLES}, members=members,
                       missing_logins=missing, read_only_tables=read_only)


def _install_guards(conn: Connection, tables: set[str]) -> None:
    conn.execute(text(GUARDS))
    for t in NEVER_CHANGED:
        if t in tables:
            conn.execute(text(f"DROP TRIGGER IF EXISTS spotlight_never_changed ON {t}"))
            conn.execute(text(f"CREATE TRIGGER spotlight_never_changed BEFORE UPDATE OR DELETE "
                              f"ON {t} FOR EACH ROW EXECUTE FUNCTION spotlight_never_changed()"))
            conn.execute(text(f"DROP TRIGGER IF EXISTS spotlight_never_truncated ON {t}"))
            conn.execute(text(f"CREATE TRIGGER spotlight_never_truncated BEFORE TRUNCATE ON {t} "
                              "FOR EACH STATEMENT EXECUTE FUNCTION spotlight_never_changed()"))
    conn.execute(text("DROP TRIGGER IF EXISTS spotlight_audit_actor ON audit_entry"))
    conn.execute(text("CREATE TRIGGER spotlight_audit_actor BEFORE INSERT ON audit_entry "
                      "FOR EACH ROW EXECUTE FUNCTION spotlight_audit_actor()"))
    conn.execute(text("DROP TRIGGER IF EXISTS spotlight_audit_head ON audit_head"))
    conn.execute(text("CREATE CONSTRAINT TRIGGER spotlight_audit_head AFTER UPDATE ON audit_head "
                      "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                      "EXECUTE FUNCTION spotlight_audit_head()"))
    conn.execute(text("DROP TRIGGER IF EXISTS spotlight_audit_head_kept ON audit_head"))
    conn.execute(text("CREATE TRIGGER spotlight_audit_head_kept BEFORE DELETE ON audit_head "
                      "FOR EACH ROW EXECUTE FUNCTION spotlight_never_changed()"))
    conn.execute(text("DROP TRIGGER IF EXISTS spotlight_protocol_frozen ON trial"))
    conn.execute(text("CREATE TRIGGER spotlight_protocol_frozen BEFORE UPDATE OR DELETE ON trial "
                      "FOR EACH ROW EXECUTE FUNCTION spotlight_protocol_frozen()"))


def _sync_members(conn: Connection, groups: dict[str, str], users: dict[str, set[str]]
                  ) -> tuple[dict[str, list[str]], list[str]]:
    logins = set(conn.execute(text("SELECT rolname FROM pg_roles WHERE rolcanlogin")).scalars())
    members: dict[str, list[str]] = {}
    missing: list[str] = []
    for name, roles in sorted(users.items()):
        if name not in logins:
            missing.append(name)
            continue
        login = _ident(name)
        for role in ROLES:
            g = _ident(groups[role])
            conn.execute(text(f"{'GRANT' if role in roles else 'REVOKE'} {g} "
                              f"{'TO' if role in roles else 'FROM'} {login}"))
        conn.execute(text(f"GRANT {_ident(groups['user'])} TO {login}"))
        members[name] = [r for r in ROLES if r in roles]
    return members, missing
