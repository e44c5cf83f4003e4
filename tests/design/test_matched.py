"""Matched sets: formed by match_on within strata, each holding every arm by its ratio."""

from __future__ import annotations

import numpy as np
import pytest

from tests.design.spots import z_scores
from trial.design import DesignSpec, Units, allocate, count_allocations, generator
from trial.design.matched import form_sets, matched_batch
from trial.design.spec import groups_of

Z_LIMIT = 4.5  # two-sided p about 7e-6 per check


def matched_units(n: int, seed: int = 3) -> Units:
    rs = np.random.default_rng(seed)
    return Units(tuple(f"h{i:02d}" for i in range(n)),
                 {"baseline": [float(v) for v in rs.poisson(6, n)],
                  "district": [["north", "south", "east"][i % 3] for i in range(n)]})


@pytest.mark.parametrize(("ratios", "strata"), [((1, 1), ()), ((1, 1, 1), ("district",)),
                                                ((2, 1, 1), ("district",)), ((1, 1, 1, 1), ())])
def test_sets_hold_each_arm_per_ratio_and_are_neighbours(ratios: tuple[int, ...],
                                                         strata: tuple[str, ...]) -> None:
    arms = tuple("abcd"[: len(ratios)])
    spec = DesignSpec(arms, ratios, method="matched", strata=strata, match_on="baseline")
    units = matched_units(29)
    values = np.asarray(units.attributes["baseline"])
    labels = (list(units.attributes["district"]) if strata else ["all"] * 29)
    size = sum(ratios)
    for seed in range(100):
        allocation = allocate(spec, units, generator(seed))
        got = np.asarray(allocation.arms)
        sets = allocation.sets
        numbered = sorted({s for s in sets if s is not None})
        assert numbered == list(range(1, len(numbered) + 1))
        next_set = 1
        for label in sorted(set(labels)):
            # the stratum's order on (match_on, spot_id); sets are consecutive runs of it
            order = sorted((v, sid, i) for i, (v, sid, lab) in
                           enumerate(zip(values, units.spot_ids, labels, strict=True))
                           if lab == label)
            full = len(order) // size * size
            for start in range(0, full, size):
                members = [i for _, _, i in order[start:start + size]]
                assert {sets[i] for i in members} == {next_set}
                assert sorted(got[members].tolist()) == sorted(
                    a for a, r in zip(arms, ratios, strict=True) for _ in range(r))
                next_set += 1
            assert all(sets[i] is None for _, _, i in order[full:])
        leftovers = [i for i, s in enumerate(sets) if s is None]
        counts = np.array([(got[leftovers] == a).sum() for a in arms])
        assert (np.abs(counts - len(leftovers) * np.asarray(ratios) / size) < 1).all()


def test_ties_on_match_on_are_broken_by_spot_id() -> None:
    units = Units(("a1", "a2", "b1", "b2"), {"x": [5.0, 1.0, 5.0, 1.0]})
    spec = DesignSpec(("t", "c"), method="matched", match_on="x")
    allocation = allocate(spec, units, generator(0))
    assert allocation.sets == (2, 1, 2, 1)


def test_leftover_marginal_probabilities_over_20000_draws() -> None:
    # three strata of 10, 2:1:1 sets of 4: two leftovers per stratum, six pooled: 3 / 1.5 / 1.5
    units = matched_units(30)
    groups = groups_of(list(units.attributes["district"]), 30)
    sets = form_sets(groups, np.asarray(units.attributes["baseline"]), 4)
    assert sets.leftovers.size == 6
    draws = matched_batch(sets, (2, 1, 1), 30, generator(4), 20_000)
    for a, p in enumerate((0.5, 0.25, 0.25)):
        hits = (draws == a).sum(axis=0)
        assert np.abs(z_scores(hits, 20_000, p)).max() < Z_LIMIT


def test_allocation_counts() -> None:
    # 29 spots, sets of 3 within three strata (10, 10, 9): 3 + 3 + 3 sets and 2 leftovers;
    # each set 3! ways, the leftovers (1,1,0)-type counts: 3 vectors x 2 arrangements
    spec = DesignSpec(("a", "b", "c"), method="matched", strata=("district",),
                      match_on="baseline")
    assert count_allocations(spec, matched_units(29)) == 6**9 * 6
