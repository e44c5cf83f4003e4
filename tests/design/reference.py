"""The draw procedure read straight from ``trial.design.draws``' docstring, one round at a time.

The package takes its raw outputs in blocks of rounds; this reference takes them round by
round, rejections redrawn at once, as spotlight-allocation/1 first did. Tests hold the two to
the same allocations and the same generator state afterwards.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

TWO64 = 1 << 64


def lemire_threshold(bound: int) -> int:
    """(2**64 - bound) mod bound: a raw product whose low word is below it is rejected."""
    return (TWO64 - bound) % bound


def reference_round(rng: np.random.Generator, bound: int, count: int, *,
                    threshold: Callable[[int], int] = lemire_threshold) -> list[int]:
    """A round of ``count`` draws U(bound): one raw output each, then the rejected again."""
    limit = threshold(bound)
    products = [int(x) * bound for x in rng.bit_generator.random_raw(count)]
    out = [m >> 64 for m in products]
    todo = [k for k, m in enumerate(products) if m % TWO64 < limit]
    while todo:
        again = [int(x) * bound for x in rng.bit_generator.random_raw(len(todo))]
        still = []
        for k, m in zip(todo, again, strict=True):
            if m % TWO64 < limit:
                still.append(k)
            else:
                out[k] = m >> 64
        todo = still
    return out


def reference_shuffle(rng: np.random.Generator, values: np.ndarray, *,
                      threshold: Callable[[int], int] = lemire_threshold) -> np.ndarray:
    """Fisher-Yates of every row: for i = m-1 down to 1, a round of draws U(i+1), then swaps."""
    array = np.asarray(values)
    n_rows, m = array.shape
    rows = [list(r) for r in array]
    for i in range(m - 1, 0, -1):
        picks = reference_round(rng, i + 1, n_rows, threshold=threshold)
        for row, j in zip(rows, picks, strict=True):
            row[i], row[j] = row[j], row[i]
    return np.array(rows, dtype=array.dtype).reshape(n_rows, m)
