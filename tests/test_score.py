"""Score intervals for two proportions (hypokit/stats/_score.py).

References, none of which uses the closed forms or the root finder under test:

- an independent scalar implementation below: the restricted maximum-likelihood
  estimates by ``scipy.optimize.brentq`` on the score equation, the bounds by ``brentq``
  on the score statistic;
- statsmodels: ``confint_proportions_2indep(method="score", correction=False)`` for the
  ratio (Nam's closed form of Koopman's interval) and, for the difference, the score
  statistic built on the restricted estimate of a binomial GLM with identity link and
  the hypothesised difference as offset (statsmodels' own score interval for the
  difference is checked too, but only once its restricted estimate is right: releases up
  to 0.15.0 at least have ``count0`` where ``nobs0`` belongs, statsmodels issue 10269);
- ``proportions_ztest`` (R's ``prop.test(correct = FALSE)``) for the decision that the
  intervals must agree with;
- closed-form bounds where the restricted estimates are simple (an arm at 0% and the
  other at 100%), and a seeded coverage simulation.
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, special
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportions_ztest,
    score_test_proportions_2indep,
)

from hypokit._errors import DataError, ValidationError
from hypokit.stats import ALTERNATIVES, score_interval_difference, score_interval_ratio

SETTINGS = settings(derandomize=True, deadline=None, max_examples=60)

#: (n_control, successes_control, n_variant, successes_variant): small, large, huge,
#: unequal arms, no successes and all successes in one arm.
GRID = [
    (nc, round(fc * nc), nv, round(fv * nv))
    for nc, nv in [
        (1, 1),
        (2, 5),
        (10, 10),
        (10, 30),
        (50, 20),
        (200, 200),
        (1_000, 3_000),
        (100_000, 90_000),
        (10**8, 10**8),
        (10**8, 3 * 10**7),
    ]
    for fc in (0, 0.01, 0.1, 0.5, 0.9, 1)
    for fv in (0, 0.02, 0.12, 0.5, 0.95, 1)
]
GRID = sorted(
    {row for row in GRID if not (row[1] == row[3] == 0 or (row[1] == row[0] and row[3] == row[2]))}
)
#: Up to 1e12 units, and rare events among 1e8.
HUGE = [
    (10**12, 10**10, 10**12, 10**10 + 10**5),
    (3 * 10**11, 3 * 10**9, 10**12, 9 * 10**9),
    (10**8, 12, 10**8, 30),
    (10**8, 0, 3 * 10**8, 7),
]
ALPHAS = (0.01, 0.05, 0.2)


def _rows(grid: list[tuple[int, int, int, int]]) -> tuple[np.ndarray, ...]:
    """The grid as four float columns, repeated for every alpha, and the alpha column."""
    arr = np.array([(*row, a) for a in ALPHAS for row in grid], dtype=float)
    return tuple(arr[:, j] for j in range(5))


# ------------------------------------------------------------------ independent reference
_EDGE = 1e-13


def _ref_var_difference(nc: float, xc: float, nv: float, xv: float, d: float) -> float:
    """``r_v (1 - r_v) / n_v + r_c (1 - r_c) / n_c`` at the MLE under ``r_v - r_c = d``.

    The MLE maximises a concave likelihood on ``r_c`` in ``[max(0, -d), min(1, 1 - d)]``:
    it is a limit where the score keeps one sign inside, else the root of the score.
    The arms are exchanged for ``d < 0`` so that ``r_c`` lies in ``[0, 1 - |d|]``.
    """
    if d == 0:
        p = (xc + xv) / (nc + nv)
        return p * (1 - p) * (1 / nc + 1 / nv)
    if d < 0:
        return _ref_var_difference(nv, xv, nc, xc, -d)
    hi = 1.0 - d

    def score(p: float) -> float:
        return (xc - nc * p) / (p * (1 - p)) + (xv - nv * (p + d)) / ((p + d) * (hi - p))

    a, b = hi * _EDGE, hi * (1 - _EDGE)
    if score(a) <= 0:
        p = 0.0
    elif score(b) >= 0:
        p = hi
    else:
        p = optimize.brentq(score, a, b, xtol=1e-300, rtol=8.9e-16, maxiter=500)
    return p * (1 - p) / nc + (p + d) * (hi - p) / nv


def _ref_var_ratio(nc: float, xc: float, nv: float, xv: float, rho: float) -> float:
    """``r_v (1 - r_v) / n_v + rho^2 r_c (1 - r_c) / n_c`` at the MLE under ``r_v = rho r_c``."""
    if rho == 1:
        p = (xc + xv) / (nc + nv)
        return p * (1 - p) * (1 / nc + 1 / nv)
    hi = min(1.0, 1.0 / rho)

    def score(p: float) -> float:
        q = rho * p
        return (xc - nc * p) / (p * (1 - p)) + rho * (xv - nv * q) / (q * (1 - q))

    a, b = hi * _EDGE, hi * (1 - _EDGE)
    if score(a) <= 0:
        p = 0.0
    elif score(b) >= 0:
        p = hi
    else:
        p = optimize.brentq(score, a, b, xtol=1e-300, rtol=8.9e-16, maxiter=500)
    q = rho * p
    return q * (1 - q) / nv + rho * rho * p * (1 - p) / nc


def _ref_z(kind: str, nc: float, xc: float, nv: float, xv: float, x: float) -> float:
    """The score statistic at ``x`` (``delta``, or ``log(rho)`` for the ratio)."""
    if kind == "difference":
        num = xv / nv - xc / nc - x
        var = _ref_var_difference(nc, xc, nv, xv, x) if num != 0 else 1.0
    else:
        rho = math.exp(x)
        num = xv / nv - rho * xc / nc
        var = _ref_var_ratio(nc, xc, nv, xv, rho) if num != 0 else 1.0
    if num == 0:
        return 0.0
    if var <= 0:
        return math.copysign(math.inf, num)
    return num / math.sqrt(var)


def _ref_root(kind: str, nc: float, xc: float, nv: float, xv: float, target: float) -> float:
    """The parameter at which the score statistic equals ``target``, by brentq."""

    def f(x: float) -> float:
        return _ref_z(kind, nc, xc, nv, xv, x) - target

    pc, pv = xc / nc, xv / nv
    if kind == "difference":
        est = pv - pc
        if target > 0:
            return -1.0 if est == -1 else optimize.brentq(f, -1 + 1e-12, est, xtol=1e-300)
        return 1.0 if est == 1 else optimize.brentq(f, est, 1 - 1e-12, xtol=1e-300)
    if target > 0:
        if pv == 0:
            return 0.0
        est = math.log(pv / pc) if pc > 0 else 200.0
        return math.exp(optimize.brentq(f, -200.0, est, xtol=1e-15))
    if pc == 0:
        return math.inf
    est = math.log(pv / pc) if pv > 0 else -200.0
    return math.exp(optimize.brentq(f, est, 200.0, xtol=1e-15))


def _ref_interval(kind: str, row: tuple[float, ...], alpha: float) -> tuple[float, float]:
    z = -special.ndtri(alpha / 2)
    return _ref_root(kind, *row, z), _ref_root(kind, *row, -z)


def _rel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``|a - b| / |b|`` (0 where both are equal, infinite ones included)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(a == b, 0.0, np.abs(a - b) / np.abs(b))


# ------------------------------------------------------------------ reference values
def test_difference_matches_independent_reference_on_grid() -> None:
    nc, xc, nv, xv, alpha = _rows(GRID + HUGE)
    low, high = score_interval_difference(nc, xc, nv, xv, alpha)
    ref = np.array(
        [
            _ref_interval("difference", row, a)
            for row, a in zip(zip(nc, xc, nv, xv, strict=True), alpha, strict=True)
        ]
    )
    assert np.max(np.abs(low - ref[:, 0])) < 1e-11
    assert np.max(np.abs(high - ref[:, 1])) < 1e-11
    # Relative to the distance from the estimate too, so that huge counts count: to
    # 1e-7 of it at worst, where a bound at 1 - 1.6e-8 is two floating-point steps off.
    est = xv / nv - xc / nc
    assert np.max(_rel(low - est, ref[:, 0] - est)) < 1e-7
    assert np.max(_rel(high - est, ref[:, 1] - est)) < 1e-7


def test_ratio_matches_independent_reference_on_grid() -> None:
    nc, xc, nv, xv, alpha = _rows(GRID + HUGE)
    low, high = score_interval_ratio(nc, xc, nv, xv, alpha)
    ref = np.array(
        [
            _ref_interval("ratio", row, a)
            for row, a in zip(zip(nc, xc, nv, xv, strict=True), alpha, strict=True)
        ]
    )
    assert np.max(_rel(low, ref[:, 0])) < 1e-11
    assert np.max(_rel(high, ref[:, 1])) < 1e-11


def _statsmodels_ratio(row: tuple[float, ...], alpha: float) -> tuple[complex, complex]:
    nc, xc, nv, xv = row
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 0/0 on the way for zero counts
        low, high = confint_proportions_2indep(
            xv, nv, xc, nc, method="score", compare="ratio", correction=False, alpha=alpha
        )
    return complex(low), complex(high)


def _statsmodels_ratio_consistent(row: tuple[float, ...], bound: float, alpha: float) -> bool:
    """Whether statsmodels' own two-sided score test has p-value ``alpha`` at ``bound``."""
    if not 0 < bound < math.inf:
        return True
    nc, xc, nv, xv = row
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = score_test_proportions_2indep(
            xv, nv, xc, nc, value=bound, compare="ratio", correction=False
        )
    return bool(abs(float(res.pvalue) - alpha) < 1e-9 * alpha)


