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
import statistics
import sys
import time
from typing import Any

PAGE_KEYS = 400
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
    watcher.take()
    await pilot.press(key)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()
    return watcher.take()


async def run(db: str) -> dict[str, Any]:
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
        await _until(pilot, lambda: screen.is_mounted and screen.table.total > 0)
        await pilot.pause()
        loaded = time.perf_counter() - start
        watcher = Watcher()
        watcher.start()
        await pilot.pause()
        total = screen.table.total
        steps: dict[str, list[float]] = {"down": [], "pagedown": [], "end": [], "pageup": []}
        for _ in range(50):
            steps["down"].append(await _step(pilot, watcher, "down"))
        for _ in range(PAGE_KEYS):
            steps["pagedown"].append(await _step(pilot, watcher, "pagedown"))
        # "end" jumps to the last row shown; each jump brings in the next page of rows, so
        # these steps walk through the whole table.
        while screen.table.row_count < total and len(steps["end"]) < 1000:
            steps["end"].append(await _step(pilot, watcher, "end"))
        steps["end"].append(await _step(pilot, watcher, "end"))
        for _ in range(PAGE_KEYS):
            steps["pageup"].append(await _step(pilot, watcher, "pageup"))
        shown = screen.table.row_count
        await pilot.press("ctrl+q")
    every = [t for ts in steps.values() for t in ts]
    return {
        "sessions": total, "rows_shown_at_end": shown, "load_seconds": loaded,
        "steps": len(every), "max_step_seconds": max(every),
        "median_step_seconds": statistics.median(every),
        "by_key": {k: {"n": len(v), "max": max(v), "median": statistics.median(v)}
                   for k, v in steps.items() if v},
    }


def main() -> None:
    result = asyncio.run(run(sys.argv[1]))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
