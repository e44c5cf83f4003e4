"""Input checks shared by the model fits: shapes, finiteness, counts, rank."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from trial.errors import InputError, Problem


def check_model_inputs(
    y: np.ndarray,
    X: np.ndarray,
    terms: Sequence[str],
    offset: np.ndarray | None,
    *,
    counts: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate a response, design matrix and offset; return them as float arrays.

    Raises:
        InputError: every problem found, with what would be valid.
    """
    problems: list[Problem] = []
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    if y.ndim != 1:
        problems.append(Problem(f"the outcome must be one value per spot, got shape {y.shape}"))
    if X.ndim != 2 or X.shape[0] != y.shape[0]:
        problems.append(
            Problem(f"the design matrix must have one row per spot ({y.shape[0]}), got {X.shape}")
        )
    elif X.shape[1] != len(terms):
        problems.append(Problem(f"{X.shape[1]} design columns but {len(terms)} term names"))
    if offset is None:
        off = np.zeros(y.shape[0])
    else:
        off = np.asarray(offset, dtype=float)
        if off.shape != y.shape or not np.all(np.isfinite(off)):
            problems.append(Problem("the offset must be finite, one value per spot"))
    if problems:
        raise InputError(problems)
    if not np.all(np.isfinite(y)):
        problems.append(Problem("the outcome has missing or infinite values"))
    elif counts and (np.any(y < 0) or np.any(y != np.round(y))):
        problems.append(Problem("a count outcome must be whole numbers >= 0"))
    elif np.any(y < 0):
        problems.append(Problem("the outcome must be >= 0"))
    if not np.all(np.isfinite(X)):
        problems.append(Problem("the design matrix has missing or infinite values"))
    if problems:
        raise InputError(problems)
    if X.shape[0] <= X.shape[1]:
        raise InputError(
            Problem(f"{X.shape[0]} spots cannot support {X.shape[1]} model terms: need more spots")
        )
    rank = np.linalg.matrix_rank(X)
    if rank < X.shape[1]:
        raise InputError(Problem(f"the design is rank deficient ({_dependent(X, terms)})"))
    return y, X, off


def _dependent(X: np.ndarray, terms: Sequence[str]) -> str:
    kept: list[int] = []
    dropped: list[str] = []
    for j in range(X.shape[1]):
        if np.linalg.matrix_rank(X[:, [*kept, j]]) == len(kept) + 1:
            kept.append(j)
        else:
            dropped.append(terms[j])
    return "terms that are combinations of earlier ones: " + ", ".join(dropped)
