"""Validation of a protocol's outcomes, hypotheses and subgroups."""

from __future__ import annotations

import json
from typing import Any, Literal

from trial.protocol_fields import FieldReader, join, quoted
from trial.protocol_model import (
    ALTERNATIVES,
    BETTER,
    DEFAULT_HARM_WEIGHTS,
    MEASURES,
    MODELS,
    OUTCOME_WINDOWS,
    SOURCES,
    TESTS,
    Arm,
    Hypothesis,
    Outcome,
    Subgroup,
)

OUTCOME_KEYS = ("name", "primary", "crime_types", "exclude", "source", "measure", "better",
                "harm_weights", "model")
HYPOTHESIS_KEYS = ("id", "outcome", "compare", "factor", "test", "alternative", "margin",
                   "confirmatory", "window")
SUBGROUP_KEYS = ("name", "attribute")


def check_outcomes(read: FieldReader, doc: dict[str, Any], model: str) -> tuple[Outcome, ...]:
    """Read every ``[[outcome]]``; ``model`` (analysis.model) is the default for counts."""
    found = read.tables(doc, "outcome")
    if not found and "outcome" not in doc:
        read.add("outcome", "at least one [[outcome]] is required "
                            "(exactly one with primary = true)")
    outcomes: list[Outcome] = []
    first_seen: dict[str, str] = {}
    primary_path: str | None = None
    for path, raw in found:
        t = read.table(raw, path, OUTCOME_KEYS)
        if t is None:
            continue
        name = read.text(t, path, "name", required=True)
        if name is not None and name in first_seen:
            read.add(join(path, "name"), f"duplicate outcome name {json.dumps(name)} "
                                         f"(also {first_seen[name]})")
        elif name is not None:
            first_seen[name] = path
        primary = bool(read.boolean(t, path, "primary"))
        if primary and primary_path is not None:
            read.add(join(path, "primary"), f"only one outcome may be primary; {primary_path} "
                                            "already is")
        elif primary:
            primary_path = path
        measure = read.text(t, path, "measure", choices=MEASURES) or "count"
        fallback = model if measure == "count" else "poisson-robust"
        outcomes.append(Outcome(
            name=name or "", crime_types=_crime_types(read, t, path), primary=primary,
            exclude=read.text_list(t, path, "exclude") or (),
            source=read.text(t, path, "source", choices=SOURCES) or "all",
            measure=measure, better=read.text(t, path, "better", choices=BETTER) or "lower",
            harm_weights=read.text(t, path, "harm_weights") or DEFAULT_HARM_WEIGHTS,
            model=read.text(t, path, "model", choices=MODELS) or fallback))
    if found and primary_path is None:
        read.add("outcome", "exactly one outcome must have primary = true (none does)")
    return tuple(outcomes)


def _crime_types(read: FieldReader, t: dict[str, Any],
                 path: str) -> Literal["all"] | tuple[str, ...]:
    value = t.get("crime_types")
    if isinstance(value, str) and value != "all":
        read.add(join(path, "crime_types"), f'must be "all" or a list of crime types, not '
                                            f"{json.dumps(value)} (write [{json.dumps(value)}])")
        return ()
    if value == "all":
        return "all"
    return read.text_list(t, path, "crime_types", required=True, non_empty=True,
                          empty_says='must list at least one crime type, or be "all"') or ()


