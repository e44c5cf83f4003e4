"""The supervisor's path through keys: log a visit (an error corrected, a flag accepted),
see the visits, void one with a reason."""

from __future__ import annotations

from textual.widgets import Input, Static

from tests.tui.conftest import settle
from trial.service.fieldwork import list_sessions
from trial.service.spots import list_spots
from tui.app import make_app
from tui.widgets.form_field import FormField
from tui.widgets.paged_table import PagedTable

TRIAL = "leeds-nte-demo"


def _spot(ctx, arm: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return next(s for s in list_spots(ctx, trial=TRIAL) if s["arm"] == arm)


async def test_log_a_visit_then_void_it(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    physical, control = _spot(demo_ctx, "physical"), _spot(demo_ctx, "control")
    app = make_app(ctx=demo_ctx)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        await pilot.press("v")
        await settle(app, pilot)
        assert app.screen.query_one("#start", Input).value == "2024-02-10 23:15"
        assert app.screen.query_one("#end", Input).value == "2024-02-10 23:30"
        # Part of the name, Enter takes the match; the officer is left out.
        await pilot.press(*physical["name"].lower(), "enter")
        await pilot.pause()
        assert app.screen.query_one("#spot", Input).value == physical["spot_id"]
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        officer = app.screen.query_one("#field-officer", FormField)
        assert officer.has_class("-invalid")
        assert "officer" in str(officer.query_one(".field-error", Static).render())
        assert list_sessions(demo_ctx, trial=TRIAL, kind="patrol") == []
        app.screen.query_one("#officer", Input).focus()
        await pilot.press(*"PC 1234", "ctrl+s")
        await settle(app, pilot)
        assert "Saved visit" in str(app.screen.query_one("#visit-result", Static).render())
        stored = list_sessions(demo_ctx, trial=TRIAL, kind="patrol")
        assert [(s["spot_id"], s["start"][:16], s["end"][:16], s["officer"], s["flags"])
                for s in stored] == [(physical["spot_id"], "2024-02-10T23:15",
                                      "2024-02-10T23:30", "PC 1234", [])]

        # A control spot: contamination is shown before saving; save anyway.
        await pilot.press(*control["spot_id"].lower(), "enter")
        app.screen.query_one("#start", Input).value = "2024-02-10 22:30"
        app.screen.query_one("#end", Input).value = "2024-02-10 22:45"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "ConfirmScreen"
        assert "contamination" in str(app.screen.query_one("#details", Static).render())
        await pilot.press("y")
        await settle(app, pilot)
        stored = list_sessions(demo_ctx, trial=TRIAL, kind="patrol")
        assert [s["flags"] for s in stored] == [["contamination"], []]
        assert app.officer == "PC 1234"

        await pilot.press("ctrl+l")
        await settle(app, pilot)
        table = app.screen.query_one("#sessions", PagedTable)
        assert table.row_count == 2
        await pilot.press("ctrl+d")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert "reason" in str(app.screen.query_one("#void-error", Static).render())
        await pilot.press(*"wrong spot", "enter")
        await settle(app, pilot)
        voided = [s for s in list_sessions(demo_ctx, trial=TRIAL, kind="patrol") if s["voided"]]
        assert [(v["spot_id"], v["void_reason"]) for v in voided] == [
            (control["spot_id"], "wrong spot")]
        assert "void: wrong spot" in [str(c) for c in table.get_row_at(0)]
