"""Use-cases for patrol imports (logs, form exports, GPS pings): checked and stored in bulk."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sqlalchemy import select
from sqlmodel import Session

from trial.audit import ROW_HASH_LIMIT, file_sha256
from trial.canonical import canonical_json
from trial.errors import InputError, Problem
from trial.fieldwork.batch_flags import micros
from trial.fieldwork.times import zone
from trial.fieldwork.visit_batch import Visits, check_visit_batch
from trial.service.context import Act, Context
from trial.service.fieldwork import (
    PATROL_KIND,
    ImportResult,
    _read_bytes,
    count_flags,
    randomised_trial,
    voided_ids,
)
from trial.service.fieldwork_officers import Officers
from trial.service.trials import find_trial
from trial.store.fieldwork_models import FieldSession, SessionImport
from trial.store.session_rows import (
    Same,
    SessionColumns,
    insert_sessions,
    session_contents,
    sessions_digest,
)


def stored_visits(session: Session, trial_id: int) -> Visits:
    """The trial's stored patrol visits (voided ones marked), by start then id."""
    f = FieldSession
    rows = sorted(session.execute(
        select(f.id, f.spot_id, f.start_utc, f.end_utc, f.officer)  # type: ignore[call-overload]
        .where(f.trial_id == trial_id, f.kind == PATROL_KIND)).all(),
        key=lambda r: (r[2], r[0] or 0))
    voids = voided_ids(session, trial_id)
    n = len(rows)
    return Visits([r[1] for r in rows], micros([r[2] for r in rows]),
                  micros([r[3] for r in rows]), [r[4] or "" for r in rows], [1] * n, [""] * n,
                  [""] * n, [""] * n, [""] * n, [""] * n,
                  np.array([r[0] in voids for r in rows], dtype=bool))


def store_imported(act: Act, rows: SessionColumns) -> tuple[int, ...]:
    """Insert an import's sessions and register them with the action's audit entry.

    Imports small enough for the entry to name each row register their rows' content, as a
    session logged by hand does; larger ones register the digest of the same content.
    """
    ids = insert_sessions(act.session, rows)
    if len(rows) <= ROW_HASH_LIMIT:
        act.written.tables.setdefault("field_session", []).extend(session_contents(rows, ids))
    else:
        act.written.bulk["field_session"] = (sessions_digest(rows, ids), len(rows))
    return tuple(ids.tolist())


