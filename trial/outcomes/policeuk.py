"""Reading data.police.uk street-level crime files into the common record frame."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from trial.errors import InputError, Problem
from trial.geo import WGS84, to_metric
from trial.outcomes.csvfiles import MAX_LISTED, gather_files, is_csv, read_file_text, read_table
from trial.outcomes.frame import (
    FileInfo,
    RecordRead,
    TextCodes,
    build_frame,
    distinct_points,
    empty_frame,
    keep_first_located,
)

HEADER: tuple[str, ...] = (
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location",
    "LSOA code", "LSOA name", "Crime type", "Last outcome category", "Context",
)
CRIME_TYPES: frozenset[str] = frozenset({
    "Anti-social behaviour", "Bicycle theft", "Burglary", "Criminal damage and arson", "Drugs",
    "Other crime", "Other theft", "Possession of weapons", "Public order", "Robbery",
    "Shoplifting", "Theft from the person", "Vehicle crime", "Violence and sexual offences",
})
#: Categories of the older files (before May 2013), accepted and kept as written.
OLDER_CRIME_TYPES: frozenset[str] = frozenset({"Violent crime", "Public disorder and weapons"})
ASB = "Anti-social behaviour"
#: Files in police.uk archive folders that are not street-level crime files.
OTHER_ARCHIVE_FILES = ("-outcomes.csv", "-stop-and-search.csv")

_MONTH = r"(19|20)\d\d-(0[1-9]|1[0-2])"


def _is_street_file(path: Path) -> bool:
    name = path.name.lower().removesuffix(".gz")
    return is_csv(path) and not name.endswith(OTHER_ARCHIVE_FILES)


Found = tuple[int, int, str, str, str]  # (file order, line, file, field, what): sorts as listed


def _check_rows(raw: pd.DataFrame, lon: np.ndarray, lat: np.ndarray, *, name: str, order: int,
                lines: np.ndarray) -> list[Found]:
    """Every bad row of one file, by line and field."""
    found: list[Found] = []

    def flag(mask: np.ndarray, field: str, what: Callable[[int], str]) -> None:
        for i in np.flatnonzero(mask):
            found.append((order, int(lines[i]), name, field, what(int(i))))

    month = raw["Month"]
    codes, uniques = pd.factorize(month)
    month_ok = pd.Series(uniques, dtype=object).str.fullmatch(_MONTH).to_numpy(dtype=bool)
    flag(~month_ok[codes], "Month",
         lambda i: f"{month.iat[i]!r} is not a month written YYYY-MM")
    ctype = raw["Crime type"]
    known = ctype.isin(CRIME_TYPES | OLDER_CRIME_TYPES).to_numpy(dtype=bool)
    flag(~known, "Crime type",
         lambda i: f"unknown crime type {ctype.iat[i]!r}; police.uk types are "
                   + ", ".join(sorted(CRIME_TYPES)))
    flag((raw["Falls within"] == "").to_numpy(dtype=bool), "Falls within",
         lambda i: "is empty; it names the force whose data this is")
    for field, values, bound in (("Longitude", lon, 180.0), ("Latitude", lat, 90.0)):
        text = raw[field]
        given = (text != "").to_numpy(dtype=bool)
        bad = given & ~(np.abs(values) <= bound)
        def out_of_range(i: int, t: pd.Series = text, b: float = bound) -> str:
            return f"{t.iat[i]!r} is not a number between -{b:g} and {b:g}"

        flag(bad, field, out_of_range)
    one_sided = (raw["Longitude"] == "").to_numpy(dtype=bool) != (
        raw["Latitude"] == "").to_numpy(dtype=bool)
    flag(one_sided, "Longitude", lambda i: "Longitude and Latitude must both be given or both "
         "be empty (no location)")
    return found


def _row_problems(found: list[Found]) -> list[Problem]:
    found.sort()
    problems = [Problem(what, name, line, field)
                for _, line, name, field, what in found[:MAX_LISTED]]
    if len(found) > MAX_LISTED:
        problems.append(Problem(f"and {len(found) - MAX_LISTED} more bad values"))
    return problems


def _asb_keys(raw: pd.DataFrame) -> np.ndarray:
    """Keys for one file's rows without a Crime ID: their content and occurrence among
    identical rows of the file."""
    cols = [raw[c] for c in HEADER]
    content = cols[0]
    for col in cols[1:]:
        content = content + "\x1f" + col
    occurrence = content.groupby(content, sort=False).cumcount().to_numpy()
    keys = [
        "police-uk:asb:" + hashlib.sha256(f"{c}\x1e{k}".encode()).hexdigest()[:32]
        for c, k in zip(content.to_numpy(dtype=object), occurrence, strict=True)
    ]
    return np.asarray(keys, dtype=object)


def _numbers(text: pd.Series) -> np.ndarray:
    """Text to floats ("" and non-numbers NaN), converting each distinct value once."""
    codes, uniques = pd.factorize(text)
    values = pd.to_numeric(pd.Series(uniques, dtype=object).replace("", None),
                           errors="coerce").to_numpy(dtype=np.float64)
    return values[codes] if len(codes) else np.zeros(0)


def _project(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """British National Grid metres, projecting each distinct snap point once."""
    ulon, ulat, index = distinct_points(lon, lat)
    ux, uy = to_metric(ulon, ulat, WGS84) if len(ulon) else (np.zeros(0), np.zeros(0))
    ux, uy = np.append(ux, np.nan), np.append(uy, np.nan)
    return ux[index], uy[index]


#: Repetitive text columns, kept as codes into their distinct values: frame name -> header.
_REPEATED = {"month": "Month", "crime_type": "Crime type", "location": "Location",
             "lsoa_code": "LSOA code", "falls_within": "Falls within",
             "reported_by": "Reported by", "last_outcome": "Last outcome category"}


class _Gathered:
    """The stored columns of the files read so far; the rest of each file is let go."""

    def __init__(self) -> None:
        self.text = {name: TextCodes() for name in (*_REPEATED, "source_file")}
        self.keys: list[np.ndarray] = []
        self.ids: list[np.ndarray] = []
        self.lon: list[np.ndarray] = []
        self.lat: list[np.ndarray] = []
        self.lines: list[np.ndarray] = []

    def add(self, raw: pd.DataFrame, lon: np.ndarray, lat: np.ndarray, *, name: str,
            lines: np.ndarray) -> None:
        crime_id = raw["Crime ID"].to_numpy(dtype=object)
        no_id = crime_id == ""
        keys = np.empty(len(raw), dtype=object)
        keys[~no_id] = "police-uk:" + crime_id[~no_id]
        if no_id.any():
            keys[no_id] = _asb_keys(raw[no_id])
            crime_id[no_id] = None
        self.keys.append(keys)
        self.ids.append(crime_id)
        located = ~np.isnan(lon) & ~np.isnan(lat)
        self.lon.append(np.where(located, lon, np.nan))
        self.lat.append(np.where(located, lat, np.nan))
        self.lines.append(lines)
        for column, header in _REPEATED.items():
            self.text[column].add(raw[header])
        self.text["source_file"].add_constant(name, len(raw))

    def frame(self) -> pd.DataFrame:
        n = sum(len(k) for k in self.keys)
        if n == 0:
            return empty_frame()
        lon, lat = np.concatenate(self.lon), np.concatenate(self.lat)
        self.lon, self.lat = [], []
        x, y = _project(lon, lat)
        columns: dict[str, object] = {
            "source_format": "police-uk", "precision": "month",
            "record_key": np.concatenate(self.keys), "crime_id": np.concatenate(self.ids),
            "lon": lon, "lat": lat, "x": x, "y": y, "line": np.concatenate(self.lines)}
        self.keys, self.ids = [], []
        for column, codes in self.text.items():
            columns[column] = codes.column()
        return build_frame(columns, n)


def read_policeuk(paths: Sequence[Path | str], *,
                  progress: Callable[[int, int], None] | None = None) -> RecordRead:
    """Read police.uk street-level CSV files into the common record frame.

    Args:
        paths: files (``.csv`` or ``.csv.gz``) and folders; a folder is searched recursively
            for CSV files, leaving out the archive's ``-outcomes`` and ``-stop-and-search``
            files. Several forces and British Transport Police files may be read together.
        progress: called as ``progress(files_done, files_total)`` after each file.

    Returns:
        The record frame, the number of duplicate rows dropped, and each file's name, SHA-256
        and row count. A Crime ID seen more than once in the call is kept once, preferring the
        first located copy. Rows without a Crime ID (anti-social behaviour) are keyed by their
        content and their occurrence number among identical rows of the same file, so
        identical rows stay distinct incidents and re-reading a file gives the same keys.
        "No Location" rows have NaN coordinates (unlocatable). The repetitive text columns
        (month, crime type, location, LSOA code, force, outcome, file) are categorical.

    Raises:
        InputError: a missing path, a header that is not the police.uk header, and every bad
            row of every file, by file, line (header = line 1) and field.
    """
    found = gather_files(paths, keep=_is_street_file)
    files: list[FileInfo] = []
    problems: list[Problem] = []
    bad_rows: list[Found] = []
    gathered = _Gathered()
    # File by file: only the stored columns of a file outlive its reading, so a million
    # records never sit in memory as a frame of Python strings.
    for done, (path, name) in enumerate(found, start=1):
        try:
            text, digest = read_file_text(path, name)
            raw, lines = read_table(text, name, expected=HEADER)
        except InputError as exc:
            problems.extend(exc.problems)
        else:
            del text
            files.append(FileInfo(name=name, sha256=digest, rows=len(raw)))
            # Rows are checked only while every file so far could be split into rows.
            if not problems and len(raw):
                lon, lat = _numbers(raw["Longitude"]), _numbers(raw["Latitude"])
                bad = _check_rows(raw, lon, lat, name=name, order=done, lines=lines)
                bad_rows.extend(bad)
                if not bad_rows:
                    gathered.add(raw, lon, lat, name=name, lines=lines)
            del raw
        if progress is not None:
            progress(done, len(found))
    if problems:
        raise InputError(problems)
    if bad_rows:
        raise InputError(_row_problems(bad_rows))
    frame = gathered.frame()
    keep = keep_first_located(frame["record_key"].to_numpy(dtype=object),
                              ~np.isnan(frame["x"].to_numpy()))
    duplicates = int((~keep).sum())
    if duplicates:
        frame = frame.loc[keep].reset_index(drop=True)
    return RecordRead(frame=frame, duplicates=duplicates, files=files)
