"""Matched sets: neighbours on ``match_on`` within strata share out every arm by its ratio."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trial.design.complete import complete_batch, count_complete, multinomial
from trial.design.draws import shuffle_rows


@dataclass(frozen=True)
class MatchedSets:
    """Spot indices of each set (rows, in set-number order, members in match_on order).

    Attributes:
        members: (sets x sum(r)) spot indices; set k (from 0) is numbered k + 1.
        leftovers: spot indices with no set, in code-point order.
    """

    members: np.ndarray
    leftovers: np.ndarray


def form_sets(groups: list[np.ndarray], match_values: np.ndarray, set_size: int) -> MatchedSets:
    """Sort each stratum on match_on (ties by spot_id) and cut it into consecutive sets.

    The last (n_s mod set_size) spots of each stratum's order have no set.
    """
    rows: list[np.ndarray] = []
    left: list[np.ndarray] = []
    for members in groups:
        # members are in code-point order, so a stable sort breaks ties by spot_id
        ordered = members[np.argsort(match_values[members], kind="stable")]
        full = (len(ordered) // set_size) * set_size
        rows.extend(ordered[:full].reshape(-1, set_size))
        left.append(ordered[full:])
    members_matrix = (np.stack(rows) if rows
                      else np.zeros((0, set_size), dtype=np.int64))
    leftovers = np.sort(np.concatenate(left)) if left else np.zeros(0, dtype=np.int64)
    return MatchedSets(members_matrix.astype(np.int64), leftovers.astype(np.int64))


def matched_batch(sets: MatchedSets, ratios: tuple[int, ...], n: int,
                  rng: np.random.Generator, size: int) -> np.ndarray:
    """``size`` matched allocations: a (size x n) matrix of arm indices.

    rng order: one shuffle of size x (number of sets) rows, ordered allocation by allocation
    and within each by set number, each row holding the arms in order repeated by ratio (a
    set's k-th spot in match_on order gets slot k); then the leftovers, pooled in code-point
    order, by ``complete_batch``.
    """
    out = np.zeros((size, n), dtype=np.int64)
    if size == 0:
        return out
    base = np.repeat(np.arange(len(ratios)), ratios)
    n_sets = sets.members.shape[0]
    if n_sets:
        shuffled = shuffle_rows(rng, np.tile(base, (size * n_sets, 1)))
        out[:, sets.members.ravel()] = shuffled.reshape(size, n_sets * len(base))
    if sets.leftovers.size:
        out[:, sets.leftovers] = complete_batch(ratios, sets.leftovers.size, rng, size)
    return out


def count_matched(sets: MatchedSets, ratios: tuple[int, ...]) -> int:
    """Distinct matched allocations with positive probability."""
    per_set = multinomial(list(ratios))
    return int(per_set ** sets.members.shape[0] * count_complete(sets.leftovers.size, ratios))


def set_numbers(sets: MatchedSets, n: int) -> list[int | None]:
    """Each spot's set number (1, 2, ...) or None."""
    numbers: list[int | None] = [None] * n
    for k, row in enumerate(sets.members):
        for i in row:
            numbers[int(i)] = k + 1
    return numbers
