"""Home: the trials with their state and spot counts, and the chosen trial's spots."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static


class HomeScreen(Screen[None]):
    """Trials on the left of the story, their spots below."""

    @dataclass
    class TrialsLoaded(Message):
        trials: list[Any]

    @dataclass
    class SpotsLoaded(Message):
        trial: str
        spots: list[dict[str, Any]]

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(id="trials", cursor_type="row", zebra_stripes=True)
        yield Static("", id="trial-summary")
        yield DataTable(id="spots", cursor_type="row", zebra_stripes=True)
        yield Footer()

    @property
    def trials_table(self) -> DataTable[Any]:
        return self.query_one("#trials", DataTable)

    @property
    def spots_table(self) -> DataTable[Any]:
        return self.query_one("#spots", DataTable)

    def on_mount(self) -> None:
        self.trials_table.border_title = "Trials"
        self.spots_table.border_title = "Spots"
        self.trials_table.add_columns("trial", "state", "spots")
        self.load_trials()

    @work(thread=True, exclusive=True, group="trials")
    def load_trials(self) -> None:
        from trial.service.trials import list_trials

        self.post_message(self.TrialsLoaded(list_trials(self.app.ctx)))  # type: ignore[attr-defined]

    @on(TrialsLoaded)
    def show_trials(self, message: TrialsLoaded) -> None:
        table = self.trials_table
        table.clear()
        for t in message.trials:
            table.add_row(t.trial, t.state, str(t.spots), key=t.trial)
        if message.trials:
            self.load_spots(message.trials[0].trial)
        else:
            self.query_one("#trial-summary", Static).update(
                "No trials yet. Create one with: spotlight trial create --protocol FILE.toml")

    @on(DataTable.RowHighlighted, "#trials")
    def trial_chosen(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None:
            self.load_spots(str(event.row_key.value))

    @work(thread=True, exclusive=True, group="spots")
    def load_spots(self, trial: str) -> None:
        from trial.service.spots import list_spots

        self.post_message(self.SpotsLoaded(trial, list_spots(self.app.ctx, trial=trial)))  # type: ignore[attr-defined]

    @on(SpotsLoaded)
    def show_spots(self, message: SpotsLoaded) -> None:
        table = self.spots_table
        table.clear(columns=True)
        spots = message.spots
        extra = sorted({k for s in spots for k in s} - {"spot_id", "name", "eligible", "arm",
                                                         "exclusion_reason"})
        table.add_columns("spot_id", "name", "eligible", "arm", *extra)
        for s in spots:
            eligible = "yes" if s["eligible"] else f"no: {s.get('exclusion_reason') or ''}"
            table.add_row(s["spot_id"], s["name"], eligible, s.get("arm") or "-",
                          *["" if s.get(k) is None else str(s.get(k)) for k in extra])
        n_ok = sum(1 for s in spots if s["eligible"])
        self.spots_table.border_title = f"Spots of {message.trial}"
        self.query_one("#trial-summary", Static).update(
            f"{message.trial}: {len(spots)} candidate spots, {n_ok} eligible, "
            f"{len(spots) - n_ok} excluded")
