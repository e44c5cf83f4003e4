"""Appending an import to a trial's spots: ids already present and overlaps across the two."""

from __future__ import annotations

import numpy as np

from trial.spots import CandidateSpot, parse_spots, spot_problems


def circle(spot_id: str, x: float, y: float, r: float, *, eligible: bool = True) -> CandidateSpot:
    return CandidateSpot(spot_id, spot_id, eligible, None if eligible else "excluded",
                         {"type": "Circle", "crs": "EPSG:27700", "center": [x, y], "radius_m": r},
                         {})


def test_existing_id_and_overlap_are_named() -> None:
    existing = [circle("A", 430000, 433000, 50), circle("B", 431000, 433000, 50),
                circle("X", 432000, 433000, 50, eligible=False)]
    new = [circle("A", 440000, 433000, 10),       # id taken
           circle("C", 430090, 433000, 50),       # overlaps A by 10 m
           circle("D", 431100, 433000, 50),       # touches B: allowed
           circle("E", 432010, 433000, 50)]       # overlaps an excluded spot: allowed
    problems = spot_problems(new, existing, source="more.csv")
    assert [(p.source, p.field, p.what) for p in problems] == [
        ("more.csv", "spot_id", "spot_id 'A' is already in the trial; give a new id"),
        ("more.csv", None, "spot 'C' overlaps spot 'A' already in the trial; eligible spots "
                           "must not share any area"),
    ]


def test_nothing_to_report() -> None:
    assert spot_problems([], [], source="s.csv") == []
    assert spot_problems([circle("A", 430000, 433000, 5)], [], source="s.csv") == []


def test_polygon_against_circle() -> None:
    text = ('spot_id,name,geometry\n'
            'P,Park,"POLYGON ((430000 433000, 430100 433000, 430100 433100, 430000 433100, '
            '430000 433000))"\n')
    new = parse_spots(text, source="p.csv", crs="EPSG:27700")
    inside = [circle("in", 430050, 433050, 5)]
    outside = [circle("out", 430150, 433050, 50)]  # touches the east edge
    assert len(spot_problems(new, inside, source="p.csv")) == 1
    assert spot_problems(new, outside, source="p.csv") == []


def test_a_thousand_against_a_thousand_well_under_a_second() -> None:
    rng = np.random.default_rng(7)
    xy = rng.uniform(0, 40_000, size=(2000, 2)) + [420_000, 420_000]
    old = [circle(f"o{k}", x, y, 30) for k, (x, y) in enumerate(xy[:1000])]
    new = [circle(f"n{k}", x, y, 30) for k, (x, y) in enumerate(xy[1000:])]
    for s in old + new:
        _ = s.shape
    problems = spot_problems(new, old, source="s.csv")
    centres_old, centres_new = xy[:1000], xy[1000:]
    gaps = np.hypot(centres_new[:, None, 0] - centres_old[None, :, 0],
                    centres_new[:, None, 1] - centres_old[None, :, 1])
    assert len(problems) == int((gaps < 60).sum())


def test_reading_a_thousand_rows_is_quick() -> None:
    rng = np.random.default_rng(3)
    # A 50 x 20 grid 200 m apart near Leeds, jittered by up to 20 m.
    rows = ["spot_id,name,easting,northing,radius_m,district,baseline_crimes"]
    for k in range(1000):
        x = 420_000 + 200 * (k % 50) + rng.uniform(-20, 20)
        y = 425_000 + 200 * (k // 50) + rng.uniform(-20, 20)
        rows.append(f"S{k:04d},Spot {k},{x:.1f},{y:.1f},50,D{k % 4},{k % 37}")
    spots = parse_spots("\n".join(rows) + "\n", source="s.csv")
    assert len(spots) == 1000
