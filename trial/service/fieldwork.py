"""Use-cases for patrol sessions: log, import (logs, form exports, GPS pings), void and list."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from trial.canonical import canonical_json
from trial.errors import InputError, NotFoundError, Problem, RefusedError
from trial.fieldwork.ads import AdDelivery
from trial.fieldwork.dosage import ADS, PATROL, GpsRules
from trial.fieldwork.flags import FLAGS
from trial.fieldwork.patrol import PatrolVisit, check_patrol
from trial.fieldwork.times import Hours, LocalTimeError, Window, parse_local_time, zone
from trial.protocol import Protocol
from trial.service.context import Act, Context
from trial.service.fieldwork_officers import Officers, directory, key_path, searched_officer
from trial.service.trials import RANDOMISED, find_trial, require_state, trial_protocol
from trial.store.fieldwork_models import FieldSession, SessionVoid
from trial.store.models import AllocationRow, Trial

PATROL_KIND, AD_KIND = "patrol", "ad"
KINDS = (PATROL_KIND, AD_KIND)


@dataclass(frozen=True)
class FieldTrial:
    """What the fieldwork rules need of a randomised trial."""

    trial_id: int
    name: str
    tz: tzinfo
    protocol: Protocol
    arms: dict[str, tuple[str, ...]]  # arm -> what it delivers, in protocol order
    spot_arms: dict[str, str]  # allocated spot -> arm
    window: Window | None
    patrol_hours: Hours | None
    ad_hours: Hours | None

    @property
    def delivers_by_spot(self) -> dict[str, tuple[str, ...]]:
        return {s: self.arms.get(a, ()) for s, a in self.spot_arms.items()}

    @property
    def dosage(self) -> dict[str, Any]:
        return dict(self.protocol.raw.get("dosage", {}) or {})

    @property
    def gps(self) -> GpsRules:
        return GpsRules.from_toml(self.dosage.get("gps"))

    @property
    def pseudonymise(self) -> bool:
        return bool(self.protocol.privacy.pseudonymise_officers)


def field_trial(session: Session, t: Trial) -> FieldTrial:
    """The trial's arms, allocation, treatment window and delivery hours."""
    assert t.id is not None
    p = trial_protocol(t)
    dosage = dict(p.raw.get("dosage", {}) or {})
    windows = dict(p.raw.get("windows", {}) or {})
    rows = session.exec(select(AllocationRow).where(AllocationRow.trial_id == t.id))
    return FieldTrial(
        trial_id=t.id, name=t.name, tz=zone(t.timezone), protocol=p,
        arms={a.name: tuple(a.delivers) for a in p.arms},
        spot_arms={r.spot_id: r.arm for r in rows},
        window=Window.from_toml(windows["treatment"]) if "treatment" in windows else None,
        patrol_hours=Hours.from_toml(dosage[PATROL]) if PATROL in dosage else None,
        ad_hours=Hours.from_toml(dosage[ADS]) if ADS in dosage else None)


def randomised_trial(session: Session, name: str, *, doing: str) -> tuple[Trial, FieldTrial]:
    """The named trial, which must be randomised (its arms decide contamination)."""
    t = find_trial(session, name)
    require_state(t, RANDOMISED, doing=doing)
    return t, field_trial(session, t)


@dataclass(frozen=True)
class Logged:
    """A session stored by ``sessions log``."""

    session_id: int
    kind: str
    flags: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {"session_id": self.session_id, "kind": self.kind, "flags": list(self.flags)}


@dataclass(frozen=True)
class ImportResult:
    """What a sessions import stored."""

    imported: int
    duplicates: int
    flagged: dict[str, int]
    session_ids: tuple[int, ...] = ()
    warnings: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"imported": self.imported, "duplicates": self.duplicates,
                "flagged": dict(self.flagged), **self.extra}


def count_flags(flag_lists: Sequence[Sequence[str]]) -> dict[str, int]:
    return {f: sum(f in fl for fl in flag_lists) for f in FLAGS}


def read_time_arg(text: str, tz: tzinfo, fld: str, problems: list[Problem]) -> datetime | None:
    """A typed time in the trial's timezone (or with its own offset), as UTC."""
    try:
        return parse_local_time(text, tz)
    except LocalTimeError as exc:
        problems.append(Problem(str(exc), None, None, fld))
        return None


