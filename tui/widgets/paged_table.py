"""A data table that holds one page of a long list and moves through it page by page."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from rich.cells import cell_len
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets._data_table import RowKey

PAGE = 200

Cursor = int | Literal["last"]


@dataclass(frozen=True)
class _Request:
    token: int
    offset: int | None
    cursor: Cursor


class PagedTable(DataTable[Any]):
    """One page of rows at a time (``page_size``), so 100,000 rows open and move at once.

    Two ways to fill it:

    - ``show(columns, rows, keys)`` hands over every row; pages are cut from them here.
    - ``fetch(columns)`` leaves the rows where they are: the table posts :class:`Wanted`
      for each page it needs, the screen fetches it in a worker and answers with
      :meth:`show_page`. No key press waits for the database.

    Down or pagedown on the last row brings the next page, up or pageup on the first row the
    previous one, ctrl+end the last page and ctrl+home the first. The border's subtitle
    says which rows are shown ("rows 201-400 of 100,000") when there is more than one page.
    """

    @dataclass
    class Wanted(Message):
        """The page starting at ``offset`` (None: the last page) is needed."""

        table: PagedTable
        token: int
        offset: int | None

        @property
        def control(self) -> PagedTable:
            return self.table

    def __init__(self, *, page_size: int = PAGE, **kwargs: Any) -> None:
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", True)
        super().__init__(**kwargs)
        self.page_size = page_size
        self._columns: tuple[str, ...] = ()
        self._rows: list[Sequence[Any]] | None = None
        self._keys: list[str | None] = []
        self._offset = 0
        self._total = 0
        self._token = 0
        self._loading: _Request | None = None
        self._measured = False

    @property
    def total(self) -> int:
        """Rows in the whole list (all pages)."""
        return self._total

    @property
    def page_offset(self) -> int:
        """How many rows come before the page shown."""
        return self._offset

    @property
    def span(self) -> str:
        """``rows A-B of N`` for the page shown."""
        if not self.row_count:
            return f"no rows of {self._total:,}"
        return f"rows {self._offset + 1:,}-{self._offset + self.row_count:,} of {self._total:,}"

    def _set_columns(self, columns: Sequence[str]) -> None:
        if tuple(columns) != self._columns or not self.columns:
            self.clear(columns=True)
            self.add_columns(*columns)
            self._columns = tuple(columns)

    def show(self, columns: Sequence[str], rows: Sequence[Sequence[Any]],
             keys: Sequence[str | None] | None = None) -> None:
        """Every row at hand; the first page is shown."""
        self._set_columns(columns)
        self._rows = list(rows)
        self._keys = list(keys) if keys is not None else [None] * len(self._rows)
        self._total = len(self._rows)
        self._loading = None
        self._want(0, 0)

    def fetch(self, columns: Sequence[str], *, offset: int = 0) -> None:
        """Rows kept elsewhere: ask for the page at ``offset`` (see :class:`Wanted`)."""
        self._set_columns(columns)
        self._rows = None
        self._loading = None
        self._want(offset, 0)

    def reload(self) -> None:
        """The page shown, again (after a change), with the cursor where it was."""
        self._loading = None
        self._want(self._offset, self.cursor_row)

    def show_page(self, token: int, offset: int, total: int, rows: Sequence[Sequence[Any]],
                  keys: Sequence[str | None] | None = None) -> bool:
        """The answer to :class:`Wanted` ``token``; False (and nothing shown) when a newer
        page was asked for since."""
        if self._loading is None or token != self._loading.token:
            return False
        cursor = self._loading.cursor
        self._loading = None
        self._display(offset, total, rows, keys, cursor)
        return True

    def _want(self, offset: int | None, cursor: Cursor) -> None:
        if self._rows is not None:
            total = len(self._rows)
            at = self._last_offset(total) if offset is None else min(offset,
                                                                     self._last_offset(total))
            end = at + self.page_size
            self._display(at, total, self._rows[at:end], self._keys[at:end], cursor)
            return
        if self._loading is not None and (self._loading.offset, self._loading.cursor) == (
                offset, cursor):
            return  # already on its way
        self._token += 1
        self._loading = _Request(self._token, offset, cursor)
        self.post_message(self.Wanted(self, self._token, offset))

    def _last_offset(self, total: int) -> int:
        return max(0, (total - 1) // self.page_size * self.page_size)

    def _display(self, offset: int, total: int, rows: Sequence[Sequence[Any]],
                 keys: Sequence[str | None] | None, cursor: Cursor) -> None:
        self.clear()
        self._offset, self._total = offset, total
        ks: Sequence[str | None] = keys if keys is not None else [None] * len(rows)
        for row, key in zip(rows, ks, strict=True):
            self.add_row(*row, key=key)
        self._measured = self._measure(rows)
        self.border_subtitle = self.span if total > self.page_size else ""
        if rows:
            row_at = len(rows) - 1 if cursor == "last" else min(max(cursor, 0), len(rows) - 1)
            self.move_cursor(row=row_at, animate=False)

    def _measure(self, rows: Sequence[Sequence[Any]]) -> bool:
        """Widen the columns to the page's plain text, as the table would measure it, and
        say whether every cell was plain text (else the table measures the page itself)."""
        columns = self.ordered_columns
        widths = [0] * len(columns)
        for row in rows:
            for i, cell in enumerate(row):
                # Plain strings without markup or emoji codes measure as their cell length;
                # anything else is left to the table.
                if (type(cell) is not str or "[" in cell or "\n" in cell or "\t" in cell
                        or cell.count(":") > 1):
                    return False
                n = cell_len(cell)
                if n > widths[i]:
                    widths[i] = n
        for column, width in zip(columns, widths, strict=False):
            column.content_width = max(column.content_width, width)
        return True

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        # A page of plain text was measured when shown (one cell_len per cell): the table
        # then needs only its size, not a Rich renderable and a measure per cell.
        if self._measured:
            self._measured = False
            new_rows = ()
        super()._update_dimensions(new_rows)

    # ------------------------------------------------------------------ keys

    def _more_after(self) -> bool:
        return self._offset + self.row_count < self._total

    def _at_last_row(self) -> bool:
        return self.cursor_row >= self.row_count - 1

    def action_cursor_down(self) -> None:
        if self._at_last_row() and self._more_after():
            self._want(self._offset + self.page_size, 0)
        else:
            super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.cursor_row == 0 and self._offset > 0:
            self._want(max(0, self._offset - self.page_size), "last")
        else:
            super().action_cursor_up()

    def action_page_down(self) -> None:
        if self._at_last_row() and self._more_after():
            self._want(self._offset + self.page_size, 0)
        else:
            super().action_page_down()

    def action_page_up(self) -> None:
        if self.cursor_row == 0 and self._offset > 0:
            self._want(max(0, self._offset - self.page_size), "last")
        else:
            super().action_page_up()

    def action_scroll_bottom(self) -> None:
        if self._more_after():
            self._want(None, "last")
        else:
            super().action_scroll_bottom()

    def action_scroll_top(self) -> None:
        if self._offset > 0:
            self._want(0, 0)
        else:
            super().action_scroll_top()
