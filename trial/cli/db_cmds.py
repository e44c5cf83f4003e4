"""``spotlight db ...`` and ``spotlight init``: create, upgrade, back up, restore."""

from __future__ import annotations

from pathlib import Path

import click

from trial.cli.output import emit_json, say, table
from trial.cli.root import Globals, SpotlightGroup, pass_globals
from trial.cli.trial_cmds import JSON_OPTION


@click.group("db", cls=SpotlightGroup)
def db_group() -> None:
    """Database upkeep."""


@db_group.command("upgrade")
@click.option("--backup-to", "backup_to", metavar="FILE", type=click.Path(path_type=Path),
              help="PostgreSQL: where pg_dump writes the backup taken first (default: "
                   "DATABASE.before-upgrade-STAMP.dump here).")
@JSON_OPTION
@pass_globals
def upgrade_(g: Globals, backup_to: Path | None, as_json: bool) -> None:
    """Migrate the database to this version's schema (it is backed up first)."""
    from datetime import UTC, datetime

    from trial.store import backup as store_backup
    from trial.store.db import is_sqlite, make_engine, resolve_url, schema_revision
    from trial.store.migrate import head, upgrade

    engine = make_engine(resolve_url(g.db))
    pg_backup = None
    if not is_sqlite(str(engine.url)) and schema_revision(engine) not in (None, head()):
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = backup_to or Path(f"{engine.url.database}.before-upgrade-{stamp}.dump")
        pg_backup = store_backup.backup(engine, target).path
    before, after, backup = upgrade(engine)
    backup = backup or pg_backup
    if as_json:
        emit_json({"from": before, "to": after, "backup": str(backup) if backup else None})
    else:
        say(f"Schema {before or 'new'} -> {after}" + (f"; backup: {backup}" if backup else ""))


@db_group.command("backup")
@click.argument("file", type=click.Path(path_type=Path))
@JSON_OPTION
@pass_globals
def backup_(g: Globals, file: Path, as_json: bool) -> None:
    """Back the database up to a new FILE (SQLite: online, while others work; PostgreSQL:
    pg_dump). The backup is audited, and the entry is in the backup too."""
    from trial.service.backups import back_up

    done = back_up(g.context(), target=file)
    if as_json:
        emit_json(done.as_json())
    else:
        say(f"Backed up to {done.file} ({done.kind}, {done.bytes:,} bytes, "
            f"sha256 {done.sha256})")


@db_group.command("restore")
@click.argument("file", type=click.Path(path_type=Path))
@JSON_OPTION
@pass_globals
def restore_(g: Globals, file: Path, as_json: bool) -> None:
    """Replace the database with the backup FILE (admins only once there are users).

    What it replaces is backed up first, beside the database (SQLite) or beside FILE
    (PostgreSQL).
    """
    from trial.cli.output import warn
    from trial.service.backups import restore

    done = restore(g.context(), source=file)
    if done.note:
        warn(done.note)
    if as_json:
        emit_json(done.as_json())
    else:
        say(f"Restored from {done.file} (sha256 {done.sha256}); what it replaced is kept in "
            f"{done.kept}")


@db_group.command("grant")
@click.option("--prefix", metavar="TEXT",
              help="Group roles are PREFIX + role (default: the database's name and _).")
@JSON_OPTION
@pass_globals
def grant_(g: Globals, prefix: str | None, as_json: bool) -> None:
    """PostgreSQL: create a group role per Spotlight role, grant each only its tables, guard
    allocations, protocols and the audit trail, and put each user's login in their groups.

    Run it as the database's owner, again after `users add` or `users revoke`.
    """
    from trial.cli.output import warn
    from trial.service.users import grant_database

    doc = grant_database(g.context(), prefix=prefix)
    for name in doc["missing_logins"]:
        warn(f"user {name} has no PostgreSQL login yet: CREATE ROLE \"{name}\" LOGIN "
             "PASSWORD '...'; then run `spotlight db grant` again")
    if as_json:
        emit_json(doc)
        return
    table("Group roles", ["role", "PostgreSQL group"], list(doc["groups"].items()))
    table("Logins", ["login", "roles"], [(n, "+".join(r) or "-")
                                         for n, r in doc["members"].items()])


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
