"""Sixty synthetic candidate hot spots around Leeds city centre, as a spots CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

import numpy as np

# Rough night-time-economy districts of Leeds city centre, by the centre of each.
DISTRICTS = {
    "Call Lane": (-1.5408, 53.7955),
    "Park Row": (-1.5490, 53.7985),
    "The Headrow": (-1.5440, 53.8000),
    "Briggate": (-1.5425, 53.7975),
}
EXCLUDED = {
    7: "private premises: inside a shopping centre",
    19: "already in the Safer Streets pilot",
    33: "police station frontage",
    48: "under redevelopment until 2025",
}


def demo_spots_csv(rng: np.random.Generator, *, n: int = 60) -> str:
    """Candidate spots: circles of 25-45 m, districts, baseline counts and harm, terciles."""
    names = list(DISTRICTS)
    rows: list[dict[str, Any]] = []
    taken: list[tuple[float, float, float]] = []
    i = 0
    while len(rows) < n:
        district = names[i % len(names)]
        lon0, lat0 = DISTRICTS[district]
        lon = lon0 + rng.normal(0, 0.0025)
        lat = lat0 + rng.normal(0, 0.0012)
        radius = float(rng.integers(25, 46))
        x, y = lon * 66_000, lat * 111_000  # metres, near enough at 53.8 N for spacing
        if any(np.hypot(x - a, y - b) < radius + r + 45 for a, b, r in taken):
            continue
        taken.append((x, y, radius))
        k = len(rows) + 1
        mean = float(rng.gamma(2.0, 8.0)) + 2
        crimes = int(rng.negative_binomial(2, 2 / (2 + mean)))
        harm = round(crimes * float(rng.uniform(20, 90)), 1)
        rows.append({
            "spot_id": f"LDS-{k:03d}", "name": f"{district} {k}", "lat": f"{lat:.6f}",
            "lon": f"{lon:.6f}", "radius_m": f"{radius:.0f}", "district": district,
            "baseline_crimes": crimes, "baseline_harm": harm,
            "eligible": "false" if k in EXCLUDED else "true",
            "exclusion_reason": EXCLUDED.get(k, ""),
        })
        i += 1
    crimes_sorted = sorted(int(r["baseline_crimes"]) for r in rows)
    lo, hi = crimes_sorted[n // 3], crimes_sorted[2 * n // 3]
    for r in rows:
        c = int(r["baseline_crimes"])
        r["baseline_tercile"] = "low" if c < lo else ("high" if c >= hi else "middle")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
