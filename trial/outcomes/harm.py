"""Crime harm weights (Cambridge Crime Harm Index days) for records (METHODS.md section 6)."""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from trial.errors import InputError, Problem, ProblemCollector
from trial.outcomes.offences import mangled_reason, normalise_code

SHIPPED = "cchi-police-uk"
_SOURCE = "CCHI 2026 update, category means (isthisben/cbl-realcrime@5591939d)"
_NATIONAL = "cchi-days-by-police-uk-category.csv"
_BY_FORCE = "cchi-days-by-force-and-category.csv"
ASB = "Anti-social behaviour"


@dataclass(frozen=True)
class HarmTable:
    """Harm weights in CCHI days.

    Attributes:
        name: the table's name ("cchi-police-uk", "cchi-police-uk:<force>", or a file name).
        version: what to record with a harm outcome (the source and, for a file, its SHA-256).
        by_crime_type: crime type (police.uk category or an extract's type) -> days.
        by_offence_code: Home Office offence code (upper-case, trimmed) -> days.
    """

    name: str
    version: str
    by_crime_type: Mapping[str, float]
    by_offence_code: Mapping[str, float]


class HarmWeights(NamedTuple):
    """Each record's weight, and the types that had none (they add 0)."""

    weights: npt.NDArray[np.float64]
    missing: list[str]


def _shipped_text(filename: str) -> str:
    return (resources.files("trial.outcomes") / "data" / filename).read_text(encoding="utf-8")


def _force_key(name: str) -> str:
    key = " ".join(name.casefold().split())
    for suffix in (" police service", " constabulary", " police"):
        key = key.removesuffix(suffix)
    return key


def _shipped(name: str) -> HarmTable:
    if name == SHIPPED:
        rows = list(csv.DictReader(io.StringIO(_shipped_text(_NATIONAL))))
        return HarmTable(name=SHIPPED, version=_SOURCE,
                         by_crime_type={r["crime_type"]: float(r["cchi_days"]) for r in rows},
                         by_offence_code={})
    force = name.removeprefix(SHIPPED + ":")
    rows = list(csv.DictReader(io.StringIO(_shipped_text(_BY_FORCE))))
    forces = sorted({r["force"] for r in rows})
    match = [f for f in forces if _force_key(f) == _force_key(force)]
    if not match:
        raise InputError(f"harm_weights: no force {force!r} in {SHIPPED}:<force>; forces are "
                         + ", ".join(forces))
    chosen = match[0]
    return HarmTable(
        name=f"{SHIPPED}:{chosen}", version=f"{_SOURCE}, {chosen} counts",
        by_crime_type={r["crime_type"]: float(r["cchi_days"]) for r in rows
                       if r["force"] == chosen},
        by_offence_code={})


def _user_table(path: Path) -> HarmTable:
    name = path.name
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
    except OSError as exc:
        raise InputError(Problem(f"cannot be read: {exc.strerror or exc}", name)) from None
    except UnicodeDecodeError:
        raise InputError(Problem("is not UTF-8 text", name)) from None
    problems = ProblemCollector(source=name)
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, [])
        rows = list(reader)
    except csv.Error as exc:
        raise InputError(Problem(f"is not valid CSV: {exc}", name)) from None
    if "cchi_days" not in header or not ({"offence_code", "crime_type"} & set(header)):
        raise InputError(Problem(
            "header must have cchi_days and offence_code or crime_type (or both); found: "
            + ",".join(header), name, 1))
    col = {c: header.index(c) for c in ("offence_code", "crime_type", "cchi_days")
           if c in header}
    tables: dict[str, dict[str, tuple[float, int]]] = {"offence_code": {}, "crime_type": {}}
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.add(f"has {len(row)} fields, the header has {len(header)}", line=line)
            continue
        code = row[col["offence_code"]].strip() if "offence_code" in col else ""
        ctype = row[col["crime_type"]].strip() if "crime_type" in col else ""
        days_text = row[col["cchi_days"]].strip()
        try:
            days = float(days_text)
        except ValueError:
            days = math.nan
        if not (math.isfinite(days) and days >= 0):
            problems.add(f"{days_text!r} is not a number of days (0 or more)", line=line,
                         field="cchi_days")
            continue
        if code:
            why = mangled_reason(code)
            if why:
                problems.add(f"{code!r} {why}", line=line, field="offence_code")
                continue
            field, key = "offence_code", normalise_code(code)
        elif ctype:
            field, key = "crime_type", ctype
        else:
            problems.add("needs an offence_code or a crime_type", line=line)
            continue
        earlier = tables[field].get(key)
        if earlier is not None and earlier[0] != days:
            problems.add(f"{key!r} already weighs {earlier[0]:g} days (line {earlier[1]})",
                         line=line, field=field)
        tables[field].setdefault(key, (days, line))
    problems.raise_if_any()
    return HarmTable(
        name=name, version=f"{name} sha256:{hashlib.sha256(raw).hexdigest()}",
        by_crime_type={k: v for k, (v, _) in tables["crime_type"].items()},
        by_offence_code={k: v for k, (v, _) in tables["offence_code"].items()})