def read_count(value: int | str | None, fld: str, problems: list[Problem], *,
               default: int | None = None) -> int | None:
    """A whole number as typed (negative numbers pass; the rules refuse them with context)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return int(str(value).strip().replace(",", ""))
    except ValueError:
        problems.append(Problem(f"{value!r} is not a whole number", None, None, fld))
        return default


def voided_ids(session: Session, trial_id: int) -> dict[int, SessionVoid]:
    return {v.session_id: v for v in session.exec(
        select(SessionVoid).where(SessionVoid.trial_id == trial_id))}


def stored_sessions(session: Session, trial_id: int, kind: str | None = None,
                    spot: str | None = None) -> list[FieldSession]:
    q = select(FieldSession).where(FieldSession.trial_id == trial_id)
    if kind is not None:
        q = q.where(FieldSession.kind == kind)
    if spot is not None:
        q = q.where(FieldSession.spot_id == spot)
    return sorted(session.exec(q), key=lambda r: (r.start_utc, r.id or 0))


def visit_of(r: FieldSession, voided: Collection[int] = ()) -> PatrolVisit:
    return PatrolVisit(
        spot_id=r.spot_id, start=r.start_utc, end=r.end_utc, officer=r.officer or "",
        officers=r.officers or 1, purpose=r.purpose or "", mode=r.mode or "",
        source=r.source, notes=r.notes, reason=r.reason or "", voided=r.id in voided)


def delivery_of(r: FieldSession, voided: Collection[int] = ()) -> AdDelivery:
    return AdDelivery(
        spot_id=r.spot_id, platform=r.platform or "", start=r.start_utc, end=r.end_utc,
        impressions=r.impressions or 0, clicks=r.clicks or 0, spend_gbp=r.spend_gbp or 0.0,
        reach=r.reach, video_views=r.video_views, account=r.account or "",
        campaign=r.campaign or "", ad_group=r.ad_group or "", creative=r.creative or "",
        theme=r.theme, message=r.message, currency=r.currency or "GBP", spend=r.spend,
        voided=r.id in voided)


def patrol_row(act: Act, ft: FieldTrial, visit: PatrolVisit, flags: Sequence[str], *,
               pseudonymised: bool, import_id: int | None = None,
               line: int | None = None) -> FieldSession:
    return FieldSession(
        trial_id=ft.trial_id, kind=PATROL_KIND, spot_id=visit.spot_id, start_utc=visit.start,
        end_utc=visit.end, source=visit.source, flags=canonical_json(list(flags)),
        notes=visit.notes, import_id=import_id, line=line, officer=visit.officer,
        officer_pseudonymised=pseudonymised, officers=visit.officers, purpose=visit.purpose,
        mode=visit.mode, reason=visit.reason or None, logged_at=act.at, logged_by=act.actor,
        audit_id=act.entry_id)


def store_sessions(act: Act, rows: Sequence[FieldSession]) -> tuple[int, ...]:
    """Add rows, give them their ids and register them with the action's audit entry."""
    act.session.add_all(rows)
    act.session.flush()
    act.written.add_rows("field_session", rows)
    return tuple(int(r.id or 0) for r in rows)


def _same_key_overlap(visit: PatrolVisit, existing: Sequence[PatrolVisit],
                      tz: tzinfo) -> Problem | None:
    # The core lets a stored visit's exact key through (a re-import); one logged by hand is a
    # second visit by the same officer at the same time, which the overlap rule refuses.
    for other in existing:
        if not other.voided and other.key == visit.key:
            return Problem(f"{visit.officer} is already logged at {other.spot_id} from "
                           f"{other.start.astimezone(tz):%Y-%m-%d %H:%M} to "
                           f"{other.end.astimezone(tz):%Y-%m-%d %H:%M}", None, None, "officer")
    return None


