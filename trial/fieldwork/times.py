"""Local times typed in the trial's timezone and stored in UTC; treatment windows and hours."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_FULL_DAYS = {d.lower(): i for i, d in enumerate(
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))}
_OFFSET_ZONE = re.compile(r"^(?:UTC|GMT)\s*(?:([+-])(\d{1,2})(?::?(\d{2}))?)?$", re.IGNORECASE)
_LOCAL_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")
# Text of exactly these shapes reads the same through the formats above (each shape without an
# offset is one of them) as through ``fromisoformat``, which the formats fall back to; it is read
# by ``fromisoformat`` directly, without four failing ``strptime`` calls first.
_ISO_SHAPE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2})?(?:Z|[+-][0-9]{2}:[0-9]{2})?")


class LocalTimeError(ValueError):
    """A time that cannot be read, or a local time that does not exist or is ambiguous."""


def zone(name: str) -> tzinfo:
    """The time zone named by an IANA name (``Europe/London``) or a fixed offset (``UTC+09:00``).

    Ad accounts use fixed offsets that never observe daylight saving; TikTok writes them as
    ``(UTC+09:00)`` or ``Etc/GMT-9``, both accepted.

    Raises:
        LocalTimeError: the name is not a known time zone.
    """
    text = name.strip().strip("()").strip()
    m = _OFFSET_ZONE.match(text)
    if m:
        if not m.group(1):
            return UTC
        minutes = int(m.group(2)) * 60 + int(m.group(3) or 0)
        sign = -1 if m.group(1) == "-" else 1
        return timezone(timedelta(minutes=sign * minutes))
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise LocalTimeError(
            f"unknown time zone {name!r}: use an IANA name such as Europe/London, or UTC+HH:MM"
        ) from exc


def localise(wall: datetime, tz: tzinfo) -> datetime:
    """Attach ``tz`` to a naive wall-clock time and return it in UTC.

    Raises:
        LocalTimeError: the wall time does not exist in ``tz`` (clocks going forward) or
            happens twice (clocks going back); give an explicit UTC offset instead.
    """
    first = wall.replace(tzinfo=tz, fold=0)
    second = wall.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        round_trip = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        shown = wall.strftime("%Y-%m-%d %H:%M")
        if round_trip != wall:
            raise LocalTimeError(
                f"{shown} does not exist in {tz} (the clocks go forward); "
                "give the time with its UTC offset, e.g. 2024-03-31T01:30+00:00")
        raise LocalTimeError(
            f"{shown} happens twice in {tz} (the clocks go back); give the time with its UTC "
            f"offset, e.g. {wall:%Y-%m-%dT%H:%M}+01:00 for the first or +00:00 for the second")
    return first.astimezone(UTC)


def localise_lenient(wall: datetime, tz: tzinfo) -> datetime:
    """Like :func:`localise` but resolving a missing or repeated wall time to its first reading.

    Used for boundaries the trial sets (the hours' start and end), never for typed times.
    """
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def parse_local_time(text: str, tz: tzinfo | str, *, formats: Iterable[str] = ()) -> datetime:
    """Read a time typed in the trial's timezone and return it in UTC.

    Accepts ``YYYY-MM-DD HH:MM`` (or with seconds, or ``T``) in local time, ISO 8601 with an
    offset (``2024-10-27T01:30+01:00``, ``...Z``), and any ``strptime`` ``formats`` given
    (form exports); a format with ``%z`` carries its own offset.

    Args:
        text: the time as typed.
        tz: the trial's timezone (a ``tzinfo`` or a name).
        formats: extra ``strptime`` formats, tried before the built-in ones.

    Returns:
        An aware datetime in UTC.

    Raises:
        LocalTimeError: unreadable, or a local time that does not exist or is ambiguous.
    """
    tzi = zone(tz) if isinstance(tz, str) else tz
    parsed = read_time(text, formats=formats)
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    return localise(parsed, tzi)


def read_time(text: str, *, formats: Iterable[str] = ()) -> datetime:
    """Read a time as written: naive (wall clock) unless the text carries an offset.

    Raises:
        LocalTimeError: unreadable.
    """
    s = text.strip()
    if not s:
        raise LocalTimeError("is empty: give a time as YYYY-MM-DD HH:MM")
    extra = tuple(formats)
    if extra or not _ISO_SHAPE.fullmatch(s):
        for fmt in (*extra, *_LOCAL_FORMATS):
            try:
                return datetime.strptime(s, fmt)
            except ValueError:
                continue
    try:
        return datetime.fromisoformat(s)
    except ValueError:
        raise LocalTimeError(
            f"{s!r} is not a time: use YYYY-MM-DD HH:MM (local) or ISO 8601 with an offset"
        ) from None


def day_number(name: str) -> int:
    """Monday = 0 .. Sunday = 6 from ``Mon``/``Monday`` (any case).

    Raises:
        LocalTimeError: not a day name.
    """
    key = name.strip().lower()
    for i, d in enumerate(DAY_NAMES):
        if key == d.lower():
            return i
    if key in _FULL_DAYS:
        return _FULL_DAYS[key]
    raise LocalTimeError(f"unknown day {name!r}: use one of {', '.join(DAY_NAMES)}")


def _clock(value: Any) -> time:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise LocalTimeError(f"{value!r} is not a time of day: use HH:MM") from None


@dataclass(frozen=True)
class Hours:
    """Days and local hours of delivery (``[dosage].patrol`` or ``[dosage].ads``).

    A period starts on each listed day at ``start``; an ``end`` at or before ``start`` runs past
    midnight (a Fri 20:00-04:00 period ends on Saturday). A time equal to the end is inside.
    """

    days: tuple[int, ...]
    start: time
    end: time

    @classmethod
    def from_toml(cls, table: Mapping[str, Any]) -> Hours:
        """Build from a protocol table with ``days``, ``start``, ``end`` (days default: all)."""
        days = table.get("days", DAY_NAMES)
        return cls(tuple(sorted({day_number(str(d)) for d in days})),
                   _clock(table.get("start", "00:00")), _clock(table.get("end", "00:00")))

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start

    def period(self, night: date, tz: tzinfo) -> tuple[datetime, datetime]:
        """The UTC start and end of the period that begins on local date ``night``."""
        end_day = night + timedelta(days=1) if self.crosses_midnight else night
        return (localise_lenient(datetime.combine(night, self.start), tz),
                localise_lenient(datetime.combine(end_day, self.end), tz))

    def periods_near(self, start: datetime, end: datetime,
                     tz: tzinfo) -> list[tuple[datetime, datetime]]:
        """Every period that could touch the UTC interval ``[start, end]``."""
        first = start.astimezone(tz).date() - timedelta(days=1)
        last = end.astimezone(tz).date()
        out = []
        d = first
        while d <= last:
            if d.weekday() in self.days:
                out.append(self.period(d, tz))
            d += timedelta(days=1)
        return out

    def contains(self, start: datetime, end: datetime, tz: tzinfo) -> bool:
        """True when the UTC interval lies wholly inside one period (ending at its end counts)."""
        return any(ps <= start and end <= pe for ps, pe in self.periods_near(start, end, tz))

    def touches(self, start: datetime, end: datetime, tz: tzinfo) -> bool:
        """True when the UTC interval shares any time with a period."""
        return any(ps < end and start < pe for ps, pe in self.periods_near(start, end, tz))


@dataclass(frozen=True)
class Window:
    """A window of local dates, both inclusive (``[windows].treatment``)."""

    start: date
    end: date

    @classmethod
    def from_toml(cls, table: Mapping[str, Any]) -> Window:
        """Build from ``{start = "2024-01-08", end = "2024-04-07"}`` (strings or dates)."""
        return cls(_date(table["start"]), _date(table["end"]))

    def bounds(self, tz: tzinfo) -> tuple[datetime, datetime]:
        """UTC start (first day's midnight) and end (midnight after the last day)."""
        return (localise_lenient(datetime.combine(self.start, time()), tz),
                localise_lenient(datetime.combine(self.end + timedelta(days=1), time()), tz))

    def contains(self, start: datetime, end: datetime, tz: tzinfo) -> bool:
        """True when the UTC interval lies wholly inside the window."""
        lo, hi = self.bounds(tz)
        return lo <= start and end <= hi

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def weeks(self) -> float:
        return self.days / 7


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def minutes_between(start: datetime, end: datetime) -> float:
    """Elapsed minutes (real time, so a clock-change night counts its true length)."""
    return (end - start).total_seconds() / 60.0
