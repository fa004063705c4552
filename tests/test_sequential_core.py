"""Tests of the always-valid inference core, hypokit/stats/_sequential.py.

The independent reference is the mixture martingale itself, evaluated by quadrature over
the mixing distribution of the mean effect (``scipy.integrate.quad``), as Johari et al.
(2022) define it: the likelihood ratio of the estimate under an effect ``theta`` against
no effect, averaged over ``theta ~ N(0, tau^2)`` with ``tau^2 = sigma^2 rho^2`` (two-sided)
or over the half-normal on ``theta >= 0`` (one-sided). Radii are recovered from it by
root finding (``scipy.optimize.brentq``), never from the closed forms under test.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, optimize
from scipy import stats as sps

from hypokit._errors import DataError, ValidationError
from hypokit.stats._sequential import (
    DEFAULT_N_TUNE,
    SequentialResult,
    always_valid_p_value,
    confidence_sequence,
    mixing_rho2,
    peeking_simulation,
    running,
)

SETTINGS = settings(derandomize=True, deadline=None, max_examples=40)


# ------------------------------------------------------------------ independent Lambda
def _lambda_quad(
    effect: float, se: float, n: float, *, alpha: float, n_tune: float, one_sided: bool = False
) -> float:
    """Mixture likelihood ratio of the estimate, integrated numerically over theta."""
    var = se**2
    sigma2 = var * n  # per-unit variance of the comparison
    rho2 = (-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / n_tune
    tau = math.sqrt(sigma2 * rho2)  # sd of the mixing distribution of theta

    def integrand(theta: float) -> float:
        log_lr = (effect * theta - theta**2 / 2) / var  # log N(effect; theta, V)/N(effect; 0, V)
        weight = sps.norm.pdf(theta, scale=tau) * (2.0 if one_sided else 1.0)
        return math.exp(log_lr) * weight

    peak = effect * tau**2 / (tau**2 + var)  # where the integrand is largest
    spread = math.sqrt(var * tau**2 / (var + tau**2))
    lo = 0.0 if one_sided else peak - 40 * spread
    hi = max(peak, 0.0) + 40 * spread
    points = [p for p in (peak,) if lo < p < hi]
    value, _ = integrate.quad(
        integrand, lo, hi, points=points or None, epsabs=0, epsrel=1e-11, limit=200
    )
    return value


def _radius_quad(
    se: float, n: float, *, alpha: float, n_tune: float, one_sided: bool = False
) -> float:
    """The effect at which the quadrature Lambda reaches 1/alpha."""

    def excess(effect: float) -> float:
        lam = _lambda_quad(effect, se, n, alpha=alpha, n_tune=n_tune, one_sided=one_sided)
        return math.log(lam) + math.log(alpha)

    return optimize.brentq(excess, 0.0, 20 * se, xtol=1e-14, rtol=1e-13)


CASES = [
    # se, n, alpha, n_tune
    (0.005, 20_000, 0.05, 20_000),
    (0.01, 1_000, 0.05, 5_000),
    (2.0, 50, 0.10, 10_000),
    (0.003, 200_000, 0.01, 50_000),
    (1.5, 3, 0.20, 100),
]


@pytest.mark.parametrize(("se", "n", "alpha", "n_tune"), CASES)
def test_two_sided_radius_matches_quadrature_of_the_mixture(se, n, alpha, n_tune):
    res = confidence_sequence(0.0, se, n, alpha=alpha, n_tune=n_tune)
    expected = _radius_quad(se, n, alpha=alpha, n_tune=n_tune)
    assert float(res.radius) == pytest.approx(expected, rel=1e-8)
    assert float(res.ci_low) == pytest.approx(-expected, rel=1e-8)
    assert float(res.ci_high) == pytest.approx(expected, rel=1e-8)


@pytest.mark.parametrize(("se", "n", "alpha", "n_tune"), CASES)
def test_one_sided_radius_matches_quadrature_of_the_half_normal_mixture(se, n, alpha, n_tune):
    expected = _radius_quad(se, n, alpha=alpha, n_tune=n_tune, one_sided=True)
    greater = confidence_sequence(1.0, se, n, alpha=alpha, n_tune=n_tune, alternative="greater")
    less = confidence_sequence(1.0, se, n, alpha=alpha, n_tune=n_tune, alternative="less")
    assert float(greater.radius) == pytest.approx(expected, rel=1e-8)
    assert float(greater.ci_low) == pytest.approx(1.0 - expected, rel=1e-8)
    assert float(greater.ci_high) == math.inf
    assert float(less.ci_low) == -math.inf
    assert float(less.ci_high) == pytest.approx(1.0 + expected, rel=1e-8)


@pytest.mark.parametrize("z", [0.0, 0.5, 1.5, 2.5, 3.5, -2.0])
@pytest.mark.parametrize(("se", "n", "alpha", "n_tune"), CASES[:3])
def test_p_value_is_one_over_the_quadrature_lambda(z, se, n, alpha, n_tune):
    effect = z * se
    for alternative, one_sided in (("two-sided", False), ("greater", True)):
        lam = _lambda_quad(effect, se, n, alpha=alpha, n_tune=n_tune, one_sided=one_sided)
        p = always_valid_p_value(effect, se, n, alpha=alpha, n_tune=n_tune, alternative=alternative)
        assert float(p) == pytest.approx(min(1.0, 1.0 / lam), rel=1e-8)
    # "less" is the mirror image of "greater"
    p_less = always_valid_p_value(-effect, se, n, alpha=alpha, n_tune=n_tune, alternative="less")
    p_greater = always_valid_p_value(
        effect, se, n, alpha=alpha, n_tune=n_tune, alternative="greater"
    )
    assert float(p_less) == pytest.approx(float(p_greater), rel=1e-12)


def test_gbstats_parametrisation():
    # gbstats (GrowthBook): rho = sqrt((-2 log a + log(-2 log a + 1)) / N) and the half-width
    # sqrt(s2) sqrt(2 (n rho^2 + 1) log(sqrt(n rho^2 + 1) / a) / (n rho)^2) with the
    # per-unit variance s2 = se^2 * n (n: units in both arms), written out here.
    alpha, n_tune, se, n = 0.05, 5000, 0.004, 12_345
    rho = math.sqrt((-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / n_tune)
    s2 = se**2 * n
    half = math.sqrt(s2) * math.sqrt(
        2 * (n * rho**2 + 1) * math.log(math.sqrt(n * rho**2 + 1) / alpha) / (n * rho) ** 2
    )
    assert mixing_rho2(alpha, n_tune) == pytest.approx(rho**2, rel=1e-14)
    assert float(confidence_sequence(0.1, se, n).radius) == pytest.approx(half, rel=1e-12)
    assert DEFAULT_N_TUNE == 5000


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.2])
def test_p_value_and_confidence_sequence_are_dual(alternative, alpha):
    rng = np.random.default_rng(7)
    effect = rng.normal(0, 0.02, size=2000)
    se = rng.uniform(0.002, 0.01, size=2000)
    n = rng.integers(10, 100_000, size=2000).astype(float)
    res = confidence_sequence(effect, se, n, alpha=alpha, alternative=alternative, n_tune=8000)
    p = always_valid_p_value(effect, se, n, alpha=alpha, alternative=alternative, n_tune=8000)
    np.testing.assert_array_equal(res.p_value, p)
    excludes = (res.ci_low > 0) | (res.ci_high < 0)
    assert excludes.any()
    assert not excludes.all()
    np.testing.assert_array_equal(p <= alpha, excludes)
    # at the boundary the p-value is exactly alpha
    sign = -1.0 if alternative == "less" else 1.0
    p_edge = always_valid_p_value(
        sign * res.radius, se, n, alpha=alpha, alternative=alternative, n_tune=8000
    )
    np.testing.assert_allclose(p_edge, alpha, rtol=1e-9)


def test_rho_is_tuned_to_n_tune():
    # With sigma fixed, the radius at n is (nearly) smallest when n_tune == n.
    n = 20_000.0
    se = 1.0 / math.sqrt(n)
    tunes = np.geomspace(n / 20, n * 20, 401)
    radii = np.array([float(confidence_sequence(0, se, n, n_tune=t).radius) for t in tunes])
    best = tunes[np.argmin(radii)]
    assert 0.8 * n < best < 1.25 * n
    assert float(confidence_sequence(0, se, n, n_tune=n).radius) <= radii.min() * 1.001


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_radius_shrinks_as_n_grows_and_exceeds_the_fixed_interval(alternative):
    sigma = 3.0
    n = np.unique(np.geomspace(2, 1e7, 300).round())
    se = sigma / np.sqrt(n)
    for alpha in (0.01, 0.05, 0.2):
        res = confidence_sequence(0.0, se, n, alpha=alpha, alternative=alternative, n_tune=5000)
        assert np.all(np.diff(res.radius) < 0)
        z = sps.norm.ppf(1 - alpha / 2 if alternative == "two-sided" else 1 - alpha)
        assert np.all(res.radius > z * se)


def test_one_sided_is_narrower_than_two_sided():
    n = np.geomspace(10, 1e6, 50)
    two = confidence_sequence(0.0, 1 / np.sqrt(n), n).radius
    one = confidence_sequence(0.0, 1 / np.sqrt(n), n, alternative="greater").radius
    assert np.all(one < two)


@SETTINGS
@given(
    z=st.floats(0, 8),
    dz=st.floats(0.01, 3),
    n=st.floats(2, 1e7),
    alternative=st.sampled_from(["two-sided", "greater"]),
)
def test_p_value_never_grows_with_stronger_evidence(z, dz, n, alternative):
    p1, p2 = always_valid_p_value([z, z + dz], 1.0, n, alternative=alternative)
    assert p2 <= p1
    assert 0 < p2 <= 1


def test_vectorised_rows_equal_one_at_a_time():
    effect = np.array([[0.01, -0.02, 0.0], [0.05, 0.003, -0.04]])
    se = np.array([0.004, 0.01, 0.02])
    n = np.array([[1000.0], [30_000.0]])
    for alternative in ("two-sided", "greater", "less"):
        res = confidence_sequence(effect, se, n, alternative=alternative)
        assert res.ci_low.shape == (2, 3)
        for i in range(2):
            for j in range(3):
                one = confidence_sequence(effect[i, j], se[j], n[i, 0], alternative=alternative)
                assert float(one.ci_low) == res.ci_low[i, j]
                assert float(one.ci_high) == res.ci_high[i, j]
                assert float(one.p_value) == res.p_value[i, j]


def test_result_is_frozen_and_read_only():
    res = confidence_sequence([0.01, 0.02], 0.005, 10_000)
    assert isinstance(res, SequentialResult)
    with pytest.raises(ValueError, match="read-only"):
        res.ci_low[0] = 0.0
    with pytest.raises(AttributeError):
        res.radius = np.zeros(2)  # type: ignore[misc]


def test_nan_in_nan_out_without_warnings():
    # filterwarnings = error: any RuntimeWarning would fail this test
    effect = [np.nan, 0.01, 0.01, 0.01, 0.01, np.inf, 0.01, 0.01, 0.01]
    se = [0.01, np.nan, 0.0, -0.01, 0.01, 0.01, 0.01, np.inf, 0.01]
    n = [100, 100, 100, 100, 1, 100, np.nan, 100, 2]
    for alternative in ("two-sided", "greater", "less"):
        res = confidence_sequence(effect, se, n, alternative=alternative)
        for field in (res.ci_low, res.ci_high, res.p_value, res.radius):
            assert np.isnan(field[:-1]).all()
            assert np.isfinite(field[-1]) or np.isinf(field[-1])
        assert np.isfinite(res.p_value[-1])


def test_scalar_inputs_give_zero_dimensional_arrays():
    res = confidence_sequence(0.01, 0.005, 1000)
    assert res.ci_low.shape == ()
    assert always_valid_p_value(0.01, 0.005, 1000).shape == ()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"alpha": 1.5}, "alpha == 1.5, must be in (0, 1)."),
        ({"alpha": 0}, "alpha == 0, must be in (0, 1)."),
        ({"alternative": "two.sided"}, "alternative == 'two.sided', must be one of"),
        ({"n_tune": -5}, "n_tune == -5, must be greater than 0."),
        ({"n_tune": "many"}, "n_tune == 'many', must be a number."),
    ],
)
def test_bad_options_are_named(kwargs, message):
    with pytest.raises(ValidationError, match=re.escape(message)):
        confidence_sequence(0.01, 0.005, 1000, **kwargs)
    with pytest.raises(ValidationError, match=re.escape(message)):
        always_valid_p_value(0.01, 0.005, 1000, **kwargs)


def test_bad_data_raise_data_error():
    with pytest.raises(DataError, match=re.escape("effect == 'a', must be numbers.")):
        confidence_sequence("a", 0.005, 1000)
    with pytest.raises(DataError, match=r"have shapes \(2,\), \(3,\), \(\), which do not"):
        confidence_sequence([0.1, 0.2], [1.0, 2.0, 3.0], 1000)


def test_running_intersection_and_minimum():
    # looks on axis 0, two rows; NaN looks are skipped
    low = np.array([[np.nan, -1.0], [-0.5, -2.0], [-0.7, -0.2], [np.nan, 0.1]])
    high = np.array([[np.nan, 1.0], [1.2, 0.5], [0.8, 0.9], [np.nan, 0.4]])
    p = np.array([[np.nan, 0.9], [0.6, 0.7], [0.7, 0.8], [np.nan, 0.04]])
    r_low, r_high, r_p = running(low, high, p)
    np.testing.assert_array_equal(r_low[:, 0], [np.nan, -0.5, -0.5, -0.5])
    np.testing.assert_array_equal(r_high[:, 0], [np.nan, 1.2, 0.8, 0.8])
    np.testing.assert_array_equal(r_p[:, 0], [np.nan, 0.6, 0.6, 0.6])
    np.testing.assert_array_equal(r_low[:, 1], [-1.0, -1.0, -0.2, 0.1])
    np.testing.assert_array_equal(r_high[:, 1], [1.0, 0.5, 0.5, 0.4])
    np.testing.assert_array_equal(r_p[:, 1], [0.9, 0.7, 0.7, 0.04])


def test_running_on_a_sequence_of_results():
    n = np.arange(1, 11) * 1000.0
    effect = 0.02 + 0.2 / np.sqrt(n)
    res = confidence_sequence(effect, 1 / np.sqrt(n), n, alternative="greater")
    low, high, p = running(res.ci_low, res.ci_high, res.p_value)
    assert np.all(np.diff(low) >= 0)
    assert np.all(np.isinf(high))
    assert np.all(np.diff(p) <= 0)
    assert np.all(low >= res.ci_low)


def test_running_errors():
    with pytest.raises(DataError, match="ci_low is a single number"):
        running(0.1, 0.2, 0.3)
    with pytest.raises(DataError, match="they must match"):
        running([0.1, 0.2], [0.3], [0.5, 0.4])
    with pytest.raises(DataError, match=re.escape("p_value == 'x', must be numbers.")):
        running([0.1], [0.2], "x")


def test_peeking_simulation_is_seeded_and_named():
    a = peeking_simulation(reps=300, days=7, seed=3)
    b = peeking_simulation(reps=300, days=7, seed=3)
    assert a == b
    assert set(a) == {
        "reps",
        "days",
        "naive",
        "final_look_only",
        "naive_exact",
        "confidence_sequence",
        "obrien_fleming",
    }
    assert a["naive"] >= a["final_look_only"]
    with pytest.raises(ValidationError, match=re.escape("reps == 0, must be at least 1.")):
        peeking_simulation(reps=0)


def test_n_tune_per_row_equals_row_by_row() -> None:
    effect, se, n = np.array([0.01, 0.02, -0.03]), np.array([0.005, 0.01, 0.02]), 20_000.0
    tune = np.array([5_000.0, 20_000.0, 80_000.0])
    for alternative in ("two-sided", "greater", "less"):
        together = confidence_sequence(effect, se, n, n_tune=tune, alternative=alternative)
        for i in range(3):
            alone = confidence_sequence(
                effect[i], se[i], n, n_tune=float(tune[i]), alternative=alternative
            )
            # Newton's iterations for one-sided radii stop when every row has converged.
            assert together.ci_low[i] == pytest.approx(float(alone.ci_low), rel=1e-12)
            assert together.ci_high[i] == pytest.approx(float(alone.ci_high), rel=1e-12)
            assert together.p_value[i] == pytest.approx(float(alone.p_value), rel=1e-12)
        p = always_valid_p_value(effect, se, n, n_tune=tune, alternative=alternative)
        np.testing.assert_array_equal(p, together.p_value)
    with pytest.raises(ValidationError, match="does not broadcast"):
        confidence_sequence(effect, se, n, n_tune=[1000.0, 2000.0])
    with pytest.raises(ValidationError, match="must be positive numbers"):
        confidence_sequence(effect, se, n, n_tune=[1000.0, 0.0, 5.0])
