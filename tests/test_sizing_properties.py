"""Property tests of hk.size: monotonicity in the design's inputs (hypothesis)."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

import hypokit as hk

SETTINGS = settings(deadline=None, max_examples=60, derandomize=True)

baselines = st.floats(min_value=0.02, max_value=0.6)
lifts = st.floats(min_value=0.02, max_value=0.5)  # relative to the baseline
sds = st.floats(min_value=0.1, max_value=10.0)
effect_sizes = st.floats(min_value=0.02, max_value=1.5)  # |mde| / sd
powers = st.floats(min_value=0.55, max_value=0.99)
alphas = st.floats(min_value=0.001, max_value=0.2)
ratios = st.sampled_from([0.5, 1.0, 2.0])
methods = st.sampled_from(["pooled", "unpooled", "arcsine"])
directions = st.sampled_from([1.0, -1.0])


def _n_prop(baseline: float, mde: float, **kwargs: object) -> int:
    return hk.size(hk.Proportion(baseline=baseline), mde=mde, **kwargs).n_per_arm


def _n_mean(sd: float, mde: float, **kwargs: object) -> int:
    return hk.size(hk.Mean(sd=sd), mde=mde, **kwargs).n_per_arm


def _one_sided(direction: float) -> str:
    return "greater" if direction > 0 else "less"


# ------------------------------------------------------------------------- |mde|
@SETTINGS
@given(baselines, lifts, lifts, directions, methods, ratios, st.booleans())
def test_n_never_grows_as_abs_mde_grows_proportions(
    p: float, a: float, b: float, direction: float, method: str, ratio: float, one_sided: bool
) -> None:
    small, large = sorted((a, b))
    alternative = _one_sided(direction) if one_sided else "two-sided"
    kwargs = {"method": method, "ratio": ratio, "alternative": alternative}
    n_small = _n_prop(p, direction * small * p, **kwargs)
    n_large = _n_prop(p, direction * large * p, **kwargs)
    assert n_large <= n_small


@SETTINGS
@given(sds, effect_sizes, effect_sizes, directions, ratios, st.booleans())
def test_n_never_grows_as_abs_mde_grows_means(
    sd: float, a: float, b: float, direction: float, ratio: float, one_sided: bool
) -> None:
    small, large = sorted((a, b))
    alternative = _one_sided(direction) if one_sided else "two-sided"
    kwargs = {"ratio": ratio, "alternative": alternative}
    assert _n_mean(sd, direction * large * sd, **kwargs) <= _n_mean(
        sd, direction * small * sd, **kwargs
    )


# ---------------------------------------------------------------- power and alpha
@SETTINGS
@given(baselines, lifts, powers, powers, methods)
def test_n_never_shrinks_as_power_grows_proportions(
    p: float, lift: float, a: float, b: float, method: str
) -> None:
    low, high = sorted((a, b))
    kwargs = {"method": method}
    assert _n_prop(p, lift * p, power=high, **kwargs) >= _n_prop(p, lift * p, power=low, **kwargs)


@SETTINGS
@given(sds, effect_sizes, powers, powers, st.sampled_from(["two-sided", "greater"]))
def test_n_never_shrinks_as_power_grows_means(
    sd: float, d: float, a: float, b: float, alternative: str
) -> None:
    low, high = sorted((a, b))
    n_low = _n_mean(sd, d * sd, power=low, alternative=alternative)
    n_high = _n_mean(sd, d * sd, power=high, alternative=alternative)
    assert n_high >= n_low


@SETTINGS
@given(baselines, lifts, alphas, alphas, methods)
def test_n_never_shrinks_as_alpha_shrinks_proportions(
    p: float, lift: float, a: float, b: float, method: str
) -> None:
    small, large = sorted((a, b))
    n_strict = _n_prop(p, lift * p, alpha=small, power=0.9, method=method)
    n_loose = _n_prop(p, lift * p, alpha=large, power=0.9, method=method)
    assert n_strict >= n_loose


@SETTINGS
@given(sds, effect_sizes, alphas, alphas, st.sampled_from(["two-sided", "less"]))
def test_n_never_shrinks_as_alpha_shrinks_means(
    sd: float, d: float, a: float, b: float, alternative: str
) -> None:
    small, large = sorted((a, b))
    sign = -1.0 if alternative == "less" else 1.0
    n_strict = _n_mean(sd, sign * d * sd, alpha=small, power=0.9, alternative=alternative)
    n_loose = _n_mean(sd, sign * d * sd, alpha=large, power=0.9, alternative=alternative)
    assert n_strict >= n_loose


# -------------------------------------------------------------------- corrections
@SETTINGS
@given(
    baselines,
    lifts,
    st.integers(min_value=1, max_value=4),
    st.integers(min_value=2, max_value=4),
    st.sampled_from(["bonferroni", "holm"]),
    st.booleans(),
)
def test_correction_never_gives_smaller_n(
    p: float, lift: float, n_segments: int, arms: int, correction: str, use_mean: bool
) -> None:
    traffic = {f"s{i}": 100.0 * (i + 1) for i in range(n_segments)}
    if use_mean:
        metric: hk.Mean | hk.Proportion = hk.Mean(sd=p)
        mde = lift * p
    else:
        metric = hk.Proportion(baseline=p)
        mde = lift * p
    free = hk.size(metric, mde=mde, arms=arms, traffic=traffic)
    corrected = hk.size(metric, mde=mde, arms=arms, traffic=traffic, correction=correction)
    for seg in traffic:
        assert corrected[seg].n_per_arm >= free[seg].n_per_arm
        assert corrected[seg].n_total >= free[seg].n_total
        assert corrected[seg].alpha == free[seg].alpha / ((arms - 1) * n_segments)


# -------------------------------------------------------------------------- CUPED
@SETTINGS
@given(
    sds,
    effect_sizes,
    st.floats(min_value=-0.99, max_value=0.99),
    st.sampled_from(["two-sided", "greater"]),
)
def test_cuped_never_increases_n(sd: float, d: float, rho: float, alternative: str) -> None:
    plain = _n_mean(sd, d * sd, alternative=alternative)
    cuped = hk.size(hk.Mean(sd=sd, correlation=rho), mde=d * sd, alternative=alternative).n_per_arm
    assert cuped <= plain


# ------------------------------------------------------------------- sidedness
@SETTINGS
@given(baselines, lifts, directions, methods, powers, alphas)
def test_two_sided_n_at_least_one_sided_n_proportions(
    p: float, lift: float, direction: float, method: str, power: float, alpha: float
) -> None:
    mde = direction * lift * p
    kwargs = {"method": method, "power": power, "alpha": alpha}
    two = _n_prop(p, mde, alternative="two-sided", **kwargs)
    one = _n_prop(p, mde, alternative=_one_sided(direction), **kwargs)
    assert two >= one


@SETTINGS
@given(sds, effect_sizes, directions, powers, alphas, ratios)
def test_two_sided_n_at_least_one_sided_n_means(
    sd: float, d: float, direction: float, power: float, alpha: float, ratio: float
) -> None:
    mde = direction * d * sd
    kwargs = {"power": power, "alpha": alpha, "ratio": ratio}
    two = _n_mean(sd, mde, alternative="two-sided", **kwargs)
    one = _n_mean(sd, mde, alternative=_one_sided(direction), **kwargs)
    assert two >= one
    assert math.isfinite(two)


# ------------------------------------------------------------------ target reached
@SETTINGS
@given(sds, st.floats(min_value=0.05, max_value=3.0), powers, ratios)
def test_sized_n_reaches_the_target_power_means(
    sd: float, d: float, power: float, ratio: float
) -> None:
    n = _n_mean(sd, d * sd, power=power, ratio=ratio)
    assert hk.power(hk.Mean(sd=sd), mde=d * sd, n_per_arm=n, ratio=ratio) >= power


@SETTINGS
@given(baselines, lifts, directions, methods, powers)
def test_sized_n_reaches_the_target_power_proportions(
    p: float, lift: float, direction: float, method: str, power: float
) -> None:
    metric = hk.Proportion(baseline=p)
    n = _n_prop(p, direction * lift * p, power=power, method=method)
    assert hk.power(metric, mde=direction * lift * p, n_per_arm=n, method=method) >= power
