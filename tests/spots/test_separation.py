"""Edge-to-edge separation between spots, checked by hand and against every pair."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from pyproj import Geod

from trial.spots import (
    CandidateSpot,
    SpotPair,
    closest_pairs,
    pairs_closer_than,
    parse_spots,
    separation_summary,
)


def circle(spot_id: str, x: float, y: float, r: float, *, eligible: bool = True) -> CandidateSpot:
    return CandidateSpot(spot_id, spot_id, eligible, None if eligible else "excluded",
                         {"type": "Circle", "crs": "EPSG:27700", "center": [x, y], "radius_m": r},
                         {})


def square(spot_id: str, x0: float, y0: float, side: float) -> CandidateSpot:
    ring = [[x0, y0], [x0 + side, y0], [x0 + side, y0 + side], [x0, y0 + side], [x0, y0]]
    return CandidateSpot(spot_id, spot_id, True, None,
                         {"type": "Polygon", "crs": "EPSG:27700", "coordinates": [ring]}, {})


E, N = 430_000.0, 433_000.0


def test_two_circles_by_hand() -> None:
    # Centres 100 m apart, radii 20 and 30: 100 - 20 - 30 = 50 m between edges.
    spots = [circle("b", E + 100, N, 30), circle("a", E, N, 20)]
    assert closest_pairs(spots) == [SpotPair("a", "b", 50.0)]
    assert pairs_closer_than(spots, 50.0) == []
    assert pairs_closer_than(spots, 50.001) == [SpotPair("a", "b", 50.0)]


def test_polygon_and_circles_by_hand() -> None:
    spots = [
        square("sq", E, N, 100),                       # [E, E+100] x [N, N+100]
        circle("east", E + 250, N + 50, 50),           # 150 m from the edge, radius 50: 100
        circle("corner", E + 200, N + 200, 10),        # sqrt(2) * 100 - 10 from the corner
        square("far", E + 400, N, 100),                # 300 m edge to edge from sq
    ]
    corner = math.sqrt(2) * 100 - 10
    # corner-east: centres (200, 200) and (250, 50): sqrt(50^2 + 150^2) - 10 - 50.
    corner_east = math.hypot(50, 150) - 60
    # east-far: centre 150 m from far's west edge (x = 400), radius 50.
    pairs = closest_pairs(spots, k=10)
    assert [(p.a, p.b) for p in pairs] == [
        # east-far and east-sq tie at 100 m: ties go by spot_id.
        ("corner", "east"), ("east", "far"), ("east", "sq"), ("corner", "sq"), ("corner", "far"),
        ("far", "sq")]
    got = {(p.a, p.b): p.distance_m for p in pairs}
    assert got[("east", "sq")] == pytest.approx(100.0, abs=1e-9)
    assert got[("corner", "sq")] == pytest.approx(corner, abs=1e-9)
    assert got[("corner", "east")] == pytest.approx(corner_east, abs=1e-9)
    assert got[("east", "far")] == pytest.approx(100.0, abs=1e-9)
    # corner-far: nearest point of far is its corner (400, 100); centre (200, 200).
    assert got[("corner", "far")] == pytest.approx(math.hypot(200, 100) - 10, abs=1e-9)
    assert got[("far", "sq")] == pytest.approx(300.0, abs=1e-9)
    summary = separation_summary(spots, k=2)
    assert summary.n_spots == 4
    assert summary.min_m == pytest.approx(corner_east)
    assert summary.nearest_m == pytest.approx({"sq": 100.0, "east": corner_east,
                                               "corner": corner_east, "far": 100.0})
    assert summary.median_nearest_m == pytest.approx((corner_east + 100.0) / 2)
    assert [(p.a, p.b) for p in summary.closest] == [("corner", "east"), ("east", "far")]


def test_touching_and_overlapping_spots_are_zero_apart() -> None:
    spots = [circle("a", E, N, 50), circle("b", E + 100, N, 50), square("c", E + 140, N, 10)]
    assert [(p.a, p.b, p.distance_m) for p in pairs_closer_than(spots, 1.0)] == [
        ("a", "b", 0.0), ("b", "c", 0.0)]


def test_wgs84_spots_measure_in_metres() -> None:
    text = ("spot_id,name,lat,lon,radius_m\n"
            "A,Alpha,53.7960,-1.5500,40\n"
            "B,Beta,53.7960,-1.5400,60\n")
    (pair,) = closest_pairs(parse_spots(text, source="s.csv"))
    _, _, ground = Geod(ellps="WGS84").inv(-1.55, 53.796, -1.54, 53.796)
    # British National Grid scale near Leeds (30 km east of its central meridian) is ~0.99961:
    # grid distances are short of ground distances by about 0.04%.
    assert pair.distance_m == pytest.approx(ground * 0.99961 - 100, abs=0.5)
    assert 555 < pair.distance_m < 565


def test_fewer_than_two_spots() -> None:
    assert closest_pairs([]) == [] and closest_pairs([circle("a", E, N, 5)]) == []
    summary = separation_summary([circle("a", E, N, 5)])
    assert (summary.n_spots, summary.min_m, summary.median_nearest_m, summary.closest) == (
        1, None, None, ())


def test_negative_threshold_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="metres"):
        pairs_closer_than([], -1.0)


def random_spots(rng: np.random.Generator, n: int, extent: float) -> list[CandidateSpot]:
    spots = []
    for k in range(n):
        x, y = E + rng.uniform(0, extent), N + rng.uniform(0, extent)
        if rng.random() < 0.7:
            spots.append(circle(f"s{k:04d}", round(x, 1), round(y, 1),
                                float(rng.integers(5, 80))))
        else:
            spots.append(square(f"s{k:04d}", round(x, 1), round(y, 1),
                                float(rng.integers(10, 120))))
    return spots


def brute_force(spots: list[CandidateSpot]) -> list[tuple[float, str, str]]:
    out = []
    for s, t in itertools.combinations(spots, 2):
        a, b = sorted((s.spot_id, t.spot_id))
        out.append((s.shape.distance_to(t.shape), a, b))
    return sorted(out)


@pytest.mark.parametrize("seed", range(8))
def test_agrees_with_every_pair_measured(seed: int) -> None:
    rng = np.random.default_rng(seed)
    spots = random_spots(rng, int(rng.integers(2, 60)), extent=float(rng.choice([300, 3000])))
    if seed == 0:
        x, y = spots[0].shape.area_geometry().centroid.coords[0]
        spots.append(circle("twin", x, y, 5.0))  # a centre shared with (or inside) spot 0
    truth = brute_force(spots)
    got = closest_pairs(spots, k=7)
    assert [p.distance_m for p in got] == pytest.approx([d for d, _, _ in truth[:7]], abs=1e-9)
    threshold = float(np.median([d for d, _, _ in truth]))
    close = pairs_closer_than(spots, threshold)
    assert {(p.a, p.b) for p in close} == {(a, b) for d, a, b in truth if d < threshold}
    summary = separation_summary(spots)
    for spot in spots:
        nearest = min(d for d, a, b in truth if spot.spot_id in (a, b))
        assert summary.nearest_m[spot.spot_id] == pytest.approx(nearest, abs=1e-9)
    assert summary.min_m == pytest.approx(truth[0][0], abs=1e-9)


def test_a_thousand_spots_well_under_a_second() -> None:
    spots = random_spots(np.random.default_rng(1), 1000, extent=20_000)
    for s in spots:
        _ = s.shape  # building the metric shapes is part of reading, not of measuring
    summary = separation_summary(spots)
    close = pairs_closer_than(spots, 500.0)
    assert summary.n_spots == 1000 and len(summary.closest) == 5
    assert close and all(p.distance_m < 500 for p in close)


def test_spots_sharing_a_centre() -> None:
    # The nearest-point search skips points equal to its own; such spots must still be measured.
    spots = [circle("a", E, N, 10), circle("b", E, N, 20), circle("c", E + 1000, N, 10)]
    summary = separation_summary(spots, k=3)
    assert summary.nearest_m == {"a": 0.0, "b": 0.0, "c": 970.0}
    assert summary.closest == (SpotPair("a", "b", 0.0), SpotPair("b", "c", 970.0),
                               SpotPair("a", "c", 980.0))
    two = [circle("x", E, N, 10), circle("y", E, N, 10)]
    assert separation_summary(two).nearest_m == {"x": 0.0, "y": 0.0}
