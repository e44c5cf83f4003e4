"""Ad delivery: refusals, flags, target areas and the platform exports."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from trial.errors import InputError
from trial.fieldwork.ads import AdDelivery, check_ad, check_ads
from trial.fieldwork.cells import CellReader, is_summary
from trial.fieldwork.platforms import read_ad_export
from trial.fieldwork.targets import (
    contaminated_keys,
    read_target_areas,
    target_contamination,
)
from trial.fieldwork.times import Hours, Window, zone
from trial.geo import shape_of

LONDON = zone("Europe/London")
ADS_HOURS = Hours.from_toml({"days": ["Fri", "Sat"], "start": "20:00", "end": "04:00"})
WINDOW = Window.from_toml({"start": "2024-03-01", "end": "2024-03-31"})
ARMS = {"S1": ("ads",), "S2": (), "S3": ("ads",), "S4": ("patrol",)}
SPOTS = {
    "S1": shape_of("S1", {"type": "Circle", "center": [-1.5440, 53.7960], "radius_m": 100}),
    "S2": shape_of("S2", {"type": "Circle", "center": [-1.5300, 53.7960], "radius_m": 100}),
    "S3": shape_of("S3", {"type": "Circle", "center": [-1.5440, 53.8050], "radius_m": 100}),
}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def row(**kw: object) -> AdDelivery:
    base: dict[str, object] = dict(spot_id="S1", platform="tiktok", start=utc(2024, 3, 1, 20),
                                   end=utc(2024, 3, 1, 21), impressions=100, clicks=3,
                                   spend_gbp=1.5, reach=80)
    base.update(kw)
    return AdDelivery(**base)  # type: ignore[arg-type]


def check(d: AdDelivery, **kw: object) -> tuple[list[str], tuple[str, ...]]:
    args: dict[str, object] = dict(spot_known=True, arm_delivers=("ads",),
                                   treatment_window=WINDOW, hours=ADS_HOURS, tz=LONDON)
    args.update(kw)
    problems, flags = check_ad(d, **args)  # type: ignore[arg-type]
    return [f"{p.field}: {p.what}" for p in problems], flags


@pytest.mark.parametrize(("d", "kw", "field"), [
    (row(), {"spot_known": False}, "spot_id"),
    (row(platform="myspace"), {}, "platform"),
    (row(impressions=-1, clicks=0, reach=None), {}, "impressions,clicks"),
    (row(clicks=-1), {}, "clicks"),
    (row(spend_gbp=-0.01), {}, "spend_gbp"),
    (row(video_views=-5), {}, "video_views"),
    (row(clicks=101), {}, "clicks"),
    (row(reach=101), {}, "reach"),
    (row(end=utc(2024, 3, 1, 20)), {}, "end"),
    (row(theme="cats"), {}, "theme"),
    (row(message="shout"), {}, "message"),
])
def test_refusals(d: AdDelivery, kw: dict[str, object], field: str) -> None:
    problems, flags = check(d, **kw)
    assert [p.split(":")[0] for p in problems] == field.split(",") and flags == ()


def test_flags() -> None:
    assert check(row()) == ([], ())
    assert check(row(), arm_delivers=("patrol",))[1] == ("contamination",)
    assert check(row(), target_contaminated=True)[1] == ("contamination",)
    assert check(row(start=utc(2024, 2, 23, 20), end=utc(2024, 2, 23, 21)))[1] == (
        "outside_window",)
    # an hourly row on Friday 19:00-20:00 is outside; Saturday 03:00-04:00 ends at the end
    assert check(row(start=utc(2024, 3, 1, 19), end=utc(2024, 3, 1, 20)))[1] == (
        "outside_hours",)
    assert check(row(start=utc(2024, 3, 2, 3), end=utc(2024, 3, 2, 4)))[1] == ()
    # a daily row on a delivery day cannot say: no flag
    assert check(row(start=utc(2024, 3, 1), end=utc(2024, 3, 2)))[1] == ()
    # a whole Tuesday shares no time with the hours: outside
    assert check(row(start=utc(2024, 3, 5), end=utc(2024, 3, 6)))[1] == ("outside_hours",)


def test_target_areas_and_contamination(test_data: Path) -> None:
    areas = read_target_areas(test_data / "ads" / "target-areas.geojson")
    assert [(a.platform, a.ad_group, a.spot_id, a.shape.kind) for a in areas] == [
        ("tiktok", "Spotlight S1 Fri-Sat", "S1", "circle"),
        ("tiktok", "1790000000000000002", "S3", "polygon"),
        ("snapchat", "S1 squad", "S1", "circle"),
        ("snapchat", "S3 squad", "S3", "circle"),
    ]
    # S2 (control) is ~920 m east of S1: 300 m pins reach neither S2 nor a 250 m catchment
    assert target_contamination(areas, SPOTS, arms_by_spot=ARMS, buffer_m=250) == ()

    def pin(radius: float) -> dict[str, object]:
        return {"type": "FeatureCollection", "features": [{
            "type": "Feature", "geometry": {"type": "Point", "coordinates": [-1.5440, 53.7960]},
            "properties": {"platform": "tiktok", "ad_group": "wide", "spot_id": "S1",
                           "radius_m": radius}}]}

    wide = read_target_areas(pin(850))
    hits = target_contamination(wide, SPOTS, arms_by_spot=ARMS, buffer_m=250)
    assert [(h.reached_spot, h.within) for h in hits] == [("S2", "spot")]
    assert "reaches the spot S2" in str(hits[0])
    near = target_contamination(read_target_areas(pin(600)), SPOTS, arms_by_spot=ARMS,
                                buffer_m=250)
    assert [(h.reached_spot, h.within) for h in near] == [("S2", "catchment")]
    assert 200 < near[0].distance_m < 250
    assert contaminated_keys(near) == {("tiktok", "", "wide")}


def test_target_area_problems() -> None:
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-1.5, 53.8]},
         "properties": {"platform": "tiktok", "ad_group": "a", "spot_id": "S1"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-1.5, 53.8]},
         "properties": {"platform": "tiktok", "ad_group": "b", "spot_id": "S1", "radius_m": 1}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-1.5, 53.8]},
         "properties": {"platform": "tiktok", "ad_group": "b", "spot_id": "S3", "radius_m": 1}},
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": []},
         "properties": {"platform": "tv", "ad_group": "c", "spot_id": "S9"}},
    ]}
    with pytest.raises(InputError) as err:
        read_target_areas(doc, spot_ids=SPOTS)
    assert [p.field for p in err.value.problems] == [
        "feature[1].radius_m", "feature[3].ad_group", "feature[4].platform",
        "feature[4].spot_id", "feature[4].geometry"]


def test_tiktok_daily_export(test_data: Path) -> None:
    areas = read_target_areas(test_data / "ads" / "target-areas.geojson")
    res = read_ad_export(test_data / "ads" / "tiktok-daily.csv", fmt="tiktok",
                         account_timezone="(UTC+00:00)", target_areas=areas)
    rows = res.rows_or_raise()
    assert res.lines == (3, 4, 5, 6, 7, 8)  # the summary row (line 2) is skipped
    assert len(rows) == 6 and {r.spot_id for r in rows} == {"S1", "S3"}
    assert sum(r.impressions for r in rows) == 18010  # = the summary row's impressions
    assert round(sum(r.spend_gbp for r in rows), 2) == 65.75
    assert sum(r.clicks for r in rows) == 41 + 2 + 0 + 12 + 20 + 0  # '<5' as 2, '-' as 0
    assert res.warnings == ("1 cells showed '<5' (a hidden small count) and were read as 2",)
    s1 = [r for r in rows if r.spot_id == "S1"]
    assert [r.reach for r in s1] == [3100, 3500, 0]
    assert s1[2].video_views is None  # '-': not applicable
    assert (s1[0].start, s1[0].end) == (utc(2024, 3, 1), utc(2024, 3, 2))
    assert (s1[0].currency, s1[0].account) == ("GBP", "")
    # the summary reach (9,800, de-duplicated) spans two spots: no lifetime figure per spot
    assert res.lifetime_reach == {}
    checked = check_ads(rows, lines=res.lines, arms_by_spot=ARMS, treatment_window=WINDOW,
                        hours=ADS_HOURS, tz=LONDON).rows_or_raise()
    # Sunday's daily row still holds Saturday night's 00:00-04:00: unknown, not outside
    assert [c.hours_compliance for c in checked] == ["unknown"] * 6
    assert [c.flags for c in checked] == [()] * 6


def test_tiktok_hourly_export_in_another_currency_and_zone(test_data: Path) -> None:
    areas = read_target_areas(test_data / "ads" / "target-areas.geojson")
    path = test_data / "ads" / "tiktok-hourly.csv"
    res = read_ad_export(path, fmt="tiktok", account_timezone="UTC+01:00", currency="EUR",
                         gbp_rate=0.85, target_areas=areas)
    rows = res.rows_or_raise()
    # account time 20:00 (UTC+1) is 19:00 in London in March
    assert [r.start.hour for r in rows] == [19, 20, 21, 4, 5]
    assert round(sum(r.spend_gbp for r in rows), 4) == round(13.5 * 0.85, 4)
    assert [r.spend for r in rows] == [2.0, 4.0, 6.0, 1.0, 0.5]
    assert res.lifetime_reach == {"S1": 2020}
    checked = check_ads(rows, arms_by_spot=ARMS, treatment_window=WINDOW, hours=ADS_HOURS,
                        tz=LONDON).rows_or_raise()
    assert [c.hours_compliance for c in checked] == ["no", "yes", "yes", "no", "no"]
    # without a rate, EUR spend cannot be counted
    bad = read_ad_export(path, fmt="tiktok", account_timezone="UTC+01:00",
                         target_areas=areas)
    assert bad.rows == () and len(bad.problems) == 5
    assert str(bad.problems[0]) == (
        "tiktok-hourly.csv:2: gbp_rate: spend is in EUR: give the GBP rate")
    wrong = read_ad_export(path, fmt="tiktok", account_timezone="UTC+01:00", currency="GBP",
                           target_areas=areas)
    assert str(wrong.problems[0]) == (
        "tiktok-hourly.csv:2: Currency: the row is in EUR but the import says GBP")


def test_snapchat_daily_export(test_data: Path) -> None:
    areas = read_target_areas(test_data / "ads" / "target-areas.geojson")
    res = read_ad_export(test_data / "ads" / "snapchat-daily.csv", fmt="snapchat",
                         account_timezone="Europe/London", target_areas=areas)
    rows = res.rows_or_raise()
    assert [(r.spot_id, r.ad_group) for r in rows] == [
        ("S1", "S1 squad"), ("S1", "S1 squad"), ("S3", "S3 squad"), ("S3", "S3 squad")]
    assert sum(r.impressions for r in rows) == 4100 + 4600 + 2500 + 2900  # paid, not total
    assert sum(r.clicks for r in rows) == 22 + 25 + 9 + 14  # Swipe Ups
    assert round(sum(r.spend_gbp for r in rows), 2) == 53.0
    assert all(r.reach is None for r in rows)
    assert (rows[0].start, rows[0].end) == (utc(2024, 3, 1), utc(2024, 3, 2))
    assert rows[0].creative == "Speak up 16-30"


def test_spotlight_format(test_data: Path) -> None:
    res = read_ad_export(test_data / "ads" / "spotlight-ads.csv", fmt="spotlight",
                         account_timezone=LONDON)
    rows = res.rows_or_raise()
    assert [(r.platform, r.theme, r.message, r.reach, r.video_views) for r in rows] == [
        ("instagram", "knife-crime", "deterrence", 1800, None),
        ("instagram", "knife-crime", "speak-up", None, 600)]
    checked = check_ads(rows, arms_by_spot=ARMS, treatment_window=WINDOW, hours=ADS_HOURS,
                        tz=LONDON).rows_or_raise()
    assert [c.hours_compliance for c in checked] == ["yes", "yes"]


def test_one_bad_row_in_the_middle_gives_nothing(tmp_path: Path, test_data: Path) -> None:
    areas = read_target_areas(test_data / "ads" / "target-areas.geojson")
    lines = (test_data / "ads" / "tiktok-daily.csv").read_text().splitlines()
    lines[3] = lines[3].replace("2024-03-02", "2024-02-30").replace('"6,100"', "lots")
    lines[6] = lines[6].replace("Spotlight S3 Fri-Sat,1790000000000000002",
                                "Unregistered,1790000000000000009")
    f = tmp_path / "tiktok.csv"
    f.write_text("\n".join(lines) + "\n")
    res = read_ad_export(f, fmt="tiktok", account_timezone="UTC", target_areas=areas)
    assert res.rows == ()
    assert [(p.line, p.field) for p in res.problems] == [
        (4, "Impressions"), (4, "By Day"), (7, "Ad group name")]
    assert "no registered target area" in res.problems[2].what


def test_real_exports_are_refused_clearly(shared_data: Path) -> None:
    ja = read_ad_export(shared_data / "ad-exports" / "tiktok-campaign-export-ja.csv",
                        fmt="tiktok", account_timezone="Asia/Tokyo", currency="JPY",
                        gbp_rate=0.0052)
    assert ja.rows == ()
    assert [str(p) for p in ja.problems[:2]] == [
        "tiktok-campaign-export-ja.csv:1: ad_group: missing column: expected 'Ad group name' "
        "or 'Ad group ID'",
        "tiktok-campaign-export-ja.csv:1: day: missing column: expected 'By Day' or 'By Hour'"]
    assert "English interface" in ja.problems[2].what
    snap = read_ad_export(shared_data / "ad-exports" / "snapchat-daily-export-2020-head.csv",
                          fmt="snapchat", account_timezone="Asia/Riyadh")
    assert [p.field for p in snap.problems] == ["ad_group", None]
    assert "'Ad Set Name' or 'Ad Squad Name'" in snap.problems[0].what


def test_real_export_cells(shared_data: Path) -> None:
    import csv

    with open(shared_data / "ad-exports" / "tiktok-campaign-export-ja.csv",
              encoding="utf-8-sig") as fh:
        records = list(csv.reader(fh))
    assert [is_summary(r) for r in records[1:]] == [False, False, True]
    cells = CellReader()
    live = records[2]
    assert cells.number(live[8]) == pytest.approx(0.0028)  # 0.28%
    assert cells.number(live[12]) is None  # '-'
    assert cells.count(live[6]) == 200062


def test_real_snapchat_rows_with_an_ad_set_column(tmp_path: Path, shared_data: Path) -> None:
    text = (shared_data / "ad-exports" / "snapchat-daily-export-2020-head.csv").read_text()
    lines = text.splitlines()
    f = tmp_path / "snap.csv"
    f.write_text("\n".join([lines[0] + ",Ad Set Name"] + [x + ",Ramadan" for x in lines[1:]]))
    areas = read_target_areas({"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [45.0, 24.0]},
        "properties": {"platform": "snapchat", "ad_group": "Ramadan", "spot_id": "R1",
                       "radius_m": 500}}]})
    res = read_ad_export(f, fmt="snapchat", account_timezone="Asia/Riyadh", currency="SAR",
                         gbp_rate=0.21, target_areas=areas)
    # the age/gender breakdown repeats a day: refused, saying why
    assert res.rows == () and {p.line for p in res.problems} == {3, 4, 5, 6, 7, 9}
    assert "without the age/gender" in res.problems[0].what
    assert "AST" not in str(res.problems)  # the zone suffix was read, not refused


def test_cells_refuse_what_is_not_a_finite_number() -> None:
    from trial.fieldwork.cells import CellError

    cells = CellReader()
    for text in ("1e400", "nan", "inf", "12.5x"):
        with pytest.raises(CellError):
            cells.count(text)
    with pytest.raises(CellError, match="whole number"):
        cells.count("12.5")
    assert cells.count("12.0") == 12 and cells.count("<5") == 2 and cells.suppressed == 1
    assert cells.number("£1,234.50") == 1234.5 and cells.number("-", missing=0.0) == 0.0
