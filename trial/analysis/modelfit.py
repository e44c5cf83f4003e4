"""The result of one outcome-model fit, shared by every model family."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

MODEL_NAMES = ("negative-binomial", "poisson-robust", "log-linear")


@dataclass(frozen=True, eq=False)
class ModelFit:
    """One fitted outcome model.

    Attributes:
        model: "negative-binomial", "poisson-robust" or "log-linear".
        terms: column names of the design matrix, in order.
        coef: coefficients (log scale), one per term.
        vcov: covariance matrix of `coef` (the model's registered covariance).
        se: square roots of the diagonal of `vcov`.
        theta: negative-binomial shape (Var = mu + mu^2/theta); None for other models.
        loglik: log-likelihood at the fit (Gaussian for log-linear, Poisson for poisson-robust).
        converged: whether the iterations met their tolerance.
        iterations: outer iterations used (IRLS steps, or alternations for negative-binomial).
        n: number of observations.
        fallback_reason: why this model was fitted instead of the registered one, else None.
    """

    model: str
    terms: tuple[str, ...]
    coef: np.ndarray
    vcov: np.ndarray
    se: np.ndarray
    theta: float | None
    loglik: float
    converged: bool
    iterations: int
    n: int
    fallback_reason: str | None = None

    @property
    def summary(self) -> pd.DataFrame:
        """Coefficient table: estimate, SE, Wald z and two-sided p, exp(estimate), by term."""
        z = self.coef / self.se
        return pd.DataFrame(
            {
                "estimate": self.coef,
                "se": self.se,
                "z": z,
                "p_value": 2.0 * stats.norm.sf(np.abs(z)),
                "ratio": np.exp(self.coef),
            },
            index=pd.Index(self.terms, name="term"),
        )

    def index_of(self, term: str) -> int:
        """Position of `term` among the fit's terms (KeyError naming the terms if absent)."""
        try:
            return self.terms.index(term)
        except ValueError:
            raise KeyError(
                f"{term!r} is not a term of this fit; terms: {list(self.terms)}"
            ) from None


class FitFailure(Exception):
    """A model could not be fitted to these data (non-convergence, boundary, separation)."""
