"""Use-cases for candidate hot spots: import, remove (drafts only) and list."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from trial.audit import file_sha256
from trial.canonical import canonical_json
from trial.errors import InputError, NotFoundError, Problem
from trial.service.context import Context
from trial.service.trials import DRAFT, find_trial, require_state
from trial.spots import CandidateSpot, parse_spots, spot_problems
from trial.store.models import Spot, Trial


def to_candidate(s: Spot) -> CandidateSpot:
    return CandidateSpot(spot_id=s.spot_id, name=s.name, eligible=bool(s.eligible),
                         exclusion_reason=s.exclusion_reason, geometry=json.loads(s.geometry),
                         attributes=json.loads(s.attributes))


def stored_spots(session: Session, t: Trial) -> list[Spot]:
    """The trial's candidate spots in ``spot_id`` code-point order (never a collation's)."""
    rows = list(session.exec(select(Spot).where(Spot.trial_id == t.id)))
    return sorted(rows, key=lambda s: s.spot_id)


def candidate_spots(session: Session, t: Trial) -> list[CandidateSpot]:
    return [to_candidate(s) for s in stored_spots(session, t)]


def import_spots(ctx: Context, *, trial: str | None, path: Path, crs: str | None = None) -> int:
    """Append candidate spots from a CSV or GeoJSON file; atomic, every problem listed."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(Problem("no such file", str(path))) from None
    except OSError as exc:
        raise InputError(Problem(f"cannot read the file: {exc.strerror}", str(path))) from None
    return import_spot_data(ctx, trial=trial, data=data, source=path.name, crs=crs)


def import_spot_data(ctx: Context, *, trial: str | None, data: bytes, source: str,
                     crs: str | None = None) -> int:
    """Append candidate spots from a file's bytes (``source`` names it in errors)."""
    text = _decode(data, source)
    suffix = Path(source).suffix.lower()
    new = parse_spots(text, source=source, crs=crs, suffix=suffix)
    with ctx.reading() as s:
        name = find_trial(s, trial).name
    with ctx.action(action="spots import", trial=name, entity=f"spots of {name}") as act:
        t = find_trial(act.session, name)
        require_state(t, DRAFT, doing="add spots (spots are frozen at registration)")
        existing = candidate_spots(act.session, t)
        problems = spot_problems(new, existing, source=source)
        if problems:
            raise InputError(problems)
        assert t.id is not None
        rows = [Spot(trial_id=t.id, spot_id=c.spot_id, name=c.name, eligible=c.eligible,
                     exclusion_reason=c.exclusion_reason, geometry=canonical_json(c.geometry),
                     attributes=canonical_json(c.attributes), audit_id=act.entry_id)
                for c in new]
        act.session.add_all(rows)
        act.written.add_rows("spot", rows)
        act.written.file_sha256 = file_sha256(data)
        act.written.extra.update({"file": source, "imported": len(rows)})
    return len(new)


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(Problem(
            f"is not UTF-8 text (byte {exc.start}); save it as UTF-8 CSV or GeoJSON",
            source)) from None


def remove_spots(ctx: Context, *, trial: str | None, spot_ids: Sequence[str]) -> int:
    """Remove candidate spots from a draft trial."""
    with ctx.reading() as s:
        name = find_trial(s, trial).name
    with ctx.action(action="spots remove", trial=name, entity=f"spots of {name}") as act:
        t = find_trial(act.session, name)
        require_state(t, DRAFT, doing="remove spots (spots are frozen at registration)")
        rows = {s.spot_id: s for s in stored_spots(act.session, t)}
        missing = [sid for sid in spot_ids if sid not in rows]
        if missing:
            raise NotFoundError(f"trial {name} has no spot {', '.join(map(repr, missing))}")
        doomed = [rows[sid] for sid in dict.fromkeys(spot_ids)]
        act.written.add_removed("spot", doomed)
        act.session.execute(delete(Spot).where(
            col(Spot.id).in_([r.id for r in doomed])))
    return len(doomed)


def list_spots(ctx: Context, *, trial: str | None) -> list[dict[str, Any]]:
    """Spots in code-point order: ``spot_id``, ``name``, ``eligible``, ``arm``, attributes."""
    with ctx.reading() as s:
        t = find_trial(s, trial)
        from trial.service.allocation import arms_of
        from trial.service.blinding import viewer_mask

        arms = arms_of(s, t)
        mask = viewer_mask(s, t, ctx.actor)
        if mask is not None:
            arms = {k: mask.arm(v) for k, v in arms.items()}
        out = []
        for sp in stored_spots(s, t):
            attrs = json.loads(sp.attributes)
            row: dict[str, Any] = {"spot_id": sp.spot_id, "name": sp.name,
                                   "eligible": bool(sp.eligible),
                                   "exclusion_reason": sp.exclusion_reason,
                                   "arm": arms.get(sp.spot_id)}
            for k, v in attrs.items():
                row.setdefault(k, v)
            out.append(row)
        return out
