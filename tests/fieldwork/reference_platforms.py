"""The ad-export reader as it was, row by row: the reference the column reader must equal."""

from __future__ import annotations

import csv
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path

from trial.errors import Problem
from trial.fieldwork.ads import AdDelivery
from trial.fieldwork.cells import CellError, CellReader, Columns, is_summary, normalise_header
from trial.fieldwork.export_rows import (
    _BREAKDOWNS,
    _PLAIN,
    _drop_zone,
    _next_midnight,
    _tiktok_span,
    _when,
)
from trial.fieldwork.platforms import _REQUIRED, _SHOWN, FORMATS, AdExport, _aliases
from trial.fieldwork.targets import TargetArea
from trial.fieldwork.times import LocalTimeError, zone


def read_ad_export(path: str | Path, *, fmt: str, account_timezone: tzinfo | str,
                   currency: str | None = None, gbp_rate: float | None = None,
                   target_areas: Collection[TargetArea] = (),
                   account: str | None = None) -> AdExport:
    """``trial.fieldwork.platforms.read_ad_export`` as it was, one row at a time."""
    p = Path(path)
    problems: list[Problem] = []
    if fmt not in FORMATS:
        return AdExport(problems=(Problem(f"unknown format {fmt!r}: use one of "
                                          f"{', '.join(FORMATS)}", p.name, None, "format"),))
    try:
        tz = zone(account_timezone) if isinstance(account_timezone, str) else account_timezone
        text = p.read_text(encoding="utf-8-sig")
    except (LocalTimeError, OSError, UnicodeDecodeError) as exc:
        return AdExport(problems=(Problem(str(exc), p.name),))
    reader = csv.reader(text.splitlines(keepends=True))
    header = next(reader, None)
    if header is None:
        return AdExport(problems=(Problem("is empty: expected a header line", p.name, 1),))
    cols = Columns.find(header, _aliases(fmt))
    for need in _REQUIRED[fmt]:
        if not any(f in cols for f in need):
            names = " or ".join(repr(_SHOWN.get(fmt, {}).get(f, f)) for f in need)
            problems.append(Problem(f"missing column: expected {names}", p.name, 1, need[0]))
    if problems and fmt != "spotlight":
        hint = ""
        if any(not h.isascii() for h in header):
            hint = "; export with the English interface, by ad group and day or hour"
        problems.append(Problem(f"the header has {', '.join(h.strip() for h in header)}{hint}",
                                p.name, 1))
    if currency is None:
        currency = "GBP" if "currency" not in cols else None
    if gbp_rate is not None and not gbp_rate > 0:
        problems.append(Problem("must be > 0 (GBP per unit of the currency)", p.name, None,
                                "gbp_rate"))
    if problems:
        return AdExport(problems=tuple(problems))
    state = _State(p.name, fmt, tz, currency, gbp_rate, cols, target_areas, account, problems,
                   header=header)
    last = 1
    for record in reader:
        line = last + 1
        last = reader.line_num
        if not any(c.strip() for c in record):
            continue
        if fmt != "spotlight" and is_summary(record):
            state.summary(record)
            continue
        state.row(record, line)
    return state.result()


