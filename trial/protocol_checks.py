"""Validation of a parsed protocol: every problem PROTOCOL.md lists, all reported at once."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from functools import cache, reduce
from types import MappingProxyType
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from trial.errors import ProblemCollector
from trial.protocol_fields import FieldReader, join, kind
from trial.protocol_model import (
    CRITERIA,
    DELIVERIES,
    INFERENCE,
    METHODS,
    MODELS,
    MULTIPLICITY,
    NONCONVERGENCE,
    Analysis,
    Arm,
    Design,
    TrialInfo,
)
from trial.protocol_outcomes import check_hypotheses, check_outcomes, check_subgroups
from trial.protocol_sections import check_sections

TOP_KEYS = ("trial", "arm", "design", "windows", "catchment", "dosage", "fidelity", "costs",
            "privacy", "outcome", "hypothesis", "subgroup", "analysis")
TRIAL_KEYS = ("name", "title", "timezone", "registration", "ethics_reference")
ARM_KEYS = ("name", "label", "description", "ratio", "delivers", "control", "factors")
DESIGN_KEYS = ("method", "strata", "match_on", "balance_on", "criterion", "max_abs_smd",
               "acceptance", "max_draws", "min_separation_m", "seed")
ANALYSIS_KEYS = ("model", "adjust_baseline", "design_effects", "interaction", "alpha",
                 "multiplicity", "randomisation_inference", "ri_seed", "inference",
                 "nonconvergence", "per_protocol", "blinded")
TRIAL_NAME = r"[a-z0-9-]+"

T = TypeVar("T")


def check_protocol(raw: Any, *, source: str,
                   locate: Callable[[str], int | None] | None = None) -> dict[str, Any]:
    """Validate a parsed protocol and return its sections as keyword arguments of ``Protocol``.

    Args:
        raw: the parsed TOML document.
        source: the file name that problems name.
        locate: maps a key path to its line in the file, when known.

    Returns:
        The sections (trial, arms, design, windows, ...), every default filled in.

    Raises:
        InputError: with every problem found, each naming its TOML key path.
    """
    problems = ProblemCollector(source)
    read = FieldReader(problems, locate)
    doc = read.table(raw, "", TOP_KEYS) or {}
    trial = _trial(read, doc)
    arms = _arms(read, doc)
    design = _design(read, doc)
    analysis = _analysis(read, doc, factorial=bool(arms and arms[0].factors))
    outcomes = check_outcomes(read, doc, analysis.model)
    sections = check_sections(read, doc, arms)
    windows = sections.get("windows")
    defined = {w.name for w in windows.defined} if windows else None
    # Names are checked against only when every arm (outcome) was read with its name.
    arm_names = _names(doc, "arm", [a.name for a in arms])
    outcome_names = _names(doc, "outcome", [o.name for o in outcomes])
    hypotheses = check_hypotheses(read, doc, arms, outcomes, defined, arm_names, outcome_names)
    subgroups = check_subgroups(read, doc)
    # An editor's order reads best; problems without a line (whole sections) come last.
    problems.problems.sort(key=lambda p: (p.line is None, p.line or 0))
    problems.raise_if_any()
    assert trial is not None and design is not None  # no problems means both were read
    return {"trial": trial, "arms": arms, "design": design, "outcomes": outcomes,
            "hypotheses": hypotheses, "subgroups": subgroups, "analysis": analysis, **sections}


def _names(doc: dict[str, Any], key: str, names: list[str]) -> list[str] | None:
    entries = doc.get(key)
    if not isinstance(entries, list) or len(entries) != len(names) or not all(names):
        return None
    return list(dict.fromkeys(names))


def _trial(read: FieldReader, doc: dict[str, Any]) -> TrialInfo | None:
    if "trial" not in doc:
        read.add("trial.name", "required (the [trial] table is missing)")
        return None
    t = read.table(doc["trial"], "trial", TRIAL_KEYS)
    if t is None:
        return None
    name = read.text(t, "trial", "name", required=True, pattern=TRIAL_NAME,
                     pattern_says="must use only a-z, 0-9 and -")
    timezone = read.text(t, "trial", "timezone")
    if timezone is not None and not _known_timezone(timezone):
        read.add("trial.timezone", f"unknown IANA timezone {json.dumps(timezone)} "
                                   '(for example "Europe/London")')
        timezone = None
    if name is None:
        return None
    return TrialInfo(name=name, title=read.text(t, "trial", "title"),
                     timezone=timezone or "Europe/London",
                     registration=read.text(t, "trial", "registration"),
                     ethics_reference=read.text(t, "trial", "ethics_reference"))


def _known_timezone(name: str) -> bool:
    if name not in _iana_names():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


@cache
def _iana_names() -> frozenset[str]:
    # The machine's own "localtime" (and tzdata's placeholders) would make a trial's clock depend
    # on where it is run, so only names of real zones count.
    return frozenset(available_timezones() - {"localtime", "posixrules", "Factory"})


def _arms(read: FieldReader, doc: dict[str, Any]) -> tuple[Arm, ...]:
    found = read.tables(doc, "arm")
    if len(found) < 2 and ("arm" not in doc or isinstance(doc["arm"], list)):
        read.add("arm", f"two or more [[arm]] tables are required (found {len(found)})")
    arms: list[Arm] = []
    first_seen: dict[str, str] = {}
    control_path: str | None = None
    factor_paths: list[tuple[str, dict[str, int] | None]] = []
    for path, raw in found:
        t = read.table(raw, path, ARM_KEYS)
        if t is None:
            continue
        name = read.text(t, path, "name", required=True)
        if name is not None and name in first_seen:
            read.add(join(path, "name"), f"duplicate arm name {json.dumps(name)} "
                                         f"(also {first_seen[name]})")
        elif name is not None:
            first_seen[name] = path
        ratio = read.integer(t, path, "ratio", minimum=1, says="a positive integer")
        control = read.boolean(t, path, "control") or False
        if control and control_path is not None:
            read.add(join(path, "control"), f"only one arm may be the control; {control_path} "
                                            "already is")
        elif control:
            control_path = path
        factors = _factors(read, t, path)
        factor_paths.append((path, factors))
        arms.append(Arm(name=name or "", ratio=ratio or 1,
                        delivers=read.text_list(t, path, "delivers", choices=DELIVERIES) or (),
                        control=control, label=read.text(t, path, "label"),
                        description=read.text(t, path, "description"),
                        factors=MappingProxyType(factors) if factors is not None else None))
    _check_factorial(read, factor_paths)
    divisor = reduce(math.gcd, (a.ratio for a in arms), 0) or 1
    return tuple(Arm(**{**a.__dict__, "ratio": a.ratio // divisor}) for a in arms)


def _factors(read: FieldReader, arm: dict[str, Any], path: str) -> dict[str, int] | None:
    if "factors" not in arm:
        return None
    where = join(path, "factors")
    t = arm["factors"]
    if not isinstance(t, dict):
        read.add(where, "must be a table of factor levels such as "
                        f"{{ digital = 1, physical = 0 }}, not {kind(t)}")
        return {}
    if not t:
        read.add(where, "must name at least one factor, e.g. { digital = 1, physical = 0 }")
    levels: dict[str, int] = {}
    for key, value in t.items():
        if isinstance(value, bool) or value not in (0, 1) or not isinstance(value, int):
            read.add(join(where, key), f"must be 0 or 1, not {value!r}")
        else:
            levels[key] = value
    return {k: levels.get(k, -1) for k in t}


def _check_factorial(read: FieldReader, arms: list[tuple[str, dict[str, int] | None]]) -> None:
    declared = [(p, f) for p, f in arms if f is not None]
    # An empty or malformed factors table has been reported; it cannot serve as the reference.
    if not declared or not declared[0][1]:
        return
    first_path, first = declared[0]
    names = list(first)
    for path, factors in arms:
        where = join(path, "factors")
        if factors is None:
            read.add(where, f"required: every arm declares factors when any does "
                            f"({first_path} declares {', '.join(names)})")
        elif set(factors) != set(first):
            read.add(where, f"must declare the same factors as {first_path} "
                            f"({', '.join(names)}), not {', '.join(factors) or 'none'}")
    if any(f is None or set(f) != set(first) for _, f in arms):
        return
    seen: dict[tuple[int, ...], str] = {}
    for path, factors in declared:
        levels = tuple(factors[n] for n in names)
        if -1 in levels:
            continue
        if levels in seen:
            read.add(join(path, "factors"), f"the same levels as {seen[levels]}: each arm needs "
                                            "its own combination of factor levels")
        seen.setdefault(levels, path)
    for i, n in enumerate(names):
        used = {levels[i] for levels in seen}
        if len(seen) == len(declared) and used != {0, 1}:
            read.add(join(first_path, "factors"), f'factor "{n}" needs arms at level 0 and at '
                                                  "level 1 to have an effect")


def _design(read: FieldReader, doc: dict[str, Any]) -> Design | None:
    if "design" not in doc:
        read.add("design.method", "required (the [design] table is missing)")
        return None
    t = read.table(doc["design"], "design", DESIGN_KEYS)
    if t is None:
        return None
    p = "design"
    method = read.text(t, p, "method", required=True, choices=METHODS)
    strata = read.text_list(t, p, "strata")
    if method == "stratified" and strata is not None and not strata:
        read.add("design.strata", "stratified needs at least one spot attribute to stratify on")
    elif method == "stratified" and "strata" not in t:
        read.add("design.strata", "required for stratified: the spot attributes whose "
                                  "combinations form strata")
    if method == "matched" and "match_on" not in t:
        read.add("design.match_on", 'required for method = "matched": the numeric spot '
                                    "attribute matched sets are formed on")
    if method == "rerandomise" and "balance_on" not in t:
        read.add("design.balance_on", 'required for method = "rerandomise": the numeric spot '
                                      "attributes to balance on")
    match_on = read.text(t, p, "match_on")
    balance_on = read.text_list(t, p, "balance_on", non_empty=method == "rerandomise",
                                empty_says="rerandomise needs at least one numeric spot "
                                           "attribute to balance on")
    max_draws = read.integer(t, p, "max_draws", minimum=1, says="a positive integer")
    seed = read.integer(t, p, "seed", minimum=0, says="a non-negative integer")
    if method is None:
        return None
    return Design(method=method, strata=strata or (), match_on=match_on,
                  balance_on=balance_on or (),
                  criterion=read.text(t, p, "criterion", choices=CRITERIA) or "max_abs_smd",
                  max_abs_smd=_or(read.number(t, p, "max_abs_smd", gt=0), 0.1),
                  acceptance=_or(read.number(t, p, "acceptance", gt=0, le=1), 0.1),
                  max_draws=max_draws or 100000,
                  min_separation_m=_or(read.number(t, p, "min_separation_m", ge=0), 0.0),
                  seed=seed)


def _analysis(read: FieldReader, doc: dict[str, Any], *, factorial: bool) -> Analysis:
    t = read.optional_table(doc, "", "analysis", ANALYSIS_KEYS)
    if t is None:
        return Analysis()
    p = "analysis"
    ri = read.integer(t, p, "randomisation_inference", minimum=0,
                      says="a non-negative integer (0 turns it off)")
    inference = read.text(t, p, "inference", choices=INFERENCE)
    if inference == "randomisation" and not ri and "randomisation_inference" not in t:
        read.add("analysis.randomisation_inference",
                 'required when inference = "randomisation": the number of re-randomisations')
    elif inference == "randomisation" and ri == 0:
        read.add("analysis.randomisation_inference",
                 'must be > 0 when inference = "randomisation"')
    interaction = read.boolean(t, p, "interaction")
    if interaction and not factorial:
        read.add("analysis.interaction", "applies only to factorial trials (arms with factors)")
    d = Analysis()
    return Analysis(
        model=read.text(t, p, "model", choices=MODELS) or d.model,
        adjust_baseline=_or(read.boolean(t, p, "adjust_baseline"), d.adjust_baseline),
        design_effects=_or(read.boolean(t, p, "design_effects"), d.design_effects),
        interaction=bool(interaction),
        alpha=_or(read.number(t, p, "alpha", gt=0, lt=1), d.alpha),
        multiplicity=read.text(t, p, "multiplicity", choices=MULTIPLICITY) or d.multiplicity,
        randomisation_inference=ri or 0,
        ri_seed=read.integer(t, p, "ri_seed", minimum=0, says="a non-negative integer"),
        inference=inference or d.inference,
        nonconvergence=read.text(t, p, "nonconvergence", choices=NONCONVERGENCE)
        or d.nonconvergence,
        per_protocol=_or(read.boolean(t, p, "per_protocol"), d.per_protocol),
        blinded=_or(read.boolean(t, p, "blinded"), d.blinded))



def _or(value: T | None, default: T) -> T:
    return default if value is None else value