def _import_visits(ctx: Context, *, name: str, visits: Visits, lines: Sequence[int],
                   read_problems: Sequence[Problem], source: str, data: bytes, fmt: str,
                   action: str, lines_known: bool = True) -> ImportResult:
    """Check and store visits read from a file: duplicates first, then every rule, atomically."""
    with ctx.action(action=action, trial=name, entity=f"patrol sessions of {name}") as act:
        _, ft = randomised_trial(act.session, name, doing="import sessions (arms decide "
                                                          "contamination)")
        names = Officers(ctx.url, pseudonymise_officers=ft.pseudonymise)
        as_stored = {o: names.stored(o) for o in dict.fromkeys(visits.officer)}
        typed = dataclasses.replace(visits, officer=[as_stored[o] for o in visits.officer])
        stored = stored_visits(act.session, ft.trial_id)
        keys = set(stored.keys())
        fresh = np.array([k not in keys for k in typed.keys()], dtype=bool)
        new = typed.take(np.flatnonzero(fresh))
        new_lines = [ln for ln, f in zip(lines, fresh.tolist(), strict=True) if f]
        duplicates = len(typed) - len(new)
        checked = check_visit_batch(new, lines=new_lines, source=source,
                                    arms_by_spot=ft.delivers_by_spot,
                                    treatment_window=ft.window, hours=ft.patrol_hours,
                                    now=act.at, stored=stored, tz=ft.tz)
        found = list(checked.problems)
        if not lines_known:
            found = [dataclasses.replace(q, line=None) for q in found]
        problems = sorted([*read_problems, *found], key=lambda q: q.line or 0)
        if problems:
            raise InputError(names.shown(problems))
        flagged = count_flags(checked.flags)
        batch = SessionImport(
            trial_id=ft.trial_id, kind=PATROL_KIND, format=fmt, file_name=source,
            file_sha256=file_sha256(data), counts=canonical_json(
                {"imported": len(new), "duplicates": duplicates, "flagged": flagged}),
            lifetime_reach=canonical_json({}), imported_at=act.at, imported_by=act.actor,
            audit_id=act.entry_id)
        act.session.add(batch)
        act.session.flush()
        shown = {f: canonical_json(list(f)) for f in set(checked.flags)}
        rows = SessionColumns(new.start_us, new.end_us, {
            "trial_id": Same(ft.trial_id), "kind": Same(PATROL_KIND), "spot_id": new.spot_id,
            "source": new.source, "flags": [shown[f] for f in checked.flags],
            "notes": new.notes, "import_id": Same(batch.id),
            "line": new_lines,
            "officer": new.officer, "officer_pseudonymised": Same(ft.pseudonymise),
            "officers": new.officers, "purpose": new.purpose, "mode": new.mode,
            "reason": [r or None for r in new.reason],
            **{c: Same(None) for c in AD_COLUMNS},
            "logged_at": Same(act.at), "logged_by": Same(act.actor),
            "audit_id": Same(act.entry_id)})
        ids = store_imported(act, rows)
        act.written.add_rows("session_import", [batch])
        act.written.file_sha256 = batch.file_sha256
        act.written.extra.update({"file": source, "imported": len(ids),
                                  "duplicates": duplicates, "flagged": flagged})
        names.remember()
    return ImportResult(len(ids), duplicates, flagged, ids)


AD_COLUMNS = ("platform", "account", "campaign", "ad_group", "creative", "theme", "message",
              "impressions", "clicks", "reach", "video_views", "spend_gbp", "currency", "spend",
              "hours_compliance")


def import_patrol_log(ctx: Context, *, trial: str | None, path: Path,
                      map_path: Path | None = None) -> ImportResult:
    """See :func:`trial.service.fieldwork.import_patrols`."""
    from trial.fieldwork import forms

    data = _read_bytes(path)
    with ctx.reading() as s:
        t = find_trial(s, trial)
        name, tz = t.name, zone(t.timezone)
    form_map = forms.FormMap.from_toml(map_path) if map_path is not None else None
    # The reader's rows and its problems both: rows that read are checked against the trial
    # too, so one import lists every problem at once.
    visits, lines, problems = forms.read_visits(path, tz, form_map)
    return _import_visits(ctx, name=name, visits=visits, lines=lines, read_problems=problems,
                          source=path.name, data=data, fmt="form" if form_map else "patrol",
                          action="sessions import patrol")


def import_ping_visits(ctx: Context, *, trial: str | None, path: Path) -> ImportResult:
    """See :func:`trial.service.fieldwork.import_pings`."""
    from trial.fieldwork.pings import read_pings_csv, visits_from_pings
    from trial.service.crimes import trial_shapes

    data = _read_bytes(path)
    with ctx.reading() as s:
        t, ft = randomised_trial(s, find_trial(s, trial).name,
                                 doing="import pings (arms decide contamination)")
        shapes = trial_shapes(s, t)
    pings = read_pings_csv(path, timezone=ft.tz)
    if len(pings) == 0:
        raise InputError(Problem("holds no pings (a header and nothing under it)", path.name))
    rules = ft.gps
    try:
        visits = visits_from_pings(pings, shapes, max_gap_s=rules.max_gap_s,
                                   min_stay_s=rules.min_stay_s,
                                   max_speed_kmh=rules.max_speed_kmh)
    except InputError as exc:
        raise InputError([dataclasses.replace(p, source=path.name) for p in exc.problems]) \
            from None
    return _import_visits(ctx, name=ft.name, visits=Visits.of(visits), lines=[0] * len(visits),
                          read_problems=(), source=path.name, data=data, fmt="gps",
                          action="sessions import-pings", lines_known=False)
