"""``spotlight unblind``, ``spotlight blinding`` and ``spotlight purge``."""

from __future__ import annotations

import click

from trial.cli.output import emit_json, say
from trial.cli.root import Globals, pass_globals
from trial.cli.trial_cmds import JSON_OPTION, TRIAL_OPTION


@click.command("unblind")
@TRIAL_OPTION
@click.option("--reason", required=True, help="Why the trial is unblinded now (recorded).")
@JSON_OPTION
@pass_globals
def unblind_(g: Globals, trial_name: str | None, reason: str, as_json: bool) -> None:
    """Show a blinded trial's arms to everyone (coordinators; only after `analyse --save`)."""
    from trial.service.blinding import unblind

    doc = unblind(g.context(), trial=trial_name, reason=reason)
    if as_json:
        emit_json(doc)
        return
    key = ", ".join(f"{label} = {arm}" for arm, label in
                    sorted(doc["labels"].items(), key=lambda kv: kv[1]))
    say(f"[bold]{doc['trial']}[/] unblinded by {doc['unblinded_by']} (results "
        f"{doc['results_sha256'][:12]}...): {key}")


@click.command("blinding")
@TRIAL_OPTION
@JSON_OPTION
@pass_globals
def blinding_(g: Globals, trial_name: str | None, as_json: bool) -> None:
    """Whether the trial is blinded, unblinded, and whether you see masked arms."""
    from trial.service.blinding import blinding_status

    doc = blinding_status(g.context(), trial=trial_name)
    if as_json:
        emit_json(doc)
        return
    if not doc["blinded"]:
        say(f"{doc['trial']}: not blinded")
    elif doc["unblinded"]:
        say(f"{doc['trial']}: unblinded {doc['unblinded_at']} by {doc['unblinded_by']}: "
            f"{doc['reason']}")
    else:
        say(f"{doc['trial']}: blinded" + ("; you see the arms as " + ", ".join(doc["labels"])
                                         if doc["masked"] else "; you see the arms"))


@click.command("purge")
@TRIAL_OPTION
@click.option("--before", required=True, metavar="YYYY-MM-DD",
              help="Purge personal fields of rows dated before this day (trial's timezone).")
@click.option("--reason", required=True, help="Why (retention date passed, a request).")
@JSON_OPTION
@pass_globals
def purge_(g: Globals, trial_name: str | None, before: str, reason: str, as_json: bool) -> None:
    """Remove officer identifiers, notes and crime references from older rows (admins)."""
    from trial.service.purge import purge

    doc = purge(g.context(), trial=trial_name, before=before, reason=reason)
    if as_json:
        emit_json(doc)
        return
    counts = ", ".join(f"{n} {t.replace('_', ' ')} rows" for t, n in doc["purged"].items() if n)
    say(f"[bold]{doc['trial']}[/]: purged personal fields before {doc['before']}: {counts}")


def register(cli: click.Group) -> None:
    for command in (unblind_, blinding_, purge_):
        cli.add_command(command)
