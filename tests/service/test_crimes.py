"""Outcome records through the service layer, on the real City of London police.uk files."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import func, select

from trial.errors import InputError, RefusedError
from trial.service import audit_trail
from trial.service.crimes import import_crimes, list_crimes, snap_points
from trial.service.outcomes import lock_outcomes, lock_status, outcome_table
from trial.service.registration import register
from trial.service.spots import import_spot_data
from trial.service.trials import create_trial
from trial.store.models import AuditEntry, CrimeRecord

pytestmark = pytest.mark.storage

PROTOCOL = """
[trial]
name = "col"
[[arm]]
name = "patrol"
delivers = ["patrol"]
[[arm]]
name = "control"
control = true
[design]
method = "complete"
[windows]
baseline = { start = "2018-04-01", end = "2019-03-31" }
treatment = { start = "2019-04-01", end = "2019-12-31" }
follow_up = { start = "2020-01-01", end = "2020-11-30" }
[catchment]
buffer_m = 100
[[outcome]]
name = "crime"
primary = true
crime_types = "all"
exclude = ["Anti-social behaviour"]
[[outcome]]
name = "violence"
crime_types = ["Violence and sexual offences"]
measure = "harm"
[[hypothesis]]
id = "H1"
outcome = "crime"
compare = ["patrol", "control"]
confirmatory = true
"""
SPOTS = b"""spot_id,name,lat,lon,radius_m
A,Bank,51.5133,-0.0890,80
B,Liverpool St,51.5178,-0.0823,80
C,Fleet St,51.5140,-0.1060,80
D,Barbican,51.5200,-0.0940,80
"""
COUNTERS = ("in_spots", "in_catchments", "outside", "unlocatable", "excluded")


def _trial(ctx, protocol: str = PROTOCOL) -> None:  # type: ignore[no-untyped-def]
    create_trial(ctx, protocol_text=protocol, source="col.toml")
    import_spot_data(ctx, trial=None, data=SPOTS, source="spots.csv")
    register(ctx, trial=None)


def _months(shared: Path, *months: str) -> list[Path]:
    base = shared / "police-uk" / "city-of-london"
    return [base / m / f"{m}-city-of-london-street.csv" for m in months]


def _independent_counts(paths: list[Path]) -> tuple[int, Counter[tuple[str, str]]]:
    """Rows and (month, crime type) counts after de-duplication, with the csv module."""
    rows = []
    for p in paths:
        with p.open(newline="", encoding="utf-8") as f:
            rows.extend(csv.DictReader(f))
    by_id: dict[str, dict[str, str]] = {}
    asb: list[dict[str, str]] = []
    for r in rows:
        cid = r["Crime ID"]
        if not cid:
            asb.append(r)
        elif cid not in by_id or (not by_id[cid]["Longitude"] and r["Longitude"]):
            by_id[cid] = r
    kept = [*by_id.values(), *asb]
    return len(rows), Counter((r["Month"], r["Crime type"]) for r in kept)


def test_import_accounts_for_every_record(ctx, shared_data) -> None:  # type: ignore[no-untyped-def]
    _trial(ctx)
    paths = _months(shared_data, "2019-04", "2019-05", "2019-06")
    r = import_crimes(ctx, trial=None, paths=paths)
    rows, expected = _independent_counts(paths)
    assert r.imported + r.duplicates == rows
    assert sum(getattr(r, k) for k in COUNTERS) == r.imported
    assert r.imported == sum(expected.values())
    with ctx.reading() as s:
        n = s.exec(select(func.count()).select_from(CrimeRecord)).one()
        stored = Counter(s.exec(select(CrimeRecord.month, CrimeRecord.crime_type)).all())
    assert n == r.imported
    assert stored == expected
    # Re-importing the same files adds nothing.
    again = import_crimes(ctx, trial=None, paths=paths)
    assert again.imported == 0 and again.duplicates == rows
    assert audit_trail.verify(ctx).ok


def test_outcome_table_matches_records(ctx, shared_data) -> None:  # type: ignore[no-untyped-def]
    _trial(ctx)
    import_crimes(ctx, trial=None, paths=[shared_data / "police-uk" / "city-of-london"])
    table = outcome_table(ctx, trial=None)
    assert len(table.rows) == 4 * 3 * 2
    row = next(r for r in table.rows if (r["spot_id"], r["window"], r["outcome"]) ==
               ("A", "treatment", "crime"))
    behind = list_crimes(ctx, trial=None, spot="A", window="treatment", area="spot")
    assert row["count"] == sum(1 for b in behind if b["crime_type"] != "Anti-social behaviour")
    assert isinstance(row["count"], int) and row["arm"] is None
    viol = next(r for r in table.rows if (r["spot_id"], r["window"], r["outcome"]) ==
                ("A", "treatment", "violence"))
    n_viol = sum(1 for b in behind if b["crime_type"] == "Violence and sexual offences")
    # A single-category harm outcome is a rescaled count (the category's mean CCHI days).
    assert viol["count"] == n_viol and viol["harm"] > 0 if n_viol else viol["harm"] == 0
    monthly = outcome_table(ctx, trial=None, monthly=True)
    in_window = [r for r in monthly.rows if r["spot_id"] == "A" and r["outcome"] == "crime"
                 and "2019-04" <= r["month"] <= "2019-12"]
    assert sum(r["count"] for r in in_window) == row["count"]
    assert all(s["snap_points"] > 0 for s in snap_points(ctx, trial=None))


def test_missing_month_warns(ctx, shared_data) -> None:  # type: ignore[no-untyped-def]
    _trial(ctx)
    import_crimes(ctx, trial=None, paths=_months(shared_data, "2019-04", "2019-06"))
    t = outcome_table(ctx, trial=None)
    assert any("2019-05" in w and "missing" in w for w in t.warnings)


def test_hours_with_month_level_data_refused(ctx, shared_data) -> None:  # type: ignore[no-untyped-def]
    text = PROTOCOL.replace('[catchment]', 'hours = { days = ["Fri", "Sat"], start = "20:00", '
                                           'end = "04:00" }\n[catchment]')
    _trial(ctx, text)
    import_crimes(ctx, trial=None, paths=_months(shared_data, "2019-04"))
    with pytest.raises(InputError, match="hours"):
        outcome_table(ctx, trial=None)


def test_window_cutting_a_month_refused(ctx, shared_data) -> None:  # type: ignore[no-untyped-def]
    _trial(ctx, PROTOCOL.replace('treatment = { start = "2019-04-01"',
                                 'treatment = { start = "2019-04-08"'))
    import_crimes(ctx, trial=None, paths=_months(shared_data, "2019-04"))
    with pytest.raises(InputError) as err:
        outcome_table(ctx, trial=None)
    assert "whole month" in str(err.value)


def test_bad_file_writes_nothing(ctx, tmp_path, shared_data) -> None:  # type: ignore[no-untyped-def]
    _trial(ctx)
    good = _months(shared_data, "2019-04")[0]
    lines = good.read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].replace("51.5", "not-a-number", 1)
    bad = tmp_path / "2019-05-city-of-london-street.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with ctx.reading() as s:
        before = s.exec(select(func.count()).select_from(AuditEntry)).one()
    with pytest.raises(InputError) as err:
        import_crimes(ctx, trial=None, paths=[good, bad])
    assert "2019-05-city-of-london-street.csv:6" in str(err.value)
    with ctx.reading() as s:
        assert s.exec(select(func.count()).select_from(CrimeRecord)).one() == 0
        assert s.exec(select(func.count()).select_from(AuditEntry)).one() == before


def test_needs_registration(ctx, shared_data) -> None:  # type: ignore[no-untyped-def]
    create_trial(ctx, protocol_text=PROTOCOL, source="col.toml")
    with pytest.raises(RefusedError, match="draft"):
        import_crimes(ctx, trial=None, paths=_months(shared_data, "2019-04"))


def test_lock_and_later_imports(ctx, shared_data) -> None:  # type: ignore[no-untyped-def]
    _trial(ctx)
    import_crimes(ctx, trial=None, paths=_months(shared_data, "2019-04"))
    lock = lock_outcomes(ctx, trial=None)
    assert len(lock["sha256"]) == 64 and lock["records"] > 0
    with pytest.raises(RefusedError, match="already locked"):
        lock_outcomes(ctx, trial=None)
    import_crimes(ctx, trial=None, paths=_months(shared_data, "2019-05"))
    status = lock_status(ctx, trial=None)
    assert status["locked"] and status["imported_since"] > 0


def test_audit_catches_edited_record(ctx, shared_data) -> None:  # type: ignore[no-untyped-def]
    _trial(ctx)
    import_crimes(ctx, trial=None, paths=_months(shared_data, "2019-04"))
    with ctx.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE crime_record SET area = 'outside' WHERE id IN "
                             "(SELECT id FROM crime_record WHERE area = 'spot' LIMIT 1)")
    r = audit_trail.verify(ctx)
    assert not r.ok and "crime_record" in r.problems[0]
