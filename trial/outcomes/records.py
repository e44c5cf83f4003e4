"""Reading force extracts (crimes, calls, intelligence, Crimestoppers) through a record map."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from trial.errors import InputError, Problem
from trial.geo import BNG, WGS84, from_metric, to_metric
from trial.outcomes.csvfiles import MAX_LISTED, gather_files, read_file_text, read_table
from trial.outcomes.frame import (
    FileInfo,
    RecordRead,
    build_frame,
    distinct_points,
    empty_frame,
    keep_first_located,
)
from trial.outcomes.localtime import check_timezone, parse_times
from trial.outcomes.offences import mangled_reasons
from trial.outcomes.recordmap import RecordMap, fold, parse_record_map

__all__ = ["RecordMap", "parse_record_map", "read_records", "default_location_piles",
           "PILE_MIN_RECORDS", "PILE_MIN_SHARE"]

#: A point holding at least this many records, and more than PILE_MIN_SHARE of all located
#: records, is flagged as a likely default location (a police station's coordinates, say).
PILE_MIN_RECORDS = 20
PILE_MIN_SHARE = 0.01

_BOUNDS = {BNG: ((0.0, 700_000.0), (0.0, 1_300_000.0)),
           WGS84: ((-180.0, 180.0), (-90.0, 90.0))}


def _stripped(column: pd.Series) -> pd.Series:
    """The column with surrounding space removed, each distinct value stripped once."""
    codes, uniques = pd.factorize(column)
    done = np.array([str(u).strip() for u in np.asarray(uniques, dtype=object)] + [""],
                    dtype=object)
    return pd.Series(done[codes], index=column.index, dtype=object)


def _folded(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Factorised codes of a column and its distinct values, folded (case, space)."""
    codes, uniques = pd.factorize(column)
    return codes, [fold(str(u)) for u in np.asarray(uniques, dtype=object)]


class _Problems:
    """Problems found in the concatenated rows, reported by file and line."""

    def __init__(self, raw: pd.DataFrame) -> None:
        self.files = raw["_file"].to_numpy(dtype=object)
        self.order = raw["_order"].to_numpy()
        self.lines = raw["_line"].to_numpy()
        self.found: list[tuple[int, int, str, str, str]] = []

    def flag(self, mask: np.ndarray, field: str, what: Callable[[int], str]) -> None:
        for i in np.flatnonzero(mask):
            self.found.append((int(self.order[i]), int(self.lines[i]), str(self.files[i]),
                               field, what(int(i))))

    def raise_if_any(self) -> None:
        if not self.found:
            return
        self.found.sort()
        problems = [Problem(what, name, line, field)
                    for _, line, name, field, what in self.found[:MAX_LISTED]]
        if len(self.found) > MAX_LISTED:
            problems.append(Problem(f"and {len(self.found) - MAX_LISTED} more bad values"))
        raise InputError(problems)


def _mapped(raw: pd.DataFrame, column: str | None, mapping: dict[str, object] | None,
            labels: str, problems: _Problems) -> np.ndarray:
    """Map an extract's coded column through the map's value table; "" -> None."""
    n = len(raw)
    if column is None or mapping is None:
        return np.full(n, None, dtype=object)
    ids, uniques = _folded(raw[column])
    meaning = np.array([mapping.get(u) for u in uniques] + [None], dtype=object)
    out = meaning[ids]
    text = raw[column]
    blank = np.array([u == "" for u in uniques] + [True], dtype=bool)[ids]
    unknown = ~blank & pd.isna(pd.Series(out, dtype=object)).to_numpy()
    problems.flag(unknown, column, lambda i: f"value {text.iat[i]!r} is not in the record "
                  f"map; known values: {labels}")
    return np.asarray(out, dtype=object)


def _coordinates(raw: pd.DataFrame, rmap: RecordMap,
                 problems: _Problems) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates in the map's CRS; NaN when both are empty (or both 0: a missing location)."""
    out = []
    for key, bounds in zip(("x", "y"), _BOUNDS[rmap.crs], strict=True):
        column = rmap.columns[key]
        text = _stripped(raw[column])
        codes, uniques = pd.factorize(text)
        numbers = pd.to_numeric(pd.Series(uniques, dtype=object).replace("", None),
                                errors="coerce").to_numpy(dtype=np.float64)
        values = np.append(numbers, np.nan)[codes]
        bad = (text != "").to_numpy(dtype=bool) & ~(
            (values >= bounds[0]) & (values <= bounds[1]))
        def out_of_range(i: int, t: pd.Series = text, b: tuple[float, float] = bounds) -> str:
            return f"{t.iat[i]!r} is not a number from {b[0]:g} to {b[1]:g} ({rmap.crs})"

        problems.flag(bad, column, out_of_range)
        out.append(values)
    x, y = out
    one_sided = np.isnan(x) != np.isnan(y)
    problems.flag(one_sided, rmap.columns["x"],
                  lambda i: "x and y must both be given or both be empty (no location)")
    zero = (x == 0) & (y == 0)
    x[zero | one_sided] = np.nan
    y[zero | one_sided] = np.nan
    return x, y


