"""Use-cases for outcome records: import (police.uk or force extracts), list, snap points."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlmodel import Session, select

from trial.canonical import canonical_json, canonical_sha256
from trial.errors import InputError, Problem
from trial.geo import SpotShape, shape_of
from trial.service.context import Context
from trial.service.spots import candidate_spots
from trial.service.trials import RANDOMISED, REGISTERED, find_trial, require_state, trial_protocol
from trial.store.crime_rows import insert_records, read_records, records_digest
from trial.store.models import CrimeImport, CrimeRecord, Trial

FORMATS = ("police-uk", "records")
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class CrimeImportResult:
    imported: int
    duplicates: int
    excluded: int
    unlocatable: int
    in_spots: int
    in_catchments: int
    outside: int
    files: list[dict[str, Any]]
    warnings: list[str]

    def as_json(self) -> dict[str, Any]:
        return {"imported": self.imported, "duplicates": self.duplicates,
                "excluded": self.excluded, "unlocatable": self.unlocatable,
                "in_spots": self.in_spots, "in_catchments": self.in_catchments,
                "outside": self.outside}


def trial_shapes(session: Session, t: Trial) -> list[SpotShape]:
    """Metric shapes of the trial's eligible spots, in spot_id code-point order."""
    return [shape_of(c.spot_id, c.geometry) for c in candidate_spots(session, t) if c.eligible]


def read_crime_files(paths: Sequence[Path], *, fmt: str, map_path: Path | None,
                     timezone: str, progress: Progress | None = None) -> Any:
    """Parse the files (no database): the common record frame, duplicates and file hashes."""
    from trial.outcomes import parse_record_map, read_policeuk
    from trial.outcomes import read_records as read_extracts

    if fmt not in FORMATS:
        raise InputError(Problem(f"unknown format {fmt!r}; valid: {', '.join(FORMATS)}",
                                 field="--format"))
    if fmt == "police-uk":
        if map_path is not None:
            raise InputError(Problem("--map is for --format records", field="--map"))
        return read_policeuk(paths, progress=progress)
    if map_path is None:
        raise InputError(Problem("--format records needs a column map (--map MAP.toml)",
                                 field="--map"))
    try:
        map_text = map_path.read_text(encoding="utf-8-sig")
    except OSError:
        raise InputError(Problem("cannot read the column map", str(map_path))) from None
    rmap = parse_record_map(map_text, source=map_path.name)
    return read_extracts(paths, rmap, timezone=timezone, progress=progress)


def import_crimes(ctx: Context, *, trial: str | None, paths: Sequence[Path],
                  fmt: str = "police-uk", map_path: Path | None = None,
                  progress: Progress | None = None, hash_ids: bool = False
                  ) -> CrimeImportResult:
    """Store new records, each assigned to a spot, a catchment, outside or unlocatable.

    Atomic per call; records already stored (by their key) are duplicates and not stored.
    With ``hash_ids`` crime references are stored as keyed hashes (see
    :mod:`trial.service.crime_keys`).
    """
    from trial.outcomes import assign

    with ctx.reading() as s:
        t0 = find_trial(s, trial)
        name, timezone = t0.name, t0.timezone
        require_state(t0, REGISTERED, RANDOMISED,
                      doing="import outcome records (spots are fixed at registration, and "
                            "records are assigned to them)")
    read = read_crime_files(paths, fmt=fmt, map_path=map_path, timezone=timezone,
                            progress=progress)
    frame: pd.DataFrame = read.frame
    if hash_ids:
        from trial.service.crime_keys import crime_key, hash_crime_ids

        frame = hash_crime_ids(frame, crime_key(ctx.url))
    with ctx.action(action="crimes import", trial=name, entity=f"outcome records of {name}") \
            as act:
        t = find_trial(act.session, name)
        assert t.id is not None
        protocol = trial_protocol(t)
        stored = set(act.session.exec(
            select(CrimeRecord.record_key).where(CrimeRecord.trial_id == t.id)))
        seen = frame["record_key"].isin(stored).to_numpy() if stored else np.zeros(
            len(frame), dtype=bool)
        # A first import keeps every row: add the assignment to the frame as read rather than
        # to a copy of it (a million rows are several hundred megabytes).
        new = frame.loc[~seen].copy() if seen.any() else frame
        shapes = trial_shapes(act.session, t)
        placed = assign(new["x"].to_numpy(dtype=float), new["y"].to_numpy(dtype=float), shapes,
                        buffer_m=float(protocol.catchment.buffer_m))
        ids = np.array([s.spot_id for s in shapes] + [None], dtype=object)
        new["area"] = _labels(placed.area)
        new["spot_id"] = ids[placed.spot_index]
        new["distance_m"] = placed.distance_m
        excluded = new["excluded_reason"].notna().to_numpy()
        new.loc[excluded, "area"] = "excluded"
        counts = {k: int((new["area"] == k).sum())
                  for k in ("spot", "catchment", "outside", "unlocatable", "excluded")}
        files = [{"name": f.name, "sha256": f.sha256, "rows": f.rows} for f in read.files]
        result = CrimeImportResult(
            imported=len(new), duplicates=int(read.duplicates + seen.sum()),
            excluded=counts["excluded"], unlocatable=counts["unlocatable"],
            in_spots=counts["spot"], in_catchments=counts["catchment"],
            outside=counts["outside"], files=files, warnings=_warnings(new))
        batch = CrimeImport(trial_id=t.id, format=fmt, files=canonical_json(files),
                            counts=canonical_json(result.as_json()), imported_at=act.at,
                            imported_by=ctx.actor, audit_id=act.entry_id)
        act.session.add(batch)
        act.session.flush()
        assert batch.id is not None
        insert_records(act.session, new, trial_id=t.id, import_id=batch.id,
                       audit_id=act.entry_id)
        act.written.add_rows("crime_import", [batch])
        act.written.bulk["crime_record"] = (records_digest(new), len(new))
        act.written.file_sha256 = canonical_sha256([f["sha256"] for f in files])
        act.written.extra.update({"files": files, "counts": result.as_json(),
                                  "hashed_ids": hash_ids})
    return result


