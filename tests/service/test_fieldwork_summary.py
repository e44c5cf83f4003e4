"""The home overview's dosage summary equals the fidelity report's arm rows, week and window."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.service.test_fieldwork import setup_trial
from tests.service.test_session_pages import generated_sessions
from trial.errors import RefusedError
from trial.fieldwork.times import Window
from trial.service.context import Context, open_context
from trial.service.fieldwork_report import fidelity_report
from trial.service.fieldwork_summary import ArmDosage, dosage_summary, treatment_week

FIELDS = [k for k in ArmDosage.__dataclass_fields__ if k != "arm"]


def check_equal(ctx: Context, days: list[date]) -> None:
    """For each day: the summary's arms equal the report's (its week, else the window), and
    its contaminated spots are the report's spots with contamination."""
    report = fidelity_report(ctx, trial=None, by="week")
    flagged = [(s["spot_id"], s["arm"]) for s in report["spots"] if s["contamination"]]
    weeks = {(w["from"], w["to"]): w["arms"] for w in report["by_week"]}
    for day in days:
        summary = dosage_summary(ctx, trial=None, today=day)
        if summary.period is None:
            want = report["arms"]
        else:
            want = weeks[(summary.period[0].isoformat(), summary.period[1].isoformat())]
        got = [asdict(a) for a in summary.arms]
        assert [a["arm"] for a in got] == [a["arm"] for a in want]
        for g, w in zip(got, want, strict=True):
            # exact: the same sums in the same order
            assert {k: g[k] for k in FIELDS} == {k: w[k] for k in FIELDS}, (day, g["arm"])
        assert list(summary.contaminated) == flagged


def test_treatment_week() -> None:
    w = Window(date(2024, 1, 8), date(2024, 4, 7))  # 91 days: 13 weeks
    assert treatment_week(w, date(2024, 1, 7)) is None
    assert treatment_week(w, date(2024, 4, 8)) is None
    assert treatment_week(None, date(2024, 2, 1)) is None
    assert treatment_week(w, date(2024, 1, 8)) == Window(date(2024, 1, 8), date(2024, 1, 14))
    assert treatment_week(w, date(2024, 1, 15)) == Window(date(2024, 1, 15), date(2024, 1, 21))
    assert treatment_week(w, date(2024, 4, 7)) == Window(date(2024, 4, 1), date(2024, 4, 7))
    short = Window(date(2024, 1, 1), date(2024, 1, 10))
    assert treatment_week(short, date(2024, 1, 9)) == Window(date(2024, 1, 8),
                                                             date(2024, 1, 10))


@pytest.mark.storage
def test_generated_trial_week_by_week(ctx, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SPOTLIGHT_KEY_FILE", str(tmp_path / "keys" / "spotlight.key"))
    arms = setup_trial(ctx, tmp_path)
    generated_sessions(ctx, tmp_path, arms, seed=23, patrols=120, ads=60, voids=15)
    start = date(2024, 1, 8)
    # before, every week of the window (13), its last day, and after
    days = [start - timedelta(days=1)] + [start + timedelta(days=7 * k + 3) for k in range(13)]
    check_equal(ctx, [*days, date(2024, 4, 7), date(2024, 6, 1)])
    summary = dosage_summary(ctx, trial=None, today=date(2024, 6, 1))
    assert summary.period is None and sum(a.patrol_visits for a in summary.arms) > 0
    assert sum(a.ad_impressions for a in summary.arms) > 0 and summary.contaminated
    # spend and cost are compared above; make sure there is some to compare
    assert sum(a.ad_spend for a in summary.arms) > 0 and sum(a.cost_gbp for a in summary.arms) > 0


def test_demo_trial(tmp_path: Path) -> None:
    from trial.demo.build import build_demo

    ctx = open_context(str(tmp_path / "demo.db"), user="tester",
                       clock=lambda: datetime(2024, 2, 10, 23, 30, tzinfo=UTC))
    build_demo(ctx)
    report = fidelity_report(ctx, trial=None, by="week")
    days = [date.fromisoformat(w["from"]) + timedelta(days=2) for w in report["by_week"]]
    check_equal(ctx, [*days, date(2023, 1, 1), date(2030, 1, 1)])
    assert sum(a["patrol_visits"] for a in report["arms"]) > 0
    assert sum(a["ad_spend"] for a in report["arms"]) > 0
    assert sum(a["cost_gbp"] for a in report["arms"]) > 0
    ctx.engine.dispose()


def test_blinded_readers_are_refused_as_by_the_report(tmp_path: Path) -> None:
    from trial.service.app_views import trial_overview
    from trial.service.blinding import is_blinded_reader

    ctx = open_context(str(tmp_path / "t.db"), user="tester",
                       clock=lambda: datetime(2024, 2, 10, 23, 30, tzinfo=UTC))
    text = setup_blinded(ctx, tmp_path)
    with ctx.reading() as s:
        assert is_blinded_reader(s, "tester")
    with pytest.raises(RefusedError, match="blinded") as err:
        dosage_summary(ctx, trial=None, today=date(2024, 2, 10))
    doc = trial_overview(ctx, trial=text)
    assert doc["alerts"] == [str(err.value)] and doc["fidelity"] == []
    ctx.engine.dispose()


def setup_blinded(ctx: Context, tmp_path: Path) -> Any:
    from tests.service.helpers import write_spots
    from tests.service.test_fieldwork import field_protocol
    from trial.service.allocation import randomise
    from trial.service.registration import register
    from trial.service.spots import import_spots
    from trial.service.trials import create_trial

    text = field_protocol() + "\n[analysis]\nblinded = true\n"
    name = create_trial(ctx, protocol_text=text, source="p.toml").trial
    import_spots(ctx, trial=None, path=write_spots(tmp_path))
    register(ctx, trial=None)
    randomise(ctx, trial=None)
    return name
