"""Projecting and placing each distinct point once gives exactly the point-by-point answer."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import trial.geo as geo
from trial.geo import (
    DISTINCT_FROM,
    WGS84,
    SpotShape,
    distinct_pairs,
    from_metric,
    shape_of,
    to_metric,
)
from trial.outcomes import assign

BNG = "EPSG:27700"
SEEDS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _circle(spot_id: str, cx: float, cy: float, r: float) -> SpotShape:
    return shape_of(spot_id, {"type": "Circle", "crs": BNG, "center": [cx, cy], "radius_m": r})


def _square(spot_id: str, x0: float, y0: float, side: float) -> SpotShape:
    ring = [[x0, y0], [x0 + side, y0], [x0 + side, y0 + side], [x0, y0 + side], [x0, y0]]
    return shape_of(spot_id, {"type": "Polygon", "crs": BNG, "coordinates": [ring]})


def _shapes(rng: np.random.Generator) -> list[SpotShape]:
    """Circles and squares on a small map, some overlapping, some touching, ids shuffled."""
    shapes: list[SpotShape] = []
    ids = [f"s{i:02d}" for i in rng.permutation(12)]
    for k, spot_id in enumerate(ids):
        cx, cy = (float(v) for v in rng.integers(0, 8, size=2) * 100)
        if k % 3 == 2:
            shapes.append(_square(spot_id, cx, cy, float(rng.integers(2, 9) * 10)))
        else:
            shapes.append(_circle(spot_id, cx, cy, float(rng.integers(2, 9) * 10)))
    return shapes


def _points(rng: np.random.Generator, shapes: list[SpotShape], buffer_m: float,
            n: int) -> tuple[np.ndarray, np.ndarray]:
    """Snap-point-like data: a few hundred places, each repeated, many on or near an edge."""
    places_x: list[float] = []
    places_y: list[float] = []
    for s in shapes:
        if s.kind == "circle":
            assert s.center is not None and s.radius_m is not None
            (cx, cy), r = s.center, s.radius_m
            for reach in (r, r + buffer_m):  # exactly on the spot's and the ring's edge
                places_x += [cx + reach, cx - reach, cx, cx]
                places_y += [cy, cy, cy + reach, cy - reach]
                for v in (np.nextafter(cx + reach, np.inf), np.nextafter(cx + reach, -np.inf)):
                    places_x.append(float(v))
                    places_y.append(cy)
        else:
            x0, y0, x1, y1 = s.polygon.bounds
            places_x += [x0, x1, x1 + buffer_m, (x0 + x1) / 2]
            places_y += [y0, y1, y0, y1 + buffer_m]
    near = len(places_x)
    places_x += list(rng.uniform(-200, 1000, size=300))
    places_y += list(rng.uniform(-200, 1000, size=300))
    px, py = np.array(places_x), np.array(places_y)
    pick = rng.integers(0, len(px), size=n)
    first = min(near, n)
    pick[:first] = np.arange(first)  # every edge place at least once
    x, y = px[pick], py[pick]
    gone = rng.random(n) < 0.03
    x[gone] = np.nan
    y[gone & (rng.random(n) < 0.5)] = np.nan
    return x, y


def _brute_force(x: np.ndarray, y: np.ndarray, shapes: list[SpotShape],
                 buffer_m: float) -> tuple[list[str], list[int], list[float]]:
    """METHODS.md 5 point by point: inside (lowest spot_id), else nearest edge within reach."""
    ids = [s.spot_id for s in shapes]
    placed: list[tuple[str, int, float]] = []
    for px, py in zip(x, y, strict=True):
        if not (np.isfinite(px) and np.isfinite(py)):
            placed.append(("unlocatable", -1, np.nan))
            continue
        d = []
        for s in shapes:
            if s.kind == "circle":
                assert s.center is not None and s.radius_m is not None
                d.append(float(np.hypot(px - s.center[0], py - s.center[1]) - s.radius_m))
            else:
                d.append(float(shapely.distance(s.polygon, shapely.Point(px, py))))
        inside = [k for k in range(len(shapes)) if d[k] <= 0.0]
        ring = [k for k in range(len(shapes)) if 0.0 < d[k] <= buffer_m]
        if inside:
            k = min(inside, key=lambda k: ids[k])
            placed.append(("spot", k, 0.0))
        elif ring:
            k = min(ring, key=lambda k: (d[k], ids[k]))
            placed.append(("catchment", k, d[k]))
        else:
            placed.append(("outside", -1, np.nan))
    return [p[0] for p in placed], [p[1] for p in placed], [p[2] for p in placed]


@SEEDS
@given(seed=st.integers(0, 2**32 - 1))
def test_assignment_of_repeated_points_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    shapes = _shapes(rng)
    buffer_m = float(rng.choice([0.0, 25.0, 100.0]))
    x, y = _points(rng, shapes, buffer_m, DISTINCT_FROM + 500)
    got = assign(x, y, shapes, buffer_m=buffer_m)
    areas, spots, dists = _brute_force(x, y, shapes, buffer_m)
    assert list(got.area) == areas
    assert got.spot_index.tolist() == spots
    np.testing.assert_array_equal(got.distance_m, np.array(dists))


@SEEDS
@given(seed=st.integers(0, 2**32 - 1))
def test_assignment_is_the_same_whether_points_repeat_or_not(seed: int) -> None:
    """The distinct-point path against the direct path (small calls) on the same points."""
    rng = np.random.default_rng(seed)
    shapes = _shapes(rng)
    x, y = _points(rng, shapes, 100.0, 3 * DISTINCT_FROM)
    whole = assign(x, y, shapes, buffer_m=100.0)
    step = DISTINCT_FROM // 2
    for start in range(0, len(x), step):
        part = assign(x[start:start + step], y[start:start + step], shapes, buffer_m=100.0)
        assert list(whole.area[start:start + step]) == list(part.area)
        assert np.array_equal(whole.spot_index[start:start + step], part.spot_index)
        np.testing.assert_array_equal(whole.distance_m[start:start + step], part.distance_m)


def _lon_lat(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    places = 400
    lon = np.round(rng.uniform(-0.2, 0.1, size=places), 6)
    lat = np.round(rng.uniform(51.4, 51.6, size=places), 6)
    lon[:4] = [0.0, -0.0, np.nan, np.inf]  # values whose bits and equality disagree
    lat[:4] = [51.5, 51.5, 51.5, 51.5]
    lat[4] = -0.0
    pick = rng.integers(0, places, size=n)
    return lon[pick], lat[pick]


def _bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64).view(np.int64)


@SEEDS
@given(seed=st.integers(0, 2**32 - 1))
def test_projection_of_repeated_points_is_bit_for_bit_the_direct_one(seed: int) -> None:
    rng = np.random.default_rng(seed)
    lon, lat = _lon_lat(rng, DISTINCT_FROM * 2)
    direct = geo._transformer(WGS84, BNG).transform(lon, lat)
    x, y = to_metric(lon, lat, WGS84)
    assert np.array_equal(_bits(x), _bits(direct[0]))
    assert np.array_equal(_bits(y), _bits(direct[1]))
    back = from_metric(x, y)
    direct_back = geo._transformer(BNG, WGS84).transform(x, y)
    assert np.array_equal(_bits(back[0]), _bits(direct_back[0]))


def test_projection_keeps_the_shape_of_its_input() -> None:
    rng = np.random.default_rng(7)
    lon, lat = _lon_lat(rng, DISTINCT_FROM * 2)
    x, y = to_metric(lon.reshape(-1, 4), lat.reshape(-1, 4), WGS84)
    flat_x, flat_y = to_metric(lon, lat, WGS84)
    assert x.shape == (DISTINCT_FROM // 2, 4)
    assert np.array_equal(_bits(x.ravel()), _bits(flat_x))
    assert np.array_equal(_bits(y.ravel()), _bits(flat_y))


def test_distinct_points_by_their_bits() -> None:
    x = np.array([1.0, 2.0, 1.0, 0.0, -0.0, np.nan, np.nan, 1.0])
    y = np.array([5.0, 5.0, 5.0, 3.0, 3.0, 4.0, 4.0, 6.0])
    first, codes = distinct_pairs(x, y)
    assert codes.tolist() == [0, 1, 0, 2, 3, 4, 4, 5]
    assert first.tolist() == [0, 1, 3, 4, 5, 7]


@pytest.mark.parametrize("n", [50, DISTINCT_FROM * 3])
def test_pairs_that_hash_alike_are_still_told_apart(monkeypatch: pytest.MonkeyPatch,
                                                    n: int) -> None:
    # With the mixing constant 0 every pair hashes to its y alone: all points on one line
    # of y collide, and the exact path must take over.
    monkeypatch.setattr(geo, "_MIX", np.uint64(0))
    rng = np.random.default_rng(3)
    x = rng.integers(0, 20, size=n).astype(np.float64)
    y = rng.integers(0, 3, size=n).astype(np.float64)
    first, codes = distinct_pairs(x, y)
    assert np.array_equal(x[first][codes], x) and np.array_equal(y[first][codes], y)
    assert len(first) == len(set(zip(x.tolist(), y.tolist(), strict=True)))
    lon, lat = _lon_lat(rng, n)
    direct = geo._transformer(WGS84, BNG).transform(lon, lat)
    got = to_metric(lon, lat, WGS84)
    assert np.array_equal(_bits(got[0]), _bits(direct[0]))
    shapes = _shapes(rng)
    px, py = _points(rng, shapes, 100.0, n)
    areas, spots, _ = _brute_force(px, py, shapes, 100.0)
    placed = assign(px, py, shapes, buffer_m=100.0)
    assert list(placed.area) == areas and placed.spot_index.tolist() == spots
