"""Crimes prevented by an arm: model predictions as if control minus as allocated, bootstrapped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from trial.analysis._checks import check_model_inputs
from trial.analysis.modelfit import FitFailure, ModelFit
from trial.analysis.models import fit
from trial.analysis.resample_fits import BATCHED_MODELS, fits_cleanly, refit
from trial.errors import InputError


@dataclass(frozen=True)
class PreventedResult:
    """Crimes (or harm-days) prevented in an arm's spots.

    Attributes:
        estimate: sum over the arm's spots of predicted-as-control minus predicted-as-allocated.
        ci_low, ci_high: percentile interval from the spot-level bootstrap within strata.
        n_resamples: bootstrap resamples attempted.
        n_failed: resamples where the model could not be fitted (left out of the interval).
        excludes_zero: whether the interval excludes zero (cost per crime prevented is
            reported only then).
    """

    estimate: float
    ci_low: float
    ci_high: float
    n_resamples: int
    n_failed: int

    @property
    def excludes_zero(self) -> bool:
        """Whether the interval lies entirely on one side of zero."""
        return self.ci_low > 0 or self.ci_high < 0


def _mean(model: str, coef: np.ndarray, X: np.ndarray, offset: np.ndarray | None) -> np.ndarray:
    eta = X @ coef + (0.0 if offset is None else offset)
    # log-linear models log(1 + y): back-transform to the count scale.
    mean: np.ndarray = np.exp(eta) - 1.0 if model == "log-linear" else np.exp(eta)
    return mean


def prevented(
    fit_: ModelFit, X: np.ndarray, *, arm_term: str, offset: np.ndarray | None = None
) -> float:
    """Predicted counts of the arm's spots as if control, minus as allocated, summed.

    Args:
        fit_: the outcome model's fit.
        X: its design matrix.
        arm_term: the arm's term, e.g. "arm[physical]" (or a factor's, "factor[digital]").
        offset: the fit's offset.

    Returns:
        Crimes prevented (positive: fewer crimes than control would have had).

    Notes:
        prevented = sum_{i in arm} [g(x_i^0 beta) - g(x_i beta)], x_i^0 = x_i with the arm's
        indicator set to 0, g = exp (count models) or exp(.) - 1 (log-linear).
    """
    return _prevented(fit_.model, fit_.coef, X, fit_.index_of(arm_term), offset)


def _prevented(model: str, coef: np.ndarray, X: np.ndarray, j: int,
               offset: np.ndarray | None) -> float:
    in_arm = X[:, j] == 1
    as_control = X[in_arm].copy()
    as_control[:, j] = 0.0
    off = None if offset is None else offset[in_arm]
    return float(np.sum(_mean(model, coef, as_control, off) - _mean(model, coef, X[in_arm], off)))


def bootstrap_prevented(
    y: np.ndarray,
    X: np.ndarray,
    *,
    terms: Sequence[str],
    model: str,
    arm_term: str,
    strata: np.ndarray | None,
    n_resamples: int,
    rng: np.random.Generator,
    alpha: float = 0.05,
    offset: np.ndarray | None = None,
) -> PreventedResult:
    """Crimes prevented with a spot-level bootstrap interval, resampling within strata.

    Args:
        y, X, terms, model, offset: the registered model's inputs.
        arm_term: the arm's term.
        strata: stratum (or set) label per spot; spots are resampled with replacement inside
            each; None: one stratum.
        n_resamples: bootstrap resamples.
        rng: the random generator.
        alpha: percentile interval at 1 - alpha.

    Returns:
        `PreventedResult`.

    Raises:
        InputError: bad arguments. FitFailure: the model cannot be fitted to the data.

    References:
        Efron, B. & Tibshirani, R. J. (1993). An Introduction to the Bootstrap, ch. 13.
        Chapman & Hall.
    """
    if n_resamples < 1 or not 0 < alpha < 1:
        raise InputError("n_resamples must be >= 1 and alpha in (0, 1)")
    y = np.asarray(y, dtype=float)
    full = fit(model, y, X, terms=terms, offset=offset)
    estimate = prevented(full, X, arm_term=arm_term, offset=offset)
    labels = (
        np.zeros(len(y), dtype=int) if strata is None else np.unique(strata, return_inverse=True)[1]
    )
    groups = [np.flatnonzero(labels == g) for g in np.unique(labels)]
    # every resample is drawn first, in the order one-at-a-time refitting would draw them
    draws = [np.concatenate([rng.choice(g, size=g.size, replace=True) for g in groups])
             for _ in range(n_resamples)]
    results = _refit_resamples(y, X, offset, draws, terms=terms, model=model,
                               arm_term=arm_term)
    values = [v for v in results if v is not None]
    failed = len(results) - len(values)
    if not values:
        raise FitFailure("no bootstrap resample could be fitted")
    low, high = np.quantile(values, [alpha / 2.0, 1.0 - alpha / 2.0])
    return PreventedResult(estimate, float(low), float(high), n_resamples, failed)


def _refit_resamples(y: np.ndarray, X: np.ndarray, offset: np.ndarray | None,
                     draws: list[np.ndarray], *, terms: Sequence[str], model: str,
                     arm_term: str) -> list[float | None]:
    """Crimes prevented on each resample (None where no model could be fitted).

    Resamples the registered model fits cleanly are refitted together (``resample_fits``);
    the rest, and every resample of another model, go through ``fit`` one at a time, fallback
    model included.
    """
    results: list[float | None] = [None] * len(draws)
    together = _clean_resamples(y, X, offset, draws, terms=terms, model=model)
    alone = sorted(set(range(len(draws))) - set(together))
    if together:
        index = np.stack([draws[r] for r in together])
        off_all = np.zeros(len(y)) if offset is None else np.asarray(offset, dtype=float)
        try:
            coef, ok = refit(model, y[index], np.asarray(X, dtype=float)[index], off_all[index])
        except np.linalg.LinAlgError:
            # one resample's weighted system is singular: refit them all one at a time, where
            # that resample is a failed fit (falling back as the registered model would)
            alone, together = sorted(range(len(draws))), []
            coef, ok = np.empty((0, 0)), np.empty(0, dtype=bool)
        j = list(terms).index(arm_term)
        for k, r in enumerate(together):
            if ok[k]:
                idx = draws[r]
                results[r] = _prevented(model, coef[k], X[idx], j,
                                        None if offset is None else offset[idx])
            else:
                alone.append(r)
    for r in sorted(alone):
        idx = draws[r]
        off = None if offset is None else offset[idx]
        try:
            b = fit(model, y[idx], X[idx], terms=terms, offset=off)
        except (FitFailure, InputError):
            continue
        results[r] = prevented(b, X[idx], arm_term=arm_term, offset=off)
    return results


def _clean_resamples(y: np.ndarray, X: np.ndarray, offset: np.ndarray | None,
                     draws: list[np.ndarray], *, terms: Sequence[str], model: str) -> list[int]:
    """Resamples that pass the registered model's input and separation checks."""
    if model not in BATCHED_MODELS or not draws:
        return []
    try:
        # a resample holds some of these values: it passes every check on values when they do
        y, Xf, _ = check_model_inputs(y, X, terms, offset, counts=model == "negative-binomial")
    except InputError:
        return []
    index = np.stack(draws)
    return [int(r) for r in np.flatnonzero(fits_cleanly(y[index], Xf[index], terms))]
