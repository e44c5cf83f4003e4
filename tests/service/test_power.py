"""Power by simulation of the registered plan, and registration's quick check."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from trial.demo.build import demo_protocol_text
from trial.demo.spots import demo_spots_csv
from trial.errors import InputError
from trial.protocol import load_protocol
from trial.service.power import baseline_counts, power_check, quick_warnings
from trial.spots import parse_spots

TWO_ARM = """
[trial]
name = "two-arm"
[[arm]]
name = "treated"
delivers = ["patrol"]
[[arm]]
name = "control"
control = true
[design]
method = "complete"
[windows]
baseline = { start = "2023-01-01", end = "2023-12-31" }
treatment = { start = "2024-01-01", end = "2024-03-31" }
[[outcome]]
name = "crime"
primary = true
crime_types = "all"
[[hypothesis]]
id = "H1"
outcome = "crime"
compare = ["treated", "control"]
confirmatory = true
[analysis]
model = "poisson-robust"
"""


def _spots(baselines: list[int | str]) -> list:  # type: ignore[type-arg]
    rows = ["spot_id,name,lat,lon,radius_m,baseline_crimes"]
    for i, b in enumerate(baselines):
        rows.append(f"S{i:03d},spot {i},{53.79 + i * 0.001:.4f},-1.54,20,{b}")
    return parse_spots("\n".join(rows) + "\n", source="s.csv", suffix=".csv")


def test_simulated_power_matches_the_wald_formula() -> None:
    # 60 spots, baselines 20..79 over 365 days, treatment 91 days: expected counts are the
    # baselines x 91/365. Nearly Poisson outcomes (theta 1e6), so the Wald test of the log ratio
    # has Var(d) ~ 1/sum(mu_treated) + 1/sum(mu_control) and power Phi(|ln R|/SE - z_.975).
    base = list(range(20, 80))
    r = power_check(load_protocol(TWO_ARM), _spots(base), n_sims=400, ratio=0.85, theta=1e6,
                    mdr=False, seed=11)
    scale = 91 / 365
    assert r["scale"] == pytest.approx(scale)
    half = np.sum(base) * scale / 2
    se = np.sqrt(1 / half + 1 / (0.85 * half))
    expected = stats.norm.cdf(abs(np.log(0.85)) / se - stats.norm.ppf(0.975))
    h = r["hypotheses"][0]
    assert expected == pytest.approx(0.55, abs=0.03)
    assert h["power"] == pytest.approx(expected, abs=0.08)  # 400 sims: MC SE 0.025
    # Zhu & Lakkis with mu0 = mean expected count, k = 1e-6 (METHODS.md 7 formula).
    mu0 = np.mean(base) * scale
    v1 = 1 / mu0 + 1 / (0.85 * mu0) + 2e-6
    v0 = 4 / (mu0 + 0.85 * mu0) + 2e-6
    n = (stats.norm.ppf(0.975) * np.sqrt(v0) + stats.norm.ppf(0.8) * np.sqrt(v1)) ** 2 / np.log(
        0.85) ** 2
    assert h["zhu_lakkis_n_per_arm"] == int(np.ceil(n))


def test_demo_design_power_mdr_and_json_shape() -> None:
    protocol = load_protocol(demo_protocol_text())
    spots = parse_spots(demo_spots_csv(np.random.default_rng(20240108)), source="s.csv",
                        suffix=".csv")
    r = power_check(protocol, spots, n_sims=100, ratio=0.5, seed=5, model="poisson-robust")
    assert r["spots"] == 56 and r["sims"] == 100 and r["multiplicity"] == "holm"
    assert r["baseline_column"] == "baseline_crimes" and r["theta"] > 0
    h = {x["id"]: x for x in r["hypotheses"]}
    assert set(h) == {"H1", "H2", "H3"}
    # Both treated arms at 0.5 meet H1 and H2 exactly; H3 (non-inferiority) assumes no difference.
    assert h["H1"]["assumed_ratio"] == pytest.approx(0.5)
    assert h["H3"]["assumed_ratio"] == pytest.approx(1.0) and h["H3"]["mdr_80"] is None
    for k in ("H1", "H2"):
        assert 0 <= h[k]["power"] <= 1 and h[k]["mdr_80"] is not None
        assert 0.05 <= h[k]["mdr_80"] < 1
    # Same seed, same answer.
    again = power_check(protocol, spots, n_sims=100, ratio=0.5, seed=5, model="poisson-robust")
    assert [x["power"] for x in again["hypotheses"]] == [x["power"] for x in r["hypotheses"]]


def test_power_rises_with_the_effect() -> None:
    spots = _spots(list(range(20, 80)))
    p = load_protocol(TWO_ARM)
    powers = [power_check(p, spots, n_sims=100, ratio=r, theta=5.0, mdr=False,
                          seed=3)["hypotheses"][0]["power"] for r in (0.95, 0.8, 0.5)]
    assert powers[0] < powers[1] < powers[2] and powers[0] < 0.15 and powers[2] > 0.9


def test_bad_inputs_and_missing_baselines() -> None:
    p = load_protocol(TWO_ARM)
    with pytest.raises(InputError) as err:
        power_check(p, _spots([3, 4]), n_sims=5, ratio=1.0)
    text = str(err.value)
    assert "--sims" in text and "--ratio" in text
    with pytest.raises(InputError, match="spot S001"):
        power_check(p, _spots([3, "x", 5, 6]), baseline_column="baseline_crimes")
    assert baseline_counts(_spots([3, "x"]), None) is None
    assert quick_warnings(p, _spots([3, "x", 4, 5])) == [
        "power check skipped: the spots carry no baseline data"]


def test_quick_warning_wording() -> None:
    warnings = quick_warnings(load_protocol(TWO_ARM), _spots(list(range(2, 12))), seed=1)
    assert len(warnings) == 1
    assert warnings[0].startswith("hypothesis H1 has ")
    assert "% power (simulated, 100 sims): under 80%" in warnings[0]
