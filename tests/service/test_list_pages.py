"""Ad and audit pages: the same rows as their full listings, page by page."""

from __future__ import annotations

from typing import Any

import pytest

from tests.service.test_session_pages import busy, generated_sessions  # noqa: F401
from trial.errors import InputError
from trial.service import fieldwork as fw
from trial.service.ad_pages import AdPage, ad_page
from trial.service.audit_pages import audit_page
from trial.service.audit_trail import entries

pytestmark = pytest.mark.storage


def _ad_row(r: dict[str, Any]) -> tuple[Any, ...]:
    return (r["session_id"], r["spot_id"], r["platform"], r["start"], r["end"],
            r["impressions"], tuple(r["flags"]), r["void_reason"], r["spend_gbp"],
            r["hours_compliance"])


def _ad_got(page: AdPage) -> list[tuple[Any, ...]]:
    return [(x.session.session_id, x.session.spot_id, x.session.platform, x.session.start,
             x.session.end, x.session.impressions, x.session.flags, x.session.void_reason,
             x.spend_gbp, x.hours_compliance) for x in page.rows]


def test_ad_pages_are_the_ad_list_in_slices(busy) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    ctx, _ = busy
    whole = fw.list_sessions(ctx, trial=None, kind="ad")
    assert len(whole) == 40
    assert any(r["spend_gbp"] for r in whole) and any(r["voided"] for r in whole)
    for limit in (1, 7, 40, 200):
        out: list[tuple[Any, ...]] = []
        offset = 0
        while offset < len(whole):
            page = ad_page(ctx, trial=None, offset=offset, limit=limit)
            assert (page.total, page.offset, page.limit) == (len(whole), offset, limit)
            assert page.voided == sum(r["voided"] for r in whole)
            out += _ad_got(page)
            offset += limit
        assert out == [_ad_row(r) for r in whole]
    last = ad_page(ctx, trial=None, offset=None, limit=7)
    assert last.offset == 35 and _ad_got(last) == [_ad_row(r) for r in whole[35:]]
    assert ad_page(ctx, trial=None, offset=999, limit=7).offset == 35
    # with the counts of an earlier page: the same pages, not counted again
    counts = (last.total, last.voided)
    for offset in (0, 7, 39, 40, 999, None):
        assert (ad_page(ctx, trial=None, offset=offset, limit=7, counts=counts)
                == ad_page(ctx, trial=None, offset=offset, limit=7)), offset


def _audit_row(e: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(e[k] for k in ("id", "at", "actor", "action", "trial", "entity", "hash"))


def test_audit_pages_are_the_entries_in_slices(busy) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    ctx, _ = busy
    trial = ad_page(ctx, trial=None, limit=1).trial
    for who, limit in ((trial, 1), (trial, 4), (trial, 200), (None, 7)):
        whole = entries(ctx, trial=who, limit=100_000)
        assert len(whole) >= 15  # created ... imported, then nine voids
        out: list[tuple[Any, ...]] = []
        offset = 0
        while offset < len(whole):
            page = audit_page(ctx, trial=who, offset=offset, limit=limit)
            assert (page.total, page.offset) == (len(whole), offset)
            assert (page.first, page.last) == (offset + 1, offset + len(page.rows))
            out += [_audit_row(e) for e in page.rows]
            offset += limit
        assert out == [_audit_row(e) for e in whole]
        last = audit_page(ctx, trial=who, offset=None, limit=limit)
        assert last.offset == (len(whole) - 1) // limit * limit
        assert [_audit_row(e) for e in last.rows] == [_audit_row(e)
                                                       for e in whole[last.offset:]]


def test_audit_page_of_no_entries_and_bad_input(ctx) -> None:  # type: ignore[no-untyped-def]
    page = audit_page(ctx, trial="nothing-here", offset=None)
    assert (page.total, page.offset, page.rows, page.first, page.last) == (0, 0, (), 0, 0)
    with pytest.raises(InputError) as err:
        audit_page(ctx, offset="-1", limit="lots")
    fields = sorted(p.field or "" for p in err.value.problems)
    assert fields == ["limit", "offset"]
    with pytest.raises(InputError) as err:
        audit_page(ctx, offset=-3, limit=5000)
    assert sorted(p.field or "" for p in err.value.problems) == ["limit", "offset"]


    with pytest.raises(InputError) as err:
        ad_page(ctx, trial=None, offset="x", limit=0)
    assert sorted(p.field or "" for p in err.value.problems) == ["limit", "offset"]
