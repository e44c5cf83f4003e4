"""More hostile files through the service layer: force extracts (Excel-mangled offence codes
and months), ad exports, GPS pings and GeoJSON spots. Each imports or is refused with
FILE:LINE: FIELD problems; never a traceback, never a partial write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trial.service.context import Context, open_context

from .test_hostile_input import HOSTILE, SERIAL, SETTINGS, _check, _mutate
from .workers import TRIAL, setup


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Context]:
    """A randomised trial (records, sessions, ads) and a draft trial (spots) in one file."""
    from tests.service.helpers import PROTOCOL as DRAFT_PROTOCOL
    from trial.service.trials import create_trial

    db = tmp_path_factory.mktemp("hostile-more") / "t.db"
    setup(str(db))
    ctx = open_context(str(db), user="tester")
    create_trial(ctx, protocol_text=DRAFT_PROTOCOL, source="p.toml")
    return db, ctx


# What spreadsheets make of codes and dates: 8N as a date, 105A kept, a month as a day number.
EXCEL = ["08-Nov", "8-Nov", "Nov-08", "1.05E+02", "105", "43466", "Jan-19", "1/5/2019",
         "2019-05", "05/2019", "#VALUE!", "#N/A", "1900-01-08", "########"]
MAP = """name = "city-force"
crs = "EPSG:27700"
datetime_format = "%d/%m/%Y %H:%M"
[columns]
id = "CRIME_REF"
committed_from = "COMMITTED_FROM"
x = "EASTING"
y = "NORTHING"
crime_type = "OFFENCE_DESC"
offence_code = "HO_CODE"
"""
EXTRACT = ("CRIME_REF,COMMITTED_FROM,EASTING,NORTHING,OFFENCE_DESC,HO_CODE,VICTIM_NAME\n"
           "F{n}1,05/05/2019 21:30,532700,181200,Assault with injury,8N,Jane Example\n"
           "F{n}2,06/06/2019 03:59,532900,181500,Robbery of personal property,34B,\n"
           "F{n}3,07/07/2018 12:00,531000,181000,Theft from the person,39,\n")
ADS = ("spot_id,platform,start,end,impressions,clicks,spend,reach,video_views,campaign,"
       "ad_group,creative,theme,message\n"
       "A,instagram,2019-05-{d} 20:00,2019-05-{d} 23:00,2500,14,11.00,1800,,City NTE,"
       "A reels {n},Speak up,knife-crime,deterrence\n"
       "C,instagram,2019-05-{d} 20:00,2019-05-{d} 23:00,1900,8,9.50,,600,City NTE,"
       "C reels {n},Speak up,knife-crime,speak-up\n")
PINGS = "device,time,lat,lon\n" + "".join(
    f"R{{n}},2019-05-{{d}} 22:{m:02d},51.51330,-0.08900\n" for m in range(0, 16, 3))


def _extract_with_excel(n: int, data: st.DataObject) -> str:
    """The extract with some offence codes or times replaced by what Excel would write."""
    lines = EXTRACT.format(n=f"{n % 10000:04d}").splitlines()
    for _ in range(data.draw(st.integers(0, 3))):
        row = data.draw(st.integers(1, len(lines) - 1))
        cells = lines[row].split(",")
        col = data.draw(st.sampled_from([1, 5]))  # COMMITTED_FROM or HO_CODE
        cells[col] = data.draw(st.sampled_from(EXCEL))
        lines[row] = ",".join(cells)
    return "\n".join(lines) + "\n"


@SETTINGS
@given(data=st.data())
def test_force_extract(world, data, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    db, ctx = world
    from trial.service.crimes import import_crimes

    folder = tmp_path_factory.mktemp("x")
    (folder / "map.toml").write_text(MAP, encoding="utf-8")
    f = folder / "extract.csv"
    f.write_bytes(_mutate(_extract_with_excel(next(SERIAL), data), data))
    _check(db, lambda: import_crimes(ctx, trial=TRIAL, paths=[f], fmt="records",
                                     map_path=folder / "map.toml"), "extract.csv")


def test_excel_mangled_codes_are_refused_by_line_and_column(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from trial.errors import InputError
    from trial.service.crimes import import_crimes

    db, ctx = world
    (tmp_path / "map.toml").write_text(MAP, encoding="utf-8")
    f = tmp_path / "extract.csv"
    f.write_text(EXTRACT.format(n="excel").replace(",8N,", ",08-Nov,"), encoding="utf-8")
    try:
        import_crimes(ctx, trial=TRIAL, paths=[f], fmt="records", map_path=tmp_path / "map.toml")
    except InputError as exc:
        assert [str(p).split(": ")[0] for p in exc.problems] == ["extract.csv:2"]
        assert exc.problems[0].field == "HO_CODE"
    else:
        raise AssertionError("a date where an offence code belongs was accepted")


@SETTINGS
@given(data=st.data())
def test_ad_export(world, data, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    db, ctx = world
    from trial.service.fieldwork_ads import import_ads

    n = next(SERIAL)
    f = tmp_path_factory.mktemp("a") / "ads.csv"
    f.write_bytes(_mutate(ADS.format(n=f"{n % 10000:04d}", d=f"{1 + n % 28:02d}"), data))
    _check(db, lambda: import_ads(ctx, trial=TRIAL, path=f, fmt="spotlight"), "ads.csv")


@SETTINGS
@given(data=st.data())
def test_pings(world, data, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    db, ctx = world
    from trial.service.fieldwork import import_pings

    n = next(SERIAL)
    f = tmp_path_factory.mktemp("g") / "pings.csv"
    f.write_bytes(_mutate(PINGS.format(n=f"{n % 10000:04d}", d=f"{1 + n % 28:02d}"), data))
    _check(db, lambda: import_pings(ctx, trial=TRIAL, path=f), "pings.csv")


GEOJSON = (
    '{{"type": "FeatureCollection", "features": ['
    '{{"type": "Feature", "properties": {{"spot_id": "G{n}0", "name": "Place 0", '
    '"radius_m": 30, "district": "Call Lane", "baseline_crimes": 10}}, '
    '"geometry": {{"type": "Point", "coordinates": [-1.54080, {lat}]}}}},\n'
    '{{"type": "Feature", "properties": {{"spot_id": "G{n}1", "name": "Place 1", '
    '"radius_m": 30, "district": "Call Lane", "baseline_crimes": 11}}, '
    '"geometry": {{"type": "Point", "coordinates": [-1.55080, {lat}]}}}}]}}\n')


def _geojson_text(n: int) -> str:
    """Two spots, new ids and places each time, of one width (so draws line up)."""
    return GEOJSON.format(n=f"{n:04d}", lat=f"{52.0 + n * 0.002:.5f}")


JSON_VALUES = [*HOSTILE, None, [], {}, [1], [1, 2, 3], -1, 0, 1e308, True, "Point",
               "Polygon", [[0, 0]], [[[0, 0], [1, 1]]]]


@SETTINGS
@given(data=st.data())
def test_geojson_spots(world, data) -> None:  # type: ignore[no-untyped-def]
    db, ctx = world
    from trial.service.spots import import_spot_data

    text = _geojson_text(next(SERIAL) % 1000)
    doc = json.loads(text)
    how = data.draw(st.sampled_from(["value", "drop", "type", "text", "none"]))
    features = doc["features"]
    assert isinstance(features, list)
    f = features[data.draw(st.integers(0, 1))]
    part = f[data.draw(st.sampled_from(["properties", "geometry"]))]
    key = data.draw(st.sampled_from(sorted(part)))
    if how == "value":
        part[key] = data.draw(st.sampled_from(JSON_VALUES))
    elif how == "drop":
        del part[key]
    elif how == "type":
        f["type"] = data.draw(st.sampled_from(JSON_VALUES))
    raw = json.dumps(doc).encode()
    if how == "text":
        raw = _mutate(text, data)
    _check(db, lambda: import_spot_data(ctx, trial="test-trial", data=raw,
                                        source="spots.geojson"), "spots.geojson")


