"""Use-cases for the allocation: randomise once, show, export, certify, verify, import."""

from __future__ import annotations

import csv
import dataclasses
import io
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from trial.audit import file_sha256
from trial.errors import InputError, NotFoundError, Problem, ProblemCollector, RefusedError
from trial.protocol import Protocol
from trial.service.context import Act, Context
from trial.service.spots import candidate_spots
from trial.service.trials import RANDOMISED, REGISTERED, find_trial, require_state, trial_protocol
from trial.spots import CandidateSpot, spots_sha256
from trial.store.content import trial_content
from trial.store.models import Allocation, AllocationRow, Trial

EXTERNAL = "external"


def design_inputs(protocol: Protocol, spots: list[CandidateSpot]) -> tuple[Any, Any]:
    """The pure design's inputs: the design and the eligible spots in code-point order."""
    from trial.design import DesignSpec, Units

    d = protocol.design
    spec = DesignSpec(
        arms=tuple(a.name for a in protocol.arms), ratios=tuple(a.ratio for a in protocol.arms),
        method=d.method, strata=tuple(d.strata), match_on=d.match_on,
        balance_on=tuple(d.balance_on), criterion=d.criterion, max_abs_smd=d.max_abs_smd,
        acceptance=d.acceptance, max_draws=d.max_draws)
    eligible = sorted((c for c in spots if c.eligible), key=lambda c: c.spot_id)
    names = sorted({k for c in eligible for k in c.attributes})
    attributes = {k: [c.attributes.get(k) for c in eligible] for k in names}
    return spec, Units(spot_ids=tuple(c.spot_id for c in eligible), attributes=attributes)


def balance_covariates(protocol: Protocol, spots: list[CandidateSpot]) -> list[str]:
    """``balance_on`` and ``match_on`` first, then every other attribute numeric for all spots."""
    eligible = [c for c in spots if c.eligible]
    first = [*protocol.design.balance_on,
             *([protocol.design.match_on] if protocol.design.match_on else [])]
    numeric = sorted(k for k in {k for c in eligible for k in c.attributes}
                     if all(_is_number(c.attributes.get(k)) for c in eligible))
    return list(dict.fromkeys([*first, *numeric]))


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


@dataclass(frozen=True)
class AllocationView:
    """What ``randomise`` and ``allocation show`` print."""

    trial: str
    method: str
    algorithm: str | None
    seed: int | None
    seed_source: str | None
    draws_tried: int | None
    rows: list[dict[str, Any]]
    balance: list[dict[str, Any]]
    sha256: str
    protocol_sha256: str
    spots_sha256: str

    def as_json(self) -> dict[str, Any]:
        return {"trial": self.trial, "seed": self.seed, "seed_source": self.seed_source,
                "method": self.method, "algorithm": self.algorithm,
                "draws_tried": self.draws_tried, "allocation": self.rows,
                "balance": self.balance}


