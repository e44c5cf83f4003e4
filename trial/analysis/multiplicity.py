"""Multiplicity over the confirmatory hypotheses: Holm, Bonferroni, fixed-sequence."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from trial.errors import InputError

METHODS = ("holm", "bonferroni", "fixed-sequence", "none")


@dataclass(frozen=True)
class Adjusted:
    """Adjusted p-values (two-sided scale) and decisions, in the order given.

    Attributes:
        p_adjusted: one per hypothesis.
        reject: whether each hypothesis is rejected at alpha.
        method: the multiplicity rule.
    """

    p_adjusted: tuple[float, ...]
    reject: tuple[bool, ...]
    method: str


def adjust(
    p_values: Sequence[float],
    *,
    method: str,
    sided: Sequence[bool],
    alpha: float = 0.05,
) -> Adjusted:
    """Adjust p-values for multiplicity, on the two-sided scale.

    Args:
        p_values: one p per confirmatory hypothesis, in file order.
        method: "holm", "bonferroni", "fixed-sequence" or "none".
        sided: for each p, True when it is one-sided (one-sided superiority or
            non-inferiority): it enters as min(1, 2p).
        alpha: every adjusted p is compared with alpha.

    Returns:
        `Adjusted` with p-values and decisions in the order given.

    Raises:
        InputError: unknown method, lengths differ, p outside [0, 1].

    Notes:
        Holm: sort ascending; adjusted p_(j) = max_{k<=j} min(1, (m-k+1) p_(k)).
        Bonferroni: min(1, m p). Fixed-sequence in the given order: adjusted
        p_j = max_{k<=j} p_k; once one is not rejected, no later one is (this also
        follows from the running maximum).

    References:
        Holm, S. (1979). A simple sequentially rejective multiple test procedure. Scand J Stat
        6(2). Maurer, W., Hothorn, L. & Lehmacher, W. (1995). Multiple comparisons in drug
        clinical trials and preclinical assays: a-priori ordered hypotheses.
        (R: p.adjust(p, "holm"), p.adjust(p, "bonferroni").)
    """
    if method not in METHODS:
        raise InputError(f"unknown multiplicity method {method!r}; valid: {', '.join(METHODS)}")
    p = np.asarray(p_values, dtype=float)
    if len(sided) != len(p):
        raise InputError(f"{len(p)} p-values but {len(sided)} sidedness flags")
    if np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise InputError("p-values must lie in [0, 1]")
    p = np.where(np.asarray(sided, dtype=bool), np.minimum(1.0, 2.0 * p), p)
    m = len(p)
    if method == "none" or m == 0:
        adjusted = p
    elif method == "bonferroni":
        adjusted = np.minimum(1.0, m * p)
    elif method == "holm":
        order = np.argsort(p, kind="stable")
        stepped = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * p[order]))
        adjusted = np.empty(m)
        adjusted[order] = stepped
    else:
        adjusted = np.maximum.accumulate(p)
    reject = adjusted <= alpha if method != "fixed-sequence" else _sequence(adjusted, alpha)
    return Adjusted(
        p_adjusted=tuple(float(v) for v in adjusted),
        reject=tuple(bool(r) for r in reject),
        method=method,
    )


def _sequence(adjusted: np.ndarray, alpha: float) -> np.ndarray:
    reject = np.zeros(len(adjusted), dtype=bool)
    for j, value in enumerate(adjusted):
        if value > alpha:
            break
        reject[j] = True
    return reject
