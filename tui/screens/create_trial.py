"""Create a trial from a protocol file; problems are listed beside the file's keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Footer, Header, Static, TextArea

from tui.screens.base import ServiceScreen
from tui.widgets.file_chooser import FileChooser


def _read(ctx: Any, *, path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        from trial.errors import InputError, Problem

        raise InputError(Problem(f"cannot read it ({exc.__class__.__name__})",
                                 str(path))) from None


class CreateTrialScreen(ServiceScreen):
    """A protocol file, its text, and its problems by key."""

    TITLE_TEXT = "Create a trial"
    HELP = ("Type the path of a protocol file (TOML) and press Enter, or Browse for it. The "
            "file is shown on the left; press ctrl+s (or Create) to create the trial. If the "
            "protocol is not valid, every problem is listed beside it with its key and line; "
            "choose a problem to jump to its line. Nothing is stored until the file is "
            "valid. Example protocols are in the protocols folder.")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+s", "create", "Create")]

    def __init__(self) -> None:
        super().__init__()
        self.path: Path | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Create a trial from a protocol file", classes="screen-title")
        yield FileChooser(start=self.spotlight.start_dir, placeholder="protocol.toml path")
        with Horizontal(classes="body"):
            yield TextArea("", id="protocol-text", read_only=True, language=None)
            with Vertical(id="create-side"):
                yield DataTable(id="key-problems", cursor_type="row")
                yield Static("", id="create-result", classes="note")
                with Horizontal(classes="buttons"):
                    yield Button("Create", id="create", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#key-problems", DataTable)
        table.border_title = "Problems"
        table.add_columns("line", "key", "problem")
        table.display = False
        self.query_one(FileChooser).input.focus()

    @on(FileChooser.Chosen)
    def file_chosen(self, event: FileChooser.Chosen) -> None:
        self.path = event.path
        self.ask("read", _read, path=event.path)

    def answered_read(self, text: str) -> None:
        self.query_one("#protocol-text", TextArea).load_text(text)
        self.query_one("#create-result", Static).update("Press ctrl+s to create the trial.")

    @on(Button.Pressed, "#create")
    def action_create(self) -> None:
        chooser = self.query_one(FileChooser)
        path = chooser.path
        if path is None:
            self.show_refusal("type the protocol file's path first")
            return
        self.path = path
        self.ask("create", _create, path=path)

    def answered_create(self, summary: Any) -> None:
        self.query_one("#key-problems", DataTable).display = False
        self.spotlight.choose_trial(summary.trial, summary.state)
        self.notify(f"Created trial {summary.trial} (draft). Next: import its hot spots.")
        self.dismiss(summary.trial)

    def refused_create(self, problems: list[Any], message: str) -> None:
        table = self.query_one("#key-problems", DataTable)
        table.clear()
        table.display = True
        for p in problems:
            table.add_row("" if p.line is None else str(p.line), p.field or "", p.what)
        if not problems:
            table.add_row("", "", message)
        self.query_one("#create-result", Static).update(
            f"{len(problems) or 1} problem(s): nothing was created.")

    refused_read = refused_create

    @on(DataTable.RowSelected, "#key-problems")
    def jump_to_line(self, event: DataTable.RowSelected) -> None:
        line = str(event.data_table.get_row(event.row_key)[0])
        if line.isdigit():
            area = self.query_one("#protocol-text", TextArea)
            area.move_cursor((int(line) - 1, 0), center=True)
            area.focus()


def _create(ctx: Any, *, path: Path) -> Any:
    from trial.service.trials import create_trial

    return create_trial(ctx, protocol_text=_read(ctx, path=path), source=path.name)


