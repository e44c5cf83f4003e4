"""A day by hour heatmap of counts, in shaded blocks."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

SHADES = " ░▒▓█"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class Heatmap(Static):
    """Rows are days, columns hours; cells shaded by count relative to the largest."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__("", **kwargs)  # type: ignore[arg-type]

    def show(self, grid: Sequence[Sequence[int]], *, wide: bool = False) -> None:
        top = max((max(row) for row in grid), default=0)
        cell = 3 if wide else 2
        text = Text("     ")
        for h in range(24):
            text.append(f"{h:<{cell}}" if h % (1 if wide else 3) == 0 else " " * cell,
                        style="dim")
        text.append("\n")
        for day, row in zip(DAYS, grid, strict=False):
            text.append(f"{day}  ", style="bold")
            for n in row:
                level = 0 if top == 0 or n == 0 else 1 + int(3 * n / top - 1e-9)
                text.append(SHADES[min(level, 4)] * cell, style="orange1")
            text.append(f"  {sum(row)}\n", style="dim")
        text.append(f"\nlightest ░ to darkest █ = {top} records in one hour of the week",
                    style="dim")
        self.update(text)
