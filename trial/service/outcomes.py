"""Use-cases for outcomes: the outcome table per spot and window, coverage, the data lock."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlmodel import Session, select

from trial.errors import InputError, Problem, RefusedError
from trial.protocol import Outcome, Protocol
from trial.service.context import Context
from trial.service.spots import candidate_spots
from trial.service.trials import find_trial, trial_protocol
from trial.store.crime_rows import read_records, records_digest
from trial.store.models import CrimeRecord, OutcomeLock, Trial

OUTCOME_WINDOWS = ("baseline", "treatment", "follow_up")


def window_specs(protocol: Protocol) -> dict[str, tuple[Any, Any]]:
    return {w.name: (w.start, w.end) for w in protocol.windows.defined}


def hours_spec(protocol: Protocol) -> dict[str, Any] | None:
    h = protocol.windows.hours
    if h is None:
        return None
    return {"days": list(h.days), "start": h.start, "end": h.end}


def label_windows(frame: pd.DataFrame, protocol: Protocol) -> np.ndarray:
    """Each record's outcome window (None outside every window, and in the run-in)."""
    from trial.outcomes import month_window_problems, window_labels

    if frame.empty:
        return np.array([], dtype=object)
    f = frame.copy()
    f["occurred_from"] = pd.to_datetime(f["occurred_from"], utc=True, format="mixed")
    monthly = f["precision"] == "month"
    if monthly.any():
        windows = {k: v for k, v in window_specs(protocol).items() if k != "run_in"}
        problems = month_window_problems(windows, set(f.loc[monthly, "month"]))
        if problems:
            raise InputError([*problems, Problem(
                "month-level records (police.uk) count in a window only when it holds the "
                "whole month: move the window's dates to month boundaries, or use timed "
                "records", field="windows")])
    return window_labels(f, window_specs(protocol), timezone=protocol.trial.timezone,
                         hours=hours_spec(protocol))


@dataclass(frozen=True)
class OutcomeTable:
    rows: list[dict[str, Any]]
    warnings: list[str]
    harm_tables: dict[str, str]


def _arms(session: Session, t: Trial) -> dict[str, str]:
    from trial.service.allocation import arms_of

    return arms_of(session, t)


def outcome_frame(session: Session, t: Trial, protocol: Protocol, *, monthly: bool = False
                  ) -> tuple[pd.DataFrame, list[str], dict[str, str]]:
    """Counts and harm per spot, window (or month), outcome, in the spot and its catchment."""
    from trial.outcomes import coverage, harm_weights, load_harm_table, missing_months, outcome_mask

    assert t.id is not None
    records = read_records(session.connection(), t.id)
    spots = [c.spot_id for c in candidate_spots(session, t) if c.eligible]
    windows = [w for w in OUTCOME_WINDOWS if protocol.windows.get(w) is not None]
    warnings: list[str] = []
    labels = label_windows(records, protocol) if len(records) else np.array([], dtype=object)
    records["window"] = labels
    key = "month" if monthly else "window"
    cov = coverage(records) if len(records) else {}
    for w in windows:
        window = protocol.windows.get(w)
        assert window is not None
        for m in missing_months(cov, (window.start, window.end)) if cov else []:
            warnings.append(f"{m.source} has no records for {m.month} ({w} window): the "
                            "counts there show 0 but the month is missing, not zero")
    if not cov and windows:
        warnings.append("no outcome records have been imported yet")
    located = records[records["area"].isin(["spot", "catchment"]) & records["window"].notna()]
    harm_tables: dict[str, str] = {}
    parts = []
    for outcome in protocol.outcomes:
        table = load_harm_table(outcome.harm_weights)
        harm_tables[outcome.name] = f"{table.name} ({table.version})"
        if located.empty:
            continue
        mask = outcome_mask(located, crime_types=_types(outcome), exclude=outcome.exclude,
                            source=outcome.source)
        chosen = located[mask]
        hw = harm_weights(chosen, table)
        if hw.missing:
            warnings.append(f"outcome {outcome.name}: no harm weight in {table.name} for "
                            f"{', '.join(hw.missing)} (they add 0)")
        part = pd.DataFrame({"spot_id": chosen["spot_id"], "area": chosen["area"],
                             key: chosen[key], "outcome": outcome.name, "n": 1,
                             "harm": hw.weights, "harm_sq": hw.weights ** 2})
        parts.append(part)
    if monthly:
        months = sorted(set(records["month"].dropna())) if len(records) else []
        periods = months
    else:
        periods = windows
    grid = pd.MultiIndex.from_product(
        [spots, periods, [o.name for o in protocol.outcomes]],
        names=["spot_id", key, "outcome"]).to_frame(index=False)
    for col in ("count", "harm", "catchment_count", "catchment_harm", "harm_sq",
                "catchment_harm_sq"):
        grid[col] = 0.0
    if parts:
        allp = pd.concat(parts, ignore_index=True)
        agg = allp.groupby(["spot_id", key, "outcome", "area"]).agg(
            n=("n", "sum"), harm=("harm", "sum"), harm_sq=("harm_sq", "sum")).reset_index()
        for area, ccol, hcol, qcol in (
                ("spot", "count", "harm", "harm_sq"),
                ("catchment", "catchment_count", "catchment_harm", "catchment_harm_sq")):
            sub = agg[agg["area"] == area].set_index(["spot_id", key, "outcome"])
            idx = pd.MultiIndex.from_frame(grid[["spot_id", key, "outcome"]])
            grid[ccol] = sub["n"].reindex(idx).fillna(0).to_numpy()
            grid[hcol] = sub["harm"].reindex(idx).fillna(0).to_numpy()
            grid[qcol] = sub["harm_sq"].reindex(idx).fillna(0).to_numpy()
    grid["count"] = grid["count"].astype(int)
    grid["catchment_count"] = grid["catchment_count"].astype(int)
    arms = _arms(session, t)
    grid.insert(1, "arm", [arms.get(s) for s in grid["spot_id"]])
    return grid, warnings, harm_tables


