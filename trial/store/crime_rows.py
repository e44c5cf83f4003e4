"""Bulk writing and hashing of crime records (millions of rows: pandas, not row objects)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, text
from sqlalchemy.engine import Connection
from sqlmodel import Session

from trial.audit import AuditedTable, register_table
from trial.store.models import CrimeRecord

# numpy and pandas load when records are read or written, not when the audit registry is built:
# every command imports this module (about 0.9 s of start-up), and most never touch a record.
if TYPE_CHECKING:
    import pandas as pd

# What the audit trail hashes of each record (in record_key order).
DIGEST_COLUMNS = ("record_key", "crime_id", "month", "occurred_from", "crime_type",
                  "offence_code", "record_type", "how_reported", "domestic", "status",
                  "excluded_reason", "x", "y", "area", "spot_id")
STORED_COLUMNS = ("record_key", "source_format", "crime_id", "month", "occurred_from",
                  "occurred_to", "precision", "crime_type", "offence_code", "record_type",
                  "how_reported", "domestic", "status", "excluded_reason", "lon", "lat", "x",
                  "y", "default_location", "location", "lsoa_code", "falls_within",
                  "last_outcome", "source_file", "line", "area", "spot_id", "distance_m")


def _text(col: pd.Series) -> pd.Series:
    return col.astype(object).where(col.notna(), "").astype(str)


def records_digest(frame: pd.DataFrame) -> str:
    """SHA-256 of the records' audited columns, rows in record_key order (code points)."""
    import numpy as np
    import pandas as pd

    if frame.empty:
        return hashlib.sha256(b"").hexdigest()
    f = frame.loc[:, list(DIGEST_COLUMNS)].copy()
    f = f.iloc[np.argsort(f["record_key"].to_numpy(dtype=str), kind="stable")]
    times = pd.to_datetime(f["occurred_from"], utc=True, errors="coerce", format="mixed")
    f["occurred_from"] = times.dt.strftime("%Y-%m-%dT%H:%M:%SZ").fillna("")
    for c in ("x", "y"):
        v = pd.to_numeric(f[c], errors="coerce")
        f[c] = v.round(3).map(lambda z: "" if z != z else f"{z:.3f}")
    d = f["domestic"]
    f["domestic"] = d.map(lambda v: "" if v is None or v != v else ("1" if bool(v) else "0"))
    for c in DIGEST_COLUMNS:
        if c not in ("occurred_from", "x", "y", "domestic"):
            f[c] = _text(f[c])
    body = f.to_csv(index=False, header=False, lineterminator="\n")
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def read_records(conn: Connection, trial_id: int, *, columns: tuple[str, ...] = STORED_COLUMNS,
                 where: str = "", params: dict[str, Any] | None = None) -> pd.DataFrame:
    import pandas as pd

    cols = ", ".join(columns)
    sql = f"SELECT {cols} FROM crime_record WHERE trial_id = :t {where}"
    return pd.read_sql(text(sql), conn, params={"t": trial_id, **(params or {})})


def insert_records(session: Session, frame: pd.DataFrame, *, trial_id: int, import_id: int,
                   audit_id: int) -> None:
    """Insert a prepared record frame (``STORED_COLUMNS``) in chunks."""
    import pandas as pd

    if frame.empty:
        return
    f = frame.loc[:, list(STORED_COLUMNS)].copy()
    for c in ("occurred_from", "occurred_to"):
        ts = pd.to_datetime(f[c], utc=True)
        f[c] = pd.Series(ts.dt.to_pydatetime(), index=f.index, dtype=object).where(ts.notna(),
                                                                                   None)
    for c in ("lon", "lat", "x", "y", "distance_m"):
        v = pd.to_numeric(f[c], errors="coerce").astype(object)
        f[c] = v.where(pd.notna(v), None)
    f["domestic"] = f["domestic"].astype(object).where(f["domestic"].notna(), None)
    f["default_location"] = f["default_location"].fillna(False).astype(bool)
    f["line"] = f["line"].astype(int)
    f["trial_id"] = trial_id
    f["import_id"] = import_id
    f["audit_id"] = audit_id
    f = f.astype(object).where(f.notna(), None)
    rows = f.to_dict("records")
    conn = session.connection()
    table = CrimeRecord.__table__  # type: ignore[attr-defined]
    for start in range(0, len(rows), 20_000):
        conn.execute(insert(table), rows[start:start + 20_000])


def _bulk_digest(session: Session) -> dict[int, tuple[str, int]]:
    import pandas as pd

    conn = session.connection()
    cols = ", ".join(("audit_id", *DIGEST_COLUMNS))
    frame = pd.read_sql(text(f"SELECT {cols} FROM crime_record"), conn)
    return {int(aid): (records_digest(g), len(g)) for aid, g in frame.groupby("audit_id")}


register_table(AuditedTable("crime_record", CrimeRecord, ("trial_id", "record_key"),
                            content=lambda r: {"record_key": r.record_key},
                            bulk_digest=_bulk_digest))
