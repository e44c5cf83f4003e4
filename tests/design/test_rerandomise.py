"""Rerandomisation: the rule holds, draws are counted, strictness is reported before drawing."""

from __future__ import annotations

import math
from itertools import combinations
from statistics import mean, variance

import numpy as np
import pytest
from scipy import stats

from tests.design.spots import make_units, stratified_units
from trial.design import (
    DesignSpec,
    Units,
    allocate,
    balance_table,
    check_rerandomisation,
    generator,
    simulate_allocations,
)
from trial.design.procedure import BATCH, base_batch, lay_out
from trial.errors import InputError, RefusedError


def smd(a: list[float], b: list[float]) -> float:
    return (mean(a) - mean(b)) / math.sqrt((variance(a) + variance(b)) / 2)


def test_balance_table_by_hand() -> None:
    units = Units(("p", "q", "r", "s", "t"), {"x": [1.0, 4.0, 2.0, 6.0, 3.0]})
    rows = balance_table(units, ["a", "b", "a", "b", "a"], ["x"], arm_order=["a", "b"])
    assert len(rows) == 1
    row = rows[0]
    # a: 1, 2, 3 (mean 2, var 1); b: 4, 6 (mean 5, var 2); SMD = -3 / sqrt(1.5)
    assert (row.arm_a, row.arm_b, row.mean_a, row.mean_b) == ("a", "b", 2.0, 5.0)
    assert row.sd_a == pytest.approx(1.0) and row.sd_b == pytest.approx(math.sqrt(2))
    assert row.smd == pytest.approx(-2.449489742783178, rel=1e-12)


@pytest.mark.parametrize("strata", [(), ("district",)])
def test_rerandomised_draws_meet_the_smd_rule(strata: tuple[str, ...]) -> None:
    spec = DesignSpec(("a", "b", "c"), method="rerandomise", strata=strata,
                      balance_on=("baseline", "harm"), max_abs_smd=0.15)
    units = make_units(60, strata=["north", "south"])
    for seed in range(30):
        allocation = allocate(spec, units, generator(seed))
        table = balance_table(units, allocation.arms, ["baseline", "harm"],
                              arm_order=spec.arms)
        assert len(table) == 6
        assert max(abs(row.smd) for row in table) <= 0.15
        assert allocation.draws_tried >= 1
        counts = [allocation.arms.count(a) for a in spec.arms]
        assert counts == [20, 20, 20]


def test_draws_tried_counts_the_candidates_up_to_the_first_accepted() -> None:
    spec = DesignSpec(("a", "b"), method="rerandomise", balance_on=("baseline", "harm"),
                      max_abs_smd=0.03)
    units = make_units(40)
    allocation = allocate(spec, units, generator(8))
    layout = lay_out(spec, units)
    rng = generator(8)
    assert layout.rule is not None
    candidates = np.concatenate([base_batch(layout, rng, BATCH)
                                 for _ in range(math.ceil(allocation.draws_tried / BATCH))])
    accepted = layout.rule(candidates)
    assert allocation.draws_tried > 1
    assert not accepted[: allocation.draws_tried - 1].any()
    assert accepted[allocation.draws_tried - 1]
    kept = candidates[allocation.draws_tried - 1]
    assert allocation.arms == tuple(spec.arms[k] for k in kept)


def test_mahalanobis_rule_matches_morgan_rubin_for_two_arms() -> None:
    spec = DesignSpec(("t", "c"), method="rerandomise", balance_on=("baseline", "harm"),
                      criterion="mahalanobis", acceptance=0.05)
    units = make_units(50)
    x = np.column_stack([units.attributes["baseline"], units.attributes["harm"]])
    threshold = stats.chi2.ppf(0.05, 2)
    for seed in range(20):
        arms = np.asarray(allocate(spec, units, generator(seed)).arms)
        t, c = x[arms == "t"], x[arms == "c"]
        diff = t.mean(axis=0) - c.mean(axis=0)
        # Morgan & Rubin (2012) eq. 3: M = d' [cov(X) (1/n_t + 1/n_c)]^-1 d
        m = diff @ np.linalg.inv(np.cov(x, rowvar=False) * (1 / len(t) + 1 / len(c))) @ diff
        assert m <= threshold


