"""GPS, radio and body-worn-video pings turned into patrol visits by geofence dwell."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from pathlib import Path

import numpy as np
import pandas as pd

from trial.errors import InputError, Problem
from trial.fieldwork.patrol import DIRECTED, PatrolVisit
from trial.fieldwork.times import LocalTimeError, parse_local_time
from trial.geo import BNG, WGS84, SpotShape, to_metric


def _who(pings: pd.DataFrame) -> str:
    for name in ("officer", "device"):
        if name in pings.columns:
            return name
    raise InputError(Problem("pings need a device or officer column", None, None, "device"))


def visits_from_pings(pings: pd.DataFrame, shapes: Sequence[SpotShape], *,
                      max_gap_s: float = 120.0, min_stay_s: float = 120.0,
                      max_speed_kmh: float = 10.0, purpose: str = DIRECTED,
                      mode: str = "foot", source: str = "gps") -> tuple[PatrolVisit, ...]:
    """Turn pings into visits: a dwell of one device inside one spot.

    A stay is a chain of consecutive pings of one device, all inside the same spot, each at
    most ``max_gap_s`` after the one before and reached from it at under ``max_speed_kmh``
    (so a car driving through is not a visit, and a gap splits a stay in two). A stay becomes
    a visit, from its first ping to its last, when it lasts at least ``min_stay_s``.

    Args:
        pings: one row per ping: ``device`` or ``officer``; ``time`` (aware datetimes or
            ISO 8601 text with an offset); ``lat``/``lon`` (WGS84) or ``easting``/``northing``
            (British National Grid).
        shapes: the spots' metric shapes (a ping on the edge is inside).
        max_gap_s, min_stay_s, max_speed_kmh: ``[dosage].gps`` (defaults 120, 120, 10).
        purpose, mode, source: given to every visit (``source`` is ``gps`` unless the pings
            came from body-worn video, ``bwv``).

    Returns:
        The visits ordered by officer and start, one officer each.

    Raises:
        InputError: missing columns or times without an offset.
    """
    who = _who(pings)
    if "time" not in pings.columns:
        raise InputError(Problem("pings need a time column", None, None, "time"))
    if {"lat", "lon"} <= set(pings.columns):
        x, y = to_metric(pings["lon"].to_numpy(float), pings["lat"].to_numpy(float), WGS84)
    elif {"easting", "northing"} <= set(pings.columns):
        x, y = to_metric(pings["easting"].to_numpy(float), pings["northing"].to_numpy(float),
                         BNG)
    else:
        raise InputError(Problem("pings need lat and lon, or easting and northing", None,
                                 None, "lat"))
    try:
        times = pd.to_datetime(pings["time"], utc=False)
        if times.dt.tz is None:
            raise ValueError
        times = times.dt.tz_convert("UTC")
    except (ValueError, TypeError, AttributeError):
        raise InputError(Problem("ping times need a UTC offset (read them with read_pings_csv "
                                 "to apply the trial's timezone)", None, None, "time")) from None
    spot = np.full(len(pings), -1, dtype=np.int64)
    for k, shape in reversed(list(enumerate(shapes))):
        spot[shape.edge_distance(x, y) <= 0.0] = k
    frame = pd.DataFrame({"who": pings[who].astype(str).to_numpy(), "t": times.to_numpy(),
                          "x": x, "y": y, "spot": spot}).sort_values(["who", "t"], kind="stable")
    secs = (frame["t"] - frame["t"].min()).dt.total_seconds().to_numpy(float)
    who_a = frame["who"].to_numpy()
    sp = frame["spot"].to_numpy()
    fx, fy = frame["x"].to_numpy(float), frame["y"].to_numpy(float)
    dt = np.diff(secs)
    dist = np.hypot(np.diff(fx), np.diff(fy))
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(dt > 0, dist / dt * 3.6, np.where(dist > 0, np.inf, 0.0))
    linked = ((who_a[1:] == who_a[:-1]) & (sp[1:] == sp[:-1]) & (sp[1:] >= 0)
              & (dt <= max_gap_s) & (speed < max_speed_kmh))
    stamps = [t.to_pydatetime() for t in frame["t"]]
    visits: list[PatrolVisit] = []
    i, n = 0, len(frame)
    while i < n:
        j = i
        while j < n - 1 and linked[j]:
            j += 1
        if j > i and secs[j] - secs[i] >= min_stay_s:
            visits.append(PatrolVisit(
                spot_id=shapes[int(sp[i])].spot_id, start=_utc(stamps[i]), end=_utc(stamps[j]),
                officer=str(who_a[i]), purpose=purpose, mode=mode, source=source))
        i = j + 1
    return tuple(visits)


def _utc(t: datetime) -> datetime:
    return t.astimezone(UTC)


def read_pings_csv(path: str | Path, *, timezone: tzinfo) -> pd.DataFrame:
    """Read a pings CSV (``device`` or ``officer``, ``time``, ``lat,lon`` or
    ``easting,northing``); local times are read in the trial's timezone.

    Raises:
        InputError: every problem, FILE:LINE: FIELD (header = line 1).
    """
    p = Path(path)
    try:
        raw = pd.read_csv(p, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise InputError(Problem(f"cannot read the file: {exc}", p.name)) from None
    raw.columns = [c.strip().lower() for c in raw.columns]
    problems: list[Problem] = []
    if not ({"device", "officer"} & set(raw.columns)):
        problems.append(Problem("missing column: expected device or officer", p.name, 1,
                                "device"))
    coords = ("lat", "lon") if {"lat", "lon"} <= set(raw.columns) else ("easting", "northing")
    for col in ("time", *coords):
        if col not in raw.columns:
            problems.append(Problem("missing column (pings need time and lat,lon or "
                                    "easting,northing)", p.name, 1, col))
    if problems:
        raise InputError(problems)
    times: list[datetime | None] = []
    for k, text in enumerate(raw["time"], start=2):
        try:
            times.append(parse_local_time(text, timezone))
        except LocalTimeError as exc:
            problems.append(Problem(str(exc), p.name, k, "time"))
            times.append(None)
    out = raw.copy()
    for col in coords:
        values = pd.to_numeric(raw[col], errors="coerce")
        for bad in np.flatnonzero(values.isna().to_numpy()).tolist():
            problems.append(Problem(f"{raw[col].iloc[bad]!r} is not a number", p.name,
                                    bad + 2, col))
        out[col] = values
    if problems:
        raise InputError(sorted(problems, key=lambda q: q.line or 0))
    out["time"] = pd.to_datetime(pd.Series(times), utc=True)
    return out
