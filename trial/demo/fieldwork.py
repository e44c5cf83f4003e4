"""Synthetic fieldwork over the demo trial's treatment window, stored through the use-cases."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from trial.fieldwork.dosage import PatrolDosage
from trial.fieldwork.plan import make_plan
from trial.fieldwork.times import parse_local_time, zone
from trial.service.allocation import show
from trial.service.context import Context
from trial.service.fieldwork import import_patrols, import_pings
from trial.service.fieldwork_ads import import_ads, import_targets
from trial.service.fieldwork_report import add_context
from trial.service.spots import candidate_spots
from trial.service.trials import find_trial

FIRST_NIGHT = date(2024, 1, 12)  # the first Friday of the treatment window
WEEKS = 13  # the whole treatment window, so that fidelity and per-protocol sets mean something
DOSAGE = {"visits_per_day": 3, "visit_minutes": 15, "min_gap_minutes": 60,
          "days": ["Fri", "Sat"], "start": "20:00", "end": "04:00"}


def _local(t: datetime, tz: Any) -> str:
    return t.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _until(rows: list[dict[str, Any]], now: datetime, tz: Any, key: str) -> list[dict[str, Any]]:
    """The rows that ended by ``now`` (the context's clock): fieldwork is never in the future."""
    return [r for r in rows if parse_local_time(str(r[key])[:16], tz) <= now]


def _write(folder: Path, name: str, rows: list[dict[str, Any]]) -> Path:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    p = folder / name
    p.write_text(out.getvalue(), encoding="utf-8")
    return p


def _patrols(rng: np.random.Generator, arms: dict[str, str], tz: Any) -> list[dict[str, Any]]:
    """Directed visits (mostly 10-16 minutes, a few missed) on Fri/Sat nights in the physical
    spots; business-as-usual visits in every arm; one directed visit in a control spot."""
    physical = sorted(s for s, a in arms.items() if a == "physical")
    nights = [FIRST_NIGHT + timedelta(days=7 * w + k) for w in range(WEEKS) for k in (0, 1)]
    plan = make_plan({s: ("patrol",) for s in physical}, PatrolDosage.from_toml(DOSAGE), nights,
                     tz, rng, today=FIRST_NIGHT)
    officer = {s: f"PC{4101 + i}" for i, s in enumerate(physical)}
    # two spots on a stretched team's beat: most of their visits do not happen
    missed = {s: 0.6 if i in (3, 11) else 0.12 for i, s in enumerate(physical)}
    rows: list[dict[str, Any]] = []
    for v in plan.visits:
        if rng.random() < missed[v.spot_id]:  # a call came in: the visit did not happen
            continue
        start = v.start + timedelta(minutes=int(rng.integers(-4, 5)))
        minutes = int(rng.integers(10, 17)) if rng.random() < 0.85 else int(rng.integers(5, 26))
        rows.append({"spot_id": v.spot_id, "start": _local(start, tz),
                     "end": _local(start + timedelta(minutes=minutes), tz),
                     "officer": officer[v.spot_id], "officers": int(rng.choice([1, 2, 2])),
                     "purpose": "directed", "mode": "foot", "source": "manual", "notes": "",
                     "reason": ""})
    everywhere = sorted(arms)
    for k in range(40):
        day = FIRST_NIGHT - timedelta(days=4) + timedelta(days=int(rng.integers(0, 7 * WEEKS)))
        start = datetime(day.year, day.month, day.day, int(rng.integers(9, 18)),
                         int(rng.integers(0, 60)), tzinfo=UTC)
        rows.append({"spot_id": everywhere[int(rng.integers(len(everywhere)))],
                     "start": _local(start, tz),
                     "end": _local(start + timedelta(minutes=int(rng.integers(15, 46))), tz),
                     "officer": f"PCSO{7001 + k}", "officers": 1, "purpose": "bau",
                     "mode": str(rng.choice(["foot", "vehicle"])), "source": "manual",
                     "notes": "neighbourhood team", "reason": ""})
    control = sorted(s for s, a in arms.items() if a == "control")
    start = datetime(2024, 1, 27, 23, 40, tzinfo=UTC)
    rows.append({"spot_id": control[3], "start": _local(start, tz),
                 "end": _local(start + timedelta(minutes=14), tz), "officer": "PC4999",
                 "officers": 2, "purpose": "directed", "mode": "foot", "source": "manual",
                 "notes": "went to the wrong spot on the run sheet", "reason": ""})
    return rows


def _pings(rng: np.random.Generator, centres: dict[str, tuple[float, float]],
           physical: list[str], tz: Any) -> list[dict[str, Any]]:
    """Radio pings of two officers lingering 12-14 minutes in two physical spots."""
    rows: list[dict[str, Any]] = []
    for k, spot in enumerate(physical[:2]):
        lon, lat = centres[spot]
        t = datetime(2024, 2, 2, 21, 5 + 20 * k, tzinfo=UTC)
        for _ in range(int(rng.integers(25, 29))):  # every 30 s
            rows.append({"device": f"RADIO-{201 + k}", "time": _local(t, tz) + t.strftime(":%S"),
                         "lat": f"{lat + rng.normal(0, 0.00003):.6f}",
                         "lon": f"{lon + rng.normal(0, 0.00005):.6f}"})
            t += timedelta(seconds=30)
        rows.append({"device": f"RADIO-{201 + k}", "time": _local(t, tz) + ":30",
                     "lat": f"{lat + 0.004:.6f}", "lon": f"{lon:.6f}"})
    return rows


def _targets(spots: dict[str, dict[str, Any]], digital: list[str]) -> dict[str, Any]:
    features = []
    for spot in digital:
        g = spots[spot]
        # a pin well inside the spot, so that no control or physical catchment is reached
        radius = max(8.0, float(g["radius_m"]) - 20.0)
        for platform, prefix in (("tiktok", "TT"), ("snapchat", "SC")):
            features.append({"type": "Feature",
                             "geometry": {"type": "Point", "coordinates": g["center"]},
                             "properties": {"platform": platform, "account": "Leeds NTE",
                                            "ad_group": f"{prefix} {spot}", "spot_id": spot,
                                            "radius_m": radius}})
    return {"type": "FeatureCollection", "features": features}


def _ads(rng: np.random.Generator, digital: list[str]) -> list[dict[str, Any]]:
    """Daily TikTok and Snapchat rows for each digital spot on each Fri and Sat."""
    rows: list[dict[str, Any]] = []
    for w in range(WEEKS):
        for k in (0, 1):
            day = FIRST_NIGHT + timedelta(days=7 * w + k)
            for i, spot in enumerate(digital):
                if i == 5 and w >= 2:  # one spot's ad groups were paused after two weeks
                    continue
                for platform, prefix, mean, budget in (("tiktok", "TT", 900, 12.0),
                                                       ("snapchat", "SC", 520, 8.0)):
                    imp = int(rng.poisson(mean))
                    rows.append({
                        "spot_id": spot, "platform": platform, "start": f"{day} 00:00",
                        "end": f"{day + timedelta(days=1)} 00:00", "impressions": imp,
                        "clicks": int(rng.binomial(imp, 0.006)),
                        "spend": f"{budget * float(rng.uniform(0.85, 1.0)):.2f}",
                        "reach": int(imp * float(rng.uniform(0.55, 0.8))),
                        "video_views": int(imp * float(rng.uniform(0.2, 0.35))),
                        "campaign": "Spotlight Leeds NTE", "ad_group": f"{prefix} {spot}",
                        "creative": "Look out for your mates", "theme": "violence",
                        "message": "speak-up", "account": "Leeds NTE"})
    return rows


def add_demo_fieldwork(ctx: Context, name: str, rng: np.random.Generator) -> None:
    """Store a treatment window of patrol visits, GPS-derived visits, ad target areas and delivery,
    and two context notes for the randomised demo trial."""
    arms = {r["spot_id"]: r["arm"] for r in show(ctx, trial=name).rows}
    with ctx.reading() as s:
        t = find_trial(s, name)
        tz = zone(t.timezone)
        spots = {c.spot_id: c.geometry for c in candidate_spots(s, t) if c.eligible}
    physical = sorted(x for x, a in arms.items() if a == "physical")
    digital = sorted(x for x, a in arms.items() if a == "digital")
    control = sorted(x for x, a in arms.items() if a == "control")
    centres = {x: (float(g["center"][0]), float(g["center"][1])) for x, g in spots.items()}
    now = ctx.clock()
    patrols = _until(_patrols(rng, arms, tz), now, tz, "end")
    pings = _until(_pings(rng, centres, physical, tz), now, tz, "time")
    ads = _until(_ads(rng, digital), now, tz, "end")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if patrols:
            import_patrols(ctx, trial=name, path=_write(folder, "patrol-log.csv", patrols))
        if pings:
            import_pings(ctx, trial=name, path=_write(folder, "radio-pings.csv", pings))
        targets = folder / "target-areas.geojson"
        targets.write_text(json.dumps(_targets(spots, digital)), encoding="utf-8")
        import_targets(ctx, trial=name, path=targets)
        if ads:
            import_ads(ctx, trial=name, path=_write(folder, "ad-delivery.csv", ads),
                       fmt="spotlight")
    add_context(ctx, trial=name, spot=control[0], kind="closure", date_from="2024-02-19",
                date_to="2024-03-03", text="Bar closed for refurbishment")
    add_context(ctx, trial=name, spot=digital[0], kind="intervention",
                date_from="2024-01-20", text="Council CCTV camera installed")
