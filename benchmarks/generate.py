"""Fixed-seed data at scale: police.uk files, hot spots with catchments, patrol and ad sessions."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20240108
# A city-sized area on the British National Grid (Leeds): 24 km x 24 km.
CENTRE = (430_000.0, 433_500.0)
HALF_SIDE_M = 12_000.0
BUFFER_M = 100
FORCE = "West Yorkshire Police"
START_YEAR = 2022
STAMP = "%Y-%m-%dT%H:%M+00:00"

CRIME_TYPES = (
    ("Anti-social behaviour", 0.25), ("Violence and sexual offences", 0.30),
    ("Public order", 0.08), ("Criminal damage and arson", 0.07), ("Shoplifting", 0.06),
    ("Other theft", 0.05), ("Vehicle crime", 0.05), ("Burglary", 0.04), ("Drugs", 0.03),
    ("Theft from the person", 0.02), ("Robbery", 0.015), ("Bicycle theft", 0.01),
    ("Possession of weapons", 0.01), ("Other crime", 0.015),
)
OUTCOMES = ("Investigation complete; no suspect identified", "Unable to prosecute suspect",
            "Under investigation", "Status update unavailable", "Awaiting court outcome",
            "Local resolution", "Offender given a caution")
DISTRICTS = ("City Centre", "Headingley", "Chapeltown", "Armley", "Beeston", "Harehills",
             "Kirkstall", "Roundhay")


@dataclass(frozen=True)
class Scale:
    """How much data a run generates."""

    name: str
    records: int
    spots: int
    sessions: int
    months: int
    snap_points: int


FULL = Scale("full", records=1_000_000, spots=1_000, sessions=100_000, months=24,
             snap_points=60_000)
SMALL = Scale("small", records=20_000, spots=100, sessions=2_000, months=2, snap_points=4_000)
SCALES = {s.name: s for s in (FULL, SMALL)}


@dataclass(frozen=True)
class Dataset:
    """Where a generated data set lives."""

    root: Path
    scale: Scale

    @property
    def spots_csv(self) -> Path:
        return self.root / "spots.csv"

    @property
    def protocol(self) -> Path:
        return self.root / "protocol.toml"

    @property
    def crime_files(self) -> list[Path]:
        return sorted((self.root / "police-uk").glob("*/*-street.csv"))

    @property
    def patrols_csv(self) -> Path:
        return self.root / "patrols.csv"

    @property
    def ads_csv(self) -> Path:
        return self.root / "ads.csv"

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"


PROTOCOL = """
[trial]
name = "scale"
title = "Benchmark trial: {spots} hot spots across a city"
timezone = "Europe/London"

[[arm]]
name = "digital"
delivers = ["ads"]
[[arm]]
name = "physical"
delivers = ["patrol"]
[[arm]]
name = "control"
control = true

[design]
method = "stratified"
strata = ["district"]
min_separation_m = 200
seed = {seed}

[windows]
baseline = {{ start = "{y0}-01-01", end = "{y0}-12-31" }}
treatment = {{ start = "{y1}-01-01", end = "{y1}-12-31" }}

[catchment]
buffer_m = {buffer}

[dosage]
patrol = {{ visits_per_day = 3, visit_minutes = 15, min_gap_minutes = 60 }}
ads = {{ daily_budget_gbp = 20.0 }}

[[outcome]]
name = "crime"
primary = true
crime_types = "all"
exclude = ["Anti-social behaviour"]

[[hypothesis]]
id = "H1"
outcome = "crime"
compare = ["physical", "control"]
confirmatory = true
"""


def spot_centres(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Spots on a jittered grid: centres at least 0.6 of a cell apart, radii 30 to 80 m.

    With a cell of about 760 m (1,000 spots) neighbouring catchments never overlap, so each
    point has at most one candidate catchment and every method must agree on it.
    """
    side = int(np.ceil(np.sqrt(n)))
    cell = 2 * HALF_SIDE_M / side
    cells = rng.choice(side * side, size=n, replace=False)
    cells.sort()
    gx, gy = cells % side, cells // side
    jitter = rng.uniform(-0.2 * cell, 0.2 * cell, size=(2, n))
    x = CENTRE[0] - HALF_SIDE_M + (gx + 0.5) * cell + jitter[0]
    y = CENTRE[1] - HALF_SIDE_M + (gy + 0.5) * cell + jitter[1]
    radius = rng.integers(30, 81, size=n).astype(float)
    return np.round(x, 1), np.round(y, 1), radius


