"""Properties: the importer never raises anything but InputError, whatever it is given."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trial.errors import InputError
from trial.spots import CandidateSpot, parse_spots, read_spots, spots_sha256

COLUMNS = ["spot_id", "name", "lat", "lon", "easting", "northing", "radius_m", "geometry",
           "eligible", "exclusion_reason", "district", "Name", ""]
CELLS = st.one_of(
    st.sampled_from(["", "A", "B", "53.79", "-1.55", "430000", "433000", "50", "0", "-1", "nan",
                     "inf", "1e999", "9" * 400, "yes", "no", "true", "FALSE", "007",
                     "POLYGON ((430000 433000, 430100 433000, 430100 433100, 430000 433000))",
                     "POLYGON ((0 0, 1 1", "POLYGON EMPTY", "POINT (1 2)",
                     "POLYGON Z ((1 2 3, 4 5 6, 7 8 9, 1 2 3))",
                     "MULTIPOLYGON (((1 1, 2 1, 2 2, 1 1)))", "\x00", "é", '"', "\n"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers().map(str),
    st.text(max_size=12),
)
CRS = st.sampled_from([None, "EPSG:4326", "bng", "27700", "wgs84", "mercator", ""])


def outcome(text: str, crs: str | None, suffix: str = "") -> list[CandidateSpot] | None:
    try:
        spots = parse_spots(text, source="s", crs=crs, suffix=suffix)
    except InputError as e:
        assert e.problems and all(p.source == "s" for p in e.problems)
        return None
    spots_sha256(spots)  # whatever was accepted can be hashed
    for spot in spots:
        _ = spot.shape
    return spots


@settings(max_examples=300, deadline=None)
@given(st.text(), CRS, st.sampled_from(["", ".csv", ".geojson"]))
def test_any_text(text: str, crs: str | None, suffix: str) -> None:
    outcome(text, crs, suffix)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=8),
       st.lists(st.lists(CELLS, max_size=9), max_size=6), CRS,
       st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_csv_like_text(header: list[str], rows: list[list[str]], crs: str | None,
                       newline: str, bom: bool) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    outcome(("\ufeff" if bom else "") + out.getvalue(), crs)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=4),
    max_leaves=12)
POSITION = st.lists(st.one_of(st.floats(-2, 2), st.floats(52, 55), st.integers(0, 800_000),
                              JSON), min_size=0, max_size=3)
GEOMETRY = st.one_of(
    st.fixed_dictionaries({"type": st.just("Point"), "coordinates": POSITION}),
    st.fixed_dictionaries({"type": st.just("Polygon"),
                           "coordinates": st.lists(st.lists(POSITION, max_size=6), max_size=2)}),
    JSON)
PROPERTIES = st.fixed_dictionaries(
    {}, optional={"spot_id": st.one_of(st.text(max_size=3), st.integers(), JSON),
                  "name": st.one_of(st.text(max_size=5), JSON),
                  "radius_m": st.one_of(st.integers(-5, 100), st.floats(), JSON),
                  "eligible": st.one_of(st.booleans(), st.sampled_from(["yes", "no", "x"]), JSON),
                  "exclusion_reason": st.one_of(st.text(max_size=5), JSON),
                  "district": JSON})
FEATURE = st.one_of(
    st.fixed_dictionaries({"type": st.just("Feature"), "properties": PROPERTIES,
                           "geometry": GEOMETRY}),
    JSON)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(FEATURE, max_size=5),
       st.one_of(st.none(), st.just({"type": "name", "properties": {"name": "EPSG:27700"}}),
                 JSON),
       CRS)
def test_geojson_like_text(features: list[Any], crs_member: Any, crs: str | None) -> None:
    doc: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if crs_member is not None:
        doc["crs"] = crs_member
    outcome(json.dumps(doc), crs)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200), st.sampled_from(["spots.csv", "spots.geojson", "spots"]))
def test_any_bytes_in_a_file(data: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        try:
            read_spots(path)
        except InputError:
            pass


def test_deep_nesting_is_an_input_error() -> None:
    try:
        parse_spots("{" + '"a":[' * 100_000, source="s")
    except InputError:
        pass
    try:
        parse_spots('{"type":"FeatureCollection","features":' + "[" * 100_000, source="s")
    except InputError:
        pass


@st.composite
def mostly_valid_csv(draw: st.DrawFn) -> tuple[str, bool]:
    """A CSV of well-separated circles, sometimes with one cell replaced by anything."""
    n = draw(st.integers(1, 6))
    bng = draw(st.booleans())
    header = ["spot_id", "name", "easting" if bng else "lat", "northing" if bng else "lon",
              "radius_m", "eligible", "exclusion_reason", "district"]
    rows = []
    for k in range(n):
        if bng:
            x, y = f"{430000 + 500 * k}", f"{433000 + draw(st.integers(-50, 50))}"
        else:
            x, y = f"{53.79 + 0.005 * k:.4f}", f"{-1.55 + draw(st.integers(-9, 9)) / 10000:.4f}"
        eligible = draw(st.booleans())
        rows.append([f"S{k}", draw(st.text(min_size=1, max_size=6).filter(str.strip)), x, y,
                     str(draw(st.integers(1, 200))), "yes" if eligible else "no",
                     "" if eligible else "closed", draw(CELLS)])
    spoiled = draw(st.booleans())
    if spoiled:
        r, c = draw(st.integers(0, n - 1)), draw(st.integers(0, len(header) - 1))
        rows[r][c] = draw(CELLS)
    return write_csv([header, *rows]), spoiled


def write_csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL).writerows(rows)
    return out.getvalue()


@settings(max_examples=200, deadline=None)
@given(mostly_valid_csv())
def test_valid_files_are_read_whole_and_spoiled_ones_only_refused(case: tuple[str, bool]) -> None:
    text, spoiled = case
    spots = outcome(text, None)
    if not spoiled:
        assert spots is not None
        header, *rows = list(csv.reader(io.StringIO(text, newline="")))
        assert [s.spot_id for s in spots] == [r[0] for r in rows]
        again = outcome(write_csv([header, *rows[::-1]]), None)
        assert again is not None and spots_sha256(again) == spots_sha256(spots)