def load_harm_table(name_or_path: str | Path) -> HarmTable:
    """Load a shipped harm table by name, or a user's CSV.

    Args:
        name_or_path: "cchi-police-uk" (national category means), "cchi-police-uk:<force>"
            (the force's own category means), or a path to a CSV with ``cchi_days`` and
            ``offence_code`` and/or ``crime_type`` (a row with an offence code is keyed by it).

    Raises:
        InputError: an unknown name or force, a missing file, and every bad row by line.
    """
    if isinstance(name_or_path, str) and (name_or_path == SHIPPED
                                          or name_or_path.startswith(SHIPPED + ":")):
        return _shipped(name_or_path)
    path = Path(name_or_path)
    if not path.is_file():
        raise InputError(f"harm_weights: {str(name_or_path)!r} is neither a shipped table "
                         f"({SHIPPED}, {SHIPPED}:<force>) nor a CSV file")
    return _user_table(path)


def _lookup(values: pd.Series, weights: Mapping[str, float],
            key: Callable[[str], str]) -> np.ndarray:
    """Weights per value (NaN where none), looking each distinct value up once."""
    ids, uniques = pd.factorize(values)
    found = [weights.get(key(u), math.nan) if isinstance(u, str) else math.nan
             for u in uniques]
    return np.asarray([*found, math.nan], dtype=np.float64)[ids]


def harm_weights(frame: pd.DataFrame, table: HarmTable) -> HarmWeights:
    """Each record's harm weight in CCHI days.

    Args:
        frame: a record frame (``crime_type``, ``offence_code``, ``how_reported``).
        table: the weights.

    Returns:
        The weights and the sorted names of crime types (or offence codes) without one.

    Notes:
        A record's weight is its offence code's, else its crime type's. Anti-social behaviour
        weighs 0 unless the table gives it a weight. Offences found proactively
        (``how_reported == "police"``) weigh 0, as the CCHI leaves them out; records that do
        not say how they were reported are weighed. A type without a weight adds 0 and is
        named in ``missing``.

    References:
        Sherman, L., Neyroud, P. W., & Neyroud, E. (2016). The Cambridge Crime Harm Index.
        Policing, 10(3), 171-183.
    """
    n = len(frame)
    ctype = frame["crime_type"].astype(object)
    code = frame["offence_code"].astype(object)
    by_code = {normalise_code(k): v for k, v in table.by_offence_code.items()}
    weights = _lookup(code, by_code, normalise_code)
    weights = np.where(np.isnan(weights), _lookup(ctype, table.by_crime_type, str), weights)
    asb = (ctype == ASB).to_numpy(dtype=bool) & np.isnan(weights)
    weights[asb] = 0.0
    proactive = (frame["how_reported"].astype(object) == "police").to_numpy(dtype=bool)
    weights[proactive] = 0.0
    lacking = np.isnan(weights)
    names = np.where(pd.isna(ctype).to_numpy(), code.to_numpy(dtype=object),
                     ctype.to_numpy(dtype=object))[lacking] if n else np.array([], dtype=object)
    missing = sorted({str(v) for v in names if v is not None and not pd.isna(v)})
    weights[lacking] = 0.0
    return HarmWeights(weights=weights, missing=missing)
