"""``spotlight audit ...``: verify the trail, list entries."""

from __future__ import annotations

import sys

import click

from trial.cli.output import emit_json, say, table
from trial.cli.root import Globals, SpotlightGroup, pass_globals
from trial.cli.trial_cmds import JSON_OPTION


@click.group("audit", cls=SpotlightGroup)
def audit_group() -> None:
    """Check and read the audit trail."""


@audit_group.command("verify")
@JSON_OPTION
@pass_globals
def verify_(g: Globals, as_json: bool) -> None:
    """Check the whole chain and every audited row; exit 1 naming the first that does not match."""
    from trial.service.audit_trail import verify

    r = verify(g.context())
    if as_json:
        emit_json({"ok": r.ok, "entries": r.entries, "rows": r.rows, "problems": list(r.problems)})
    elif r.ok:
        say(f"Audit trail intact: {r.entries} entries, {r.rows} audited rows match.")
    if not r.ok:
        if not as_json:
            for p in r.problems:
                click.echo(f"spotlight: error: {p}", err=True)
        sys.exit(1)


@audit_group.command("log")
@click.option("--trial", "trial_name", metavar="NAME", help="Only this trial's entries.")
@click.option("--limit", default=50, show_default=True, help="How many of the newest entries.")
@JSON_OPTION
@pass_globals
def log(g: Globals, trial_name: str | None, limit: int, as_json: bool) -> None:
    """Show the newest audit entries."""
    from trial.service.audit_trail import entries

    rows = entries(g.context(), trial=trial_name, limit=limit)
    if as_json:
        emit_json(rows)
    else:
        table("Audit trail", ["#", "at (UTC)", "user", "action", "entity"],
              [(r["id"], r["at"], r["actor"], r["action"], r["entity"]) for r in rows])


def register(root: click.Group) -> None:
    root.add_command(audit_group)
