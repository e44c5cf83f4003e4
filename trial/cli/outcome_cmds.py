"""``spotlight crimes ...``, ``spotlight outcomes ...`` and ``spotlight spots snap-points``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from trial.cli.output import emit_json, say, table, warn
from trial.cli.root import Globals, SpotlightGroup, pass_globals
from trial.cli.trial_cmds import JSON_OPTION, TRIAL_OPTION


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr when a person is watching; nothing otherwise."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    with Progress(TextColumn(label), BarColumn(), TaskProgressColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


@click.group("crimes", cls=SpotlightGroup)
def crimes_group() -> None:
    """Import and list crime and event records."""


@crimes_group.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@TRIAL_OPTION
@click.option("--format", "fmt", default="police-uk", show_default=True,
              metavar="police-uk|records", help="police.uk street files, or force extracts.")
@click.option("--map", "map_path", type=click.Path(path_type=Path),
              help="Column map (TOML) for --format records.")
@click.option("--hash-ids", is_flag=True,
              help="Store crime references as keyed hashes (key: SPOTLIGHT_CRIME_KEY_FILE).")
@JSON_OPTION
@pass_globals
def import_(g: Globals, files: tuple[Path, ...], trial_name: str | None, fmt: str,
            map_path: Path | None, hash_ids: bool, as_json: bool) -> None:
    """Import records from FILES (files, folders, .csv.gz); atomic per call."""
    from trial.service.crimes import import_crimes

    with progress_bar("Reading records") as update:
        r = import_crimes(g.context(), trial=trial_name, paths=list(files), fmt=fmt,
                          map_path=map_path, progress=update, hash_ids=hash_ids)
    for w in r.warnings:
        warn(w)
    if as_json:
        emit_json(r.as_json())
        return
    table("Imported records", ["", "records"], list(r.as_json().items()))


@crimes_group.command("list")
@TRIAL_OPTION
@click.option("--spot", metavar="ID", help="Records in this spot or its catchment.")
@click.option("--window", metavar="NAME", help="baseline, treatment or follow_up.")
@click.option("--area", metavar="AREA", help="spot, catchment, outside, unlocatable, excluded.")
@JSON_OPTION
@pass_globals
def list_(g: Globals, trial_name: str | None, spot: str | None, window: str | None,
          area: str | None, as_json: bool) -> None:
    """The records behind a count."""
    from trial.service.crimes import list_crimes

    rows = list_crimes(g.context(), trial=trial_name, spot=spot, window=window, area=area)
    if as_json:
        emit_json(rows)
        return
    table(f"{len(rows)} records", ["key", "month", "type", "area", "spot", "window"],
          [(r["record_key"][:24], r["month"], r["crime_type"], r["area"], r["spot_id"],
            r["window"]) for r in rows[:500]])


@click.group("outcomes", cls=SpotlightGroup, invoke_without_command=True)
@TRIAL_OPTION
@click.option("--monthly", is_flag=True, help="Per calendar month instead of per window.")
@click.option("--profile", is_flag=True, help="Counts by hour of the week (baseline, timed).")
@JSON_OPTION
@pass_globals
@click.pass_context
def outcomes_group(cctx: click.Context, g: Globals, trial_name: str | None, monthly: bool,
                   profile: bool, as_json: bool) -> None:
    """The outcome table: every spot, window and outcome, in the spot and its catchment."""
    if cctx.invoked_subcommand is not None:
        return
    from trial.service.outcomes import demand_profile, outcome_table

    if profile:
        p = demand_profile(g.context(), trial=trial_name)
        if as_json:
            emit_json(p)
        else:
            days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
            table(f"Baseline records by hour ({p['records']} records)", ["day", *map(str,
                  range(24))], [(d, *row) for d, row in zip(days, p["overall"], strict=True)])
        return
    t = outcome_table(g.context(), trial=trial_name, monthly=monthly)
    for w in t.warnings:
        warn(w)
    if as_json:
        emit_json(t.rows)
        return
    key = "month" if monthly else "window"
    table("Outcomes", ["spot", "arm", key, "outcome", "count", "harm", "catchment",
                       "catchment harm"],
          [(r["spot_id"], r["arm"] or "-", r[key], r["outcome"], r["count"],
            f"{r['harm']:.1f}", r["catchment_count"], f"{r['catchment_harm']:.1f}")
           for r in t.rows])


@outcomes_group.command("lock")
@TRIAL_OPTION
@JSON_OPTION
@pass_globals
def lock(g: Globals, trial_name: str | None, as_json: bool) -> None:
    """Freeze the outcome data before analysis (the stored records' hash)."""
    from trial.service.outcomes import lock_outcomes

    r = lock_outcomes(g.context(), trial=trial_name)
    if as_json:
        emit_json(r)
    else:
        say(f"Locked {r['records']} records of {r['trial']}: sha256 {r['sha256']}")


@outcomes_group.command("status")
@TRIAL_OPTION
@JSON_OPTION
@pass_globals
def status(g: Globals, trial_name: str | None, as_json: bool) -> None:
    """Whether the outcome data are locked, and what was imported since."""
    from trial.service.outcomes import lock_status

    r = lock_status(g.context(), trial=trial_name)
    if r.get("imported_since"):
        warn(f"{r['imported_since']} records were imported after the lock; analyses that use "
             "the lock do not include them")
    if as_json:
        emit_json(r)
    else:
        table("Outcome lock", ["", ""], list(r.items()))


@click.command("snap-points")
@TRIAL_OPTION
@JSON_OPTION
@pass_globals
def snap_points_(g: Globals, trial_name: str | None, as_json: bool) -> None:
    """Distinct police.uk snap points in each spot; warns where a spot has none."""
    from trial.service.crimes import snap_points

    rows = snap_points(g.context(), trial=trial_name)
    empty = [r["spot_id"] for r in rows if r["snap_points"] == 0]
    if empty:
        warn(f"{len(empty)} spots hold no snap point, so police.uk data can never place a "
             f"crime in them: {', '.join(empty[:10])}" + (" ..." if len(empty) > 10 else ""))
    if as_json:
        emit_json(rows)
    else:
        table("Snap points per spot", ["spot", "snap points"],
              [(r["spot_id"], r["snap_points"]) for r in rows])


def register(root: click.Group) -> None:
    root.add_command(crimes_group)
    root.add_command(outcomes_group)
    spots = root.commands.get("spots")
    if isinstance(spots, click.Group):
        spots.add_command(snap_points_)
