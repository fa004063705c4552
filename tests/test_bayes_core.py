"""Bayesian comparisons (hypokit.stats._bayes).

Each quantity is checked three ways: the closed form, scipy quadrature written out here
(``quad`` of ``f_B F_A``) and a large seeded Monte Carlo of the posteriors. Exact
references are derived by hand beside each value.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special, stats

from hypokit._errors import DataError, ValidationError
from hypokit.stats import _bayes
from hypokit.stats._bayes import (
    BayesResult,
    Prior,
    _Beta,
    _loss_closed_form,
    _loss_quad,
    _miller_sum,
    _prob_closed_form,
    _prob_quad,
    bayes_normal,
    bayes_proportions,
)
from hypokit.stats._compare import (
    Comparison,
    MeanStats,
    ProportionStats,
    RatioStats,
    Reason,
    compare_proportions,
    compare_ratios,
)

SETTINGS = settings(derandomize=True, deadline=None, max_examples=40)
DRAWS = 2_000_000


def _f(a: object) -> float:
    return float(np.asarray(a))


def _draws(arm: tuple[float, float], seed: int) -> np.ndarray:
    return np.random.default_rng(seed).beta(arm[0], arm[1], DRAWS)


def _quad_prob(arm_a: tuple[float, float], arm_b: tuple[float, float]) -> float:
    """P(X_B > X_A) = int f_B(x) F_A(x) dx, written independently with scipy.stats."""
    fa, fb = stats.beta(*arm_a), stats.beta(*arm_b)
    lo, hi = fb.ppf(1e-14), fb.isf(1e-14)
    value = integrate.quad(
        lambda x: fb.pdf(x) * fa.cdf(x), lo, hi, epsabs=1e-13, epsrel=1e-12, limit=500
    )[0]
    return value


def _quad_loss(arm_a: tuple[float, float], arm_b: tuple[float, float]) -> float:
    """E[max(X_A - X_B, 0)] as the double integral, inner one over (0, x) numerically."""
    fa, fb = stats.beta(*arm_a), stats.beta(*arm_b)
    lo_b = fb.ppf(1e-15)  # F_B is below 1e-15 under lo_b

    def inner(x: float) -> float:
        # E[(x - X_B)^+] = int_0^x F_B(t) dt
        if x <= lo_b:
            return 0.0
        return integrate.quad(lambda t: special.betainc(*arm_b, t), lo_b, x, epsabs=1e-15)[0]

    lo, hi = fa.ppf(1e-12), fa.isf(1e-12)
    return integrate.quad(
        lambda x: fa.pdf(x) * inner(x), lo, hi, epsabs=1e-13, epsrel=1e-10, limit=200
    )[0]


def _comparison(**values: Any) -> Comparison:
    """A Comparison of one row from its effect, se and means (the rest NaN or 0)."""
    base: dict[str, Any] = dict.fromkeys(Comparison.__dataclass_fields__, math.nan)
    base.update(values)
    base["reason"] = values.get("reason", 0)
    base["control_observed"] = values.get("control_observed", values.get("control_mean"))
    return Comparison(
        **{
            k: np.asarray(v, dtype=np.int64 if k == "reason" else np.float64)
            for k, v in base.items()
        }
    )


# -------------------------------------------------------------- exact (hand-derived) values
def test_prob_and_loss_match_hand_derived_values() -> None:
    # Control 0/1 and variant 1/1 with the uniform prior: p_A ~ Beta(1, 2) (density
    # 2(1 - x)), p_B ~ Beta(2, 1) (density 2x).
    # P(p_B > p_A) = int_0^1 2x (1 - (1 - x)^2) dx = 4/3 - 1/2 = 5/6.
    # E[(p_A - p_B)^+] = int_0^1 2(1 - x) int_0^x (x - y) 2y dy dx
    #                  = int_0^1 4(1 - x) x^3 / 6 dx = (2/3)(1/4 - 1/5) = 1/30.
    # E[(p_B - p_A)^+] = 1/30 + E[p_B] - E[p_A] = 1/30 + 2/3 - 1/3 = 11/30.
    res = bayes_proportions(ProportionStats(1, 0), ProportionStats(1, 1))
    assert _f(res.prob_beats_control) == pytest.approx(5 / 6, abs=1e-14)
    assert _f(res.expected_loss) == pytest.approx(1 / 30, abs=1e-14)
    assert _f(res.expected_loss_control) == pytest.approx(11 / 30, abs=1e-14)
    assert _f(res.effect) == pytest.approx(1 / 3)
    assert _f(res.lift) == pytest.approx(1.0)  # (2/3) / (1/3) - 1
    assert (_f(res.control_a), _f(res.control_b)) == (1.0, 2.0)
    assert (_f(res.variant_a), _f(res.variant_b)) == (2.0, 1.0)
    # p_A ~ Beta(2, 1), p_B ~ U(0, 1): P(p_B > p_A) = int 2x (1 - x) dx = 1/3 and
    # E[(p_A - p_B)^+] = E[p_A^2 / 2] = (1/2)(2 * 3)/(3 * 4) = 1/4.
    arm_a, arm_b = _Beta(2, 1), _Beta(1, 1)
    assert _prob_closed_form(arm_a, arm_b) == pytest.approx(1 / 3, abs=1e-15)
    assert _prob_quad(arm_a, arm_b) == pytest.approx(1 / 3, abs=1e-12)
    assert _loss_closed_form(arm_a, arm_b) == pytest.approx(1 / 4, abs=1e-15)
    assert _loss_quad(arm_a, arm_b) == pytest.approx(1 / 4, abs=1e-12)


def test_difference_interval_matches_hand_derived_quantile() -> None:
    # Two independent U(0, 1) = Beta(1, 1) posteriors (the uniform prior before any
    # data). D = p_B - p_A is triangular on (-1, 1): P(D <= d) = (1 + d)^2 / 2 for
    # d <= 0, so the 2.5% quantile is sqrt(0.05) - 1 and the 97.5% one 1 - sqrt(0.05).
    arm = _Beta(1.0, 1.0)
    assert _bayes._difference_quantile(arm, arm, 0.025) == pytest.approx(
        math.sqrt(0.05) - 1, abs=1e-10
    )
    assert _bayes._difference_quantile(arm, arm, 0.975) == pytest.approx(
        1 - math.sqrt(0.05), abs=1e-10
    )
    # The ratio R = U_B / U_A: P(R <= r) = r / 2 for r <= 1, so the 2.5% quantile is 0.05;
    # P(R > r) = 1 / (2 r) for r >= 1, so the 97.5% quantile is 20.
    assert _bayes._ratio_quantile(arm, arm, 0.025) == pytest.approx(0.05, rel=1e-9)
    assert _bayes._ratio_quantile(arm, arm, 0.975) == pytest.approx(20.0, rel=1e-9)


# ------------------------------------------- P(B > A): closed form vs quadrature vs MC
CASES = [
    pytest.param((13.0, 29.0), (19.0, 24.0), id="small"),
    pytest.param((121.0, 881.0), (146.0, 856.0), id="medium"),
    pytest.param((3.0, 998.0), (1.0, 1000.0), id="rare-events"),
    pytest.param((4_001.0, 5_001.0), (4_101.0, 4_901.0), id="thousands"),
]


@pytest.mark.parametrize(("arm_a", "arm_b"), CASES)
def test_prob_closed_form_quadrature_and_monte_carlo_agree(
    arm_a: tuple[float, float], arm_b: tuple[float, float]
) -> None:
    exact = _prob_closed_form(_Beta(*arm_a), _Beta(*arm_b))
    assert exact is not None
    assert exact == pytest.approx(_quad_prob(arm_a, arm_b), abs=1e-10)
    assert exact == pytest.approx(_prob_quad(_Beta(*arm_a), _Beta(*arm_b)), abs=1e-10)
    mc = np.mean(_draws(arm_b, 2) > _draws(arm_a, 1))
    assert exact == pytest.approx(mc, abs=5 * math.sqrt(exact * (1 - exact) / DRAWS) + 1e-6)


def test_prob_for_100k_successes_long_sum_quadrature_and_monte_carlo() -> None:
    # 100,000 and 101,000 successes out of 1,000,000 each: every sum has >= 100,001
    # terms, so the library integrates; the long sum, evaluated with betaln, must agree.
    arm_a, arm_b = (100_001.0, 900_001.0), (101_001.0, 899_001.0)
    long_sum = _miller_sum(arm_a[0], arm_a[1], arm_b[0], arm_b[1])
    assert _prob_closed_form(_Beta(*arm_a), _Beta(*arm_b)) is None
    res = bayes_proportions(
        ProportionStats(1_000_000, 100_000), ProportionStats(1_000_000, 101_000)
    )
    prob = _f(res.prob_beats_control)
    # 101,001 log-beta terms of size ~1e5 each lose ~1e-9 to rounding (why the library
    # integrates instead); the quadratures agree to 1e-10.
    assert prob == pytest.approx(long_sum, abs=5e-9)
    assert prob == pytest.approx(_quad_prob(arm_a, arm_b), abs=1e-10)
    mc = np.mean(_draws(arm_b, 4) > _draws(arm_a, 3))
    assert prob == pytest.approx(mc, abs=5 * math.sqrt(prob * (1 - prob) / DRAWS))
    # The normal approximation is close here too (both posteriors concentrated).
    se = math.sqrt(0.1 * 0.9 / 1e6 + 0.101 * 0.899 / 1e6)
    assert prob == pytest.approx(stats.norm.cdf(0.001 / se), abs=1e-3)


@pytest.mark.parametrize(
    ("arm_a", "arm_b"),
    [
        pytest.param((2.5, 3.5), (4.0, 2.5), id="a_B whole"),
        pytest.param((2.5, 5.0), (4.5, 2.5), id="b_A whole"),
        pytest.param((6.0, 3.5), (4.5, 2.5), id="a_A whole"),
        pytest.param((2.5, 3.5), (4.5, 7.0), id="b_B whole"),
    ],
)
def test_each_of_the_four_sums_agrees_with_quadrature(
    arm_a: tuple[float, float], arm_b: tuple[float, float]
) -> None:
    exact = _prob_closed_form(_Beta(*arm_a), _Beta(*arm_b))
    assert exact is not None
    assert exact == pytest.approx(_quad_prob(arm_a, arm_b), abs=1e-11)


def test_non_integer_prior_uses_quadrature() -> None:
    # Jeffreys' prior Beta(0.5, 0.5): no parameter is whole, no sum applies.
    prior = Prior(a=0.5, b=0.5)
    res = bayes_proportions(ProportionStats(400, 0), ProportionStats(410, 3), prior=prior)
    arm_a, arm_b = (0.5, 400.5), (3.5, 407.5)
    assert _prob_closed_form(_Beta(*arm_a), _Beta(*arm_b)) is None
    assert _f(res.prob_beats_control) == pytest.approx(_quad_prob(arm_a, arm_b), abs=1e-9)
    mc_a, mc_b = _draws(arm_a, 5), _draws(arm_b, 6)
    assert _f(res.prob_beats_control) == pytest.approx(np.mean(mc_b > mc_a), abs=2e-3)
    assert _f(res.expected_loss) == pytest.approx(np.mean(np.maximum(mc_a - mc_b, 0)), rel=2e-2)


# ------------------------------------------------------------------------ expected loss
@pytest.mark.parametrize(("arm_a", "arm_b"), CASES)
def test_loss_closed_form_quadrature_and_monte_carlo_agree(
    arm_a: tuple[float, float], arm_b: tuple[float, float]
) -> None:
    a, b = _Beta(*arm_a), _Beta(*arm_b)
    for first, second, one, two in ((a, b, arm_a, arm_b), (b, a, arm_b, arm_a)):
        exact = _loss_closed_form(first, second)
        assert exact is not None
        scale = math.sqrt(first.var + second.var)
        assert exact == pytest.approx(_loss_quad(first, second), abs=1e-10 * scale)
        assert exact == pytest.approx(_quad_loss(one, two), abs=1e-9 * scale)
    xa, xb = _draws(arm_a, 7), _draws(arm_b, 8)
    res = bayes_proportions(
        ProportionStats(sum(arm_a) - 2, arm_a[0] - 1), ProportionStats(sum(arm_b) - 2, arm_b[0] - 1)
    )
    for value, sample in (
        (res.expected_loss, np.maximum(xa - xb, 0)),
        (res.expected_loss_control, np.maximum(xb - xa, 0)),
    ):
        assert _f(value) == pytest.approx(
            sample.mean(), abs=5 * sample.std() / math.sqrt(DRAWS) + 1e-12
        )


def test_loss_for_large_counts_closed_form_and_quadrature(monkeypatch: pytest.MonkeyPatch) -> None:
    arm_a, arm_b = _Beta(100_001.0, 900_001.0), _Beta(100_801.0, 899_201.0)
    by_quad = _loss_quad(arm_a, arm_b)
    monkeypatch.setattr(_bayes, "_MAX_TERMS", 10**6)  # allow the 100k-term sums
    exact = _loss_closed_form(arm_a, arm_b)
    assert exact is not None
    assert by_quad == pytest.approx(exact, rel=1e-5, abs=1e-12)
    xa, xb = _draws((arm_a.a, arm_a.b), 9), _draws((arm_b.a, arm_b.b), 10)
    sample = np.maximum(xa - xb, 0)
    assert by_quad == pytest.approx(sample.mean(), abs=5 * sample.std() / math.sqrt(DRAWS))


@given(
    st.tuples(*[st.integers(1, 400)] * 4),
    st.floats(0.3, 3.0),
)
@SETTINGS
def test_probabilities_and_losses_are_consistent(
    counts: tuple[int, int, int, int], prior_a: float
) -> None:
    # P(B > A) + P(A > B) = 1 and E[(A - B)^+] - E[(B - A)^+] = E[A] - E[B].
    a = _Beta(prior_a + counts[0], 1.0 + counts[1])
    b = _Beta(prior_a + counts[2], 1.0 + counts[3])
    assert _bayes._prob_greater(a, b) + _bayes._prob_greater(b, a) == pytest.approx(1, abs=1e-9)
    diff = _bayes._expected_loss(a, b) - _bayes._expected_loss(b, a)
    assert diff == pytest.approx(a.mean - b.mean, abs=1e-10)


# --------------------------------------------------------------------- credible intervals
@pytest.mark.parametrize(
    ("control", "variant", "prior"),
    [
        pytest.param((40, 12), (41, 18), Prior(), id="small"),
        pytest.param((1000, 120), (1000, 145), Prior(), id="medium"),
        pytest.param((900, 2), (950, 0), Prior(a=0.5, b=0.5), id="rare-jeffreys"),
    ],
)
def test_credible_intervals_match_monte_carlo_quantiles(
    control: tuple[int, int], variant: tuple[int, int], prior: Prior
) -> None:
    alpha = 0.1
    res = bayes_proportions(
        ProportionStats(*control), ProportionStats(*variant), prior=prior, alpha=alpha
    )
    xa = _draws((_f(res.control_a), _f(res.control_b)), 11)
    xb = _draws((_f(res.variant_a), _f(res.variant_b)), 12)
    tol = 5 * math.sqrt(alpha / 2 * (1 - alpha / 2) / DRAWS)
    diff, ratio = xb - xa, xb / xa - 1
    # Coverage of each bound: the Monte Carlo share of draws below it.
    assert np.mean(diff <= _f(res.effect_ci_low)) == pytest.approx(alpha / 2, abs=tol)
    assert np.mean(diff <= _f(res.effect_ci_high)) == pytest.approx(1 - alpha / 2, abs=tol)
    assert np.mean(ratio <= _f(res.lift_ci_low)) == pytest.approx(alpha / 2, abs=tol)
    assert np.mean(ratio <= _f(res.lift_ci_high)) == pytest.approx(1 - alpha / 2, abs=tol)
    assert _f(res.effect) == pytest.approx(diff.mean(), abs=5 * diff.std() / math.sqrt(DRAWS))


def test_lift_interval_of_two_jeffreys_posteriors_without_successes() -> None:
    # Beta(0.5, 1053.5) and Beta(0.5, 679.5). The exact path's 2.5% bound of the ratio
    # covers about 2.65% of the draws (adaptive quadrature over x^-1/2 near 0); the fast
    # path's trapezoid rule in logit x covers 2.50%.
    prior = Prior(a=0.5, b=0.5)
    res = bayes_proportions(ProportionStats(1053, 0), ProportionStats(679, 0), prior=prior)
    ratio = _draws((0.5, 679.5), 16) / _draws((0.5, 1053.5), 15) - 1
    tol = 5 * math.sqrt(0.025 * 0.975 / DRAWS)
    assert np.mean(ratio <= _f(res.lift_ci_low)) == pytest.approx(0.025, abs=tol)
    assert np.mean(ratio <= _f(res.lift_ci_high)) == pytest.approx(0.975, abs=tol)


def test_beta_interval_approaches_wald_with_big_n() -> None:
    control, variant = ProportionStats(2_000_000, 200_000), ProportionStats(2_000_000, 203_000)
    res = bayes_proportions(control, variant)
    wald = compare_proportions(control, variant)
    half = _f(wald.ci_high - wald.ci_low) / 2
    assert _f(res.effect_ci_low) == pytest.approx(_f(wald.ci_low), abs=2e-3 * half)
    assert _f(res.effect_ci_high) == pytest.approx(_f(wald.ci_high), abs=2e-3 * half)
    assert _f(res.effect_sd) == pytest.approx(_f(wald.se), rel=1e-5)
    assert _f(res.prob_beats_control) == pytest.approx(
        stats.norm.cdf(_f(wald.effect / wald.se)), abs=1e-4
    )


def test_lower_is_better_flips_probability_and_losses() -> None:
    control, variant = ProportionStats(500, 60), ProportionStats(520, 50)
    up = bayes_proportions(control, variant)
    down = bayes_proportions(control, variant, higher_is_better=False)
    assert _f(down.prob_beats_control) == pytest.approx(1 - _f(up.prob_beats_control), abs=1e-12)
    assert _f(down.expected_loss) == _f(up.expected_loss_control)
    assert _f(down.expected_loss_control) == _f(up.expected_loss)
    assert _f(down.effect_ci_low) == _f(up.effect_ci_low)


def test_empty_arm_is_nan_without_warnings() -> None:
    res = bayes_proportions(ProportionStats([0, 10], [0, 0]), ProportionStats([5, 10], [1, 0]))
    assert np.isnan(res.prob_beats_control[0])
    assert np.isnan(res.effect_ci_low[0])
    assert res.reason[0] == Reason.TOO_FEW_UNITS
    # 0 of 10 in both arms is a proper posterior: symmetric, P = 1/2.
    assert res.prob_beats_control[1] == pytest.approx(0.5, abs=1e-12)
    assert res.effect[1] == 0.0
    assert res.reason[1] == 0


# ----------------------------------------------------- fast path against the exact path
def _counts_grid() -> list[tuple[int, int, int, int]]:
    """(n_c, s_c, n_v, s_v): 100 to 10 million units, 0.1% to 99.9%, rare events."""
    rows = []
    for n in (100, 1_000, 30_000, 1_000_000, 10_000_000):
        for rate in (0.001, 0.01, 0.1, 0.5):
            for lift in (0.9, 1.08):
                n_v = round(n * 1.1)
                rows.append((n, round(n * rate), n_v, round(n_v * rate * lift)))
    rows += [
        (100, 0, 100, 0),
        (100, 0, 120, 1),
        (5_000, 1, 5_000, 4),
        (2_000_000, 2, 1_000_000, 0),
        (400, 3, 4_000, 60),  # unequal arms: 1 to 10
        (10_000, 9_990, 10_000, 9_995),  # rates near 100%
        (1_000_000, 999_000, 900_000, 899_300),
    ]
    return rows


def _exact_rows(
    rows: list[tuple[int, int, int, int]], prior: Prior, alpha: float
) -> list[dict[str, float]]:
    return [
        _bayes._beta_row(
            _Beta(prior.a + s_c, prior.b + n_c - s_c),
            _Beta(prior.a + s_v, prior.b + n_v - s_v),
            alpha,
            True,
        )
        for n_c, s_c, n_v, s_v in rows
    ]


def _assert_close_to_exact(res: BayesResult, exact: list[dict[str, float]]) -> None:
    """The fast path's stated accuracy against the exact path, row by row.

    Probabilities: 1e-8 absolute. Losses: 1e-8 relative, or 1e-13 absolute (the
    reference's own ``epsabs``: a loss far in the tail, such as 1e-20, is not known to
    1e-8 of itself). Interval bounds: 1e-8 of ``max(|bound|, effect_sd)`` for the
    effect (a bound near 0 has no relative precision), 1e-8 relative for
    ``1 + lift`` (the ratio's quantile).
    """
    for i, ref in enumerate(exact):
        sd = ref["effect_sd"]
        assert res.prob_beats_control[i] == pytest.approx(ref["prob_beats_control"], abs=1e-8)
        for name in ("expected_loss", "expected_loss_control"):
            assert getattr(res, name)[i] == pytest.approx(ref[name], rel=1e-8, abs=1e-13)
        for name in ("effect_ci_low", "effect_ci_high"):
            tol = 1e-8 * max(abs(ref[name]), sd)
            assert getattr(res, name)[i] == pytest.approx(ref[name], abs=tol), name
        for name in ("lift_ci_low", "lift_ci_high"):
            assert 1 + getattr(res, name)[i] == pytest.approx(1 + ref[name], rel=1e-8), name
        for name in ("effect", "effect_sd", "lift", "control_mean", "variant_mean"):
            assert getattr(res, name)[i] == pytest.approx(ref[name], rel=1e-14), name


@pytest.mark.parametrize(
    ("prior", "alpha", "every"),
    [
        pytest.param(Prior(), 0.05, 1, id="uniform"),
        pytest.param(Prior(a=0.5, b=0.5), 0.1, 3, id="jeffreys"),
    ],
)
def test_fast_path_matches_the_exact_path_on_a_grid(
    prior: Prior, alpha: float, every: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _counts_grid()[::every]
    n_c, s_c, n_v, s_v = (np.array(x) for x in zip(*rows, strict=True))
    res = bayes_proportions(
        ProportionStats(n_c, s_c), ProportionStats(n_v, s_v), prior=prior, alpha=alpha
    )
    # Every row is the fast path's own work: no quantile falls back to the exact path.
    arms = [np.asarray(x, dtype=np.float64) for x in (res.control_a, res.control_b)]
    arms += [np.asarray(x, dtype=np.float64) for x in (res.variant_a, res.variant_b)]
    assert _bayes._fast_prob_and_loss(*arms)[3].all()
    for u in (alpha / 2, 1 - alpha / 2):
        assert _bayes._fast_difference_quantile(*arms, u)[1].all()
        assert _bayes._fast_ratio_quantile(*arms, u)[1].all()
    # The reference integrates every row (no closed-form sum: those of more than a few
    # thousand terms lose about 1e-9 to rounding, and Stucchio's loss subtracts terms
    # the size of the means).
    monkeypatch.setattr(_bayes, "_MAX_TERMS", 0)
    _assert_close_to_exact(res, _exact_rows(rows, prior, alpha))


def test_small_arms_fall_back_to_the_exact_path() -> None:
    # 20 units at 50%: the kink of P(D <= d) lies inside the posterior's bulk on both
    # sides, so the fast path declines the effect's interval and the exact path gives it.
    rows = [(20, 9, 20, 12), (3, 1, 4, 3)]
    n_c, s_c, n_v, s_v = (np.array(x) for x in zip(*rows, strict=True))
    res = bayes_proportions(ProportionStats(n_c, s_c), ProportionStats(n_v, s_v))
    arms = [np.asarray(x, dtype=np.float64) for x in (res.control_a, res.control_b)]
    arms += [np.asarray(x, dtype=np.float64) for x in (res.variant_a, res.variant_b)]
    for u in (0.025, 0.975):
        assert not _bayes._fast_difference_quantile(*arms, u)[1].any()
    exact = _exact_rows(rows, Prior(), 0.05)
    for i, ref in enumerate(exact):
        assert res.effect_ci_low[i] == ref["effect_ci_low"]
        assert res.effect_ci_high[i] == ref["effect_ci_high"]
    _assert_close_to_exact(res, exact)


# Reference values at 25-30 significant digits with mpmath 1.4.1 (mp.dps = 30): mp.quad
# over the control's posterior, split at the kinks of the integrand, of
#   P(v <= c)          quad(lambda x: pdf_C(x) * betainc(a_V, b_V, 0, x, regularized=True))
#   E[(c - v)^+]       quad(lambda x: pdf_C(x) * (x * F_V(x) - mean_V * F_{V+1}(x)))
#   quantile of v - c  findroot(lambda d: quad(lambda x: pdf_C(x) * F_V(x + d)) - u)
# (with the arms swapped for E[(v - c)^+]), pdf_C(x) = exp((a-1) log x + (b-1) log1p(-x)
# - log(beta(a, b))); the uniform prior, so a = successes + 1 and b = failures + 1.
HIGH_PRECISION = [
    # control 3/2636, variant 0/1116: Beta(4, 2634), Beta(1, 1117); u = 0.025
    ((2636, 3, 1116, 0), "effect_ci_low", -0.0027845883344385149767),
    # control 0/332, variant 5/868: Beta(1, 333), Beta(6, 864); u = 0.975
    ((332, 0, 868, 5), "effect_ci_high", 0.011558870344854602831),
    # control 236/150291, variant 157/118881: Beta(237, 150056), Beta(158, 118725)
    ((150_291, 236, 118_881, 157), "expected_loss", 0.00025074901063698187897),
    ((150_291, 236, 118_881, 157), "prob_beats_control", 1 - 0.95358515181348891079),
    # control 235/22727, variant 246/31436: Beta(236, 22493), Beta(247, 31191). Stucchio's
    # closed form gives 2.44714750e-7 here (4.5e-6 off: the two terms are 4,000 times
    # larger than their difference); the integral keeps every digit.
    ((22_727, 235, 31_436, 246), "expected_loss_control", 2.4471584376952060861e-7),
    ((22_727, 235, 31_436, 246), "prob_beats_control", 0.0010826945494887370305),
]


@pytest.mark.parametrize(("counts", "name", "expected"), HIGH_PRECISION)
def test_fast_path_matches_high_precision_values(
    counts: tuple[int, int, int, int], name: str, expected: float
) -> None:
    n_c, s_c, n_v, s_v = counts
    res = bayes_proportions(ProportionStats(n_c, s_c), ProportionStats(n_v, s_v))
    assert _f(getattr(res, name)) == pytest.approx(expected, rel=1e-10, abs=1e-15)


# ------------------------------------------------------------------------- normal model
def _ratio_rows(rng: np.random.Generator, n: int, shift: float) -> tuple[RatioStats, RatioStats]:
    def arm(lift: float) -> RatioStats:
        x = rng.poisson(3, n) + 1.0
        y = rng.gamma(2.0, 1.5, n) * x * (1 + lift)
        return RatioStats.from_values(y=y, x=x)

    return arm(0.0), arm(shift)


def test_flat_prior_reproduces_the_z_test() -> None:
    control, variant = _ratio_rows(np.random.default_rng(1), 400, 0.05)
    two = compare_ratios(control, variant, alpha=0.1)
    greater = compare_ratios(control, variant, alternative="greater")
    res = bayes_normal(two, alpha=0.1)
    assert _f(res.effect_ci_low) == pytest.approx(_f(two.ci_low), rel=1e-12)
    assert _f(res.effect_ci_high) == pytest.approx(_f(two.ci_high), rel=1e-12)
    assert _f(res.prob_beats_control) == pytest.approx(1 - _f(greater.p_value), rel=1e-12)
    assert _f(res.effect) == _f(two.effect)
    assert _f(res.effect_sd) == _f(two.se)
    assert _f(res.control_mean) == _f(two.control_mean)
    assert _f(res.lift) == pytest.approx(_f(two.lift), rel=1e-12)
    assert np.isnan(res.control_a)
    # Proportions: the Wald interval of R's prop.test(correct = FALSE) is a z interval.
    wald = compare_proportions(ProportionStats(500, 45), ProportionStats(510, 60))
    res = bayes_normal(wald)
    assert _f(res.effect_ci_low) == pytest.approx(-0.009917921, abs=1e-9)
    assert _f(res.effect_ci_high) == pytest.approx(0.065212039, abs=1e-9)


def test_conjugate_update_by_hand() -> None:
    # effect_hat = 2, se = 1; prior N(0, 1): precision 1 + 1 = 2, mean (2/1 + 0/1)/2 = 1,
    # sd sqrt(1/2); P(effect > 0) = Phi(1 / sqrt(1/2)) = Phi(1.414214) = 0.9213504;
    # 95% interval 1 ± 1.959964 * 0.7071068 = (-0.3859038, 2.3859038).
    row = _comparison(effect=2.0, se=1.0, control_mean=10.0, variant_mean=12.0, lift=0.2)
    absolute = bayes_normal(row, prior=Prior(effect_sd=1.0, effect_scale="absolute"))
    # Relative scale: sd 0.1 of a lift times |control mean| 10 is the same N(0, 1).
    relative = bayes_normal(row, prior=Prior(effect_sd=0.1))
    for res in (absolute, relative):
        assert _f(res.effect) == pytest.approx(1.0, rel=1e-12)
        assert _f(res.effect_sd) == pytest.approx(math.sqrt(0.5), rel=1e-12)
        assert _f(res.prob_beats_control) == pytest.approx(0.9213504, abs=1e-7)
        assert _f(res.effect_ci_low) == pytest.approx(-0.3859038, abs=1e-7)
        assert _f(res.effect_ci_high) == pytest.approx(2.3859038, abs=1e-7)
    # A prior mean pulls the posterior towards it: prior N(4, 1) gives mean (2 + 4)/2 = 3.
    shifted = bayes_normal(
        row, prior=Prior(effect_mean=4.0, effect_sd=1.0, effect_scale="absolute")
    )
    assert _f(shifted.effect) == pytest.approx(3.0)


def test_normal_expected_loss_matches_quadrature_and_monte_carlo() -> None:
    row = _comparison(effect=0.3, se=0.5, control_mean=5.0, variant_mean=5.3)
    res = bayes_normal(row)
    m, s = 0.3, 0.5
    post = stats.norm(m, s)
    by_quad = integrate.quad(lambda x: -x * post.pdf(x), -np.inf, 0.0)[0]
    by_quad_control = integrate.quad(lambda x: x * post.pdf(x), 0.0, np.inf)[0]
    assert _f(res.expected_loss) == pytest.approx(by_quad, rel=1e-9)
    assert _f(res.expected_loss_control) == pytest.approx(by_quad_control, rel=1e-9)
    draws = np.random.default_rng(13).normal(m, s, DRAWS)
    loss = np.maximum(-draws, 0)
    assert _f(res.expected_loss) == pytest.approx(
        loss.mean(), abs=5 * loss.std() / math.sqrt(DRAWS)
    )
    down = bayes_normal(row, higher_is_better=False)
    assert _f(down.expected_loss) == _f(res.expected_loss_control)
    assert _f(down.prob_beats_control) == pytest.approx(1 - _f(res.prob_beats_control))


def test_flat_prior_lift_interval_is_fieller() -> None:
    control, variant = ProportionStats(800, 96), ProportionStats(790, 118)
    freq = compare_proportions(control, variant, lift_method="fieller")
    p_c = 96 / 800
    res = bayes_normal(freq, control_se=math.sqrt(p_c * (1 - p_c) / 800))
    assert _f(res.lift_ci_low) == pytest.approx(_f(freq.lift_ci_low), rel=1e-10)
    assert _f(res.lift_ci_high) == pytest.approx(_f(freq.lift_ci_high), rel=1e-10)
    # Without the control's standard error (None, or NaN in a row) there is no interval.
    for no_se in (
        bayes_normal(freq, control_se=math.nan),
        bayes_normal(_comparison(effect=0.5, se=0.2, control_mean=2.0, variant_mean=2.5)),
    ):
        assert np.isnan(no_se.lift_ci_low)
        assert np.isnan(no_se.lift_ci_high)
    assert _f(no_se.lift) == pytest.approx(0.25)
    partial = bayes_normal(
        compare_proportions(ProportionStats([800, 800], 96), ProportionStats(790, 118)),
        control_se=[math.sqrt(p_c * (1 - p_c) / 800), math.nan],
    )
    assert partial.lift_ci_low[0] == _f(res.lift_ci_low)
    assert np.isnan(partial.lift_ci_low[1])
    assert partial.lift[1] == pytest.approx(_f(freq.lift))


def test_lift_interval_under_a_prior_matches_weighted_monte_carlo() -> None:
    # Flat-prior posterior of the arms, independent normals; reweighting the draws by
    # the prior density of the effect gives the posterior under that prior.
    mean_c, mean_v, se_c, se_v = 10.0, 10.8, 0.25, 0.3
    se = math.hypot(se_c, se_v)
    row = _comparison(effect=mean_v - mean_c, se=se, control_mean=mean_c, variant_mean=mean_v)
    prior = Prior(effect_mean=0.0, effect_sd=0.04)  # relative: N(0, 0.4^2) on the effect
    res = bayes_normal(row, prior=prior, control_se=se_c, alpha=0.1)
    rng = np.random.default_rng(14)
    mu_c, mu_v = rng.normal(mean_c, se_c, DRAWS), rng.normal(mean_v, se_v, DRAWS)
    weight = stats.norm.pdf(mu_v - mu_c, 0.0, 0.4)
    weight /= weight.sum()
    lift = mu_v / mu_c - 1
    ess = 1 / np.sum(weight**2)
    tol = 5 * math.sqrt(0.05 * 0.95 / ess)
    assert np.sum(weight[lift <= _f(res.lift_ci_low)]) == pytest.approx(0.05, abs=tol)
    assert np.sum(weight[lift <= _f(res.lift_ci_high)]) == pytest.approx(0.95, abs=tol)
    effect = mu_v - mu_c
    assert _f(res.effect) == pytest.approx(np.sum(weight * effect), abs=5 * 0.3 / math.sqrt(ess))
    assert _f(res.control_mean) == pytest.approx(
        np.sum(weight * mu_c), abs=5 * 0.25 / math.sqrt(ess)
    )


def test_unbounded_lift_interval_is_flagged() -> None:
    row = _comparison(effect=0.5, se=1.0, control_mean=0.5, variant_mean=1.0)
    res = bayes_normal(row, control_se=0.6)
    assert _f(res.lift_ci_low) == -math.inf
    assert _f(res.lift_ci_high) == math.inf
    assert int(res.reason) & Reason.LIFT_UNBOUNDED


def test_rows_without_variance_are_nan_without_warnings() -> None:
    from hypokit.stats._compare import compare_means

    control = MeanStats(n=[5, 1, 4], sum_y=[10, 2, 0], sum_y2=[20, 4, 0])
    variant = MeanStats(n=[5, 3, 4], sum_y=[10, 6, 4], sum_y2=[20, 14, 6])
    freq = compare_means(control, variant)
    res = bayes_normal(freq, prior=Prior(effect_sd=0.2), control_se=[0.0, 0.0, 0.0])
    assert np.isnan(res.prob_beats_control[:2]).all()
    assert np.isnan(res.expected_loss[:2]).all()
    assert np.isnan(res.effect_ci_low[:2]).all()
    assert res.reason[0] & Reason.ZERO_VARIANCE
    assert res.reason[1] & Reason.TOO_FEW_UNITS
    # The third row's control mean is 0: a relative prior cannot be scaled.
    assert np.isnan(res.effect[2])
    assert res.reason[2] & Reason.ZERO_CONTROL_MEAN
    # With a flat prior the third row has an effect, and no lift.
    flat = bayes_normal(freq)
    assert np.isfinite(flat.effect[2])
    assert np.isnan(flat.lift[2])


# ------------------------------------------------------------------------ vectorisation
def test_grid_matches_row_by_row_calls() -> None:
    n_c = np.array([[400, 400], [1000, 1000], [15_000, 15_000]])
    s_c = np.array([[40, 40], [130, 130], [1500, 1500]])
    n_v = np.array([[410, 395], [990, 1010], [15_100, 14_900]])
    s_v = np.array([[52, 35], [150, 118], [1580, 1470]])
    better = np.array([True, False])
    grid = bayes_proportions(
        ProportionStats(n_c, s_c), ProportionStats(n_v, s_v), higher_is_better=better
    )
    freq = compare_proportions(ProportionStats(n_c, s_c), ProportionStats(n_v, s_v))
    se_c = np.sqrt(s_c / n_c * (1 - s_c / n_c) / n_c)
    normal = bayes_normal(
        freq, higher_is_better=better, control_se=se_c, prior=Prior(effect_sd=0.2)
    )
    assert grid.effect.shape == normal.effect.shape == (3, 2)
    for i, j in np.ndindex(3, 2):
        one = bayes_proportions(
            ProportionStats(n_c[i, j], s_c[i, j]),
            ProportionStats(n_v[i, j], s_v[i, j]),
            higher_is_better=bool(better[j]),
        )
        one_freq = compare_proportions(
            ProportionStats(n_c[i, j], s_c[i, j]), ProportionStats(n_v[i, j], s_v[i, j])
        )
        one_normal = bayes_normal(
            one_freq,
            higher_is_better=bool(better[j]),
            control_se=se_c[i, j],
            prior=Prior(effect_sd=0.2),
        )
        for name in BayesResult.__dataclass_fields__:
            np.testing.assert_array_equal(getattr(grid, name)[i, j], getattr(one, name))
            np.testing.assert_array_equal(getattr(normal, name)[i, j], getattr(one_normal, name))


@pytest.mark.slow
def test_a_thousand_rows_at_once_equal_row_by_row() -> None:
    # Typical A/B counts: 100 to 10 million per arm, rates 0.1% to 50%, either direction.
    rng = np.random.default_rng(21)
    size = 1_000
    n_c = np.exp(rng.uniform(math.log(100), math.log(1e7), size)).astype(np.int64)
    n_v = (n_c * rng.uniform(0.8, 1.25, size)).astype(np.int64)
    rate = np.exp(rng.uniform(math.log(0.001), math.log(0.5), size))
    s_c = rng.binomial(n_c, rate)
    s_v = rng.binomial(n_v, np.minimum(rate * rng.uniform(0.9, 1.15, size), 1.0))
    better = rng.random(size) < 0.8
    res = bayes_proportions(
        ProportionStats(n_c, s_c), ProportionStats(n_v, s_v), higher_is_better=better
    )
    for i in range(size):
        one = bayes_proportions(
            ProportionStats(n_c[i], s_c[i]),
            ProportionStats(n_v[i], s_v[i]),
            higher_is_better=bool(better[i]),
        )
        for name in BayesResult.__dataclass_fields__:
            np.testing.assert_array_equal(getattr(res, name)[i], getattr(one, name), name)


def test_results_are_read_only() -> None:
    res = bayes_proportions(ProportionStats(10, 3), ProportionStats(10, 5))
    with pytest.raises(ValueError, match="read-only"):
        res.effect[...] = 0.0
    res = bayes_normal(_comparison(effect=1.0, se=1.0, control_mean=2.0, variant_mean=3.0))
    with pytest.raises(ValueError, match="read-only"):
        res.prob_beats_control[...] = 0.0


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"a": 0}, r"^a == 0, must be greater than 0\.$"),
        ({"b": -1.5}, r"^b == -1\.5, must be greater than 0\.$"),
        ({"effect_sd": 0.0}, r"^effect_sd == 0\.0, must be greater than 0\.$"),
        ({"effect_mean": math.inf}, r"^effect_mean == inf, must be a finite number\.$"),
        ({"effect_scale": "log"}, r"^effect_scale == 'log', must be one of"),
    ],
)
def test_prior_validation_names_the_parameter(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Prior(**kwargs)


def test_option_validation() -> None:
    c, v = ProportionStats(10, 3), ProportionStats(10, 5)
    with pytest.raises(ValidationError, match=r"^alpha == 1\.5, must be in \(0, 1\)\.$"):
        bayes_proportions(c, v, alpha=1.5)
    with pytest.raises(ValidationError, match=r"^higher_is_better == 'yes'"):
        bayes_proportions(c, v, higher_is_better="yes")
    with pytest.raises(ValidationError, match=r"^prior == "):
        bayes_proportions(c, v, prior=0.5)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="must be ProportionStats"):
        bayes_proportions(c, MeanStats(10, 3, 5))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="higher_is_better has shape"):
        bayes_proportions(
            ProportionStats([10, 10], [3, 4]), v, higher_is_better=np.array([True, False, True])
        )
    row = _comparison(effect=1.0, se=1.0, control_mean=2.0, variant_mean=3.0)
    with pytest.raises(ValidationError, match="must be a Comparison"):
        bayes_normal(c)  # type: ignore[arg-type]
    with pytest.raises(DataError, match="control_se exceeds"):
        bayes_normal(row, control_se=1.5)
    with pytest.raises(ValidationError, match="control_se has negative"):
        bayes_normal(row, control_se=-0.1)
