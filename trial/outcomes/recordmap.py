"""The record map: a TOML file saying which columns of a force extract the trial reads.

Example (every column name is the extract's own)::

    name = "wmp-crimes"            # the source's name in coverage and record keys
    crs = "EPSG:27700"             # EPSG:27700 (easting/northing) or EPSG:4326 (lon/lat)
    datetime_format = "%d/%m/%Y %H:%M"   # strptime format; omitted: ISO 8601
    encoding = "utf-8"             # the file's text encoding (default utf-8)
    record_type = "crime"          # the type of every record, when no column gives it

    [columns]
    id = "CRIME_REF"
    committed_from = "COMMITTED_FROM"    # or occurred_at = "..." for one time per record
    committed_to = "COMMITTED_TO"
    x = "EASTING"
    y = "NORTHING"
    crime_type = "OFFENCE_DESC"
    offence_code = "HO_CODE"
    how_reported = "HOW_REPORTED"
    domestic = "DA_FLAG"
    status = "STATUS"
    record_type = "RECORD_TYPE"    # calls, intelligence, Crimestoppers in one file

    [how_reported]                 # the extract's values meaning each
    public = ["999", "101", "Online"]
    police = ["Proactive", "Officer generated"]

    [domestic]
    yes = ["Y"]
    no = ["N"]

    [status]                       # records with these values are kept but excluded
    cancelled = ["Cancelled", "No crime"]
    transferred = ["Transferred"]

Values are matched ignoring case and surrounding space. Only mapped columns are read: names,
dates of birth and free text in other columns never enter the trial.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from trial.errors import InputError, Problem, ProblemCollector
from trial.geo import SUPPORTED_CRS

COLUMN_KEYS = ("id", "committed_from", "committed_to", "occurred_at", "x", "y", "crime_type",
               "offence_code", "how_reported", "domestic", "status", "record_type")
TOP_KEYS = ("name", "crs", "datetime_format", "encoding", "record_type", "columns",
            "how_reported", "domestic", "status")
HOW_REPORTED_LABELS = ("public", "police")
DOMESTIC_LABELS = {"yes": True, "no": False}


@dataclass(frozen=True)
class RecordMap:
    """How to read one kind of force extract (see the module docstring for the TOML).

    Attributes:
        name: the source's name (coverage, record keys, ``falls_within``).
        crs: "EPSG:27700" or "EPSG:4326".
        columns: trial field -> the extract's column name.
        datetime_format: a strptime format, or None for ISO 8601.
        encoding: the files' text encoding.
        record_type: the type of every record when ``columns`` has no ``record_type``.
        how_reported: folded extract value -> "public" | "police".
        domestic: folded extract value -> True | False.
        status: folded extract value -> status label (the record is excluded).
        source: where the map came from, for errors.
    """

    name: str
    crs: str
    columns: Mapping[str, str]
    datetime_format: str | None = None
    encoding: str = "utf-8"
    record_type: str = "crime"
    how_reported: Mapping[str, str] = field(default_factory=dict)
    domestic: Mapping[str, bool] = field(default_factory=dict)
    status: Mapping[str, str] = field(default_factory=dict)
    source: str = "record map"

    @property
    def time_column(self) -> str:
        """The extract's column placing each record in time (committed-from)."""
        return self.columns.get("committed_from") or self.columns["occurred_at"]


def fold(value: str) -> str:
    """The form extract values are matched in."""
    return value.strip().casefold()


def _value_lists(table: Any, key: str, labels: Mapping[str, Any] | None,
                 problems: ProblemCollector) -> dict[str, Any]:
    """``{label: [values]}`` -> ``{folded value: label}``, every problem collected."""
    out: dict[str, Any] = {}
    if not isinstance(table, dict):
        problems.add("must be a table of label = [values]", field=key)
        return out
    for label, values in table.items():
        if labels is not None and label not in labels:
            problems.add(f"unknown label {label!r}; use {', '.join(labels)}",
                         field=f"{key}.{label}")
            continue
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            problems.add("must be a list of strings", field=f"{key}.{label}")
            continue
        for v in values:
            folded = fold(v)
            meaning = labels[label] if labels is not None else label
            if folded in out and out[folded] != meaning:
                problems.add(f"value {v!r} is listed under two labels", field=f"{key}.{label}")
            out[folded] = meaning
    return out


def parse_record_map(text: str, *, source: str) -> RecordMap:
    """Parse a record map from TOML text.

    Args:
        text: the TOML.
        source: the map's file name, for errors.

    Returns:
        The map.

    Raises:
        InputError: every problem at once, by TOML key: invalid TOML, unknown keys, missing
            ``name``/``crs``/``columns.id``/``x``/``y``, neither or both of
            ``committed_from`` and ``occurred_at``, a value table without its column.
    """
    problems = ProblemCollector(source=source)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(Problem(f"not valid TOML: {exc}", source)) from None
    for key in doc:
        if key not in TOP_KEYS:
            problems.add(f"unknown key; valid keys are {', '.join(TOP_KEYS)}", field=key)
    name = doc.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.add("required: the source's name, e.g. \"wmp-crimes\"", field="name")
    crs = doc.get("crs")
    if crs not in SUPPORTED_CRS:
        problems.add(f"must be one of {', '.join(SUPPORTED_CRS)}; found {crs!r}", field="crs")
    for key in ("datetime_format", "encoding", "record_type"):
        if key in doc and (not isinstance(doc[key], str) or not doc[key].strip()):
            problems.add("must be a non-empty string", field=key)
    columns = doc.get("columns", {})
    if not isinstance(columns, dict):
        problems.add("must be a table of field = \"column name\"", field="columns")
        columns = {}
    for key, value in columns.items():
        if key not in COLUMN_KEYS:
            problems.add(f"unknown field; valid fields are {', '.join(COLUMN_KEYS)}",
                         field=f"columns.{key}")
        elif not isinstance(value, str) or not value:
            problems.add("must be the extract's column name (a string)",
                         field=f"columns.{key}")
    for key in ("id", "x", "y"):
        if key not in columns:
            problems.add("required", field=f"columns.{key}")
    if ("committed_from" in columns) == ("occurred_at" in columns):
        problems.add("give exactly one of committed_from or occurred_at",
                     field="columns.committed_from")
    if "committed_to" in columns and "occurred_at" in columns:
        problems.add("committed_to goes with committed_from, not occurred_at",
                     field="columns.committed_to")
    tables: dict[str, dict[str, Any]] = {}
    for key, labels in (("how_reported", {k: k for k in HOW_REPORTED_LABELS}),
                        ("domestic", DOMESTIC_LABELS), ("status", None)):
        if key in doc:
            tables[key] = _value_lists(doc[key], key, labels, problems)
            if key not in columns:
                problems.add(f"values are given but columns.{key} is not", field=key)
        elif key in columns and key != "status":
            problems.add(f"columns.{key} needs a [{key}] table saying what its values mean",
                         field=key)
    problems.raise_if_any()
    return RecordMap(
        name=str(name).strip(), crs=str(crs),
        columns={k: str(v) for k, v in columns.items()},
        datetime_format=doc.get("datetime_format"),
        encoding=doc.get("encoding", "utf-8"),
        record_type=doc.get("record_type", "crime"),
        how_reported=tables.get("how_reported", {}),
        domestic=tables.get("domestic", {}),
        status=tables.get("status", {}),
        source=source,
    )
