"""Raw outputs taken in blocks of rounds give exactly the round-by-round draws and stream."""

from __future__ import annotations

import numpy as np
import pytest

import trial.design.complete
import trial.design.matched
import trial.design.redraw
import trial.design.stratified
from tests.design.reference import reference_shuffle
from tests.design.spots import make_units
from trial.design import (
    DesignSpec,
    allocate,
    allocation_sha256,
    check_rerandomisation,
    draws,
    generator,
    redraws,
    simulate_allocations,
)
from trial.design.draws import rounds, shuffle_rows
from trial.design.spec import Units, numeric
from trial.errors import InputError

SHAPES = [(1, 2), (1, 1000), (2, 3), (5, 40), (8, 17), (9, 17), (64, 1000), (300, 12), (3, 1)]


def _next_raw(rng: np.random.Generator) -> list[int]:
    return [int(x) for x in rng.bit_generator.random_raw(3)]


def _with_zero_at(position: int, seed: int = 11) -> np.random.Generator:
    """A PCG64 generator whose raw output number ``position`` (from 0) is 0.

    PCG64 steps its 128-bit state and outputs rotr(high ^ low): a state whose halves are
    equal outputs 0. Lemire's method rejects x = 0 for every bound that is not a power of two.
    """
    bit_generator = np.random.PCG64(seed)
    state = bit_generator.state
    state["state"]["state"] = 0x5DEECE66D * ((1 << 64) + 1)
    bit_generator.state = state
    bit_generator.advance((1 << 128) - (position + 1))
    return np.random.Generator(bit_generator)


@pytest.mark.parametrize("shape", SHAPES)
def test_shuffle_is_the_round_by_round_shuffle_over_many_seeds(
        shape: tuple[int, int]) -> None:
    n_rows, m = shape
    for seed in range(12):
        values = np.tile(np.arange(m) % 3, (n_rows, 1))
        fast, slow = generator(seed), generator(seed)
        got = shuffle_rows(fast, values)
        assert got.dtype == values.dtype
        assert np.array_equal(got, reference_shuffle(slow, values))
        assert _next_raw(fast) == _next_raw(slow)


def test_shuffle_keeps_any_values_and_their_type() -> None:
    rs = np.random.default_rng(3)
    for values in (rs.integers(-(2**40), 2**40, (20, 30)), rs.normal(size=(20, 30)),
                   rs.integers(0, 200, (20, 30)).astype(np.uint8),
                   rs.integers(-300, 300, (20, 30)).astype(np.int16)):
        got = shuffle_rows(generator(5), values)
        assert got.dtype == values.dtype
        assert np.array_equal(got, reference_shuffle(generator(5), values))
        assert np.array_equal(np.sort(got, axis=1), np.sort(values, axis=1))


def test_a_zero_output_is_rejected_where_it_falls() -> None:
    assert int(_with_zero_at(5).bit_generator.random_raw(6)[5]) == 0
    # in the first round, mid-stream, at the last output, and past a block's end
    for position in (0, 1, 63, 64 * 7 + 5, 64 * 255 + 63, 64 * 256, 64 * 998 + 63):
        values = np.tile(np.arange(1000) % 3, (64, 1))
        fast, slow = _with_zero_at(position), _with_zero_at(position)
        got = shuffle_rows(fast, values)
        assert np.array_equal(got, reference_shuffle(slow, values)), position
        assert _next_raw(fast) == _next_raw(slow)


def test_many_rejections_keep_the_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    # a quarter of all outputs rejected (the true rate is below 2**-33), blocks of a few rounds
    quarter = 1 << 62
    monkeypatch.setattr(draws, "_threshold", lambda s: np.full_like(s, quarter))
    monkeypatch.setattr(draws, "CHUNK", 40)
    for n_rows, m in ((1, 30), (3, 25), (10, 40), (9, 9)):
        for seed in range(5):
            values = np.tile(np.arange(m), (n_rows, 1))
            fast, slow = generator(seed), generator(seed)
            got = shuffle_rows(fast, values)
            assert np.array_equal(got, reference_shuffle(slow, values,
                                                         threshold=lambda _: quarter))
            assert _next_raw(fast) == _next_raw(slow)


