"""Re-draws of a registered allocation by its own design, for randomisation inference."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import prod

import numpy as np

from trial.design.complete import multinomial
from trial.design.draws import shuffle_rows
from trial.design.procedure import Layout, lay_out
from trial.design.spec import Allocation, DesignSpec, Units, refuse
from trial.errors import RefusedError

ENUMERATION_CELLS = 20_000_000  # spots x allocations enumerated to filter by a rule
MAX_BATCH = 20_000


@dataclass(frozen=True)
class Redraws:
    """Re-drawn allocations.

    Attributes:
        matrix: (R x n) arm indices (protocol order), spots in code-point order.
        exact: True when the rows are every allocation of the re-draw distribution exactly
            once (the observed one included), which is then uniform over them.
        arms: the protocol's arm names, which the indices refer to.
    """

    matrix: np.ndarray
    exact: bool
    arms: tuple[str, ...]


def _design_groups(layout: Layout) -> list[np.ndarray]:
    """Where the design draws: strata, or each matched set and the pooled leftovers."""
    if layout.sets is not None:
        groups = list(layout.sets.members)
        if layout.sets.leftovers.size:
            groups.append(layout.sets.leftovers)
        return groups
    return layout.groups


def _arrangements(labels: np.ndarray) -> np.ndarray:
    """Every distinct ordering of a multiset of arm indices, in lexicographic order."""
    values, counts = np.unique(labels, return_counts=True)
    remaining = [int(c) for c in counts]
    rows: list[list[int]] = []
    prefix: list[int] = []

    def extend() -> None:
        if len(prefix) == len(labels):
            rows.append(list(prefix))
            return
        for k, value in enumerate(values):
            if remaining[k]:
                remaining[k] -= 1
                prefix.append(int(value))
                extend()
                prefix.pop()
                remaining[k] += 1

    extend()
    return np.asarray(rows, dtype=np.int64).reshape(len(rows), len(labels))


def _enumerate(observed: np.ndarray, movable: list[np.ndarray]) -> np.ndarray:
    options = [_arrangements(observed[g]) for g in movable]
    total = prod(len(o) for o in options)
    out = np.tile(observed, (total, 1))
    stride = 1
    for positions, arrangement in zip(movable[::-1], options[::-1], strict=True):
        pick = (np.arange(total) // stride) % len(arrangement)
        out[:, positions] = arrangement[pick]
        stride *= len(arrangement)
    return out


def _permute(rng: np.random.Generator, observed: np.ndarray, movable: list[np.ndarray],
             size: int) -> np.ndarray:
    """``size`` re-draws: each movable group's observed arms shuffled among its spots.

    rng order: groups batched by length (ascending); for each length, one shuffle of
    size x (groups of that length) rows, re-draw by re-draw and group by group within.
    """
    out = np.tile(observed, (size, 1))
    lengths = sorted({len(g) for g in movable if len(g) > 1})
    for m in lengths:
        positions = np.stack([g for g in movable if len(g) == m])
        labels = np.tile(observed[positions], (size, 1, 1)).reshape(-1, m)
        shuffled = shuffle_rows(rng, labels).reshape(size, -1)
        out[:, positions.ravel()] = shuffled
    return out


def _observed_indices(spec: DesignSpec, units: Units, observed: Allocation) -> np.ndarray:
    if tuple(observed.spot_ids) != tuple(units.spot_ids):
        raise refuse("the allocation is not of these spots", "spot_id")
    position = {arm: k for k, arm in enumerate(spec.arms)}
    unknown = sorted({a for a in observed.arms if a not in position})
    if unknown:
        raise refuse(f"the allocation has arms the design lacks: {', '.join(unknown)}", "arm")
    return np.fromiter((position[a] for a in observed.arms), dtype=np.int64,
                       count=len(observed.arms))


def redraws(spec: DesignSpec, units: Units, observed: Allocation, rng: np.random.Generator,
            *, n: int, arms: tuple[str, str] | None = None,
            pairs: Sequence[tuple[str, str]] | None = None) -> Redraws:
    """Re-draw an allocation by its design, for randomisation inference (METHODS.md 3).

    Every re-draw keeps the observed arm counts of each stratum (each matched set, and the
    pooled leftovers of a matched design) and shuffles arms among its spots: the design's
    randomisation distribution given those counts. A rerandomised design keeps only re-draws
    whose whole allocation its rule accepts.

    Args:
        spec: the registered design.
        units: its spots.
        observed: the registered allocation.
        rng: the generator for the re-draws.
        n: how many re-draws (R).
        arms: (a, b): keep every other arm's spots fixed and re-draw only which of the
            a-or-b spots get a, within each stratum or set. None: re-draw all arms.
        pairs: several such pairs at once, e.g. a factorial main effect of digital patrol
            re-drawn within the levels of the other factor:
            [("neither", "digital"), ("physical", "both")]. Not with ``arms``.

    Returns:
        ``Redraws``. When the re-draw distribution holds at most n allocations, all of them
        exactly once in lexicographic order (fewer than n rows), ``exact=True``, and the rng
        is not used.

    Raises:
        InputError: unknown arms, or an allocation of other spots.
        RefusedError: the rule accepts too few re-draws to find n of them.
    """
    if n < 1:
        raise refuse("n must be at least 1", "n")
    if arms is not None and pairs is not None:
        raise refuse("give arms or pairs, not both", "arms")
    layout = lay_out(spec, units)
    obs = _observed_indices(spec, units, observed)
    chosen = [tuple(arms)] if arms is not None else [tuple(p) for p in pairs or []]
    for pair in chosen:
        if len(pair) != 2 or pair[0] == pair[1] or not set(pair) <= set(spec.arms):
            raise refuse(f"{pair!r} is not a pair of two different arms of the design", "arms")
    movable: list[np.ndarray] = []
    for group in _design_groups(layout):
        if not chosen:
            movable.append(group)
        for pair in chosen:
            codes = [spec.arms.index(a) for a in pair]
            movable.append(group[np.isin(obs[group], codes)])
    movable = [g for g in movable if len(g) > 1]
    total = prod(multinomial(np.unique(obs[g], return_counts=True)[1]) for g in movable)
    rule = layout.rule
    if rule is None and total <= n:
        return Redraws(_enumerate(obs, movable), True, spec.arms)
    if rule is not None and total * layout.n <= ENUMERATION_CELLS:
        every = _enumerate(obs, movable)
        acceptable = every[rule(every)]
        if len(acceptable) <= n:
            return Redraws(acceptable, True, spec.arms)
    if rule is None:
        return Redraws(_permute(rng, obs, movable, n), False, spec.arms)
    kept: list[np.ndarray] = []
    found, tried = 0, 0
    limit = max(spec.max_draws, 1_000 * n)
    while found < n:
        if tried >= limit:
            raise RefusedError(f"the rerandomisation rule accepted {found} of {tried} re-draws; "
                               f"too few to find {n}")
        wanted = n if tried == 0 else int(1.2 * (n - found) * tried / max(found, 1))
        size = min(limit - tried, MAX_BATCH, max(256, wanted))
        candidates = _permute(rng, obs, movable, size)
        accepted = candidates[rule(candidates)][: n - found]
        kept.append(accepted)
        found += len(accepted)
        tried += size
    return Redraws(np.concatenate(kept), False, spec.arms)