def test_ratio_matches_statsmodels_on_grid() -> None:
    # statsmodels' first arm is the variant. Nam's closed form (np.roots of a cubic)
    # picks or loses roots for some rows: complex ones where the control is at 100%,
    # wrong ones where the variant is at 100% or an arm is tiny, and some accurate to
    # only 1e-8. Only rows where statsmodels' own score test has p-value alpha at its
    # bounds (to 1e-9) are compared; the next test and the independent reference cover
    # every row.
    nc, xc, nv, xv, alpha = _rows(GRID + HUGE)
    low, high = score_interval_ratio(nc, xc, nv, xv, alpha)
    compared = 0
    for i, row in enumerate(zip(nc, xc, nv, xv, strict=True)):
        sm_low, sm_high = _statsmodels_ratio(row, alpha[i])
        if sm_low.imag or sm_high.imag or math.isnan(sm_low.real):
            continue
        if not all(_statsmodels_ratio_consistent(row, b.real, alpha[i]) for b in (sm_low, sm_high)):
            continue
        compared += 1
        # abs: statsmodels puts the lower bound 0 of a 0% variant at about -1e-12.
        assert low[i] == pytest.approx(sm_low.real, rel=1e-8, abs=1e-10), (row, alpha[i])
        assert high[i] == pytest.approx(sm_high.real, rel=1e-8), (row, alpha[i])
    assert compared >= 0.5 * len(alpha)


