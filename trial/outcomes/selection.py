"""Which records an outcome counts: its crime types, exclusions and reporting source."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from trial.errors import InputError, Problem
from trial.outcomes.offences import normalise_code

SOURCES = ("all", "public", "police")


def _matches(frame: pd.DataFrame, names: Sequence[str]) -> np.ndarray:
    """Records whose crime type, offence code or record type is one of ``names``."""
    wanted = {str(n) for n in names}
    codes = {normalise_code(n) for n in wanted}
    by_type = frame["crime_type"].isin(wanted).to_numpy(dtype=bool)
    by_record = frame["record_type"].isin(wanted).to_numpy(dtype=bool)
    offence = frame["offence_code"].astype(object)
    ids, uniques = pd.factorize(offence)
    hit = np.array([isinstance(u, str) and normalise_code(u) in codes for u in uniques]
                   + [False], dtype=bool)
    return np.asarray(by_type | by_record | hit[ids], dtype=bool)


def outcome_mask(frame: pd.DataFrame, *, crime_types: str | Sequence[str] = "all",
                 exclude: Sequence[str] = (), source: str = "all") -> npt.NDArray[np.bool_]:
    """The records an outcome counts.

    Args:
        frame: a record frame.
        crime_types: "all", or names matched against crime types (police.uk categories or
            an extract's offence types), offence codes and record types.
        exclude: names matched the same way, left out.
        source: "all", "public" (reported by the public) or "police" (found by police).

    Returns:
        A boolean mask; records with an ``excluded_reason`` (cancelled, transferred) are
        never counted.

    Raises:
        InputError: an unknown ``source``, or ``source`` other than "all" when records it
            would count do not say how they were reported (police.uk never does).
    """
    if source not in SOURCES:
        raise InputError(Problem(f"must be one of {', '.join(SOURCES)}; found {source!r}",
                                 field="outcome.source"))
    mask = pd.isna(frame["excluded_reason"].astype(object)).to_numpy(dtype=bool).copy()
    if isinstance(crime_types, str):
        if crime_types != "all":
            raise InputError(Problem(f"must be \"all\" or a list of names; found "
                                     f"{crime_types!r}", field="outcome.crime_types"))
    else:
        mask &= _matches(frame, crime_types)
    if exclude:
        mask &= ~_matches(frame, exclude)
    if source != "all":
        how = frame["how_reported"].astype(object)
        unknown = mask & pd.isna(how).to_numpy(dtype=bool)
        if unknown.any():
            sources = sorted({str(s) for s in frame.loc[unknown, "falls_within"].dropna()})
            raise InputError(Problem(
                f"source = {source!r} needs to know how each record was reported, but "
                f"{int(unknown.sum())} records (from {', '.join(sources) or 'unknown'}) do not "
                "say (police.uk data never does; a force extract needs columns.how_reported "
                "in its record map). Use source = \"all\"", field="outcome.source"))
        mask &= (how == source).to_numpy(dtype=bool)
    return mask
