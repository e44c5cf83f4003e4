"""Printing results: one JSON document with ``--json``, else tables for people."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any


def emit_json(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, default=str) + "\n")


def warn(message: str) -> None:
    sys.stderr.write(f"spotlight: warning: {message}\n")


def say(message: str) -> None:
    from rich.console import Console

    Console(highlight=False, soft_wrap=True).print(message)


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title=title, show_lines=False, header_style="bold")
    for c in columns:
        t.add_column(c, overflow="fold")
    for r in rows:
        t.add_row(*["" if v is None else str(v) for v in r])
    Console().print(t)
