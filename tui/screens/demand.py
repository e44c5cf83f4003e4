"""The demand profile: baseline records by hour of the week, overall or for one spot."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Select, Static

from tui.screens.base import ServiceScreen
from tui.widgets.heatmap import Heatmap

OVERALL = "all spots"


class DemandScreen(ServiceScreen):
    """A day by hour heatmap of timed baseline records in the spots."""

    TITLE_TEXT = "Demand profile"
    HELP = ("When crime happens in the spots during the baseline window, by day of the week "
            "and hour (local time): darker cells hold more records. Choose a spot to see "
            "its own profile. Police.uk data carry months only, so only timed records "
            "(force extracts) make a profile. Patrol and ad dayparts are planned from it.")

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Demand profile of {self.trial}", classes="screen-title")
        yield Select([(OVERALL, OVERALL)], value=OVERALL, allow_blank=False, id="spot")
        with VerticalScroll(classes="body"):
            yield Static("Loading ...", id="demand-note", classes="note")
            yield Heatmap(id="heatmap")
        yield Footer()

    def on_mount(self) -> None:
        from trial.service.outcomes import demand_profile

        self.profile: dict[str, Any] = {}
        self.ask("demand", demand_profile, trial=self.trial)

    def answered_demand(self, profile: dict[str, Any]) -> None:
        self.profile = profile
        spots = sorted(profile["spots"])
        self.query_one("#spot", Select).set_options(
            [(OVERALL, OVERALL), *[(s, s) for s in spots]])
        self.query_one("#demand-note", Static).update(
            profile.get("note") or f"{profile['records']:,} timed baseline records in "
                                   f"{len(spots)} spots.")
        self.draw(OVERALL)

    @on(Select.Changed, "#spot")
    def spot_chosen(self, event: Select.Changed) -> None:
        if self.profile:
            self.draw(str(event.value))

    def draw(self, spot: str) -> None:
        grid = self.profile["overall"] if spot == OVERALL else self.profile["spots"][spot]
        self.query_one(Heatmap).show(grid, wide=self.size.width >= 110)

    def on_resize(self) -> None:
        if getattr(self, "profile", None):
            self.draw(str(self.query_one("#spot", Select).value))
