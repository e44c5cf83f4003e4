"""Random integers and shuffles from raw PCG64 outputs."""

from __future__ import annotations

from itertools import permutations

import numpy as np
from scipy import stats

from trial.design.draws import _product, bounded, bounded_one, bounded_same, shuffle_rows


def test_product_is_the_exact_128_bit_product() -> None:
    rs = np.random.default_rng(1)
    x = rs.integers(0, 2**64, size=2000, dtype=np.uint64)
    s = rs.integers(1, 2**31, size=2000, dtype=np.uint64)
    high, low = _product(x, s)
    for i in range(2000):
        full = int(x[i]) * int(s[i])
        assert int(high[i]) == full >> 64
        assert int(low[i]) == full % 2**64


def test_bounded_draws_match_lemire_on_the_raw_stream() -> None:
    raw = np.random.Generator(np.random.PCG64(99)).bit_generator.random_raw(5)
    expected = [(int(x) * b) >> 64 for x, b in zip(raw, [7, 100, 3, 2**30, 1], strict=True)]
    got = bounded(np.random.Generator(np.random.PCG64(99)), np.array([7, 100, 3, 2**30, 1]))
    assert got.tolist() == expected
    one = np.random.Generator(np.random.PCG64(99))
    assert [bounded_one(one, b) for b in (7, 100, 3, 2**30, 1)] == expected
    same = bounded_same(np.random.Generator(np.random.PCG64(99)), 100, 5)
    again = np.random.Generator(np.random.PCG64(99)).bit_generator.random_raw(5)
    assert same.tolist() == [(int(x) * 100) >> 64 for x in again]


def test_bounded_is_uniform() -> None:
    counts = np.bincount(bounded(np.random.Generator(np.random.PCG64(3)),
                                 np.full(70_000, 7)), minlength=7)
    # chi-square goodness of fit, 6 df; fails at p < 1e-4
    assert stats.chisquare(counts).pvalue > 1e-4


def test_shuffle_gives_every_permutation_equally_often() -> None:
    rows = shuffle_rows(np.random.Generator(np.random.PCG64(5)), np.tile(np.arange(4), (48_000, 1)))
    assert (np.sort(rows, axis=1) == np.arange(4)).all()
    index = {p: k for k, p in enumerate(permutations(range(4)))}
    counts = np.bincount([index[tuple(r)] for r in rows.tolist()], minlength=24)
    # chi-square goodness of fit over the 24 orders, 23 df; fails at p < 1e-4
    assert stats.chisquare(counts).pvalue > 1e-4
