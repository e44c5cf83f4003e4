"""Choose a file: type its path, or pick it in a directory tree."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DirectoryTree, Static


class PathPickerScreen(ModalScreen[Path | None]):
    """A directory tree from ``start``; Enter on a file chooses it, Escape cancels."""

    DEFAULT_CSS = """
    PathPickerScreen { align: center middle; }
    PathPickerScreen > Vertical {
        width: 90%; height: 85%; border: thick $accent; background: $surface;
    }
    PathPickerScreen DirectoryTree { height: 1fr; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, start: Path, *, title: str = "Choose a file") -> None:
        super().__init__()
        self.start, self.title_text = start, title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"{self.title_text} (Enter chooses, Escape cancels)")
            yield DirectoryTree(self.start)

    def on_mount(self) -> None:
        self.query_one(DirectoryTree).focus()

    @on(DirectoryTree.FileSelected)
    def chosen(self, event: DirectoryTree.FileSelected) -> None:
        self.dismiss(Path(event.path))

    def action_cancel(self) -> None:
        self.dismiss(None)
