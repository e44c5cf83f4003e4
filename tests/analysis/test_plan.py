"""The registered plan on a small synthetic dataset: RI wiring, multiplicity, decisions."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from trial.analysis.contrasts import contrast
from trial.analysis.design_matrix import design_matrix
from trial.analysis.models import fit
from trial.analysis.plan import Plan, run_hypotheses
from trial.design import Allocation, DesignSpec, Units, redraws
from trial.protocol import load_protocol

PROTOCOL = """
[trial]
name = "plan-test"
[[arm]]
name = "digital"
delivers = ["ads"]
[[arm]]
name = "physical"
delivers = ["patrol"]
[[arm]]
name = "control"
control = true
[design]
method = "stratified"
strata = ["district"]
[windows]
baseline = { start = "2023-01-01", end = "2023-12-31" }
treatment = { start = "2024-01-08", end = "2024-04-07" }
[[outcome]]
name = "crime"
primary = true
crime_types = "all"
[[hypothesis]]
id = "H1"
outcome = "crime"
compare = ["physical", "control"]
confirmatory = true
[[hypothesis]]
id = "H2"
outcome = "crime"
compare = ["digital", "control"]
confirmatory = true
[[hypothesis]]
id = "H3"
outcome = "crime"
compare = ["digital", "physical"]
test = "non-inferiority"
margin = 1.15
confirmatory = true
[analysis]
model = "poisson-robust"
randomisation_inference = 500
"""


def _dataset() -> tuple[pd.DataFrame, DesignSpec, Units, Allocation]:
    # Three strata of three spots, one spot per arm in each: the pairwise re-draw of two arms
    # swaps them within strata, 2^3 = 8 allocations in all.
    ids = [f"S{i}" for i in range(9)]
    district = ["a"] * 3 + ["b"] * 3 + ["c"] * 3
    arms = ["digital", "physical", "control"] * 3
    base = [12, 20, 15, 8, 9, 11, 30, 25, 28]
    treat = [10, 6, 14, 7, 3, 9, 25, 12, 27]
    data = pd.DataFrame({"spot_id": ids, "arm": arms, "stratum": district, "set": pd.NA,
                         "crime_baseline": base, "crime_treatment": treat,
                         "received": True, "district": district})
    spec = DesignSpec(arms=("digital", "physical", "control"), method="stratified",
                      strata=("district",))
    units = Units(spot_ids=tuple(ids), attributes={"district": district})
    alloc = Allocation(spot_ids=tuple(ids), arms=tuple(arms), strata=tuple(district),
                       sets=(None,) * 9, draws_tried=1, algorithm="spotlight-allocation/1")
    return data, spec, units, alloc


def test_randomisation_p_equals_exact_enumeration() -> None:
    protocol = load_protocol(PROTOCOL)
    data, spec, units, alloc = _dataset()

    def redraw(pairs, n, rng):  # type: ignore[no-untyped-def]
        r = redraws(spec, units, alloc, rng, n=n, arms=pairs[0])
        return np.array(spec.arms, dtype=object)[r.matrix], r.exact

    rows = run_hypotheses(Plan(protocol, data), statuses={}, redraw=redraw,
                          rng=np.random.default_rng(1))
    h1 = rows[0]
    # Brute force: refit the model on each of the 8 allocations of physical/control.
    observed = None
    ds = []
    for swap in itertools.product([False, True], repeat=3):
        d = data.copy()
        for k, s in enumerate(swap):
            if s:
                i, j = 3 * k + 1, 3 * k + 2
                d.loc[[i, j], "arm"] = d.loc[[j, i], "arm"].to_numpy()
        X, terms = design_matrix(d, arms=["control", "digital", "physical"],
                                 baseline_col="crime_baseline", strata_col="stratum")
        f = fit("poisson-robust", d["crime_treatment"].to_numpy(float), X, terms=terms)
        dd = contrast(f, "physical", "control").log_ratio
        ds.append(dd)
        if not any(swap):
            observed = dd
    assert observed is not None
    expected = np.mean(np.abs(ds) >= abs(observed) - 1e-9 * max(1, abs(observed)))
    assert h1["p_randomisation"] == pytest.approx(expected, abs=1e-12)
    assert rows[2]["p_randomisation"] is None  # non-inferiority: no sharp null


def test_holm_on_the_two_sided_scale() -> None:
    protocol = load_protocol(PROTOCOL.replace("randomisation_inference = 500",
                                              "randomisation_inference = 0"))
    data, *_ = _dataset()
    rows = run_hypotheses(Plan(protocol, data), statuses={}, redraw=None,
                          rng=np.random.default_rng(1))
    p = [rows[0]["p_value"], rows[1]["p_value"], min(1.0, 2 * rows[2]["p_value"])]
    order = np.argsort(p)
    m = len(p)
    adj = np.empty(m)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        adj[i] = running
    assert [r["p_adjusted"] for r in rows] == pytest.approx(list(adj))
    assert rows[2]["test"] == "non-inferiority" and rows[2]["alternative"] is None


def test_added_hypotheses_are_exploratory() -> None:
    protocol = load_protocol(PROTOCOL.replace("randomisation_inference = 500",
                                              "randomisation_inference = 0"))
    data, *_ = _dataset()
    rows = run_hypotheses(Plan(protocol, data), statuses={"H2": "added"}, redraw=None,
                          rng=np.random.default_rng(1))
    assert rows[1]["confirmatory"] is False and rows[1]["p_adjusted"] is None
    assert rows[1]["decision"].startswith("exploratory")
