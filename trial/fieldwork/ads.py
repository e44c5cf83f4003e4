"""Ad delivery to hot spots: one row of a platform's report, what is refused and what is flagged."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from trial.errors import Problem
from trial.fieldwork.dosage import ADS
from trial.fieldwork.flags import (
    CONTAMINATION,
    OUTSIDE_HOURS,
    HoursCompliance,
    contamination_flag,
    hours_compliance,
    window_flag,
)
from trial.fieldwork.imported import Imported, collected
from trial.fieldwork.patrol import Checked
from trial.fieldwork.times import Hours, Window

PLATFORMS = ("tiktok", "snapchat", "instagram", "facebook", "other")
THEMES = ("behaviour", "violence", "drugs", "knife-crime", "other")
MESSAGES = ("awareness", "deterrence", "speak-up", "nudge")


@dataclass(frozen=True)
class AdDelivery:
    """Delivery of one ad group to one spot over one reporting row (an hour, a day, or longer).

    ``reach`` is the platform's count of unique people for this row only: it is never summed
    across rows. ``spend_gbp`` is converted at import; ``currency`` and ``spend`` keep what the
    platform reported.
    """

    spot_id: str
    platform: str
    start: datetime
    end: datetime
    impressions: int
    clicks: int
    spend_gbp: float
    reach: int | None = None
    video_views: int | None = None
    account: str = ""
    campaign: str = ""
    ad_group: str = ""
    creative: str = ""
    theme: str | None = None
    message: str | None = None
    currency: str = "GBP"
    spend: float | None = None
    voided: bool = False

    @property
    def key(self) -> tuple[str, str, str, str, datetime]:
        """The idempotency key: (platform, account, ad group, spot, start)."""
        return (self.platform, self.account, self.ad_group, self.spot_id, self.start)

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


def check_ad(delivery: AdDelivery, *, spot_known: bool, arm_delivers: Collection[str],
             target_contaminated: bool = False, treatment_window: Window | None,
             hours: Hours | None, tz: tzinfo, source: str | None = None,
             line: int | None = None) -> Checked:
    """Check one ad delivery row against the trial's rules.

    Args:
        delivery: the row (times in UTC).
        spot_known: whether the spot exists in the trial.
        arm_delivers: what the spot's arm delivers.
        target_contaminated: whether the ad group's registered target area reaches a spot or
            catchment of an arm that does not deliver ads (:mod:`trial.fieldwork.targets`).
        treatment_window: ``[windows].treatment``, or None.
        hours: ``[dosage].ads`` days and hours, or None.
        tz: the trial's timezone.
        source, line: where the row came from, stamped on each problem.

    Returns:
        ``Checked(problems, flags)``. Problems refuse: unknown spot or platform, theme or
        message, a negative number, clicks or reach above impressions, end not after start.
        Flags: ``contamination`` (the spot's arm does not deliver ads, or the target area
        reaches one that does not), ``outside_window``, ``outside_hours`` (only when
        :func:`trial.fieldwork.flags.hours_compliance` says ``no``).
    """
    problems: list[Problem] = []

    def refuse(field: str, what: str) -> None:
        problems.append(Problem(what, source, line, field))

    d = delivery
    if not spot_known:
        refuse("spot_id", f"unknown spot {d.spot_id!r}")
    if d.platform not in PLATFORMS:
        refuse("platform", f"unknown platform {d.platform!r}: use one of {', '.join(PLATFORMS)}")
    if d.theme is not None and d.theme not in THEMES:
        refuse("theme", f"unknown theme {d.theme!r}: use one of {', '.join(THEMES)}")
    if d.message is not None and d.message not in MESSAGES:
        refuse("message", f"unknown message {d.message!r}: use one of {', '.join(MESSAGES)}")
    for name in ("impressions", "clicks", "reach", "video_views", "spend_gbp"):
        value = getattr(d, name)
        if value is not None and value < 0:
            refuse(name, f"must not be negative (got {value})")
    if d.clicks > d.impressions:
        refuse("clicks", f"{d.clicks} clicks is more than {d.impressions} impressions")
    if d.reach is not None and d.reach > d.impressions:
        refuse("reach", f"reach {d.reach} is more than {d.impressions} impressions")
    if d.end <= d.start:
        refuse("end", "must be after the start")
    if problems:
        return Checked(tuple(problems), ())
    return Checked((), ad_flags(d, arm_delivers=arm_delivers,
                                target_contaminated=target_contaminated,
                                treatment_window=treatment_window, hours=hours, tz=tz))


def ad_flags(delivery: AdDelivery, *, arm_delivers: Collection[str],
             target_contaminated: bool = False, treatment_window: Window | None,
             hours: Hours | None, tz: tzinfo) -> tuple[str, ...]:
    """The flags of an accepted delivery row (see :func:`check_ad`)."""
    flags = contamination_flag(ADS, arm_delivers)
    if target_contaminated and CONTAMINATION not in flags:
        flags.append(CONTAMINATION)
    flags += window_flag(delivery.start, delivery.end, treatment_window, tz)
    if ad_hours_compliance(delivery, hours, tz) == "no":
        flags.append(OUTSIDE_HOURS)
    return tuple(flags)


def ad_hours_compliance(delivery: AdDelivery, hours: Hours | None,
                        tz: tzinfo) -> HoursCompliance:
    """``yes``/``no`` from hourly rows; ``unknown`` for daily rows that touch the hours."""
    return hours_compliance(delivery.start, delivery.end, hours, tz)


@dataclass(frozen=True)
class AcceptedAd:
    """A checked delivery row with its flags, hours compliance and file line."""

    delivery: AdDelivery
    flags: tuple[str, ...]
    hours_compliance: HoursCompliance
    line: int | None = None


def check_ads(rows: Sequence[AdDelivery], *, lines: Sequence[int] | None = None,
              source: str | None = None, arms_by_spot: Mapping[str, Collection[str]],
              contaminated_targets: Collection[tuple[str, str, str]] = (),
              treatment_window: Window | None, hours: Hours | None,
              tz: tzinfo) -> Imported[AcceptedAd]:
    """Check an import's rows atomically: every row passes :func:`check_ad`, or none is returned.

    Args:
        rows: the rows, in file order (from :func:`trial.fieldwork.platforms.read_ad_export`).
        lines: their file lines.
        source: the file name, for problems.
        arms_by_spot: every known spot and what its arm delivers.
        contaminated_targets: (platform, account, ad group) keys whose target area reaches a
            non-ads spot or catchment (:func:`trial.fieldwork.targets.contaminated_keys`).
        treatment_window, hours, tz: as for :func:`check_ad`.
    """
    where = list(lines) if lines is not None else list(range(1, len(rows) + 1))
    bad_targets = {(p, g) for p, _a, g in contaminated_targets}
    problems: list[Problem] = []
    accepted: list[AcceptedAd] = []
    for row, line in zip(rows, where, strict=True):
        delivers = arms_by_spot.get(row.spot_id)
        checked = check_ad(
            row, spot_known=delivers is not None, arm_delivers=delivers or (),
            target_contaminated=(row.platform, row.ad_group) in bad_targets,
            treatment_window=treatment_window, hours=hours, tz=tz, source=source, line=line)
        problems.extend(checked.problems)
        accepted.append(AcceptedAd(row, checked.flags, ad_hours_compliance(row, hours, tz), line))
    return collected(accepted, [a.line or 0 for a in accepted], problems)
