"""The loader never raises anything but InputError, whatever it is given."""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import tomllib
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.protocol.minimal import MINIMAL
from trial.errors import InputError
from trial.protocol import load_protocol
from trial.protocol_checks import check_protocol

PROTOCOLS = Path(__file__).resolve().parents[2] / "protocols"
EXAMPLES = [tomllib.loads(p.read_text(encoding="utf-8")) for p in sorted(PROTOCOLS.glob("*.toml"))]
EXAMPLES.append(tomllib.loads(MINIMAL))
KEYS = sorted({
    "trial", "arm", "design", "windows", "catchment", "dosage", "fidelity", "costs", "privacy",
    "outcome", "hypothesis", "subgroup", "analysis", "name", "control", "factors", "ratio",
    "delivers", "method", "strata", "match_on", "balance_on", "baseline", "treatment", "run_in",
    "follow_up", "hours", "start", "end", "days", "compare", "factor", "margin", "test",
    "primary", "crime_types", "id", "window", "patrol", "ads", "gps", "fixed_gbp", "timezone"})
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.booleans(), st.integers(min_value=-(2**63), max_value=2**63 - 1), st.floats(),
    st.text(max_size=12), st.sampled_from(["all", "a", "b", "control", "Fri", "20:00",
                                           "2024-01-08", "treatment", "digital", "stratified"]),
    st.dates(), st.times(), st.datetimes())
keys = st.one_of(st.sampled_from(KEYS), st.text(min_size=1, max_size=8))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)), max_leaves=20)


def toml(value: Any) -> str:
    """A TOML rendering using inline tables only (enough for any JSON-like document)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    return "{" + ", ".join(f"{toml(str(k))} = {toml(v)}" for k, v in value.items()) + "}"


def document(raw: dict[str, Any]) -> str:
    return "".join(f"{toml(str(k))} = {toml(v)}\n" for k, v in raw.items())


def loads_or_refuses(text: str) -> None:
    try:
        load_protocol(text)
    except InputError as error:
        assert error.problems
        assert all(isinstance(p.what, str) and p.what for p in error.problems)


@SETTINGS
@given(st.text(max_size=300))
def test_random_text(text: str) -> None:
    loads_or_refuses(text)


@SETTINGS
@given(st.dictionaries(keys, values, max_size=6))
def test_random_toml_documents(raw: dict[str, Any]) -> None:
    text = document(raw)
    tomllib.loads(text)  # the rendering is valid TOML, so the checks themselves are exercised
    loads_or_refuses(text)
    try:
        check_protocol(raw, source="x.toml")
    except InputError:
        pass


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for k, v in value.items():
            found += paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found += paths(v, (*prefix, i))
    return found


@SETTINGS
@given(st.data())
def test_one_change_to_a_valid_protocol(data: st.DataObject) -> None:
    raw = copy.deepcopy(data.draw(st.sampled_from(EXAMPLES)))
    path = data.draw(st.sampled_from(paths(raw)))
    parent = raw
    for step in path[:-1]:
        parent = parent[step]
    if data.draw(st.booleans()):
        del parent[path[-1]]
    else:
        parent[path[-1]] = data.draw(values)
    try:
        check_protocol(raw, source="x.toml")
    except InputError:
        pass
    loads_or_refuses(document(raw))


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(EXAMPLES))
def test_rendering_keeps_examples_valid(raw: dict[str, Any]) -> None:
    assert load_protocol(document(raw)).raw == raw


def test_check_protocol_refuses_a_document_that_is_not_a_table() -> None:
    for raw in ([], "x", 3, None):
        try:
            check_protocol(raw, source="x.toml")
        except InputError as error:
            assert error.problems[0].field is None or error.problems[0].field
        else:
            raise AssertionError("a non-table document must be refused")