def _balance(protocol: Protocol, spots: list[CandidateSpot],
             rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from trial.design import balance_table

    _, units = design_inputs(protocol, spots)
    arm_of = {r["spot_id"]: r["arm"] for r in rows}
    arms = [arm_of[s] for s in units.spot_ids]
    covariates = balance_covariates(protocol, spots)
    if not covariates:
        return []
    table = balance_table(units, arms, covariates, arm_order=[a.name for a in protocol.arms])
    return [{"covariate": b.covariate, "arm_a": b.arm_a, "arm_b": b.arm_b,
             "mean_a": _num(b.mean_a), "mean_b": _num(b.mean_b), "sd_a": _num(b.sd_a),
             "sd_b": _num(b.sd_b), "smd": _num(b.smd)} for b in table]


def _num(x: float) -> float | None:
    return None if x != x else float(x)


def _rows_json(spot_ids: Any, arms: Any, strata: Any, sets: Any) -> list[dict[str, Any]]:
    return [{"spot_id": s, "arm": a, "stratum": st, "set": None if k is None else int(k)}
            for s, a, st, k in zip(spot_ids, arms, strata, sets, strict=True)]


def _store(act: Act, t: Trial, *, method: str, algorithm: str | None, seed: int | None,
           seed_source: str | None, draws: int | None, rows: list[dict[str, Any]],
           spots_hash: str, arms: list[str]) -> Allocation:
    from trial.design import allocation_sha256
    from trial.service.blinding import store_masks

    assert t.id is not None
    digest = allocation_sha256([r["spot_id"] for r in rows], [r["arm"] for r in rows],
                               [r["stratum"] for r in rows], [r["set"] for r in rows])
    header = Allocation(trial_id=t.id, method=method, algorithm=algorithm,
                        seed=None if seed is None else str(seed), seed_source=seed_source,
                        draws_tried=draws, protocol_sha256=t.protocol_sha256,
                        spots_sha256=spots_hash, sha256=digest, created_at=act.at,
                        created_by=act.actor,
                        audit_id=act.entry_id)
    lines = [AllocationRow(trial_id=t.id, spot_id=r["spot_id"], arm=r["arm"],
                           stratum=r["stratum"], set_number=r["set"], audit_id=act.entry_id)
             for r in rows]
    act.session.add(header)
    act.session.add_all(lines)
    t.state = RANDOMISED
    t.audit_id = act.entry_id
    act.session.add(t)
    act.written.add_rows("allocation", [header])
    act.written.add_rows("allocation_row", lines)
    # Every trial's masks are drawn now, so that blinding set later by amendment still has
    # labels nobody could predict.
    store_masks(act, t, arms)
    act.written.record = trial_content(t)
    return header


def _existing(session: Session, t: Trial) -> Allocation | None:
    return session.exec(select(Allocation).where(Allocation.trial_id == t.id)).first()


def randomise(ctx: Context, *, trial: str | None) -> AllocationView:
    """Draw the allocation once, over the eligible spots of a registered trial."""
    from trial.design import ALGORITHM, allocate, generator

    with ctx.reading() as s:
        name = find_trial(s, trial).name
    with ctx.action(action="randomise", trial=name, entity=f"allocation of {name}") as act:
        t = find_trial(act.session, name)
        if _existing(act.session, t) is not None:
            raise RefusedError(f"trial {name} is already randomised: the allocation exists and "
                               "is never redrawn (`spotlight allocation show`)")
        require_state(t, REGISTERED, doing="randomise it")
        protocol = trial_protocol(t)
        spots = candidate_spots(act.session, t)
        spec, units = design_inputs(protocol, spots)
        if protocol.design.seed is not None:
            seed, source = int(protocol.design.seed), "protocol"
        else:
            seed, source = secrets.randbits(128), "entropy"
        drawn = allocate(spec, units, generator(seed), algorithm=ALGORITHM)
        rows = _rows_json(drawn.spot_ids, drawn.arms, drawn.strata, drawn.sets)
        header = _store(act, t, method=spec.method, algorithm=drawn.algorithm, seed=seed,
                        seed_source=source, draws=drawn.draws_tried, rows=rows,
                        spots_hash=spots_sha256(spots), arms=[a.name for a in protocol.arms])
        act.written.extra.update({"seed": str(seed), "seed_source": source,
                                  "sha256": header.sha256})
    return show(ctx, trial=name)


def show(ctx: Context, *, trial: str | None) -> AllocationView:
    """The allocation, its balance and hashes; a blinded reader of a blinded trial sees the
    arms as masked labels (see :mod:`trial.service.blinding`)."""
    from trial.service.blinding import mask_for

    view = _show(ctx, trial=trial)
    mask = mask_for(ctx, trial=view.trial)
    if mask is None:
        return view
    return dataclasses.replace(view, rows=mask.rows(view.rows), balance=mask.balance(view.balance))


def _show(ctx: Context, *, trial: str | None) -> AllocationView:
    with ctx.reading() as s:
        t = find_trial(s, trial)
        header = _existing(s, t)
        if header is None:
            raise NotFoundError(f"trial {t.name} has no allocation yet (state {t.state})")
        rows = sorted(s.exec(select(AllocationRow).where(AllocationRow.trial_id == t.id)),
                      key=lambda r: r.spot_id)
        data = _rows_json([r.spot_id for r in rows], [r.arm for r in rows],
                          [r.stratum for r in rows], [r.set_number for r in rows])
        protocol = trial_protocol(t)
        spots = candidate_spots(s, t)
        return AllocationView(
            trial=t.name, method=header.method, algorithm=header.algorithm,
            seed=None if header.seed is None else int(header.seed),
            seed_source=header.seed_source, draws_tried=header.draws_tried, rows=data,
            balance=_balance(protocol, spots, data), sha256=header.sha256,
            protocol_sha256=header.protocol_sha256, spots_sha256=header.spots_sha256)


def arms_of(session: Session, t: Trial) -> dict[str, str]:
    """Each allocated spot's arm (empty before randomisation)."""
    return {r.spot_id: r.arm for r in session.exec(
        select(AllocationRow).where(AllocationRow.trial_id == t.id))}


def export_csv(ctx: Context, *, trial: str | None) -> str:
    """``spot_id,name,arm,stratum,set`` for field teams, in spot_id order."""
    view = show(ctx, trial=trial)
    with ctx.reading() as s:
        names = {c.spot_id: c.name for c in candidate_spots(s, find_trial(s, trial))}
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["spot_id", "name", "arm", "stratum", "set"])
    for r in view.rows:
        w.writerow([_safe(r["spot_id"]), _safe(names.get(r["spot_id"], "")), r["arm"],
                    _safe(r["stratum"] or ""), "" if r["set"] is None else r["set"]])
    return out.getvalue()


