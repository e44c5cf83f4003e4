"""The Spotlight app: one app for coordinators, supervisors, vendors and researchers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from textual import events, on
from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen

from tui.actions import BY_NAME, offered
from tui.commands import SpotlightCommands
from tui.screens.home import HomeScreen

# Keys that always act at once, even while an action waits for the service.
PASS_THROUGH = frozenset({"ctrl+q", "ctrl+c"})

RANDOMISE_DETAILS = (
    "The allocation is drawn once, from the registered protocol, the frozen spots and a "
    "seed; it is stored with a certificate so anyone can re-derive it. There is no way to "
    "draw again.")


class ServiceOpened(Message):
    """The service context opened behind the first screen (``error`` says why not)."""

    def __init__(self, error: str | None) -> None:
        super().__init__()
        self.error = error


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

    def __init__(self, *, ctx: Any = None, start_dir: Path | None = None,
                 open_ctx: Callable[[], Any] | None = None,
                 first_trials: list[Any] | None = None) -> None:
        super().__init__()
        if ctx is None and open_ctx is None:
            raise ValueError("the app needs a service context or a way to open one")
        self._ctx = ctx
        self._open_ctx = open_ctx
        self._opening = threading.Lock()
        self._first_trials = first_trials
        self._opener_running = False
        self._waiting: str | None = None  # an action asked for before the service opened
        self._typed_ahead: list[events.Key] = []  # keys typed while it waited
        self.trial: str | None = None
        self.trial_state: str | None = None
        self.start_dir = start_dir or Path.cwd()
        self.officer = ""

    @property
    def ctx(self) -> Any:
        """The service context; opened on first use when the app started from the catalogue."""
        if self._ctx is None:
            with self._opening:
                if self._ctx is None and self._open_ctx is not None:
                    self._ctx = self._open_ctx()
        return self._ctx

    def take_first_trials(self) -> list[Any] | None:
        """The trials read at start-up for the first screen (once; later screens ask anew)."""
        first, self._first_trials = self._first_trials, None
        return first

    def on_mount(self) -> None:
        self.push_screen(HomeScreen())
        if self._ctx is None:
            # The first screen is up from the catalogue; load the service layer behind it, so
            # the first action does not wait for it.
            self.call_after_refresh(self._open_in_background)

    def _open_in_background(self) -> None:
        if self._ctx is None and not self._opener_running:
            self._opener_running = True
            self.run_worker(self._open_service, thread=True, group="open",
                            exit_on_error=False)

    def _open_service(self) -> None:
        from trial.errors import SpotlightError

        try:
            self.ctx  # noqa: B018 - opening is the point
        except SpotlightError as exc:
            self.post_message(ServiceOpened(str(exc)))
        except Exception as exc:  # noqa: BLE001 - a bug is reported in one line, never raised
            self.post_message(ServiceOpened(
                f"internal error ({type(exc).__name__}: {exc}); please report it"))
        else:
            self.post_message(ServiceOpened(None))

    async def on_event(self, event: events.Event) -> None:
        # Keys typed while an action waits for the service belong to the screen it opens (a
        # supervisor types "v", then the spot, without waiting): held, then replayed there in
        # order, rather than reaching the home screen and its bindings.
        if (self._waiting is not None and isinstance(event, events.Key)
                and not event.is_forwarded and event.key not in PASS_THROUGH):
            self._typed_ahead.append(event)
            return
        await super().on_event(event)

    @on(ServiceOpened)
    def _service_opened(self, message: ServiceOpened) -> None:
        self._opener_running = False
        waiting, self._waiting = self._waiting, None
        typed, self._typed_ahead = self._typed_ahead, []
        if message.error is not None:
            if waiting is not None:
                self.notify(message.error, title="Refused", severity="error", timeout=8)
            return
        if waiting is not None:
            self.open_action(waiting)
            # Never into a confirmation: a typed-ahead key must not say yes to a draw.
            if typed and waiting != "randomise":
                self.call_after_refresh(self._replay, typed, 0)

    def _replay(self, typed: list[events.Key], tries: int) -> None:
        """Keys typed ahead, delivered to the screen just opened once it has its focus."""
        screen = self.screen
        if (not screen.is_mounted or screen.focused is None) and tries < 100:
            self.set_timer(0.02, partial(self._replay, typed, tries + 1))
            return
        for key in typed:
            self.post_message(events.Key(key.key, key.character))

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
        # Loaded on first use: the help screen brings in Markdown, which start-up can do without.
        from tui.widgets.help import HelpScreen

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
        if self._ctx is None:
            # Every screen but home reads through the service as it opens: open the screen
            # once the service is ready, so it looks and answers as it always has.
            self._waiting = name
            self._open_in_background()
            return
        if name == "randomise":
            from tui.widgets.confirm import ConfirmScreen

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
    """Build the app for the command line and for tests (a ready service context may be given).

    Without a context, the trials for the first screen are read from the SQLite catalogue
    when it can answer, and the service context opens behind the first screen; otherwise
    (PostgreSQL, a new database, an unknown user) the context is opened first, as the
    command line does. A database at another schema is refused before the app starts.
    """
    if ctx is not None:
        return SpotlightApp(ctx=ctx, start_dir=start_dir)
    from trial.service.catalogue import quick_trials

    first = quick_trials(db, user=user)
    if first is None:
        return SpotlightApp(ctx=_open_context(db, user), start_dir=start_dir)
    return SpotlightApp(open_ctx=partial(_open_context, db, user), first_trials=first,
                        start_dir=start_dir)


def _open_context(db: str | None, user: str | None) -> Any:
    from trial.service.context import open_context

    return open_context(db, user=user)
