"""The audit trail: every write, newest first, and a check of the whole chain."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Button, Footer, Header, Static

from tui.screens.base import ServiceScreen
from tui.widgets.paged_table import PagedTable


class AuditScreen(ServiceScreen):
    """The chosen trial's audit entries and ``audit verify``."""

    TITLE_TEXT = "Audit trail"
    HELP = ("Every write to the database is one entry in a hash chain: who, when, what. "
            "Verify (ctrl+v) recomputes the chain and every audited row and names the first "
            "that does not match; it is the same check as `spotlight audit verify`.")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+v", "verify", "Verify")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Audit trail of {self.trial}", classes="screen-title")
        with Horizontal(classes="buttons"):
            yield Button("Verify", id="verify", variant="primary")
            yield Static("", id="verify-result")
        yield PagedTable(id="entries", classes="tall")
        yield Footer()

    def on_mount(self) -> None:
        from trial.service.audit_trail import entries

        self.ask("entries", entries, trial=self.trial, limit=100_000)

    def answered_entries(self, rows: list[dict[str, Any]]) -> None:
        self.query_one("#entries", PagedTable).show(
            ["#", "at (UTC)", "user", "action", "entity", "hash"],
            [(str(e["id"]), str(e["at"])[:19], e["actor"], e["action"], e["entity"],
              e["hash"][:12]) for e in rows], [str(e["id"]) for e in rows])

    @on(Button.Pressed, "#verify")
    def action_verify(self) -> None:
        from trial.service.audit_trail import verify

        self.query_one("#verify-result", Static).update("Verifying ...")
        self.ask("verify", verify)

    def answered_verify(self, r: Any) -> None:
        text = (f"[green]Intact[/]: {r.entries} entries, {r.rows} audited rows match." if r.ok
                else "[red]Does not match[/]: " + "; ".join(r.problems))
        self.query_one("#verify-result", Static).update(text)
