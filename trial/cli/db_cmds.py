"""``spotlight db ...`` and ``spotlight init``: create, upgrade."""

from __future__ import annotations

import click

from trial.cli.output import emit_json, say
from trial.cli.root import Globals, SpotlightGroup, pass_globals
from trial.cli.trial_cmds import JSON_OPTION


@click.group("db", cls=SpotlightGroup)
def db_group() -> None:
    """Database upkeep."""


@db_group.command("upgrade")
@JSON_OPTION
@pass_globals
def upgrade_(g: Globals, as_json: bool) -> None:
    """Migrate the database to this version's schema (a SQLite file is backed up first)."""
    from trial.store.db import make_engine, resolve_url
    from trial.store.migrate import upgrade

    engine = make_engine(resolve_url(g.db))
    before, after, backup = upgrade(engine)
    if as_json:
        emit_json({"from": before, "to": after, "backup": str(backup) if backup else None})
    else:
        say(f"Schema {before or 'new'} -> {after}" + (f"; backup: {backup}" if backup else ""))


@click.command("init")
@click.option("--group", metavar="NAME", help="Share the SQLite file with this OS group.")
@JSON_OPTION
@pass_globals
def init(g: Globals, group: str | None, as_json: bool) -> None:
    """Create the database (owner-only, or shared with one OS group)."""
    from trial.service.context import open_context

    ctx = open_context(g.db, user=g.user, group=group)
    if as_json:
        emit_json({"database": ctx.url.split("@")[-1], "group": group})
    else:
        say(f"Database ready: {ctx.url}")


def register(root: click.Group) -> None:
    root.add_command(db_group)
    root.add_command(init)
