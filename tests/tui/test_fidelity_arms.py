"""The fidelity screen's arm rows equal the fidelity report's arms in every field shown."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from trial.service.context import open_context
from trial.service.fieldwork_report import fidelity_report
from tui.screens.fidelity import window_arms

SHOWN = ("arm", "spots", "spots_received", "patrol_visits", "patrol_minutes",
         "planned_minutes", "ad_impressions", "ad_spend", "contamination", "cost_gbp")


def test_window_arms_equal_the_report_on_the_demo_trial(tmp_path: Path) -> None:
    from trial.demo.build import build_demo

    ctx = open_context(str(tmp_path / "demo.db"), user="tester",
                       clock=lambda: datetime(2024, 2, 10, 23, 30, tzinfo=UTC))
    build_demo(ctx)
    want = fidelity_report(ctx, trial=None)["arms"]
    got = window_arms(ctx, trial=None)
    assert [{k: a[k] for k in SHOWN} for a in got] == [{k: a[k] for k in SHOWN} for a in want]
    assert sum(a["cost_gbp"] for a in got) > 0
    ctx.engine.dispose()
