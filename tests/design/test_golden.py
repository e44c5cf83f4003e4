"""Golden allocations: the same seed, spots and design give these arms on any later version."""

from __future__ import annotations

import numpy as np
import pytest

from trial.design import (
    ALGORITHM,
    DesignSpec,
    Units,
    allocate,
    allocation_sha256,
    generator,
)
from trial.errors import InputError

SEED = 20240108
ARMS = ("digital", "physical", "control")
D, P, C = ARMS
UNITS = Units(
    ("A01", "A02", "A03", "B01", "B02", "B03", "B04", "C01", "C02", "C03", "C04", "C05"),
    {"district": ["north"] * 3 + ["south"] * 4 + ["east"] * 5,
     "baseline": [12, 4, 9, 15, 3, 7, 7, 20, 11, 2, 8, 5],
     "harm": [30.5, 8.0, 22.0, 41.0, 6.5, 15.0, 19.0, 55.0, 27.0, 4.0, 16.5, 12.0]})

GOLDEN = {
    "complete": (DesignSpec(ARMS, (2, 1, 1)),
                 (C, P, D, D, C, C, D, D, P, P, D, D), 1),
    "stratified": (DesignSpec(ARMS, method="stratified", strata=("district",)),
                   (P, C, D, P, D, C, P, D, C, P, C, D), 1),
    "matched": (DesignSpec(ARMS, method="matched", strata=("district",), match_on="baseline"),
                (P, D, C, C, P, C, D, P, D, D, P, C), 1),
    "rerandomise": (DesignSpec(ARMS, method="rerandomise", balance_on=("baseline", "harm"),
                               max_abs_smd=0.25),
                    (P, P, C, C, D, P, D, D, P, D, C, C), 18),
    "rerandomise-strata": (DesignSpec(ARMS, method="rerandomise", strata=("district",),
                                      balance_on=("baseline", "harm"),
                                      criterion="mahalanobis", acceptance=0.2),
                           (P, C, D, C, P, D, D, D, P, P, C, C), 5),
}


@pytest.mark.parametrize("name", list(GOLDEN))
def test_golden_allocation(name: str) -> None:
    spec, arms, tried = GOLDEN[name]
    allocation = allocate(spec, UNITS, generator(SEED), algorithm="spotlight-allocation/1")
    assert allocation.arms == arms
    assert allocation.draws_tried == tried
    assert allocation.algorithm == "spotlight-allocation/1"


def test_golden_matched_sets_and_hash() -> None:
    spec = GOLDEN["matched"][0]
    allocation = allocate(spec, UNITS, generator(SEED))
    # east (C03 2, C05 5, C04 8 | C02, C01 left), north (A02, A03, A01), south (B02, B03, B04 | B01)
    assert allocation.sets == (2, 2, 2, None, 3, 3, 3, None, None, 1, 1, 1)
    assert allocation.strata[0] == "north"
    assert allocation_sha256(allocation.spot_ids, allocation.arms, allocation.strata,
                             allocation.sets) == (
        "4c89d385375bd970c4597fbab9e6cd9b432e98285da863f7c86a1bff67bc363b")


def test_128_bit_seed() -> None:
    allocation = allocate(GOLDEN["complete"][0], UNITS, generator(2**127 + 12345))
    assert allocation.arms == (P, P, C, D, D, D, P, C, D, C, D, D)


def _lemire(raw: list[int], bound: int) -> int:
    while True:
        m = raw.pop(0) * bound
        if m % 2**64 >= (2**64 - bound) % bound:
            return m >> 64


def _fisher_yates(raw: list[int], values: list[int]) -> list[int]:
    values = list(values)
    for i in range(len(values) - 1, 0, -1):
        j = _lemire(raw, i + 1)
        values[i], values[j] = values[j], values[i]
    return values


def test_complete_rederived_from_raw_pcg64_outputs_by_the_documented_order() -> None:
    # an outside reviewer's reading of the module docstring, in plain integers
    raw = [int(x) for x in np.random.Generator(np.random.PCG64(SEED)).bit_generator.random_raw(
        100)]
    ratios, n, total = (2, 1, 1), 12, 4
    u = _lemire(raw, total)
    counts, running = [], 0
    for r in ratios:
        low, running = running, running + n * r % total
        points = sum(1 for k in range(n) if low <= u + k * total < running)
        counts.append(n * r // total + points)
    slots = [a for a, c in enumerate(counts) for _ in range(c)]
    assert tuple(ARMS[a] for a in _fisher_yates(raw, slots)) == GOLDEN["complete"][1]


def test_matched_rederived_from_raw_pcg64_outputs_by_the_documented_order() -> None:
    raw = [int(x) for x in np.random.Generator(np.random.PCG64(SEED)).bit_generator.random_raw(
        100)]
    sets = [["C03", "C05", "C04"], ["A02", "A03", "A01"], ["B02", "B03", "B04"]]
    got: dict[str, str] = {}
    # a round of one draw per set at each Fisher-Yates step (rows in set order)
    rows = [[0, 1, 2] for _ in sets]
    for i in (2, 1):
        js = [_lemire(raw, i + 1) for _ in rows]
        for row, j in zip(rows, js, strict=True):
            row[i], row[j] = row[j], row[i]
    for members, row in zip(sets, rows, strict=True):
        for spot, arm in zip(members, row, strict=True):
            got[spot] = ARMS[arm]
    leftovers = ["B01", "C01", "C02"]
    _lemire(raw, 3)  # the systematic start: three leftovers of three equal arms, one each
    for spot, arm in zip(leftovers, _fisher_yates(raw, [0, 1, 2]), strict=True):
        got[spot] = ARMS[arm]
    assert tuple(got[s] for s in UNITS.spot_ids) == GOLDEN["matched"][1]


def test_unknown_algorithm_is_refused_and_current_is_default() -> None:
    assert ALGORITHM == "spotlight-allocation/1"
    with pytest.raises(InputError, match="spotlight-allocation/1"):
        allocate(GOLDEN["complete"][0], UNITS, generator(SEED), algorithm="spotlight/0")