def test_ratio_bounds_are_statsmodels_score_tests_at_alpha_on_grid() -> None:
    # Every finite bound, two-sided: statsmodels' score test of rho = bound has p-value
    # alpha there (to 3e-8 of alpha; statsmodels takes the restricted estimate from the
    # textbook quadratic formula, which loses digits to cancellation for rare events:
    # 6e-9 for 7 successes in 3e8).
    nc, xc, nv, xv, alpha = _rows(GRID + HUGE)
    low, high = score_interval_ratio(nc, xc, nv, xv, alpha)
    checked = 0
    for i, row in enumerate(zip(nc, xc, nv, xv, strict=True)):
        for bound in (low[i], high[i]):
            if 0 < bound < math.inf:
                res = score_test_proportions_2indep(
                    row[3], row[2], row[1], row[0], value=bound, compare="ratio", correction=False
                )
                assert float(res.pvalue) == pytest.approx(alpha[i], rel=3e-8), (row, alpha[i])
                checked += 1
    assert checked > 1.5 * len(alpha)


def _statsmodels_diff_is_fixed() -> bool:
    """Whether statsmodels' restricted estimate for the difference solves the score equation."""
    nc, xc, nv, xv, d = 34, 1, 34, 7, 0.1
    res = score_test_proportions_2indep(xv, nv, xc, nc, value=d, compare="diff", correction=False)
    p = float(res.prop2_null)
    score = (xc - nc * p) / (p * (1 - p)) + (xv - nv * (p + d)) / ((p + d) * (1 - p - d))
    return abs(score) < 1e-6


