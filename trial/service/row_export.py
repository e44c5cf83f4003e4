"""Row-level exports: every session or outcome record, personal fields only when asked for.

``spotlight export --sessions`` / ``--records`` need ``--include-personal`` (officer identifiers,
notes, crime references, exact places; the audit entry says so) or ``--public`` (coordinates
rounded to 100 m, or 3 decimals of a degree; times to the day; free text and identifiers
dropped). Every text cell is written so a spreadsheet shows it rather than running it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from trial.audit import file_sha256
from trial.errors import InputError, Problem
from trial.report.csvfiles import csv_text
from trial.service.context import Context
from trial.service.trials import find_trial

KINDS = ("sessions", "records")
SESSION_COLUMNS = ("session_id", "kind", "spot_id", "start_utc", "end_utc", "source", "flags",
                   "voided", "void_reason", "officer", "officer_pseudonymised", "officers",
                   "purpose", "mode", "notes", "override_reason", "platform", "account",
                   "campaign", "ad_group", "creative", "theme", "message", "impressions",
                   "clicks", "reach", "video_views", "spend_gbp", "logged_at", "logged_by")
# Identifiers of people and free text: left out of a public export.
SESSION_PERSONAL = ("void_reason", "officer", "notes", "override_reason", "account", "campaign",
                    "ad_group", "creative", "logged_by")
RECORD_COLUMNS = ("record_key", "crime_id", "month", "occurred_from", "crime_type",
                  "offence_code", "record_type", "how_reported", "domestic", "status",
                  "excluded_reason", "lon", "lat", "x", "y", "location", "lsoa_code",
                  "falls_within", "area", "spot_id", "distance_m", "source_file", "line")
RECORD_PERSONAL = ("record_key", "crime_id", "location", "source_file", "line")


def _choice(include_personal: bool, public: bool) -> None:
    if include_personal and public:
        raise InputError(Problem("choose one of --include-personal and --public",
                                 field="--public"))
    if not include_personal and not public:
        raise InputError(Problem(
            "row-level exports hold personal data: add --include-personal (recorded in the "
            "audit trail) or --public (coordinates rounded to 100 m, times to the day, no free "
            "text or identifiers)", field="--include-personal"))


def _sessions(ctx: Context, name: str) -> pd.DataFrame:
    from trial.service.blinding import refuse_if_masked
    from trial.service.fieldwork import list_sessions

    with ctx.reading() as s:
        refuse_if_masked(s, find_trial(s, name), ctx.actor,
                         what="the session rows (where each kind of patrol and ad went)")
    rows = list_sessions(ctx, trial=name)
    frame = pd.DataFrame(rows, columns=list(SESSION_COLUMNS))
    frame["flags"] = [";".join(f) if isinstance(f, list) else f for f in frame["flags"]]
    return frame


def _records(ctx: Context, name: str) -> pd.DataFrame:
    from trial.store.crime_rows import read_records

    with ctx.reading() as s:
        t = find_trial(s, name)
        assert t.id is not None
        frame = read_records(s.connection(), t.id, columns=RECORD_COLUMNS)
    frame = frame.sort_values(["month", "record_key"], kind="stable").reset_index(drop=True)
    times = pd.to_datetime(frame["occurred_from"], utc=True, errors="coerce", format="mixed")
    frame["occurred_from"] = times.dt.strftime("%Y-%m-%dT%H:%M:%SZ").where(times.notna(), None)
    return frame


def public_records(frame: pd.DataFrame) -> pd.DataFrame:
    """Records safe to publish: no references, free text or file positions; places rounded to
    100 m (British National Grid) and 3 decimals of a degree; times to the day."""
    out = frame.drop(columns=[c for c in RECORD_PERSONAL if c in frame.columns]).copy()
    for c in ("lon", "lat"):
        out[c] = pd.to_numeric(out[c], errors="coerce").round(3)
    for c in ("x", "y"):
        out[c] = pd.to_numeric(out[c], errors="coerce").round(-2)
    out["occurred_from"] = out["occurred_from"].map(
        lambda v: None if v is None or v != v else str(v)[:10])
    out["distance_m"] = pd.to_numeric(out["distance_m"], errors="coerce").round(-1)
    return out


def public_sessions(frame: pd.DataFrame) -> pd.DataFrame:
    """Sessions safe to publish: no officer, account, campaign or free text; times to the day."""
    out = frame.drop(columns=[c for c in SESSION_PERSONAL if c in frame.columns]).copy()
    for c in ("start_utc", "end_utc"):
        out[c] = out[c].map(lambda v: None if v is None else str(v)[:10])
    return out


def _csv(frame: pd.DataFrame) -> str:
    values = frame.astype(object).where(frame.notna(), None)
    return csv_text(list(frame.columns), list(values.itertuples(index=False, name=None)))


def export_rows(ctx: Context, *, trial: str | None, kinds: Sequence[str], out: Path | str,
                include_personal: bool = False, public: bool = False) -> dict[str, Any]:
    """Write ``sessions.csv`` and/or ``records.csv`` to ``out``; one audited action ("export")
    naming what was exported, how many rows, and whether personal fields were included.

    Returns:
        ``{"trial", "directory", "personal", "files": [{"name", "rows", "sha256", "columns"}]}``.

    Raises:
        InputError: neither or both of ``include_personal`` and ``public``; an unknown kind; an
            unusable directory.
        RefusedError: session rows asked for by a blinded reader of a blinded trial.
    """
    from trial.service.export import _out_dir

    _choice(include_personal, public)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise InputError(Problem(f"export rows of {', '.join(KINDS)}", field="--sessions"))
    directory = _out_dir(Path(out))
    with ctx.reading() as s:
        name = find_trial(s, trial).name
    texts: dict[str, tuple[str, int, list[str]]] = {}
    for kind in dict.fromkeys(kinds):
        if kind == "sessions":
            frame = _sessions(ctx, name)
            frame = public_sessions(frame) if public else frame
        else:
            frame = _records(ctx, name)
            frame = public_records(frame) if public else frame
        texts[f"{kind}.csv"] = (_csv(frame), len(frame), list(frame.columns))
    files = [{"name": k, "rows": n, "sha256": file_sha256(v.encode()), "columns": cols}
             for k, (v, n, cols) in texts.items()]
    with ctx.action(action="export", trial=name, entity=f"row export of {name}") as act:
        for file_name, (content, _, _) in texts.items():
            try:
                (directory / file_name).write_text(content, encoding="utf-8")
            except OSError as exc:
                raise InputError(Problem(f"cannot write {file_name}: {exc.strerror}",
                                         str(directory), field="--out")) from None
        act.written.extra.update({"rows": list(dict.fromkeys(kinds)),
                                  "personal": include_personal,
                                  "files": {f["name"]: {"rows": f["rows"], "sha256": f["sha256"],
                                                        "columns": f["columns"]}
                                            for f in files}})
    return {"trial": name, "directory": str(directory), "personal": include_personal,
            "files": files}