@dataclass
class _State:
    source: str
    fmt: str
    tz: tzinfo
    currency: str | None
    gbp_rate: float | None
    cols: Columns
    areas: Collection[TargetArea]
    account: str | None
    problems: list[Problem]
    cells: CellReader = field(default_factory=CellReader)
    rows: list[AdDelivery] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    seen: dict[tuple[str, str, str, str, datetime], int] = field(default_factory=dict)
    summaries: list[tuple[int | None, int | None]] = field(default_factory=list)
    header: Sequence[str] = ()

    def bad(self, line: int | None, fld: str, what: str) -> None:
        self.problems.append(Problem(what, self.source, line, fld))

    def summary(self, record: list[str]) -> None:
        try:
            reach = self.cells.count(self.cols.get(record, "reach"))
            impressions = self.cells.count(self.cols.get(record, "impressions"))
        except CellError:
            reach = impressions = None
        self.summaries.append((reach, impressions))

    def row(self, record: list[str], line: int) -> None:
        before = len(self.problems)
        get = self.cols.get
        nums: dict[str, float | None] = {}
        for fld, missing in (("impressions", 0.0), ("clicks", 0.0), ("spend", 0.0),
                             ("reach", None), ("video_views", None)):
            text = get(record, fld)
            if _PLAIN.fullmatch(text):  # what the cell reader reads as float(text)
                value = float(text)
                if fld == "spend" or value.is_integer():
                    nums[fld] = value
                    continue
            try:
                if fld == "spend":
                    nums[fld] = self.cells.number(text, missing=missing)
                else:
                    c = self.cells.count(text,
                                         missing=None if missing is None else int(missing))
                    nums[fld] = None if c is None else float(c)
            except CellError as exc:
                self.bad(line, self.cols.header.get(fld, fld), str(exc))
        span = self._span(record, line)
        row_currency = get(record, "currency").upper() or self.currency or "GBP"
        if self.currency is not None and row_currency != self.currency.upper():
            self.bad(line, self.cols.header.get("currency", "currency"),
                     f"the row is in {row_currency} but the import says {self.currency}")
        rate = self.gbp_rate if self.gbp_rate is not None else (
            1.0 if row_currency == "GBP" else None)
        if rate is None:
            self.bad(line, "gbp_rate", f"spend is in {row_currency}: give the GBP rate")
        platform, spot, ad_group, account = self._where(record, line)
        if len(self.problems) > before or span is None or rate is None:
            return
        spend = nums["spend"] or 0.0

        def opt(v: float | None) -> int | None:
            return None if v is None else int(v)

        theme = get(record, "theme").lower() or None
        message = get(record, "message").lower() or None
        delivery = AdDelivery(
            spot_id=spot, platform=platform, start=span[0], end=span[1],
            impressions=int(nums["impressions"] or 0), clicks=int(nums["clicks"] or 0),
            spend_gbp=round(spend * rate, 6), reach=opt(nums["reach"]),
            video_views=opt(nums["video_views"]), account=account,
            campaign=get(record, "campaign"), ad_group=ad_group,
            creative=get(record, "creative"), theme=theme, message=message,
            currency=row_currency, spend=spend)
        if delivery.key in self.seen:
            extra = ""
            if any(normalise_header(h) in _BREAKDOWNS for h in self.header):
                extra = " (export without the age/gender or other breakdown)"
            self.bad(line, "start", f"repeats line {self.seen[delivery.key]} (same platform, "
                                    f"account, ad group, spot and start){extra}")
            return
        self.seen[delivery.key] = line
        self.rows.append(delivery)
        self.lines.append(line)

    def _span(self, record: list[str], line: int) -> tuple[datetime, datetime] | None:
        get = self.cols.get
        try:
            if self.fmt == "spotlight":
                start = _when(get(record, "start"), self.tz)
                end = _when(get(record, "end"), self.tz)
                return start, end
            if self.fmt == "snapchat":
                start = _when(_drop_zone(get(record, "start")), self.tz)
                end_text = _drop_zone(get(record, "end"))
                if not end_text:
                    return start, _next_midnight(start, self.tz)
                return start, _when(end_text, self.tz)
            return _tiktok_span(get(record, "day"), get(record, "hour"), self.tz)
        except LocalTimeError as exc:
            fld = "start" if self.fmt != "tiktok" else ("hour" if "hour" in self.cols else "day")
            self.bad(line, self.cols.header.get(fld, fld), str(exc))
            return None

    def _where(self, record: list[str], line: int) -> tuple[str, str, str, str]:
        get = self.cols.get
        account = get(record, "account") or self.account or ""
        if self.fmt == "spotlight":
            spot = get(record, "spot_id")
            if not spot:
                self.bad(line, "spot_id", "is empty")
            return get(record, "platform").lower(), spot, get(record, "ad_group"), account
        platform = self.fmt
        names = [n for n in (get(record, "ad_group"), get(record, "ad_group_id")) if n]
        shown = self.cols.header.get("ad_group", self.cols.header.get("ad_group_id", "ad_group"))
        if not names:
            self.bad(line, shown, "is empty: the ad group maps the row to a spot")
            return platform, "", "", account
        matches = [a for a in self.areas if a.platform == platform and a.ad_group in names
                   and (not account or not a.account or a.account == account)]
        if not matches:
            known = sorted({a.ad_group for a in self.areas if a.platform == platform})
            self.bad(line, shown, f"ad group {names[0]!r} has no registered target area "
                                  f"(registered {platform} ad groups: "
                                  f"{', '.join(known) or 'none'})")
            return platform, "", names[0], account
        if len({a.spot_id for a in matches}) > 1:
            self.bad(line, shown, f"ad group {names[0]!r} is registered in several accounts "
                                  f"({', '.join(sorted(a.account for a in matches))}): "
                                  "say which account the file is from")
            return platform, "", names[0], account
        area = matches[0]
        return platform, area.spot_id, area.ad_group, account or area.account

    def result(self) -> AdExport:
        warnings: list[str] = []
        if self.cells.suppressed:
            warnings.append(f"{self.cells.suppressed} cells showed '<5' (a hidden small count) "
                            "and were read as 2")
        lifetime: dict[str, int] = {}
        for reach, impressions in self.summaries:
            total = sum(r.impressions for r in self.rows)
            if impressions is not None and impressions != total:
                warnings.append(f"the summary row gives {impressions} impressions; the rows "
                                f"add to {total}")
            spots = {r.spot_id for r in self.rows}
            if reach is not None and len(spots) == 1:
                lifetime[spots.pop()] = reach
        if self.problems:
            return AdExport((), (), tuple(self.problems), tuple(warnings))
        return AdExport(tuple(self.rows), tuple(self.lines), (), tuple(warnings), lifetime)