def test_difference_matches_statsmodels_on_grid() -> None:
    if not _statsmodels_diff_is_fixed():
        pytest.skip("statsmodels' restricted estimate for compare='diff' is wrong (issue 10269)")
    # statsmodels inverts its score test with brentq from a Wald bracket, capped at
    # 0.99999: rows where the bracket misses or the bound is not a root of its own test
    # are left out.
    nc, xc, nv, xv, alpha = _rows(GRID)
    low, high = score_interval_difference(nc, xc, nv, xv, alpha)
    compared = 0
    for i, row in enumerate(zip(nc, xc, nv, xv, strict=True)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                bounds = confint_proportions_2indep(
                    row[3], row[2], row[1], row[0], method="score", correction=False, alpha=alpha[i]
                )
            except ValueError:
                continue
            pvalues = [
                score_test_proportions_2indep(
                    row[3], row[2], row[1], row[0], value=b, compare="diff", correction=False
                ).pvalue
                for b in bounds
            ]
        if not np.allclose(pvalues, alpha[i], rtol=1e-6, atol=0):
            continue
        compared += 1
        assert low[i] == pytest.approx(bounds[0], abs=1e-8), (row, alpha[i])
        assert high[i] == pytest.approx(bounds[1], abs=1e-8), (row, alpha[i])
    assert compared >= 0.5 * len(alpha)


def _statsmodels_glm_z(nc: float, xc: float, nv: float, xv: float, d: float) -> float:
    """The score statistic at ``d`` on the restricted MLE of a statsmodels binomial GLM.

    ``r_c`` is the intercept of a binomial GLM with identity link fitted to both arms,
    with ``r_v - r_c = d`` imposed as the variant's offset.
    """
    endog = np.array([[xc, nc - xc], [xv, nv - xv]])
    family = sm.families.Binomial(link=sm.families.links.Identity())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sm.tools.sm_exceptions.DomainWarning)
        model = sm.GLM(endog, np.ones((2, 1)), family=family, offset=np.array([0.0, d]))
    pooled = (xc + xv) / (nc + nv)
    start = min(max(pooled, max(0.0, -d) + 1e-9), min(1.0, 1.0 - d) - 1e-9)
    rc = float(model.fit(start_params=[start], tol=1e-14, maxiter=200).params[0])
    rv = rc + d
    return (xv / nv - xc / nc - d) / math.sqrt(rv * (1 - rv) / nv + rc * (1 - rc) / nc)


@pytest.mark.parametrize(
    "row",
    [
        (500, 45, 510, 60),
        (34, 1, 34, 7),
        (200, 9, 200, 19),
        (1_000, 100, 3_000, 1_500),
        (3_000, 2_400, 1_000, 700),
        (10**6, 10**4, 10**6, 10_300),
        (10**8, 10**6, 10**8, 1_001_000),
    ],
)
@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.2])
def test_difference_bounds_solve_statsmodels_glm_score(
    row: tuple[int, int, int, int], alpha: float
) -> None:
    # At each bound the score statistic, with statsmodels' restricted MLE, is the
    # critical value; the bound it implies (one secant step) is within 1e-8.
    low, high = score_interval_difference(*row, alpha)
    z = -special.ndtri(alpha / 2)
    for bound, target in ((float(low), z), (float(high), -z)):
        h = 1e-7
        zb = _statsmodels_glm_z(*row, bound)
        slope = (_statsmodels_glm_z(*row, bound + h) - _statsmodels_glm_z(*row, bound - h)) / (
            2 * h
        )
        assert zb == pytest.approx(target, abs=1e-7)
        assert abs((zb - target) / slope) < 1e-8


def test_published_values() -> None:
    # R: PropCIs::riskscoreci(7, 34, 1, 34, 0.95): 1.220853 42.575718
    low, high = score_interval_ratio(34, 1, 34, 7, 0.05)
    assert float(low) == pytest.approx(1.220853, abs=5e-7)
    assert float(high) == pytest.approx(42.575718, abs=5e-7)
    # Nam (1995), Koopman's example 36/40 against 16/80: 2.940 to 7.152
    low, high = score_interval_ratio(80, 16, 40, 36, 0.05)
    assert (round(float(low), 3), round(float(high), 3)) == (2.940, 7.152)
    # Fagerland, Lydersen & Laake (2015): 7/34 against 1/34, 0.028 to 0.34
    low, high = score_interval_difference(34, 1, 34, 7, 0.05)
    assert (round(float(low), 3), round(float(high), 2)) == (0.028, 0.34)
    # R's PropCIs::diffscoreci(7, 34, 1, 34, 0.95) keeps Miettinen & Nurminen's
    # N / (N - 1) factor: 0.0270416 0.3452912, a wider interval.
    assert float(low) > 0.0270416
    assert float(high) < 0.3452912


