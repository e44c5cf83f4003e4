"""The command palette: every action the chosen trial's state allows."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui.actions import offered

if TYPE_CHECKING:
    from tui.app import SpotlightApp


class SpotlightCommands(Provider):
    """Actions by title, for the trial chosen on the home screen."""

    @property
    def spotlight(self) -> SpotlightApp:
        return self.app  # type: ignore[return-value]

    def _actions(self) -> list[tuple[str, str, str]]:
        app = self.spotlight
        return [(f"{a.title} ({a.who})", a.help, a.name) for a in offered(app.trial_state)]

    async def discover(self) -> Hits:
        for title, help_text, name in self._actions():
            yield DiscoveryHit(title, partial(self.spotlight.open_action, name), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, name in self._actions():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self.spotlight.open_action,
                                                                   name), help=help_text)
