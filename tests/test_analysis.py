"""End-to-end tests of hk.analyze: from a unit-level DataFrame to the tidy table and findings.

The statistics core is unit-tested in tests/test_compare_core.py and friends; here every
number of ``result.to_pandas()`` is recomputed independently from the raw per-segment
arrays (scipy, statsmodels, numpy), and a few are compared with stored R 4.2 values
(the R call sits beside each). Findings, bad input, verdicts and presentation are
checked on data constructed so that the expected answer is known.
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from statsmodels.stats.contingency_tables import StratifiedTable
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

import hypokit as hk

ALL = "(all)"
ARMS = ("control", "a", "b")
SEGMENTS = ("DE", "FR", "US")
CONTRACT = [
    "segment",
    "metric",
    "variant",
    "n_control",
    "n_variant",
    "control_mean",
    "variant_mean",
    "effect",
    "effect_ci_low",
    "effect_ci_high",
    "lift",
    "lift_ci_low",
    "lift_ci_high",
    "p_value",
    "p_adjusted",
    "significant",
]
NUMERIC = [c for c in CONTRACT if c not in ("segment", "metric", "variant", "significant")]
INTERVALS = ["effect_ci_low", "effect_ci_high", "lift_ci_low", "lift_ci_high"]
ESTIMATE_COLUMNS = ["effect", "effect_ci_low", "effect_ci_high", "p_value", "p_adjusted"]
REL = 1e-9


# --------------------------------------------------------------------------- helpers
def make_units(
    seed: int = 0,
    n: int = 3000,
    arms: tuple[str, ...] = ARMS,
    segments: tuple[str, ...] = SEGMENTS,
) -> pd.DataFrame:
    """Unit-level data: real effects that differ by arm, variances that differ by segment."""
    rng = np.random.default_rng(seed)
    arm = rng.choice(np.array(arms), n)
    seg = rng.choice(np.array(segments), n)
    shift = np.select([arm == "a", arm == "b"], [1.0, -0.5], 0.0)
    base = np.select([seg == segments[0], seg == segments[-1]], [0.15, 0.35], 0.25)
    pre = rng.gamma(4.0, 5.0, n)
    sd = np.where(seg == segments[-1], 12.0, 5.0)
    den = rng.integers(1, 6, n).astype(float)
    return pd.DataFrame(
        {
            "arm": arm,
            "seg": seg,
            "buy": (rng.random(n) < base + 0.03 * shift).astype(np.int64),
            "pre": pre,
            "rev": 10.0 + 0.8 * pre + 1.5 * shift + rng.normal(0.0, 1.0, n) * sd,
            "num": den * (3.0 + 0.2 * shift) + rng.gamma(2.0, 1.5, n),
            "den": den,
        }
    )


def analyze(data: Any, **kwargs: Any) -> hk.AnalysisResult:
    kwargs.setdefault("variant", "arm")
    kwargs.setdefault("control", "control")
    return hk.analyze(data, **kwargs)


def units_of(df: pd.DataFrame, segment: str, arm: str, column: str = "seg") -> pd.DataFrame:
    mask = df["arm"] == arm
    if segment != ALL:
        mask &= df[column] == segment
    return df[mask]


def approx(value: float) -> Any:
    return pytest.approx(value, rel=REL, abs=1e-12)


def assert_same_table(got: pd.DataFrame, want: pd.DataFrame, *, rtol: float = 1e-9) -> None:
    """The same rows in the same order; numbers equal to ``rtol`` (NaN equal to NaN)."""
    assert list(got.columns) == list(want.columns)
    key = ["segment", "metric", "variant"]
    assert got[key].values.tolist() == want[key].values.tolist()
    for col in got.columns:
        if col in key:
            continue
        if pd.api.types.is_numeric_dtype(want[col]) and want[col].dtype != bool:
            np.testing.assert_allclose(
                got[col].to_numpy(float), want[col].to_numpy(float), rtol=rtol, atol=1e-12
            )
        else:
            assert got[col].tolist() == want[col].tolist(), col


def kinds(result: hk.AnalysisResult) -> list[tuple[Any, ...]]:
    return [(f.kind, f.segment, f.metric, f.variant) for f in result.warnings]


def block(seg: str, arm: str, values: Any, column: str = "rev") -> pd.DataFrame:
    values = np.asarray(values, dtype=float)
    return pd.DataFrame({"seg": seg, "arm": arm, column: values})


def counts(seg: str, arm: str, n: int, successes: int) -> pd.DataFrame:
    return block(seg, arm, [1] * successes + [0] * (n - successes), "buy").astype({"buy": int})


def spread(mean: float, sd: float, n: int) -> np.ndarray:
    """``n`` values with exactly this mean and (ddof=1) standard deviation."""
    z = np.linspace(-1.0, 1.0, n)
    z = (z - z.mean()) / z.std(ddof=1)
    return mean + sd * z


@pytest.fixture(scope="module")
def units() -> pd.DataFrame:
    return make_units()


@pytest.fixture(scope="module")
def result(units: pd.DataFrame) -> hk.AnalysisResult:
    return analyze(
        units,
        metrics=[hk.Proportion("buy"), hk.Mean("rev"), hk.Ratio("num", "den")],
        segments="seg",
    )


# ============================================================ 1. independent cross-checks
def test_means_match_scipy_welch(units: pd.DataFrame) -> None:
    res = analyze(units, metrics=[hk.Mean("rev")], segments="seg", alpha=0.1, correction=None)
    table = res.to_pandas()
    assert len(table) == (len(SEGMENTS) + 1) * 2
    for row in table.itertuples():
        y_c = units_of(units, row.segment, "control")["rev"].to_numpy()
        y_v = units_of(units, row.segment, row.variant)["rev"].to_numpy()
        t = stats.ttest_ind(y_v, y_c, equal_var=False)
        ci = t.confidence_interval(confidence_level=0.9)
        assert row.n_control == len(y_c)
        assert row.n_variant == len(y_v)
        assert row.control_mean == approx(y_c.mean())
        assert row.variant_mean == approx(y_v.mean())
        assert row.effect == approx(y_v.mean() - y_c.mean())
        assert row.effect_ci_low == approx(ci.low)
        assert row.effect_ci_high == approx(ci.high)
        assert row.p_value == approx(t.pvalue)
        assert row.statistic == approx(t.statistic)
        assert row.df == approx(t.df)


def test_proportions_match_statsmodels(units: pd.DataFrame) -> None:
    res = analyze(units, metrics=[hk.Proportion("buy")], segments="seg", correction=None)
    table = res.to_pandas()
    assert len(table) == (len(SEGMENTS) + 1) * 2
    for row in table.itertuples():
        y_c = units_of(units, row.segment, "control")["buy"].to_numpy()
        y_v = units_of(units, row.segment, row.variant)["buy"].to_numpy()
        s_c, s_v = int(y_c.sum()), int(y_v.sum())
        z, p = proportions_ztest([s_v, s_c], [len(y_v), len(y_c)])  # pooled variance
        # The interval inverts that test: the score interval (Mee 1984) of the difference,
        # and of the ratio for the lift (statsmodels' score interval without correction).
        low, high = hk.stats.score_interval_difference(len(y_c), s_c, len(y_v), s_v, 0.05)
        r_low, r_high = confint_proportions_2indep(
            s_v, len(y_v), s_c, len(y_c), method="score", compare="ratio", correction=False
        )
        assert row.control_mean == approx(s_c / len(y_c))
        assert row.variant_mean == approx(s_v / len(y_v))
        assert row.effect == approx(s_v / len(y_v) - s_c / len(y_c))
        assert row.p_value == approx(p)
        assert row.statistic == approx(z)
        assert row.effect_ci_low == approx(float(low))
        assert row.effect_ci_high == approx(float(high))
        assert row.lift_ci_low == pytest.approx(r_low - 1, rel=1e-8)
        assert row.lift_ci_high == pytest.approx(r_high - 1, rel=1e-8)
        assert (row.effect_ci_low > 0 or row.effect_ci_high < 0) == (p < 0.05)


def test_cuped_within_equals_ols_treatment_coefficient(units: pd.DataFrame) -> None:
    res = analyze(
        units,
        metrics=[hk.Mean("rev", covariate="pre")],
        segments="seg",
        theta_pooling="within",
    )
    table = res.to_pandas()
    assert len(table) == (len(SEGMENTS) + 1) * 2
    for row in table.itertuples():
        sub = pd.concat(
            [units_of(units, row.segment, "control"), units_of(units, row.segment, row.variant)]
        )
        treat = (sub["arm"] == row.variant).astype(float).to_numpy()
        centred = (sub["pre"] - sub["pre"].mean()).to_numpy()
        exog = sm.add_constant(np.column_stack([treat, centred]))
        fit = sm.OLS(sub["rev"].to_numpy(), exog).fit()
        assert row.effect == approx(fit.params[1])
        assert row.effect == approx(row.variant_mean - row.control_mean)
        # pre explains much of rev: CUPED must have reduced the variance.
        assert row.variance_reduction > 0.1
        assert row.effect_ci_low < row.effect < row.effect_ci_high


def _delta_ratio(num: np.ndarray, den: np.ndarray) -> tuple[float, float]:
    """A ratio sum(num)/sum(den) and the delta-method variance of its estimate."""
    ratio = num.sum() / den.sum()
    linear = (num - ratio * den) / den.mean()
    return ratio, float(np.var(linear, ddof=1) / len(num))


def test_ratios_match_numpy_delta_method(units: pd.DataFrame) -> None:
    res = analyze(
        units, metrics=[hk.Ratio("num", "den")], segments="seg", correction=None, lift="delta"
    )
    table = res.to_pandas()
    assert len(table) == (len(SEGMENTS) + 1) * 2
    assert set(table["metric"]) == {"num/den"}
    q = stats.norm.ppf(0.975)
    for row in table.itertuples():
        c = units_of(units, row.segment, "control")
        v = units_of(units, row.segment, row.variant)
        r_c, var_c = _delta_ratio(c["num"].to_numpy(), c["den"].to_numpy())
        r_v, var_v = _delta_ratio(v["num"].to_numpy(), v["den"].to_numpy())
        effect = r_v - r_c
        se = math.sqrt(var_c + var_v)
        lift = effect / r_c
        lift_se = math.sqrt(var_v / r_c**2 + r_v**2 * var_c / r_c**4)
        assert row.control_mean == approx(r_c)
        assert row.variant_mean == approx(r_v)
        assert row.effect == approx(effect)
        assert row.se == approx(se)
        assert row.p_value == approx(2 * stats.norm.sf(abs(effect / se)))
        assert row.effect_ci_low == approx(effect - q * se)
        assert row.effect_ci_high == approx(effect + q * se)
        assert row.lift == approx(lift)
        assert row.lift_ci_low == approx(lift - q * lift_se)
        assert row.lift_ci_high == approx(lift + q * lift_se)


@pytest.mark.parametrize(
    ("correction", "method"),
    [("holm", "holm"), ("bonferroni", "bonferroni"), ("bh", "fdr_bh")],
)
def test_p_adjusted_over_the_whole_table(units: pd.DataFrame, correction: str, method: str) -> None:
    res = analyze(
        units,
        metrics=[hk.Proportion("buy"), hk.Mean("rev"), hk.Ratio("num", "den")],
        segments="seg",
        correction=correction,
    )
    table = res.to_pandas()
    # The family is every row: 3 metrics x 2 variants x (3 segments + "(all)").
    assert len(table) == 3 * 2 * 4
    assert (table["segment"] == ALL).sum() == 6
    reject, want, _, _ = multipletests(table["p_value"].to_numpy(), alpha=0.05, method=method)
    np.testing.assert_allclose(table["p_adjusted"].to_numpy(), want, rtol=1e-12)
    assert table["significant"].tolist() == (want < 0.05).tolist()
    assert table["significant"].tolist() == reject.tolist()


def test_correction_none_leaves_p_values(units: pd.DataFrame) -> None:
    table = analyze(units, metrics=[hk.Mean("rev")], segments="seg", correction=None).to_pandas()
    assert table["p_adjusted"].tolist() == table["p_value"].tolist()


def test_all_rows_equal_the_unsegmented_analysis(
    units: pd.DataFrame, result: hk.AnalysisResult
) -> None:
    metrics = [hk.Proportion("buy"), hk.Mean("rev"), hk.Ratio("num", "den")]
    whole = analyze(units, metrics=metrics, correction=None).to_pandas()
    overall = analyze(units, metrics=metrics, segments="seg", correction=None).to_pandas()
    overall = overall[overall["segment"] == ALL].reset_index(drop=True)
    assert set(whole["segment"]) == {ALL}
    assert_same_table(overall, whole, rtol=1e-12)
    # With a correction, the segmented family is larger: the adjusted p-values and the
    # intervals at the adjusted level differ, the estimates do not.
    adjusted = result.to_pandas()
    adjusted = adjusted[adjusted["segment"] == ALL].reset_index(drop=True)
    changed = {"p_adjusted", "significant", "ci_level", "ci_adjustment", *INTERVALS}
    columns = [c for c in whole.columns if c not in changed]
    assert_same_table(adjusted[columns], whole[columns], rtol=1e-12)
    assert (adjusted["effect_ci_low"] < whole["effect_ci_low"]).all()


# ------------------------------------------------------------------ stored R values
#: ctl and trt of the R calls below.
R_CONTROL = [3.1, 4.2, 5.0, 2.8, 4.4, 3.9]
R_TREATMENT = [4.8, 5.1, 6.3, 4.0, 5.7]


def _r_means_frame() -> pd.DataFrame:
    return pd.concat([block(ALL, "control", R_CONTROL), block(ALL, "trt", R_TREATMENT)])[
        ["arm", "rev"]
    ]


def test_means_match_r_t_test() -> None:
    row = analyze(_r_means_frame(), metrics=[hk.Mean("rev")]).row("rev")
    # R: t.test(trt, ctl) with ctl <- c(3.1, 4.2, 5.0, 2.8, 4.4, 3.9),
    #    trt <- c(4.8, 5.1, 6.3, 4.0, 5.7):
    #    estimate difference 1.28, 95% CI 0.099250295492181340 2.460749704507818159,
    #    p-value 0.036803408183459632
    assert row["effect"] == pytest.approx(1.28, rel=1e-12)
    assert row["effect_ci_low"] == pytest.approx(0.099250295492181340, rel=1e-9)
    assert row["effect_ci_high"] == pytest.approx(2.460749704507818159, rel=1e-9)
    assert row["p_value"] == pytest.approx(0.036803408183459632, rel=1e-9)


def test_means_match_r_t_test_greater() -> None:
    row = analyze(_r_means_frame(), metrics=[hk.Mean("rev")], alternative="greater").row("rev")
    # R: t.test(trt, ctl, alternative = "greater"):
    #    95% CI 0.325758790641969331 Inf, p-value 0.018401704091729816
    assert row["effect_ci_low"] == pytest.approx(0.325758790641969331, rel=1e-9)
    assert row["effect_ci_high"] == math.inf
    assert row["p_value"] == pytest.approx(0.018401704091729816, rel=1e-9)


def _r_proportions_frame() -> pd.DataFrame:
    return pd.concat(
        [
            counts("s1", "control", 40, 12),
            counts("s1", "trt", 45, 21),
            counts("s2", "control", 50, 10),
            counts("s2", "trt", 48, 17),
        ],
        ignore_index=True,
    )


def test_proportions_match_r_prop_test_and_p_adjust() -> None:
    df = _r_proportions_frame()
    table = {
        r["segment"]: r
        for r in analyze(
            df, metrics=[hk.Proportion("buy")], segments="seg", correction=None
        ).to_records()
    }
    # R: prop.test(c(38, 22), c(93, 90), correct = FALSE)   (all)
    #    p-value 0.018032663193922212, 95% CI 0.030499156079120293 0.297816256107259703
    # R: prop.test(c(21, 12), c(45, 40), correct = FALSE)   s1
    #    p-value 0.115545190329791478, 95% CI -0.036838237122677947 0.370171570456011345
    # R: prop.test(c(17, 10), c(48, 50), correct = FALSE)   s2
    #    p-value 0.087701872727584784, 95% CI -0.020756833761555238 0.329090167094888586
    want = {
        ALL: (0.018032663193922212, 0.030499156079120293, 0.297816256107259703),
        "s1": (0.115545190329791478, -0.036838237122677947, 0.370171570456011345),
        "s2": (0.087701872727584784, -0.020756833761555238, 0.329090167094888586),
    }
    counts = {ALL: (90, 22, 93, 38), "s1": (40, 12, 45, 21), "s2": (50, 10, 48, 17)}
    for seg, (p, low, high) in want.items():
        assert table[seg]["p_value"] == pytest.approx(p, rel=1e-9)
        # R prints the Wald interval; the table shows the score interval that inverts the
        # same test (Mee 1984), close to it and on the same side of 0 here.
        score = hk.stats.score_interval_difference(*counts[seg], 0.05)
        assert table[seg]["effect_ci_low"] == pytest.approx(float(score[0]), rel=1e-9)
        assert table[seg]["effect_ci_high"] == pytest.approx(float(score[1]), rel=1e-9)
        assert table[seg]["effect_ci_low"] == pytest.approx(low, abs=0.02)
        assert table[seg]["effect_ci_high"] == pytest.approx(high, abs=0.02)
    # R: ps <- c(0.018032663193922212, 0.115545190329791478, 0.087701872727584784)
    #    p.adjust(ps, "holm")       0.054097989581766634 0.175403745455169569 0.175403745455169569
    #    p.adjust(ps, "BH")         0.054097989581766634 0.115545190329791478 0.115545190329791478
    #    p.adjust(ps, "bonferroni") 0.054097989581766634 0.346635570989374420 0.263105618182754353
    r_adjusted = {
        "holm": (0.054097989581766634, 0.175403745455169569, 0.175403745455169569),
        "bh": (0.054097989581766634, 0.115545190329791478, 0.115545190329791478),
        "bonferroni": (0.054097989581766634, 0.346635570989374420, 0.263105618182754353),
    }
    for correction, values in r_adjusted.items():
        res = analyze(df, metrics=[hk.Proportion("buy")], segments="seg", correction=correction)
        got = [res.row("buy", seg)["p_adjusted"] for seg in (ALL, "s1", "s2")]
        assert got == pytest.approx(list(values), rel=1e-9)
        assert not any(r["significant"] for r in res.to_records())
        # (all) has p = 0.018 and R's unadjusted interval excludes 0, but it is not
        # significant after the correction: its interval, at the adjusted level, includes 0.
        overall = res.row("buy", ALL)
        assert overall["effect_ci_low"] < 0 < overall["effect_ci_high"]
        assert overall["ci_level"] == pytest.approx(1 - 0.05 / 3)
        score = hk.stats.score_interval_difference(*counts[ALL], 0.05 / 3)
        assert overall["effect_ci_low"] == pytest.approx(float(score[0]), rel=1e-9)


# ================================================================== 2. the contract
def test_contract_columns_and_identities(result: hk.AnalysisResult) -> None:
    table = result.to_pandas()
    assert list(table.columns[: len(CONTRACT)]) == CONTRACT
    assert "n_missing" in table.columns
    assert set(table["segment"]) == {ALL, *SEGMENTS}
    assert set(table["variant"]) == {"a", "b"}
    assert set(table["metric"]) == {"buy", "rev", "num/den"}
    assert (table["segment"] == ALL).sum() == 3 * 2
    assert table[NUMERIC].notna().all().all()
    np.testing.assert_allclose(
        table["effect"], table["variant_mean"] - table["control_mean"], rtol=1e-12, atol=1e-15
    )
    np.testing.assert_allclose(
        table["lift"], table["effect"] / table["control_mean"], rtol=1e-12, atol=1e-15
    )
    assert (table["effect_ci_low"] < table["effect"]).all()
    assert (table["effect"] < table["effect_ci_high"]).all()
    assert (table["lift_ci_low"] < table["lift"]).all()
    assert (table["lift"] < table["lift_ci_high"]).all()
    assert (table["p_adjusted"] >= table["p_value"]).all()
    assert table["significant"].tolist() == (table["p_adjusted"] < result.alpha).tolist()
    assert table["significant"].any(), "the data carry real effects"
    assert table["significant"].dtype == bool
    for col in ("n_control", "n_variant"):
        assert pd.api.types.is_integer_dtype(table[col])
    assert result.segments == (ALL, *SEGMENTS)
    assert result.variants == ("a", "b")
    assert len(result) == len(table)


@pytest.mark.parametrize("lift", ["log", "fieller"])
def test_lift_methods_give_intervals_around_the_lift(
    units: pd.DataFrame, result: hk.AnalysisResult, lift: str
) -> None:
    metrics = [hk.Proportion("buy"), hk.Mean("rev"), hk.Ratio("num", "den")]
    table = analyze(units, metrics=metrics, segments="seg", lift=lift).to_pandas()
    delta = analyze(units, metrics=metrics, segments="seg", lift="delta").to_pandas()
    assert table[NUMERIC].notna().all().all()
    assert (table["lift_ci_low"] < table["lift"]).all()
    assert (table["lift"] < table["lift_ci_high"]).all()
    # Only the lift interval changes with the method.
    same = [c for c in delta.columns if c not in ("lift_ci_low", "lift_ci_high")]
    assert_same_table(table[same], delta[same], rtol=1e-12)
    assert not np.allclose(table["lift_ci_low"], delta["lift_ci_low"], rtol=1e-6)


def test_log_lift_interval_formula(units: pd.DataFrame) -> None:
    table = analyze(units, metrics=[hk.Proportion("buy")], lift="log", correction=None).to_pandas()
    q = stats.norm.ppf(0.975)
    for row in table.itertuples():
        y_c = units["buy"][units["arm"] == "control"].to_numpy()
        y_v = units["buy"][units["arm"] == row.variant].to_numpy()
        p_c, p_v = y_c.mean(), y_v.mean()
        se = math.sqrt((1 - p_v) / (p_v * len(y_v)) + (1 - p_c) / (p_c * len(y_c)))
        assert row.lift_ci_low == approx(math.exp(math.log(p_v / p_c) - q * se) - 1)
        assert row.lift_ci_high == approx(math.exp(math.log(p_v / p_c) + q * se) - 1)


@pytest.mark.parametrize("alternative", ["greater", "less"])
def test_one_sided_means_match_scipy(units: pd.DataFrame, alternative: str) -> None:
    res = analyze(
        units, metrics=[hk.Mean("rev")], segments="seg", alternative=alternative, correction=None
    )
    assert res.alternative == alternative
    for row in res.to_pandas().itertuples():
        y_c = units_of(units, row.segment, "control")["rev"].to_numpy()
        y_v = units_of(units, row.segment, row.variant)["rev"].to_numpy()
        t = stats.ttest_ind(y_v, y_c, equal_var=False, alternative=alternative)
        ci = t.confidence_interval(confidence_level=0.95)
        assert row.p_value == approx(t.pvalue)
        if alternative == "greater":
            assert row.effect_ci_low == approx(ci.low)
            assert row.effect_ci_high == math.inf
            assert row.lift_ci_high == math.inf
            assert row.lift_ci_low < row.lift
        else:
            assert row.effect_ci_low == -math.inf
            assert row.effect_ci_high == approx(ci.high)
            assert row.lift_ci_low == -math.inf
            assert row.lift_ci_high > row.lift


@pytest.mark.parametrize(("alternative", "sm_name"), [("greater", "larger"), ("less", "smaller")])
def test_one_sided_proportions_match_statsmodels(
    units: pd.DataFrame, alternative: str, sm_name: str
) -> None:
    res = analyze(units, metrics=[hk.Proportion("buy")], alternative=alternative)
    for row in res.to_pandas().itertuples():
        y_c = units["buy"][units["arm"] == "control"].to_numpy()
        y_v = units["buy"][units["arm"] == row.variant].to_numpy()
        _, p = proportions_ztest([y_v.sum(), y_c.sum()], [len(y_v), len(y_c)], alternative=sm_name)
        assert row.p_value == approx(p)
        # Proportion differences live in [-1, 1]: the open bound is clipped there, as in R.
        if alternative == "greater":
            assert row.effect_ci_high == 1.0
            assert row.effect_ci_low < row.effect
        else:
            assert row.effect_ci_low == -1.0
            assert row.effect < row.effect_ci_high


def test_one_sided_p_values_halve_the_two_sided_one(
    units: pd.DataFrame, result: hk.AnalysisResult
) -> None:
    two = result.to_pandas()
    metrics = [hk.Proportion("buy"), hk.Mean("rev"), hk.Ratio("num", "den")]
    greater = analyze(units, metrics=metrics, segments="seg", alternative="greater").to_pandas()
    less = analyze(units, metrics=metrics, segments="seg", alternative="less").to_pandas()
    up = two["effect"] > 0
    np.testing.assert_allclose(greater["p_value"][up], two["p_value"][up] / 2, rtol=1e-9)
    np.testing.assert_allclose(less["p_value"][~up], two["p_value"][~up] / 2, rtol=1e-9)
    np.testing.assert_allclose(greater["p_value"] + less["p_value"], 1.0, rtol=1e-9)


# ===================================================================== 3. inputs
METRICS_ALL = [hk.Proportion("buy"), hk.Mean("rev", covariate="pre"), hk.Ratio("num", "den")]


def test_csv_and_parquet_paths_give_the_same_table(units: pd.DataFrame, tmp_path: Path) -> None:
    want = analyze(units, metrics=METRICS_ALL, segments="seg").to_pandas()
    csv = tmp_path / "units.csv"
    units.to_csv(csv, index=False)
    parquet = tmp_path / "units.parquet"
    con = duckdb.connect()
    try:
        con.register("units_frame", units)
        con.execute(f"COPY units_frame TO '{parquet}' (FORMAT PARQUET)")
    finally:
        con.close()
    for path in (str(csv), parquet):
        got = analyze(path, metrics=METRICS_ALL, segments="seg").to_pandas()
        assert_same_table(got, want, rtol=1e-10)


def test_aggregates_and_their_frame_give_the_same_table(units: pd.DataFrame) -> None:
    want = analyze(units, metrics=METRICS_ALL, segments="seg")
    agg = hk.aggregate(units, variant="arm", metrics=METRICS_ALL, segments="seg")
    for data in (agg, agg.to_pandas()):
        got = analyze(data, metrics=METRICS_ALL)
        assert_same_table(got.to_pandas(), want.to_pandas(), rtol=1e-12)
        assert kinds(got) == kinds(want)


def test_aggregates_of_more_metrics_than_analysed(units: pd.DataFrame) -> None:
    agg = hk.aggregate(units, variant="arm", metrics=METRICS_ALL, segments="seg")
    got = analyze(agg.to_pandas(), metrics=[hk.Mean("rev", covariate="pre")]).to_pandas()
    want = analyze(units, metrics=[hk.Mean("rev", covariate="pre")], segments="seg")
    assert_same_table(got, want.to_pandas(), rtol=1e-12)


def test_aggregate_sql_run_in_duckdb(units: pd.DataFrame) -> None:
    want = analyze(units, metrics=METRICS_ALL, segments="seg").to_pandas()
    sql = hk.aggregate_sql("units_frame", variant="arm", metrics=METRICS_ALL, segments="seg")
    con = duckdb.connect()
    try:
        con.register("units_frame", units)
        warehouse = con.execute(sql).df()
    finally:
        con.close()
    assert len(warehouse) == len(SEGMENTS) * len(ARMS)
    got = analyze(warehouse, metrics=METRICS_ALL).to_pandas()
    assert_same_table(got, want, rtol=1e-10)


def test_several_segment_columns(units: pd.DataFrame) -> None:
    df = units.assign(platform=np.where(np.arange(len(units)) % 3 == 0, "ios", "web"))
    res = analyze(df, metrics=[hk.Mean("rev")], segments=["seg", "platform"])
    labels = {f"{s} / {p}" for s in SEGMENTS for p in ("ios", "web")}
    assert set(res.segments) == {ALL} | labels
    combined = df.assign(both=df["seg"] + "|" + df["platform"])
    want = analyze(combined, metrics=[hk.Mean("rev")], segments="both").to_pandas()
    want["segment"] = want["segment"].str.replace("|", " / ")
    assert_same_table(res.to_pandas(), want, rtol=1e-12)
    row = res.row("rev", "US / ios", "a")
    sub = df[(df["seg"] == "US") & (df["platform"] == "ios")]
    assert row["n_control"] == (sub["arm"] == "control").sum()
    assert row["n_variant"] == (sub["arm"] == "a").sum()


# =================================================================== 4. findings
def _split(seg: str, n_control: int, n_treatment: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.concat(
        [
            block(seg, "control", rng.normal(20, 4, n_control)),
            block(seg, "treatment", rng.normal(20, 4, n_treatment)),
        ]
    )


def test_srm_overall_and_per_segment() -> None:
    df = pd.concat([_split("x", 2000, 2000, 1), _split("y", 2200, 1800, 2)], ignore_index=True)
    res = analyze(df, metrics=[hk.Mean("rev")], segments="seg")
    srm = res.findings("srm")
    assert {f.segment for f in srm} == {ALL, "y"}
    assert all(f.severity == "warning" for f in srm)
    assert res.findings("srm", segment="x") == []
    assert "55.0%" in res.findings("srm", segment="y")[0].message
    table = res.srm.to_pandas()
    assert {"segment", "n_control", "n_treatment", "statistic", "p_value", "mismatch"} <= set(
        table.columns
    )
    by_segment = table.set_index("segment")
    for seg, n in {ALL: [4200, 3800], "x": [2000, 2000], "y": [2200, 1800]}.items():
        assert by_segment.loc[seg, "p_value"] == approx(stats.chisquare(n).pvalue)
        assert by_segment.loc[seg, "mismatch"] == (seg != "x")
    assert res.srm.mismatch
    assert res.srm.p_value == approx(stats.chisquare([4200, 3800]).pvalue)


def test_srm_silenced_by_the_planned_allocation() -> None:
    df = pd.concat([_split("x", 1100, 900, 3), _split("y", 2200, 1800, 4)], ignore_index=True)
    res = analyze(df, metrics=[hk.Mean("rev")], segments="seg")
    assert {f.segment for f in res.findings("srm")} == {ALL, "x", "y"}
    planned = analyze(
        df,
        metrics=[hk.Mean("rev")],
        segments="seg",
        allocation={"control": 0.55, "treatment": 0.45},
    )
    assert planned.findings("srm") == []
    assert not planned.srm.mismatch
    np.testing.assert_allclose(planned.srm.to_pandas()["p_value"], 1.0)
    # Any positive scale works.
    scaled = analyze(
        df, metrics=[hk.Mean("rev")], segments="seg", allocation={"control": 11, "treatment": 9}
    )
    assert scaled.findings("srm") == []


def test_simpson_paradox_for_a_proportion() -> None:
    # The treatment got mostly the high-converting segment s2; s1 and s2 both lose, s3
    # gains: pooled +0.177, Mantel-Haenszel -0.011, and not every segment flips.
    df = pd.concat(
        [
            counts("s1", "control", 800, 80),
            counts("s1", "treatment", 200, 16),
            counts("s2", "control", 200, 120),
            counts("s2", "treatment", 800, 440),
            counts("s3", "control", 500, 150),
            counts("s3", "treatment", 500, 160),
        ],
        ignore_index=True,
    )
    res = analyze(df, metrics=[hk.Proportion("buy")], segments="seg")
    overall = res.row("buy")
    assert overall["effect"] == approx(616 / 1500 - 350 / 1500)
    assert overall["significant"]
    assert res.row("buy", "s3")["effect"] > 0  # one segment agrees with the pooled sign
    # Mantel-Haenszel risk difference, by hand: weights n1 n0 / N.
    w = np.array([800 * 200 / 1000, 200 * 800 / 1000, 500 * 500 / 1000])
    d = np.array([16 / 200 - 80 / 800, 440 / 800 - 120 / 200, 160 / 500 - 150 / 500])
    assert float(w @ d / w.sum()) < 0 < overall["effect"]
    (simpson,) = res.findings("simpson")
    assert simpson.metric == "buy"
    assert simpson.variant == "treatment"
    assert simpson.severity == "warning"
    assert "2 of 3 segments" in simpson.message
    assert f"{float(w @ d / w.sum()):.4g}" in simpson.message


def test_simpson_paradox_for_a_mean() -> None:
    df = pd.concat(
        [
            block("s1", "control", spread(10.0, 1.0, 800)),
            block("s1", "treatment", spread(9.5, 1.0, 200)),
            block("s2", "control", spread(50.0, 1.0, 200)),
            block("s2", "treatment", spread(48.0, 1.0, 800)),
            block("s3", "control", spread(30.0, 1.0, 500)),
            block("s3", "treatment", spread(30.5, 1.0, 500)),
        ],
        ignore_index=True,
    )
    res = analyze(df, metrics=[hk.Mean("rev")], segments="seg")
    overall = res.row("rev")
    # (0.2 * 9.5 + 0.8 * 48 + 0.5 * 30.5 ... ) pooled: 37.03 - 22.0
    assert overall["effect"] == approx((1900 + 38400 + 15250) / 1500 - 33000 / 1500)
    effects = [res.row("rev", s)["effect"] for s in ("s1", "s2", "s3")]
    assert effects == [approx(-0.5), approx(-2.0), approx(0.5)]
    standardised = float(np.mean(effects))  # every segment has 1000 units
    assert standardised < 0 < overall["effect"]
    (simpson,) = res.findings("simpson")
    assert simpson.metric == "rev"
    assert "2 of 3 segments" in simpson.message


def test_no_simpson_for_randomised_heterogeneous_unequal_variances() -> None:
    # Randomised: the same segment mix in both arms. Segment A is noisy with a large
    # effect, B is precise with a small opposite one: an inverse-variance pool follows
    # B and would flip the sign, but this is no Simpson's paradox.
    rng = np.random.default_rng(5)
    n = 8000
    seg = rng.choice(np.array(["A", "B"]), n)
    arm = rng.choice(np.array(["control", "treatment"]), n)
    treated = arm == "treatment"
    rev = np.where(
        seg == "A", rng.normal(100, 50, n) + 10 * treated, rng.normal(100, 1, n) - 0.3 * treated
    )
    res = analyze(
        pd.DataFrame({"seg": seg, "arm": arm, "rev": rev}),
        metrics=[hk.Mean("rev")],
        segments="seg",
    )
    rows = [res.row("rev", s) for s in ("A", "B")]
    w = np.array([1 / r["se"] ** 2 for r in rows])
    inverse_variance = float(w @ [r["effect"] for r in rows] / w.sum())
    overall = res.row("rev")
    assert overall["significant"]
    assert inverse_variance < 0 < overall["effect"], "the construction must tempt a false alarm"
    assert res.findings("simpson") == []
    assert res.findings("srm") == []
    assert {f.segment for f in res.findings("segment_opposes")} == {"B"}


def test_heterogeneity_segment_differs_and_opposes() -> None:
    rng = np.random.default_rng(11)
    effects = {"A": 1.0, "B": 1.0, "C": -1.0}
    parts = []
    for seg, effect in effects.items():
        parts.append(block(seg, "control", rng.normal(50, 2, 600)))
        parts.append(block(seg, "treatment", rng.normal(50 + effect, 2, 600)))
    res = analyze(pd.concat(parts, ignore_index=True), metrics=[hk.Mean("rev")], segments="seg")
    overall = res.row("rev")
    assert overall["effect"] > 0
    assert overall["significant"]
    (het,) = res.findings("heterogeneity")
    assert het.metric == "rev"
    assert het.variant == "treatment"
    assert "Cochran's Q" in het.message
    differs = res.findings("segment_differs", metric="rev")
    assert "C" in {f.segment for f in differs}
    assert "'C'" in res.findings("segment_differs", segment="C")[0].message
    (opposes,) = res.findings("segment_opposes")
    assert opposes.segment == "C"
    assert opposes.variant == "treatment"
    assert res.findings("simpson") == []


def test_no_heterogeneity_for_a_common_effect() -> None:
    rng = np.random.default_rng(12)
    parts = []
    for seg in ("A", "B", "C"):
        parts.append(block(seg, "control", rng.normal(50, 2, 600)))
        parts.append(block(seg, "treatment", rng.normal(50.5, 2, 600)))
    res = analyze(pd.concat(parts, ignore_index=True), metrics=[hk.Mean("rev")], segments="seg")
    assert res.findings("heterogeneity") == []
    assert res.findings("segment_differs") == []
    assert res.findings("segment_opposes") == []
    assert res.warnings == ()


def test_underpowered_against_a_plan(units: pd.DataFrame) -> None:
    plan = hk.size(hk.Proportion(baseline=0.25), mde=0.01)
    assert plan.n_per_arm > len(units)
    res = analyze(units, metrics=[hk.Proportion("buy")], segments="seg", plan=plan)
    (finding,) = res.findings("underpowered")
    assert finding.segment == ALL
    assert f"{plan.n_per_arm:,}" in finding.message
    enough = analyze(
        units, metrics=[hk.Proportion("buy")], plan=hk.size(hk.Proportion(baseline=0.25), mde=0.2)
    )
    assert enough.findings("underpowered") == []


def test_underpowered_per_segment(units: pd.DataFrame) -> None:
    plan = hk.size(
        hk.Proportion(baseline={"DE": 0.15, "US": 0.35, "XX": 0.2}),
        mde=0.05,
        traffic={"DE": 100, "US": 100, "XX": 100},
    )
    res = analyze(units, metrics=[hk.Proportion("buy")], segments="seg", plan=plan)
    found = {f.segment: f for f in res.findings("underpowered")}
    assert set(found) == {"DE", "US", "XX"}
    assert "does not have" in found["XX"].message
    n_de = int(((units["seg"] == "DE") & (units["arm"] == "control")).sum())
    assert f"control {n_de:,} of " in found["DE"].message


def test_missing_metric_values(units: pd.DataFrame) -> None:
    df = units.astype({"buy": float})
    rng = np.random.default_rng(3)
    gone = rng.choice(len(df), 37, replace=False)
    df.loc[gone, "buy"] = np.nan
    res = analyze(df, metrics=[hk.Proportion("buy"), hk.Mean("rev")], segments="seg")
    (missing,) = res.findings("missing")
    assert missing.metric == "buy"
    assert f"37 of {len(df):,} units" in missing.message
    table = res.to_pandas()
    assert (table.loc[table["metric"] == "rev", "n_missing"] == 0).all()
    for row in table[table["metric"] == "buy"].itertuples():
        c = units_of(df, row.segment, "control")
        v = units_of(df, row.segment, row.variant)
        assert row.n_missing == c["buy"].isna().sum() + v["buy"].isna().sum()
        assert row.n_control == c["buy"].notna().sum()
        assert row.n_variant == v["buy"].notna().sum()
        assert row.control_mean == approx(c["buy"].mean())  # pandas skips NaN
    assert table[NUMERIC].notna().all().all()


def test_segment_without_metric_values(units: pd.DataFrame) -> None:
    df = units.copy()
    df.loc[df["seg"] == "US", "rev"] = np.nan
    res = analyze(df, metrics=[hk.Mean("rev")], segments="seg")
    table = res.to_pandas()
    assert set(table["segment"]) == {ALL, "DE", "FR"}
    assert table[NUMERIC].notna().all().all()
    assert {(f.segment, f.variant) for f in res.findings("no_data")} == {("US", "a"), ("US", "b")}
    n_us = int((df["seg"] == "US").sum())
    assert f"{n_us:,} of {len(df):,} units" in res.findings("missing")[0].message
    assert table.loc[table["segment"] == "DE", "n_missing"].eq(0).all()


def test_one_arm_segment(units: pd.DataFrame) -> None:
    df = pd.concat(
        [units, units[units["arm"] == "control"].head(40).assign(seg="ZZ")], ignore_index=True
    )
    res = analyze(
        df, metrics=[hk.Proportion("buy"), hk.Mean("rev")], segments="seg", correction=None
    )
    table = res.to_pandas()
    assert "ZZ" in res.segments
    assert "ZZ" not in set(table["segment"])
    assert set(table["segment"]) == {ALL, *SEGMENTS}
    assert len(table) == 2 * 2 * 4
    assert table[NUMERIC].notna().all().all()
    one_arm = res.findings("one_arm")
    assert {(f.segment, f.metric, f.variant) for f in one_arm} == {
        ("ZZ", m, v) for m in ("buy", "rev") for v in ("a", "b")
    }
    assert "one arm only" in one_arm[0].message
    assert res.findings("srm", segment="ZZ")
    # The other rows are computed as if ZZ's control units were one more segment.
    want = analyze(df, metrics=[hk.Proportion("buy"), hk.Mean("rev")], correction=None).to_pandas()
    overall = table[table["segment"] == ALL].reset_index(drop=True)
    cols = list(want.columns)
    assert_same_table(overall[cols], want[cols], rtol=1e-12)
    with pytest.raises(KeyError, match="ZZ"):
        res.row("rev", "ZZ", "a")


def test_constant_metric_is_not_computed(units: pd.DataFrame) -> None:
    df = units.assign(flat=3.0, flat_in_us=np.where(units["seg"] == "US", 1.0, units["rev"]))
    res = analyze(
        df, metrics=[hk.Mean("rev"), hk.Mean("flat"), hk.Mean("flat_in_us")], segments="seg"
    )
    table = res.to_pandas()
    assert "flat" not in set(table["metric"])
    assert set(table.loc[table["metric"] == "flat_in_us", "segment"]) == {ALL, "DE", "FR"}
    assert len(table) == 2 * 4 + 2 * 3
    assert table[NUMERIC].notna().all().all()
    assert np.isfinite(table[NUMERIC].to_numpy(float)).all()
    flat = res.findings("not_computed", metric="flat")
    assert {(f.segment, f.variant) for f in flat} == {
        (s, v) for s in (ALL, *SEGMENTS) for v in ("a", "b")
    }
    assert "does not vary" in flat[0].message
    assert {f.segment for f in res.findings("not_computed", metric="flat_in_us")} == {"US"}
    assert res.findings("not_computed", metric="rev") == []
    # A proportion at 0% in both arms is constant too.
    zeros = analyze(units.assign(never=0), metrics=[hk.Proportion("never"), hk.Mean("rev")])
    assert {f.metric for f in zeros.findings("not_computed")} == {"never"}
    assert set(zeros.to_pandas()["metric"]) == {"rev"}


def test_units_without_a_variant_are_counted(units: pd.DataFrame) -> None:
    df = units.astype({"arm": object})
    df.loc[[0, 5, 9, 100, 2000, 2500, 2999], "arm"] = None
    res = analyze(df, metrics=[hk.Mean("rev")], segments="seg")
    (missing,) = res.findings("missing")
    assert missing.message.startswith("7 units have no variant")
    assert missing.metric is None
    srm = res.srm.to_pandas().set_index("segment")
    assert srm.loc[ALL, ["n_control", "n_a", "n_b"]].sum() == len(df) - 7
    row = res.row("rev", ALL, "a")
    assert row["n_control"] == (df["arm"] == "control").sum()
    # Aggregates carry the count to the analysis.
    agg = hk.aggregate(df, variant="arm", metrics=[hk.Mean("rev")], segments="seg")
    assert agg.missing_variant == 7
    assert kinds(analyze(agg, metrics=[hk.Mean("rev")])) == kinds(res)


def test_units_without_a_variant_survive_a_segmented_warehouse_table(
    units: pd.DataFrame,
) -> None:
    df = units.astype({"arm": object})
    df.loc[[0, 5, 9], "arm"] = None
    sql = hk.aggregate_sql("units_frame", variant="arm", metrics=[hk.Mean("rev")], segments="seg")
    con = duckdb.connect()
    try:
        con.register("units_frame", df)
        warehouse = con.execute(sql).df()
    finally:
        con.close()
    assert warehouse["variant"].isna().any()
    res = analyze(warehouse, metrics=[hk.Mean("rev")])
    assert [f.message for f in res.findings("missing")] == [
        "3 units have no variant and were left out."
    ]


def test_messages_keep_the_segment_label(units: pd.DataFrame) -> None:
    df = pd.concat(
        [units, units[units["arm"] == "control"].head(40).assign(seg="ZZ")], ignore_index=True
    )
    plan = hk.size(hk.Proportion(baseline={"ZZ": 0.2}), mde=0.05, traffic={"ZZ": 100})
    res = analyze(df, metrics=[hk.Proportion("buy")], segments="seg", plan=plan)
    assert res.findings("one_arm")
    assert res.findings("underpowered")
    for finding in res.findings("one_arm") + res.findings("underpowered"):
        assert finding.segment == "ZZ"
        assert "'ZZ'" in finding.message, finding.message


# Simpson's paradox on the published textbook tables, as unit-level A/B data.
def patients(arms: dict[str, dict[str, tuple[int, int]]], arm: str, seg: str, y: str) -> Any:
    """One row per unit from ``{arm: {segment: (successes, units)}}``."""
    parts = [
        pd.DataFrame({arm: a, seg: s, y: [1] * k + [0] * (n - k)})
        for a, segments in arms.items()
        for s, (k, n) in segments.items()
    ]
    return pd.concat(parts, ignore_index=True)


def mh_difference(control: Any, variant: Any) -> float:
    """The Mantel-Haenszel risk difference by hand (weights n1 n0 / N; Greenland &
    Robins 1985), from ``[(successes, units)]`` per segment."""
    num = den = 0.0
    for (c, n0), (a, n1) in zip(control, variant, strict=True):
        w = n1 * n0 / (n0 + n1)
        num += w * (a / n1 - c / n0)
        den += w
    return num / den


#: Kidney stones (Charig et al. 1986, BMJ; Julious & Mullee 1994): successes and
#: patients by stone size; treatment A (open surgery) is the control, B (PCNL) the variant.
KIDNEY = {
    "A": {"small": (81, 87), "large": (192, 263)},
    "B": {"small": (234, 270), "large": (55, 80)},
}
#: UC Berkeley graduate admissions, fall 1973, six largest departments (Bickel, Hammel
#: & O'Connell 1975; R's UCBAdmissions): admitted and applicants; men are the control,
#: women the variant.
BERKELEY = {
    "male": {
        "A": (512, 825), "B": (353, 560), "C": (120, 325),
        "D": (138, 417), "E": (53, 191), "F": (22, 373),
    },
    "female": {
        "A": (89, 108), "B": (17, 25), "C": (202, 593),
        "D": (131, 375), "E": (94, 393), "F": (24, 341),
    },
}  # fmt: skip


def test_simpson_kidney_stones() -> None:
    df = patients(KIDNEY, "treatment", "stone_size", "success")
    res = hk.analyze(
        df,
        variant="treatment",
        control="A",
        metrics=[hk.Proportion("success")],
        segments="stone_size",
    )
    overall = res.row("success")
    pooled = 289 / 350 - 273 / 350  # B cures 82.6% overall, A 78.0%
    assert overall["effect"] == approx(pooled)
    # Neither the pooled effect (prop.test p = 0.128) nor the stratified one (|z| = 1.60)
    # is significant: the reversal is real because B got mostly the easy small stones.
    assert not overall["significant"]
    stratified = mh_difference(
        [KIDNEY["A"]["large"], KIDNEY["A"]["small"]], [KIDNEY["B"]["large"], KIDNEY["B"]["small"]]
    )
    assert stratified == pytest.approx(-0.0538355702434747, rel=1e-12)  # R, Sato 1989
    assert res.row("success", "small")["effect"] < 0
    assert res.row("success", "large")["effect"] < 0
    # The segment x arm table, by scipy: small 87 / 270, large 263 / 80.
    mix = stats.chi2_contingency([[263, 80], [87, 270]], correction=False)
    assert mix.pvalue == pytest.approx(1.53998372831404e-43, rel=1e-9)  # R chisq.test
    (simpson,) = res.findings("simpson")
    assert (simpson.metric, simpson.variant, simpson.segment) == ("success", "B", None)
    assert simpson.columns == ("stone_size",)
    assert simpson.severity == "warning"
    assert f"the pooled effect ({pooled:.4g})" in simpson.message
    assert f"within segments of stone_size (Mantel-Haenszel, {stratified:.4g})" in simpson.message
    assert "2 of 2 segments" in simpson.message
    assert f"p = {mix.pvalue:.2g}" in simpson.message
    assert [f.segment for f in res.findings("srm")] == ["large", "small"]  # 350 each overall


def test_simpson_berkeley_admissions() -> None:
    df = patients(BERKELEY, "gender", "dept", "admitted")
    res = hk.analyze(
        df, variant="gender", control="male", metrics=[hk.Proportion("admitted")], segments="dept"
    )
    overall = res.row("admitted")
    pooled = 557 / 1835 - 1198 / 2691  # women 30.4% admitted, men 44.5%
    assert overall["effect"] == approx(pooled)
    assert overall["significant"]
    depts = "ABCDEF"
    stratified = mh_difference(
        [BERKELEY["male"][d] for d in depts], [BERKELEY["female"][d] for d in depts]
    )
    assert stratified == pytest.approx(0.0184251961908525, rel=1e-12)  # R, Sato 1989
    # The data are the published ones: R's mantelhaen.test(UCBAdmissions) common odds
    # ratio (men against women within departments) is 0.904696828258623.
    tables = np.array(
        [
            [[BERKELEY[g][d][0], BERKELEY[g][d][1] - BERKELEY[g][d][0]] for g in BERKELEY]
            for d in depts
        ],
        dtype=float,
    )
    odds = StratifiedTable(tables.transpose(1, 2, 0)).oddsratio_pooled
    assert odds == pytest.approx(0.904696828258623, rel=1e-12)
    (simpson,) = res.findings("simpson")
    assert (simpson.metric, simpson.variant, simpson.columns) == ("admitted", "female", ("dept",))
    assert f"the pooled effect ({pooled:.4g})" in simpson.message
    assert f"(Mantel-Haenszel, {stratified:.4g})" in simpson.message
    assert "4 of 6 segments" in simpson.message  # women ahead in A, B, D and F
    assert "different segment mix" in simpson.message


def test_no_simpson_without_a_paradox() -> None:
    # The same mix in both arms and the same +5 points in every segment.
    mixed = {
        "control": {"s1": (100, 1000), "s2": (300, 1000), "s3": (250, 500)},
        "treatment": {"s1": (150, 1000), "s2": (350, 1000), "s3": (275, 500)},
    }
    res = hk.analyze(
        patients(mixed, "arm", "seg", "buy"),
        variant="arm",
        control="control",
        metrics=[hk.Proportion("buy")],
        segments="seg",
    )
    assert res.row("buy")["effect"] == approx(0.05)
    assert res.row("buy")["significant"]
    assert res.warnings == ()
    # Two numbers of noise with opposite signs: conversion 10% and 30%, a chance split
    # of 520/480 against 480/520 (chi-square p = 0.074), pooled +0.006 (p = 0.74),
    # Mantel-Haenszel -0.002. Reversed, but nothing to report.
    noise = {
        "control": {"s1": (52, 520), "s2": (144, 480)},
        "treatment": {"s1": (47, 480), "s2": (155, 520)},
    }
    res = hk.analyze(
        patients(noise, "arm", "seg", "buy"),
        variant="arm",
        control="control",
        metrics=[hk.Proportion("buy")],
        segments="seg",
    )
    check = hk.stats.simpson_proportions(
        hk.stats.ProportionStats([520, 480], [52, 144]),
        hk.stats.ProportionStats([480, 520], [47, 155]),
    )
    assert bool(check.reversed)
    assert res.row("buy")["effect"] == approx(0.006)
    assert res.findings("simpson") == []
    # Only a mix test as lax as alpha would call it different.
    lax = hk.analyze(
        patients(noise, "arm", "seg", "buy"),
        variant="arm",
        control="control",
        metrics=[hk.Proportion("buy")],
        segments="seg",
        srm_alpha=0.1,
    )
    assert [f.kind for f in lax.warnings] == ["simpson"]


def test_simpson_from_a_significant_effect_and_a_chance_imbalance() -> None:
    # Levels 10 and 100, -0.2 in both segments; a split of 520/480 against 480/520
    # (chi-square p = 0.074, no alarm at srm_alpha) is enough to lift the pooled mean
    # difference to +3.4. The stratified effect is significant: not noise.
    df = pd.concat(
        [
            block("s1", "control", spread(10.0, 1.0, 520)),
            block("s1", "treatment", spread(9.8, 1.0, 480)),
            block("s2", "control", spread(100.0, 1.0, 480)),
            block("s2", "treatment", spread(99.8, 1.0, 520)),
        ],
        ignore_index=True,
    )
    res = analyze(df, metrics=[hk.Mean("rev")], segments="seg")
    overall = res.row("rev")
    assert overall["effect"] == approx((480 * 9.8 + 520 * 99.8 - 520 * 10 - 480 * 100) / 1000)
    assert not overall["significant"]
    se = math.sqrt(1 / 520 + 1 / 480)  # each segment's, sd 1 in every arm
    z = -0.2 / (math.sqrt(2 * se**2) / 2)  # equal sizes: the plain average
    assert z < -4
    assert stats.chi2_contingency([[520, 480], [480, 520]], correction=False).pvalue > 0.05
    (simpson,) = res.findings("simpson")
    assert "(population-weighted, -0.2)" in simpson.message
    assert f"The disagreement is not noise (one of the two has |z| = {abs(z):.1f})" in (
        simpson.message
    )
    assert "p = 0.0736" in simpson.message
    assert res.findings("srm") == []


def test_no_simpson_for_a_ratio_with_a_balanced_mix() -> None:
    # A ratio of sums weights each segment by its share of the denominator: with the
    # same mix in both arms the pooled ratio effect is exactly the denominator-weighted
    # average of the segment effects. Weighting by units instead would flip its sign.
    n = 400
    den = {"A": spread(10.0, 1.0, n), "B": spread(1.0, 0.1, n)}
    ratio = {("A", "control"): 1.0, ("A", "treatment"): 1.1, ("B", "control"): 1.0,
             ("B", "treatment"): 0.5}  # fmt: skip
    df = pd.concat(
        [
            pd.DataFrame(
                {
                    "seg": seg,
                    "arm": arm,
                    "num": r * den[seg] + spread(0.0, 0.2, n)[::-1],
                    "den": den[seg],
                }
            )
            for (seg, arm), r in ratio.items()
        ],
        ignore_index=True,
    )
    res = analyze(df, metrics=[hk.Ratio("num", "den")], segments="seg")
    overall = res.row("num/den")
    rows = {s: res.row("num/den", s) for s in ("A", "B")}
    x = {s: den[s].sum() * 2 for s in ("A", "B")}
    by_denominator = sum(x[s] * rows[s]["effect"] for s in x) / sum(x.values())
    by_units = (rows["A"]["effect"] + rows["B"]["effect"]) / 2
    assert overall["effect"] == approx(by_denominator)
    assert overall["significant"]
    assert by_units < 0 < overall["effect"], "the construction must tempt a false alarm"
    assert res.findings("simpson") == []
    assert res.findings("srm") == []
    assert {f.kind for f in res.warnings} == {"heterogeneity", "segment_differs", "segment_opposes"}


def _segment_text(finding: hk.Finding, columns: tuple[str, ...]) -> str:
    values = str(finding.segment).split(" / ")
    return ", ".join(f"{c}={v!r}" for c, v in zip(columns, values, strict=True))


def test_every_segment_finding_names_its_columns() -> None:
    rng = np.random.default_rng(7)
    cells = {  # (control units, treatment units, effect on rev)
        ("DE", "ios"): (1100, 900, 2.0),
        ("DE", "web"): (1000, 1000, 2.0),
        ("FR", "ios"): (1000, 1000, 2.0),
        ("FR", "web"): (1000, 1000, -4.0),
        ("US", "ios"): (30, 0, 0.0),
    }
    parts = []
    for (country, platform), (n0, n1, shift) in cells.items():
        for arm, n, d in (("control", n0, 0.0), ("treatment", n1, shift)):
            parts.append(
                pd.DataFrame(
                    {
                        "country": country,
                        "platform": platform,
                        "arm": arm,
                        "pre": rng.normal(20.0, 5.0, n),
                        "rev": rng.normal(50.0 + d, 5.0, n),
                        "zero": rng.random(n),
                    }
                )
            )
    df = pd.concat(parts, ignore_index=True)
    fr_ios = (df["country"] == "FR") & (df["platform"] == "ios")
    de_web = (df["country"] == "DE") & (df["platform"] == "web")
    df["flat"] = np.where(fr_ios, 1.0, rng.normal(0, 1, len(df)))  # constant in FR / ios
    df.loc[de_web & (df["arm"] == "control"), "zero"] = 0.0  # control mean 0 in DE / web
    df["late"] = np.where(fr_ios, np.nan, df["rev"])  # no values in FR / ios
    df.loc[de_web, "pre"] = 3.0  # a covariate that does not vary in DE / web
    plan = hk.size(
        hk.Proportion(baseline={"DE / ios": 0.2, "XX / web": 0.2}),
        mde=0.05,
        traffic={"DE / ios": 100, "XX / web": 100},
    )
    columns = ("country", "platform")
    res = analyze(
        df,
        metrics=[
            hk.Mean("rev", covariate="pre"),
            hk.Mean("flat"),
            hk.Mean("zero"),
            hk.Mean("late"),
        ],
        segments=list(columns),
        plan=plan,
    )
    by_kind = {f.kind for f in res.warnings}
    assert by_kind >= {
        "srm", "one_arm", "not_computed", "no_data", "lift", "cuped", "missing",
        "heterogeneity", "segment_differs", "segment_opposes", "underpowered",
    }  # fmt: skip
    expect = {
        ("srm", "DE / ios", None),
        ("srm", "US / ios", None),
        ("one_arm", "US / ios", "rev"),
        ("not_computed", "FR / ios", "flat"),
        ("no_data", "FR / ios", "late"),
        ("lift", "DE / web", "zero"),
        ("cuped", "DE / web", "rev"),
        ("segment_opposes", "FR / web", "rev"),
        ("underpowered", "DE / ios", "proportion"),
        ("underpowered", "XX / web", None),
    }
    assert expect <= {(f.kind, f.segment, f.metric) for f in res.warnings}
    for f in res.warnings:
        if f.segment not in (None, ALL):
            assert f.columns == columns, f
            named = _segment_text(f, columns)
            assert f"segment {named}" in f.message or f"Segment {named}" in f.message, f
        elif f.kind in ("simpson", "heterogeneity"):
            assert f.columns == columns, f
            assert "segments of country × platform" in f.message, f.message
        else:
            assert f.columns == (), f
    text = res.findings("segment_opposes")[0].message
    assert text.startswith("Segment country='FR', platform='web' moved rev the other way")
    # Filtering on the new field.
    about_segments = res.findings(columns=columns)
    assert about_segments == [f for f in res.warnings if f.columns]
    assert {f.kind for f in res.findings(columns=())} == {"missing"}
    assert [f.segment for f in res.findings("srm", columns=columns)] == ["DE / ios", "US / ios"]


def test_findings_name_one_column_and_an_aggregates_table() -> None:
    df = pd.concat([_split("x", 2000, 2000, 1), _split("y", 2200, 1800, 2)], ignore_index=True)
    res = analyze(df.rename(columns={"seg": "customer_type"}), metrics=[hk.Mean("rev")],
                  segments="customer_type")  # fmt: skip
    srm = {f.segment: f for f in res.findings("srm")}
    assert srm["y"].columns == ("customer_type",)
    assert "Sample-ratio mismatch in segment 'y' of customer_type:" in srm["y"].message
    assert srm[ALL].columns == ()
    assert "Sample-ratio mismatch in the whole population:" in srm[ALL].message
    # An aggregates table from a warehouse knows only its "segment" column.
    table = hk.aggregate(df, variant="arm", metrics=[hk.Mean("rev")], segments="seg")
    res = analyze(table.to_pandas(), metrics=[hk.Mean("rev")])
    found = res.findings("srm", segment="y")[0]
    assert found.columns == ("segment",)
    assert "Sample-ratio mismatch in segment 'y':" in found.message
    # The Aggregates object keeps the data's column names.
    assert analyze(table, metrics=[hk.Mean("rev")]).findings("srm", segment="y")[0].columns == (
        "seg",
    )


def test_a_value_with_the_label_separator_is_quoted_and_named() -> None:
    # "a / b" beside "ios" is labelled '"a / b" / ios': the message reads the values back.
    df = pd.concat([_split("x", 2000, 2000, 1), _split("y", 2200, 1800, 2)], ignore_index=True)
    df = df.assign(team=np.where(df["seg"] == "y", "a / b", "c"), platform="ios").drop(
        columns="seg"
    )
    res = analyze(df, metrics=[hk.Mean("rev")], segments=["team", "platform"])
    (found,) = res.findings("srm", segment='"a / b" / ios')
    assert res.findings("srm", segment=("a / b", "ios")) == [found]
    assert found.columns == ("team", "platform")
    assert "Sample-ratio mismatch in segment team='a / b', platform='ios':" in found.message


def test_simpson_names_every_column_it_stratified_by() -> None:
    df = patients(KIDNEY, "treatment", "stone_size", "success")
    df["centre"] = np.where(np.arange(len(df)) % 2 == 0, "north", "south")
    res = hk.analyze(
        df,
        variant="treatment",
        control="A",
        metrics=[hk.Proportion("success")],
        segments=["stone_size", "centre"],
    )
    (simpson,) = res.findings("simpson")
    assert simpson.columns == ("stone_size", "centre")
    assert "within segments of stone_size × centre (Mantel-Haenszel" in simpson.message
    assert "4 of 4 segments" in simpson.message
    assert res.findings("simpson", columns=("stone_size", "centre")) == [simpson]
    assert res.findings("simpson", columns=("stone_size",)) == []


# ================================================================= 5. bad input
def _bad(units: pd.DataFrame, **kwargs: Any) -> hk.AnalysisResult:
    kwargs.setdefault("metrics", [hk.Mean("rev")])
    return analyze(units, **kwargs)


def test_missing_variant_column(units: pd.DataFrame) -> None:
    with pytest.raises(hk.DataError, match=r"variant == 'group'.*no such column.*'arm'.*'seg'"):
        _bad(units, variant="group")


def test_missing_metric_column(units: pd.DataFrame) -> None:
    with pytest.raises(hk.DataError, match=r"'revenue'.*no such column"):
        _bad(units, metrics=[hk.Mean("revenue")])
    with pytest.raises(hk.DataError, match=r"covariate == 'pre_rev'"):
        _bad(units, metrics=[hk.Mean("rev", covariate="pre_rev")])
    with pytest.raises(hk.DataError, match=r"segments == 'country'"):
        _bad(units, segments="country")


def test_control_label_absent(units: pd.DataFrame) -> None:
    with pytest.raises(hk.DataError, match=r"control == 'ctrl'.*column 'arm'.*'a', 'b', 'control'"):
        _bad(units, control="ctrl")


def test_only_the_control_variant(units: pd.DataFrame) -> None:
    with pytest.raises(hk.DataError, match=r"variant column 'arm' has only the control 'control'"):
        _bad(units[units["arm"] == "control"])


def test_proportion_column_with_a_two(units: pd.DataFrame) -> None:
    df = units.copy()
    df.loc[17, "buy"] = 2
    with pytest.raises(hk.DataError, match=r"column == 'buy'.*0/1.*1 unit has"):
        _bad(df, metrics=[hk.Proportion("buy")])


def test_non_numeric_metric_column(units: pd.DataFrame) -> None:
    with pytest.raises(hk.DataError, match=r"rev column == 'seg': expected numbers"):
        _bad(units, metrics=[hk.Mean("seg", name="rev")])


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("alpha", 1.5, r"alpha == 1\.5, must be in \(0, 1\)"),
        ("alpha", 0, r"alpha == 0"),
        ("correction", "sidak", r"correction == 'sidak', must be one of"),
        ("lift", "ratio", r"lift == 'ratio', must be one of"),
        ("alternative", "two_sided", r"alternative == 'two_sided'"),
        ("theta_pooling", "arms", r"theta_pooling == 'arms'"),
        ("srm_alpha", 2.0, r"srm_alpha == 2\.0"),
        ("allocation", {"control": 0.5, "a": 0.25}, r"allocation has no share for variant 'b'"),
        ("allocation", {"control": 0.5, "a": 0.5, "b": 0}, r"allocation\['b'\] == 0"),
        ("allocation", 0.5, r"allocation == 0\.5"),
        ("metrics", [], r"metrics == \[\], must be a metric or a non-empty list"),
        ("metrics", "rev", r"metrics == 'rev'"),
        ("metrics", [hk.Mean("rev"), hk.Mean("rev")], r"two metrics named 'rev'"),
        ("metrics", [hk.Mean()], r"has no column"),
        ("control", None, r"control == None, must be a variant label as the variant column"),
        ("control", 0, r"control == 0 is an integer, but the labels of variant column 'arm' "),
        ("control", ["a"], r"control == \['a'\], must be a variant label"),
        ("segments", ["seg", "seg"], r"segments == \['seg', 'seg'\] names a column twice"),
        ("plan", 100, r"plan == 100, must be a SizingPlan"),
    ],
)
def test_bad_options(units: pd.DataFrame, option: str, value: Any, message: str) -> None:
    with pytest.raises(hk.ValidationError, match=message):
        _bad(units, **{option: value})


def test_unknown_method(units: pd.DataFrame) -> None:
    with pytest.raises(hk.ValidationError, match="method == 'magic'"):
        _bad(units, method="magic")


def test_aggregates_missing_the_metric(units: pd.DataFrame) -> None:
    agg = hk.aggregate(units, variant="arm", metrics=[hk.Mean("rev")], segments="seg")
    with pytest.raises(hk.DataError, match=r"no statistics for 'buy'"):
        analyze(agg, metrics=[hk.Proportion("buy")])
    with pytest.raises(hk.DataError, match=r"lacks 'buy:invalid', 'buy:n', 'buy:successes'"):
        analyze(agg.to_pandas(), metrics=[hk.Proportion("buy")])


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(hk.DataError, match="no such file"):
        analyze(str(tmp_path / "nope.parquet"), metrics=[hk.Mean("rev")])


# ==================================================================== 6. verdicts
@pytest.fixture(scope="module")
def verdict_result() -> hk.AnalysisResult:
    """rev (success metric) and guard (guardrail) in segments that win, lose, or are small."""
    parts = []
    setup = {
        # segment: (n per arm, rev lift, guard lift, sd)
        "up": (2000, 0.10, 0.0, 5.0),
        "down": (2000, -0.10, -0.20, 5.0),
        "small": (15, 0.01, 0.0, 30.0),
    }
    for seg, (n, rev_lift, guard_lift, sd) in setup.items():
        for arm, on in (("control", 0.0), ("treatment", 1.0)):
            frame = block(seg, arm, spread(100 * (1 + on * rev_lift), sd, n))
            frame["guard"] = spread(100 * (1 + on * guard_lift), sd, n)[::-1]
            parts.append(frame)
    return analyze(
        pd.concat(parts, ignore_index=True),
        metrics=[hk.Mean("rev"), hk.Mean("guard")],
        segments="seg",
    )


def test_verdict_per_segment_criteria(verdict_result: hk.AnalysisResult) -> None:
    crit = hk.Criterion("rev", min_effect=0.05)
    guard = hk.Criterion("guard", margin=0.05)
    table = verdict_result.verdict(
        {"up": [crit, guard], "down": [crit, guard], "small": [crit, guard]}
    )
    got = {(r["segment"], r["metric"]): r for r in table.to_records()}
    assert got[("up", "rev")]["verdict"] == "met"
    assert got[("down", "rev")]["verdict"] == "not met"
    assert got[("down", "rev")]["reason"] == "significant in the wrong direction"
    assert got[("small", "rev")]["verdict"] == "inconclusive"
    assert got[("up", "guard")]["verdict"] == "met"
    assert got[("down", "guard")]["verdict"] == "not met"
    assert got[("small", "guard")]["verdict"] == "inconclusive"
    # The guardrail is met exactly when the lift interval's lower bound is above -margin.
    for seg in ("up", "down", "small"):
        row = verdict_result.row("guard", seg)
        assert (row["lift_ci_low"] > -0.05) == (got[(seg, "guard")]["verdict"] == "met")
        assert got[(seg, "guard")]["ci_low"] == row["lift_ci_low"]
        assert got[(seg, "guard")]["kind"] == "guardrail"
        assert got[(seg, "rev")]["kind"] == "success"
        assert got[(seg, "rev")]["estimate"] == verdict_result.row("rev", seg)["lift"]
    assert table.by_segment() == {"up": "met", "down": "not met", "small": "inconclusive"}
    frame = table.to_pandas()
    assert {"segment", "variant", "metric", "criterion", "verdict", "reason"} <= set(frame)
    assert "rev" in str(table)


def test_verdict_single_criterion_for_one_segment(verdict_result: hk.AnalysisResult) -> None:
    table = verdict_result.verdict({"up": hk.Criterion("rev", min_effect=0.05)})
    assert table.by_segment() == {"up": "met"}


def test_verdict_plain_list_applies_to_every_segment(verdict_result: hk.AnalysisResult) -> None:
    table = verdict_result.verdict([hk.Criterion("rev")], variant="treatment")
    records = table.to_records()
    assert [r["segment"] for r in records] == [ALL, "down", "small", "up"]
    assert table.by_segment()["up"] == "met"
    assert verdict_result.verdict(hk.Criterion("rev")).to_records() == records


def test_verdict_rules_out_the_required_effect(verdict_result: hk.AnalysisResult) -> None:
    # up's lift is +10% with a narrow interval: it cannot reach +50%.
    (row,) = verdict_result.verdict({"up": hk.Criterion("rev", min_effect=0.5)}).to_records()
    assert row["verdict"] == "not met"
    assert row["reason"] == "the interval rules out the required effect"
    assert row["ci_high"] < 0.5


def test_verdict_absolute_and_decrease(verdict_result: hk.AnalysisResult) -> None:
    up = verdict_result.row("rev", "up")
    (row,) = verdict_result.verdict(
        {"up": hk.Criterion("rev", min_effect=5.0, relative=False)}
    ).to_records()
    assert row["verdict"] == "met"
    assert row["estimate"] == up["effect"]
    (row,) = verdict_result.verdict(
        {"down": hk.Criterion("rev", direction="decrease", min_effect=0.05)}
    ).to_records()
    assert row["verdict"] == "met"
    (row,) = verdict_result.verdict({"up": hk.Criterion("rev", direction="decrease")}).to_records()
    assert row["verdict"] == "not met"


def test_verdict_for_a_segment_without_a_row(units: pd.DataFrame) -> None:
    df = pd.concat(
        [units, units[units["arm"] == "control"].head(40).assign(seg="ZZ")], ignore_index=True
    )
    res = analyze(df, metrics=[hk.Mean("rev")], segments="seg")
    (row,) = res.verdict({"ZZ": hk.Criterion("rev")}, variant="a").to_records()
    assert row["verdict"] == "inconclusive"
    assert math.isnan(row["estimate"])


def test_verdict_bad_input(verdict_result: hk.AnalysisResult) -> None:
    with pytest.raises(hk.ValidationError, match=r"segment 'sideways'"):
        verdict_result.verdict({"sideways": [hk.Criterion("rev")]})
    with pytest.raises(hk.ValidationError, match=r"metric == 'profit'.*'rev', 'guard'"):
        verdict_result.verdict([hk.Criterion("profit")])
    with pytest.raises(hk.ValidationError, match=r"variant == 'b'"):
        verdict_result.verdict([hk.Criterion("rev")], variant="b")
    with pytest.raises(hk.ValidationError, match="not a Criterion"):
        verdict_result.verdict({"up": ["rev"]})  # type: ignore[list-item]
    with pytest.raises(hk.ValidationError, match=r"direction == 'up'"):
        hk.Criterion("rev", direction="up")  # type: ignore[arg-type]
    with pytest.raises(hk.ValidationError, match=r"margin == -0\.1"):
        hk.Criterion("rev", margin=-0.1)


# ================================================================ 7. presentation
def test_html_repr(result: hk.AnalysisResult) -> None:
    page = result._repr_html_()
    assert page.startswith("<div")
    assert "<table" in page
    assert "%" in page
    assert "(all)" in page
    for seg in SEGMENTS:
        assert f"<td>{seg}</td>" in page
    assert "Warnings (0):" in page


def test_html_repr_lists_the_warnings() -> None:
    df = pd.concat([_split("x", 2000, 2000, 1), _split("y", 2200, 1800, 2)], ignore_index=True)
    res = analyze(df, metrics=[hk.Mean("rev")], segments="seg")
    page = res._repr_html_()
    assert res.warnings
    for finding in res.warnings:
        assert html.escape(finding.message) in page
    assert "mismatch" in page
    text = str(res)
    assert "Warnings:" in text
    for finding in res.warnings:
        assert finding.message in text


def test_str_contains_the_table(result: hk.AnalysisResult) -> None:
    text = str(result)
    assert text == result.to_string()
    lines = text.splitlines()
    header = lines[1].split()
    assert header == CONTRACT
    assert len(lines) == 2 + len(result)
    assert "num/den" in text
    assert "holm" in lines[0]


def test_summary_mentions_every_metric(result: hk.AnalysisResult) -> None:
    text = result.summary()
    assert isinstance(text, str)
    assert text
    for metric in result.metrics:
        assert metric in text
    assert "%" in text


def test_summary_lists_warnings() -> None:
    df = pd.concat([_split("x", 2000, 2000, 1), _split("y", 2200, 1800, 2)], ignore_index=True)
    text = analyze(df, metrics=[hk.Mean("rev")], segments="seg").summary()
    assert "warning(s)" in text
    assert "Sample-ratio mismatch" in text


def test_plot_one_axes_per_metric(result: hk.AnalysisResult) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    fig = result.plot()
    try:
        assert isinstance(fig, Figure)
        assert len(fig.axes) == len(result.metrics)
        assert [ax.get_title() for ax in fig.axes] == list(result.metrics)
        labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        assert labels == list(reversed(result.segments))
    finally:
        plt.close(fig)
    fig = result.plot("rev", variant="a")
    try:
        assert len(fig.axes) == 1
    finally:
        plt.close(fig)
    with pytest.raises(hk.ValidationError, match="metric == 'nope'"):
        result.plot("nope")


def test_srm_table(result: hk.AnalysisResult) -> None:
    table = result.srm.to_pandas()
    assert "p_value" in table.columns
    assert table["segment"].tolist() == [ALL, *SEGMENTS]
    assert table["p_value"].between(0, 1).all()
    assert "Sample-ratio" in str(result.srm)


def test_row_accessor(result: hk.AnalysisResult) -> None:
    row = result.row("rev", "DE", "a")
    assert (row["segment"], row["metric"], row["variant"]) == ("DE", "rev", "a")
    with pytest.raises(hk.ValidationError, match="variant == None"):
        result.row("rev")


# ============================================================ 8. additivity property
PROPERTY_METRICS = [
    hk.Proportion("buy"),
    hk.Mean("rev", covariate="pre"),
    hk.Ratio("num", "den"),
]


@settings(derandomize=True, deadline=None, max_examples=25)
@given(
    seed=st.integers(0, 2**20),
    n=st.integers(120, 600),
    cut=st.floats(0.1, 0.9),
    arms=st.sampled_from([("control", "t"), ARMS]),
)
def test_analysis_of_added_halves_equals_the_whole(
    seed: int, n: int, cut: float, arms: tuple[str, ...]
) -> None:
    df = make_units(seed, n, arms=arms)
    k = int(n * cut)
    first, second = df.iloc[:k], df.iloc[k:]
    whole = analyze(df, metrics=PROPERTY_METRICS, segments="seg")
    parts = hk.aggregate(first, variant="arm", metrics=PROPERTY_METRICS, segments="seg")
    parts = parts + hk.aggregate(second, variant="arm", metrics=PROPERTY_METRICS, segments="seg")
    added = analyze(parts, metrics=PROPERTY_METRICS)
    assert_same_table(added.to_pandas(), whole.to_pandas(), rtol=1e-8)
    assert kinds(added) == kinds(whole)
    srm_added, srm_whole = added.srm.to_pandas(), whole.srm.to_pandas()
    assert srm_added["segment"].tolist() == srm_whole["segment"].tolist()
    np.testing.assert_allclose(srm_added["p_value"], srm_whole["p_value"], rtol=1e-9)
