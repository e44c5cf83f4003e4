"""Negative-binomial (NB2) regression by maximum likelihood, as R's MASS::glm.nb."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import special

from trial.analysis._checks import check_model_inputs
from trial.analysis.modelfit import FitFailure, ModelFit

THETA_BOUNDARY = 1e7
"""Above this the data are indistinguishable from Poisson: theta's MLE is at infinity."""

_TOL = 1e-10
_MAX_OUTER = 200


def nb_loglik(y: np.ndarray, mu: np.ndarray, theta: float) -> float:
    """NB2 log-likelihood, as MASS's internal `loglik` (y = 0 terms handled exactly)."""
    return float(
        np.sum(
            special.gammaln(theta + y)
            - special.gammaln(theta)
            - special.gammaln(y + 1.0)
            + theta * np.log(theta)
            + y * np.log(mu + (y == 0))
            - (theta + y) * np.log(theta + mu)
        )
    )


def theta_score_info(
    y: np.ndarray, mu: np.ndarray, theta: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Score and expected information of theta given mu (MASS::theta.ml), over the last axis.

    `theta` broadcasts against `y` and `mu` with the observations on the last axis.
    """
    th = theta[..., None]
    score = np.sum(
        special.digamma(th + y)
        - special.digamma(th)
        + np.log(th)
        + 1.0
        - np.log(th + mu)
        - (y + th) / (mu + th),
        axis=-1,
    )
    info = np.sum(
        -special.polygamma(1, th + y)
        + special.polygamma(1, th)
        - 1.0 / th
        + 2.0 / (mu + th)
        - (y + th) / (mu + th) ** 2,
        axis=-1,
    )
    return score, info


def theta_ml(y: np.ndarray, mu: np.ndarray, start: float | None = None) -> tuple[float, bool]:
    """Maximum-likelihood theta for fixed means: Newton steps with expected information.

    Returns:
        (theta, converged). theta is `THETA_BOUNDARY` when the likelihood increases without
        bound (no overdispersion).
    """
    t = float(len(y) / np.sum((y / mu - 1.0) ** 2)) if start is None else float(start)
    for _ in range(100):
        t = abs(t)
        score, info = theta_score_info(y, mu, np.array(t))
        step = float(score) / float(info)
        if not np.isfinite(step):
            return t, False
        # Newton on theta overshoots below zero when theta is small; halve instead.
        new = t + step
        while new <= 0:
            step /= 2.0
            new = t + step
        t = new
        if t > THETA_BOUNDARY:
            return THETA_BOUNDARY, False
        if abs(step) <= _TOL * 1e-2 * max(1.0, t):
            return t, True
    return t, False


def irls(
    y: np.ndarray,
    X: np.ndarray,
    offset: np.ndarray,
    theta: float | None,
    beta: np.ndarray | None = None,
    max_iter: int = 100,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, bool]:
    """IRLS for a log-link count GLM: Poisson (theta None) or NB2 with known theta.

    Returns:
        (beta, mu, bread, iterations, converged) where bread = (X' W X)^{-1} at the final mu.
    """
    if beta is None:
        mu = y + 0.1
        eta = np.log(mu)
    else:
        eta = X @ beta + offset
        mu = np.exp(eta)
    beta_old = beta
    for it in range(1, max_iter + 1):
        w = mu if theta is None else mu / (1.0 + mu / theta)
        z = eta - offset + (y - mu) / mu
        xtw = X.T * w
        beta = np.linalg.solve(xtw @ X, xtw @ z)
        eta = np.clip(X @ beta + offset, -700.0, 700.0)
        mu = np.exp(eta)
        if beta_old is not None and np.max(np.abs(beta - beta_old)) <= 1e-12 * max(
            1.0, float(np.max(np.abs(beta)))
        ):
            w = mu if theta is None else mu / (1.0 + mu / theta)
            return beta, mu, np.linalg.inv((X.T * w) @ X), it, True
        beta_old = beta
    w = mu if theta is None else mu / (1.0 + mu / theta)
    assert beta is not None  # max_iter >= 1 solved at least once
    return beta, mu, np.linalg.inv((X.T * w) @ X), max_iter, False


def separation(
    y: np.ndarray, X: np.ndarray, terms: Sequence[str], mu: np.ndarray | None = None
) -> str | None:
    """Name a 0/1 column whose rows all have zero outcome (its coefficient runs to -infinity),
    or, given fitted means, report means that collapsed to zero."""
    if not np.any(y > 0):
        return "every outcome is zero"
    for j, term in enumerate(terms):
        col = X[:, j]
        if term != "(intercept)" and np.all((col == 0) | (col == 1)) and col.any():
            if not np.any(y[col == 1] > 0):
                return f"every outcome is zero where {term} = 1 (separation)"
    if mu is not None and np.any((mu < 1e-10) & (y == 0)):
        return "some fitted means are effectively zero (separation)"
    return None


def fit_negative_binomial(
    y: np.ndarray,
    X: np.ndarray,
    *,
    terms: Sequence[str],
    offset: np.ndarray | None = None,
) -> ModelFit:
    """Fit an NB2 log-link GLM with theta by maximum likelihood, as R's MASS::glm.nb.

    Args:
        y: counts, one per spot.
        X: design matrix (n x p), e.g. from `design_matrix`.
        terms: the p column names.
        offset: log exposure, one per spot (None: 0).

    Returns:
        A `ModelFit` with model "negative-binomial"; `vcov` is the GLM covariance (expected
        information at the fitted beta, theta taken as known), as `summary(glm.nb(...))`.

    Raises:
        InputError: malformed inputs (shape, non-counts, rank-deficient design).
        FitFailure: the fit did not converge, theta is at its boundary (no overdispersion) or
            an indicator separates zero outcomes; the message says which.

    Notes:
        log E[y] = X beta + offset, Var(y) = mu + mu^2/theta. Starting from a Poisson fit, IRLS for
        beta at fixed theta alternates with Newton steps (expected information) for theta at fixed
        mu, as `glm.nb` with `theta.ml`, until theta and the log-likelihood change by less than
        1e-10 relative.

    References:
        Venables, W. N. & Ripley, B. D. (2002). Modern Applied Statistics with S, 4th ed., 7.4.
        Springer. (R package MASS, `glm.nb`, `theta.ml`.)
    """
    y, X, off = check_model_inputs(y, X, terms, offset, counts=True)
    terms = tuple(terms)
    sep = separation(y, X, terms)
    if sep is not None:
        raise FitFailure(sep)
    beta, mu, _, _, ok = irls(y, X, off, None)
    if not ok:
        raise FitFailure("the Poisson starting fit did not converge")
    sep = separation(y, X, terms, mu)
    if sep is not None:
        raise FitFailure(sep)
    theta, _ = theta_ml(y, mu)
    ll = nb_loglik(y, mu, theta)
    converged = False
    outer = 0
    for outer in range(1, _MAX_OUTER + 1):  # noqa: B007 (reported as iterations)
        beta, mu, _, _, ok = irls(y, X, off, theta, beta)
        if not ok:
            raise FitFailure("IRLS for the coefficients did not converge")
        new_theta, _ = theta_ml(y, mu, theta)
        new_ll = nb_loglik(y, mu, new_theta)
        done = abs(new_theta - theta) <= _TOL * new_theta and abs(new_ll - ll) <= _TOL * max(
            1.0, abs(new_ll)
        )
        theta, ll = new_theta, new_ll
        if theta >= THETA_BOUNDARY:
            raise FitFailure(
                "theta runs to infinity: no overdispersion, the data look Poisson (boundary)"
            )
        if done:
            converged = True
            break
    if not converged:
        raise FitFailure(f"theta and the coefficients did not converge in {_MAX_OUTER} rounds")
    beta, mu, bread, _, _ = irls(y, X, off, theta, beta)
    return ModelFit(
        model="negative-binomial",
        terms=terms,
        coef=beta,
        vcov=bread,
        se=np.sqrt(np.diag(bread)),
        theta=theta,
        loglik=nb_loglik(y, mu, theta),
        converged=True,
        iterations=outer,
        n=len(y),
    )
