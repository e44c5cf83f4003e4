"""An import's ad delivery rows checked against the trial's rules all at once.

:func:`check_delivery_batch` finds exactly what :func:`trial.fieldwork.ads.check_ads` finds for
the same rows: the rules and flags are array operations over every row, and rows where a rule
may fail are checked one by one by :func:`trial.fieldwork.ads.check_ad` itself, so every
problem reads as it always has.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import tzinfo

import numpy as np

from trial.errors import Problem
from trial.fieldwork.ads import MESSAGES, PLATFORMS, THEMES, AdDelivery, check_ad
from trial.fieldwork.batch_flags import compliance, micros, outside_window
from trial.fieldwork.dosage import ADS
from trial.fieldwork.flags import CONTAMINATION, OUTSIDE_HOURS, OUTSIDE_WINDOW
from trial.fieldwork.times import Hours, Window

_FLAG_SETS = tuple(tuple(f for bit, f in ((1, CONTAMINATION), (2, OUTSIDE_WINDOW),
                                         (4, OUTSIDE_HOURS)) if code & bit)
                   for code in range(8))


@dataclass(frozen=True)
class CheckedDeliveries:
    """Every problem (then no row is stored), else every row's flags and hours compliance."""

    problems: tuple[Problem, ...]
    flags: tuple[tuple[str, ...], ...]
    hours_compliance: tuple[str, ...]
    start_us: np.ndarray
    end_us: np.ndarray


def _mask(values: Sequence[bool]) -> np.ndarray:
    return np.fromiter(values, dtype=bool, count=len(values))


def check_delivery_batch(rows: Sequence[AdDelivery], *, lines: Sequence[int],
                         source: str | None, arms_by_spot: Mapping[str, Collection[str]],
                         contaminated_targets: Collection[tuple[str, str, str]] = (),
                         treatment_window: Window | None, hours: Hours | None,
                         tz: tzinfo) -> CheckedDeliveries:
    """Check an import's rows atomically, as :func:`trial.fieldwork.ads.check_ads`.

    Returns:
        Every problem, or no problem and each row's flags and hours compliance (with the rows'
        times in UTC microseconds, for storing).
    """
    start_us = micros([d.start for d in rows])
    end_us = micros([d.end for d in rows])
    negative = [d.impressions < 0 or d.clicks < 0 or d.spend_gbp < 0
                or (d.reach is not None and d.reach < 0)
                or (d.video_views is not None and d.video_views < 0) for d in rows]
    suspect = (~_mask([d.spot_id in arms_by_spot for d in rows])
               | ~_mask([d.platform in PLATFORMS for d in rows])
               | _mask([d.theme is not None and d.theme not in THEMES for d in rows])
               | _mask([d.message is not None and d.message not in MESSAGES for d in rows])
               | _mask(negative)
               | _mask([d.clicks > d.impressions for d in rows])
               | _mask([d.reach is not None and d.reach > d.impressions for d in rows])
               | (end_us <= start_us))
    problems: list[Problem] = []
    for i in np.flatnonzero(suspect).tolist():
        d = rows[i]
        delivers = arms_by_spot.get(d.spot_id)
        # Flags are not needed here: with any problem no row is kept, and rows without one
        # take the batch's flags.
        problems.extend(check_ad(d, spot_known=delivers is not None,
                                 arm_delivers=delivers or (), treatment_window=None,
                                 hours=None, tz=tz, source=source, line=lines[i]).problems)
    if problems:
        return CheckedDeliveries(tuple(problems), (), (), start_us, end_us)
    kept = compliance(start_us, end_us, hours, tz)
    bad_targets = {(p, g) for p, _a, g in contaminated_targets}
    contaminated = _mask([ADS not in arms_by_spot.get(d.spot_id, ())
                          or (d.platform, d.ad_group) in bad_targets for d in rows])
    code = contaminated.astype(np.int64)
    code |= 2 * outside_window(start_us, end_us, treatment_window, tz)
    code |= 4 * (kept == "no")
    return CheckedDeliveries((), tuple(_FLAG_SETS[c] for c in code.tolist()),
                             tuple(kept.tolist()), start_us, end_us)
