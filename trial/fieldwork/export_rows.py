"""The rows of an ad-platform export read column by column: numbers, times, spots, currencies.

Row for row this reads what reading each row alone reads: a row with any problem is left out,
its problems are listed in the order of its fields (numbers, times, currency, rate, ad group or
spot), and a row repeating an earlier row's key is refused where it stands in the file. Each
column is read at once where every cell has the plain shape (``1234``, ``12.50``), and cell by
cell through :class:`trial.fieldwork.cells.CellReader` otherwise; times and ad groups are read
once per distinct text.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from operator import itemgetter
from typing import Any, cast

import numpy as np

from trial.errors import Problem
from trial.fieldwork.batch_flags import EPOCH, ONE_US
from trial.fieldwork.cells import CellError, CellReader, Columns, normalise_header
from trial.fieldwork.delivery_batch import Deliveries
from trial.fieldwork.targets import TargetArea
from trial.fieldwork.times import LocalTimeError, localise, read_time

_ZONE_SUFFIX = re.compile(r"\s+([A-Za-z]{2,5}|UTC[+-]\d{1,2}(?::?\d{2})?)$")
# Plain numbers (up to 15 digits, so exact as floats): read by float() as the cell reader would.
_PLAIN = re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,6})?")
# Plain whole numbers: int() reads them as int(float()) would (15 digits are exact).
_WHOLE = re.compile(r"[0-9]{1,15}")
_WHOLE_OR_EMPTY = re.compile(r"[0-9]{0,15}")
_BREAKDOWNS = ("age", "gender", "region", "country", "placement", "os", "device")
# The count columns with what an empty or ``-`` cell means, in the order a row reads them.
_COUNTS: tuple[tuple[str, int | None], ...] = (
    ("impressions", 0), ("clicks", 0), ("reach", None), ("video_views", None))

Span = tuple[datetime, datetime]
Errors = defaultdict[int, list[tuple[str, str]]]
Cells = Callable[[str], list[str]]  # one field's stripped cells, row by row


@dataclass(frozen=True)
class ExportFile:
    """What every row of one export shares: its name, format, zone, currency and columns."""

    source: str
    fmt: str
    tz: tzinfo
    currency: str | None
    gbp_rate: float | None
    cols: Columns
    areas: Collection[TargetArea]
    account: str | None
    header: Sequence[str]

    def shown(self, fld: str) -> str:
        """The field's column as the header writes it (the field's name when it has none)."""
        return self.cols.header.get(fld, fld)


def read_rows(f: ExportFile, records: Sequence[Sequence[str]], lines: Sequence[int],
              cells: CellReader) -> tuple[Deliveries, list[int], list[Problem]]:
    """Every row without a problem, with its line, and every problem in file order.

    Args:
        f: the export.
        records: the data rows (blank and summary rows already left out).
        lines: each record's file line.
        cells: reads the cells that are not plain numbers, counting hidden small counts.
    """
    n = len(records)
    errs: Errors = defaultdict(list)

    def texts(fld: str) -> list[str]:
        i = f.cols.index.get(fld)
        if i is None:
            return [""] * n
        try:
            return list(map(str.strip, map(itemgetter(i), records)))
        except IndexError:
            return [r[i].strip() if i < len(r) else "" for r in records]

    counts: dict[str, list[int | None]] = {}
    for fld, missing in _COUNTS:
        if fld == "reach":  # a row reads its spend between its clicks and its reach
            spend = _spend(texts("spend"), f.shown("spend"), cells, errs)
        if fld in f.cols:
            counts[fld] = _counts(texts(fld), missing, f.shown(fld), cells, errs)
        else:  # an empty cell: what is missing, without a problem
            counts[fld] = [missing] * n
    starts, ends = _spans(f, texts, errs)
    currencies, rates = _currencies(f, texts("currency"), errs)
    platform, spot, ad_group, account = _where(f, texts, errs)

    keys = list(zip(platform, account, ad_group, spot, starts, strict=True))
    if not errs and len(set(keys)) == n:
        ok: Sequence[int] = range(n)
        problems: list[Problem] = []
    else:
        ok, problems = _refused(f, lines, keys, errs)

    def pick(col: list[Any]) -> list[Any]:
        return col if len(ok) == n else [col[k] for k in ok]

    def lowered(fld: str) -> list[str | None]:
        if fld not in f.cols:
            return [None] * len(ok)
        return [t.lower() or None for t in pick(texts(fld))]

    paid = [v or 0.0 for v in pick(spend)]
    got = Deliveries(
        spot_id=pick(spot), platform=pick(platform),
        start_us=np.array(pick(starts), dtype=np.int64),
        end_us=np.array(pick(ends), dtype=np.int64),
        impressions=[v or 0 for v in pick(counts["impressions"])],
        clicks=[v or 0 for v in pick(counts["clicks"])],
        spend_gbp=[round(v * r, 6) for v, r in zip(paid, pick(rates), strict=True)],
        reach=pick(counts["reach"]), video_views=pick(counts["video_views"]),
        account=pick(account), campaign=pick(texts("campaign")), ad_group=pick(ad_group),
        creative=pick(texts("creative")), theme=lowered("theme"), message=lowered("message"),
        currency=pick(currencies), spend=paid)
    return got, [lines[k] for k in ok], problems


def _refused(f: ExportFile, lines: Sequence[int], keys: list[tuple[str, str, str, str, int]],
             errs: Errors) -> tuple[list[int], list[Problem]]:
    """The rows kept, and the problems of the others in file order: each row's own, or that it
    repeats an earlier kept row's key."""
    problems: list[Problem] = []
    seen: dict[tuple[str, str, str, str, int], int] = {}
    ok: list[int] = []
    extra = ""
    if any(normalise_header(h) in _BREAKDOWNS for h in f.header):
        extra = " (export without the age/gender or other breakdown)"
    for k, line in enumerate(lines):
        found = errs.get(k)
        if found:
            problems += [Problem(what, f.source, line, fld) for fld, what in found]
            continue
        key = keys[k]
        if key in seen:
            problems.append(Problem(f"repeats line {seen[key]} (same platform, account, ad "
                                    f"group, spot and start){extra}", f.source, line, "start"))
            continue
        seen[key] = line
        ok.append(k)
    return ok, problems