def test_max_draws_is_a_clear_refusal() -> None:
    spec = DesignSpec(("a", "b"), method="rerandomise", balance_on=("baseline",),
                      max_abs_smd=1e-9, max_draws=100)
    with pytest.raises(RefusedError, match=r"100 draws.*loosen design\.max_abs_smd"):
        allocate(spec, make_units(41), generator(1))
    strict = DesignSpec(("a", "b"), method="rerandomise", balance_on=("baseline", "harm"),
                        criterion="mahalanobis", acceptance=1e-12, max_draws=50)
    with pytest.raises(RefusedError, match="raise design.acceptance"):
        allocate(strict, make_units(41), generator(1))


def test_missing_covariate_is_an_input_error() -> None:
    spec = DesignSpec(("a", "b"), method="rerandomise", balance_on=("footfall",))
    with pytest.raises(InputError, match="footfall"):
        allocate(spec, make_units(10), generator(1))


def test_check_on_a_design_small_enough_to_enumerate() -> None:
    values = [1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 21.0, 34.0]
    units = Units(tuple(f"s{i}" for i in range(8)), {"x": values})
    spec = DesignSpec(("a", "b"), method="rerandomise", balance_on=("x",), max_abs_smd=0.1)
    acceptable = 0
    for chosen in combinations(range(8), 4):
        a = [values[i] for i in chosen]
        b = [values[i] for i in range(8) if i not in chosen]
        acceptable += abs(smd(a, b)) <= 0.1
    assert acceptable == 8  # enumerated above: 8 of the 70 splits
    check = check_rerandomisation(spec, units, generator(3), n_draws=20_000)
    assert check.total_allocations == 70 and check.total_exact
    p = acceptable / 70
    # binomial check at |z| < 4.5
    assert abs(check.accepted - 20_000 * p) < 4.5 * math.sqrt(20_000 * p * (1 - p))
    assert check.acceptance_rate == check.accepted / 20_000
    assert check.acceptable_estimate == pytest.approx(check.acceptance_rate * 70)
    assert check.min_p_value == pytest.approx(1 / check.acceptable_estimate)
    assert check.predictable and check.warning is not None and "predictable" in check.warning


def test_check_of_a_loose_rule_is_not_predictable() -> None:
    spec = DesignSpec(("a", "b", "c"), method="rerandomise", strata=("district",),
                      balance_on=("baseline", "harm"), max_abs_smd=0.2)
    units = stratified_units((20, 20, 20))
    check = check_rerandomisation(spec, units, generator(3), n_draws=2_000)
    assert 0 < check.acceptance_rate < 1
    assert check.total_allocations == math.factorial(20) ** 3 // (
        math.factorial(7) ** 6 * math.factorial(6) ** 3) * 6
    assert not check.predictable and check.warning is None


def test_check_with_no_acceptable_draw_warns() -> None:
    spec = DesignSpec(("a", "b"), method="rerandomise", balance_on=("baseline",),
                      max_abs_smd=1e-9)
    check = check_rerandomisation(spec, make_units(41), generator(3), n_draws=500)
    assert check.accepted == 0 and check.predictable
    assert check.warning is not None and "too strict" in check.warning


def test_factorial_arms_rerandomise() -> None:
    arms = ("neither", "digital", "physical", "both")
    spec = DesignSpec(arms, method="rerandomise", balance_on=("baseline",), max_abs_smd=0.2)
    units = make_units(42)
    for seed in range(10):
        allocation = allocate(spec, units, generator(seed))
        table = balance_table(units, allocation.arms, ["baseline"], arm_order=arms)
        assert len(table) == 6 and max(abs(r.smd) for r in table) <= 0.2
        assert sorted(allocation.arms.count(a) for a in arms) in ([10, 10, 11, 11],)


def test_simulated_allocations_follow_the_full_procedure() -> None:
    spec = DesignSpec(("a", "b"), method="rerandomise", balance_on=("baseline", "harm"),
                      max_abs_smd=0.1)
    units = make_units(41)
    matrix = simulate_allocations(spec, units, generator(4), n=300)
    assert matrix.shape == (300, 41)
    # counts are re-drawn: 20/21 and 21/20 both occur
    assert set((matrix == 0).sum(axis=1).tolist()) == {20, 21}
    for row in matrix[:40]:
        table = balance_table(units, [spec.arms[k] for k in row], ["baseline", "harm"],
                              arm_order=spec.arms)
        assert max(abs(r.smd) for r in table) <= 0.1
