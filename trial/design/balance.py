"""Covariate balance between arms: the balance table and the rerandomisation rules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from trial.design.spec import DesignSpec, Units, numeric, refuse

Rule = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class BalanceRow:
    """One covariate compared between two arms."""

    covariate: str
    arm_a: str
    arm_b: str
    mean_a: float
    mean_b: float
    sd_a: float
    sd_b: float
    smd: float


def _smd(mean_a: np.ndarray, mean_b: np.ndarray, var_a: np.ndarray,
         var_b: np.ndarray) -> np.ndarray:
    diff = mean_a - mean_b
    scale = np.sqrt((var_a + var_b) / 2)
    # a covariate constant in both arms is balanced when the means agree, else infinitely not
    with np.errstate(divide="ignore", invalid="ignore"):
        out: np.ndarray = np.where(scale > 0, diff / scale,
                                   np.where(diff == 0, 0.0, np.inf * np.sign(diff)))
    return out


def balance_table(units: Units, arms: Sequence[str], covariates: Sequence[str], *,
                  arm_order: Sequence[str]) -> list[BalanceRow]:
    """Means, SDs and standardised mean differences of each covariate, every arm pair.

    Args:
        units: the spots and their attributes.
        arms: each spot's arm, in ``units`` order.
        covariates: numeric attributes to compare.
        arm_order: protocol arm order; pairs are (a, b) with a before b in it.

    Returns:
        One row per covariate and arm pair (covariates in the given order, then pairs).
        ``sd`` and ``smd`` are nan where an arm has fewer than two spots.

    Notes:
        SMD = (mean_a - mean_b) / sqrt((var_a + var_b) / 2), sample variances (ddof 1).
    """
    if len(arms) != len(units):
        raise refuse(f"{len(arms)} arms for {len(units)} spots")
    x = numeric(units, covariates, "covariates")
    labels = np.asarray(arms, dtype=object)
    rows: list[BalanceRow] = []
    for j, name in enumerate(covariates):
        summary = {}
        for arm in arm_order:
            values = x[labels == arm, j]
            mean = float(values.mean()) if values.size else float("nan")
            var = float(values.var(ddof=1)) if values.size > 1 else float("nan")
            summary[arm] = (mean, var)
        for a, b in combinations(arm_order, 2):
            (ma, va), (mb, vb) = summary[a], summary[b]
            smd = float(_smd(np.array(ma), np.array(mb), np.array(va), np.array(vb)))
            rows.append(BalanceRow(name, a, b, ma, mb, float(np.sqrt(va)), float(np.sqrt(vb)),
                                   smd))
    return rows


class _Moments:
    """Each arm's counts, means and sample variances over a batch of allocations, the spots'
    centred covariates (and their squares) worked out once for every batch."""

    def __init__(self, x: np.ndarray, n_arms: int) -> None:
        self.n_arms = n_arms
        self.centred = x - x.mean(axis=0)
        self.squared = self.centred**2

    def __call__(self, allocations: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Counts (B x K), means and sample variances (B x K x k), every allocation."""
        counts = np.empty((allocations.shape[0], self.n_arms), dtype=np.int64)
        sums, squares = [], []
        for a in range(self.n_arms):
            member = allocations == a
            counts[:, a] = np.count_nonzero(member, axis=1)
            indicator = member.astype(float)
            sums.append(indicator @ self.centred)
            squares.append(indicator @ self.squared)
        n = counts[:, :, None].astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            means = np.stack(sums, axis=1) / n
            variances = (np.stack(squares, axis=1) - n * means**2) / (n - 1)
        return counts, means, np.maximum(variances, 0.0)


def _worst_smd(moments: _Moments, allocations: np.ndarray) -> np.ndarray:
    _, means, variances = moments(allocations)
    worst = np.zeros(allocations.shape[0])
    for a, b in combinations(range(moments.n_arms), 2):
        smd = np.abs(_smd(means[:, a], means[:, b], variances[:, a], variances[:, b]))
        worst = np.maximum(worst, smd.max(axis=1))
    return worst


def max_abs_smd(x: np.ndarray, allocations: np.ndarray, n_arms: int) -> np.ndarray:
    """Largest |SMD| over covariates and arm pairs, for each allocation (row)."""
    return _worst_smd(_Moments(x, n_arms), allocations)


def _distance(moments: _Moments, inverse: np.ndarray, allocations: np.ndarray) -> np.ndarray:
    counts, means, _ = moments(allocations)
    quadratic = np.einsum("bai,ij,baj->ba", means, inverse, means)
    result: np.ndarray = (counts * quadratic).sum(axis=1)
    return result


def _inverse_covariance(x: np.ndarray) -> np.ndarray:
    covariance = np.atleast_2d(np.cov(x, rowvar=False, ddof=1))
    inverse: np.ndarray = np.linalg.pinv(covariance)
    return inverse


def mahalanobis(x: np.ndarray, allocations: np.ndarray, n_arms: int) -> np.ndarray:
    """M = sum_a n_a (xbar_a - xbar)' S^-1 (xbar_a - xbar), for each allocation (row).

    With two arms this is Morgan & Rubin's (xbar_a - xbar_b)' [S (1/n_a + 1/n_b)]^-1 (...).
    """
    return _distance(_Moments(x, n_arms), _inverse_covariance(x), allocations)


def balance_rule(spec: DesignSpec, units: Units) -> Rule:
    """The design's rerandomisation rule: allocations (B x n) -> accepted (B,).

    Notes:
        max_abs_smd: accept when every |SMD| <= spec.max_abs_smd.
        mahalanobis: accept when M <= the chi-square quantile at ``acceptance`` with
        k (K - 1) degrees of freedom (k covariates, K arms), M's large-sample distribution
        under complete randomisation (Morgan & Rubin 2012, Annals of Statistics 40(2)).
    """
    x = numeric(units, spec.balance_on, "design.balance_on")
    n_arms = len(spec.arms)
    moments = _Moments(x, n_arms)
    if spec.criterion == "mahalanobis":
        covariance = np.atleast_2d(np.cov(x, rowvar=False, ddof=1))
        if len(units) < 2 or np.linalg.matrix_rank(covariance) < x.shape[1]:
            raise refuse("balance_on covariates are constant or collinear over the spots; "
                         "the Mahalanobis distance needs them to vary independently",
                         "design.balance_on")
        from scipy import stats  # loaded only for this rule: scipy.stats is slow to import

        threshold = float(stats.chi2.ppf(spec.acceptance, x.shape[1] * (n_arms - 1)))
        inverse = _inverse_covariance(x)
        return lambda allocations: _distance(moments, inverse, allocations) <= threshold
    limit = spec.max_abs_smd
    return lambda allocations: _worst_smd(moments, allocations) <= limit
