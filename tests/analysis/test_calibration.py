"""Null calibration of the registered model's Wald test and interval (simulation)."""

from __future__ import annotations

import numpy as np
import pytest

from trial.analysis.contrasts import contrast
from trial.analysis.models import fit


@pytest.mark.slow
def test_negative_binomial_wald_test_and_interval_are_calibrated_under_the_null() -> None:
    # Three arms of 40 spots, NB theta 2, mean 10, no effect; 2,000 simulated trials.
    # Binomial(2000, 0.05) has SD 0.49%: 3.5-6.5% is about +-3 SD.
    rng = np.random.default_rng(2024)
    arms = np.repeat([0, 1, 2], 40)
    X = np.column_stack([np.ones(120), arms == 1, arms == 2]).astype(float)
    terms = ["(intercept)", "arm[b]", "arm[c]"]
    rejected = covered = 0
    n_sims = 2000
    for _ in range(n_sims):
        y = rng.negative_binomial(2.0, 2.0 / 12.0, size=120)
        c = contrast(fit("negative-binomial", y, X, terms=terms), "b", "a")
        rejected += c.significant
        covered += c.ci_low <= 1.0 <= c.ci_high
    assert 0.035 <= rejected / n_sims <= 0.065
    assert 0.935 <= covered / n_sims <= 0.965
