"""The peer of each benchmark: the floor, or what a researcher would write with common tools."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.generate import BUFFER_M
from benchmarks.workloads import ARMS, COVARIATES, InferenceCase, Timed

# ---------------------------------------------------------------- floors


def read_csv_floor(files: list[Path]) -> Timed:
    """pandas.read_csv of each file, default options: the parsing floor."""
    import pandas as pd

    def run() -> int:
        return sum(len(pd.read_csv(p)) for p in files)

    return Timed(run, lambda rows: {"rows": rows})


def insert_floor(source_db: Path, tables: tuple[str, ...], work: Path) -> Timed:
    """Raw sqlite3 executemany of the rows Spotlight stored, into the same tables and indexes.

    The rows are read back from Spotlight's database before timing; the timed part is the
    inserts and the commit, on a connection set up as Spotlight's (WAL, synchronous NORMAL).
    Foreign keys are off: the parent tables are not copied.
    """
    target = work / "floor.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(source_db) as src:
        ddl: list[str] = []
        batches: list[tuple[str, list[tuple[Any, ...]]]] = []
        for table in tables:
            ddl += [r[0] for r in src.execute(
                "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL "
                "ORDER BY type = 'index'", (table,))]
            columns = [r[1] for r in src.execute(f"PRAGMA table_info({table})")]
            rows = src.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
            marks = ", ".join("?" for _ in columns)
            batches.append((f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                            rows))
    conn = sqlite3.connect(target, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    for statement in ddl:
        conn.execute(statement)

    def run() -> int:
        conn.execute("BEGIN IMMEDIATE")
        for sql, rows in batches:
            conn.executemany(sql, rows)
        conn.execute("COMMIT")
        return sum(len(rows) for _, rows in batches)

    def check(n: int) -> dict[str, Any]:
        conn.close()
        return {"rows": n}

    return Timed(run, check)


# ---------------------------------------------------------------- geopandas


def geopandas_assignment(lon: np.ndarray, lat: np.ndarray, shapes: list[Any]) -> Timed:
    """to_crs, then sjoin against the spot areas and then the catchment rings."""
    import geopandas as gpd
    import pandas as pd

    centres = np.array([s.center for s in shapes])
    radii = np.array([s.radius_m for s in shapes])
    ids = np.array([s.spot_id for s in shapes], dtype=object)

    def run() -> tuple[np.ndarray, np.ndarray]:
        points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
        points = points.to_crs("EPSG:27700")
        centre = gpd.points_from_xy(centres[:, 0], centres[:, 1], crs="EPSG:27700")
        spots = gpd.GeoDataFrame({"spot_id": ids}, geometry=centre.buffer(radii))
        outer = centre.buffer(radii + BUFFER_M)
        rings = gpd.GeoDataFrame({"spot_id": ids},
                                 geometry=outer.difference(spots.geometry.values))
        inside = gpd.sjoin(points, spots, how="inner", predicate="intersects")
        inside = inside[~inside.index.duplicated(keep="first")]
        rest = points[~points.index.isin(inside.index)]
        near = gpd.sjoin(rest, rings, how="inner", predicate="intersects")
        near = near[~near.index.duplicated(keep="first")]
        area = pd.Series("outside", index=points.index, dtype=object)
        spot = pd.Series("", index=points.index, dtype=object)
        area[inside.index] = "spot"
        spot[inside.index] = inside["spot_id"].to_numpy()
        area[near.index] = "catchment"
        spot[near.index] = near["spot_id"].to_numpy()
        return area.to_numpy(), spot.to_numpy()

    return Timed(run, lambda r: {"in_spots": int((r[0] == "spot").sum()),
                                 "in_catchments": int((r[0] == "catchment").sum())})


def compare_assignments(ours: tuple[np.ndarray, np.ndarray], peer: tuple[np.ndarray, np.ndarray],
                        lon: np.ndarray, lat: np.ndarray, shapes: list[Any]) -> dict[str, Any]:
    """Where the two assignments differ, and how far each such point is from an edge.

    geopandas buffers a circle into a polygon (16 segments a quarter), so a point within a
    few centimetres of a circle's edge or a ring's outer edge may fall the other way; any
    difference farther than 0.5 m from such an edge is a real disagreement.
    """
    from trial.geo import WGS84, to_metric

    differ = np.flatnonzero((ours[0] != peer[0]) | (ours[1] != peer[1]))
    if differ.size == 0:
        return {"identical": True, "differ": 0, "real_differences": 0, "max_edge_gap_m": 0.0}
    x, y = to_metric(lon[differ], lat[differ], WGS84)
    centres = np.array([s.center for s in shapes])
    radii = np.array([s.radius_m for s in shapes])
    d = np.hypot(x[:, None] - centres[None, :, 0], y[:, None] - centres[None, :, 1])
    gap = np.minimum(np.abs(d - radii), np.abs(d - radii - BUFFER_M)).min(axis=1)
    return {"identical": False, "differ": int(differ.size),
            "real_differences": int((gap > 0.5).sum()), "max_edge_gap_m": float(gap.max())}


# ---------------------------------------------------------------- statsmodels


def statsmodels_inference(case: InferenceCase, n: int | None = None) -> Timed:
    """One statsmodels NegativeBinomial (NB2, maximum likelihood) fit per re-draw."""
    import warnings

    import statsmodels.api as sm

    draws = case.redraws if n is None else case.redraws[:n]

    def design(arms: np.ndarray) -> np.ndarray:
        return np.column_stack([(arms == 1).astype(float), (arms == 2).astype(float),
                                case.fixed])

    def d_of(arms: np.ndarray) -> float:
        fit = sm.NegativeBinomial(case.y, design(arms)).fit(disp=0, method="newton",
                                                             maxiter=100)
        # physical (arm 2) against control (arm 0, the reference)
        return float(fit.params[1])

    def run() -> tuple[float, np.ndarray]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            observed = d_of(case.observed)
            return observed, np.array([d_of(row) for row in draws])

    return Timed(run, lambda r: {"redraws": len(draws), "d_observed": r[0],
                                 "d_star_head": [float(v) for v in r[1][:1000]]})


# ---------------------------------------------------------------- pandas rerandomisation


def pandas_rerandomisation(units: Any, draws: int, seed: int, *, limit: float) -> Timed:
    """``draws`` complete draws, each with its balance computed in pandas (group means, SDs)."""
    import pandas as pd

    frame = pd.DataFrame({c: np.asarray(units.attributes[c], dtype=float) for c in COVARIATES})
    n = len(frame)
    slots = np.repeat(np.arange(len(ARMS)), -(-n // len(ARMS)))[:n]
    pairs = [(a, b) for a in range(len(ARMS)) for b in range(a + 1, len(ARMS))]

    def run() -> int:
        rng = np.random.default_rng(seed)
        accepted = 0
        for _ in range(draws):
            frame["arm"] = rng.permutation(slots)
            grouped = frame.groupby("arm")[list(COVARIATES)]
            means, variances = grouped.mean(), grouped.var()
            worst = 0.0
            for a, b in pairs:
                smd = (means.loc[a] - means.loc[b]) / np.sqrt((variances.loc[a]
                                                               + variances.loc[b]) / 2)
                worst = max(worst, float(smd.abs().max()))
            accepted += worst <= limit
        return accepted

    return Timed(run, lambda accepted: {"draws": draws, "accepted": int(accepted)})

