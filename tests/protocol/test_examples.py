"""The example protocols shipped in protocols/ load cleanly and say what they are."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from trial.protocol import protocol_sha256, read_protocol

PROTOCOLS = Path(__file__).resolve().parents[2] / "protocols"
EXAMPLES = sorted(PROTOCOLS.glob("*.toml"))
DEMO_ATTRIBUTES = {"district", "baseline_crimes", "baseline_harm", "baseline_tercile"}


def test_the_examples_are_all_there() -> None:
    assert {p.name for p in EXAMPLES} >= {
        "leeds-nte-digital-patrol.toml", "complete.toml", "stratified.toml", "matched.toml",
        "rerandomise.toml", "factorial.toml"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_loads_and_starts_with_what_kind_of_trial_it_is(path: Path) -> None:
    p = read_protocol(path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# ")
    assert p.text == text
    assert p.sha256 == protocol_sha256(text)
    used = set(p.design.strata) | set(p.design.balance_on) | {s.attribute for s in p.subgroups}
    if p.design.match_on:
        used.add(p.design.match_on)
    assert used <= DEMO_ATTRIBUTES
    for window in p.windows.defined:
        if window.name != "baseline":
            assert window.start.year == 2024


def test_leeds_example_is_protocol_md_s_full_example() -> None:
    p = read_protocol(PROTOCOLS / "leeds-nte-digital-patrol.toml")
    assert p.trial.name == "leeds-nte-digital-patrol"
    assert p.arm_names == ("digital", "physical", "control")
    assert p.control_arm.name == "control"
    assert [a.name for a in p.arms_delivering("ads")] == ["digital"]
    assert [a.name for a in p.arms_delivering("patrol")] == ["physical"]
    assert p.design.method == "stratified"
    assert p.design.strata == ("district",)
    assert p.design.min_separation_m == 500.0
    assert p.windows.run_in is not None and p.windows.run_in.end == dt.date(2024, 1, 7)
    assert p.windows.hours is not None
    assert (p.windows.hours.start, p.windows.hours.end) == (dt.time(20), dt.time(4))
    assert p.catchment.buffer_m == 250.0
    assert p.dosage.patrol is not None and p.dosage.patrol.visits_per_day == 3
    assert p.dosage.ads is not None and p.dosage.ads.daily_budget_gbp == 20.0
    assert p.fidelity.ads is not None and p.fidelity.ads.min_impressions_per_week == 1000
    assert dict(p.costs.fixed_gbp) == {"ads": 11000.0}
    assert p.privacy.pseudonymise_officers is True
    assert p.primary_outcome.name == "public_crime"
    assert p.outcome("violence_harm").model == "poisson-robust"
    assert [h.id for h in p.confirmatory_hypotheses] == ["H1", "H2", "H3"]
    h3 = p.hypotheses[2]
    assert (h3.test, h3.margin, h3.alternative) == ("non-inferiority", 1.15, "less")
    assert p.hypotheses[3].window == "follow_up"
    assert p.analysis.multiplicity == "fixed-sequence"
    assert p.analysis.randomisation_inference == 10000
    assert p.analysis.per_protocol is True
    assert p.subgroups[0].attribute == "baseline_tercile"
    assert p.design.seed is None
    assert p.factors == ()


def test_complete_example() -> None:
    p = read_protocol(PROTOCOLS / "complete.toml")
    assert p.design.method == "complete"
    assert [(a.name, a.ratio) for a in p.arms] == [("physical", 2), ("control", 1)]


def test_stratified_example() -> None:
    p = read_protocol(PROTOCOLS / "stratified.toml")
    assert p.design.method == "stratified"
    assert p.design.strata == ("district", "baseline_tercile")


def test_matched_example() -> None:
    p = read_protocol(PROTOCOLS / "matched.toml")
    assert (p.design.method, p.design.match_on, p.design.strata) == (
        "matched", "baseline_crimes", ("district",))


def test_rerandomise_example() -> None:
    p = read_protocol(PROTOCOLS / "rerandomise.toml")
    assert p.design.method == "rerandomise"
    assert p.design.balance_on == ("baseline_crimes", "baseline_harm")
    assert p.analysis.inference == "randomisation"


def test_factorial_example() -> None:
    p = read_protocol(PROTOCOLS / "factorial.toml")
    assert p.factors == ("digital", "physical")
    levels = {a.name: dict(a.factors or {}) for a in p.arms}
    assert levels == {"both": {"digital": 1, "physical": 1},
                      "digital": {"digital": 1, "physical": 0},
                      "physical": {"digital": 0, "physical": 1},
                      "control": {"digital": 0, "physical": 0}}
    assert [h.factor for h in p.confirmatory_hypotheses] == ["digital", "physical"]
    assert p.analysis.interaction is True
