"""`audit verify` catches edits made with plain SQL: a spot, the protocol, a deleted entry."""

from __future__ import annotations

import pytest

from tests.service.helpers import PROTOCOL, write_spots
from trial.service import audit_trail
from trial.service.registration import register
from trial.service.spots import import_spots
from trial.service.trials import create_trial

pytestmark = pytest.mark.storage


@pytest.fixture
def registered(ctx, tmp_path):  # type: ignore[no-untyped-def]
    create_trial(ctx, protocol_text=PROTOCOL, source="p.toml")
    import_spots(ctx, trial=None, path=write_spots(tmp_path))
    register(ctx, trial=None)
    assert audit_trail.verify(ctx).ok
    return ctx


def _sql(ctx, statement: str) -> None:  # type: ignore[no-untyped-def]
    with ctx.engine.begin() as conn:
        conn.exec_driver_sql(statement)


def test_edited_spot_row(registered) -> None:  # type: ignore[no-untyped-def]
    _sql(registered, "UPDATE spot SET attributes = replace(attributes, '\"baseline_crimes\":12', "
                     "'\"baseline_crimes\":2') WHERE spot_id = 'S01'")
    r = audit_trail.verify(registered)
    assert not r.ok
    assert "spot row" in r.problems[0] and "S01" in r.problems[0]


def test_deleted_spot_row(registered) -> None:  # type: ignore[no-untyped-def]
    _sql(registered, "DELETE FROM spot WHERE spot_id = 'S03'")
    r = audit_trail.verify(registered)
    assert not r.ok and "S03" in r.problems[0] and "missing" in r.problems[0]


def test_edited_protocol(registered) -> None:  # type: ignore[no-untyped-def]
    _sql(registered, "UPDATE trial SET protocol_text = replace(protocol_text, 'A small', 'A')")
    r = audit_trail.verify(registered)
    assert not r.ok and "trial test-trial" in r.problems[0]


def test_deleted_entry(registered) -> None:  # type: ignore[no-untyped-def]
    _sql(registered, "DELETE FROM audit_entry WHERE id = 2")
    r = audit_trail.verify(registered)
    assert not r.ok and "audit entry 2 is missing" in r.problems[0]


def test_deleted_newest_entry(registered) -> None:  # type: ignore[no-untyped-def]
    _sql(registered, "DELETE FROM audit_entry WHERE id = 3")
    r = audit_trail.verify(registered)
    assert not r.ok


def test_edited_entry(registered) -> None:  # type: ignore[no-untyped-def]
    _sql(registered, "UPDATE audit_entry SET actor = 'someone-else' WHERE id = 1")
    r = audit_trail.verify(registered)
    assert not r.ok and "audit entry 1" in r.problems[0]


def test_every_row_of_an_entry_deleted(registered) -> None:  # type: ignore[no-untyped-def]
    _sql(registered, "DELETE FROM spot")
    r = audit_trail.verify(registered)
    assert not r.ok and "spot" in r.problems[0]
