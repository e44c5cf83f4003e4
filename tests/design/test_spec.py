"""Design and spot checks, seeds and the allocation hash."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.design.spots import make_units
from trial.design import DesignSpec, Units, allocate, allocation_sha256, generator
from trial.errors import InputError


def test_ratios_are_reduced_by_their_gcd() -> None:
    spec = DesignSpec(("a", "b", "c"), (4, 2, 2))
    assert spec.ratios == (2, 1, 1)
    assert spec.probabilities == (0.5, 0.25, 0.25)
    assert DesignSpec(("a", "b")).ratios == (1, 1)


def test_every_design_problem_is_reported_at_once() -> None:
    with pytest.raises(InputError) as caught:
        DesignSpec(("a",), (0,), method="cluster")
    fields = {p.field for p in caught.value}
    assert {"arm", "arm.ratio", "design.method"} <= fields
    with pytest.raises(InputError) as caught:
        DesignSpec(("a", "b"), method="rerandomise", criterion="l2", acceptance=0.0)
    fields = {p.field for p in caught.value}
    assert {"design.balance_on", "design.criterion", "design.acceptance"} <= fields
    with pytest.raises(InputError, match="match_on"):
        DesignSpec(("a", "b"), method="matched")
    with pytest.raises(InputError, match="strata"):
        DesignSpec(("a", "b"), method="stratified")


def test_spots_must_be_in_code_point_order() -> None:
    # "Z" (U+005A) sorts before "a" (U+0061): code points, not a collation
    Units(("Z1", "a1"))
    with pytest.raises(InputError, match="code-point order"):
        Units(("a1", "Z1"))
    with pytest.raises(InputError, match="code-point order"):
        Units(("a1", "a1"))
    with pytest.raises(InputError, match="3 values for 2 spots"):
        Units(("a", "b"), {"x": [1, 2, 3]})


def test_missing_stratum_values_and_attributes_are_named() -> None:
    units = Units(("a", "b", "c", "d"), {"district": ["n", None, "s", "s"]})
    spec = DesignSpec(("t", "c"), method="stratified", strata=("district",))
    with pytest.raises(InputError, match="spot b has no value"):
        allocate(spec, units, generator(1))
    other = DesignSpec(("t", "c"), method="stratified", strata=("beat",))
    with pytest.raises(InputError, match='no attribute "beat"'):
        allocate(other, units, generator(1))


def test_non_numeric_match_on_is_named() -> None:
    units = Units(("a", "b"), {"x": [1.0, "high"]})
    spec = DesignSpec(("t", "c"), method="matched", match_on="x")
    with pytest.raises(InputError, match="spot b: 'high' is not a finite number"):
        allocate(spec, units, generator(1))


def test_seeds() -> None:
    assert generator(2**128 - 1).bit_generator.random_raw() == generator(
        2**128 - 1).bit_generator.random_raw()
    for bad in (-1, 2**128, 1.5, True):
        with pytest.raises(InputError, match="seed"):
            generator(bad)  # type: ignore[arg-type]


def test_allocation_sha256_is_the_canonical_json_of_the_rows() -> None:
    text = ('[{"arm":"digital","set":1,"spot_id":"a","stratum":"nörth"},'
            '{"arm":"control","set":null,"spot_id":"b","stratum":null}]')
    assert allocation_sha256(["a", "b"], ["digital", "control"], ["nörth", None], [1, None]) \
        == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert json.loads(text)[0]["stratum"] == "nörth"


def test_same_seed_same_allocation_different_seed_differs() -> None:
    spec = DesignSpec(("a", "b", "c"), (2, 1, 1))
    units = make_units(40)
    first = allocate(spec, units, generator(99))
    assert allocate(spec, units, generator(99)) == first
    assert allocate(spec, units, generator(100)).arms != first.arms
