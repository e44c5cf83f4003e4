"""Fidelity per arm: delivered against plan, with a plot."""

from __future__ import annotations

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
        from trial.service.fieldwork_report import fidelity_report

        self.query_one("#fidelity", DataTable).add_columns(
            "arm", "spots", "received", "visits", "minutes", "planned", "impressions",
            "spend", "contam.", "cost")
        # The arms first: the week-by-week report reads every session once per week, so the
        # plot follows when it is ready rather than holding the table back.
        self.ask("fidelity", fidelity_report, trial=self.trial)

    def answered_fidelity(self, doc: dict[str, Any]) -> None:
        from trial.service.fieldwork_report import fidelity_report

        self.show_arms(doc)
        self.ask("weeks", fidelity_report, trial=self.trial, by="week")

    def answered_weeks(self, doc: dict[str, Any]) -> None:
        self.plot(doc)

    def show_arms(self, doc: dict[str, Any]) -> None:
        table = self.query_one("#fidelity", DataTable)
        table.clear()
        for a in doc["arms"]:
            table.add_row(a["arm"], str(a["spots"]), str(a["spots_received"]),
                          str(a["patrol_visits"]), f"{a['patrol_minutes']:.0f}",
                          f"{a['planned_minutes']:.0f}", f"{a['ad_impressions']:,}",
                          f"£{a['ad_spend']:.2f}", str(a["contamination"]),
                          f"£{a['cost_gbp']:.0f}")

    def plot(self, doc: dict[str, Any]) -> None:
        plot = self.query_one(PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        weeks = doc.get("by_week", [])
        x = list(range(1, len(weeks) + 1))
        for arm in [a["arm"] for a in doc["arms"]]:
            y = [sum(s["patrol_minutes"] for s in w["spots"] if s["arm"] == arm)
                 for w in weeks]
            plt.plot(x, y, label=arm, marker="braille")
        plt.title("Patrol minutes per treatment week")
        plt.xlabel("week")
        plot.refresh()
