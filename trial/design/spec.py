"""What a design is, what it allocates over, and what it returns."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import reduce
from typing import Any, Literal

import numpy as np

from trial.errors import InputError, Problem, ProblemCollector

Method = Literal["complete", "stratified", "matched", "rerandomise"]
Criterion = Literal["max_abs_smd", "mahalanobis"]
METHODS: tuple[str, ...] = ("complete", "stratified", "matched", "rerandomise")
CRITERIA: tuple[str, ...] = ("max_abs_smd", "mahalanobis")
STRATUM_SEPARATOR = " | "
MAX_RATIO_SUM = 1 << 20


@dataclass(frozen=True)
class DesignSpec:
    """A registered allocation design (the protocol's ``[design]`` and ``[[arm]]`` ratios).

    Attributes:
        arms: arm names in protocol order (two or more; factorial arms are listed as arms).
        ratios: positive integer ratios, one per arm; stored reduced by their gcd.
        method: "complete", "stratified", "matched" or "rerandomise".
        strata: spot attributes whose combinations form strata.
        match_on: numeric attribute sets are formed on (matched).
        balance_on: numeric attributes the rerandomisation rule checks.
        criterion: "max_abs_smd" or "mahalanobis".
        max_abs_smd: largest |SMD| accepted, every covariate and arm pair.
        acceptance: share of draws the Mahalanobis rule accepts (chi-square quantile).
        max_draws: draws tried before rerandomisation gives up.
    """

    arms: tuple[str, ...]
    ratios: tuple[int, ...] = ()
    method: str = "complete"
    strata: tuple[str, ...] = ()
    match_on: str | None = None
    balance_on: tuple[str, ...] = ()
    criterion: str = "max_abs_smd"
    max_abs_smd: float = 0.1
    acceptance: float = 0.1
    max_draws: int = 100_000

    def __post_init__(self) -> None:
        object.__setattr__(self, "arms", tuple(self.arms))
        ratios = tuple(self.ratios) if self.ratios else (1,) * len(self.arms)
        object.__setattr__(self, "strata", tuple(self.strata))
        object.__setattr__(self, "balance_on", tuple(self.balance_on))
        problems = ProblemCollector()
        if len(self.arms) < 2:
            problems.add("a design needs two or more arms", field="arm")
        if len(set(self.arms)) != len(self.arms):
            problems.add("arm names must be unique", field="arm.name")
        if len(ratios) != len(self.arms):
            problems.add(f"{len(ratios)} ratios for {len(self.arms)} arms", field="arm.ratio")
        elif not all(isinstance(r, int) and not isinstance(r, bool) and r > 0 for r in ratios):
            problems.add("ratios must be positive integers", field="arm.ratio")
        elif sum(ratios) // reduce(math.gcd, ratios) > MAX_RATIO_SUM:
            problems.add(f"reduced ratios must sum to at most {MAX_RATIO_SUM}", field="arm.ratio")
        else:
            g = reduce(math.gcd, ratios)
            ratios = tuple(r // g for r in ratios)
        object.__setattr__(self, "ratios", ratios)
        if self.method not in METHODS:
            problems.add(f'unknown method "{self.method}"; valid: {", ".join(METHODS)}',
                         field="design.method")
        if self.method == "complete" and self.strata:
            problems.add('a complete design has no strata: use method = "stratified" or drop them',
                         field="design.strata")
        if self.method == "stratified" and not self.strata:
            problems.add("a stratified design needs strata", field="design.strata")
        if self.method == "matched" and not self.match_on:
            problems.add("a matched design needs match_on", field="design.match_on")
        if self.method == "rerandomise":
            if not self.balance_on:
                problems.add("rerandomise needs balance_on", field="design.balance_on")
            if self.criterion not in CRITERIA:
                problems.add(f'unknown criterion "{self.criterion}"; valid: {", ".join(CRITERIA)}',
                             field="design.criterion")
            if not self.max_abs_smd > 0:
                problems.add("must be > 0", field="design.max_abs_smd")
            if not 0 < self.acceptance <= 1:
                problems.add("must be in (0, 1]", field="design.acceptance")
            if not (isinstance(self.max_draws, int) and self.max_draws >= 1):
                problems.add("must be a positive integer", field="design.max_draws")
        problems.raise_if_any()

    @property
    def total_ratio(self) -> int:
        """sum(ratios): the size of a matched set and the denominator of every p_a."""
        return sum(self.ratios)

    @property
    def probabilities(self) -> tuple[float, ...]:
        """p_a = r_a / sum(r), in arm order."""
        return tuple(r / self.total_ratio for r in self.ratios)


@dataclass(frozen=True)
class Units:
    """The eligible spots in code-point order of ``spot_id`` and their attributes.

    Attributes:
        spot_ids: spot ids, strictly increasing in ``sorted()`` order (refused otherwise).
        attributes: attribute name -> one value per spot, in ``spot_ids`` order.
    """

    spot_ids: tuple[str, ...]
    attributes: Mapping[str, Sequence[Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "spot_ids", tuple(self.spot_ids))
        problems = ProblemCollector()
        ids = self.spot_ids
        if any(a >= b for a, b in zip(ids, ids[1:], strict=False)):
            problems.add("spots must be unique and in Unicode code-point order of spot_id",
                         field="spot_id")
        for name, values in self.attributes.items():
            if len(values) != len(ids):
                problems.add(f"{len(values)} values for {len(ids)} spots", field=name)
        problems.raise_if_any()

    def __len__(self) -> int:
        return len(self.spot_ids)


@dataclass(frozen=True)
class Allocation:
    """Which arm every spot got, and the stratum and matched set it was drawn in.

    Attributes:
        spot_ids: the spots, in code-point order.
        arms: each spot's arm name.
        strata: each spot's stratum label, or None when the design has no strata.
        sets: each spot's matched-set number (1, 2, ...), or None (no set).
        draws_tried: draws tried until the rule held (1 without rerandomisation).
        algorithm: the algorithm version that drew it.
    """

    spot_ids: tuple[str, ...]
    arms: tuple[str, ...]
    strata: tuple[str | None, ...]
    sets: tuple[int | None, ...]
    draws_tried: int
    algorithm: str


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _require(units: Units, names: Sequence[str], key: str, problems: ProblemCollector) -> None:
    for name in names:
        if name not in units.attributes:
            known = ", ".join(sorted(units.attributes)) or "none"
            problems.add(f'the spots have no attribute "{name}" (they have: {known})', field=key)


def stratum_labels(spec: DesignSpec, units: Units) -> list[str] | None:
    """Each spot's stratum label (values joined by " | " in ``strata`` order), or None."""
    if not spec.strata:
        return None
    problems = ProblemCollector()
    _require(units, spec.strata, "design.strata", problems)
    problems.raise_if_any()
    columns = [units.attributes[name] for name in spec.strata]
    for name, column in zip(spec.strata, columns, strict=True):
        for spot, value in zip(units.spot_ids, column, strict=True):
            if _missing(value):
                problems.add(f"spot {spot} has no value", field=name)
    problems.raise_if_any()
    return [STRATUM_SEPARATOR.join(str(c[i]) for c in columns) for i in range(len(units))]


def numeric(units: Units, names: Sequence[str], key: str) -> np.ndarray:
    """The named attributes as an (n x k) float matrix; every missing or non-number refused."""
    problems = ProblemCollector()
    _require(units, names, key, problems)
    problems.raise_if_any()
    out = np.empty((len(units), len(names)))
    for j, name in enumerate(names):
        column = _finite_floats(units.attributes[name], len(units))
        if column is not None:
            out[:, j] = column
            continue
        for i, (spot, value) in enumerate(zip(units.spot_ids, units.attributes[name],
                                              strict=True)):
            if isinstance(value, bool) or not isinstance(value, int | float | np.number) \
                    or _missing(value) or not math.isfinite(float(value)):
                problems.add(f"spot {spot}: {value!r} is not a finite number", field=name)
            else:
                out[i, j] = float(value)
    problems.raise_if_any()
    return out


def _finite_floats(values: Sequence[Any], n: int) -> np.ndarray | None:
    """The values as floats when every one is a finite int or float; None when any is not
    (the caller then names each bad value)."""
    if not all(t is float or t is int or issubclass(t, np.integer | np.floating)
               for t in set(map(type, values))):
        return None
    try:
        column = np.fromiter(values, dtype=np.float64, count=n)
    except (OverflowError, ValueError):
        return None
    return column if bool(np.isfinite(column).all()) else None


def groups_of(labels: Sequence[str] | None, n: int) -> list[np.ndarray]:
    """Spot indices of each stratum, strata in code-point order of their labels."""
    if labels is None:
        return [np.arange(n)]
    keys = sorted(set(labels))
    position = {key: k for k, key in enumerate(keys)}
    code = np.fromiter((position[lab] for lab in labels), dtype=np.int64, count=n)
    return [np.flatnonzero(code == k) for k in range(len(keys))]


def refuse(what: str, field_name: str | None = None) -> InputError:
    return InputError(Problem(what, field=field_name))
