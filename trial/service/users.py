"""Use-cases for users and their roles: add, revoke, list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from trial.errors import InputError, Problem, RefusedError
from trial.permissions import ADMIN, ROLES, role_order
from trial.service.context import Context
from trial.store.users import GRANT, REVOKE, all_users, enforcing
from trial.store.users_models import UserRoleChange

NAME_LIMIT = 200


@dataclass(frozen=True)
class UserView:
    """A user and the roles they hold now."""

    name: str
    roles: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "roles": list(self.roles)}


def _ordered(roles: set[str] | frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(roles, key=role_order))


def _checked(name: str, roles: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    problems: list[Problem] = []
    clean = name.strip()
    if not clean:
        problems.append(Problem("give the user's name (their database login on PostgreSQL)",
                                field="name"))
    elif len(clean) > NAME_LIMIT or any(not c.isprintable() for c in clean):
        problems.append(Problem(f"must be printable and at most {NAME_LIMIT} characters",
                                field="name"))
    if not roles:
        problems.append(Problem(f"give at least one --role ({', '.join(ROLES)})", field="role"))
    for r in roles:
        if r not in ROLES:
            problems.append(Problem(f"unknown role {r!r} (roles: {', '.join(ROLES)})",
                                    field="role"))
    if problems:
        raise InputError(problems)
    return clean, _ordered(set(roles))


def add_user(ctx: Context, *, name: str, roles: Sequence[str]) -> list[UserView]:
    """Give ``name`` these roles (adding the user if new).

    The first user added to a database turns enforcement on, and the acting user becomes an
    admin in the same action (so that someone can still manage users).

    Returns:
        The users whose roles changed, with the roles they now hold.
    """
    name, wanted = _checked(name, roles)
    with ctx.action(action="users add", trial=None, entity=f"user {name}") as act:
        s = act.session
        first = not enforcing(s)
        held = all_users(s)
        grants: list[tuple[str, str]] = [(name, r) for r in wanted
                                         if r not in held.get(name, set())]
        if first and (ctx.actor != name or ADMIN not in wanted):
            grants.append((ctx.actor, ADMIN))
        if not grants:
            raise RefusedError(f"{name} already holds {'+'.join(wanted)}")
        rows = [UserRoleChange(name=n, role=r, change=GRANT, changed_at=act.at,
                               changed_by=ctx.actor, audit_id=act.entry_id) for n, r in grants]
        s.add_all(rows)
        act.written.add_rows("user_role_change", rows)
        act.written.extra["granted"] = [[n, r] for n, r in grants]
        if first:
            act.written.extra["enforcement"] = "on"
        for n, r in grants:
            held.setdefault(n, set()).add(r)
    return [UserView(n, _ordered(held[n])) for n in sorted({n for n, _ in grants})]


def revoke_roles(ctx: Context, *, name: str, roles: Sequence[str]) -> UserView:
    """Take roles from a user (the user stays known, perhaps holding none).

    The last admin's admin role cannot be revoked: someone must be able to manage users.
    """
    name, unwanted = _checked(name, roles)
    with ctx.action(action="users revoke", trial=None, entity=f"user {name}") as act:
        held = all_users(act.session)
        if name not in held:
            raise RefusedError(f"unknown user: {name}")
        gone = [r for r in unwanted if r in held[name]]
        if not gone:
            raise RefusedError(f"{name} holds none of {'+'.join(unwanted)}")
        admins = {n for n, rs in held.items() if ADMIN in rs}
        if ADMIN in gone and admins == {name}:
            raise RefusedError(f"{name} is the only admin; make another user an admin first")
        rows = [UserRoleChange(name=name, role=r, change=REVOKE, changed_at=act.at,
                               changed_by=ctx.actor, audit_id=act.entry_id) for r in gone]
        act.session.add_all(rows)
        act.written.add_rows("user_role_change", rows)
        act.written.extra["revoked"] = gone
    return UserView(name, _ordered(held[name] - set(gone)))


def list_users(ctx: Context) -> list[UserView]:
    """Every user and the roles they hold now, by name (empty in single-user mode)."""
    with ctx.reading() as s:
        return [UserView(n, _ordered(rs)) for n, rs in sorted(all_users(s).items())]


def grant_database(ctx: Context, *, prefix: str | None = None) -> dict[str, Any]:
    """PostgreSQL: set up group roles, grants and guards for the users now (admins only).

    Returns:
        The groups, each login's roles, logins still to be created, and tables no group
        may write.
    """
    from trial.store.grants import grant

    ctx.require(action="db grant", trial=None, entity="database grants")
    with ctx.reading() as s:
        users = all_users(s)
    report = grant(ctx.engine, users=users, prefix=prefix)
    doc: dict[str, Any] = {"groups": report.groups, "members": report.members,
                           "missing_logins": report.missing_logins,
                           "read_only_tables": report.read_only_tables}
    with ctx.action(action="db grant", trial=None, entity="database grants") as act:
        act.written.extra.update(doc)
    return doc
