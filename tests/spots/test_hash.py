"""The canonical spots hash (PROTOCOL.md, Canonical hashes), computed independently here."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

from trial.spots import parse_spots, read_spots, spots_sha256

TEXT = ("spot_id,name,easting,northing,radius_m,eligible,exclusion_reason,district,crimes,harm\n"
        "b,Beta,430500,433000,30.5,no,closed,Süd,7,\n"
        "a,Alpha,430000,433000,25,,,North,12,4.5\n"
        "B,Big B,431000,433000,20,,,North,0,0.0\n")


def independent_hash() -> str:
    # Sorted by code point: "B" (66) < "a" (97) < "b" (98).
    records = [
        {"spot_id": "B", "name": "Big B", "eligible": True, "exclusion_reason": None,
         "geometry": {"type": "Circle", "crs": "EPSG:27700", "center": [431000, 433000],
                      "radius_m": 20},
         "attributes": {"district": "North", "crimes": 0, "harm": 0.0}},
        {"spot_id": "a", "name": "Alpha", "eligible": True, "exclusion_reason": None,
         "geometry": {"type": "Circle", "crs": "EPSG:27700", "center": [430000, 433000],
                      "radius_m": 25},
         "attributes": {"district": "North", "crimes": 12, "harm": 4.5}},
        {"spot_id": "b", "name": "Beta", "eligible": False, "exclusion_reason": "closed",
         "geometry": {"type": "Circle", "crs": "EPSG:27700", "center": [430500, 433000],
                      "radius_m": 30.5},
         "attributes": {"district": "Süd", "crimes": 7, "harm": None}},
    ]
    text = json.dumps(records, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert '"harm":0.0' in text and '"radius_m":20,' in text and "Süd" in text
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_hash_matches_an_independent_computation() -> None:
    spots = parse_spots(TEXT, source="s.csv")
    assert spots_sha256(spots) == independent_hash()


def test_hash_does_not_depend_on_row_order_line_ends_or_column_order() -> None:
    header, *rows = TEXT.strip("\n").split("\n")
    expected = independent_hash()
    rng = random.Random(20240108)
    for _ in range(5):
        rng.shuffle(rows)
        text = "\r\n".join([header, *rows]) + "\r\n"
        assert spots_sha256(parse_spots(text, source="s.csv")) == expected
    columns = [line.split(",") for line in [header, *rows]]
    swapped = "\n".join(",".join([c[1], c[0], *c[2:]]) for c in columns) + "\n"
    assert spots_sha256(parse_spots(swapped, source="s.csv")) == expected


def test_hash_changes_with_any_recorded_detail() -> None:
    base = spots_sha256(parse_spots(TEXT, source="s.csv"))
    for old, new in [("430000,433000,25", "430000,433000,25.0"), ("Alpha", "Alpha "),
                     ("North,12", "North,13"), ("no,closed", "no,closed!"),
                     ("430500,433000,30.5", "430500,433000,30.6")]:
        changed = parse_spots(TEXT.replace(old, new), source="s.csv")
        if old == "Alpha":
            # Surrounding spaces are not part of a name.
            assert spots_sha256(changed) == base
        else:
            assert spots_sha256(changed) != base, old


def test_leeds_csv_and_geojson_hash_alike(test_data: Path) -> None:
    folder = test_data / "spots"
    a = spots_sha256(read_spots(folder / "leeds-spots.csv"))
    b = spots_sha256(read_spots(folder / "leeds-spots.geojson"))
    assert a == b
    records = sorted((s.record() for s in read_spots(folder / "leeds-spots.csv")),
                     key=lambda r: r["spot_id"])
    text = json.dumps(records, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert a == hashlib.sha256(text.encode()).hexdigest()


def test_empty_set_hashes_the_empty_list() -> None:
    assert spots_sha256([]) == hashlib.sha256(b"[]").hexdigest()
