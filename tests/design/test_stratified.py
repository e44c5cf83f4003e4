"""Stratified randomisation: complete within strata, totals coordinated across them."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from tests.design.spots import stratified_units, z_scores
from trial.design import DesignSpec, allocate, count_allocations, generator
from trial.design.spec import groups_of
from trial.design.stratified import ControlledRounding, State, stratified_batch

Z_LIMIT = 4.5  # two-sided p about 7e-6 per check

CASES = [((4, 5, 7, 2), (1, 1, 1)), ((4, 5, 7, 2), (2, 1, 1)), ((3, 3, 3, 3, 3), (19, 26, 55)),
         ((1, 1, 1, 1, 1, 1, 1), (1, 1, 1)), ((5, 6, 7), (1, 1, 1, 1)), ((10, 1), (3, 2))]


def expected_tables(sizes: tuple[int, ...], ratios: tuple[int, ...]) -> np.ndarray:
    """E[counts] of the rounding, exactly, by walking every branch with its probability."""
    rounding = ControlledRounding(sizes, ratios)
    mean = np.zeros((len(sizes), len(ratios)), dtype=object)

    def walk(state: State, weight: Fraction) -> None:
        step = rounding.step(state)
        if step is None:
            nonlocal mean
            mean = mean + rounding.counts(state).astype(object) * weight
            return
        plus, minus, d1, d2 = step
        walk(plus, weight * Fraction(d2, d1 + d2))
        walk(minus, weight * Fraction(d1, d1 + d2))

    walk(rounding.start, Fraction(1))
    return mean


@pytest.mark.parametrize(("sizes", "ratios"), CASES[:4])
def test_rounding_keeps_every_stratum_expectation_exactly(sizes: tuple[int, ...],
                                                          ratios: tuple[int, ...]) -> None:
    mean = expected_tables(sizes, ratios)
    for s, size in enumerate(sizes):
        for a, r in enumerate(ratios):
            assert mean[s, a] == Fraction(size * r, sum(ratios))


@pytest.mark.parametrize(("sizes", "ratios"), CASES)
def test_counts_within_one_in_every_stratum_and_overall(sizes: tuple[int, ...],
                                                        ratios: tuple[int, ...]) -> None:
    arms = tuple("abcd"[: len(ratios)])
    spec = DesignSpec(arms, ratios, method="stratified", strata=("district",))
    units = stratified_units(sizes)
    p = np.asarray(ratios) / sum(ratios)
    labels = units.attributes["district"]
    for seed in range(150):
        allocation = allocate(spec, units, generator(seed))
        assert allocation.strata == tuple(labels)
        got = np.array(allocation.arms)
        overall = np.array([(got == a).sum() for a in arms])
        assert (np.abs(overall - len(got) * p) < 1).all()
        for label, size in zip(sorted(set(labels)), sizes, strict=True):
            inside = got[np.asarray(labels) == label]
            counts = np.array([(inside == a).sum() for a in arms])
            assert counts.sum() == size
            assert (np.abs(counts - size * p) < 1).all()


def test_randomizr_35_three_arms_many_strata_of_one_leftover() -> None:
    # ten strata of 4 spots, three arms: each stratum has one leftover; independent leftovers
    # would often give one arm 16 of 40, coordinated ones never more than 14
    units = stratified_units((4,) * 10)
    groups = groups_of(list(units.attributes["district"]), 40)
    draws = stratified_batch(groups, (1, 1, 1), 40, generator(3), 5_000)
    totals = np.stack([(draws == a).sum(axis=1) for a in range(3)], axis=1)
    assert totals.min() >= 13 and totals.max() <= 14


@pytest.mark.parametrize(("sizes", "ratios"), [((4, 5, 7, 2), (1, 1, 1)),
                                               ((3, 3, 4), (2, 1, 1))])
def test_within_stratum_marginal_probabilities_over_20000_draws(
        sizes: tuple[int, ...], ratios: tuple[int, ...]) -> None:
    units = stratified_units(sizes)
    n = len(units)
    groups = groups_of(list(units.attributes["district"]), n)
    draws = stratified_batch(groups, ratios, n, generator(11), 20_000)
    for a, r in enumerate(ratios):
        hits = (draws == a).sum(axis=0)
        assert np.abs(z_scores(hits, 20_000, r / sum(ratios))).max() < Z_LIMIT


def test_allocate_is_the_batch_procedure_with_one_row() -> None:
    spec = DesignSpec(("a", "b", "c"), method="stratified", strata=("district",))
    units = stratified_units((4, 5, 7, 2))
    groups = groups_of(list(units.attributes["district"]), len(units))
    for seed in range(10):
        row = stratified_batch(groups, (1, 1, 1), len(units), generator(seed), 1)[0]
        assert allocate(spec, units, generator(seed)).arms == tuple("abc"[k] for k in row)


def test_allocation_counts() -> None:
    # METHODS.md 1: three strata of three spots, three arms: (3!)^3 = 216
    spec = DesignSpec(("a", "b", "c"), method="stratified", strata=("district",))
    assert count_allocations(spec, stratified_units((3, 3, 3))) == 216
    # two strata of 3 into two arms: each stratum 2+1 or 1+2, totals 3+3 force opposite
    # choices: 2 tables x 3 x 3 spots' arrangements
    two = DesignSpec(("a", "b"), method="stratified", strata=("district",))
    assert count_allocations(two, stratified_units((3, 3))) == 18
    draws = stratified_batch(groups_of(["A"] * 3 + ["B"] * 3, 6), (1, 1), 6, generator(2), 3_000)
    assert len({tuple(r) for r in draws.tolist()}) == 18


def test_stratum_labels_join_attributes_in_strata_order() -> None:
    units = stratified_units((2, 2))
    attributes = dict(units.attributes)
    attributes["beat"] = [1, 2, 1, 2]
    from trial.design import Units

    units = Units(units.spot_ids, attributes)
    spec = DesignSpec(("a", "b"), method="stratified", strata=("beat", "district"))
    allocation = allocate(spec, units, generator(1))
    assert allocation.strata == ("1 | A", "2 | A", "1 | B", "2 | B")


def test_too_many_strata_to_count_is_refused_or_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    import trial.design.stratified as stratified
    from trial.design import check_rerandomisation
    from trial.errors import RefusedError

    monkeypatch.setattr(stratified, "COUNTED_STATES", 50)
    units = stratified_units((4, 5, 7, 2, 5, 4, 7, 5))
    spec = DesignSpec(("a", "b", "c"), method="stratified", strata=("district",))
    with pytest.raises(RefusedError, match="at least"):
        count_allocations(spec, units)
    rerandomised = DesignSpec(("a", "b", "c"), method="rerandomise", strata=("district",),
                              balance_on=("baseline",), max_abs_smd=0.3)
    check = check_rerandomisation(rerandomised, units, generator(1), n_draws=200)
    assert not check.total_exact
    monkeypatch.setattr(stratified, "COUNTED_STATES", 20_000)
    exact = count_allocations(spec, units)
    assert 0 < check.total_allocations < exact
