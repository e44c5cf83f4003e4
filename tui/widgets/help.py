"""Help for the current screen: what it is for and its keys."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown


class HelpScreen(ModalScreen[None]):
    """The current screen's help text and the keys that work there."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 80%; max-width: 100; height: 80%; border: thick $accent;
        background: $surface; padding: 0 1;
    }
    """
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def __init__(self, title: str, text: str, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text, self.text, self.keys = title, text, keys

    def compose(self) -> ComposeResult:
        rows = "\n".join(f"| `{k}` | {d} |" for k, d in self.keys)
        doc = (f"# {self.title_text}\n\n{self.text}\n\n## Keys\n\n| key | does |\n|---|---|\n"
               f"{rows}\n| `ctrl+p` | command palette: every action |\n| `ctrl+q` | quit |\n")
        with VerticalScroll():
            yield Markdown(doc)

    def action_close(self) -> None:
        self.dismiss(None)
