"""Placing records in hot spots and displacement catchments (METHODS.md section 5)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from trial.errors import InputError
from trial.geo import DISTINCT_FROM, SpotShape, distinct_pairs
from trial.outcomes.frame import distinct_points

SPOT, CATCHMENT, OUTSIDE, UNLOCATABLE = "spot", "catchment", "outside", "unlocatable"


@dataclass(frozen=True)
class Assignment:
    """Where each point belongs.

    Attributes:
        area: "spot", "catchment", "outside" or "unlocatable" per point.
        spot_index: index into the shapes given of the spot (or the spot whose catchment)
            the point belongs to; -1 for outside and unlocatable.
        distance_m: distance from the point to that spot's edge (0 inside or on the edge);
            NaN for outside and unlocatable.
    """

    area: npt.NDArray[np.str_]
    spot_index: npt.NDArray[np.int64]
    distance_m: npt.NDArray[np.float64]


MAX_CELLS = 65_535  # grid cells numbered in 16 bits: numpy sorts them by radix, in O(n)


def _in_boxes(x: np.ndarray, y: np.ndarray,
              bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (point, box) with the point inside or on the edge of the box.

    A uniform grid over the boxes' extent, cells at least as large as the largest box (so a
    box meets at most 2 x 2 cells); points are grouped by cell once and each box filters the
    points of the cells it meets. No geometry is built per point: at a million points that
    alone cost more than the rest of the assignment. Cell numbers are monotone in x and y,
    so a point inside a box (edges included) always falls in one of the box's cells.
    """
    none = np.empty(0, dtype=np.int64)
    if len(bounds) == 0 or len(x) == 0:
        return none, none
    x0, y0 = bounds[:, 0].min(), bounds[:, 1].min()
    x1, y1 = bounds[:, 2].max(), bounds[:, 3].max()
    side = max(float((bounds[:, 2] - bounds[:, 0]).max()),
               float((bounds[:, 3] - bounds[:, 1]).max()),
               float(np.sqrt(max(x1 - x0, 1e-9) * max(y1 - y0, 1e-9) / (MAX_CELLS // 2))),
               1e-9)
    nx = int((x1 - x0) // side) + 1
    ny = int((y1 - y0) // side) + 1
    while nx * ny > MAX_CELLS:
        side *= 1.5
        nx, ny = int((x1 - x0) // side) + 1, int((y1 - y0) // side) + 1

    def column(v: np.ndarray, v0: float, n: int) -> np.ndarray:
        return np.minimum(((v - v0) // side).astype(np.int64), n - 1)

    inside = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    where = np.flatnonzero(inside)
    cell = np.full(len(x), nx * ny, dtype=np.int64)
    cell[where] = column(x[where], x0, nx) + nx * column(y[where], y0, ny)
    order = np.argsort(cell.astype(np.uint16 if nx * ny < MAX_CELLS else np.int64),
                       kind="stable")
    offsets = np.searchsorted(cell[order], np.arange(nx * ny + 1), side="left")
    bx0, bx1 = column(bounds[:, 0], x0, nx), column(bounds[:, 2], x0, nx)
    by0, by1 = column(bounds[:, 1], y0, ny), column(bounds[:, 3], y0, ny)
    points: list[np.ndarray] = []
    boxes: list[np.ndarray] = []
    for k in range(len(bounds)):
        rows = [order[offsets[r * nx + bx0[k]]:offsets[r * nx + bx1[k] + 1]]
                for r in range(by0[k], by1[k] + 1)]
        near = rows[0] if len(rows) == 1 else np.concatenate(rows)
        xs, ys = x[near], y[near]
        hit = near[(xs >= bounds[k, 0]) & (xs <= bounds[k, 2])
                   & (ys >= bounds[k, 1]) & (ys <= bounds[k, 3])]
        points.append(hit)
        boxes.append(np.full(len(hit), k, dtype=np.int64))
    return np.concatenate(points).astype(np.int64), np.concatenate(boxes)


def _candidates(x: np.ndarray, y: np.ndarray, shapes: Sequence[SpotShape],
                reach: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (point, spot) whose boxes come within ``reach``, with the edge distance.

    Distances are exact for circles (centre distance minus radius, negative inside) and
    shapely's for polygons (0 inside or on the edge). A point on a box's edge is a candidate.
    """
    import shapely

    bounds = np.empty((len(shapes), 4))
    for k, s in enumerate(shapes):
        if s.kind == "circle":
            assert s.center is not None and s.radius_m is not None
            cx, cy = s.center
            r = s.radius_m + reach
            bounds[k] = (cx - r, cy - r, cx + r, cy + r)
        else:
            minx, miny, maxx, maxy = s.polygon.bounds
            bounds[k] = (minx - reach, miny - reach, maxx + reach, maxy + reach)
    point, spot = _in_boxes(x, y, bounds)
    dist = np.empty(len(point))
    is_circle = np.array([s.kind == "circle" for s in shapes], dtype=bool)
    circ = is_circle[spot]
    if circ.any():
        centres = np.array([s.center if s.kind == "circle" else (np.nan, np.nan)
                            for s in shapes], dtype=np.float64)
        radii = np.array([s.radius_m if s.kind == "circle" else np.nan for s in shapes],
                         dtype=np.float64)
        p, k = point[circ], spot[circ]
        dist[circ] = np.hypot(x[p] - centres[k, 0], y[p] - centres[k, 1]) - radii[k]
    poly = ~circ
    if poly.any():
        polygons = np.array([s.polygon for s in shapes], dtype=object)
        p, k = point[poly], spot[poly]
        dist[poly] = shapely.distance(polygons[k], shapely.points(x[p], y[p]))
    return point, spot, dist


def _spot_rank(shapes: Sequence[SpotShape]) -> np.ndarray:
    ids = [s.spot_id for s in shapes]
    repeated = sorted(i for i, k in Counter(ids).items() if k > 1)
    if repeated:
        raise InputError(f"spot_id repeated: {', '.join(repeated)}")
    order = sorted(range(len(ids)), key=lambda i: ids[i])
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids))
    return rank


def assign(x: npt.ArrayLike, y: npt.ArrayLike, shapes: Sequence[SpotShape], *,
           buffer_m: float) -> Assignment:
    """Assign points (metric CRS) to spots, catchments, outside or unlocatable.

    Args:
        x, y: British National Grid metres; NaN for records without a location.
        shapes: the spots (``trial.geo.shape_of``), spot_ids unique.
        buffer_m: the catchment's reach beyond each spot's edge, in metres (0: none).

    Returns:
        Per point: a point inside or on the edge of a spot belongs to it (overlapping or
        touching spots: the lowest spot_id); otherwise, within ``buffer_m`` of one or more
        spot edges (edge of the ring included), the catchment of the spot whose edge is
        nearest (ties: the lowest spot_id); otherwise outside. spot_id order is Unicode
        code-point order.

    Raises:
        InputError: a negative or non-finite ``buffer_m``, or a repeated spot_id.
    """
    xs = np.asarray(x, dtype=np.float64).ravel()
    ys = np.asarray(y, dtype=np.float64).ravel()
    if xs.shape != ys.shape:
        raise InputError("x and y must have the same length")
    if not np.isfinite(buffer_m) or buffer_m < 0:
        raise InputError(f"catchment.buffer_m must be 0 or more metres; found {buffer_m!r}")
    n = len(xs)
    area = np.full(n, OUTSIDE, dtype="<U11")
    spot_index = np.full(n, -1, dtype=np.int64)
    distance = np.full(n, np.nan)
    located = np.isfinite(xs) & np.isfinite(ys)
    area[~located] = UNLOCATABLE
    if not shapes or not located.any():
        return Assignment(area, spot_index, distance)
    rank = _spot_rank(shapes)
    where = np.flatnonzero(located)
    lx, ly = xs[where], ys[where]
    # police.uk records sit on a limited set of snap points: place each distinct point once
    # (the placing depends on the coordinates alone) and copy its place to every record there.
    codes: npt.NDArray[np.int64] | None = None
    if len(where) >= DISTINCT_FROM:
        first, codes = distinct_pairs(lx, ly)
        if 2 * len(first) > len(codes):
            codes = None
        else:
            lx, ly = lx[first], ly[first]
    point, spot, dist, inside = _place(lx, ly, shapes, rank, float(buffer_m))
    if codes is None:
        chosen = where[point]
        spot_index[chosen] = spot
        distance[chosen] = np.maximum(dist, 0.0)
        area[chosen] = np.where(inside, SPOT, CATCHMENT)
        return Assignment(area, spot_index, distance)
    placed_spot = np.full(len(lx), -1, dtype=np.int64)
    placed_spot[point] = spot
    placed_dist = np.full(len(lx), np.nan)
    placed_dist[point] = np.maximum(dist, 0.0)
    placed_kind = np.zeros(len(lx), dtype=np.int8)  # 0 outside, 1 spot, 2 catchment
    placed_kind[point] = np.where(inside, 1, 2)
    spot_index[where] = placed_spot[codes]
    distance[where] = placed_dist[codes]
    # Labels set through masks: gathering fixed-width text a million times costs more.
    kind = placed_kind[codes]
    area[where[kind == 1]] = SPOT
    area[where[kind == 2]] = CATCHMENT
    return Assignment(area, spot_index, distance)


def _place(x: np.ndarray, y: np.ndarray, shapes: Sequence[SpotShape], rank: np.ndarray,
           buffer_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each placed point (index into x) with its spot, edge distance and whether inside it.

    Points in no spot and no catchment are left out.
    """
    point, spot, dist = _candidates(x, y, shapes, buffer_m)
    inside = dist <= 0.0
    keep = dist <= buffer_m
    point, spot, dist, inside = point[keep], spot[keep], dist[keep], inside[keep]
    # Inside beats any catchment; among spots, the lowest spot_id; among catchments, the
    # nearest edge, then the lowest spot_id.
    order = np.lexsort((rank[spot], np.where(inside, 0.0, dist), ~inside, point))
    point, spot, dist, inside = point[order], spot[order], dist[order], inside[order]
    first = np.ones(len(point), dtype=bool)
    first[1:] = point[1:] != point[:-1]
    return point[first], spot[first], dist[first], inside[first]


def snap_points_per_spot(x: npt.ArrayLike, y: npt.ArrayLike,
                         shapes: Sequence[SpotShape]) -> npt.NDArray[np.int64]:
    """How many distinct coordinates lie in each spot (edge included), in the order given.

    police.uk places crimes on anonymised snap points; a spot holding none can never show a
    crime in that data.
    """
    xs = np.asarray(x, dtype=np.float64).ravel()
    ys = np.asarray(y, dtype=np.float64).ravel()
    counts = np.zeros(len(shapes), dtype=np.int64)
    located = np.isfinite(xs) & np.isfinite(ys)
    if not shapes or not located.any():
        return counts
    ux, uy, _ = distinct_points(xs, ys)
    _, spot, dist = _candidates(ux, uy, shapes, 0.0)
    np.add.at(counts, spot[dist <= 0.0], 1)
    return counts
