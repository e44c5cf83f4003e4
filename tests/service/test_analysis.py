"""The registered analysis through the service layer, on the demo trial and its planted effect."""

from __future__ import annotations

import pytest

from trial.demo.build import build_demo, demo_protocol_text
from trial.errors import InputError, NotFoundError, RefusedError
from trial.service import audit_trail
from trial.service.analysis import amend, run_analysis, saved_results
from trial.service.context import open_context
from trial.service.outcomes import lock_status


@pytest.fixture(scope="module")
def demo(tmp_path_factory):  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    ctx = open_context(str(path), user="tester")
    build_demo(ctx)
    return ctx


def test_planted_effect_is_found(demo) -> None:  # type: ignore[no-untyped-def]
    doc = run_analysis(demo, trial=None)
    h = {r["id"]: r for r in doc["hypotheses"]}
    # The demo plants a rate ratio of 0.5 in the physical-patrol spots.
    assert h["H1"]["estimate"] < 0.8 and h["H1"]["ci_high"] < 1
    assert h["H1"]["p_adjusted"] < 0.05 and h["H1"]["decision"].startswith("superiority shown")
    assert h["H1"]["p_randomisation"] is not None and h["H1"]["p_randomisation"] < 0.05
    assert h["H3"]["p_randomisation"] is None
    assert doc["outcome_lock"] is None and doc["saved"] is False
    model = next(m for m in doc["models"] if m["outcome"] == "public_crime"
                 and m["window"] == "treatment" and m["area"] == "spots")
    terms = [c["term"] for c in model["coefficients"]]
    assert terms[:4] == ["(intercept)", "arm[digital]", "arm[physical]", "log1p_baseline"]
    assert any(t.startswith("stratum[") for t in terms)
    assert model["model"] == "negative-binomial" and model["theta"] > 0
    c = doc["consort"]
    assert (c["assessed"], c["excluded"], c["randomised"]) == (60, 4, 56)
    assert sum(c["allocated"].values()) == 56
    assert {d["arm"] for d in doc["displacement"]} == {"digital", "physical"}
    for key in ("id", "status", "outcome", "window", "compare", "test", "alternative",
                "margin", "confirmatory", "model", "estimate", "ci_low", "ci_high",
                "p_value", "p_adjusted", "p_randomisation", "decision", "rirr", "cohens_d",
                "per_protocol", "cace"):
        assert key in h["H1"]


def test_amendment_statuses_and_save(demo) -> None:  # type: ignore[no-untyped-def]
    text = demo_protocol_text()
    with pytest.raises(RefusedError, match="identical"):
        amend(demo, trial=None, protocol_text=text, source="same.toml", reason="none")
    with pytest.raises(RefusedError, match="design"):
        amend(demo, trial=None, protocol_text=text.replace("seed = 20240108", "seed = 1"),
              source="x.toml", reason="try another seed")
    extra = text + ('\n[[hypothesis]]\nid = "H4"\noutcome = "public_crime"\n'
                    'compare = ["digital", "control"]\nwindow = "follow_up"\n'
                    'confirmatory = true\n')
    extra = extra.replace('id = "H2"\noutcome = "public_crime"',
                          'id = "H2"\noutcome = "violence_harm"')
    r = amend(demo, trial=None, protocol_text=extra, source="amended.toml",
              reason="follow-up window added after the vendor extended the campaign")
    assert r["version"] == 1
    doc = run_analysis(demo, trial=None, save=True)
    status = {h["id"]: (h["status"], h["confirmatory"]) for h in doc["hypotheses"]}
    assert status == {"H1": ("registered", True), "H2": ("amended", True),
                      "H3": ("registered", True), "H4": ("added", False)}
    assert doc["amendments"][0]["reason"].startswith("follow-up")
    assert doc["saved"] and len(doc["outcome_lock"]) == 64
    assert lock_status(demo, trial=None)["locked"]
    saved = saved_results(demo, trial=None)
    assert saved["results_sha256"] == doc["results_sha256"]
    assert audit_trail.verify(demo).ok


def test_no_saved_results(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ctx = open_context(str(tmp_path / "x.db"), user="t")
    ctx2 = ctx
    from tests.service.helpers import PROTOCOL
    from trial.service.trials import create_trial

    create_trial(ctx2, protocol_text=PROTOCOL, source="p.toml")
    with pytest.raises(NotFoundError):
        saved_results(ctx2, trial=None)
    with pytest.raises(RefusedError):
        run_analysis(ctx2, trial=None)


def test_missing_month_refuses(tmp_path, shared_data) -> None:  # type: ignore[no-untyped-def]
    from tests.service.test_crimes import PROTOCOL, SPOTS
    from trial.service.allocation import randomise
    from trial.service.crimes import import_crimes
    from trial.service.registration import register
    from trial.service.spots import import_spot_data
    from trial.service.trials import create_trial

    ctx = open_context(str(tmp_path / "c.db"), user="t")
    create_trial(ctx, protocol_text=PROTOCOL, source="col.toml")
    import_spot_data(ctx, trial=None, data=SPOTS, source="spots.csv")
    register(ctx, trial=None)
    randomise(ctx, trial=None)
    base = shared_data / "police-uk" / "city-of-london"
    import_crimes(ctx, trial=None, paths=[base / "2018-04", base / "2019-04"])
    with pytest.raises(InputError) as err:
        run_analysis(ctx, trial=None)
    assert "2018-05" in str(err.value) and "missing month is not zero" in str(err.value)
