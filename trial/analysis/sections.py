"""Displacement, cost-effectiveness, pre-specified subgroups and the CONSORT flow of places."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from trial.analysis.contrasts import contrast
from trial.analysis.cost import bootstrap_prevented
from trial.analysis.dataset import harm_sq_column, value_column
from trial.analysis.displacement import wdd, wdq
from trial.analysis.modelfit import FitFailure
from trial.analysis.models import fit
from trial.analysis.plan import Plan, _num, arm_sums
from trial.errors import InputError


def displacement(plan: Plan, *, window: str = "treatment") -> list[dict[str, Any]]:
    """Per treated arm against control and per outcome (METHODS.md 5)."""
    p = plan.protocol
    if p.catchment.buffer_m <= 0:
        return []
    control = plan.design.arms[0]
    d = plan.data
    out = []
    for arm in plan.design.arms[1:]:
        for o in p.outcomes:
            row: dict[str, Any] = {"arm": arm, "control": control, "outcome": o.name,
                                   "catchment_ratio": None, "catchment_ci_low": None,
                                   "catchment_ci_high": None, "reasons": []}
            fitted = plan.model_for(o.name, window, area="catchment")
            if fitted.fit is None:
                row["reasons"].append(f"catchment model: {fitted.reason}")
            else:
                c = contrast(fitted.fit, arm, control, alpha=p.analysis.alpha)
                row.update(catchment_ratio=_num(c.estimate), catchment_ci_low=_num(c.ci_low),
                           catchment_ci_high=_num(c.ci_high), catchment_p_value=_num(c.p_value))

            def s(arms: list[str], w: str, catch: bool, col: Any = value_column,
                  name: str = o.name) -> float:
                return arm_sums(d, arms, col(name, w, catchment=catch))

            Rb, Ra = s([arm], "baseline", False), s([arm], window, False)
            Db, Da = s([arm], "baseline", True), s([arm], window, True)
            Cb, Ca = s([control], "baseline", False), s([control], window, False)
            DCb, DCa = s([control], "baseline", True), s([control], window, True)
            if any(np.isnan(v) for v in (Rb, Ra, Db, Da, Cb, Ca, DCb, DCa)):
                row["reasons"].append("no baseline data for this outcome")
                row.update(wdq=None, gross_effect=None, net_effect=None,
                           total_net_effect=None, wdd=None, wdd_se=None)
            else:
                q = wdq(Rb, Ra, Db, Da, Cb, Ca)
                harm_sq = None
                if o.measure == "harm":
                    harm_sq = [s(a, w, c, harm_sq_column) for a, w, c in (
                        ([arm], "baseline", False), ([arm], window, False),
                        ([control], "baseline", False), ([control], window, False),
                        ([arm], "baseline", True), ([arm], window, True),
                        ([control], "baseline", True), ([control], window, True))]
                    if any(np.isnan(v) for v in harm_sq):
                        harm_sq = None
                w2 = wdd(Rb, Ra, Cb, Ca, Db, Da, DCb, DCa, harm_sq=harm_sq,
                         alpha=p.analysis.alpha)
                row.update(wdq=_num(q.wdq), gross_effect=_num(q.gross_effect),
                           net_effect=_num(q.net_effect),
                           total_net_effect=_num(q.total_net_effect), wdd=_num(w2.wdd),
                           wdd_se=_num(w2.se))
                for name, reason in (("WDQ", q.reason), ("WDD", w2.reason)):
                    if reason:
                        row["reasons"].append(f"{name}: {reason}")
            row["reason"] = "; ".join(row.pop("reasons")) or None
            out.append(row)
    return out


def cost_effectiveness(plan: Plan, costs: dict[str, float] | None, *,
                       rng: np.random.Generator, n_resamples: int = 200,
                       window: str = "treatment") -> list[dict[str, Any]]:
    """Cost per arm and outcomes prevented on the count scale (METHODS.md 11)."""
    if costs is None:
        return []
    p = plan.protocol
    out = []
    for arm in plan.design.arms[1:]:
        for o in p.outcomes:
            fitted = plan.model_for(o.name, window)
            row: dict[str, Any] = {"arm": arm, "outcome": o.name, "measure": o.measure,
                                   "cost_gbp": _num(costs.get(arm)), "prevented": None,
                                   "prevented_low": None, "prevented_high": None,
                                   "cost_per_prevented": None, "reason": None}
            term = f"arm[{arm}]"
            if fitted.fit is None or term not in fitted.terms:
                row["reason"] = fitted.reason or f"no {term} term in the model"
                out.append(row)
                continue
            assert fitted.y is not None and fitted.X is not None and fitted.frame is not None
            strata = (fitted.frame["stratum"].to_numpy() if plan.design.has_strata else None)
            try:
                r = bootstrap_prevented(fitted.y, fitted.X, terms=fitted.terms,
                                        model=fitted.fit.model, arm_term=term, strata=strata,
                                        n_resamples=n_resamples, rng=rng,
                                        alpha=p.analysis.alpha, offset=fitted.offset)
            except (FitFailure, InputError) as exc:
                row["reason"] = str(exc)
                out.append(row)
                continue
            row.update(prevented=_num(r.estimate), prevented_low=_num(r.ci_low),
                       prevented_high=_num(r.ci_high), resamples=r.n_resamples)
            cost = costs.get(arm)
            if r.excludes_zero and r.estimate > 0 and cost:
                row["cost_per_prevented"] = cost / r.estimate
            elif cost:
                row["reason"] = ("the interval of prevented outcomes includes zero (or none "
                                 "were prevented): no cost per outcome prevented is reported")
            out.append(row)
    return out


def subgroups(plan: Plan, *, window: str = "treatment") -> list[dict[str, Any]]:
    """Each pre-specified subgroup's interaction with the arms, on the primary outcome."""
    p = plan.protocol
    o = p.primary_outcome
    out = []
    for sg in p.subgroups:
        row: dict[str, Any] = {"subgroup": sg.name, "attribute": sg.attribute,
                               "outcome": o.name, "window": window,
                               "label": "pre-specified subgroup: interaction test",
                               "chi2": None, "df": None, "p_value": None, "levels": [],
                               "reason": None}
        base = plan.model_for(o.name, window)
        if base.fit is None or sg.attribute not in plan.data.columns:
            row["reason"] = base.reason or f"no spot attribute {sg.attribute!r}"
            out.append(row)
            continue
        assert base.X is not None and base.frame is not None and base.y is not None
        values = base.frame[sg.attribute].astype(object).where(
            base.frame[sg.attribute].notna(), None).map(lambda v: None if v is None else str(v))
        levels = sorted({v for v in values if v is not None})
        if len(levels) < 2:
            row["reason"] = "the subgroup attribute has fewer than two levels"
            out.append(row)
            continue
        arm_terms = [t for t in base.terms if t.startswith(("arm[", "factor["))]
        cols = [base.X]
        terms = list(base.terms)
        inter: list[str] = []
        for lv in levels[1:]:
            ind = (values == lv).to_numpy(dtype=float)
            cols.append(ind[:, None])
            terms.append(f"subgroup[{lv}]")
            for t in arm_terms:
                cols.append((base.X[:, base.terms.index(t)] * ind)[:, None])
                name = f"{t}:subgroup[{lv}]"
                terms.append(name)
                inter.append(name)
        X = np.hstack(cols)
        try:
            f = fit(base.fit.model, base.y, X, terms=terms, offset=base.offset, fallback=None)
        except (FitFailure, InputError) as exc:
            row["reason"] = str(exc)
            out.append(row)
            continue
        idx = [terms.index(t) for t in inter]
        b = f.coef[idx]
        V = f.vcov[np.ix_(idx, idx)]
        try:
            chi2 = float(b @ np.linalg.solve(V, b))
        except np.linalg.LinAlgError:
            row["reason"] = "the interaction covariance is singular"
            out.append(row)
            continue
        row.update(chi2=chi2, df=len(idx), p_value=float(stats.chi2.sf(chi2, len(idx))))
        z = stats.norm.ppf(1 - p.analysis.alpha / 2)
        for lv_i, lv in enumerate(levels):
            for t in arm_terms:
                w = np.zeros(len(terms))
                w[terms.index(t)] = 1.0
                if lv_i > 0:
                    w[terms.index(f"{t}:subgroup[{lv}]")] = 1.0
                est, se = float(w @ f.coef), float(np.sqrt(w @ f.vcov @ w))
                row["levels"].append({"level": lv, "term": t, "estimate": float(np.exp(est)),
                                      "ci_low": float(np.exp(est - z * se)),
                                      "ci_high": float(np.exp(est + z * se))})
        out.append(row)
    return out


def consort(plan: Plan, spots: pd.DataFrame) -> dict[str, Any]:
    """The flow of places: assessed, excluded (with reasons), randomised, allocated, received,
    analysed (CONSORT 2010 cluster and non-inferiority extensions)."""
    d = plan.data
    arms = [a.name for a in plan.protocol.arms]
    excluded = spots[~spots["eligible"]]
    primary = plan.protocol.primary_outcome
    fitted = plan.model_for(primary.name, "treatment")
    analysed_frame = fitted.frame if fitted.frame is not None else d.iloc[0:0]
    reasons = excluded["exclusion_reason"].fillna("no reason given").value_counts()
    return {
        "assessed": int(len(spots)), "excluded": int(len(excluded)),
        "exclusion_reasons": {str(k): int(v) for k, v in reasons.items()},
        "randomised": int(len(d)),
        "allocated": {a: int((d["arm"] == a).sum()) for a in arms},
        "received": {a: int(((d["arm"] == a) & d["received"].fillna(False).astype(bool)).sum())
                     for a in arms},
        "analysed": {a: int((analysed_frame["arm"] == a).sum()) for a in arms},
    }
