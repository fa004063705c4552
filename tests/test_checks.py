"""Experiment and segment checks (hypokit.stats._checks): SRM, heterogeneity, Simpson."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects

from hypokit._errors import DataError, ValidationError
from hypokit.stats._checks import (
    heterogeneity,
    inverse_variance,
    mantel_haenszel_difference,
    simpson,
    simpson_proportions,
    srm,
)
from hypokit.stats._compare import ProportionStats

NAN = math.nan


def _f(a: object) -> float:
    return float(np.asarray(a))


# ------------------------------------------------------------------------------------ SRM
def test_srm_matches_r() -> None:
    # R: chisq.test(c(5100, 4900)): X-squared = 4, df = 1, p-value = 0.0455002638964
    res = srm([5100, 4900])
    assert _f(res.statistic) == pytest.approx(4.0)
    assert _f(res.df) == 1.0
    assert _f(res.p_value) == pytest.approx(0.0455002638964, rel=1e-10)
    # R: chisq.test(c(340, 330, 380), p = c(1, 1, 1.2) / 3.2)
    # X-squared = 0.920634920635, df = 2, p-value = 0.631083269808,
    # expected 328.125 328.125 393.750
    res = srm([340, 330, 380], weights=[1, 1, 1.2])
    assert _f(res.statistic) == pytest.approx(0.920634920635, rel=1e-10)
    assert _f(res.df) == 2.0
    assert _f(res.p_value) == pytest.approx(0.631083269808, rel=1e-10)
    np.testing.assert_allclose(res.expected, [328.125, 328.125, 393.75])


def test_srm_matches_scipy_row_by_row() -> None:
    counts = np.array([[1000, 1040], [500, 430], [0, 0], [7, 3]])
    weights = np.array([1.0, 1.0])
    res = srm(counts, weights)
    for i in (0, 1, 3):
        ref = stats.chisquare(counts[i], f_exp=counts[i].sum() * weights / weights.sum())
        assert res.statistic[i] == pytest.approx(ref.statistic, rel=1e-12)
        assert res.p_value[i] == pytest.approx(ref.pvalue, rel=1e-12)
    # A row without units has nothing to test.
    assert math.isnan(res.p_value[2])
    # Unequal allocation per row.
    res = srm([[300, 100], [200, 200]], weights=[[3, 1], [1, 1]])
    np.testing.assert_allclose(res.statistic, [0.0, 0.0])


def test_srm_bad_arguments() -> None:
    with pytest.raises(DataError, match="at least 2 arms"):
        srm([100])
    with pytest.raises(DataError, match="negative"):
        srm([100, -1])
    with pytest.raises(ValidationError, match=r"weights == .*, must be positive finite numbers"):
        srm([100, 100], weights=[1, 0])
    with pytest.raises(ValidationError, match="must broadcast against counts"):
        srm([100, 100], weights=[1, 1, 1])


# ------------------------------------------------------------------------- heterogeneity
EFFECT = np.array([0.1, 0.3, -0.2, 0.05])
SE = np.array([0.1, 0.15, 0.2, 0.08])


def test_heterogeneity_matches_statsmodels() -> None:
    res = heterogeneity(EFFECT, SE)
    ref = combine_effects(EFFECT, SE**2)
    assert _f(res.q) == pytest.approx(ref.q, rel=1e-12)
    assert _f(res.i_squared) == pytest.approx(max(ref.i2, 0.0), rel=1e-12)
    assert _f(res.df) == 3.0
    assert _f(res.p_value) == pytest.approx(stats.chi2.sf(ref.q, 3), rel=1e-12)
    assert _f(res.pooled_effect) == pytest.approx(ref.mean_effect_fe, rel=1e-12)
    assert _f(res.pooled_se) == pytest.approx(ref.sd_eff_w_fe, rel=1e-12)
    pooled = inverse_variance(EFFECT, SE)
    assert _f(pooled.estimate) == pytest.approx(ref.mean_effect_fe, rel=1e-12)
    assert int(pooled.k) == 4


def test_each_segment_against_the_rest() -> None:
    res = heterogeneity(EFFECT, SE)
    for i in range(len(EFFECT)):
        rest = np.arange(len(EFFECT)) != i
        w = 1 / SE[rest] ** 2
        e_rest = (w * EFFECT[rest]).sum() / w.sum()
        z = (EFFECT[i] - e_rest) / math.sqrt(SE[i] ** 2 + 1 / w.sum())
        assert res.rest_effect[i] == pytest.approx(e_rest, rel=1e-12)
        assert res.rest_se[i] == pytest.approx(1 / math.sqrt(w.sum()), rel=1e-12)
        assert res.segment_z[i] == pytest.approx(z, rel=1e-12)
        assert res.segment_p_value[i] == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-10)
    # With two segments each against the other is Cochran's Q.
    two = heterogeneity([0.1, 0.4], [0.1, 0.12])
    np.testing.assert_allclose(two.segment_z**2, [_f(two.q)] * 2, rtol=1e-12)
    assert _f(two.p_value) == pytest.approx(two.segment_p_value[0], rel=1e-10)


def test_heterogeneity_leaves_out_missing_segments_and_is_vectorised() -> None:
    padded = heterogeneity(
        [[0.1, 0.3, NAN, -0.2], [0.1, 0.3, 0.0, 0.2]],
        [[0.1, 0.15, 0.2, 0.2], [0.1, 0.15, 0.0, 0.2]],
    )
    alone = heterogeneity([0.1, 0.3, -0.2], [0.1, 0.15, 0.2])
    assert padded.q[0] == pytest.approx(_f(alone.q), rel=1e-12)
    assert padded.df.tolist() == [2.0, 2.0]  # NaN effect and se == 0 are left out
    assert math.isnan(padded.segment_z[0, 2])
    assert math.isnan(padded.segment_z[1, 2])
    assert padded.segment_z[0, 3] == pytest.approx(alone.segment_z[2], rel=1e-12)
    one = heterogeneity([0.1, NAN], [0.1, 0.1])
    assert math.isnan(_f(one.q))
    assert math.isnan(_f(one.i_squared))
    assert _f(one.pooled_effect) == pytest.approx(0.1)
    none = inverse_variance([NAN, NAN], [0.1, 0.1])
    assert math.isnan(_f(none.estimate))
    assert int(none.k) == 0


def test_i_squared_is_zero_without_excess_variation() -> None:
    res = heterogeneity([0.1, 0.11, 0.09], [0.1, 0.1, 0.1])
    assert _f(res.i_squared) == 0.0


def test_heterogeneity_bad_arguments() -> None:
    with pytest.raises(DataError, match="negative"):
        heterogeneity([0.1, 0.2], [0.1, -0.1])
    with pytest.raises(DataError, match="last axis must hold the segments"):
        heterogeneity(0.1, 0.1)
    with pytest.raises(DataError, match="infinite"):
        heterogeneity([0.1, math.inf], [0.1, 0.1])


# -------------------------------------------------------------------------------- Simpson
# Kidney stones (Charig et al. 1986, BMJ): treatment A (control) against B (variant),
# stratified by stone size (small, large). B wins overall, A wins within both sizes.
A = ProportionStats(n=[87, 263], successes=[81, 192])
B = ProportionStats(n=[270, 80], successes=[234, 55])


def test_mantel_haenszel_matches_hand_computation_in_r() -> None:
    # R (Sato 1989 variance, as cardx::ci_prop_common_risk_diff_sato):
    # n_x <- c(270, 80); s_x <- c(234, 55); n_y <- c(87, 263); s_y <- c(81, 192)
    # N_h <- n_x + n_y; w <- n_x * n_y / N_h
    # d_mh <- sum(w * (s_x / n_x - s_y / n_y)) / sum(w)
    # p_h <- (n_x^2 * s_y - n_y^2 * s_x + n_x * n_y * (n_y - n_x) / 2) / N_h^2
    # q_h <- (s_x * (n_y - s_y) + s_y * (n_x - s_x)) / (2 * N_h)
    # sqrt((d_mh * sum(p_h) + sum(q_h)) / sum(w)^2)
    # -0.0538355702434747 0.0335541958830429
    res = mantel_haenszel_difference(A, B)
    assert _f(res.estimate) == pytest.approx(-0.0538355702434747, rel=1e-12)
    assert _f(res.se) == pytest.approx(0.0335541958830429, rel=1e-12)
    assert int(res.k) == 2


def test_mantel_haenszel_of_one_segment_is_the_wald_difference() -> None:
    res = mantel_haenszel_difference(ProportionStats([200], [30]), ProportionStats([150], [40]))
    p0, p1 = 30 / 200, 40 / 150
    assert _f(res.estimate) == pytest.approx(p1 - p0, rel=1e-12)
    assert _f(res.se) == pytest.approx(math.sqrt(p0 * (1 - p0) / 200 + p1 * (1 - p1) / 150))


def test_mantel_haenszel_ignores_empty_segments() -> None:
    with_empty = mantel_haenszel_difference(
        ProportionStats([87, 263, 0, 10], [81, 192, 0, 3]),
        ProportionStats([270, 80, 0, 0], [234, 55, 0, 0]),
    )
    plain = mantel_haenszel_difference(A, B)
    assert _f(with_empty.estimate) == pytest.approx(_f(plain.estimate), rel=1e-12)
    assert _f(with_empty.se) == pytest.approx(_f(plain.se), rel=1e-12)
    assert int(with_empty.k) == 2


def test_simpson_kidney_stones() -> None:
    res = simpson_proportions(A, B)
    assert _f(res.pooled_effect) == pytest.approx(289 / 350 - 273 / 350)
    assert _f(res.stratified_effect) == pytest.approx(-0.0538355702434747, rel=1e-12)
    assert bool(res.reversed)
    assert int(res.opposite_segments) == 2
    assert int(res.segments) == 2
    # The inverse-variance pool of the segments' Wald differences agrees in sign.
    assert _f(res.inverse_variance_effect) < 0


def test_simpson_does_not_need_every_segment_to_flip() -> None:
    # One big segment is clearly worse, one small segment slightly better, and the mix
    # differs between arms: the pooled effect is positive, the stratified one negative.
    control = ProportionStats(n=[900, 100], successes=[90, 50])
    variant = ProportionStats(n=[100, 900], successes=[8, 459])
    res = simpson_proportions(control, variant)
    assert _f(res.pooled_effect) > 0
    assert _f(res.stratified_effect) < 0
    assert bool(res.reversed)
    assert int(res.opposite_segments) == 1
    # The same check on segment effects for means.
    means = simpson(0.5, [-0.4, 0.1], [0.05, 0.2])
    assert bool(means.reversed)
    assert int(means.opposite_segments) == 1


def test_no_reversal_when_the_signs_agree() -> None:
    res = simpson([0.2, -0.1, 0.0], [[0.1, 0.3], [-0.2, 0.1], [0.1, 0.2]], [[0.1, 0.1]] * 3)
    assert res.reversed.tolist() == [False, False, False]  # a zero pooled effect has no sign
    assert res.opposite_segments.tolist() == [0, 1, 0]
    np.testing.assert_allclose(res.stratified_effect, [0.2, -0.05, 0.15])
    np.testing.assert_allclose(res.stratified_se, [math.sqrt(0.005)] * 3)


def test_simpson_bad_arguments() -> None:
    with pytest.raises(DataError, match="must match the families"):
        simpson([0.1, 0.2, 0.3], [[0.1, 0.2], [0.1, 0.2]], [[0.1, 0.1], [0.1, 0.1]])
    with pytest.raises(ValidationError, match="must be ProportionStats"):
        simpson_proportions(A, [1, 2])  # type: ignore[arg-type]
    with pytest.raises(DataError, match="last axis must hold the segments"):
        simpson_proportions(ProportionStats(10, 2), ProportionStats(10, 3))


def test_standardized_effect_equals_the_pooled_difference_under_balanced_allocation() -> None:
    # With every segment split between the arms in the same proportion, the pooled mean
    # difference is exactly the size-weighted average of the segment differences (direct
    # standardisation), whatever the segments' variances: the identity the Simpson check
    # relies on. Computed here from raw values, independently of hypokit.
    import numpy as np

    from hypokit.stats import standardized

    rng = np.random.default_rng(7)
    sizes = [40, 100, 260]  # per arm, per segment
    scales = [1.0, 5.0, 0.2]
    shifts = [0.5, -1.0, 0.1]
    ctrl = [rng.normal(0, s, n) for n, s in zip(sizes, scales, strict=True)]
    var = [rng.normal(d, s, n) for n, s, d in zip(sizes, scales, shifts, strict=True)]
    pooled = np.concatenate(var).mean() - np.concatenate(ctrl).mean()
    effects = [v.mean() - c.mean() for c, v in zip(ctrl, var, strict=True)]
    ses = [
        np.sqrt(c.var(ddof=1) / len(c) + v.var(ddof=1) / len(v))
        for c, v in zip(ctrl, var, strict=True)
    ]
    res = standardized(effects, ses, [2 * n for n in sizes])
    assert float(res.estimate) == pytest.approx(pooled, rel=1e-12)
    w = np.array(sizes) / sum(sizes)
    assert float(res.se) == pytest.approx(np.sqrt(np.sum(w**2 * np.square(ses))), rel=1e-12)
