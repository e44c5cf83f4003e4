"""CSV text for spreadsheets and R: exact numbers, and text that cannot run as a formula."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def safe_cell(value: Any) -> str:
    """One cell: integers as integers, floats round-tripping exactly (``repr``), missing as
    empty, booleans as ``true``/``false``; text starting with = + - @ tab or CR gets a leading
    ``'`` so a spreadsheet shows it rather than running it (numbers are never changed)."""
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        x = float(value)
        return "" if not math.isfinite(x) else repr(x)
    text = str(value)
    if text.startswith(FORMULA_START) and not _looks_numeric(text):
        return "'" + text
    return text


def csv_text(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A CSV document (LF line ends, minimal quoting) of already chosen columns and rows."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow([safe_cell(c) for c in columns])
    for r in rows:
        w.writerow([safe_cell(v) for v in r])
    return out.getvalue()


def dataset_csv(dataset: pd.DataFrame) -> str:
    """The analysis dataset, one row per spot, counts as integers."""
    columns = [list(dataset[c].astype(object).where(dataset[c].notna(), None))
               for c in dataset.columns]
    return csv_text(list(dataset.columns), list(zip(*columns, strict=True)))


def flatten_hypotheses(hypotheses: Sequence[Mapping[str, Any]]
                       ) -> tuple[list[str], list[dict[str, Any]]]:
    """One flat row per hypothesis: ``compare`` as ``compare_a``/``compare_b``, nested results
    (``per_protocol``, ``cace``, ``rirr_detail``) as ``<name>_<field>``; columns in first-seen
    order across all hypotheses."""
    columns: list[str] = []
    rows: list[dict[str, Any]] = []
    for h in hypotheses:
        row: dict[str, Any] = {}
        for key, value in h.items():
            if key == "compare":
                pair = list(value) if value else [None, None]
                row["compare_a"], row["compare_b"] = pair[0], pair[1]
            elif isinstance(value, Mapping):
                for k, v in value.items():
                    row[f"{key}_{k}"] = ";".join(map(str, v)) if isinstance(v, list) else v
            elif isinstance(value, list):
                row[key] = ";".join(map(str, value))
            else:
                row[key] = value
        for k in row:
            if k not in columns:
                columns.append(k)
        rows.append(row)
    # A nested result absent for one hypothesis (None) still names the columns others have.
    nested = {k for h in hypotheses for k, v in h.items() if isinstance(v, Mapping)}
    columns = [c for c in columns if c not in nested]
    return columns, rows


def results_csv(hypotheses: Sequence[Mapping[str, Any]]) -> tuple[str, list[str]]:
    """(results.csv text, its columns)."""
    columns, rows = flatten_hypotheses(hypotheses)
    return csv_text(columns, [[r.get(c) for c in columns] for r in rows]), columns


RESULT_COLUMNS = {
    "id": "hypothesis identifier from the protocol",
    "status": "registered, amended (changed after registration) or added (exploratory)",
    "outcome": "outcome the hypothesis is about",
    "window": "window the outcome is counted in",
    "compare_a": "the arm whose effect is estimated (ratio below 1: less of the outcome in it)",
    "compare_b": "the arm it is compared with",
    "factor": "factorial trials: the factor whose main effect is estimated",
    "test": "superiority or non-inferiority",
    "alternative": "two-sided, less or greater (superiority only)",
    "margin": "non-inferiority margin (a ratio)",
    "confirmatory": "whether the hypothesis is confirmatory (enters the multiplicity rule)",
    "model": "the outcome model fitted (negative-binomial, poisson-robust or log-linear)",
    "estimate": "rate ratio exp(beta_a - beta_b)",
    "ci_low": "lower end of the two-sided 1 - alpha Wald interval of the ratio",
    "ci_high": "upper end of the two-sided 1 - alpha Wald interval of the ratio",
    "p_value": "model p-value for the registered alternative (non-inferiority: one-sided)",
    "p_adjusted": "p-value after the multiplicity rule, on the two-sided scale",
    "p_randomisation": "randomisation-inference p-value (re-draws of the registered design)",
    "decision": "the conclusion, in words",
    "rirr": "relative incidence rate ratio (Braga & Weisburd 2020), for reviews",
    "cohens_d": "Cohen's d converted from the RIRR, for comparison with reviews only",
    "cohens_d_note": "caveat on Cohen's d",
    "reason": "why a value is missing, when one is",
}
NESTED = {
    "rirr_detail": "RIRR detail",
    "per_protocol": "secondary, per-protocol analysis",
    "cace": "secondary, complier average causal effect",
}


def result_column_descriptions(columns: Sequence[str]) -> dict[str, str]:
    """What every column of results.csv means."""
    out = {}
    for c in columns:
        if c in RESULT_COLUMNS:
            out[c] = RESULT_COLUMNS[c]
            continue
        prefix = next((p for p in NESTED if c.startswith(p + "_")), None)
        out[c] = (f"{NESTED[prefix]}: {c[len(prefix) + 1:].replace('_', ' ')}" if prefix
                  else c.replace("_", " "))
    return out
