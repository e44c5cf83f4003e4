"""Ad-platform reports: TikTok and Snapchat Ads Manager exports as written, and Spotlight's CSV."""

from __future__ import annotations

import csv
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path

from trial.errors import InputError, Problem
from trial.fieldwork.ads import AdDelivery
from trial.fieldwork.cells import CellError, CellReader, Columns, is_summary
from trial.fieldwork.delivery_batch import Deliveries
from trial.fieldwork.export_rows import ExportFile, read_rows
from trial.fieldwork.imported import Imported
from trial.fieldwork.targets import TargetArea
from trial.fieldwork.times import LocalTimeError, zone

FORMATS = ("spotlight", "tiktok", "snapchat")

_JA = {
    "campaign": ("キャンペーン名",), "ad_group": ("広告グループ名",), "creative": ("広告名",),
    "day": ("日別", "日付"), "spend": ("コスト",), "impressions": ("インプレッション",),
    "clicks": ("クリック(誘導先)",), "reach": ("リーチ",), "currency": ("通貨",),
}
_COMMON = {
    "campaign": ("campaign name", "campaign"),
    "creative": ("ad name", "ad"),
    "account": ("account name", "advertiser name", "ad account name", "account id",
                "advertiser id", "ad account id", "account"),
    "currency": ("currency",),
    "reach": ("reach", "uniques"),
}
TIKTOK = {
    **_COMMON,
    "ad_group": ("ad group name", "ad group", "adgroup name"),
    "ad_group_id": ("ad group id", "adgroup id"),
    "day": ("by day", "date", "day", "stat time day"),
    "hour": ("by hour", "hour", "stat time hour", "hour of day"),
    "spend": ("cost", "spend", "total cost"),
    "impressions": ("impressions", "impression"),
    "clicks": ("clicks (destination)", "clicks", "clicks (all)"),
    "video_views": ("video views", "2-second video views", "6-second video views"),
}
# The Japanese interface's names where they are unambiguous (NFKC makes its brackets ASCII).
TIKTOK = {**TIKTOK, **{k: (*v, *_JA.get(k, ())) for k, v in TIKTOK.items()}}
SNAPCHAT = {
    **_COMMON,
    "ad_group": ("ad set name", "ad squad name"),
    "ad_group_id": ("ad set id", "ad squad id"),
    "start": ("start time",),
    "end": ("end time",),
    "spend": ("amount spent", "spend"),
    # Paid impressions are what the spend bought; Total adds earned views (shares).
    "impressions": ("paid impressions", "total impressions", "impressions"),
    "clicks": ("swipe ups", "swipes", "clicks"),
    "video_views": ("2 second video views", "video views"),
}
SPOTLIGHT = {
    **{k: (k,) for k in ("spot_id", "platform", "start", "end", "impressions", "clicks", "spend",
                         "reach", "video_views", "campaign", "ad_group", "creative", "theme",
                         "message", "account")},
}
_SHOWN = {
    "tiktok": {"ad_group": "Ad group name", "ad_group_id": "Ad group ID", "day": "By Day",
               "hour": "By Hour", "spend": "Cost", "impressions": "Impressions"},
    "snapchat": {"ad_group": "Ad Set Name", "ad_group_id": "Ad Squad Name", "start": "Start Time",
                 "spend": "Amount Spent", "impressions": "Paid Impressions"},
}
_REQUIRED = {
    "tiktok": (("ad_group", "ad_group_id"), ("day", "hour"), ("spend",), ("impressions",)),
    "snapchat": (("ad_group", "ad_group_id"), ("start",), ("spend",), ("impressions",)),
    "spotlight": (("spot_id",), ("platform",), ("start",), ("end",), ("impressions",),
                  ("clicks",), ("spend",)),
}


@dataclass(frozen=True)
class AdExport(Imported[AdDelivery]):
    """An import's rows (all or none) plus what the platform's summary row said.

    ``lifetime_reach`` maps a spot to the de-duplicated reach of the summary row when the file
    covers that one spot only (the platform's lifetime figure; daily reach is never summed).
    """

    lifetime_reach: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class AdColumns:
    """What :func:`read_ad_columns` read: an :class:`AdExport` with its rows as columns."""

    deliveries: Deliveries
    lines: tuple[int, ...] = ()
    problems: tuple[Problem, ...] = ()
    warnings: tuple[str, ...] = ()
    lifetime_reach: Mapping[str, int] = field(default_factory=dict)

    def rows_or_raise(self) -> Deliveries:
        """The rows, or :class:`InputError` with every problem."""
        if self.problems:
            raise InputError(self.problems)
        return self.deliveries

    def export(self) -> AdExport:
        """The same read as an :class:`AdExport` (one :class:`AdDelivery` per row)."""
        return AdExport(tuple(self.deliveries.rows()), self.lines, self.problems, self.warnings,
                        self.lifetime_reach)


def _aliases(fmt: str) -> Mapping[str, Sequence[str]]:
    return {"tiktok": TIKTOK, "snapchat": SNAPCHAT}.get(fmt, SPOTLIGHT)