def _safe(text: str) -> str:
    """Keep spreadsheets from running text as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def certificate(ctx: Context, *, trial: str | None) -> dict[str, Any]:
    """What an outside reviewer needs to re-derive the allocation."""
    view = _show(ctx, trial=trial)
    how = ("re-derive: parse the registered protocol; take the eligible spots in Unicode "
           "code-point order of spot_id with their attributes; seed numpy.random.Generator("
           "PCG64(seed)); run the algorithm version named here; compare the canonical SHA-256 "
           "of [{spot_id, arm, stratum, set}, ...]")
    if view.method == EXTERNAL:
        how = "an external allocation, imported: it cannot be re-derived by Spotlight"
    return {"trial": view.trial, "method": view.method,
            "protocol_sha256": view.protocol_sha256, "spots_sha256": view.spots_sha256,
            "seed": view.seed, "seed_source": view.seed_source, "algorithm": view.algorithm,
            "draws_tried": view.draws_tried, "allocation_sha256": view.sha256,
            "spots": len(view.rows), "how_to_verify": how,
            "warning": ("the seed was published in the protocol, so anyone could preview this "
                        "allocation") if view.seed_source == "protocol" else None}


@dataclass(frozen=True)
class VerifyOutcome:
    ok: bool
    message: str


def verify(ctx: Context, *, trial: str | None) -> VerifyOutcome:
    """Re-derive the allocation from the stored protocol, spots, seed and algorithm."""
    from trial.design import allocate, allocation_sha256, generator

    view = _show(ctx, trial=trial)
    if view.method == EXTERNAL:
        return VerifyOutcome(False, f"trial {view.trial}'s allocation is external (imported): "
                                    "it cannot be re-derived")
    with ctx.reading() as s:
        t = find_trial(s, trial)
        protocol = trial_protocol(t)
        spots = candidate_spots(s, t)
    if protocol.sha256 != view.protocol_sha256:
        return VerifyOutcome(False, "the stored protocol no longer matches the allocation's "
                                    "protocol hash")
    if spots_sha256(spots) != view.spots_sha256:
        return VerifyOutcome(False, "the stored spots no longer match the allocation's spots "
                                    "hash")
    spec, units = design_inputs(protocol, spots)
    assert view.seed is not None and view.algorithm is not None
    derived = allocate(spec, units, generator(view.seed), algorithm=view.algorithm)
    stored = {r["spot_id"]: r for r in view.rows}
    for sid, arm, st, k in zip(derived.spot_ids, derived.arms, derived.strata, derived.sets,
                               strict=True):
        r = stored.get(sid)
        if r is None:
            return VerifyOutcome(False, f"spot {sid}: in the derived allocation, not stored")
        if (r["arm"], r["stratum"], r["set"]) != (arm, st, k):
            return VerifyOutcome(False, f"spot {sid}: stored arm {r['arm']!r} (stratum "
                                        f"{r['stratum']!r}, set {r['set']}), derived {arm!r} "
                                        f"(stratum {st!r}, set {k})")
    extra = sorted(set(stored) - set(derived.spot_ids))
    if extra:
        return VerifyOutcome(False, f"spot {extra[0]}: stored but not an eligible spot")
    digest = allocation_sha256(derived.spot_ids, derived.arms, derived.strata, derived.sets)
    if digest != view.sha256:
        return VerifyOutcome(False, "the allocation's stored hash does not match its rows")
    return VerifyOutcome(True, f"allocation of {view.trial} re-derived: {len(view.rows)} spots "
                               f"match (sha256 {digest})")


def import_allocation(ctx: Context, *, trial: str | None, path: Path) -> AllocationView:
    """Record an allocation made outside Spotlight (``spot_id,arm`` [+ ``stratum``, ``set``])."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(Problem("no such file", str(path))) from None
    source = path.name
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(Problem("is not UTF-8 text", source)) from None
    with ctx.reading() as s:
        name = find_trial(s, trial).name
    with ctx.action(action="allocation import", trial=name,
                    entity=f"allocation of {name}") as act:
        t = find_trial(act.session, name)
        if _existing(act.session, t) is not None:
            raise RefusedError(f"trial {name} already has an allocation; it is never replaced")
        require_state(t, REGISTERED, doing="import an allocation")
        protocol = trial_protocol(t)
        spots = candidate_spots(act.session, t)
        rows = _parse_external(text, source, protocol, spots)
        _store(act, t, method=EXTERNAL, algorithm=None, seed=None, seed_source=None,
               draws=None, rows=rows, spots_hash=spots_sha256(spots),
               arms=[a.name for a in protocol.arms])
        act.written.file_sha256 = file_sha256(data)
        act.written.extra["file"] = source
    return show(ctx, trial=name)


