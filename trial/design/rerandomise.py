"""Before rerandomising: how strict the rule is, and what it leaves randomisation inference."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from trial.design.procedure import BATCH, base_batch, count_base, lay_out
from trial.design.spec import DesignSpec, Units, refuse

MIN_ACCEPTABLE = 1_000


@dataclass(frozen=True)
class RerandomisationCheck:
    """What a rerandomisation rule does to the design, estimated from trial draws.

    Attributes:
        draws: draws made for the estimate (none is kept).
        accepted: how many of them the rule accepted.
        acceptance_rate: accepted / draws.
        total_allocations: number of allocations before the rule (exact when
            ``total_exact``, else a lower bound: very many strata with leftovers).
        total_exact: whether ``total_allocations`` is exact.
        acceptable_estimate: acceptance_rate x total_allocations.
        min_p_value: the smallest p-value randomisation inference could reach,
            1 / acceptable_estimate (1.0 when no draw was accepted).
        predictable: the rule leaves so few allocations that the allocation is predictable.
        warning: why, in words, or None.
    """

    draws: int
    accepted: int
    acceptance_rate: float
    total_allocations: int
    total_exact: bool
    acceptable_estimate: float
    min_p_value: float
    predictable: bool
    warning: str | None


def check_rerandomisation(spec: DesignSpec, units: Units, rng: np.random.Generator, *,
                          n_draws: int = 10_000, alpha: float = 0.05) -> RerandomisationCheck:
    """Estimate the rule's acceptance rate and what it leaves, drawing nothing that is kept.

    Args:
        spec: a rerandomise design.
        units: the eligible spots.
        rng: a generator of its own (not the allocation's).
        n_draws: draws of the underlying complete (or stratified) design to test.
        alpha: the trial's significance level.

    Returns:
        The check. ``predictable`` is true when fewer than 1,000 allocations are estimated
        acceptable, or when the smallest reachable randomisation p-value exceeds alpha / 20
        (so that a p-value at alpha would rest on fewer than 20 allocations' worth of
        resolution).
    """
    if spec.method != "rerandomise":
        raise refuse("only a rerandomise design has a rule to check", "design.method")
    if n_draws < 1:
        raise refuse("n_draws must be at least 1", "n_draws")
    layout = lay_out(spec, units)
    assert layout.rule is not None
    accepted = 0
    done = 0
    while done < n_draws:
        size = min(BATCH * 16, n_draws - done)
        accepted += int(layout.rule(base_batch(layout, rng, size)).sum())
        done += size
    rate = accepted / n_draws
    total, exact = count_base(layout)
    acceptable = rate * total
    min_p = 1.0 / acceptable if acceptable >= 1 else 1.0
    total_text = f"{total:,}" if exact else f"at least {total:.3e}"
    warning = None
    if accepted == 0:
        warning = (f"none of {n_draws} draws met the rule: it is almost surely too strict to "
                   "randomise with; loosen it")
    elif acceptable < MIN_ACCEPTABLE or min_p > alpha / 20:
        warning = (f"the rule leaves about {acceptable:,.0f} acceptable allocations of "
                   f"{total_text}: the allocation becomes predictable and randomisation inference "
                   f"cannot go below p = {min_p:.2g}; loosen the rule")
    return RerandomisationCheck(
        draws=n_draws, accepted=accepted, acceptance_rate=rate, total_allocations=total,
        total_exact=exact,
        acceptable_estimate=acceptable, min_p_value=min_p, predictable=warning is not None,
        warning=warning)
