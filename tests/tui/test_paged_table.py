"""The paged table: one page held at a time, moved by keys, pages fetched on request."""

from __future__ import annotations

from textual import on
from textual.app import App, ComposeResult

from tui.widgets.paged_table import PagedTable

ROWS = [(str(i), f"row {i}") for i in range(1, 451)]  # 450 rows: pages of 200, 200, 50


class Held(App[None]):
    def compose(self) -> ComposeResult:
        yield PagedTable(id="t")

    def on_mount(self) -> None:
        t = self.query_one(PagedTable)
        t.focus()
        t.show(["n", "text"], ROWS, [r[0] for r in ROWS])


class Fetched(App[None]):
    """Answers each Wanted page later, as a screen's worker would."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[int | None] = []

    def compose(self) -> ComposeResult:
        yield PagedTable(id="t", page_size=100)

    def on_mount(self) -> None:
        t = self.query_one(PagedTable)
        t.focus()
        t.fetch(["n", "text"])

    @on(PagedTable.Wanted)
    def wanted(self, message: PagedTable.Wanted) -> None:
        self.asked.append(message.offset)
        at = 400 if message.offset is None else message.offset
        rows = ROWS[at:at + 100]
        self.set_timer(0.01, lambda: message.table.show_page(
            message.token, at, len(ROWS), rows, [r[0] for r in rows]))


def shown(t: PagedTable) -> tuple[str, str, int, str]:
    """First and last row shown, the cursor's row, the border subtitle."""
    return (str(t.get_row_at(0)[0]), str(t.get_row_at(t.row_count - 1)[0]), t.cursor_row,
            str(t.border_subtitle))


async def test_held_rows_move_page_by_page() -> None:
    app = Held()
    async with app.run_test(size=(60, 20)) as pilot:
        t = app.query_one(PagedTable)
        assert (t.total, t.row_count) == (450, 200)
        assert shown(t) == ("1", "200", 0, "rows 1-200 of 450")
        await pilot.press("ctrl+end")
        assert shown(t) == ("401", "450", 49, "rows 401-450 of 450")
        await pilot.press("ctrl+end", "down")  # already at the end: stays
        assert shown(t) == ("401", "450", 49, "rows 401-450 of 450")
        await pilot.press("ctrl+home")
        assert shown(t) == ("1", "200", 0, "rows 1-200 of 450")
        t.move_cursor(row=198)
        await pilot.press("down")
        assert shown(t) == ("1", "200", 199, "rows 1-200 of 450")
        await pilot.press("down")  # the next page, its first row
        assert shown(t) == ("201", "400", 0, "rows 201-400 of 450")
        await pilot.press("up")  # the previous page, its last row
        assert shown(t) == ("1", "200", 199, "rows 1-200 of 450")
        await pilot.press("down", "pageup")
        assert shown(t) == ("1", "200", 199, "rows 1-200 of 450")
        await pilot.press("ctrl+home", "ctrl+home")
        assert shown(t) == ("1", "200", 0, "rows 1-200 of 450")
        await pilot.press(*["pagedown"] * 30)  # walks the page, then brings the next
        assert t.page_offset == 400 and t.get_row_at(t.cursor_row)[0] == "450"


async def test_short_lists_are_one_page_without_a_subtitle() -> None:
    app = Held()
    async with app.run_test(size=(60, 20)) as pilot:
        t = app.query_one(PagedTable)
        t.show(["n", "text"], ROWS[:5])
        await pilot.press("ctrl+end", "pagedown", "down")
        assert (t.row_count, t.total, t.cursor_row, str(t.border_subtitle)) == (5, 5, 4, "")


async def test_fetched_pages_arrive_later_and_stale_answers_are_dropped() -> None:
    app = Fetched()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause(0.05)
        t = app.query_one(PagedTable)
        assert shown(t) == ("1", "100", 0, "rows 1-100 of 450") and app.asked == [0]
        await pilot.press("ctrl+end")
        await pilot.pause(0.05)
        assert shown(t) == ("401", "450", 49, "rows 401-450 of 450") and app.asked == [0, None]
        await pilot.press("up")
        await pilot.pause(0.05)
        assert shown(t) == ("401", "450", 48, "rows 401-450 of 450")
        await pilot.press("ctrl+home")
        await pilot.pause(0.05)
        assert shown(t) == ("1", "100", 0, "rows 1-100 of 450") and app.asked[-1] == 0
        # an answer to a request that was overtaken is not shown
        assert not t.show_page(1, 300, 450, ROWS[300:400])
        assert shown(t)[0] == "1"
        t.reload()
        await pilot.pause(0.05)
        assert shown(t) == ("1", "100", 0, "rows 1-100 of 450")
