"""Contrasts and multiplicity pinned to R (multcomp::glht, p.adjust) and hand computations."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tests.analysis.oracles import ORACLES, oracle
from trial.analysis.contrasts import contrast, factor_effect, linear_contrast
from trial.analysis.design_matrix import design_matrix
from trial.analysis.modelfit import ModelFit
from trial.analysis.models import fit
from trial.analysis.multiplicity import adjust
from trial.errors import InputError


def _trial_fit() -> ModelFit:
    frame = pd.read_csv(ORACLES / "three-arm-trial.csv")
    X, terms = design_matrix(
        frame,
        arms=["control", "digital", "physical"],
        baseline_col="baseline",
        strata_col="stratum",
    )
    return fit("negative-binomial", frame.y.to_numpy(), X, terms=terms)


def test_contrast_of_two_non_reference_arms_matches_multcomp() -> None:
    # R 4.2.2, multcomp 1.4-22: glht(glm.nb(y ~ arm + log1p(baseline) + stratum),
    # linfct = rbind(c(0, 1, -1, 0, 0, 0))) on three-arm-trial.csv (three-arm-trial.json)
    ref = oracle("three-arm-trial.json")["contrast_digital_vs_physical"]
    c = contrast(_trial_fit(), "digital", "physical")
    assert c.log_ratio == pytest.approx(ref["estimate"], rel=1e-6)
    assert c.se == pytest.approx(ref["se"], rel=1e-6)
    assert c.p_value == pytest.approx(ref["p"], rel=1e-5)
    assert c.ci_low == pytest.approx(np.exp(ref["ci_low"]), rel=1e-6)
    assert c.ci_high == pytest.approx(np.exp(ref["ci_high"]), rel=1e-6)
    assert c.estimate == pytest.approx(np.exp(ref["estimate"]), rel=1e-6)


def test_contrast_on_medpar_matches_multcomp(shared_data: Path) -> None:
    # R 4.2.2: glht(glm.nb(los ~ factor(type) + hmo + white), rbind(c(0, -1, 1, 0, 0)))
    ref = oracle("medpar.json")["contrast_type3_vs_type2"]
    d = pd.read_csv(shared_data / "oracles" / "medpar.csv").assign(arm=lambda f: f.type.astype(str))
    X, terms = design_matrix(d, arms=["1", "2", "3"])
    X = np.column_stack([X, d.hmo, d.white])
    f = fit("negative-binomial", d.los.to_numpy(), X, terms=[*terms, "hmo", "white"])
    c = contrast(f, "3", "2")
    assert (c.log_ratio, c.se) == pytest.approx((ref["estimate"], ref["se"]), rel=1e-6)
    assert c.p_value == pytest.approx(ref["p"], rel=1e-4)
    # the reference arm as arm b is the coefficient itself
    one = contrast(f, "3", "1")
    assert one.log_ratio == f.coef[2] and one.se == pytest.approx(f.se[2], rel=1e-12)


def test_p_values_alternatives_and_non_inferiority_by_hand() -> None:
    f = _trial_fit()
    d = f.coef[1] - f.coef[2]
    v = f.vcov[1, 1] + f.vcov[2, 2] - 2 * f.vcov[1, 2]
    se = np.sqrt(v)
    less = contrast(f, "digital", "physical", alternative="less")
    greater = contrast(f, "digital", "physical", alternative="greater")
    assert less.p_value == pytest.approx(stats.norm.cdf(d / se), rel=1e-12)
    assert less.p_value + greater.p_value == pytest.approx(1.0, rel=1e-12)
    ni = contrast(f, "digital", "physical", test="non-inferiority", margin=1.15)
    assert ni.p_value == pytest.approx(stats.norm.cdf((d - np.log(1.15)) / se), rel=1e-12)
    # non-inferiority at alpha/2 holds exactly when the 1 - alpha interval's upper end < M
    for margin in (1.05, 1.5, 1.7, 1.8, 2.5):
        c = contrast(f, "digital", "physical", test="non-inferiority", margin=margin)
        assert c.significant == (c.ci_high < margin)
    hi = contrast(f, "digital", "physical", test="non-inferiority", margin=0.8, better="higher")
    assert hi.p_value == pytest.approx(stats.norm.sf((d - np.log(0.8)) / se), rel=1e-12)
    assert hi.alternative == "greater" and hi.one_sided


def test_contrast_input_problems() -> None:
    f = _trial_fit()
    with pytest.raises(InputError, match="margin must be above 1"):
        contrast(f, "digital", "physical", test="non-inferiority", margin=0.9)
    with pytest.raises(InputError) as err:
        contrast(f, "digital", "physical", alpha=2, alternative="sideways")
    assert len(err.value.problems) == 2
    with pytest.raises(InputError, match="not both in the fit"):
        contrast(f, "x", "y")
    with pytest.raises(KeyError):
        factor_effect(f, "digital")
    ratio = linear_contrast(f, {"arm[physical]": 1.0}).estimate
    assert ratio == pytest.approx(np.exp(f.coef[2]))


def test_holm_and_bonferroni_match_p_adjust() -> None:
    # R 4.2.2: p.adjust(c(0.01, 0.04, 0.03, 0.005, 0.20), "holm" / "bonferroni") (p-adjust.json)
    ref = oracle("p-adjust.json")
    sided = [False] * len(ref["p"])
    holm = adjust(ref["p"], method="holm", sided=sided)
    np.testing.assert_allclose(holm.p_adjusted, ref["holm"], rtol=1e-14)
    assert holm.reject == (True, False, False, True, False)
    bonf = adjust(ref["p"], method="bonferroni", sided=sided)
    np.testing.assert_allclose(bonf.p_adjusted, ref["bonferroni"], rtol=1e-14)


def test_one_sided_enter_doubled_and_fixed_sequence_stops_at_first_failure() -> None:
    # Hand computation: one-sided 0.01 -> 0.02; sequence (0.02, 0.001, 0.06, 0.01):
    # running maxima 0.02, 0.02, 0.06, 0.06; rejections stop at the third.
    a = adjust(
        [0.01, 0.001, 0.06, 0.01], method="fixed-sequence", sided=[True, False, False, False]
    )
    assert a.p_adjusted == pytest.approx((0.02, 0.02, 0.06, 0.06))
    assert a.reject == (True, True, False, False)
    none = adjust([0.6], method="none", sided=[True])
    assert none.p_adjusted == (1.0,) and none.reject == (False,)
    with pytest.raises(InputError):
        adjust([0.1], method="hochberg", sided=[False])
    with pytest.raises(InputError):
        adjust([0.1, 1.2], method="holm", sided=[False])
