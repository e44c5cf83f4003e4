"""The trial's data-protection record: set (audited, checked), shown by ``trial show``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.service.helpers import PROTOCOL, write_spots
from trial.errors import InputError, RefusedError
from trial.service import audit_trail
from trial.service.context import Context
from trial.service.data_protection import set_data_protection
from trial.service.registration import register
from trial.service.spots import import_spots
from trial.service.trials import create_trial, trial_details

pytestmark = pytest.mark.storage


def _at(ctx: Context) -> Context:
    return Context(engine=ctx.engine, actor=ctx.actor,
                   clock=lambda: datetime(2024, 1, 5, 12, 0, tzinfo=UTC))


def test_set_and_show(ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    c = _at(ctx)
    create_trial(c, protocol_text=PROTOCOL, source="p.toml")
    import_spots(c, trial=None, path=write_spots(tmp_path))
    args = {"basis": "UK GDPR 6(1)(e), DPA 2018 s35 (law enforcement)", "dpia": "DPIA-2024-07",
            "dsa": "DSA WYP-UoL 2023/11", "retain_until": "2031-12-31"}
    with pytest.raises(RefusedError, match="draft"):
        set_data_protection(c, trial=None, **args)
    register(c, trial=None)
    assert trial_details(c, trial=None)["retain_until"] is None
    doc = set_data_protection(c, trial=None, **args)
    assert doc == {"trial": "test-trial", "data_protection_basis": args["basis"],
                   "dpia_reference": "DPIA-2024-07", "data_sharing_agreement": args["dsa"],
                   "retain_until": "2031-12-31"}
    set_data_protection(c, trial=None, **{**args, "retain_until": "2032-06-30"})
    d = trial_details(c, trial=None)
    assert (d["dpia_reference"], d["retain_until"]) == ("DPIA-2024-07", "2032-06-30")
    assert audit_trail.verify(c).ok


def test_every_problem_at_once(ctx) -> None:  # type: ignore[no-untyped-def]
    c = _at(ctx)
    with pytest.raises(InputError) as err:
        set_data_protection(c, trial=None, basis=" ", dpia="x\x00", dsa="ok",
                            retain_until="2024-01-05")
    assert [p.field for p in err.value.problems] == ["basis", "dpia", "retain_until"]
    with pytest.raises(InputError, match="not a date"):
        set_data_protection(c, trial=None, basis="b", dpia="d", dsa="s", retain_until="31/12/30")
