"""Power, sample size and minimum detectable effect of two-sample tests.

The pure statistics core: numbers in, numbers out, numpy and scipy only. ``n`` is
always the size of the control arm; the variant arm has ``ratio * n`` units (the
``nobs1``/``ratio`` convention of statsmodels).

Two-sided power follows R's default (``strict=FALSE``): only the rejection region on
the side of the true effect counts. ``strict=True`` adds the other tail, as
statsmodels and R's ``pwr`` package do.
"""

from __future__ import annotations

import math
from typing import Literal

from scipy import optimize, special, stats

from hypokit._errors import SolveError

Alternative = Literal["two-sided", "greater", "less"]
ProportionMethod = Literal["pooled", "unpooled", "arcsine"]

ALTERNATIVES: tuple[Alternative, ...] = ("two-sided", "greater", "less")
PROPORTION_METHODS: tuple[ProportionMethod, ...] = ("pooled", "unpooled", "arcsine")

#: Sample sizes beyond this are reported as an error, not returned.
MAX_N = 1e12

__all__ = [
    "ALTERNATIVES",
    "MAX_N",
    "PROPORTION_METHODS",
    "Alternative",
    "ProportionMethod",
    "critical_z",
    "normal_power",
    "proportion_mde",
    "proportion_n",
    "proportion_power",
    "t_mde",
    "t_n",
    "t_power",
]


def critical_z(alpha: float, alternative: Alternative) -> float:
    """The standard normal critical value of a level-``alpha`` test."""
    return float(special.ndtri(1 - alpha / 2 if alternative == "two-sided" else 1 - alpha))


def _sign(alternative: Alternative) -> float:
    return -1.0 if alternative == "less" else 1.0


def normal_power(
    effect: float,
    se0: float,
    se1: float,
    alpha: float,
    alternative: Alternative,
    *,
    margin: float = 0.0,
    strict: bool = False,
) -> float:
    """Power of a z-test whose statistic has standard error ``se0`` under the null.

    The estimate is normal with mean ``effect`` and standard error ``se1`` under the
    alternative. ``margin`` > 0 turns a one-sided test into a non-inferiority test:
    the null is ``effect <= -margin`` for ``"greater"`` (``effect >= margin`` for
    ``"less"``).
    """
    z = critical_z(alpha, alternative)
    if alternative == "two-sided":
        upper = float(special.ndtr((abs(effect) - z * se0) / se1))
        if strict:
            upper += float(special.ndtr((-abs(effect) - z * se0) / se1))
        return upper
    shifted = _sign(alternative) * effect + margin
    return float(special.ndtr((shifted - z * se0) / se1))


# --------------------------------------------------------------------------- proportions
def _proportion_ses(
    p1: float, p2: float, n: float, ratio: float, method: ProportionMethod, margin: float
) -> tuple[float, float, float]:
    """Effect on the tested scale and its standard errors under the null and alternative."""
    n2 = ratio * n
    if method == "arcsine":
        effect = 2 * math.asin(math.sqrt(p2)) - 2 * math.asin(math.sqrt(p1))
        se = math.sqrt(1 / n + 1 / n2)
        return effect, se, se
    se1 = math.sqrt(p1 * (1 - p1) / n + p2 * (1 - p2) / n2)
    if method == "unpooled" or margin > 0:
        return p2 - p1, se1, se1
    pbar = (p1 + ratio * p2) / (1 + ratio)
    se0 = math.sqrt(pbar * (1 - pbar) * (1 / n + 1 / n2))
    return p2 - p1, se0, se1


def proportion_power(
    p1: float,
    p2: float,
    n: float,
    *,
    ratio: float = 1.0,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
    method: ProportionMethod = "pooled",
    margin: float = 0.0,
    strict: bool = False,
) -> float:
    """Power of the two-sample test of proportions ``p1`` (control) and ``p2`` (variant).

    ``method="pooled"`` is R's ``power.prop.test``: the pooled variance under the null
    and the unpooled variance under the alternative (Fleiss, Levin & Paik 2003, §4.2).
    ``"unpooled"`` uses the unpooled variance under both (the Wald test);
    ``"arcsine"`` is Cohen's h, ``2 asin(sqrt(p2)) - 2 asin(sqrt(p1))``, with variance
    ``1/n1 + 1/n2`` (R's ``pwr.2p2n.test``). A non-inferiority ``margin`` uses the
    unpooled variance (Blackwelder 1982).
    """
    effect, se0, se1 = _proportion_ses(p1, p2, n, ratio, method, margin)
    return normal_power(effect, se0, se1, alpha, alternative, margin=margin, strict=strict)


