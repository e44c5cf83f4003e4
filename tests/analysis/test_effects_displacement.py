"""RIRR, Cohen's d, WDQ and WDD pinned to published examples and hand computations."""

from __future__ import annotations

import math

import pytest

from trial.analysis.displacement import wdd, wdq
from trial.analysis.effect_sizes import cohens_d_from_rirr, rirr
from trial.errors import InputError


def test_rirr_worked_example_and_inflation() -> None:
    # Hand computation (Braga & Weisburd 2020 variance): T0 = 100, T1 = 80, C0 = C1 = 100:
    # RIRR = 0.8, Var(ln RIRR) = 1/100 + 1/80 + 1/100 + 1/100 = 0.0425, SE 0.2061553,
    # 95% CI exp(ln 0.8 -+ 1.959964 * 0.2061553) = (0.534085, 1.198311)
    r = rirr(100, 80, 100, 100, dispersion=2.0)
    assert r.rirr == pytest.approx(0.8)
    assert r.se_log == pytest.approx(math.sqrt(0.0425), rel=1e-12)
    assert (r.ci_low, r.ci_high) == pytest.approx((0.534085, 1.198311), abs=1e-6)
    # Wilson (2022): the variance times the dispersion factor
    assert r.se_log_inflated == pytest.approx(math.sqrt(0.085), rel=1e-12)
    assert r.ci_low_inflated < r.ci_low and r.ci_high_inflated > r.ci_high
    assert rirr(100, 80, 100, 100).ci_low_inflated is None


def test_rirr_zero_count_gives_reason() -> None:
    r = rirr(0, 5, 10, 10)
    assert r.rirr is None and r.reason is not None and "T0" in r.reason


def test_cohens_d_conversion() -> None:
    # ln(0.8) sqrt(3) / pi = -0.2231436 * 0.5513289 = -0.1230255
    assert cohens_d_from_rirr(0.8) == pytest.approx(-0.1230255, abs=1e-7)


def test_wdq_hand_example_and_zero_denominators() -> None:
    # Hand computation: Rb 100, Ra 70, Db 80, Da 72, Cb = Ca = 500:
    # WDQ = (72/500 - 80/500) / (70/500 - 100/500) = 8/30; GE 30; NE 0.06; TNE 30 + 8 = 38
    r = wdq(100, 70, 80, 72, 500, 500)
    assert r.wdq == pytest.approx(8 / 30)
    assert (r.gross_effect, r.net_effect, r.total_net_effect) == pytest.approx((30, 0.06, 38))
    assert r.reason is None
    none = wdq(100, 70, 80, 72, 0, 500)
    assert none.wdq is None and none.net_effect is None and none.gross_effect == 30
    flat = wdq(100, 100, 80, 72, 500, 500)
    assert flat.wdq is None and flat.reason is not None and flat.total_net_effect == 8


def test_wdd_matches_the_published_example() -> None:
    # Wheeler & Ratcliffe (2018), Crime Science 7:11, worked example, also ptools' test
    # "Est & Variance Paper": wdd(control = c(308, 318), treated = c(207, 110),
    # disp_control = c(150, 140), disp_treated = c(178, 157), alpha = 0.05)
    # -> estimate -118, variance 1568, z -2.98, 95% CI (-196, -40)
    r = wdd(207, 110, 308, 318, 178, 157, 150, 140)
    assert r.wdd == -118
    assert r.se == pytest.approx(math.sqrt(1568))
    assert r.z is not None and round(r.z, 2) == -2.98
    assert r.ci_low is not None and r.ci_high is not None
    assert (round(r.ci_low), round(r.ci_high)) == (-196, -40)


def test_wdd_harm_matches_ptools_wdd_harm_example() -> None:
    # ptools test "Cumulative Harm" (Wheeler 2020 blog): five crime types, local WDD only,
    # weights (3, 2, 5, 7, 10): wdd_harm -> estimate -1721, SE 304.10360077, 95% CI
    # (-2317.03210507, -1124.96789493)
    crimes = [  # weight, control (pre, post), treated (pre, post)
        (3, (133, 91), (130, 74)),
        (2, (388, 305), (327, 202)),
        (5, (148, 97), (398, 190)),
        (7, (86, 64), (144, 92)),
        (10, (94, 67), (183, 96)),
    ]
    Rb = sum(w * t[0] for w, _, t in crimes)
    Ra = sum(w * t[1] for w, _, t in crimes)
    Cb = sum(w * c[0] for w, c, _ in crimes)
    Ca = sum(w * c[1] for w, c, _ in crimes)
    squares = [
        sum(w * w * t[0] for w, _, t in crimes),
        sum(w * w * t[1] for w, _, t in crimes),
        sum(w * w * c[0] for w, c, _ in crimes),
        sum(w * w * c[1] for w, c, _ in crimes),
        0,
        0,
        0,
        0,
    ]
    r = wdd(Rb, Ra, Cb, Ca, 0, 0, 0, 0, harm_sq=squares)
    assert r.wdd == -1721
    assert r.se == pytest.approx(304.10360077, rel=1e-9)
    assert (r.ci_low, r.ci_high) == pytest.approx((-2317.03210507, -1124.96789493), rel=1e-9)
    with pytest.raises(InputError):
        wdd(1, 1, 1, 1, 0, 0, 0, 0, harm_sq=[1, 2])
    assert wdd(0, 0, 0, 0, 0, 0, 0, 0).reason == "no crimes in any area"
