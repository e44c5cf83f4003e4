"""One page of a trial's sessions at a time, by start time, for lists too long to load whole."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from trial.errors import InputError, Problem
from trial.fieldwork.times import zone
from trial.service.context import Context
from trial.service.fieldwork import KINDS, PATROL_KIND, read_count
from trial.service.fieldwork_officers import directory, key_path, searched_officer
from trial.service.trials import find_trial, trial_protocol
from trial.store.fieldwork_models import FieldSession, SessionVoid

PAGE_ROWS = 200
MAX_PAGE_ROWS = 1000

_FS = FieldSession.__table__  # type: ignore[attr-defined]
_SV = SessionVoid.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class SessionLine:
    """One session as a list shows it; times local with their offset, as ``list_sessions``.

    ``officer`` is shown as ``list_sessions`` shows it (the identifier to a key holder who
    typed it here, else as stored); ``minutes`` is set for patrol visits, ``impressions``
    for ad sessions; ``void_reason`` is None unless the session is voided.
    """

    session_id: int
    kind: str
    spot_id: str
    start: str
    end: str
    officer: str | None
    platform: str | None
    minutes: float | None
    impressions: int | None
    flags: tuple[str, ...]
    void_reason: str | None

    @property
    def voided(self) -> bool:
        return self.void_reason is not None


@dataclass(frozen=True)
class SessionPage:
    """Rows ``offset + 1`` to ``offset + len(rows)`` of ``total`` matching sessions."""

    trial: str
    offset: int
    limit: int
    total: int
    voided: int
    rows: tuple[SessionLine, ...]

    @property
    def first(self) -> int:
        """The 1-based number of the first row (0 when there are none)."""
        return self.offset + 1 if self.rows else 0

    @property
    def last(self) -> int:
        """The 1-based number of the last row (0 when there are none)."""
        return self.offset + len(self.rows)


def _local(t: datetime, tz: tzinfo) -> str:
    return t.astimezone(tz).isoformat(timespec="minutes")


def _filters(ctx: Context, trial_id: int, *, pseudonymised: bool, kind: str | None,
             spot: str | None, officer: str | None,
             voided: bool | None) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = [_FS.c.trial_id == trial_id]
    if kind is not None:
        conds.append(_FS.c.kind == kind)
    if spot is not None:
        conds.append(_FS.c.spot_id == spot)
    if officer is not None:
        # the same rule as list_sessions: only key holders may search pseudonymised officers
        want = searched_officer(ctx.url, officer, pseudonymised=pseudonymised)
        conds.append(_FS.c.officer == want)
    if voided is not None:
        ids = select(_SV.c.session_id).where(_SV.c.trial_id == trial_id)
        conds.append(_FS.c.id.in_(ids) if voided else _FS.c.id.not_in(ids))
    return conds


def _counts(conds: list[ColumnElement[bool]]) -> tuple[Select[Any], Select[Any]]:
    total = select(func.count()).select_from(_FS).where(*conds)
    voided = (select(func.count()).select_from(_FS.join(_SV, _SV.c.session_id == _FS.c.id))
              .where(*conds))
    return total, voided


def _page_rows(s: Session, conds: list[ColumnElement[bool]], offset: int,
               limit: int, *, counted: bool = True) -> list[Any]:
    # The ids come from the (trial, [kind,] start, id) index alone; only the page's rows
    # are then read, with their void and (unless known) the two counts, in one statement.
    ids = (select(_FS.c.id).where(*conds).order_by(_FS.c.start_utc, _FS.c.id)
           .limit(limit).offset(offset).subquery())
    total, voided = _counts(conds)
    counts = (total.scalar_subquery(), voided.scalar_subquery()) if counted else ()
    q = (select(_FS.c.id, _FS.c.kind, _FS.c.spot_id, _FS.c.start_utc, _FS.c.end_utc,
                _FS.c.officer, _FS.c.platform, _FS.c.impressions, _FS.c.flags, _SV.c.reason,
                *counts)
         .select_from(ids.join(_FS, _FS.c.id == ids.c.id)
                      .outerjoin(_SV, _SV.c.session_id == _FS.c.id))
         .order_by(_FS.c.start_utc, _FS.c.id))
    return list(s.execute(q))


def _read_offset(offset: int | str | None, limit: int | str, problems: list[Problem]
                 ) -> tuple[int | None, int]:
    n = read_count(limit, "limit", problems, default=PAGE_ROWS)
    if n is not None and not 1 <= n <= MAX_PAGE_ROWS:
        problems.append(Problem(f"{n} is not a page size: use 1 to {MAX_PAGE_ROWS}", None, None,
                                "limit"))
    at = None if offset is None else read_count(offset, "offset", problems, default=0)
    if at is not None and at < 0:
        problems.append(Problem(f"{at} is not a row offset: use 0 or more (or none for the "
                                "last page)", None, None, "offset"))
    return at, n if n is not None else PAGE_ROWS


def session_page(ctx: Context, *, trial: str | None, offset: int | str | None = 0,
                 limit: int | str = PAGE_ROWS, kind: str | None = None,
                 spot: str | None = None, officer: str | None = None,
                 voided: bool | None = None,
                 counts: tuple[int, int] | None = None) -> SessionPage:
    """One page of the sessions ``list_sessions`` gives, in the same order (start, then id).

    Args:
        ctx: the context.
        trial: the trial (None: the only one).
        offset: rows to skip; None for the last page (pages are aligned on ``limit``); an
            offset past the end gives the last page.
        limit: rows per page, 1 to 1000.
        kind, spot, officer: filters as ``list_sessions`` takes them.
        voided: True for voided sessions only, False for standing ones only.
        counts: the total and voided count of these sessions, when the caller already has
            them from an earlier page with the same filters (nothing written since): the
            page is then read without counting again.

    Returns:
        A :class:`SessionPage` with the total and voided count of the matching sessions.

    Raises:
        InputError: an unknown kind, or an offset or page size that is not one.
        RefusedError: an officer search on pseudonymised officers without the key.
    """
    problems: list[Problem] = []
    if kind is not None and kind not in KINDS:
        problems.append(Problem(f"unknown kind {kind!r}: use patrol or ad", None, None, "kind"))
    at, n = _read_offset(offset, limit, problems)
    if problems:
        raise InputError(problems)
    with ctx.reading() as s:
        t = find_trial(s, trial)
        assert t.id is not None
        tz = zone(t.timezone)
        pseudonymised = bool(trial_protocol(t).privacy.pseudonymise_officers)
        conds = _filters(ctx, t.id, pseudonymised=pseudonymised, kind=kind, spot=spot,
                         officer=officer, voided=voided)
        if counts is not None:
            total, n_void = counts
            last = max(0, (total - 1) // n * n)
            if total and (at is None or at >= total):
                at = last
            rows = (_page_rows(s, conds, at, n, counted=False) if total and at is not None
                    else [])
        else:
            rows = _page_rows(s, conds, at, n) if at is not None else []
            if rows:
                total, n_void = int(rows[0][10]), int(rows[0][11])
            else:
                total_q, void_q = _counts(conds)
                total = int(s.execute(total_q).scalar_one())
                n_void = int(s.execute(void_q).scalar_one())
                last = max(0, (total - 1) // n * n)
                if total and (at is None or at > last):
                    at = last
                    rows = _page_rows(s, conds, at, n)
        name = t.name
    shown = directory(key_path(ctx.url)) if pseudonymised else {}
    return SessionPage(trial=name, offset=at or 0, limit=n, total=total, voided=n_void,
                       rows=tuple(_line(r, tz, shown) for r in rows))


def _line(r: Any, tz: tzinfo, shown: dict[str, str]) -> SessionLine:
    sid, kind, spot, start, end, officer, platform, impressions, flags, reason = r[:10]
    patrol = kind == PATROL_KIND
    return SessionLine(
        session_id=int(sid), kind=kind, spot_id=spot, start=_local(start, tz),
        end=_local(end, tz), officer=shown.get(officer or "", officer or "") if patrol else None,
        platform=None if patrol else platform,
        minutes=(end - start).total_seconds() / 60.0 if patrol else None,
        impressions=None if patrol else impressions, flags=tuple(json.loads(flags)),
        void_reason=reason)
