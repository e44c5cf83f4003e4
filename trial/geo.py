"""Spot shapes in a metric CRS (British National Grid, EPSG:27700) and coordinate transforms.

A spot's geometry is stored as the input gave it (PROTOCOL.md, Canonical hashes): a circle
``{"type": "Circle", "crs", "center", "radius_m"}`` or a GeoJSON-like polygon
``{"type": "Polygon", "crs", "coordinates"}``. Everything that measures works on the metric
shape built here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

WGS84 = "EPSG:4326"
BNG = "EPSG:27700"
METRIC_CRS = BNG
SUPPORTED_CRS = (WGS84, BNG)

FloatArray = npt.NDArray[np.float64]


@lru_cache(maxsize=8)
def _transformer(src: str, dst: str) -> Any:
    from pyproj import Transformer

    return Transformer.from_crs(src, dst, always_xy=True)


#: From this many points on, each distinct point is projected once: below it, finding the
#: distinct points costs more than it saves (and small calls need no pandas).
DISTINCT_FROM = 2048
_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd: x's bits times it stay distinct from each other


def distinct_pairs(x: FloatArray, y: FloatArray) -> tuple[npt.NDArray[np.int64],
                                                          npt.NDArray[np.int64]]:
    """The distinct (x, y) pairs by their bits: ``(first, codes)``.

    ``first[k]`` is a position where pair k occurs (its first) and ``codes[i]`` the pair of
    point i, so ``x[first][codes]`` is ``x`` bit for bit; pairs are numbered in order of first
    appearance unless two different pairs hash alike, when they are numbered in bit order.

    Notes:
        The pairs are hashed into one 64-bit number (x's bits times an odd constant plus y's
        bits) and the numbers factorised; two different pairs can share a number, so every
        point is then checked against its pair's first occurrence, and on any mismatch the
        pairs are found exactly instead (a sort of the two bit patterns together). Matching
        bits, not values, keeps +0 and -0 apart and treats NaN like any other pattern.
    """
    import pandas as pd

    bx = np.ascontiguousarray(x, dtype=np.float64).view(np.int64)
    by = np.ascontiguousarray(y, dtype=np.float64).view(np.int64)
    with np.errstate(over="ignore"):
        mixed = (bx.view(np.uint64) * _MIX + by.view(np.uint64)).view(np.int64)
    codes, distinct = pd.factorize(mixed)
    first = _first_of(codes, len(distinct))
    if np.array_equal(bx[first][codes], bx) and np.array_equal(by[first][codes], by):
        return first, codes.astype(np.int64, copy=False)
    # A collision: the bits of x and y themselves, factorised as one 128-bit key.
    pair = np.empty(len(bx), dtype=[("x", np.int64), ("y", np.int64)])
    pair["x"], pair["y"] = bx, by
    _, first, inverse = np.unique(pair, return_index=True, return_inverse=True)
    return first.astype(np.int64), inverse.ravel().astype(np.int64)


def _first_of(codes: npt.NDArray[np.intp], k: int) -> npt.NDArray[np.int64]:
    first = np.empty(k, dtype=np.int64)
    # Later writes win: writing in reverse leaves each code's first position.
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1, dtype=np.int64)
    return first


def _transform(src: str, dst: str, xs: FloatArray, ys: FloatArray) -> tuple[FloatArray,
                                                                           FloatArray]:
    """Apply the cached transformation, projecting each distinct coordinate pair once.

    police.uk places every crime on one of a limited set of anonymised map points, so a
    million records hold some tens of thousands of distinct coordinates. PROJ transforms each
    point on its own, so projecting a point once and copying the result gives the same bits.
    """
    transformer = _transformer(src, dst)
    if xs.shape != ys.shape or xs.size < DISTINCT_FROM:
        ex, ny = transformer.transform(xs, ys)
        return np.asarray(ex, dtype=np.float64), np.asarray(ny, dtype=np.float64)
    fx, fy = xs.ravel(), ys.ravel()
    first, codes = distinct_pairs(fx, fy)
    if 2 * len(first) > len(codes):  # mostly distinct: not worth the copying
        ex, ny = transformer.transform(xs, ys)
        return np.asarray(ex, dtype=np.float64), np.asarray(ny, dtype=np.float64)
    dx, dy = transformer.transform(fx[first], fy[first])
    out_x = np.asarray(dx, dtype=np.float64)[codes]
    out_y = np.asarray(dy, dtype=np.float64)[codes]
    return out_x.reshape(xs.shape), out_y.reshape(ys.shape)


def to_metric(x: Any, y: Any, crs: str) -> tuple[FloatArray, FloatArray]:
    """Project coordinates (lon/lat for WGS84, easting/northing for BNG) to the metric CRS."""
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    if crs == METRIC_CRS:
        return xs, ys
    return _transform(crs, METRIC_CRS, xs, ys)


def from_metric(x: Any, y: Any, crs: str = WGS84) -> tuple[FloatArray, FloatArray]:
    """Project metric coordinates back to ``crs`` (lon/lat for WGS84)."""
    xs = np.asarray(x, dtype=np.float64)
    ys = np.asarray(y, dtype=np.float64)
    if crs == METRIC_CRS:
        return xs, ys
    return _transform(METRIC_CRS, crs, xs, ys)


@dataclass(frozen=True)
class SpotShape:
    """A spot's area in the metric CRS.

    A circle keeps its exact centre and radius (distances to a circle are computed exactly, not
    from a polygon approximation); a polygon keeps its shapely geometry.
    """

    spot_id: str
    kind: str  # "circle" | "polygon"
    center: tuple[float, float] | None = None
    radius_m: float | None = None
    polygon: Any = None  # shapely.Polygon in the metric CRS

    def area_geometry(self, *, resolution: int = 64) -> Any:
        """The spot's area as a shapely geometry (a circle as a fine polygon, for drawing)."""
        import shapely

        if self.kind == "circle":
            assert self.center is not None and self.radius_m is not None
            return shapely.Point(self.center).buffer(self.radius_m, quad_segs=resolution)
        return self.polygon

    def edge_distance(self, x: Any, y: Any) -> FloatArray:
        """Distance (m) from points to the spot's area: 0 inside or on the edge."""
        xs = np.asarray(x, dtype=np.float64)
        ys = np.asarray(y, dtype=np.float64)
        if self.kind == "circle":
            assert self.center is not None and self.radius_m is not None
            d = np.hypot(xs - self.center[0], ys - self.center[1]) - self.radius_m
            return np.maximum(d, 0.0)
        import shapely

        pts = shapely.points(xs, ys)
        return np.asarray(shapely.distance(self.polygon, pts), dtype=np.float64)

    def distance_to(self, other: SpotShape) -> float:
        """Edge-to-edge distance (m) between two spots; 0 when they touch or overlap."""
        import shapely

        if self.kind == "circle" and other.kind == "circle":
            assert self.center and other.center and self.radius_m and other.radius_m
            d = float(np.hypot(self.center[0] - other.center[0],
                               self.center[1] - other.center[1]))
            return max(d - self.radius_m - other.radius_m, 0.0)
        if self.kind == "circle":
            assert self.center is not None and self.radius_m is not None
            d = float(shapely.distance(other.polygon, shapely.Point(self.center)))
            return max(d - self.radius_m, 0.0)
        if other.kind == "circle":
            return other.distance_to(self)
        return float(shapely.distance(self.polygon, other.polygon))

    def overlaps(self, other: SpotShape) -> bool:
        """True when the two areas share interior points (touching edges do not count)."""
        import shapely

        if self.kind == "circle" and other.kind == "circle":
            assert self.center and other.center and self.radius_m and other.radius_m
            d = float(np.hypot(self.center[0] - other.center[0],
                               self.center[1] - other.center[1]))
            return d < self.radius_m + other.radius_m - 1e-9
        a, b = self.area_geometry(), other.area_geometry()
        if self.kind == "circle" or other.kind == "circle":
            circle, poly = (self, other) if self.kind == "circle" else (other, self)
            assert circle.center is not None and circle.radius_m is not None
            return float(shapely.distance(poly.polygon, shapely.Point(circle.center))) < (
                circle.radius_m - 1e-9)
        return bool(shapely.intersects(a, b)) and not bool(shapely.touches(a, b))


def shape_of(spot_id: str, geometry: dict[str, Any]) -> SpotShape:
    """Build the metric shape of a stored geometry (circle or polygon, WGS84 or BNG)."""
    crs = geometry.get("crs", WGS84)
    if geometry["type"] == "Circle":
        cx, cy = to_metric([geometry["center"][0]], [geometry["center"][1]], crs)
        return SpotShape(spot_id, "circle", center=(float(cx[0]), float(cy[0])),
                         radius_m=float(geometry["radius_m"]))
    if geometry["type"] == "Polygon":
        import shapely

        rings = []
        for ring in geometry["coordinates"]:
            arr = np.asarray(ring, dtype=np.float64)
            mx, my = to_metric(arr[:, 0], arr[:, 1], crs)
            rings.append(np.column_stack([mx, my]))
        poly = shapely.Polygon(rings[0], rings[1:])
        return SpotShape(spot_id, "polygon", polygon=poly)
    raise ValueError(f"unknown geometry type {geometry['type']!r}")
