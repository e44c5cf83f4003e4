"""The allocation through the service layer: drawn once, shown, verified, imported."""

from __future__ import annotations

import pytest

from tests.service.helpers import PROTOCOL, write_spots
from trial.errors import InputError, NotFoundError, RefusedError
from trial.service import allocation, audit_trail
from trial.service.registration import register
from trial.service.spots import import_spots, list_spots
from trial.service.trials import create_trial, trial_details

pytestmark = pytest.mark.storage


@pytest.fixture
def registered(ctx, tmp_path):  # type: ignore[no-untyped-def]
    create_trial(ctx, protocol_text=PROTOCOL, source="p.toml")
    import_spots(ctx, trial=None, path=write_spots(tmp_path))
    register(ctx, trial=None)
    return ctx


def test_randomise_once(registered) -> None:  # type: ignore[no-untyped-def]
    ctx = registered
    view = allocation.randomise(ctx, trial=None)
    doc = view.as_json()
    assert set(doc) == {"trial", "seed", "seed_source", "method", "algorithm", "draws_tried",
                        "allocation", "balance"}
    assert doc["seed_source"] == "entropy" and isinstance(doc["seed"], int)
    assert doc["method"] == "stratified" and doc["algorithm"] == "spotlight-allocation/1"
    rows = doc["allocation"]
    assert [r["spot_id"] for r in rows] == sorted(r["spot_id"] for r in rows)
    assert {r["arm"] for r in rows} == {"digital", "physical", "control"}
    # Three districts of two spots, three arms: every stratum holds two different arms.
    by_stratum: dict[str, list[str]] = {}
    for r in rows:
        by_stratum.setdefault(r["stratum"], []).append(r["arm"])
        assert r["set"] is None
    assert all(len(set(a)) == 2 for a in by_stratum.values())
    counts = [sum(r["arm"] == a for r in rows) for a in ("digital", "physical", "control")]
    assert counts == [2, 2, 2]
    cov = {b["covariate"] for b in doc["balance"]}
    assert {"baseline_crimes", "baseline_harm"} <= cov
    assert trial_details(ctx, trial=None)["state"] == "randomised"
    assert {s["arm"] for s in list_spots(ctx, trial=None)} == {"digital", "physical", "control"}
    with pytest.raises(RefusedError, match="never redrawn"):
        allocation.randomise(ctx, trial=None)
    assert allocation.show(ctx, trial=None).rows == rows
    assert allocation.verify(ctx, trial=None).ok
    assert audit_trail.verify(ctx).ok


def test_randomise_needs_registration(ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    create_trial(ctx, protocol_text=PROTOCOL, source="p.toml")
    with pytest.raises(RefusedError, match="draft"):
        allocation.randomise(ctx, trial=None)
    with pytest.raises(NotFoundError):
        allocation.show(ctx, trial=None)


def test_protocol_seed_is_reproducible(ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = PROTOCOL.replace('min_separation_m = 50', 'min_separation_m = 50\nseed = 2024')
    create_trial(ctx, protocol_text=text, source="p.toml")
    import_spots(ctx, trial=None, path=write_spots(tmp_path))
    register(ctx, trial=None)
    view = allocation.randomise(ctx, trial=None)
    assert (view.seed, view.seed_source) == (2024, "protocol")
    from trial.design import allocate, generator
    from trial.service.allocation import design_inputs
    from trial.service.spots import candidate_spots
    from trial.service.trials import find_trial, trial_protocol

    with ctx.reading() as s:
        t = find_trial(s, None)
        spec, units = design_inputs(trial_protocol(t), candidate_spots(s, t))
    again = allocate(spec, units, generator(2024))
    assert [r["arm"] for r in view.rows] == list(again.arms)
    assert allocation.certificate(ctx, trial=None)["warning"]


def test_sql_edit_caught_by_both_verifications(registered) -> None:  # type: ignore[no-untyped-def]
    ctx = registered
    view = allocation.randomise(ctx, trial=None)
    first = view.rows[0]
    other = next(a for a in ("digital", "physical", "control") if a != first["arm"])
    with ctx.engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE allocation_row SET arm = '{other}' "
                             f"WHERE spot_id = '{first['spot_id']}'")
    r = allocation.verify(ctx, trial=None)
    assert not r.ok and first["spot_id"] in r.message
    a = audit_trail.verify(ctx)
    assert not a.ok and first["spot_id"] in a.problems[0]


def test_external_import(registered, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ctx = registered
    f = tmp_path / "alloc.csv"
    f.write_text("spot_id,arm,stratum\nS01,digital,a\nS02,physical,a\nS03,control,b\n"
                 "S04,digital,b\nS05,physical,c\nS06,control,c\n")
    view = allocation.import_allocation(ctx, trial=None, path=f)
    assert view.method == "external" and view.seed is None and view.algorithm is None
    assert view.rows[0] == {"spot_id": "S01", "arm": "digital", "stratum": "a", "set": None}
    r = allocation.verify(ctx, trial=None)
    assert not r.ok and "external" in r.message
    assert allocation.certificate(ctx, trial=None)["method"] == "external"
    with pytest.raises(RefusedError):
        allocation.import_allocation(ctx, trial=None, path=f)
    with pytest.raises(RefusedError):
        allocation.randomise(ctx, trial=None)
    assert audit_trail.verify(ctx).ok


def test_external_import_refusals(registered, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ctx = registered
    f = tmp_path / "bad.csv"
    f.write_text("spot_id,arm\nS01,digital\nS01,physical\nS02,digitl\nS99,control\n")
    with pytest.raises(InputError) as err:
        allocation.import_allocation(ctx, trial=None, path=f)
    text = "\n".join(str(p) for p in err.value.problems)
    assert "bad.csv:3: spot_id" in text and "bad.csv:4: arm" in text
    assert "bad.csv:5: spot_id" in text and "no arm" in text
    with pytest.raises(NotFoundError):
        allocation.show(ctx, trial=None)
