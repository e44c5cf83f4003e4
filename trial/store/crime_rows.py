"""Bulk writing and hashing of crime records (millions of rows: pandas, not row objects)."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
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


DIGEST_CHUNK = 100_000


def records_digest(frame: pd.DataFrame) -> str:
    """SHA-256 of the records' audited columns, rows in record_key order (code points).

    The body is the CSV that ``DataFrame.to_csv(index=False, header=False,
    lineterminator="\\n")`` writes of the formatted columns, built and hashed a chunk of rows
    at a time: the same bytes as the whole body at once, without a million rows of text in
    memory together.
    """
    import numpy as np

    if frame.empty:
        return hashlib.sha256(b"").hexdigest()
    keys = frame["record_key"].to_numpy(dtype=object)
    # Python compares str by code point, as the digest's order is defined; a stable sort.
    order = np.fromiter(sorted(range(len(keys)), key=keys.__getitem__), dtype=np.int64,
                        count=len(keys))
    del keys
    columns = [frame[c] for c in DIGEST_COLUMNS]
    digest = hashlib.sha256()
    for start in range(0, len(order), DIGEST_CHUNK):
        rows = order[start:start + DIGEST_CHUNK]
        digest.update(_digest_body([c.take(rows) for c in columns]).encode("utf-8"))
    return digest.hexdigest()


def _digest_body(part: list[pd.Series]) -> str:
    """The CSV lines of one chunk (``DIGEST_COLUMNS`` in order), each ending in a newline."""
    import pandas as pd

    fields: list[list[str]] = []
    for name, col in zip(DIGEST_COLUMNS, part, strict=True):
        if name == "occurred_from":
            times = pd.to_datetime(col, utc=True, errors="coerce", format="mixed")
            fields.append(times.dt.strftime("%Y-%m-%dT%H:%M:%SZ").fillna("").tolist())
        elif name in ("x", "y"):
            fields.append(_metres(col))
        elif name == "domestic":
            fields.append(_by_value(col, lambda v: "" if v is None or v != v
                                    else ("1" if bool(v) else "0")))
        else:
            fields.append(_csv_fields(_text_values(col)))
    if not fields[0]:
        return ""
    return "\n".join(map(",".join, zip(*fields, strict=True))) + "\n"


def _by_value(col: pd.Series, fmt: Any) -> list[str]:
    """``fmt`` of every value, called once per distinct value (missing values: ``fmt(None)``)."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(col.astype(object).to_numpy(), use_na_sentinel=True)
    table = np.array([fmt(v) for v in uniques] + [fmt(None)], dtype=object)
    out: list[str] = table[codes].tolist()
    return out


def _metres(col: pd.Series) -> list[str]:
    """Coordinates to 3 decimals ("" for missing), formatting each distinct value once.

    Values are matched by their bits, so -0.0 keeps its sign as ``f"{z:.3f}"`` writes it.
    """
    import numpy as np
    import pandas as pd

    v = pd.to_numeric(col, errors="coerce").round(3).to_numpy(dtype=np.float64)
    codes, uniques = pd.factorize(v.view(np.int64))
    table = np.array(["" if z != z else f"{z:.3f}"
                      for z in np.asarray(uniques, dtype=np.int64).view(np.float64)],
                     dtype=object)
    out: list[str] = table[codes].tolist()
    return out


def _text_values(col: pd.Series) -> list[str]:
    """``_text`` of the column as a list: categories and plain strings without a copy each."""
    import numpy as np
    import pandas as pd

    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = col.cat.categories
        table = np.array([*_text(pd.Series(cats, dtype=object)).tolist(), ""], dtype=object)
        out: list[str] = table[col.cat.codes.to_numpy()].tolist()
        return out
    obj = col.to_numpy(dtype=object)
    missing = pd.isna(obj)
    if missing.any():
        obj = obj.copy()
        obj[missing] = ""
    if pd.api.types.infer_dtype(obj, skipna=False) in ("string", "empty"):
        return list(obj)
    return _text(col).tolist()


_SPECIAL = (",", '"', "\r", "\n")  # every character that can make the csv module quote


def _csv_fields(values: list[str]) -> list[str]:
    """Each value as ``to_csv`` writes it: quoted by the csv module where it needs quoting."""
    joined = "".join(values)
    if not any(c in joined for c in _SPECIAL):
        return values
    import csv
    import io

    out = list(values)
    for i, v in enumerate(values):
        if any(c in v for c in _SPECIAL):
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n").writerow([v, ""])
            out[i] = buf.getvalue()[:-2]  # the field without the "," and the line's end
    return out


