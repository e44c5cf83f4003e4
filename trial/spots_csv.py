"""Candidate hot spots from CSV: circles from lat/lon or easting/northing, or WKT polygons."""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from trial.errors import InputError, Problem, ProblemCollector
from trial.geo import BNG, WGS84
from trial.spots_base import (
    CRS_HELP,
    CandidateSpot,
    Place,
    attribute_value,
    circle_geometry,
    coordinate_from_text,
    eligible_from,
    extent_problem,
    normalise_crs,
    number_from_text,
    polygon_geometry,
    polygon_problems,
    radius_problem,
    shown,
)
from trial.spots_checks import collection_problems

RESERVED = ("spot_id", "name", "eligible", "exclusion_reason", "lat", "lon", "easting",
            "northing", "radius_m", "geometry")
EXPECTED = ("spot_id, name, and either lat, lon and radius_m (WGS84), easting, northing and "
            "radius_m (EPSG:27700), or geometry (WKT polygons)")
_WKT_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


@dataclass(frozen=True)
class _Layout:
    """How this file's columns are read."""

    index: dict[str, int]  # reserved column -> position
    attributes: list[tuple[str, int]]  # attribute name -> position
    unnamed: list[int]  # positions of columns with no header
    mode: str  # "point" | "polygon"
    crs: str
    width: int


def _rows(text: str, source: str) -> Iterator[tuple[int, list[str]]]:
    """Non-blank rows with the line each starts on (quoted fields may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    previous = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise InputError(Problem(f"not a readable CSV file: {e}", source,
                                     reader.line_num or 1)) from None
        start, previous = previous + 1, reader.line_num
        if any(cell.strip() for cell in row):
            yield start, row


def _layout(header: list[str], line: int, crs_option: str | None,
            problems: ProblemCollector) -> _Layout | None:
    names = [h.strip() for h in header]
    index: dict[str, int] = {}
    attributes: list[tuple[str, int]] = []
    seen: dict[str, int] = {}
    unnamed = []
    for k, name in enumerate(names):
        if not name:
            unnamed.append(k)
            continue
        key = name.lower()
        if key in seen:
            problems.add(f"column {name!r} appears twice (columns {seen[key] + 1} and {k + 1})",
                         line=line, field=name)
            continue
        seen[key] = k
        if key in RESERVED:
            index[key] = k
        else:
            attributes.append((name, k))
    found = ", ".join(n for n in names if n) or "no columns"
    missing = [c for c in ("spot_id", "name") if c not in index]
    has = index.keys()
    crs = WGS84
    mode = "point"
    normal = WGS84
    if crs_option is not None:
        named = normalise_crs(crs_option)
        if named is None:
            problems.add(f"unknown CRS {crs_option!r}; {CRS_HELP}", field="crs")
        else:
            normal = named
    points = [c for c in ("lat", "lon", "easting", "northing", "radius_m") if c in has]
    if "geometry" in has:
        mode = "polygon"
        crs = WGS84 if crs_option is None else normal
        if points:
            problems.add(f"give polygons (geometry) or points ({', '.join(points)}), not both",
                         line=line, field="geometry")
    elif {"lat", "lon"} <= has and {"easting", "northing"} <= has:
        problems.add("give either lat/lon or easting/northing, not both", line=line)
    elif {"lat", "lon"} <= has or {"easting", "northing"} <= has:
        crs = WGS84 if "lat" in has else BNG
        if crs_option is not None and normal != crs:
            problems.add(f"the {'lat/lon' if crs == WGS84 else 'easting/northing'} columns are "
                         f"{crs}, but the CRS given is {normal}", field="crs")
        if "radius_m" not in has:
            missing.append("radius_m")
    else:
        missing.append("coordinates")
    if missing:
        problems.add(f"missing column{'s' if len(missing) > 1 else ''} "
                     f"{', '.join(missing)}; expected {EXPECTED}; found {found}", line=line)
    if problems:
        return None
    return _Layout(index, attributes, unnamed, mode, crs, len(header))


def _cell(row: list[str], layout: _Layout, column: str) -> str:
    k = layout.index.get(column)
    return row[k].strip() if k is not None else ""


def _point(row: list[str], line: int, layout: _Layout,
           problems: ProblemCollector) -> dict[str, Any] | None:
    wgs84 = layout.crs == WGS84
    xname, yname = ("lon", "lat") if wgs84 else ("easting", "northing")
    limits = {"lat": (-90, 90), "lon": (-180, 180), "easting": (0, 700_000),
              "northing": (0, 1_300_000)}
    values: dict[str, int | float | None] = {}
    for name in (yname, xname, "radius_m"):
        value, bad = coordinate_from_text(_cell(row, layout, name))
        if bad is None and value is not None and name == "radius_m":
            bad = radius_problem(value)
        elif bad is None and value is not None:
            low, high = limits[name]
            if not low <= value <= high:
                grid = "" if wgs84 else " (Great Britain's grid)"
                bad = f"must be between {low} and {high}{grid}, got {value}"
        if bad:
            problems.add(bad, line=line, field=name)
            value = None
        values[name] = value
    x, y, r = values[xname], values[yname], values["radius_m"]
    if x is None or y is None:
        return None
    if wgs84 and (bad := extent_problem([x], [y], WGS84)):
        problems.add(bad, line=line, field="lat/lon")
        return None
    return None if r is None else circle_geometry(x, y, r, layout.crs)


def _wkt_rings(text: str, geom: Any) -> list[list[list[int | float]]]:
    """The polygon's rings, numbers as written in the WKT (integer text stays int)."""
    import shapely

    rings = [geom.exterior, *geom.interiors]
    counts = [len(ring.coords) for ring in rings]
    dims = 2 + int(shapely.has_z(geom)) + int(shapely.has_m(geom))
    tokens = _WKT_NUMBER.findall(text[text.find("("):])
    numbers = [number_from_text(t) for t in tokens]
    if len(numbers) != sum(counts) * dims or any(v is None for v in numbers):
        return [[[float(c) for c in p[:2]] for p in ring.coords] for ring in rings]
    out: list[list[list[int | float]]] = []
    pos = 0
    for count in counts:
        ring: list[list[int | float]] = []
        for _ in range(count):
            x, y = numbers[pos], numbers[pos + 1]
            assert x is not None and y is not None
            ring.append([x, y])
            pos += dims
        out.append(ring)
    return out


