"""Poisson GLM with HC0 sandwich covariance, and OLS of log(1 + y) with HC2 covariance."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import special

from trial.analysis._checks import check_model_inputs
from trial.analysis.modelfit import FitFailure, ModelFit
from trial.analysis.negbin import irls, separation


def fit_poisson_robust(
    y: np.ndarray,
    X: np.ndarray,
    *,
    terms: Sequence[str],
    offset: np.ndarray | None = None,
) -> ModelFit:
    """Fit a log-link Poisson GLM with the HC0 sandwich covariance.

    Args:
        y: outcomes >= 0, one per spot (harm totals need not be whole numbers).
        X: design matrix (n x p).
        terms: the p column names.
        offset: log exposure, one per spot (None: 0).

    Returns:
        A `ModelFit` with model "poisson-robust"; `loglik` is the Poisson log-likelihood
        (gamma function for non-integer outcomes).

    Raises:
        InputError: malformed inputs.
        FitFailure: IRLS did not converge, or separation.

    Notes:
        V = B M B with B = (X' diag(mu) X)^{-1} and M = X' diag((y - mu)^2) X, which is
        R's sandwich::vcovHC(fit, type = "HC0") for a log-link Poisson glm.

    References:
        Zeileis, A. (2006). Object-oriented computation of sandwich estimators. Journal of
        Statistical Software 16(9).
    """
    y, X, off = check_model_inputs(y, X, terms, offset, counts=False)
    terms = tuple(terms)
    sep = separation(y, X, terms)
    if sep is not None:
        raise FitFailure(sep)
    beta, mu, bread, iterations, ok = irls(y, X, off, None)
    if not ok:
        raise FitFailure("IRLS for the Poisson coefficients did not converge")
    sep = separation(y, X, terms, mu)
    if sep is not None:
        raise FitFailure(sep)
    meat = (X.T * (y - mu) ** 2) @ X
    vcov = bread @ meat @ bread
    loglik = float(np.sum(y * np.log(mu) - mu - special.gammaln(y + 1.0)))
    return ModelFit(
        model="poisson-robust",
        terms=terms,
        coef=beta,
        vcov=vcov,
        se=np.sqrt(np.diag(vcov)),
        theta=None,
        loglik=loglik,
        converged=True,
        iterations=iterations,
        n=len(y),
    )


def fit_log_linear(y: np.ndarray, X: np.ndarray, *, terms: Sequence[str]) -> ModelFit:
    """Fit OLS of log(1 + y) with the HC2 covariance.

    Args:
        y: outcomes >= 0, one per spot.
        X: design matrix (n x p).
        terms: the p column names.

    Returns:
        A `ModelFit` with model "log-linear"; exp of a coefficient difference is a ratio of
        geometric means of (1 + y). `loglik` is the Gaussian log-likelihood at sigma^2 = RSS/n.

    Raises:
        InputError: malformed inputs, or a spot with leverage 1 (HC2 undefined).

    Notes:
        V = (X'X)^{-1} X' diag(e_i^2 / (1 - h_ii)) X (X'X)^{-1}, h_ii the hat values:
        R's estimatr::lm_robust(se_type = "HC2").

    References:
        MacKinnon, J. G. & White, H. (1985). Some heteroskedasticity-consistent covariance
        matrix estimators with improved finite sample properties. J. Econometrics 29(3).
    """
    y, X, _ = check_model_inputs(y, X, terms, None, counts=False)
    z = np.log1p(y)
    xtx_inv = np.linalg.inv(X.T @ X)
    beta = xtx_inv @ (X.T @ z)
    resid = z - X @ beta
    hat = np.einsum("ij,jk,ik->i", X, xtx_inv, X)
    if np.any(hat > 1.0 - 1e-10):
        raise FitFailure("a spot has leverage 1 (alone in its level): HC2 is undefined")
    meat = (X.T * (resid**2 / (1.0 - hat))) @ X
    vcov = xtx_inv @ meat @ xtx_inv
    n = len(z)
    sigma2 = float(resid @ resid) / n
    loglik = -0.5 * n * (np.log(2.0 * np.pi * sigma2) + 1.0) if sigma2 > 0 else float("inf")
    return ModelFit(
        model="log-linear",
        terms=tuple(terms),
        coef=beta,
        vcov=vcov,
        se=np.sqrt(np.diag(vcov)),
        theta=None,
        loglik=float(loglik),
        converged=True,
        iterations=1,
        n=n,
    )