def _counts(texts: list[str], missing: int | None, shown: str, cells: CellReader,
            errs: Errors) -> list[int | None]:
    """A count column: whole numbers, ``-`` or empty as ``missing``, ``<5`` as 2."""
    if all(map(_WHOLE.fullmatch, texts)):
        return list(map(int, texts))
    if all(map(_WHOLE_OR_EMPTY.fullmatch, texts)):
        return [int(t) if t else missing for t in texts]
    out: list[int | None] = []
    for k, t in enumerate(texts):
        if _WHOLE.fullmatch(t):
            out.append(int(t))
            continue
        if _PLAIN.fullmatch(t):
            value = float(t)
            if value.is_integer():
                out.append(int(value))
                continue
        try:
            out.append(cells.count(t, missing=missing))
        except CellError as exc:
            errs[k].append((shown, str(exc)))
            out.append(None)
    return out


def _spend(texts: list[str], shown: str, cells: CellReader, errs: Errors) -> list[float | None]:
    """The spend column in the report's currency (``-`` or empty as 0)."""
    if all(map(_PLAIN.fullmatch, texts)):
        return list(map(float, texts))
    out: list[float | None] = []
    for k, t in enumerate(texts):
        if _PLAIN.fullmatch(t):
            out.append(float(t))
            continue
        try:
            out.append(cells.number(t, missing=0.0))
        except CellError as exc:
            errs[k].append((shown, str(exc)))
            out.append(None)
    return out


