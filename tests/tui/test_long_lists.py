"""Long lists page through the service: walked with the keys, the pages are the full listing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.tui.conftest import settle
from trial.service.audit_trail import entries
from trial.service.fieldwork import list_sessions
from trial.service.fieldwork_ads import import_ads
from trial.service.spots import list_spots
from tui.app import make_app
from tui.widgets.paged_table import PagedTable

TRIAL = "leeds-nte-demo"
ADS = "spot_id,platform,start,end,impressions,clicks,spend\n"


async def _walk(app: Any, pilot: Any, table: PagedTable) -> list[tuple[str, ...]]:
    """Every row, page after page: down on each page's last row brings the next."""
    rows: list[tuple[str, ...]] = []
    while True:
        rows += [tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
        if table.page_offset + table.row_count >= table.total:
            return rows
        table.move_cursor(row=table.row_count - 1)
        before = table.page_offset
        await pilot.press("down")
        await settle(app, pilot)
        assert table.page_offset == before + table.page_size and table.cursor_row == 0


async def _open(app: Any, pilot: Any, screen: Any, table_id: str) -> PagedTable:
    await settle(app, pilot)
    app.choose_trial(TRIAL, "randomised")
    await app.push_screen(screen)
    await settle(app, pilot)
    table: PagedTable = screen.query_one(table_id, PagedTable)
    table.page_size = 4
    table.fetch([str(c.label) for c in table.columns.values()])
    table.focus()
    await settle(app, pilot)
    return table


async def test_ad_sessions_page_through_the_service(demo_ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tui.screens.ads import AdsScreen

    spots = [s["spot_id"] for s in list_spots(demo_ctx, trial=TRIAL)][:6]
    ads = tmp_path / "ads.csv"
    ads.write_text(ADS + "".join(
        f"{spots[k % 6]},tiktok,2024-02-0{1 + k % 9} 2{k % 4}:00,2024-02-0{1 + k % 9} "
        f"23:30,{100 * k},{k},{k * 1.25:.2f}\n" for k in range(19)), encoding="utf-8")
    import_ads(demo_ctx, trial=TRIAL, path=ads, fmt="spotlight")
    whole = list_sessions(demo_ctx, trial=TRIAL, kind="ad")
    assert len(whole) == 19
    app = make_app(ctx=demo_ctx, start_dir=tmp_path)
    async with app.run_test(size=(110, 36)) as pilot:
        table = await _open(app, pilot, AdsScreen(), "#ad-sessions")
        assert (table.total, table.row_count, str(table.border_subtitle)) == (
            19, 4, "rows 1-4 of 19")
        assert await _walk(app, pilot, table) == [
            (str(r["session_id"]), r["spot_id"], r["platform"], r["start"][:16].replace("T", " "),
             f"{r['impressions']:,}", f"£{r['spend_gbp']:.2f}", ", ".join(r["flags"]),
             r["hours_compliance"] or "") for r in whole]
        await pilot.press("ctrl+home")
        await settle(app, pilot)
        assert (table.page_offset, table.get_row_at(0)[0]) == (0, str(whole[0]["session_id"]))
        await pilot.press("ctrl+end")
        await settle(app, pilot)
        assert (table.page_offset, str(table.border_subtitle)) == (16, "rows 17-19 of 19")


async def test_audit_trail_pages_through_the_service(demo_ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tui.screens.audit import AuditScreen

    whole = entries(demo_ctx, trial=TRIAL, limit=100_000)
    assert len(whole) > 4
    app = make_app(ctx=demo_ctx, start_dir=tmp_path)
    async with app.run_test(size=(110, 36)) as pilot:
        table = await _open(app, pilot, AuditScreen(), "#entries")
        assert (table.total, table.row_count) == (len(whole), 4)
        assert await _walk(app, pilot, table) == [
            (str(e["id"]), str(e["at"])[:19], e["actor"], e["action"], e["entity"],
             e["hash"][:12]) for e in whole]
