"""Canonical content of fieldwork rows, as the audit trail hashes them."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from trial.audit import AuditedTable, register_table
from trial.store.content import stamp
from trial.store.fieldwork_models import (
    AdTargetArea,
    FieldSession,
    PatrolPlan,
    SessionImport,
    SessionVoid,
    SpotContext,
)


def _day(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


def _float(x: float | None) -> float | None:
    # Stored REAL/float8 round-trips exactly; ints and floats hash alike through float().
    return None if x is None else float(x)


def session_import_content(r: SessionImport) -> dict[str, Any]:
    return {"trial_id": r.trial_id, "kind": r.kind, "format": r.format, "file": r.file_name,
            "file_sha256": r.file_sha256, "account_timezone": r.account_timezone,
            "currency": r.currency, "gbp_rate": _float(r.gbp_rate),
            "counts": json.loads(r.counts), "lifetime_reach": json.loads(r.lifetime_reach),
            "imported_at": stamp(r.imported_at), "imported_by": r.imported_by}


def field_session_content(s: FieldSession) -> dict[str, Any]:
    return {"trial_id": s.trial_id, "id": s.id, "kind": s.kind, "spot_id": s.spot_id,
            "start": stamp(s.start_utc), "end": stamp(s.end_utc), "source": s.source,
            "flags": json.loads(s.flags), "notes": s.notes, "import_id": s.import_id,
            "line": s.line, "officer": s.officer,
            "officer_pseudonymised": bool(s.officer_pseudonymised), "officers": s.officers,
            "purpose": s.purpose, "mode": s.mode, "reason": s.reason, "platform": s.platform,
            "account": s.account, "campaign": s.campaign, "ad_group": s.ad_group,
            "creative": s.creative, "theme": s.theme, "message": s.message,
            "impressions": s.impressions, "clicks": s.clicks, "reach": s.reach,
            "video_views": s.video_views, "spend_gbp": _float(s.spend_gbp),
            "currency": s.currency, "spend": _float(s.spend),
            "hours_compliance": s.hours_compliance, "logged_at": stamp(s.logged_at),
            "logged_by": s.logged_by}


def session_void_content(v: SessionVoid) -> dict[str, Any]:
    return {"trial_id": v.trial_id, "session_id": v.session_id, "reason": v.reason,
            "voided_at": stamp(v.voided_at), "voided_by": v.voided_by}


def target_area_content(a: AdTargetArea) -> dict[str, Any]:
    return {"trial_id": a.trial_id, "platform": a.platform, "account": a.account,
            "ad_group": a.ad_group, "spot_id": a.spot_id, "feature": json.loads(a.feature),
            "crs": a.crs, "reaches": json.loads(a.reaches),
            "registered_at": stamp(a.registered_at), "registered_by": a.registered_by}


def spot_context_content(c: SpotContext) -> dict[str, Any]:
    return {"trial_id": c.trial_id, "spot_id": c.spot_id, "kind": c.kind,
            "from": _day(c.date_from), "to": _day(c.date_to), "text": c.text,
            "added_at": stamp(c.added_at), "added_by": c.added_by}


def patrol_plan_content(p: PatrolPlan) -> dict[str, Any]:
    return {"trial_id": p.trial_id, "from": _day(p.date_from), "to": _day(p.date_to),
            "seed": p.seed, "plan": json.loads(p.plan), "sha256": p.sha256,
            "created_at": stamp(p.created_at), "created_by": p.created_by}


register_table(AuditedTable("session_import", SessionImport, ("trial_id", "imported_at", "file"),
                            session_import_content))
register_table(AuditedTable("field_session", FieldSession, ("trial_id", "id"),
                            field_session_content))
register_table(AuditedTable("session_void", SessionVoid, ("trial_id", "session_id"),
                            session_void_content))
register_table(AuditedTable("ad_target_area", AdTargetArea,
                            ("trial_id", "platform", "account", "ad_group"),
                            target_area_content))
register_table(AuditedTable("spot_context", SpotContext,
                            ("trial_id", "spot_id", "kind", "from", "added_at", "text"),
                            spot_context_content))
register_table(AuditedTable("patrol_plan", PatrolPlan, ("trial_id", "created_at", "from"),
                            patrol_plan_content))
