"""Hash-chained audit trail: one entry per user action, and its verification.

Every entry holds the UTC time, the acting user, the action, the entity, the SHA-256 of what the
action wrote and the previous entry's hash; its own hash covers all of these. Rows written by an
action carry the entry's id (``audit_id``). The entry's content hash covers, per table, a digest of
the rows it wrote (canonical content in key order) plus the input file's SHA-256, and for a
single-row entity such as a trial the row's canonical content after the action. Rows removed later
(a draft's spots, say) are listed with their content in the removing entry, so the writing entry
still verifies. ``verify`` recomputes all of this from the database.

Purging personal fields is the one change made to rows in place: the purge entry lists, per
table and writing entry, the digest of that entry's rows after the purge and, per purged row,
the SHA-256 of its content before and its content after. ``verify`` then expects the purged
digest (the newest purge's) instead of the writing entry's, so a purged database verifies and
any other change, before or after the purge, is still caught.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from trial.canonical import canonical_json, canonical_sha256, sha256_hex
from trial.store.models import AuditEntry, AuditHead

GENESIS = "0" * 64
ROW_HASH_LIMIT = 5000  # name the changed row itself for batches up to this size


@dataclass(frozen=True)
class AuditedTable:
    """How the rows of one table are audited.

    Attributes:
        name: the table's name in entries.
        model: the SQLModel table class (must have ``audit_id``).
        key: the content fields that order rows and name them in messages.
        content: canonical content of a row (JSON values only; no ids of its own).
    """

    name: str
    model: Any
    key: tuple[str, ...]
    content: Callable[[Any], dict[str, Any]]
    # For tables of millions of rows: digests and row counts of every entry's rows, computed
    # in bulk (the rows of such tables are never updated or removed).
    bulk_digest: Callable[[Session], dict[int, tuple[str, int]]] | None = None


AUDITED: dict[str, AuditedTable] = {}


def register_table(table: AuditedTable) -> None:
    AUDITED[table.name] = table


def row_key(table: AuditedTable, content: Mapping[str, Any]) -> str:
    return " / ".join(str(content[k]) for k in table.key)


def _sort_key(table: AuditedTable, content: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple("" if content[k] is None else content[k] for k in table.key)


def rows_digest(table: AuditedTable, contents: Iterable[Mapping[str, Any]]) -> str:
    """Digest of rows in key order: SHA-256 over their canonical JSON lines."""
    h = hashlib.sha256()
    for c in sorted(contents, key=lambda c: _sort_key(table, c)):
        h.update(canonical_json(c).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def utc_stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _entry_body(e: AuditEntry) -> dict[str, Any]:
    return {"id": e.id, "at": e.at, "actor": e.actor, "action": e.action, "trial": e.trial,
            "entity": e.entity, "content_sha256": e.content_sha256, "detail": e.detail,
            "prev_hash": e.prev_hash}


def entry_hash(e: AuditEntry) -> str:
    return canonical_sha256(_entry_body(e))


@dataclass
class Written:
    """What one action wrote, gathered before its entry is appended."""

    record: dict[str, Any] | None = None  # a single-row entity's content after the action
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    removed: dict[str, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    bulk: dict[str, tuple[str, int]] = field(default_factory=dict)
    file_sha256: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # table -> writing entry id -> {"digest": rows' digest after the purge, "rows": {key:
    # {"before": SHA-256 of the content before, "after": content after}}} (purge only)
    purged: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)

    def add_rows(self, table: str, rows: Sequence[Any]) -> None:
        t = AUDITED[table]
        self.tables.setdefault(table, []).extend(t.content(r) for r in rows)

    def add_removed(self, table: str, rows: Sequence[Any]) -> None:
        t = AUDITED[table]
        self.removed.setdefault(table, []).extend((int(r.audit_id), t.content(r)) for r in rows)


def _content_sha256(record: dict[str, Any] | None, digests: Mapping[str, str],
                    file_sha256: str | None) -> str:
    return canonical_sha256({"record": record, "tables": dict(digests),
                             "file_sha256": file_sha256})


def next_entry_id(session: Session) -> int:
    """Lock the chain's head and return the id the next entry will get."""
    head = session.exec(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()).first()
    if head is None:
        head = AuditHead(id=1, last_id=0, last_hash=GENESIS)
        session.add(head)
        session.flush()
    return int(head.last_id) + 1