# ----------------------------------------------------------------------- closed forms
@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.2])
@pytest.mark.parametrize(
    ("nc", "nv"), [(10, 10), (10, 30), (30, 10), (10**8, 10**8), (10**8, 3 * 10**7)]
)
def test_control_none_variant_all_closed_forms(nc: int, nv: int, alpha: float) -> None:
    # No control successes, every variant unit a success. Under r_v - r_c = d the
    # restricted MLE is r_c = (n_v - n_c d) / N while that lies in [0, 1 - d], that is
    # d <= min(n_v / n_c, n_c / n_v), and then Z^2 = N (1 - d) / (1 + d); beyond, one
    # arm's estimate is at its limit (r_c = 0 or r_v = 1) and Z^2 = m (1 - d) / d with
    # m = min(n_c, n_v). Under r_v = rho r_c: r_c = n_v / N and Z^2 = N / rho while
    # rho n_v <= N, else r_v = 1 and Z^2 = n_c / (rho - 1).
    n = nc + nv
    q = special.ndtri(alpha / 2) ** 2
    low, high = score_interval_difference(nc, 0, nv, nv, alpha)
    expected = (1 - q / n) / (1 + q / n)
    if expected > min(nv / nc, nc / nv):
        expected = 1 / (1 + q / min(nc, nv))
    assert float(low) == pytest.approx(expected, rel=1e-14)
    assert float(high) == 1.0
    low, high = score_interval_ratio(nc, 0, nv, nv, alpha)
    expected = n / q if n / q * nv <= n else 1 + nc / q
    assert float(low) == pytest.approx(expected, rel=1e-12)
    assert float(high) == math.inf
    # The mirror image: control all successes, variant none.
    low, high = score_interval_difference(nv, nv, nc, 0, alpha)
    assert float(high) == pytest.approx(-float(score_interval_difference(nc, 0, nv, nv, alpha)[0]))
    assert float(low) == -1.0
    low, high = score_interval_ratio(nv, nv, nc, 0, alpha)
    assert float(low) == 0.0
    assert float(high) == pytest.approx(1 / float(score_interval_ratio(nc, 0, nv, nv, alpha)[0]))


# ------------------------------------------------------------------------- one-sided
def test_one_sided_bounds_are_two_sided_bounds_at_twice_alpha() -> None:
    nc, xc, nv, xv, alpha = _rows(GRID + HUGE)
    alpha = alpha / 2  # 0.005, 0.025, 0.1
    for fn, limits in ((score_interval_difference, (-1, 1)), (score_interval_ratio, (0, math.inf))):
        low2, high2 = fn(nc, xc, nv, xv, 2 * alpha)
        low, high = fn(nc, xc, nv, xv, alpha, "greater")
        np.testing.assert_allclose(low, low2, rtol=1e-13, atol=1e-300)
        assert np.all(high == limits[1])
        low, high = fn(nc, xc, nv, xv, alpha, "less")
        np.testing.assert_allclose(high, high2, rtol=1e-13, atol=1e-300)
        assert np.all(low == limits[0])


def test_one_sided_bounds_match_independent_reference() -> None:
    nc, xc, nv, xv, alpha = _rows(GRID)
    z = -special.ndtri(alpha)
    for kind, fn in (("difference", score_interval_difference), ("ratio", score_interval_ratio)):
        low, _ = fn(nc, xc, nv, xv, alpha, "greater")
        _, high = fn(nc, xc, nv, xv, alpha, "less")
        rows = list(zip(nc, xc, nv, xv, strict=True))
        ref_low = np.array([_ref_root(kind, *row, t) for row, t in zip(rows, z, strict=True)])
        ref_high = np.array([_ref_root(kind, *row, -t) for row, t in zip(rows, z, strict=True)])
        assert np.max(_rel(low, ref_low) if kind == "ratio" else np.abs(low - ref_low)) < 1e-11
        assert np.max(_rel(high, ref_high) if kind == "ratio" else np.abs(high - ref_high)) < 1e-11


