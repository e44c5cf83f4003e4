"""The outcome model refitted on many bootstrap resamples at once, step for step as one fit.

Each resample r has its own outcomes, design rows and offset. The negative-binomial and
Poisson fits below repeat, for all resamples together, the very steps of
``trial.analysis.negbin`` (``irls``, ``theta_ml`` and the outer loop of
``fit_negative_binomial``) and ``fit_poisson_robust``, with the same convergence tests, so that
every resample takes the same number of steps and ends at the same coefficients. A resample
that would take any other path (bad input, separation, no convergence, theta at its boundary,
a fallback model) is marked, and the caller fits it by itself with ``trial.analysis.models``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy import special

from trial.analysis.negbin import _MAX_OUTER as MAX_OUTER
from trial.analysis.negbin import _TOL as TOL
from trial.analysis.negbin import THETA_BOUNDARY

BATCHED_MODELS = ("negative-binomial", "poisson-robust")


def _matvec(X: np.ndarray, beta: np.ndarray) -> np.ndarray:
    out: np.ndarray = (X @ beta[:, :, None])[:, :, 0]
    return out


def _irls(
    Y: np.ndarray,
    X: np.ndarray,
    Off: np.ndarray,
    theta: np.ndarray | None,
    beta: np.ndarray | None,
    max_iter: int = 100,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``negbin.irls`` for every row: (beta, mu, converged); rows leave as they converge."""
    B, n = Y.shape
    p = X.shape[2]
    if beta is None:
        mu = Y + 0.1
        eta = np.log(mu)
    else:
        eta = _matvec(X, beta) + Off
        mu = np.exp(eta)
    out_beta = np.empty((B, p))
    out_mu = np.empty((B, n))
    converged = np.zeros(B, dtype=bool)
    rows = np.arange(B)
    y, x, off = Y, X, Off
    th = None if theta is None else theta[:, None]
    old = beta
    for _ in range(max_iter):
        w = mu if th is None else mu / (1.0 + mu / th)
        z = eta - off + (y - mu) / mu
        xtw = np.swapaxes(x, 1, 2) * w[:, None, :]
        new = np.linalg.solve(xtw @ x, xtw @ z[:, :, None])[:, :, 0]
        eta = np.clip(_matvec(x, new) + off, -700.0, 700.0)
        mu = np.exp(eta)
        if old is not None:
            done = np.max(np.abs(new - old), axis=1) <= 1e-12 * np.maximum(
                1.0, np.max(np.abs(new), axis=1))
            if done.any():
                out_beta[rows[done]] = new[done]
                out_mu[rows[done]] = mu[done]
                converged[rows[done]] = True
                keep = ~done
                rows, new, mu, eta = rows[keep], new[keep], mu[keep], eta[keep]
                y, x, off = y[keep], x[keep], off[keep]
                th = None if th is None else th[keep]
                if rows.size == 0:
                    break
        old = new
    if rows.size and old is not None:  # rows that ran out of iterations keep their last step
        out_beta[rows] = old
        out_mu[rows] = mu
    return out_beta, out_mu, converged


class Counts:
    """Resampled outcomes as indices into their distinct values, so that digamma and
    trigamma at theta + y are evaluated once per distinct value and row, then spread."""

    def __init__(self, Y: np.ndarray) -> None:
        self.values, inverse = np.unique(Y, return_inverse=True)
        self.inverse = inverse.reshape(Y.shape)
        self.Y = Y

    def take(self, rows: np.ndarray) -> Counts:
        out = Counts.__new__(Counts)
        out.values, out.inverse, out.Y = self.values, self.inverse[rows], self.Y[rows]
        return out

    def at(self, function: Callable[[np.ndarray], np.ndarray], th: np.ndarray) -> np.ndarray:
        """function(th + y) for every row's theta and outcome."""
        if self.values.size >= self.Y.shape[1]:
            return function(th + self.Y)
        spread: np.ndarray = np.take_along_axis(function(th + self.values), self.inverse, axis=1)
        return spread


def _trigamma(x: np.ndarray) -> np.ndarray:
    # polygamma(1, x) is (-1.0)**2 * gamma(2.0) * zeta(2, x), and both factors are exactly 1
    out: np.ndarray = special.zeta(2.0, x)
    return out