def append(session: Session, *, entry_id: int, at: datetime, actor: str, action: str,
           trial: str | None, entity: str, written: Written) -> AuditEntry:
    """Append the entry for one action (call ``next_entry_id`` first, in the same transaction)."""
    head = session.get(AuditHead, 1)
    assert head is not None and head.last_id + 1 == entry_id
    digests = {name: rows_digest(AUDITED[name], rows) for name, rows in written.tables.items()}
    digests.update({name: d for name, (d, _) in written.bulk.items()})
    detail: dict[str, Any] = dict(written.extra)
    if digests:
        detail["tables"] = digests
        counts = {name: len(rows) for name, rows in written.tables.items()}
        counts.update({name: n for name, (_, n) in written.bulk.items()})
        detail["rows"] = counts
        small = {name: {row_key(AUDITED[name], c): canonical_sha256(c) for c in rows}
                 for name, rows in written.tables.items() if len(rows) <= ROW_HASH_LIMIT}
        if small:
            detail["row_sha256"] = small
    if written.removed:
        detail["removed"] = {name: [[aid, c] for aid, c in rows]
                             for name, rows in written.removed.items()}
    if written.purged:
        detail["purged"] = {name: {str(aid): v for aid, v in by_entry.items()}
                            for name, by_entry in written.purged.items()}
    if written.file_sha256:
        detail["file_sha256"] = written.file_sha256
    if written.record is not None:
        detail["record"] = written.record
    entry = AuditEntry(
        id=entry_id, at=utc_stamp(at), actor=actor, action=action, trial=trial, entity=entity,
        content_sha256=_content_sha256(written.record, digests, written.file_sha256),
        detail=canonical_json(detail), prev_hash=head.last_hash, hash="")
    entry.hash = entry_hash(entry)
    session.add(entry)
    head.last_id = entry_id
    head.last_hash = entry.hash
    session.add(head)
    return entry


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    rows: int
    problems: tuple[str, ...]


def verify(session: Session, *, record_check: Mapping[str, Callable[[Session], Iterable[
        tuple[int, str, dict[str, Any]]]]] | None = None) -> VerifyResult:
    """Check the chain and every audited row; report the first entry or row that does not match.

    Args:
        session: an open session.
        record_check: per kind of single-row entity, a function yielding
            ``(audit_id, label, current content)`` for each live row; the named entry's
            ``record`` must equal it.
    """
    problems: list[str] = []
    entries = list(session.exec(
        select(AuditEntry).order_by(col(AuditEntry.id))))
    by_id: dict[int, AuditEntry] = {}
    prev = GENESIS
    for expected_id, e in enumerate(entries, start=1):
        label = f"audit entry {e.id} ({e.action}, {e.at})"
        if e.id != expected_id:
            problems.append(f"audit entry {expected_id} is missing (the next is {e.id})")
            break
        if e.prev_hash != prev:
            problems.append(f"{label}: previous-entry hash does not match entry {e.id - 1}")
            break
        if entry_hash(e) != e.hash:
            problems.append(f"{label}: the entry was changed after it was written")
            break
        detail = json.loads(e.detail)
        digests = detail.get("tables", {})
        if _content_sha256(detail.get("record"), digests, detail.get("file_sha256")) != (
                e.content_sha256):
            problems.append(f"{label}: its detail does not match its content hash")
            break
        by_id[e.id] = e
        prev = e.hash
    head = session.get(AuditHead, 1)
    if not problems:
        last_id = entries[-1].id if entries else 0
        if head is None and entries:
            problems.append("the audit chain's head record is missing")
        elif head is not None and (head.last_id != last_id or head.last_hash != prev):
            problems.append(f"audit entries after entry {last_id} are missing "
                            f"(the chain's head names entry {head.last_id})")
    if problems:
        return VerifyResult(False, len(entries), 0, tuple(problems))

    # Rows: group the live rows of every audited table by the entry that wrote them.
    n_rows = 0
    removed: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    purged = purged_digests(entries)
    for e in entries:
        detail = json.loads(e.detail)
        for name, rows in detail.get("removed", {}).items():
            for aid, content in rows:
                removed[(name, int(aid))].append(content)
    for name, table in AUDITED.items():
        if table.bulk_digest is not None:
            bulk = table.bulk_digest(session)
            for aid, (digest, count) in sorted(bulk.items()):
                n_rows += count
                e4 = by_id.get(aid)
                if e4 is None:
                    problems.append(f"{name} rows name audit entry {aid}, which does not exist")
                elif purged.get((name, aid), (json.loads(e4.detail).get("tables", {}).get(name),
                                              {}))[0] != digest:
                    problems.append(f"{name} rows written by audit entry {aid} ({e4.action}, "
                                    f"{e4.at}) no longer match: changed outside Spotlight")
            for e5 in entries:
                d5 = json.loads(e5.detail)
                if d5.get("rows", {}).get(name) and e5.id not in bulk:
                    problems.append(f"{name} rows written by audit entry {e5.id} are missing")
            continue
        live: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in session.exec(select(table.model)):
            n_rows += 1
            live[int(row.audit_id)].append(table.content(row))
        # Entries that wrote rows of this table must still find them (live or listed as
        # removed by a later entry): a wholesale DELETE of an entry's rows is caught too.
        wrote = {e.id for e in entries
                 if json.loads(e.detail).get("rows", {}).get(name)}
        for aid in sorted(set(live) | {a for (n, a) in removed if n == name} | wrote):
            e2 = by_id.get(aid)
            if e2 is None:
                problems.append(f"{name} rows name audit entry {aid}, which does not exist")
                continue
            detail = json.loads(e2.detail)
            expected = detail.get("tables", {}).get(name)
            contents = live.get(aid, []) + removed.get((name, aid), [])
            if expected is None:
                problems.append(f"{name} rows name audit entry {aid} ({e2.action}), "
                                "which wrote no such rows")
                continue
            after: dict[str, str] = {}
            if (name, aid) in purged:
                expected, after = purged[(name, aid)]
            if rows_digest(table, contents) != expected:
                problems.append(_first_changed_row(name, table, e2, detail, contents, after))
    for kind, fn in (record_check or {}).items():
        for aid, label, content in fn(session):
            e3 = by_id.get(aid)
            if e3 is None:
                problems.append(f"{kind} {label} names audit entry {aid}, which does not exist")
                continue
            if json.loads(e3.detail).get("record") != content:
                problems.append(f"{kind} {label} does not match audit entry {aid} "
                                f"({e3.action}, {e3.at}): changed outside Spotlight")
    return VerifyResult(not problems, len(entries), n_rows, tuple(problems))


