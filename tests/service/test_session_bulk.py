"""Imports stored in bulk: the audit digest is the per-row one, and verify catches any change."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlmodel import select

from tests.service.test_fieldwork import LOG, setup_trial
from tests.service.test_fieldwork_ads import ADS_CSV
from trial.audit import AUDITED, rows_digest
from trial.service import audit_trail, fieldwork_import
from trial.service import fieldwork as fw
from trial.service import fieldwork_ads as fa
from trial.store import session_rows
from trial.store.fieldwork_content import field_session_content
from trial.store.fieldwork_models import FieldSession
from trial.store.models import AuditEntry

pytestmark = pytest.mark.storage


@pytest.fixture
def imported(ctx, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A patrol log and an ad report imported through the bulk digest (no per-row names)."""
    monkeypatch.setenv("SPOTLIGHT_KEY_FILE", str(tmp_path / "keys" / "spotlight.key"))
    monkeypatch.setattr(fieldwork_import, "ROW_HASH_LIMIT", 0)
    arms = setup_trial(ctx, tmp_path)
    p, c, d = arms["physical"][0], arms["control"][0], arms["digital"][0]
    log = tmp_path / "log.csv"
    log.write_text(LOG.format(p=p, c=c), encoding="utf-8")
    ads = tmp_path / "ads.csv"
    ads.write_text(ADS_CSV.format(d=d, c=c), encoding="utf-8")
    assert fw.import_patrols(ctx, trial=None, path=log).imported == 5
    assert fa.import_ads(ctx, trial=None, path=ads).imported == 3
    return ctx


def _entry_digests(ctx: Any) -> dict[int, str]:
    import json

    with ctx.reading() as s:
        return {int(e.id): json.loads(e.detail)["tables"]["field_session"]
                for e in s.exec(select(AuditEntry)) if e.action.startswith("sessions import")}


def test_bulk_digest_is_the_per_row_digest(imported) -> None:  # type: ignore[no-untyped-def]
    ctx = imported
    table = AUDITED["field_session"]
    with ctx.reading() as s:
        rows = list(s.exec(select(FieldSession)))
        by_entry: dict[int, list[dict[str, Any]]] = {}
        for r in rows:
            by_entry.setdefault(int(r.audit_id), []).append(field_session_content(r))
    digests = _entry_digests(ctx)
    assert sorted(digests) == sorted(by_entry) and len(digests) == 2
    for aid, contents in by_entry.items():
        assert digests[aid] == rows_digest(table, contents)
    assert audit_trail.verify(ctx).ok


@pytest.mark.parametrize("change", [
    "UPDATE field_session SET officers = 7 WHERE officer = 'PC202'",
    "UPDATE field_session SET spend_gbp = 9.5 WHERE kind = 'ad' AND spend_gbp = 9.0",
    "UPDATE field_session SET flags = '[]'",
    "DELETE FROM field_session WHERE notes = 'wrong spot'",
    "INSERT INTO field_session (trial_id, kind, spot_id, start_utc, end_utc, source, flags, "
    "notes, officer_pseudonymised, logged_at, logged_by, audit_id) SELECT trial_id, kind, "
    "spot_id, start_utc, end_utc, source, flags, 'copy', officer_pseudonymised, logged_at, "
    "logged_by, audit_id FROM field_session WHERE notes = 'quiet'",
])
def test_verify_catches_a_changed_bulk_row(imported, change: str) -> None:  # type: ignore[no-untyped-def]
    ctx = imported
    with ctx.engine.begin() as conn:
        conn.execute(text(change))
    r = audit_trail.verify(ctx)
    assert not r.ok and "field_session rows written by audit entry" in r.problems[0]


def test_small_imports_still_name_the_row(ctx, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SPOTLIGHT_KEY_FILE", str(tmp_path / "keys" / "spotlight.key"))
    arms = setup_trial(ctx, tmp_path)
    log = tmp_path / "log.csv"
    log.write_text(LOG.format(p=arms["physical"][0], c=arms["control"][0]), encoding="utf-8")
    fw.import_patrols(ctx, trial=None, path=log)
    with ctx.engine.begin() as conn:
        conn.execute(text("UPDATE field_session SET mode = 'cycle' WHERE notes = 'quiet'"))
    r = audit_trail.verify(ctx)
    assert not r.ok and "field_session row" in r.problems[0] and "changed" in r.problems[0]
    assert "rows written" not in r.problems[0]


_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**12),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=6),
                    st.sampled_from(["é", "\"", "\\", "\n", "☃", "[\"a\"]"]))


@settings(max_examples=300, deadline=None)
@given(name=st.sampled_from(["line", "impressions", "reach", "spend", "spend_gbp", "spot_id",
                             "theme", "officer_pseudonymised", "flags"]),
       values=st.lists(_VALUES, max_size=12))
def test_a_column_encodes_as_its_values_one_by_one(name: str, values: list[Any]) -> None:
    if name in ("spend", "spend_gbp"):
        values = [v if v is None else float(v) for v in values
                  if not isinstance(v, str)]
    if name == "flags":
        values = [v for v in values if isinstance(v, str)]
    assert session_rows._encoded(name, values) == [session_rows._encode(name, v)
                                                    for v in values]


@settings(max_examples=100, deadline=None)
@given(us=st.lists(st.one_of(st.integers(0, 4_102_444_800_000_000),
                             st.integers(0, 4_102_444_800).map(lambda s: s * 1_000_000)),
                   min_size=1, max_size=8))
def test_stamps_are_the_stamps_of_the_times(us: list[int]) -> None:
    from trial.fieldwork.batch_flags import as_datetime
    from trial.store.content import stamp

    got = session_rows._stamps(np.array(us, dtype=np.int64))
    assert got == [json.dumps(stamp(as_datetime(v))) for v in us]
