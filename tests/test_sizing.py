"""Tests of the public sizing API: hk.size, hk.mde, hk.power, SizingPlan, hk.baselines.

Reference values sit beside the call that produced them: R values come from
tests/data/r_power_reference.csv (the R call is the test id), statsmodels values are
computed in the test with explicit arguments, and data-derived inputs are computed
with numpy/pandas in the test.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from statsmodels.stats.power import NormalIndPower, TTestIndPower
from statsmodels.stats.proportion import proportion_effectsize

import hypokit as hk
from hypokit import stats

R_CSV = Path(__file__).parent / "data" / "r_power_reference.csv"

with R_CSV.open(newline="", encoding="utf-8") as _fh:
    R_ROWS = list(csv.DictReader(_fh))


def _num(row: dict[str, str], key: str, default: float | None = None) -> float | None:
    cell = row[key]
    return float(cell) if cell else default


def _alternative(row: dict[str, str]) -> str:
    """R's "one.sided" tests in the direction of the effect (p2 > p1, delta > 0)."""
    if row["alternative"] == "two.sided":
        return "two-sided"
    p1, p2 = _num(row, "p1"), _num(row, "p2")
    if p1 is not None and p2 is not None and p2 < p1:
        return "less"
    delta = _num(row, "delta")
    if delta is not None and delta < 0:
        return "less"
    return "greater"


def _rows(solve_for: tuple[str, ...]) -> list[Any]:
    return [pytest.param(r, id=r["r_call"]) for r in R_ROWS if r["solve_for"] in solve_for]


def _metric_and_mde(row: dict[str, str]) -> tuple[hk.Mean | hk.Proportion, float | None]:
    """power.t.test -> hk.Mean(sd=sd), mde=delta; power.prop.test -> hk.Proportion, p2 - p1."""
    if row["function"] == "power.t.test":
        return hk.Mean(sd=_num(row, "sd", 1.0)), _num(row, "delta")
    p1, p2 = _num(row, "p1"), _num(row, "p2")
    return hk.Proportion(baseline=p1), None if p2 is None else p2 - p1


# ======================================================================= R cross-checks
def test_r_reference_has_88_rows() -> None:
    assert len(R_ROWS) == 88
    assert len(_rows(("n",))) + len(_rows(("power",))) + len(_rows(("delta", "p2"))) == 88


@pytest.mark.parametrize("row", _rows(("n",)))
def test_size_matches_r_n(row: dict[str, str]) -> None:
    r_n = float(row["result"])
    alpha = _num(row, "sig_level", 0.05)
    target = _num(row, "power")
    alternative = _alternative(row)
    metric, mde = _metric_and_mde(row)
    # The unrounded n of the core, within R's uniroot tolerance (~1.2e-4 absolute on n).
    if row["function"] == "power.t.test":
        n_exact = stats.t_n(mde, _num(row, "sd", 1.0), target, alpha=alpha, alternative=alternative)
    else:
        p1 = _num(row, "p1")
        n_exact = stats.proportion_n(
            p1, p1 + mde, target, alpha=alpha, alternative=alternative, method="pooled"
        )
    assert n_exact == pytest.approx(r_n, rel=1e-3)
    plan = hk.size(metric, mde=mde, alpha=alpha, power=target, alternative=alternative)
    if abs(r_n - round(r_n)) < 1e-3:
        pytest.skip(f"R's n = {r_n} is within 1e-3 of an integer; its ceiling is ambiguous")
    assert plan.n_per_arm == math.ceil(r_n)


@pytest.mark.parametrize("row", _rows(("power",)))
def test_power_matches_r(row: dict[str, str]) -> None:
    metric, mde = _metric_and_mde(row)
    got = hk.power(
        metric,
        mde=mde,
        n_per_arm=_num(row, "n"),
        alpha=_num(row, "sig_level", 0.05),
        alternative=_alternative(row),
    )
    assert got == pytest.approx(float(row["result"]), rel=1e-6)


@pytest.mark.parametrize("row", _rows(("delta", "p2")))
def test_mde_matches_r(row: dict[str, str]) -> None:
    metric, _ = _metric_and_mde(row)
    got = hk.mde(
        metric,
        n_per_arm=_num(row, "n"),
        alpha=_num(row, "sig_level", 0.05),
        power=_num(row, "power"),
        alternative=_alternative(row),
    )
    if row["solve_for"] == "p2":
        got += _num(row, "p1")
    assert got == pytest.approx(float(row["result"]), rel=1e-3)


def test_docstring_examples() -> None:
    # power.prop.test(p1 = .10, p2 = .12, power = .8)  => n = 3840.9
    assert hk.size(hk.Proportion(baseline=0.10), mde=0.02).n_per_arm == 3841
    # power.t.test(n = 20, delta = 1)  => power = 0.8689528
    assert hk.power(hk.Mean(sd=1), mde=1, n_per_arm=20) == pytest.approx(0.8689528017, rel=1e-9)


# ================================================================ statsmodels cross-checks
def _ceil_of(x: float) -> int:
    # Guard: the reference must not sit on an integer, or its ceiling is ambiguous.
    assert abs(x - round(x)) > 1e-6
    return math.ceil(x)


