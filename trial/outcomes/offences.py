"""Home Office offence codes kept as text, and the spreadsheet damage that can befall them."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec"
_MANGLED: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"^\d{{1,2}}[-/ ]({_MONTHS})[a-z]*([-/ ]\d{{2,4}})?$", re.I),
     "looks like a date a spreadsheet made of a code (e.g. 8N or 3A read as a date)"),
    (re.compile(rf"^({_MONTHS})[a-z]*[-/ ]\d{{1,4}}$", re.I),
     "looks like a date a spreadsheet made of a code"),
    (re.compile(r"^\d{4}-\d{2}-\d{2}([ T].*)?$"), "is a date, not an offence code"),
    (re.compile(r"^\d{1,2}/\d{1,2}/\d{2,4}$"), "is a date, not an offence code"),
    (re.compile(r"^[+-]?\d+(\.\d+)?E[+-]\d+$", re.I),
     "is in scientific notation: a spreadsheet turned a code such as 105E2 into a number"),
    (re.compile(r"^\d+\.\d*0$"), "has decimals: a spreadsheet stored the code as a number"),
)


def mangled_reason(code: str) -> str | None:
    """Why ``code`` looks damaged by a spreadsheet (a date, 1.05E+02, 105.0), or None."""
    text = code.strip()
    for pattern, reason in _MANGLED:
        if pattern.match(text):
            return reason
    return None


def mangled_reasons(codes: pd.Series) -> np.ndarray:
    """``mangled_reason`` for each code (object array, None where fine), once per value."""
    ids, uniques = pd.factorize(codes)
    reasons = np.array([mangled_reason(str(u)) for u in uniques] + [None], dtype=object)
    return reasons[ids]


def normalise_code(code: str) -> str:
    """The form codes are matched in: surrounding space removed, letters upper-case."""
    return code.strip().upper()
