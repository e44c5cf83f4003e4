"""Canonical content of arm masks and unblindings, as the audit trail hashes them."""

from __future__ import annotations

from typing import Any

from trial.audit import AuditedTable, register_table
from trial.store.content import stamp
from trial.store.integrity_models import ArmMask, Unblinding


def arm_mask_content(m: ArmMask) -> dict[str, Any]:
    return {"trial_id": m.trial_id, "arm": m.arm, "label": m.label, "source": m.source}


def unblinding_content(u: Unblinding) -> dict[str, Any]:
    return {"trial_id": u.trial_id, "reason": u.reason, "results_sha256": u.results_sha256,
            "unblinded_at": stamp(u.unblinded_at), "unblinded_by": u.unblinded_by}


register_table(AuditedTable("arm_mask", ArmMask, ("trial_id", "arm"), arm_mask_content))
register_table(AuditedTable("unblinding", Unblinding, ("trial_id", "unblinded_at"),
                            unblinding_content))
