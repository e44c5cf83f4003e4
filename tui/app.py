"""The Spotlight app: trials, their state and spots; every read goes through trial.service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import App
from textual.binding import Binding

from tui.screens.home import HomeScreen


class SpotlightApp(App[None]):
    """One app for coordinators, supervisors, vendors and researchers."""

    CSS_PATH = Path(__file__).parent / "app.tcss"
    TITLE = "Spotlight"
    SUB_TITLE = "randomised trials of hot-spot policing"
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", priority=True)]

    def __init__(self, *, ctx: Any) -> None:
        super().__init__()
        self.ctx = ctx

    def on_mount(self) -> None:
        self.push_screen(HomeScreen())


def make_app(*, db: str | None = None, user: str | None = None, ctx: Any = None) -> SpotlightApp:
    """Build the app for the command line and for tests (a ready service context may be given)."""
    if ctx is None:
        from trial.service.context import open_context

        ctx = open_context(db, user=user)
    return SpotlightApp(ctx=ctx)
