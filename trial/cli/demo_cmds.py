"""``spotlight demo``: build the demonstration trial in the database."""

from __future__ import annotations

import click

from trial.cli.output import emit_json, say
from trial.cli.root import Globals, pass_globals
from trial.cli.trial_cmds import JSON_OPTION


@click.command("demo")
@JSON_OPTION
@pass_globals
def demo(g: Globals, as_json: bool) -> None:
    """Build the demonstration trial (synthetic Leeds hot spots); kept if it exists."""
    from trial.demo.build import build_demo

    name = build_demo(g.context())
    if as_json:
        emit_json({"trial": name})
    else:
        say(f"Demo trial {name} is ready. Open the app with `spotlight` (same --db).")


def register(root: click.Group) -> None:
    root.add_command(demo)
