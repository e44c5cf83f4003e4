"""Effect sizes beside the model, for comparison with the literature: RIRR and Cohen's d."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class RIRRResult:
    """Relative incident rate ratio with its Poisson and overdispersion-inflated intervals.

    Attributes:
        rirr: (T1/T0) / (C1/C0); below 1 means the treated spots fell relative to control.
        se_log: Poisson SE of ln RIRR.
        ci_low, ci_high: two-sided 1 - alpha interval from `se_log`.
        dispersion: the overdispersion factor used for the inflated interval, or None.
        se_log_inflated, ci_low_inflated, ci_high_inflated: the same with the variance
            multiplied by `dispersion` (None without one).
        reason: why the RIRR is None (a zero count), else None.
    """

    rirr: float | None
    se_log: float | None
    ci_low: float | None
    ci_high: float | None
    dispersion: float | None
    se_log_inflated: float | None
    ci_low_inflated: float | None
    ci_high_inflated: float | None
    reason: str | None = None


def rirr(
    T0: float,
    T1: float,
    C0: float,
    C1: float,
    *,
    alpha: float = 0.05,
    dispersion: float | None = None,
) -> RIRRResult:
    """Relative incident rate ratio of summed counts before (0) and after (1).

    Args:
        T0, T1: summed counts in the treated spots before and after.
        C0, C1: summed counts in the control spots before and after.
        alpha: interval at 1 - alpha.
        dispersion: overdispersion factor D >= 1 (e.g. the Pearson chi-square over its degrees
            of freedom of a quasi-Poisson fit to the spot counts); None: no inflated interval.

    Returns:
        `RIRRResult`; every number None with a reason when a count is zero.

    Notes:
        RIRR = (T1/T0) / (C1/C0); Var(ln RIRR) = 1/T0 + 1/T1 + 1/C0 + 1/C1 (Poisson counts);
        interval exp(ln RIRR -+ z_{1-alpha/2} SE). Wilson (2022) shows that this variance is
        too small when spot counts are overdispersed and inflates it: Var * D.
        Worked example: T0 = 100, T1 = 80, C0 = C1 = 100 gives RIRR 0.8, Var = 0.0425,
        95% interval exp(ln 0.8 -+ 1.959964 * 0.206155) = (0.534, 1.198).

    References:
        Braga, A. A. & Weisburd, D. L. (2020 online; 2022). Does hot spots policing have
        meaningful impacts on crime? Findings from an alternative approach to estimating effect
        sizes from place-based program evaluations. J Quant Criminol 38(1), 1-22.
        Wilson, D. B. (2022). The relative incident rate ratio effect size for count-based impact
        evaluations: when an odds ratio is not an odds ratio. J Quant Criminol 38, 323-341.
    """
    counts = {"T0": T0, "T1": T1, "C0": C0, "C1": C1}
    zero = [name for name, value in counts.items() if value <= 0]
    if zero:
        return RIRRResult(
            None,
            None,
            None,
            None,
            dispersion,
            None,
            None,
            None,
            reason=f"zero count in {', '.join(zero)}: the ratio or its variance is undefined",
        )
    est = (T1 / T0) / (C1 / C0)
    log_est = float(np.log(est))
    var = 1.0 / T0 + 1.0 / T1 + 1.0 / C0 + 1.0 / C1
    z = float(stats.norm.ppf(1.0 - alpha / 2.0))
    se = float(np.sqrt(var))
    inflated: tuple[float | None, float | None, float | None] = (None, None, None)
    if dispersion is not None:
        se_i = float(np.sqrt(var * dispersion))
        inflated = (se_i, float(np.exp(log_est - z * se_i)), float(np.exp(log_est + z * se_i)))
    return RIRRResult(
        rirr=float(est),
        se_log=se,
        ci_low=float(np.exp(log_est - z * se)),
        ci_high=float(np.exp(log_est + z * se)),
        dispersion=dispersion,
        se_log_inflated=inflated[0],
        ci_low_inflated=inflated[1],
        ci_high_inflated=inflated[2],
    )


def cohens_d_from_rirr(rirr_value: float) -> float:
    """Cohen's d from a rate ratio, d = ln(RIRR) sqrt(3) / pi: for comparison only.

    Notes:
        The logit-to-d conversion reviews used (Braga et al. 2019) to pool hot-spot trials.
        Wilson (2022) argues a rate ratio is not an odds ratio and the conversion should not be
        used; report it only labelled as such. Worked example: RIRR 0.8 gives
        ln(0.8) * 1.7320508 / 3.1415927 = -0.1230255.

    References:
        Braga, A. A., Turchan, B., Papachristos, A. V. & Hureau, D. M. (2019). Hot spots policing
        of small geographic areas effects on crime. Campbell Systematic Reviews 15(3), e1046.
        Wilson, D. B. (2022), J Quant Criminol 38, 323-341.
    """
    return float(np.log(rirr_value) * np.sqrt(3.0) / np.pi)