def log_patrol(ctx: Context, *, trial: str | None, spot: str, start: str, end: str,
               officer: str, officers: int | str | None = 1, purpose: str = "directed",
               mode: str = "foot", source: str = "manual", reason: str = "",
               notes: str = "") -> Logged:
    """Store one patrol visit typed in the trial's timezone.

    Refused (nothing stored): unknown spot, purpose, mode or source; end not after start; longer
    than 12 hours; ending in the future; the same officer in an overlapping stored visit; a
    local time that does not exist or is ambiguous; fewer than 1 officer; an override without
    a reason. Flagged and stored: contamination, outside_window, outside_hours.

    Returns:
        The new session's id, kind and flags.
    """
    with ctx.reading() as s:
        name = find_trial(s, trial).name
    with ctx.action(action="sessions log patrol", trial=name,
                    entity=f"patrol session at {spot}") as act:
        _, ft = randomised_trial(act.session, name, doing="log sessions (arms decide "
                                                          "contamination)")
        problems: list[Problem] = []
        t0 = read_time_arg(start, ft.tz, "start", problems)
        t1 = read_time_arg(end, ft.tz, "end", problems)
        n = read_count(officers, "officers", problems, default=1)
        if not officer.strip():
            problems.append(Problem("is empty: give the officer's identifier", None, None,
                                    "officer"))
        if t0 is None or t1 is None:
            raise InputError(problems)
        names = Officers(ctx.url, pseudonymise_officers=ft.pseudonymise)
        stored_officer = names.stored(officer) if officer.strip() else " "
        visit = PatrolVisit(spot.strip(), t0, t1, stored_officer, 1 if n is None else n,
                            purpose.strip().lower(),
                            mode.strip().lower(), source.strip().lower(), notes, reason.strip())
        voids = voided_ids(act.session, ft.trial_id)
        existing = [visit_of(r, voids) for r in act.session.exec(
            select(FieldSession).where(FieldSession.trial_id == ft.trial_id,
                                       FieldSession.kind == PATROL_KIND,
                                       FieldSession.officer == stored_officer))]
        delivers = ft.delivers_by_spot.get(visit.spot_id)
        checked = check_patrol(
            visit, spot_known=delivers is not None, arm_delivers=delivers or (),
            treatment_window=ft.window, hours=ft.patrol_hours, now=act.at,
            existing_for_officer=existing, tz=ft.tz)
        # every problem at once: what could not be read, then the rules on the rest
        read = {q.field for q in problems}
        found = [*problems, *(q for q in checked.problems if q.field not in read)]
        if not found:
            same = _same_key_overlap(visit, existing, ft.tz)
            if same is not None:
                found.append(same)
        if found:
            raise InputError(names.shown(found))
        row = patrol_row(act, ft, visit, checked.flags, pseudonymised=ft.pseudonymise)
        (sid,) = store_sessions(act, [row])
        act.written.extra.update({"session_id": sid, "flags": list(checked.flags)})
        names.remember()
    return Logged(sid, PATROL_KIND, checked.flags)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(Problem("no such file", str(path))) from None
    except OSError as exc:
        raise InputError(Problem(f"cannot read the file: {exc.strerror}", str(path))) from None


def import_patrols(ctx: Context, *, trial: str | None, path: Path,
                   map_path: Path | None = None) -> ImportResult:
    """Import a patrol log (the trial's CSV, or a form export through a TOML map).

    Atomic: any invalid row and nothing is stored, every problem listed as FILE:LINE: FIELD.
    Idempotent: rows already stored, by (spot, start, end, officer), are counted as
    duplicates before any other check.
    """
    from trial.service.fieldwork_import import import_patrol_log

    return import_patrol_log(ctx, trial=trial, path=path, map_path=map_path)


def import_pings(ctx: Context, *, trial: str | None, path: Path) -> ImportResult:
    """Turn GPS, radio or body-worn-video pings into visits by ``[dosage].gps`` and store them
    (source ``gps``), atomically and idempotently as :func:`import_patrols`."""
    from trial.service.fieldwork_import import import_ping_visits

    return import_ping_visits(ctx, trial=trial, path=path)


