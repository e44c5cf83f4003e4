"""An import's ad delivery rows checked against the trial's rules all at once.

:func:`check_delivery_batch` finds exactly what :func:`trial.fieldwork.ads.check_ads` finds for
the same rows: the rules and flags are array operations over every row, and rows where a rule
may fail are checked one by one by :func:`trial.fieldwork.ads.check_ad` itself, so every
problem reads as it always has.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import tzinfo
from typing import Any

import numpy as np

from trial.errors import Problem
from trial.fieldwork.ads import MESSAGES, PLATFORMS, THEMES, AdDelivery, check_ad
from trial.fieldwork.batch_flags import as_datetime, compliance, micros, outside_window
from trial.fieldwork.dosage import ADS
from trial.fieldwork.flags import CONTAMINATION, OUTSIDE_HOURS, OUTSIDE_WINDOW
from trial.fieldwork.times import Hours, Window

_FLAG_SETS = tuple(tuple(f for bit, f in ((1, CONTAMINATION), (2, OUTSIDE_WINDOW),
                                         (4, OUTSIDE_HOURS)) if code & bit)
                   for code in range(8))


@dataclass(frozen=True)
class Deliveries:
    """An import's delivery rows column by column (:class:`AdDelivery`'s fields, in its order,
    with the UTC times as int64 microseconds since 1970)."""

    spot_id: list[str]
    platform: list[str]
    start_us: np.ndarray
    end_us: np.ndarray
    impressions: list[int]
    clicks: list[int]
    spend_gbp: list[float]
    reach: list[int | None]
    video_views: list[int | None]
    account: list[str]
    campaign: list[str]
    ad_group: list[str]
    creative: list[str]
    theme: list[str | None]
    message: list[str | None]
    currency: list[str]
    spend: list[float | None]

    def __len__(self) -> int:
        return len(self.spot_id)

    @classmethod
    def of(cls, rows: Sequence[AdDelivery]) -> Deliveries:
        """The columns of delivery rows (none voided)."""
        def col(name: str) -> list[Any]:
            return [getattr(d, name) for d in rows]

        return cls(**{f.name: col(f.name) for f in fields(cls)
                      if f.name not in ("start_us", "end_us")},
                   start_us=micros([d.start for d in rows]), end_us=micros([d.end for d in rows]))

    def take(self, index: Sequence[int]) -> Deliveries:
        """The rows at ``index``, in that order."""
        where = np.asarray(index, dtype=np.int64)
        columns: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            columns[f.name] = v[where] if isinstance(v, np.ndarray) else [v[i] for i in index]
        return Deliveries(**columns)

    def delivery(self, i: int) -> AdDelivery:
        """Row ``i`` as an :class:`AdDelivery` (times as aware UTC datetimes)."""
        return AdDelivery(
            self.spot_id[i], self.platform[i], as_datetime(int(self.start_us[i])),
            as_datetime(int(self.end_us[i])), self.impressions[i], self.clicks[i],
            self.spend_gbp[i], self.reach[i], self.video_views[i], self.account[i],
            self.campaign[i], self.ad_group[i], self.creative[i], self.theme[i], self.message[i],
            self.currency[i], self.spend[i])

    def rows(self) -> list[AdDelivery]:
        """Every row as an :class:`AdDelivery`."""
        return [self.delivery(i) for i in range(len(self))]


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


def check_delivery_batch(rows: Deliveries | Sequence[AdDelivery], *, lines: Sequence[int],
                         source: str | None, arms_by_spot: Mapping[str, Collection[str]],
                         contaminated_targets: Collection[tuple[str, str, str]] = (),
                         treatment_window: Window | None, hours: Hours | None,
                         tz: tzinfo) -> CheckedDeliveries:
    """Check an import's rows atomically, as :func:`trial.fieldwork.ads.check_ads`.

    Returns:
        Every problem, or no problem and each row's flags and hours compliance (with the rows'
        times in UTC microseconds, for storing).
    """
    d = rows if isinstance(rows, Deliveries) else Deliveries.of(rows)
    start_us, end_us = d.start_us, d.end_us
    negative = [i < 0 or c < 0 or g < 0 or (r is not None and r < 0)
                or (v is not None and v < 0)
                for i, c, g, r, v in zip(d.impressions, d.clicks, d.spend_gbp, d.reach,
                                         d.video_views, strict=True)]
    suspect = (~_mask([s in arms_by_spot for s in d.spot_id])
               | ~_mask([p in PLATFORMS for p in d.platform])
               | _mask([t is not None and t not in THEMES for t in d.theme])
               | _mask([m is not None and m not in MESSAGES for m in d.message])
               | _mask(negative)
               | _mask([c > i for c, i in zip(d.clicks, d.impressions, strict=True)])
               | _mask([r is not None and r > i
                        for r, i in zip(d.reach, d.impressions, strict=True)])
               | (end_us <= start_us))
    problems: list[Problem] = []
    for i in np.flatnonzero(suspect).tolist():
        row = d.delivery(i)
        delivers = arms_by_spot.get(row.spot_id)
        # Flags are not needed here: with any problem no row is kept, and rows without one
        # take the batch's flags.
        problems.extend(check_ad(row, spot_known=delivers is not None,
                                 arm_delivers=delivers or (), treatment_window=None,
                                 hours=None, tz=tz, source=source, line=lines[i]).problems)
    if problems:
        return CheckedDeliveries(tuple(problems), (), (), start_us, end_us)
    kept = compliance(start_us, end_us, hours, tz)
    bad_targets = {(p, g) for p, _a, g in contaminated_targets}
    contaminated = _mask([ADS not in arms_by_spot.get(s, ()) or (p, g) in bad_targets
                          for s, p, g in zip(d.spot_id, d.platform, d.ad_group, strict=True)])
    code = contaminated.astype(np.int64)
    code |= 2 * outside_window(start_us, end_us, treatment_window, tz)
    code |= 4 * (kept == "no")
    return CheckedDeliveries((), tuple(_FLAG_SETS[c] for c in code.tolist()),
                             tuple(kept.tolist()), start_us, end_us)
