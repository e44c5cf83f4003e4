"""The column reader of ad exports reads every file as the row-by-row reader did."""

from __future__ import annotations

import tempfile
from dataclasses import fields
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fieldwork import reference_platforms
from trial.fieldwork.delivery_batch import Deliveries
from trial.fieldwork.export_rows import _tiktok_span
from trial.fieldwork.platforms import AdExport, read_ad_columns, read_ad_export
from trial.fieldwork.targets import read_target_areas
from trial.fieldwork.times import LocalTimeError, zone


def _area(platform: str, ad_group: str, spot: str, account: str = "") -> dict[str, object]:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [-1.544, 53.796]},
            "properties": {"platform": platform, "account": account, "ad_group": ad_group,
                           "spot_id": spot, "radius_m": 300}}


AREAS = read_target_areas({"type": "FeatureCollection", "features": [
    _area("tiktok", "g1", "S1"), _area("tiktok", "g2", "S2", "A"),
    _area("tiktok", "g2", "S3", "B"), _area("tiktok", "777", "S4"),
    _area("snapchat", "sq1", "S1"), _area("snapchat", "g2", "S2", "A")]})

# Each column's cells: (as platforms write them, odd or wrong).
ODD_NUMBERS = ["x", "1e400", "nan", "12.5", "-3", "-0", "<0", "123456789012345.000001",
               "1234567890123456", "3.1415926", "１２", "0012", " 7 "]
COUNTS = (["12", "40", "0", "7", '"1,234"', "-", "", "<5", "<1", "12.0", "19", "3"],
          [*ODD_NUMBERS, "1,234", "0.28%", "5.25"])
MONEY = (["12.50", "0", "-0", "3", "£3.50", '"1,234.5"', "-", "", "5.25", "0.28%", "19.999999"],
         [*ODD_NUMBERS, "1,234"])
GROUPS = (["g1", "777", "g2"], ["sq1", "", "nope", '"a,b"', '"two\nlines"'])
DAYS = [f"2024-03-{d:02d}" for d in range(1, 11)]
SHAPES = {
    "spotlight": {
        "spot_id": (["S1", "S2", "S3"], ["", "S9"]),
        "platform": (["tiktok", "Instagram"], ["", "tv"]),
        "start": ([f"{d} 20:00" for d in DAYS] + ["2024-03-01T20:00+00:00", "2024-03-01 21:00"],
                  ["2024-03-31 01:30", "2024-10-27 01:30", "x", "", "2024-02-30 10:00"]),
        "end": (["2024-03-01 21:00", "2024-03-02 04:00"], ["", "2024-03-01 19:00"]),
        "impressions": COUNTS, "clicks": COUNTS, "spend": MONEY, "reach": COUNTS,
        "video_views": COUNTS, "campaign": (["", "C", '"c, d"'], []),
        "ad_group": GROUPS, "creative": (["", "Ad 1"], []), "theme": (["", "Drugs"], ["x"]),
        "message": (["", "nudge"], []), "account": (["", "A"], ["B"]),
        "currency": (["", "GBP", "gbp"], ["EUR"]),
    },
    "tiktok": {
        "Ad group name": GROUPS, "Ad group ID": (["", "", "1790000000000000001"], ["777"]),
        "By Day": (DAYS, ["x", "", "2024-03-31", "2024-10-27"]),
        "By Hour": (["", "", "", "2024-03-01 20:00:00", "20", "01:00", "7 - 8",
                     "2024-03-01T20:00+01:00"],
                    ["2024-03-31 01:00:00", "x", "25", "2024-10-27 01:00:00"]),
        "Cost": MONEY, "Impressions": COUNTS, "Reach": COUNTS,
        "Clicks (destination)": COUNTS, "Currency": (["", "GBP"], ["EUR", "jpy"]),
        "Account name": (["", "A"], ["B"]), "Age": (["18-24", ""], []),
        "Campaign name": (["C", "", "-", "Total of 3 results"], []),
        "2-second video views": COUNTS,
    },
    "snapchat": {
        "Start Time": ([f"{d} 00:00:00 GMT" for d in DAYS] + ["2024-03-02 00:00:00 AST",
                                                             "2024-03-01 00:00:00 UTC+3"],
                       ["", "2024-03-31 01:30:00", "bad"]),
        "End Time": (["2024-03-02 00:00:00 GMT", ""], ["2024-03-01 00:00:00", "bad"]),
        "Ad Set Name": (["sq1", "g2"], ["", "g1", '"a,b"', '"two\nlines"']),
        "Ad Squad Name": (["", "sq1"], []),
        "Amount Spent": MONEY, "Paid Impressions": COUNTS, "Total Impressions": COUNTS,
        "Swipe Ups": COUNTS, "Uniques": COUNTS,
        "Campaign Name": (["C", "", "Total"], []), "Currency": (["", "GBP"], ["SAR"]),
    },
}


