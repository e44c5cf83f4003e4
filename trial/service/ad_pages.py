"""One page of a trial's ad sessions at a time, with their spend and hours compliance."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from trial.service.context import Context
from trial.service.fieldwork import AD_KIND
from trial.service.session_pages import PAGE_ROWS, SessionLine, session_page
from trial.store.fieldwork_models import FieldSession

_FS = FieldSession.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class AdLine:
    """One ad session as the ads screen shows it: the session list's line, its spend in
    pounds and whether it ran within the protocol's hours (``yes``, ``no`` or ``unknown``)."""

    session: SessionLine
    spend_gbp: float | None
    hours_compliance: str | None


@dataclass(frozen=True)
class AdPage:
    """Rows ``offset + 1`` to ``offset + len(rows)`` of ``total`` ad sessions."""

    trial: str
    offset: int
    limit: int
    total: int
    voided: int
    rows: tuple[AdLine, ...]


def ad_page(ctx: Context, *, trial: str | None, offset: int | str | None = 0,
            limit: int | str = PAGE_ROWS,
            counts: tuple[int, int] | None = None) -> AdPage:
    """One page of the ad sessions ``list_sessions(kind="ad")`` gives, in its order.

    Args:
        ctx: the context.
        trial: the trial (None: the only one).
        offset: rows to skip; None for the last page; past the end gives the last page.
        limit: rows per page, 1 to 1000.
        counts: the total and voided ad sessions from an earlier page, nothing written
            since (the page is then read without counting again).

    Returns:
        An :class:`AdPage`: :func:`~trial.service.session_pages.session_page` for kind
        ``ad``, each line with the spend and hours compliance ``list_sessions`` gives.

    Raises:
        InputError: an offset or page size that is not one.
    """
    page = session_page(ctx, trial=trial, offset=offset, limit=limit, kind=AD_KIND,
                        counts=counts)
    ids = [r.session_id for r in page.rows]
    extra: dict[int, tuple[float | None, str | None]] = {}
    if ids:
        with ctx.reading() as s:
            q = (select(_FS.c.id, _FS.c.spend_gbp, _FS.c.hours_compliance)
                 .where(_FS.c.id.in_(ids)))
            extra = {int(i): (spend, hours) for i, spend, hours in s.execute(q)}
    return AdPage(trial=page.trial, offset=page.offset, limit=page.limit, total=page.total,
                  voided=page.voided,
                  rows=tuple(AdLine(r, *extra.get(r.session_id, (None, None)))
                             for r in page.rows))
