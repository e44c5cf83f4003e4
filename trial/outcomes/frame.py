"""The common record frame that police.uk files and force extracts are both read into.

Columns (in this order; text columns are ``object`` dtype holding ``str`` or ``None``, except
that a reader may give a repetitive text column as a ``category`` of ``str``, missing values
NaN: police.uk's month, crime type, location, LSOA, force, outcome and file name repeat across
a million rows, and as Python strings they alone would take a gigabyte):

==================  ========================================================================
source_format       "police-uk" or "records"
record_key          de-duplication key, stable across re-reads of the same file
crime_id            the source's identifier (police.uk Crime ID, an extract's id) or None
month               "YYYY-MM" (police.uk: the file's month; extracts: local committed-from)
occurred_from       tz-aware UTC Timestamp (committed-from), NaT for month-level data
occurred_to         tz-aware UTC Timestamp (committed-to), NaT when not given
precision           "month" (police.uk) or "time"
crime_type          police.uk Crime type, or the extract's offence type
offence_code        Home Office offence code as text, or None
record_type         the extract's type of record ("crime", "Crimestoppers report", ...);
                    None for police.uk
how_reported        "public", "police" or None (not recorded)
domestic            True, False or None (not recorded)
status              None (a live record) or a status label such as "cancelled", "transferred"
excluded_reason     None, or why the record is out of every outcome (e.g. "cancelled")
lon, lat            WGS84 degrees, NaN when unlocatable
x, y                British National Grid (EPSG:27700) metres, NaN when unlocatable
default_location    True for a force-extract record at a pile-up point (a likely default
                    location such as a police station); never set for police.uk
location            police.uk "Location" text (a snap point's street), None for extracts
lsoa_code           police.uk LSOA code or None
falls_within        the source: police.uk "Falls within", or the record map's name
reported_by         police.uk "Reported by" or None
last_outcome        police.uk "Last outcome category" or None
source_file         the file the record was read from (as named in errors)
line                the record's line in that file (header = line 1)
==================  ========================================================================

Only fields the trial uses are kept: never names, dates of birth or free text from force
extracts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

COLUMNS: tuple[str, ...] = (
    "source_format", "record_key", "crime_id", "month", "occurred_from", "occurred_to",
    "precision", "crime_type", "offence_code", "record_type", "how_reported", "domestic",
    "status", "excluded_reason", "lon", "lat", "x", "y", "default_location", "location",
    "lsoa_code", "falls_within", "reported_by", "last_outcome", "source_file", "line",
)
FLOAT_COLUMNS = ("lon", "lat", "x", "y")
TIME_COLUMNS = ("occurred_from", "occurred_to")


@dataclass(frozen=True)
class FileInfo:
    """One file read: its name as used in errors, the SHA-256 of its bytes, its data rows."""

    name: str
    sha256: str
    rows: int


@dataclass(frozen=True)
class RecordRead:
    """What a reader returns.

    Attributes:
        frame: the common record frame (see the module docstring), duplicates removed.
        duplicates: rows dropped as duplicates of a kept record.
        files: every file read, in reading order.
    """

    frame: pd.DataFrame
    duplicates: int
    files: list[FileInfo]


def text_column(values: object, n: int) -> np.ndarray:
    """An object array of ``str``/``None`` from strings or None: empty strings become None."""
    if values is None:
        return np.full(n, None, dtype=object)
    arr = np.array(values, dtype=object)
    arr[arr == ""] = None
    return arr


class TextCodes:
    """One text column gathered a file at a time as codes into its distinct values.

    ``""`` is missing (code -1), as ``text_column`` makes it None.
    """

    def __init__(self) -> None:
        self._values = pd.Index([], dtype=object)
        self._parts: list[np.ndarray] = []

    def add(self, text: pd.Series) -> None:
        """Append one file's column (any string dtype)."""
        codes, uniques = pd.factorize(text)
        values = pd.Index(np.asarray(uniques, dtype=object), dtype=object)
        known = self._values.get_indexer(values)
        new = (known < 0) & (values != "")
        if new.any():
            known[new] = np.arange(len(self._values), len(self._values) + int(new.sum()))
            self._values = self._values.append(values[new])
        known[values == ""] = -1
        self._parts.append(known.astype(np.int32)[codes])

    def add_constant(self, value: str, n: int) -> None:
        """Append ``n`` rows of one value (a file's name)."""
        self.add(pd.Series([value], dtype=object))
        code = self._parts.pop()[0]
        self._parts.append(np.full(n, code, dtype=np.int32))

    def column(self) -> pd.Categorical:
        """Every row added, in order, as a categorical of the distinct values."""
        codes = np.concatenate(self._parts) if self._parts else np.zeros(0, dtype=np.int32)
        return pd.Categorical.from_codes(codes, categories=self._values)


