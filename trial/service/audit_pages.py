"""One page of the audit trail at a time, newest first, for trails too long to load whole."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from trial.errors import InputError, Problem
from trial.service.context import Context
from trial.service.session_pages import PAGE_ROWS, _read_offset
from trial.store.models import AuditEntry

_AE = AuditEntry.__table__  # type: ignore[attr-defined]
_COLUMNS = ("id", "at", "actor", "action", "trial", "entity", "hash")


@dataclass(frozen=True)
class AuditPage:
    """Entries ``offset + 1`` to ``offset + len(rows)`` of ``total``, newest first; each row
    is a dict with the keys ``entries`` gives (id, at, actor, action, trial, entity, hash)."""

    offset: int
    limit: int
    total: int
    rows: tuple[dict[str, Any], ...]

    @property
    def first(self) -> int:
        """The 1-based number of the first row (0 when there are none)."""
        return self.offset + 1 if self.rows else 0

    @property
    def last(self) -> int:
        """The 1-based number of the last row (0 when there are none)."""
        return self.offset + len(self.rows)


def _rows(s: Session, conds: list[ColumnElement[bool]], offset: int, limit: int
          ) -> list[Any]:
    total = select(func.count()).select_from(_AE).where(*conds).scalar_subquery()
    q = (select(*(_AE.c[c] for c in _COLUMNS), total).where(*conds)
         .order_by(_AE.c.id.desc()).limit(limit).offset(offset))
    return list(s.execute(q))


def audit_page(ctx: Context, *, trial: str | None = None, offset: int | str | None = 0,
               limit: int | str = PAGE_ROWS) -> AuditPage:
    """One page of the entries :func:`~trial.service.audit_trail.entries` lists, newest first.

    Args:
        ctx: the context.
        trial: the trial's name (None or empty: every entry).
        offset: entries to skip; None for the last page (pages are aligned on ``limit``); an
            offset past the end gives the last page.
        limit: entries per page, 1 to 1000.

    Returns:
        An :class:`AuditPage` with the total number of matching entries.

    Raises:
        InputError: an offset or page size that is not one.
    """
    problems: list[Problem] = []
    at, n = _read_offset(offset, limit, problems)
    if problems:
        raise InputError(problems)
    conds: list[ColumnElement[bool]] = [_AE.c.trial == trial] if trial else []
    with ctx.reading() as s:
        rows = _rows(s, conds, at, n) if at is not None else []
        if rows:
            total = int(rows[0][-1])
        else:
            total = int(s.execute(select(func.count()).select_from(_AE).where(*conds))
                        .scalar_one())
            last = max(0, (total - 1) // n * n)
            if total and (at is None or at > last):
                at = last
                rows = _rows(s, conds, at, n)
    return AuditPage(offset=at or 0, limit=n, total=total,
                     rows=tuple(dict(zip(_COLUMNS, r[:-1], strict=True)) for r in rows))
