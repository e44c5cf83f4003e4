"""Which months each data source covers: a month without records is missing, not zero."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from trial.outcomes.windows import WindowSpec, as_window


class MissingMonth(NamedTuple):
    """A month a window uses for which a source holds no records."""

    source: str
    month: str


def coverage(frame: pd.DataFrame) -> dict[str, frozenset[str]]:
    """Per source (police.uk "Falls within", or the record map's name), the months with data.

    Excluded records (cancelled, transferred) still show that the source delivered the month.
    """
    if len(frame) == 0:
        return {}
    pairs = frame[["falls_within", "month"]].astype(object).dropna().drop_duplicates()
    return {str(source): frozenset(str(m) for m in group["month"])
            for source, group in pairs.groupby("falls_within", sort=True)}


def window_months(window: WindowSpec, name: str = "window") -> list[str]:
    """Every month ("YYYY-MM") a window touches, in order, partly held months included."""
    start, end = as_window(name, window)
    first = np.datetime64(start, "M")
    last = np.datetime64(end, "M")
    return [str(m) for m in np.arange(first, last + 1)]


def missing_months(coverage: dict[str, frozenset[str]], window: WindowSpec) -> list[MissingMonth]:
    """The (source, month) pairs of a window for which a source has no records.

    Args:
        coverage: from ``coverage``.
        window: (start, end) dates or a ``{start, end}`` table.

    Returns:
        Missing months by source then month; a count of 0 there means "no data", not "no
        crime".
    """
    months = window_months(window)
    return [MissingMonth(source, m) for source in sorted(coverage) for m in months
            if m not in coverage[source]]
