"""Randomisation inference: the batched refit equals the single fit; p-value counting rules."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from trial.analysis.batched import fit_batched
from trial.analysis.inference import arm_columns, extreme, randomisation_test, redraw_within
from trial.analysis.models import fit
from trial.errors import InputError

MODELS = ("negative-binomial", "poisson-robust", "log-linear")


def _trial(
    seed: int, n_per_cell: int = 10
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    strata = np.repeat(np.arange(3), 3 * n_per_cell)
    observed = np.concatenate([rng.permutation(np.repeat([0, 1, 2], n_per_cell)) for _ in range(3)])
    base = rng.negative_binomial(2, 2 / 12, size=len(strata))
    mu = np.exp(1.0 + 0.3 * np.log1p(base) + 0.2 * strata) * np.where(observed == 2, 0.7, 1.0)
    y = rng.negative_binomial(2, 2 / (2 + mu))
    F = np.column_stack([np.ones(len(y)), np.log1p(base), strata == 1, strata == 2]).astype(float)
    terms = ["(intercept)", "log1p_baseline", "stratum[1]", "stratum[2]"]
    return y, F, observed, terms, strata


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_batched_refits_equal_single_fits(model: str, seed: int) -> None:
    y, F, observed, terms, strata = _trial(seed)
    rng = np.random.default_rng(seed)
    redraws = redraw_within(observed, arms_involved=(0, 2), blocks=strata, n_redraws=8, rng=rng)
    allocations = np.vstack([observed, redraws])
    batch = fit_batched(model, y, arm_columns(allocations, 3), F)
    assert batch.converged.all()
    for r, allocation in enumerate(allocations):
        X = np.column_stack([arm_columns(allocation, 3), F])
        single = fit(model, y, X, terms=["a1", "a2", *terms], fallback=None)
        np.testing.assert_allclose(batch.coef[r], single.coef, rtol=0, atol=1e-8)
        if single.theta is not None:
            assert batch.theta is not None
            assert batch.theta[r] == pytest.approx(single.theta, rel=1e-8)


def test_redraws_keep_other_arms_and_counts_within_blocks() -> None:
    _, _, observed, _, strata = _trial(4)
    redraws = redraw_within(
        observed,
        arms_involved=(0, 2),
        blocks=strata,
        n_redraws=200,
        rng=np.random.default_rng(0),
    )
    assert np.all(redraws[:, observed == 1] == 1)
    for s in range(3):
        counts = (redraws[:, strata == s] == 2).sum(axis=1)
        assert np.all(counts == 10)
    assert len({r.tobytes() for r in redraws}) > 150


def test_p_value_counts_observed_and_ties() -> None:
    d_star = np.array([0.5, -0.5, 0.5 - 1e-12, 0.1, -0.7])
    assert extreme(d_star, 0.5, "two-sided").tolist() == [True, True, True, False, True]
    assert extreme(d_star, -0.5, "less").tolist() == [False, True, False, False, True]
    assert extreme(d_star, 0.5, "greater").tolist() == [True, False, True, False, False]


def test_randomisation_p_value_and_exact_enumeration() -> None:
    # Two arms of 4 spots, one block: all C(8,4) = 70 allocations enumerated; the observed
    # allocation puts the four largest counts in arm 1, so only it and its mirror image (for the
    # two-sided log-linear test, |d*| equal by symmetry of the design) are as extreme.
    y = np.array([0.0, 3, 1, 8, 9, 25, 14, 40])
    observed = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    allocations = []
    for chosen in itertools.combinations(range(8), 4):
        a = np.zeros(8, dtype=int)
        a[list(chosen)] = 1
        allocations.append(a)
    redraws = np.array(allocations)
    res = randomisation_test(
        y,
        np.ones((8, 1)),
        fixed_terms=["(intercept)"],
        arms=["c", "t"],
        observed=observed,
        redraws=redraws,
        arm_a="t",
        arm_b="c",
        model="log-linear",
        exact=True,
    )
    assert res.n_redraws == 70 and res.n_extreme == 2
    assert res.p_value == pytest.approx(2 / 70)
    one = randomisation_test(
        y,
        np.ones((8, 1)),
        fixed_terms=["(intercept)"],
        arms=["c", "t"],
        observed=observed,
        redraws=redraws,
        arm_a="t",
        arm_b="c",
        model="negative-binomial",
        alternative="greater",
        exact=True,
    )
    assert one.n_extreme == 1 and one.p_value == pytest.approx(1 / 70)
    sampled = randomisation_test(
        y,
        np.ones((8, 1)),
        fixed_terms=["(intercept)"],
        arms=["c", "t"],
        observed=observed,
        redraws=redraws[:9],
        arm_a="t",
        arm_b="c",
        model="poisson-robust",
    )
    assert sampled.p_value == pytest.approx((1 + sampled.n_extreme) / 10)


def test_randomisation_input_problems() -> None:
    y, F, observed, terms, _ = _trial(5)
    with pytest.raises(InputError) as err:
        randomisation_test(
            y,
            F,
            fixed_terms=terms,
            arms=["c", "d", "p"],
            observed=observed,
            redraws=np.full((3, len(y)), 7),
            arm_a="p",
            arm_b="p",
            model="nb",
        )
    assert len(err.value.problems) == 3


@pytest.mark.slow
def test_ten_thousand_negative_binomial_redraws_run_in_seconds() -> None:
    # 300 spots, 3 arms, 5 strata, NB with baseline: 10,000 re-draws refitted in one batch.

    rng = np.random.default_rng(1)
    strata = np.repeat(np.arange(5), 60)
    observed = np.concatenate([rng.permutation(np.repeat([0, 1, 2], 20)) for _ in range(5)])
    base = rng.negative_binomial(2, 2 / 12, size=300)
    mu = np.exp(1.5 + 0.2 * np.log1p(base) + 0.1 * strata) * np.where(observed == 2, 0.8, 1.0)
    y = rng.negative_binomial(2, 2 / (2 + mu))
    F = np.column_stack(
        [np.ones(300), np.log1p(base)] + [(strata == s).astype(float) for s in range(1, 5)]
    )
    terms = ["(intercept)", "log1p_baseline"] + [f"stratum[{s}]" for s in range(1, 5)]
    redraws = redraw_within(
        observed, arms_involved=(0, 2), blocks=strata, n_redraws=10_000, rng=rng
    )
    res = randomisation_test(
        y,
        F,
        fixed_terms=terms,
        arms=["c", "d", "p"],
        observed=observed,
        redraws=redraws,
        arm_a="p",
        arm_b="c",
        model="negative-binomial",
    )
    assert res.n_redraws == 10_000 and res.n_not_converged == 0
    assert 0 < res.p_value < 0.05