def void_session(ctx: Context, *, session_id: int | str, reason: str,
                 trial: str | None = None) -> dict[str, Any]:
    """Void a session with a reason: it is kept and listed, and left out of every dosage."""
    problems: list[Problem] = []
    sid = read_count(session_id, "session_id", problems)
    if not reason.strip():
        problems.append(Problem("give the reason for voiding", None, None, "reason"))
    if problems or sid is None:
        raise InputError(problems)
    with ctx.reading() as s:
        row = s.get(FieldSession, sid)
        if row is None:
            raise NotFoundError(f"there is no session {sid}")
        t = s.get(Trial, row.trial_id)
        assert t is not None
        if trial and t.name != trial:
            raise NotFoundError(f"session {sid} is not in trial {trial} (it is in {t.name})")
        name = t.name
    with ctx.action(action="sessions void", trial=name, entity=f"session {sid}") as act:
        if act.session.exec(select(SessionVoid).where(SessionVoid.session_id == sid)).first():
            raise RefusedError(f"session {sid} is already voided")
        void = SessionVoid(trial_id=row.trial_id, session_id=sid, reason=reason.strip(),
                           voided_at=act.at, voided_by=act.actor, audit_id=act.entry_id)
        act.session.add(void)
        act.written.add_rows("session_void", [void])
        act.written.extra.update({"session_id": sid, "reason": void.reason})
    return {"session_id": sid, "voided": True, "reason": void.reason}


def _local(t: datetime, tz: tzinfo) -> str:
    return t.astimezone(tz).isoformat(timespec="minutes")


def list_sessions(ctx: Context, *, trial: str | None, spot: str | None = None,
                  kind: str | None = None, officer: str | None = None) -> list[dict[str, Any]]:
    """Every session (voided ones too, with ``voided`` and the reason), by start.

    Pseudonymised officers are shown as their identifier to those holding the key who typed
    it here, otherwise as the pseudonym; ``officer`` filters by an identifier as typed.
    """
    if kind is not None and kind not in KINDS:
        raise InputError(Problem(f"unknown kind {kind!r}: use patrol or ad", None, None,
                                 "kind"))
    with ctx.reading() as s:
        t = find_trial(s, trial)
        assert t.id is not None
        tz = zone(t.timezone)
        p = trial_protocol(t)
        rows = stored_sessions(s, t.id, kind, spot)
        voids = voided_ids(s, t.id)
    shown: dict[str, str] = {}
    if p.privacy.pseudonymise_officers:
        shown = directory(key_path(ctx.url))
    if officer is not None:
        want = searched_officer(ctx.url, officer, pseudonymised=p.privacy.pseudonymise_officers)
        rows = [r for r in rows if r.officer == want]
    return [session_json(r, tz, voids.get(int(r.id or 0)), shown) for r in rows]


def session_json(r: FieldSession, tz: tzinfo, void: SessionVoid | None,
                 shown: dict[str, str]) -> dict[str, Any]:
    """One session as ``sessions list --json`` prints it (times local, with their offset)."""
    out: dict[str, Any] = {
        "session_id": r.id, "kind": r.kind, "spot_id": r.spot_id,
        "start": _local(r.start_utc, tz), "end": _local(r.end_utc, tz),
        "start_utc": r.start_utc.isoformat(), "end_utc": r.end_utc.isoformat(),
        "source": r.source, "flags": _flags(r.flags), "voided": void is not None,
        # ``reason`` is why the session was voided; a patrol override's own reason shows
        # there only while the session stands (both are also under their own names).
        "reason": void.reason if void else r.reason,
        "void_reason": void.reason if void else None,
        "override_reason": r.reason if r.kind == PATROL_KIND else None, "notes": r.notes,
        "logged_at": r.logged_at.isoformat(), "logged_by": r.logged_by,
    }
    if void is not None:
        out["voided_at"] = void.voided_at.isoformat()
        out["voided_by"] = void.voided_by
    if r.kind == PATROL_KIND:
        officer = r.officer or ""
        out.update({"officer": shown.get(officer, officer),
                    "officer_pseudonymised": bool(r.officer_pseudonymised),
                    "officers": r.officers, "purpose": r.purpose, "mode": r.mode,
                    "minutes": (r.end_utc - r.start_utc).total_seconds() / 60.0})
    else:
        out.update({"platform": r.platform, "account": r.account, "campaign": r.campaign,
                    "ad_group": r.ad_group, "creative": r.creative, "theme": r.theme,
                    "message": r.message, "impressions": r.impressions, "clicks": r.clicks,
                    "reach": r.reach, "video_views": r.video_views, "spend_gbp": r.spend_gbp,
                    "currency": r.currency, "spend": r.spend,
                    "hours_compliance": r.hours_compliance})
    return out


def _flags(text: str) -> list[str]:
    return list(json.loads(text))
