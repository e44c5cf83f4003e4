"""A design laid over its spots (strata, sets, rule) and its draw procedure, batched."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trial.design.balance import Rule, balance_rule
from trial.design.complete import complete_batch, count_complete, leftover_weights
from trial.design.matched import MatchedSets, count_matched, form_sets, matched_batch
from trial.design.spec import DesignSpec, Units, groups_of, numeric, refuse, stratum_labels
from trial.design.stratified import (
    ControlledRounding,
    TooManyToCount,
    count_stratified,
    count_stratified_at_least,
    stratified_batch,
)
from trial.errors import RefusedError

BATCH = 64


@dataclass(frozen=True)
class Layout:
    """What the draws need to know about the spots, worked out once.

    Attributes:
        spec: the design.
        n: number of spots.
        labels: stratum label of each spot, or None.
        groups: spot indices of each stratum in label order (one group without strata).
        sets: matched sets (matched designs only).
        rounding: the controlled rounding (stratified draws only).
        rule: the rerandomisation rule (rerandomise only).
    """

    spec: DesignSpec
    n: int
    labels: list[str] | None
    groups: list[np.ndarray]
    sets: MatchedSets | None
    rounding: ControlledRounding | None
    rule: Rule | None

    @property
    def stratified_draws(self) -> bool:
        return self.spec.method == "stratified" or (
            self.spec.method == "rerandomise" and self.labels is not None)


def lay_out(spec: DesignSpec, units: Units) -> Layout:
    """Check the spots against the design and prepare its strata, sets and rule."""
    n = len(units)
    if n == 0:
        raise refuse("there are no eligible spots to allocate", "spot_id")
    labels = stratum_labels(spec, units)
    groups = groups_of(labels, n)
    sets = None
    rounding = None
    rule = None
    if spec.method == "matched":
        assert spec.match_on is not None  # DesignSpec guarantees it
        values = numeric(units, [spec.match_on], "design.match_on")[:, 0]
        sets = form_sets(groups, values, spec.total_ratio)
    if spec.method == "stratified" or (spec.method == "rerandomise" and labels is not None):
        rounding = ControlledRounding([len(g) for g in groups], spec.ratios)
    if spec.method == "rerandomise":
        floors, _ = leftover_weights(n, spec.ratios)
        needed = 2 if spec.criterion == "max_abs_smd" else 1
        if floors.min() < needed:
            raise refuse(f"rerandomisation needs at least {needed} spots in every arm; "
                         f"{n} spots give some arm {int(floors.min())}", "design.balance_on")
        rule = balance_rule(spec, units)
    return Layout(spec, n, labels, groups, sets, rounding, rule)


def base_batch(layout: Layout, rng: np.random.Generator, size: int) -> np.ndarray:
    """``size`` draws of the design without any rerandomisation rule (size x n arm indices)."""
    spec = layout.spec
    if spec.method == "matched":
        assert layout.sets is not None
        return matched_batch(layout.sets, spec.ratios, layout.n, rng, size)
    if layout.stratified_draws:
        return stratified_batch(layout.groups, spec.ratios, layout.n, rng, size,
                                layout.rounding)
    return complete_batch(spec.ratios, layout.n, rng, size)


def rerandomise(layout: Layout, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """The first draw the rule accepts, and how many draws were tried.

    rng order: batches of ``BATCH`` draws (the last one cut to what ``max_draws`` leaves),
    each by ``base_batch``; the first accepted draw in batch order is kept and the count of
    draws tried runs to it. Later draws of its batch are discarded.

    Raises:
        RefusedError: no draw was accepted within ``max_draws``.
    """
    spec = layout.spec
    assert layout.rule is not None
    tried = 0
    while tried < spec.max_draws:
        size = min(BATCH, spec.max_draws - tried)
        candidates = base_batch(layout, rng, size)
        accepted = layout.rule(candidates)
        if accepted.any():
            first = int(np.argmax(accepted))
            return candidates[first], tried + first + 1
        tried += size
    if spec.criterion == "max_abs_smd":
        advice = f"loosen design.max_abs_smd (now {spec.max_abs_smd})"
    else:
        advice = f"raise design.acceptance (now {spec.acceptance})"
    raise RefusedError(
        f"no allocation met the rerandomisation rule in {spec.max_draws} draws: the rule is "
        f"too strict for these spots; {advice} or raise design.max_draws")


def draw(layout: Layout, rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """One allocation by the full procedure (rule included) and the draws tried."""
    if layout.spec.method == "rerandomise":
        return rerandomise(layout, rng)
    return base_batch(layout, rng, 1)[0], 1


def count_base(layout: Layout) -> tuple[int, bool]:
    """Distinct allocations the procedure can give before any rule, and whether exact.

    Stratified designs with very many strata holding leftovers give a lower bound (the
    allocations of one reachable table) and False.
    """
    spec = layout.spec
    if spec.method == "matched":
        assert layout.sets is not None
        return count_matched(layout.sets, spec.ratios), True
    if layout.stratified_draws:
        try:
            return count_stratified(layout.groups, spec.ratios), True
        except TooManyToCount:
            return count_stratified_at_least(layout.groups, spec.ratios), False
    return count_complete(layout.n, spec.ratios), True
