"""Use-cases for backups: back up (audited, in the copy too) and restore (admins only)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trial.service.context import Context
from trial.store import SCHEMA_HEAD
from trial.store import backup as store
from trial.store.db import schema_revision

RESTORED = "db restored"


@dataclass(frozen=True)
class BackupDone:
    """A backup written, or a restore done (with where the replaced content was kept)."""

    file: str
    kind: str
    bytes: int
    sha256: str
    schema: str | None
    kept: str | None = None
    note: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "kind": self.kind, "bytes": self.bytes,
                "sha256": self.sha256, "schema": self.schema, "kept": self.kept,
                "note": self.note}


def back_up(ctx: Context, *, target: Path) -> BackupDone:
    """Write a backup to the new file ``target``; the audit entry is in the backup itself."""
    with ctx.action(action="db backup", trial=None, entity=f"backup {target.name}") as act:
        act.written.extra["file"] = target.name
    b = store.backup(ctx.engine, target)
    return BackupDone(str(b.path), b.kind, b.bytes, b.sha256, b.schema)


def restore(ctx: Context, *, source: Path) -> BackupDone:
    """Replace the database with a backup (admins only once users exist).

    The request is audited in the database being replaced (and so in the copy kept of it);
    the restored database then records that it was restored, from which file and by whom.
    """
    checked = store.check_backup(ctx.engine, source)
    with ctx.action(action="db restore", trial=None, entity=f"restore from {source.name}") \
            as act:
        act.written.file_sha256 = checked.sha256
        act.written.extra["file"] = source.name
    _, kept = store.restore(ctx.engine, source, now=ctx.clock())
    schema = schema_revision(ctx.engine)
    note = None
    if schema == SCHEMA_HEAD:
        with ctx.action(action=RESTORED, trial=None, entity=f"restore from {source.name}") \
                as act:
            act.written.file_sha256 = checked.sha256
            act.written.extra.update({"file": source.name, "kept": kept.name})
    else:
        note = (f"the backup is at schema {schema or 'unknown'}: run `spotlight db upgrade` "
                f"before using it (this Spotlight needs {SCHEMA_HEAD})")
    return BackupDone(str(source), checked.kind, checked.bytes, checked.sha256, schema,
                      kept=str(kept), note=note)
