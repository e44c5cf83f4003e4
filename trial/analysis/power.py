"""Power before the trial: Zhu & Lakkis's sample size and simulation of the registered analysis."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from trial.analysis.contrasts import contrast
from trial.analysis.modelfit import FitFailure
from trial.analysis.models import fit
from trial.analysis.multiplicity import adjust
from trial.errors import InputError


def zhu_lakkis_n(
    mu0: float,
    ratio: float,
    k: float,
    t: float = 1.0,
    alpha: float = 0.05,
    power: float = 0.8,
    *,
    margin: float | None = None,
) -> int:
    """Spots per arm for a two-arm negative-binomial comparison of rates (equal allocation).

    Args:
        mu0: control mean count per spot per unit time.
        ratio: true rate ratio R (treated / control).
        k: dispersion, 1/theta.
        t: window length in the units of mu0.
        alpha: two-sided alpha (a one-sided test at alpha/2, as the trial judges them).
        power: 1 - beta.
        margin: non-inferiority margin M: tests H0 R >= M (lower better) with effect ln M - ln R.

    Returns:
        n per arm, rounded up.

    Notes:
        V1 = (1/t)(1/mu0 + 1/(R mu0)) + 2k; V0 = 4 / (t (mu0 + R0 mu0)) + 2k with R0 = R for
        superiority and R0 = M for non-inferiority;
        n = [z_{1-alpha/2} sqrt(V0) + z_{1-beta} sqrt(V1)]^2 / (ln R - ln R0')^2 with R0' = 1
        (superiority) or M. Examples: mu0 = 10, k = 0.3: R = 0.8 needs 130 per arm, R = 0.7 52;
        non-inferiority with R = 1, M = 1.15: 318 (about 320).

    References:
        Zhu, H. & Lakkis, H. (2014). Sample size calculation for comparing two negative binomial
        rates. Statistics in Medicine 33(3), 376-387.
    """
    if mu0 <= 0 or ratio <= 0 or k < 0 or t <= 0 or not 0 < alpha < 1 or not 0 < power < 1:
        raise InputError("need mu0 > 0, ratio > 0, k >= 0, t > 0 and alpha, power in (0, 1)")
    null_ratio = ratio if margin is None else margin
    v1 = (1.0 / t) * (1.0 / mu0 + 1.0 / (ratio * mu0)) + 2.0 * k
    v0 = 4.0 / (t * (mu0 + null_ratio * mu0)) + 2.0 * k
    effect = math.log(ratio) - (0.0 if margin is None else math.log(margin))
    if effect == 0:
        raise InputError("the ratio equals the null value: no sample size detects no effect")
    z_a = float(stats.norm.ppf(1.0 - alpha / 2.0))
    z_b = float(stats.norm.ppf(power))
    return math.ceil((z_a * math.sqrt(v0) + z_b * math.sqrt(v1)) ** 2 / effect**2)


@dataclass(frozen=True)
class PowerHypothesis:
    """One hypothesis to simulate: arm a vs arm b, as registered."""

    id: str
    compare: tuple[str, str]
    test: str = "superiority"
    alternative: str = "two-sided"
    margin: float | None = None
    better: str = "lower"


@dataclass(frozen=True)
class PowerResult:
    """Simulated power.

    Attributes:
        power: share of simulated trials rejecting each hypothesis (after multiplicity).
        n_sims: simulated trials.
        n_fallback: trials whose registered model fell back to poisson-robust.
        n_failed: trials where no model could be fitted (counted as not rejecting).
    """

    power: dict[str, float]
    n_sims: int
    n_fallback: int
    n_failed: int
    per_trial: np.ndarray = field(repr=False)


def simulate_power(
    baseline: np.ndarray,
    *,
    theta: float,
    allocate: Callable[[np.random.Generator], np.ndarray],
    arms: Sequence[str],
    ratios: Mapping[str, float],
    hypotheses: Sequence[PowerHypothesis],
    model: str = "negative-binomial",
    alpha: float = 0.05,
    multiplicity: str = "none",
    n_sims: int = 1000,
    rng: np.random.Generator,
    strata: np.ndarray | None = None,
) -> PowerResult:
    """Simulate the registered analysis on trials drawn from the force's own baselines.

    Args:
        baseline: baseline count per spot; each spot's expected outcome is its baseline
            (a spot with 0 gets 0.5) times its arm's ratio.
        theta: negative-binomial shape of the outcomes.
        allocate: rng -> arm index per spot (index into `arms`), the registered design.
        arms: arm names, the reference first.
        ratios: true rate ratio of each arm (the reference's is 1 when absent).
        hypotheses: the confirmatory hypotheses, in file order.
        model: the registered model.
        alpha: the trial's alpha.
        multiplicity: "holm", "bonferroni", "fixed-sequence" or "none".
        n_sims: simulated trials.
        rng: the random generator.
        strata: stratum label per spot for stratum effects, or None.

    Returns:
        `PowerResult`.
    """
    baseline = np.asarray(baseline, dtype=float)
    base_mu = np.maximum(baseline, 0.5)
    arm_ratio = np.array([ratios.get(a, 1.0) for a in arms])
    fixed = [np.log1p(baseline)]
    fixed_terms = ["log1p_baseline"]
    if strata is not None:
        for level in sorted(set(np.asarray(strata).tolist()))[1:]:
            fixed.append((np.asarray(strata) == level).astype(float))
            fixed_terms.append(f"stratum[{level}]")
    terms = ["(intercept)", *[f"arm[{a}]" for a in arms[1:]], *fixed_terms]
    rejected = np.zeros((n_sims, len(hypotheses)), dtype=bool)
    n_fallback = n_failed = 0
    for s in range(n_sims):
        assignment = np.asarray(allocate(rng))
        mu = base_mu * arm_ratio[assignment]
        y = rng.negative_binomial(theta, theta / (theta + mu))
        arm_cols = (assignment[:, None] == np.arange(1, len(arms))).astype(float)
        X = np.column_stack([np.ones(len(y)), arm_cols, *fixed])
        try:
            result = fit(model, y, X, terms=terms)
        except FitFailure:
            n_failed += 1
            continue
        n_fallback += result.fallback_reason is not None
        tests = [
            contrast(
                result,
                h.compare[0],
                h.compare[1],
                alpha=alpha,
                alternative=h.alternative,
                test=h.test,
                margin=h.margin,
                better=h.better,
            )
            for h in hypotheses
        ]
        adjusted = adjust(
            [c.p_value for c in tests],
            method=multiplicity,
            sided=[c.one_sided for c in tests],
            alpha=alpha,
        )
        rejected[s] = adjusted.reject
    return PowerResult(
        power={h.id: float(rejected[:, j].mean()) for j, h in enumerate(hypotheses)},
        n_sims=n_sims,
        n_fallback=n_fallback,
        n_failed=n_failed,
        per_trial=rejected,
    )


def minimum_detectable_ratio(
    power_at: Callable[[float], float],
    *,
    target: float = 0.8,
    lower: float = 0.3,
    upper: float = 0.999,
    steps: int = 12,
) -> float | None:
    """Largest ratio below 1 whose power reaches `target`, by bisection on `power_at`.

    `power_at(ratio)` should reuse one seed for every ratio (common random numbers), e.g.
    `lambda r: simulate_power(..., ratios={"t": r}, rng=np.random.default_rng(7)).power["H1"]`.
    Returns None when even `lower` falls short.
    """
    if power_at(lower) < target:
        return None
    if power_at(upper) >= target:
        return upper
    lo, hi = lower, upper
    for _ in range(steps):
        mid = (lo + hi) / 2.0
        if power_at(mid) >= target:
            lo = mid
        else:
            hi = mid
    return lo
