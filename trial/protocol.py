"""The trial protocol file: parse, validate, canonical hash and registration-time spot checks."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import Any

from trial.canonical import canonical_sha256
from trial.errors import InputError, Problem
from trial.protocol_checks import check_protocol
from trial.protocol_fields import join
from trial.protocol_model import (
    Analysis,
    Arm,
    Catchment,
    Costs,
    Design,
    Dosage,
    Fidelity,
    Hours,
    Hypothesis,
    Outcome,
    Privacy,
    Protocol,
    Subgroup,
    TrialInfo,
    Window,
    Windows,
)

__all__ = [
    "Analysis", "Arm", "Catchment", "Costs", "Design", "Dosage", "Fidelity", "Hours",
    "Hypothesis", "Outcome", "Privacy", "Protocol", "Subgroup", "TrialInfo", "Window", "Windows",
    "load_protocol", "protocol_sha256", "read_protocol", "spot_attribute_problems",
]

_AT_LINE = re.compile(r"\s*\(at line (\d+), column \d+\)\s*$")
_AT_END = re.compile(r"\s*\(at end of document\)\s*$")


def load_protocol(text: str, *, source: str = "protocol.toml") -> Protocol:
    """Parse and validate a protocol's TOML text.

    Args:
        text: the protocol file's text.
        source: the file name that problems name.

    Returns:
        The validated ``Protocol``, every default filled in, with ``text``, ``sha256`` (the
        canonical hash of PROTOCOL.md) and ``raw`` (the parsed TOML).

    Raises:
        InputError: a TOML syntax error (naming its line), or every validation problem at once,
            each naming its TOML key path (``hypothesis[2].compare``) and, when found, its line.
    """
    raw = _parse(text, source)
    lines = _key_lines(text)
    sections = check_protocol(raw, source=source, locate=lambda path: _locate(lines, path))
    return Protocol(**sections, text=text, sha256=_hash(raw, source), raw=raw)


def read_protocol(path: str | PathLike[str]) -> Protocol:
    """Read and validate a protocol file; problems name the file by its name.

    Raises:
        InputError: the file cannot be read or is not UTF-8, or as ``load_protocol``.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(Problem(f"cannot read the protocol file: {error.strerror or error}",
                                 source=path.name)) from None
    try:
        # Decoding bytes keeps the text exactly as written (no newline translation).
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputError(Problem("is not UTF-8 text", source=path.name, line=line)) from None
    return load_protocol(text, source=path.name)


def protocol_sha256(text: str, *, source: str = "protocol.toml") -> str:
    """The canonical SHA-256 of a protocol's TOML text (PROTOCOL.md, Canonical hashes).

    TOML dates, times and date-times become their ISO 8601 strings; integers stay integers and
    floats floats (``20`` and ``20.0`` differ); keys sorted, ``ensure_ascii=False``, no spaces;
    SHA-256 of the UTF-8 bytes. Defaults are not filled in, so comments, whitespace and key order
    do not change the hash.

    Raises:
        InputError: the text is not valid TOML, or holds ``nan`` or ``inf`` (JSON has neither).
    """
    return _hash(_parse(text, source), source)


