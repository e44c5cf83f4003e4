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

from collections.abc import Iterator

import numpy as np

_MASK32 = np.uint64(0xFFFFFFFF)
_SHIFT32 = np.uint64(32)
_TWO64 = 1 << 64
MAX_BOUND = 1 << 31
CHUNK = 1 << 14  # raw outputs drawn at once by a shuffle: small enough to stay off fresh pages
SMALL_SHUFFLE = 8  # up to this many rows, the swaps run on Python lists


def _product(x: np.ndarray, s: np.ndarray | np.uint64) -> tuple[np.ndarray, np.ndarray]:
    """High and low 64-bit words of x * s for uint64 x and s < 2**31 (wrapping arithmetic)."""
    a = (x >> _SHIFT32) * s
    b = (x & _MASK32) * s
    low = (a << _SHIFT32) + b
    high = (a + (b >> _SHIFT32)) >> _SHIFT32
    return high, low


def _threshold(s: np.ndarray) -> np.ndarray:
    """(2**64 - s) mod s for uint64 bounds s >= 1: raw products whose low word is below it are
    rejected."""
    out: np.ndarray = (np.zeros_like(s) - s) % np.maximum(s, np.uint64(1))
    return out


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
    threshold_all = _threshold(s)
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


def _redraw_rejected(rng: np.random.Generator, high: np.ndarray, low: np.ndarray,
                     s: np.uint64, threshold: np.uint64) -> None:
    """Complete one round of draws U(s) in place: rejected entries take fresh outputs."""
    rejected = np.flatnonzero(low < threshold)
    while rejected.size:
        x = np.asarray(rng.bit_generator.random_raw(rejected.size), dtype=np.uint64)
        again_high, again_low = _product(x, s)
        ok = again_low >= threshold
        high[rejected[ok]] = again_high[ok]
        rejected = rejected[~ok]


def bounded_same(rng: np.random.Generator, bound: int, count: int) -> np.ndarray:
    """A round of ``count`` draws U(bound): the same outputs as ``bounded`` with equal bounds."""
    s = np.uint64(bound)
    threshold = np.uint64((_TWO64 - bound) % bound)
    high, low = _product(np.asarray(rng.bit_generator.random_raw(count), dtype=np.uint64), s)
    _redraw_rejected(rng, high, low, s, threshold)
    return high.astype(np.intp)


def rounds(rng: np.random.Generator, bounds: np.ndarray, count: int) -> Iterator[np.ndarray]:
    """Successive rounds of ``count`` draws, round t all U(bounds[t]), in blocks of rounds.

    The raw outputs are the ones ``bounded_same`` would take round after round: several
    rounds are drawn at once, and when a block holds a rejection (probability below
    bound / 2**64 per draw) the generator is set back to just after the rejecting round's
    outputs, the round is completed as ``bounded_same`` does, and the next block starts
    after it.

    Yields:
        (rounds in the block x count) arrays of the draws, blocks in round order.
    """
    s_all = np.asarray(bounds, dtype=np.uint64).ravel()
    thresholds = _threshold(s_all)
    per_block = max(1, CHUNK // max(count, 1))
    bit_generator = rng.bit_generator
    start = 0
    while start < s_all.size:
        stop = min(s_all.size, start + per_block)
        s = s_all[start:stop, None]
        before = bit_generator.state
        x = np.asarray(bit_generator.random_raw((stop - start) * count),
                       dtype=np.uint64).reshape(stop - start, count)
        high, low = _product(x, s)
        bad = low < thresholds[start:stop, None]
        if bad.any():
            first = int(np.argmax(bad.any(axis=1)))
            # set the stream back to just after the rejecting round's own outputs
            bit_generator.state = before
            bit_generator.random_raw((first + 1) * count)
            _redraw_rejected(rng, high[first], low[first], s_all[start + first],
                             thresholds[start + first])
            stop = start + first + 1
            high = high[: first + 1]
        yield high
        start = stop


def shuffle_rows(rng: np.random.Generator, values: np.ndarray) -> np.ndarray:
    """Shuffle every row of a 2-D array independently (Fisher-Yates, see module docstring)."""
    n_rows, m = np.shape(values)
    if n_rows == 0 or m < 2:
        return np.array(values, copy=True)
    steps = rounds(rng, np.arange(m, 1, -1), n_rows)
    if n_rows <= SMALL_SHUFFLE:
        return _shuffle_lists(np.asarray(values), steps)
    original = np.asarray(values)
    # positions run down the first axis so that each step touches contiguous memory, and
    # small integers are moved as single bytes so that the rows stay in cache
    work = np.array(_narrow(original).T, order="C", copy=True)
    flat = work.reshape(-1)
    columns = np.arange(n_rows)
    i = m - 1
    for block in steps:
        where = block.astype(np.intp) * n_rows + columns
        for w in where:
            row = work[i]
            picked = flat[w]
            flat[w] = row
            row[...] = picked
            i -= 1
    return np.ascontiguousarray(work.T).astype(original.dtype, copy=False)


def _narrow(values: np.ndarray) -> np.ndarray:
    """The values as the narrowest integer type that holds them (unchanged if not integers)."""
    if values.dtype.kind not in "iu" or values.size == 0 or values.dtype.itemsize == 1:
        return values
    low, high = int(values.min()), int(values.max())
    for kind in (np.int8, np.int16, np.int32):
        info = np.iinfo(kind)
        if info.min <= low and high <= info.max:
            return values.astype(kind)
    return values


def _shuffle_lists(values: np.ndarray, steps: Iterator[np.ndarray]) -> np.ndarray:
    """The same swaps on Python lists: cheaper than array operations for a few rows."""
    rows = values.tolist()
    n_rows, m = values.shape
    picks = np.concatenate(list(steps)).T.tolist()
    for row, js in zip(rows, picks, strict=True):
        for i, j in zip(range(m - 1, 0, -1), js, strict=True):
            row[i], row[j] = row[j], row[i]
    return np.array(rows, dtype=values.dtype).reshape(n_rows, m)
