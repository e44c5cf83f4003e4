"""Build the outcome model's design matrix from a spot-level frame, with named terms."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from trial.errors import InputError, Problem

NO_SET = "none"
"""Level of the matched-set effect for spots left over by matching (no set)."""


def design_matrix(
    frame: pd.DataFrame,
    *,
    arm_col: str = "arm",
    arms: Sequence[str],
    baseline_col: str | None = None,
    strata_col: str | None = None,
    set_col: str | None = None,
    factors: Mapping[str, Mapping[str, int]] | None = None,
    interaction: bool = False,
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Design matrix of the registered model, one row per spot in the frame's order.

    Args:
        frame: one row per spot.
        arm_col: column holding each spot's arm name.
        arms: arm names, the reference (control, else first) arm first.
        baseline_col: column of the baseline count (None: no baseline term).
        strata_col: column of stratum labels (None: no stratum effects).
        set_col: column of matched-set numbers, missing for spots without a set (None: none).
        factors: factorial trials: arm -> {factor name: 0 or 1}, the same factors for every
            arm; the factor indicators replace the arm indicators.
        interaction: with `factors`, add the product of the (first two, in the order of the
            first arm's mapping) factors.

    Returns:
        (X, terms). Terms, in this order: "(intercept)"; "arm[<arm>]" for every arm but the
        reference, or "factor[<name>]" (and "factor[<a>:<b>]" with `interaction`);
        "log1p_baseline" = log(1 + baseline); "stratum[<label>]" for every stratum but the
        first in code-point order; "set[<n>]" for every set but the lowest number, then
        "set[none]" when some spots have no set (the leftovers form one level of their own).

    Raises:
        InputError: missing columns, unknown arms, missing or negative baselines, missing
            strata, both strata and sets (sets nest in strata), bad factor codings.
    """
    problems: list[Problem] = []
    needed = [c for c in (arm_col, baseline_col, strata_col, set_col) if c is not None]
    for col in needed:
        if col not in frame.columns:
            problems.append(
                Problem(f"no column {col!r}; columns: {list(frame.columns)}", field=col)
            )
    if strata_col is not None and set_col is not None:
        problems.append(
            Problem("give strata or matched sets, not both: sets already sit inside strata")
        )
    if len(set(arms)) != len(arms) or len(arms) < 2:
        problems.append(Problem(f"arms must be at least two distinct names, got {list(arms)}"))
    if problems:
        raise InputError(problems)
    arm_values = frame[arm_col].astype(str).to_numpy()
    unknown = sorted(set(arm_values) - set(arms))
    if unknown:
        problems.append(Problem(f"unknown arms {unknown}; valid: {list(arms)}", field=arm_col))
    columns: list[np.ndarray] = [np.ones(len(frame))]
    terms: list[str] = ["(intercept)"]
    if factors is None:
        for arm in arms[1:]:
            columns.append((arm_values == arm).astype(float))
            terms.append(f"arm[{arm}]")
    else:
        cols, names = _factor_columns(arm_values, arms, factors, interaction, problems)
        columns += cols
        terms += names
    if baseline_col is not None:
        base = pd.to_numeric(frame[baseline_col], errors="coerce").to_numpy(dtype=float)
        if np.any(~np.isfinite(base)) or np.any(base < 0):
            problems.append(Problem("baselines must be numbers >= 0", field=baseline_col))
        else:
            columns.append(np.log1p(base))
            terms.append("log1p_baseline")
    if strata_col is not None:
        labels = frame[strata_col]
        if labels.isna().any():
            problems.append(Problem("every spot needs a stratum", field=strata_col))
        else:
            values = labels.astype(str).to_numpy()
            for level in sorted(set(values))[1:]:
                columns.append((values == level).astype(float))
                terms.append(f"stratum[{level}]")
    if set_col is not None:
        raw = frame[set_col]
        numbers = pd.to_numeric(raw, errors="coerce")
        if (numbers.isna() & raw.notna()).any() or (numbers.dropna() % 1 != 0).any():
            problems.append(Problem("set numbers must be whole numbers or empty", field=set_col))
        else:
            has_set = numbers.notna().to_numpy()
            set_numbers = numbers.fillna(-1).astype(int).to_numpy()
            for level in sorted(set(set_numbers[has_set].tolist()))[1:]:
                columns.append((set_numbers == level).astype(float))
                terms.append(f"set[{level}]")
            if not has_set.all() and has_set.any():
                columns.append((~has_set).astype(float))
                terms.append(f"set[{NO_SET}]")
    if problems:
        raise InputError(problems)
    return np.column_stack(columns), tuple(terms)


def _factor_columns(
    arm_values: np.ndarray,
    arms: Sequence[str],
    factors: Mapping[str, Mapping[str, int]],
    interaction: bool,
    problems: list[Problem],
) -> tuple[list[np.ndarray], list[str]]:
    missing = [a for a in arms if a not in factors]
    if missing:
        problems.append(Problem(f"arms {missing} have no factor levels", field="factors"))
        return [], []
    names = list(factors[arms[0]])
    for arm in arms:
        levels = factors[arm]
        if list(levels) != names or any(v not in (0, 1) for v in levels.values()):
            problems.append(
                Problem(f"arm {arm!r}: factors must be {names}, each 0 or 1", field="factors")
            )
    if problems:
        return [], []
    cols: list[np.ndarray] = []
    terms: list[str] = []
    for name in names:
        code = {arm: float(factors[arm][name]) for arm in arms}
        cols.append(np.array([code[a] for a in arm_values]))
        terms.append(f"factor[{name}]")
    if interaction:
        if len(names) < 2:
            problems.append(Problem("an interaction needs two factors", field="interaction"))
        else:
            cols.append(cols[0] * cols[1])
            terms.append(f"factor[{names[0]}:{names[1]}]")
    return cols, terms
