"""Start-up: `trial list` and the app's first screen come from the catalogue, unchanged."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from tests.cli.run import Result, run
from tests.store.trial_states import LISTED, build_trials
from tests.tui.conftest import settle
from trial.service.context import open_context
from tui.app import make_app

HEAVY = ("sqlalchemy", "sqlmodel", "pydantic", "alembic", "numpy", "pandas", "scipy", "pyproj",
         "shapely", "matplotlib")

# The console script, in a process of its own, optionally with the catalogue turned off (the
# way every listing went before it existed), reporting the heavy packages it loaded.
SCRIPT = """
import sys
import trial.service.catalogue as catalogue
if {full}:
    catalogue.quick_trials = lambda db, *, user: None
from tui.launch import main
sys.argv = ["spotlight", *{args!r}]
try:
    main()
finally:
    heavy = sorted({{m.split(".")[0] for m in sys.modules}} & set({heavy!r}))
    sys.stderr.write("loaded: " + ",".join(heavy) + "\\n")
"""


def _script(db: Path, *args: str, full: bool) -> tuple[Result, list[str]]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("SPOTLIGHT_")}
    env["SPOTLIGHT_USER"] = "tester"
    code = SCRIPT.format(full=full, args=["--db", str(db), *args], heavy=HEAVY)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                       stdin=subprocess.DEVNULL, timeout=120)
    err, _, loaded = p.stderr.rpartition("loaded: ")
    return Result(p.returncode, p.stdout, err), [m for m in loaded.strip().split(",") if m]


@pytest.fixture
def several(tmp_path: Path) -> Path:
    db = tmp_path / "several.db"
    ctx = open_context(str(db), user="tester")
    build_trials(ctx, tmp_path)
    ctx.engine.dispose()
    return db


@pytest.mark.parametrize("as_json", [False, True], ids=["table", "json"])
def test_trial_list_is_byte_identical_and_light(several: Path, as_json: bool) -> None:
    args = ("trial", "list", *(["--json"] if as_json else []))
    quick, quick_loaded = _script(several, *args, full=False)
    full, full_loaded = _script(several, *args, full=True)
    assert (quick.code, quick.err) == (0, "")
    assert quick.out == full.out and (full.code, full.err) == (0, "")
    assert quick_loaded == [] and "sqlalchemy" in full_loaded
    if as_json:
        assert quick.out == json.dumps(
            [{"trial": t, "state": s, "spots": n} for t, s, n in LISTED]) + "\n"
    else:
        assert [[c.strip() for c in line.split("│")[1:4]]
                for line in quick.out.splitlines() if "│ " in line] == [
            [t, s, str(n)] for t, s, n in LISTED]
        # The installed console script prints the same.
        assert run(str(Path(sys.executable).parent / "spotlight"), several, *args).out == (
            quick.out)


def test_no_trials_and_no_database(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    open_context(str(empty), user="tester").engine.dispose()
    quick, loaded = _script(empty, "trial", "list", full=False)
    full, _ = _script(empty, "trial", "list", full=True)
    assert quick == full and loaded == []
    assert quick.out == "No trials yet: `spotlight trial create --protocol FILE.toml`.\n"
    new = tmp_path / "new.db"
    created, _ = _script(new, "trial", "list", full=False)
    assert created == quick and new.exists()


@pytest.mark.parametrize("command", [("trial", "list"), ()], ids=["trial-list", "app"])
def test_old_schema_is_refused_before_anything_starts(tmp_path: Path,
                                                      command: tuple[str, ...]) -> None:
    import sqlite3

    db = tmp_path / "old.db"
    open_context(str(db), user="tester").engine.dispose()
    con = sqlite3.connect(db)
    con.execute("UPDATE alembic_version SET version_num = '0001'")
    con.commit()
    con.close()
    quick, _ = _script(db, *command, full=False)
    full, _ = _script(db, *command, full=True)
    assert quick == full and quick.code == 1 and quick.out == ""
    assert quick.err.startswith("spotlight: error: the database is at schema 0001 and this "
                                "Spotlight needs ")
    assert quick.err.endswith(": run `spotlight db upgrade` (it backs the database up first)\n")


async def test_app_first_screen_from_the_catalogue_then_the_service(several: Path) -> None:
    app = make_app(db=str(several), user="tester")
    assert app._ctx is None  # nothing opened before the first screen
    async with app.run_test(size=(100, 32)) as pilot:
        table = app.screen.query_one("#trials", DataTable)
        assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == [
            t for t, _s, _n in LISTED]
        await settle(app, pilot)
        assert app._ctx is not None  # opened behind the first screen
        summary = str(app.screen.query_one("#trial-summary", Static).render())
        assert "alpha" in summary and "registered" in summary
        table.move_cursor(row=3)
        await settle(app, pilot)
        assert app.trial_state == "randomised"
        await pilot.press("s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "SessionsScreen"
        await pilot.press("escape")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        assert table.row_count == 4


async def test_an_action_before_the_service_opens_waits_for_it(several: Path) -> None:
    import threading

    from textual.widgets import Input

    from trial.service.catalogue import quick_trials
    from tui.app import SpotlightApp

    gate = threading.Event()

    def slow_open() -> object:
        gate.wait(30)
        return open_context(str(several), user="tester")

    app = SpotlightApp(open_ctx=slow_open, first_trials=quick_trials(str(several), user="t"))
    async with app.run_test(size=(100, 32)) as pilot:
        app.screen.query_one("#trials", DataTable).move_cursor(row=3)
        await pilot.pause()
        assert app.trial_state == "randomised"
        # "v" and then the spot typed straight after it, before the service has opened: "n"
        # (create a trial on the home screen) must reach the form's spot field, in order.
        await pilot.press("v", "n", "t", "e")
        await pilot.pause()
        assert type(app.screen).__name__ == "HomeScreen"  # held until the service is open
        gate.set()
        await settle(app, pilot)
        assert type(app.screen).__name__ == "VisitScreen"
        assert app.screen.query_one("#start", Input).value  # its defaults came through
        for _ in range(50):
            if app.screen.query_one("#spot", Input).value:
                break
            await pilot.pause(0.02)
        assert app.screen.query_one("#spot", Input).value == "nte"


async def test_a_service_that_cannot_open_is_reported_on_the_action(several: Path) -> None:
    from trial.errors import RefusedError
    from trial.service.catalogue import quick_trials
    from tui.app import SpotlightApp

    def failing() -> object:
        raise RefusedError("the database went away")

    app = SpotlightApp(open_ctx=failing, first_trials=quick_trials(str(several), user="t"))
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(app, pilot)
        await pilot.press("a")  # the audit trail: offered in every state
        await settle(app, pilot)
        assert type(app.screen).__name__ == "HomeScreen"
        # Said by the home screen's overview, and again for the action asked for.
        assert {n.message for n in app._notifications} == {"the database went away"}
