"""Choose a spot by typing part of its id or name."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.events import Key
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

SHOWN = 6


class SpotPicker(Vertical):
    """An input that lists the spots matching what is typed; Enter takes the highlighted one."""

    DEFAULT_CSS = """
    SpotPicker { height: auto; }
    SpotPicker > OptionList { height: auto; max-height: 6; display: none; }
    SpotPicker.-open > OptionList { display: block; }
    """

    @dataclass
    class Picked(Message):
        picker: SpotPicker
        spot_id: str

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.spots: list[tuple[str, str, str | None]] = []

    def compose(self) -> ComposeResult:
        yield Input(placeholder="type part of the spot's id or name", id="spot", compact=True)
        yield OptionList()

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def options(self) -> OptionList:
        return self.query_one(OptionList)

    @property
    def value(self) -> str:
        return self.input.value.strip()

    def set_spots(self, spots: list[tuple[str, str, str | None]]) -> None:
        self.spots = spots

    def matches(self, text: str) -> list[tuple[str, str, str | None]]:
        words = text.lower().split()
        return [s for s in self.spots
                if all(w in f"{s[0]} {s[1]}".lower() for w in words)][:50]

    @on(Input.Changed)
    def typed(self, event: Input.Changed) -> None:
        event.stop()
        found = self.matches(event.value)
        exact = any(s[0] == event.value.strip() for s in found)
        self.options.clear_options()
        self.options.add_options([Option(f"{s[0]}  {s[1]}  ({s[2] or '-'})", id=s[0])
                                  for s in found])
        if found:
            self.options.highlighted = 0
        self.set_class(bool(found) and bool(event.value.strip()) and not exact, "-open")

    def on_key(self, event: Key) -> None:
        if not self.has_class("-open"):
            return
        if event.key in ("down", "up"):
            event.stop()
            event.prevent_default()
            if event.key == "down":
                self.options.action_cursor_down()
            else:
                self.options.action_cursor_up()
        elif event.key in ("enter", "tab"):
            self.take_highlighted()

    def take_highlighted(self) -> None:
        index = self.options.highlighted
        if index is None or not self.has_class("-open"):
            return
        spot_id = self.options.get_option_at_index(index).id
        if spot_id is not None:
            with self.input.prevent(Input.Changed):
                self.input.value = spot_id
            self.remove_class("-open")
            self.post_message(self.Picked(self, spot_id))

    @on(OptionList.OptionSelected)
    def clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.take_highlighted()
