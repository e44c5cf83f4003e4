"""Displacement measures: weighted displacement quotient and weighted displacement difference."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from trial.errors import InputError


@dataclass(frozen=True)
class WDQResult:
    """Weighted displacement quotient (None with a reason where a denominator is zero).

    Attributes:
        wdq: (Da/Ca - Db/Cb) / (Ra/Ca - Rb/Cb). Above 0: diffusion of benefits; 0 to -1:
            displacement smaller than the effect; below -1: larger.
        gross_effect: Rb - Ra.
        net_effect: Rb/Cb - Ra/Ca.
        total_net_effect: [Rb Ca/Cb - Ra] + [Db Ca/Cb - Da].
        reason: why some measure is None, else None.
    """

    wdq: float | None
    gross_effect: float
    net_effect: float | None
    total_net_effect: float | None
    reason: str | None = None


def wdq(Rb: float, Ra: float, Db: float, Da: float, Cb: float, Ca: float) -> WDQResult:
    """Weighted displacement quotient with the control spots as the control area.

    Args:
        Rb, Ra: treated spots' counts, baseline and treatment window.
        Db, Da: their catchments' counts.
        Cb, Ca: control spots' counts.

    Returns:
        `WDQResult`.

    Notes:
        WDQ = (Da/Ca - Db/Cb) / (Ra/Ca - Rb/Cb); GE = Rb - Ra; NE = Rb/Cb - Ra/Ca;
        TNE = [Rb Ca/Cb - Ra] + [Db Ca/Cb - Da]. Worked example (hand computation): Rb = 100,
        Ra = 70, Db = 80, Da = 72, Cb = Ca = 500: WDQ = (-8/500)/(-30/500) = 0.2667 (diffusion),
        GE = 30, NE = 0.06, TNE = 30 + 8 = 38.

    References:
        Bowers, K. J. & Johnson, S. D. (2003). Measuring the geographical displacement and
        diffusion of benefit effects of crime prevention activity. J Quant Criminol 19(3),
        275-301.
    """
    gross = float(Rb - Ra)
    if Cb <= 0 or Ca <= 0:
        return WDQResult(None, gross, None, None, "the control spots have no crimes in a window")
    net = Rb / Cb - Ra / Ca
    total = (Rb * Ca / Cb - Ra) + (Db * Ca / Cb - Da)
    denominator = Ra / Ca - Rb / Cb
    if denominator == 0:
        return WDQResult(
            None,
            gross,
            float(net),
            float(total),
            "no change in the treated spots relative to control: the quotient is undefined",
        )
    return WDQResult(float((Da / Ca - Db / Cb) / denominator), gross, float(net), float(total))


@dataclass(frozen=True)
class WDDResult:
    """Weighted displacement difference test (None with a reason when its variance is zero).

    Attributes:
        wdd: (Ra - Rb) - (Ca - Cb) + (Da - Db) - (DCa - DCb); negative is a relative fall.
        se: its standard error.
        z: wdd / se.
        p_value: two-sided normal p.
        ci_low, ci_high: wdd -+ z_{1-alpha/2} se.
        reason: why the test is None, else None.
    """

    wdd: float | None
    se: float | None
    z: float | None
    p_value: float | None
    ci_low: float | None
    ci_high: float | None
    reason: str | None = None


def wdd(
    Rb: float,
    Ra: float,
    Cb: float,
    Ca: float,
    Db: float,
    Da: float,
    DCb: float,
    DCa: float,
    *,
    harm_sq: Sequence[float] | None = None,
    alpha: float = 0.05,
) -> WDDResult:
    """Weighted displacement difference of treated vs control spots and their catchments.

    Args:
        Rb, Ra: treated spots, baseline and treatment window (counts, or harm totals).
        Cb, Ca: control spots.
        Db, Da: treated spots' catchments.
        DCb, DCa: control spots' catchments.
        harm_sq: for harm totals, the sum over each term's crimes of the squared weight, in the
            same order (Rb, Ra, Cb, Ca, Db, Da, DCb, DCa); None for counts.
        alpha: interval at 1 - alpha.

    Returns:
        `WDDResult`.

    Raises:
        InputError: `harm_sq` not eight values >= 0.

    Notes:
        WDD = (Ra - Rb) - (Ca - Cb) + (Da - Db) - (DCa - DCb); for counts
        Var = Ra + Rb + Ca + Cb + Da + Db + DCa + DCb (Poisson); for harm, Var = sum(harm_sq)
        (a harm total is sum_i w_i N_i over crimes, Var = sum_i w_i^2 N_i). This is R's
        ptools::wdd(control = c(Cb, Ca), treated = c(Rb, Ra), disp_control = c(DCb, DCa),
        disp_treated = c(Db, Da)) with unit weights, and ptools::wdd_harm for harm.
        Published example (Wheeler & Ratcliffe 2018, Table 1): treated (207, 110), control
        (308, 318), treated catchment (178, 157), control catchment (150, 140): WDD = -118,
        Var = 1568, z = -2.98, 95% interval (-196, -40).

    References:
        Wheeler, A. P. & Ratcliffe, J. H. (2018). A simple weighted displacement difference test
        to evaluate place based crime interventions. Crime Science 7:11.
        Wheeler, A. P. (2020). Amending the WDD test to incorporate harm weights (blog post;
        ptools::wdd_harm).
    """
    est = (Ra - Rb) - (Ca - Cb) + (Da - Db) - (DCa - DCb)
    if harm_sq is None:
        var = float(Ra + Rb + Ca + Cb + Da + Db + DCa + DCb)
    else:
        squares = np.asarray(harm_sq, dtype=float)
        if squares.shape != (8,) or np.any(~np.isfinite(squares)) or np.any(squares < 0):
            raise InputError("harm_sq must be eight sums of squared weights >= 0")
        var = float(squares.sum())
    if var <= 0:
        return WDDResult(float(est), None, None, None, None, None, "no crimes in any area")
    se = float(np.sqrt(var))
    z = est / se
    crit = float(stats.norm.ppf(1.0 - alpha / 2.0))
    return WDDResult(
        wdd=float(est),
        se=se,
        z=float(z),
        p_value=float(2.0 * stats.norm.sf(abs(z))),
        ci_low=float(est - crit * se),
        ci_high=float(est + crit * se),
    )
