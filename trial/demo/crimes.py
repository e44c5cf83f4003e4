"""Synthetic timed crime records around the demo spots, with a true effect planted in one arm.

Baseline (2023) counts follow each spot's ``baseline_crimes``; in the treatment window the
physical-patrol spots have 0.5 times the rate they would otherwise have, the other arms 1.0.
Most records fall on Friday and Saturday nights, as in a night-time economy.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np

from trial.geo import shape_of

PLANTED = {"physical": 0.5}
TYPES = [("Violence and sexual offences", "8N", 0.34), ("Public order", "125", 0.16),
         ("Theft from the person", "39", 0.10), ("Other theft", "49", 0.10),
         ("Criminal damage and arson", "58A", 0.08), ("Drugs", "92D", 0.07),
         ("Robbery", "34B", 0.03), ("Anti-social behaviour", "ASB", 0.12)]
START, END = date(2023, 1, 1), date(2024, 7, 7)
TREATMENT = (date(2024, 1, 8), date(2024, 4, 7))

RECORD_MAP = """# Column map for the demo's synthetic force extract
name = "demo-force"
crs = "EPSG:27700"

[columns]
id = "ref"
occurred_at = "occurred"
x = "easting"
y = "northing"
crime_type = "offence"
offence_code = "ho_code"
how_reported = "how"

[how_reported]
public = ["public"]
police = ["police"]
"""


def _night_time(rng: np.random.Generator, day: date) -> datetime:
    """A local-evening time, as UTC (the demo stays clear of clock-change ambiguity)."""
    hour = int(rng.choice([20, 21, 22, 23, 0, 1, 2, 3, 12, 15, 18],
                          p=[.08, .1, .14, .16, .16, .14, .1, .06, .02, .02, .02]))
    base = datetime(day.year, day.month, day.day, tzinfo=UTC)
    if hour < 12:
        base += timedelta(days=1)
    return base + timedelta(hours=hour, minutes=int(rng.integers(0, 60)))


def demo_records_csv(spots: list[dict[str, Any]], arms: dict[str, str],
                     rng: np.random.Generator) -> str:
    """One CSV of records for all spots (spot dicts: spot_id, geometry, baseline_crimes)."""
    days = np.array([START + timedelta(days=i) for i in range((END - START).days + 1)])
    weights = np.array([3.0 if d.weekday() in (4, 5) else 0.6 for d in days])
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["ref", "occurred", "easting", "northing", "offence", "ho_code", "how",
                "officer_notes"])
    names, codes, probs = zip(*TYPES, strict=True)
    k = 0
    for spot in spots:
        shape = shape_of(spot["spot_id"], spot["geometry"])
        assert shape.center is not None and shape.radius_m is not None
        # The records count a little more than the coordinator's baseline_crimes (a wider
        # set of offence types), with some spot-to-spot variation of their own.
        yearly = 4 * max(float(spot["baseline_crimes"]), 1.0) * float(rng.gamma(20, 1 / 20))
        effect = PLANTED.get(arms.get(spot["spot_id"], ""), 1.0)
        rate = np.where((days >= TREATMENT[0]) & (days <= TREATMENT[1]), effect, 1.0)
        # Spots drift between periods (new venues, events): overdispersion beyond the baseline.
        quarter = np.array([(d.year - START.year) * 4 + (d.month - 1) // 3 for d in days])
        rate = rate * rng.gamma(3.0, 1 / 3.0, size=quarter.max() + 1)[quarter]
        # baseline_crimes is a year's count: spread it over the year's nights by weight
        lam = yearly * weights / (weights.mean() * 365) * rate
        n_per_day = rng.poisson(lam)
        for day, n in zip(days, n_per_day, strict=True):
            for _ in range(int(n)):
                k += 1
                where = rng.random()
                r = shape.radius_m * (np.sqrt(rng.random()) if where < 0.7
                                      else 1.0 + rng.random() * 1.5)
                a = rng.random() * 2 * np.pi
                t = int(rng.choice(len(names), p=np.array(probs) / sum(probs)))
                w.writerow([f"DEMO-{k:06d}", _night_time(rng, day).isoformat(),
                            f"{shape.center[0] + r * np.cos(a):.1f}",
                            f"{shape.center[1] + r * np.sin(a):.1f}", names[t], codes[t],
                            "police" if rng.random() < 0.15 else "public",
                            "free text that is never stored"])
    return out.getvalue()


def add_demo_crimes(ctx: Any, name: str, rng: np.random.Generator) -> None:
    """Import the synthetic records through the same use-case a researcher runs."""
    import tempfile
    from pathlib import Path

    from trial.service.allocation import show
    from trial.service.crimes import import_crimes
    from trial.service.spots import candidate_spots
    from trial.service.trials import find_trial

    with ctx.reading() as s:
        t = find_trial(s, name)
        spots = [{"spot_id": c.spot_id, "geometry": c.geometry,
                  "baseline_crimes": c.attributes.get("baseline_crimes", 5)}
                 for c in candidate_spots(s, t) if c.eligible]
    arms = {r["spot_id"]: r["arm"] for r in show(ctx, trial=name).rows}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "demo-force-extract.csv"
        data.write_text(demo_records_csv(spots, arms, rng), encoding="utf-8")
        record_map = Path(tmp) / "demo-map.toml"
        record_map.write_text(RECORD_MAP, encoding="utf-8")
        import_crimes(ctx, trial=name, paths=[data], fmt="records", map_path=record_map)