def read_records(conn: Connection, trial_id: int, *, columns: tuple[str, ...] = STORED_COLUMNS,
                 where: str = "", params: dict[str, Any] | None = None) -> pd.DataFrame:
    import pandas as pd

    cols = ", ".join(columns)
    sql = f"SELECT {cols} FROM crime_record WHERE trial_id = :t {where}"
    return pd.read_sql(text(sql), conn, params={"t": trial_id, **(params or {})})


CHUNK = 50_000
SQLITE_CACHE_KB = 128 * 1024


def insert_records(session: Session, frame: pd.DataFrame, *, trial_id: int, import_id: int,
                   audit_id: int) -> None:
    """Insert a prepared record frame (``STORED_COLUMNS``) in chunks.

    Rows go to the driver's ``executemany`` as tuples, each value already in the form the
    column type's own bind processor gives (so SQLite and PostgreSQL store exactly what an
    ORM insert would); building a dict per row and binding it through the ORM costs several
    times the insert itself at a million rows.
    """
    if frame.empty:
        return
    conn = session.connection()
    table = CrimeRecord.__table__  # type: ignore[attr-defined]
    names = [*STORED_COLUMNS, "trial_id", "import_id", "audit_id"]
    mark = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(conn.dialect.paramstyle)
    if mark is None:  # pragma: no cover - every supported driver is listed above
        raise RuntimeError(f"unsupported parameter style {conn.dialect.paramstyle!r}")
    sql = (f"INSERT INTO {table.name} ({', '.join(names)}) "
           f"VALUES ({', '.join(mark for _ in names)})")
    processors = {c: table.c[c].type.bind_processor(conn.dialect) for c in names}
    constants = {"trial_id": trial_id, "import_id": import_id, "audit_id": audit_id}
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        # SQLite's default page cache (2 MB) is far smaller than the record_key index at a
        # million rows, so random keys thrash it; a larger cache for this connection while
        # the batch goes in (then the default again) takes about a third off the insert.
        cache = int(conn.exec_driver_sql("PRAGMA cache_size").scalar() or -2000)
        conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KB}")
    try:
        _insert_chunks(conn, sql, frame, processors, constants)
    finally:
        if sqlite:
            conn.exec_driver_sql(f"PRAGMA cache_size = {cache}")


def _insert_chunks(conn: Connection, sql: str, frame: pd.DataFrame,
                   processors: dict[str, Any], constants: dict[str, int]) -> None:
    for start in range(0, len(frame), CHUNK):
        part = frame.iloc[start:start + CHUNK]
        columns: list[list[Any]] = []
        for c in STORED_COLUMNS:
            values = _column_values(part[c], c)
            process = processors[c]
            if process is not None:
                values = [None if v is None else process(v) for v in values]
            columns.append(values)
        for c in ("trial_id", "import_id", "audit_id"):
            columns.append([constants[c]] * len(part))
        conn.exec_driver_sql(sql, list(zip(*columns, strict=True)))


def _column_values(col: pd.Series, name: str) -> list[Any]:
    """One column as plain Python values, None for missing (numpy scalars never reach SQL)."""
    import numpy as np
    import pandas as pd

    if name in ("occurred_from", "occurred_to"):
        ts = pd.to_datetime(col, utc=True)
        out = np.array(ts.dt.to_pydatetime(), dtype=object)
        out[ts.isna().to_numpy()] = None
        return list(out)
    if name in ("lon", "lat", "x", "y", "distance_m"):
        v = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
        obj = v.astype(object)
        obj[np.isnan(v)] = None
        return list(obj)
    if name == "default_location":
        return [bool(v) for v in col.fillna(False).astype(bool).to_numpy()]
    if name == "line":
        return col.astype(int).tolist()
    if name == "domestic":
        return [None if v is None or v != v else bool(v)
                for v in col.astype(object).to_numpy()]
    obj = col.astype(object).to_numpy()
    missing = pd.isna(obj)
    if missing.any():
        obj = obj.copy()
        obj[missing] = None
    return obj.tolist()


def _bulk_digest(session: Session) -> dict[int, tuple[str, int]]:
    import pandas as pd

    conn = session.connection()
    cols = ", ".join(("audit_id", *DIGEST_COLUMNS))
    frame = pd.read_sql(text(f"SELECT {cols} FROM crime_record"), conn)
    return {int(str(aid)): (records_digest(g), len(g)) for aid, g in frame.groupby("audit_id")}


register_table(AuditedTable("crime_record", CrimeRecord, ("trial_id", "record_key"),
                            content=lambda r: {"record_key": r.record_key},
                            bulk_digest=_bulk_digest))
