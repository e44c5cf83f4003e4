"""Fixtures for the app's tests: databases in each state, and a driver for the app."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.service.helpers import PROTOCOL, write_spots
from trial.service.context import Context, open_context

# Inside the demo trial's treatment window, so fieldwork may be logged.
NOW = datetime(2024, 2, 10, 23, 30, tzinfo=UTC)


def fixed_clock() -> datetime:
    return NOW


@pytest.fixture
def empty_ctx(tmp_path: Path) -> Iterator[Context]:
    ctx = open_context(str(tmp_path / "t.db"), user="tester", clock=fixed_clock)
    yield ctx
    ctx.engine.dispose()


@pytest.fixture
def draft_ctx(tmp_path: Path) -> Iterator[Context]:
    from trial.service.spots import import_spots
    from trial.service.trials import create_trial

    ctx = open_context(str(tmp_path / "t.db"), user="tester", clock=fixed_clock)
    create_trial(ctx, protocol_text=PROTOCOL, source="p.toml")
    import_spots(ctx, trial=None, path=write_spots(tmp_path))
    yield ctx
    ctx.engine.dispose()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demonstration trial randomised with its crime records and no fieldwork yet, built
    once through the use-cases; tests work on copies."""
    import numpy as np

    from trial.demo.build import DEMO_SEED, demo_protocol_text
    from trial.demo.crimes import add_demo_crimes
    from trial.demo.spots import demo_spots_csv
    from trial.service.allocation import randomise
    from trial.service.registration import register
    from trial.service.spots import import_spot_data
    from trial.service.trials import create_trial

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    ctx = open_context(str(path), user="tester", clock=fixed_clock)
    rng = np.random.default_rng(DEMO_SEED)
    name = create_trial(ctx, protocol_text=demo_protocol_text(), source="demo.toml").trial
    import_spot_data(ctx, trial=name, data=demo_spots_csv(rng).encode(), source="spots.csv")
    register(ctx, trial=name)
    randomise(ctx, trial=name)
    add_demo_crimes(ctx, name, rng)
    ctx.engine.dispose()
    return path


@pytest.fixture
def demo_ctx(demo_db: Path, tmp_path: Path) -> Iterator[Context]:
    import shutil

    path = tmp_path / "t.db"
    shutil.copyfile(demo_db, path)
    ctx = open_context(str(path), user="tester", clock=fixed_clock)
    yield ctx
    ctx.engine.dispose()


async def settle(app, pilot) -> None:  # type: ignore[no-untyped-def]
    """Wait until every worker has finished and its answer has been shown: answers start
    further workers, so wait until three rounds in a row find none running."""
    from textual.worker import WorkerCancelled, WorkerState

    quiet = 0
    for _ in range(100):
        try:
            await app.workers.wait_for_complete()
        except WorkerCancelled:  # an exclusive worker replaced by a newer one
            quiet = 0
            continue
        await pilot.pause()
        busy = any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers)
        quiet = 0 if busy else quiet + 1
        if quiet >= 3:
            return
    raise AssertionError("the app's workers never settled")
