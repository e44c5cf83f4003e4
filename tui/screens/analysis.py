"""Run the registered analysis in a worker; the hypotheses table and a forest plot of ratios."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Header,
    Input,
    LoadingIndicator,
    Static,
    TabbedContent,
    TabPane,
)
from textual_plotext import PlotextPlot

from tui.screens.base import ServiceScreen
from tui.widgets.confirm import ConfirmScreen

SAVE_DETAILS = ("Saving locks the outcome data (if not yet locked: their SHA-256 is stored and "
                "records imported later are reported, never silently included) and stores "
                "these results with the protocol and allocation they came from.")


def _f(x: Any, digits: int = 3) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


class AnalysisScreen(ServiceScreen):
    """The registered analysis: hypotheses, a forest plot, exports."""

    TITLE_TEXT = "Analysis"
    HELP = ("ctrl+r runs the registered analysis (and any amendments, marked) on the data "
            "as they stand, in the background: the app stays usable. The table lists each "
            "hypothesis: the rate ratio with its confidence interval, p, p adjusted for "
            "multiplicity, the randomisation-inference p and the decision. The forest plot "
            "draws the ratios and intervals against 1 (no effect). ctrl+s saves (locking the "
            "outcomes, after a confirmation). Export writes the results (JSON) to a folder.")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+r", "run", "Run"),
                                             Binding("ctrl+s", "save", "Save results")]

    def __init__(self) -> None:
        super().__init__()
        self.doc: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Registered analysis of {self.trial}", classes="screen-title")
        yield Static("Press ctrl+r to run the registered analysis.", id="analysis-note",
                     classes="note")
        yield LoadingIndicator(id="analysing")
        with TabbedContent(classes="body"):
            with TabPane("Hypotheses", id="tab-hypotheses"):
                yield DataTable(id="hypotheses", cursor_type="row")
                yield Static("", id="decision", classes="note")
                yield PlotextPlot(id="forest-inline")
            with TabPane("Forest plot", id="tab-forest"):
                yield PlotextPlot(id="forest")
            with TabPane("Export", id="tab-export"):
                yield Static("Folder for the analysis dataset (spots.csv), results.csv, "
                             "README.txt, analysis.R and the report:", classes="note")
                yield Input(str(self.spotlight.start_dir), id="results-dir")
                with Horizontal(classes="buttons"):
                    yield Button("Export", id="export", variant="primary")
                    yield Button("Write report", id="report")
                yield Static("", id="export-result", classes="note")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#hypotheses", DataTable).add_columns(
            "id", "compare", "window", "ratio", "95% CI", "p", "p adj", "p RI")
        self.query_one("#analysing").display = False

    def on_resize(self) -> None:
        # A tall terminal has room for the forest plot beside the table.
        self.query_one("#forest-inline").display = self.size.height >= 40

    def action_run(self) -> None:
        from trial.service.analysis import run_analysis

        self.query_one("#analysing").display = True
        self.query_one("#analysis-note", Static).update("Running the registered analysis ...")
        self.ask("analysis", run_analysis, trial=self.trial)

    def action_save(self) -> None:
        self.app.push_screen(ConfirmScreen("Save these results?", SAVE_DETAILS, yes="Save"),
                             self._save_confirmed)

    def _save_confirmed(self, yes: bool | None) -> None:
        if yes:
            from trial.service.analysis import run_analysis

            self.query_one("#analysing").display = True
            self.ask("analysis", run_analysis, trial=self.trial, save=True)

    def refused_analysis(self, problems: list[Any], message: str) -> None:
        self.query_one("#analysing").display = False
        self.query_one("#analysis-note", Static).update(f"[red]{message}[/]")

    def answered_analysis(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.query_one("#analysing").display = False
        hyps = doc["hypotheses"]
        table = self.query_one("#hypotheses", DataTable)
        table.clear()
        for h in hyps:
            status = "" if h["status"] == "registered" else f" ({h['status']})"
            compare = " vs ".join(h["compare"]) if h["compare"] else f"factor {h['factor']}"
            table.add_row(h["id"] + status, compare, h["window"], _f(h["estimate"]),
                          f"{_f(h['ci_low'])} to {_f(h['ci_high'])}", _f(h["p_value"], 4),
                          _f(h["p_adjusted"], 4), _f(h["p_randomisation"], 4), key=h["id"])
        if hyps:
            self.query_one("#decision", Static).update(
                "\n".join(f"{h['id']}: {h['decision']}" for h in hyps))
        saved = "; results saved" if doc.get("saved") else ""
        warnings = "".join(f"\n[yellow]{w}[/]" for w in doc.get("warnings", [])[:3])
        self.query_one("#analysis-note", Static).update(
            f"{len(hyps)} hypotheses; protocol {doc['protocol_sha256'][:12]}..., outcome lock "
            f"{(doc['outcome_lock'] or 'none')[:12]}{saved}.{warnings}")
        self.draw_forest(hyps)

    def draw_forest(self, hyps: list[dict[str, Any]]) -> None:
        for plot in self.query(PlotextPlot):
            self._forest(plot, hyps)

    def _forest(self, plot: PlotextPlot, hyps: list[dict[str, Any]]) -> None:
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        shown = [h for h in hyps if h["estimate"] is not None]
        for i, h in enumerate(reversed(shown), start=1):
            lo, hi = h["ci_low"], h["ci_high"]
            if lo is not None and hi is not None:
                plt.plot([lo, hi], [i, i], color="cyan", marker="hd")
            plt.scatter([h["estimate"]], [i], color="orange", marker="●")
        plt.vline(1.0, color="gray")
        plt.ylim(0.5, len(shown) + 0.5)
        plt.yticks(list(range(1, len(shown) + 1)), [h["id"] for h in reversed(shown)])
        plt.title("Rate ratios with 95% intervals (1 = no effect)")
        plt.xlabel("ratio")
        plot.refresh()

    @on(Button.Pressed, "#export")
    def export(self) -> None:
        if self.doc is None:
            self.show_refusal("run the analysis first (ctrl+r)")
            return
        folder = Path(self.query_one("#results-dir", Input).value.strip() or ".").expanduser()
        self.ask("export", _export, doc=self.doc, folder=folder)

    def answered_export(self, written: list[str]) -> None:
        self.query_one("#export-result", Static).update("Wrote " + ", ".join(written))
        self.notify("Exported " + ", ".join(Path(w).name for w in written))

    @on(Button.Pressed, "#report")
    def report(self) -> None:
        folder = Path(self.query_one("#results-dir", Input).value.strip() or ".").expanduser()
        self.ask("report", _report, trial=self.trial, folder=folder)

    def answered_report(self, written: str) -> None:
        self.query_one("#export-result", Static).update(f"Wrote the report: {written}")
        self.notify(f"Report written: {Path(written).name}")


def _export(ctx: Any, *, doc: dict[str, Any], folder: Path) -> list[str]:
    """The export service's files (the same as ``spotlight export``) plus the results shown."""
    from trial.service.export import export_trial

    r = export_trial(ctx, trial=doc["trial"], out=folder)
    out = folder / f"{doc['trial']}-results.json"
    out.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return [str(Path(r["directory"]) / f["name"]) for f in r["files"]] + [str(out)]


def _report(ctx: Any, *, trial: str, folder: Path) -> str:
    from trial.service.export import write_report

    out = folder / f"{trial}-report.html"
    write_report(ctx, trial=trial, out=out)
    return str(out)