def default_location_piles(frame: pd.DataFrame) -> pd.DataFrame:
    """The points flagged as likely default locations, with how many records each holds.

    Returns:
        Columns ``falls_within``, ``x``, ``y``, ``records``, largest pile first.
    """
    piles = frame.loc[frame["default_location"].to_numpy(dtype=bool),
                      ["falls_within", "x", "y"]]
    counted = piles.groupby(["falls_within", "x", "y"], sort=False).size()
    return counted.rename("records").reset_index().sort_values(
        "records", ascending=False, kind="stable").reset_index(drop=True)


def _piles(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    _, _, index = distinct_points(x, y)
    located = index >= 0
    counts = np.bincount(index[located])
    per_record = np.zeros(len(x), dtype=np.int64)
    per_record[located] = counts[index[located]]
    return np.asarray((per_record >= PILE_MIN_RECORDS)
                      & (per_record > PILE_MIN_SHARE * located.sum()), dtype=bool)


def _build(raw: pd.DataFrame, rmap: RecordMap, timezone: str) -> pd.DataFrame:
    n = len(raw)
    cols = rmap.columns
    problems = _Problems(raw)
    ids = _stripped(raw[cols["id"]])
    problems.flag((ids == "").to_numpy(dtype=bool), cols["id"],
                  lambda i: "is empty; every record needs its identifier")
    when = parse_times(raw[rmap.time_column], fmt=rmap.datetime_format, timezone=timezone)
    empty_time = (_stripped(raw[rmap.time_column]) == "").to_numpy(dtype=bool)
    problems.flag(empty_time, rmap.time_column, lambda i: "is empty; every record needs the "
                  "time it was committed (from)")
    for i, why in when.refused:
        problems.found.append((int(problems.order[i]), int(problems.lines[i]),
                               str(problems.files[i]), rmap.time_column, why))
    occurred_to = pd.DatetimeIndex(np.full(n, np.datetime64("NaT"), "M8[ns]"), tz="UTC")
    if "committed_to" in cols:
        until = parse_times(raw[cols["committed_to"]], fmt=rmap.datetime_format,
                            timezone=timezone)
        occurred_to = until.utc
        for i, why in until.refused:
            problems.found.append((int(problems.order[i]), int(problems.lines[i]),
                                   str(problems.files[i]), cols["committed_to"], why))
    crime_type: np.ndarray | str | None = None
    if "crime_type" in cols:
        text = _stripped(raw[cols["crime_type"]])
        problems.flag((text == "").to_numpy(dtype=bool), cols["crime_type"],
                      lambda i: "is empty; every record needs its offence (or call) type")
        crime_type = text.to_numpy(dtype=object)
    record_type: np.ndarray | str = rmap.record_type
    if "record_type" in cols:
        text = _stripped(raw[cols["record_type"]])
        problems.flag((text == "").to_numpy(dtype=bool), cols["record_type"],
                      lambda i: "is empty; every record needs its type")
        record_type = text.to_numpy(dtype=object)
    if crime_type is None:
        crime_type = record_type
    offence_code = None
    if "offence_code" in cols:
        text = _stripped(raw[cols["offence_code"]])
        reasons = mangled_reasons(text)
        problems.flag(~pd.isna(pd.Series(reasons, dtype=object)).to_numpy(),
                      cols["offence_code"], lambda i: (
                          f"{text.iat[i]!r} {reasons[i]}; re-export the extract with this "
                          "column as text"))
        offence_code = text.to_numpy(dtype=object)
    how = _mapped(raw, cols.get("how_reported"), dict(rmap.how_reported),
                  "public: " + ", ".join(k for k, v in rmap.how_reported.items()
                                         if v == "public")
                  + "; police: " + ", ".join(k for k, v in rmap.how_reported.items()
                                            if v == "police"), problems)
    domestic = _mapped(raw, cols.get("domestic"), dict(rmap.domestic),
                       ", ".join(rmap.domestic), problems)
    status = np.full(n, None, dtype=object)
    if "status" in cols:
        ids_s, uniques = _folded(raw[cols["status"]])
        status = np.array([rmap.status.get(u) for u in uniques] + [None], dtype=object)[ids_s]
    x, y = _coordinates(raw, rmap, problems)
    problems.raise_if_any()
    located = ~np.isnan(x)
    lon, lat = np.full(n, np.nan), np.full(n, np.nan)
    if located.any():
        ux, uy, index = distinct_points(x, y)
        if rmap.crs == BNG:
            ua, ub = from_metric(ux, uy, WGS84)
            lon[located], lat[located] = ua[index[located]], ub[index[located]]
        else:
            lon, lat = x.copy(), y.copy()
            ua, ub = to_metric(ux, uy, WGS84)
            x[located], y[located] = ua[index[located]], ub[index[located]]
    local = np.asarray(when.utc.tz_convert(timezone).tz_localize(None).to_numpy())
    months = local.astype("datetime64[M]").astype(str)
    return build_frame({
        "source_format": "records", "record_key": ("records:" + rmap.name + ":"
                                                   + ids).to_numpy(dtype=object),
        "crime_id": ids.to_numpy(dtype=object), "month": np.asarray(months, dtype=object),
        "occurred_from": when.utc, "occurred_to": occurred_to, "precision": "time",
        "crime_type": crime_type, "offence_code": offence_code, "record_type": record_type,
        "how_reported": how, "domestic": domestic, "status": status, "excluded_reason": status,
        "lon": lon, "lat": lat, "x": x, "y": y, "falls_within": rmap.name,
        "source_file": raw["_file"].to_numpy(dtype=object), "line": raw["_line"].to_numpy(),
    }, n)


def read_records(paths: Sequence[Path | str], record_map: RecordMap, *,
                 timezone: str,
                 progress: Callable[[int, int], None] | None = None) -> RecordRead:
    """Read force extracts into the common record frame.

    Args:
        paths: CSV files (``.csv``/``.csv.gz``) or folders of them, all of the map's layout.
        record_map: which columns mean what (``parse_record_map``).
        timezone: the trial's IANA timezone; times written without an offset are local to it.

    Returns:
        The record frame (times in UTC, ``precision`` "time"), duplicates dropped (an id seen
        again in the call; the first located copy is kept), and each file's SHA-256. Records
        whose status the map lists are kept with ``excluded_reason`` set to the status label.
        Points holding at least ``PILE_MIN_RECORDS`` records and more than
        ``PILE_MIN_SHARE`` of the located records are flagged ``default_location`` (still
        counted); ``default_location_piles`` lists them. Both x and y 0 is read as no
        location.

    Raises:
        InputError: an unknown timezone, a file without a mapped column, and every bad value
            of every file, by file, line and column: empty ids or times, unreadable times,
            local times that do not exist or happen twice, Excel-damaged offence codes,
            coordinates out of range, values the map does not list.
    """
    check_timezone(timezone)
    found = gather_files(paths)
    required = sorted(set(record_map.columns.values()))
    raws: list[pd.DataFrame] = []
    files: list[FileInfo] = []
    problems: list[Problem] = []
    for order, (path, name) in enumerate(found, start=1):
        try:
            text, digest = read_file_text(path, name, encoding=record_map.encoding)
            raw, lines = read_table(text, name, required=required)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        raw = raw[required].copy()
        raw["_file"], raw["_order"], raw["_line"] = name, order, lines
        raws.append(raw)
        files.append(FileInfo(name=name, sha256=digest, rows=len(raw)))
        if progress is not None:
            progress(order, len(found))
    if problems:
        raise InputError(problems)
    nonempty = [r for r in raws if len(r)]
    if not nonempty:
        return RecordRead(frame=empty_frame(), duplicates=0, files=files)
    frame = _build(pd.concat(nonempty, ignore_index=True), record_map, timezone)
    keep = keep_first_located(frame["record_key"].to_numpy(dtype=object),
                              ~np.isnan(frame["x"].to_numpy()))
    frame = frame.loc[keep].reset_index(drop=True)
    frame["default_location"] = _piles(frame["x"].to_numpy(), frame["y"].to_numpy())
    return RecordRead(frame=frame, duplicates=int((~keep).sum()), files=files)
