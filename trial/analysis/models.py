"""Fit the registered outcome model, falling back to another when it cannot be fitted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from trial.analysis.modelfit import MODEL_NAMES, FitFailure, ModelFit
from trial.analysis.negbin import fit_negative_binomial
from trial.analysis.robust import fit_log_linear, fit_poisson_robust
from trial.errors import InputError

__all__ = [
    "FitFailure",
    "ModelFit",
    "fit",
    "fit_log_linear",
    "fit_negative_binomial",
    "fit_poisson_robust",
]


def _fit_one(
    model: str, y: np.ndarray, X: np.ndarray, terms: Sequence[str], offset: np.ndarray | None
) -> ModelFit:
    try:
        return _fit_model(model, y, X, terms, offset)
    except np.linalg.LinAlgError as exc:
        # a singular weighted system (e.g. a resample with too few distinct rows) is a failed
        # fit, which the caller can fall back from or count, never a crash
        raise FitFailure(f"the weighted least-squares system is singular ({exc})") from exc


def _fit_model(
    model: str, y: np.ndarray, X: np.ndarray, terms: Sequence[str], offset: np.ndarray | None
) -> ModelFit:
    if model == "negative-binomial":
        return fit_negative_binomial(y, X, terms=terms, offset=offset)
    if model == "poisson-robust":
        return fit_poisson_robust(y, X, terms=terms, offset=offset)
    if offset is not None and np.any(np.asarray(offset) != 0):
        raise InputError("the log-linear model takes no exposure offset; use a count model")
    return fit_log_linear(y, X, terms=terms)


def fit(
    model_name: str,
    y: np.ndarray,
    X: np.ndarray,
    *,
    terms: Sequence[str],
    offset: np.ndarray | None = None,
    fallback: str | None = "poisson-robust",
) -> ModelFit:
    """Fit the registered model; if it fails, fit `fallback` and say why in `fallback_reason`.

    Args:
        model_name: "negative-binomial", "poisson-robust" or "log-linear".
        y: outcome per spot.
        X: design matrix (n x p).
        terms: the p column names.
        offset: log exposure per spot, for the count models.
        fallback: the model to fit when the registered one fails, or None to raise.

    Returns:
        The registered model's `ModelFit`, or the fallback's with `fallback_reason` set to
        "<registered> failed: <reason>; fitted <fallback> instead".

    Raises:
        InputError: unknown model names or malformed inputs.
        FitFailure: both the registered model and the fallback failed (or no fallback).
    """
    for name in (model_name, fallback):
        if name is not None and name not in MODEL_NAMES:
            raise InputError(f"unknown model {name!r}; valid: {', '.join(MODEL_NAMES)}")
    try:
        return _fit_one(model_name, y, X, terms, offset)
    except FitFailure as failure:
        if fallback is None or fallback == model_name:
            raise
        reason = f"{model_name} failed: {failure}; fitted {fallback} instead"
        try:
            result = _fit_one(fallback, y, X, terms, offset)
        except FitFailure as second:
            raise FitFailure(f"{reason}, which also failed: {second}") from second
        return replace(result, fallback_reason=reason)
