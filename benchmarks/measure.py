"""Run one side of one workload once, in a process of its own, and print what it measured.

``python -m benchmarks.measure WORKLOAD SIDE --data DIR --scale NAME --work DIR [...]`` prints
one JSON object: seconds (the timed call only), peak_rss_mb (the process's peak resident set,
set-up included), setup_rss_mb (before the timed call) and what the call returned, summarised.
A process per measurement keeps one side's memory and caches from flattering the other's.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import peers, workloads
from benchmarks.generate import SCALES, Dataset, generate
from benchmarks.workloads import Timed


def rss_mb() -> float:
    """Peak resident set of this process so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _save(path: Path, **arrays: Any) -> None:
    np.savez(path, **arrays)


def _crimes(side: str, ds: Dataset, a: argparse.Namespace) -> Timed:
    if side == "spotlight":
        return workloads.crime_import(ds, a.base, a.work)
    if side == "read_csv":
        return peers.read_csv_floor(ds.crime_files)
    return peers.insert_floor(a.work / "crimes.db", ("crime_record",), a.work)


def _assign(side: str, ds: Dataset, a: argparse.Namespace) -> Timed:
    lon, lat = workloads.located_points(ds)
    shapes = workloads.spot_shapes(ds)
    labels = a.work / "assign-spotlight.npz"
    if side == "spotlight":
        timed = workloads.assignment(ds)

        def check(result: Any) -> dict[str, Any]:
            area, spot = workloads.assignment_labels(result, shapes)
            _save(labels, area=area.astype(str), spot=spot.astype(str))
            return timed_check(result)

        timed_check = timed.check
        return Timed(timed.call, check)
    timed = peers.geopandas_assignment(lon, lat, shapes)

    def compare(result: Any) -> dict[str, Any]:
        info = timed.check(result)
        ours = np.load(labels, allow_pickle=False)
        info.update(peers.compare_assignments(
            (ours["area"].astype(object), ours["spot"].astype(object)),
            (result[0].astype(str).astype(object), result[1].astype(str).astype(object)),
            lon, lat, shapes))
        return info

    return Timed(timed.call, compare)


def _sessions(side: str, ds: Dataset, a: argparse.Namespace) -> Timed:
    if side == "spotlight":
        return workloads.session_import(ds, a.base, a.work)
    return peers.insert_floor(a.work / "sessions.db", ("session_import", "field_session"),
                              a.work)


def _inference(side: str, ds: Dataset, a: argparse.Namespace) -> Timed:
    case = workloads.inference_case(a.redraws)
    if side == "spotlight":
        return workloads.inference(case)
    return peers.statsmodels_inference(case, a.peer_redraws)


def _rerandomise(side: str, ds: Dataset, a: argparse.Namespace) -> Timed:
    if side == "spotlight":
        return workloads.rerandomisation(ds, a.seed)
    spec, units = workloads.design_units(ds)
    return peers.pandas_rerandomisation(units, a.draws, a.seed, limit=spec.max_abs_smd)


SIDES: dict[str, Callable[[str, Dataset, argparse.Namespace], Timed]] = {
    "crimes": _crimes,
    "assign": _assign,
    "sessions": _sessions,
    "inference": _inference,
    "rerandomise": _rerandomise,
}


def measure(timed: Timed, *, profile: Path | None = None) -> dict[str, Any]:
    """Time the call once (optionally under pyinstrument, written as text to ``profile``)."""
    setup = rss_mb()
    profiler = None
    if profile is not None:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.01)
        profiler.start()
    start = time.perf_counter()
    result = timed.call()
    seconds = time.perf_counter() - start
    if profiler is not None and profile is not None:
        profiler.stop()
        profile.write_text(profiler.output_text(color=False, unicode=False), encoding="utf-8")
    peak = rss_mb()
    return {"seconds": seconds, "peak_rss_mb": peak, "setup_rss_mb": setup,
            "info": timed.check(result)}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m benchmarks.measure")
    p.add_argument("workload", choices=sorted(SIDES))
    p.add_argument("side")
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--scale", choices=sorted(SCALES), required=True)
    p.add_argument("--work", type=Path, required=True)
    p.add_argument("--base", type=Path)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--draws", type=int, default=0)
    p.add_argument("--redraws", type=int, default=10_000)
    p.add_argument("--peer-redraws", type=int, default=None)
    p.add_argument("--profile", type=Path)
    a = p.parse_args(argv)
    ds = generate(SCALES[a.scale], a.data)
    a.work.mkdir(parents=True, exist_ok=True)
    timed = SIDES[a.workload](a.side, ds, a)
    out = measure(timed, profile=a.profile)
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
