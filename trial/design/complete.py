"""Complete randomisation: fixed arm counts, leftovers by a systematic draw, then a shuffle."""

from __future__ import annotations

from math import factorial

import numpy as np

from trial.design.draws import bounded, shuffle_rows


def leftover_weights(n: int, ratios: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """floor(n p_a) and the leftover weights w_a = n r_a mod sum(r) (in units of 1/sum(r))."""
    r = np.asarray(ratios, dtype=np.int64)
    total = int(r.sum())
    return (n * r) // total, (n * r) % total


def systematic_counts(n: int, ratios: tuple[int, ...], starts: np.ndarray) -> np.ndarray:
    """Arm counts for each systematic start u in 0..sum(r)-1 (rows of the result).

    Arm a gets floor(n p_a) plus one when some point u + k sum(r), k = 0, 1, ..., falls in
    [W_{a-1}, W_a), W being the cumulative leftover weights: probability w_a / sum(r) exactly.
    """
    total = sum(ratios)
    floors, weights = leftover_weights(n, ratios)
    upper = np.cumsum(weights)
    lower = upper - weights
    u = np.asarray(starts, dtype=np.int64)[:, None]

    def points_below(x: np.ndarray) -> np.ndarray:
        below: np.ndarray = np.maximum(0, -((u - x[None, :]) // total))
        return below

    counts: np.ndarray = floors[None, :] + points_below(upper) - points_below(lower)
    return counts


def slots(counts: np.ndarray, n: int) -> np.ndarray:
    """Rows of arm indices in arm order, arm a repeated counts[a] times."""
    cum = np.cumsum(counts, axis=1)[:, :-1]
    rows: np.ndarray = (np.arange(n)[None, None, :] >= cum[:, :, None]).sum(axis=1)
    return rows.astype(np.int64)


def complete_batch(ratios: tuple[int, ...], n: int, rng: np.random.Generator,
                   size: int) -> np.ndarray:
    """``size`` complete allocations of n units: a (size x n) matrix of arm indices.

    rng order: one round of ``size`` draws U(sum(r)) (the systematic starts), then one
    shuffle of ``size`` rows of length n (see ``trial.design.draws``); unit k gets slot k.
    """
    if size == 0:
        return np.zeros((0, n), dtype=np.int64)
    starts = bounded(rng, np.full(size, sum(ratios), dtype=np.int64))
    # rows are laid out once per distinct start, of which there are at most sum(r)
    distinct, row_of = np.unique(starts, return_inverse=True)
    layouts = slots(systematic_counts(n, ratios, distinct), n)
    return shuffle_rows(rng, layouts[row_of.ravel()])


def multinomial(counts: np.ndarray | tuple[int, ...] | list[int]) -> int:
    """n! / prod(c_a!) as an exact integer."""
    out = factorial(int(sum(int(c) for c in counts)))
    for c in counts:
        out //= factorial(int(c))
    return out


def possible_counts(n: int, ratios: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Every arm-count vector the systematic draw can give, in order of first start."""
    rows = systematic_counts(n, ratios, np.arange(sum(ratios)))
    seen: dict[tuple[int, ...], None] = {}
    for row in rows:
        seen.setdefault(tuple(int(c) for c in row), None)
    return list(seen)


def count_complete(n: int, ratios: tuple[int, ...]) -> int:
    """Distinct complete allocations of n units with positive probability."""
    return sum(multinomial(c) for c in possible_counts(n, ratios))
