"""Allocate once, reproducibly: the versioned algorithm, counts of allocations and their hash.

Algorithm "spotlight-allocation/1". Every random number comes from the bit generator's raw
64-bit outputs (``rng.bit_generator.random_raw``), as ``trial.design.draws`` describes: U(s) is
an exact uniform integer on 0..s-1 by Lemire's method, a round of k draws takes k outputs in
order (rejections, probability below s / 2**64, take further outputs), and a shuffle of M rows
of length m is Fisher-Yates (i = m-1 down to 1: a round of M draws U(i+1), swap i and j).
Spots are in code-point order of spot_id; arms are indices in protocol order; "slots" for a
group are the arm indices in order, arm a repeated by its count.

- complete (n spots, ratios r, R = sum(r)): one draw u = U(R); arm a gets floor(n r_a / R) plus
  one if some u + kR (k >= 0) lies in [W_{a-1}, W_a), W the running sum of (n r_a mod R);
  then one shuffle of one row of the n slots; spot k gets slot k.
- stratified: the controlled rounding of the strata-by-arm table
  (``trial.design.stratified``: one draw U(d1 + d2) per cycle step); then, stratum by stratum
  in code-point order of the labels, one shuffle of the stratum's slots; its k-th spot gets
  slot k.
- matched: sets formed by sorting each stratum (labels in code-point order) on match_on, ties by
  spot_id; one shuffle of one row per set (set-number order), each row the arms repeated by
  ratio, the set's k-th spot in sort order getting slot k; then the leftovers, pooled in
  code-point order, as complete.
- rerandomise: batches of 64 candidate draws, each batch drawn as complete (or stratified,
  with strata) does for 64 rows at once: the round of 64 starts (or 64 roundings, one after
  another), then shuffles of 64 rows. The first candidate the rule accepts is kept; draws_tried
  counts the candidates up to it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from trial.canonical import canonical_sha256
from trial.design.matched import set_numbers
from trial.design.procedure import Layout, base_batch, count_base, draw, lay_out
from trial.design.spec import Allocation, DesignSpec, Units, refuse
from trial.errors import RefusedError

ALGORITHM = "spotlight-allocation/1"


def generator(seed: int) -> np.random.Generator:
    """The generator an allocation is drawn from: ``Generator(PCG64(seed))``, seed up to 128 bits.

    Raises:
        InputError: the seed is not a non-negative integer below 2**128.
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < 2**128:
        raise refuse(f"a seed must be an integer from 0 to 2**128 - 1, not {seed!r}",
                     "design.seed")
    return np.random.Generator(np.random.PCG64(int(seed)))


def _allocate_v1(spec: DesignSpec, units: Units, rng: np.random.Generator) -> Allocation:
    layout = lay_out(spec, units)
    indices, tried = draw(layout, rng)
    return _as_allocation(layout, units, indices, tried, "spotlight-allocation/1")


def _as_allocation(layout: Layout, units: Units, indices: np.ndarray, tried: int,
                   algorithm: str) -> Allocation:
    spec = layout.spec
    sets: list[int | None] = (set_numbers(layout.sets, layout.n) if layout.sets is not None
                              else [None] * layout.n)
    strata: list[str | None] = (list(layout.labels) if layout.labels is not None
                                else [None] * layout.n)
    return Allocation(
        spot_ids=units.spot_ids,
        arms=tuple(spec.arms[int(i)] for i in indices),
        strata=tuple(strata),
        sets=tuple(sets),
        draws_tried=tried,
        algorithm=algorithm,
    )


ALGORITHMS: dict[str, Callable[[DesignSpec, Units, np.random.Generator], Allocation]] = {
    "spotlight-allocation/1": _allocate_v1,
}


def allocate(spec: DesignSpec, units: Units, rng: np.random.Generator, *,
             algorithm: str = ALGORITHM) -> Allocation:
    """Draw the allocation of a design: a pure function of (spec, units, rng state, algorithm).

    Args:
        spec: the design.
        units: the eligible spots in code-point order with their attributes.
        rng: ``generator(seed)``; its raw outputs are consumed as the module docstring says.
        algorithm: the version to run; every earlier version stays runnable for verification.

    Returns:
        The allocation, spots in ``units`` order.

    Raises:
        InputError: the spots lack an attribute the design needs, or hold a bad value, or
            the algorithm is unknown.
        RefusedError: rerandomisation found no acceptable draw within ``max_draws``.
    """
    if algorithm not in ALGORITHMS:
        raise refuse(f'unknown allocation algorithm "{algorithm}"; known: '
                     f'{", ".join(sorted(ALGORITHMS))}', "algorithm")
    return ALGORITHMS[algorithm](spec, units, rng)


def count_allocations(spec: DesignSpec, units: Units) -> int:
    """Exact number of distinct allocations the design can give (before any rule).

    Notes:
        complete: sum over the arm-count vectors the systematic draw can give of
        n! / prod(c_a!); stratified: sum over the tables the rounding can give of the
        product over strata of multinomials; matched: (R! / prod(r_a!))^sets times the
        leftovers' complete count. Rerandomise counts its complete (or stratified) draws.

    Raises:
        RefusedError: so many strata hold leftovers that the reachable tables cannot all be
            listed (beyond about 25 such strata).
    """
    count, exact = count_base(lay_out(spec, units))
    if not exact:
        raise RefusedError("too many strata with leftover spots to count the allocations "
                           f"exactly; there are at least {count:.3e}")
    return count


def simulate_allocations(spec: DesignSpec, units: Units, rng: np.random.Generator, *,
                         n: int) -> np.ndarray:
    """``n`` fresh allocations by the full procedure (counts re-drawn, rule applied), for power.

    Returns:
        (n x spots) matrix of arm indices in protocol order.
    """
    layout = lay_out(spec, units)
    if spec.method != "rerandomise":
        return base_batch(layout, rng, n)
    assert layout.rule is not None
    kept: list[np.ndarray] = []
    found, tried = 0, 0
    while found < n:
        if tried >= spec.max_draws * max(n, 1):
            raise refuse("the rerandomisation rule accepts too few draws to simulate "
                         f"{n} allocations", "design")
        size = max(64, 2 * (n - found))
        candidates = base_batch(layout, rng, size)
        accepted = candidates[layout.rule(candidates)]
        kept.append(accepted[: n - found])
        found += min(len(accepted), n - found)
        tried += size
    return np.concatenate(kept)[:n]


def allocation_sha256(spot_ids: Sequence[str], arms: Sequence[str],
                      strata: Sequence[str | None], sets: Sequence[int | None]) -> str:
    """SHA-256 of the canonical JSON list of {"spot_id", "arm", "stratum", "set"} in spot order."""
    if not len(spot_ids) == len(arms) == len(strata) == len(sets):
        raise refuse("spot_ids, arms, strata and sets must have one entry per spot")
    rows = [{"spot_id": s, "arm": a, "stratum": st, "set": None if k is None else int(k)}
            for s, a, st, k in zip(spot_ids, arms, strata, sets, strict=True)]
    return canonical_sha256(rows)
