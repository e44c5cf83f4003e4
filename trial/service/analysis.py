"""Use-cases for the registered analysis: run it, save it, amend the protocol."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlmodel import Session, select

from trial.canonical import canonical_json, canonical_sha256
from trial.errors import InputError, NotFoundError, Problem, RefusedError
from trial.protocol import Protocol, load_protocol
from trial.service.blinding import viewer_mask
from trial.service.context import Context
from trial.service.spots import candidate_spots
from trial.service.trials import RANDOMISED, find_trial, require_state, trial_protocol
from trial.store.models import (
    Allocation,
    AllocationRow,
    AnalysisResult,
    ProtocolAmendment,
    Trial,
)


def amendments(session: Session, t: Trial) -> list[ProtocolAmendment]:
    rows = session.exec(select(ProtocolAmendment).where(ProtocolAmendment.trial_id == t.id))
    return sorted(rows, key=lambda a: a.version)


def analysed_protocol(session: Session, t: Trial) -> tuple[Protocol, Protocol]:
    """(the protocol as analysed: registered plus amendments, the registered protocol)."""
    registered = trial_protocol(t)
    amended = amendments(session, t)
    if not amended:
        return registered, registered
    return load_protocol(amended[-1].protocol_text, source=f"{t.name} amendment"), registered


def hypothesis_status(current: Protocol, registered: Protocol) -> dict[str, str]:
    """registered, amended (changed after registration) or added (new, so exploratory)."""
    before = {h.id: h for h in registered.hypotheses}
    out = {}
    for h in current.hypotheses:
        if h.id not in before:
            out[h.id] = "added"
        elif h != before[h.id] or (current.outcome(h.outcome) != registered.outcome(h.outcome)
                                   if h.outcome in registered_outcomes(registered) else True):
            out[h.id] = "amended"
        else:
            out[h.id] = "registered"
    return out


def registered_outcomes(p: Protocol) -> set[str]:
    return {o.name for o in p.outcomes}


def amend(ctx: Context, *, trial: str | None, protocol_text: str, source: str,
          reason: str) -> dict[str, Any]:
    """Record an amendment: the new text and hash beside the registered ones, who, when, why."""
    if not reason.strip():
        raise InputError(Problem("an amendment needs a reason", field="--reason"))
    new = load_protocol(protocol_text, source=source)
    with ctx.reading() as s:
        name = find_trial(s, trial).name
    with ctx.action(action="protocol amend", trial=name, entity=f"protocol of {name}") as act:
        t = find_trial(act.session, name)
        if t.state == "draft":
            raise RefusedError(f"trial {name} is a draft: change it with `spotlight protocol "
                               "replace`; amendments are for registered protocols")
        if new.trial.name != t.name:
            raise RefusedError(f"{source}: trial.name: is {new.trial.name!r}, not {t.name!r}")
        registered = trial_protocol(t)
        changed = _frozen_changes(registered, new)
        if changed:
            raise RefusedError(f"{source}: an amendment cannot change what was frozen at "
                               f"registration or randomisation: {', '.join(changed)}")
        previous = amendments(act.session, t)
        prev_sha = previous[-1].sha256 if previous else t.protocol_sha256
        if new.sha256 == prev_sha:
            raise RefusedError(f"{source}: identical to the protocol in force; nothing to amend")
        assert t.id is not None
        row = ProtocolAmendment(trial_id=t.id, version=len(previous) + 1,
                                protocol_text=protocol_text, sha256=new.sha256,
                                previous_sha256=prev_sha, reason=reason.strip(),
                                amended_at=act.at, amended_by=ctx.actor, audit_id=act.entry_id)
        act.session.add(row)
        act.written.add_rows("protocol_amendment", [row])
        act.written.extra.update({"reason": reason.strip(), "sha256": new.sha256})
    return {"trial": name, "version": row.version, "sha256": new.sha256,
            "registered_sha256": t.protocol_sha256, "previous_sha256": prev_sha,
            "reason": row.reason}


def _frozen_changes(old: Protocol, new: Protocol) -> list[str]:
    out = []
    if [(a.name, a.ratio) for a in old.arms] != [(a.name, a.ratio) for a in new.arms]:
        out.append("arm names and ratios")
    if old.design != new.design:
        out.append("[design]")
    if old.trial.timezone != new.trial.timezone:
        out.append("trial.timezone")
    return out


def _allocation_frame(session: Session, t: Trial) -> tuple[pd.DataFrame, Allocation]:
    header = session.exec(select(Allocation).where(Allocation.trial_id == t.id)).first()
    if header is None:
        raise RefusedError(f"trial {t.name} has no allocation: randomise first")
    rows = session.exec(select(AllocationRow).where(AllocationRow.trial_id == t.id))
    frame = pd.DataFrame([{"spot_id": r.spot_id, "arm": r.arm, "stratum": r.stratum,
                           "set": r.set_number} for r in rows])
    frame["set"] = frame["set"].astype("Int64")
    return frame.sort_values("spot_id").reset_index(drop=True), header


def _delivery(session: Session, t: Trial) -> tuple[pd.DataFrame | None, dict[str, float] | None,
                                                   dict[str, dict[str, int]]]:
    """Per-spot delivery and receipt, cost per arm, closed days: from the fieldwork record."""
    from trial.service import fieldwork_report as fr

    by_spot = fr.fidelity_by_spot(session, t)
    delivery = pd.DataFrame([{"spot_id": k, **v} for k, v in by_spot.items()])
    cost = {a.arm: float(a.cost_gbp) for a in fr.trial_fidelity(session, t).arms}
    return delivery, cost, fr.closures(session, t)


def coverage_problems(session: Session, t: Trial, protocol: Protocol) -> list[Problem]:
    """A window a fitted model uses with a month missing from a source: refused (missing is
    not zero)."""
    from trial.outcomes import coverage, missing_months
    from trial.store.crime_rows import read_records

    assert t.id is not None
    records = read_records(session.connection(), t.id, columns=("falls_within", "month"))
    if records.empty:
        return [Problem("no outcome records have been imported", field="outcomes")]
    cov = coverage(records)
    used = {h.window for h in protocol.hypotheses}
    if protocol.analysis.adjust_baseline or protocol.catchment.buffer_m > 0:
        used.add("baseline")
    problems = []
    for w in sorted(used):
        window = protocol.windows.get(w)
        if window is None:
            continue
        for m in missing_months(cov, (window.start, window.end)):
            problems.append(Problem(f"{m.source} has no records for {m.month}, in the {w} "
                                    "window a registered model uses: a missing month is not "
                                    "zero; import it before analysing", field="outcomes"))
    return problems


@dataclass(frozen=True)
class Inputs:
    protocol: Protocol
    registered: Protocol
    dataset: pd.DataFrame
    spots: pd.DataFrame
    allocation: Allocation
    costs: dict[str, float] | None
    statuses: dict[str, str]
    harm_tables: dict[str, str]
    warnings: list[str]
    lock_sha256: str | None
    units: Any
    spec: Any


def gather(session: Session, t: Trial) -> Inputs:
    """Everything the registered analysis needs, read from the database once."""
    from trial.analysis.dataset import build_dataset
    from trial.service.allocation import design_inputs
    from trial.service.outcomes import current_lock, outcome_frame

    require_state(t, RANDOMISED, doing="analyse it (randomise first)")
    protocol, registered = analysed_protocol(session, t)
    problems = coverage_problems(session, t, protocol)
    if problems:
        raise InputError(problems)
    allocation, header = _allocation_frame(session, t)
    cands = candidate_spots(session, t)
    spots = pd.DataFrame([{"spot_id": c.spot_id, "eligible": c.eligible,
                           "exclusion_reason": c.exclusion_reason, **c.attributes}
                          for c in cands])
    grid, warnings, harm_tables = outcome_frame(session, t, protocol)
    delivery, costs, closed = _delivery(session, t)
    dataset = build_dataset(protocol, allocation=allocation, attributes=spots, grid=grid,
                            delivery=delivery, closed_days=closed)
    spec, units = design_inputs(registered, cands)
    lock = current_lock(session, t)
    return Inputs(protocol, registered, dataset, spots, header, costs,
                  hypothesis_status(protocol, registered), harm_tables, warnings,
                  lock.sha256 if lock else None, units, spec)


def _redrawer(inputs: Inputs) -> Any:
    """Re-draws by the registered design (external allocations: within their strata/sets)."""
    from trial.analysis.inference import redraw_within
    from trial.design import Allocation as DrawnAllocation
    from trial.design import redraws

    data = inputs.dataset
    if inputs.allocation.method == "external":
        blocks = data["stratum"].fillna("").astype(str) + "|" + data["set"].astype(str)
        names = np.array([a.name for a in inputs.protocol.arms], dtype=object)
        index = {a: i for i, a in enumerate(names)}
        observed = np.array([index[a] for a in data["arm"]])

        def external(pairs: list[tuple[str, str]], n: int, rng: np.random.Generator
                     ) -> tuple[np.ndarray, bool]:
            a, b = pairs[0]
            m = redraw_within(observed, arms_involved=(index[a], index[b]),
                              blocks=blocks.to_numpy(), n_redraws=n, rng=rng)
            return names[m], False

        return external
    drawn_observed = DrawnAllocation(
        spot_ids=tuple(data["spot_id"]), arms=tuple(data["arm"]),
        strata=tuple(None if pd.isna(s) else s for s in data["stratum"]),
        sets=tuple(None if pd.isna(k) else int(k) for k in data["set"]),
        draws_tried=inputs.allocation.draws_tried or 1,
        algorithm=inputs.allocation.algorithm or "")

    def drawn(pairs: list[tuple[str, str]], n: int, rng: np.random.Generator
              ) -> tuple[np.ndarray, bool]:
        r = redraws(inputs.spec, inputs.units, drawn_observed, rng, n=n, arms=pairs[0])
        names = np.array(inputs.spec.arms, dtype=object)
        return names[r.matrix], bool(r.exact)

    return drawn


def analyse(inputs: Inputs, *, ri_seed: int) -> dict[str, Any]:
    """The results document (pure: the inputs and a seed decide it)."""
    from trial.analysis.plan import Plan, model_rows, run_hypotheses
    from trial.analysis.sections import consort, cost_effectiveness, displacement, subgroups

    rng = np.random.default_rng(ri_seed)
    plan = Plan(inputs.protocol, inputs.dataset)
    hypotheses = run_hypotheses(plan, statuses=inputs.statuses, redraw=_redrawer(inputs),
                                rng=rng)
    return {
        "hypotheses": hypotheses,
        "displacement": displacement(plan),
        "cost_effectiveness": cost_effectiveness(plan, inputs.costs, rng=rng),
        "subgroups": subgroups(plan),
        "consort": consort(plan, inputs.spots),
        "models": model_rows(plan),
    }


def run_analysis(ctx: Context, *, trial: str | None, save: bool = False) -> dict[str, Any]:
    """Run the registered analysis (plus amendments) on the data as they stand; with ``save``
    lock the outcomes (if not yet locked) and store the results."""
    from trial.service.outcomes import lock_outcomes

    with ctx.reading() as s:
        t = find_trial(s, trial)
        name = t.name
        if save:
            from trial.service.outcomes import current_lock

            needs_lock = current_lock(s, t) is None
    if save and needs_lock:
        gather_check(ctx, name)
        lock_outcomes(ctx, trial=name)
    with ctx.reading() as s:
        t = find_trial(s, name)
        inputs = gather(s, t)
        amended = amendments(s, t)
        mask = viewer_mask(s, t, ctx.actor)
    ri_seed = inputs.protocol.analysis.ri_seed
    seed_source = "protocol"
    if ri_seed is None:
        ri_seed, seed_source = secrets.randbits(63), "entropy"
    body = analyse(inputs, ri_seed=ri_seed)
    doc: dict[str, Any] = {
        "trial": name, "protocol_sha256": inputs.protocol.sha256,
        "registered_sha256": inputs.registered.sha256, "outcome_lock": inputs.lock_sha256,
        "amendments": [{"version": a.version, "sha256": a.sha256,
                        "previous_sha256": a.previous_sha256, "reason": a.reason,
                        "by": a.amended_by, "at": a.amended_at.isoformat()} for a in amended],
        **body,
        "ri_seed": ri_seed if inputs.protocol.analysis.randomisation_inference else None,
        "ri_seed_source": seed_source if inputs.protocol.analysis.randomisation_inference
        else None,
        "allocation": {"method": inputs.allocation.method,
                       "seed_source": inputs.allocation.seed_source,
                       "sha256": inputs.allocation.sha256},
        "harm_tables": inputs.harm_tables, "warnings": inputs.warnings,
        "saved": False,
    }
    doc = json.loads(json.dumps(doc, default=_plain))
    if save:
        # Saved as computed; a blinded reader is shown it masked, as every other time.
        doc = _save(ctx, name, doc)
    return doc if mask is None else mask.results(doc)


def gather_check(ctx: Context, name: str) -> None:
    """Refuse before locking when the analysis could not run (nothing locked in vain)."""
    with ctx.reading() as s:
        gather(s, find_trial(s, name))


def _plain(v: Any) -> Any:
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return None if not np.isfinite(v) else float(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return str(v)


def _save(ctx: Context, name: str, doc: dict[str, Any]) -> dict[str, Any]:
    from trial.service.outcomes import current_lock

    with ctx.action(action="analyse save", trial=name, entity=f"results of {name}") as act:
        t = find_trial(act.session, name)
        lock = current_lock(act.session, t)
        assert t.id is not None
        doc = {**doc, "saved": True, "outcome_lock": lock.sha256 if lock else None}
        text = canonical_json(_finite(doc))
        row = AnalysisResult(trial_id=t.id, sha256=canonical_sha256(_finite(doc)),
                             protocol_sha256=doc["protocol_sha256"],
                             outcome_lock_id=lock.id if lock else None, results=text,
                             saved_at=act.at, saved_by=ctx.actor, audit_id=act.entry_id)
        act.session.add(row)
        act.written.add_rows("analysis_result", [row])
        act.written.extra["sha256"] = row.sha256
    return {**doc, "results_sha256": row.sha256}


def _finite(v: Any) -> Any:
    if isinstance(v, float) and not np.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: _finite(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_finite(x) for x in v]
    return v


def saved_results(ctx: Context, *, trial: str | None) -> dict[str, Any]:
    """The newest saved results (what reports, exports and unblinding refer to)."""
    with ctx.reading() as s:
        t = find_trial(s, trial)
        rows = list(s.exec(select(AnalysisResult).where(AnalysisResult.trial_id == t.id)))
        if not rows:
            raise NotFoundError(f"trial {t.name} has no saved results: `spotlight analyse "
                                "--save` first")
        newest = max(rows, key=lambda r: r.saved_at)
        doc: dict[str, Any] = json.loads(newest.results)
        doc["results_sha256"] = newest.sha256
        mask = viewer_mask(s, t, ctx.actor)
        return doc if mask is None else mask.results(doc)
