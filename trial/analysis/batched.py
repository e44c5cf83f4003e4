"""Refit one outcome model on many allocations at once (vectorised IRLS across re-draws)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy import special

from trial.analysis.negbin import THETA_BOUNDARY

_TOL = 1e-10
_MAX_ITER = 100


@dataclass(frozen=True, eq=False)
class BatchedFit:
    """Coefficients of one model refitted on R allocations.

    Attributes:
        coef: (R, k + q): the k allocation-dependent columns first, then the q fixed ones.
        theta: (R,) negative-binomial theta per allocation, else None.
        converged: (R,) whether each fit met the tolerance.
        iterations: iterations used by the slowest fit.
    """

    coef: np.ndarray
    theta: np.ndarray | None
    converged: np.ndarray
    iterations: int


def _normal_equations(
    V: np.ndarray, F: np.ndarray, FF: np.ndarray, w: np.ndarray, wz: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least squares per row r of w: [V_r F]' W_r [V_r F] beta = [V_r F]' W_r z_r,
    with V laid out (k, R, n).

    V has few columns (the arms or factors), so its blocks are elementwise sums; the fixed
    block is one matrix product over all rows at once.
    """
    k, r, n = V.shape
    q = F.shape[1]
    p = k + q
    A = np.empty((r, p, p))
    b = np.empty((r, p))
    for i in range(k):
        vw = V[i] * w
        for j in range(i, k):
            A[:, i, j] = A[:, j, i] = np.einsum("rn,rn->r", vw, V[j])
        vf = np.einsum("rn,nq->rq", vw, F)
        A[:, i, k:] = vf
        A[:, k:, i] = vf
        b[:, i] = np.einsum("rn,rn->r", V[i], wz)
    A[:, k:, k:] = np.einsum("rn,nq->rq", w, FF).reshape(r, q, q)
    b[:, k:] = np.einsum("rn,nq->rq", wz, F)
    return A, b


def _solve(
    V: np.ndarray, F: np.ndarray, FF: np.ndarray, w: np.ndarray, wz: np.ndarray
) -> np.ndarray:
    A, b = _normal_equations(V, F, FF, w, wz)
    solved: np.ndarray = np.linalg.solve(A, b[:, :, None])[:, :, 0]
    return solved


