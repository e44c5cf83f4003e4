"""Power (Zhu & Lakkis 2014 examples, simulation) and crimes prevented."""

from __future__ import annotations

import numpy as np
import pytest

from trial.analysis.cost import bootstrap_prevented, prevented
from trial.analysis.modelfit import ModelFit
from trial.analysis.power import (
    PowerHypothesis,
    minimum_detectable_ratio,
    simulate_power,
    zhu_lakkis_n,
)
from trial.errors import InputError


def test_zhu_lakkis_examples() -> None:
    # Zhu & Lakkis (2014) formula; METHODS examples: mu0 = 10, k = 0.3, alpha .05, 80% power:
    # R = 0.8 about 130 per arm, R = 0.7 about 52; non-inferiority R = 1, M = 1.15 about 320.
    # Hand: V1 = 0.1 + 0.125 + 0.6 = 0.825, V0 = 4/18 + 0.6 = 0.82222,
    # n = (1.959964 sqrt(V0) + 0.841621 sqrt(V1))^2 / ln(0.8)^2 = 129.7
    assert zhu_lakkis_n(10, 0.8, 0.3) == 130
    assert zhu_lakkis_n(10, 0.7, 0.3) == 52
    assert zhu_lakkis_n(10, 1.0, 0.3, margin=1.15) == 318
    assert zhu_lakkis_n(10, 0.8, 0.3, t=2) < 130
    with pytest.raises(InputError):
        zhu_lakkis_n(10, 1.0, 0.3)


def _allocate(n: int) -> object:
    def draw(rng: np.random.Generator) -> np.ndarray:
        return rng.permutation(np.repeat([0, 1], n // 2))

    return draw


def test_simulated_power_is_alpha_under_null_and_high_for_large_effects() -> None:
    rng = np.random.default_rng(5)
    baseline = rng.negative_binomial(3, 3 / 13, size=80)
    h = [PowerHypothesis("H1", ("t", "c"))]
    null = simulate_power(
        baseline,
        theta=3.0,
        allocate=_allocate(80),
        arms=["c", "t"],
        ratios={"t": 1.0},
        hypotheses=h,
        n_sims=150,
        rng=np.random.default_rng(1),
    )
    assert null.power["H1"] <= 0.12 and null.n_failed == 0
    strong = simulate_power(
        baseline,
        theta=3.0,
        allocate=_allocate(80),
        arms=["c", "t"],
        ratios={"t": 0.5},
        hypotheses=h,
        n_sims=60,
        rng=np.random.default_rng(1),
    )
    assert strong.power["H1"] >= 0.9
    assert strong.per_trial.shape == (60, 1)


def test_minimum_detectable_ratio_bisects_a_monotone_power_curve() -> None:
    mdr = minimum_detectable_ratio(lambda r: 1.0 - r, lower=0.1, steps=30)
    assert mdr == pytest.approx(0.2, abs=1e-6)
    assert minimum_detectable_ratio(lambda r: 0.1) is None


def _known_fit() -> ModelFit:
    coef = np.array([np.log(10.0), np.log(0.8)])
    return ModelFit(
        "negative-binomial",
        ("(intercept)", "arm[t]"),
        coef,
        np.eye(2) * 0.01,
        np.full(2, 0.1),
        2.0,
        0.0,
        True,
        1,
        10,
    )


def test_prevented_by_hand() -> None:
    # five treated spots: as control 10 each, as allocated 8 each -> 5 * (10 - 8) = 10 prevented
    X = np.column_stack([np.ones(10), np.repeat([0.0, 1.0], 5)])
    assert prevented(_known_fit(), X, arm_term="arm[t]") == pytest.approx(10.0)
    # an exposure offset of log(0.5) halves every prediction
    off = np.full(10, np.log(0.5))
    assert prevented(_known_fit(), X, arm_term="arm[t]", offset=off) == pytest.approx(5.0)


def test_bootstrap_prevented_interval() -> None:
    rng = np.random.default_rng(8)
    n = 120
    arm = np.tile([0.0, 1.0], n // 2)
    strata = np.repeat([0, 1, 2], n // 3)
    mu = 8.0 * np.where(arm == 1, 0.6, 1.0) * (1 + strata)
    y = rng.negative_binomial(3, 3 / (3 + mu))
    X = np.column_stack([np.ones(n), arm, strata == 1, strata == 2]).astype(float)
    terms = ["(intercept)", "arm[t]", "stratum[1]", "stratum[2]"]
    res = bootstrap_prevented(
        y,
        X,
        terms=terms,
        model="negative-binomial",
        arm_term="arm[t]",
        strata=strata,
        n_resamples=100,
        rng=np.random.default_rng(2),
    )
    assert res.ci_low < res.estimate < res.ci_high
    assert res.excludes_zero and res.estimate > 0 and res.n_failed == 0
    again = bootstrap_prevented(
        y,
        X,
        terms=terms,
        model="negative-binomial",
        arm_term="arm[t]",
        strata=strata,
        n_resamples=100,
        rng=np.random.default_rng(2),
    )
    assert (again.ci_low, again.ci_high) == (res.ci_low, res.ci_high)
