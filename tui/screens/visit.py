"""Log a patrol visit: quick from the keyboard, errors beside the field, flags before saving."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Header, Input, Select, Static

from tui.screens.base import ServiceScreen
from tui.widgets.confirm import ConfirmScreen
from tui.widgets.form_field import FormField
from tui.widgets.spot_picker import SpotPicker

PURPOSES = [("directed (the trial's patrol)", "directed"), ("business as usual", "bau"),
            ("response to a call", "response"), ("override (give a reason)", "override")]
FIELDS = {"spot_id": "spot", "spot": "spot", "start": "start", "end": "end",
          "officer": "officer", "officers": "officers", "purpose": "purpose",
          "reason": "reason", "mode": "purpose"}


class VisitScreen(ServiceScreen):
    """The patrol visit form."""

    TITLE_TEXT = "Log a visit"
    HELP = ("Type part of the spot's id or name and press Enter to take the highlighted "
            "match. Start is now minus the usual visit and end is now (local time, "
            "YYYY-MM-DD HH:MM); the officer is remembered. Tab moves between fields; "
            "ctrl+s saves. Problems show beside their field and nothing is saved. Flags "
            "(contamination: a directed visit to a spot whose arm gets no patrol; outside "
            "the treatment window or patrol hours) are shown before saving, with the "
            "choice to save anyway.")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+s", "save", "Save"),
                                             Binding("ctrl+l", "app.open('sessions')",
                                                     "Visits")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Log a patrol visit in {self.trial}", classes="screen-title")
        with VerticalScroll(classes="body"):
            yield FormField("Spot", SpotPicker(id="spot-picker"), field="spot")
            with Horizontal(id="visit-form"):
                yield FormField("Start", Input(id="start", compact=True), field="start")
                yield FormField("End", Input(id="end", compact=True), field="end")
                yield FormField("Officer", Input(self.spotlight.officer, id="officer",
                                                 placeholder="collar number", compact=True),
                                field="officer")
                yield FormField("Officers", Input("1", id="officers", compact=True),
                                field="officers")
                yield FormField("Purpose", Select(PURPOSES, value="directed",
                                                  allow_blank=False, id="purpose", compact=True),
                                field="purpose")
                yield FormField("Reason (override only)", Input(id="reason", compact=True),
                                field="reason")
            yield Static("", id="flags")
            with Horizontal(classes="buttons"):
                yield Button("Save", id="save", variant="primary")
            yield Static("", id="visit-result", classes="note")
        yield Footer()

    @property
    def picker(self) -> SpotPicker:
        return self.query_one(SpotPicker)

    def on_mount(self) -> None:
        from trial.service.app_views import visit_defaults

        self.picker.input.focus()
        self.ask("defaults", visit_defaults, trial=self.trial)

    def answered_defaults(self, d: dict[str, Any]) -> None:
        self.picker.set_spots(d["spots"])
        self.query_one("#start", Input).value = d["start"]
        self.query_one("#end", Input).value = d["end"]
        self.query_one("#start", Input).tooltip = f"local time ({d['timezone']})"

    @on(SpotPicker.Picked)
    def spot_picked(self) -> None:
        self.query_one("#start", Input).focus()

    @on(Input.Submitted)
    def next_field(self, event: Input.Submitted) -> None:
        if event.input.id == "spot":
            return
        self.focus_next()

    def form(self) -> dict[str, Any]:
        value = {k: self.query_one(f"#{k}", Input).value
                 for k in ("start", "end", "officer", "officers", "reason")}
        return {"trial": self.trial, "spot": self.picker.value,
                "purpose": str(self.query_one("#purpose", Select).value), **value}

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        from trial.service.app_views import preview_patrol

        self.picker.take_highlighted()
        self.clear_errors()
        self.ask("preview", preview_patrol, **self.form())

    def clear_errors(self) -> None:
        for f in self.query(FormField):
            f.show_error(None)
        self.query_one("#flags", Static).update("")

    def answered_preview(self, preview: dict[str, Any]) -> None:
        flags = preview["flags"]
        if not flags:
            self.save()
            return
        text = ", ".join(f.replace("_", " ") for f in flags)
        self.query_one("#flags", Static).update(f"Flags: {text}")
        self.app.push_screen(ConfirmScreen(
            "Save this visit anyway?",
            f"It will be stored with these flags: {text}. Flagged visits count in the "
            "fidelity report (contamination is reported as an alert).", yes="Save anyway"),
            self._flags_confirmed)

    def _flags_confirmed(self, yes: bool | None) -> None:
        if yes:
            self.save()

    def save(self) -> None:
        from trial.service.fieldwork import log_patrol

        self.ask("save", log_patrol, **self.form())

    def refused_preview(self, problems: list[Any], message: str) -> None:
        other = []
        for p in problems:
            name = FIELDS.get(p.field or "")
            if name:
                self.query_one(f"#field-{name}", FormField).show_error(p.what)
            else:
                other.append(str(p))
        invalid = self.query("FormField.-invalid")
        if invalid:
            widget = invalid.first(FormField).widget
            (widget.input if isinstance(widget, SpotPicker) else widget).focus()
        if other or not problems:
            self.query_one("#visit-result", Static).update(
                "[red]" + ("\n".join(other) or message) + "[/]")
        else:
            self.query_one("#visit-result", Static).update("[red]Not saved: see above.[/]")

    refused_save = refused_preview

    def answered_save(self, logged: Any) -> None:
        form = self.form()
        self.spotlight.officer = form["officer"]
        flags = f" (flags: {', '.join(logged.flags)})" if logged.flags else ""
        self.query_one("#visit-result", Static).update(
            f"[green]Saved visit {logged.session_id}[/] at {form['spot']}, {form['start']} to "
            f"{form['end']}{flags}. Log the next one, or press Escape.")
        self.notify(f"Saved visit {logged.session_id}")
        self.picker.input.value = ""
        self.query_one("#flags", Static).update("")
        self.picker.input.focus()
