"""Contrasts of arms on one fit: ratio, Wald interval, p-values, non-inferiority."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from trial.analysis.modelfit import ModelFit
from trial.errors import InputError, Problem

ALTERNATIVES = ("two-sided", "less", "greater")
TESTS = ("superiority", "non-inferiority")


@dataclass(frozen=True)
class Contrast:
    """The effect of arm a relative to arm b on one fit.

    Attributes:
        estimate: the ratio exp(d) (below 1: less of the outcome in a).
        ci_low, ci_high: two-sided 1 - alpha Wald interval of the ratio.
        log_ratio: d = beta_a - beta_b.
        se: standard error of d.
        p_value: for the registered alternative, or the non-inferiority p.
        alpha: the trial's alpha.
        alternative: "two-sided", "less" or "greater" (non-inferiority: the side it tests).
        test: "superiority" or "non-inferiority".
        margin: the non-inferiority margin (ratio), else None.
        significant: p_value at most alpha (two-sided) or alpha/2 (one-sided, non-inferiority),
            before any multiplicity adjustment.
    """

    estimate: float
    ci_low: float
    ci_high: float
    log_ratio: float
    se: float
    p_value: float
    alpha: float
    alternative: str
    test: str
    margin: float | None
    significant: bool

    @property
    def one_sided(self) -> bool:
        """Whether the p-value is one-sided (it enters multiplicity as min(1, 2p))."""
        return self.test == "non-inferiority" or self.alternative != "two-sided"

    @property
    def summary(self) -> pd.DataFrame:
        """The contrast as a one-row table."""
        return pd.DataFrame([self.__dict__])


def _check(alpha: float, alternative: str, test: str, margin: float | None, better: str) -> None:
    problems: list[Problem] = []
    if not 0 < alpha < 1:
        problems.append(Problem(f"alpha must be between 0 and 1, got {alpha}", field="alpha"))
    if alternative not in ALTERNATIVES:
        problems.append(Problem(f"alternative must be one of {ALTERNATIVES}", field="alternative"))
    if test not in TESTS:
        problems.append(Problem(f"test must be one of {TESTS}", field="test"))
    if better not in ("lower", "higher"):
        problems.append(Problem("better must be 'lower' or 'higher'", field="better"))
    if test == "non-inferiority":
        if margin is None or not np.isfinite(margin) or margin <= 0:
            problems.append(Problem("non-inferiority needs a margin > 0", field="margin"))
        elif (better == "lower") != (margin > 1):
            side = "above" if better == "lower" else "below"
            problems.append(
                Problem(f"where {better} is better the margin must be {side} 1", field="margin")
            )
    if problems:
        raise InputError(problems)


def linear_contrast(
    fit: ModelFit,
    weights: Mapping[str, float],
    *,
    alpha: float = 0.05,
    alternative: str = "two-sided",
    test: str = "superiority",
    margin: float | None = None,
    better: str = "lower",
) -> Contrast:
    """Test d = sum_j w_j beta_j on a fit (the general form behind `contrast`).

    Notes:
        Var(d) = w' V w. Wald interval exp(d -+ z_{1-alpha/2} SE), always two-sided.
        p: two-sided 2(1 - Phi(|d|/SE)); "less" Phi(d/SE); "greater" 1 - Phi(d/SE).
        Non-inferiority, lower better: H0 exp(d) >= M, p = Phi((d - ln M)/SE); higher better:
        H0 exp(d) <= M, p = 1 - Phi((d - ln M)/SE). One-sided tests and non-inferiority are
        judged at alpha/2, so non-inferiority holds exactly when the interval excludes M.

    References:
        ICH E9 (1998), Statistical principles for clinical trials, 5.5; Piaggio, G. et al. (2012).
        Reporting of noninferiority and equivalence randomized trials: extension of the CONSORT
        2010 statement. JAMA 308(24).
    """
    _check(alpha, alternative, test, margin, better)
    w = np.zeros(len(fit.terms))
    for term, value in weights.items():
        w[fit.index_of(term)] = value
    d = float(w @ fit.coef)
    se = float(np.sqrt(w @ fit.vcov @ w))
    z_crit = float(stats.norm.ppf(1.0 - alpha / 2.0))
    if test == "non-inferiority":
        assert margin is not None
        shifted = (d - np.log(margin)) / se
        p = float(stats.norm.cdf(shifted) if better == "lower" else stats.norm.sf(shifted))
        alternative = "less" if better == "lower" else "greater"
    elif alternative == "two-sided":
        p = float(2.0 * stats.norm.sf(abs(d) / se))
    elif alternative == "less":
        p = float(stats.norm.cdf(d / se))
    else:
        p = float(stats.norm.sf(d / se))
    level = alpha if (test == "superiority" and alternative == "two-sided") else alpha / 2.0
    return Contrast(
        estimate=float(np.exp(d)),
        ci_low=float(np.exp(d - z_crit * se)),
        ci_high=float(np.exp(d + z_crit * se)),
        log_ratio=d,
        se=se,
        p_value=p,
        alpha=alpha,
        alternative=alternative,
        test=test,
        margin=margin,
        significant=p <= level,
    )


def arm_weights(fit: ModelFit, arm_a: str, arm_b: str) -> dict[str, float]:
    """Coefficient weights of arm a minus arm b; an arm without an `arm[...]` term is the
    reference (coefficient 0). Raises InputError when neither or the same arm is given."""
    if arm_a == arm_b:
        raise InputError(f"a contrast needs two different arms, got {arm_a!r} twice")
    weights: dict[str, float] = {}
    missing = []
    for arm, sign in ((arm_a, 1.0), (arm_b, -1.0)):
        term = f"arm[{arm}]"
        if term in fit.terms:
            weights[term] = sign
        else:
            missing.append(arm)
    if len(missing) == 2:
        arms = [t[4:-1] for t in fit.terms if t.startswith("arm[")]
        raise InputError(f"arms {missing} are not both in the fit (non-reference arms: {arms})")
    return weights


def contrast(
    fit: ModelFit,
    arm_a: str,
    arm_b: str,
    *,
    alpha: float = 0.05,
    alternative: str = "two-sided",
    test: str = "superiority",
    margin: float | None = None,
    better: str = "lower",
) -> Contrast:
    """Effect of arm a relative to arm b: ratio exp(beta_a - beta_b), interval and p-value.

    Args:
        fit: a fit whose terms include "arm[<a>]" and/or "arm[<b>]" (the reference arm has no
            term: its coefficient is 0).
        arm_a, arm_b: arm names.
        alpha: the trial's alpha (interval at 1 - alpha).
        alternative: "two-sided", "less" (a below b) or "greater" (superiority only).
        test: "superiority" or "non-inferiority".
        margin: the non-inferiority margin as a ratio (above 1 when lower is better).
        better: "lower" or "higher": which direction benefits, for non-inferiority.

    Returns:
        A `Contrast`. Notes and References: see `linear_contrast`; d = beta_a - beta_b,
        Var(d) = V_aa + V_bb - 2 V_ab.
    """
    weights = arm_weights(fit, arm_a, arm_b)
    return linear_contrast(
        fit, weights, alpha=alpha, alternative=alternative, test=test, margin=margin, better=better
    )


def factor_effect(
    fit: ModelFit,
    factor: str,
    *,
    alpha: float = 0.05,
    alternative: str = "two-sided",
    test: str = "superiority",
    margin: float | None = None,
    better: str = "lower",
) -> Contrast:
    """Main effect of a factorial trial's factor: the coefficient of "factor[<name>]".

    With an interaction in the model this is the effect at the other factor's level 0.
    """
    return linear_contrast(
        fit,
        {f"factor[{factor}]": 1.0},
        alpha=alpha,
        alternative=alternative,
        test=test,
        margin=margin,
        better=better,
    )
