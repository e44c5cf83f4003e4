"""Outcome-model fits pinned to R (MASS::glm.nb, sandwich::vcovHC, estimatr::lm_robust)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.analysis.oracles import ORACLES, oracle
from trial.analysis.design_matrix import design_matrix
from trial.analysis.modelfit import FitFailure
from trial.analysis.models import fit, fit_log_linear, fit_negative_binomial, fit_poisson_robust
from trial.errors import InputError

RTOL = 1e-6


def _medpar(shared_data: Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    d = pd.read_csv(shared_data / "oracles" / "medpar.csv")
    X = np.column_stack([np.ones(len(d)), d.type == 2, d.type == 3, d.hmo, d.white]).astype(float)
    return d.los.to_numpy(), X, ["(intercept)", "type2", "type3", "hmo", "white"]


def _quine(shared_data: Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    d = pd.read_csv(shared_data / "oracles" / "quine.csv")
    X = np.column_stack(
        [
            np.ones(len(d)),
            d.Eth == "N",
            d.Sex == "M",
            d.Age == "F1",
            d.Age == "F2",
            d.Age == "F3",
            d.Lrn == "SL",
        ]
    ).astype(float)
    return d.Days.to_numpy(), X, oracle("quine.json")["columns"]


def test_negative_binomial_matches_r_on_medpar(shared_data: Path) -> None:
    # R 4.2.2, MASS 7.3-58.2: MASS::glm.nb(los ~ factor(type) + hmo + white, data = medpar)
    # (tests/data/oracles/medpar.json, written by make-oracles.R)
    ref = oracle("medpar.json")["nb"]
    y, X, terms = _medpar(shared_data)
    f = fit_negative_binomial(y, X, terms=terms)
    np.testing.assert_allclose(f.coef, list(ref["coef"].values()), rtol=RTOL)
    np.testing.assert_allclose(f.se, list(ref["se"].values()), rtol=RTOL)
    np.testing.assert_allclose(f.vcov, np.array(ref["vcov"]), rtol=1e-5)
    assert f.theta == pytest.approx(ref["theta"], rel=RTOL)
    assert f.loglik == pytest.approx(ref["loglik"], rel=RTOL)
    assert f.converged and f.fallback_reason is None and f.n == 1495


def test_negative_binomial_matches_the_shared_medpar_oracle(shared_data: Path) -> None:
    # R 2.15.1 glm.nb output to 8 decimals, quoted in the shared medpar-glm-nb-R.json
    ref = json.loads((shared_data / "oracles" / "medpar-glm-nb-R.json").read_text())
    y, X, terms = _medpar(shared_data)
    f = fit_negative_binomial(y, X, terms=terms)
    for i, values in enumerate(ref["coefficients"].values()):
        assert f.coef[i] == pytest.approx(values["est"], abs=1e-8)
        assert f.se[i] == pytest.approx(values["se"], abs=1e-8)
    assert 2 * f.loglik == pytest.approx(ref["two_loglik"], abs=1e-3)
    assert f.theta == pytest.approx(2.243376, abs=1e-6)


def test_negative_binomial_matches_r_on_quine(shared_data: Path) -> None:
    # R 4.2.2 MASS::glm.nb(Days ~ Eth + Sex + Age + Lrn, data = quine): intercept 2.89458002,
    # EthN -0.56937170, theta 1.274893; the rest from make-oracles.R (quine.json)
    ref = oracle("quine.json")["nb"]
    y, X, terms = _quine(shared_data)
    f = fit_negative_binomial(y, X, terms=terms)
    assert f.coef[0] == pytest.approx(2.89458002, rel=RTOL)
    assert f.coef[1] == pytest.approx(-0.56937170, rel=RTOL)
    assert f.theta == pytest.approx(1.274893, rel=RTOL)
    np.testing.assert_allclose(f.coef, list(ref["coef"].values()), rtol=RTOL)
    np.testing.assert_allclose(f.se, list(ref["se"].values()), rtol=RTOL)
    assert f.theta == pytest.approx(ref["theta"], rel=RTOL)
    assert f.loglik == pytest.approx(ref["loglik"], rel=RTOL)
    assert list(f.summary.index) == terms


def test_poisson_hc0_and_log_linear_hc2_match_r_on_quine(shared_data: Path) -> None:
    # R 4.2.2: glm(Days ~ Eth + Sex + Age + Lrn, poisson, epsilon 1e-12) with sandwich 3.0.2
    # vcovHC(type = "HC0"); estimatr 1.0.0 lm_robust(log1p(Days) ~ ..., se_type = "HC2")
    ref = oracle("quine.json")
    y, X, terms = _quine(shared_data)
    p = fit_poisson_robust(y, X, terms=terms)
    np.testing.assert_allclose(p.coef, list(ref["poisson_hc0"]["coef"].values()), rtol=1e-8)
    np.testing.assert_allclose(p.se, list(ref["poisson_hc0"]["se"].values()), rtol=RTOL)
    assert p.loglik == pytest.approx(ref["poisson_hc0"]["loglik"], rel=1e-10)
    ll = fit_log_linear(y, X, terms=terms)
    np.testing.assert_allclose(ll.coef, list(ref["loglinear_hc2"]["coef"].values()), rtol=1e-10)
    np.testing.assert_allclose(ll.se, list(ref["loglinear_hc2"]["se"].values()), rtol=1e-10)


def _trial_design() -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    frame = pd.read_csv(ORACLES / "three-arm-trial.csv")
    X, terms = design_matrix(
        frame,
        arms=["control", "digital", "physical"],
        baseline_col="baseline",
        strata_col="stratum",
    )
    return frame.y.to_numpy(), X, terms


def test_design_matrix_terms_and_all_models_match_r_on_a_three_arm_trial() -> None:
    # R 4.2.2 on tests/data/oracles/three-arm-trial.csv (make-oracles.R):
    # glm.nb / glm(poisson) + vcovHC HC0 / lm_robust HC2 of y ~ arm + log1p(baseline) + stratum
    ref = oracle("three-arm-trial.json")
    y, X, terms = _trial_design()
    assert terms == (
        "(intercept)",
        "arm[digital]",
        "arm[physical]",
        "log1p_baseline",
        "stratum[low]",
        "stratum[mid]",
    )
    assert ref["columns"] == [
        "(Intercept)",
        "armdigital",
        "armphysical",
        "log1p(baseline)",
        "stratumlow",
        "stratummid",
    ]
    nb = fit("negative-binomial", y, X, terms=terms)
    np.testing.assert_allclose(nb.coef, list(ref["nb"]["coef"].values()), rtol=RTOL)
    np.testing.assert_allclose(nb.se, list(ref["nb"]["se"].values()), rtol=RTOL)
    assert nb.theta == pytest.approx(ref["nb"]["theta"], rel=RTOL)
    pr = fit("poisson-robust", y, X, terms=terms)
    np.testing.assert_allclose(pr.se, list(ref["poisson_hc0"]["se"].values()), rtol=RTOL)
    ll = fit("log-linear", y, X, terms=terms)
    np.testing.assert_allclose(ll.se, list(ref["loglinear_hc2"]["se"].values()), rtol=1e-10)


def test_negative_binomial_on_poisson_data_falls_back_and_says_why() -> None:
    rng = np.random.default_rng(3)
    X = np.column_stack([np.ones(200), np.repeat([0.0, 1.0], 100)])
    # Underdispersed counts: theta's likelihood rises without bound.
    y = rng.binomial(20, 0.5, size=200).astype(float)
    with pytest.raises(FitFailure, match="boundary"):
        fit_negative_binomial(y, X, terms=["(intercept)", "arm[b]"])
    f = fit("negative-binomial", y, X, terms=["(intercept)", "arm[b]"])
    assert f.model == "poisson-robust"
    assert f.fallback_reason is not None and "boundary" in f.fallback_reason


def test_separation_is_reported() -> None:
    X = np.column_stack([np.ones(40), np.repeat([0.0, 1.0], 20)])
    y = np.concatenate([np.arange(20) % 5, np.zeros(20)])
    with pytest.raises(FitFailure, match=r"arm\[b\] = 1 \(separation\)"):
        fit("negative-binomial", y, X, terms=["(intercept)", "arm[b]"])


def test_bad_inputs_are_all_reported() -> None:
    X = np.column_stack([np.ones(10), np.ones(10)])
    with pytest.raises(InputError, match="rank deficient"):
        fit_negative_binomial(np.arange(10.0), X, terms=["(intercept)", "dup"])
    with pytest.raises(InputError, match="whole numbers"):
        fit_negative_binomial(np.full(10, 0.5), X[:, :1], terms=["(intercept)"])
    with pytest.raises(InputError, match="unknown model"):
        fit("gamma", np.arange(10.0), X[:, :1], terms=["(intercept)"])


def test_design_matrix_sets_factors_and_problems() -> None:
    frame = pd.DataFrame(
        {
            "arm": ["c", "d", "p", "dp", "c", "d", "p", "dp", "c"],
            "set": [1, 1, 1, 1, 2, 2, 2, 2, None],
            "b": [0, 1, 2, 3, 4, 5, 6, 7, 8],
        }
    )
    factors = {
        "c": {"digital": 0, "physical": 0},
        "d": {"digital": 1, "physical": 0},
        "p": {"digital": 0, "physical": 1},
        "dp": {"digital": 1, "physical": 1},
    }
    X, terms = design_matrix(
        frame,
        arms=["c", "d", "p", "dp"],
        baseline_col="b",
        set_col="set",
        factors=factors,
        interaction=True,
    )
    assert terms == (
        "(intercept)",
        "factor[digital]",
        "factor[physical]",
        "factor[digital:physical]",
        "log1p_baseline",
        "set[2]",
        "set[none]",
    )
    np.testing.assert_array_equal(X[:, 3], [0, 0, 0, 1, 0, 0, 0, 1, 0])
    np.testing.assert_array_equal(X[:, 6], [0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert X[3, 4] == pytest.approx(np.log(4.0))
    with pytest.raises(InputError) as err:
        design_matrix(frame.assign(b=-1), arms=["c", "x"], baseline_col="b", strata_col="zz")
    assert len(err.value.problems) == 1  # the missing column is reported before the rest
    with pytest.raises(InputError) as err:
        design_matrix(frame.assign(b=-1), arms=["c", "x"], baseline_col="b")
    assert {p.field for p in err.value.problems} == {"arm", "b"}


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="R is not installed")
def test_negative_binomial_matches_r_run_now(tmp_path: Path) -> None:
    # Runs R directly on freshly simulated counts, so the oracle is not only the stored files.
    rng = np.random.default_rng(11)
    n = 120
    arm = np.repeat(["a", "b", "c"], 40)
    x = rng.normal(size=n)
    mu = np.exp(1.5 + 0.3 * (arm == "b") - 0.4 * (arm == "c") + 0.2 * x)
    y = rng.negative_binomial(1.7, 1.7 / (1.7 + mu))
    pd.DataFrame({"y": y, "arm": arm, "x": x}).to_csv(tmp_path / "d.csv", index=False)
    script = (
        "suppressPackageStartupMessages(library(MASS));"
        f"d <- read.csv('{tmp_path / 'd.csv'}');"
        "m <- glm.nb(y ~ arm + x, data = d);"
        "cat(sprintf('%.15g', c(coef(m), sqrt(diag(vcov(m))), m$theta)), sep = '\\n')"
    )
    out = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, check=True)
    ref = np.array(out.stdout.split(), dtype=float)
    X = np.column_stack([np.ones(n), arm == "b", arm == "c", x]).astype(float)
    f = fit_negative_binomial(y, X, terms=["(intercept)", "arm[b]", "arm[c]", "x"])
    np.testing.assert_allclose(f.coef, ref[:4], rtol=RTOL)
    np.testing.assert_allclose(f.se, ref[4:8], rtol=RTOL)
    assert f.theta == pytest.approx(ref[8], rel=RTOL)