def proportion_n(
    p1: float,
    p2: float,
    power: float,
    *,
    ratio: float = 1.0,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
    method: ProportionMethod = "pooled",
    margin: float = 0.0,
    strict: bool = False,
) -> float:
    """Control-arm size (not rounded) at which :func:`proportion_power` equals ``power``.

    Closed form for the normal approximation:
    ``n = (z_alpha * s0 + z_beta * s1)**2 / effect**2`` with ``s0``, ``s1`` the standard
    errors of one unit per arm; a root search when ``strict`` two-sided power is asked.
    """
    effect, s0, s1 = _proportion_ses(p1, p2, 1.0, ratio, method, margin)
    shifted = abs(effect) if alternative == "two-sided" else _sign(alternative) * effect + margin
    if shifted <= 0:
        raise SolveError("the effect lies on the null side of the test; no sample size helps")
    z_a = critical_z(alpha, alternative)
    z_b = float(special.ndtri(power))
    n = ((z_a * s0 + z_b * s1) / shifted) ** 2
    if strict and alternative == "two-sided":

        def gap(m: float) -> float:
            return (
                proportion_power(
                    p1,
                    p2,
                    m,
                    ratio=ratio,
                    alpha=alpha,
                    alternative=alternative,
                    method=method,
                    strict=True,
                )
                - power
            )

        lo = n * 1e-6
        if gap(lo) < 0:
            n = float(optimize.brentq(gap, lo, n, xtol=1e-12, rtol=1e-14))
    _check_n(n)
    return n


def proportion_mde(
    p1: float,
    n: float,
    power: float,
    *,
    ratio: float = 1.0,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
    method: ProportionMethod = "pooled",
    margin: float = 0.0,
    strict: bool = False,
) -> float:
    """The variant rate ``p2`` at which the test reaches ``power`` with ``n`` per control arm.

    Searched in ``(p1, 1)`` (``(0, p1)`` for ``alternative="less"``), as R's
    ``power.prop.test`` does when it solves for ``p2``. With a non-inferiority margin the
    returned ``p2`` can equal ``p1``: the power is then reached with no true effect at all.
    """
    sign = _sign(alternative)

    def gap(p2: float) -> float:
        return (
            proportion_power(
                p1,
                p2,
                n,
                ratio=ratio,
                alpha=alpha,
                alternative=alternative,
                method=method,
                margin=margin,
                strict=strict,
            )
            - power
        )

    eps = 1e-12
    far = 1 - eps if sign > 0 else eps
    if gap(far) < 0:
        raise SolveError(
            f"no variant rate reaches power {power} with n = {n:g} per arm at baseline {p1}"
        )
    near = p1 - sign * margin if margin > 0 else p1
    near = min(max(near, eps), 1 - eps)
    if gap(near) >= 0:
        return near if margin > 0 else p1
    return float(optimize.brentq(gap, min(near, far), max(near, far), xtol=1e-14, rtol=1e-14))


# ---------------------------------------------------------------------------------- means
def _t_design(n: float, ratio: float, sd: float) -> tuple[float, float]:
    """Degrees of freedom and standard error of the difference of two means."""
    return n * (1 + ratio) - 2, sd * math.sqrt(1 / n + 1 / (ratio * n))