@pytest.mark.parametrize("ratio", [0.5, 2.0, 3.0])
@pytest.mark.parametrize(
    ("alternative", "sm_alternative", "mde"),
    [("greater", "larger", 0.5), ("less", "smaller", -0.5), ("two-sided", "two-sided", 0.5)],
)
def test_size_means_with_ratio_matches_statsmodels(
    ratio: float, alternative: str, sm_alternative: str, mde: float
) -> None:
    # Cohen's d = mde / sd = 0.25.
    expected = TTestIndPower().solve_power(
        effect_size=mde / 2.0,
        nobs1=None,
        alpha=0.05,
        power=0.8,
        ratio=ratio,
        alternative=sm_alternative,
    )
    # statsmodels counts both tails of a two-sided test: strict=True.
    plan = hk.size(
        hk.Mean(sd=2.0),
        mde=mde,
        alpha=0.05,
        power=0.8,
        ratio=ratio,
        alternative=alternative,
        strict=alternative == "two-sided",
    )
    assert plan.n_per_arm == _ceil_of(expected)
    assert plan.rows[0].n_variant == math.ceil(ratio * plan.n_per_arm)


@pytest.mark.parametrize("ratio", [0.5, 1.0, 2.0, 3.0])
@pytest.mark.parametrize(
    ("alternative", "sm_alternative", "p2"),
    [("greater", "larger", 0.06), ("less", "smaller", 0.04), ("two-sided", "two-sided", 0.06)],
)
def test_size_arcsine_matches_statsmodels_cohens_h(
    ratio: float, alternative: str, sm_alternative: str, p2: float
) -> None:
    h = proportion_effectsize(p2, 0.05)  # 2 asin(sqrt(p2)) - 2 asin(sqrt(.05))
    expected = NormalIndPower().solve_power(
        effect_size=h, nobs1=None, alpha=0.05, power=0.8, ratio=ratio, alternative=sm_alternative
    )
    plan = hk.size(
        hk.Proportion(baseline=0.05),
        mde=p2 - 0.05,
        alpha=0.05,
        power=0.8,
        ratio=ratio,
        alternative=alternative,
        method="arcsine",
        strict=True,
    )
    assert plan.n_per_arm == _ceil_of(expected)
    expected_power = NormalIndPower().power(
        effect_size=h, nobs1=3000, alpha=0.05, ratio=ratio, alternative=sm_alternative
    )
    got_power = hk.power(
        hk.Proportion(baseline=0.05),
        mde=p2 - 0.05,
        n_per_arm=3000,
        alpha=0.05,
        ratio=ratio,
        alternative=alternative,
        method="arcsine",
        strict=True,
    )
    assert got_power == pytest.approx(expected_power, rel=1e-9)


@pytest.mark.parametrize("ratio", [0.5, 2.0])
def test_power_means_with_ratio_matches_statsmodels(ratio: float) -> None:
    expected = TTestIndPower().power(
        effect_size=0.3 / 1.5, nobs1=150, alpha=0.01, ratio=ratio, alternative="larger"
    )
    got = hk.power(
        hk.Mean(sd=1.5), mde=0.3, n_per_arm=150, alpha=0.01, ratio=ratio, alternative="greater"
    )
    assert got == pytest.approx(expected, rel=1e-9)


# ====================================================================== CUPED and Ratio
@pytest.mark.parametrize("rho", [-0.6, 0.3, 0.9])
def test_cuped_sizes_like_the_reduced_sd(rho: float) -> None:
    s = 3.0
    cuped = hk.Mean(mean=10.0, sd=s, correlation=rho)
    reduced = hk.Mean(mean=10.0, sd=s * math.sqrt(1 - rho**2))
    a = hk.size(cuped, mde=0.2, alternative="greater")
    b = hk.size(reduced, mde=0.2, alternative="greater")
    assert a.n_per_arm == b.n_per_arm
    assert a.rows[0].sd == pytest.approx(s * math.sqrt(1 - rho**2), rel=1e-12)
    assert a.rows[0].variance_reduction == pytest.approx(rho**2, rel=1e-12)
    assert hk.power(cuped, mde=0.2, n_per_arm=500) == pytest.approx(
        hk.power(reduced, mde=0.2, n_per_arm=500), rel=1e-12
    )
    assert hk.mde(cuped, n_per_arm=500) == pytest.approx(hk.mde(reduced, n_per_arm=500), rel=1e-9)


def test_cuped_from_data_uses_the_sample_correlation() -> None:
    rng = np.random.default_rng(20240601)
    pre = rng.gamma(2.0, 5.0, size=4000)
    post = 0.8 * pre + rng.normal(0.0, 4.0, size=4000)
    df = pd.DataFrame({"revenue": post, "pre_revenue": pre})
    rho = np.corrcoef(post, pre)[0, 1]
    sd = np.std(post, ddof=1)
    from_data = hk.size(hk.Mean("revenue", covariate="pre_revenue"), mde=0.5, data=df)
    explicit = hk.size(hk.Mean(mean=post.mean(), sd=sd, correlation=rho), mde=0.5)
    assert from_data.n_per_arm == explicit.n_per_arm
    assert from_data.rows[0].sd == pytest.approx(sd * math.sqrt(1 - rho**2), rel=1e-10)
    assert from_data.rows[0].variance_reduction == pytest.approx(rho**2, rel=1e-10)


