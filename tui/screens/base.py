"""The base of every screen: service calls in thread workers, answers by message, help text."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static

from tui.messages import ServiceAnswered, ServiceRefused

if TYPE_CHECKING:
    from tui.app import SpotlightApp


class ServiceScreen(Screen[Any]):
    """A screen that calls ``trial.service`` in workers and shows answers and refusals.

    ``self.ask("name", fn, **kwargs)`` runs ``fn(ctx, **kwargs)`` in a thread; the answer
    arrives at ``self.answered_name(result)`` and a refusal at ``self.refused_name(problems,
    message)`` when defined, otherwise it is shown with :meth:`show_refusal`.
    """

    HELP: ClassVar[str] = ""
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back")]

    @property
    def spotlight(self) -> SpotlightApp:
        return self.app  # type: ignore[return-value]

    @property
    def trial(self) -> str | None:
        return self.spotlight.trial

    def ask(self, request: str, fn: Callable[..., Any], /, **kwargs: Any) -> None:
        self.run_worker(partial(self._call, request, fn, kwargs), thread=True,
                        group=request, exclusive=True, name=request)

    def _call(self, request: str, fn: Callable[..., Any], kwargs: dict[str, Any]) -> None:
        from trial.errors import InputError, SpotlightError

        try:
            result = fn(self.spotlight.ctx, **kwargs)
        except InputError as exc:
            self.post_message(ServiceRefused(request, list(exc.problems), str(exc)))
        except SpotlightError as exc:
            self.post_message(ServiceRefused(request, [], str(exc)))
        except Exception as exc:  # noqa: BLE001 - a bug is reported in one line, never raised
            self.post_message(ServiceRefused(
                request, [], f"internal error ({type(exc).__name__}: {exc}); please report it"))
        else:
            self.post_message(ServiceAnswered(request, result))

    @on(ServiceAnswered)
    def _answered(self, message: ServiceAnswered) -> None:
        message.stop()
        handler = getattr(self, f"answered_{message.request}", None)
        if handler is not None:
            handler(message.result)

    @on(ServiceRefused)
    def _refused(self, message: ServiceRefused) -> None:
        message.stop()
        handler = getattr(self, f"refused_{message.request}", None)
        if handler is not None:
            handler(message.problems, message.message)
        else:
            self.show_refusal(message.message)

    def show_refusal(self, text: str) -> None:
        self.notify(text, title="Refused", severity="error", timeout=8)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.dismiss(None)


def note(text: str, *, id: str | None = None, classes: str = "note") -> Static:
    """A muted line of explanation."""
    return Static(text, id=id, classes=classes)