def read_ad_export(path: str | Path, *, fmt: str, account_timezone: tzinfo | str,
                   currency: str | None = None, gbp_rate: float | None = None,
                   target_areas: Collection[TargetArea] = (),
                   account: str | None = None) -> AdExport:
    """Read an ad-platform report into delivery rows, all or nothing.

    Formats:
        ``spotlight``: ``spot_id,platform,start,end,impressions,clicks,spend`` and optional
        ``reach,video_views,campaign,ad_group,creative,theme,message,account``; times local to
        ``account_timezone`` or ISO 8601 with an offset.
        ``tiktok``: an Ads Manager export as written: headers in any case with aliases
        (``Clicks (destination)``/``Clicks``), a ``By Day`` date or ``By Hour`` time (or a day
        and an hour-of-day column), ``-`` for not applicable (0 for impressions, clicks and
        cost; absent for reach and video views), ``<5`` read as 2 and counted in a warning,
        ``0.28%`` rates, ``1,234`` numbers, IDs as text, a ``Currency`` column, and
        ``Total of N results`` rows skipped wherever they sit.
        ``snapchat``: ``Start Time``/``End Time`` (a zone suffix such as ``AST`` is dropped:
        abbreviations are ambiguous, so the account time zone decides), ``Ad Set Name`` or
        ``Ad Squad Name``, ``Swipe Ups``/``Swipes``/``Clicks``, ``Paid Impressions`` preferred
        to ``Total Impressions``.

    Ad groups are mapped to spots through the registered ``target_areas`` (matching the ad
    group's name or ID, and the account when the file or ``account`` names one).

    Args:
        path: the CSV file.
        fmt: ``spotlight``, ``tiktok`` or ``snapchat``.
        account_timezone: the ad account's time zone (its reports' days and hours).
        currency: the report's currency code (None: the file's Currency column, else GBP).
        gbp_rate: GBP per one unit of ``currency`` (required unless GBP).
        target_areas: registered target areas (not needed for ``spotlight``).
        account: the account, when the file does not say.

    Returns:
        An :class:`AdExport`: every row, or none and every problem (FILE:LINE: FIELD).
    """
    return read_ad_columns(path, fmt=fmt, account_timezone=account_timezone,
                           currency=currency, gbp_rate=gbp_rate, target_areas=target_areas,
                           account=account).export()


def read_ad_columns(path: str | Path, *, fmt: str, account_timezone: tzinfo | str,
                    currency: str | None = None, gbp_rate: float | None = None,
                    target_areas: Collection[TargetArea] = (),
                    account: str | None = None) -> AdColumns:
    """:func:`read_ad_export` with the rows as columns (for imports of many rows)."""
    p = Path(path)
    problems: list[Problem] = []
    if fmt not in FORMATS:
        return _refused((Problem(f"unknown format {fmt!r}: use one of "
                                          f"{', '.join(FORMATS)}", p.name, None, "format"),))
    try:
        tz = zone(account_timezone) if isinstance(account_timezone, str) else account_timezone
        text = p.read_text(encoding="utf-8-sig")
    except (LocalTimeError, OSError, UnicodeDecodeError) as exc:
        return _refused((Problem(str(exc), p.name),))
    reader = csv.reader(text.splitlines(keepends=True))
    header = next(reader, None)
    if header is None:
        return _refused((Problem("is empty: expected a header line", p.name, 1),))
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
        return _refused(tuple(problems))
    # Each record with the line it ends on: it starts on the line after the one before.
    got = [(record, reader.line_num) for record in reader]
    ends = [1, *(n for _, n in got)]
    records: list[list[str]] = []
    lines: list[int] = []
    summaries: list[tuple[int | None, int | None]] = []
    cells = CellReader()
    for k, (record, _) in enumerate(got):
        if not "".join(record).strip():  # every cell blank
            continue
        if fmt != "spotlight" and is_summary(record):
            summaries.append(_summary(cells, cols, record))
            continue
        records.append(record)
        lines.append(ends[k] + 1)
    export = ExportFile(p.name, fmt, tz, currency, gbp_rate, cols, target_areas, account, header)
    rows, kept, problems = read_rows(export, records, lines, cells)
    return _result(rows, kept, problems, summaries, cells)


def _refused(problems: tuple[Problem, ...]) -> AdColumns:
    return AdColumns(Deliveries.of([]), (), problems)


def _summary(cells: CellReader, cols: Columns,
             record: list[str]) -> tuple[int | None, int | None]:
    """The reach and impressions a summary row gives (None when they do not read)."""
    try:
        reach = cells.count(cols.get(record, "reach"))
        impressions = cells.count(cols.get(record, "impressions"))
    except CellError:
        reach = impressions = None
    return reach, impressions


def _result(rows: Deliveries, lines: list[int], problems: list[Problem],
            summaries: list[tuple[int | None, int | None]], cells: CellReader) -> AdColumns:
    warnings: list[str] = []
    if cells.suppressed:
        warnings.append(f"{cells.suppressed} cells showed '<5' (a hidden small count) "
                        "and were read as 2")
    lifetime: dict[str, int] = {}
    for reach, impressions in summaries:
        total = sum(rows.impressions)
        if impressions is not None and impressions != total:
            warnings.append(f"the summary row gives {impressions} impressions; the rows "
                            f"add to {total}")
        spots = set(rows.spot_id)
        if reach is not None and len(spots) == 1:
            lifetime[spots.pop()] = reach
    if problems:
        return AdColumns(Deliveries.of([]), (), tuple(problems), tuple(warnings))
    return AdColumns(rows, tuple(lines), (), tuple(warnings), lifetime)