def empty_frame() -> pd.DataFrame:
    """A record frame with no rows and the documented columns and dtypes."""
    return build_frame({}, 0)


def build_frame(columns: dict[str, object], n: int) -> pd.DataFrame:
    """Assemble a record frame of ``n`` rows; columns not given are None/NaN/NaT/False."""
    data: dict[str, object] = {}
    for name in COLUMNS:
        value = columns.get(name)
        if name in FLOAT_COLUMNS:
            data[name] = (np.full(n, np.nan) if value is None
                          else np.asarray(value, dtype=np.float64))
        elif name in TIME_COLUMNS:
            data[name] = (pd.DatetimeIndex(np.full(n, np.datetime64("NaT"), dtype="M8[ns]"),
                                           tz="UTC")
                          if value is None else value)
        elif name == "line":
            data[name] = (np.zeros(n, dtype=np.int64) if value is None
                          else np.asarray(value, dtype=np.int64))
        elif name == "default_location":
            data[name] = (np.zeros(n, dtype=bool) if value is None
                          else np.asarray(value, dtype=bool))
        elif isinstance(value, str):
            data[name] = pd.Series(np.full(n, value, dtype=object), dtype=object)
        elif isinstance(value, pd.Categorical):
            data[name] = pd.Series(value, copy=False)
        else:
            # An explicit object Series: pandas would otherwise infer its str dtype and turn
            # None into NaN.
            data[name] = pd.Series(text_column(value, n), dtype=object)
    frame = pd.DataFrame(data, copy=False)
    for name in TIME_COLUMNS:
        frame[name] = pd.to_datetime(frame[name], utc=True).astype("datetime64[ns, UTC]")
    return frame


def keep_first_located(keys: np.ndarray, located: np.ndarray) -> np.ndarray:
    """Mask of rows to keep: one per key, the first located row if any, else the first row.

    Args:
        keys: the de-duplication key of each row, in reading order.
        located: whether each row has coordinates.
    """
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=bool)
    codes, _ = pd.factorize(keys)
    order = np.lexsort((np.arange(n), ~located, codes))
    sorted_keys = codes[order]
    first = np.ones(n, dtype=bool)
    first[1:] = sorted_keys[1:] != sorted_keys[:-1]
    keep = np.zeros(n, dtype=bool)
    keep[order[first]] = True
    return keep


def distinct_points(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct (x, y) pairs of finite points and, per input point, its pair's index.

    Returns:
        ``(ux, uy, index)``; ``index`` is -1 where x or y is NaN.
    """
    located = ~np.isnan(x) & ~np.isnan(y)
    index = np.full(len(x), -1, dtype=np.int64)
    if not located.any():
        return np.zeros(0), np.zeros(0), index
    x_code, x_values = pd.factorize(x[located])
    y_code, y_values = pd.factorize(y[located])
    pair, inverse = np.unique(x_code.astype(np.int64) * len(y_values) + y_code,
                              return_inverse=True)
    index[located] = inverse.ravel()
    ux = np.asarray(x_values, dtype=np.float64)[pair // len(y_values)]
    uy = np.asarray(y_values, dtype=np.float64)[pair % len(y_values)]
    return ux, uy, index
