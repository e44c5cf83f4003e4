"""``spotlight protocol ...``: replace a draft's protocol, register."""

from __future__ import annotations

from pathlib import Path

import click

from trial.cli.output import emit_json, say, table, warn
from trial.cli.root import Globals, SpotlightGroup, pass_globals
from trial.cli.trial_cmds import JSON_OPTION, TRIAL_OPTION, read_text


@click.group("protocol", cls=SpotlightGroup)
def protocol_group() -> None:
    """Replace a draft's protocol, register it (freezing protocol and spots)."""


@protocol_group.command("replace")
@click.argument("file", type=click.Path(path_type=Path))
@TRIAL_OPTION
@JSON_OPTION
@pass_globals
def replace(g: Globals, file: Path, trial_name: str | None, as_json: bool) -> None:
    """Swap a draft trial's protocol for FILE."""
    from trial.service.trials import replace_protocol

    r = replace_protocol(g.context(), trial=trial_name, protocol_text=read_text(file),
                         source=file.name)
    if as_json:
        emit_json({"trial": r.trial, "state": r.state})
    else:
        say(f"Replaced the protocol of {r.trial}.")


@protocol_group.command("register")
@TRIAL_OPTION
@JSON_OPTION
@pass_globals
def register_(g: Globals, trial_name: str | None, as_json: bool) -> None:
    """Freeze the protocol and the eligible spots; the trial becomes ``registered``."""
    from trial.service.registration import register

    r = register(g.context(), trial=trial_name)
    for w in r.warnings:
        warn(w)
    if as_json:
        emit_json(r.as_json())
        return
    say(f"Registered [bold]{r.trial}[/]: protocol sha256 {r.sha256}\n"
        f"spots sha256 {r.spots_sha256} ({r.eligible} eligible spots). "
        "The protocol and the spots are now frozen.")
    if r.closest:
        table("Closest pairs of spots (edge to edge)", ["spot", "spot", "metres"],
              [(p["a"], p["b"], p["distance_m"]) for p in r.closest])


def register(root: click.Group) -> None:
    root.add_command(protocol_group)
