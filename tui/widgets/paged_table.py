"""A data table that adds its rows a page at a time, as the cursor nears the end."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.widgets import DataTable

PAGE = 500


class PagedTable(DataTable[Any]):
    """Holds every row but shows them in pages, so 100,000 rows open at once and scroll freely.

    ``show(columns, rows, keys)`` replaces the contents; moving the cursor into the last
    page (or scrolling to the bottom) adds the next.
    """

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", True)
        super().__init__(**kwargs)
        self._pending: list[Sequence[Any]] = []
        self._keys: list[str | None] = []
        self._shown = 0

    @property
    def total(self) -> int:
        return len(self._pending)

    def show(self, columns: Sequence[str], rows: Sequence[Sequence[Any]],
             keys: Sequence[str | None] | None = None) -> None:
        self.clear(columns=True)
        self.add_columns(*columns)
        self._pending = list(rows)
        self._keys = list(keys) if keys is not None else [None] * len(self._pending)
        self._shown = 0
        self.more()

    def more(self) -> None:
        start = self._shown
        # Advance first: adding rows moves the cursor, whose watcher calls back here.
        self._shown = end = min(start + PAGE, len(self._pending))
        for i in range(start, end):
            self.add_row(*self._pending[i], key=self._keys[i])

    def watch_cursor_coordinate(self, old: Any, new: Any) -> None:
        super().watch_cursor_coordinate(old, new)
        if self._shown < len(self._pending) and new.row >= self._shown - 50:
            self.more()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if self._shown < len(self._pending) and new >= self.max_scroll_y - self.size.height:
            self.call_after_refresh(self.more)
