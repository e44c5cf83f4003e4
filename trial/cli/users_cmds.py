"""``spotlight users ...``: add, revoke, list users and their roles."""

from __future__ import annotations

import click

from trial.cli.output import emit_json, say, table
from trial.cli.root import Globals, SpotlightGroup, pass_globals
from trial.cli.trial_cmds import JSON_OPTION

ROLE_OPTION = click.option(
    "--role", "roles", multiple=True, metavar="ROLE",
    help="coordinator, supervisor, vendor, researcher or admin (repeat for several).")


@click.group("users", cls=SpotlightGroup)
def users_group() -> None:
    """Users and their roles (the first user added turns permission checks on)."""


@users_group.command("add")
@click.argument("name")
@ROLE_OPTION
@JSON_OPTION
@pass_globals
def add(g: Globals, name: str, roles: tuple[str, ...], as_json: bool) -> None:
    """Give NAME one or more roles (on PostgreSQL, NAME is their database login)."""
    from trial.service.users import add_user

    changed = add_user(g.context(), name=name, roles=list(roles))
    if as_json:
        emit_json([u.as_json() for u in changed])
        return
    for u in changed:
        say(f"{u.name}: {'+'.join(u.roles)}")


@users_group.command("revoke")
@click.argument("name")
@ROLE_OPTION
@JSON_OPTION
@pass_globals
def revoke(g: Globals, name: str, roles: tuple[str, ...], as_json: bool) -> None:
    """Take one or more roles from NAME."""
    from trial.service.users import revoke_roles

    u = revoke_roles(g.context(), name=name, roles=list(roles))
    if as_json:
        emit_json(u.as_json())
    else:
        say(f"{u.name}: {'+'.join(u.roles) or 'no roles'}")


@users_group.command("list")
@JSON_OPTION
@pass_globals
def list_(g: Globals, as_json: bool) -> None:
    """List users and their roles."""
    from trial.service.users import list_users

    rows = list_users(g.context())
    if as_json:
        emit_json([u.as_json() for u in rows])
    elif not rows:
        say("No users: single-user mode (every action is audited, nothing is checked). "
            "`spotlight users add NAME --role ROLE` turns checks on.")
    else:
        table("Users", ["user", "roles"], [(u.name, "+".join(u.roles) or "-") for u in rows])


@users_group.command("permissions")
@JSON_OPTION
def permissions_(as_json: bool) -> None:
    """Print the permission matrix: which roles may take each action."""
    from trial.permissions import matrix_rows

    rows = matrix_rows()
    if as_json:
        emit_json({a: r for a, r in rows})
    else:
        table("Permissions (everyone may read and run `audit verify`)", ["action", "roles"],
              [(a, ", ".join(r)) for a, r in rows])


@click.command("set-data-protection")
@click.option("--trial", "trial_name", metavar="NAME",
              help="The trial (may be left out while the database holds one).")
@click.option("--basis", required=True, help="The lawful basis for processing personal data.")
@click.option("--dpia", required=True, help="The data-protection impact assessment's reference.")
@click.option("--dsa", required=True, help="The data-sharing agreement's reference.")
@click.option("--retain-until", "retain_until", required=True, metavar="YYYY-MM-DD",
              help="The date personal fields are kept until.")
@JSON_OPTION
@pass_globals
def set_data_protection_(g: Globals, trial_name: str | None, basis: str, dpia: str, dsa: str,
                         retain_until: str, as_json: bool) -> None:
    """Record the trial's data-protection basis, DPIA, data-sharing agreement and retention."""
    from trial.service.data_protection import set_data_protection

    doc = set_data_protection(g.context(), trial=trial_name, basis=basis, dpia=dpia, dsa=dsa,
                              retain_until=retain_until)
    if as_json:
        emit_json(doc)
    else:
        table(f"Data protection of {doc['trial']}", ["", ""],
              [(k, v) for k, v in doc.items() if k != "trial"])


def register(root: click.Group) -> None:
    root.add_command(users_group)
    trial_group = root.commands.get("trial")
    if isinstance(trial_group, click.Group):
        trial_group.add_command(set_data_protection_)