def check_hypotheses(read: FieldReader, doc: dict[str, Any], arms: tuple[Arm, ...],
                outcomes: tuple[Outcome, ...], windows: set[str] | None,
                arm_names: list[str] | None,
                outcome_names: list[str] | None) -> tuple[Hypothesis, ...]:
    """Read every ``[[hypothesis]]``; name lists are None when they could not all be read."""
    found = read.tables(doc, "hypothesis")
    if not found and "hypothesis" not in doc:
        read.add("hypothesis", "at least one [[hypothesis]] is required")
    factors = list(arms[0].factors or {}) if arms else []
    by_name = {o.name: o for o in outcomes if o.name}
    hypotheses: list[Hypothesis] = []
    first_seen: dict[str, str] = {}
    for path, raw in found:
        t = read.table(raw, path, HYPOTHESIS_KEYS)
        if t is None:
            continue
        hid = read.text(t, path, "id", required=True)
        if hid is not None and hid in first_seen:
            read.add(join(path, "id"), f"duplicate hypothesis id {json.dumps(hid)} "
                                       f"(also {first_seen[hid]})")
        elif hid is not None:
            first_seen[hid] = path
        outcome = read.text(t, path, "outcome", required=True)
        if outcome is not None and outcome_names is not None and outcome not in outcome_names:
            read.add(join(path, "outcome"), f"unknown outcome {json.dumps(outcome)} "
                                            f"(outcomes: {quoted(outcome_names)})")
        compare, factor = _contrast(read, t, path, arm_names, factors)
        test = read.text(t, path, "test", choices=TESTS) or "superiority"
        alternative = read.text(t, path, "alternative", choices=ALTERNATIVES)
        margin = read.number(t, path, "margin", gt=0)
        better = by_name[outcome].better if outcome in by_name else None
        if test == "non-inferiority":
            if "alternative" in t:
                read.add(join(path, "alternative"), "non-inferiority is one-sided by definition "
                                                    "and takes no alternative")
            if "margin" not in t:
                read.add(join(path, "margin"), "required for non-inferiority: the ratio the "
                                               "effect must be credibly beyond")
            elif margin is not None and better == "lower" and not margin > 1:
                read.add(join(path, "margin"), f"must be > 1 when outcome "
                                               f'"{outcome}" is better lower, not {margin!r}')
            elif margin is not None and better == "higher" and not margin < 1:
                read.add(join(path, "margin"), f"must be < 1 when outcome "
                                               f'"{outcome}" is better higher, not {margin!r}')
            alternative = "less" if better != "higher" else "greater"
        elif "margin" in t:
            read.add(join(path, "margin"), 'applies only to test = "non-inferiority"')
        window = read.text(t, path, "window") or "treatment"
        _check_window(read, join(path, "window"), window, windows)
        hypotheses.append(Hypothesis(
            id=hid or "", outcome=outcome or "", compare=compare, factor=factor, test=test,
            alternative=alternative or "two-sided", margin=margin,
            confirmatory=bool(read.boolean(t, path, "confirmatory")), window=window))
    if found and not any(h.confirmatory for h in hypotheses):
        read.add("hypothesis", "at least one hypothesis must have confirmatory = true")
    return tuple(hypotheses)


def _contrast(read: FieldReader, t: dict[str, Any], path: str, arm_names: list[str] | None,
              factors: list[str]) -> tuple[tuple[str, str] | None, str | None]:
    if "compare" in t and "factor" in t:
        read.add(path, "give exactly one of compare or factor, not both")
        return None, None
    if "compare" not in t and "factor" not in t:
        read.add(path, "needs exactly one of compare = [arm, arm] or factor = name; neither given")
        return None, None
    if "factor" in t:
        factor = read.text(t, path, "factor")
        if factor is not None and not factors:
            read.add(join(path, "factor"), "no arm declares factors: factor hypotheses need "
                                           "a factorial trial (arm.factors)")
        elif factor is not None and factor not in factors:
            read.add(join(path, "factor"), f"unknown factor {json.dumps(factor)} "
                                           f"(factors: {quoted(factors)})")
        return None, factor
    where = join(path, "compare")
    value = t["compare"]
    if (not isinstance(value, list) or len(value) != 2
            or not all(isinstance(v, str) for v in value)):
        read.add(where, "must be two arm names, [a, b]: the effect of a relative to b")
        return None, None
    ok = True
    for name in value:
        if arm_names is not None and name not in arm_names:
            read.add(where, f"unknown arm {json.dumps(name)} (arms: {quoted(arm_names)})")
            ok = False
    if value[0] == value[1]:
        read.add(where, f"must name two different arms, not {json.dumps(value[0])} twice")
        ok = False
    return ((value[0], value[1]) if ok else None), None


def _check_window(read: FieldReader, where: str, window: str, defined: set[str] | None) -> None:
    if window == "run_in":
        read.add(where, "run_in is excluded from every outcome; name treatment or follow_up")
    elif window == "baseline":
        read.add(where, "baseline is the covariate window; name treatment or follow_up")
    elif window not in OUTCOME_WINDOWS:
        read.add(where, f"unknown window {json.dumps(window)} (valid: treatment, follow_up)")
    elif defined is not None and window not in defined:
        read.add(where, f'window "{window}" is not defined in [windows]')


def check_subgroups(read: FieldReader, doc: dict[str, Any]) -> tuple[Subgroup, ...]:
    """Read every ``[[subgroup]]``."""
    subgroups: list[Subgroup] = []
    first_seen: dict[str, str] = {}
    for path, raw in read.tables(doc, "subgroup"):
        t = read.table(raw, path, SUBGROUP_KEYS)
        if t is None:
            continue
        name = read.text(t, path, "name", required=True)
        attribute = read.text(t, path, "attribute", required=True)
        if name is not None and name in first_seen:
            read.add(join(path, "name"), f"duplicate subgroup name {json.dumps(name)} "
                                         f"(also {first_seen[name]})")
        elif name is not None:
            first_seen[name] = path
        subgroups.append(Subgroup(name=name or "", attribute=attribute or ""))
    return tuple(subgroups)
