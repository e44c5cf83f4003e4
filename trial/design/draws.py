"""Uniform integers and shuffles built only on the bit generator's raw 64-bit outputs.

numpy guarantees the PCG64 bit stream across versions but not the algorithms of
``Generator.integers`` or ``Generator.permutation``; building on ``random_raw`` keeps an
allocation reproducible on any later numpy, and lets anyone re-derive it from PCG64 alone.

Bounded integer ``U(s)`` (uniform on 0..s-1, exact): take the next raw output ``x``; form the
128-bit product ``m = x * s``; if ``m mod 2**64 < (2**64 - s) mod s`` reject it and take the
next raw output; otherwise return ``m // 2**64`` (Lemire 2019, "Fast random integer generation
in an interval", ACM TOMACS 29(1)). A *round* of k draws takes k raw outputs, one per draw in
order; any rejected draws then take fresh outputs, in order, until none is rejected.

Shuffle of M rows of length m (Durstenfeld's Fisher-Yates): for i = m-1 down to 1, one round
of M draws ``j = U(i + 1)`` (row order), then each row swaps its positions i and j.
"""

from __future__ import annotations

import numpy as np

_MASK32 = np.uint64(0xFFFFFFFF)
_SHIFT32 = np.uint64(32)
_TWO64 = 1 << 64
MAX_BOUND = 1 << 31


def _product(x: np.ndarray, s: np.ndarray | np.uint64) -> tuple[np.ndarray, np.ndarray]:
    """High and low 64-bit words of x * s for uint64 x and s < 2**31 (wrapping arithmetic)."""
    a = (x >> _SHIFT32) * s
    b = (x & _MASK32) * s
    low = (a << _SHIFT32) + b
    high = (a + (b >> _SHIFT32)) >> _SHIFT32
    return high, low


def bounded(rng: np.random.Generator, bounds: np.ndarray) -> np.ndarray:
    """One round of exact uniform integers, element i on 0..bounds[i]-1.

    Args:
        rng: the generator whose bit generator supplies raw 64-bit outputs.
        bounds: positive integers below 2**31.

    Returns:
        int64 array of the draws, shaped like ``bounds``.
    """
    s = np.asarray(bounds, dtype=np.uint64).ravel()
    out = np.empty(s.size, dtype=np.int64)
    todo = np.arange(s.size)
    threshold_all = (np.zeros_like(s) - s) % np.maximum(s, np.uint64(1))
    while todo.size:
        x = np.asarray(rng.bit_generator.random_raw(todo.size), dtype=np.uint64)
        high, low = _product(x, s[todo])
        ok = low >= threshold_all[todo]
        out[todo[ok]] = high[ok].astype(np.int64)
        todo = todo[~ok]
    return out.reshape(np.shape(bounds))


def bounded_one(rng: np.random.Generator, bound: int) -> int:
    """A single exact uniform integer on 0..bound-1 (the same raw outputs as a round of one)."""
    threshold = (_TWO64 - bound) % bound
    while True:
        m = int(rng.bit_generator.random_raw()) * bound
        if m % _TWO64 >= threshold:
            return m >> 64


def bounded_same(rng: np.random.Generator, bound: int, count: int) -> np.ndarray:
    """A round of ``count`` draws U(bound): the same outputs as ``bounded`` with equal bounds."""
    s = np.uint64(bound)
    threshold = np.uint64((_TWO64 - bound) % bound)
    high, low = _product(np.asarray(rng.bit_generator.random_raw(count), dtype=np.uint64), s)
    rejected = np.flatnonzero(low < threshold)
    while rejected.size:
        x = np.asarray(rng.bit_generator.random_raw(rejected.size), dtype=np.uint64)
        again_high, again_low = _product(x, s)
        ok = again_low >= threshold
        high[rejected[ok]] = again_high[ok]
        rejected = rejected[~ok]
    return high.astype(np.intp)


def shuffle_rows(rng: np.random.Generator, values: np.ndarray) -> np.ndarray:
    """Shuffle every row of a 2-D array independently (Fisher-Yates, see module docstring)."""
    n_rows, m = np.shape(values)
    # positions run down the first axis so that each step touches contiguous memory
    work = np.array(np.asarray(values).T, order="C", copy=True)
    flat = work.reshape(-1)
    columns = np.arange(n_rows)
    for i in range(m - 1, 0, -1):
        where = bounded_same(rng, i + 1, n_rows) * n_rows + columns
        picked = flat[where]
        flat[where] = work[i]
        work[i] = picked
    return np.ascontiguousarray(work.T)
