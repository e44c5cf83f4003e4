"""Bulk writing and hashing of imported sessions (tens of thousands of rows: columns, not objects).

An import's sessions go to the driver's ``executemany`` as plain tuples, with ids taken up front
(SQLite's next rowids; PostgreSQL's sequence), and their audit digest is computed from the same
columns. The digest is byte for byte the one ``audit verify`` recomputes from the stored rows
through :func:`trial.store.fieldwork_content.field_session_content`, so rows written one by one
and rows written in bulk verify alike.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlmodel import Session

from trial.store.content import stamp
from trial.store.fieldwork_models import FieldSession

CHUNK = 20_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The stored columns besides the id and the two times, in the table's order.
COLUMNS = ("trial_id", "kind", "spot_id", "source", "flags", "notes", "import_id", "line",
           "officer", "officer_pseudonymised", "officers", "purpose", "mode", "reason",
           "platform", "account", "campaign", "ad_group", "creative", "theme", "message",
           "impressions", "clicks", "reach", "video_views", "spend_gbp", "currency", "spend",
           "hours_compliance", "logged_at", "logged_by", "audit_id")
# Content name -> column, in the sorted key order of the canonical JSON the audit hashes.
_CONTENT = (("account", "account"), ("ad_group", "ad_group"), ("campaign", "campaign"),
            ("clicks", "clicks"), ("creative", "creative"), ("currency", "currency"),
            ("end", "end_utc"), ("flags", "flags"), ("hours_compliance", "hours_compliance"),
            ("id", "id"), ("import_id", "import_id"), ("impressions", "impressions"),
            ("kind", "kind"), ("line", "line"), ("logged_at", "logged_at"),
            ("logged_by", "logged_by"), ("message", "message"), ("mode", "mode"),
            ("notes", "notes"), ("officer", "officer"),
            ("officer_pseudonymised", "officer_pseudonymised"), ("officers", "officers"),
            ("platform", "platform"), ("purpose", "purpose"), ("reach", "reach"),
            ("reason", "reason"), ("source", "source"), ("spend", "spend"),
            ("spend_gbp", "spend_gbp"), ("spot_id", "spot_id"), ("start", "start_utc"),
            ("theme", "theme"), ("trial_id", "trial_id"), ("video_views", "video_views"))
_FLOATS = ("spend", "spend_gbp")
_JSON = ("flags",)


@dataclass(frozen=True)
class Same:
    """One value for every row of a column."""

    value: Any


Column = Sequence[Any] | Same


@dataclass(frozen=True)
class SessionColumns:
    """The rows of one import, column by column.

    Attributes:
        start_us, end_us: UTC times as int64 microseconds since 1970.
        values: every column of :data:`COLUMNS` (``flags`` as its stored canonical JSON text),
            a sequence of one value per row or :class:`Same`.
    """

    start_us: np.ndarray
    end_us: np.ndarray
    values: Mapping[str, Column]

    def __len__(self) -> int:
        return len(self.start_us)


def take_ids(conn: Connection, n: int) -> np.ndarray:
    """The ids the next ``n`` sessions get (call inside the action: its lock orders writers)."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if conn.dialect.name == "sqlite":
        # A rowid table without AUTOINCREMENT: the next ids are the largest plus one, as SQLite
        # would give them itself.
        last = int(conn.exec_driver_sql("SELECT COALESCE(MAX(id), 0) FROM field_session")
                   .scalar() or 0)
        return np.arange(last + 1, last + 1 + n, dtype=np.int64)
    got = conn.execute(text("SELECT nextval(pg_get_serial_sequence('field_session', 'id')) "
                            "FROM generate_series(1, :n)"), {"n": n}).scalars().all()
    return np.sort(np.array(got, dtype=np.int64))


def insert_sessions(session: Session, rows: SessionColumns) -> np.ndarray:
    """Insert the rows with new ids, a chunk per ``executemany``; returns the ids in row order.

    Each value is bound in the form the column type's own bind processor gives it, so both
    back ends store exactly what an ORM insert of the same session would.
    """
    conn = session.connection()
    ids = take_ids(conn, len(rows))
    if len(rows) == 0:
        return ids
    table = FieldSession.__table__  # type: ignore[attr-defined]
    names = ["id", "start_utc", "end_utc", *COLUMNS]
    mark = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(conn.dialect.paramstyle)
    if mark is None:  # pragma: no cover - every supported driver is listed above
        raise RuntimeError(f"unsupported parameter style {conn.dialect.paramstyle!r}")
    sql = (f"INSERT INTO {table.name} ({', '.join(names)}) "
           f"VALUES ({', '.join(mark for _ in names)})")
    sqlite = conn.dialect.name == "sqlite"
    columns: list[Column] = [ids.tolist(), _bound_times(rows.start_us, sqlite),
                             _bound_times(rows.end_us, sqlite)]
    for c in COLUMNS:
        process = table.c[c].type.bind_processor(conn.dialect)
        v = rows.values[c]
        if isinstance(v, Same):
            columns.append(Same(v.value if v.value is None or process is None
                                else process(v.value)))
        elif process is None:
            columns.append(v)
        else:
            columns.append([None if x is None else process(x) for x in v])
    n = len(rows)
    for lo in range(0, n, CHUNK):
        hi = min(n, lo + CHUNK)
        parts = [[c.value] * (hi - lo) if isinstance(c, Same) else c[lo:hi] for c in columns]
        conn.exec_driver_sql(sql, list(zip(*parts, strict=True)))
    return ids


