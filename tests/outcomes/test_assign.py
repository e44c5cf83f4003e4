"""Spots and catchments (METHODS.md 5): edges inclusive, ties to the lowest spot_id."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from trial.errors import InputError
from trial.geo import SpotShape, shape_of
from trial.outcomes import assign, parse_record_map, read_records, snap_points_per_spot

BNG = "EPSG:27700"


def circle(spot_id: str, cx: float, cy: float, r: float) -> SpotShape:
    return shape_of(spot_id, {"type": "Circle", "crs": BNG, "center": [cx, cy], "radius_m": r})


def square(spot_id: str, x0: float, y0: float, side: float) -> SpotShape:
    ring = [[x0, y0], [x0 + side, y0], [x0 + side, y0 + side], [x0, y0 + side], [x0, y0]]
    return shape_of(spot_id, {"type": "Polygon", "crs": BNG, "coordinates": [ring]})


# Given out of spot_id order on purpose: ties go by spot_id, not by position.
SHAPES = [circle("s2", 1000, 1000, 50), square("s1", 2000, 1000, 100)]


def test_edges_are_inside_and_ties_go_to_the_lowest_spot_id() -> None:
    x = [1030, 2100, 1525, 1000, 1000, 1000, np.nan, 1000]
    y = [1040, 1050, 1000, 1300, 1300.001, 1000, 5, 1049.9]
    a = assign(x, y, SHAPES, buffer_m=250)
    assert list(a.area) == ["spot", "spot", "outside", "catchment", "outside", "spot",
                            "unlocatable", "spot"]
    assert list(a.spot_index) == [0, 1, -1, 0, -1, 0, -1, 0]
    assert a.distance_m[3] == 250.0  # exactly on the catchment's outer edge: inside it
    assert a.distance_m[0] == 0.0 and np.isnan(a.distance_m[2])
    # (1525, 1000) is 475 m from both edges: with a 500 m ring the tie goes to s1.
    b = assign([1525, 1524, 1526], [1000, 1000, 1000], SHAPES, buffer_m=500)
    assert list(b.area) == ["catchment"] * 3
    assert list(b.spot_index) == [1, 0, 1]
    assert b.distance_m[0] == 475.0


def test_overlapping_and_touching_spots() -> None:
    shapes = [circle("b", 0, 0, 100), circle("a", 50, 0, 100), square("c", 100, -50, 100),
              square("d", 200, -50, 100)]
    a = assign([60, 200, 250, -300], [0, 0, 0, 0], shapes, buffer_m=200)
    assert list(a.area) == ["spot", "spot", "spot", "catchment"]
    # 60: in circles a and b; 200: on the shared edge of squares c and d (and circle a's
    # edge is 150 away); 250: only d.
    assert [shapes[i].spot_id for i in a.spot_index] == ["a", "c", "d", "b"]


def test_a_spot_beats_a_nearer_catchment_and_nearest_edge_beats_spot_id() -> None:
    shapes = [circle("a", 0, 0, 10), circle("b", 100, 0, 80)]
    # 25 is inside b (75 from its centre) and 15 m from a's edge; -15 is only near a.
    a = assign([25, -15], [0, 0], shapes, buffer_m=100)
    assert [shapes[i].spot_id for i in a.spot_index] == ["b", "a"]
    assert list(a.area) == ["spot", "catchment"]
    c = assign([60], [200], shapes, buffer_m=500)  # nearer to b's edge than to a's
    assert shapes[c.spot_index[0]].spot_id == "b"


def test_a_polygon_hole_is_not_the_spot() -> None:
    outer = [[0, 0], [100, 0], [100, 100], [0, 100], [0, 0]]
    hole = [[40, 40], [60, 40], [60, 60], [40, 60], [40, 40]]
    shape = shape_of("h", {"type": "Polygon", "crs": BNG, "coordinates": [outer, hole]})
    a = assign([50, 40, 20], [50, 50, 20], [shape], buffer_m=20)
    assert list(a.area) == ["catchment", "spot", "spot"]
    assert a.distance_m[0] == 10.0


def test_buffer_zero_has_no_catchment_and_bad_input_is_refused() -> None:
    a = assign([1051, 1050], [1000, 1000], SHAPES, buffer_m=0)
    assert list(a.area) == ["outside", "spot"]
    with pytest.raises(InputError):
        assign([0], [0], SHAPES, buffer_m=-1)
    with pytest.raises(InputError, match="repeated"):
        assign([0], [0], [circle("a", 0, 0, 1), circle("a", 5, 5, 1)], buffer_m=1)


@pytest.mark.parametrize("seed", range(12))
def test_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    shapes: list[SpotShape] = []
    for i in rng.permutation(15):
        cx, cy = rng.uniform(0, 2000, 2)
        if i % 2:
            shapes.append(circle(f"s{i:02d}", cx, cy, rng.uniform(10, 150)))
        else:
            poly = shapely.Point(cx, cy).buffer(rng.uniform(10, 150), quad_segs=3)
            shapes.append(SpotShape(f"s{i:02d}", "polygon", polygon=poly))
    # Snap coordinates to a grid so that some points share coordinates.
    x = np.round(rng.uniform(-300, 2300, 2000))
    y = np.round(rng.uniform(-300, 2300, 2000))
    buffer_m = float(rng.uniform(0, 300))
    got = assign(x, y, shapes, buffer_m=buffer_m)
    dist = np.column_stack([s.edge_distance(x, y) for s in shapes])
    rank = np.argsort(np.argsort([s.spot_id for s in shapes]))
    n = np.arange(len(x))
    inside = dist <= 0
    first_inside = np.argmin(np.where(inside, rank[None, :], 10**6), axis=1)
    near = np.where(dist <= buffer_m, dist, np.inf)
    tied = near == near.min(axis=1)[:, None]
    first_near = np.argmin(np.where(tied, rank[None, :], 10**6), axis=1)
    any_inside = inside.any(axis=1)
    any_near = np.isfinite(near[n, first_near])
    want_area = np.where(any_inside, "spot", np.where(any_near, "catchment", "outside"))
    want_index = np.where(any_inside, first_inside, np.where(any_near, first_near, -1))
    assert list(got.area) == list(want_area)
    assert list(got.spot_index) == list(want_index)
    counts = snap_points_per_spot(x, y, shapes)
    pts = np.unique(np.column_stack([x, y]), axis=0)
    expected = [int((s.edge_distance(pts[:, 0], pts[:, 1]) <= 0).sum()) for s in shapes]
    assert list(counts) == expected


def test_snap_points_count_distinct_coordinates() -> None:
    x = [1000, 1000, 1010, 2050, np.nan, 5000]
    y = [1000, 1000, 1000, 1050, np.nan, 5000]
    assert list(snap_points_per_spot(x, y, SHAPES)) == [2, 1]


def test_fixture_records_on_an_edge_and_between_two_spots(test_data: Path) -> None:
    folder = test_data / "outcomes"
    rmap = parse_record_map((folder / "force-extract-map.toml").read_text(), source="map")
    frame = read_records([folder / "force-extract.csv"], rmap,
                         timezone="Europe/London").frame
    shapes = [square("B", 531000, 180000, 100), circle("A", 530000, 180000, 50)]
    a = assign(frame["x"], frame["y"], shapes, buffer_m=500)
    by_id = dict(zip(frame["crime_id"], zip(a.area, a.spot_index, strict=True), strict=True))
    assert by_id["R003"] == ("spot", 0)  # on B's east edge
    assert by_id["R005"] == ("catchment", 1)  # 475 m from both edges: A by spot_id
    assert by_id["R001"] == ("spot", 1)
    assert by_id["R012"] == ("unlocatable", -1)
    assert by_id["R100"] == ("outside", -1)