def _types(outcome: Outcome) -> Any:
    return "all" if outcome.all_crime_types else list(outcome.crime_types)


def outcome_table(ctx: Context, *, trial: str | None, monthly: bool = False) -> OutcomeTable:
    """Every spot x window x outcome: count and harm in the spot and in its catchment."""
    from trial.service.blinding import viewer_mask

    with ctx.reading() as s:
        t = find_trial(s, trial)
        protocol = trial_protocol(t)
        grid, warnings, tables = outcome_frame(s, t, protocol, monthly=monthly)
        mask = viewer_mask(s, t, ctx.actor)
    if mask is not None:
        grid["arm"] = [mask.arm(a) for a in grid["arm"]]
    rows: list[dict[str, Any]] = [
        {str(k): v for k, v in r.items()}
        for r in grid.drop(columns=["harm_sq", "catchment_harm_sq"]).to_dict("records")]
    for r in rows:
        r["harm"] = round(float(r["harm"]), 6)
        r["catchment_harm"] = round(float(r["catchment_harm"]), 6)
    return OutcomeTable(rows, warnings, tables)


def demand_profile(ctx: Context, *, trial: str | None) -> dict[str, Any]:
    """Counts by hour of the week from timed baseline records, per spot and overall."""
    with ctx.reading() as s:
        t = find_trial(s, trial)
        protocol = trial_protocol(t)
        assert t.id is not None
        records = read_records(s.connection(), t.id)
    timed = records[(records["precision"] == "time") & records["area"].isin(["spot"])].copy()
    b = protocol.windows.baseline
    if timed.empty:
        return {"trial": t.name, "overall": [[0] * 24 for _ in range(7)], "spots": {},
                "records": 0, "note": "no timed records in the spots: police.uk data has "
                                      "months only, so there is no demand profile"}
    local = pd.to_datetime(timed["occurred_from"], utc=True, format="mixed").dt.tz_convert(
        protocol.trial.timezone)
    keep = (local.dt.date >= b.start) & (local.dt.date <= b.end)
    timed, local = timed[keep.to_numpy()], local[keep]
    grid = np.zeros((7, 24), dtype=int)
    np.add.at(grid, (local.dt.day_of_week.to_numpy(), local.dt.hour.to_numpy()), 1)
    per_spot: dict[str, list[list[int]]] = {}
    for sid, idx in timed.groupby("spot_id").groups.items():
        g = np.zeros((7, 24), dtype=int)
        loc = local.loc[idx]
        np.add.at(g, (loc.dt.day_of_week.to_numpy(), loc.dt.hour.to_numpy()), 1)
        per_spot[str(sid)] = g.tolist()
    return {"trial": t.name, "overall": grid.tolist(), "spots": per_spot,
            "records": int(len(timed)), "days": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
                                                 "Sun"]}


def current_lock(session: Session, t: Trial) -> OutcomeLock | None:
    locks = list(session.exec(select(OutcomeLock).where(OutcomeLock.trial_id == t.id)))
    return max(locks, key=lambda o: o.locked_at) if locks else None


def records_sha256(session: Session, t: Trial) -> tuple[str, int]:
    assert t.id is not None
    frame = read_records(session.connection(), t.id)
    return records_digest(frame), len(frame)


def lock_outcomes(ctx: Context, *, trial: str | None) -> dict[str, Any]:
    """Freeze the outcome data before analysis: the stored records' hash."""
    with ctx.reading() as s:
        name = find_trial(s, trial).name
    with ctx.action(action="outcomes lock", trial=name, entity=f"outcome lock of {name}") as act:
        t = find_trial(act.session, name)
        assert t.id is not None
        if current_lock(act.session, t) is not None:
            raise RefusedError(f"trial {name}'s outcome data are already locked")
        digest, n = records_sha256(act.session, t)
        if n == 0:
            raise RefusedError(f"trial {name} has no outcome records to lock")
        lock = OutcomeLock(trial_id=t.id, sha256=digest, records=n, locked_at=act.at,
                           locked_by=ctx.actor, audit_id=act.entry_id)
        act.session.add(lock)
        act.written.add_rows("outcome_lock", [lock])
    return {"trial": name, "sha256": digest, "records": n, "locked_at": act.at.isoformat()}


def lock_status(ctx: Context, *, trial: str | None) -> dict[str, Any]:
    """The lock, and records imported since it (reported, never silently included)."""
    with ctx.reading() as s:
        t = find_trial(s, trial)
        lock = current_lock(s, t)
        total = len(list(s.exec(select(CrimeRecord.id).where(CrimeRecord.trial_id == t.id))))
        if lock is None:
            return {"trial": t.name, "locked": False, "records": total}
        later = len(list(s.exec(select(CrimeRecord.id).where(
            CrimeRecord.trial_id == t.id, CrimeRecord.audit_id > lock.audit_id))))
        return {"trial": t.name, "locked": True, "sha256": lock.sha256,
                "records": lock.records, "locked_at": lock.locked_at.isoformat(),
                "imported_since": later}
