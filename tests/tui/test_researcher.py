"""The researcher's path through keys: import crimes (progress), outcome table, demand
profile, run the analysis in a worker, export."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import DataTable, Input, ProgressBar, Select, Static

from tests.tui.conftest import settle
from trial.service.outcomes import lock_status
from tui.app import make_app
from tui.widgets.file_chooser import FileChooser
from tui.widgets.paged_table import PagedTable

TRIAL = "leeds-nte-demo"


def _force_extract(ctx, tmp_path: Path) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    """Records on three spots' centres in February and March 2024, in the demo's layout."""
    from trial.demo.crimes import RECORD_MAP
    from trial.geo import shape_of
    from trial.service.spots import candidate_spots
    from trial.service.trials import find_trial

    with ctx.reading() as s:
        spots = [c for c in candidate_spots(s, find_trial(s, TRIAL)) if c.eligible][:3]
    rows = ["ref,occurred,easting,northing,offence,ho_code,how\n"]
    for month in ("2024-02-16", "2024-03-15"):
        for i, c in enumerate(spots):
            x, y = shape_of(c.spot_id, c.geometry).center
            rows.append(f"TUI-{month}-{i},{month}T22:30:00+00:00,{x:.1f},{y:.1f},"
                        "Public order,125,public\n")
    data = tmp_path / "extract.csv"
    data.write_text("".join(rows), encoding="utf-8")
    record_map = tmp_path / "map.toml"
    record_map.write_text(RECORD_MAP, encoding="utf-8")
    return data, record_map


async def test_import_crimes_analyse_export(demo_ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data, record_map = _force_extract(demo_ctx, tmp_path)
    before = lock_status(demo_ctx, trial=TRIAL)["records"]

    app = make_app(ctx=demo_ctx, start_dir=tmp_path)
    async with app.run_test(size=(110, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        app.screen.query_one("#format", Select).value = "records"
        app.screen.query_one("#map", Input).value = str(record_map)
        app.screen.query_one(FileChooser).input.value = str(data)
        await pilot.press("enter")
        await settle(app, pilot)
        result = str(app.screen.query_one("#crimes-result", Static).render())
        assert "Imported 6 records" in result and "6 in spots" in result
        bar = app.screen.query_one("#progress", ProgressBar)
        assert bar.total == 1 and bar.progress == 1
        assert lock_status(demo_ctx, trial=TRIAL)["records"] == before + 6
        coverage = app.screen.query_one("#coverage", DataTable)
        months = {str(coverage.get_row_at(i)[0]) for i in range(coverage.row_count)}
        assert {"2024-02", "2024-03"} <= months

        await pilot.press("ctrl+o")
        await settle(app, pilot)
        table = app.screen.query_one("#outcome-table", PagedTable)
        # one page at a time; the border says which rows are shown
        assert table.total > table.page_size and table.row_count == table.page_size
        assert table.border_subtitle == f"rows 1-{table.page_size} of {table.total}"

        await pilot.press("escape", "escape", "d")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "DemandScreen"
        assert "Mon" in str(app.screen.query_one("#heatmap", Static).render())

        await pilot.press("escape", "y")
        await settle(app, pilot)
        await pilot.press("ctrl+r")
        # The analysis runs in a worker: the screen answers keys meanwhile.
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        await settle(app, pilot)
        hyps = app.screen.query_one("#hypotheses", DataTable)
        doc = app.screen.doc
        assert doc is not None and hyps.row_count == len(doc["hypotheses"]) > 0
        first = [str(c) for c in hyps.get_row_at(0)]
        assert first[0] == doc["hypotheses"][0]["id"]
        assert first[3] == f"{doc['hypotheses'][0]['estimate']:.3f}"

        app.screen.query_one("#results-dir", Input).value = str(tmp_path)
        app.screen.query_one("#export").press()
        await settle(app, pilot)
        written = json.loads((tmp_path / f"{TRIAL}-results.json").read_text(encoding="utf-8"))
        assert written["hypotheses"][0]["estimate"] == doc["hypotheses"][0]["estimate"]
        assert (tmp_path / "spots.csv").read_text(encoding="utf-8").startswith("spot_id,arm,")
        assert (tmp_path / "analysis.R").exists() and (tmp_path / "README.txt").exists()
        app.screen.query_one("#report").press()
        await settle(app, pilot)
        html = (tmp_path / f"{TRIAL}-report.html").read_text(encoding="utf-8")
        assert "<html" in html and doc["hypotheses"][0]["id"] in html
