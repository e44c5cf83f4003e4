"""Spotlight's side of each benchmark: inputs prepared untimed, then the one call timed."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.generate import BUFFER_M, Dataset

TRIAL = "scale"
ARMS = ("control", "digital", "physical")


@dataclass
class Timed:
    """A call ready to time, and what to say about its result afterwards."""

    call: Callable[[], Any]
    check: Callable[[Any], dict[str, Any]] = field(default=lambda _r: {})


# ---------------------------------------------------------------- databases


def copy_database(src: Path, dst: Path) -> Path:
    """A consistent copy of a SQLite database (the backup API: WAL content included)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{dst}{suffix}").unlink(missing_ok=True)
    dst.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    dst.chmod(0o600)
    return dst


def build_base(ds: Dataset, path: Path) -> Path:
    """A database holding the scale trial: spots imported, registered, randomised."""
    from trial.service.allocation import randomise
    from trial.service.context import open_context
    from trial.service.registration import register
    from trial.service.spots import import_spots
    from trial.service.trials import create_trial

    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    ctx = open_context(str(path), user="bench")
    create_trial(ctx, protocol_text=ds.protocol.read_text(encoding="utf-8"),
                 source=ds.protocol.name)
    import_spots(ctx, trial=TRIAL, path=ds.spots_csv)
    register(ctx, trial=TRIAL)
    randomise(ctx, trial=TRIAL)
    ctx.engine.dispose()
    return path


def _context(db: Path) -> Any:
    from datetime import UTC, datetime

    from trial.service.context import open_context

    # A fixed clock after the generated fieldwork: no session "ends in the future".
    return open_context(str(db), user="bench", clock=lambda: datetime(2024, 6, 1, tzinfo=UTC))


# ---------------------------------------------------------------- crime import


def crime_import(ds: Dataset, base: Path, work: Path) -> Timed:
    """import_crimes on every police.uk file, into a fresh copy of the registered trial."""
    from trial.service.crimes import import_crimes

    db = copy_database(base, work / "crimes.db")
    ctx = _context(db)
    files = ds.crime_files

    def check(result: Any) -> dict[str, Any]:
        ctx.engine.dispose()
        return {"db": str(db), "imported": result.imported, "in_spots": result.in_spots,
                "in_catchments": result.in_catchments, "outside": result.outside,
                "unlocatable": result.unlocatable, "duplicates": result.duplicates}

    return Timed(lambda: import_crimes(ctx, trial=TRIAL, paths=files), check)


# ---------------------------------------------------------------- spatial assignment


