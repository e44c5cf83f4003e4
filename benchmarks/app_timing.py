"""The app driven by Textual's Pilot on the scale database: first screen, then scrolling.

``python -m benchmarks.app_timing DB`` prints ``first-screen`` on stdout as soon as the home
screen lists the trials (the parent times the process from its start to that line), then one
JSON object: how long the sessions took to load into the sessions screen, and for every
scrolling step the longest frame: the longest time the app's event loop was busy without a
break (Textual draws on that loop, so no frame can reach the terminal sooner). A watcher task
asks to wake every 2 ms and records how late each wake-up is. Pilot's own waits between
steps are sleeps, which the watcher sees as idle, not as frames.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
from typing import Any, NoReturn

PAGE_KEYS = 100
STEP_WAIT = 0.05
LOAD_LIMIT = 180.0
WALK_LIMIT = 120.0
SIZE = (120, 40)


async def _until(pilot: Any, ready: Any, timeout: float = 120.0) -> None:
    start = time.perf_counter()
    while not ready():
        if time.perf_counter() - start > timeout:
            raise TimeoutError("the app did not get there in time")
        await pilot.pause(0.005)


class Watcher:
    """Measures event-loop stalls: the gaps between wake-ups asked for every 2 ms."""

    TICK = 0.002

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _watch(self) -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(self.TICK)
            now = time.perf_counter()
            self.worst = max(self.worst, now - last - self.TICK)
            last = now

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._watch())

    def take(self) -> float:
        worst, self.worst = self.worst, 0.0
        return worst


async def _step(pilot: Any, watcher: Watcher, key: str) -> float:
    # The key goes in as a terminal key event; then three refresh periods pass. Pilot's
    # press() would also wait for the whole process to go idle, which never happens while
    # a screen below computes in a worker thread.
    watcher.take()
    pilot.app.simulate_key(key)
    await pilot.pause(STEP_WAIT)
    return watcher.take()


async def run(db: str) -> None:
    from textual.widgets import DataTable

    from tui.app import make_app
    from tui.screens.sessions import SessionsScreen

    app = make_app(db=db, user="bench")
    async with app.run_test(size=SIZE) as pilot:
        await _until(pilot, lambda: app.screen.query("#trials")
                     and app.screen.query_one("#trials", DataTable).row_count > 0)
        print("first-screen", flush=True)
        app.choose_trial("scale", "randomised")
        start = time.perf_counter()
        screen = SessionsScreen(kind="all")
        await app.push_screen(screen)
        try:
            await _until(pilot, lambda: screen.is_mounted and screen.table.total > 0,
                         timeout=LOAD_LIMIT)
        except TimeoutError:
            _emit({"sessions": None, "load_seconds": None, "load_limit": LOAD_LIMIT,
                   "steps": 0, "max_step_seconds": None})
        await pilot.pause()
        loaded = time.perf_counter() - start
        print(f"loaded {screen.table.total} sessions in {loaded:.1f}s", file=sys.stderr,
              flush=True)
        watcher = Watcher()
        watcher.start()
        await pilot.pause()
        total = screen.table.total
        steps: dict[str, list[float]] = {"down": [], "pagedown": [], "ctrl+end": [], "pageup": []}
        for _ in range(20):
            steps["down"].append(await _step(pilot, watcher, "down"))
        for _ in range(PAGE_KEYS):
            steps["pagedown"].append(await _step(pilot, watcher, "pagedown"))
        # ctrl+end goes to the last row of the table (the table fetches the last page); the loop
        # keeps pressing until the last session is on screen, however the table pages.
        def last_shown() -> int:
            return int(screen.table.page_offset + screen.table.row_count)

        walk = time.perf_counter()
        while (last_shown() < total and len(steps["ctrl+end"]) < 1000
               and time.perf_counter() - walk < WALK_LIMIT):
            steps["ctrl+end"].append(await _step(pilot, watcher, "ctrl+end"))
            if len(steps["ctrl+end"]) % 20 == 0:
                print(f"ctrl+end x{len(steps['ctrl+end'])}: row {last_shown()} shown, "
                      f"{time.perf_counter() - start:.1f}s", file=sys.stderr, flush=True)
        steps["ctrl+end"].append(await _step(pilot, watcher, "ctrl+end"))
        reached = last_shown()
        for _ in range(PAGE_KEYS):
            steps["pageup"].append(await _step(pilot, watcher, "pageup"))
        every = [t for ts in steps.values() for t in ts]
        _emit({
            "sessions": total, "last_row_reached": reached, "load_seconds": loaded,
            "steps": len(every), "max_step_seconds": max(every),
            "median_step_seconds": statistics.median(every),
            "by_key": {k: {"n": len(v), "max": max(v), "median": statistics.median(v)}
                       for k, v in steps.items() if v},
        })
    raise AssertionError("not reached")


def _emit(result: dict[str, Any]) -> NoReturn:
    """Print the result and end the process at once: a screen's worker thread may still be
    computing, and leaving the app would wait for it; the measurement is done."""
    print(json.dumps(result), flush=True)
    sys.stderr.flush()
    os._exit(0)


def main() -> None:
    asyncio.run(run(sys.argv[1]))


if __name__ == "__main__":
    main()