def write_spots(path: Path, x: np.ndarray, y: np.ndarray, radius: np.ndarray,
                rng: np.random.Generator) -> None:
    n = len(x)
    # District: a band of the city by angle around the centre, so strata are spatial.
    angle = np.arctan2(y - CENTRE[1], x - CENTRE[0])
    district = np.floor((angle + np.pi) / (2 * np.pi) * len(DISTRICTS)).astype(int) % len(
        DISTRICTS)
    baseline = rng.negative_binomial(2, 2 / 14, size=n)
    frame = pd.DataFrame({
        "spot_id": [f"HS{k:04d}" for k in range(1, n + 1)],
        "name": [f"Hot spot {k}" for k in range(1, n + 1)],
        "easting": x, "northing": y, "radius_m": radius.astype(int),
        "district": np.asarray(DISTRICTS)[district],
        "baseline_crimes": baseline,
        "baseline_harm": np.round(baseline * rng.gamma(4.0, 30.0, size=n), 1),
        "footfall": np.round(rng.lognormal(7.0, 0.6, size=n), 0).astype(int),
    })
    frame.to_csv(path, index=False, lineterminator="\n")


def snap_points(scale: Scale, x: np.ndarray, y: np.ndarray, radius: np.ndarray,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """police.uk's anonymised map points: some in and around each spot, the rest city-wide.

    Returns metric x, y and a weight per point (crime is concentrated: a few points carry
    much of it, as on real maps).
    """
    m = scale.snap_points
    near = m // 4
    owner = rng.integers(0, len(x), size=near)
    # Distance from the centre up to the catchment's outer edge and a little beyond.
    reach = np.sqrt(rng.uniform(0, 1, size=near)) * (radius[owner] + BUFFER_M + 60)
    theta = rng.uniform(0, 2 * np.pi, size=near)
    nx = x[owner] + reach * np.cos(theta)
    ny = y[owner] + reach * np.sin(theta)
    far = m - near
    # City-wide points: denser towards the centre (a mixture of a core and the whole area).
    core = rng.random(far) < 0.5
    fx = np.where(core, rng.normal(CENTRE[0], 3_000, far),
                  rng.uniform(CENTRE[0] - HALF_SIDE_M, CENTRE[0] + HALF_SIDE_M, far))
    fy = np.where(core, rng.normal(CENTRE[1], 3_000, far),
                  rng.uniform(CENTRE[1] - HALF_SIDE_M, CENTRE[1] + HALF_SIDE_M, far))
    px = np.concatenate([nx, fx])
    py = np.concatenate([ny, fy])
    weight = rng.lognormal(0.0, 1.2, size=m)
    weight[:near] *= 3.0
    return px, py, weight / weight.sum()


def write_crime_files(scale: Scale, root: Path, px: np.ndarray, py: np.ndarray,
                      weight: np.ndarray, rng: np.random.Generator) -> None:
    """One police.uk street-level file per month, the standard 12 columns."""
    from trial.geo import from_metric

    lon, lat = from_metric(px, py)
    lon_text = np.char.mod("%.6f", lon)
    lat_text = np.char.mod("%.6f", lat)
    m = len(px)
    street = np.char.add("On or near ", np.char.add(
        np.asarray(["Park", "Station", "Church", "Mill", "Chapel", "Victoria", "Albion",
                    "Vicar", "Kirkgate", "Boar"])[rng.integers(0, 10, m)],
        np.asarray([" Street", " Lane", " Road", " Row", " Place", " Square"])[
            rng.integers(0, 6, m)]))
    cell = ((px - px.min()) // 800).astype(int) * 100 + ((py - py.min()) // 800).astype(int)
    lsoa_code = np.char.mod("E0102%04d", cell % 10_000)
    lsoa_name = np.char.mod("Leeds %03dA", cell % 1_000)
    types = np.asarray([t for t, _ in CRIME_TYPES])
    p_types = np.asarray([p for _, p in CRIME_TYPES])
    p_types = p_types / p_types.sum()
    per_month = np.full(scale.months, scale.records // scale.months)
    per_month[: scale.records % scale.months] += 1
    for k, n in enumerate(per_month):
        year, month = START_YEAR + k // 12, k % 12 + 1
        label = f"{year:04d}-{month:02d}"
        point = rng.choice(m, size=n, p=weight)
        ctype = types[rng.choice(len(types), size=n, p=p_types)]
        asb = ctype == "Anti-social behaviour"
        ids = np.asarray([rng.bytes(32).hex() for _ in range(n)], dtype=object)
        ids[asb] = ""
        no_location = rng.random(n) < 0.02
        # A few crimes appear twice in a month, once located and once without a location,
        # as real files show.
        twice = np.flatnonzero(~asb & ~no_location & (rng.random(n) < 0.001))
        frame = pd.DataFrame({
            "Crime ID": ids,
            "Month": label,
            "Reported by": FORCE,
            "Falls within": FORCE,
            "Longitude": np.where(no_location, "", lon_text[point]),
            "Latitude": np.where(no_location, "", lat_text[point]),
            "Location": np.where(no_location, "No Location", street[point]),
            "LSOA code": np.where(no_location, "", lsoa_code[point]),
            "LSOA name": np.where(no_location, "", lsoa_name[point]),
            "Crime type": ctype,
            "Last outcome category": np.where(asb, "",
                                              np.asarray(OUTCOMES)[rng.integers(0, 7, n)]),
            "Context": "",
        })
        if len(twice):
            dup = frame.iloc[twice].copy()
            dup[["Longitude", "Latitude", "LSOA code", "LSOA name"]] = ""
            dup["Location"] = "No Location"
            frame = pd.concat([frame.drop(frame.index[twice[: len(twice) // 2]]), dup])
            frame = frame.iloc[: n]
        folder = root / "police-uk" / label
        folder.mkdir(parents=True, exist_ok=True)
        frame.to_csv(folder / f"{label}-west-yorkshire-street.csv", index=False,
                     lineterminator="\n")


def write_sessions(scale: Scale, ds: Dataset, spot_ids: list[str],
                   rng: np.random.Generator) -> None:
    """Patrol visits and ad deliveries, half each, spread over the treatment year.

    Each officer makes at most one visit a day (no officer is in two places at once) and no
    two ad rows share platform, spot and start (each row is a distinct delivery).
    """
    n_patrol = scale.sessions // 2
    n_ads = scale.sessions - n_patrol
    # UTC with the offset written: local times in the hour the clocks skip are refused.
    start0 = pd.Timestamp(f"{START_YEAR + 1}-01-01 18:00")
    ids = np.asarray(spot_ids)
    officers = max(1, -(-n_patrol // 300))
    visit = np.arange(n_patrol)
    officer = visit % officers
    day = visit // officers
    minute = rng.integers(0, 8 * 60, n_patrol)
    start = start0 + pd.to_timedelta(day, unit="D") + pd.to_timedelta(minute, unit="min")
    end = start + pd.to_timedelta(rng.integers(5, 31, n_patrol), unit="min")
    patrols = pd.DataFrame({
        "spot_id": ids[rng.integers(0, len(ids), n_patrol)],
        "start": start.strftime(STAMP),
        "end": end.strftime(STAMP),
        "officer": np.char.mod("PC%04d", officer + 1),
    })
    patrols.to_csv(ds.patrols_csv, index=False, lineterminator="\n")
    platforms = np.asarray(["tiktok", "snapchat"])
    slots = rng.choice(len(ids) * 2 * 360 * 6, size=n_ads, replace=False)
    spot, rest = slots % len(ids), slots // len(ids)
    platform, rest = rest % 2, rest // 2
    day, hour = rest % 360, rest // 360
    start = start0 + pd.to_timedelta(day, unit="D") + pd.to_timedelta(hour, unit="h")
    end = start + pd.to_timedelta(1, unit="h")
    impressions = rng.integers(50, 5_000, n_ads)
    ads = pd.DataFrame({
        "spot_id": ids[spot],
        "platform": platforms[platform],
        "start": start.strftime(STAMP),
        "end": end.strftime(STAMP),
        "impressions": impressions,
        "clicks": (impressions * rng.uniform(0.0, 0.02, n_ads)).astype(int),
        "spend": np.round(impressions * rng.uniform(0.002, 0.01, n_ads), 2),
        "reach": (impressions * rng.uniform(0.4, 0.9, n_ads)).astype(int),
    })
    ads.to_csv(ds.ads_csv, index=False, lineterminator="\n")


def generate(scale: Scale, root: Path, *, seed: int = SEED) -> Dataset:
    """Write the whole data set under ``root`` (skipped when already there for this seed)."""
    ds = Dataset(root, scale)
    wanted = {"scale": asdict(scale), "seed": seed, "version": 2}
    if ds.manifest.exists() and json.loads(ds.manifest.read_text()) == wanted:
        return ds
    root.mkdir(parents=True, exist_ok=True)
    (root / "points.npz").unlink(missing_ok=True)
    rng = np.random.default_rng(seed)
    x, y, radius = spot_centres(scale.spots, rng)
    write_spots(ds.spots_csv, x, y, radius, rng)
    ds.protocol.write_text(PROTOCOL.format(spots=scale.spots, seed=seed, y0=START_YEAR,
                                           y1=START_YEAR + 1, buffer=BUFFER_M),
                           encoding="utf-8")
    px, py, weight = snap_points(scale, x, y, radius, rng)
    write_crime_files(scale, root, px, py, weight, rng)
    write_sessions(scale, ds, [f"HS{k:04d}" for k in range(1, scale.spots + 1)], rng)
    ds.manifest.write_text(json.dumps(wanted))
    return ds