def _parse_external(text: str, source: str, protocol: Protocol,
                    spots: list[CandidateSpot]) -> list[dict[str, Any]]:
    problems = ProblemCollector(source)
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    if not {"spot_id", "arm"} <= set(header):
        problems.add(f"the header must have spot_id and arm (optional stratum, set); found "
                     f"{', '.join(header) or 'nothing'}", line=1)
        problems.raise_if_any()
    col = {h: i for i, h in enumerate(header)}
    arms = [a.name for a in protocol.arms]
    eligible = {c.spot_id for c in spots if c.eligible}
    known = {c.spot_id: c for c in spots}
    seen: dict[str, int] = {}
    rows: list[dict[str, Any]] = []
    for line, rec in enumerate(reader, start=2):
        if not any(cell.strip() for cell in rec):
            continue

        def cell(name: str, rec: list[str] = rec) -> str:
            i = col.get(name)
            return rec[i].strip() if i is not None and i < len(rec) else ""

        sid, arm = cell("spot_id"), cell("arm")
        if sid not in known:
            problems.add(f"unknown spot {sid!r}", line=line, field="spot_id")
        elif sid not in eligible:
            problems.add(f"spot {sid} is not eligible ({known[sid].exclusion_reason}); excluded "
                         "spots are never allocated", line=line, field="spot_id")
        elif sid in seen:
            problems.add(f"spot {sid} appears again (first on line {seen[sid]})", line=line,
                         field="spot_id")
        seen.setdefault(sid, line)
        if arm not in arms:
            problems.add(f"unknown arm {arm!r} (arms: {', '.join(arms)})", line=line, field="arm")
        set_text = cell("set")
        set_number: int | None = None
        if set_text:
            try:
                set_number = int(set_text)
            except ValueError:
                problems.add(f"must be a whole number, not {set_text!r}", line=line, field="set")
        rows.append({"spot_id": sid, "arm": arm, "stratum": cell("stratum") or None,
                     "set": set_number})
    missing = sorted(eligible - set(seen))
    if missing:
        problems.add(f"{len(missing)} eligible spots have no arm: {', '.join(missing[:10])}"
                     + (" ..." if len(missing) > 10 else ""), field="spot_id")
    problems.raise_if_any()
    return sorted(rows, key=lambda r: r["spot_id"])


def check(ctx: Context, *, trial: str | None, draws: int = 10_000) -> dict[str, Any]:
    """Before randomising: how many allocations the design leaves, and how predictable it is."""
    from trial.design import check_rerandomisation, count_allocations

    with ctx.reading() as s:
        t = find_trial(s, trial)
        protocol = trial_protocol(t)
        spots = candidate_spots(s, t)
    spec, units = design_inputs(protocol, spots)
    total = count_allocations(spec, units)
    out: dict[str, Any] = {"trial": t.name, "method": spec.method, "spots": len(units),
                           "total_allocations": total}
    if spec.method == "rerandomise":
        import numpy as np

        c = check_rerandomisation(spec, units, np.random.default_rng(), n_draws=draws,
                                  alpha=protocol.analysis.alpha)
        out.update({"draws": c.draws, "accepted": c.accepted,
                    "acceptance_rate": c.acceptance_rate,
                    "acceptable_estimate": c.acceptable_estimate,
                    "min_p_value": c.min_p_value, "predictable": c.predictable,
                    "warning": c.warning})
    else:
        out.update({"acceptance_rate": 1.0, "acceptable_estimate": total,
                    "min_p_value": 1 / total if total else None, "predictable": False,
                    "warning": None})
    return out