@pytest.mark.parametrize("row", [(34, 1, 34, 7), (500, 45, 510, 60), (10**6, 10**4, 10**6, 10**4)])
@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.2])
def test_one_sided_ratio_bounds_are_statsmodels_score_tests_at_alpha(
    row: tuple[int, int, int, int], alpha: float
) -> None:
    # statsmodels' one-sided score test of rho = bound has p-value alpha exactly there.
    nc, xc, nv, xv = row
    low, _ = score_interval_ratio(*row, alpha, "greater")
    _, high = score_interval_ratio(*row, alpha, "less")
    for bound, alternative in ((float(low), "larger"), (float(high), "smaller")):
        res = score_test_proportions_2indep(
            xv, nv, xc, nc, value=bound, compare="ratio", alternative=alternative, correction=False
        )
        assert float(res.pvalue) == pytest.approx(alpha, rel=1e-8)


# ------------------------------------------------------------------ the pooled z-test
def _pooled_p(row: tuple[float, ...], alternative: str) -> float:
    nc, xc, nv, xv = row
    sm_alternative = {"two-sided": "two-sided", "greater": "larger", "less": "smaller"}
    _, p = proportions_ztest([xv, xc], [nv, nc], alternative=sm_alternative[alternative])
    return float(p)


def _undefined(row: tuple[float, ...]) -> bool:
    nc, xc, nv, xv = row
    return nc < 1 or nv < 1 or xc == xv == 0 or (xc == nc and xv == nv)


_count = st.one_of(st.integers(1, 60), st.integers(1, 10**8))
_row = st.tuples(_count, st.floats(0, 1), _count, st.floats(0, 1)).map(
    lambda t: (t[0], round(t[1] * t[0]), t[2], round(t[3] * t[2]))
)


@SETTINGS
@given(
    rows=st.lists(st.tuples(_row, st.floats(0.001, 0.5)), min_size=1, max_size=20),
    alternative=st.sampled_from(ALTERNATIVES),
)
def test_interval_excludes_null_exactly_when_pooled_z_rejects(
    rows: list[tuple[tuple[int, int, int, int], float]], alternative: str
) -> None:
    counts = np.array([r for r, _ in rows], dtype=float)
    alpha = np.array([a for _, a in rows])
    args = (counts[:, 0], counts[:, 1], counts[:, 2], counts[:, 3], alpha, alternative)
    d_low, d_high = score_interval_difference(*args)
    r_low, r_high = score_interval_ratio(*args)
    for i, (row, a) in enumerate(rows):
        if _undefined(row):
            assert np.isnan([d_low[i], d_high[i], r_low[i], r_high[i]]).all()
            continue
        p = _pooled_p(row, alternative)
        if abs(p - a) <= 1e-9 * a:
            continue  # a tie, within rounding
        rejects = p < a
        assert (not d_low[i] <= 0 <= d_high[i]) == rejects, (row, a, p, d_low[i], d_high[i])
        assert (not r_low[i] <= 1 <= r_high[i]) == rejects, (row, a, p, r_low[i], r_high[i])


@pytest.mark.parametrize("alternative", ALTERNATIVES)
def test_decision_flips_with_alpha_a_millionth_either_side_of_p(alternative: str) -> None:
    # The margin itself: alpha a relative 1e-6 above the pooled p-value gives an interval
    # without the null value, 1e-6 below one with it, row by row.
    rng = np.random.default_rng(7)
    size = 400
    nc = rng.integers(5, 10**6, size).astype(float)
    nv = rng.integers(5, 10**6, size).astype(float)
    pc = rng.uniform(0.001, 0.6, size)
    xc = rng.binomial(nc.astype(np.int64), pc).astype(float)
    xv = rng.binomial(nv.astype(np.int64), pc * rng.uniform(0.97, 1.03, size)).clip(0, nv)
    rows = list(zip(nc, xc, nv, xv, strict=True))
    p = np.array([np.nan if _undefined(r) else _pooled_p(r, alternative) for r in rows])
    keep = (p > 1e-10) & (p < 0.99)
    assert keep.sum() > 150
    cols = (nc[keep], xc[keep], nv[keep], xv[keep])
    for fn, null in ((score_interval_difference, 0.0), (score_interval_ratio, 1.0)):
        low, high = fn(*cols, p[keep] * (1 + 1e-6), alternative)
        assert not np.any((low <= null) & (null <= high))
        low, high = fn(*cols, p[keep] * (1 - 1e-6), alternative)
        assert np.all((low <= null) & (null <= high))


