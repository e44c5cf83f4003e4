"""Tonight's run sheet: the directed visits planned for tonight, for the patrol spots."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Button, Footer, Header, Input, Static

from tui.screens.base import ServiceScreen
from tui.widgets.paged_table import PagedTable

COLUMNS = ("night", "start", "end", "spot", "visit")


def _tonight(ctx: Any, *, trial: str, spots: str) -> Any:
    from trial.service.app_views import visit_defaults
    from trial.service.fieldwork_report import make_plan

    today = visit_defaults(ctx, trial=trial)["end"][:10]
    plan = make_plan(ctx, trial=trial, date_from=today, date_to=today)
    wanted = {s.strip() for s in spots.split(",") if s.strip()}
    return [v for v in plan.visits if not wanted or v["spot_id"] in wanted], plan


class RunSheetScreen(ServiceScreen):
    """Draw (and store) tonight's plan and show its visits, optionally for some spots only."""

    TITLE_TEXT = "Tonight's run sheet"
    HELP = ("Draws tonight's directed visits at random times within the patrol hours (the "
            "plan is stored with its seed, so it can be re-derived) and lists them by time. "
            "Type your spots (comma separated) to see only yours. Log each visit with "
            "ctrl+v.")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+v", "app.open('visit')",
                                                     "Log a visit")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Tonight's run sheet for {self.trial}", classes="screen-title")
        yield Input(placeholder="my spots, comma separated (blank: all)", id="my-spots")
        yield Button("Draw tonight's plan", id="draw", variant="primary")
        yield Static("", id="sheet-note", classes="note")
        # A night of a force's patrol spots runs to thousands of visits: a page at a time.
        yield PagedTable(id="sheet", classes="tall")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#sheet", PagedTable).show(COLUMNS, [])

    @on(Button.Pressed, "#draw")
    @on(Input.Submitted, "#my-spots")
    def draw(self) -> None:
        self.ask("sheet", _tonight, trial=self.trial,
                 spots=self.query_one("#my-spots", Input).value)

    def answered_sheet(self, answer: tuple[list[dict[str, Any]], Any]) -> None:
        visits, plan = answer
        self.query_one("#sheet", PagedTable).show(
            COLUMNS, [(f"{v['day']} {v['night']}", v["start"], v["end"], v["spot_id"],
                       str(v["visit"])) for v in visits])
        self.query_one("#sheet-note", Static).update(
            f"{len(visits)} visits (plan {plan.plan_id}, seed {plan.seed}).")