def _labels(area: np.ndarray) -> np.ndarray:
    """The area labels as an object array sharing four strings (not a string per record)."""
    out = np.empty(len(area), dtype=object)
    for label in ("spot", "catchment", "outside", "unlocatable"):
        out[area == label] = label
    return out


def _warnings(new: pd.DataFrame) -> list[str]:
    out = []
    piles = int(new["default_location"].fillna(False).astype(bool).sum())
    if piles:
        out.append(f"{piles} records sit at a likely default location (many records at one "
                   "exact point): flagged and still counted")
    return out


def list_crimes(ctx: Context, *, trial: str | None, spot: str | None = None,
                window: str | None = None, area: str | None = None) -> list[dict[str, Any]]:
    """The stored records behind a count: by spot (in the spot or its catchment), window."""
    from trial.service.outcomes import label_windows

    with ctx.reading() as s:
        t = find_trial(s, trial)
        protocol = trial_protocol(t)
        assert t.id is not None
        where, params = "", {}
        if spot is not None:
            where += " AND spot_id = :spot"
            params["spot"] = spot
        if area is not None:
            where += " AND area = :area"
            params["area"] = area
        frame = read_records(s.connection(), t.id, where=where, params=params)
    frame["window"] = label_windows(frame, protocol)
    if window is not None:
        if protocol.windows.get(window) is None:
            raise InputError(Problem(f"unknown window {window!r}", field="--window"))
        frame = frame[frame["window"] == window]
    frame = frame.sort_values(["month", "record_key"])
    cols = ["record_key", "crime_id", "month", "occurred_from", "crime_type", "offence_code",
            "how_reported", "status", "excluded_reason", "area", "spot_id", "distance_m",
            "window", "location", "default_location", "source_file", "line"]
    out = frame[cols].astype(object).where(frame[cols].notna(), None)
    records: list[dict[str, Any]] = [{str(k): v for k, v in r.items()}
                                     for r in out.to_dict("records")]
    for r in records:
        if r["occurred_from"] is not None:
            r["occurred_from"] = pd.Timestamp(r["occurred_from"]).isoformat()
        r["default_location"] = bool(r["default_location"])
    return records


def snap_points(ctx: Context, *, trial: str | None) -> list[dict[str, Any]]:
    """Distinct police.uk snap points inside each spot (a small spot may hold none)."""
    from trial.outcomes import snap_points_per_spot

    with ctx.reading() as s:
        t = find_trial(s, trial)
        assert t.id is not None
        shapes = trial_shapes(s, t)
        frame = read_records(s.connection(), t.id, columns=("x", "y"))
    counts = snap_points_per_spot(frame["x"].to_numpy(dtype=float),
                                  frame["y"].to_numpy(dtype=float), shapes)
    return [{"spot_id": sh.spot_id, "snap_points": int(c)}
            for sh, c in zip(shapes, counts, strict=True)]
