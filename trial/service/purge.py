"""Purge personal fields from a trial's older rows, leaving tombstones the audit trail accepts.

What is purged, from rows dated before the given date (local to the trial):

* patrol and ad sessions (by start): the officer identifier (or its pseudonym), the notes and
  the override reason; the reason of any void of such a session;
* context notes (by their last day): the text;
* crime records (by the time committed, else by month: months wholly before the date): the
  source's crime reference (``crime_id``), the record key built from it, and the police.uk
  location text.

Counts, times, places, arms and flags stay, so every analysis still runs. The purge is one
audited action ("purge"); its entry lists, per table and writing entry, the rows' digest after
the purge, and per purged row (up to :data:`trial.audit.ROW_HASH_LIMIT` rows per table) the
SHA-256 of its content before and its content after (see :mod:`trial.audit`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import bindparam, text
from sqlmodel import Session, col, select

from trial.audit import AUDITED, ROW_HASH_LIMIT, entry_rows_digest
from trial.canonical import canonical_sha256
from trial.errors import InputError, Problem, RefusedError
from trial.fieldwork.times import zone
from trial.service.context import Act, Context
from trial.service.trials import find_trial
from trial.store.fieldwork_models import FieldSession, SessionVoid, SpotContext
from trial.store.models import CrimeRecord, Trial

PURGED = "[purged]"
KEY_PREFIX = "purged:"


def _day(value: str | date) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(Problem(f"{value!r} is not a date: use YYYY-MM-DD",
                                 field="--before")) from None


def _tombstone(value: str | None) -> str | None:
    return value if value in (None, "", PURGED) else PURGED


def purge(ctx: Context, *, trial: str | None, before: str | date,
          reason: str) -> dict[str, Any]:
    """Remove personal fields from the trial's rows dated before ``before`` (admins only).

    Returns:
        ``{"trial", "before", "reason", "purged": {table: rows}}``.

    Raises:
        InputError: a date that does not read, or no reason.
        RefusedError: a date after today, or nothing left to purge before it.
    """
    problems: list[Problem] = []
    day: date | None = None
    try:
        day = _day(before)
    except InputError as exc:
        problems += exc.problems
    if not reason.strip():
        problems.append(Problem("say why (the retention date, a request)", field="--reason"))
    if problems or day is None:
        raise InputError(problems)
    with ctx.reading() as s:
        name = find_trial(s, trial).name
    with ctx.action(action="purge", trial=name,
                    entity=f"personal data of {name} before {day}") as act:
        t = find_trial(act.session, name)
        tz = zone(t.timezone)
        if day > act.at.astimezone(tz).date():
            raise RefusedError(f"--before {day} is after today: only what is already past "
                               "its retention can be purged")
        cut = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
        touched: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
        counts = {"field_session": _sessions(act, t, cut, touched),
                  "session_void": _voids(act, t, cut, touched),
                  "spot_context": _context(act, t, day, touched),
                  "crime_record": _crimes(act, t, cut, day, touched)}
        if not any(counts.values()):
            raise RefusedError(f"trial {name} has no personal fields left before {day}")
        act.session.flush()
        for table, by_entry in touched.items():
            for aid, v in by_entry.items():
                v["digest"] = entry_rows_digest(act.session, table, aid)
                if len(v["rows"]) > ROW_HASH_LIMIT:
                    v["rows"] = {}  # the digest alone, for very large purges
        act.written.purged = {k: dict(v) for k, v in touched.items()}
        act.written.extra.update({"before": day.isoformat(), "reason": reason.strip(),
                                  "counts": counts})
    return {"trial": name, "before": day.isoformat(), "reason": reason.strip(),
            "purged": counts}


def _note(touched: dict[str, dict[int, dict[str, Any]]], table: str, aid: int, key: str,
          before: dict[str, Any], after: dict[str, Any]) -> None:
    entry = touched[table].setdefault(aid, {"digest": "", "rows": {}})
    entry["rows"][key] = {"before": canonical_sha256(before), "after": after}


def _changed(act: Act, table: str, rows: list[Any], change: Any,
             touched: dict[str, dict[int, dict[str, Any]]]) -> int:
    """Apply ``change`` to each row; note (and count) those it changed."""
    from trial.audit import row_key

    spec = AUDITED[table]
    n = 0
    for r in rows:
        before = spec.content(r)
        change(r)
        after = spec.content(r)
        if after == before:
            continue
        act.session.add(r)
        _note(touched, table, int(r.audit_id), row_key(spec, before), before, after)
        n += 1
    return n


def _old_sessions(session: Session, t: Trial, cut: datetime) -> list[FieldSession]:
    return list(session.exec(select(FieldSession).where(
        FieldSession.trial_id == t.id, col(FieldSession.start_utc) < cut)))


def _sessions(act: Act, t: Trial, cut: datetime,
              touched: dict[str, dict[int, dict[str, Any]]]) -> int:
    def change(r: FieldSession) -> None:
        r.officer = _tombstone(r.officer)
        r.notes = _tombstone(r.notes) or ""
        r.reason = _tombstone(r.reason)

    return _changed(act, "field_session", _old_sessions(act.session, t, cut), change, touched)


def _voids(act: Act, t: Trial, cut: datetime,
           touched: dict[str, dict[int, dict[str, Any]]]) -> int:
    ids = [r.id for r in _old_sessions(act.session, t, cut)]
    if not ids:
        return 0
    voids = list(act.session.exec(select(SessionVoid).where(
        SessionVoid.trial_id == t.id, col(SessionVoid.session_id).in_(ids))))

    def change(v: SessionVoid) -> None:
        v.reason = PURGED

    return _changed(act, "session_void", voids, change, touched)


def _context(act: Act, t: Trial, day: date,
             touched: dict[str, dict[int, dict[str, Any]]]) -> int:
    notes = [c for c in act.session.exec(select(SpotContext).where(SpotContext.trial_id == t.id))
             if (c.date_to or c.date_from) < day]

    def change(c: SpotContext) -> None:
        c.text = PURGED

    return _changed(act, "spot_context", notes, change, touched)


CRIMES_BEFORE = ("trial_id = :t AND record_key NOT LIKE 'purged:%' AND "
                 "(occurred_from < :cut OR (occurred_from IS NULL AND month < :month))")


def _crimes(act: Act, t: Trial, cut: datetime, day: date,
            touched: dict[str, dict[int, dict[str, Any]]]) -> int:
    from trial.store.crime_rows import DIGEST_COLUMNS

    conn = act.session.connection()
    # The cut is bound with the column's own type, so it is compared as each database
    # stores times.
    when = bindparam("cut", type_=CrimeRecord.__table__.c.occurred_from.type)  # type: ignore[attr-defined]
    params = {"t": t.id, "cut": cut, "month": f"{day:%Y-%m}"}
    cols = ", ".join(("id", "audit_id", *DIGEST_COLUMNS))
    rows = conn.execute(text(f"SELECT {cols} FROM crime_record WHERE {CRIMES_BEFORE}")
                        .bindparams(when), params).mappings().all()
    if not rows:
        return 0
    for r in rows:
        before = {c: None if r[c] is None else str(r[c]) for c in DIGEST_COLUMNS}
        _note(touched, "crime_record", int(r["audit_id"]), str(r["id"]), before,
              {"record_key": f"{KEY_PREFIX}{r['id']}"})
    conn.execute(text("UPDATE crime_record SET crime_id = NULL, location = NULL, "
                      f"record_key = '{KEY_PREFIX}' || CAST(id AS TEXT) "
                      f"WHERE {CRIMES_BEFORE}").bindparams(when), params)
    return len(rows)


def purge_summary(detail: str) -> dict[str, Any]:
    """A purge entry's counts and date, from its detail (for listings)."""
    d = json.loads(detail)
    return {"before": d.get("before"), "counts": d.get("counts", {})}
