"""A candidate hot spot and the checks one spot's fields and geometry must pass."""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from trial.geo import BNG, WGS84, SpotShape, shape_of, to_metric

# Great Britain's grid extent (EPSG:27700 area of use, rounded out), in metres.
GRID_EASTING = (0.0, 700_000.0)
GRID_NORTHING = (0.0, 1_300_000.0)

_CRS_SPELLINGS = {
    "epsg:4326": WGS84, "4326": WGS84, "wgs84": WGS84, "wgs 84": WGS84, "wgs-84": WGS84,
    "crs84": WGS84, "ogc:crs84": WGS84, "urn:ogc:def:crs:ogc:1.3:crs84": WGS84,
    "urn:ogc:def:crs:ogc::crs84": WGS84, "urn:ogc:def:crs:epsg::4326": WGS84,
    "epsg:27700": BNG, "27700": BNG, "bng": BNG, "osgb36": BNG, "osgb": BNG,
    "british national grid": BNG, "osgb 1936 / british national grid": BNG,
    "urn:ogc:def:crs:epsg::27700": BNG,
}
CRS_HELP = "give EPSG:4326 (WGS84 lon/lat) or EPSG:27700 (British National Grid)"

_INT = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?")
_NOT_FINITE = {"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}
_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}


@dataclass(frozen=True)
class CandidateSpot:
    """One candidate hot spot as the input gave it.

    Attributes:
        spot_id: the spot's identifier, unique in the trial.
        name: a name a person recognises.
        eligible: False when the spot was excluded before randomisation.
        exclusion_reason: why it was excluded (None when eligible).
        geometry: the geometry as given, not reprojected (PROTOCOL.md, Canonical hashes).
        attributes: every other column or property, numbers as numbers.
    """

    spot_id: str
    name: str
    eligible: bool
    exclusion_reason: str | None
    geometry: dict[str, Any] = field(repr=False)
    attributes: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def shape(self) -> SpotShape:
        """The spot's area in the metric CRS (British National Grid)."""
        return shape_of(self.spot_id, self.geometry)

    def record(self) -> dict[str, Any]:
        """The canonical record hashed at registration (a fresh copy, safe to change)."""
        return {
            "spot_id": self.spot_id,
            "name": self.name,
            "eligible": self.eligible,
            "exclusion_reason": self.exclusion_reason,
            "geometry": copy.deepcopy(self.geometry),
            "attributes": copy.deepcopy(self.attributes),
        }


@dataclass(frozen=True)
class Place:
    """Where a spot sits in its file: a CSV line, or a GeoJSON feature (1-based)."""

    line: int | None = None
    feature: int | None = None

    def field(self, name: str) -> str:
        return name if self.feature is None else f"feature[{self.feature}].{name}"

    def __str__(self) -> str:
        return f"line {self.line}" if self.feature is None else f"feature[{self.feature}]"


def normalise_crs(text: str) -> str | None:
    """The canonical name ("EPSG:4326" or "EPSG:27700") of a CRS spelling, or None if unknown."""
    return _CRS_SPELLINGS.get(" ".join(str(text).strip().lower().split()))


def number_from_text(text: str) -> int | float | None:
    """A number written as text: integer text gives int, other decimals float, else None."""
    t = text.strip()
    if _INT.fullmatch(t):
        return int(t)
    if _DECIMAL.fullmatch(t):
        return float(t)
    return None


def attribute_value(text: str) -> Any:
    """A CSV cell as an attribute: empty gives None, numbers stay numbers, else the text.

    Integers written with leading zeros (``"007"``) are codes and stay text, and so do numbers
    too large for a float: turning either into a number would lose what was written.
    """
    t = text.strip()
    if t == "":
        return None
    if _INT.fullmatch(t):
        digits = t.lstrip("+-")
        return t if len(digits) > 1 and digits.startswith("0") else int(t)
    if _DECIMAL.fullmatch(t):
        value = float(t)
        return value if math.isfinite(value) else t
    return t