def purged_digests(entries: Sequence[AuditEntry]) -> dict[tuple[str, int], tuple[str, dict[
        str, str]]]:
    """(table, writing entry) -> (the digest its rows have after the newest purge, row key ->
    SHA-256 of each purged row's content after), from the purge entries in order."""
    out: dict[tuple[str, int], tuple[str, dict[str, str]]] = {}
    for e in entries:
        if e.action != PURGE:
            continue
        for name, by_entry in json.loads(e.detail).get("purged", {}).items():
            for aid_text, v in by_entry.items():
                aid = int(aid_text)
                if aid >= e.id:  # a purge only vouches for rows written before it
                    continue
                rows = dict(out.get((name, aid), ("", {}))[1])
                rows.update({k: canonical_sha256(r["after"])
                             for k, r in (v.get("rows") or {}).items()})
                out[(name, aid)] = (str(v["digest"]), rows)
    return out


PURGE = "purge"


def entry_rows_digest(session: Session, name: str, aid: int) -> str:
    """The digest ``verify`` recomputes for the rows of table ``name`` written by entry ``aid``
    (live rows, and rows later removed as listed by the removing entries)."""
    table = AUDITED[name]
    if table.bulk_digest is not None:
        return table.bulk_digest(session).get(aid, (rows_digest(table, []), 0))[0]
    contents = [table.content(r) for r in session.exec(
        select(table.model).where(table.model.audit_id == aid))]
    for e in session.exec(select(AuditEntry).where(col(AuditEntry.id) > aid)):
        for aid2, content in json.loads(e.detail).get("removed", {}).get(name, []):
            if int(aid2) == aid:
                contents.append(content)
    return rows_digest(table, contents)


def _first_changed_row(name: str, table: AuditedTable, e: AuditEntry, detail: dict[str, Any],
                       contents: list[dict[str, Any]], after: Mapping[str, str]) -> str:
    where = f"audit entry {e.id} ({e.action}, {e.at})"
    expected = detail.get("row_sha256", {}).get(name)
    if expected is not None:
        expected = {**expected, **after}
        seen = {row_key(table, c): canonical_sha256(c) for c in contents}
        for key in sorted(set(expected) | set(seen)):
            if key not in seen:
                return f"{name} row {key} written by {where} is missing"
            if key not in expected:
                return f"{name} row {key} was added outside Spotlight (names {where})"
            if seen[key] != expected[key]:
                return f"{name} row {key} was changed outside Spotlight (written by {where})"
    return f"{name} rows written by {where} no longer match (changed outside Spotlight)"


def file_sha256(data: bytes) -> str:
    return sha256_hex(data)
