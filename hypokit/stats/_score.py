"""Score intervals for two proportions: the intervals that invert the pooled z-test.

The pure statistics core: numpy and scipy only, arrays in, arrays out, one element per
row. :func:`~hypokit.stats.compare_proportions` tests with the pooled z (R's
``prop.test(correct = FALSE)``) but shows the Wald interval, whose unpooled standard
error differs from the test's; at the margin a row can then read "p < 0.05" beside an
interval that includes 0, or the reverse. The intervals here are the sets of parameter
values that the *score* test does not reject, and the score test of no difference is the
pooled z-test, so the two always agree: an interval excludes 0 (the ratio's, 1) exactly
when the pooled z-test rejects at that level.

With ``p_c = successes_control / n_control`` and ``p_v`` likewise, the score statistic
for a hypothesised difference ``delta = p_v - p_c`` (Mee 1984; Miettinen & Nurminen
1985) or ratio ``rho = p_v / p_c`` (Koopman 1984; Miettinen & Nurminen 1985) is::

    Z(delta) = (p_v - p_c - delta) / sqrt(r_v (1 - r_v) / n_v + r_c (1 - r_c) / n_c)
    Z(rho)   = (p_v - rho p_c) / sqrt(r_v (1 - r_v) / n_v + rho^2 r_c (1 - r_c) / n_c)

where ``r_c``, ``r_v`` are the maximum-likelihood estimates of the two rates restricted
to ``r_v - r_c = delta`` (``r_v = rho r_c``). Both are in closed form: the root of a
cubic for the difference (Miettinen & Nurminen 1985, appendix; Farrington & Manning
1990) and of a quadratic for the ratio. At ``delta = 0`` (``rho = 1``) the restricted
estimate of both rates is the pooled rate ``(successes_c + successes_v) / (n_c + n_v)``,
so ``Z`` is the pooled z. ``Z`` decreases in the parameter, and the interval is the set
where ``|Z| < z_{1 - alpha/2}``; it is found by bracketing root finding on all rows at
once (Chandrupatla 1997), to about ``1e-13`` of the interval's width.

Miettinen & Nurminen multiply the variance by ``N / (N - 1)`` (``N = n_c + n_v``); these
intervals do not, which is what makes them invert the pooled z-test exactly (Mee's
interval for the difference, Koopman's for the ratio). For the ratio, R's
``PropCIs::riskscoreci`` and statsmodels' ``confint_proportions_2indep(method="score",
compare="ratio", correction=False)`` compute the same interval (statsmodels by Nam's
closed form, which picks a wrong root for some tables with an arm at 100%). For the
difference, statsmodels' ``method="score"`` with ``correction=False`` is meant to, but
in releases up to 0.15.0 at least its cubic has ``count0`` where ``nobs0`` belongs
(statsmodels issue 10269), so its restricted estimates and bounds are off (the upper
bound by 2.3e-4 for 60/510 against 45/500); R's ``PropCIs::diffscoreci`` keeps the
``N / (N - 1)`` factor.

References:
    Mee RW (1984). Confidence bounds for the difference between two probabilities.
    Biometrics 40(4), 1175-1176.

    Koopman PAR (1984). Confidence intervals for the ratio of two binomial proportions.
    Biometrics 40(2), 513-517.

    Miettinen O, Nurminen M (1985). Comparative analysis of two rates. Statistics in
    Medicine 4(2), 213-226.

    Farrington CP, Manning G (1990). Test statistics and sample size formulae for
    comparative binomial trials with null hypothesis of non-zero risk difference or
    non-unity relative risk. Statistics in Medicine 9(12), 1447-1454.

    Chandrupatla TR (1997). A new hybrid quadratic/bisection algorithm for finding the
    zero of a nonlinear function without using derivatives. Advances in Engineering
    Software 28(3), 145-149.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from hypokit._errors import ValidationError
from hypokit._validate import check_choice, check_open_unit
from hypokit.stats._compare import ProportionStats
from hypokit.stats._power import ALTERNATIVES, Alternative

__all__ = ["score_interval_difference", "score_interval_ratio"]

FloatArray: TypeAlias = NDArray[np.float64]
IntArray: TypeAlias = NDArray[np.intp]
_Kind = Literal["difference", "ratio"]

#: The ratio is searched on ``log(rho)`` in ``[-_LOG_RHO_MAX, _LOG_RHO_MAX]``
#: (``rho`` from 1e-100 to 1e100): far beyond any bound that counts of up to 1e15 units
#: can produce, and small enough that the quadratic of the restricted estimate cannot
#: overflow.
_LOG_RHO_MAX = 100 * math.log(10)
#: Relative tolerance of the root finder: a bound is found to this fraction of its
#: distance from the estimate on the solver's scale (capped at 1; ``log(rho)`` for the
#: ratio, so relative to ``rho`` for wide intervals), or to the resolution of floating
#: point at the bound where that is coarser. Relative to the interval's width, then,
#: which is what the score statistic can resolve: huge counts and bounds near -1 or 1
#: keep their precision.
_XRTOL = 1e-13
_MAXITER = 100
_EPS2 = 2 * float(np.finfo(np.float64).eps)
#: Newton steps that polish the closed-form restricted estimates (the cubic's formula
#: loses more precision for small rates than the quadratic's).
_NEWTON_STEPS = {"difference": 2, "ratio": 1}


# ----------------------------------------------------------------------------- inputs
def _inputs(
    n_control: ArrayLike,
    successes_control: ArrayLike,
    n_variant: ArrayLike,
    successes_variant: ArrayLike,
    alpha: Any,
) -> tuple[tuple[int, ...], list[FloatArray], FloatArray]:
    """Validated counts and levels, broadcast together and flattened, and their shape."""
    # ProportionStats checks the counts (finite, non-negative, successes <= n) with the
    # messages every other comparison gives.
    control = ProportionStats(n_control, successes_control)
    variant = ProportionStats(n_variant, successes_variant)
    level = _alpha(alpha)
    try:
        shape = np.broadcast_shapes(control.n.shape, variant.n.shape, level.shape)
    except ValueError:
        raise ValidationError(
            f"control counts {control.n.shape}, variant counts {variant.n.shape} and alpha "
            f"{level.shape} have shapes that do not broadcast."
        ) from None
    arrays = [
        np.array(np.broadcast_to(a, shape), dtype=np.float64).ravel()
        for a in (control.n, control.successes, variant.n, variant.successes, level)
    ]
    return shape, arrays[:4], arrays[4]


def _alpha(alpha: Any) -> FloatArray:
    """``alpha`` as an array of levels in (0, 1)."""
    if np.ndim(alpha) == 0:
        value = alpha.item() if isinstance(alpha, np.generic | np.ndarray) else alpha
        return np.asarray(check_open_unit("alpha", value), dtype=np.float64)
    try:
        arr = np.array(alpha, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValidationError(f"alpha == {alpha!r:.80}, must be numbers in (0, 1).") from None
    with np.errstate(invalid="ignore"):
        bad = ~((arr > 0) & (arr < 1))
    if bad.any():
        raise ValidationError(f"alpha == {alpha!r:.80}, must be numbers in (0, 1).")
    return arr


# ------------------------------------------------------------------ restricted estimates
def _smaller_root(b: FloatArray, c: FloatArray) -> FloatArray:
    """The smaller root of ``r^2 - b r + c = 0`` (real roots), without cancellation."""
    sq = np.sqrt(np.maximum(b * b - 4 * c, 0.0))
    return np.asarray(np.where(b > 0, 2 * c / (b + sq), (b - sq) / 2), dtype=np.float64)


def _restricted_difference(
    wc: FloatArray, pc: FloatArray, pv: FloatArray, delta: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """``r (1 - r)`` of both arms at the MLE restricted to ``r_v - r_c = delta``.

    ``wc = n_c / N`` (``w_v = 1 - wc``). The arms are exchanged where ``delta < 0``
    (the restricted estimates are symmetric under ``delta -> -delta`` with the arms
    exchanged), so that ``d = |delta| >= 0`` and the arm solved for, ``r = r_c``, lies
    in ``[0, 1 - d]`` with ``r_v = r + d``. The MLE is the root in that range of the
    score equation times its denominators, over ``N``::

        g(r) = w_c (p_c - r)(r + d)(1 - d - r) + w_v (p_v - d - r) r (1 - r) = 0

    a cubic, ``r^3 + l2 r^2 + l1 r + l0`` with (Miettinen & Nurminen 1985, appendix;
    ``p`` the pooled rate)::

        l2 = (1 + w_c) d - 1 - p
        l1 = (w_c d - 1 - 2 w_c p_c) d + p
        l0 = w_c p_c d (1 - d)

    solved by the trigonometric formula (Farrington & Manning 1990)::

        v = l2^3 / 27 - l1 l2 / 6 + l0 / 2,  u = sign(v) sqrt(l2^2 / 9 - l1 / 3)
        r = 2 u cos((pi + arccos(v / u^3)) / 3) - l2 / 3

    then polished by Newton steps on the factored ``g`` (whose factors are small
    differences computed directly), which restores the relative precision the formula
    loses for small rates. With no successes in the arm solved for (``p_c = 0`` after
    the exchange) or no failures in the other (``p_v = 1``), ``g`` has a root at 0 or
    at ``1 - d`` as well, where the formula cannot tell the roots apart; there the root
    is taken from ``g`` with those factors divided out (a quadratic, or a line when both
    hold), clipped to the range (the MLE lies on a limit when the score does not change
    sign inside). Returns ``(r_c (1 - r_c), r_v (1 - r_v))``.
    """
    swap = delta < 0
    w0 = np.where(swap, 1 - wc, wc)
    p0 = np.where(swap, pv, pc)
    p1 = np.where(swap, pc, pv)
    d = np.abs(delta)
    w1 = 1 - w0
    upper = 1 - d
    e1 = p1 - d
    pbar = w0 * p0 + w1 * p1
    l2 = (1 + w0) * d - 1 - pbar
    l1 = (w0 * d - 1 - 2 * w0 * p0) * d + pbar
    l0 = w0 * p0 * d * upper
    v = l2 * l2 * l2 / 27 - l1 * l2 / 6 + l0 / 2
    u = np.sign(v) * np.sqrt(np.maximum(l2 * l2 / 9 - l1 / 3, 0.0))
    cos_arg = np.clip(v / (u * u * u), -1.0, 1.0)
    r = np.where(u == 0, -l2 / 3, 2 * u * np.cos((math.pi + np.arccos(cos_arg)) / 3) - l2 / 3)
    r = np.clip(r, 0.0, upper)
    for _ in range(_NEWTON_STEPS["difference"]):
        g = w0 * (p0 - r) * (r + d) * (upper - r) + w1 * (e1 - r) * r * (1 - r)
        dg = w0 * ((p0 - r) * (upper - d - 2 * r) - (r + d) * (upper - r)) + w1 * (
            (e1 - r) * (1 - 2 * r) - r * (1 - r)
        )
        step = r - g / dg
        r = np.where(np.isfinite(step), np.clip(step, 0.0, upper), r)
    at_limit = np.flatnonzero((p0 == 0) | (p1 == 1))
    if at_limit.size:
        r[at_limit] = _restricted_difference_limits(
            w0[at_limit], p0[at_limit], p1[at_limit], d[at_limit]
        )
    var0 = r * (1 - r)
    var1 = (r + d) * (upper - r)
    return np.where(swap, var1, var0), np.where(swap, var0, var1)


def _restricted_difference_limits(
    w0: FloatArray, p0: FloatArray, p1: FloatArray, d: FloatArray
) -> FloatArray:
    """The MLE ``r`` of :func:`_restricted_difference` where ``p0 = 0`` or ``p1 = 1``.

    ``g`` then has the root 0 (``p0 = 0``) or ``1 - d`` (``p1 = 1``); divided out, what
    is left is a quadratic or, when both hold, a line. Its root in ``(0, 1 - d)`` is the
    MLE when there is one; otherwise the score keeps one sign inside and the MLE is the
    limit that the clipping gives.
    """
    w1 = 1 - w0
    upper = 1 - d
    e1 = p1 - d
    # g / r = r^2 - (w0 (1 - 2d) + w1 (1 + p1 - d)) r + (w1 (p1 - d) - w0 d (1 - d))
    zero_0 = _smaller_root(w0 * (upper - d) + w1 * (1 + e1), w1 * e1 - w0 * d * upper)
    # g / (1 - d - r) = -(r^2 - (w0 (p0 - d) + w1) r - w0 p0 d): its positive root
    b = w0 * (p0 - d) + w1
    sq = np.sqrt(b * b + 4 * w0 * p0 * d)
    full_1 = np.where(b > 0, (b + sq) / 2, 2 * w0 * p0 * d / (sq - b))
    # g / (r (1 - d - r)) = w1 (1 - r) - w0 (r + d)
    both = w1 - w0 * d
    r = np.where(p0 == 0, np.where(p1 == 1, both, zero_0), full_1)
    return np.asarray(np.clip(r, 0.0, upper), dtype=np.float64)


def _restricted_ratio(
    wc: FloatArray, pc: FloatArray, pv: FloatArray, rho: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """``r (1 - r)`` of both arms at the MLE restricted to ``r_v = rho r_c``.

    The restricted MLE of ``r_c`` is the smaller root of ``a r^2 - b r + c = 0`` with
    ``a = rho``, ``b = rho (w_v + w_c p_c) + w_v p_v + w_c`` and ``c = p`` (the score
    equation over ``N``; Miettinen & Nurminen 1985), taken in the stable form
    ``2 c / (b + sqrt(b^2 - 4 a c))`` and polished by Newton steps on the factored
    equation ``w_c (p_c - r)(1 - rho r) + w_v (p_v - rho r)(1 - r) = 0``, clipped to
    ``[0, min(1, 1 / rho)]``. With every control unit a success the roots are 1 and
    ``p / rho``, and with every variant unit a success ``1 / rho`` and ``p``: the MLE
    is the smaller, taken directly. Returns ``(r_c (1 - r_c), r_v (1 - r_v))``.
    """
    wv = 1 - wc
    pbar = wc * pc + wv * pv
    b = rho * (wv + wc * pc) + wv * pv + wc
    r = _smaller_root(b / rho, pbar / rho)
    upper = np.minimum(1.0, 1 / rho)
    r = np.clip(r, 0.0, upper)
    for _ in range(_NEWTON_STEPS["ratio"]):
        g = wc * (pc - r) * (1 - rho * r) + wv * (pv - rho * r) * (1 - r)
        dg = -wc * ((1 - rho * r) + rho * (pc - r)) - wv * (rho * (1 - r) + (pv - rho * r))
        step = r - g / dg
        r = np.where(np.isfinite(step), np.clip(step, 0.0, upper), r)
    r = np.where(
        pc == 1, np.minimum(1.0, pbar / rho), np.where(pv == 1, np.minimum(pbar, 1 / rho), r)
    )
    rv = rho * r
    return r * (1 - r), rv * (1 - rv)


# ------------------------------------------------------------------ score statistics
class _Score:
    """The score statistic ``Z`` of one kind on a set of rows.

    The parameter ``x`` is on the solver's scale: ``delta`` for the difference and
    ``log(rho)`` for the ratio, so that the null value is ``x = 0`` for both. ``idx``
    picks the rows that ``x`` belongs to.
    """

    def __init__(
        self, kind: _Kind, nc: FloatArray, xc: FloatArray, nv: FloatArray, xv: FloatArray
    ) -> None:
        self.kind = kind
        self.nc, self.nv = nc, nv
        self.pc, self.pv = xc / nc, xv / nv
        self.wc = nc / (nc + nv)
        pooled = (xc + xv) / (nc + nv)
        self.pooled_var = pooled * (1 - pooled)

    def null(self, idx: IntArray) -> FloatArray:
        """``Z`` at the null value: the pooled z."""
        pc, pv, nc, nv, var = (
            a[idx] for a in (self.pc, self.pv, self.nc, self.nv, self.pooled_var)
        )
        return np.asarray((pv - pc) / np.sqrt(var / nv + var / nc), dtype=np.float64)

    def __call__(self, x: FloatArray, idx: IntArray) -> FloatArray:
        """``Z`` at ``x``."""
        pc, pv, nc, nv, wc, var = (
            a[idx] for a in (self.pc, self.pv, self.nc, self.nv, self.wc, self.pooled_var)
        )
        null = x == 0  # the pooled rate, so that Z(0) is bit for bit the pooled z
        if self.kind == "difference":
            vc, vv = _restricted_difference(wc, pc, pv, x)
            vc, vv = np.where(null, var, vc), np.where(null, var, vv)
            return np.asarray((pv - pc - x) / np.sqrt(vv / nv + vc / nc), dtype=np.float64)
        rho = np.exp(x)
        vc, vv = _restricted_ratio(wc, pc, pv, rho)
        vc, vv = np.where(null, var, vc), np.where(null, var, vv)
        return np.asarray(
            (pv - rho * pc) / np.sqrt(vv / nv + rho * rho * vc / nc), dtype=np.float64
        )


# ----------------------------------------------------------------------- root finding
def _chandrupatla(
    f: Callable[[FloatArray, IntArray], FloatArray],
    x1: FloatArray,
    x2: FloatArray,
    f1: FloatArray,
    f2: FloatArray,
    centre: FloatArray,
) -> FloatArray:
    """Roots of a decreasing ``f`` in ``[x1, x2]`` with ``f(x1) > 0 >= f(x2)``, all rows at once.

    Chandrupatla's (1997) hybrid of inverse quadratic interpolation and bisection, which
    keeps a bracket, so each root stays within the bracket it was given; the first step
    is a secant step where both values are finite. ``f(x, idx)`` evaluates the rows
    ``idx``; rows leave the loop as they converge (see ``_XRTOL``; ``centre`` is the
    estimate on the solver's scale). Returns the bracket end where ``f <= 0``: the
    bound inside the confidence set, at most the tolerance from the exact root.
    """
    x1, x2, f1, f2 = (np.array(a, dtype=np.float64) for a in (x1, x2, f1, f2))
    out = np.array(x2)
    idx = np.flatnonzero(f2 != 0)
    x1, x2, f1, f2, centre = x1[idx], x2[idx], f1[idx], f2[idx], np.asarray(centre)[idx]
    x3, f3 = x2.copy(), f2.copy()
    t = np.where(np.isfinite(f1), np.clip(f1 / (f1 - f2), 0.01, 0.99), 0.5)
    # An infinite value only tells the sign; the interpolation needs finite ones.
    f1 = np.minimum(f1, 1e300)
    for _ in range(_MAXITER):
        if idx.size == 0:
            break
        xt = x1 + t * (x2 - x1)
        ft = f(xt, idx)
        same = np.sign(ft) == np.sign(f1)
        x3 = np.where(same, x1, x2)
        f3 = np.where(same, f1, f2)
        x2 = np.where(same, x2, x1)
        f2 = np.where(same, f2, f1)
        x1, f1 = xt, ft
        inside = np.where(f1 <= 0, x1, x2)
        dx = np.abs(x2 - x1)
        scale = np.minimum(np.abs(inside - centre), 1.0)
        tol = np.maximum(_XRTOL * scale, _EPS2 * np.abs(inside)) + 1e-300
        done = (f1 == 0) | (dx < tol) | np.isnan(f1)
        out[idx[done]] = np.where(np.isnan(f1), np.nan, inside)[done]
        keep = ~done
        idx, x1, x2, x3, f1, f2, f3, dx, tol, centre = (
            a[keep] for a in (idx, x1, x2, x3, f1, f2, f3, dx, tol, centre)
        )
        # Inverse quadratic interpolation where the three points allow it, else bisection.
        xi = (x1 - x2) / (x3 - x2)
        phi = (f1 - f2) / (f3 - f2)
        iqi = (1 - np.sqrt(1 - xi) < phi) & (phi < np.sqrt(xi))
        a = (x3 - x1) / (x2 - x1)
        t_iqi = f1 / (f1 - f2) * f3 / (f3 - f2) - a * f1 / (f3 - f1) * f2 / (f2 - f3)
        t = np.where(iqi & np.isfinite(t_iqi), t_iqi, 0.5)
        tl = 0.5 * tol / dx
        t = np.clip(t, tl, 1 - tl)
    else:
        out[idx] = np.where(f1 <= 0, x1, x2)
    return out


def _narrow(
    lo: FloatArray,
    hi: FloatArray,
    flo: FloatArray,
    fhi: FloatArray,
    x: FloatArray,
    fx: FloatArray,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """The bracket ``[lo, hi]`` of a decreasing function narrowed by its value at ``x``."""
    inside = (x > lo) & (x < hi)
    up = inside & (fx > 0)
    down = inside & (fx <= 0)
    return (
        np.where(up, x, lo),
        np.where(down, x, hi),
        np.where(up, fx, flo),
        np.where(down, fx, fhi),
    )


def _lower_bound(score: _Score, target: FloatArray, start: FloatArray) -> FloatArray:
    """The parameter below the estimate where ``Z`` falls to ``target > 0``, per row.

    On the solver's scale (``delta``, ``log(rho)``). ``start`` is a rough guess (a Wald
    bound). The bracket runs from the parameter's lower limit (``delta = -1`` or
    ``rho = 1e-100``; ``Z = +inf`` at the limit) to the estimate (``Z = 0``; ``rho =
    1e100`` when the control has no successes, and ``Z`` falls towards 0 as ``rho``
    grows). Three points narrow it before the root finder runs: the null value
    (``Z`` is the pooled z there), ``start`` and the secant through the estimate and
    ``start``. Because the null value is always one of them and the bound is the
    bracket end inside the score set, the bound lies on the side of the null value that
    the pooled z-test decides.
    """
    size = target.shape[0]
    if score.kind == "difference":
        estimate = score.pv - score.pc
        # The variant at 0% and the control at 100%: Z(delta) <= 0 for every delta.
        degenerate = estimate == -1
        lo = np.full(size, -1.0)
        hi = estimate
    else:
        # No variant successes: Z(rho) <= 0 for every rho, and the bound is 0.
        degenerate = score.pv == 0
        with np.errstate(divide="ignore"):
            estimate = np.log(score.pv / score.pc)
        lo = np.full(size, -_LOG_RHO_MAX)
        hi = np.minimum(estimate, _LOG_RHO_MAX)
    bound = np.full(size, -1.0 if score.kind == "difference" else -np.inf)
    rows = np.flatnonzero(~degenerate)
    if rows.size:
        target, start, lo, hi, estimate = (a[rows] for a in (target, start, lo, hi, estimate))
        flo = np.full(rows.size, np.inf)
        fhi = -target
        # 1. The null value, where Z is the pooled z.
        null = np.zeros(rows.size)
        fnull = score.null(rows) - target
        lo, hi, flo, fhi = _narrow(lo, hi, flo, fhi, null, fnull)
        # 2. The Wald guess (or the middle of the bracket where the guess lies outside).
        start = np.where((start > lo) & (start < hi), start, 0.5 * (lo + hi))
        fstart = score(start, rows) - target
        lo, hi, flo, fhi = _narrow(lo, hi, flo, fhi, start, fstart)
        # 3. Where nothing below the root has been found yet (the guess was too
        #    cautious): twice the step that the secant through the guess and the
        #    estimate (Z = 0 there; the null value when the estimate is infinite) takes
        #    past the guess, so that the root is most likely passed.
        far = np.flatnonzero(np.isinf(flo))
        if far.size:
            finite = np.isfinite(estimate[far])
            x0 = np.where(finite, estimate[far], 0.0)
            f0 = np.where(finite, -target[far], fnull[far])
            xs, fs = start[far], fstart[far]
            g = xs + 2 * (xs - x0) * fs / (f0 - fs)
            g = np.clip(np.where(np.isfinite(g), g, lo[far]), lo[far], hi[far])
            fg = score(g, rows[far]) - target[far]
            lo[far], hi[far], flo[far], fhi[far] = _narrow(
                lo[far], hi[far], flo[far], fhi[far], g, fg
            )
        bound[rows] = _chandrupatla(
            lambda x, i: score(x, rows[i]) - target[i], lo, hi, flo, fhi, estimate
        )
    return bound if score.kind == "difference" else np.exp(bound)


def _solve(
    kind: _Kind,
    nc: FloatArray,
    xc: FloatArray,
    nv: FloatArray,
    xv: FloatArray,
    target: FloatArray,
) -> FloatArray:
    """The parameter where ``Z`` equals ``target`` (any sign), per row.

    Exchanging the arms turns ``Z`` into ``-Z`` at the reflected parameter (``-delta``,
    ``1 / rho``), so a negative target is a lower bound of the exchanged arms at
    ``-target``; a zero target is the estimate itself.
    """
    swap = target < 0
    a_n, a_x = np.where(swap, nv, nc), np.where(swap, xv, xc)
    b_n, b_x = np.where(swap, nc, nv), np.where(swap, xc, xv)
    level = np.abs(target)
    positive = level > 0
    pc, pv = a_x / a_n, b_x / b_n
    if kind == "difference":
        estimate = pv - pc
        se = np.sqrt((pc * (1 - pc) + 0.25 / a_n) / a_n + (pv * (1 - pv) + 0.25 / b_n) / b_n)
        start = estimate - level * se
    else:
        estimate = pv / pc
        # Katz's log interval with half a success added to each arm.
        ac, av = a_x + 0.5, b_x + 0.5
        se = np.sqrt(1 / ac - 1 / (a_n + 0.5) + 1 / av - 1 / (b_n + 0.5))
        start = np.log(av / (b_n + 0.5)) - np.log(ac / (a_n + 0.5)) - level * se
    score = _Score(kind, a_n[positive], a_x[positive], b_n[positive], b_x[positive])
    bound = np.array(estimate)
    bound[positive] = _lower_bound(score, level[positive], start[positive])
    if kind == "difference":
        return np.where(swap, -bound, bound)
    return np.where(swap, 1 / bound, bound)


def _interval(
    kind: _Kind,
    n_control: ArrayLike,
    successes_control: ArrayLike,
    n_variant: ArrayLike,
    successes_variant: ArrayLike,
    alpha: Any,
    alternative: Any,
) -> tuple[FloatArray, FloatArray]:
    alternative = check_choice("alternative", alternative, ALTERNATIVES)
    shape, (nc, xc, nv, xv), level = _inputs(
        n_control, successes_control, n_variant, successes_variant, alpha
    )
    limits = (-1.0, 1.0) if kind == "difference" else (0.0, math.inf)
    # No test exists with an empty arm, or with both arms at 0% or both at 100%.
    undefined = (nc < 1) | (nv < 1) | ((xc == 0) & (xv == 0)) | ((xc == nc) & (xv == nv))
    ok = ~undefined
    nc, xc, nv, xv, level = nc[ok], xc[ok], nv[ok], xv[ok], level[ok]
    size = level.shape[0]
    low = np.full(undefined.shape, np.nan)
    high = np.full(undefined.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        if alternative == "two-sided":
            z = -special.ndtri(level / 2)
            both = _solve(
                kind,
                np.tile(nc, 2),
                np.tile(xc, 2),
                np.tile(nv, 2),
                np.tile(xv, 2),
                np.concatenate([z, -z]),
            )
            low[ok], high[ok] = both[:size], both[size:]
        elif alternative == "greater":
            low[ok] = _solve(kind, nc, xc, nv, xv, -special.ndtri(level))
            high[ok] = limits[1]
        else:
            low[ok] = limits[0]
            high[ok] = _solve(kind, nc, xc, nv, xv, special.ndtri(level))
    return low.reshape(shape), high.reshape(shape)


# ------------------------------------------------------------------------- public API
def score_interval_difference(
    n_control: ArrayLike,
    successes_control: ArrayLike,
    n_variant: ArrayLike,
    successes_variant: ArrayLike,
    alpha: ArrayLike,
    alternative: Alternative = "two-sided",
) -> tuple[FloatArray, FloatArray]:
    """The score interval for ``p_v - p_c``: it excludes 0 exactly when the pooled z rejects.

    Mee's (1984) interval, the Miettinen–Nurminen (1985) score interval without their
    ``N / (N - 1)`` variance factor: every ``delta`` with ``|Z(delta)| < z_{1-alpha/2}``,
    where::

        Z(delta) = (p_v - p_c - delta) / sqrt(r_v (1 - r_v) / n_v + r_c (1 - r_c) / n_c)

    and ``r_c``, ``r_v`` are the maximum-likelihood estimates of the rates restricted to
    ``r_v - r_c = delta`` (closed form, the root of a cubic; Farrington & Manning 1990).
    At ``delta = 0`` both are the pooled rate and ``Z(0)`` is the pooled z of R's
    ``prop.test(correct = FALSE)`` and statsmodels' ``proportions_ztest``, so the
    interval excludes 0 exactly when that test rejects at level ``alpha`` (up to ties
    within rounding). One-sided: ``"greater"`` gives ``(low, 1)`` with ``Z(low) =
    z_{1-alpha}``, the lower bound of the two-sided interval at ``2 alpha``;
    ``"less"`` gives ``(-1, high)``.

    Edge cases: a bound is -1 or 1 only where the data sit at that limit (the variant at
    0% and the control at 100% give ``low = -1``); with one arm at 0% or 100% the
    bounds are otherwise finite and inside (-1, 1). Rows with an arm of no units, or with
    both arms at 0% or both at 100% (no pooled test), are NaN. Counts may be large (1e8
    units and beyond): everything is computed from rates, never from products of counts.

    Args:
        n_control: Units in the control arm (one element per row).
        successes_control: Control units with the event.
        n_variant: Units in the variant arm.
        successes_variant: Variant units with the event.
        alpha: The significance level, in (0, 1): a number, or an array broadcast against
            the rows (a level per row).
        alternative: ``"two-sided"``, ``"greater"`` (variant above control) or ``"less"``.

    Returns:
        ``(low, high)``: float arrays of the broadcast shape of the inputs.

    Raises:
        DataError: a non-finite or negative count, or more successes than units.
        ValidationError: a bad ``alpha`` or ``alternative``, or shapes that do not broadcast.

    The Wald interval (R's ``prop.test``, ``compare_proportions(interval="wald")``) can
    disagree with its own test at the margin; the score interval cannot:

    >>> from hypokit.stats._compare import ProportionStats, compare_proportions
    >>> res = compare_proportions(
    ...     ProportionStats(200, 9), ProportionStats(200, 19), interval="wald"
    ... )
    >>> # R: prop.test(c(19, 9), c(200, 200), correct = FALSE)
    >>> # p-value = 0.05003619, 95% CI 0.0002327359 0.0997672641
    >>> print(f"{res.p_value:.8f} {res.ci_low:.10f} {res.ci_high:.10f}")
    0.05003619 0.0002327359 0.0997672641
    >>> low, high = score_interval_difference(200, 9, 200, 19, alpha=0.05)
    >>> print(f"{low:.8f} {high:.8f}")
    -0.00000835 0.10381256

    Fagerland, Lydersen & Laake (2015, "Recommended confidence intervals for two
    independent binomial proportions", Statistical Methods in Medical Research 24(2))
    report 0.028 to 0.34 for 7/34 against 1/34:

    >>> low, high = score_interval_difference(34, 1, 34, 7, alpha=0.05)
    >>> print(f"{low:.3f} {high:.2f}")
    0.028 0.34
    """
    return _interval(
        "difference",
        n_control,
        successes_control,
        n_variant,
        successes_variant,
        alpha,
        alternative,
    )


def score_interval_ratio(
    n_control: ArrayLike,
    successes_control: ArrayLike,
    n_variant: ArrayLike,
    successes_variant: ArrayLike,
    alpha: ArrayLike,
    alternative: Alternative = "two-sided",
) -> tuple[FloatArray, FloatArray]:
    """The score interval for ``p_v / p_c``: it excludes 1 exactly when the pooled z rejects.

    Koopman's (1984) interval, the Miettinen–Nurminen (1985) score interval for the risk
    ratio without their ``N / (N - 1)`` variance factor: every ``rho`` with
    ``|Z(rho)| < z_{1-alpha/2}``, where::

        Z(rho) = (p_v - rho p_c) / sqrt(r_v (1 - r_v) / n_v + rho^2 r_c (1 - r_c) / n_c)

    and ``r_c``, ``r_v = rho r_c`` are the maximum-likelihood estimates restricted to
    ``r_v = rho r_c`` (closed form, the root of a quadratic). At ``rho = 1`` both are the
    pooled rate and ``Z(1)`` is the pooled z (R's ``prop.test(correct = FALSE)``), so the
    interval excludes 1 exactly when that test rejects at level ``alpha``. One-sided:
    ``"greater"`` gives ``(low, inf)`` with ``Z(low) = z_{1-alpha}``; ``"less"`` gives
    ``(0, high)``.

    Edge cases: with no control successes the ratio is infinite and so is ``high`` (the
    score set is unbounded above; ``low`` stays finite); with no variant successes
    ``low = 0`` and ``high`` is finite. Rows with an arm of no units, or with both arms at
    0% or both at 100% (no pooled test), are NaN.

    Args:
        n_control: Units in the control arm (one element per row).
        successes_control: Control units with the event.
        n_variant: Units in the variant arm.
        successes_variant: Variant units with the event.
        alpha: The significance level, in (0, 1): a number, or an array broadcast against
            the rows (a level per row).
        alternative: ``"two-sided"``, ``"greater"`` (variant above control) or ``"less"``.

    Returns:
        ``(low, high)``: float arrays of the broadcast shape of the inputs.

    Raises:
        DataError: a non-finite or negative count, or more successes than units.
        ValidationError: a bad ``alpha`` or ``alternative``, or shapes that do not broadcast.

    >>> low, high = score_interval_ratio(34, 1, 34, 7, alpha=0.05)
    >>> # R: PropCIs::riskscoreci(7, 34, 1, 34, 0.95): 1.220853 42.575718
    >>> # statsmodels: confint_proportions_2indep(7, 34, 1, 34, method="score",
    >>> #     compare="ratio", correction=False): 1.2208528535 42.5757176098
    >>> print(f"{low:.10f} {high:.10f}")
    1.2208528535 42.5757176098
    >>> low, high = score_interval_ratio(80, 16, 40, 36, alpha=0.05)
    >>> # Nam (1995, Biometrics 51(4)), Koopman's example: 2.940 to 7.152
    >>> print(f"{low:.3f} {high:.3f}")
    2.940 7.152
    """
    return _interval(
        "ratio",
        n_control,
        successes_control,
        n_variant,
        successes_variant,
        alpha,
        alternative,
    )
