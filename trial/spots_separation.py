"""How far apart hot spots are, edge to edge, and which of them overlap."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from trial.geo import SpotShape
from trial.spots_base import CandidateSpot

IntArray = npt.NDArray[np.intp]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SpotPair:
    """Two spots (``a < b`` by spot_id) and the distance between their edges in metres."""

    a: str
    b: str
    distance_m: float


@dataclass(frozen=True)
class SeparationSummary:
    """How well separated a set of spots is.

    Attributes:
        n_spots: how many spots were measured.
        min_m: the smallest edge-to-edge distance between any two spots (None below 2 spots).
        median_nearest_m: the median over spots of the distance to each one's nearest neighbour.
        nearest_m: each spot's distance to its nearest neighbour, by spot_id.
        closest: the closest pairs, nearest first.
    """

    n_spots: int
    min_m: float | None
    median_nearest_m: float | None
    nearest_m: dict[str, float]
    closest: tuple[SpotPair, ...]


class _Layout:
    """Spots as arrays for vectorised distance queries: a point or polygon plus a radius.

    A circle's edge distance to anything is the distance to its centre minus its radius (clipped
    at 0), so circles are measured exactly, never through a polygon approximation.
    """

    def __init__(self, spots: Iterable[CandidateSpot | SpotShape]) -> None:
        import shapely

        shapes = [s.shape if isinstance(s, CandidateSpot) else s for s in spots]
        self.shapes = shapes
        self.ids = [s.spot_id for s in shapes]
        n = len(shapes)
        self.is_circle = np.array([s.kind == "circle" for s in shapes], dtype=bool)
        self.radius = np.array([s.radius_m or 0.0 for s in shapes], dtype=np.float64)
        self.cx = np.array([s.center[0] if s.center else np.nan for s in shapes])
        self.cy = np.array([s.center[1] if s.center else np.nan for s in shapes])
        geoms = np.empty(n, dtype=object)
        polygons = ~self.is_circle
        geoms[self.is_circle] = shapely.points(self.cx[self.is_circle], self.cy[self.is_circle])
        for k in np.flatnonzero(polygons):
            geoms[k] = shapes[k].polygon
        self.geoms = geoms
        # A point inside each area, for finding near neighbours quickly.
        self.rep_x, self.rep_y = self.cx.copy(), self.cy.copy()
        if polygons.any():
            inside = shapely.get_coordinates(shapely.point_on_surface(geoms[polygons]))
            self.rep_x[polygons], self.rep_y[polygons] = inside[:, 0], inside[:, 1]
        bounds = shapely.bounds(geoms).reshape(n, 4) if n else np.empty((0, 4))
        self.boxes = bounds + np.column_stack([-self.radius, -self.radius,
                                               self.radius, self.radius])
        self.tree = shapely.STRtree(self._box_geoms(0.0))

    def __len__(self) -> int:
        return len(self.ids)

    def _box_geoms(self, pad: float | FloatArray) -> Any:
        import shapely

        b = self.boxes
        return shapely.box(b[:, 0] - pad, b[:, 1] - pad, b[:, 2] + pad, b[:, 3] + pad)

    def candidates(self, other: _Layout, pad: float | FloatArray) -> tuple[IntArray, IntArray]:
        """Pairs (i in self, j in other) whose boxes, self's grown by ``pad``, meet.

        Every pair closer than ``pad`` edge to edge is among them: two areas that close have
        bounding boxes no further apart.
        """
        if not len(self) or not len(other):
            empty = np.empty(0, dtype=np.intp)
            return empty, empty
        i, j = other.tree.query(self._box_geoms(pad), predicate="intersects")
        return np.asarray(i, dtype=np.intp), np.asarray(j, dtype=np.intp)

    def distances(self, i: IntArray, other: _Layout, j: IntArray) -> FloatArray:
        """Exact edge-to-edge distances (m) between spots ``self[i]`` and ``other[j]``."""
        import shapely

        if not len(i):
            return np.empty(0, dtype=np.float64)
        both = self.is_circle[i] & other.is_circle[j]
        d = np.empty(len(i), dtype=np.float64)
        d[both] = np.hypot(self.cx[i[both]] - other.cx[j[both]],
                           self.cy[i[both]] - other.cy[j[both]])
        rest = ~both
        d[rest] = shapely.distance(self.geoms[i[rest]], other.geoms[j[rest]])
        return np.asarray(np.maximum(d - self.radius[i] - other.radius[j], 0.0))


def _self_pairs_within(layout: _Layout, metres: float) -> tuple[IntArray, IntArray, FloatArray]:
    """Pairs i < j with edge distance <= metres."""
    i, j = layout.candidates(layout, metres)
    keep = i < j
    i, j = i[keep], j[keep]
    d = layout.distances(i, layout, j)
    sel = d <= metres
    return i[sel], j[sel], d[sel]


def _pairs(layout: _Layout, i: IntArray, j: IntArray, d: FloatArray) -> list[SpotPair]:
    out = []
    for a, b, dist in zip(i.tolist(), j.tolist(), d.tolist(), strict=True):
        x, y = layout.ids[a], layout.ids[b]
        out.append(SpotPair(min(x, y), max(x, y), float(dist)))
    out.sort(key=lambda p: (p.distance_m, p.a, p.b))
    return out


def pairs_closer_than(spots: Iterable[CandidateSpot | SpotShape],
                      metres: float) -> list[SpotPair]:
    """Every pair of spots whose edges are less than ``metres`` apart.

    Registration refuses such pairs when ``metres`` is the protocol's ``min_separation_m``.
    Touching or overlapping spots are 0 m apart.

    Args:
        spots: the spots to measure (pass only the eligible ones to check a trial).
        metres: the separation threshold, >= 0.

    Returns:
        The pairs, nearest first (ties by spot_id), each with ``a < b``.

    Raises:
        ValueError: ``metres`` is negative or not finite.
    """
    if not (math.isfinite(metres) and metres >= 0):
        raise ValueError(f"metres must be a finite number >= 0, got {metres!r}")
    layout = _Layout(spots)
    i, j, d = _self_pairs_within(layout, metres)
    sel = d < metres
    return _pairs(layout, i[sel], j[sel], d[sel])


def _nearest(layout: _Layout) -> tuple[IntArray, FloatArray]:
    """Each spot's nearest neighbour (index) and the edge distance to it."""
    import shapely

    n = len(layout)
    # Any other spot bounds a spot's nearest distance from above; the one whose representative
    # point is nearest gives a tight bound. Every spot within that bound is a candidate, and
    # the exact distances decide. Points equal to the input are skipped by the query, so a spot
    # whose only neighbours share its point falls back to the next spot in the list.
    points = shapely.points(layout.rep_x, layout.rep_y)
    found = shapely.STRtree(points).query_nearest(points, exclusive=True, all_matches=False)
    other = (np.arange(n, dtype=np.intp) + 1) % n
    other[np.asarray(found[0], dtype=np.intp)] = np.asarray(found[1], dtype=np.intp)
    everyone = np.arange(n, dtype=np.intp)
    bound = layout.distances(everyone, layout, other)
    i, j = layout.candidates(layout, bound)
    keep = i != j
    i, j = i[keep], j[keep]
    d = layout.distances(i, layout, j)
    # Per spot: smallest distance first, then the neighbour with the lowest spot_id.
    rank = np.empty(n, dtype=np.intp)
    rank[np.argsort(np.array(layout.ids, dtype=object), kind="stable")] = everyone
    order = np.lexsort((rank[j], d, i))
    i, j, d = i[order], j[order], d[order]
    first = np.ones(len(i), dtype=bool)
    first[1:] = i[1:] != i[:-1]
    nn = np.full(n, -1, dtype=np.intp)
    dist = np.full(n, np.inf)
    nn[i[first]] = j[first]
    dist[i[first]] = d[first]
    return nn, dist