def _polygon(row: list[str], line: int, layout: _Layout,
             problems: ProblemCollector) -> dict[str, Any] | None:
    import shapely

    text = _cell(row, layout, "geometry")
    if not text:
        problems.add("missing geometry (a WKT polygon)", line=line, field="geometry")
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # overflow is reported below
            geom = shapely.from_wkt(text, on_invalid="raise")
    except Exception as e:  # shapely reports bad WKT as GEOSException or ValueError
        problems.add(f"not valid WKT: {e}", line=line, field="geometry")
        return None
    if geom is None or geom.geom_type != "Polygon":
        kind = "nothing" if geom is None else geom.geom_type
        problems.add(f"geometry type {kind} is not supported; give a Polygon", line=line,
                     field="geometry")
        return None
    if geom.is_empty:
        problems.add("the polygon is empty", line=line, field="geometry")
        return None
    rings = _wkt_rings(text, geom)
    bad = polygon_problems([[[float(v) for v in p] for p in ring] for ring in rings],
                           layout.crs)
    for what in bad:
        problems.add(what, line=line, field="geometry")
    return None if bad else polygon_geometry(rings, layout.crs)


def parse_csv(text: str, *, source: str, crs: str | None = None) -> list[CandidateSpot]:
    """Read candidate hot spots from CSV text; see :func:`trial.spots.parse_spots`."""
    text = text.removeprefix("\ufeff")
    problems = ProblemCollector(source)
    rows = _rows(text, source)
    first = next(rows, None)
    if first is None:
        raise InputError(Problem(f"the file is empty; expected a header with {EXPECTED}",
                                 source, 1))
    header_line, header = first
    layout = _layout(header, header_line, crs, problems)
    if layout is None:
        raise InputError(problems.problems)
    ids: list[tuple[str, Place]] = []
    spots: list[CandidateSpot] = []
    places: list[Place] = []
    for line, row in rows:
        spot = _row(row, line, layout, problems, ids)
        if spot is not None:
            spots.append(spot)
            places.append(Place(line=line))
    if not ids and not problems:
        problems.add("the file has a header but no spots", line=header_line)
    problems.extend(collection_problems(ids, spots, places, source=source))
    problems.raise_if_any()
    return spots


def _row(row: list[str], line: int, layout: _Layout, problems: ProblemCollector,
         ids: list[tuple[str, Place]]) -> CandidateSpot | None:
    before = len(problems.problems)
    if len(row) > layout.width and any(c.strip() for c in row[layout.width:]):
        problems.add(f"the row has {len(row)} fields but the header has {layout.width}",
                     line=line)
        return None
    if len(row) < layout.width:
        problems.add(f"the row has {len(row)} fields but the header has {layout.width}",
                     line=line)
        return None
    for k in layout.unnamed:
        if row[k].strip():
            problems.add(f"column {k + 1} has a value but no name in the header", line=line)
    spot_id = _cell(row, layout, "spot_id")
    if spot_id:
        ids.append((spot_id, Place(line=line)))
    else:
        problems.add("must not be empty", line=line, field="spot_id")
    name = _cell(row, layout, "name")
    if not name:
        problems.add("must not be empty", line=line, field="name")
    eligible_text = _cell(row, layout, "eligible")
    eligible = True if eligible_text == "" else eligible_from(eligible_text)
    if eligible is None:
        problems.add(f"must be true/false, yes/no or 1/0, got {shown(eligible_text)}",
                     line=line, field="eligible")
    reason = _cell(row, layout, "exclusion_reason") or None
    if eligible is False and reason is None:
        problems.add("a spot that is not eligible needs an exclusion_reason", line=line,
                     field="exclusion_reason")
    if eligible is True and reason is not None:
        problems.add("exclusion_reason is given but the spot is eligible; set eligible to "
                     "false or clear the reason", line=line, field="exclusion_reason")
    if layout.mode == "point":
        geometry = _point(row, line, layout, problems)
    else:
        geometry = _polygon(row, line, layout, problems)
    if len(problems.problems) > before or geometry is None or eligible is None:
        return None
    attributes = {name_: attribute_value(row[k]) for name_, k in layout.attributes}
    return CandidateSpot(spot_id, name, eligible, reason, geometry, attributes)

