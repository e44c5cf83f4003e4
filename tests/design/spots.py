"""Small spot sets for the design tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from trial.design import Units


def make_units(n: int, *, strata: Sequence[str] | None = None, seed: int = 7) -> Units:
    """n spots "s000"..., a district (if strata given, cycled), and two numeric covariates."""
    rs = np.random.default_rng(seed)
    ids = tuple(f"s{i:03d}" for i in range(n))
    attributes: dict[str, list[object]] = {
        "baseline": [float(v) for v in rs.poisson(10, n)],
        "harm": [float(v) for v in np.round(rs.gamma(2.0, 3.0, n), 3)],
    }
    if strata is not None:
        attributes["district"] = [strata[i % len(strata)] for i in range(n)]
    return Units(ids, attributes)


def stratified_units(sizes: Sequence[int], seed: int = 7) -> Units:
    """Spots in strata "A", "B", ... of the given sizes (spot ids in stratum order)."""
    labels = [chr(ord("A") + k) for k, size in enumerate(sizes) for _ in range(size)]
    rs = np.random.default_rng(seed)
    n = len(labels)
    return Units(tuple(f"s{i:03d}" for i in range(n)),
                 {"district": labels, "baseline": [float(v) for v in rs.poisson(10, n)],
                  "harm": [float(v) for v in rs.gamma(2.0, 3.0, n)]})


def z_scores(hits: np.ndarray, trials: int, p: float) -> np.ndarray:
    """Binomial z-scores of hit counts against probability p."""
    return np.asarray((hits - trials * p) / np.sqrt(trials * p * (1 - p)))
