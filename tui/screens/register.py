"""Before registering: separation and the design check; then register, with what freezes."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Button, DataTable, Footer, Header, Static

from tui.screens.base import ServiceScreen
from tui.widgets.confirm import ConfirmScreen

FREEZES = (
    "Registering freezes, for good:\n"
    "  - the protocol (arms, design, windows, outcomes, hypotheses and the analysis), by "
    "its SHA-256;\n"
    "  - the {eligible} eligible spots with their geometry and attributes, by their SHA-256.\n"
    "After this, spots cannot be added or removed and the protocol cannot be replaced. "
    "The next step is to randomise, once.")


class RegisterScreen(ServiceScreen):
    """How far apart the spots are, what the design leaves to chance, and Register."""

    TITLE_TEXT = "Register the trial"
    HELP = ("Shows the eligible spots' separation (edge to edge, the closest pairs first) "
            "against the protocol's minimum, and the design check: how many allocations the "
            "design allows and, for re-randomisation, how predictable it is. Press ctrl+r "
            "(or Register) to register: a confirmation says what freezes.")
    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+r", "register", "Register")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"Register {self.trial}", classes="screen-title")
        with VerticalScroll(classes="body"):
            yield Static("Checking spots and design ...", id="preview")
            yield DataTable(id="closest", cursor_type="none", show_cursor=False)
            yield Static("", id="design-check")
            yield DataTable(id="register-problems", cursor_type="row")
            yield Static("", id="register-result")
            yield Button("Register", id="register", variant="warning")
        yield Footer()

    def on_mount(self) -> None:
        from trial.service.app_views import registration_preview

        closest = self.query_one("#closest", DataTable)
        closest.border_title = "Closest pairs (edge to edge)"
        closest.add_columns("spot", "spot", "metres")
        problems = self.query_one("#register-problems", DataTable)
        problems.border_title = "Problems"
        problems.add_columns("field", "problem")
        problems.display = False
        self.ask("preview", registration_preview, trial=self.trial)

    def answered_preview(self, doc: dict[str, Any]) -> None:
        self.eligible = doc["eligible"]
        sep = doc["separation"]
        minimum = doc["min_separation_m"]
        closest_m = sep["min_m"]
        verdict = ""
        if closest_m is not None and minimum > 0:
            verdict = ("  [green]ok[/]" if closest_m >= minimum
                       else "  [red]closer than the protocol allows[/]")
        med = sep["median_nearest_m"]
        self.query_one("#preview", Static).update(
            f"{doc['eligible']} eligible spots. Closest pair: "
            f"{'-' if closest_m is None else f'{closest_m:.1f} m'} (protocol minimum "
            f"{minimum:g} m){verdict}; median distance to the nearest spot "
            f"{'-' if med is None else f'{med:.0f} m'}.")
        table = self.query_one("#closest", DataTable)
        table.clear()
        for p in sep["closest"]:
            table.add_row(p["a"], p["b"], f"{p['distance_m']:.1f}")
        d = doc["design"]
        if "error" in d:
            text = f"Design check: [red]{d['error']}[/]"
        else:
            text = (f"Design check ({d['method']}): {d['total_allocations']:,} possible "
                    f"allocations of {d['spots']} spots; smallest attainable randomisation "
                    f"p-value {d['min_p_value']:.2g}" if d.get("min_p_value") else
                    f"Design check ({d['method']}): {d['total_allocations']} allocations")
            if d.get("warning"):
                text += f"\n[yellow]{d['warning']}[/]"
        power = doc.get("power") or []
        text += "\nPower check: " + ("every confirmatory hypothesis has 80% power or more"
                                     if not power else "")
        for w in power:
            text += f"\n[yellow]{w}[/]"
        self.query_one("#design-check", Static).update(text)

    @on(Button.Pressed, "#register")
    def action_register(self) -> None:
        details = FREEZES.format(eligible=getattr(self, "eligible", "the"))
        self.app.push_screen(ConfirmScreen(f"Register {self.trial}?", details, yes="Register"),
                             self._confirmed)

    def _confirmed(self, yes: bool | None) -> None:
        if yes:
            from trial.service.registration import register

            self.ask("register", register, trial=self.trial)

    def answered_register(self, r: Any) -> None:
        self.spotlight.choose_trial(r.trial, r.state)
        self.query_one("#register-problems", DataTable).display = False
        self.query_one("#register", Button).display = False
        warnings = "".join(f"\n[yellow]{w}[/]" for w in r.warnings)
        self.query_one("#register-result", Static).update(
            f"[green]Registered {r.trial}.[/] Protocol sha256 {r.sha256[:16]}..., spots sha256 "
            f"{r.spots_sha256[:16]}... ({r.eligible} eligible spots). The protocol and the "
            f"spots are frozen. Next: randomise (z on the home screen).{warnings}")
        self.notify(f"Registered {r.trial}")

    def refused_register(self, problems: list[Any], message: str) -> None:
        table = self.query_one("#register-problems", DataTable)
        table.clear()
        table.display = True
        for p in problems:
            table.add_row(p.field or "", p.what)
        if not problems:
            table.add_row("", message)
        self.query_one("#register-result", Static).update("[red]Not registered.[/]")
