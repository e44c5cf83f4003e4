"""A labelled form field with its error shown beside it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Label, Static


class FormField(Vertical):
    """A label, the input widget and a line for its error (hidden while there is none)."""

    DEFAULT_CSS = """
    FormField { height: auto; margin-bottom: 0; }
    FormField > Label { color: $text-muted; }
    FormField > .field-error { color: $error; display: none; }
    FormField.-invalid > .field-error { display: block; }
    FormField.-invalid > Input { border: tall $error; }
    FormField.-invalid > Input.-textual-compact { border: none; background: $error 20%; }
    """

    def __init__(self, label: str, widget: Widget, *, field: str) -> None:
        super().__init__(id=f"field-{field}")
        self.label, self.widget, self.field = label, widget, field

    def compose(self) -> ComposeResult:
        yield Label(self.label)
        yield self.widget
        yield Static("", classes="field-error")

    def show_error(self, text: str | None) -> None:
        self.set_class(bool(text), "-invalid")
        self.query_one(".field-error", Static).update(text or "")
