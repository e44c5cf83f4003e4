"""Load a draft trial's hot spots from CSV or GeoJSON; problems by line."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Footer, Header, LoadingIndicator, Static

from tui.screens.base import ServiceScreen
from tui.widgets.file_chooser import FileChooser


class SpotsImportScreen(ServiceScreen):
    """A spots file in; the count, or every problem with its line and column."""

    TITLE_TEXT = "Import hot spots"
    HELP = ("Type the path of a spots file (CSV with spot_id, name, lat/lon or x/y, radius_m "
            "and attributes; or GeoJSON) and press Enter, or Browse for it. The import is "
            "atomic: a file with any invalid row changes nothing, and every problem is "
            "listed with its line (the header is line 1) and column. Spots can be added while "
            "the trial is a draft; registering freezes them.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+r", "app.open('register')", "Register next")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Import hot spots into {self.trial}", classes="screen-title")
        yield FileChooser(start=self.spotlight.start_dir, placeholder="spots.csv or .geojson")
        yield LoadingIndicator(id="working")
        yield Static("", id="spots-result", classes="note")
        yield DataTable(id="spot-problems", cursor_type="row", classes="tall")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#spot-problems", DataTable)
        table.border_title = "Problems by line"
        table.add_columns("line", "column", "problem")
        table.display = False
        self.query_one("#working").display = False
        self.query_one(FileChooser).input.focus()

    @on(FileChooser.Chosen)
    def file_chosen(self, event: FileChooser.Chosen) -> None:
        from trial.service.spots import import_spots

        self.query_one("#working").display = True
        self.query_one("#spots-result", Static).update(f"Importing {event.path.name} ...")
        self.ask("spots", _import, fn=import_spots, trial=self.trial, path=event.path)

    def answered_spots(self, result: tuple[int, int, str]) -> None:
        added, total, name = result
        self.query_one("#working").display = False
        self.query_one("#spot-problems", DataTable).display = False
        self.query_one("#spots-result", Static).update(
            f"[green]Imported {added} spots from {name}[/]; the trial now has {total}. "
            "Press ctrl+r to check separation and register, or import another file.")

    def refused_spots(self, problems: list[Any], message: str) -> None:
        self.query_one("#working").display = False
        table = self.query_one("#spot-problems", DataTable)
        table.clear()
        table.display = True
        for p in problems:
            table.add_row("" if p.line is None else str(p.line), p.field or "", p.what)
        if not problems:
            table.add_row("", "", message)
        self.query_one("#spots-result", Static).update(
            f"[red]{len(problems) or 1} problem(s): nothing was imported.[/]")


def _import(ctx: Any, *, fn: Any, trial: str | None, path: Path) -> tuple[int, int, str]:
    from trial.service.trials import list_trials

    added = int(fn(ctx, trial=trial, path=path))
    total = next((t.spots for t in list_trials(ctx) if t.trial == trial), added)
    return added, total, path.name