def _xt(V: np.ndarray, F: np.ndarray, vec: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.concatenate(
        [np.einsum("krn,rn->rk", V, vec), np.einsum("rn,nq->rq", vec, F)], axis=1
    )
    return out


def _joint_newton_step(
    y: np.ndarray,
    V: np.ndarray,
    F: np.ndarray,
    FF: np.ndarray,
    mu: np.ndarray,
    theta: np.ndarray,
    terms: _ThetaTerms,
) -> tuple[np.ndarray, np.ndarray]:
    """One Newton step on (beta, theta) together, with the observed information.

    Alternating IRLS and theta steps converges only linearly (beta and theta are orthogonal in
    expectation, not in a sample); near the optimum the joint step converges quadratically.
    """
    th = theta[:, None]
    mt = mu + th
    w_obs = th * mu * (th + y) / mt**2
    A, g_beta = _normal_equations(V, F, FF, w_obs, (y - mu) * th / mt)
    cross = -_xt(V, F, (y - mu) * mu / mt**2)
    dg, tg = terms.digamma_and_trigamma(theta)
    n = y.shape[0]
    g_theta = dg + n * (np.log(theta) + 1.0) - np.sum(np.log(mt) + (y + th) / mt, axis=1)
    info = tg - n / theta + np.sum((2.0 - (y + th) / mt) / mt, axis=1)
    r, p, _ = A.shape
    H = np.empty((r, p + 1, p + 1))
    H[:, :p, :p] = A
    H[:, :p, p] = cross
    H[:, p, :p] = cross
    H[:, p, p] = info
    g = np.concatenate([g_beta, g_theta[:, None]], axis=1)
    step = np.linalg.solve(H, g[:, :, None])[:, :, 0]
    return step[:, :p], step[:, p]


def _linear_predictor(V: np.ndarray, F: np.ndarray, beta: np.ndarray) -> np.ndarray:
    k = V.shape[0]
    eta: np.ndarray = np.einsum("rq,nq->rn", beta[:, k:], F)
    for i in range(k):
        eta += V[i] * beta[:, i, None]
    return eta


_MAX_DIRECT_COUNT = 5000
_ALTERNATING = 3
"""Alternating IRLS / theta rounds before switching to joint Newton steps."""


class _ThetaTerms:
    """The y-only parts of theta's score and information, precomputed for many thetas.

    For whole-number y, psi(th + y) - psi(th) = sum_{j < y} 1/(th + j) and
    psi'(th) - psi'(th + y) = sum_{j < y} 1/(th + j)^2; summed over spots that is
    sum_j #{y > j} / (th + j)^p, cheaper and exact. Large counts use the special functions
    on the distinct values instead.
    """

    def __init__(self, y: np.ndarray) -> None:
        self.n = y.shape[0]
        top = int(y.max())
        self.direct = top <= _MAX_DIRECT_COUNT
        if self.direct:
            self.j = np.arange(top, dtype=float)
            self.above = np.array([np.sum(y > j) for j in range(top)], dtype=float)
        else:
            self.values, counts = np.unique(y, return_counts=True)
            self.counts = counts.astype(float)

    def digamma_and_trigamma(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """sum_i [psi(th + y_i) - psi(th)] and sum_i [psi'(th) - psi'(th + y_i)] per theta."""
        if self.direct:
            inv = 1.0 / (theta[:, None] + self.j)
            return inv @ self.above, (inv * inv) @ self.above
        tv = theta[:, None] + self.values
        dg = special.digamma(tv) @ self.counts - self.n * special.digamma(theta)
        tg = self.n * special.polygamma(1, theta) - special.polygamma(1, tv) @ self.counts
        return dg, tg


def _theta_step(y: np.ndarray, mu: np.ndarray, theta: np.ndarray, terms: _ThetaTerms) -> np.ndarray:
    """Newton step for theta (expected information, as MASS::theta.ml), one per row."""
    th = theta[:, None]
    n = y.shape[0]
    dg, tg = terms.digamma_and_trigamma(theta)
    mt = mu + th
    score = dg + n * (np.log(theta) + 1.0) - np.sum(np.log(mt) + (y + th) / mt, axis=1)
    info = tg - n / theta + np.sum((2.0 - (y + th) / mt) / mt, axis=1)
    step: np.ndarray = score / info
    return step


def fit_batched(
    model: str,
    y: np.ndarray,
    V: np.ndarray,
    F: np.ndarray,
    *,
    offset: np.ndarray | None = None,
    theta_start: float | None = None,
    beta_start: np.ndarray | None = None,
) -> BatchedFit:
    """Fit `model` for every allocation r with design [V_r F] (same y, offset and F).

    Args:
        model: "negative-binomial", "poisson-robust" or "log-linear".
        y: outcomes, one per spot (n,).
        V: allocation-dependent columns (R, n, k), e.g. arm indicators per re-draw.
        F: fixed columns (n, q): intercept, baseline, strata or sets.
        offset: log exposure (n,), count models only.
        theta_start: starting theta for the negative binomial (e.g. the observed fit's).
        beta_start: starting coefficients (k + q,) for every row (e.g. the observed fit's);
            None starts from mu = y + 0.1 as R's glm does.

    Returns:
        A `BatchedFit`; the coefficients are those the single-fit functions give, to their
        tolerance (IRLS for beta alternating with Newton steps for theta, as MASS::glm.nb).
    """
    y = np.asarray(y, dtype=float)
    R = V.shape[0]
    Vk = np.ascontiguousarray(np.moveaxis(np.asarray(V, dtype=float), 2, 0))
    off = np.zeros_like(y) if offset is None else np.asarray(offset, dtype=float)
    FF = (F[:, :, None] * F[:, None, :]).reshape(F.shape[0], -1)
    if model == "log-linear":
        z = np.broadcast_to(np.log1p(y), (R, y.shape[0]))
        beta = _solve(Vk, F, FF, np.ones((R, y.shape[0])), z)
        return BatchedFit(beta, None, np.ones(R, dtype=bool), 1)
    nb = model == "negative-binomial"
    p = Vk.shape[0] + F.shape[1]
    out_beta = np.zeros((R, p))
    out_theta = np.full(R, np.nan) if nb else None
    converged = np.zeros(R, dtype=bool)
    # Working arrays hold only the fits still iterating; finished rows are written out.
    rows = np.arange(R)
    beta = np.zeros((R, p))
    if beta_start is None:
        mu = np.broadcast_to(y + 0.1, (R, y.shape[0])).copy()
        eta = np.log(mu)
    else:
        beta[:] = beta_start
        eta = np.clip(_linear_predictor(Vk, F, beta) + off, -700.0, 700.0)
        mu = np.exp(eta)
    theta = np.full(R, theta_start if theta_start is not None else 1.0)
    theta_terms = _ThetaTerms(y) if nb else None

    def _retire(done: np.ndarray) -> np.ndarray:
        nonlocal rows, beta, eta, mu, theta, Vk
        if done.any():
            finished = rows[done]
            out_beta[finished] = beta[done]
            if out_theta is not None:
                out_theta[finished] = theta[done]
            converged[finished] = True
            keep = ~done
            rows, beta, eta, mu, theta = rows[keep], beta[keep], eta[keep], mu[keep], theta[keep]
            Vk = Vk[:, keep]
        return done

    iterations = 0
    for iterations in range(1, _MAX_ITER + 1):  # noqa: B007 (reported)
        if theta_terms is not None and iterations > _ALTERNATING:
            d_beta, d_theta = _joint_newton_step(y, Vk, F, FF, mu, theta, theta_terms)
            # Halve the whole step where it would make theta non-positive.
            scale = np.ones_like(d_theta)
            for _ in range(60):
                bad = theta + scale * d_theta <= 0
                if not bad.any():
                    break
                scale = np.where(bad, scale / 2.0, scale)
            new = beta + scale[:, None] * d_beta
            proposal = np.minimum(theta + scale * d_theta, THETA_BOUNDARY)
            eta = np.clip(_linear_predictor(Vk, F, new) + off, -700.0, 700.0)
            mu = np.exp(eta)
            done = np.max(np.abs(new - beta), axis=1) <= _TOL * np.maximum(
                1.0, np.max(np.abs(new), axis=1)
            )
            done &= (np.abs(proposal - theta) <= _TOL * proposal) | (proposal >= THETA_BOUNDARY)
            beta, theta = new, proposal
            done = _retire(done)
            if rows.size == 0:
                break
            continue
        w = mu if not nb else mu / (1.0 + mu / theta[:, None])
        z = eta - off + (y - mu) / mu
        new = _solve(Vk, F, FF, w, w * z)
        eta = np.clip(_linear_predictor(Vk, F, new) + off, -700.0, 700.0)
        mu = np.exp(eta)
        done = np.max(np.abs(new - beta), axis=1) <= _TOL * np.maximum(
            1.0, np.max(np.abs(new), axis=1)
        )
        beta = new
        if theta_terms is not None:
            step = _theta_step(y, mu, theta, theta_terms)
            proposal = theta + step
            # Newton overshoots below zero for small theta; halve the step until positive.
            for _ in range(60):
                bad = proposal <= 0
                if not bad.any():
                    break
                step = np.where(bad, step / 2.0, step)
                proposal = theta + step
            proposal = np.minimum(proposal, THETA_BOUNDARY)
            done &= (np.abs(proposal - theta) <= _TOL * proposal) | (proposal >= THETA_BOUNDARY)
            theta = proposal
        done &= iterations > 1
        done = _retire(done)
        if rows.size == 0:
            break
    out_beta[rows] = beta
    if out_theta is not None:
        out_theta[rows] = theta
    return BatchedFit(out_beta, out_theta, converged, iterations)


def fit_batched_chunks(
    model: str,
    y: np.ndarray,
    V: np.ndarray,
    F: np.ndarray,
    *,
    offset: np.ndarray | None = None,
    theta_start: float | None = None,
    beta_start: np.ndarray | None = None,
    chunk: int = 1000,
    workers: int = 1,
) -> BatchedFit:
    """`fit_batched` over blocks of `chunk` allocations (small blocks stay in cache), on
    `workers` threads. The blocks are independent, so results depend on neither."""
    R = V.shape[0]
    bounds = [(i, min(i + chunk, R)) for i in range(0, R, chunk)]
    n_workers = max(1, workers)

    def run(bound: tuple[int, int]) -> BatchedFit:
        return fit_batched(
            model,
            y,
            V[bound[0] : bound[1]],
            F,
            offset=offset,
            theta_start=theta_start,
            beta_start=beta_start,
        )

    if n_workers == 1 or len(bounds) == 1:
        parts = [run(b) for b in bounds]
    else:
        with ThreadPoolExecutor(max_workers=n_workers) as pool:
            parts = list(pool.map(run, bounds))
    thetas = [p.theta for p in parts]
    return BatchedFit(
        coef=np.concatenate([p.coef for p in parts]),
        theta=None if thetas[0] is None else np.concatenate([t for t in thetas if t is not None]),
        converged=np.concatenate([p.converged for p in parts]),
        iterations=max(p.iterations for p in parts),
    )
