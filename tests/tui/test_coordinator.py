"""The coordinator's path through keys: create, import spots, register, randomise, audit."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Input, Static

from tests.service.helpers import PROTOCOL, write_spots
from tests.tui.conftest import settle
from trial.service.allocation import show
from trial.service.audit_trail import entries
from trial.service.trials import list_trials
from tui.app import make_app
from tui.widgets.paged_table import PagedTable


def _text(app, selector: str) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one(selector, Static).render())


async def test_create_register_randomise(empty_ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.toml"
    bad.write_text(PROTOCOL.replace('method = "stratified"', 'method = "coin"'), encoding="utf-8")
    good = tmp_path / "good.toml"
    good.write_text(PROTOCOL, encoding="utf-8")
    spots = write_spots(tmp_path)
    app = make_app(ctx=empty_ctx, start_dir=tmp_path)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "CreateTrialScreen"
        app.screen.query_one(Input).value = str(bad)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        problems = app.screen.query_one("#key-problems", DataTable)
        assert problems.display and problems.row_count >= 1
        assert any("design.method" in str(problems.get_row_at(i)[1])
                   for i in range(problems.row_count))
        assert list_trials(empty_ctx) == []
        app.screen.query_one(Input).value = str(good)
        await pilot.press("enter", "ctrl+s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        assert [t.trial for t in list_trials(empty_ctx)] == ["test-trial"]

        await pilot.press("i")
        await settle(app, pilot)
        app.screen.query_one(Input).value = str(spots)
        await pilot.press("enter")
        await settle(app, pilot)
        assert "Imported 6 spots" in _text(app, "#spots-result")

        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "RegisterScreen"
        assert "6 eligible spots" in _text(app, "#preview")
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert "freezes" in _text(app, "#details")
        await pilot.press("y")
        await settle(app, pilot)
        assert "Registered test-trial" in _text(app, "#register-result")
        assert list_trials(empty_ctx)[0].state == "registered"

        await pilot.press("escape", "escape")
        await settle(app, pilot)
        await pilot.press("z")
        await pilot.pause()
        assert "no way to draw again" in _text(app, "#details")
        await pilot.press("y")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "AllocationScreen"
        assert app.screen.query_one("#allocation", PagedTable).row_count == 6
        assert app.screen.query_one("#balance", DataTable).row_count > 0
        assert "allocation_sha256" in _text(app, "#certificate")
        stored = show(empty_ctx, trial="test-trial")
        assert len(stored.rows) == 6
        await pilot.press("escape")
        await settle(app, pilot)
        # Randomised: the palette and the keys no longer offer a second draw.
        await pilot.press("z")
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"
        assert show(empty_ctx, trial="test-trial").sha256 == stored.sha256

        await pilot.press("a")
        await settle(app, pilot)
        assert app.screen.query_one("#entries", PagedTable).row_count == len(
            entries(empty_ctx, trial="test-trial", limit=1000))
        await pilot.press("ctrl+v")
        await settle(app, pilot)
        assert "Intact" in _text(app, "#verify-result")
