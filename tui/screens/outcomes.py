"""The outcome table: per spot, window and outcome, counts and harm in spot and catchment."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Footer, Header, Static

from tui.screens.base import ServiceScreen
from tui.widgets.paged_table import PagedTable


class OutcomesScreen(ServiceScreen):
    """Every spot x window x outcome, as the analysis will read it."""

    TITLE_TEXT = "Outcome table"
    HELP = ("One row per spot, window (baseline, treatment, follow-up) and outcome: the "
            "records counted in the spot and in its catchment, and their harm by the "
            "outcome's harm table. Warnings name months with no records (a gap, not zero).")

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Outcome table of {self.trial}", classes="screen-title")
        yield Static("Loading ...", id="outcome-note", classes="note")
        yield PagedTable(id="outcome-table", classes="tall")
        yield Footer()

    def on_mount(self) -> None:
        from trial.service.outcomes import outcome_table

        self.ask("outcomes", outcome_table, trial=self.trial)

    def answered_outcomes(self, table: Any) -> None:
        rows = table.rows
        self.query_one("#outcome-table", PagedTable).show(
            ["spot_id", "arm", "window", "outcome", "count", "harm", "catchment", "c. harm"],
            [(r["spot_id"], r["arm"] or "-", r["window"], r["outcome"], str(r["count"]),
              f"{r['harm']:.1f}", str(r["catchment_count"]), f"{r['catchment_harm']:.1f}")
             for r in rows])
        harm = "; ".join(f"{k}: {v}" for k, v in table.harm_tables.items())
        warnings = "".join(f"\n[yellow]{w}[/]" for w in table.warnings[:5])
        self.query_one("#outcome-note", Static).update(
            f"{len(rows):,} rows. Harm tables: {harm}.{warnings}")
