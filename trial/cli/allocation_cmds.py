"""``spotlight randomise`` and ``spotlight allocation ...``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from trial.cli.output import emit_json, say, table, warn
from trial.cli.root import Globals, SpotlightGroup, pass_globals
from trial.cli.trial_cmds import JSON_OPTION, TRIAL_OPTION


def _print_view(view: Any) -> None:
    counts: dict[str, int] = {}
    for r in view.rows:
        counts[r["arm"]] = counts.get(r["arm"], 0) + 1
    seed = "none (external)" if view.seed is None else f"{view.seed} ({view.seed_source})"
    say(f"Allocation of [bold]{view.trial}[/]: method {view.method}, algorithm "
        f"{view.algorithm or '-'}, seed {seed}, draws tried {view.draws_tried or '-'}\n"
        f"sha256 {view.sha256}; " + ", ".join(f"{a}: {n}" for a, n in counts.items()))
    table("Allocation", ["spot_id", "arm", "stratum", "set"],
          [(r["spot_id"], r["arm"], r["stratum"] or "", r["set"] or "") for r in view.rows])
    if view.balance:
        table("Balance (SMD = difference in means / pooled SD)",
              ["covariate", "arm a", "arm b", "mean a", "mean b", "sd a", "sd b", "SMD"],
              [(b["covariate"], b["arm_a"], b["arm_b"], _f(b["mean_a"]), _f(b["mean_b"]),
                _f(b["sd_a"]), _f(b["sd_b"]), _f(b["smd"])) for b in view.balance])


def _f(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


@click.command("randomise")
@TRIAL_OPTION
@click.option("--check", is_flag=True,
              help="Report how many allocations the design leaves and how predictable it is; "
                   "draws nothing that is kept.")
@JSON_OPTION
@pass_globals
def randomise_(g: Globals, trial_name: str | None, check: bool, as_json: bool) -> None:
    """Draw the allocation of a registered trial, once (there is no redraw)."""
    from trial.service.allocation import check as check_design
    from trial.service.allocation import randomise

    if check:
        c = check_design(g.context(), trial=trial_name)
        if c.get("warning"):
            warn(c["warning"])
        if as_json:
            emit_json(c)
        else:
            table(f"Before randomising {c['trial']}", ["", ""],
                  [(k, v) for k, v in c.items() if k not in ("trial", "warning")])
        return
    view = randomise(g.context(), trial=trial_name)
    if view.seed_source == "protocol":
        warn("the seed was given in the protocol: anyone who read it could preview this "
             "allocation (fine for demonstrations and re-analysis only)")
    if as_json:
        emit_json(view.as_json())
    else:
        _print_view(view)


@click.group("allocation", cls=SpotlightGroup)
def allocation_group() -> None:
    """Show, export, certify, verify or import the allocation."""


@allocation_group.command("show")
@TRIAL_OPTION
@JSON_OPTION
@pass_globals
def show_(g: Globals, trial_name: str | None, as_json: bool) -> None:
    """Show the allocation and its balance table."""
    from trial.service.allocation import show

    view = show(g.context(), trial=trial_name)
    if as_json:
        emit_json(view.as_json())
    else:
        _print_view(view)


@allocation_group.command("export")
@TRIAL_OPTION
@click.option("--out", "out", required=True, type=click.Path(path_type=Path),
              help="CSV file to write: spot_id,name,arm,stratum,set.")
@pass_globals
def export_(g: Globals, trial_name: str | None, out: Path) -> None:
    """Write the allocation for field teams."""
    from trial.service.allocation import export_csv

    text = export_csv(g.context(), trial=trial_name)
    out.write_text(text, encoding="utf-8")
    say(f"Wrote {out} ({text.count(chr(10)) - 1} spots).")


@allocation_group.command("certificate")
@TRIAL_OPTION
@JSON_OPTION
@pass_globals
def certificate_(g: Globals, trial_name: str | None, as_json: bool) -> None:
    """Print what an outside reviewer needs to re-derive the allocation."""
    from trial.service.allocation import certificate

    c = certificate(g.context(), trial=trial_name)
    if as_json:
        emit_json(c)
        return
    table(f"Allocation certificate: {c['trial']}", ["", ""],
          [(k, "" if v is None else v) for k, v in c.items() if k != "trial"])


@allocation_group.command("verify")
@TRIAL_OPTION
@JSON_OPTION
@pass_globals
def verify_(g: Globals, trial_name: str | None, as_json: bool) -> None:
    """Re-derive the allocation; exit 1 naming the first spot that differs."""
    from trial.service.allocation import verify

    r = verify(g.context(), trial=trial_name)
    if as_json:
        emit_json({"ok": r.ok, "message": r.message})
    elif r.ok:
        say(r.message)
    if not r.ok:
        click.echo(f"spotlight: error: {r.message}", err=True)
        sys.exit(1)


@allocation_group.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@TRIAL_OPTION
@JSON_OPTION
@pass_globals
def import_(g: Globals, file: Path, trial_name: str | None, as_json: bool) -> None:
    """Record an allocation made outside Spotlight (CSV: spot_id,arm[,stratum,set])."""
    from trial.service.allocation import import_allocation

    view = import_allocation(g.context(), trial=trial_name, path=file)
    if as_json:
        emit_json(view.as_json())
    else:
        _print_view(view)


def register(root: click.Group) -> None:
    root.add_command(randomise_)
    root.add_command(allocation_group)
