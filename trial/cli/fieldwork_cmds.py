"""``spotlight sessions ...``, ``ads targets ...``, ``context ...``, ``plan`` and ``fidelity``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from trial.cli.output import emit_json, say, table, warn
from trial.cli.root import Globals, SpotlightGroup, pass_globals
from trial.cli.trial_cmds import JSON_OPTION, TRIAL_OPTION
from trial.errors import InputError, Problem


def _logged(logged: Any, as_json: bool) -> None:
    for f in logged.flags:
        warn(f"session {logged.session_id} is flagged {f}")
    if as_json:
        emit_json(logged.as_json())
    else:
        flags = ", ".join(logged.flags) or "none"
        say(f"Stored {logged.kind} session {logged.session_id} (flags: {flags}).")


def _imported(result: Any, as_json: bool) -> None:
    for w in result.warnings:
        warn(w)
    for name, n in result.flagged.items():
        if n:
            warn(f"{n} imported sessions are flagged {name}")
    if as_json:
        emit_json(result.as_json())
    else:
        rows = [("imported", result.imported), ("duplicates (already stored)", result.duplicates)]
        rows += [(f"flagged {k}", v) for k, v in result.flagged.items()]
        table("Imported sessions", ["", "sessions"], rows)


@click.group("sessions", cls=SpotlightGroup)
def sessions_group() -> None:
    """Log, import, void and list patrol visits and ad delivery."""


@sessions_group.group("log", cls=SpotlightGroup)
def log_group() -> None:
    """Log one session by hand."""


@log_group.command("patrol")
@TRIAL_OPTION
@click.option("--spot", required=True, metavar="ID")
@click.option("--start", required=True, metavar="TIME",
              help="Local time (YYYY-MM-DD HH:MM) or ISO 8601 with an offset.")
@click.option("--end", required=True, metavar="TIME")
@click.option("--officer", required=True, metavar="ID", help="Collar or payroll number.")
@click.option("--officers", default="1", show_default=True, metavar="N",
              help="Officers present.")
@click.option("--purpose", default="directed", show_default=True,
              metavar="directed|bau|response|override")
@click.option("--mode", default="foot", show_default=True, metavar="foot|vehicle|cycle|other")
@click.option("--source", default="manual", show_default=True, metavar="manual|gps|bwv|import")
@click.option("--reason", default="", help="Why (required for an override).")
@click.option("--notes", default="")
@JSON_OPTION
@pass_globals
def log_patrol_(g: Globals, trial_name: str | None, spot: str, start: str, end: str,
                officer: str, officers: str, purpose: str, mode: str, source: str, reason: str,
                notes: str, as_json: bool) -> None:
    """Log one patrol visit."""
    from trial.service.fieldwork import log_patrol

    _logged(log_patrol(g.context(), trial=trial_name, spot=spot, start=start, end=end,
                       officer=officer, officers=officers, purpose=purpose, mode=mode,
                       source=source, reason=reason, notes=notes), as_json)


@log_group.command("ad")
@TRIAL_OPTION
@click.option("--spot", required=True, metavar="ID")
@click.option("--platform", required=True, metavar="tiktok|snapchat|instagram|facebook|other")
@click.option("--start", required=True, metavar="TIME")
@click.option("--end", required=True, metavar="TIME")
@click.option("--impressions", required=True, metavar="N")
@click.option("--clicks", required=True, metavar="N")
@click.option("--spend", required=True, metavar="GBP")
@click.option("--reach", default=None, metavar="N")
@click.option("--video-views", default=None, metavar="N")
@click.option("--campaign", default="")
@click.option("--ad-group", default="", help="Default: the spot's registered ad group.")
@click.option("--account", default="")
@click.option("--creative", default="")
@click.option("--theme", default=None, metavar="behaviour|violence|drugs|knife-crime|other")
@click.option("--message", default=None, metavar="awareness|deterrence|speak-up|nudge")
@JSON_OPTION
@pass_globals
def log_ad_(g: Globals, trial_name: str | None, spot: str, platform: str, start: str, end: str,
            impressions: str, clicks: str, spend: str, reach: str | None,
            video_views: str | None, campaign: str, ad_group: str, account: str,
            creative: str, theme: str | None, message: str | None, as_json: bool) -> None:
    """Log one row of ad delivery (spend in GBP)."""
    from trial.service.fieldwork_ads import log_ad

    _logged(log_ad(g.context(), trial=trial_name, spot=spot, platform=platform, start=start,
                   end=end, impressions=impressions, clicks=clicks, spend=spend, reach=reach,
                   video_views=video_views, campaign=campaign, ad_group=ad_group,
                   account=account, creative=creative, theme=theme, message=message), as_json)


@sessions_group.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@TRIAL_OPTION
@click.option("--kind", required=True, metavar="patrol|ad")
@click.option("--format", "fmt", default=None, metavar="spotlight|tiktok|snapchat",
              help="Ad report layout (--kind ad; default spotlight).")
@click.option("--map", "map_path", type=click.Path(path_type=Path),
              help="Form-export column map (TOML), for --kind patrol.")
@click.option("--account-timezone", default=None, metavar="TZ",
              help="The ad account's time zone (default: the trial's).")
@click.option("--account", default=None, help="The ad account, when the file does not say.")
@click.option("--currency", default=None, metavar="CODE")
@click.option("--gbp-rate", default=None, metavar="X", help="GBP per unit of --currency.")
@JSON_OPTION
@pass_globals
def import_(g: Globals, file: Path, trial_name: str | None, kind: str, fmt: str | None,
            map_path: Path | None, account_timezone: str | None, account: str | None,
            currency: str | None, gbp_rate: str | None, as_json: bool) -> None:
    """Import a patrol log or an ad report; atomic, and rows already stored are skipped."""
    if kind == "patrol":
        from trial.service.fieldwork import import_patrols

        # the trial's own CSV is the one patrol layout (form exports come through --map)
        extra = [o for o, v in (("--format", None if fmt == "spotlight" else fmt),
                                ("--account-timezone", account_timezone),
                                ("--account", account), ("--currency", currency),
                                ("--gbp-rate", gbp_rate)) if v is not None]
        if extra:
            raise InputError([Problem("is for --kind ad", None, None, o) for o in extra])
        result = import_patrols(g.context(), trial=trial_name, path=file, map_path=map_path)
    elif kind == "ad":
        from trial.service.fieldwork_ads import import_ads

        if map_path is not None:
            raise InputError(Problem("is for --kind patrol", None, None, "--map"))
        result = import_ads(g.context(), trial=trial_name, path=file, fmt=fmt or "spotlight",
                            account_timezone=account_timezone, currency=currency,
                            gbp_rate=gbp_rate, account=account)
    else:
        raise InputError(Problem(f"unknown kind {kind!r}: use patrol or ad", None, None,
                                 "--kind"))
    _imported(result, as_json)


@sessions_group.command("import-pings")
@click.argument("file", type=click.Path(path_type=Path))
@TRIAL_OPTION
@JSON_OPTION
@pass_globals
def import_pings_(g: Globals, file: Path, trial_name: str | None, as_json: bool) -> None:
    """Turn GPS / radio / body-worn-video pings into visits ([dosage].gps) and store them."""
    from trial.service.fieldwork import import_pings

    _imported(import_pings(g.context(), trial=trial_name, path=file), as_json)


@sessions_group.command("void")
@click.argument("session_id", metavar="ID")
@TRIAL_OPTION
@click.option("--reason", required=True, help="Why the session is void.")
@JSON_OPTION
@pass_globals
def void_(g: Globals, session_id: str, trial_name: str | None, reason: str,
          as_json: bool) -> None:
    """Void a session: kept and listed, left out of dosage (never deleted)."""
    from trial.service.fieldwork import void_session

    r = void_session(g.context(), session_id=session_id, reason=reason, trial=trial_name)
    if as_json:
        emit_json(r)
    else:
        say(f"Session {r['session_id']} is void: {r['reason']}")


@sessions_group.command("list")
@TRIAL_OPTION
@click.option("--spot", default=None, metavar="ID")
@click.option("--kind", default=None, metavar="patrol|ad")
@click.option("--officer", default=None, metavar="ID",
              help="One officer's visits (pseudonymised officers need the key).")
@JSON_OPTION
@pass_globals
def list_(g: Globals, trial_name: str | None, spot: str | None, kind: str | None,
          officer: str | None, as_json: bool) -> None:
    """List sessions, voided ones included."""
    from trial.service.fieldwork import list_sessions

    rows = list_sessions(g.context(), trial=trial_name, spot=spot, kind=kind, officer=officer)
    if as_json:
        emit_json(rows)
        return
    table("Sessions", ["id", "kind", "spot", "start", "end", "who / platform", "amount",
                       "flags", "void"],
          [(r["session_id"], r["kind"], r["spot_id"], r["start"][:16], r["end"][:16],
            r.get("officer") if r["kind"] == "patrol" else r.get("platform"),
            f"{r['officers']} x {r['purpose']}" if r["kind"] == "patrol"
            else f"{r['impressions']} impr.",
            ", ".join(r["flags"]), r["void_reason"] or "") for r in rows])


@click.group("ads", cls=SpotlightGroup)
def ads_group() -> None:
    """Ad target areas."""


@ads_group.group("targets", cls=SpotlightGroup)
def targets_group() -> None:
    """Register and list the areas each ad group is delivered to."""


@targets_group.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@TRIAL_OPTION
@JSON_OPTION
@pass_globals
def targets_import_(g: Globals, file: Path, trial_name: str | None, as_json: bool) -> None:
    """Register target areas (GeoJSON: pins with radius_m, or polygons), one per spot."""
    from trial.service.fieldwork_ads import import_targets

    r = import_targets(g.context(), trial=trial_name, path=file)
    for reach in r.contamination:
        warn(f"contamination: {reach}")
    if as_json:
        emit_json(r.as_json())
    else:
        say(f"Registered {r.registered} target areas ({r.already_registered} already were); "
            f"{len(r.contamination)} reach a spot or catchment outside the ads arms.")


@targets_group.command("list")
@TRIAL_OPTION
@JSON_OPTION
@pass_globals
def targets_list_(g: Globals, trial_name: str | None, as_json: bool) -> None:
    """List the registered target areas."""
    from trial.service.fieldwork_ads import list_targets

    rows = list_targets(g.context(), trial=trial_name)
    if as_json:
        emit_json(rows)
        return
    table("Target areas", ["platform", "account", "ad group", "spot", "contamination"],
          [(r["platform"], r["account"], r["ad_group"], r["spot_id"],
            "; ".join(c["message"] for c in r["contamination"])) for r in rows])


@click.group("context", cls=SpotlightGroup)
def context_group() -> None:
    """Notes of what else happened at a spot: interventions, incidents, closures."""


@context_group.command("add")
@TRIAL_OPTION
@click.option("--spot", required=True, metavar="ID")
@click.option("--kind", required=True, metavar="intervention|incident|closure")
@click.option("--from", "date_from", required=True, metavar="DATE")
@click.option("--to", "date_to", default=None, metavar="DATE", help="Default: ongoing.")
@click.option("--text", required=True)
@JSON_OPTION
@pass_globals
def context_add_(g: Globals, trial_name: str | None, spot: str, kind: str, date_from: str,
                 date_to: str | None, text: str, as_json: bool) -> None:
    """Add a note (closures shorten the spot's exposure)."""
    from trial.service.fieldwork_report import add_context

    r = add_context(g.context(), trial=trial_name, spot=spot, kind=kind, date_from=date_from,
                    date_to=date_to, text=text)
    if as_json:
        emit_json(r)
    else:
        say(f"Noted {r['kind']} at {r['spot_id']} from {r['from']} to {r['to'] or 'now'}.")


@context_group.command("list")
@TRIAL_OPTION
@click.option("--spot", default=None, metavar="ID")
@click.option("--kind", default=None, metavar="intervention|incident|closure")
@JSON_OPTION
@pass_globals
def context_list_(g: Globals, trial_name: str | None, spot: str | None, kind: str | None,
                  as_json: bool) -> None:
    """List the notes."""
    from trial.service.fieldwork_report import list_context

    rows = list_context(g.context(), trial=trial_name, spot=spot, kind=kind)
    if as_json:
        emit_json(rows)
        return
    table("Context", ["spot", "kind", "from", "to", "text"],
          [(r["spot_id"], r["kind"], r["from"], r["to"] or "", r["text"]) for r in rows])


@click.command("plan")
@TRIAL_OPTION
@click.option("--from", "date_from", required=True, metavar="DATE")
@click.option("--to", "date_to", required=True, metavar="DATE")
@click.option("--seed", default=None, metavar="N", help="Re-derive a plan from its seed.")
@click.option("--out", "out", type=click.Path(path_type=Path), default=None,
              help="Write the run sheet as CSV.")
@JSON_OPTION
@pass_globals
def plan_(g: Globals, trial_name: str | None, date_from: str, date_to: str, seed: str | None,
          out: Path | None, as_json: bool) -> None:
    """Draw the per-night run sheet (random visit times) and ad dayparts; kept with its seed."""
    from trial.service.fieldwork_report import make_plan

    n: int | None = None
    if seed is not None:
        try:
            n = int(seed)
        except ValueError:
            raise InputError(Problem(f"{seed!r} is not a whole number", None, None,
                                     "--seed")) from None
    r = make_plan(g.context(), trial=trial_name, date_from=date_from, date_to=date_to, seed=n)
    if out is not None:
        out.write_text(r.csv(), encoding="utf-8")
    if as_json:
        emit_json(r.as_json())
    elif out is not None:
        say(f"Wrote {out} ({len(r.visits)} visits; seed {r.seed}).")
    else:
        table(f"Run sheet (seed {r.seed})", ["night", "day", "spot", "visit", "start", "end"],
              [(v["night"], v["day"], v["spot_id"], v["visit"], v["start"], v["end"])
               for v in r.visits])
        if r.dayparts:
            table("Ad dayparts", ["night", "spot", "start", "end", "budget (GBP)"],
                  [(p["night"], p["spot_id"], p["start"], p["end"], p["daily_budget_gbp"])
                   for p in r.dayparts])


def _n(x: Any) -> str:
    if x is None:
        return "-"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, float):
        return f"{x:,.1f}"
    return str(x)


