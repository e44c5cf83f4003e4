"""The home screen: trials with state and spot counts, a trial's spots, ctrl+q quits."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from tests.service.helpers import PROTOCOL, write_spots
from trial.service.context import open_context
from trial.service.spots import import_spots
from trial.service.trials import create_trial
from tui.app import make_app


@pytest.fixture
def filled(tmp_path):  # type: ignore[no-untyped-def]
    ctx = open_context(str(tmp_path / "t.db"), user="tester")
    create_trial(ctx, protocol_text=PROTOCOL, source="p.toml")
    import_spots(ctx, trial=None, path=write_spots(tmp_path))
    return ctx


async def test_home_shows_trials_and_spots(filled) -> None:  # type: ignore[no-untyped-def]
    app = make_app(ctx=filled)
    async with app.run_test(size=(100, 32)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        trials = app.screen.query_one("#trials", DataTable)
        assert trials.row_count == 1
        assert [str(c) for c in trials.get_row_at(0)] == ["test-trial", "draft", "6"]
        await app.workers.wait_for_complete()
        await pilot.pause()
        spots = app.screen.query_one("#spots", DataTable)
        assert spots.row_count == 6
        assert str(spots.get_row_at(0)[0]) == "S01"
        await pilot.press("ctrl+q")
    assert app.return_code == 0 or app.return_code is None


async def test_home_empty_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = make_app(db=str(tmp_path / "empty.db"), user="tester")
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query_one("#trials", DataTable).row_count == 0