def located_points(ds: Dataset) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude of every located record in the files (as pandas reads them).

    Kept beside the data after the first read: every assignment round starts from them.
    """
    import pandas as pd

    cache = ds.root / "points.npz"
    if cache.exists():
        saved = np.load(cache)
        return saved["lon"], saved["lat"]
    frames = [pd.read_csv(p, usecols=["Longitude", "Latitude"]) for p in ds.crime_files]
    both = pd.concat(frames, ignore_index=True).dropna()
    lon, lat = both["Longitude"].to_numpy(float), both["Latitude"].to_numpy(float)
    np.savez(cache, lon=lon, lat=lat)
    return lon, lat


def spot_shapes(ds: Dataset) -> list[Any]:
    from trial.spots import parse_spots

    spots = parse_spots(ds.spots_csv.read_text(encoding="utf-8"), source=ds.spots_csv.name)
    return sorted((c.shape for c in spots), key=lambda s: s.spot_id)


def assignment(ds: Dataset) -> Timed:
    """Project lon/lat to the metric CRS and assign to spots and catchments."""
    from trial.geo import WGS84, to_metric
    from trial.outcomes import assign

    lon, lat = located_points(ds)
    shapes = spot_shapes(ds)

    split: dict[str, float] = {}

    def run() -> Any:
        start = time.perf_counter()
        x, y = to_metric(lon, lat, WGS84)
        split["to_metric_s"] = time.perf_counter() - start
        result = assign(x, y, shapes, buffer_m=float(BUFFER_M))
        split["assign_s"] = time.perf_counter() - start - split["to_metric_s"]
        return result

    return Timed(run, lambda r: {"points": len(lon), "in_spots": int((r.area == "spot").sum()),
                                 "in_catchments": int((r.area == "catchment").sum()),
                                 **split})


def assignment_labels(result: Any, shapes: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """(area, spot_id) per point from an ``Assignment``, for comparing with the peer."""
    ids = np.array([s.spot_id for s in shapes] + [""], dtype=object)
    return np.asarray(result.area, dtype=object), ids[result.spot_index]


# ---------------------------------------------------------------- session import


def session_import(ds: Dataset, base: Path, work: Path) -> Timed:
    """The patrol log and the ad report imported (validated and stored) into a fresh copy."""
    from trial.service.fieldwork import import_patrols
    from trial.service.fieldwork_ads import import_ads

    db = copy_database(base, work / "sessions.db")
    ctx = _context(db)

    def run() -> tuple[Any, Any]:
        patrols = import_patrols(ctx, trial=TRIAL, path=ds.patrols_csv)
        ads = import_ads(ctx, trial=TRIAL, path=ds.ads_csv, currency="GBP")
        return patrols, ads

    def check(result: tuple[Any, Any]) -> dict[str, Any]:
        ctx.engine.dispose()
        return {"db": str(db), "patrols": result[0].imported, "ads": result[1].imported}

    return Timed(run, check)


# ---------------------------------------------------------------- randomisation inference


@dataclass(frozen=True)
class InferenceCase:
    """A three-arm stratified trial of 300 spots with its re-draws (physical vs control)."""

    y: np.ndarray
    fixed: np.ndarray
    terms: list[str]
    observed: np.ndarray
    redraws: np.ndarray


def inference_case(n_redraws: int, *, seed: int = 7, spots: int = 300,
                   strata: int = 5) -> InferenceCase:
    """Allocate by the design code, re-draw by it, and simulate negative-binomial counts."""
    from trial.design import DesignSpec, Units, allocate, generator, redraws

    rng = np.random.default_rng(seed)
    ids = tuple(f"S{k:04d}" for k in range(spots))
    stratum = [f"s{k % strata}" for k in range(spots)]
    base = rng.negative_binomial(2, 2 / 12, size=spots)
    spec = DesignSpec(arms=ARMS, method="stratified", strata=("stratum",))
    units = Units(spot_ids=ids, attributes={"stratum": stratum})
    drawn = allocate(spec, units, generator(seed))
    index = {a: k for k, a in enumerate(ARMS)}
    observed = np.array([index[a] for a in drawn.arms], dtype=np.int64)
    again = redraws(spec, units, drawn, generator(seed + 1), n=n_redraws,
                    arms=("physical", "control"))
    code = np.array([int(s[1:]) for s in stratum])
    mu = np.exp(1.5 + 0.2 * np.log1p(base) + 0.1 * code) * np.where(observed == 2, 0.8, 1.0)
    y = rng.negative_binomial(2, 2 / (2 + mu)).astype(float)
    fixed = np.column_stack([np.ones(spots), np.log1p(base)]
                            + [(code == s).astype(float) for s in range(1, strata)])
    terms = ["(intercept)", "log1p_baseline"] + [f"stratum[s{s}]" for s in range(1, strata)]
    return InferenceCase(y, fixed, terms, observed, again.matrix)


def inference(case: InferenceCase) -> Timed:
    from trial.analysis.inference import randomisation_test

    def run() -> Any:
        return randomisation_test(case.y, case.fixed, fixed_terms=case.terms, arms=ARMS,
                                  observed=case.observed, redraws=case.redraws,
                                  arm_a="physical", arm_b="control", model="negative-binomial")

    return Timed(run, lambda r: {"redraws": r.n_redraws, "d_observed": r.d_observed,
                                 "p_value": r.p_value, "not_converged": r.n_not_converged,
                                 "d_star_head": [float(v) for v in r.d_star[:1000]]})


# ---------------------------------------------------------------- rerandomisation


COVARIATES = ("baseline_crimes", "baseline_harm", "footfall")


def max_abs_smd(ds: Dataset) -> float:
    """0.05 at full scale; looser for the small data set, whose 100 spots would need about
    100,000 draws to balance that closely (too slow for the pandas peer in a test)."""
    return 0.05 if ds.scale.spots >= 1_000 else 0.15


def design_units(ds: Dataset) -> tuple[Any, Any]:
    """The scale spots as design units, and a three-arm rerandomised design on them."""
    import pandas as pd

    from trial.design import DesignSpec, Units

    spots = pd.read_csv(ds.spots_csv).sort_values("spot_id")
    units = Units(spot_ids=tuple(spots["spot_id"]),
                  attributes={c: [float(v) for v in spots[c]] for c in COVARIATES})
    spec = DesignSpec(arms=ARMS, method="rerandomise", balance_on=COVARIATES,
                      criterion="max_abs_smd", max_abs_smd=max_abs_smd(ds),
                      max_draws=1_000_000)
    return spec, units


def rerandomisation(ds: Dataset, seed: int) -> Timed:
    from trial.design import allocate, generator

    spec, units = design_units(ds)
    return Timed(lambda: allocate(spec, units, generator(seed)),
                 lambda r: {"draws_tried": r.draws_tried})