def theta_score_info_rows(counts: Counts, mu: np.ndarray,
                          theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``negbin.theta_score_info`` for every row, the same arithmetic term by term."""
    y = counts.Y
    th = theta[..., None]
    score = np.sum(
        counts.at(special.digamma, th)
        - special.digamma(th)
        + np.log(th)
        + 1.0
        - np.log(th + mu)
        - (y + th) / (mu + th),
        axis=-1,
    )
    info = np.sum(
        -counts.at(_trigamma, th)
        + _trigamma(th)
        - 1.0 / th
        + 2.0 / (mu + th)
        - (y + th) / (mu + th) ** 2,
        axis=-1,
    )
    return score, info


def _theta_ml(counts: Counts, MU: np.ndarray,
              start: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """``negbin.theta_ml`` for every row: (theta, converged)."""
    Y = counts.Y
    B, n = Y.shape
    t = n / np.sum((Y / MU - 1.0) ** 2, axis=1) if start is None else start.astype(float)
    out = np.empty(B)
    converged = np.zeros(B, dtype=bool)
    rows = np.arange(B)
    c, mu = counts, MU
    for _ in range(100):
        t = np.abs(t)
        score, info = theta_score_info_rows(c, mu, t)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = score / info
        finished = ~np.isfinite(step)
        out[rows[finished]] = t[finished]
        new = t + step
        while True:
            low = (new <= 0) & ~finished
            if not low.any():
                break
            step = np.where(low, step / 2.0, step)
            new = t + step
        t = np.where(finished, t, new)
        boundary = ~finished & (t > THETA_BOUNDARY)
        out[rows[boundary]] = THETA_BOUNDARY
        finished |= boundary
        small = ~finished & (np.abs(step) <= TOL * 1e-2 * np.maximum(1.0, t))
        out[rows[small]] = t[small]
        converged[rows[small]] = True
        finished |= small
        if finished.any():
            keep = ~finished
            rows, t, c, mu = rows[keep], t[keep], c.take(keep), mu[keep]
            if rows.size == 0:
                break
    out[rows] = t
    return out, converged


def _nb_loglik(Y: np.ndarray, MU: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """``negbin.nb_loglik`` for every row."""
    th = theta[:, None]
    out: np.ndarray = np.sum(
        special.gammaln(th + Y)
        - special.gammaln(th)
        - special.gammaln(Y + 1.0)
        + th * np.log(th)
        + Y * np.log(MU + (Y == 0))
        - (th + Y) * np.log(th + MU),
        axis=1,
    )
    return out


def _zero_means(Y: np.ndarray, MU: np.ndarray) -> np.ndarray:
    """Rows where ``negbin.separation`` would report means collapsed to zero."""
    flagged: np.ndarray = np.any((MU < 1e-10) & (Y == 0), axis=1)
    return flagged


def fits_cleanly(Y: np.ndarray, X: np.ndarray, terms: Sequence[str]) -> np.ndarray:
    """Rows that pass the single fit's rank and separation checks, given that the data they
    are resampled from passed its value checks (shapes, finite values, counts).

    The rank is ``np.linalg.matrix_rank`` of each row's design, as ``check_model_inputs``
    takes it; separation is ``negbin.separation`` without fitted means.
    """
    ok: np.ndarray = np.linalg.matrix_rank(X) == X.shape[2]
    positive = Y > 0
    ok &= positive.any(axis=1)
    for j, term in enumerate(terms):
        if term == "(intercept)":
            continue
        column = X[:, :, j]
        ones = column == 1
        indicator = np.all((column == 0) | ones, axis=1) & column.any(axis=1)
        ok &= ~(indicator & ~np.any(ones & positive, axis=1))
    return ok


def refit(model: str, Y: np.ndarray, X: np.ndarray,
          Off: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients of ``model`` on every resample, and which resamples fitted cleanly.

    Args:
        model: "negative-binomial" or "poisson-robust".
        Y: (B, n) outcomes, each row a resample that passed the model's input and
            separation checks.
        X: (B, n, p) design rows.
        Off: (B, n) offsets.

    Returns:
        (coef (B, p), ok (B,)): where ``ok`` is false the single fit would have taken
        another path, and the caller fits that resample by itself.
    """
    beta, mu, ok = _irls(Y, X, Off, None, None)
    ok &= ~_zero_means(Y, mu)
    if model == "poisson-robust":
        return beta, ok
    coef = np.zeros_like(beta)
    rows = np.flatnonzero(ok)
    y, x, off, beta, mu = Y[rows], X[rows], Off[rows], beta[rows], mu[rows]
    counts = Counts(y)
    theta, _ = _theta_ml(counts, mu, None)
    ll = _nb_loglik(y, mu, theta)
    for _ in range(MAX_OUTER):
        beta, mu, fitted = _irls(y, x, off, theta, beta)
        new_theta, _ = _theta_ml(counts, mu, theta)
        new_ll = _nb_loglik(y, mu, new_theta)
        done = (np.abs(new_theta - theta) <= TOL * new_theta) & (
            np.abs(new_ll - ll) <= TOL * np.maximum(1.0, np.abs(new_ll)))
        theta, ll = new_theta, new_ll
        failed = ~fitted | (theta >= THETA_BOUNDARY)
        ok[rows[failed]] = False
        done &= ~failed
        if done.any():
            final, _, _ = _irls(y[done], x[done], off[done], theta[done], beta[done])
            coef[rows[done]] = final
        keep = ~(done | failed)
        rows, y, x, off, counts = rows[keep], y[keep], x[keep], off[keep], counts.take(keep)
        beta, mu, theta, ll = beta[keep], mu[keep], theta[keep], ll[keep]
        if rows.size == 0:
            break
    ok[rows] = False
    return coef, ok
