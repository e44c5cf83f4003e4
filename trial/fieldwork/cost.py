"""Cost per arm: directed officer time, ad spend, and fixed costs shared by what is delivered."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from trial.fieldwork.dosage import CostRates


@dataclass(frozen=True)
class ArmCost:
    """What an arm cost (GBP)."""

    arm: str
    officer_minutes: float
    patrol_cost_gbp: float
    ad_spend_gbp: float
    fixed_gbp: float
    cost_gbp: float


def cost_per_arm(arms: Mapping[str, Collection[str]], *, officer_minutes: Mapping[str, float],
                 ad_spend_gbp: Mapping[str, float], rates: CostRates) -> tuple[ArmCost, ...]:
    """Cost of each arm, in the order of ``arms``.

    Args:
        arms: each arm and what it delivers.
        officer_minutes: directed officer-minutes (minutes x officers) in each arm's spots;
            business-as-usual and response minutes are not trial costs.
        ad_spend_gbp: ad spend in each arm's spots.
        rates: ``[costs]``.

    Returns:
        One :class:`ArmCost` per arm.

    Notes:
        cost = officer_minutes / 60 x officer_hour_gbp + ad spend
        + sum over d of fixed_gbp[d] / (number of arms delivering d), for each d the arm
        delivers. Without ``officer_hour_gbp`` patrol time costs 0; a fixed cost for something
        no arm delivers is assigned to no arm.

    References:
        METHODS.md section 11 (cost-effectiveness).
    """
    deliverers: dict[str, int] = {}
    for delivers in arms.values():
        for d in set(delivers):
            deliverers[d] = deliverers.get(d, 0) + 1
    out: list[ArmCost] = []
    for arm, delivers in arms.items():
        minutes = float(officer_minutes.get(arm, 0.0))
        patrol = minutes / 60.0 * rates.officer_hour_gbp if rates.officer_hour_gbp else 0.0
        spend = float(ad_spend_gbp.get(arm, 0.0))
        fixed = sum(amount / deliverers[d] for d, amount in rates.fixed_gbp.items()
                    if d in set(delivers))
        out.append(ArmCost(arm, minutes, patrol, spend, fixed, patrol + spend + fixed))
    return tuple(out)