def shown(value: Any, *, limit: int = 40) -> str:
    """A value as a person would write it, cut short when long (for messages)."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    quoted = repr(text) if isinstance(value, str) else text
    return quoted if len(quoted) <= limit else quoted[: limit - 3] + "..."


def coordinate_from_text(text: str) -> tuple[int | float | None, str | None]:
    """Parse a coordinate or radius cell: (value, None) or (None, the problem)."""
    t = text.strip()
    if t == "":
        return None, "missing; give a number"
    value = number_from_text(t)
    if value is None:
        if t.lower() in _NOT_FINITE:
            return None, f"must be a finite number, got {shown(t)}"
        return None, f"must be a number, got {shown(t)}"
    if finite_float(value) is None:
        return None, f"must be a finite number, got {shown(t)}"
    return value, None


def finite_float(value: Any) -> float | None:
    """``value`` as a finite float, or None (also for booleans and for ints too large)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        f = float(value)
    except OverflowError:
        return None
    return f if math.isfinite(f) else None


def eligible_from(value: Any) -> bool | None:
    """Eligibility from true/false, yes/no, 1/0 (any case) or a JSON boolean; None if neither."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        t = value.strip().lower()
        if t in _TRUE:
            return True
        if t in _FALSE:
            return False
    return None


def position_problem(x: float, y: float, crs: str) -> str | None:
    """A problem with one position in ``crs`` (range and Great Britain's extent), or None."""
    if not (math.isfinite(x) and math.isfinite(y)):
        return "coordinates must be finite numbers"
    if crs == WGS84 and not (-180.0 <= x <= 180.0 and -90.0 <= y <= 90.0):
        return f"lon {x}, lat {y} is out of range (lon -180..180, lat -90..90)"
    return None


def extent_problem(xs: Sequence[float], ys: Sequence[float], crs: str) -> str | None:
    """A problem when any position falls outside Great Britain's grid after projection."""
    ex, ny = to_metric(np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64), crs)
    inside = (
        np.isfinite(ex) & np.isfinite(ny)
        & (ex >= GRID_EASTING[0]) & (ex <= GRID_EASTING[1])
        & (ny >= GRID_NORTHING[0]) & (ny <= GRID_NORTHING[1])
    )
    if bool(np.all(inside)):
        return None
    k = int(np.argmin(inside))
    where = f"({xs[k]}, {ys[k]}) in {crs}"
    return (f"{where} is outside Great Britain's grid (easting 0..700000, northing 0..1300000 "
            "in EPSG:27700)")


def radius_problem(radius: int | float) -> str | None:
    if finite_float(radius) is None:
        return "must be a finite number"
    if radius <= 0:
        return f"must be > 0, got {radius}"
    return None


def circle_geometry(x: int | float, y: int | float, radius: int | float,
                    crs: str) -> dict[str, Any]:
    """The stored form of a circular spot (centre as given: [lon, lat] or [easting, northing])."""
    return {"type": "Circle", "crs": crs, "center": [x, y], "radius_m": radius}


def polygon_geometry(rings: list[list[list[int | float]]], crs: str) -> dict[str, Any]:
    """The stored form of a polygon spot (rings as given)."""
    return {"type": "Polygon", "crs": crs, "coordinates": rings}


def polygon_problems(rings: list[list[list[float]]], crs: str) -> list[str]:
    """Problems with a polygon's rings: closure, size, ranges, extent and validity."""
    import shapely

    out: list[str] = []
    for k, ring in enumerate(rings, start=1):
        label = "outer ring" if k == 1 else f"hole {k - 1}"
        if len(ring) < 4:
            out.append(f"{label} has {len(ring)} positions; a ring needs at least 4")
        elif list(ring[0][:2]) != list(ring[-1][:2]):
            out.append(f"{label} is not closed (its first and last positions differ)")
        for x, y in (p[:2] for p in ring):
            if bad := position_problem(x, y, crs):
                out.append(f"{label}: {bad}")
                break
    if out:
        return out
    xs = [p[0] for ring in rings for p in ring]
    ys = [p[1] for ring in rings for p in ring]
    if bad := extent_problem(xs, ys, crs):
        out.append(bad)
    polygon = shapely.Polygon([p[:2] for p in rings[0]], [[p[:2] for p in r] for r in rings[1:]])
    if not shapely.is_valid(polygon):
        out.append(f"invalid polygon: {shapely.is_valid_reason(polygon)}")
    elif polygon.area <= 0:
        out.append("invalid polygon: it has no area")
    return out