def test_wald_disagrees_where_the_score_interval_agrees() -> None:
    # R: prop.test(c(19, 9), c(200, 200), correct = FALSE): p-value 0.05003619 but the
    # Wald interval 0.0002327359 0.0997672641 excludes 0. The score interval does not.
    low, high = score_interval_difference(200, 9, 200, 19, 0.05)
    assert float(low) < 0 < float(high)
    low, high = score_interval_ratio(200, 9, 200, 19, 0.05)
    assert float(low) < 1 < float(high)
    low, _ = score_interval_difference(200, 9, 200, 19, 0.0501)
    assert float(low) > 0


# ------------------------------------------------------------------------ edge cases
def test_rows_without_a_pooled_test_are_nan() -> None:
    nc = [0, 10, 10, 10, 0]
    xc = [0, 0, 10, 0, 0]
    nv = [10, 10, 10, 0, 0]
    xv = [3, 0, 10, 0, 0]
    for fn in (score_interval_difference, score_interval_ratio):
        for alternative in ALTERNATIVES:
            low, high = fn(nc, xc, nv, xv, 0.05, alternative)
            assert np.isnan(low).all()
            assert np.isnan(high).all()


def test_zero_and_full_arms() -> None:
    # Control at 0%: the ratio is unbounded above, its lower bound finite.
    low, high = score_interval_ratio(100, 0, 100, 5, 0.05)
    assert 0 < float(low) < math.inf
    assert float(high) == math.inf
    # Variant at 0%: the ratio's lower bound is 0, the upper finite.
    low, high = score_interval_ratio(100, 5, 100, 0, 0.05)
    assert float(low) == 0
    assert 0 < float(high) < 1
    # The difference stays finite and inside (-1, 1) unless the estimate is at a limit.
    for row in [(100, 0, 100, 5), (100, 5, 100, 0), (100, 100, 100, 95), (100, 0, 50, 50)]:
        low, high = score_interval_difference(*row, 0.05)
        est = row[3] / row[2] - row[1] / row[0]
        assert -1 < float(low) < est <= float(high) <= 1
        assert (float(high) == 1) == (est == 1)


def test_equal_arms_give_symmetric_intervals_at_huge_counts() -> None:
    # Identical arms: the difference's interval is symmetric about 0 and the ratio's
    # about 1 on the log scale, to the last digits, at 1e8 and 1e12 units.
    for n, x in [(10**8, 10**6), (10**8, 7), (10**12, 10**6), (10**12, 9 * 10**11)]:
        low, high = score_interval_difference(n, x, n, x, 0.05)
        assert float(low) == pytest.approx(-float(high), rel=1e-12)
        low, high = score_interval_ratio(n, x, n, x, 0.05)
        assert float(low) * float(high) == pytest.approx(1, rel=1e-12)
        assert float(low) < 1 < float(high)


# -------------------------------------------------------------------- arrays and inputs
def test_scalars_give_zero_dimensional_arrays() -> None:
    low, high = score_interval_difference(500, 45, 510, 60, 0.05)
    for bound in (low, high):
        assert isinstance(bound, np.ndarray)
        assert bound.shape == ()
        assert bound.dtype == np.float64


def test_inputs_broadcast_and_alpha_per_row() -> None:
    nc = np.array([[200], [1_000], [50]])
    xc = np.array([[20], [80], [5]])
    nv = np.array([210, 1_500, 40, 400])
    xv = np.array([30, 150, 9, 41])
    alpha = np.array([0.01, 0.05, 0.1, 0.2])
    for fn in (score_interval_difference, score_interval_ratio):
        low, high = fn(nc, xc, nv, xv, alpha)
        assert low.shape == high.shape == (3, 4)
        for i in range(3):
            for j in range(4):
                lo, hi = fn(nc[i, 0], xc[i, 0], nv[j], xv[j], alpha[j])
                assert low[i, j] == lo
                assert high[i, j] == hi


