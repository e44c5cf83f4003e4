"""Session pages: the same rows as list_sessions, page by page, filtered the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.service.test_fieldwork import setup_trial
from trial.errors import InputError, RefusedError
from trial.service import fieldwork as fw
from trial.service import fieldwork_ads as fa
from trial.service.session_pages import SessionPage, session_page

pytestmark = pytest.mark.storage

PURPOSES = ("directed", "directed", "bau", "response", "override")


def generated_sessions(ctx: Any, tmp_path: Path, arms: dict[str, list[str]], *, seed: int,
                       patrols: int = 70, ads: int = 40, voids: int = 9) -> None:
    """Random patrol visits and ad rows over the treatment window (some at the very same
    start, so the order falls back on the id), imported, then some voided."""
    rng = np.random.default_rng(seed)
    spots = [s for a in arms.values() for s in a]
    lines = ["spot_id,start,end,officer,officers,purpose,mode,source,notes,reason"]
    for k in range(patrols):
        day = 8 + int(rng.integers(0, 85))
        minute = int(rng.integers(0, 4)) * 15
        length = int(rng.integers(5, 40))
        purpose = PURPOSES[int(rng.integers(0, len(PURPOSES)))]
        reason = "asked by the inspector" if purpose == "override" else ""
        start = np.datetime64("2024-01-01T20:00") + np.timedelta64(day, "D") + np.timedelta64(
            minute, "m")
        end = start + np.timedelta64(length, "m")
        # a distinct officer per visit, so no two visits of one officer overlap
        lines.append(f"{spots[int(rng.integers(0, len(spots)))]},{str(start).replace('T', ' ')},"
                     f"{str(end).replace('T', ' ')},PC{k:03d},{int(rng.integers(1, 3))},"
                     f"{purpose},foot,manual,,{reason}")
    f = tmp_path / "patrols.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fw.import_patrols(ctx, trial=None, path=f)
    rows = ["spot_id,platform,start,end,impressions,clicks,spend,reach,ad_group"]
    for k in range(ads):
        day = 8 + int(rng.integers(0, 85))
        start = np.datetime64("2024-01-01T20:00") + np.timedelta64(day, "D")
        spot = spots[int(rng.integers(0, len(spots)))]
        rows.append(f"{spot},tiktok,{str(start).replace('T', ' ')},"
                    f"{str(start + np.timedelta64(1, 'h')).replace('T', ' ')},"
                    f"{int(rng.integers(0, 3000))},{int(rng.integers(0, 10))},"
                    f"{rng.integers(0, 2000) / 100:.2f},,G-{spot}-{k}")
    g = tmp_path / "ads.csv"
    g.write_text("\n".join(rows) + "\n", encoding="utf-8")
    fa.import_ads(ctx, trial=None, path=g, fmt="spotlight")
    listed = fw.list_sessions(ctx, trial=None)
    for i in rng.choice(len(listed), size=voids, replace=False):
        fw.void_session(ctx, session_id=listed[int(i)]["session_id"], reason=f"void {i}")


def expected(r: dict[str, Any]) -> tuple[Any, ...]:
    patrol = r["kind"] == "patrol"
    return (r["session_id"], r["kind"], r["spot_id"], r["start"], r["end"],
            r.get("officer") if patrol else None, None if patrol else r["platform"],
            r["minutes"] if patrol else None, None if patrol else r["impressions"],
            tuple(r["flags"]), r["void_reason"])


def got(page: SessionPage) -> list[tuple[Any, ...]]:
    return [(x.session_id, x.kind, x.spot_id, x.start, x.end, x.officer, x.platform, x.minutes,
             x.impressions, x.flags, x.void_reason) for x in page.rows]


def walk(ctx: Any, limit: int, **filters: Any) -> list[tuple[Any, ...]]:
    """Every page from the first until the last, checking the counts on the way."""
    whole = fw.list_sessions(ctx, trial=None, **{k: v for k, v in filters.items()
                                                 if k != "voided"})
    if filters.get("voided") is not None:
        whole = [r for r in whole if r["voided"] is filters["voided"]]
    out: list[tuple[Any, ...]] = []
    offset = 0
    while True:
        page = session_page(ctx, trial=None, offset=offset, limit=limit, **filters)
        assert page.total == len(whole)
        assert page.voided == sum(r["voided"] for r in whole)
        assert page.offset == offset or not whole
        assert (page.first, page.last) == ((offset + 1, offset + len(page.rows))
                                           if page.rows else (0, 0))
        out += got(page)
        offset += limit
        if offset >= page.total:
            break
    assert out == [expected(r) for r in whole]
    return out


@pytest.fixture
def busy(ctx, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SPOTLIGHT_KEY_FILE", str(tmp_path / "keys" / "spotlight.key"))
    arms = setup_trial(ctx, tmp_path)
    generated_sessions(ctx, tmp_path, arms, seed=11)
    return ctx, arms


def test_pages_are_list_sessions_in_slices(busy) -> None:  # type: ignore[no-untyped-def]
    ctx, arms = busy
    assert len(walk(ctx, 200)) == 110
    for limit in (1, 7, 50):
        walk(ctx, limit)
    for kind in ("patrol", "ad"):
        walk(ctx, 13, kind=kind)
    spot = arms["physical"][0]
    walk(ctx, 5, spot=spot)
    walk(ctx, 5, kind="patrol", spot=spot)
    assert len(walk(ctx, 4, voided=True)) == 9
    assert len(walk(ctx, 30, voided=False)) == 101
    assert len(walk(ctx, 3, officer="PC007")) == 1
    assert walk(ctx, 3, officer="nobody") == []


def test_last_page_and_offsets_past_the_end(busy) -> None:  # type: ignore[no-untyped-def]
    ctx, _ = busy
    whole = [expected(r) for r in fw.list_sessions(ctx, trial=None)]
    last = session_page(ctx, trial=None, offset=None, limit=25)
    # 110 rows in pages of 25: the last page holds rows 101 to 110
    assert (last.offset, last.first, last.last, last.total) == (100, 101, 110, 110)
    assert got(last) == whole[100:]
    assert got(session_page(ctx, trial=None, offset=500, limit=25)) == whole[100:]
    assert got(session_page(ctx, trial=None, offset="50", limit="10")) == whole[50:60]
    exact = session_page(ctx, trial=None, offset=None, limit=11)
    assert (exact.first, exact.last) == (100, 110)
    empty = session_page(ctx, trial=None, offset=None, kind="ad", spot="NOPE")
    assert (empty.total, empty.offset, empty.rows, empty.first, empty.last) == (0, 0, (), 0, 0)


def test_bad_arguments_name_their_field(busy) -> None:  # type: ignore[no-untyped-def]
    ctx, _ = busy
    with pytest.raises(InputError) as err:
        session_page(ctx, trial=None, offset="-3", limit="0", kind="walk")
    assert sorted(p.field or "" for p in err.value.problems) == ["kind", "limit", "offset"]
    with pytest.raises(InputError) as err:
        session_page(ctx, trial=None, offset="x", limit="5000")
    assert sorted(p.field or "" for p in err.value.problems) == ["limit", "offset"]


def test_pseudonymised_officers_as_list_sessions(ctx, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SPOTLIGHT_KEY_FILE", str(tmp_path / "keys" / "spotlight.key"))
    arms = setup_trial(ctx, tmp_path, pseudonymise_officers=True)
    generated_sessions(ctx, tmp_path, arms, seed=5, patrols=12, ads=3, voids=2)
    rows = walk(ctx, 5)
    assert any(r[5] == "PC003" for r in rows)  # the key holder sees identifiers
    assert len(walk(ctx, 5, officer="pc003")) == 1
    monkeypatch.setenv("SPOTLIGHT_KEY_FILE", str(tmp_path / "elsewhere.key"))
    hidden = walk(ctx, 5)
    assert not any(r[5] and r[5].startswith("PC") for r in hidden)
    with pytest.raises(RefusedError, match="key"):
        session_page(ctx, trial=None, officer="PC003")


def test_pages_with_known_counts_equal_pages_counted_afresh(busy) -> None:  # type: ignore[no-untyped-def]
    ctx, _ = busy
    for filters in ({}, {"kind": "patrol"}, {"voided": True}):
        first = session_page(ctx, trial=None, offset=0, limit=4, **filters)
        counts = (first.total, first.voided)
        assert first.total > 8
        for offset in (0, 4, 7, first.total - 1, first.total, first.total + 40, None):
            fresh = session_page(ctx, trial=None, offset=offset, limit=4, **filters)
            known = session_page(ctx, trial=None, offset=offset, limit=4, counts=counts,
                                 **filters)
            assert known == fresh, (filters, offset)
    empty = session_page(ctx, trial=None, offset=None, kind="ad", spot="NOPE", counts=(0, 0))
    assert (empty.total, empty.offset, empty.rows) == (0, 0, ())
