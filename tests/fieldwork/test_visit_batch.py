"""Batch checks of an import equal the one-by-one checks, problem for problem, flag for flag."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from trial.fieldwork.ads import AdDelivery, check_ads
from trial.fieldwork.batch_flags import (
    as_datetime,
    compliance,
    local_days,
    micros,
    outside_hours,
    outside_window,
)
from trial.fieldwork.delivery_batch import check_delivery_batch
from trial.fieldwork.flags import hours_compliance, hours_flag, window_flag
from trial.fieldwork.patrol import PatrolVisit, check_patrols
from trial.fieldwork.times import Hours, Window
from trial.fieldwork.visit_batch import Visits, check_visit_batch

LONDON = ZoneInfo("Europe/London")
# Hours crossing midnight, and the clocks changing inside the data (2024-03-31, 2024-10-27).
NIGHTS = Hours((4, 5), time(20, 0), time(4, 0))
DAYTIME = Hours((0, 1, 2, 3, 4), time(1, 30), time(2, 30))
WINDOW = Window(date(2024, 3, 1), date(2024, 10, 31))
NOW = datetime(2024, 11, 4, tzinfo=UTC)
ARMS = {"S1": ("patrol",), "S2": ("ads",), "S3": (), "S4": ("patrol", "ads")}


def _instants(rng: np.random.Generator, n: int) -> list[datetime]:
    # Around the two clock changes and the window's edges, to the minute.
    centres = [datetime(2024, 3, 31, 1, tzinfo=UTC), datetime(2024, 10, 27, 1, tzinfo=UTC),
               datetime(2024, 2, 29, 23, tzinfo=UTC), datetime(2024, 10, 31, 23, tzinfo=UTC)]
    return [centres[int(rng.integers(len(centres)))]
            + timedelta(minutes=int(rng.integers(-3000, 3000))) for _ in range(n)]


def _visits(rng: np.random.Generator, n: int, *, voided: bool = False) -> list[PatrolVisit]:
    out = []
    for start in _instants(rng, n):
        minutes = int(rng.choice([-5, 0, 10, 30, 90, 300, 800]))
        out.append(PatrolVisit(
            spot_id=str(rng.choice(["S1", "S2", "S3", "S4", "S9"])),
            start=start, end=start + timedelta(minutes=minutes),
            officer=str(rng.choice(["PC1", "PC2", "PC3", " "])),
            officers=int(rng.choice([1, 1, 2, 0])),
            purpose=str(rng.choice(["directed", "directed", "override", "bau", "walk"])),
            mode=str(rng.choice(["foot", "foot", "car"])),
            source=str(rng.choice(["import", "import", "gps", "radio"])),
            reason=str(rng.choice(["", "", "asked"])),
            voided=voided and bool(rng.random() < 0.3)))
    if n > 3 and rng.random() < 0.5:  # a repeated row
        out.append(out[int(rng.integers(len(out)))])
    return out


def _tidy(rng: np.random.Generator, n: int) -> list[PatrolVisit]:
    """Visits breaking no rule: one officer each, inside the limits (flags vary)."""
    return [PatrolVisit(str(rng.choice(["S1", "S2", "S3", "S4"])), t, t + timedelta(minutes=15),
                        f"PC{k}", purpose=str(rng.choice(["directed", "override", "bau"])),
                        source="import", reason="asked")
            for k, t in enumerate(_instants(rng, n))]


@pytest.mark.parametrize("seed", range(60))
def test_visit_batch_equals_the_one_by_one_check(seed: int) -> None:
    rng = np.random.default_rng(seed)
    clean = seed % 3 == 0
    batch = _tidy(rng, 40) if clean else _visits(rng, int(rng.integers(1, 25)))
    stored = [] if clean else _visits(rng, int(rng.integers(0, 8)), voided=True)
    lines = list(range(2, 2 + len(batch)))
    hours = (NIGHTS, DAYTIME, None)[seed % 3]
    window = WINDOW if seed % 2 else None
    ref = check_patrols(batch, lines=lines, source="log.csv", arms_by_spot=ARMS,
                        treatment_window=window, hours=hours, now=NOW, existing=stored,
                        tz=LONDON)
    got = check_visit_batch(Visits.of(batch), lines=lines, source="log.csv",
                            arms_by_spot=ARMS, treatment_window=window, hours=hours, now=NOW,
                            stored=Visits.of(stored), tz=LONDON)
    assert got.problems == ref.problems
    assert got.flags == tuple(a.flags for a in ref.rows)
    if clean:
        assert not got.problems and any(got.flags)


def test_an_overlap_names_the_first_visit_the_officer_is_logged_at() -> None:
    t = datetime(2024, 3, 8, 21, tzinfo=UTC)
    stored = [PatrolVisit("S1", t, t + timedelta(minutes=30), "PC1"),
              PatrolVisit("S4", t + timedelta(minutes=5), t + timedelta(minutes=20), "PC1")]
    batch = [PatrolVisit("S4", t + timedelta(minutes=10), t + timedelta(minutes=40), "PC1")]
    got = check_visit_batch(Visits.of(batch), lines=[2], source="log.csv", arms_by_spot=ARMS,
                            treatment_window=None, hours=None, now=NOW,
                            stored=Visits.of(stored), tz=LONDON)
    (p,) = got.problems
    assert (p.line, p.field) == (2, "officer")
    assert p.what == "PC1 is already logged at S1 from 2024-03-08 21:00 to 2024-03-08 21:30"


def _deliveries(rng: np.random.Generator, n: int) -> list[AdDelivery]:
    out = []
    for start in _instants(rng, n):
        hours_long = int(rng.choice([1, 1, 24, 0, -1, 100]))
        impressions = int(rng.choice([100, 0, -1]))
        out.append(AdDelivery(
            spot_id=str(rng.choice(["S1", "S2", "S3", "S4", "S9"])),
            platform=str(rng.choice(["tiktok", "snapchat", "myspace"])), start=start,
            end=start + timedelta(hours=hours_long), impressions=impressions,
            clicks=int(rng.choice([0, 5, 200])), spend_gbp=float(rng.choice([1.5, -2.0])),
            reach=rng.choice([None, 50, 500]), video_views=rng.choice([None, 3, -3]),
            ad_group=str(rng.choice(["g1", "g2"])), theme=rng.choice([None, "drugs", "cats"]),
            message=rng.choice([None, "nudge", "shout"])))
    return out


@pytest.mark.parametrize("seed", range(40))
def test_delivery_batch_equals_the_one_by_one_check(seed: int) -> None:
    rng = np.random.default_rng(1000 + seed)
    rows = _deliveries(rng, int(rng.integers(1, 30)))
    if seed % 2:  # rows breaking no rule
        rows = [r for r in rows if r.spot_id != "S9" and r.platform != "myspace"
                and r.impressions >= 200 and r.end > r.start]
        rows = [AdDelivery(r.spot_id, r.platform, r.start, r.end, 300, 5, 1.0,
                           ad_group=r.ad_group) for r in rows]
    lines = list(range(2, 2 + len(rows)))
    hours = (NIGHTS, DAYTIME, None)[seed % 3]
    bad = {("tiktok", "", "g2")}
    ref = check_ads(rows, lines=lines, source="ads.csv", arms_by_spot=ARMS,
                    contaminated_targets=bad, treatment_window=WINDOW, hours=hours, tz=LONDON)
    got = check_delivery_batch(rows, lines=lines, source="ads.csv", arms_by_spot=ARMS,
                               contaminated_targets=bad, treatment_window=WINDOW, hours=hours,
                               tz=LONDON)
    assert got.problems == ref.problems
    assert got.flags == tuple(a.flags for a in ref.rows)
    assert got.hours_compliance == tuple(a.hours_compliance for a in ref.rows)


@pytest.mark.parametrize("zone", ["Europe/London", "America/Santiago", "Australia/Lord_Howe",
                                  "Asia/Kathmandu", "UTC"])
def test_local_days_and_hours_equal_their_one_row_forms(zone: str) -> None:
    tz = ZoneInfo(zone)
    rng = np.random.default_rng(7)
    base = datetime(2020, 1, 1, tzinfo=UTC)
    starts = [base + timedelta(minutes=int(m)) for m in rng.integers(0, 3 * 525_600, 800)]
    ends = [s + timedelta(minutes=int(m)) for s, m in zip(starts, rng.integers(-60, 6000, 800),
                                                          strict=True)]
    s_us, e_us = micros(starts), micros(ends)
    assert [as_datetime(int(v)) for v in s_us[:50]] == starts[:50]
    days = local_days(s_us, tz)
    assert days.tolist() == [(s.astimezone(tz).date() - date(1970, 1, 1)).days for s in starts]
    for hours in (NIGHTS, DAYTIME, Hours((6,), time(0), time(0))):
        assert outside_hours(s_us, e_us, hours, tz).tolist() == [
            bool(hours_flag(s, e, hours, tz)) for s, e in zip(starts, ends, strict=True)]
        assert compliance(s_us, e_us, hours, tz).tolist() == [
            hours_compliance(s, e, hours, tz) for s, e in zip(starts, ends, strict=True)]
    assert outside_window(s_us, e_us, WINDOW, tz).tolist() == [
        bool(window_flag(s, e, WINDOW, tz)) for s, e in zip(starts, ends, strict=True)]
