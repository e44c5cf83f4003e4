"""The home screen: trials and state, arms with spot counts, activity; palette, help, quit."""

from __future__ import annotations

from textual.widgets import DataTable, Static

from tests.tui.conftest import settle
from trial.service.audit_trail import entries
from trial.service.spots import list_spots
from tui.app import make_app


def _rows(table: DataTable) -> list[list[str]]:  # type: ignore[type-arg]
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def test_home_shows_the_trial_at_a_glance(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    app = make_app(ctx=demo_ctx)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        assert _rows(app.screen.query_one("#trials", DataTable)) == [
            ["leeds-nte-demo", "randomised"]]
        arms = _rows(app.screen.query_one("#arms", DataTable))
        spots = list_spots(demo_ctx, trial="leeds-nte-demo")
        for arm, _delivers, _ratio, n in arms:
            assert int(n) == sum(1 for s in spots if s["arm"] == arm)
        assert [a[0] for a in arms] == ["digital", "physical", "control"]
        activity = _rows(app.screen.query_one("#activity", DataTable))
        latest = entries(demo_ctx, trial="leeds-nte-demo", limit=1)[0]
        assert activity[0][0] == str(latest["id"]) and activity[0][3] == latest["action"]
        summary = str(app.screen.query_one("#trial-summary", Static).render())
        assert "randomised" in summary and "56 eligible of 60" in summary
        await pilot.press("ctrl+q")
    assert app.return_code == 0


async def test_help_shows_the_screens_keys(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    app = make_app(ctx=demo_ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        assert "Log a visit" in app.screen.text + str(app.screen.keys)
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"


async def test_palette_offers_only_what_the_state_allows(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    from tui.commands import SpotlightCommands

    app = make_app(ctx=demo_ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        titles = [t for t, _h, _n in SpotlightCommands(app.screen)._actions()]
        assert any(t.startswith("Log a visit") for t in titles)
        assert not any(t.startswith("Randomise") for t in titles)
        assert not any(t.startswith("Register") for t in titles)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"audit trail")
        await pilot.pause()
        await pilot.press("enter")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "AuditScreen"


async def test_home_empty_database(empty_ctx) -> None:  # type: ignore[no-untyped-def]
    app = make_app(ctx=empty_ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert app.screen.query_one("#trials", DataTable).row_count == 0
        assert "No trials yet" in str(app.screen.query_one("#trial-summary", Static).render())


async def test_home_lists_incidents(demo_ctx) -> None:  # type: ignore[no-untyped-def]
    from trial.service.fieldwork_report import add_context
    from trial.service.spots import list_spots

    spot = list_spots(demo_ctx, trial="leeds-nte-demo")[0]["spot_id"]
    add_context(demo_ctx, trial="leeds-nte-demo", spot=spot, kind="closure",
                date_from="2024-02-01", text="venue shut for refit")
    app = make_app(ctx=demo_ctx)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        assert _rows(app.screen.query_one("#incidents", DataTable)) == [
            [spot, "closure", "2024-02-01", "ongoing", "venue shut for refit"]]
