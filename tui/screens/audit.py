"""The audit trail: every write, newest first, and a check of the whole chain."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Button, Footer, Header, Static

from tui.screens.base import ServiceScreen
from tui.widgets.paged_table import PagedTable

if TYPE_CHECKING:
    from trial.service.audit_pages import AuditPage
    from trial.service.context import Context

COLUMNS = ("#", "at (UTC)", "user", "action", "entity", "hash")


class AuditScreen(ServiceScreen):
    """The chosen trial's audit entries and ``audit verify``."""

    TITLE_TEXT = "Audit trail"
    HELP = ("Every write to the database is one entry in a hash chain: who, when, what. "
            "Verify (ctrl+v) recomputes the chain and every audited row and names the first "
            "that does not match; it is the same check as `spotlight audit verify`. A long trail "
            "shows a page at a time: down or pagedown on the last row brings the next page, "
            "ctrl+end the last (oldest), ctrl+home the first.")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+v", "verify", "Verify")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Audit trail of {self.trial}", classes="screen-title")
        with Horizontal(classes="buttons"):
            yield Button("Verify", id="verify", variant="primary")
            yield Static("", id="verify-result")
        yield PagedTable(id="entries", classes="tall")
        yield Footer()

    @property
    def table(self) -> PagedTable:
        return self.query_one("#entries", PagedTable)

    def on_mount(self) -> None:
        self.table.fetch(COLUMNS)

    @on(PagedTable.Wanted, "#entries")
    def page_wanted(self, message: PagedTable.Wanted) -> None:
        self.ask("page", _page, token=message.token, trial=self.trial, offset=message.offset,
                 limit=self.table.page_size)

    def answered_page(self, answer: tuple[int, AuditPage]) -> None:
        token, page = answer
        self.table.show_page(
            token, page.offset, page.total,
            [(str(e["id"]), str(e["at"])[:19], e["actor"], e["action"], e["entity"],
              e["hash"][:12]) for e in page.rows], [str(e["id"]) for e in page.rows])

    @on(Button.Pressed, "#verify")
    def action_verify(self) -> None:
        from trial.service.audit_trail import verify

        self.query_one("#verify-result", Static).update("Verifying ...")
        self.ask("verify", verify)

    def answered_verify(self, r: Any) -> None:
        text = (f"[green]Intact[/]: {r.entries} entries, {r.rows} audited rows match." if r.ok
                else "[red]Does not match[/]: " + "; ".join(r.problems))
        self.query_one("#verify-result", Static).update(text)


def _page(ctx: Context, *, token: int, **kwargs: Any) -> tuple[int, AuditPage]:
    from trial.service.audit_pages import audit_page

    return token, audit_page(ctx, **kwargs)