def _ratio_frame(seed: int = 7, n: int = 5000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sessions = rng.poisson(3.0, size=n) + 1.0
    revenue = sessions * rng.gamma(2.0, 1.5, size=n) + rng.normal(0.0, 1.0, size=n)
    return pd.DataFrame({"revenue": revenue, "sessions": sessions})


def _ratio_moments(df: pd.DataFrame) -> dict[str, float]:
    y = df["revenue"].to_numpy()
    x = df["sessions"].to_numpy()
    return {
        "numerator_mean": float(np.mean(y)),
        "numerator_sd": float(np.std(y, ddof=1)),
        "denominator_mean": float(np.mean(x)),
        "denominator_sd": float(np.std(x, ddof=1)),
        "covariance": float(np.cov(y, x, ddof=1)[0, 1]),
    }


def test_ratio_delta_method_sd_is_sd_of_linearised_values() -> None:
    df = _ratio_frame()
    y = df["revenue"].to_numpy()
    x = df["sessions"].to_numpy()
    r = y.mean() / x.mean()
    linearised = (y - r * x) / x.mean()
    expected_sd = np.std(linearised, ddof=1)
    plan = hk.size(hk.Ratio(**_ratio_moments(df)), mde=0.05)
    assert plan.rows[0].sd == pytest.approx(expected_sd, rel=1e-10)
    assert plan.rows[0].baseline == pytest.approx(r, rel=1e-12)
    # The ratio sizes like a mean with the linearised sd.
    as_mean = hk.size(hk.Mean(sd=expected_sd), mde=0.05)
    assert plan.n_per_arm == as_mean.n_per_arm


def test_ratio_from_data_equals_ratio_from_numpy_moments() -> None:
    df = _ratio_frame(seed=11)
    from_data = hk.size(hk.Ratio("revenue", "sessions"), mde=0.03, relative=True, data=df)
    explicit = hk.size(hk.Ratio(**_ratio_moments(df)), mde=0.03, relative=True)
    assert from_data.n_per_arm == explicit.n_per_arm
    assert from_data.rows[0].sd == pytest.approx(explicit.rows[0].sd, rel=1e-12)
    assert from_data.rows[0].baseline == pytest.approx(explicit.rows[0].baseline, rel=1e-12)
    table = hk.baselines(df, hk.Ratio("revenue", "sessions"))
    for key, value in _ratio_moments(df).items():
        assert table[key].iloc[0] == pytest.approx(value, rel=1e-12)


def test_ratio_with_impossible_moments_raises() -> None:
    bad = hk.Ratio(
        numerator_mean=1.0,
        numerator_sd=1.0,
        denominator_mean=1.0,
        denominator_sd=1.0,
        covariance=1.0,
    )
    with pytest.raises(hk.ValidationError, match="delta-method variance"):
        hk.size(bad, mde=0.1)


# ============================================================================ round trips
_RATIO_METRIC = hk.Ratio(
    numerator_mean=12.0,
    numerator_sd=20.0,
    denominator_mean=3.0,
    denominator_sd=2.0,
    covariance=15.0,
)

ROUND_TRIP = [
    pytest.param(hk.Proportion(baseline=0.1), 0.02, 0.8, {}, id="prop-pooled"),
    pytest.param(
        hk.Proportion(baseline=0.1), 0.02, 0.8, {"method": "unpooled"}, id="prop-unpooled"
    ),
    pytest.param(hk.Proportion(baseline=0.1), 0.02, 0.8, {"method": "arcsine"}, id="prop-arcsine"),
    pytest.param(
        hk.Proportion(baseline=0.1),
        0.02,
        0.8,
        {"method": "arcsine", "strict": True},
        id="prop-arcsine-strict",
    ),
    pytest.param(hk.Proportion(baseline=0.1), 0.02, 0.8, {"strict": True}, id="prop-pooled-strict"),
    pytest.param(
        hk.Proportion(baseline=0.3),
        -0.03,
        0.8,
        {"alternative": "less", "alpha": 0.01},
        id="prop-less",
    ),
    pytest.param(
        hk.Proportion(baseline=0.05),
        0.01,
        0.9,
        {"alternative": "greater", "ratio": 2.0},
        id="prop-greater-ratio2",
    ),
    pytest.param(
        hk.Proportion(baseline=0.5),
        0.05,
        0.8,
        {"ratio": 0.5, "arms": 3, "correction": "bonferroni"},
        id="prop-ratio0.5-arms3-bonferroni",
    ),
    pytest.param(
        hk.Proportion(baseline=0.2),
        0.0,
        0.8,
        {"alternative": "greater", "margin": 0.02},
        id="prop-noninferiority-greater",
    ),
    pytest.param(
        hk.Proportion(baseline=0.2),
        0.0,
        0.8,
        {"alternative": "less", "margin": 0.02, "method": "unpooled"},
        id="prop-noninferiority-less",
    ),
    pytest.param(
        hk.Proportion(baseline=0.04),
        0.1,
        0.8,
        {"relative": True, "alternative": "greater", "method": "arcsine", "ratio": 3.0},
        id="prop-relative-arcsine-ratio3",
    ),
    pytest.param(
        hk.Proportion(baseline=0.2),
        0.05,
        0.8,
        {"relative": True, "alternative": "greater", "margin": 0.1},
        id="prop-relative-margin",
    ),
    pytest.param(hk.Mean(mean=5.0, sd=2.0), 0.3, 0.8, {}, id="mean"),
    pytest.param(hk.Mean(mean=5.0, sd=2.0), -0.3, 0.8, {"alternative": "less"}, id="mean-less"),
    pytest.param(
        hk.Mean(mean=5.0, sd=1.0, correlation=0.5),
        0.2,
        0.8,
        {"alternative": "greater", "ratio": 3.0},
        id="mean-cuped-greater-ratio3",
    ),
    pytest.param(
        hk.Mean(mean=5.0, sd=1.0),
        0.0,
        0.8,
        {"alternative": "greater", "margin": 0.2},
        id="mean-noninferiority-greater",
    ),
    pytest.param(
        hk.Mean(mean=5.0, sd=1.0),
        -0.05,
        0.8,
        {"alternative": "less", "margin": 0.1},
        id="mean-noninferiority-less",
    ),
    pytest.param(
        hk.Mean(mean=10.0, sd=4.0),
        0.02,
        0.9,
        {"relative": True, "arms": 4, "correction": "holm"},
        id="mean-relative-arms4-holm",
    ),
    pytest.param(hk.Mean(mean=5.0, sd=1.0), 0.3, 0.8, {"strict": True}, id="mean-strict"),
    pytest.param(hk.Mean(mean=5.0, sd=1.0), 1.5, 0.8, {}, id="mean-large-effect"),
    pytest.param(_RATIO_METRIC, 0.1, 0.8, {}, id="ratio"),
    pytest.param(
        _RATIO_METRIC,
        0.03,
        0.9,
        {"relative": True, "ratio": 2.0, "alpha": 0.01, "alternative": "greater"},
        id="ratio-relative-ratio2",
    ),
]


def _sign(kwargs: dict[str, Any]) -> float:
    return -1.0 if kwargs.get("alternative") == "less" else 1.0


@pytest.mark.parametrize(("metric", "mde", "target", "kwargs"), ROUND_TRIP)
def test_size_rounding_is_tight(
    metric: Any, mde: float, target: float, kwargs: dict[str, Any]
) -> None:
    plan = hk.size(metric, mde=mde, power=target, **kwargs)
    n = plan.n_per_arm
    achieved = hk.power(metric, mde=mde, n_per_arm=n, **kwargs)
    assert achieved >= target
    assert plan.rows[0].power == pytest.approx(achieved, rel=1e-12)
    assert plan.power_at(n) == pytest.approx(achieved, rel=1e-12)
    assert n >= 3, "the design is too small to check n - 1"
    assert hk.power(metric, mde=mde, n_per_arm=n - 1, **kwargs) < target


@pytest.mark.parametrize(("metric", "mde", "target", "kwargs"), ROUND_TRIP)
def test_mde_at_sized_n_is_no_larger(
    metric: Any, mde: float, target: float, kwargs: dict[str, Any]
) -> None:
    n = hk.size(metric, mde=mde, power=target, **kwargs).n_per_arm
    found = hk.mde(metric, n_per_arm=n, power=target, **kwargs)
    if kwargs.get("alternative", "two-sided") == "two-sided":
        assert found > 0
        assert abs(found) <= abs(mde) + 1e-12
    else:
        s = _sign(kwargs)
        assert s * found <= s * mde + 1e-12


@pytest.mark.parametrize(("metric", "mde", "target", "kwargs"), ROUND_TRIP)
def test_mde_inverts_power(metric: Any, mde: float, target: float, kwargs: dict[str, Any]) -> None:
    n = hk.size(metric, mde=mde, power=target, **kwargs).n_per_arm
    for n_per_arm in (n, 2 * n + 1):
        found = hk.mde(metric, n_per_arm=n_per_arm, power=target, **kwargs)
        assert hk.power(metric, mde=found, n_per_arm=n_per_arm, **kwargs) == pytest.approx(
            target, abs=1e-8
        )


@pytest.mark.parametrize(("metric", "mde", "target", "kwargs"), ROUND_TRIP)
def test_round_trip_numbers_are_finite(
    metric: Any, mde: float, target: float, kwargs: dict[str, Any]
) -> None:
    plan = hk.size(metric, mde=mde, power=target, traffic=1234.5, **kwargs)
    (record,) = plan.to_records()
    numbers = {k: v for k, v in record.items() if k not in ("segment", "metric")}
    for key, value in numbers.items():
        assert isinstance(value, int | float), key
        assert math.isfinite(value), f"{key} == {value!r}"
    n = plan.n_per_arm
    assert math.isfinite(hk.power(metric, mde=mde, n_per_arm=n, **kwargs))
    assert math.isfinite(hk.mde(metric, n_per_arm=n, power=target, **kwargs))
    assert plan.n_total == record["n_total"]
    assert plan.days == math.ceil(record["n_total"] / 1234.5)


@pytest.mark.parametrize("mde", [1.0, 2.0, 2.5, 4.0])
def test_strict_power_of_large_effects_is_finite(mde: float) -> None:
    strict = hk.power(hk.Mean(sd=1.0), mde=mde, n_per_arm=50, strict=True)
    lax = hk.power(hk.Mean(sd=1.0), mde=mde, n_per_arm=50)
    assert math.isfinite(strict)
    # The lower rejection region adds at most ~2.4e-12 here (mde = 1).
    assert lax <= strict <= 1.0
    assert strict == pytest.approx(lax, abs=1e-9)


# ============================================================================= segments
def test_traffic_mapping_gives_one_row_per_segment() -> None:
    traffic = {"new": 500.0, "returning": 300.0, "dormant": 45.5}
    plan = hk.size(hk.Proportion(baseline=0.1), mde=0.02, traffic=traffic)
    table = plan.to_pandas()
    assert list(table["segment"]) == list(traffic)
    assert {"segment", "n_per_arm", "n_total", "days"} <= set(table.columns)
    assert len(plan) == 3
    assert plan.segments == tuple(traffic)
    for row in table.itertuples():
        assert row.days == math.ceil(row.n_total / traffic[row.segment])
    assert plan.n_total == table["n_total"].sum()
    assert plan.days == table["days"].max()
    # No correction: every segment is the unsegmented design.
    single = hk.size(hk.Proportion(baseline=0.1), mde=0.02)
    assert set(table["n_per_arm"]) == {single.n_per_arm}


def test_whole_weeks_rounds_days_up_to_multiples_of_7() -> None:
    traffic = {"a": 97.0, "b": 301.0, "c": 1000.0}
    plain = hk.size(hk.Mean(sd=1.0), mde=0.05, traffic=traffic)
    weeks = hk.size(hk.Mean(sd=1.0), mde=0.05, traffic=traffic, whole_weeks=True)
    for seg in traffic:
        assert weeks[seg].days % 7 == 0
        assert weeks[seg].days == 7 * math.ceil(plain[seg].days / 7)
        assert weeks[seg].days - plain[seg].days < 7
        assert weeks[seg].n_total == plain[seg].n_total


@pytest.mark.parametrize("correction", ["bonferroni", "holm"])
def test_correction_over_segments_and_arms(correction: str) -> None:
    traffic = {"a": 1000.0, "b": 2000.0, "c": 3000.0}
    plan = hk.size(
        hk.Proportion(baseline=0.1), mde=0.02, traffic=traffic, arms=3, correction=correction
    )
    assert plan.family_size == 6  # (arms - 1) * segments
    n_exact = stats.proportion_n(0.1, 0.12, 0.8, alpha=0.05 / 6, alternative="two-sided")
    for seg in traffic:
        assert plan[seg].alpha == pytest.approx(0.05 / 6, rel=1e-15)
        assert plan[seg].n_per_arm == math.ceil(n_exact)
        assert plan[seg].n_total == plan[seg].n_per_arm + 2 * plan[seg].n_variant
    # Without correction each test runs at alpha.
    free = hk.size(hk.Proportion(baseline=0.1), mde=0.02, traffic=traffic, arms=3)
    assert all(r.alpha == 0.05 for r in free.rows)
    assert free.family_size == 6


def test_arms_and_ratio_allocation() -> None:
    plan = hk.size(hk.Mean(sd=1.0), mde=0.1, arms=3)
    row = plan.rows[0]
    assert row.n_variant == row.n_per_arm
    assert row.n_total == row.n_per_arm + 2 * row.n_variant
    plan = hk.size(hk.Mean(sd=1.0), mde=0.1, ratio=2.0)
    row = plan.rows[0]
    assert row.n_variant == math.ceil(2 * row.n_per_arm)
    assert row.n_total == row.n_per_arm + row.n_variant
    plan = hk.size(hk.Proportion(baseline=0.2), mde=0.03, ratio=1 / 3, arms=4)
    row = plan.rows[0]
    assert row.n_variant == math.ceil(row.n_per_arm / 3)
    assert row.n_total == row.n_per_arm + 3 * row.n_variant


def test_segmented_plan_refuses_scalar_access() -> None:
    plan = hk.size(
        hk.Proportion(baseline={"new": 0.05, "returning": 0.12}),
        mde=0.1,
        relative=True,
        traffic={"new": 2000.0, "returning": 800.0},
        correction="holm",
    )
    with pytest.raises(hk.ValidationError, match=r"2 segments \('new', 'returning'\)"):
        _ = plan.n_per_arm
    new = plan["new"]
    assert isinstance(new, hk.SegmentPlan)
    assert new.segment == "new"
    assert new.baseline == 0.05
    assert new.mde == pytest.approx(0.005, rel=1e-12)
    with pytest.raises(KeyError, match="'ghost'"):
        plan["ghost"]
    # Each segment is its own design at alpha / 2 (Holm's first step over 2 tests).
    for seg, p in (("new", 0.05), ("returning", 0.12)):
        alone = hk.size(hk.Proportion(baseline=p), mde=0.1 * p, alpha=0.025)
        assert plan[seg].n_per_arm == alone.n_per_arm
        assert plan[seg].days == math.ceil(plan[seg].n_total / plan[seg].traffic)


def test_per_segment_holm_matches_r() -> None:
    # Holm over 2 segments sizes each test at alpha = 0.05 / 2:
    # power.prop.test(p1 = .05, p2 = .055, sig.level = .025, power = .8)  => n = 37823.99633
    # power.prop.test(p1 = .12, p2 = .132, sig.level = .025, power = .8)  => n = 14536.65626
    plan = hk.size(
        hk.Proportion(baseline={"new": 0.05, "returning": 0.12}),
        mde=0.10,
        relative=True,
        traffic={"new": 2000, "returning": 800},
        correction="holm",
    )
    table = plan.to_pandas()[["segment", "n_per_arm", "n_total", "days"]]
    assert table.to_dict("records") == [
        {"segment": "new", "n_per_arm": 37824, "n_total": 75648, "days": 38},
        {"segment": "returning", "n_per_arm": 14537, "n_total": 29074, "days": 37},
    ]


def test_mde_mapping_per_segment() -> None:
    plan = hk.size(
        hk.Mean(sd={"a": 1.0, "b": 2.0}), mde={"a": 0.1, "b": 0.4}, traffic={"a": 10.0, "b": 10.0}
    )
    assert plan["a"].n_per_arm == hk.size(hk.Mean(sd=1.0), mde=0.1).n_per_arm
    assert plan["b"].n_per_arm == hk.size(hk.Mean(sd=2.0), mde=0.4).n_per_arm


def _history(seed: int = 42, n: int = 6000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    segment = rng.choice(["new", "returning", "power"], size=n, p=[0.5, 0.35, 0.15])
    date = pd.Timestamp("2024-03-01") + pd.to_timedelta(rng.integers(0, 28, size=n), unit="D")
    rate = np.select([segment == "new", segment == "returning"], [0.05, 0.12], 0.3)
    converted = (rng.random(n) < rate).astype(int)
    pre = rng.gamma(2.0, 10.0, size=n)
    revenue = 0.6 * pre + rng.normal(0.0, 8.0, size=n)
    return pd.DataFrame(
        {
            "segment": segment,
            "date": date,
            "converted": converted,
            "revenue": revenue,
            "pre_revenue": pre,
        }
    )


def test_baselines_per_segment_from_history() -> None:
    df = _history()
    table = hk.baselines(df, hk.Proportion("converted"), segments="segment", date="date")
    grouped = df.groupby("segment")
    expected = pd.DataFrame(
        {
            "units": grouped.size(),
            "days": grouped["date"].nunique().astype(float),
            "baseline": grouped["converted"].mean(),
        }
    )
    expected["traffic"] = expected["units"] / expected["days"]
    got = table.set_index("segment").sort_index()
    expected = expected.sort_index()
    assert list(got.index) == list(expected.index) == ["new", "power", "returning"]
    for col in ("units", "days", "baseline", "traffic"):
        np.testing.assert_allclose(got[col].to_numpy(float), expected[col].to_numpy(float))


def test_size_from_history_gives_per_segment_rows() -> None:
    df = _history()
    plan = hk.size(hk.Proportion("converted"), mde=0.03, data=df, segments="segment", date="date")
    grouped = df.groupby("segment")
    baseline = grouped["converted"].mean().to_dict()
    traffic = (grouped.size() / grouped["date"].nunique()).to_dict()
    explicit = hk.size(hk.Proportion(baseline=baseline), mde=0.03, traffic=traffic)
    table = plan.to_pandas().set_index("segment")
    assert sorted(table.index) == ["new", "power", "returning"]
    for seg in baseline:
        assert plan[seg].baseline == pytest.approx(baseline[seg], rel=1e-12)
        assert plan[seg].traffic == pytest.approx(traffic[seg], rel=1e-12)
        assert plan[seg].n_per_arm == explicit[seg].n_per_arm
        assert plan[seg].days == explicit[seg].days
        assert table.loc[seg, "n_total"] == explicit[seg].n_total


def test_size_from_history_mean_with_covariate_and_days() -> None:
    df = _history(seed=3)
    plan = hk.size(
        hk.Mean("revenue", covariate="pre_revenue"), mde=1.0, data=df, segments="segment", days=28
    )
    for seg, g in df.groupby("segment"):
        sd = np.std(g["revenue"].to_numpy(), ddof=1)
        rho = np.corrcoef(g["revenue"], g["pre_revenue"])[0, 1]
        assert plan[seg].sd == pytest.approx(sd * math.sqrt(1 - rho**2), rel=1e-10)
        assert plan[seg].traffic == pytest.approx(len(g) / 28, rel=1e-12)
        alone = hk.size(hk.Mean(sd=sd, correlation=rho), mde=1.0)
        assert plan[seg].n_per_arm == alone.n_per_arm


def test_explicit_assumptions_win_over_history(tmp_path: Path) -> None:
    df = _history()
    path = tmp_path / "history.csv"
    df.to_csv(path, index=False)
    plan = hk.size(
        hk.Proportion("converted", baseline=0.2),
        mde=0.03,
        data=path,
        segments="segment",
        date="date",
    )
    assert all(r.baseline == 0.2 for r in plan.rows)
    assert len({r.n_per_arm for r in plan.rows}) == 1


# ========================================================================= non-inferiority
def test_non_inferiority_mean_is_one_sided_r() -> None:
    # power.t.test(delta = 0.2, sd = 1, power = .8, alternative = "one.sided")
    # => n = 309.8064701 (R 4.2.2): a true effect of 0 against margin 0.2 is that test.
    plan = hk.size(hk.Mean(sd=1), mde=0, margin=0.2, alternative="greater")
    expected = TTestIndPower().solve_power(
        effect_size=0.2, nobs1=None, alpha=0.05, power=0.8, ratio=1.0, alternative="larger"
    )
    n_exact = stats.t_n(0.0, 1.0, 0.8, alternative="greater", margin=0.2)
    assert n_exact == pytest.approx(309.8064701, rel=1e-3)
    assert n_exact == pytest.approx(expected, rel=1e-6)
    assert plan.n_per_arm == math.ceil(expected) == 310
    # Mirror image for lower-is-better metrics.
    assert hk.size(hk.Mean(sd=1), mde=0, margin=0.2, alternative="less").n_per_arm == 310
    assert plan.margin == 0.2


def test_non_inferiority_proportion_is_blackwelder() -> None:
    p, margin = 0.2, 0.02
    plan = hk.size(hk.Proportion(baseline=p), mde=0, margin=margin, alternative="greater")
    z = sps.norm.ppf(0.95) + sps.norm.ppf(0.8)
    closed = z**2 * 2 * p * (1 - p) / margin**2
    expected = NormalIndPower().solve_power(
        effect_size=margin / math.sqrt(p * (1 - p)),
        nobs1=None,
        alpha=0.05,
        power=0.8,
        ratio=1.0,
        alternative="larger",
    )
    assert closed == pytest.approx(expected, rel=1e-9)
    assert plan.n_per_arm == math.ceil(closed)
    relative = hk.size(
        hk.Proportion(baseline=p), mde=0, margin=0.1, relative=True, alternative="greater"
    )
    assert relative.n_per_arm == plan.n_per_arm


# ============================================================================= bad input
def _size(**kwargs: Any) -> Callable[[], object]:
    kwargs.setdefault("mde", 0.02)
    metric = kwargs.pop("metric", None) or hk.Proportion(baseline=0.1)
    return lambda: hk.size(metric, **kwargs)


def _mde(**kwargs: Any) -> Callable[[], object]:
    return lambda: hk.mde(hk.Proportion(baseline=0.1), n_per_arm=1000, **kwargs)


def _power(**kwargs: Any) -> Callable[[], object]:
    kwargs.setdefault("mde", 0.02)
    return lambda: hk.power(hk.Proportion(baseline=0.1), n_per_arm=1000, **kwargs)


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"segment": ["a", "b", "a", "b"], "conv": [0, 1, 1, 0]})


