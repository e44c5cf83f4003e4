"""The fidelity plot's weeks equal the report's week-by-week patrol minutes per arm."""

from __future__ import annotations

from tests.service.test_fieldwork import setup_trial
from tests.service.test_session_pages import generated_sessions
from trial.service.fieldwork_report import fidelity_report
from tui.screens.fidelity import weekly_minutes


def test_weekly_minutes_are_the_reports_weeks(ctx, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SPOTLIGHT_KEY_FILE", str(tmp_path / "keys" / "spotlight.key"))
    arms = setup_trial(ctx, tmp_path)
    generated_sessions(ctx, tmp_path, arms, seed=5, patrols=90, ads=20, voids=7)
    report = fidelity_report(ctx, trial=None, by="week")
    # what the plot drew before: each week's spots summed per arm
    want = [{a["arm"]: sum(s["patrol_minutes"] for s in w["spots"] if s["arm"] == a["arm"])
             for a in report["arms"]} for w in report["by_week"]]
    got = weekly_minutes(ctx, trial=None)
    assert len(got) == len(want) == 13
    assert got == want
    assert sum(v for w in got for v in w.values()) > 0