@st.composite
def exports(draw: st.DrawFn) -> tuple[str, str, dict[str, object]]:
    fmt = draw(st.sampled_from(sorted(SHAPES)))
    shapes = SHAPES[fmt]
    names = draw(st.lists(st.sampled_from(sorted(shapes)), min_size=1, unique=True))
    if draw(st.sampled_from([True] * 4 + [False])):  # mostly files that have their required columns
        names = [*dict.fromkeys([*list(shapes)[:7], *names])]
    header = [n.upper() if fmt != "spotlight" and draw(st.booleans()) else n for n in names]
    clean = draw(st.booleans())  # every cell as the platform writes it, or some odd ones
    lines = [",".join(header)]
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["row"] * 8 + ["blank", "commas", "short", "summary"]))
        if kind == "blank":
            lines.append("")
        elif kind == "commas":
            lines.append(" , ,")
        else:
            cells = []
            for n in names:
                good, odd = shapes[n]
                pool = good if clean or not odd or draw(st.sampled_from([1, 1, 1, 0])) else odd
                cells.append(draw(st.sampled_from(pool)))
            if kind == "summary":
                cells[0] = draw(st.sampled_from(["Total of 3 results", "Total", "全2件の結果"]))
            if kind == "short":
                cells = cells[:draw(st.integers(0, len(cells)))]
            lines.append(",".join(cells))
    end = draw(st.sampled_from(["\n", "\r\n"]))
    text = end.join(lines) + draw(st.sampled_from(["", end]))
    if draw(st.booleans()):
        text = "\ufeff" + text
    kwargs: dict[str, object] = {
        "account_timezone": draw(st.sampled_from(["Europe/London", "UTC+09:00", "UTC"])),
        "currency": draw(st.sampled_from([None, None, None, "GBP", "EUR"])),
        "gbp_rate": draw(st.sampled_from([None, None, 1.17, 1.17, 0.0])),
        "account": draw(st.sampled_from([None, "A"])),
        "target_areas": AREAS}
    return fmt, text, kwargs


def _same(new: AdExport, old: AdExport) -> None:
    assert new == old
    # repr as well: equality does not tell -0.0 from 0.0, or one time zone from another
    assert repr(new) == repr(old)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=exports())
def test_column_reader_equals_the_row_reader(case: tuple[str, str, dict[str, object]]) -> None:
    fmt, text, kwargs = case
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "ads.csv"
        f.write_bytes(text.encode("utf-8"))
        new = read_ad_export(f, fmt=fmt, **kwargs)  # type: ignore[arg-type]
        old = reference_platforms.read_ad_export(f, fmt=fmt, **kwargs)  # type: ignore[arg-type]
    _same(new, old)


def test_the_fixtures_read_as_before(test_data: Path) -> None:
    areas = read_target_areas(test_data / "ads" / "target-areas.geojson")
    for name, fmt, kw in (("tiktok-daily.csv", "tiktok", {}),
                          ("tiktok-hourly.csv", "tiktok", {"currency": "EUR", "gbp_rate": 0.85}),
                          ("snapchat-daily.csv", "snapchat", {}),
                          ("spotlight-ads.csv", "spotlight", {})):
        path = test_data / "ads" / name
        new = read_ad_export(path, fmt=fmt, account_timezone="Europe/London",
                             target_areas=areas, **kw)  # type: ignore[arg-type]
        old = reference_platforms.read_ad_export(path, fmt=fmt, account_timezone="Europe/London",
                                                 target_areas=areas, **kw)  # type: ignore[arg-type]
        assert new.rows and new.rows == old.rows
        _same(new, old)


def test_a_large_plain_file_reads_as_before(tmp_path: Path) -> None:
    # the whole-column fast path (every cell plain) against the row reader
    first = datetime(2024, 1, 1)
    lines = ["spot_id,platform,start,end,impressions,clicks,spend,reach"]
    for k in range(2000):  # up to 2024-03-24, before the clocks change
        t = first + timedelta(hours=k)
        lines.append(f"S{k % 7},tiktok,{t:%Y-%m-%dT%H:%M}+00:00,{t:%Y-%m-%d %H}:59,{k},"
                     f"{k % 10},{k / 7:.2f},{k // 2}")
    f = tmp_path / "ads.csv"
    tz = "Europe/London"

    def both(body: list[str]) -> AdExport:
        f.write_text("\n".join(body) + "\n", encoding="utf-8")
        new = read_ad_export(f, fmt="spotlight", account_timezone=tz)
        _same(new, reference_platforms.read_ad_export(f, fmt="spotlight", account_timezone=tz))
        return new

    assert len(both(lines).rows) == 2000
    # 2024-03-31 01:30 does not exist in London; the last row repeats line 2
    late = "S1,tiktok,2024-03-31T00:00+00:00,2024-03-31 01:30,1,1,1,1"
    assert [(p.line, p.field) for p in both([*lines, late, lines[1]]).problems] == [
        (2002, "start"), (2003, "start")]
    bad = list(lines)
    bad[1500] = bad[1500].replace(",tiktok,", ",tiktok,x,", 1)  # every cell one to the right
    assert [(p.line, p.field) for p in both(bad).problems] == [
        (1501, "impressions"), (1501, "reach"), (1501, "start")]


@pytest.mark.parametrize(("day", "hour", "what"), [
    ("x", "20", "'x' is not a date: expected YYYY-MM-DD"),
    ("2024-03-01", "25", "'25' is not an hour of day: expected 0 to 23"),
    ("2024-03-01", "24:00", "'24:00' is not an hour of day: expected 0 to 23"),
])
def test_a_tiktok_day_and_hour_that_do_not_read_are_problems(day: str, hour: str,
                                                            what: str) -> None:
    with pytest.raises(LocalTimeError) as err:
        _tiktok_span(day, hour, zone("UTC"))
    assert str(err.value) == what


def test_delivery_columns_give_back_the_rows(test_data: Path) -> None:
    areas = read_target_areas(test_data / "ads" / "target-areas.geojson")
    read = read_ad_columns(test_data / "ads" / "tiktok-daily.csv", fmt="tiktok",
                           account_timezone="Europe/London", target_areas=areas)
    rows = read.export().rows
    assert len(rows) == len(read.deliveries) > 1
    again = Deliveries.of(rows)
    for f in fields(Deliveries):
        assert np.array_equal(getattr(again, f.name), getattr(read.deliveries, f.name))
    assert read.deliveries.take([1, 0]).rows() == [rows[1], rows[0]]
