"""Validation of the protocol's windows, catchment, dosage, fidelity, costs and privacy tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from types import MappingProxyType
from typing import Any

from trial.protocol_fields import FieldReader, join
from trial.protocol_model import (
    DAYS,
    DELIVERIES,
    WINDOW_NAMES,
    AdsDosage,
    AdsFidelity,
    Arm,
    Catchment,
    Costs,
    Dosage,
    Fidelity,
    GpsRules,
    Hours,
    PatrolDosage,
    PatrolFidelity,
    Privacy,
    Window,
    Windows,
)

WINDOWS_KEYS = (*WINDOW_NAMES, "hours")
WINDOW_KEYS = ("start", "end")
HOURS_KEYS = ("days", "start", "end")
CATCHMENT_KEYS = ("buffer_m",)
DOSAGE_KEYS = ("patrol", "ads", "gps")
PATROL_DOSAGE_KEYS = ("visits_per_day", "visit_minutes", "min_gap_minutes", "days", "start",
                      "end")
ADS_DOSAGE_KEYS = ("days", "start", "end", "age_min", "age_max", "daily_budget_gbp")
GPS_KEYS = ("max_gap_s", "min_stay_s", "max_speed_kmh")
FIDELITY_KEYS = ("patrol", "ads")
PATROL_FIDELITY_KEYS = ("min_visits_per_week", "min_minutes_per_week")
ADS_FIDELITY_KEYS = ("min_impressions_per_week",)
COSTS_KEYS = ("officer_hour_gbp", "fixed_gbp")
PRIVACY_KEYS = ("pseudonymise_officers",)


def check_sections(read: FieldReader, doc: dict[str, Any],
                   arms: Sequence[Arm]) -> dict[str, Any]:
    """Read windows, catchment, dosage, fidelity, costs and privacy, reporting every problem.

    Returns:
        The sections that could be read, keyed as ``Protocol``'s fields; ``windows`` is left
        out when it could not be read (a problem has then been recorded).
    """
    delivered = {d for a in arms for d in a.delivers} if arms else set(DELIVERIES)
    sections: dict[str, Any] = {
        "catchment": _catchment(read, doc),
        "dosage": _dosage(read, doc, delivered),
        "fidelity": _fidelity(read, doc, delivered),
        "costs": _costs(read, doc, delivered),
        "privacy": _privacy(read, doc),
    }
    windows = _windows(read, doc)
    if windows is not None:
        sections["windows"] = windows
    return sections


def _windows(read: FieldReader, doc: dict[str, Any]) -> Windows | None:
    if "windows" not in doc:
        for name in ("baseline", "treatment"):
            read.add(f"windows.{name}", "required (the [windows] table is missing)")
        return None
    t = read.table(doc["windows"], "windows", WINDOWS_KEYS)
    if t is None:
        return None
    found: dict[str, Window] = {}
    for name in WINDOW_NAMES:
        path = join("windows", name)
        if name not in t:
            if name in ("baseline", "treatment"):
                read.add(path, 'required: { start = "YYYY-MM-DD", end = "YYYY-MM-DD" }')
            continue
        w = read.table(t[name], path, WINDOW_KEYS)
        if w is None:
            continue
        start = read.date(w, path, "start", required=True)
        end = read.date(w, path, "end", required=True)
        if start is None or end is None:
            continue
        if end < start:
            read.add(join(path, "end"), f"the window ends ({end}) before it starts ({start})")
            continue
        found[name] = Window(name, start, end)
    _check_overlaps(read, list(found.values()))
    hours = _hours(read, t.get("hours"), "windows.hours") if "hours" in t else None
    if "baseline" not in found or "treatment" not in found:
        return None
    return Windows(baseline=found["baseline"], treatment=found["treatment"],
                   run_in=found.get("run_in"), follow_up=found.get("follow_up"), hours=hours)


def _check_overlaps(read: FieldReader, windows: list[Window]) -> None:
    overlapping = False
    for i, a in enumerate(windows):
        for b in windows[i + 1:]:
            if a.start <= b.end and b.start <= a.end:
                read.add(f"windows.{b.name}", f"overlaps windows.{a.name} ({a.start} to {a.end}); "
                                              "windows may not share a date")
                overlapping = True
    if overlapping:
        return
    for a, b in zip(windows, windows[1:], strict=False):
        if b.start < a.start:
            read.add(f"windows.{b.name}", f"must come after windows.{a.name}: windows run in the "
                                          "order baseline, run_in, treatment, follow_up")


def _hours(read: FieldReader, value: Any, path: str) -> Hours | None:
    t = read.table(value, path, HOURS_KEYS)
    if t is None:
        return None
    days = read.text_list(t, path, "days", choices=DAYS, non_empty=True,
                          empty_says="must list at least one day (Mon ... Sun)")
    start, end = _period(read, t, path, required=True)
    if start is None or end is None or ("days" in t and days is None):
        return None
    return Hours(days=days or DAYS, start=start, end=end)


def _period(read: FieldReader, t: dict[str, Any], path: str, *,
            required: bool) -> tuple[dt.time | None, dt.time | None]:
    start = read.clock(t, path, "start", required=required)
    end = read.clock(t, path, "end", required=required)
    if not required and ("start" in t) != ("end" in t):
        missing = "end" if "start" in t else "start"
        read.add(join(path, missing), "required when the other end of the period is given")
    if start is not None and start == end:
        read.add(join(path, "end"), "must differ from start (an end before the start runs "
                                    "past midnight)")
        return None, None
    return start, end


def _catchment(read: FieldReader, doc: dict[str, Any]) -> Catchment:
    t = read.optional_table(doc, "", "catchment", CATCHMENT_KEYS)
    if t is None:
        return Catchment()
    return Catchment(buffer_m=_or(read.number(t, "catchment", "buffer_m", ge=0), 0.0))


def _unused(read: FieldReader, t: dict[str, Any], path: str, delivered: set[str]) -> None:
    for what in DELIVERIES:
        if what in t and what not in delivered:
            read.add(join(path, what), f'no arm delivers "{what}" (arm.delivers)')


def _dosage(read: FieldReader, doc: dict[str, Any], delivered: set[str]) -> Dosage:
    t = read.optional_table(doc, "", "dosage", DOSAGE_KEYS)
    if t is None:
        return Dosage()
    _unused(read, t, "dosage", delivered)
    patrol = ads = None
    p = read.optional_table(t, "dosage", "patrol", PATROL_DOSAGE_KEYS)
    if p is not None:
        path = "dosage.patrol"
        start, end = _period(read, p, path, required=False)
        patrol = PatrolDosage(
            visits_per_day=read.integer(p, path, "visits_per_day", minimum=1,
                                        says="a positive integer"),
            visit_minutes=read.number(p, path, "visit_minutes", gt=0),
            min_gap_minutes=read.number(p, path, "min_gap_minutes", ge=0),
            days=_days(read, p, path), start=start, end=end)
    a = read.optional_table(t, "dosage", "ads", ADS_DOSAGE_KEYS)
    if a is not None:
        path = "dosage.ads"
        start, end = _period(read, a, path, required=False)
        age_min = read.integer(a, path, "age_min", minimum=0, says="a non-negative integer")
        age_max = read.integer(a, path, "age_max", minimum=0, says="a non-negative integer")
        if age_min is not None and age_max is not None and age_max < age_min:
            read.add(join(path, "age_max"), f"must be >= age_min ({age_min}), not {age_max}")
        ads = AdsDosage(days=_days(read, a, path), start=start, end=end, age_min=age_min,
                        age_max=age_max,
                        daily_budget_gbp=read.number(a, path, "daily_budget_gbp", ge=0))
    gps = GpsRules()
    g = read.optional_table(t, "dosage", "gps", GPS_KEYS)
    if g is not None:
        path = "dosage.gps"
        gps = GpsRules(
            max_gap_s=_or(read.number(g, path, "max_gap_s", gt=0), gps.max_gap_s),
            min_stay_s=_or(read.number(g, path, "min_stay_s", ge=0), gps.min_stay_s),
            max_speed_kmh=_or(read.number(g, path, "max_speed_kmh", gt=0), gps.max_speed_kmh))
    return Dosage(patrol=patrol, ads=ads, gps=gps)


def _days(read: FieldReader, t: dict[str, Any], path: str) -> tuple[str, ...] | None:
    return read.text_list(t, path, "days", choices=DAYS, non_empty=True,
                          empty_says="must list at least one day (Mon ... Sun), or be left out")


def _fidelity(read: FieldReader, doc: dict[str, Any], delivered: set[str]) -> Fidelity:
    t = read.optional_table(doc, "", "fidelity", FIDELITY_KEYS)
    if t is None:
        return Fidelity()
    _unused(read, t, "fidelity", delivered)
    patrol = ads = None
    p = read.optional_table(t, "fidelity", "patrol", PATROL_FIDELITY_KEYS)
    if p is not None:
        path = "fidelity.patrol"
        patrol = PatrolFidelity(
            min_visits_per_week=read.integer(p, path, "min_visits_per_week", minimum=0,
                                             says="a non-negative integer"),
            min_minutes_per_week=read.number(p, path, "min_minutes_per_week", ge=0))
    a = read.optional_table(t, "fidelity", "ads", ADS_FIDELITY_KEYS)
    if a is not None:
        ads = AdsFidelity(min_impressions_per_week=read.integer(
            a, "fidelity.ads", "min_impressions_per_week", minimum=0,
            says="a non-negative integer"))
    return Fidelity(patrol=patrol, ads=ads)


def _costs(read: FieldReader, doc: dict[str, Any], delivered: set[str]) -> Costs:
    t = read.optional_table(doc, "", "costs", COSTS_KEYS)
    if t is None:
        return Costs()
    fixed: dict[str, float] = {}
    f = read.optional_table(t, "costs", "fixed_gbp", DELIVERIES)
    if f is not None:
        _unused(read, f, "costs.fixed_gbp", delivered)
        for what in DELIVERIES:
            amount = read.number(f, "costs.fixed_gbp", what, ge=0)
            if amount is not None:
                fixed[what] = amount
    return Costs(officer_hour_gbp=read.number(t, "costs", "officer_hour_gbp", ge=0),
                 fixed_gbp=MappingProxyType(fixed))


def _privacy(read: FieldReader, doc: dict[str, Any]) -> Privacy:
    t = read.optional_table(doc, "", "privacy", PRIVACY_KEYS)
    if t is None:
        return Privacy()
    return Privacy(pseudonymise_officers=bool(read.boolean(t, "privacy",
                                                           "pseudonymise_officers")))


def _or(value: float | None, default: float) -> float:
    return default if value is None else value
