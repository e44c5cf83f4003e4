"""The digital vendor's path through keys: register target areas, import an ad export, see
what was imported, duplicates and flags."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Select, Static

from tests.tui.conftest import settle
from trial.service.fieldwork import list_sessions
from trial.service.fieldwork_ads import list_targets
from trial.service.spots import list_spots
from tui.app import make_app
from tui.widgets.file_chooser import FileChooser
from tui.widgets.paged_table import PagedTable

TRIAL = "leeds-nte-demo"
ADS = ("spot_id,platform,start,end,impressions,clicks,spend,reach,video_views,campaign,"
       "ad_group,creative,theme,message\n")


def _lon_lat(ctx, spot_id: str) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    from trial.geo import from_metric, shape_of
    from trial.service.spots import candidate_spots
    from trial.service.trials import find_trial

    with ctx.reading() as s:
        c = next(c for c in candidate_spots(s, find_trial(s, TRIAL)) if c.spot_id == spot_id)
    x, y = shape_of(c.spot_id, c.geometry).center
    lon, lat = from_metric([x], [y])
    return float(lon[0]), float(lat[0])


async def test_targets_then_ads(demo_ctx, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    spots = list_spots(demo_ctx, trial=TRIAL)
    digital = next(s for s in spots if s["arm"] == "digital")
    control = next(s for s in spots if s["arm"] == "control")
    lon, lat = _lon_lat(demo_ctx, digital["spot_id"])
    targets = tmp_path / "targets.geojson"
    targets.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [
            lon, lat]},
        "properties": {"platform": "tiktok", "account": "", "ad_group": "G1",
                       "spot_id": digital["spot_id"], "radius_m": 20}}]}), encoding="utf-8")
    ads = tmp_path / "ads.csv"
    ads.write_text(ADS + "".join(
        f"{s['spot_id']},instagram,2024-02-09 20:00,2024-02-10 04:00,2500,14,11.00,1800,,"
        f"Spotlight,{s['spot_id']} reels,Amnesty,knife-crime,deterrence\n"
        for s in (digital, control)), encoding="utf-8")

    app = make_app(ctx=demo_ctx, start_dir=tmp_path)
    async with app.run_test(size=(110, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("e")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "AdsScreen"
        app.screen.query_one("#ad-format", Select).value = "targets"
        app.screen.query_one(FileChooser).input.value = str(targets)
        app.screen.query_one(FileChooser).input.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert "Imported" in str(app.screen.query_one("#ads-result", Static).render())
        assert [t["ad_group"] for t in list_targets(demo_ctx, trial=TRIAL)] == ["G1"]

        app.screen.query_one("#ad-format", Select).value = "spotlight"
        app.screen.query_one(FileChooser).input.value = str(ads)
        app.screen.query_one(FileChooser).input.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        result = str(app.screen.query_one("#ads-result", Static).render())
        assert "imported: 2" in result and "duplicates: 0" in result
        stored = list_sessions(demo_ctx, trial=TRIAL, kind="ad")
        assert sorted((s["spot_id"], tuple(s["flags"])) for s in stored) == sorted(
            [(digital["spot_id"], ()), (control["spot_id"], ("contamination",))])
        table = app.screen.query_one("#ad-sessions", PagedTable)
        assert table.row_count == 2
        assert any("contamination" in str(table.get_row_at(i)[6]) for i in range(2))

        # The same file again: every row is a duplicate and nothing more is stored.
        await pilot.press("enter")
        await settle(app, pilot)
        result = str(app.screen.query_one("#ads-result", Static).render())
        assert "imported: 0" in result and "duplicates: 2" in result
        assert len(list_sessions(demo_ctx, trial=TRIAL, kind="ad")) == 2
