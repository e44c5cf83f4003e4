"""``spotlight trial ...``: create, list, show, delete."""

from __future__ import annotations

from pathlib import Path

import click

from trial.cli.output import emit_json, say, table
from trial.cli.root import Globals, SpotlightGroup, pass_globals
from trial.errors import InputError, Problem

TRIAL_OPTION = click.option("--trial", "trial_name", metavar="NAME",
                            help="The trial (may be left out while the database holds one).")
JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")


def read_text(path: Path) -> str:
    """A protocol or other text file, or a clear error naming it."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError(Problem("no such file", str(path))) from None
    except OSError as exc:
        raise InputError(Problem(f"cannot read it: {exc.strerror}", str(path))) from None
    except UnicodeDecodeError:
        raise InputError(Problem("is not UTF-8 text", str(path))) from None


@click.group("trial", cls=SpotlightGroup)
def trial_group() -> None:
    """Create, list, show and delete trials."""


@trial_group.command("create")
@click.option("--protocol", "protocol", required=True, type=click.Path(path_type=Path),
              help="The protocol file (TOML).")
@JSON_OPTION
@pass_globals
def create(g: Globals, protocol: Path, as_json: bool) -> None:
    """Create a draft trial from a protocol file."""
    from trial.service.trials import create_trial

    result = create_trial(g.context(), protocol_text=read_text(protocol), source=protocol.name)
    if as_json:
        emit_json({"trial": result.trial, "state": result.state})
    else:
        say(f"Created trial [bold]{result.trial}[/] (draft). Next: `spotlight spots import "
            f"FILE --trial {result.trial}`.")


@trial_group.command("list")
@JSON_OPTION
@pass_globals
def list_(g: Globals, as_json: bool) -> None:
    """List the trials in the database."""
    from trial.service.catalogue import listed_trials

    rows = listed_trials(g.db, user=g.user, context=g.context)
    if as_json:
        emit_json([r.as_json() for r in rows])
    elif not rows:
        say("No trials yet: `spotlight trial create --protocol FILE.toml`.")
    else:
        table(None, ["trial", "state", "spots"], [(r.trial, r.state, r.spots) for r in rows])


@trial_group.command("show")
@TRIAL_OPTION
@JSON_OPTION
@pass_globals
def show(g: Globals, trial_name: str | None, as_json: bool) -> None:
    """Show a trial: state, hashes, design, arms and spots."""
    from trial.service.trials import trial_details

    d = trial_details(g.context(), trial=trial_name)
    if as_json:
        emit_json(d)
        return
    rows = [(k, v) for k, v in d.items() if k != "arms"]
    table(f"Trial {d['trial']}", ["", ""], rows)
    table("Arms", ["arm", "ratio", "delivers", "control"],
          [(a["arm"], a["ratio"], ", ".join(a["delivers"]) or "-", "yes" if a["control"] else "")
           for a in d["arms"]])


@trial_group.command("delete")
@TRIAL_OPTION
@JSON_OPTION
@pass_globals
def delete(g: Globals, trial_name: str | None, as_json: bool) -> None:
    """Delete a draft trial (registered trials are kept for good)."""
    from trial.service.trials import delete_trial

    name = delete_trial(g.context(), trial=trial_name)
    if as_json:
        emit_json({"trial": name, "deleted": True})
    else:
        say(f"Deleted draft trial {name}.")


def register(root: click.Group) -> None:
    root.add_command(trial_group)
