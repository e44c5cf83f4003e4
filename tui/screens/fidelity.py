"""Fidelity per arm: delivered against plan, with a plot."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Header, Static
from textual_plotext import PlotextPlot

from tui.screens.base import ServiceScreen


class FidelityScreen(ServiceScreen):
    """The fidelity report's arms, and patrol minutes per arm by treatment week."""

    TITLE_TEXT = "Fidelity per arm"
    HELP = ("What each arm received over the treatment window: patrol visits and minutes "
            "against plan, ad impressions, spend, contamination, cost; and how many of its "
            "spots received their dose by the protocol's thresholds. The plot shows patrol "
            "minutes per arm week by week (voided sessions are left out).")

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Fidelity of {self.trial}", classes="screen-title")
        with VerticalScroll(classes="body"):
            yield DataTable(id="fidelity", cursor_type="row")
            yield PlotextPlot(id="fidelity-plot")
        yield Footer()

    def on_mount(self) -> None:
        # The arms first, then the plot. Both come from grouped counts (the dosage summary,
        # equal to the fidelity report's arm rows), not the report over every session.
        self.ask("fidelity", window_arms, trial=self.trial)

    def answered_fidelity(self, arms: list[dict[str, Any]]) -> None:
        self.show_arms({"arms": arms})
        self.arms = [a["arm"] for a in arms]
        self.ask("weeks", weekly_minutes, trial=self.trial)

    def answered_weeks(self, weeks: list[dict[str, float]]) -> None:
        self.plot(weeks)

    def show_arms(self, doc: dict[str, Any]) -> None:
        table = self.query_one("#fidelity", DataTable)
        # Columns and rows together: a header drawn before the rows came kept its narrow
        # widths in the table's line cache now and then.
        table.clear(columns=True)
        table.add_columns("arm", "spots", "received", "visits", "minutes", "planned",
                          "impressions", "spend", "contam.", "cost")
        for a in doc["arms"]:
            table.add_row(a["arm"], str(a["spots"]), str(a["spots_received"]),
                          str(a["patrol_visits"]), f"{a['patrol_minutes']:.0f}",
                          f"{a['planned_minutes']:.0f}", f"{a['ad_impressions']:,}",
                          f"£{a['ad_spend']:.2f}", str(a["contamination"]),
                          f"£{a['cost_gbp']:.0f}")

    def plot(self, weeks: list[dict[str, float]]) -> None:
        plot = self.query_one(PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        x = list(range(1, len(weeks) + 1))
        for arm in self.arms:
            y = [w.get(arm, 0.0) for w in weeks]
            plt.plot(x, y, label=arm, marker="braille")
        plt.title("Patrol minutes per treatment week")
        plt.xlabel("week")
        plot.refresh()


def window_arms(ctx: Any, *, trial: str | None) -> list[dict[str, Any]]:
    """The fidelity report's arm rows over the whole treatment window (the fields the
    screen shows), from the dosage summary."""
    from trial.service.fieldwork_summary import dosage_summary

    # A day before any window: the summary is over the whole window, not one week.
    summary = dosage_summary(ctx, trial=trial, today=date.min)
    return [asdict(a) for a in summary.arms]


def weekly_minutes(ctx: Any, *, trial: str | None) -> list[dict[str, float]]:
    """Patrol minutes per arm for each treatment week (the fidelity report's ``by_week``
    weeks, from the window's first day), as the report's week arm rows give them."""
    from trial.service.fieldwork import randomised_trial
    from trial.service.fieldwork_summary import dosage_summary
    from trial.service.trials import find_trial

    with ctx.reading() as s:
        _, ft = randomised_trial(s, find_trial(s, trial).name, doing="report fidelity")
        window = ft.window
    weeks: list[dict[str, float]] = []
    if window is None:
        return weeks
    day = window.start
    while day <= window.end:
        summary = dosage_summary(ctx, trial=trial, today=day)
        weeks.append({a.arm: a.patrol_minutes for a in summary.arms})
        day += timedelta(days=7)
    return weeks