@click.command("fidelity")
@TRIAL_OPTION
@click.option("--by", default=None, metavar="week", help="Also break it down by week.")
@JSON_OPTION
@pass_globals
def fidelity_(g: Globals, trial_name: str | None, by: str | None, as_json: bool) -> None:
    """Planned versus delivered fieldwork per spot and arm, with cost per arm."""
    from trial.service.fieldwork_report import fidelity_report

    doc = fidelity_report(g.context(), trial=trial_name, by=by)
    if as_json:
        emit_json(doc)
        return
    table("Fidelity by arm", ["arm", "spots", "received", "visits", "patrol min",
                              "officer min", "impressions", "clicks", "spend", "contam.",
                              "cost (GBP)"],
          [(a["arm"], a["spots"], a["spots_received"], a["patrol_visits"],
            _n(a["patrol_minutes"]), _n(a["officer_minutes"]), a["ad_impressions"],
            a["ad_clicks"], _n(a["ad_spend"]), a["contamination"], _n(a["cost_gbp"]))
           for a in doc["arms"]])
    table("Fidelity by spot", ["spot", "arm", "visits", "patrol min", "BAU min",
                               "impressions", "contam.", "received"],
          [(s["spot_id"], s["arm"], s["patrol_visits"], _n(s["patrol_minutes"]),
            _n(s["bau_minutes"]), s["ad_impressions"], s["contamination"], _n(s["received"]))
           for s in doc["spots"]])
    for week in doc.get("by_week", []):
        table(f"Week {week['from']} to {week['to']}", ["arm", "visits", "patrol min",
                                                       "impressions", "contam."],
              [(a["arm"], a["patrol_visits"], _n(a["patrol_minutes"]), a["ad_impressions"],
                a["contamination"]) for a in week["arms"]])


def register(root: click.Group) -> None:
    for command in (sessions_group, ads_group, context_group, plan_, fidelity_):
        root.add_command(command)
