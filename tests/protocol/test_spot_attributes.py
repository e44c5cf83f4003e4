"""Registration-time checks that only the hot spots can answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.protocol.minimal import MINIMAL
from trial.protocol import load_protocol, read_protocol, spot_attribute_problems

PROTOCOLS = Path(__file__).resolve().parents[2] / "protocols"


def spot(spot_id: str, eligible: bool = True, **attributes: Any) -> dict[str, Any]:
    return {"spot_id": spot_id, "eligible": eligible, "attributes": attributes}


GOOD = dict(district="A", baseline_crimes=12, baseline_harm=40.5, baseline_tercile="high")


def test_complete_spots_have_no_problems() -> None:
    p = read_protocol(PROTOCOLS / "leeds-nte-digital-patrol.toml")
    assert spot_attribute_problems(p, [spot("S1", **GOOD), spot("S2", **GOOD)]) == []


def test_missing_and_empty_attributes_name_spot_and_key_path() -> None:
    p = read_protocol(PROTOCOLS / "leeds-nte-digital-patrol.toml")
    spots = [
        spot("S1", **{**GOOD, "district": "  "}),
        spot("S2", **{k: v for k, v in GOOD.items() if k != "baseline_tercile"}),
        spot("S3", **{**GOOD, "baseline_harm": "high"}),
        spot("S4", **{**GOOD, "baseline_crimes": None}),
        spot("S5", **{**GOOD, "baseline_harm": float("nan")}),
        spot("S6", **{**GOOD, "baseline_crimes": True}),
    ]
    found = [(p.field, p.what) for p in spot_attribute_problems(p, spots, source="spots.csv")]
    assert found == [
        ("design.strata[1]", 'spot "S1": attribute "district" is empty'),
        ("subgroup[1].attribute", 'spot "S2": attribute "baseline_tercile" is missing'),
        ("design.balance_on[2]", "spot \"S3\": attribute \"baseline_harm\" must be a number, "
                                 "not 'high'"),
        ("design.match_on", 'spot "S4": attribute "baseline_crimes" is empty'),
        ("design.balance_on[1]", 'spot "S4": attribute "baseline_crimes" is empty'),
        ("design.balance_on[2]", 'spot "S5": attribute "baseline_harm" is empty'),
        ("design.match_on", 'spot "S6": attribute "baseline_crimes" must be a number, not True'),
        ("design.balance_on[1]", 'spot "S6": attribute "baseline_crimes" must be a number, '
                                 "not True"),
    ]
    assert str(spot_attribute_problems(p, spots[:1], source="spots.csv")[0]) == (
        'spots.csv: design.strata[1]: spot "S1": attribute "district" is empty')


def test_ineligible_spots_are_not_checked() -> None:
    p = read_protocol(PROTOCOLS / "stratified.toml")
    assert spot_attribute_problems(p, [spot("S9", eligible=False)]) == []
    assert [x.field for x in spot_attribute_problems(p, [{"spot_id": "S9", "attributes": {}}])] \
        == ["design.strata[1]", "design.strata[2]", "subgroup[1].attribute"]


def test_text_strata_may_be_numbers_but_match_on_may_not_be_text() -> None:
    p = read_protocol(PROTOCOLS / "matched.toml")
    problems = spot_attribute_problems(p, [spot("S1", district=3, baseline_crimes="7")])
    assert [(x.field, x.what) for x in problems] == [
        ("design.match_on", "spot \"S1\": attribute \"baseline_crimes\" must be a number, "
                            "not '7'")]


def test_a_complete_design_asks_nothing_of_the_spots() -> None:
    assert spot_attribute_problems(load_protocol(MINIMAL), [spot("S1")]) == []
