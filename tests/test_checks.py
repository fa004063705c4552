"""Experiment and segment checks (hypokit.stats._checks): SRM, mix, heterogeneity, Simpson."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.contingency_tables import StratifiedTable
from statsmodels.stats.meta_analysis import combine_effects

from hypokit._errors import DataError, ValidationError
from hypokit.stats._checks import (
    heterogeneity,
    inverse_variance,
    mantel_haenszel_difference,
    segment_mix,
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
    # R: prop.test(c(289, 273), c(350, 350), correct = FALSE): the unpooled interval
    # -0.0131322327283883 0.1045608041569597, p-value = 0.12849539444 (pooled variance).
    half_width = (0.1045608041569597 + 0.0131322327283883) / 2
    assert _f(res.pooled_se) == pytest.approx(half_width / stats.norm.ppf(0.975), rel=1e-12)
    # R: chisq.test(cbind(c(87, 263), c(270, 80)), correct = FALSE)
    # X-squared = 191.4422912022, df = 1, p-value = 1.53998372831404e-43
    assert _f(res.mix_statistic) == pytest.approx(191.4422912022, rel=1e-10)
    assert _f(res.mix_df) == 1.0
    assert _f(res.mix_p_value) == pytest.approx(1.53998372831404e-43, rel=1e-9)
    # Neither effect is significant (|z| = 1.52 and 1.60): the segment mix makes the
    # reversal real. B got mostly small stones, which do well whatever the treatment.
    assert abs(_f(res.pooled_effect) / _f(res.pooled_se)) < 1.96
    assert abs(_f(res.stratified_effect) / _f(res.stratified_se)) < 1.96
    assert bool(res.paradox())
    assert not bool(res.paradox(mix_alpha=1e-44))


# UC Berkeley graduate admissions, fall 1973 (Bickel, Hammel & O'Connell 1975; R's
# UCBAdmissions): admitted and applicants per department A-F, men as control, women as
# the variant. Men are admitted more often overall; within departments women slightly more.
UCB_MEN = ProportionStats(n=[825, 560, 325, 417, 191, 373], successes=[512, 353, 120, 138, 53, 22])
UCB_WOMEN = ProportionStats(n=[108, 25, 593, 375, 393, 341], successes=[89, 17, 202, 131, 94, 24])


def test_simpson_berkeley_admissions() -> None:
    # The published tables: R's mantelhaen.test(UCBAdmissions) gives the common odds
    # ratio (men against women, within departments) 0.904696828258623 and, without
    # continuity correction, X-squared = 1.524606660443, p-value = 0.216923697056.
    tables = [
        [[a_m, n_m - a_m], [a_w, n_w - a_w]]
        for a_m, n_m, a_w, n_w in zip(
            UCB_MEN.successes, UCB_MEN.n, UCB_WOMEN.successes, UCB_WOMEN.n, strict=True
        )
    ]
    strat = StratifiedTable(np.array(tables, dtype=float).transpose(1, 2, 0))
    assert strat.oddsratio_pooled == pytest.approx(0.904696828258623, rel=1e-12)
    assert strat.test_null_odds(correction=False).statistic == pytest.approx(
        1.524606660443, rel=1e-10
    )
    res = simpson_proportions(UCB_MEN, UCB_WOMEN)
    assert _f(res.pooled_effect) == pytest.approx(557 / 1835 - 1198 / 2691, rel=1e-12)
    # R, the Sato formulas of test_mantel_haenszel_matches_hand_computation_in_r with the
    # women as x: 0.0184251961908525 0.0148253944383109
    assert _f(res.stratified_effect) == pytest.approx(0.0184251961908525, rel=1e-12)
    assert _f(res.stratified_se) == pytest.approx(0.0148253944383109, rel=1e-12)
    assert bool(res.reversed)
    assert int(res.opposite_segments) == 4  # women ahead in A, B, D, F
    assert int(res.segments) == 6
    # R: chisq.test(cbind(n_men, n_women), correct = FALSE): X-squared = 1068.371676069,
    # df = 5: women applied mostly to the departments that admit few.
    assert _f(res.mix_statistic) == pytest.approx(1068.371676069, rel=1e-10)
    assert _f(res.mix_df) == 5.0
    assert bool(res.paradox())
    # Here the pooled gap alone (z = -9.85) makes it real too.
    assert bool(res.paradox(mix_alpha=1e-300))


def test_segment_mix_matches_r_and_scipy() -> None:
    # R: chisq.test(cbind(c(340, 120, 45), c(310, 160, 30)), correct = FALSE)
    # X-squared = 10.0742748340768, df = 2, p-value = 0.00649230650943114
    res = segment_mix([340, 120, 45], [310, 160, 30])
    assert _f(res.statistic) == pytest.approx(10.0742748340768, rel=1e-12)
    assert _f(res.df) == 2.0
    assert _f(res.p_value) == pytest.approx(0.00649230650943114, rel=1e-10)
    control = np.array([[100, 200, 0, 50], [10, 0, 0, 30], [5, 0, 0, 0], [0, 0, 0, 0]])
    variant = np.array([[120, 180, 0, 60], [12, 3, 0, 20], [0, 7, 0, 0], [0, 0, 0, 0]])
    res = segment_mix(control, variant)
    for i in (0, 1):
        used = (control[i] + variant[i]) > 0
        ref = stats.chi2_contingency(
            np.stack([control[i, used], variant[i, used]], axis=1), correction=False
        )
        assert res.statistic[i] == pytest.approx(ref.statistic, rel=1e-12)
        assert res.df[i] == ref.dof
        assert res.p_value[i] == pytest.approx(ref.pvalue, rel=1e-12)
    # Each arm in a segment of its own: as different as mixes get.
    assert res.statistic[2] == pytest.approx(12.0)
    assert math.isnan(res.p_value[3])  # no units
    # One segment, or an arm without units: nothing to compare.
    assert math.isnan(_f(segment_mix([10], [12]).p_value))
    assert math.isnan(_f(segment_mix([10, 20], [0, 0]).p_value))
    # The allocation ratio does not matter, only whether it is the same in every segment.
    assert _f(segment_mix([900, 90], [100, 10]).statistic) == pytest.approx(0.0, abs=1e-12)


def test_segment_mix_bad_arguments() -> None:
    with pytest.raises(DataError, match="negative"):
        segment_mix([10, -1], [3, 4])
    with pytest.raises(DataError, match="last axis must hold the segments"):
        segment_mix(10, 12)
    with pytest.raises(DataError, match="do not broadcast"):
        segment_mix([1, 2, 3], [1, 2])
    with pytest.raises(DataError, match="finite"):
        segment_mix([1, math.nan], [1, 2])


def test_no_paradox_for_a_reversal_of_noise() -> None:
    # Conversion 10% and 30% in two segments, the same in both arms; a chance imbalance
    # of 520/480 against 480/520 (R: chisq.test, p-value = 0.0736382701203028) and tiny
    # effects: pooled +0.006 (prop.test p = 0.74), stratified -0.002. Both are noise.
    control = ProportionStats(n=[520, 480], successes=[52, 144])
    variant = ProportionStats(n=[480, 520], successes=[47, 155])
    res = simpson_proportions(control, variant)
    assert _f(res.pooled_effect) == pytest.approx(0.006)
    assert _f(res.stratified_effect) < 0
    assert bool(res.reversed)
    assert _f(res.mix_p_value) == pytest.approx(0.0736382701203028, rel=1e-10)
    assert not bool(res.paradox())
    # At a lax level the same imbalance would count.
    assert bool(res.paradox(mix_alpha=0.1))


def test_paradox_from_a_significant_effect_alone() -> None:
    # Without the arms' units there is no mix test: only a significant effect counts.
    effect, se = [-0.4, 0.1], [0.05, 0.2]
    loud = simpson(0.5, effect, se, pooled_se=0.2)  # pooled z = 2.5
    assert bool(loud.reversed)
    assert math.isnan(_f(loud.mix_p_value))
    assert bool(loud.paradox())
    quiet = simpson(0.05, effect, [0.5, 0.5], pooled_se=0.2)  # every |z| < 1
    assert bool(quiet.reversed)
    assert not bool(quiet.paradox())
    assert bool(quiet.paradox(alpha=0.9))  # |z| = 0.25 >= z_0.55 = 0.126
    # Vectorised over families, the mix tested per family.
    res = simpson(
        [0.5, 0.5],
        [[-0.4, 0.1], [-0.4, 0.1]],
        [[0.5, 0.5], [0.5, 0.5]],
        [[200, 200], [200, 200]],
        pooled_se=[1.0, 1.0],
        control_n=[[150, 50], [100, 100]],
        variant_n=[[50, 150], [100, 100]],
    )
    assert res.paradox().tolist() == [True, False]
    with pytest.raises(ValidationError, match="mix_alpha"):
        res.paradox(mix_alpha=0.0)
    with pytest.raises(ValidationError, match="alpha"):
        res.paradox(alpha=1.5)


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
    with pytest.raises(ValidationError, match="give both or neither"):
        simpson(0.1, [0.1, 0.2], [0.1, 0.1], control_n=[10, 10])
    with pytest.raises(DataError, match="pooled_se has negative"):
        simpson(0.1, [0.1, 0.2], [0.1, 0.1], pooled_se=-1.0)


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
