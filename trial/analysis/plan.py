"""Run the registered plan: one model per outcome and window, every hypothesis from its fit.

The plan takes plain values (the protocol, the analysis dataset, a re-draw function, costs) and
returns the results document of ``spotlight analyse --json``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from trial.analysis.contrasts import Contrast, contrast, factor_effect
from trial.analysis.dataset import (
    Design,
    days_column,
    model_design,
    value_column,
)
from trial.analysis.design_matrix import design_matrix
from trial.analysis.effect_sizes import cohens_d_from_rirr, rirr
from trial.analysis.inference import randomisation_test
from trial.analysis.modelfit import FitFailure, ModelFit
from trial.analysis.models import fit
from trial.analysis.multiplicity import adjust
from trial.errors import InputError
from trial.protocol import Hypothesis, Protocol

# redraw(pairs, n, rng) -> ((R, n) arm names, exact)
Redraw = Callable[[list[tuple[str, str]], int, np.random.Generator], tuple[np.ndarray, bool]]


@dataclass
class Fitted:
    """One model fitted on the dataset (or a subset), with what it was fitted on."""

    outcome: str
    window: str
    area: str
    fit: ModelFit | None
    X: np.ndarray | None = None
    y: np.ndarray | None = None
    terms: tuple[str, ...] = ()
    offset: np.ndarray | None = None
    frame: pd.DataFrame | None = None
    reason: str | None = None

    def as_json(self) -> dict[str, Any]:
        f = self.fit
        base: dict[str, Any] = {"outcome": self.outcome, "window": self.window,
                                "area": self.area}
        if f is None:
            return {**base, "model": None, "n": 0, "theta": None, "converged": False,
                    "coefficients": [], "reason": self.reason}
        return {**base, "model": f.model, "n": int(f.n),
                "theta": None if f.theta is None else float(f.theta),
                "converged": bool(f.converged),
                "coefficients": [{"term": t, "estimate": float(b), "se": float(s)}
                                 for t, b, s in zip(f.terms, f.coef, f.se, strict=True)],
                "fallback_reason": f.fallback_reason, "reason": self.reason}


@dataclass
class Plan:
    """A run of the plan: the protocol, the dataset and the fits made so far."""

    protocol: Protocol
    data: pd.DataFrame
    design: Design = field(init=False)
    fits: dict[tuple[str, str, str, str], Fitted] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.design = model_design(self.protocol, self.data)

    def model_for(self, outcome: str, window: str, *, area: str = "spots",
                  subset: np.ndarray | None = None, tag: str = "itt") -> Fitted:
        key = (outcome, window, area, tag)
        if key not in self.fits:
            self.fits[key] = self._fit(outcome, window, area, subset)
        return self.fits[key]

    def _fit(self, outcome: str, window: str, area: str, subset: np.ndarray | None) -> Fitted:
        p = self.protocol
        o = p.outcome(outcome)
        catch = area == "catchment"
        frame = self.data if subset is None else self.data[subset]
        col = value_column(outcome, window, catchment=catch)
        if col not in frame.columns:
            return Fitted(outcome, window, area, None, reason=f"no {window} data for {outcome}")
        y = frame[col].to_numpy(dtype=float)
        if not np.any(y > 0):
            return Fitted(outcome, window, area, None,
                          reason=f"every {area} value of {outcome} in {window} is zero: "
                                 "nothing to fit")
        base = None
        if p.analysis.adjust_baseline and window != "baseline":
            bcol = value_column(outcome, "baseline", catchment=catch)
            base = bcol if bcol in frame.columns else None
        d = self.design
        try:
            X, terms = design_matrix(
                frame, arms=list(d.arms), baseline_col=base,
                strata_col="stratum" if d.has_strata else None,
                set_col="set" if d.has_sets else None,
                factors=d.factors, interaction=p.analysis.interaction)
        except InputError as exc:
            return Fitted(outcome, window, area, None, reason=str(exc))
        offset = None
        days = days_column(window)
        if days in frame.columns:
            window_days = p.windows.get(window)
            assert window_days is not None
            full = (window_days.end - window_days.start).days + 1
            open_days = frame[days].to_numpy(dtype=float)
            if np.any(open_days < full):
                offset = np.log(np.maximum(open_days, 0.5) / full)
        fallback = p.analysis.nonconvergence
        try:
            f = fit(o.model, y, X, terms=terms, offset=offset,
                    fallback=None if fallback == "refuse" else fallback)
        except (FitFailure, InputError) as exc:
            return Fitted(outcome, window, area, None, reason=str(exc))
        return Fitted(outcome, window, area, f, X, y, tuple(terms), offset, frame)


def _num(x: Any) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if not np.isfinite(x) else x


def _contrast(plan: Plan, fitted: Fitted, h: Hypothesis) -> Contrast:
    p = plan.protocol
    o = p.outcome(h.outcome)
    assert fitted.fit is not None
    alternative = h.alternative if h.test == "superiority" else "two-sided"
    if h.factor is not None:
        return factor_effect(fitted.fit, h.factor, alpha=p.analysis.alpha,
                             alternative=alternative, test=h.test, margin=h.margin,
                             better=o.better)
    assert h.compare is not None
    return contrast(fitted.fit, h.compare[0], h.compare[1], alpha=p.analysis.alpha,
                    alternative=alternative, test=h.test, margin=h.margin, better=o.better)


def _randomisation(plan: Plan, fitted: Fitted, h: Hypothesis, redraw: Redraw | None,
                   rng: np.random.Generator) -> tuple[float | None, str | None]:
    n = plan.protocol.analysis.randomisation_inference
    if n <= 0 or redraw is None:
        return None, None
    if h.test != "superiority":
        return None, "non-inferiority has no sharp null for randomisation inference"
    if h.compare is None:
        return None, "randomisation inference for factor main effects is not available yet"
    f = fitted.fit
    assert f is not None and fitted.X is not None and fitted.y is not None
    assert fitted.frame is not None
    arms = list(plan.design.arms)
    arm_cols = [i for i, t in enumerate(fitted.terms) if t.startswith("arm[")]
    keep = [i for i in range(len(fitted.terms)) if i not in arm_cols]
    names, exact = redraw([tuple(h.compare)], n, rng)  # type: ignore[list-item]
    index = {a: i for i, a in enumerate(arms)}
    rows = fitted.frame.index.to_numpy()
    pos = plan.data.index.get_indexer(pd.Index(rows))
    matrix = np.vectorize(index.__getitem__)(names[:, pos])
    observed = np.array([index[a] for a in fitted.frame["arm"]])
    r = randomisation_test(
        fitted.y, fitted.X[:, keep], fixed_terms=[fitted.terms[i] for i in keep], arms=arms,
        observed=observed, redraws=matrix, arm_a=h.compare[0], arm_b=h.compare[1],
        model=f.model, alternative=h.alternative, exact=exact, offset=fitted.offset)
    return float(r.p_value), None


def _rirr(plan: Plan, h: Hypothesis, window: str) -> tuple[dict[str, Any] | None, float | None]:
    if h.compare is None:
        return None, None
    d = plan.data
    a, b = h.compare
    o = h.outcome
    bcol, wcol = value_column(o, "baseline"), value_column(o, window)
    if bcol not in d.columns or wcol not in d.columns:
        return None, None
    ta, tb = d[d["arm"] == a], d[d["arm"] == b]
    pair = pd.concat([ta, tb])[wcol].to_numpy(dtype=float)
    dispersion = None
    if pair.mean() > 0:
        dispersion = max(1.0, float(pair.var(ddof=1) / pair.mean())) if len(pair) > 1 else None
    r = rirr(float(ta[bcol].sum()), float(ta[wcol].sum()), float(tb[bcol].sum()),
             float(tb[wcol].sum()), alpha=plan.protocol.analysis.alpha, dispersion=dispersion)
    out = {k: _num(v) if not isinstance(v, str) else v for k, v in r.__dict__.items()}
    out["dispersion"] = dispersion
    out["source"] = ("Braga & Weisburd 2020 (Poisson interval); Wilson 2022 (interval "
                     "inflated by the index of dispersion of the spot counts)")
    est = _num(out.get("rirr"))
    return out, (cohens_d_from_rirr(est) if est else None)


def _per_protocol(plan: Plan, h: Hypothesis, window: str) -> dict[str, Any] | None:
    p = plan.protocol
    if not (p.analysis.per_protocol and h.confirmatory and h.compare is not None):
        return None
    d = plan.data
    delivering = {a.name for a in p.arms if a.delivers}
    received = d["received"].fillna(False).astype(bool)
    drop = d["arm"].isin([a for a in h.compare if a in delivering]) & ~received
    for arm in h.compare:
        if arm in delivering and not (received & (d["arm"] == arm)).any():
            return {"estimate": None, "ci_low": None, "ci_high": None, "p_value": None,
                    "n_excluded": int(drop.sum()), "label": "secondary: per-protocol",
                    "reason": f"no spot of {arm} received its intervention by [fidelity]"}
    fitted = plan.model_for(h.outcome, window, subset=~drop.to_numpy(), tag="per-protocol")
    if fitted.fit is None:
        return {"estimate": None, "ci_low": None, "ci_high": None, "p_value": None,
                "n_excluded": int(drop.sum()), "reason": fitted.reason,
                "label": "secondary: per-protocol"}
    c = _contrast(plan, fitted, h)
    return {"estimate": c.estimate, "ci_low": c.ci_low, "ci_high": c.ci_high,
            "p_value": c.p_value, "n_excluded": int(drop.sum()),
            "label": "secondary: per-protocol (treated arms restricted to spots that received "
                     "their intervention)"}


def _cace(plan: Plan, h: Hypothesis, window: str, rng: np.random.Generator
          ) -> dict[str, Any] | None:
    p = plan.protocol
    if not (p.analysis.per_protocol and h.confirmatory and h.compare is not None):
        return None
    a, b = h.compare
    d = plan.data[plan.data["arm"].isin([a, b])]
    col = value_column(h.outcome, window)
    y = d[col].to_numpy(dtype=float)
    z = (d["arm"] == a).to_numpy()
    received = d["received"].fillna(False).astype(bool).to_numpy() & z
    strata = d["stratum"].fillna("").to_numpy() if plan.design.has_strata else np.zeros(len(d))

    def estimate(idx: np.ndarray) -> float | None:
        yy, zz, rr = y[idx], z[idx], received[idx]
        if zz.all() or not zz.any():
            return None
        compliance = rr[zz].mean() - rr[~zz].mean()
        if compliance <= 0:
            return None
        return float((yy[zz].mean() - yy[~zz].mean()) / compliance)

    point = estimate(np.arange(len(d)))
    if point is None:
        return {"estimate": None, "ci_low": None, "ci_high": None,
                "reason": "no spot of the arm received its intervention",
                "label": "secondary: complier average causal effect"}
    boots = []
    groups = [np.flatnonzero(strata == s) for s in np.unique(strata)]
    for _ in range(1000):
        idx = np.concatenate([g[rng.integers(0, len(g), len(g))] for g in groups])
        v = estimate(idx)
        if v is not None:
            boots.append(v)
    alpha = p.analysis.alpha
    lo, hi = (np.quantile(boots, [alpha / 2, 1 - alpha / 2]) if len(boots) > 10
              else (np.nan, np.nan))
    return {"estimate": point, "ci_low": _num(lo), "ci_high": _num(hi),
            "scale": "difference in mean count per spot (Bloom)", "resamples": len(boots),
            "label": "secondary: complier average causal effect"}


def _decision(h: Hypothesis, c: Contrast | None, p_adj: float | None, reject: bool | None,
              pp: dict[str, Any] | None, alpha: float, status: str) -> str:
    if c is None:
        return "not estimable"
    what = (f"{h.compare[0]} vs {h.compare[1]}" if h.compare else f"factor {h.factor}")
    ratio = f"ratio {c.estimate:.3f} ({100 * (1 - alpha):g}% CI {c.ci_low:.3f} to {c.ci_high:.3f})"
    if not h.confirmatory or status == "added" or p_adj is None:
        return f"exploratory: {what}, {ratio}, p = {c.p_value:.4g}"
    if h.test == "non-inferiority":
        assert h.margin is not None
        if not reject:
            return (f"non-inferiority not shown: {what}, {ratio}; margin {h.margin:g}, "
                    f"adjusted p = {p_adj:.4g}")
        if pp is not None and (pp.get("ci_high") is None or pp["ci_high"] >= h.margin):
            return (f"non-inferiority not concluded: the intention-to-treat analysis shows it "
                    f"({ratio}, margin {h.margin:g}) but the per-protocol analysis does not agree")
        return f"non-inferior: {what}, {ratio} within margin {h.margin:g}, adjusted p = {p_adj:.4g}"
    if reject:
        direction = "lower" if c.estimate < 1 else "higher"
        return f"superiority shown: {direction} in {what}, {ratio}, adjusted p = {p_adj:.4g}"
    return f"no difference shown: {what}, {ratio}, adjusted p = {p_adj:.4g}"


def run_hypotheses(plan: Plan, *, statuses: dict[str, str], redraw: Redraw | None,
                   rng: np.random.Generator) -> list[dict[str, Any]]:
    """Estimate every hypothesis, then apply the multiplicity rule to the confirmatory ones."""
    p = plan.protocol
    rows: list[dict[str, Any]] = []
    contrasts: list[Contrast | None] = []
    for h in p.hypotheses:
        status = statuses.get(h.id, "registered")
        fitted = plan.model_for(h.outcome, h.window)
        c = _contrast(plan, fitted, h) if fitted.fit is not None else None
        p_rand, rand_reason = (_randomisation(plan, fitted, h, redraw, rng)
                               if fitted.fit is not None else (None, None))
        rirr_out, cohens = _rirr(plan, h, h.window)
        pp = _per_protocol(plan, h, h.window)
        rows.append({
            "id": h.id, "status": status, "outcome": h.outcome, "window": h.window,
            "compare": list(h.compare) if h.compare else None, "factor": h.factor,
            "test": h.test, "alternative": h.alternative if h.test == "superiority" else None,
            "margin": h.margin, "confirmatory": bool(h.confirmatory and status != "added"),
            "model": fitted.fit.model if fitted.fit else None,
            "estimate": _num(c.estimate) if c else None,
            "ci_low": _num(c.ci_low) if c else None, "ci_high": _num(c.ci_high) if c else None,
            "p_value": _num(c.p_value) if c else None, "p_adjusted": None,
            "p_randomisation": p_rand, "decision": "",
            "rirr": rirr_out.get("rirr") if rirr_out else None, "rirr_detail": rirr_out,
            "cohens_d": _num(cohens),
            "cohens_d_note": "for comparison with reviews only (Wilson 2022 argues against it)",
            "per_protocol": pp, "cace": _cace(plan, h, h.window, rng),
            "reason": fitted.reason if fitted.fit is None else rand_reason,
        })
        contrasts.append(c)
    confirm = [i for i, r in enumerate(rows) if r["confirmatory"] and contrasts[i] is not None]
    reject: dict[int, bool] = {}
    if confirm:
        ps, sided = [], []
        for i in confirm:
            r = rows[i]
            use_ri = (p.analysis.inference == "randomisation" and r["test"] == "superiority"
                      and r["p_randomisation"] is not None)
            ps.append(r["p_randomisation"] if use_ri else r["p_value"])
            sided.append(r["test"] == "non-inferiority" or r["alternative"] != "two-sided")
        adj = adjust(ps, method=p.analysis.multiplicity, sided=sided, alpha=p.analysis.alpha)
        for k, i in enumerate(confirm):
            rows[i]["p_adjusted"] = _num(adj.p_adjusted[k])
            reject[i] = bool(adj.reject[k])
    for i, (h, r) in enumerate(zip(p.hypotheses, rows, strict=True)):
        r["decision"] = _decision(h, contrasts[i], r["p_adjusted"], reject.get(i),
                                  r["per_protocol"], p.analysis.alpha, r["status"])
    return rows


def model_rows(plan: Plan) -> list[dict[str, Any]]:
    return [f.as_json() for (_, _, _, tag), f in plan.fits.items() if tag == "itt"]


def arm_sums(data: pd.DataFrame, arms: Sequence[str], column: str) -> float:
    if column not in data.columns:
        return float("nan")
    return float(data.loc[data["arm"].isin(list(arms)), column].sum())
