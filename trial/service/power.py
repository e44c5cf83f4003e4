"""Power before the trial: the registered design, model and multiplicity, simulated on the
force's own baselines (METHODS.md 7)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from trial.errors import InputError, Problem
from trial.protocol import Protocol
from trial.spots import CandidateSpot

DEFAULT_BASELINE = "baseline_crimes"
DEFAULT_RATIO = 0.8
TARGET = 0.8
QUICK_SIMS = 100
MDR_LOWER = 0.05


def baseline_counts(spots: Sequence[CandidateSpot], column: str | None
                    ) -> tuple[str, np.ndarray] | None:
    """(column, baseline per eligible spot in spot_id order), or None without baseline data.

    Raises:
        InputError: a named column missing or not a number >= 0 for some spot.
    """
    eligible = sorted((c for c in spots if c.eligible), key=lambda c: c.spot_id)
    name = column or DEFAULT_BASELINE
    if column is None and not all(name in c.attributes for c in eligible):
        return None
    problems = []
    values = []
    for c in eligible:
        v = c.attributes.get(name)
        if isinstance(v, bool) or not isinstance(v, int | float) or not np.isfinite(v) or v < 0:
            problems.append(Problem(f"spot {c.spot_id}: {name} is {v!r}; the power check needs "
                                    "a count >= 0 for every eligible spot", field=name))
        else:
            values.append(float(v))
    if problems:
        if column is None:
            return None
        raise InputError(problems)
    return name, np.asarray(values)


def estimate_theta(counts: np.ndarray, strata: np.ndarray | None) -> float:
    """Negative-binomial shape of the baseline counts (intercept and strata), by maximum
    likelihood; a very large value when they are not overdispersed."""
    from trial.analysis.modelfit import FitFailure
    from trial.analysis.negbin import fit_negative_binomial

    cols = [np.ones(len(counts))]
    terms = ["(intercept)"]
    if strata is not None:
        for level in sorted(set(strata.tolist()))[1:]:
            cols.append((strata == level).astype(float))
            terms.append(f"stratum[{level}]")
    try:
        f = fit_negative_binomial(counts, np.column_stack(cols), terms=terms)
    except FitFailure:
        return 1e6
    return float(f.theta) if f.theta is not None and np.isfinite(f.theta) else 1e6


def _arm_ratios(arms: Sequence[str], targets: dict[tuple[str, str], float]) -> dict[str, float]:
    """True ratio of each arm to the reference that best meets every hypothesis's assumed
    ratio (least squares on the log scale; exact whenever the hypotheses are consistent)."""
    index = {a: i - 1 for i, a in enumerate(arms)}
    rows, rhs = [], []
    for (a, b), r in targets.items():
        row = np.zeros(len(arms) - 1)
        if index[a] >= 0:
            row[index[a]] += 1
        if index[b] >= 0:
            row[index[b]] -= 1
        rows.append(row)
        rhs.append(np.log(r))
    if not rows:
        return {}
    sol = np.linalg.lstsq(np.array(rows), np.array(rhs), rcond=None)[0]
    return {a: float(np.exp(sol[index[a]])) for a in arms[1:]}


def power_check(protocol: Protocol, spots: Sequence[CandidateSpot], *,
                baseline_column: str | None = None, n_sims: int = 1000,
                ratio: float = DEFAULT_RATIO, theta: float | None = None,
                model: str | None = None, mdr: bool = True, seed: int | None = None
                ) -> dict[str, Any]:
    """Simulated power of every confirmatory hypothesis under the registered plan.

    Args:
        protocol: the protocol (design, hypotheses, model, multiplicity, alpha, margins).
        spots: candidate spots; the eligible ones are the trial.
        baseline_column: numeric spot attribute holding each spot's count in the baseline
            window (default ``baseline_crimes``).
        n_sims: simulated trials.
        ratio: the true ratio assumed for each superiority hypothesis (its reciprocal where
            higher is better); non-inferiority hypotheses assume no difference.
        theta: negative-binomial shape of the outcomes (default: estimated from the baselines).
        model: the model to fit (default: the primary outcome's registered model).
        mdr: also find each superiority hypothesis's minimum detectable ratio at 80% power.
        seed: seed of the simulation (default: drawn and reported).

    Returns:
        ``{"hypotheses": [{"id", "compare", "test", "assumed_ratio", "power",
        "zhu_lakkis_n_per_arm", "mdr_80", "note"}], "sims", "theta", "theta_source",
        "baseline_column", "scale", "mean_per_spot", "model", "multiplicity", "alpha",
        "spots", "seed", "n_fallback", "n_failed", "notes"}``; ``mdr_80`` is None when even a
        ratio of 0.05 falls short.

    Notes:
        Each spot's expected outcome in the treatment window is its baseline count times
        (treatment days / baseline days) times its arm's true ratio; outcomes are
        negative-binomial with shape theta; allocations are fresh draws of the registered
        design; the registered model (with log(1 + expected count) and stratum effects) and
        multiplicity rule decide each simulated trial. Zhu & Lakkis (2014) is the two-arm
        cross-check without covariates (so usually larger).

    References:
        Zhu, H. & Lakkis, H. (2014). Statistics in Medicine 33(3), 376-387.
    """
    from trial.analysis.dataset import arm_order
    from trial.analysis.power import (
        PowerHypothesis,
        minimum_detectable_ratio,
        simulate_power,
        zhu_lakkis_n,
    )
    from trial.design import simulate_allocations
    from trial.service.allocation import design_inputs

    problems = []
    if not isinstance(n_sims, int) or not 10 <= n_sims <= 100_000:
        problems.append(Problem(f"must be a whole number from 10 to 100000, got {n_sims}",
                                field="--sims"))
    if not 0 < ratio < 10 or ratio == 1:
        problems.append(Problem(f"must be a positive ratio other than 1, got {ratio}",
                                field="--ratio"))
    if theta is not None and not theta > 0:
        problems.append(Problem(f"must be > 0, got {theta}", field="--theta"))
    if problems:
        raise InputError(problems)
    found = baseline_counts(spots, baseline_column)
    if found is None:
        raise InputError(Problem(f"the spots have no numeric {DEFAULT_BASELINE} column; name "
                                 "the baseline column", field="--baseline-column"))
    column, base = found
    seed = secrets.randbits(63) if seed is None else seed
    spec, units = design_inputs(protocol, list(spots))
    arms = arm_order(protocol)
    a = protocol.analysis
    w = protocol.windows
    scale = ((w.treatment.end - w.treatment.start).days + 1) / (
        (w.baseline.end - w.baseline.start).days + 1)
    strata = None
    if a.design_effects and protocol.design.strata:
        strata = np.array([" | ".join(str(units.attributes[k][i]) for k in protocol.design.strata)
                           for i in range(len(units.spot_ids))])
    theta_source = "given"
    if theta is None:
        theta, theta_source = estimate_theta(base, strata), f"estimated from {column}"
    notes = [f"every confirmatory hypothesis is simulated on {column} scaled by {scale:.4g} "
             "(treatment days / baseline days)"]
    if theta_source != "given":
        notes.append("theta comes from the spread of the baselines across spots (intercept and "
                     "strata only): conservative, since the model's baseline covariate explains "
                     "part of that spread; give --theta from a past analysis to sharpen it")
    if protocol.design.method == "matched":
        notes.append("matched-set effects are not simulated (stratum effects are)")
    chosen_model = model or protocol.primary_outcome.model
    hyps, skipped, targets = [], {}, {}
    for h in protocol.hypotheses:
        if not h.confirmatory:
            continue
        if h.compare is None:
            skipped[h.id] = "factor main effects are not simulated"
            continue
        better = protocol.outcome(h.outcome).better
        hyps.append(PowerHypothesis(h.id, (h.compare[0], h.compare[1]), h.test,
                                    h.alternative if h.test == "superiority" else "two-sided",
                                    h.margin, better))
        r = 1.0 if h.test == "non-inferiority" else (ratio if better == "lower" else 1 / ratio)
        targets[(h.compare[0], h.compare[1])] = r
    allocations = None
    if hyps:
        drawn = simulate_allocations(spec, units, np.random.default_rng(seed), n=n_sims)
        order = np.array([arms.index(name) for name in spec.arms])
        allocations = order[drawn]

    def simulate(ratios: dict[str, float], sims: int) -> Any:
        assert allocations is not None
        rows = iter(range(sims))
        return simulate_power(
            base * scale, theta=float(theta), arms=arms, ratios=ratios, hypotheses=hyps,
            allocate=lambda _rng: allocations[next(rows) % len(allocations)],
            model=chosen_model, alpha=a.alpha, multiplicity=a.multiplicity, n_sims=sims,
            rng=np.random.default_rng(seed + 1), strata=strata)

    ratios = _arm_ratios(arms, targets)
    result = simulate(ratios, n_sims) if hyps else None
    mu0 = float(np.mean(base * scale))
    out_h = []
    for h in protocol.hypotheses:
        if not h.confirmatory:
            continue
        row: dict[str, Any] = {"id": h.id, "compare": list(h.compare) if h.compare else None,
                               "test": h.test, "assumed_ratio": None, "power": None,
                               "zhu_lakkis_n_per_arm": None, "mdr_80": None,
                               "note": skipped.get(h.id)}
        if h.id in skipped or result is None:
            out_h.append(row)
            continue
        assert h.compare is not None
        a_, b_ = h.compare
        true = ratios.get(a_, 1.0) / ratios.get(b_, 1.0)
        row["assumed_ratio"] = true
        row["power"] = result.power[h.id]
        try:
            row["zhu_lakkis_n_per_arm"] = zhu_lakkis_n(
                mu0, true, 1.0 / theta, alpha=a.alpha, power=TARGET,
                margin=h.margin if h.test == "non-inferiority" else None)
        except InputError:
            pass
        if mdr and h.test == "superiority":
            better = protocol.outcome(h.outcome).better
            sims = min(n_sims, max(100, n_sims // 10))

            def power_at(r: float, hid: str = h.id, pair: tuple[str, str] = (a_, b_),
                         better: str = better, sims: int = sims) -> float:
                t = dict(targets)
                t[pair] = r if better == "lower" else 1 / r
                return float(simulate(_arm_ratios(arms, t), sims).power[hid])

            found_mdr = minimum_detectable_ratio(power_at, target=TARGET, lower=MDR_LOWER,
                                                 steps=6)
            row["mdr_80"] = (None if found_mdr is None else
                             found_mdr if better == "lower" else 1 / found_mdr)
        out_h.append(row)
    return {"hypotheses": out_h, "sims": n_sims, "theta": float(theta),
            "theta_source": theta_source, "baseline_column": column, "scale": scale,
            "mean_per_spot": mu0, "model": chosen_model, "multiplicity": a.multiplicity,
            "alpha": a.alpha, "spots": int(len(base)), "seed": seed,
            "n_fallback": result.n_fallback if result else 0,
            "n_failed": result.n_failed if result else 0, "ratio": ratio, "notes": notes}


def run_power(*, protocol: Path, spots: Path, baseline_column: str | None = None,
              sims: int = 1000, ratio: float = DEFAULT_RATIO, theta: float | None = None,
              seed: int | None = None) -> dict[str, Any]:
    """``spotlight power``: read the protocol and spots files, then `power_check`."""
    from trial.protocol import read_protocol
    from trial.spots import read_spots

    p = read_protocol(protocol)
    return power_check(p, read_spots(spots), baseline_column=baseline_column, n_sims=sims,
                       ratio=ratio, theta=theta, seed=seed)


def quick_warnings(protocol: Protocol, spots: Sequence[CandidateSpot], *,
                   seed: int | None = None) -> list[str]:
    """Registration's power check: a few Poisson simulations, a warning per hypothesis under
    80%. It never refuses: anything that stops it becomes a warning saying so."""
    try:
        found = baseline_counts(spots, None)
    except InputError:
        found = None
    if found is None:
        return ["power check skipped: the spots carry no baseline data"]
    try:
        r = power_check(protocol, spots, n_sims=QUICK_SIMS, model="poisson-robust", mdr=False,
                        seed=seed)
    # A power check is advice: whatever stops it must not stop the registration.
    except Exception as exc:  # noqa: BLE001
        return [f"power check skipped: {exc}"]
    out = []
    for h in r["hypotheses"]:
        if h["power"] is not None and h["power"] < TARGET:
            out.append(f"hypothesis {h['id']} has {100 * h['power']:.0f}% power (simulated, "
                       f"{r['sims']} sims): under 80% (assumed true ratio "
                       f"{h['assumed_ratio']:.3g}, theta {r['theta']:.3g} from "
                       f"{r['baseline_column']}; `spotlight power` gives the full check)")
    return out
