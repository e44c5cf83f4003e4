"""Every logged session, newest last, with void-with-reason."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Header, Input, Select, Static

from tui.screens.base import ServiceScreen
from tui.widgets.paged_table import PagedTable

if TYPE_CHECKING:
    from trial.service.context import Context
    from trial.service.session_pages import SessionLine, SessionPage

COLUMNS = ("id", "spot", "start", "end", "who", "amount", "flags", "void")
# A page small enough that showing it fits in a frame; the cells are made in the worker.
PAGE_ROWS = 100


class VoidScreen(ModalScreen[str | None]):
    """Ask why a session is being voided; dismisses with the reason."""

    DEFAULT_CSS = """
    VoidScreen { align: center middle; }
    VoidScreen > Vertical {
        width: 70; max-width: 95%; height: auto; border: thick $error;
        background: $surface; padding: 1 2;
    }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, session_id: str, summary: str) -> None:
        super().__init__()
        self.session_id, self.summary = session_id, summary

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(f"Void session {self.session_id}: {self.summary}")
            yield Static("It stays listed, marked void, and leaves every dosage count.",
                         classes="note")
            yield Input(placeholder="reason (required), then Enter", id="void-reason")
            yield Static("", id="void-error", classes="problems")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            self.query_one("#void-error", Static).update("give the reason for voiding")
            return
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class SessionsScreen(ServiceScreen):
    """Patrol visits and ad sessions, with their flags; void the highlighted one."""

    TITLE_TEXT = "Visits and sessions"
    HELP = ("Every session logged or imported, by start time (local), with its flags; voided "
            "ones stay listed with their reason. Choose a kind to filter. Highlight a row and "
            "press ctrl+d to void it with a reason. Long lists show a page at a time: down or "
            "pagedown on the last row brings the next page, ctrl+end the last, ctrl+home the "
            "first.")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+d", "void", "Void")]

    def __init__(self, *, kind: str | None = None) -> None:
        super().__init__()
        self.kind = kind
        # (kind, total, voided) of the list shown: counted with its first page, again only
        # after a void or a change of kind.
        self._counts: tuple[str, int, int] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Sessions of {self.trial}", classes="screen-title")
        yield Select([("patrol visits", "patrol"), ("ad sessions", "ad"), ("all", "all")],
                     value=self.kind or "patrol", allow_blank=False, id="kind")
        yield Static("Loading ...", id="sessions-note", classes="note")
        yield PagedTable(id="sessions", classes="tall", page_size=PAGE_ROWS)
        yield Footer()

    @property
    def table(self) -> PagedTable:
        return self.query_one("#sessions", PagedTable)

    def on_mount(self) -> None:
        self.table.focus()
        self.load()

    @on(Select.Changed, "#kind")
    def load(self) -> None:
        self._counts = None
        self.table.fetch(COLUMNS)

    @on(PagedTable.Wanted, "#sessions")
    def page_wanted(self, message: PagedTable.Wanted) -> None:
        kind = str(self.query_one("#kind", Select).value)
        counts = self._counts[1:] if self._counts and self._counts[0] == kind else None
        self.ask("page", _page, token=message.token, shown_kind=kind, trial=self.trial,
                 offset=message.offset, limit=self.table.page_size,
                 kind=None if kind == "all" else kind, counts=counts)

    def answered_page(self, answer: _Answer) -> None:
        token, kind, page, cells, keys = answer
        if not self.table.show_page(token, page.offset, page.total, cells, keys):
            return
        self._counts = (kind, page.total, page.voided)
        shown = f"; {self.table.span}" if page.total else ""
        self.query_one("#sessions-note", Static).update(
            f"{page.total:,} sessions, {page.voided:,} voided{shown}. "
            "ctrl+d voids the highlighted one.")

    def action_void(self) -> None:
        table = self.table
        if table.row_count == 0:
            return
        row = table.get_row_at(table.cursor_row)
        if str(row[7]):
            self.show_refusal(f"session {row[0]} is already voided")
            return
        summary = f"{row[1]}, {row[2]} to {row[3]}, {row[4]}"
        self.app.push_screen(VoidScreen(str(row[0]), summary),
                             lambda reason: self._void(str(row[0]), reason))

    def _void(self, session_id: str, reason: str | None) -> None:
        if reason:
            from trial.service.fieldwork import void_session

            self.ask("void", void_session, session_id=session_id, reason=reason,
                     trial=self.trial)

    def answered_void(self, result: dict[str, Any]) -> None:
        self.notify(f"Voided session {result['session_id']}")
        self._counts = None
        self.table.reload()


_Answer = tuple[int, str, "SessionPage", list[tuple[str, ...]], list[str | None]]


def _page(ctx: Context, *, token: int, shown_kind: str, **kwargs: Any) -> _Answer:
    """The page and its cells, made here in the worker rather than on the event loop."""
    from trial.service.session_pages import session_page

    page = session_page(ctx, **kwargs)
    return (token, shown_kind, page, [_cells(r) for r in page.rows],
            [str(r.session_id) for r in page.rows])


def _cells(r: SessionLine) -> tuple[str, ...]:
    who = r.officer if r.kind == "patrol" else r.platform
    amount = (f"{r.minutes or 0:.0f} min" if r.kind == "patrol"
              else f"{r.impressions or 0:,} impr.")
    return (str(r.session_id), r.spot_id, r.start[:16].replace("T", " "), r.end[11:16],
            who or "", amount, ", ".join(r.flags),
            f"void: {r.void_reason}" if r.void_reason is not None else "")