def test_rows_do_not_affect_each_other() -> None:
    rng = np.random.default_rng(11)
    size = 2_000
    nc = rng.integers(1, 10**5, size)
    nv = rng.integers(1, 10**5, size)
    xc = rng.binomial(nc, rng.uniform(0, 1, size))
    xv = rng.binomial(nv, rng.uniform(0, 1, size))
    alpha = rng.uniform(0.001, 0.3, size)
    for fn in (score_interval_difference, score_interval_ratio):
        low, high = fn(nc, xc, nv, xv, alpha)
        half = size // 2
        for part in (slice(None, half), slice(half, None)):
            lo, hi = fn(nc[part], xc[part], nv[part], xv[part], alpha[part])
            np.testing.assert_array_equal(lo, low[part])
            np.testing.assert_array_equal(hi, high[part])


def test_ten_thousand_rows_take_well_under_a_second_of_work() -> None:
    rng = np.random.default_rng(3)
    size = 10_000
    nc = rng.integers(1_000, 200_000, size)
    nv = rng.integers(1_000, 200_000, size)
    xc = rng.binomial(nc, 0.04)
    xv = rng.binomial(nv, 0.042)
    for fn in (score_interval_difference, score_interval_ratio):
        began = time.process_time()
        low, high = fn(nc, xc, nv, xv, 0.05)
        assert time.process_time() - began < 2.0  # about 0.03 s; a loop over rows takes ~10 s
        assert np.isfinite(low).all()
        assert np.isfinite(high).all()


def test_empty_input() -> None:
    low, high = score_interval_difference([], [], [], [], 0.05)
    assert low.shape == high.shape == (0,)


@pytest.mark.parametrize("alpha", [0, 1, 1.5, -0.1, math.nan, True, "0.05", [0.05, 1.0], ["a"]])
def test_bad_alpha_raises(alpha: object) -> None:
    with pytest.raises(ValidationError, match="alpha"):
        score_interval_difference([10, 10], [1, 2], [10, 10], [3, 4], alpha)  # type: ignore[arg-type]


def test_bad_alternative_raises() -> None:
    with pytest.raises(ValidationError, match="alternative"):
        score_interval_ratio(10, 1, 10, 3, 0.05, "two_sided")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("row", "match"),
    [
        ((-1, 0, 10, 3), "negative"),
        ((10, 11, 10, 3), "exceeds"),
        ((10, 1, 10, math.nan), "missing or infinite"),
    ],
)
def test_bad_counts_raise(row: tuple[float, ...], match: str) -> None:
    with pytest.raises(DataError, match=match):
        score_interval_difference(*row, 0.05)


def test_shapes_that_do_not_broadcast_raise() -> None:
    with pytest.raises(ValidationError, match="broadcast"):
        score_interval_difference([10, 10], [1, 2], [10, 10, 10], [3, 4, 5], 0.05)
    with pytest.raises(ValidationError, match="broadcast"):
        score_interval_ratio([10, 10], [1, 2], [10, 10], [3, 4], [0.05, 0.1, 0.2])


# ------------------------------------------------------------------------- coverage
@pytest.mark.slow
@pytest.mark.parametrize(
    ("nc", "nv", "pc", "pv"), [(150, 150, 0.08, 0.12), (2_000, 1_000, 0.03, 0.03)]
)
def test_coverage_is_nominal_or_above(nc: int, nv: int, pc: float, pv: float) -> None:
    draws, alpha = 4_000, 0.05
    rng = np.random.default_rng(20240601)
    xc = rng.binomial(nc, pc, draws)
    xv = rng.binomial(nv, pv, draws)
    floor = 1 - alpha - 3 * math.sqrt(alpha * (1 - alpha) / draws)
    low, high = score_interval_difference(nc, xc, nv, xv, alpha)
    assert np.mean((low <= pv - pc) & (pv - pc <= high)) >= floor
    low, high = score_interval_ratio(nc, xc, nv, xv, alpha)
    assert np.mean((low <= pv / pc) & (pv / pc <= high)) >= floor
    low, _ = score_interval_difference(nc, xc, nv, xv, alpha, "greater")
    assert np.mean(low <= pv - pc) >= floor
