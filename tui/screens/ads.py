"""The digital vendor: register target areas, import an ad-platform export, see the result."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import DataTable, Footer, Header, Input, Select, Static

from tui.screens.base import ServiceScreen
from tui.widgets.file_chooser import FileChooser
from tui.widgets.paged_table import PagedTable

if TYPE_CHECKING:
    from trial.service.ad_pages import AdLine, AdPage
    from trial.service.context import Context

FORMATS = [("Spotlight ad log", "spotlight"), ("TikTok export", "tiktok"),
           ("Snapchat export", "snapchat"), ("target areas (GeoJSON)", "targets")]
COLUMNS = ("id", "spot", "platform", "start", "impressions", "spend", "flags", "hours")
# A page small enough that showing it fits in a frame; the cells are made in the worker.
PAGE_ROWS = 100


class AdsScreen(ServiceScreen):
    """Target areas and ad exports in; imported, duplicates, flags and hours compliance out."""

    TITLE_TEXT = "Ads and target areas"
    HELP = ("Choose what the file is: target areas (GeoJSON, one ad group per spot and "
            "platform; an area reaching a spot whose arm gets no ads is contamination) or an "
            "ad-platform export (TikTok, Snapchat, or Spotlight's own layout). Type the "
            "account's timezone if it is not the trial's. The import is atomic and "
            "idempotent: rows already stored are counted as duplicates. The table shows the "
            "stored ad sessions with their flags and hours compliance, a page at a time: down or "
            "pagedown on the last row brings the next page, ctrl+end the last, ctrl+home the "
            "first.")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+l", "reload", "Reload")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Ads and target areas of {self.trial}", classes="screen-title")
        with Horizontal(classes="path-row"):
            yield Select(FORMATS, value="spotlight", allow_blank=False, id="ad-format")
            yield Input(placeholder="account timezone (blank: trial's)", id="account-tz")
        yield FileChooser(start=self.spotlight.start_dir, placeholder="export or GeoJSON file")
        yield Static("", id="ads-result", classes="note")
        yield DataTable(id="ad-problems", cursor_type="row")
        yield PagedTable(id="ad-sessions", classes="tall", page_size=PAGE_ROWS)
        yield Footer()

    def on_mount(self) -> None:
        problems = self.query_one("#ad-problems", DataTable)
        problems.add_columns("file", "line", "column", "problem")
        problems.display = False
        self.query_one(FileChooser).input.focus()
        self.action_reload()

    @property
    def table(self) -> PagedTable:
        return self.query_one("#ad-sessions", PagedTable)

    def action_reload(self) -> None:
        from trial.service.fieldwork_ads import list_targets

        # Counted again with the first page after every import.
        self._counts: tuple[int, int] | None = None
        self.table.fetch(COLUMNS)
        self.ask("targets", list_targets, trial=self.trial)

    @on(PagedTable.Wanted, "#ad-sessions")
    def page_wanted(self, message: PagedTable.Wanted) -> None:
        self.ask("page", _page, token=message.token, trial=self.trial, offset=message.offset,
                 limit=self.table.page_size, counts=self._counts)

    def answered_page(self, answer: _Answer) -> None:
        token, page, cells, keys = answer
        if self.table.show_page(token, page.offset, page.total, cells, keys):
            self._counts = (page.total, page.voided)

    def answered_targets(self, targets: list[dict[str, Any]]) -> None:
        contaminated = sum(1 for t in targets if t["contamination"])
        self.query_one("#ad-sessions", PagedTable).border_title = (
            f"Ad sessions ({len(targets)} target areas, {contaminated} reaching "
            "spots without ads)")

    @on(FileChooser.Chosen)
    def file_chosen(self, event: FileChooser.Chosen) -> None:
        from trial.service.fieldwork_ads import import_ads, import_targets

        fmt = str(self.query_one("#ad-format", Select).value)
        self.query_one("#ads-result", Static).update(f"Importing {event.path.name} ...")
        if fmt == "targets":
            self.ask("import", import_targets, trial=self.trial, path=event.path)
            return
        tz = self.query_one("#account-tz", Input).value.strip() or None
        self.ask("import", import_ads, trial=self.trial, path=event.path, fmt=fmt,
                 account_timezone=tz)

    def answered_import(self, result: Any) -> None:
        self.query_one("#ad-problems", DataTable).display = False
        doc = result.as_json()
        parts = [f"{k.replace('_', ' ')}: {v}" for k, v in doc.items()
                 if not isinstance(v, list | dict)]
        parts += [f"{k.replace('_', ' ')}: " + ", ".join(f"{a} {b}" for a, b in v.items())
                  for k, v in doc.items() if isinstance(v, dict) and v]
        parts += [f"{k.replace('_', ' ')}: {len(v)}" for k, v in doc.items()
                  if isinstance(v, list)]
        self.query_one("#ads-result", Static).update("[green]Imported.[/] " + "; ".join(parts))
        self.action_reload()

    def refused_import(self, problems: list[Any], message: str) -> None:
        table = self.query_one("#ad-problems", DataTable)
        table.clear()
        table.display = True
        for p in problems:
            table.add_row(Path(p.source).name if p.source else "",
                          "" if p.line is None else str(p.line), p.field or "", p.what)
        if not problems:
            table.add_row("", "", "", message)
        self.query_one("#ads-result", Static).update("[red]Nothing was imported.[/]")


_Answer = tuple[int, "AdPage", list[tuple[str, ...]], list[str | None]]


def _page(ctx: Context, *, token: int, **kwargs: Any) -> _Answer:
    """The page and its cells, made here in the worker rather than on the event loop."""
    from trial.service.ad_pages import ad_page

    page = ad_page(ctx, **kwargs)
    return (token, page, [_cells(r) for r in page.rows],
            [str(r.session.session_id) for r in page.rows])


def _cells(r: AdLine) -> tuple[str, ...]:
    s = r.session
    return (str(s.session_id), s.spot_id, s.platform or "", s.start[:16].replace("T", " "),
            f"{s.impressions or 0:,}", "" if r.spend_gbp is None else f"£{r.spend_gbp:.2f}",
            ", ".join(s.flags) + (" (void)" if s.voided else ""), r.hours_compliance or "")
