"""Finding, decoding and splitting the CSV files that crime data arrives in."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from trial.errors import InputError, Problem

CSV_SUFFIXES = (".csv", ".csv.gz")
MAX_LISTED = 200  # problems listed per file before the rest are summarised


def is_csv(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(CSV_SUFFIXES)


def gather_files(paths: Sequence[Path | str],
                 keep: Callable[[Path], bool] = is_csv) -> list[tuple[Path, str]]:
    """Expand files and folders (recursively) into ``(path, name used in errors)`` pairs.

    A folder contributes every file under it that ``keep`` accepts, sorted by relative path, and
    is named ``folder/relative/path``; a file given directly is named by its file name.

    Raises:
        InputError: a path that does not exist, or a folder with no files to read.
    """
    problems: list[Problem] = []
    found: list[tuple[Path, str]] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = sorted((p for p in path.rglob("*") if p.is_file() and keep(p)),
                            key=lambda p: p.relative_to(path).as_posix())
            if not inside:
                problems.append(Problem("folder holds no CSV files to read", path.name))
            found.extend((p, f"{path.name}/{p.relative_to(path).as_posix()}") for p in inside)
        elif path.is_file():
            found.append((path, path.name))
        else:
            problems.append(Problem("no such file or folder", str(raw)))
    if problems:
        raise InputError(problems)
    if not found:
        raise InputError("no files given")
    return found


def read_file_text(path: Path, name: str, *, encoding: str = "utf-8") -> tuple[str, str]:
    """Read a (possibly gzipped) text file; returns ``(text, sha256 of the file's bytes)``.

    Raises:
        InputError: unreadable, not gzip when named ``.gz``, or not valid in ``encoding``.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(Problem(f"cannot be read: {exc.strerror or exc}", name)) from None
    digest = hashlib.sha256(raw).hexdigest()
    data = raw
    if path.name.lower().endswith(".gz"):
        try:
            data = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(Problem(f"is not a readable gzip file ({exc})", name)) from None
    try:
        text = data.decode("utf-8-sig" if encoding.lower() in ("utf-8", "utf8") else encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(Problem(
            f"is not valid {encoding} text (byte {exc.start + 1}); save it as {encoding}"
            + (" or set encoding in the record map" if encoding == "utf-8" else ""),
            name, line)) from None
    except LookupError:
        raise InputError(Problem(f"unknown text encoding {encoding!r}", name)) from None
    if "\r" in text:
        # Windows and old Mac line endings: one newline convention, as editors count lines
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise InputError(Problem("contains NUL bytes: not a CSV text file", name, line))
    return text, digest


def _header(text: str) -> list[str]:
    end = text.find("\n")
    first = (text if end < 0 else text[:end]).rstrip("\r")
    try:
        return next(csv.reader([first]))
    except (StopIteration, csv.Error):
        return []


def _row_structure(text: str, data: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each data row's field count, blankness and first line (header = line 1).

    Without quotes the work is vectorised over the text's bytes; with quotes the csv module
    splits the rows, as pandas does (a quote opens a quoted field only at its start).
    """
    if text.find('"') >= 0:
        return _row_structure_quoted(text)
    b = np.frombuffer(data, dtype=np.uint8)
    row_end = np.flatnonzero(b == 10)
    if len(b) and b[-1] != 10:
        row_end = np.append(row_end, len(b))
    row_start = np.concatenate([[0], row_end[:-1] + 1]) if len(row_end) else np.zeros(0, int)
    commas_before_end = np.searchsorted(np.flatnonzero(b == 44), row_end)
    fields = np.diff(commas_before_end, prepend=0) + 1
    length = row_end - row_start
    ends_cr = np.zeros(len(row_end), dtype=bool)
    nonempty = length > 0
    ends_cr[nonempty] = b[row_end[nonempty] - 1] == 13
    blank = (length == 0) | ((length == 1) & ends_cr)
    first_line = np.arange(1, len(row_end) + 1)
    return fields[1:], blank[1:], first_line[1:]


def _row_structure_quoted(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    fields: list[int] = []
    blank: list[bool] = []
    first: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    prev_end = 0
    for row in reader:
        first.append(prev_end + 1)
        prev_end = reader.line_num
        fields.append(len(row))
        blank.append(not row)
    return (np.asarray(fields[1:], dtype=np.int64), np.asarray(blank[1:], dtype=bool),
            np.asarray(first[1:], dtype=np.int64))


def read_table(text: str, name: str, *, expected: Sequence[str] | None = None,
               required: Sequence[str] = ()) -> tuple[pd.DataFrame, np.ndarray]:
    """Split CSV text into a frame of strings (every column text) and each row's line number.

    Args:
        text: the file's text.
        name: the file's name for errors.
        expected: the exact header, in order (police.uk); None to accept any header that has
            ``required`` columns.
        required: columns that must be present.

    Returns:
        ``(frame, lines)``: blank lines dropped; ``lines[i]`` is row i's line (header = 1).

    Raises:
        InputError: a wrong header, and every row with the wrong number of fields.
    """
    header = _header(text)
    if expected is not None and header != list(expected):
        missing = [c for c in expected if c not in header]
        extra = [c for c in header if c not in expected]
        detail = ""
        if missing or extra:
            detail = (f" (missing: {', '.join(missing) or 'none'}; "
                      f"unexpected: {', '.join(extra) or 'none'})")
        raise InputError(Problem(
            f"header must be exactly: {','.join(expected)}; found: {','.join(header)}{detail}",
            name, 1))
    absent = [c for c in required if c not in header]
    if absent:
        raise InputError(Problem(
            f"header lacks column(s) {', '.join(absent)}; found: {', '.join(header)}", name, 1))
    if len(set(header)) != len(header) or any(h == "" for h in header):
        raise InputError(Problem("header has empty or repeated column names: "
                                 + ",".join(header), name, 1))
    width = len(header)
    problems: list[Problem] = []
    try:
        data = text.encode("utf-8")
        fields, blank, first_line = _row_structure(text, data)
    except csv.Error as exc:
        raise InputError(Problem(f"is not valid CSV: {exc}", name)) from None
    wrong = np.flatnonzero((fields != width) & ~blank)
    for i in wrong[:MAX_LISTED]:
        problems.append(Problem(f"has {fields[i]} fields, the header has {width}",
                                name, int(first_line[i])))
    if len(wrong) > MAX_LISTED:
        problems.append(Problem(f"and {len(wrong) - MAX_LISTED} more rows with the wrong "
                                "number of fields", name))
    lines = first_line[~blank].astype(np.int64)
    if problems:
        raise InputError(problems)
    try:
        frame = pd.read_csv(io.BytesIO(data), encoding="utf-8", dtype=str,
                            keep_default_na=False, na_filter=False, skip_blank_lines=True,
                            engine="c")
    except (pd.errors.ParserError, ValueError, csv.Error) as exc:
        raise InputError(Problem(f"is not valid CSV: {exc}", name)) from None
    if len(frame) != len(lines) or list(frame.columns) != header:
        raise InputError(Problem("could not be split into rows consistently; check quoting",
                                 name))
    return frame, lines