def t_power(
    delta: float,
    sd: float,
    n: float,
    *,
    ratio: float = 1.0,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
    margin: float = 0.0,
    strict: bool = False,
) -> float:
    """Power of the two-sample t-test (equal variances) for a true difference ``delta``.

    The statistic follows a noncentral t with ``n1 + n2 - 2`` degrees of freedom and
    noncentrality ``(delta + margin) / (sd * sqrt(1/n1 + 1/n2))``: R's ``power.t.test``
    for ``ratio=1`` and statsmodels' ``TTestIndPower`` otherwise.
    """
    df, se = _t_design(n, ratio, sd)
    if df <= 0:
        return float("nan")
    if alternative == "two-sided":
        t_crit = float(stats.t.isf(alpha / 2, df))
        ncp = abs(delta) / se
        power = float(stats.nct.sf(t_crit, df, ncp))
        if strict:
            # P(T < -t_crit) as the upper tail at -ncp: scipy's nct.cdf can return NaN here.
            power += float(stats.nct.sf(t_crit, df, -ncp))
        return power
    t_crit = float(stats.t.isf(alpha, df))
    ncp = (_sign(alternative) * delta + margin) / se
    return float(stats.nct.sf(t_crit, df, ncp))


def _n_bracket(gap: object, guess: float, lo: float) -> tuple[float, float]:
    hi = max(guess * 2, lo * 2, 4.0)
    while gap(hi) < 0:  # type: ignore[operator]
        hi *= 4
        _check_n(hi / 16)
    return lo, hi


def t_n(
    delta: float,
    sd: float,
    power: float,
    *,
    ratio: float = 1.0,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
    margin: float = 0.0,
    strict: bool = False,
) -> float:
    """Control-arm size (not rounded) at which :func:`t_power` equals ``power``.

    The exact root of the noncentral-t power (R's ``power.t.test`` uses ``uniroot``
    on the same function), found with Brent's method to 1e-10.
    """
    shifted = abs(delta) if alternative == "two-sided" else _sign(alternative) * delta + margin
    if shifted <= 0:
        raise SolveError("the effect lies on the null side of the test; no sample size helps")
    z_a = critical_z(alpha, alternative)
    z_b = float(special.ndtri(power))
    guess = (1 + 1 / ratio) * ((z_a + z_b) * sd / shifted) ** 2
    _check_n(guess)

    def gap(m: float) -> float:
        return (
            t_power(
                delta,
                sd,
                m,
                ratio=ratio,
                alpha=alpha,
                alternative=alternative,
                margin=margin,
                strict=strict,
            )
            - power
        )

    lo = 3 / (1 + ratio)  # one degree of freedom; nct is unreliable below
    if gap(lo) >= 0:
        return lo
    lo, hi = _n_bracket(gap, guess, lo)
    n = float(optimize.brentq(gap, lo, hi, xtol=1e-10, rtol=1e-14))
    _check_n(n)
    return n


def t_mde(
    sd: float,
    n: float,
    power: float,
    *,
    ratio: float = 1.0,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
    margin: float = 0.0,
    strict: bool = False,
) -> float:
    """The true difference at which :func:`t_power` equals ``power`` (signed as ``alternative``).

    Solved on the noncentrality parameter, as R's ``power.t.test(delta = NULL)``. With
    a non-inferiority margin the result is ``ncp * se - margin`` and may be 0 or below.
    """
    df, se = _t_design(n, ratio, sd)
    if df <= 0:
        raise SolveError(f"n == {n:g} leaves no degrees of freedom")
    sided_alpha = alpha / 2 if alternative == "two-sided" else alpha
    t_crit = float(stats.t.isf(sided_alpha, df))

    def gap(ncp: float) -> float:
        p = float(stats.nct.sf(t_crit, df, ncp))
        if strict and alternative == "two-sided":
            p += float(stats.nct.sf(t_crit, df, -ncp))
        return p - power

    hi = t_crit + float(special.ndtri(power)) + 10.0
    while gap(hi) < 0:
        hi *= 2
    # Power grows with the noncentrality from its minimum at 0 (alpha, or alpha/2).
    ncp = float(optimize.brentq(gap, 0.0, hi, xtol=1e-12, rtol=1e-14))
    return _sign(alternative) * (ncp * se - margin)


def _check_n(n: float) -> None:
    if not math.isfinite(n) or n > MAX_N:
        raise SolveError(
            f"the required sample size exceeds {MAX_N:.0e} per arm; the effect is too small "
            "to detect"
        )