def test_rounds_are_bounded_and_in_blocks() -> None:
    blocks = list(rounds(generator(1), np.arange(1000, 1, -1), 64))
    assert len(blocks) == -(-999 // (draws.CHUNK // 64))
    picks = np.concatenate(blocks)
    assert picks.shape == (999, 64)
    assert (picks < np.arange(1000, 1, -1)[:, None]).all() and (picks >= 0).all()


DESIGNS = {
    "complete": DesignSpec(("a", "b", "c"), (2, 1, 1)),
    "stratified": DesignSpec(("a", "b", "c"), method="stratified", strata=("district",)),
    "matched": DesignSpec(("a", "b", "c"), method="matched", match_on="baseline"),
    "rerandomise": DesignSpec(("a", "b", "c"), method="rerandomise",
                              balance_on=("baseline", "harm"), max_abs_smd=0.12),
    "rerandomise-strata": DesignSpec(("a", "b", "c"), method="rerandomise",
                                     strata=("district",), balance_on=("baseline", "harm"),
                                     criterion="mahalanobis", acceptance=0.05),
}


def _round_by_round(monkeypatch: pytest.MonkeyPatch) -> None:
    for module in (trial.design.complete, trial.design.stratified, trial.design.matched,
                   trial.design.redraw):
        monkeypatch.setattr(module, "shuffle_rows", reference_shuffle)


@pytest.mark.parametrize("name", list(DESIGNS))
def test_allocations_are_those_of_the_round_by_round_procedure(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = DESIGNS[name]
    units = make_units(45, strata=["north", "south", "east"])
    fast = []
    for seed in range(40):
        rng = generator(seed)
        fast.append((allocate(spec, units, rng), _next_raw(rng)))
    with monkeypatch.context() as patched:
        _round_by_round(patched)
        for seed, (allocation, after) in enumerate(fast):
            rng = generator(seed)
            assert allocate(spec, units, rng) == allocation, seed
            assert _next_raw(rng) == after


def test_simulations_checks_and_redraws_are_those_of_the_round_by_round_procedure(
        monkeypatch: pytest.MonkeyPatch) -> None:
    spec = DESIGNS["rerandomise"]
    units = make_units(60, strata=["north", "south"])
    observed = allocate(spec, units, generator(1))

    def run() -> tuple[np.ndarray, int, np.ndarray]:
        return (simulate_allocations(spec, units, generator(2), n=40),
                check_rerandomisation(spec, units, generator(3), n_draws=500).accepted,
                redraws(spec, units, observed, generator(4), n=50).matrix)

    fast = run()
    with monkeypatch.context() as patched:
        _round_by_round(patched)
        slow = run()
    assert np.array_equal(fast[0], slow[0])
    assert fast[1] == slow[1]
    assert np.array_equal(fast[2], slow[2])


def test_covariates_of_any_number_type_are_read_exactly() -> None:
    units = Units(("a", "b", "c", "d"),
                  {"x": [1, 2.5, np.int32(-3), np.float32(0.1)], "y": [2**60 + 1, 0, 1, 2]})
    got = numeric(units, ["x", "y"], "design.balance_on")
    assert got[:, 0].tolist() == [1.0, 2.5, -3.0, float(np.float32(0.1))]
    assert got[:, 1].tolist() == [float(2**60 + 1), 0.0, 1.0, 2.0]


def test_every_bad_covariate_value_is_named_at_once() -> None:
    units = Units(("a", "b", "c", "d", "e"),
                  {"x": [1.0, True, float("nan"), "7", np.inf], "y": [1.0, 2.0, 3.0, 4.0, None]})
    with pytest.raises(InputError) as caught:
        numeric(units, ["x", "y"], "design.balance_on")
    assert [(p.field, p.what) for p in caught.value] == [
        ("x", "spot b: True is not a finite number"),
        ("x", "spot c: nan is not a finite number"),
        ("x", "spot d: '7' is not a finite number"),
        ("x", "spot e: inf is not a finite number"),
        ("y", "spot e: None is not a finite number"),
    ]


@pytest.mark.parametrize(("strata", "limit", "tried", "sha256"), [
    ((), 0.02, 12_409, "23c7f52691e32727426ec2b5bbfe586142ca600937d9642f000c857a1080eda8"),
    (("district",), 0.04, 365,
     "e23c8244884ffd76757477dbea278d11328a6ea606941dbd0dfd6f6b900acfe5"),
])
def test_golden_rerandomisation_of_300_spots(strata: tuple[str, ...], limit: float, tried: int,
                                             sha256: str) -> None:
    # pinned from spotlight-allocation/1 as first written (raw outputs taken round by round)
    spec = DesignSpec(("control", "digital", "physical"), method="rerandomise", strata=strata,
                      balance_on=("baseline", "harm"), max_abs_smd=limit)
    allocation = allocate(spec, make_units(300, strata=["north", "south", "east"]),
                          generator(20240108))
    assert allocation.draws_tried == tried
    assert allocation_sha256(allocation.spot_ids, allocation.arms, allocation.strata,
                             allocation.sets) == sha256
