"""Import crime records with a progress bar; what was placed where; coverage per month."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Input, ProgressBar, Select, Static

from tui.screens.base import ServiceScreen
from tui.widgets.file_chooser import FileChooser


def crime_files(path: Path, fmt: str) -> list[Path]:
    """A file, or every police.uk street file (or CSV) under a folder, in name order."""
    if not path.is_dir():
        return [path]
    pattern = "*-street.csv" if fmt == "police-uk" else "*.csv"
    return sorted(path.rglob(pattern))


class CrimesScreen(ServiceScreen):
    """Crime files in; counts by where they fell; records per month."""

    TITLE_TEXT = "Import crimes"
    HELP = ("Type a police.uk street file, or a folder of them (every *-street.csv under it "
            "is read), and press Enter; or choose the format 'records' for a force extract "
            "and give its column map. The import is atomic; records already stored are "
            "counted as duplicates. Each record is placed in a spot, its catchment, outside, "
            "or unlocatable. The table below shows the records in spots and catchments per "
            "month: a month with none is a gap in the data, not a month without crime.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+o", "app.open('outcomes')", "Outcome table")]

    @dataclass
    class Progressed(Message):
        done: int
        total: int

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Import crimes into {self.trial}", classes="screen-title")
        with Horizontal(classes="path-row"):
            yield Select([("police.uk", "police-uk"), ("force extract", "records")],
                         value="police-uk", allow_blank=False, id="format")
            yield Input(placeholder="column map (records only)", id="map")
        yield FileChooser(start=self.spotlight.start_dir, placeholder="crime file or folder")
        with Horizontal(id="progress-row"):
            yield ProgressBar(id="progress", show_eta=False)
        yield Static("", id="crimes-result", classes="note")
        yield Static("", id="coverage-warnings", classes="note")
        yield DataTable(id="coverage", cursor_type="row", classes="tall")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#coverage", DataTable)
        table.border_title = "Records in spots and catchments, per month"
        table.add_columns("month", "in spots", "in catchments")
        # A bar without a total animates; show an empty, still bar until an import starts.
        self.query_one("#progress", ProgressBar).update(total=1, progress=0)
        self.query_one(FileChooser).input.focus()
        self.load_coverage()

    def load_coverage(self) -> None:
        from trial.service.outcomes import outcome_table

        self.ask("coverage", outcome_table, trial=self.trial, monthly=True)

    def answered_coverage(self, table: Any) -> None:
        per: dict[str, list[int]] = {}
        first: dict[str, str] = {}
        for r in table.rows:
            # The monthly table repeats each month per outcome; count one outcome's records.
            first.setdefault(r["month"], r["outcome"])
            if r["outcome"] == first[r["month"]]:
                cell = per.setdefault(r["month"], [0, 0])
                cell[0] += int(r["count"])
                cell[1] += int(r["catchment_count"])
        grid = self.query_one("#coverage", DataTable)
        grid.clear()
        for month in sorted(per):
            grid.add_row(str(month), str(per[month][0]), str(per[month][1]))
        self.query_one("#coverage-warnings", Static).update(
            "\n".join(f"[yellow]{w}[/]" for w in table.warnings[:3])
            + (f"\n... and {len(table.warnings) - 3} more" if len(table.warnings) > 3 else ""))

    @on(FileChooser.Chosen)
    def file_chosen(self, event: FileChooser.Chosen) -> None:
        from trial.service.crimes import import_crimes

        fmt = str(self.query_one("#format", Select).value)
        map_text = self.query_one("#map", Input).value.strip()
        paths = crime_files(event.path, fmt)
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=None, progress=0)
        self.query_one("#crimes-result", Static).update(f"Reading {len(paths)} file(s) ...")
        self.ask("crimes", import_crimes, trial=self.trial, paths=paths, fmt=fmt,
                 map_path=Path(map_text).expanduser() if map_text else None,
                 progress=self._progressed)

    def _progressed(self, done: int, total: int) -> None:
        self.post_message(self.Progressed(done, total))

    @on(Progressed)
    def show_progress(self, message: Progressed) -> None:
        self.query_one("#progress", ProgressBar).update(total=message.total,
                                                        progress=message.done)

    def answered_crimes(self, r: Any) -> None:
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=1, progress=1)
        warnings = "".join(f"\n[yellow]{w}[/]" for w in r.warnings)
        self.query_one("#crimes-result", Static).update(
            f"[green]Imported {r.imported:,} records[/] ({r.duplicates:,} duplicates skipped): "
            f"{r.in_spots:,} in spots, {r.in_catchments:,} in catchments, {r.outside:,} "
            f"outside, {r.unlocatable:,} unlocatable, {r.excluded:,} excluded.{warnings}")
        self.load_coverage()

    def refused_crimes(self, problems: list[Any], message: str) -> None:
        self.query_one("#progress", ProgressBar).update(total=1, progress=0)
        self.query_one("#crimes-result", Static).update(
            "[red]Nothing was imported:[/]\n" + "\n".join(f"  {p}" for p in problems[:20])
            if problems else f"[red]{message}[/]")
