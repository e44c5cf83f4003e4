"""``spotlight analyse`` and ``spotlight protocol amend``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from trial.cli.output import emit_json, say, table, warn
from trial.cli.root import Globals, pass_globals
from trial.cli.trial_cmds import JSON_OPTION, TRIAL_OPTION, read_text


def _f(x: Any, digits: int = 3) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


@click.command("analyse")
@TRIAL_OPTION
@click.option("--save", is_flag=True,
              help="Lock the outcomes (if not yet locked) and store the results.")
@JSON_OPTION
@pass_globals
def analyse_(g: Globals, trial_name: str | None, save: bool, as_json: bool) -> None:
    """Run the registered analysis (plus amendments) on the data as they stand."""
    from trial.service.analysis import run_analysis

    doc = run_analysis(g.context(), trial=trial_name, save=save)
    for w in doc.get("warnings", []):
        warn(w)
    if as_json:
        emit_json(doc)
        return
    lock = doc["outcome_lock"] or "none (outcomes not locked)"
    say(f"[bold]{doc['trial']}[/]: protocol {doc['protocol_sha256'][:12]}..., outcome lock "
        f"{lock if lock.startswith('none') else lock[:12] + '...'}"
        + ("; results saved" if doc.get("saved") else ""))
    table("Hypotheses", ["id", "compare", "ratio", "CI", "p", "p adj", "p RI"],
          [(h["id"] + ("" if h["status"] == "registered" else f" ({h['status']})"),
            " vs ".join(h["compare"]) if h["compare"] else f"factor {h['factor']}",
            _f(h["estimate"]), f"{_f(h['ci_low'])}-{_f(h['ci_high'])}",
            _f(h["p_value"], 4), _f(h["p_adjusted"], 4), _f(h["p_randomisation"], 4))
           for h in doc["hypotheses"]])
    for h in doc["hypotheses"]:
        say(f"  {h['id']} ({h['outcome']}, {h['window']}): {h['decision']}")
    if doc["displacement"]:
        table("Displacement (treated arm vs control)",
              ["arm", "outcome", "catchment ratio", "WDQ", "WDD", "WDD SE", "note"],
              [(d["arm"], d["outcome"], _f(d["catchment_ratio"]), _f(d["wdq"]),
                _f(d["wdd"], 1), _f(d["wdd_se"], 1), d.get("reason") or "")
               for d in doc["displacement"]])
    c = doc["consort"]
    say(f"Places: {c['assessed']} assessed, {c['excluded']} excluded, {c['randomised']} "
        f"randomised; allocated {c['allocated']}; received "
        f"{c.get('received', 'withheld until unblinding')}; analysed "
        f"{c['analysed']}")


@click.command("amend")
@click.argument("file", type=click.Path(path_type=Path))
@TRIAL_OPTION
@click.option("--reason", required=True, help="Why the registered plan changes.")
@JSON_OPTION
@pass_globals
def amend_(g: Globals, file: Path, trial_name: str | None, reason: str, as_json: bool) -> None:
    """Amend a registered protocol: the new text and hash beside the registered ones."""
    from trial.service.analysis import amend

    r = amend(g.context(), trial=trial_name, protocol_text=read_text(file), source=file.name,
              reason=reason)
    if as_json:
        emit_json(r)
    else:
        say(f"Amendment {r['version']} of {r['trial']}: sha256 {r['sha256']} (registered "
            f"{r['registered_sha256']}). Changed or added hypotheses are labelled as such.")


def register(root: click.Group) -> None:
    root.add_command(analyse_)
    protocol = root.commands.get("protocol")
    if isinstance(protocol, click.Group):
        protocol.add_command(amend_)
