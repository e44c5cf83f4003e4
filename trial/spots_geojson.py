"""Candidate hot spots from a GeoJSON FeatureCollection of polygons and points with a radius."""

from __future__ import annotations

import json
import math
from typing import Any

from trial.errors import InputError, Problem, ProblemCollector
from trial.geo import WGS84
from trial.spots_base import (
    CRS_HELP,
    CandidateSpot,
    Place,
    circle_geometry,
    eligible_from,
    extent_problem,
    finite_float,
    normalise_crs,
    polygon_geometry,
    polygon_problems,
    position_problem,
    radius_problem,
    shown,
)
from trial.spots_checks import collection_problems

RESERVED = ("spot_id", "name", "eligible", "exclusion_reason", "radius_m")


class _NotFinite(ValueError):
    pass


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(text)
    return value


def _constant(text: str) -> Any:
    raise _NotFinite(text)


def _load(text: str, source: str) -> Any:
    try:
        return json.loads(text, parse_float=_finite, parse_constant=_constant)
    except json.JSONDecodeError as e:
        raise InputError(Problem(f"not valid JSON: {e.msg} (column {e.colno})", source,
                                 e.lineno)) from None
    except _NotFinite as e:
        raise InputError(Problem(f"{e} is not a finite number; JSON numbers must be finite",
                                 source)) from None
    except RecursionError:
        raise InputError(Problem("the JSON is nested too deeply", source)) from None


def _file_crs(doc: dict[str, Any], option: str | None, problems: ProblemCollector) -> str:
    normal_option = None
    if option is not None:
        normal_option = normalise_crs(option)
        if normal_option is None:
            problems.add(f"unknown CRS {option!r}; {CRS_HELP}", field="crs")
    member = doc.get("crs")
    if member is None:
        return normal_option or WGS84
    name = member
    if isinstance(member, dict):
        props = member.get("properties")
        name = props.get("name") if isinstance(props, dict) else None
    normal = normalise_crs(name) if isinstance(name, str) else None
    if normal is None:
        problems.add(f"unsupported crs member {shown(member)}; {CRS_HELP}", field="crs")
        return WGS84
    if normal_option is not None and normal_option != normal:
        problems.add(f"the file's crs member says {normal} but the CRS given is "
                     f"{normal_option}", field="crs")
    return normal


def _position(value: Any) -> tuple[list[int | float], list[float]] | None:
    """A GeoJSON position as given (x, y only) and as floats, or None if it is not one."""
    if not isinstance(value, list) or len(value) < 2:
        return None
    floats = [finite_float(v) for v in value[:2]]
    if floats[0] is None or floats[1] is None:
        return None
    return [value[0], value[1]], [floats[0], floats[1]]


def _point(g: dict[str, Any], props: dict[str, Any], crs: str, place: Place,
           problems: ProblemCollector) -> dict[str, Any] | None:
    here = len(problems.problems)
    pos = _position(g.get("coordinates"))
    if pos is None:
        problems.add("a Point needs coordinates [x, y] of finite numbers",
                     field=place.field("geometry"))
    else:
        x, y = pos[1]
        if bad := position_problem(x, y, crs) or extent_problem([x], [y], crs):
            problems.add(bad, field=place.field("geometry"))
    radius = props.get("radius_m")
    r = finite_float(radius)
    if radius is None:
        problems.add("a Point feature needs a radius_m property (metres, > 0)",
                     field=place.field("radius_m"))
    elif r is None:
        problems.add(f"must be a finite number, got {shown(radius)}",
                     field=place.field("radius_m"))
    elif bad_r := radius_problem(radius):
        problems.add(bad_r, field=place.field("radius_m"))
    if len(problems.problems) > here or pos is None or r is None:
        return None
    return circle_geometry(pos[0][0], pos[0][1], radius if isinstance(radius, int) else r, crs)


def _polygon(g: dict[str, Any], props: dict[str, Any], crs: str, place: Place,
             problems: ProblemCollector) -> dict[str, Any] | None:
    if "radius_m" in props:
        problems.add("radius_m applies only to Point features", field=place.field("radius_m"))
    coordinates = g.get("coordinates")
    given: list[list[list[int | float]]] = []
    floats: list[list[list[float]]] = []
    rings = coordinates if isinstance(coordinates, list) else []
    shape_ok = len(rings) > 0
    for ring in rings:
        if not isinstance(ring, list):
            shape_ok = False
            break
        positions = [_position(p) for p in ring]
        if any(p is None for p in positions):
            shape_ok = False
            break
        given.append([p[0] for p in positions if p is not None])
        floats.append([p[1] for p in positions if p is not None])
    if not shape_ok:
        problems.add("a Polygon needs coordinates: a list of rings, each a list of [x, y] "
                     "positions of finite numbers", field=place.field("geometry"))
        return None
    bad = polygon_problems(floats, crs)
    for what in bad:
        problems.add(what, field=place.field("geometry"))
    return None if bad or "radius_m" in props else polygon_geometry(given, crs)


