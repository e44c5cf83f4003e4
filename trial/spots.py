"""Candidate hot spots: read from CSV or GeoJSON, checked, hashed and measured for separation."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from trial.canonical import canonical_sha256
from trial.errors import InputError, Problem
from trial.spots_base import CandidateSpot, normalise_crs
from trial.spots_checks import appended_problems
from trial.spots_separation import (
    SeparationSummary,
    SpotPair,
    closest_pairs,
    pairs_closer_than,
    separation_summary,
)

__all__ = [
    "CandidateSpot",
    "SeparationSummary",
    "SpotPair",
    "closest_pairs",
    "normalise_crs",
    "pairs_closer_than",
    "parse_spots",
    "read_spots",
    "separation_summary",
    "spot_problems",
    "spots_sha256",
]


def _is_geojson(text: str, suffix: str) -> bool:
    if suffix.lower() in (".geojson", ".json"):
        return True
    head = text.removeprefix("\ufeff").lstrip()
    # A CSV header never starts with "{": a JSON object is reported as GeoJSON, which says more.
    return head.startswith("{")


def parse_spots(text: str, *, source: str, crs: str | None = None,
                suffix: str = "") -> list[CandidateSpot]:
    """Read candidate hot spots from the text of a CSV or GeoJSON file.

    GeoJSON is recognised by a ``.geojson`` (or ``.json``) suffix or by content (a JSON object
    naming a FeatureCollection); anything else is read as CSV (UTF-8, a BOM and CRLF line ends
    allowed).

    CSV columns: ``spot_id``, ``name`` and either ``lat``, ``lon`` (WGS84) or ``easting``,
    ``northing`` (EPSG:27700) with ``radius_m`` for circles, or ``geometry`` holding WKT
    polygons in ``crs``. Optional ``eligible`` (true/false, yes/no, 1/0; default true) and
    ``exclusion_reason`` (required when not eligible). Every other column is an attribute:
    integer text becomes int, other decimals float, empty None, anything else stays text.

    GeoJSON: a FeatureCollection of Polygon features, or Point features with a ``radius_m``
    property; ``spot_id``, ``name``, ``eligible``, ``exclusion_reason`` and the other
    (attribute) properties come from each feature's properties. A legacy top-level ``crs``
    member naming EPSG:27700 is honoured; otherwise coordinates are WGS84. Positions keep x and
    y only.

    Args:
        text: the file's text.
        source: the file's name, used in every problem reported.
        crs: the CRS of WKT polygons (or of GeoJSON without a crs member): EPSG:4326 by
            default; "EPSG:27700", "27700", "bng" and "wgs84" are also understood.
        suffix: the file's suffix, e.g. ".geojson", when known.

    Returns:
        The spots in file order, geometry stored as given (PROTOCOL.md, Canonical hashes).

    Raises:
        InputError: listing every problem (line or ``feature[i]``, and field); nothing is
            returned when any spot is wrong. Eligible spots whose areas overlap are refused,
            both named; touching edges are not overlap.
    """
    from trial.spots_csv import parse_csv
    from trial.spots_geojson import parse_geojson

    if _is_geojson(text, suffix):
        return parse_geojson(text, source=source, crs=crs)
    return parse_csv(text, source=source, crs=crs)


def read_spots(path: str | Path, *, crs: str | None = None) -> list[CandidateSpot]:
    """Read candidate hot spots from a CSV or GeoJSON file; see :func:`parse_spots`.

    Raises:
        InputError: the file cannot be read, is not UTF-8, or holds any invalid spot.
    """
    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise InputError(Problem(f"cannot read the file: {e.strerror or e}", source)) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise InputError(Problem(f"not UTF-8 text (byte 0x{data[e.start]:02x}); save the file "
                                 "as UTF-8", source, line)) from None
    return parse_spots(text, source=source, crs=crs, suffix=Path(path).suffix)


def spot_problems(new: Sequence[CandidateSpot], existing: Sequence[CandidateSpot], *,
                  source: str) -> list[Problem]:
    """Problems in appending ``new`` spots to a trial that already holds ``existing`` ones.

    Args:
        new: spots just read (each file already checked on its own by :func:`parse_spots`).
        existing: the trial's spots.
        source: the new spots' file name, for the problems.

    Returns:
        One problem per ``spot_id`` already present and per new eligible spot overlapping an
        existing eligible one (both named); empty when the spots can be added.
    """
    return appended_problems(new, existing, source=source)


def spots_sha256(spots: Iterable[CandidateSpot]) -> str:
    """The canonical SHA-256 of a trial's candidate spots (PROTOCOL.md, Canonical hashes).

    Every spot, eligible or not, sorted by ``spot_id`` in code-point order, as a JSON list of
    their records, serialised canonically and hashed.

    Returns:
        64 lower-case hex digits.
    """
    ordered = sorted(spots, key=lambda s: s.spot_id)
    return canonical_sha256([s.record() for s in ordered])
