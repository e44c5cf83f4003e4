"""``spotlight export``, ``spotlight report`` and ``spotlight power``."""

from __future__ import annotations

from pathlib import Path

import click

from trial.cli.output import emit_json, say, table, warn
from trial.cli.root import Globals, pass_globals
from trial.cli.trial_cmds import JSON_OPTION, TRIAL_OPTION
from trial.errors import InputError, Problem


@click.command("export")
@TRIAL_OPTION
@click.option("--format", "fmt", default="csv", metavar="csv|parquet", show_default=True,
              help="spots.csv always; parquet also writes spots.parquet (needs pyarrow).")
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="Directory to write into (created when missing).")
@click.option("--sessions", is_flag=True,
              help="Instead: every patrol and ad session, one row each (sessions.csv).")
@click.option("--records", is_flag=True,
              help="Instead: every outcome record, one row each (records.csv).")
@click.option("--include-personal", is_flag=True,
              help="Row exports: keep officer identifiers, notes, crime references and exact "
                   "places (recorded in the audit trail).")
@click.option("--public", is_flag=True,
              help="Row exports: coordinates rounded to 100 m, times to the day, no free text "
                   "or identifiers.")
@JSON_OPTION
@pass_globals
def export_(g: Globals, trial_name: str | None, fmt: str, out: Path, sessions: bool,
            records: bool, include_personal: bool, public: bool, as_json: bool) -> None:
    """Export the analysis dataset, results, README and an R script that re-runs the analysis;
    or, with --sessions/--records, row-level data."""
    from trial.service.export import export_trial

    if sessions or records or include_personal or public:
        from trial.service.row_export import export_rows

        kinds = [k for k, on in (("sessions", sessions), ("records", records)) if on]
        rows = export_rows(g.context(), trial=trial_name, kinds=kinds, out=out,
                           include_personal=include_personal, public=public)
        if as_json:
            emit_json(rows)
            return
        say(f"Exported {rows['trial']} rows to {rows['directory']}"
            + (" (with personal fields)" if rows["personal"] else " (public)") + ": "
            + ", ".join(f"{f['name']} ({f['rows']} rows)" for f in rows["files"]))
        return
    r = export_trial(g.context(), trial=trial_name, fmt=fmt.lower(), out=out)
    for w in r["warnings"]:
        warn(w)
    if as_json:
        emit_json(r)
        return
    say(f"Exported {r['trial']} to {r['directory']} ({r['results']} results): "
        + ", ".join(f["name"] for f in r["files"]))
    if r["results"] != "saved":
        warn("results not saved: provisional (`spotlight analyse --save` stores them)")


@click.command("report")
@TRIAL_OPTION
@click.option("--out", required=True, type=click.Path(path_type=Path),
              help="FILE.html (self-contained) or FILE.md (figures in FILE_figures/).")
@JSON_OPTION
@pass_globals
def report_(g: Globals, trial_name: str | None, out: Path, as_json: bool) -> None:
    """Write the trial report, laid out as What Works reviewers read it (EMMIE)."""
    from trial.service.export import write_report

    r = write_report(g.context(), trial=trial_name, out=out)
    if as_json:
        emit_json(r)
        return
    say(f"Report of {r['trial']} written to {r['file']}"
        + (" (results not saved: provisional)" if r["results"] != "saved" else ""))


def _number(text: str | None, name: str, kind: type) -> float | int | None:
    if text is None:
        return None
    try:
        return kind(text)  # type: ignore[no-any-return]
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise InputError(Problem(f"must be {what}, got {text!r}", field=name)) from None


@click.command("power")
@click.option("--protocol", required=True, type=click.Path(path_type=Path),
              help="The protocol file (TOML).")
@click.option("--spots", required=True, type=click.Path(path_type=Path),
              help="The spots file (CSV or GeoJSON) with a baseline count per spot.")
@click.option("--baseline-column", metavar="COL",
              help="Spot attribute with each spot's baseline-window count "
                   "(default: baseline_crimes).")
@click.option("--sims", metavar="N", default="1000", show_default=True,
              help="Simulated trials.")
@click.option("--ratio", metavar="R", default="0.8", show_default=True,
              help="True ratio assumed for superiority hypotheses.")
@click.option("--theta", metavar="T", help="Negative-binomial shape (default: from the baselines).")
@click.option("--seed", metavar="N", help="Seed of the simulation (default: drawn, reported).")
@JSON_OPTION
def power_(protocol: Path, spots: Path, baseline_column: str | None, sims: str, ratio: str,
           theta: str | None, seed: str | None, as_json: bool) -> None:
    """Power of every confirmatory hypothesis, simulating the registered plan."""
    from trial.service.power import run_power

    r = run_power(protocol=protocol, spots=spots, baseline_column=baseline_column,
                  sims=int(_number(sims, "--sims", int) or 0),
                  ratio=float(_number(ratio, "--ratio", float) or 0),
                  theta=None if theta is None else float(_number(theta, "--theta", float) or 0),
                  seed=None if seed is None else int(_number(seed, "--seed", int) or 0))
    if as_json:
        emit_json(r)
        return

    def pct(x: float | None) -> str:
        return "-" if x is None else f"{100 * x:.0f}%"

    table(f"Power ({r['sims']} simulated trials, {r['model']}, {r['multiplicity']}, theta "
          f"{r['theta']:.3g})",
          ["hypothesis", "compare", "test", "assumed ratio", "power", "Zhu & Lakkis n/arm",
           "MDR at 80%", "note"],
          [(h["id"], " vs ".join(h["compare"] or []), h["test"],
            "-" if h["assumed_ratio"] is None else f"{h['assumed_ratio']:.3g}", pct(h["power"]),
            h["zhu_lakkis_n_per_arm"] or "-",
            "-" if h["mdr_80"] is None else f"{h['mdr_80']:.3f}", h["note"] or "")
           for h in r["hypotheses"]])
    for n in r["notes"]:
        say(f"  {n}")
    say(f"  seed {r['seed']}")


def register(root: click.Group) -> None:
    root.add_command(export_)
    root.add_command(report_)
    root.add_command(power_)
