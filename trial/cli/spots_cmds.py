"""``spotlight spots ...``: import, remove and list candidate hot spots."""

from __future__ import annotations

from pathlib import Path

import click

from trial.cli.output import emit_json, say, table
from trial.cli.root import Globals, SpotlightGroup, pass_globals
from trial.cli.trial_cmds import JSON_OPTION, TRIAL_OPTION


@click.group("spots", cls=SpotlightGroup)
def spots_group() -> None:
    """Import, remove and list candidate hot spots."""


@spots_group.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@TRIAL_OPTION
@click.option("--crs", metavar="CRS", help="CRS of WKT polygons: EPSG:4326 (default) or "
              "EPSG:27700.")
@JSON_OPTION
@pass_globals
def import_(g: Globals, file: Path, trial_name: str | None, crs: str | None,
            as_json: bool) -> None:
    """Add candidate spots from a CSV or GeoJSON FILE (atomic: any problem, nothing added)."""
    from trial.service.spots import import_spots
    from trial.service.trials import find_trial

    ctx = g.context()
    n = import_spots(ctx, trial=trial_name, path=file, crs=crs)
    with ctx.reading() as s:
        name = find_trial(s, trial_name).name
    if as_json:
        emit_json({"trial": name, "imported": n})
    else:
        say(f"Imported {n} spots into {name}.")


@spots_group.command("remove")
@click.argument("spot_ids", nargs=-1, required=True)
@TRIAL_OPTION
@JSON_OPTION
@pass_globals
def remove(g: Globals, spot_ids: tuple[str, ...], trial_name: str | None, as_json: bool) -> None:
    """Remove spots from a draft trial."""
    from trial.service.spots import remove_spots

    n = remove_spots(g.context(), trial=trial_name, spot_ids=list(spot_ids))
    if as_json:
        emit_json({"removed": n})
    else:
        say(f"Removed {n} spots.")


@spots_group.command("list")
@TRIAL_OPTION
@JSON_OPTION
@pass_globals
def list_(g: Globals, trial_name: str | None, as_json: bool) -> None:
    """List a trial's spots in spot_id order, with their arm once randomised."""
    from trial.service.spots import list_spots

    rows = list_spots(g.context(), trial=trial_name)
    if as_json:
        emit_json(rows)
        return
    extra = sorted({k for r in rows for k in r} - {"spot_id", "name", "eligible", "arm",
                                                   "exclusion_reason"})
    cols = ["spot_id", "name", "eligible", "arm", *extra]
    table(None, cols, [[r.get(c) if c != "eligible" else ("yes" if r[c] else
                        f"no: {r.get('exclusion_reason')}") for c in cols] for r in rows])


def register(root: click.Group) -> None:
    root.add_command(spots_group)
