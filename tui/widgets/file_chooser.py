"""A path input with a Browse button that opens a directory tree."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Input

from tui.widgets.path_picker import PathPickerScreen


class FileChooser(Horizontal):
    """Type a path and press Enter, or Browse for it; posts :class:`FileChooser.Chosen`."""

    DEFAULT_CSS = """
    FileChooser { height: auto; }
    FileChooser > Input { width: 1fr; }
    FileChooser > Button { min-width: 10; }
    """

    @dataclass
    class Chosen(Message):
        chooser: FileChooser
        path: Path

    def __init__(self, *, start: Path, placeholder: str, id: str | None = None) -> None:
        super().__init__(id=id)
        self.start, self.placeholder = start, placeholder

    def compose(self) -> ComposeResult:
        yield Input(placeholder=self.placeholder, classes="path")
        yield Button("Browse", classes="browse")

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def path(self) -> Path | None:
        text = self.input.value.strip()
        return Path(text).expanduser() if text else None

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.path is not None:
            self.post_message(self.Chosen(self, self.path))

    @on(Button.Pressed, ".browse")
    def browse(self, event: Button.Pressed) -> None:
        event.stop()
        self.app.push_screen(PathPickerScreen(self.start), self._picked)

    def _picked(self, path: Path | None) -> None:
        if path is not None:
            self.input.value = str(path)
            self.post_message(self.Chosen(self, path))