BAD_INPUT = [
    # baselines
    *[
        pytest.param(
            lambda v=v: hk.Proportion(baseline=v),
            f"baseline == {text}, must be",
            id=f"baseline-{text}",
        )
        for v, text in [(0, "0"), (1, "1"), (-0.1, "-0.1"), (1.5, "1.5"), (math.nan, "nan")]
    ],
    pytest.param(
        lambda: hk.Proportion(baseline={"a": 0.1, "b": 1.2}),
        "baseline['b'] == 1.2, must be",
        id="baseline-mapping",
    ),
    # mde
    pytest.param(_size(mde=0), "mde == 0, must not be 0", id="mde-0"),
    pytest.param(_size(mde=0.0), "mde == 0.0, must not be 0", id="mde-0.0"),
    pytest.param(
        _size(metric=hk.Proportion(baseline=0.9), mde=0.2),
        "mde == 0.2, moves the rate from 0.9 to 1.1",
        id="mde-rate-above-1",
    ),
    pytest.param(
        _size(mde=-0.15), "mde == -0.15, moves the rate from 0.1 to -0.05", id="mde-rate-below-0"
    ),
    pytest.param(
        _size(mde=0.5, relative=True, metric=hk.Proportion(baseline=0.8)),
        "mde == 0.5, moves the rate from 0.8 to 1.2",
        id="mde-relative-rate-above-1",
    ),
    pytest.param(_power(mde=0.95), "mde == 0.95, moves the rate", id="power-mde-rate-above-1"),
    pytest.param(_size(mde=math.nan), "mde == nan, must be a finite number", id="mde-nan"),
    # alpha and power
    *[
        pytest.param(f(alpha=v), f"alpha == {v!r}, must be in (0, 1)", id=f"{name}-alpha-{v}")
        for name, f in [("size", _size), ("mde", _mde), ("power", _power)]
        for v in (0, 1, 1.5)
    ],
    *[
        pytest.param(f(power=v), f"power == {v!r}, must be in (0, 1)", id=f"{name}-power-{v}")
        for name, f in [("size", _size), ("mde", _mde)]
        for v in (0, 1)
    ],
    pytest.param(
        _size(power=0.02),
        "power == 0.02, must be greater than the chance of a false positive",
        id="power-below-alpha",
    ),
    # traffic
    *[
        pytest.param(_size(traffic=v), f"traffic == {text}, must be", id=f"traffic-{text}")
        for v, text in [(-5, "-5"), (0, "0"), (math.nan, "nan"), (math.inf, "inf")]
    ],
    *[
        pytest.param(
            _size(traffic={"a": 100.0, "b": v}),
            f"traffic['b'] == {text}, must be",
            id=f"traffic-mapping-{text}",
        )
        for v, text in [(-5, "-5"), (0, "0"), (math.nan, "nan")]
    ],
    pytest.param(_size(traffic={}), "traffic == {}, must name at least one", id="traffic-empty"),
    pytest.param(
        _size(metric=hk.Proportion(baseline={"a": 0.1, "b": 0.2}), traffic=100.0),
        "traffic == 100.0 is one number but the inputs are per segment",
        id="traffic-scalar-with-segments",
    ),
    # choices
    *[
        pytest.param(
            f(correction="sidak"),
            "correction == 'sidak', must be one of",
            id=f"{name}-correction",
        )
        for name, f in [("size", _size), ("mde", _mde), ("power", _power)]
    ],
    *[
        pytest.param(
            f(alternative="two_sided"),
            "alternative == 'two_sided', must be one of",
            id=f"{name}-alternative",
        )
        for name, f in [("size", _size), ("mde", _mde), ("power", _power)]
    ],
    pytest.param(_size(method="exact"), "method == 'exact', must be one of", id="method"),
    pytest.param(
        _size(metric=hk.Mean(sd=1.0), method="pooled"),
        "method == 'pooled', must be one of",
        id="method-mean",
    ),
    *[
        pytest.param(f(arms=1), "arms == 1, must be at least 2", id=f"{name}-arms-1")
        for name, f in [("size", _size), ("mde", _mde), ("power", _power)]
    ],
    pytest.param(_size(arms=2.5), "arms == 2.5, must be a whole number", id="arms-2.5"),
    *[
        pytest.param(f(ratio=0), "ratio == 0, must be greater than 0", id=f"{name}-ratio-0")
        for name, f in [("size", _size), ("mde", _mde), ("power", _power)]
    ],
    pytest.param(_size(ratio=-1.0), "ratio == -1.0, must be greater than 0", id="ratio-neg"),
    # sd
    pytest.param(lambda: hk.Mean(sd=0), "sd == 0, must be greater than 0", id="sd-0"),
    pytest.param(lambda: hk.Mean(sd=-1.0), "sd == -1.0, must be greater than 0", id="sd-neg"),
    pytest.param(
        lambda: hk.Mean(sd={"a": 1.0, "b": 0.0}),
        "sd['b'] == 0.0, must be greater than 0",
        id="sd-mapping-0",
    ),
    pytest.param(
        lambda: hk.Mean(sd=1.0, correlation=1.0),
        "correlation == 1.0, must be in (-1, 1)",
        id="correlation-1",
    ),
    pytest.param(
        _size(metric=hk.Mean(mean=1.0)), "sd == None, must be a positive number", id="sd-missing"
    ),
    # signs and margins
    pytest.param(
        _size(mde=-0.02, alternative="greater"),
        "mde == -0.02, must be above",
        id="mde-sign-greater",
    ),
    pytest.param(
        _size(mde=0.02, alternative="less"), "mde == 0.02, must be below", id="mde-sign-less"
    ),
    pytest.param(
        _power(mde=-0.02, alternative="greater"),
        "mde == -0.02, must be above",
        id="power-mde-sign-greater",
    ),
    pytest.param(
        _size(metric=hk.Mean(sd=1.0), mde=-0.3, alternative="greater", margin=0.2),
        "mde == -0.3, must be above -0.2",
        id="mde-beyond-margin",
    ),
    *[
        pytest.param(
            f(margin=0.2), "margin == 0.2 needs a one-sided test", id=f"{name}-margin-two-sided"
        )
        for name, f in [("size", _size), ("mde", _mde), ("power", _power)]
    ],
    pytest.param(
        _size(margin=-0.1, alternative="greater"),
        "margin == -0.1, must be greater than or",
        id="margin-negative",
    ),
    pytest.param(
        _size(margin=0.01, alternative="greater", method="arcsine"),
        "margin is not supported with method == 'arcsine'",
        id="margin-arcsine",
    ),
    # effects too small to size
    pytest.param(
        _size(metric=hk.Mean(sd=1.0), mde=1e-7),
        r"mde == 1e-07 cannot be sized",
        id="mde-tiny-mean",
    ),
    pytest.param(_size(mde=1e-8), "mde == 1e-08 cannot be sized", id="mde-tiny-proportion"),
    pytest.param(
        _size(mde=1e-8, method="arcsine", strict=True),
        "mde == 1e-08 cannot be sized",
        id="mde-tiny-arcsine-strict",
    ),
    # segments
    pytest.param(
        _size(mde={"new": 0.02, "ghost": 0.02}, traffic={"new": 100.0}),
        "mde names segments that traffic does not: 'ghost'",
        id="mde-mapping-unknown-segment",
    ),
    pytest.param(
        _size(metric=hk.Proportion(baseline={"a": 0.1}), traffic={"a": 10.0, "b": 10.0}),
        "baseline has no value for segment 'b'",
        id="baseline-mapping-missing-segment",
    ),
    # n_per_arm
    pytest.param(
        lambda: hk.power(hk.Mean(sd=1.0), mde=0.5, n_per_arm=1),
        "n_per_arm == 1, too small",
        id="power-n-1",
    ),
    pytest.param(
        lambda: hk.mde(hk.Mean(sd=1.0), n_per_arm=0),
        "n_per_arm == 0, must be greater than 0",
        id="mde-n-0",
    ),
    # relative without a baseline mean
    pytest.param(
        _size(metric=hk.Mean(sd=1.0), mde=0.1, relative=True),
        "relative == True needs a non-zero baseline mean",
        id="relative-without-mean",
    ),
    # data
    pytest.param(
        _size(segments="segment"), "segments, date and days describe data=", id="segments-no-data"
    ),
]


