"""Reading candidate hot spots from GeoJSON: polygons, points with a radius, the crs member."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from trial.errors import InputError
from trial.spots import parse_spots, read_spots

SQUARE = [[[-1.5520, 53.7985], [-1.5505, 53.7985], [-1.5505, 53.7993], [-1.5520, 53.7993],
           [-1.5520, 53.7985]]]


def collection(*features: dict[str, Any], **extra: Any) -> str:
    return json.dumps({"type": "FeatureCollection", **extra, "features": list(features)})


def feature(geometry: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def test_geojson_twin_matches_the_csv(test_data: Path) -> None:
    from_csv = read_spots(test_data / "spots" / "leeds-spots.csv")
    from_json = read_spots(test_data / "spots" / "leeds-spots.geojson")
    assert [s.record() for s in from_json] == [s.record() for s in from_csv]


def test_polygon_feature_keeps_rings_and_attributes() -> None:
    text = collection(feature({"type": "Polygon", "coordinates": SQUARE}, spot_id="P",
                              name="Park Square", district="West", baseline_crimes=14,
                              baseline_harm=88.5, note=None))
    (spot,) = parse_spots(text, source="s.geojson")
    assert spot.geometry == {"type": "Polygon", "crs": "EPSG:4326", "coordinates": SQUARE}
    assert spot.attributes == {"district": "West", "baseline_crimes": 14,
                               "baseline_harm": 88.5, "note": None}
    assert spot.eligible is True


def test_point_feature_with_radius_becomes_a_circle() -> None:
    text = collection(feature({"type": "Point", "coordinates": [-1.5418, 53.7989]},
                              spot_id=7, name="Briggate", radius_m=60, eligible=False,
                              exclusion_reason="works"))
    (spot,) = parse_spots(text, source="s.json")
    assert spot.spot_id == "7"
    assert spot.geometry == {"type": "Circle", "crs": "EPSG:4326",
                             "center": [-1.5418, 53.7989], "radius_m": 60}
    assert (spot.eligible, spot.exclusion_reason) == (False, "works")
    assert spot.attributes == {}


def test_legacy_crs_member_names_bng() -> None:
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}}
    text = collection(feature({"type": "Point", "coordinates": [430000, 433000]},
                              spot_id="A", name="Alpha", radius_m=20), crs=crs)
    (spot,) = parse_spots(text, source="s.geojson")
    assert spot.geometry["crs"] == "EPSG:27700"
    assert spot.shape.center == (430000.0, 433000.0)


def test_recognised_by_content_without_a_suffix() -> None:
    text = "\n  " + collection(feature({"type": "Point", "coordinates": [-1.55, 53.79]},
                                       spot_id="A", name="Alpha", radius_m=20))
    assert parse_spots(text, source="upload")[0].spot_id == "A"


def test_third_coordinate_is_dropped() -> None:
    ring = [[x, y, 10.0] for x, y in SQUARE[0]]
    text = collection(feature({"type": "Polygon", "coordinates": [ring]}, spot_id="P",
                              name="Park"))
    (spot,) = parse_spots(text, source="s.geojson")
    assert spot.geometry["coordinates"] == SQUARE


def problems_of(text: str) -> list[tuple[str | None, str]]:
    with pytest.raises(InputError) as info:
        parse_spots(text, source="s.geojson")
    return [(p.field, p.what) for p in info.value.problems]


def test_every_feature_problem_is_named_by_feature_and_field() -> None:
    bow_tie = [[[-1.55, 53.79], [-1.54, 53.80], [-1.54, 53.79], [-1.55, 53.80], [-1.55, 53.79]]]
    text = collection(
        feature({"type": "Point", "coordinates": [-1.55, 53.79]}, spot_id="A", name="A"),
        feature({"type": "Point", "coordinates": [-1.55, 53.79]}, spot_id="", name="B",
                radius_m=0),
        feature({"type": "Polygon", "coordinates": bow_tie}, spot_id="C", name="C"),
        feature({"type": "MultiPolygon", "coordinates": []}, spot_id="D", name="D"),
        feature({"type": "Point", "coordinates": [-1.55, 53.79]}, spot_id="E", name="E",
                radius_m=10, eligible=False),
        feature({"type": "Point", "coordinates": [-1.55, 53.79]}, spot_id="A", name="",
                radius_m="ten"),
        feature({"type": "Point", "coordinates": [2.35, 48.85]}, spot_id="G", name="Paris",
                radius_m=10),
        {"type": "Feature", "properties": None, "geometry": None},
    )
    found = problems_of(text)
    fields = [f for f, _ in found]
    assert fields == [
        "feature[1].radius_m", "feature[2].spot_id", "feature[2].radius_m",
        "feature[3].geometry", "feature[4].geometry", "feature[5].exclusion_reason",
        "feature[6].name", "feature[6].radius_m", "feature[7].geometry",
        "feature[8].properties", "feature[6].spot_id",
    ]
    text_of = dict(zip(fields, (w for _, w in found), strict=True))
    assert "needs a radius_m" in text_of["feature[1].radius_m"]
    assert text_of["feature[2].radius_m"] == "must be > 0, got 0"
    assert "Self-intersection" in text_of["feature[3].geometry"]
    assert "geometry type 'MultiPolygon' is not supported" in text_of["feature[4].geometry"]
    assert "outside Great Britain" in text_of["feature[7].geometry"]
    assert "duplicate spot_id 'A' (first at feature[1])" in text_of["feature[6].spot_id"]


@pytest.mark.parametrize(("text", "what"), [
    ('{"type": "FeatureCollection", "features": [', "not valid JSON"),
    ('{"type": "Feature"}', "expected a GeoJSON FeatureCollection"),
    ('{"type": "FeatureCollection", "features": []}', "no features"),
    ('{"type": "FeatureCollection", "features": [1], "x": NaN}', "NaN is not a finite"),
    ('{"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": '
     '"EPSG:3857"}}, "features": [{}]}', "unsupported crs member"),
])
def test_file_level_problems(text: str, what: str) -> None:
    (found,) = problems_of(text)
    assert what in found[1]


def test_unclosed_ring_is_refused() -> None:
    ring = SQUARE[0][:-1] + [[-1.5519, 53.7985]]
    text = collection(feature({"type": "Polygon", "coordinates": [ring]}, spot_id="P",
                              name="P"))
    assert problems_of(text) == [
        ("feature[1].geometry", "outer ring is not closed (its first and last positions differ)")]


def test_overlapping_features_are_named_and_touching_ones_are_not() -> None:
    bng = {"type": "name", "properties": {"name": "EPSG:27700"}}
    square = [[[0, 0], [100, 0], [100, 100], [0, 100], [0, 0]]]
    shifted = [[[x + 430000, y + 433000] for x, y in square[0]]]
    touching = [[[x + 430100, y + 433000] for x, y in square[0]]]
    text = collection(
        feature({"type": "Polygon", "coordinates": shifted}, spot_id="S1", name="S1"),
        feature({"type": "Polygon", "coordinates": touching}, spot_id="S2", name="S2"),
        feature({"type": "Point", "coordinates": [430150, 433050]}, spot_id="C1", name="C1",
                radius_m=10),
        crs=bng)
    assert problems_of(text) == [(
        "feature[3].geometry",
        "spots 'S2' (feature[2]) and 'C1' (feature[3]) overlap; eligible spots must not share "
        "any area")]
