"""Two-sample comparisons from sufficient statistics (hypokit.stats._compare).

Reference values come from scipy, statsmodels and R 4.2 (the R call sits beside each).
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from hypokit._errors import DataError, ValidationError
from hypokit.stats._compare import (
    Comparison,
    MeanStats,
    ProportionStats,
    RatioStats,
    Reason,
    compare_means,
    compare_proportions,
    compare_ratios,
    describe_reason,
    fieller_ratio,
)

SETTINGS = settings(derandomize=True, deadline=None, max_examples=60)

CONTROL = [1.0, 2.0, 3.0, 4.0, 5.0]
VARIANT = [2.0, 4.0, 6.0, 8.0, 11.0]


def _f(a: object) -> float:
    return float(np.asarray(a))


def _rng(seed: int = 20240601) -> np.random.Generator:
    return np.random.default_rng(seed)


# ------------------------------------------------------------------------- R references
def test_welch_matches_r_two_sided() -> None:
    # R: t.test(c(2,4,6,8,11), c(1,2,3,4,5))
    # t = 1.86627789926, df = 5.57328003095, p = 0.11499016053, CI -1.07469246356 7.47469246356
    res = compare_means(MeanStats.from_values(CONTROL), MeanStats.from_values(VARIANT))
    assert _f(res.statistic) == pytest.approx(1.86627789926, rel=1e-10)
    assert _f(res.df) == pytest.approx(5.57328003095, rel=1e-10)
    assert _f(res.p_value) == pytest.approx(0.11499016053, rel=1e-9)
    assert _f(res.ci_low) == pytest.approx(-1.07469246356, rel=1e-10)
    assert _f(res.ci_high) == pytest.approx(7.47469246356, rel=1e-10)
    assert _f(res.effect) == pytest.approx(3.2)
    assert _f(res.control_mean) == 3.0
    assert _f(res.variant_mean) == pytest.approx(6.2)
    assert _f(res.lift) == pytest.approx(3.2 / 3.0)
    assert int(res.reason) == 0


def test_welch_matches_r_one_sided() -> None:
    # R: t.test(c(2,4,6,8,11), c(1,2,3,4,5), alternative = "greater", conf.level = 0.9)
    # p = 0.057495080265, CI 0.70794567585 Inf
    res = compare_means(
        MeanStats.from_values(CONTROL),
        MeanStats.from_values(VARIANT),
        alternative="greater",
        alpha=0.1,
    )
    assert _f(res.p_value) == pytest.approx(0.057495080265, rel=1e-9)
    assert _f(res.ci_low) == pytest.approx(0.70794567585, rel=1e-10)
    assert _f(res.ci_high) == math.inf
    # R: t.test(c(5.1, 4.8, 6.0, 5.7, 6.2, 5.5), c(4.9, 5.0, 4.7, 5.2, 4.4, 5.1, 4.8),
    #           alternative = "less")
    # t = 2.8296710948, df = 7.14634408559, p = 0.987562566501, CI -Inf 1.13150642905
    res = compare_means(
        MeanStats.from_values([4.9, 5.0, 4.7, 5.2, 4.4, 5.1, 4.8]),
        MeanStats.from_values([5.1, 4.8, 6.0, 5.7, 6.2, 5.5]),
        alternative="less",
    )
    assert _f(res.statistic) == pytest.approx(2.8296710948, rel=1e-9)
    assert _f(res.df) == pytest.approx(7.14634408559, rel=1e-9)
    assert _f(res.p_value) == pytest.approx(0.987562566501, rel=1e-9)
    assert _f(res.ci_low) == -math.inf
    assert _f(res.ci_high) == pytest.approx(1.13150642905, rel=1e-9)


@pytest.mark.parametrize(
    ("alternative", "alpha", "expected"),
    [
        # R: prop.test(c(60, 45), c(510, 500), correct = FALSE)
        ("two-sided", 0.05, (0.150056674248, -0.00991792118086, 0.0652120388279)),
        # R: prop.test(c(60, 45), c(510, 500), correct = FALSE, alternative = "greater")
        ("greater", 0.05, (0.0750283371241, -0.00387846618303, 1.0)),
        # R: prop.test(c(60, 45), c(510, 500), correct = FALSE, alternative = "less",
        #              conf.level = 0.9)
        ("less", 0.1, (0.924971662876, -1.0, 0.0522094790078)),
    ],
)
def test_proportions_match_r(
    alternative: str, alpha: float, expected: tuple[float, float, float]
) -> None:
    res = compare_proportions(
        ProportionStats(500, 45),
        ProportionStats(510, 60),
        alpha=alpha,
        alternative=alternative,  # type: ignore[arg-type]
        interval="wald",
    )
    p, low, high = expected
    # R's X-squared = 2.07167463671 is the square of the pooled z.
    assert _f(res.statistic) ** 2 == pytest.approx(2.07167463671, rel=1e-10)
    assert _f(res.p_value) == pytest.approx(p, rel=1e-9)
    assert _f(res.ci_low) == pytest.approx(low, rel=1e-9)
    assert _f(res.ci_high) == pytest.approx(high, rel=1e-9)
    assert math.isinf(_f(res.df))


def test_proportion_interval_is_the_score_interval_and_agrees_with_the_test() -> None:
    from hypokit.stats import score_interval_difference, score_interval_ratio

    control, variant = ProportionStats(200, 9), ProportionStats(200, 19)
    res = compare_proportions(control, variant, lift_method="auto")
    # R: prop.test(c(19, 9), c(200, 200), correct = FALSE): p = 0.05003619, and its Wald
    # interval (0.000233, 0.099767) excludes 0; the score interval does not.
    assert _f(res.p_value) == pytest.approx(0.05003619, rel=1e-6)
    low, high = score_interval_difference(200, 9, 200, 19, alpha=0.05)
    assert (_f(res.ci_low), _f(res.ci_high)) == (float(low), float(high))
    assert _f(res.ci_low) < 0 < _f(res.ci_high)
    r_low, r_high = score_interval_ratio(200, 9, 200, 19, alpha=0.05)
    assert _f(res.lift_ci_low) == pytest.approx(float(r_low) - 1, rel=1e-12)
    assert _f(res.lift_ci_high) == pytest.approx(float(r_high) - 1, rel=1e-12)
    assert _f(res.lift_ci_low) < 0
    # At a level just above the p-value both intervals exclude 0.
    wider = res.at_level(0.0501)
    assert _f(wider.ci_low) > 0
    assert _f(wider.lift_ci_low) > 0


def test_proportions_with_an_empty_rate_match_r() -> None:
    # R: prop.test(c(3, 0), c(10, 12), correct = FALSE)
    # X-squared = 4.16842105263, p = 0.0411841631554, CI 0.0159742349107 0.584025765089
    res = compare_proportions(ProportionStats(12, 0), ProportionStats(10, 3), interval="wald")
    assert _f(res.statistic) ** 2 == pytest.approx(4.16842105263, rel=1e-10)
    assert _f(res.p_value) == pytest.approx(0.0411841631554, rel=1e-9)
    assert _f(res.ci_low) == pytest.approx(0.0159742349107, rel=1e-9)
    assert _f(res.ci_high) == pytest.approx(0.584025765089, rel=1e-9)
    # The control rate is 0: no relative lift.
    assert math.isnan(_f(res.lift))
    assert int(res.reason) == Reason.ZERO_CONTROL_MEAN


# ------------------------------------------------------------------ scipy cross-checks
@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_welch_matches_scipy(alternative: str, seed: int) -> None:
    rng = _rng(seed)
    control = rng.normal(10, 2, size=int(rng.integers(5, 40)))
    variant = rng.normal(10.5, 4, size=int(rng.integers(5, 40)))
    res = compare_means(
        MeanStats.from_values(control),
        MeanStats.from_values(variant),
        alternative=alternative,  # type: ignore[arg-type]
        alpha=0.1,
    )
    ref = stats.ttest_ind(variant, control, equal_var=False, alternative=alternative)
    ci = ref.confidence_interval(confidence_level=0.9)
    assert _f(res.statistic) == pytest.approx(ref.statistic, rel=1e-9)
    assert _f(res.p_value) == pytest.approx(ref.pvalue, rel=1e-9)
    assert _f(res.df) == pytest.approx(ref.df, rel=1e-9)
    np.testing.assert_allclose([_f(res.ci_low), _f(res.ci_high)], [ci.low, ci.high], rtol=1e-9)


def test_comparisons_are_vectorised() -> None:
    rng = _rng(7)
    groups = [(rng.normal(0, 1, 20 + i), rng.normal(0.3, 2, 15 + 2 * i)) for i in range(6)]
    control = MeanStats(
        n=[len(c) for c, _ in groups],
        sum_y=[c.sum() for c, _ in groups],
        sum_y2=[(c**2).sum() for c, _ in groups],
    )
    variant = MeanStats(
        n=[len(v) for _, v in groups],
        sum_y=[v.sum() for _, v in groups],
        sum_y2=[(v**2).sum() for _, v in groups],
    )
    res = compare_means(control, variant)
    assert res.effect.shape == (6,)
    for i, (c, v) in enumerate(groups):
        ref = stats.ttest_ind(v, c, equal_var=False)
        assert res.statistic[i] == pytest.approx(ref.statistic, rel=1e-9)
        assert res.p_value[i] == pytest.approx(ref.pvalue, rel=1e-9)


def test_arms_broadcast() -> None:
    control = MeanStats(100, 50.0, 60.0)
    variant = MeanStats([[100], [200]], [[55.0], [115.0]], [[70.0], [150.0]])
    res = compare_means(control, variant)
    assert res.effect.shape == (2, 1)
    assert res.reason.dtype == np.int64


# -------------------------------------------------------------- statsmodels cross-checks
@pytest.mark.parametrize(
    ("alternative", "sm_alternative"),
    [("two-sided", "two-sided"), ("greater", "larger"), ("less", "smaller")],
)
def test_proportions_match_statsmodels(alternative: str, sm_alternative: str) -> None:
    nc, xc, nv, xv = 4000, 412, 3900, 455
    res = compare_proportions(
        ProportionStats(nc, xc),
        ProportionStats(nv, xv),
        alternative=alternative,  # type: ignore[arg-type]
        interval="wald",
    )
    z, p = proportions_ztest([xv, xc], [nv, nc], alternative=sm_alternative)
    assert _f(res.statistic) == pytest.approx(z, rel=1e-12)
    assert _f(res.p_value) == pytest.approx(p, rel=1e-10)
    if alternative == "two-sided":
        low, high = confint_proportions_2indep(xv, nv, xc, nc, method="wald", compare="diff")
        assert _f(res.ci_low) == pytest.approx(low, rel=1e-12)
        assert _f(res.ci_high) == pytest.approx(high, rel=1e-12)


def _cuped_data(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = _rng(seed)
    n_c, n_v = 300, 340
    c_c = rng.gamma(2.0, 5.0, n_c)
    c_v = rng.gamma(2.0, 5.0, n_v)
    y_c = 3 + 0.8 * c_c + rng.normal(0, 4, n_c)
    y_v = 3.6 + 0.8 * c_v + rng.normal(0, 5, n_v)
    return y_c, c_c, y_v, c_v


def test_cuped_within_equals_ancova_ols() -> None:
    # With theta from the pooled within-arm moments, the CUPED effect is the treatment
    # coefficient of OLS y ~ 1 + variant + (c - mean(c)) (Frisch–Waugh–Lovell).
    y_c, c_c, y_v, c_v = _cuped_data(11)
    control = MeanStats.from_values(y_c, c_c)
    variant = MeanStats.from_values(y_v, c_v)
    res = compare_means(control, variant, theta_pooling="within")
    y = np.concatenate([y_c, y_v])
    c = np.concatenate([c_c, c_v])
    treat = np.concatenate([np.zeros(len(y_c)), np.ones(len(y_v))])
    fit = sm.OLS(y, np.column_stack([np.ones_like(y), treat, c - c.mean()])).fit()
    assert _f(res.effect) == pytest.approx(fit.params[1], rel=1e-10)
    assert _f(res.theta) == pytest.approx(fit.params[2], rel=1e-10)
    # The adjusted control mean is the fitted value of a control unit at mean(c).
    assert _f(res.control_mean) == pytest.approx(fit.params[0], rel=1e-10)
    # OLS assumes one residual variance; CUPED keeps each arm's own (Welch). Both
    # estimate the same standard error here (similar arm sizes), so they agree roughly.
    assert _f(res.se) == pytest.approx(fit.bse[1], rel=0.1)


def test_cuped_total_theta_is_the_pooled_slope() -> None:
    # The default theta: cov(y, c) / var(c) over both arms pooled into one sample, which
    # is the OLS slope of y ~ 1 + c on the pooled data (no treatment term).
    y_c, c_c, y_v, c_v = _cuped_data(12)
    res = compare_means(MeanStats.from_values(y_c, c_c), MeanStats.from_values(y_v, c_v))
    y = np.concatenate([y_c, y_v])
    c = np.concatenate([c_c, c_v])
    slope = sm.OLS(y, sm.add_constant(c)).fit().params[1]
    assert _f(res.theta) == pytest.approx(slope, rel=1e-10)
    # Against ANCOVA the effects differ by exactly (theta_within - theta_total) times the
    # difference of covariate means: an identity, so the tolerance is rounding only.
    within = compare_means(
        MeanStats.from_values(y_c, c_c), MeanStats.from_values(y_v, c_v), theta_pooling="within"
    )
    gap = (_f(within.theta) - _f(res.theta)) * (c_v.mean() - c_c.mean())
    assert _f(res.effect) - _f(within.effect) == pytest.approx(gap, rel=1e-8, abs=1e-12)


def test_cuped_equals_welch_on_adjusted_values() -> None:
    # With theta fixed, CUPED is Welch's test on y - theta (c - mean_pooled(c)).
    y_c, c_c, y_v, c_v = _cuped_data(13)
    res = compare_means(MeanStats.from_values(y_c, c_c), MeanStats.from_values(y_v, c_v))
    theta = _f(res.theta)
    centre = np.concatenate([c_c, c_v]).mean()
    adj_c = y_c - theta * (c_c - centre)
    adj_v = y_v - theta * (c_v - centre)
    ref = stats.ttest_ind(adj_v, adj_c, equal_var=False)
    ci = ref.confidence_interval()
    assert _f(res.statistic) == pytest.approx(ref.statistic, rel=1e-9)
    assert _f(res.df) == pytest.approx(ref.df, rel=1e-9)
    assert _f(res.p_value) == pytest.approx(ref.pvalue, rel=1e-8)
    np.testing.assert_allclose([_f(res.ci_low), _f(res.ci_high)], [ci.low, ci.high], rtol=1e-9)
    assert _f(res.control_mean) == pytest.approx(adj_c.mean(), rel=1e-12)
    assert _f(res.control_observed) == pytest.approx(y_c.mean(), rel=1e-12)
    # Variance reduction against the unadjusted Welch test, and close to rho^2.
    plain = compare_means(MeanStats.from_values(y_c), MeanStats.from_values(y_v))
    assert _f(res.variance_reduction) == pytest.approx(1 - (_f(res.se) / _f(plain.se)) ** 2)
    rho = np.corrcoef(np.concatenate([y_c, y_v]), np.concatenate([c_c, c_v]))[0, 1]
    assert _f(res.variance_reduction) == pytest.approx(rho**2, abs=0.05)
    assert math.isnan(_f(plain.theta))
    assert math.isnan(_f(plain.variance_reduction))


# ------------------------------------------------------------------------------- ratios
def _ratio_data(
    seed: int, n: int = 400, lift: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = _rng(seed)
    x = rng.poisson(3.0, n) + 1.0
    c = rng.gamma(2.0, 2.0, n)
    y = x * (1.5 + lift) + 0.3 * c + rng.normal(0, 1.5, n)
    return y, x, c, x + rng.poisson(1.0, n)


def test_ratio_delta_method_is_the_variance_of_the_linearisation() -> None:
    y_c, x_c, _, _ = _ratio_data(21)
    y_v, x_v, _, _ = _ratio_data(22, n=350, lift=0.2)
    res = compare_ratios(RatioStats.from_values(y_c, x_c), RatioStats.from_values(y_v, x_v))

    def var_of_ratio(y: np.ndarray, x: np.ndarray) -> float:
        r = y.sum() / x.sum()
        lin = (y - r * x) / x.mean()
        return float(lin.var(ddof=1) / len(y))

    se = math.sqrt(var_of_ratio(y_c, x_c) + var_of_ratio(y_v, x_v))
    assert _f(res.se) == pytest.approx(se, rel=1e-10)
    effect = y_v.sum() / x_v.sum() - y_c.sum() / x_c.sum()
    assert _f(res.effect) == pytest.approx(effect, rel=1e-12)
    assert _f(res.statistic) == pytest.approx(effect / se, rel=1e-10)
    assert _f(res.p_value) == pytest.approx(2 * stats.norm.sf(abs(effect / se)), rel=1e-9)
    z = stats.norm.ppf(0.975)
    assert _f(res.ci_low) == pytest.approx(effect - z * se, rel=1e-10)
    assert math.isinf(_f(res.df))


def test_ratio_with_unit_denominator_is_a_mean() -> None:
    rng = _rng(23)
    y_c, y_v = rng.normal(5, 2, 50), rng.normal(5.5, 3, 60)
    ratio = compare_ratios(
        RatioStats.from_values(y_c, np.ones(50)), RatioStats.from_values(y_v, np.ones(60))
    )
    mean = compare_means(MeanStats.from_values(y_c), MeanStats.from_values(y_v))
    assert _f(ratio.effect) == pytest.approx(_f(mean.effect), rel=1e-12)
    assert _f(ratio.se) == pytest.approx(_f(mean.se), rel=1e-9)
    # Same statistic; the ratio uses the normal reference, the mean Welch's t.
    assert _f(ratio.statistic) == pytest.approx(_f(mean.statistic), rel=1e-9)


@pytest.mark.parametrize("pooling", ["total", "within"])
def test_ratio_cuped_against_explicit_linearisation(pooling: str) -> None:
    y_c, x_c, c_c, d_c = _ratio_data(31)
    y_v, x_v, c_v, d_v = _ratio_data(32, n=420, lift=0.1)
    res = compare_ratios(
        RatioStats.from_values(y_c, x_c, c_c, d_c),
        RatioStats.from_values(y_v, x_v, c_v, d_v),
        theta_pooling=pooling,  # type: ignore[arg-type]
    )

    def lin(
        y: np.ndarray, x: np.ndarray, c: np.ndarray, d: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        r, rc = y.sum() / x.sum(), c.sum() / d.sum()
        return (y - r * x) / x.mean(), (c - rc * d) / d.mean()

    if pooling == "total":
        big_l, big_m = lin(
            *(np.concatenate(p) for p in ((y_c, y_v), (x_c, x_v), (c_c, c_v), (d_c, d_v)))
        )
        theta = np.cov(big_l, big_m)[0, 1] / big_m.var(ddof=1)
    else:
        l_c, m_c = lin(y_c, x_c, c_c, d_c)
        l_v, m_v = lin(y_v, x_v, c_v, d_v)
        theta = (l_c @ m_c + l_v @ m_v) / (m_c @ m_c + m_v @ m_v)
    assert _f(res.theta) == pytest.approx(theta, rel=1e-9)

    centre = np.concatenate([c_c, c_v]).sum() / np.concatenate([d_c, d_v]).sum()

    def arm(y: np.ndarray, x: np.ndarray, c: np.ndarray, d: np.ndarray) -> tuple[float, float]:
        ell, m = lin(y, x, c, d)
        mean = y.sum() / x.sum() - theta * (c.sum() / d.sum() - centre)
        return mean, float((ell - theta * m).var(ddof=1) / len(y))

    mc, vc = arm(y_c, x_c, c_c, d_c)
    mv, vv = arm(y_v, x_v, c_v, d_v)
    assert _f(res.control_mean) == pytest.approx(mc, rel=1e-10)
    assert _f(res.effect) == pytest.approx(mv - mc, rel=1e-9)
    assert _f(res.se) == pytest.approx(math.sqrt(vc + vv), rel=1e-9)
    assert 0 < _f(res.variance_reduction) < 1


def test_ratio_cuped_with_unit_covariate_and_denominator_is_mean_cuped() -> None:
    y_c, _, c_c, _ = _ratio_data(41)
    y_v, _, c_v, _ = _ratio_data(42, n=380)
    ratio = compare_ratios(
        RatioStats.from_values(y_c, np.ones_like(y_c), c_c),
        RatioStats.from_values(y_v, np.ones_like(y_v), c_v),
    )
    mean = compare_means(MeanStats.from_values(y_c, c_c), MeanStats.from_values(y_v, c_v))
    for field in ("effect", "se", "theta", "variance_reduction", "control_mean"):
        assert _f(getattr(ratio, field)) == pytest.approx(_f(getattr(mean, field)), rel=1e-9)


# -------------------------------------------------------------------------------- lift
def _lift_inputs() -> tuple[MeanStats, MeanStats, float, float, float, float]:
    rng = _rng(51)
    c, v = rng.normal(10, 3, 80), rng.normal(11, 3.5, 90)
    return (
        MeanStats.from_values(c),
        MeanStats.from_values(v),
        c.mean(),
        v.mean(),
        c.var(ddof=1) / len(c),
        v.var(ddof=1) / len(v),
    )


def test_lift_delta_formula() -> None:
    control, variant, mc, mv, vc, vv = _lift_inputs()
    res = compare_means(control, variant, lift_method="delta")
    q = stats.t.ppf(0.975, _f(res.df))
    se = math.sqrt(vv / mc**2 + mv**2 * vc / mc**4)
    lift = (mv - mc) / mc
    assert _f(res.lift) == pytest.approx(lift, rel=1e-12)
    assert _f(res.lift_ci_low) == pytest.approx(lift - q * se, rel=1e-9)
    assert _f(res.lift_ci_high) == pytest.approx(lift + q * se, rel=1e-9)


def test_lift_log_formula() -> None:
    control, variant, mc, mv, vc, vv = _lift_inputs()
    res = compare_means(control, variant, lift_method="log")
    q = stats.t.ppf(0.975, _f(res.df))
    se = math.sqrt(vv / mv**2 + vc / mc**2)
    assert _f(res.lift_ci_low) == pytest.approx(math.exp(math.log(mv / mc) - q * se) - 1, rel=1e-9)
    assert _f(res.lift_ci_high) == pytest.approx(math.exp(math.log(mv / mc) + q * se) - 1, rel=1e-9)


def test_lift_fieller_inverts_the_test() -> None:
    # At each Fieller bound r - 1, the test of mv - r mc = 0 sits exactly at the critical value.
    control, variant, mc, mv, vc, vv = _lift_inputs()
    res = compare_means(control, variant, lift_method="fieller")
    q = stats.t.ppf(0.975, _f(res.df))
    for bound in (_f(res.lift_ci_low), _f(res.lift_ci_high)):
        r = bound + 1
        assert abs(mv - r * mc) / math.sqrt(vv + r**2 * vc) == pytest.approx(q, rel=1e-9)
    # Fieller's interval is close to the delta method's when the control mean is precise.
    delta = compare_means(control, variant)
    assert _f(res.lift_ci_low) == pytest.approx(_f(delta.lift_ci_low), abs=0.01)
    assert _f(res.lift_ci_high) == pytest.approx(_f(delta.lift_ci_high), abs=0.01)


def test_lift_fieller_one_sided_and_unbounded() -> None:
    control, variant, mc, mv, vc, vv = _lift_inputs()
    res = compare_means(control, variant, lift_method="fieller", alternative="greater")
    q = stats.t.ppf(0.95, _f(res.df))
    r = _f(res.lift_ci_low) + 1
    assert (mv - r * mc) / math.sqrt(vv + r**2 * vc) == pytest.approx(q, rel=1e-9)
    assert _f(res.lift_ci_high) == math.inf
    # A control mean indistinguishable from 0: the Fieller set is unbounded.
    noisy = compare_means(
        MeanStats.from_values([-3.0, 4.0, -2.0, 2.5]),
        MeanStats.from_values([1.0, 2.0, 3.0, 4.0]),
        lift_method="fieller",
    )
    assert _f(noisy.lift_ci_low) == -math.inf
    assert _f(noisy.lift_ci_high) == math.inf
    assert int(noisy.reason) & Reason.LIFT_UNBOUNDED
    assert math.isfinite(_f(noisy.lift))


def test_lift_log_needs_means_of_one_sign() -> None:
    res = compare_means(
        MeanStats.from_values([1.0, 2.0, 3.0]),
        MeanStats.from_values([-1.0, -2.0, -4.0]),
        lift_method="log",
    )
    assert math.isnan(_f(res.lift_ci_low))
    assert math.isnan(_f(res.lift_ci_high))
    assert int(res.reason) == Reason.LOG_UNDEFINED
    assert math.isfinite(_f(res.p_value))


def test_lift_keeps_the_sign_of_the_effect_with_a_negative_control_mean() -> None:
    # lift = effect / |mc|: with mc < 0 a positive effect is still a positive lift.
    res = compare_means(
        MeanStats.from_values([-10.0, -11.0, -9.0, -10.5]),
        MeanStats.from_values([-8.0, -9.0, -7.5, -8.5]),
        alternative="greater",
    )
    assert _f(res.effect) > 0
    assert _f(res.lift) == pytest.approx(_f(res.effect) / 10.125, rel=1e-12)
    assert 0 < _f(res.lift_ci_low) < _f(res.lift)
    assert _f(res.lift_ci_high) == math.inf


def _negative_inputs() -> tuple[MeanStats, MeanStats, float, float, float, float]:
    rng = np.random.default_rng(7)
    c = rng.normal(-20.0, 4.0, 300)
    v = rng.normal(-18.5, 4.0, 320)
    return (
        MeanStats.from_values(c),
        MeanStats.from_values(v),
        float(c.mean()),
        float(v.mean()),
        float(c.var(ddof=1) / c.size),
        float(v.var(ddof=1) / v.size),
    )


def test_lift_with_a_negative_control_mean_every_method() -> None:
    control, variant, mc, mv, vc, vv = _negative_inputs()
    lift = (mv - mc) / abs(mc)
    assert lift > 0  # -20 -> -18.5 is an improvement of about 7.5%
    q = stats.t.ppf(0.975, _f(compare_means(control, variant).df))
    delta = compare_means(control, variant, lift_method="delta")
    se = math.sqrt(vv / mc**2 + mv**2 * vc / mc**4)
    assert _f(delta.lift) == pytest.approx(lift, rel=1e-12)
    assert _f(delta.lift_ci_low) == pytest.approx(lift - q * se, rel=1e-9)
    assert _f(delta.lift_ci_high) == pytest.approx(lift + q * se, rel=1e-9)
    log = compare_means(control, variant, lift_method="log")
    r, se_log = mv / mc, math.sqrt(vv / mv**2 + vc / mc**2)
    assert _f(log.lift_ci_low) == pytest.approx(1 - math.exp(math.log(r) + q * se_log), rel=1e-9)
    assert _f(log.lift_ci_high) == pytest.approx(1 - math.exp(math.log(r) - q * se_log), rel=1e-9)
    fieller = compare_means(control, variant, lift_method="fieller")
    for bound in (_f(fieller.lift_ci_low), _f(fieller.lift_ci_high)):
        ratio = 1 - bound  # lift = sign(mc) (r - 1) with mc < 0
        assert (mv - ratio * mc) ** 2 == pytest.approx(q**2 * (vv + ratio**2 * vc), rel=1e-9)
    for res in (delta, log, fieller):
        assert _f(res.lift_ci_low) < lift < _f(res.lift_ci_high)
        assert _f(res.lift_ci_low) > 0  # significant effect, positive lift interval
        assert _f(res.ci_low) > 0


def test_lift_from_a_negative_to_a_positive_mean_is_positive() -> None:
    # Profit per user from -0.5 to +0.5: +200%, significant, never a "wrong direction".
    rng = np.random.default_rng(3)
    c = rng.normal(-0.5, 0.3, 400)
    v = rng.normal(0.5, 0.3, 400)
    res = compare_means(MeanStats.from_values(c), MeanStats.from_values(v))
    assert _f(res.lift) == pytest.approx((v.mean() - c.mean()) / abs(c.mean()), rel=1e-12)
    assert _f(res.lift) > 1.5
    assert _f(res.lift_ci_low) > 0
    log = compare_means(MeanStats.from_values(c), MeanStats.from_values(v), lift_method="log")
    assert math.isnan(_f(log.lift_ci_low))  # means of opposite signs: no log ratio
    assert int(log.reason) & Reason.LOG_UNDEFINED


@pytest.mark.parametrize("method", ["delta", "log", "fieller"])
def test_lift_unbounded_when_the_control_mean_is_near_zero(method: str) -> None:
    # The control mean is within two standard errors of 0: no finite ratio interval.
    rng = np.random.default_rng(11)
    c = rng.normal(0.05, 1.0, 200)
    v = rng.normal(0.4, 1.0, 200)
    res = compare_means(
        MeanStats.from_values(c),
        MeanStats.from_values(v),
        lift_method=method,  # type: ignore[arg-type]
    )
    assert abs(c.mean()) < 1.96 * c.std(ddof=1) / math.sqrt(c.size)
    assert _f(res.lift_ci_low) == -math.inf
    assert _f(res.lift_ci_high) == math.inf
    assert int(res.reason) & Reason.LIFT_UNBOUNDED
    assert math.isfinite(_f(res.lift))
    assert math.isfinite(_f(res.ci_low))  # the effect's interval is unaffected


# ------------------------------------------------------------------ rows that fail softly
def test_rows_that_cannot_be_computed_are_nan_with_a_reason() -> None:
    control = MeanStats(n=[1, 5, 5, 0, 5], sum_y=[1.0, 10, 10, 0, 0], sum_y2=[1.0, 20, 30, 0, 0])
    variant = MeanStats(n=[5, 5, 5, 5, 5], sum_y=[10.0, 15, 15, 15, 5], sum_y2=[30, 45, 55, 55, 9])
    res = compare_means(control, variant)
    assert res.reason.tolist() == [
        Reason.TOO_FEW_UNITS,
        Reason.ZERO_VARIANCE,
        0,
        Reason.TOO_FEW_UNITS,
        Reason.ZERO_CONTROL_MEAN,
    ]
    assert np.isnan(res.p_value[[0, 1, 3]]).all()
    assert np.isnan(res.ci_low[[0, 1, 3]]).all()
    assert np.isfinite(res.p_value[[2, 4]]).all()
    # What can be computed still is: the effect of an arm with one unit, and the means.
    assert res.effect[0] == 1.0
    assert res.effect[1] == 1.0
    assert math.isnan(res.control_mean[3])
    assert math.isnan(res.lift[4])
    assert math.isfinite(res.effect[4])
    assert describe_reason(int(res.reason[1])) == (
        "the metric does not vary in either arm, so there is nothing to test",
    )
    assert len(res.reasons()) == 5


def test_constant_values_are_zero_variance_despite_rounding() -> None:
    # sum(y^2) - sum(y)^2 / n is not exactly 0 in floating point for y = 0.1, ...
    res = compare_means(MeanStats.from_values([0.1] * 7), MeanStats.from_values([0.1] * 9))
    assert int(res.reason) == Reason.ZERO_VARIANCE
    assert math.isnan(_f(res.statistic))


def test_one_constant_arm_is_fine() -> None:
    res = compare_means(MeanStats.from_values([2.0] * 4), MeanStats.from_values([1.0, 3.0, 4.0]))
    # A constant control mean is known exactly: Welch's test is the one-sample t-test.
    ref = stats.ttest_1samp([1.0, 3.0, 4.0], popmean=2.0)
    assert _f(res.statistic) == pytest.approx(ref.statistic, rel=1e-9)
    assert _f(res.p_value) == pytest.approx(ref.pvalue, rel=1e-9)
    assert _f(res.df) == pytest.approx(2.0)


def test_proportion_edge_rows() -> None:
    res = compare_proportions(
        ProportionStats([0, 100, 100, 100], [0, 0, 0, 100]),
        ProportionStats([50, 100, 100, 100], [5, 0, 100, 100]),
    )
    assert res.reason.tolist() == [
        Reason.TOO_FEW_UNITS,
        Reason.ZERO_VARIANCE | Reason.ZERO_CONTROL_MEAN,
        Reason.ZERO_CONTROL_MEAN,
        Reason.ZERO_VARIANCE,
    ]
    # 0/100 against 100/100: the pooled z-test exists (R: X-squared = 200) though the
    # unpooled standard error is 0; the Wald interval degenerates to [1, 1], the score
    # interval (the default) does not.
    assert _f(res.statistic[2]) ** 2 == pytest.approx(200.0)
    assert 0.9 < res.ci_low[2] < res.ci_high[2] == 1.0
    wald = compare_proportions(
        ProportionStats([0, 100, 100, 100], [0, 0, 0, 100]),
        ProportionStats([50, 100, 100, 100], [5, 0, 100, 100]),
        interval="wald",
    )
    assert wald.ci_low[2] == wald.ci_high[2] == 1.0
    assert np.isnan(res.p_value[[0, 1, 3]]).all()


def test_ratio_zero_denominator() -> None:
    control = RatioStats(n=[4, 4], sum_y=[0, 8.0], sum_x=[0, 4.0], sum_y2=[0, 20.0],
                         sum_x2=[0, 6.0], sum_xy=[0, 10.0])  # fmt: skip
    variant = RatioStats(n=4, sum_y=9.0, sum_x=4.0, sum_y2=25.0, sum_x2=6.0, sum_xy=11.0)
    res = compare_ratios(control, variant)
    assert int(res.reason[0]) == Reason.ZERO_DENOMINATOR
    assert math.isnan(res.effect[0])
    assert int(res.reason[1]) == 0


def test_constant_covariate_falls_back_to_no_adjustment() -> None:
    y_c, y_v = [1.0, 2.0, 4.0, 3.0], [2.0, 3.0, 5.0, 6.0, 4.0]
    res = compare_means(
        MeanStats.from_values(y_c, [7.0] * 4), MeanStats.from_values(y_v, [7.0] * 5)
    )
    plain = compare_means(MeanStats.from_values(y_c), MeanStats.from_values(y_v))
    assert int(res.reason) == Reason.COVARIATE_UNUSABLE
    assert _f(res.theta) == 0.0
    assert _f(res.variance_reduction) == 0.0
    assert _f(res.p_value) == pytest.approx(_f(plain.p_value), rel=1e-12)


def test_cuped_with_too_few_units_keeps_the_observed_means() -> None:
    res = compare_means(
        MeanStats.from_values([3.0], [1.0]), MeanStats.from_values([1, 2, 4], [1, 2, 3])
    )
    assert int(res.reason) == Reason.TOO_FEW_UNITS
    assert _f(res.effect) == pytest.approx(7 / 3 - 3)
    assert math.isnan(_f(res.theta))


# ----------------------------------------------------------------------- bad arguments
def test_bad_options_are_validation_errors() -> None:
    c, v = MeanStats.from_values(CONTROL), MeanStats.from_values(VARIANT)
    with pytest.raises(ValidationError, match=r"^alpha == 1\.5, must be in \(0, 1\)\.$"):
        compare_means(c, v, alpha=1.5)
    with pytest.raises(ValidationError, match="alternative == 'bigger', must be one of"):
        compare_means(c, v, alternative="bigger")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="lift_method == 'ratio', must be one of"):
        compare_means(c, v, lift_method="ratio")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="theta_pooling == 'mean', must be one of"):
        compare_means(c, v, theta_pooling="mean")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="variant == ProportionStats, must be MeanStats"):
        compare_means(c, ProportionStats(5, 2))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="only one arm has covariate"):
        compare_means(c, MeanStats.from_values(VARIANT, CONTROL))
    with pytest.raises(ValidationError, match="do not broadcast"):
        compare_means(MeanStats([5, 5], [1, 1], [2, 2]), MeanStats([5, 5, 5], [1, 1, 1], [2, 2, 2]))


def test_bad_statistics_are_data_errors() -> None:
    with pytest.raises(DataError, match=r"n has negative values at rows \[1\]"):
        MeanStats(n=[3, -1], sum_y=[1, 1], sum_y2=[1, 1])
    with pytest.raises(DataError, match="sum_y has missing or infinite values at rows"):
        MeanStats(n=[3, 3], sum_y=[1, float("nan")], sum_y2=[1, 1])
    with pytest.raises(DataError, match=r"successes exceeds n at rows \[0\]"):
        ProportionStats(n=[10, 10], successes=[11, 3])
    with pytest.raises(DataError, match="values other than 0 and 1"):
        ProportionStats.from_values([0, 1, 2])
    with pytest.raises(ValidationError, match="sum_c2, sum_yc == None, must be given with sum_c"):
        MeanStats(5, 1.0, 2.0, sum_c=3.0)
    with pytest.raises(DataError, match="sum_y2 is smaller than sum_y"):
        compare_means(MeanStats(10, 100.0, 50.0), MeanStats(10, 100.0, 1500.0))
    with pytest.raises(DataError, match="sum_yc implies a correlation beyond 1"):
        compare_means(
            MeanStats(10, 10.0, 20.0, sum_c=10.0, sum_c2=20.0, sum_yc=40.0),
            MeanStats(10, 10.0, 20.0, sum_c=10.0, sum_c2=20.0, sum_yc=15.0),
        )
    with pytest.raises(ValidationError, match="add statistics of one kind"):
        _ = MeanStats(5, 1.0, 2.0) + ProportionStats(5, 1)  # type: ignore[operator]


def test_results_are_read_only() -> None:
    res = compare_means(MeanStats.from_values(CONTROL), MeanStats.from_values(VARIANT))
    assert isinstance(res, Comparison)
    with pytest.raises(ValueError, match="read-only"):
        res.effect[...] = 0.0
    stats_ = MeanStats(n=[3.0], sum_y=[1.0], sum_y2=[1.0])
    with pytest.raises(ValueError, match="read-only"):
        stats_.n[0] = 4.0


# -------------------------------------------------------------------- property tests
values = st.lists(
    st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False), min_size=2, max_size=40
)


@SETTINGS
@given(values, values, st.integers(0, 40))
def test_halves_add_up_to_the_whole(ys: list[float], cs: list[float], cut: int) -> None:
    n = min(len(ys), len(cs))
    y, c = np.array(ys[:n]), np.array(cs[:n])
    cut = min(cut, n)
    whole = MeanStats.from_values(y, c)
    halves = MeanStats.from_values(y[:cut], c[:cut]) + MeanStats.from_values(y[cut:], c[cut:])
    # each part may have its own shifts: compare the sums about the whole's
    halves = halves.with_shifts(shift_y=whole.shift_y, shift_c=whole.shift_c)
    for name in ("n", "sum_y", "sum_y2", "sum_c", "sum_c2", "sum_yc"):
        np.testing.assert_allclose(
            getattr(halves, name), getattr(whole, name), rtol=1e-9, atol=1e-6
        )
    x = np.abs(c) + 1
    ratio_whole = RatioStats.from_values(y, x, c)
    ratio_halves = RatioStats.from_values(y[:cut], x[:cut], c[:cut]) + RatioStats.from_values(
        y[cut:], x[cut:], c[cut:]
    )
    ratio_halves = ratio_halves.with_shifts(
        shift_y=ratio_whole.shift_y, shift_x=ratio_whole.shift_x, shift_c=ratio_whole.shift_c
    )
    assert ratio_halves.sum_xc is not None
    assert ratio_whole.sum_xc is not None
    np.testing.assert_allclose(ratio_halves.sum_xc, ratio_whole.sum_xc, rtol=1e-9, atol=1e-6)
    z = (y > 0).astype(float)
    prop = ProportionStats.from_values(z[:cut]) + ProportionStats.from_values(z[cut:])
    assert float(prop.successes) == float(ProportionStats.from_values(z).successes)


@SETTINGS
@given(
    st.lists(st.floats(0, 100, allow_nan=False), min_size=2, max_size=30),
    st.lists(st.floats(0, 100, allow_nan=False), min_size=2, max_size=30),
    st.integers(1, 29),
)
def test_comparison_of_halves_equals_comparison_of_whole(
    c: list[float], v: list[float], cut: int
) -> None:
    cut = min(cut, len(v) - 1)
    whole = compare_means(MeanStats.from_values(c), MeanStats.from_values(v))
    parts = compare_means(
        MeanStats.from_values(c), MeanStats.from_values(v[:cut]) + MeanStats.from_values(v[cut:])
    )
    np.testing.assert_allclose(parts.effect, whole.effect, rtol=1e-9, atol=1e-9)
    assert int(parts.reason) == int(whole.reason)
    if np.isfinite(whole.p_value):
        np.testing.assert_allclose(parts.p_value, whole.p_value, rtol=1e-6, atol=1e-12)


def _contains(low: np.ndarray, point: np.ndarray, high: np.ndarray) -> None:
    ok = ~np.isnan(low) & ~np.isnan(point)
    tol = 1e-9 * (1 + np.abs(point))
    assert (low[ok] <= point[ok] + tol[ok]).all()
    assert (point[ok] <= high[ok] + tol[ok]).all()


@SETTINGS
@example(c=[1.0, 2.0], v=[0.0, 0.0], alternative="less", alpha=0.2)  # log: (-inf, NaN)
@given(
    st.lists(st.floats(-50, 200, allow_nan=False), min_size=1, max_size=25),
    st.lists(st.floats(-50, 200, allow_nan=False), min_size=1, max_size=25),
    st.sampled_from(["two-sided", "greater", "less"]),
    st.sampled_from([0.01, 0.05, 0.2]),
)
def test_intervals_contain_the_estimates(
    c: list[float], v: list[float], alternative: str, alpha: float
) -> None:
    control, variant = MeanStats.from_values(c), MeanStats.from_values(v)
    for method in ("delta", "log", "fieller"):
        res = compare_means(
            control,
            variant,
            alternative=alternative,  # type: ignore[arg-type]
            alpha=alpha,
            lift_method=method,
        )
        _contains(res.ci_low, res.effect, res.ci_high)
        _contains(res.lift_ci_low, res.lift, res.lift_ci_high)
        # an interval is either given on both sides or on neither (a reason says why),
        # wherever the lift itself is finite
        finite = np.isfinite(res.lift)
        assert (np.isnan(res.lift_ci_low) == np.isnan(res.lift_ci_high))[finite].all()
        p = res.p_value[~np.isnan(res.p_value)]
        assert ((p >= 0) & (p <= 1)).all()


@SETTINGS
@given(
    st.integers(0, 300),
    st.integers(0, 300),
    st.integers(0, 300),
    st.integers(0, 300),
    st.sampled_from(["delta", "log", "fieller"]),
)
def test_proportion_intervals_contain_the_estimates(
    nc: int, xc: int, nv: int, xv: int, method: str
) -> None:
    control = ProportionStats(nc, min(xc, nc))
    variant = ProportionStats(nv, min(xv, nv))
    res = compare_proportions(control, variant, lift_method=method)  # type: ignore[arg-type]
    _contains(res.ci_low, res.effect, res.ci_high)
    _contains(res.lift_ci_low, res.lift, res.lift_ci_high)
    one = compare_proportions(control, variant, alternative="greater")
    other = compare_proportions(control, variant, alternative="less")
    if np.isfinite(res.p_value):
        two = 2 * min(_f(one.p_value), _f(other.p_value))
        assert _f(res.p_value) == pytest.approx(min(two, 1.0), rel=1e-9, abs=1e-15)


# ------------------------------------------------------------------------ A/A simulation
def _band(reps: int, alpha: float) -> tuple[float, float]:
    """The central 99.9% binomial band of a false-positive rate over ``reps`` runs."""
    return (
        stats.binom.ppf(0.0005, reps, alpha) / reps,
        stats.binom.ppf(0.9995, reps, alpha) / reps,
    )


@pytest.mark.slow
def test_aa_false_positive_rates() -> None:
    rng = np.random.default_rng(20240607)
    alpha, reps = 0.05, 20_000
    low, high = _band(reps, alpha)

    # Welch: unequal sizes and variances, normal data.
    y_c = rng.normal(5.0, 1.0, (reps, 30))
    y_v = rng.normal(5.0, 3.0, (reps, 60))
    res = compare_means(
        MeanStats(30, y_c.sum(axis=1), (y_c**2).sum(axis=1)),
        MeanStats(60, y_v.sum(axis=1), (y_v**2).sum(axis=1)),
        alpha=alpha,
    )
    assert low <= np.mean(res.p_value < alpha) <= high
    # Each interval covers the true effect 0 unless the test rejects.
    covers = (res.ci_low <= 0) & (res.ci_high >= 0)
    assert np.array_equal(covers, res.p_value >= alpha)
    # Every lift interval covers the true lift 0 about 1 - alpha of the time.
    for method in ("delta", "log", "fieller"):
        lift = compare_means(
            MeanStats(30, y_c.sum(axis=1), (y_c**2).sum(axis=1)),
            MeanStats(60, y_v.sum(axis=1), (y_v**2).sum(axis=1)),
            alpha=alpha,
            lift_method=method,
        )
        missed = np.mean((lift.lift_ci_low > 0) | (lift.lift_ci_high < 0))
        assert low <= missed <= high, method

    # Proportions: pooled z-test.
    x_c = rng.binomial(2000, 0.1, reps)
    x_v = rng.binomial(1800, 0.1, reps)
    res = compare_proportions(ProportionStats(2000, x_c), ProportionStats(1800, x_v), alpha=alpha)
    assert low <= np.mean(res.p_value < alpha) <= high

    # CUPED means (theta estimated from the same data).
    reps_c, n = 10_000, 200
    low_c, high_c = _band(reps_c, alpha)
    cov_c, cov_v = rng.gamma(2.0, 1.0, (reps_c, n)), rng.gamma(2.0, 1.0, (reps_c, n))
    out_c = cov_c + rng.normal(0, 1, (reps_c, n))
    out_v = cov_v + rng.normal(0, 1, (reps_c, n))

    def arm(y: np.ndarray, c: np.ndarray) -> MeanStats:
        return MeanStats(
            n, y.sum(1), (y**2).sum(1), sum_c=c.sum(1), sum_c2=(c**2).sum(1), sum_yc=(y * c).sum(1)
        )

    res = compare_means(arm(out_c, cov_c), arm(out_v, cov_v), alpha=alpha)
    assert low_c <= np.mean(res.p_value < alpha) <= high_c
    assert np.median(res.variance_reduction) > 0.5

    # Ratio metrics (delta method, normal reference): sessions per user and revenue.
    def ratio_arm(units: int) -> RatioStats:
        x = rng.poisson(2.0, (reps_c, units)) + 1.0
        y = x * rng.gamma(2.0, 1.5, (reps_c, units))
        return RatioStats(units, y.sum(1), x.sum(1), (y**2).sum(1), (x**2).sum(1), (x * y).sum(1))

    res = compare_ratios(ratio_arm(300), ratio_arm(250), alpha=alpha)
    assert low_c <= np.mean(res.p_value < alpha) <= high_c


def test_arm_standard_errors_add_up_to_the_effects() -> None:
    ctrl = ProportionStats(n=np.array([400.0, 900.0]), successes=np.array([40.0, 300.0]))
    var = ProportionStats(n=np.array([500.0, 800.0]), successes=np.array([65.0, 250.0]))
    comp = compare_proportions(ctrl, var)
    p_c, p_v = ctrl.successes / ctrl.n, var.successes / var.n
    np.testing.assert_allclose(comp.control_se, np.sqrt(p_c * (1 - p_c) / ctrl.n), rtol=1e-12)
    np.testing.assert_allclose(comp.variant_se, np.sqrt(p_v * (1 - p_v) / var.n), rtol=1e-12)
    np.testing.assert_allclose(comp.se**2, comp.control_se**2 + comp.variant_se**2, rtol=1e-12)


@pytest.mark.parametrize("cov", [0.0, 0.3, -0.4])
def test_fieller_ratio_bounds_solve_its_defining_inequality(cov: float) -> None:
    # The bounds are where (num - r den)^2 = q^2 (var_num - 2 r cov + r^2 var_den),
    # found here by bracketing each side of num / den with scipy's brentq.
    from scipy import optimize

    num, den, var_num, var_den, q = 3.0, 2.0, 0.5, 0.2, 1.96
    with np.errstate(all="ignore"):
        low, high, bounded = fieller_ratio(
            np.array(num), np.array(den), np.array(var_num), np.array(var_den), cov, q
        )

    def gap(r: float) -> float:
        return (num - r * den) ** 2 - q**2 * (var_num - 2 * r * cov + r**2 * var_den)

    centre = num / den
    assert bool(bounded)
    assert float(low) == pytest.approx(optimize.brentq(gap, -50.0, centre), rel=1e-10)
    assert float(high) == pytest.approx(optimize.brentq(gap, centre, 50.0), rel=1e-10)
    # A denominator indistinguishable from 0: unbounded.
    with np.errstate(all="ignore"):
        low, high, bounded = fieller_ratio(
            np.array(num), np.array(0.5), np.array(var_num), np.array(var_den), cov, q
        )
    assert not bool(bounded)
    assert (float(low), float(high)) == (-math.inf, math.inf)


# ------------------------------------------------------------- shifted sums, large offsets
#: Offsets of the hostile data-value class: values of offset + N(0, 5).
OFFSETS = [0.0, 1e3, 1e6, 1e9, 1e12, -1e6, -1e12]


def _offset_values(rng: np.random.Generator, offset: float, n: int, sd: float = 5.0) -> np.ndarray:
    """``offset + N(0, sd)`` as doubles; ``values - offset`` is then exact (Sterbenz)."""
    return offset + rng.normal(0.0, sd, n)


def test_choose_shift() -> None:
    from hypokit.stats._compare import choose_shift

    assert choose_shift([]) == 0.0
    assert choose_shift([np.nan, np.inf]) == 0.0
    assert choose_shift([1.0, 2.0, 3.0]) == 0.0  # near 0 relative to the spread: raw sums
    assert choose_shift([-5.0, 5.0, 1.0]) == 0.0  # mixed signs
    values = 1e12 + np.array([3.0, -2.0, 1.0, 0.5, -1.5])
    assert choose_shift(values) == 1e12 + 0.5  # the lower median: one of the values
    assert choose_shift(np.append(values, 5e15)) == 1e12 + 0.5  # robust to an outlier
    assert choose_shift(np.append(values, [np.nan, -np.inf])) == 1e12 + 0.5
    assert choose_shift([7.0, 7.0, 7.0]) == 7.0  # constant: its sums about it are 0
    assert choose_shift([-1e9 - 2.0, -1e9, -1e9 + 2.0]) == -1e9


def test_sums_about_a_shift_match_numpy_and_move_exactly() -> None:
    rng = _rng(61)
    y, c = _offset_values(rng, 1e9, 300), _offset_values(rng, -1e6, 300, 2.0)
    stats_ = MeanStats.from_values(y, c)
    ky, kc = _f(stats_.shift_y), _f(stats_.shift_c)
    assert ky == pytest.approx(1e9, abs=20)
    assert kc == pytest.approx(-1e6, abs=10)
    ys, cs = y - ky, c - kc  # exact: every value is within a factor 2 of its shift
    np.testing.assert_allclose(
        [_f(stats_.sum_y), _f(stats_.sum_y2), _f(stats_.sum_c), _f(stats_.sum_c2)],
        [ys.sum(), ys @ ys, cs.sum(), cs @ cs],
        rtol=1e-13,
    )
    assert _f(stats_.sum_yc) == pytest.approx(ys @ cs, rel=1e-12, abs=1e-9)
    # Moved to other shifts near the data: the sums numpy computes about them.
    moved = stats_.with_shifts(shift_y=1e9 + 3.0, shift_c=-1e6 - 1.0)
    ys, cs = y - (1e9 + 3.0), c - (-1e6 - 1.0)
    np.testing.assert_allclose(
        [_f(moved.sum_y), _f(moved.sum_y2), _f(moved.sum_c2), _f(moved.sum_yc)],
        [ys.sum(), ys @ ys, cs @ cs, ys @ cs],
        rtol=1e-11,
    )
    assert _f(moved.shift_y) == 1e9 + 3.0
    with pytest.raises(ValidationError, match="shift_x is not a shift"):
        stats_.with_shifts(shift_x=1.0)
    with pytest.raises(ValidationError, match="a shift needs its sums"):
        MeanStats(n=2, sum_y=1.0, sum_y2=1.0, shift_c=3.0)
    with pytest.raises(DataError, match="shift_y has missing or infinite"):
        MeanStats(n=2, sum_y=1.0, sum_y2=1.0, shift_y=np.inf)


def test_adding_statistics_about_different_shifts_is_exact() -> None:
    rng = _rng(62)
    y = _offset_values(rng, 1e12, 500)
    a, b = MeanStats.from_values(y[:200]), MeanStats.from_values(y[200:])
    assert _f(a.shift_y) != _f(b.shift_y)  # two medians
    total = a + b
    assert _f(total.shift_y) == _f(b.shift_y)  # the side with more units
    ys = y - _f(b.shift_y)
    assert _f(total.sum_y) == pytest.approx(ys.sum(), rel=1e-12, abs=1e-9)
    assert _f(total.sum_y2) == pytest.approx(ys @ ys, rel=1e-12)
    # Same shifts: the sums add bit for bit.
    same = a + a.with_shifts()
    assert _f(same.sum_y2) == 2 * _f(a.sum_y2)
    # Per row: each row keeps the shift of its larger side.
    rows = MeanStats(n=[2.0, 5.0], sum_y=[1.0, 2.0], sum_y2=[1.0, 4.0], shift_y=[10.0, 20.0])
    other = MeanStats(n=[3.0, 1.0], sum_y=[0.0, 0.0], sum_y2=[2.0, 0.0], shift_y=[11.0, 22.0])
    np.testing.assert_array_equal((rows + other).shift_y, [11.0, 20.0])


@pytest.mark.parametrize("offset", OFFSETS)
def test_welch_is_exact_at_any_offset(offset: float) -> None:
    # Values offset + N(0, 5): Welch's test on the sums equals scipy's on the exactly
    # shifted values (the test does not depend on the offset), however large it is.
    rng = _rng(63)
    y_c, y_v = _offset_values(rng, offset, 400), _offset_values(rng, offset, 450) + 0.8
    res = compare_means(MeanStats.from_values(y_c), MeanStats.from_values(y_v))
    e_c, e_v = y_c - offset, y_v - offset  # exact
    ref = stats.ttest_ind(e_v, e_c, equal_var=False)
    assert int(res.reason) & ~Reason.LIFT_UNBOUNDED == 0  # (a control mean near 0 at offset 0)
    assert _f(res.p_value) == pytest.approx(ref.pvalue, rel=1e-11)
    assert _f(res.statistic) == pytest.approx(ref.statistic, rel=1e-12)
    assert _f(res.df) == pytest.approx(ref.df, rel=1e-12)
    assert _f(res.effect) == pytest.approx(e_v.mean() - e_c.mean(), rel=1e-12)
    assert _f(res.control_mean) == pytest.approx(offset + e_c.mean(), rel=1e-15, abs=1e-12)
    if abs(offset) >= 1e6:
        # The same statistics as raw sums (shift 0) lose the variance to rounding.
        raw = compare_means(
            MeanStats.from_values(y_c).with_shifts(shift_y=0.0),
            MeanStats.from_values(y_v).with_shifts(shift_y=0.0),
        )
        assert int(raw.reason) == Reason.ZERO_VARIANCE | Reason.UNRESOLVED


@pytest.mark.parametrize("offset", OFFSETS)
def test_cuped_is_exact_at_any_offset(offset: float) -> None:
    # CUPED with a covariate of offset / 3 + ...: theta is statsmodels' pooled OLS
    # slope, the test scipy's Welch test on the adjusted values, the "within" effect
    # the ANCOVA treatment coefficient; all on the exactly shifted data.
    rng = _rng(64)
    k_y, k_c = offset, offset / 3
    f_c, f_v = rng.normal(0, 4, 300), rng.normal(0, 4, 320)
    c_c, c_v = k_c + f_c, k_c + f_v
    y_c = k_y + 0.8 * (c_c - k_c) + rng.normal(0, 3, 300)
    y_v = k_y + 0.5 + 0.8 * (c_v - k_c) + rng.normal(0, 3, 320)
    e_c, e_v, f_c, f_v = y_c - k_y, y_v - k_y, c_c - k_c, c_v - k_c  # exact
    control, variant = MeanStats.from_values(y_c, c_c), MeanStats.from_values(y_v, c_v)
    res = compare_means(control, variant)
    e, f = np.concatenate([e_c, e_v]), np.concatenate([f_c, f_v])
    theta = sm.OLS(e, sm.add_constant(f)).fit().params[1]
    assert _f(res.theta) == pytest.approx(theta, rel=1e-11)
    adj_c = e_c - theta * (f_c - f.mean())
    adj_v = e_v - theta * (f_v - f.mean())
    ref = stats.ttest_ind(adj_v, adj_c, equal_var=False)
    assert _f(res.p_value) == pytest.approx(ref.pvalue, rel=1e-10)
    assert _f(res.effect) == pytest.approx(adj_v.mean() - adj_c.mean(), rel=1e-11)
    assert _f(res.control_mean) == pytest.approx(k_y + adj_c.mean(), rel=1e-15, abs=1e-10)
    within = compare_means(control, variant, theta_pooling="within")
    treat = np.concatenate([np.zeros(300), np.ones(320)])
    fit = sm.OLS(e, np.column_stack([np.ones_like(e), treat, f - f.mean()])).fit()
    assert _f(within.effect) == pytest.approx(fit.params[1], rel=1e-10)


def _exact_ratio(y: np.ndarray, x: np.ndarray) -> Fraction:
    return sum(map(Fraction, y.tolist()), Fraction(0)) / sum(map(Fraction, x.tolist()), Fraction(0))


@pytest.mark.parametrize(
    ("k_y", "k_x"), [(0.0, 0.0), (1e9, 0.0), (0.0, 1e6), (1e12, 1e9), (-1e9, 1e6), (1e6, 1e12)]
)
def test_ratio_is_exact_at_any_offset(k_y: float, k_x: float) -> None:
    # The delta method against the unit-level linearisation L = (y - R x) / mean(x):
    # the effect exactly (rational arithmetic on the values), the standard error from
    # statsmodels' CompareMeans on L (computed on the shifted values; a variance does
    # not depend on the shift).
    from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

    rng = _rng(65)

    def arm(n: int, lift: float) -> tuple[np.ndarray, np.ndarray]:
        f = rng.poisson(3.0, n) + 1.0 + (rng.normal(0, 5, n) if k_x else 0.0)
        x = k_x + f
        y = k_y + (1.5 + lift) * f + rng.normal(0, 2, n)
        return y, x

    (y_c, x_c), (y_v, x_v) = arm(300, 0.0), arm(280, 0.2)
    res = compare_ratios(RatioStats.from_values(y_c, x_c), RatioStats.from_values(y_v, x_v))
    effect = _exact_ratio(y_v, x_v) - _exact_ratio(y_c, x_c)
    assert _f(res.effect) == pytest.approx(float(effect), rel=1e-10)

    def linearised(y: np.ndarray, x: np.ndarray) -> np.ndarray:
        r = float(_exact_ratio(y, x))
        e, f = y - k_y, x - k_x  # exact; y - r x = e - r f + (k_y - r k_x), a constant
        return (e - r * f) / float(sum(map(Fraction, x.tolist()), Fraction(0)) / len(x))

    se = CompareMeans(
        DescrStatsW(linearised(y_v, x_v)), DescrStatsW(linearised(y_c, x_c))
    ).std_meandiff_separatevar
    assert _f(res.se) == pytest.approx(se, rel=1e-9)
    z = float(effect) / se
    assert _f(res.p_value) == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-9)


def test_fieller_excess_is_fieller_ratio_minus_one() -> None:
    from hypokit.stats._compare import fieller_excess

    mc, mv, vc, vv, q = 2.0, 3.0, 0.2, 0.5, 1.96
    for cov in (0.0, 0.05, -0.1):
        lo, hi, ok = fieller_ratio(np.array(mv), np.array(mc), vv, vc, cov, q)
        # Var(effect) = vv - 2 cov + vc, Cov(mc, effect) = cov - vc
        u_lo, u_hi, u_ok = fieller_excess(
            np.array(mv - mc), np.array(mc), vc, vv - 2 * cov + vc, cov - vc, q
        )
        assert bool(ok)
        assert bool(u_ok)
        assert float(u_lo) == pytest.approx(float(lo) - 1, rel=1e-12)
        assert float(u_hi) == pytest.approx(float(hi) - 1, rel=1e-12)


@pytest.mark.parametrize("method", ["fieller", "auto", "log", "delta"])
def test_lift_intervals_keep_their_digits_at_large_offsets(method: str) -> None:
    # Means of 1e12 that differ by about 1: lifts of about 1e-12. Each bound solves its
    # defining equation (Fieller's, brentq on the lift scale); the log interval agrees
    # with the delta interval to first order; r - 1 would keep 3 or 4 digits.
    from scipy import optimize

    rng = _rng(66)
    y_c, y_v = _offset_values(rng, 1e12, 400), _offset_values(rng, 1e12, 400) + 1.0
    res = compare_means(
        MeanStats.from_values(y_c),
        MeanStats.from_values(y_v),
        lift_method=method,  # type: ignore[arg-type]
    )
    mc, effect = _f(res.control_mean), _f(res.effect)
    vc, vv, q = _f(res.control_se) ** 2, _f(res.variant_se) ** 2, stats.t.ppf(0.975, _f(res.df))
    assert _f(res.lift) == pytest.approx(effect / mc, rel=1e-15)
    if method in ("fieller", "auto"):

        def gap(u: float) -> float:  # (mv - (1 + u) mc)^2 - q^2 (vv + (1 + u)^2 vc)
            return (effect - u * mc) ** 2 - q**2 * (vv + (1 + u) ** 2 * vc)

        lift = effect / mc
        low = optimize.brentq(gap, lift - 1e-9, lift, xtol=1e-30, rtol=1e-15)
        high = optimize.brentq(gap, lift, lift + 1e-9, xtol=1e-30, rtol=1e-15)
        assert _f(res.lift_ci_low) == pytest.approx(low, rel=1e-9)
        assert _f(res.lift_ci_high) == pytest.approx(high, rel=1e-9)
    else:
        delta = compare_means(
            MeanStats.from_values(y_c), MeanStats.from_values(y_v), lift_method="delta"
        )
        assert _f(res.lift_ci_low) == pytest.approx(_f(delta.lift_ci_low), rel=1e-9)
        assert _f(res.lift_ci_high) == pytest.approx(_f(delta.lift_ci_high), rel=1e-9)
        half = q * math.sqrt(vv + vc) / mc
        assert _f(res.lift_ci_high) - _f(res.lift) == pytest.approx(half, rel=1e-9)


def test_bayes_lift_keeps_its_digits_at_large_offsets() -> None:
    # Under the flat prior the posterior lift interval is Fieller's of the comparison.
    from hypokit.stats._bayes import bayes_normal

    rng = _rng(67)
    y_c, y_v = _offset_values(rng, -1e12, 400), _offset_values(rng, -1e12, 400) + 1.0
    comp = compare_means(
        MeanStats.from_values(y_c), MeanStats.from_values(y_v), lift_method="fieller"
    )
    res = bayes_normal(comp)
    assert _f(res.lift) == pytest.approx(_f(comp.lift), rel=1e-12)
    assert _f(res.lift_ci_low) == pytest.approx(_f(comp.lift_ci_low), rel=1e-9)
    assert _f(res.lift_ci_high) == pytest.approx(_f(comp.lift_ci_high), rel=1e-9)
    assert _f(res.lift) > 0  # the effect's sign, though the control mean is negative


def test_zero_variance_says_whether_the_values_are_constant() -> None:
    # Constant values about their shift: exactly 0, "does not vary".
    const = compare_means(
        MeanStats.from_values([1e6 + 0.1] * 5), MeanStats.from_values([1e6 + 0.1] * 4)
    )
    assert int(const.reason) == Reason.ZERO_VARIANCE
    assert describe_reason(int(const.reason)) == (
        "the metric does not vary in either arm, so there is nothing to test",
    )
    # Raw sums of 1e6 + N(0, 5) lose the variance: the reason says it may vary.
    rng = _rng(68)
    arms = [MeanStats.from_values(_offset_values(rng, 1e6, 50)) for _ in range(2)]
    raw = compare_means(*(a.with_shifts(shift_y=0.0) for a in arms))
    assert int(raw.reason) == Reason.ZERO_VARIANCE | Reason.UNRESOLVED
    (text,) = describe_reason(int(raw.reason))
    assert text.startswith("the metric does not vary in either arm, or varies less than its sums")
    assert "shifts= to hk.aggregate_sql" in text
    # The same sums about a shift near the data resolve it.
    assert int(compare_means(*arms).reason) == 0