@pytest.mark.parametrize(("call", "message"), BAD_INPUT)
def test_bad_input_raises_validation_error_naming_it(
    call: Callable[[], object], message: str
) -> None:
    with pytest.raises(hk.ValidationError, match=re.escape(message)):
        call()


def test_missing_column_raises_data_error_listing_columns() -> None:
    with pytest.raises(
        hk.DataError,
        match=re.escape("column == 'nope': no such column; data has 'segment', 'conv'"),
    ):
        hk.size(hk.Proportion("nope"), mde=0.1, data=_frame())
    with pytest.raises(
        hk.DataError,
        match=re.escape("segments == 'region': no such column; data has 'segment', 'conv'"),
    ):
        hk.size(hk.Proportion("conv"), mde=0.1, data=_frame(), segments="region", days=7)


def test_proportion_column_with_a_2_raises_data_error() -> None:
    df = _frame()
    df.loc[2, "conv"] = 2
    with pytest.raises(
        hk.DataError,
        match=r"column == 'conv': a Proportion needs 0/1 values; 1 unit has other values",
    ):
        hk.size(hk.Proportion("conv"), mde=0.1, data=df)
    with pytest.raises(hk.DataError, match=r"column == 'conv'.*1 unit has other values"):
        hk.baselines(df, hk.Proportion("conv"), segments="segment")