def _spans(f: ExportFile, get: Cells, errs: Errors) -> tuple[list[int], list[int]]:
    """Each row's start and end in UTC microseconds (0 where they do not read, with the
    problem), each distinct cell or pair of cells read once."""
    if f.fmt == "tiktok":
        a, b = get("day"), get("hour")
        fld = "hour" if "hour" in f.cols else "day"
    else:
        a, b = get("start"), get("end")
        fld = "start"
    shown = f.shown(fld)
    if f.fmt == "spotlight":  # the start and the end are read alike, each on its own
        known: dict[str, int | str] = {}
        for t in dict.fromkeys([*a, *b]):
            try:
                known[t] = (_when(t, f.tz) - EPOCH) // ONE_US
            except LocalTimeError as exc:
                known[t] = str(exc)
        bad = {t: v for t, v in known.items() if isinstance(v, str)}
        if bad:
            for k, (s, e) in enumerate(zip(a, b, strict=True)):
                what = bad.get(s) or bad.get(e)  # the start is read first
                if what:
                    errs[k].append((shown, what))
            known.update(dict.fromkeys(bad, 0))
        micros = cast(dict[str, int], known)  # every text has read by now
        return [micros[t] for t in a], [micros[t] for t in b]
    pairs: dict[tuple[str, str], tuple[int, int] | str] = {}
    out: list[tuple[int, int]] = []
    for k, pair in enumerate(zip(a, b, strict=True)):
        got = pairs.get(pair)
        if got is None:
            try:
                start, end = _span(f.fmt, pair[0], pair[1], f.tz)
                got = pairs[pair] = ((start - EPOCH) // ONE_US, (end - EPOCH) // ONE_US)
            except LocalTimeError as exc:
                got = pairs[pair] = str(exc)
        if isinstance(got, str):
            errs[k].append((shown, got))
            got = (0, 0)
        out.append(got)
    return [s for s, _ in out], [e for _, e in out]


def _span(fmt: str, a: str, b: str, tz: tzinfo) -> Span:
    """A row's start and end from its two time cells (start and end; TikTok's day and hour)."""
    if fmt == "spotlight":
        return _when(a, tz), _when(b, tz)
    if fmt == "snapchat":
        start = _when(_drop_zone(a), tz)
        end_text = _drop_zone(b)
        if not end_text:
            return start, _next_midnight(start, tz)
        return start, _when(end_text, tz)
    return _tiktok_span(a, b, tz)


def _currencies(f: ExportFile, texts: list[str],
                errs: Errors) -> tuple[list[str], list[float | None]]:
    """Each row's currency and GBP rate, read once per distinct cell."""
    known: dict[str, tuple[str, float | None, list[tuple[str, str]]]] = {}
    for t in dict.fromkeys(texts):
        row_currency = t.upper() or f.currency or "GBP"
        found = []
        if f.currency is not None and row_currency != f.currency.upper():
            found.append((f.shown("currency"),
                          f"the row is in {row_currency} but the import says {f.currency}"))
        rate = f.gbp_rate if f.gbp_rate is not None else (
            1.0 if row_currency == "GBP" else None)
        if rate is None:
            found.append(("gbp_rate", f"spend is in {row_currency}: give the GBP rate"))
        known[t] = (row_currency, rate, found)
    currencies: list[str] = []
    rates: list[float | None] = []
    for k, t in enumerate(texts):
        row_currency, rate, found = known[t]
        if found:
            errs[k] += found
        currencies.append(row_currency)
        rates.append(rate)
    return currencies, rates


def _where(f: ExportFile, get: Cells,
           errs: Errors) -> tuple[list[str], list[str], list[str], list[str]]:
    """Each row's platform, spot, ad group and account (the spot through the target areas)."""
    accounts = [t or f.account or "" for t in get("account")]
    if f.fmt == "spotlight":
        spots: list[str] = get("spot_id")
        for k, s in enumerate(spots):
            if not s:
                errs[k].append(("spot_id", "is empty"))
        return [t.lower() for t in get("platform")], spots, get("ad_group"), accounts
    known: dict[tuple[str, str, str], tuple[str, str, str, tuple[str, str] | None]] = {}
    out: tuple[list[str], list[str], list[str], list[str]] = ([], [], [], [])
    for k, key in enumerate(zip(get("ad_group"), get("ad_group_id"), accounts, strict=True)):
        got = known.get(key)
        if got is None:
            got = known[key] = _area(f, *key)
        spot, group, account, problem = got
        if problem is not None:
            errs[k].append(problem)
        out[0].append(f.fmt)
        out[1].append(spot)
        out[2].append(group)
        out[3].append(account)
    return out


def _area(f: ExportFile, ad_group: str, ad_group_id: str,
          account: str) -> tuple[str, str, str, tuple[str, str] | None]:
    """The spot, ad group and account of an ad group's row, or the problem with it."""
    platform = f.fmt
    names = [n for n in (ad_group, ad_group_id) if n]
    shown = f.cols.header.get("ad_group", f.cols.header.get("ad_group_id", "ad_group"))
    if not names:
        return "", "", account, (shown, "is empty: the ad group maps the row to a spot")
    matches = [a for a in f.areas if a.platform == platform and a.ad_group in names
               and (not account or not a.account or a.account == account)]
    if not matches:
        known = sorted({a.ad_group for a in f.areas if a.platform == platform})
        return "", names[0], account, (shown, f"ad group {names[0]!r} has no registered target "
                                              f"area (registered {platform} ad groups: "
                                              f"{', '.join(known) or 'none'})")
    if len({a.spot_id for a in matches}) > 1:
        accounts = ", ".join(sorted(a.account for a in matches))
        return "", names[0], account, (shown, f"ad group {names[0]!r} is registered in several "
                                              f"accounts ({accounts}): say which account the "
                                              "file is from")
    area = matches[0]
    return area.spot_id, area.ad_group, account or area.account, None


def _drop_zone(text: str) -> str:
    return _ZONE_SUFFIX.sub("", text.strip())


def _when(text: str, tz: tzinfo) -> datetime:
    wall = read_time(text)
    return wall.astimezone(UTC) if wall.tzinfo is not None else localise(wall, tz)


def _next_midnight(start: datetime, tz: tzinfo) -> datetime:
    day = start.astimezone(tz).date() + timedelta(days=1)
    return localise(datetime.combine(day, time()), tz)


def _tiktok_span(day_text: str, hour_text: str, tz: tzinfo) -> Span:
    if hour_text:
        h = hour_text.split(" - ")[0].strip()
        if re.fullmatch(r"\d{1,2}(:00(:00)?)?", h):
            if not day_text:
                raise LocalTimeError("an hour of day needs the By Day column beside it")
            hour = int(h.split(":")[0])
            if hour > 23:
                raise LocalTimeError(f"{h!r} is not an hour of day: expected 0 to 23")
            wall = datetime.combine(_day(day_text), time(hour))
        else:
            wall = read_time(h)
            if wall.tzinfo is not None:
                start = wall.astimezone(UTC)
                return start, start + timedelta(hours=1)
        start = localise(wall, tz)
        return start, start + timedelta(hours=1)
    start = localise(datetime.combine(_day(day_text), time()), tz)
    return start, _next_midnight(start, tz)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise LocalTimeError(f"{text!r} is not a date: expected YYYY-MM-DD") from None
