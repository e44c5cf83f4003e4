"""Re-draws for randomisation inference: same design, same counts, only the named arms."""

from __future__ import annotations

import numpy as np
import pytest

from tests.design.spots import make_units, stratified_units
from trial.design import (
    DesignSpec,
    Units,
    allocate,
    balance_table,
    generator,
    redraws,
)
from trial.errors import InputError

THREE = ("digital", "physical", "control")


def test_pairwise_redraws_of_two_strata_enumerate_all_36() -> None:
    # two strata of 2 + 2 + 2 spots; re-drawing digital vs physical: C(4,2)^2 = 36
    spec = DesignSpec(THREE, method="stratified", strata=("district",))
    units = stratified_units((6, 6))
    observed = allocate(spec, units, generator(5))
    result = redraws(spec, units, observed, generator(1), n=1_000, arms=("digital", "physical"))
    assert result.exact and result.matrix.shape == (36, 12)
    assert len({tuple(r) for r in result.matrix.tolist()}) == 36
    obs = np.array([THREE.index(a) for a in observed.arms])
    assert (result.matrix == obs).all(axis=1).sum() == 1
    control = obs == 2
    assert (result.matrix[:, control] == 2).all()
    assert (result.matrix[:, ~control] != 2).all()
    labels = np.asarray(units.attributes["district"])
    for label in ("A", "B"):
        assert ((result.matrix[:, labels == label] == 0).sum(axis=1) == 2).all()


def test_enumeration_counts_of_whole_designs() -> None:
    two = DesignSpec(("a", "b"))
    units = make_units(10)
    observed = allocate(two, units, generator(2))
    result = redraws(two, units, observed, generator(1), n=300)
    assert result.exact and len({tuple(r) for r in result.matrix.tolist()}) == 252
    three = DesignSpec(("a", "b", "c"))
    observed = allocate(three, units, generator(2))
    # given the observed counts (4, 3, 3 in some order): 10! / (4! 3! 3!) = 4,200
    result = redraws(three, units, observed, generator(1), n=5_000)
    assert result.exact and result.matrix.shape[0] == 4_200
    strata = DesignSpec(("a", "b", "c"), method="stratified", strata=("district",))
    units9 = stratified_units((3, 3, 3))
    observed = allocate(strata, units9, generator(2))
    result = redraws(strata, units9, observed, generator(1), n=216)
    assert result.exact and len({tuple(r) for r in result.matrix.tolist()}) == 216


def test_sampled_redraws_keep_counts_within_every_stratum() -> None:
    spec = DesignSpec(THREE, (2, 1, 1), method="stratified", strata=("district",))
    units = stratified_units((13, 17, 9, 21))
    observed = allocate(spec, units, generator(3))
    obs = np.array([THREE.index(a) for a in observed.arms])
    labels = np.asarray(units.attributes["district"])
    result = redraws(spec, units, observed, generator(4), n=2_000)
    assert not result.exact and result.matrix.shape == (2_000, 60)
    for label in "ABCD":
        inside = labels == label
        for arm in range(3):
            assert ((result.matrix[:, inside] == arm).sum(axis=1) == (obs[inside] == arm).sum()
                    ).all()
    # re-draws actually move spots: each spot is in each arm about p of the time
    share = (result.matrix == 0).mean(axis=0)
    assert 0.35 < share.min() and share.max() < 0.65


def test_matched_redraws_stay_inside_sets() -> None:
    spec = DesignSpec(THREE, method="matched", strata=("district",), match_on="baseline")
    units = make_units(32, strata=["north", "south"])
    observed = allocate(spec, units, generator(6))
    result = redraws(spec, units, observed, generator(7), n=500, arms=("digital", "control"))
    obs = np.array([THREE.index(a) for a in observed.arms])
    sets = np.array([-1 if s is None else s for s in observed.sets])
    for s in set(sets.tolist()) - {-1}:
        inside = sets == s
        assert (np.sort(result.matrix[:, inside], axis=1) == [0, 1, 2]).all()
    physical = obs == 1
    assert (result.matrix[:, physical] == 1).all()


def test_factorial_main_effect_redraws_within_the_other_factor() -> None:
    arms = ("neither", "digital", "physical", "both")
    spec = DesignSpec(arms)
    units = make_units(16)
    observed = allocate(spec, units, generator(1))
    result = redraws(spec, units, observed, generator(2), n=400,
                     pairs=[("neither", "digital"), ("physical", "both")])
    obs = np.array([arms.index(a) for a in observed.arms])
    physical_level = np.isin(obs, [2, 3])
    assert np.isin(result.matrix[:, physical_level], [2, 3]).all()
    assert np.isin(result.matrix[:, ~physical_level], [0, 1]).all()
    for arm in range(4):
        assert ((result.matrix == arm).sum(axis=1) == (obs == arm).sum()).all()


def test_rerandomised_redraws_meet_the_rule() -> None:
    spec = DesignSpec(("a", "b"), method="rerandomise", balance_on=("baseline", "harm"),
                      max_abs_smd=0.1)
    units = make_units(40)
    observed = allocate(spec, units, generator(1))
    result = redraws(spec, units, observed, generator(2), n=200)
    assert result.matrix.shape == (200, 40)
    for row in result.matrix[:50]:
        table = balance_table(units, [spec.arms[k] for k in row], ["baseline", "harm"],
                              arm_order=spec.arms)
        assert max(abs(r.smd) for r in table) <= 0.1


def test_rerandomised_small_design_enumerates_only_acceptable_allocations() -> None:
    values = [1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 21.0, 34.0]
    units = Units(tuple(f"s{i}" for i in range(8)), {"x": values})
    spec = DesignSpec(("a", "b"), method="rerandomise", balance_on=("x",), max_abs_smd=0.1)
    observed = allocate(spec, units, generator(3))
    result = redraws(spec, units, observed, generator(1), n=100)
    # 8 of the 70 splits meet the rule (enumerated in test_rerandomise)
    assert result.exact and result.matrix.shape == (8, 8)


def test_unknown_pair_is_an_input_error() -> None:
    spec = DesignSpec(THREE)
    units = make_units(9)
    observed = allocate(spec, units, generator(1))
    with pytest.raises(InputError, match="pair"):
        redraws(spec, units, observed, generator(1), n=10, arms=("digital", "digitl"))


def test_10000_redraws_of_a_300_spot_stratified_three_arm_design() -> None:
    # Speed is measured in benchmarks/ beside a peer; here: shape and design at full size.
    spec = DesignSpec(THREE, method="stratified", strata=("district",))
    units = make_units(300, strata=[f"d{k}" for k in range(7)])
    observed = allocate(spec, units, generator(1))
    r = redraws(spec, units, observed, generator(2), n=10_000)
    assert r.matrix.shape == (10_000, 300) and not r.exact
    pair = redraws(spec, units, observed, generator(2), n=10_000, arms=("digital", "control"))
    obs = np.array([spec.arms.index(a) for a in observed.arms])
    fixed = obs == spec.arms.index("physical")
    assert (pair.matrix[:, fixed] == obs[fixed]).all()
