"""``hk.analyze(method="sequential")`` and ``hk.analyze(method="bayesian")`` end to end.

Each row is recomputed from the frequentist row of the same data with formulas written
out here (gbstats' half-width of the asymptotic confidence sequence; the conjugate
normal posterior; the Beta-Beta probability of superiority by scipy quadrature), so
the analysis layer is checked against computations that do not go through it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, special
from scipy import stats as sps

import hypokit as hk

ALL = "(all)"


@pytest.fixture(scope="module")
def units() -> pd.DataFrame:
    rng = np.random.default_rng(8)
    n = 6000
    segment = rng.choice(["new", "returning"], size=n, p=[0.45, 0.55])
    variant = rng.choice(["control", "b"], size=n)
    pre = rng.gamma(2.0, 10.0, size=n)
    lift = np.where(variant == "b", 1.08, 1.0)
    base = np.where(segment == "new", 0.08, 0.15)
    return pd.DataFrame(
        {
            "segment": segment,
            "variant": variant,
            "day": rng.integers(1, 15, size=n),
            "converted": rng.binomial(1, np.clip(base * lift, 0, 1)),
            "pre": pre,
            "revenue": (0.7 * pre + rng.normal(0, 6, size=n)) * lift,
        }
    )


METRICS = [hk.Proportion("converted"), hk.Mean("revenue", covariate="pre")]


def run(units: pd.DataFrame, **kw: object) -> pd.DataFrame:
    options: dict[str, object] = {
        "variant": "variant",
        "control": "control",
        "metrics": METRICS,
        "segments": "segment",
    }
    options.update(kw)
    return hk.analyze(units, **options).to_pandas()  # type: ignore[arg-type]


def gbstats_halfwidth(se: float, n: float, n_tune: float, alpha: float) -> float:
    """Half-width of the asymptotic confidence sequence as gbstats writes it.

    rho = sqrt((-2 log(alpha) + log(-2 log(alpha) + 1)) / N*), s2 = se^2 n, and
    halfwidth = sqrt(s2) sqrt(2 (n rho^2 + 1) / (n^2 rho^2) log(sqrt(n rho^2 + 1) / alpha)).
    """
    rho2 = (-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / n_tune
    s2 = se**2 * n
    return math.sqrt(s2) * math.sqrt(
        2 * (n * rho2 + 1) / (n**2 * rho2) * math.log(math.sqrt(n * rho2 + 1) / alpha)
    )


# ----------------------------------------------------------------------- sequential
def test_sequential_rows_are_the_confidence_sequence(units: pd.DataFrame) -> None:
    fixed = run(units, correction=None)
    seq = run(units, method="sequential", n_tune=4000, correction=None)
    for col in ("segment", "metric", "effect", "lift", "control_mean", "n_control", "se"):
        pd.testing.assert_series_equal(seq[col], fixed[col])
    for _, row in seq.iterrows():
        n = row["n_control"] + row["n_variant"]
        half = gbstats_halfwidth(row["se"], n, 4000, 0.05)
        assert row["effect_ci_low"] == pytest.approx(row["effect"] - half, rel=1e-9)
        assert row["effect_ci_high"] == pytest.approx(row["effect"] + half, rel=1e-9)
    # Wider than the fixed-horizon interval; p-values larger.
    assert (
        (seq["effect_ci_high"] - seq["effect_ci_low"])
        > (fixed["effect_ci_high"] - fixed["effect_ci_low"])
    ).all()
    assert (seq["p_value"] >= fixed["p_value"]).all()
    # Duality: significant exactly when the sequence excludes 0 (no correction).
    single = run(units, method="sequential", correction=None)
    excludes = (single["effect_ci_low"] > 0) | (single["effect_ci_high"] < 0)
    assert (single["significant"] == excludes).all()


def test_sequential_lift_inverts_the_effect_sequence(units: pd.DataFrame) -> None:
    # Fieller's set with the sequence's multiplier k = half-width / se: the lifts L with
    # (m_v - (1 + L) m_c)^2 <= k^2 (v_v + (1 + L)^2 v_c), solved here as a quadratic.
    seq = run(units, method="sequential", correction=None)
    for _, row in seq[seq["metric"] == "converted"].iterrows():
        mc, mv = row["control_mean"], row["variant_mean"]
        vc = mc * (1 - mc) / row["n_control"]
        vv = mv * (1 - mv) / row["n_variant"]
        half = gbstats_halfwidth(row["se"], row["n_control"] + row["n_variant"], 5000, 0.05)
        k = half / row["se"]
        a, b, c = mc**2 - k**2 * vc, -2 * mc * mv, mv**2 - k**2 * vv
        roots = sorted(np.roots([a, b, c]).real - 1)
        assert row["lift_ci_low"] == pytest.approx(roots[0], rel=1e-9)
        assert row["lift_ci_high"] == pytest.approx(roots[1], rel=1e-9)
        # The lift's sequence excludes 0 exactly when the effect's does.
        effect_excludes = row["effect_ci_low"] > 0 or row["effect_ci_high"] < 0
        assert effect_excludes == (row["lift_ci_low"] > 0 or row["lift_ci_high"] < 0)


def test_sequential_tuned_from_the_plan(units: pd.DataFrame) -> None:
    plan = hk.size(
        hk.Proportion(baseline={"new": 0.08, "returning": 0.15}),
        mde=0.3,
        relative=True,
        traffic={"new": 300, "returning": 300},
    )
    only = {"metrics": [hk.Proportion("converted")], "correction": None}
    by_plan = run(units, method="sequential", plan=plan, **only)
    tuned = {s: float(plan[s].n_per_arm + plan[s].n_variant) for s in plan.segments}
    tuned[ALL] = sum(tuned.values())
    by_hand = run(units, method="sequential", n_tune=tuned, **only)
    pd.testing.assert_frame_equal(by_plan, by_hand)
    row = by_hand[by_hand["segment"] == "new"].iloc[0]
    half = gbstats_halfwidth(row["se"], row["n_control"] + row["n_variant"], tuned["new"], 0.05)
    assert row["effect_ci_high"] - row["effect"] == pytest.approx(half, rel=1e-9)


def test_sequential_over_time_never_loosens(units: pd.DataFrame) -> None:
    result = hk.analyze(
        units, variant="variant", control="control", metrics=METRICS, segments="segment",
        method="sequential", date="day",
    )  # fmt: skip
    days = result.over_time().to_pandas()
    for _, group in days.groupby(["segment", "metric"]):
        assert group["effect_ci_low"].is_monotonic_increasing
        assert group["effect_ci_high"].is_monotonic_decreasing
        assert group["p_value"].is_monotonic_decreasing
        # The running sequence always contains the day's own sequence's intersection,
        # so it never excludes the final estimate's interval entirely.
        assert (group["effect_ci_low"] <= group["effect_ci_high"]).all()
    naive = hk.analyze(
        units, variant="variant", control="control", metrics=METRICS, segments="segment",
        date="day",
    ).over_time().to_pandas()  # fmt: skip
    assert (
        not naive.groupby(["segment", "metric"])["p_value"]
        .apply(lambda p: p.is_monotonic_decreasing)
        .all()
    )


def test_sequential_one_sided(units: pd.DataFrame) -> None:
    seq = run(units, method="sequential", alternative="greater")
    # As the fixed-horizon test: a proportion's difference is bounded by 1 (R's prop.test).
    want = np.where(seq["metric"] == "converted", 1.0, np.inf)
    np.testing.assert_array_equal(seq["effect_ci_high"], want)
    assert (seq["effect_ci_low"] < seq["effect"]).all()


# ------------------------------------------------------------------------- bayesian
def test_bayesian_proportions_match_quadrature(units: pd.DataFrame) -> None:
    table = run(units, method="bayesian", metrics=[hk.Proportion("converted")])
    counts = units.groupby(["segment", "variant"])["converted"].agg(["sum", "count"])
    for seg in ("new", "returning"):
        row = table[table["segment"] == seg].iloc[0]
        s_c, n_c = counts.loc[(seg, "control")]
        s_v, n_v = counts.loc[(seg, "b")]
        a = sps.beta(1 + s_c, 1 + n_c - s_c)
        b = sps.beta(1 + s_v, 1 + n_v - s_v)
        lo, hi = min(a.ppf(1e-12), b.ppf(1e-12)), max(a.isf(1e-12), b.isf(1e-12))
        prob = integrate.quad(lambda x, a=a, b=b: b.pdf(x) * a.cdf(x), lo, hi, limit=200)[0]
        assert row["prob_beats_control"] == pytest.approx(prob, abs=1e-7)
        assert row["control_mean"] == pytest.approx(a.mean(), rel=1e-12)
        assert row["effect"] == pytest.approx(b.mean() - a.mean(), rel=1e-9)
        assert row["lift"] == pytest.approx(row["effect"] / row["control_mean"], rel=1e-9)
        # E[max(A - B, 0)] = int f_A(x) (x F_B(x) - E[B] F_B+(x)) dx, B+ = Beta(a_B + 1, b_B).
        b_plus = sps.beta(2 + s_v, 1 + n_v - s_v)

        def integrand(x: float, a: Any = a, b: Any = b, b_plus: Any = b_plus) -> float:
            return float(a.pdf(x) * (x * b.cdf(x) - b.mean() * b_plus.cdf(x)))

        loss = integrate.quad(integrand, lo, hi, limit=200)[0]
        assert row["expected_loss"] == pytest.approx(loss, abs=1e-6)
        assert math.isnan(row["p_value"])
        assert math.isnan(row["p_adjusted"])
        assert row["significant"] == (row["effect_ci_low"] > 0 or row["effect_ci_high"] < 0)


def test_bayesian_means_with_a_flat_prior_are_the_welch_interval(units: pd.DataFrame) -> None:
    # Flat prior: the posterior of the effect is Student's t with Welch's df, so the
    # credible interval is the frequentist one and P(beats) is 1 - the one-sided p-value.
    fixed = run(units, metrics=[METRICS[1]], correction=None)
    bayes = run(units, method="bayesian", metrics=[METRICS[1]])
    np.testing.assert_allclose(bayes["effect"], fixed["effect"], rtol=1e-12)  # CUPED kept
    np.testing.assert_allclose(bayes["effect_ci_low"], fixed["effect_ci_low"], rtol=1e-12)
    np.testing.assert_allclose(bayes["effect_ci_high"], fixed["effect_ci_high"], rtol=1e-12)
    np.testing.assert_allclose(
        bayes["prob_beats_control"], special.stdtr(fixed["df"], fixed["effect"] / fixed["se"])
    )
    assert (fixed["variance_reduction"] > 0.5).all()


def test_bayesian_means_on_a_handful_of_units_are_not_certain() -> None:
    data = pd.DataFrame({"variant": ["control"] * 3 + ["b"] * 2, "y": [10.0, 12.0, 11.0, 9.5, 8.0]})
    kw = {"variant": "variant", "control": "control", "metrics": [hk.Mean("y")]}
    fixed = hk.analyze(data, **kw).row("y")  # type: ignore[arg-type]
    bayes = hk.analyze(data, method="bayesian", **kw).row("y")  # type: ignore[arg-type]
    assert fixed["df"] < 3
    assert bayes["significant"] == fixed["significant"]
    assert bayes["effect_ci_low"] == pytest.approx(fixed["effect_ci_low"], rel=1e-12)
    assert bayes["prob_beats_control"] == pytest.approx(fixed["p_value"] / 2, rel=1e-9)
    # The t's partial expectation, against quadrature of the posterior.
    post = sps.t(fixed["df"], loc=bayes["effect"], scale=fixed["se"])
    loss = integrate.quad(lambda x: max(-x, 0.0) * post.pdf(x), -np.inf, 0)[0]
    assert bayes["expected_loss"] == pytest.approx(loss, rel=1e-6)


def test_bayesian_prior_shrinks_and_direction_flips(units: pd.DataFrame) -> None:
    flat = run(units, method="bayesian", metrics=[METRICS[1]])
    prior = hk.Prior(effect_sd=0.01)  # lifts beyond a few percent are a priori unlikely
    shrunk = run(units, method="bayesian", metrics=[METRICS[1]], prior=prior)
    assert (shrunk["effect"].abs() < flat["effect"].abs()).all()
    # Conjugate update by hand for the overall row (relative prior scaled by |control|).
    row, fixed = shrunk.iloc[0], run(units, metrics=[METRICS[1]]).iloc[0]
    tau = 0.01 * abs(fixed["control_observed"])  # scaled by the observed control mean
    post_var = 1 / (1 / fixed["se"] ** 2 + 1 / tau**2)
    assert row["effect"] == pytest.approx(post_var * fixed["effect"] / fixed["se"] ** 2)
    lower = run(units, method="bayesian", metrics=[METRICS[1]], alternative="less")
    np.testing.assert_allclose(
        lower["prob_beats_control"], 1 - flat["prob_beats_control"], rtol=1e-9, atol=1e-15
    )


def test_method_options_are_checked(units: pd.DataFrame) -> None:
    with pytest.raises(hk.ValidationError, match="n_tune == 100 tunes method='sequential'"):
        run(units, n_tune=100)
    with pytest.raises(hk.ValidationError, match="n_tune == 0"):
        run(units, method="sequential", n_tune=0)
    with pytest.raises(hk.ValidationError, match="prior is for method='bayesian'"):
        run(units, prior=hk.Prior())
    with pytest.raises(hk.ValidationError, match=r"must be hk\.Prior"):
        run(units, method="bayesian", prior={"a": 1})
    with pytest.raises(hk.ValidationError, match="a == -1"):
        hk.Prior(a=-1)


def test_bayesian_table_shape_and_display(units: pd.DataFrame) -> None:
    result = hk.analyze(
        units, variant="variant", control="control", metrics=METRICS, segments="segment",
        method="bayesian",
    )  # fmt: skip
    table = result.to_pandas()
    assert len(table) == 6
    assert {"prob_beats_control", "expected_loss", "expected_loss_control"} <= set(table)
    assert "P(beats control)" in result.summary()
    assert "significant" not in result.summary()  # posterior wording: credibly / includes 0
    assert "P(beats control)" in result._repr_html_()


def test_bayesian_days_show_posterior_columns(units: pd.DataFrame) -> None:
    result = hk.analyze(
        units, variant="variant", control="control", metrics=[METRICS[1]], date="day",
        method="bayesian",
    )  # fmt: skip
    text = result.over_time().to_string()
    assert "prob_beats_control" in text
    assert "p_value" not in text


def test_the_peeking_simulation_computes_what_the_analysis_reports() -> None:
    # One A/A experiment as units: the day-by-day p-values of hk.analyze (fixed horizon
    # and sequential) equal those hk.stats.peeking_simulation computes from counts, so
    # its rates (tests/test_sequential_simulation.py) are the rates of this analysis.
    rng = np.random.default_rng(30)
    days, users = 30, 200
    day = np.repeat(np.arange(1, days + 1), 2 * users)
    variant = np.tile(np.repeat(["control", "b"], users), days)
    units = pd.DataFrame(
        {"day": day, "variant": variant, "converted": rng.binomial(1, 0.1, day.size)}
    )
    common = {"variant": "variant", "control": "control", "metrics": [hk.Proportion("converted")]}
    naive = hk.analyze(units, date="day", **common).over_time().to_pandas()  # type: ignore[arg-type]
    seq = (
        hk.analyze(units, date="day", method="sequential", n_tune=2 * users * days, **common)
        .over_time()
        .to_pandas()
    )  # type: ignore[arg-type]

    counts = units.groupby(["day", "variant"])["converted"].sum().unstack().cumsum()
    n_arm = users * np.arange(1, days + 1)
    pa, pb = counts["control"] / n_arm, counts["b"] / n_arm
    pooled = (pa + pb) / 2
    z = (pb - pa) / np.sqrt(pooled * (1 - pooled) * 2 / n_arm)
    np.testing.assert_allclose(naive["p_value"], 2 * special.ndtr(-np.abs(z)), rtol=1e-9)
    se = np.sqrt((pa * (1 - pa) + pb * (1 - pb)) / n_arm)
    p_cs = hk.stats.always_valid_p_value(pb - pa, se, 2 * n_arm, n_tune=2.0 * users * days)
    np.testing.assert_allclose(seq["p_value"], np.fmin.accumulate(p_cs), rtol=1e-9)


@pytest.mark.slow
@pytest.mark.parametrize("alternative", ["two-sided", "less"])
def test_sequential_lift_covers_at_low_rates(alternative: str) -> None:
    # A/A streams at a 1% rate, 150 looks of 100 units per arm: the share of experiments
    # whose lift sequence misses the true lift (0) at some look stays below alpha (the
    # delta-method interval around the lift missed 6.5% two-sided and 9.3% "less" here).
    from hypokit.stats._compare import _lift

    rng = np.random.default_rng(2026)
    reps, looks, step = 4000, 150, 100
    n = step * np.arange(1, looks + 1)[:, None]
    c = rng.binomial(step, 0.01, size=(looks, reps)).cumsum(axis=0)
    v = rng.binomial(step, 0.01, size=(looks, reps)).cumsum(axis=0)
    mc, mv = c / n, v / n
    vc, vv = mc * (1 - mc) / n, mv * (1 - mv) / n
    se = np.sqrt(vc + vv)
    seq = hk.stats.confidence_sequence(
        mv - mc, se, 2 * n, alternative=alternative, n_tune=2 * step * looks
    )
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        _, lo, hi, _ = _lift(mv - mc, mc, mv, vc, vv, seq.radius / se, alternative, "fieller")
    missed = ((lo > 0) | (hi < 0)).any(axis=0).mean()
    print(f"\nlift sequence, 1% rate, {alternative}: missed {missed:.4f}")
    assert missed <= 0.05


def test_bayesian_one_sided_significance_follows_the_better_side() -> None:
    # Lower is better: a variant that is clearly worse (more failures) is not a win.
    data = pd.DataFrame(
        {
            "variant": ["control"] * 200 + ["b"] * 200,
            "failed": [0] * 200 + [1] * 10 + [0] * 190,
        }
    )
    kw = {"variant": "variant", "control": "control", "metrics": [hk.Proportion("failed")]}
    worse = hk.analyze(data, method="bayesian", alternative="less", **kw).row("failed")  # type: ignore[arg-type]
    assert worse["prob_beats_control"] < 0.01
    assert not worse["significant"]
    flipped = data.assign(variant=data["variant"].map({"control": "b", "b": "control"}))
    better = hk.analyze(flipped, method="bayesian", alternative="less", **kw).row("failed")  # type: ignore[arg-type]
    assert better["prob_beats_control"] > 0.99
    assert better["significant"]
