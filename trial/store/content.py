"""Canonical content of stored rows, as the audit trail hashes it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from trial.audit import AuditedTable, register_table
from trial.canonical import sha256_hex
from trial.store.models import (
    Allocation,
    AllocationRow,
    AnalysisResult,
    CrimeImport,
    OutcomeLock,
    ProtocolAmendment,
    Spot,
    Trial,
)


def stamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def trial_content(t: Trial) -> dict[str, Any]:
    return {"name": t.name, "state": t.state, "title": t.title, "timezone": t.timezone,
            "protocol_sha256": t.protocol_sha256, "protocol_text": t.protocol_text,
            "spots_sha256": t.spots_sha256, "created_at": stamp(t.created_at),
            "created_by": t.created_by, "registered_at": stamp(t.registered_at),
            "registered_by": t.registered_by}


def spot_content(s: Spot) -> dict[str, Any]:
    return {"trial_id": s.trial_id, "spot_id": s.spot_id, "name": s.name,
            "eligible": bool(s.eligible), "exclusion_reason": s.exclusion_reason,
            "geometry": json.loads(s.geometry), "attributes": json.loads(s.attributes)}


register_table(AuditedTable("spot", Spot, ("trial_id", "spot_id"), spot_content))


def allocation_content(a: Allocation) -> dict[str, Any]:
    return {"trial_id": a.trial_id, "method": a.method, "algorithm": a.algorithm,
            "seed": a.seed, "seed_source": a.seed_source, "draws_tried": a.draws_tried,
            "protocol_sha256": a.protocol_sha256, "spots_sha256": a.spots_sha256,
            "sha256": a.sha256, "created_at": stamp(a.created_at), "created_by": a.created_by}


def allocation_row_content(r: AllocationRow) -> dict[str, Any]:
    return {"trial_id": r.trial_id, "spot_id": r.spot_id, "arm": r.arm, "stratum": r.stratum,
            "set": r.set_number}


register_table(AuditedTable("allocation", Allocation, ("trial_id",), allocation_content))
register_table(AuditedTable("allocation_row", AllocationRow, ("trial_id", "spot_id"),
                            allocation_row_content))


def crime_import_content(c: CrimeImport) -> dict[str, Any]:
    return {"trial_id": c.trial_id, "format": c.format, "files": json.loads(c.files),
            "counts": json.loads(c.counts), "imported_at": stamp(c.imported_at),
            "imported_by": c.imported_by}


def outcome_lock_content(o: OutcomeLock) -> dict[str, Any]:
    return {"trial_id": o.trial_id, "sha256": o.sha256, "records": o.records,
            "locked_at": stamp(o.locked_at), "locked_by": o.locked_by}


register_table(AuditedTable("crime_import", CrimeImport, ("trial_id", "imported_at"),
                            crime_import_content))
register_table(AuditedTable("outcome_lock", OutcomeLock, ("trial_id", "locked_at"),
                            outcome_lock_content))


def amendment_content(a: ProtocolAmendment) -> dict[str, Any]:
    return {"trial_id": a.trial_id, "version": a.version, "protocol_text": a.protocol_text,
            "sha256": a.sha256, "previous_sha256": a.previous_sha256, "reason": a.reason,
            "amended_at": stamp(a.amended_at), "amended_by": a.amended_by}


def analysis_result_content(r: AnalysisResult) -> dict[str, Any]:
    return {"trial_id": r.trial_id, "sha256": r.sha256, "protocol_sha256": r.protocol_sha256,
            "outcome_lock_id": r.outcome_lock_id, "results_sha256": sha256_hex(r.results),
            "saved_at": stamp(r.saved_at), "saved_by": r.saved_by}


register_table(AuditedTable("protocol_amendment", ProtocolAmendment, ("trial_id", "version"),
                            amendment_content))
register_table(AuditedTable("analysis_result", AnalysisResult, ("trial_id", "saved_at"),
                            analysis_result_content))