def _closest(layout: _Layout, k: int) -> list[SpotPair]:
    n = len(layout)
    if n < 2 or k <= 0:
        return []
    nn, dist = _nearest(layout)
    distinct = {(min(a, b), max(a, b)): float(dist[a]) for a, b in enumerate(nn.tolist())}
    values = sorted(distinct.values())
    total = n * (n - 1) // 2
    # The k-th smallest of the nearest-neighbour pairs bounds the k-th smallest of all pairs.
    threshold = values[k - 1] if len(values) >= k else values[-1]
    while True:
        i, j, d = _self_pairs_within(layout, threshold)
        if len(i) >= min(k, total):
            return _pairs(layout, i, j, d)[:k]
        threshold = 2.0 * threshold + 1.0


def closest_pairs(spots: Iterable[CandidateSpot | SpotShape], *, k: int = 5) -> list[SpotPair]:
    """The ``k`` pairs of spots whose edges are nearest each other.

    Args:
        spots: the spots to measure.
        k: how many pairs to return (fewer when there are fewer pairs).

    Returns:
        The pairs, nearest first (ties by spot_id), each with ``a < b``.
    """
    return _closest(_Layout(spots), k)


def separation_summary(spots: Iterable[CandidateSpot | SpotShape], *,
                       k: int = 5) -> SeparationSummary:
    """The smallest separation, the median nearest-neighbour distance and the closest pairs.

    Args:
        spots: the spots to measure (pass only the eligible ones to describe a trial).
        k: how many closest pairs to list.

    Returns:
        A :class:`SeparationSummary`; distances are edge to edge in metres.
    """
    layout = _Layout(spots)
    if len(layout) < 2:
        return SeparationSummary(len(layout), None, None, {}, ())
    _, dist = _nearest(layout)
    closest = _closest(layout, k)
    return SeparationSummary(
        n_spots=len(layout),
        min_m=float(dist.min()),
        median_nearest_m=float(np.median(dist)),
        nearest_m=dict(zip(layout.ids, dist.tolist(), strict=True)),
        closest=tuple(closest),
    )


def overlapping_pairs(spots: Sequence[CandidateSpot | SpotShape]) -> list[tuple[int, int]]:
    """Index pairs ``(i, j)``, ``i < j``, of spots whose areas share interior points.

    Touching edges are not overlap.
    """
    layout = _Layout(spots)
    i, j, _ = _self_pairs_within(layout, 0.0)
    pairs = [(a, b) for a, b in zip(i.tolist(), j.tolist(), strict=True)
             if layout.shapes[a].overlaps(layout.shapes[b])]
    return sorted(pairs)


def overlapping_across(new: Sequence[CandidateSpot | SpotShape],
                       existing: Sequence[CandidateSpot | SpotShape]) -> list[tuple[int, int]]:
    """Index pairs ``(i in new, j in existing)`` of spots whose areas share interior points."""
    a, b = _Layout(new), _Layout(existing)
    i, j = a.candidates(b, 0.0)
    d = a.distances(i, b, j)
    sel = d <= 0.0
    pairs = [(x, y) for x, y in zip(i[sel].tolist(), j[sel].tolist(), strict=True)
             if a.shapes[x].overlaps(b.shapes[y])]
    return sorted(pairs)