def _bound_times(us: np.ndarray, sqlite: bool) -> list[Any]:
    """UTC times as the UTCDateTime column binds them: SQLite's text, else aware datetimes."""
    if sqlite:
        texts = np.datetime_as_string(us.astype("datetime64[us]"), unit="us")
        return [t.replace("T", " ", 1) for t in texts.tolist()]
    return [EPOCH + timedelta(microseconds=v) for v in us.tolist()]


def _stamps(us: np.ndarray) -> list[str]:
    """``stamp`` of each time as a JSON string: ISO 8601 in UTC, microseconds only when there
    are any (a stamp holds nothing JSON escapes)."""
    seconds = np.datetime_as_string((us // 1_000_000).astype("datetime64[s]"), unit="s")
    frac = us % 1_000_000
    if not frac.any():
        return ['"' + t + '+00:00"' for t in seconds.tolist()]
    return [f'"{t}+00:00"' if f == 0 else f'"{t}.{f:06d}+00:00"'
            for t, f in zip(seconds.tolist(), frac.tolist(), strict=True)]


_INTS = ("trial_id", "import_id", "line", "officers", "impressions", "clicks", "reach",
         "video_views", "audit_id")


def _encode(name: str, value: Any) -> str:
    """One value as canonical JSON writes it."""
    if value is None:
        return "null"
    if name in _JSON:
        return str(value)  # stored as its canonical JSON already
    if name in _FLOATS:
        return json.dumps(float(value), allow_nan=False)
    if isinstance(value, datetime):
        return json.dumps(stamp(value))
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def _encoded(name: str, values: Sequence[Any]) -> list[str]:
    """A column's values as canonical JSON writes them (``_encode`` of each, faster)."""
    kinds = set(map(type, values))
    if name in _INTS and kinds <= {int, type(None)}:
        if type(None) in kinds:
            return ["null" if v is None else str(v) for v in values]
        return list(map(str, values))
    if name in _FLOATS:
        # float's repr is what json writes for a finite float
        if type(None) in kinds:
            return ["null" if v is None else repr(float(v)) for v in values]
        return list(map(repr, map(float, values)))
    # Each distinct value encoded once; equal values of different types share a key (True
    # and 1, 0 and 0.0) yet encode differently, so a column mixing types is encoded value by
    # value.
    if len(kinds - {type(None)}) > 1:
        return [_encode(name, v) for v in values]
    known = {v: _encode(name, v) for v in dict.fromkeys(values)}
    return list(map(known.__getitem__, values))


def content_lines(rows: SessionColumns, ids: np.ndarray) -> Iterator[list[str]]:
    """Each row's audited content as canonical JSON (``field_session_content``), a chunk of
    rows at a time, in row order."""
    if np.any(np.diff(ids) <= 0):  # pragma: no cover - take_ids gives rising ids
        raise ValueError("session ids must rise with the rows")
    template: list[str] = []
    varying: list[list[str]] = []
    literal = "{"
    for k, (key, name) in enumerate(_CONTENT):
        literal += ("," if k else "") + json.dumps(key) + ":"
        if name == "id":
            encoded: Column = list(map(str, ids.tolist()))
        elif name in ("start_utc", "end_utc"):
            encoded = _stamps(rows.start_us if name == "start_utc" else rows.end_us)
        else:
            v = rows.values[name]
            if isinstance(v, Same):
                encoded = Same(_encode(name, v.value))
            else:
                encoded = _encoded(name, v)
        if isinstance(encoded, Same):
            literal += str(encoded.value)
            continue
        template.append(literal.replace("%", "%%"))
        literal = ""
        varying.append(list(encoded))
    template.append(literal.replace("%", "%%") + "}")
    fmt = "%s".join(template)
    for lo in range(0, len(rows), CHUNK):
        part = [col[lo:lo + CHUNK] for col in varying]
        yield list(map(fmt.__mod__, zip(*part, strict=True)))


def sessions_digest(rows: SessionColumns, ids: np.ndarray) -> str:
    """The audit digest of the rows (as ``rows_digest`` over ``field_session_content``).

    Rows sort by (trial, id) there; an import's rows share the trial and take rising ids, so
    row order is that order already.
    """
    h = hashlib.sha256()
    for lines in content_lines(rows, ids):
        h.update(("\n".join(lines) + "\n").encode("utf-8"))
    return h.hexdigest()


def session_contents(rows: SessionColumns, ids: np.ndarray) -> list[dict[str, Any]]:
    """Each row's audited content as a dict (for imports small enough to name every row)."""
    return [json.loads(line) for lines in content_lines(rows, ids) for line in lines]
