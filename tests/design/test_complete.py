"""Complete randomisation: counts, exact marginal probabilities, allocation counts."""

from __future__ import annotations

import numpy as np
import pytest

from tests.design.spots import make_units, z_scores
from trial.design import DesignSpec, allocate, count_allocations, generator
from trial.design.complete import complete_batch, possible_counts, systematic_counts

Z_LIMIT = 4.5  # two-sided p about 7e-6 per check


@pytest.mark.parametrize(("ratios", "n"), [((1, 1), 10), ((1, 1, 1), 10), ((19, 26, 55), 10),
                                           ((2, 1, 1), 7), ((1, 1, 1, 1), 14), ((3, 2), 9)])
def test_every_spot_gets_one_arm_and_counts_are_within_one(ratios: tuple[int, ...],
                                                            n: int) -> None:
    arms = tuple("abcd"[: len(ratios)])
    spec = DesignSpec(arms, ratios)
    units = make_units(n)
    target = n * np.asarray(ratios) / sum(ratios)
    for seed in range(200):
        allocation = allocate(spec, units, generator(seed))
        assert len(allocation.arms) == n
        assert set(allocation.arms) <= set(arms)
        counts = np.array([allocation.arms.count(a) for a in arms])
        assert (np.abs(counts - target) < 1).all()
        assert allocation.draws_tried == 1
        assert allocation.strata == (None,) * n and allocation.sets == (None,) * n


def test_allocate_is_the_batch_procedure_with_one_row() -> None:
    spec = DesignSpec(("a", "b", "c"), (19, 26, 55))
    units = make_units(10)
    for seed in range(20):
        one = allocate(spec, units, generator(seed))
        batch = complete_batch((19, 26, 55), 10, generator(seed), 1)[0]
        assert one.arms == tuple("abc"[k] for k in batch)


@pytest.mark.parametrize(("ratios", "n"), [((19, 26, 55), 10), ((2, 1, 1), 7), ((1, 1, 1), 10)])
def test_leftovers_keep_expected_counts_exact(ratios: tuple[int, ...], n: int) -> None:
    # every systematic start u = 0..sum(r)-1 is equally likely: the mean count is n p_a exactly
    counts = systematic_counts(n, ratios, np.arange(sum(ratios)))
    assert counts.sum(axis=0).tolist() == [n * r for r in ratios]


@pytest.mark.parametrize(("ratios", "n"), [((19, 26, 55), 10), ((2, 1, 1), 7)])
def test_marginal_probabilities_over_20000_draws(ratios: tuple[int, ...], n: int) -> None:
    draws = complete_batch(ratios, n, generator(20240108), 20_000)
    for a, r in enumerate(ratios):
        p = r / sum(ratios)
        hits = (draws == a).sum(axis=0)
        assert np.abs(z_scores(hits, 20_000, p)).max() < Z_LIMIT
        # pooled over spots: randomizr's one-at-a-time leftovers give (.179, .265, .556) for
        # 19:26:55 at n = 10, which this detects at z > 30
        mean_count = (draws == a).sum(axis=1)
        se = mean_count.std(ddof=1) / np.sqrt(20_000)
        assert abs(mean_count.mean() - n * p) < Z_LIMIT * se + 1e-12


def test_19_26_55_counts() -> None:
    assert possible_counts(10, (19, 26, 55)) == [(2, 3, 5), (2, 2, 6), (1, 3, 6)]


def test_allocation_counts() -> None:
    # METHODS.md 1: n=10 into 5/5: 252; three equal arms: 12,600 (4,200 per arm with the 4th)
    assert count_allocations(DesignSpec(("a", "b")), make_units(10)) == 252
    assert count_allocations(DesignSpec(("a", "b", "c")), make_units(10)) == 12_600


def test_draws_reach_every_allocation_of_a_small_design() -> None:
    draws = complete_batch((1, 1), 6, generator(1), 4_000)
    assert len({tuple(r) for r in draws.tolist()}) == 20 == count_allocations(
        DesignSpec(("a", "b")), make_units(6))
