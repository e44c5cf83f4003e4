"""The analysis dataset: one row per randomised spot, and the columns a registered model uses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from trial.protocol import Protocol

WINDOWS = ("baseline", "treatment", "follow_up")


def value_column(outcome: str, window: str, *, catchment: bool = False) -> str:
    """``public_crime_treatment`` or ``public_crime_treatment_catchment``."""
    return f"{outcome}_{window}" + ("_catchment" if catchment else "")


def harm_sq_column(outcome: str, window: str, *, catchment: bool = False) -> str:
    return value_column(outcome, window, catchment=catchment) + "_harm_sq"


def days_column(window: str) -> str:
    return f"days_open_{window}"


@dataclass(frozen=True)
class Design:
    """What the allocation contributes to the models: reference arm first, strata, sets."""

    arms: tuple[str, ...]  # reference (control, else first arm) first
    has_strata: bool
    has_sets: bool
    factors: dict[str, dict[str, int]] | None


def arm_order(protocol: Protocol) -> tuple[str, ...]:
    ref = protocol.control_arm.name
    return (ref, *[a.name for a in protocol.arms if a.name != ref])


def model_design(protocol: Protocol, dataset: pd.DataFrame) -> Design:
    effects = protocol.analysis.design_effects
    strata = effects and dataset["stratum"].notna().any()
    sets = effects and dataset["set"].notna().any() and not strata
    factors = None
    if protocol.factors:
        factors = {a.name: dict(a.factors or {}) for a in protocol.arms}
    return Design(arm_order(protocol), bool(strata), bool(sets), factors)


def outcome_values(protocol: Protocol, grid: pd.DataFrame) -> pd.DataFrame:
    """Wide columns per outcome and window from the long outcome grid (spot_id x window).

    Count outcomes give the count (an integer); harm outcomes the harm in CCHI days.
    """
    out = pd.DataFrame(index=pd.Index(sorted(grid["spot_id"].unique()), name="spot_id"))
    for o in protocol.outcomes:
        sub = grid[grid["outcome"] == o.name]
        for w in sorted(set(sub["window"])):
            part = sub[sub["window"] == w].set_index("spot_id")
            key = "harm" if o.measure == "harm" else "count"
            ckey = "catchment_harm" if o.measure == "harm" else "catchment_count"
            col = part[key].reindex(out.index).fillna(0)
            ccol = part[ckey].reindex(out.index).fillna(0)
            if o.measure != "harm":
                col, ccol = col.astype(int), ccol.astype(int)
            out[value_column(o.name, w)] = col
            out[value_column(o.name, w, catchment=True)] = ccol
            for k, catch in (("harm_sq", False), ("catchment_harm_sq", True)):
                if k in part.columns:
                    out[harm_sq_column(o.name, w, catchment=catch)] = (
                        part[k].reindex(out.index).fillna(0))
    return out.reset_index()


def build_dataset(protocol: Protocol, *, allocation: pd.DataFrame, attributes: pd.DataFrame,
                  grid: pd.DataFrame, delivery: pd.DataFrame | None,
                  closed_days: dict[str, dict[str, int]] | None = None) -> pd.DataFrame:
    """Join allocation, attributes, outcomes and delivery into one row per randomised spot.

    Args:
        protocol: the protocol as analysed.
        allocation: spot_id, arm, stratum, set.
        attributes: spot_id and the spot attributes.
        grid: the outcome table (spot_id, window, outcome, count, harm, catchment_*).
        delivery: spot_id, patrol_minutes, ad_impressions, received (None: not recorded).
        closed_days: spot_id -> window -> days closed.
    """
    d = allocation[["spot_id", "arm", "stratum", "set"]].copy()
    for f in protocol.factors:
        levels = {a.name: (a.factors or {}).get(f) for a in protocol.arms}
        d[f"factor_{f}"] = d["arm"].map(levels)
    wanted = {s.attribute for s in protocol.subgroups} | set(protocol.design.strata)
    if protocol.design.match_on:
        wanted.add(protocol.design.match_on)
    wanted |= set(protocol.design.balance_on)
    keep = ["spot_id", *sorted(c for c in wanted if c in attributes.columns)]
    d = d.merge(attributes[keep], on="spot_id", how="left")
    for w in WINDOWS:
        window = protocol.windows.get(w)
        if window is None:
            continue
        n = (window.end - window.start).days + 1
        closed = [(closed_days or {}).get(s, {}).get(w, 0) for s in d["spot_id"]]
        d[days_column(w)] = np.maximum(n - np.asarray(closed, dtype=int), 0)
    d = d.merge(outcome_values(protocol, grid), on="spot_id", how="left")
    if delivery is not None and len(delivery):
        d = d.merge(delivery[["spot_id", "patrol_minutes", "ad_impressions", "received"]],
                    on="spot_id", how="left")
    else:
        d["patrol_minutes"] = 0.0
        d["ad_impressions"] = 0
        d["received"] = True
    return d.sort_values("spot_id").reset_index(drop=True)  # str order is code-point order


def column_descriptions(protocol: Protocol, dataset: pd.DataFrame) -> dict[str, str]:
    """What every column of the exported dataset means (for README.txt)."""
    desc = {
        "spot_id": "hot spot identifier",
        "arm": "allocated arm",
        "stratum": "stratum label (strata attributes joined by ' | '), empty when none",
        "set": "matched-set number, empty when none",
        "patrol_minutes": "directed patrol minutes delivered in the treatment window",
        "ad_impressions": "ad impressions delivered in the treatment window",
        "received": "whether the spot received its arm's intervention by [fidelity]",
    }
    for f in protocol.factors:
        desc[f"factor_{f}"] = f"level (0/1) of factor {f}"
    for w in WINDOWS:
        desc[days_column(w)] = f"days the spot was open in the {w} window"
    for o in protocol.outcomes:
        unit = "harm in CCHI days" if o.measure == "harm" else "count of records"
        for w in WINDOWS:
            desc[value_column(o.name, w)] = f"{o.name}: {unit} in the spot, {w} window"
            desc[value_column(o.name, w, catchment=True)] = (
                f"{o.name}: {unit} in the spot's displacement catchment, {w} window")
            desc[harm_sq_column(o.name, w)] = f"{o.name}: sum of squared harm weights, {w}"
            desc[harm_sq_column(o.name, w, catchment=True)] = (
                f"{o.name}: sum of squared harm weights in the catchment, {w}")
    for c in dataset.columns:
        desc.setdefault(c, "spot attribute from the spots file")
    return {c: desc[c] for c in dataset.columns}