def test_bad_proportion_values_are_counted() -> None:
    # The message counts the offending units (no numpy reprs).
    df = _frame()
    df.loc[[1, 2], "conv"] = 2
    with pytest.raises(hk.DataError) as info:
        hk.size(hk.Proportion("conv"), mde=0.1, data=df)
    assert "np.float64" not in str(info.value)
    assert str(info.value).endswith("2 units have other values.")


def test_sign_error_message_has_no_negative_zero() -> None:
    # Without a margin the bound is 0; the message must not read "above -0".
    with pytest.raises(hk.ValidationError) as info:
        hk.size(hk.Proportion(baseline=0.1), mde=-0.02, alternative="greater")
    assert "must be above 0 for alternative 'greater'" in str(info.value)


def test_tiny_relative_mde_message_names_the_value_given() -> None:
    # The user passed 1e-07 (relative); the message should quote that value.
    with pytest.raises(hk.ValidationError, match=re.escape("mde == 1e-07")):
        hk.size(hk.Proportion(baseline=0.1), mde=1e-7, relative=True)


def test_validation_errors_are_value_errors() -> None:
    with pytest.raises(ValueError, match=re.escape("alpha == 1.5")):
        hk.size(hk.Proportion(baseline=0.1), mde=0.02, alpha=1.5)
