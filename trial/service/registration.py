"""Registration: freeze the protocol and the spots, after the checks only spots can tell."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from trial.errors import InputError, Problem, RefusedError
from trial.protocol import spot_attribute_problems
from trial.service.context import Context
from trial.service.spots import candidate_spots
from trial.service.trials import DRAFT, REGISTERED, find_trial, require_state, trial_protocol
from trial.spots import closest_pairs, pairs_closer_than, spots_sha256
from trial.store.content import trial_content


@dataclass(frozen=True)
class Registration:
    trial: str
    state: str
    sha256: str
    spots_sha256: str
    eligible: int
    closest: list[dict[str, Any]]
    warnings: list[str]

    def as_json(self) -> dict[str, Any]:
        """The contract's document; warnings go to stderr, closest pairs to people."""
        return {"trial": self.trial, "state": self.state, "sha256": self.sha256,
                "spots_sha256": self.spots_sha256}


def register(ctx: Context, *, trial: str | None) -> Registration:
    """Freeze a draft trial's protocol and spots and move it to ``registered``."""
    with ctx.reading() as s:
        name = find_trial(s, trial).name
    with ctx.action(action="protocol register", trial=name, entity=f"trial {name}") as act:
        t = find_trial(act.session, name)
        require_state(t, DRAFT, doing="register it (it is registered once)")
        protocol = trial_protocol(t)
        spots = candidate_spots(act.session, t)
        eligible = [c for c in spots if c.eligible]
        n_arms = len(protocol.arms)
        if len(eligible) < n_arms:
            raise RefusedError(f"trial {name} has {len(eligible)} eligible spots; "
                               f"a trial of {n_arms} arms needs at least {n_arms}")
        problems: list[Problem] = list(spot_attribute_problems(
            protocol, [{"spot_id": c.spot_id, "attributes": c.attributes} for c in eligible]))
        min_sep = float(protocol.design.min_separation_m)
        if min_sep > 0:
            for pair in pairs_closer_than(eligible, min_sep):
                problems.append(Problem(
                    f"spots {pair.a} and {pair.b} are {pair.distance_m:.1f} m apart, edge to "
                    f"edge; the protocol asks for at least {min_sep:g} m "
                    "(remove one, or change the protocol while the trial is a draft)",
                    field="design.min_separation_m"))
        if problems:
            raise InputError(problems)
        warnings: list[str] = []
        buffer_m = float(protocol.catchment.buffer_m)
        if buffer_m > 0:
            close = pairs_closer_than(eligible, 2 * buffer_m)
            if close:
                warnings.append(
                    f"{len(close)} pairs of spots are closer than 2 x catchment.buffer_m "
                    f"({2 * buffer_m:g} m), so their catchments overlap (closest: "
                    f"{close[0].a} and {close[0].b}, {close[0].distance_m:.0f} m)")
        pairs = closest_pairs(eligible, k=5)
        t.spots_sha256 = spots_sha256(spots)
        t.state = REGISTERED
        t.registered_at = act.at
        t.registered_by = ctx.actor
        t.audit_id = act.entry_id
        act.session.add(t)
        act.written.record = trial_content(t)
        act.written.extra.update({"protocol_sha256": t.protocol_sha256,
                                  "spots_sha256": t.spots_sha256, "eligible": len(eligible)})
    # After the commit: the simulation is advice and should not hold the write lock. Seeded by
    # the protocol's hash, so the same registration gives the same warning.
    from trial.service.power import quick_warnings

    warnings += quick_warnings(protocol, spots, seed=int(t.protocol_sha256[:15], 16))
    return Registration(
        trial=name, state=REGISTERED, sha256=t.protocol_sha256, spots_sha256=t.spots_sha256,
        eligible=len(eligible), warnings=warnings,
        closest=[{"a": p.a, "b": p.b, "distance_m": round(p.distance_m, 1)} for p in pairs])
