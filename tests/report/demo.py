"""The demo trial with its results saved, built once per test process and shared."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from trial.demo.build import build_demo
from trial.service.analysis import run_analysis
from trial.service.context import Context, open_context

_BUILT: dict[str, Any] = {}


def saved_demo() -> tuple[Context, dict[str, Any]]:
    """(context on the demo database, the saved results document)."""
    if not _BUILT:
        folder = Path(tempfile.mkdtemp(prefix="spotlight-demo-"))
        ctx = open_context(str(folder / "demo.db"), user="tester")
        build_demo(ctx)
        _BUILT["ctx"] = ctx
        _BUILT["doc"] = run_analysis(ctx, trial=None, save=True)
    return _BUILT["ctx"], _BUILT["doc"]
