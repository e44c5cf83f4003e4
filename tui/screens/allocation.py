"""The allocation, its balance table and certificate; exports for the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Header,
    Input,
    Static,
    TabbedContent,
    TabPane,
)

from tui.screens.base import ServiceScreen
from tui.widgets.paged_table import PagedTable


def _fmt(x: Any, digits: int = 2) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


class AllocationScreen(ServiceScreen):
    """Randomise (once, after the confirmation) or show the stored allocation."""

    TITLE_TEXT = "Allocation"
    HELP = ("The trial's allocation: each eligible spot's arm (and stratum or matched set), "
            "the balance table (standardised mean differences between arms, |SMD| < 0.1 is "
            "usually taken as balanced) and the certificate an outside reviewer uses to "
            "re-derive it. The allocation is drawn once and never redrawn.\n\n"
            "Export writes the allocation CSV (spot_id, name, arm, stratum, set) and, for "
            "trials with patrol dosage, a run sheet for the next 7 nights, to the folder "
            "typed below.")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+e", "export", "Export")]

    def __init__(self, *, randomise: bool = False) -> None:
        super().__init__()
        self.randomise = randomise

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Allocation of {self.trial}", classes="screen-title")
        yield Static("Randomising ..." if self.randomise else "Loading ...", id="alloc-summary",
                     classes="note")
        with TabbedContent(classes="body"):
            with TabPane("Allocation", id="tab-allocation"):
                yield PagedTable(id="allocation", classes="tall")
            with TabPane("Balance", id="tab-balance"):
                yield DataTable(id="balance", cursor_type="row", classes="tall")
            with TabPane("Certificate", id="tab-certificate"), VerticalScroll():
                yield Static("", id="certificate")
            with TabPane("Export", id="tab-export"):
                yield Static("Folder to write the allocation CSV and run sheet into:",
                             classes="note")
                yield Input(str(self.spotlight.start_dir), id="export-dir")
                with Horizontal(classes="buttons"):
                    yield Button("Export", id="export", variant="primary")
                yield Static("", id="export-result", classes="note")
        yield Footer()

    def on_mount(self) -> None:
        from trial.service import allocation

        self.query_one("#balance", DataTable).add_columns(
            "covariate", "arm", "vs", "mean", "mean vs", "SMD")
        if self.randomise:
            self.ask("allocation", allocation.randomise, trial=self.trial)
        else:
            self.ask("allocation", allocation.show, trial=self.trial)

    def answered_allocation(self, view: Any) -> None:
        from trial.service.allocation import certificate

        if self.randomise:
            self.spotlight.choose_trial(view.trial, "randomised")
            self.notify(f"Randomised {view.trial}: the allocation is stored and final.")
        counts: dict[str, int] = {}
        for r in view.rows:
            counts[r["arm"]] = counts.get(r["arm"], 0) + 1
        arms = ", ".join(f"{a} {n}" for a, n in counts.items())
        self.query_one("#alloc-summary", Static).update(
            f"{len(view.rows)} spots ({arms}); {view.method} design, seed from "
            f"{view.seed_source}; allocation sha256 {view.sha256[:16]}...")
        self.query_one("#allocation", PagedTable).show(
            ["spot_id", "arm", "stratum", "set"],
            [(r["spot_id"], r["arm"], r["stratum"] or "", "" if r["set"] is None else r["set"])
             for r in view.rows], [r["spot_id"] for r in view.rows])
        balance = self.query_one("#balance", DataTable)
        balance.clear()
        for b in view.balance:
            smd = b["smd"]
            flag = "" if smd is None or abs(smd) < 0.1 else " !"
            balance.add_row(b["covariate"], b["arm_a"], b["arm_b"], _fmt(b["mean_a"]),
                            _fmt(b["mean_b"]), _fmt(smd, 3) + flag)
        self.ask("certificate", certificate, trial=self.trial)

    def refused_allocation(self, problems: list[Any], message: str) -> None:
        self.query_one("#alloc-summary", Static).update(f"[red]{message}[/]")
        self.show_refusal(message)

    def answered_certificate(self, cert: dict[str, Any]) -> None:
        lines = [f"[b]{k}[/]: {v}" for k, v in cert.items() if v is not None]
        self.query_one("#certificate", Static).update("\n".join(lines))

    @on(Button.Pressed, "#export")
    def action_export(self) -> None:
        folder = Path(self.query_one("#export-dir", Input).value.strip() or ".").expanduser()
        self.ask("export", _export, trial=self.trial, folder=folder)

    def answered_export(self, written: list[str]) -> None:
        self.query_one("#export-result", Static).update("Wrote " + ", ".join(written))
        self.notify("Exported " + ", ".join(Path(w).name for w in written))


def _export(ctx: Any, *, trial: str, folder: Path) -> list[str]:
    from datetime import timedelta

    from trial.errors import InputError, Problem
    from trial.service.allocation import export_csv

    if not folder.is_dir():
        raise InputError(Problem("is not a folder", str(folder), field="folder"))
    out = folder / f"{trial}-allocation.csv"
    out.write_text(export_csv(ctx, trial=trial), encoding="utf-8")
    written = [str(out)]
    try:
        from trial.service.fieldwork_report import make_plan
    except ImportError:
        return written
    today = ctx.clock().date()
    plan = make_plan(ctx, trial=trial, date_from=today, date_to=today + timedelta(days=6))
    sheet = folder / f"{trial}-run-sheet-{today.isoformat()}.csv"
    sheet.write_text(plan.csv(), encoding="utf-8")
    written.append(str(sheet))
    return written
