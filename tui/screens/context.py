"""Record context at a spot: closures, other interventions, incidents."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, DataTable, Footer, Header, Input, Select, Static

from tui.screens.base import ServiceScreen
from tui.widgets.form_field import FormField
from tui.widgets.spot_picker import SpotPicker

KINDS = [("incident", "incident"), ("closure (shortens exposure)", "closure"),
         ("other intervention", "intervention")]
FIELDS = {"spot": "spot", "kind": "kind", "from": "from", "to": "to", "text": "text"}


class ContextScreen(ServiceScreen):
    """A form for one note, and the notes so far."""

    TITLE_TEXT = "Record context"
    HELP = ("Note what happened at a spot that the analysis should know: a closure "
            "(the venue shut: it shortens the spot's exposure), another intervention, or an "
            "incident. Dates are local, both inclusive; leave 'to' blank while it goes on. "
            "ctrl+s saves.")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+s", "save", "Save")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Context at the spots of {self.trial}", classes="screen-title")
        with VerticalScroll(classes="body"):
            yield FormField("Spot", SpotPicker(), field="spot")
            with Horizontal(id="visit-form"):
                yield FormField("Kind", Select(KINDS, value="incident", allow_blank=False,
                                               id="kind"), field="kind")
                yield FormField("What happened", Input(id="text"), field="text")
                yield FormField("From (YYYY-MM-DD)", Input(id="from"), field="from")
                yield FormField("To (blank: ongoing)", Input(id="to"), field="to")
            yield Button("Save", id="save", variant="primary")
            yield Static("", id="context-result", classes="note")
            yield DataTable(id="context-list", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        from trial.service.app_views import spot_choices

        table = self.query_one("#context-list", DataTable)
        table.border_title = "Context so far"
        table.add_columns("spot", "kind", "from", "to", "what")
        self.query_one(SpotPicker).input.focus()
        self.ask("spots", spot_choices, trial=self.trial)
        self.load()

    def answered_spots(self, spots: list[tuple[str, str, str | None]]) -> None:
        self.query_one(SpotPicker).set_spots(spots)

    def load(self) -> None:
        from trial.service.fieldwork_report import list_context

        self.ask("list", list_context, trial=self.trial)

    def answered_list(self, rows: list[dict[str, Any]]) -> None:
        table = self.query_one("#context-list", DataTable)
        table.clear()
        for c in rows:
            table.add_row(c["spot_id"], c["kind"], c["from"], c["to"] or "ongoing", c["text"])

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        from trial.service.fieldwork_report import add_context

        self.query_one(SpotPicker).take_highlighted()
        for f in self.query(FormField):
            f.show_error(None)
        to = self.query_one("#to", Input).value.strip()
        self.ask("save", add_context, trial=self.trial, spot=self.query_one(SpotPicker).value,
                 kind=str(self.query_one("#kind", Select).value),
                 date_from=self.query_one("#from", Input).value, date_to=to or None,
                 text=self.query_one("#text", Input).value)

    def answered_save(self, row: dict[str, Any]) -> None:
        self.query_one("#context-result", Static).update(
            f"[green]Saved[/]: {row['kind']} at {row['spot_id']} from {row['from']}.")
        self.load()

    def refused_save(self, problems: list[Any], message: str) -> None:
        for p in problems:
            name = FIELDS.get(p.field or "")
            if name:
                self.query_one(f"#field-{name}", FormField).show_error(p.what)
        self.query_one("#context-result", Static).update(
            "[red]Not saved.[/]" + ("" if problems else f" {message}"))