def _text(props: dict[str, Any], key: str, place: Place, problems: ProblemCollector,
          *, allow_int: bool = False) -> str | None:
    value = props.get(key)
    if allow_int and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.add("must not be empty", field=place.field(key))
        return None
    if not isinstance(value, str):
        problems.add(f"must be text, got {shown(value)}", field=place.field(key))
        return None
    return value.strip()


def _feature(feature: Any, place: Place, crs: str, problems: ProblemCollector,
             ids: list[tuple[str, Place]]) -> CandidateSpot | None:
    here = len(problems.problems)
    where = str(place)
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        problems.add("expected a GeoJSON Feature object", field=where)
        return None
    props = feature.get("properties")
    if not isinstance(props, dict):
        problems.add("a feature needs properties with at least spot_id and name",
                     field=place.field("properties"))
        return None
    spot_id = _text(props, "spot_id", place, problems, allow_int=True)
    if spot_id is not None:
        ids.append((spot_id, place))
    name = _text(props, "name", place, problems)
    raw = props.get("eligible")
    eligible = True if raw is None else eligible_from(raw)
    if eligible is None:
        problems.add(f"must be true or false, got {shown(raw)}",
                     field=place.field("eligible"))
    reason_raw = props.get("exclusion_reason")
    reason = None
    if isinstance(reason_raw, str):
        reason = reason_raw.strip() or None
    elif reason_raw is not None:
        problems.add(f"must be text, got {shown(reason_raw)}",
                     field=place.field("exclusion_reason"))
    if eligible is False and reason is None and (reason_raw is None or isinstance(reason_raw, str)):
        problems.add("a spot that is not eligible needs an exclusion_reason",
                     field=place.field("exclusion_reason"))
    if eligible is True and reason is not None:
        problems.add("exclusion_reason is given but the spot is eligible; set eligible to "
                     "false or clear the reason", field=place.field("exclusion_reason"))
    g = feature.get("geometry")
    geometry = None
    kind = g.get("type") if isinstance(g, dict) else None
    if not isinstance(g, dict):
        problems.add("missing geometry", field=place.field("geometry"))
    elif kind == "Point":
        geometry = _point(g, props, crs, place, problems)
    elif kind == "Polygon":
        geometry = _polygon(g, props, crs, place, problems)
    else:
        problems.add(f"geometry type {shown(kind)} is not supported; give a Polygon, or a "
                     "Point with a radius_m property", field=place.field("geometry"))
    if len(problems.problems) > here or geometry is None:
        return None
    assert spot_id is not None and name is not None and eligible is not None
    attributes = {k: v for k, v in props.items() if k not in RESERVED}
    return CandidateSpot(spot_id, name, eligible, reason, geometry, attributes)


def parse_geojson(text: str, *, source: str, crs: str | None = None) -> list[CandidateSpot]:
    """Read candidate hot spots from GeoJSON text; see :func:`trial.spots.parse_spots`."""
    doc = _load(text.removeprefix("\ufeff"), source)
    problems = ProblemCollector(source)
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise InputError(Problem("expected a GeoJSON FeatureCollection", source))
    features = doc.get("features")
    file_crs = _file_crs(doc, crs, problems)
    if not isinstance(features, list):
        problems.add("a FeatureCollection needs a list of features", field="features")
    elif not features:
        problems.add("the collection has no features", field="features")
    problems.raise_if_any()
    assert isinstance(features, list)
    ids: list[tuple[str, Place]] = []
    spots: list[CandidateSpot] = []
    places: list[Place] = []
    for k, feature in enumerate(features, start=1):
        place = Place(feature=k)
        spot = _feature(feature, place, file_crs, problems, ids)
        if spot is not None:
            spots.append(spot)
            places.append(place)
    problems.extend(collection_problems(ids, spots, places, source=source))
    problems.raise_if_any()
    return spots
