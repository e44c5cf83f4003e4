"""The Spotlight app: one app for coordinators, supervisors, vendors and researchers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from tui.actions import BY_NAME, offered
from tui.commands import SpotlightCommands
from tui.screens.home import HomeScreen
from tui.widgets.confirm import ConfirmScreen
from tui.widgets.help import HelpScreen

RANDOMISE_DETAILS = (
    "The allocation is drawn once, from the registered protocol, the frozen spots and a "
    "seed; it is stored with a certificate so anyone can re-derive it. There is no way to "
    "draw again.")


class SpotlightApp(App[None]):
    """Trials, their fieldwork and their results; every read and write goes through the service."""

    CSS_PATH = Path(__file__).parent / "app.tcss"
    TITLE = "Spotlight"
    SUB_TITLE = "randomised trials of hot-spot policing"
    COMMANDS = App.COMMANDS | {SpotlightCommands}
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("question_mark", "help", "Help"),
    ]

    def __init__(self, *, ctx: Any, start_dir: Path | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.trial: str | None = None
        self.trial_state: str | None = None
        self.start_dir = start_dir or Path.cwd()
        self.officer = ""

    def on_mount(self) -> None:
        self.push_screen(HomeScreen())

    def choose_trial(self, name: str | None, state: str | None) -> None:
        changed = (name, state) != (self.trial, self.trial_state)
        self.trial, self.trial_state = name, state
        if changed:
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys for actions the chosen trial's state does not allow are hidden."""
        if action == "open" and parameters:
            return BY_NAME[str(parameters[0])] in offered(self.trial_state)
        return True

    def action_help(self) -> None:
        screen = self.screen
        if isinstance(screen, HelpScreen):
            return
        keys = [(self.get_key_display(a.binding), a.binding.description)
                for a in screen.active_bindings.values() if a.binding.description]
        title = getattr(screen, "TITLE_TEXT", type(screen).__name__)
        self.push_screen(HelpScreen(title, getattr(screen, "HELP", ""), keys))

    def open_action(self, name: str) -> None:
        """Open the screen for an action, if the chosen trial's state allows it."""
        action = BY_NAME[name]
        if action not in offered(self.trial_state):
            where = (f"trial {self.trial} is {self.trial_state}" if self.trial
                     else "no trial is chosen")
            self.notify(f"{action.title}: not now ({where})", severity="warning")
            return
        if name == "randomise":
            self.push_screen(ConfirmScreen(f"Randomise {self.trial}?", RANDOMISE_DETAILS,
                                           yes="Randomise"), self._randomise_confirmed)
            return
        self.push_screen(screen_for(name))

    def _randomise_confirmed(self, yes: bool | None) -> None:
        if yes:
            from tui.screens.allocation import AllocationScreen

            self.push_screen(AllocationScreen(randomise=True))

    def action_open(self, name: str) -> None:
        self.open_action(name)


def screen_for(name: str) -> Screen[Any]:
    """The screen that does ``name`` (modules load when first used)."""
    from importlib import import_module

    module, cls = SCREENS[name]
    return getattr(import_module(f"tui.screens.{module}"), cls)()  # type: ignore[no-any-return]


SCREENS: dict[str, tuple[str, str]] = {
    "create": ("create_trial", "CreateTrialScreen"),
    "spots": ("spots_import", "SpotsImportScreen"),
    "register": ("register", "RegisterScreen"),
    "allocation": ("allocation", "AllocationScreen"),
    "audit": ("audit", "AuditScreen"),
    "context": ("context", "ContextScreen"),
    "visit": ("visit", "VisitScreen"),
    "sessions": ("sessions", "SessionsScreen"),
    "runsheet": ("runsheet", "RunSheetScreen"),
    "ads": ("ads", "AdsScreen"),
    "crimes": ("crimes", "CrimesScreen"),
    "outcomes": ("outcomes", "OutcomesScreen"),
    "demand": ("demand", "DemandScreen"),
    "fidelity": ("fidelity", "FidelityScreen"),
    "analysis": ("analysis", "AnalysisScreen"),
}


def make_app(*, db: str | None = None, user: str | None = None, ctx: Any = None,
             start_dir: Path | None = None) -> SpotlightApp:
    """Build the app for the command line and for tests (a ready service context may be given)."""
    if ctx is None:
        from trial.service.context import open_context

        ctx = open_context(db, user=user)
    return SpotlightApp(ctx=ctx, start_dir=start_dir)