def spot_attribute_problems(protocol: Protocol, spots: Sequence[Mapping[str, Any]], *,
                            source: str | None = None) -> list[Problem]:
    """The registration-time checks only the hot spots can answer.

    Every eligible spot (``eligible`` missing counts as eligible) must have each
    ``design.strata`` and subgroup attribute present and non-empty, and each
    ``design.balance_on`` and ``design.match_on`` attribute present and a finite number.
    Ineligible spots are never allocated, so their attributes are not checked.

    Args:
        protocol: the validated protocol.
        spots: mappings with ``spot_id``, ``attributes`` (a dict) and optionally ``eligible``.
        source: the spots file, named in each problem, if known.

    Returns:
        One problem per spot and attribute, naming the spot and the protocol key path
        (``design.strata[1]``); empty when all is well.
    """
    wanted: list[tuple[str, str, bool]] = []
    design = protocol.design
    wanted += [(name, join("design.strata", i), False) for i, name in enumerate(design.strata)]
    if design.match_on is not None:
        wanted.append((design.match_on, "design.match_on", True))
    wanted += [(name, join("design.balance_on", i), True)
               for i, name in enumerate(design.balance_on)]
    wanted += [(s.attribute, join(join("subgroup", i), "attribute"), False)
               for i, s in enumerate(protocol.subgroups)]
    problems: list[Problem] = []
    for spot in spots:
        if spot.get("eligible", True) is False:
            continue
        spot_id = spot.get("spot_id")
        attributes = spot.get("attributes") or {}
        for name, key_path, numeric in wanted:
            what = _attribute_problem(attributes, name, numeric=numeric)
            if what:
                problems.append(Problem(f"spot {json.dumps(spot_id, ensure_ascii=False)}: "
                                        f"attribute {json.dumps(name, ensure_ascii=False)} {what}",
                                        source=source, field=key_path))
    return problems


def _attribute_problem(attributes: Mapping[str, Any], name: str, *, numeric: bool) -> str:
    if name not in attributes:
        return "is missing"
    value = attributes[name]
    empty = value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and math.isnan(value))
    if empty:
        return "is empty"
    if numeric and (isinstance(value, bool) or not isinstance(value, int | float)
                    or not math.isfinite(value)):
        return f"must be a number, not {value!r}"
    return ""


def _parse(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        found = _AT_LINE.search(message)
        line = int(found[1]) if found else text.count("\n") + 1 if _AT_END.search(message) else None
        what = _AT_END.sub("", _AT_LINE.sub("", message))
        raise InputError(Problem(f"not valid TOML: {what}", source=source, line=line)) from None


def _hash(raw: dict[str, Any], source: str) -> str:
    try:
        return canonical_sha256(_json_values(raw))
    except ValueError:
        raise InputError(Problem("holds nan or inf, which a protocol cannot be hashed with",
                                 source=source)) from None


def _json_values(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_values(v) for v in value]
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


_HEADER = re.compile(r"\s*(\[\[?)\s*(.+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_KEY_LINE = re.compile(rf"\s*({_KEY}(?:\s*\.\s*{_KEY})*)\s*=")
_KEY_PART = re.compile(_KEY)
_DOTTED = re.compile(rf"{_KEY}(?:\s*\.\s*{_KEY})*")
_PARENT = re.compile(r"(.+)(?:\.[^.\[\]]+|\[\d+\])$")


def _split_key(dotted: str) -> list[str]:
    parts = []
    for m in _KEY_PART.finditer(dotted):
        part = m.group(0)
        if part[0] == '"':
            try:
                part = json.loads(part)
            except ValueError:
                part = part[1:-1]
        elif part[0] == "'":
            part = part[1:-1]
        parts.append(part)
    return parts


def _key_lines(text: str) -> dict[str, int]:
    """Best-effort map from key paths to the line (from 1) where each is written."""
    lines: dict[str, int] = {}
    prefix = ""
    counts: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header and _DOTTED.fullmatch(header[2]):
            keys = _split_key(header[2])
            prefix = ""
            for key in keys:
                prefix = join(prefix, key)
            if header[1] == "[[":
                lines.setdefault(prefix, number)
                counts[prefix] = counts.get(prefix, 0) + 1
                prefix = join(prefix, counts[prefix] - 1)
            lines.setdefault(prefix, number)
            continue
        key_line = _KEY_LINE.match(line)
        if key_line:
            path = prefix
            for key in _split_key(key_line[1]):
                path = join(path, key)
                lines.setdefault(path, number)
    return lines


def _locate(lines: dict[str, int], path: str) -> int | None:
    while path:
        if path in lines:
            return lines[path]
        parent = _PARENT.match(path)
        if parent is None:
            return None
        path = parent[1]
    return None
