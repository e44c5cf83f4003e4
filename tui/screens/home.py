"""Home: the trials, and for the chosen one its state, arms, alerts and recent activity."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Static

from tui.actions import ACTIONS
from tui.messages import TrialChanged
from tui.screens.base import ServiceScreen

ALERTS_SHOWN = 12


def _local_time(value: Any) -> str:
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text[:16].replace("T", " ")


# The service layer is imported in the workers, never on the event loop: the first screen
# shows the trials before SQLAlchemy is loaded.


def _list_trials(ctx: Any) -> Any:
    from trial.service.trials import list_trials

    return list_trials(ctx)


def _trial_overview(ctx: Any, *, trial: str) -> Any:
    from trial.service.app_views import trial_overview

    return trial_overview(ctx, trial=trial)


class HomeScreen(ServiceScreen):
    """The trials on the left; the chosen trial at a glance on the right."""

    TITLE_TEXT = "Home"
    HELP = ("Choose a trial on the left (arrow keys). The right side shows its state, its "
            "arms with their spots, delivered dosage against plan, contamination and "
            "fidelity alerts, recent activity and the incidents log.\n\n"
            "Every action is in the command palette (ctrl+p), offered when the trial's "
            "state allows it: a draft takes spots and is registered; a registered trial is "
            "randomised once; a randomised trial takes fieldwork and outcomes.")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", show=False),
        *[Binding(a.key, f"app.open('{a.name}')", a.title.split(" (")[0],
                  show=a.name in ("create", "register", "randomise", "visit", "analysis"))
          for a in ACTIONS if a.key],
    ]

    _first_shown = False

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="home"):
            yield DataTable(id="trials", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="overview"):
                yield Static("", id="trial-summary")
                yield DataTable(id="arms", cursor_type="none", show_cursor=False)
                yield Static("", id="alerts")
                yield DataTable(id="fidelity-arms", cursor_type="none", show_cursor=False)
                yield DataTable(id="activity", cursor_type="row", zebra_stripes=True)
                yield DataTable(id="incidents", cursor_type="row")
        yield Footer()

    @property
    def trials_table(self) -> DataTable[Any]:
        return self.query_one("#trials", DataTable)

    def on_mount(self) -> None:
        titles = {"#trials": "Trials", "#arms": "Arms", "#activity": "Recent activity",
                  "#fidelity-arms": "Delivered against plan",
                  "#incidents": "Incidents and context"}
        for sel, title in titles.items():
            self.query_one(sel, DataTable).border_title = title
        self.trials_table.add_column("trial", width=16)
        self.trials_table.add_column("state", width=10)
        self.query_one("#arms", DataTable).add_columns("arm", "delivers", "ratio", "spots")
        self.query_one("#activity", DataTable).add_columns("#", "when (UTC)", "who", "action")
        self.query_one("#incidents", DataTable).add_columns("spot", "kind", "from", "to",
                                                            "what")
        self.query_one("#fidelity-arms", DataTable).add_columns(
            "arm", "visits", "minutes", "planned", "impressions", "contam.")
        first = self.spotlight.take_first_trials()
        if first is None:
            self.load_trials()
        else:
            # Read at start-up from the catalogue: current, so the resume that follows the
            # first mount need not read them again.
            self._first_shown = True
            self.answered_trials(first)

    def on_screen_resume(self) -> None:
        if self._first_shown:
            self._first_shown = False
            return
        self.load_trials()

    @on(TrialChanged)
    def reload(self) -> None:
        self.load_trials()

    def load_trials(self) -> None:
        self.ask("trials", _list_trials)

    def answered_trials(self, trials: list[Any]) -> None:
        table = self.trials_table
        chosen = self.trial
        table.clear()
        for t in trials:
            table.add_row(t.trial, t.state, key=t.trial)
        for sel in ("#arms", "#activity"):
            self.query_one(sel, DataTable).display = bool(trials)
        if not trials:
            self.query_one("#fidelity-arms", DataTable).display = False
            self.query_one("#incidents", DataTable).display = False
            self.spotlight.choose_trial(None, None)
            self.query_one("#trial-summary", Static).update(
                "No trials yet. Press n (or ctrl+p, 'Create a trial') to create one from a "
                "protocol file.")
            return
        names = [t.trial for t in trials]
        row = names.index(chosen) if chosen in names else 0
        table.move_cursor(row=row)
        self.spotlight.choose_trial(trials[row].trial, trials[row].state)
        self.call_after_refresh(self.load_overview, trials[row].trial)

    @on(DataTable.RowHighlighted, "#trials")
    def trial_chosen(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is None:
            return
        name = str(event.row_key.value)
        state = str(self.trials_table.get_row(event.row_key)[1])
        if name != self.trial or state != self.spotlight.trial_state:
            self.spotlight.choose_trial(name, state)
            self.load_overview(name)

    def load_overview(self, trial: str) -> None:
        self.ask("overview", _trial_overview, trial=trial)

    def answered_overview(self, doc: dict[str, Any]) -> None:
        if doc["trial"] != self.trial:
            return
        self.spotlight.choose_trial(doc["trial"], doc["state"])
        reg = (f"registered {doc['registered_at'][:10]} by {doc['registered_by']}"
               if doc["registered_at"] else "not registered")
        self.query_one("#trial-summary", Static).update(
            f"[b]{doc['trial']}[/b]  [reverse] {doc['state']} [/reverse]\n{doc['title']}\n"
            f"{doc['design']} design, {doc['eligible']} eligible of {doc['spots']} spots; "
            f"{reg}; times in {doc['timezone']}")
        arms = self.query_one("#arms", DataTable)
        arms.clear()
        for a in doc["arms"]:
            delivers = "control" if a["control"] else ", ".join(a["delivers"]) or "-"
            n = doc["arm_spots"].get(a["arm"], 0)
            arms.add_row(a["arm"], delivers, str(a["ratio"]),
                         str(n) if doc["state"] == "randomised" else "-")
        alerts = doc["alerts"]
        # A large trial can raise hundreds; drawing them all would stall the app.
        shown = [f"[b red]![/] {a}" for a in alerts[:ALERTS_SHOWN]]
        if len(alerts) > ALERTS_SHOWN:
            shown.append(f"... and {len(alerts) - ALERTS_SHOWN:,} more alerts")
        self.query_one("#alerts", Static).update(
            "\n".join(shown) if alerts
            else "[green]No contamination or fidelity alerts.[/]"
            if doc["state"] == "randomised" else "")
        fid = self.query_one("#fidelity-arms", DataTable)
        fid.clear()
        fid.display = bool(doc["fidelity"])
        if doc["fidelity"]:
            fid.border_title = f"Delivered against plan ({doc['fidelity'][0]['period']})"
        for a in doc["fidelity"]:
            fid.add_row(a["arm"], str(a.get("patrol_visits", 0)),
                        f"{a.get('patrol_minutes', 0):.0f}", f"{a.get('planned_minutes', 0):.0f}",
                        str(a.get("ad_impressions", 0)), str(a.get("contamination", 0)))
        act = self.query_one("#activity", DataTable)
        act.clear()
        for e in doc["activity"]:
            act.add_row(str(e["id"]), _local_time(e["at"]), e["actor"], e["action"])
        inc = self.query_one("#incidents", DataTable)
        inc.clear()
        inc.display = bool(doc["incidents"])
        for c in doc["incidents"]:
            inc.add_row(c["spot_id"], c["kind"], c["from"], c["to"] or "ongoing", c["text"])
