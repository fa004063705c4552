"""What a product manager reads must agree with the table: lifts, intervals, verdicts."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import hypokit as hk
from hypokit._aggregate import ALL


def analyze(data: Any, **kwargs: Any) -> hk.AnalysisResult:
    kwargs.setdefault("variant", "arm")
    kwargs.setdefault("control", "control")
    return hk.analyze(data, **kwargs)


def frame(groups: dict[tuple[str, str], np.ndarray], column: str = "y") -> pd.DataFrame:
    """One row per unit from {(segment, arm): values}."""
    parts = [
        pd.DataFrame({"seg": seg, "arm": arm, column: values})
        for (seg, arm), values in groups.items()
    ]
    return pd.concat(parts, ignore_index=True)


# ------------------------------------------------------------------ negative baselines
@pytest.fixture(scope="module")
def profit() -> pd.DataFrame:
    # Profit per user: control loses 0.5 on average, the variant makes 0.5.
    rng = np.random.default_rng(20261203)
    return frame(
        {
            ("all", "control"): rng.normal(-0.5, 2.0, 400),
            ("all", "treatment"): rng.normal(0.5, 2.0, 400),
        },
        "profit",
    )


def test_negative_baseline_lift_has_the_sign_of_the_effect(profit: pd.DataFrame) -> None:
    res = analyze(profit, metrics=[hk.Mean("profit")])
    row = res.row("profit")
    c = profit.loc[profit["arm"] == "control", "profit"]
    v = profit.loc[profit["arm"] == "treatment", "profit"]
    assert c.mean() < 0 < v.mean()
    assert row["effect"] == pytest.approx(v.mean() - c.mean(), rel=1e-12)
    assert row["lift"] == pytest.approx((v.mean() - c.mean()) / abs(c.mean()), rel=1e-12)
    assert row["lift"] > 1  # about +200%, never -200%
    assert row["significant"]
    assert 0 < row["lift_ci_low"] < row["lift"] < row["lift_ci_high"]


def test_negative_baseline_verdict_reads_the_right_way(profit: pd.DataFrame) -> None:
    res = analyze(profit, metrics=[hk.Mean("profit")])
    table = res.verdict([hk.Criterion("profit", min_effect=0.5)]).to_records()
    assert [(r["verdict"], r["reason"]) for r in table] == [
        ("met", "significant in the good direction, and large enough")
    ]
    # Lower is better (a cost): the same data are a significant move the wrong way.
    worse = res.verdict([hk.Criterion("profit", direction="decrease")]).to_records()
    assert worse[0]["verdict"] == "not met"
    assert worse[0]["reason"] == "significant in the wrong direction"


def test_negative_baseline_summary_and_plot_agree(profit: pd.DataFrame) -> None:
    import matplotlib

    matplotlib.use("Agg")
    res = analyze(profit, metrics=[hk.Mean("profit")])
    row = res.row("profit")
    assert f"changed profit by +{row['lift']:.1%}" in res.summary()
    fig = res.plot()
    (ax,) = fig.axes
    xs = [line.get_xdata()[0] for line in ax.lines if line.get_marker() == "D"]
    assert xs == [pytest.approx(row["lift"])]
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_lift_unbounded_near_a_zero_control_mean_is_said() -> None:
    rng = np.random.default_rng(5)
    df = frame(
        {("all", "control"): rng.normal(0.02, 1.0, 300), ("all", "b"): rng.normal(0.5, 1.0, 300)}
    )
    for lift in ("auto", "delta", "log", "fieller"):
        res = analyze(df, metrics=[hk.Mean("y")], lift=lift)
        row = res.row("y")
        assert (row["lift_ci_low"], row["lift_ci_high"]) == (-math.inf, math.inf), lift
        assert row["significant"]  # the effect itself is clear
        assert row["effect_ci_low"] > 0
        (found,) = res.findings("lift")
        assert found.severity == "warning"
        assert "not distinguishable from 0" in found.message
        assert "unbounded" in found.message
    # A relative criterion cannot be judged; an absolute one can.
    verdicts = res.verdict(
        [hk.Criterion("y", min_effect=0.1), hk.Criterion("y", min_effect=0.2, relative=False)]
    ).to_records()
    assert verdicts[0]["verdict"] == "inconclusive"
    assert "relative=False" in verdicts[0]["reason"]
    assert verdicts[1]["verdict"] == "met"
    # min_effect 0 asks only for the direction: judged on the effect.
    any_gain = res.verdict([hk.Criterion("y")]).to_records()[0]
    assert any_gain["verdict"] == "met"


# --------------------------------------------------------- intervals agree with the table
def _random_table(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    groups = {}
    for k, seg in enumerate(["s1", "s2", "s3", "s4"]):
        for arm, shift in (("control", 0.0), ("b", 0.15 * k - 0.2), ("c", 0.1)):
            n = int(rng.integers(40, 400))
            groups[(seg, arm)] = rng.normal(1.0 + shift, 1.0, n)
    df = frame(groups)
    df["buy"] = (rng.random(len(df)) < 0.2 + 0.05 * (df["y"] > 1.2)).astype(int)
    df["den"] = rng.integers(1, 4, len(df)).astype(float)
    return df


METRICS = [hk.Proportion("buy"), hk.Mean("y"), hk.Ratio("y", "den")]


def _excludes_zero(lo: float, hi: float) -> bool:
    return bool(lo > 0 or hi < 0)


@pytest.mark.parametrize("correction", ["holm", "bonferroni", "bh", None])
@pytest.mark.parametrize("method", ["frequentist", "sequential"])
@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_intervals_agree_with_significant(
    correction: str | None, method: str, alternative: str
) -> None:
    for seed in range(4):
        res = analyze(
            _random_table(seed),
            metrics=METRICS,
            segments="seg",
            correction=correction,
            method=method,
            alternative=alternative,
        )
        table = res.to_pandas()
        for _, r in table.iterrows():
            assert _excludes_zero(r["effect_ci_low"], r["effect_ci_high"]) == r["significant"]
            # The lift's interval (Fieller, the default) agrees wherever it is bounded.
            if math.isfinite(r["lift_ci_low"]) or math.isfinite(r["lift_ci_high"]):
                assert _excludes_zero(r["lift_ci_low"], r["lift_ci_high"]) == r["significant"]
        assert (table["ci_level"] >= 1 - res.alpha - 1e-15).all()


def test_bonferroni_intervals_are_at_alpha_over_m() -> None:
    df = _random_table(1)
    res = analyze(df, metrics=[hk.Mean("y")], segments="seg", correction="bonferroni")
    table = res.to_pandas()
    m = len(table)
    assert m == 5 * 2
    for _, r in table.iterrows():
        q = stats.t.ppf(1 - 0.05 / m / 2, r["df"])
        assert r["ci_level"] == pytest.approx(1 - 0.05 / m)
        assert r["effect_ci_low"] == pytest.approx(r["effect"] - q * r["se"], rel=1e-9)
        assert r["effect_ci_high"] == pytest.approx(r["effect"] + q * r["se"], rel=1e-9)


def test_the_issue_case_no_interval_excludes_zero_beside_not_significant() -> None:
    # 16 tests, Bonferroni: a row with p = 0.01 is not significant and its interval
    # (at 0.05 / 16) must include 0.
    rng = np.random.default_rng(16)
    groups = {}
    for k in range(7):
        groups[(f"s{k}", "control")] = rng.normal(0.0, 1.0, 500)
        groups[(f"s{k}", "b")] = rng.normal(0.12 if k == 0 else 0.0, 1.0, 500)
    res = analyze(frame(groups), metrics=[hk.Mean("y")], segments="seg", correction="bonferroni")
    table = res.to_pandas()
    nominal = table[(table["p_value"] < 0.05) & ~table["significant"]]
    assert len(nominal) >= 1  # nominally significant, not after the correction
    for _, r in nominal.iterrows():
        assert r["effect_ci_low"] < 0 < r["effect_ci_high"]


def test_holm_only_rejection_takes_its_step_level() -> None:
    # Three rows: p ~ 1e-6, p ~ 0.02, p ~ 0.5. Holm rejects the second (0.02 < 0.05 / 2),
    # Bonferroni does not (0.02 > 0.05 / 3): its interval is at 0.05 / 2.
    p = np.array([1e-6, 0.02, 0.5])
    levels = hk.stats.interval_levels(p, "holm", 0.05)
    assert levels.tolist() == pytest.approx([0.05 / 3, 0.05 / 2, 0.05 / 3])
    adjusted = hk.stats.p_adjust(p, "holm")
    assert ((p < levels) == (adjusted < 0.05)).all()


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    st.lists(st.floats(0, 1, allow_nan=False), min_size=1, max_size=30),
    st.sampled_from(["holm", "bonferroni", "bh", None]),
    st.floats(0.001, 0.5),
)
def test_levels_agree_with_adjusted_p_values(p: list[float], method: Any, alpha: float) -> None:
    arr = np.array(p)
    levels = hk.stats.interval_levels(arr, method, alpha)
    adjusted = hk.stats.p_adjust(arr, method)
    # An interval at level a excludes the null exactly when p < a.
    agree = (arr < levels) == (adjusted < alpha)
    # Ties at the boundary (p equal to a level) are the only place they may differ.
    ties = np.isclose(arr, levels, rtol=1e-12) | np.isclose(adjusted, alpha, rtol=1e-12)
    assert (agree | ties).all()
    assert (levels <= alpha + 1e-15).all()
    if method == "bonferroni":
        assert levels == pytest.approx(alpha / len(p))


def test_bh_levels_are_benjamini_yekutieli() -> None:
    # BY 2005: with R of m selected at q, the selected intervals are at level R q / m.
    p = np.array([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216])
    adjusted = hk.stats.p_adjust(p, "bh")
    selected = int((adjusted < 0.05).sum())
    # R: p.adjust(c(0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216),
    #             "BH") < 0.05   -> TRUE TRUE FALSE ... : 2 selected
    assert selected == 2
    levels = hk.stats.interval_levels(p, "bh", 0.05)
    assert levels == pytest.approx(np.full(10, 2 * 0.05 / 10))


def test_look_intervals_agree_with_the_boundary() -> None:
    df = _random_table(3)
    plan = hk.size(hk.Mean(sd=1.0), mde=0.2, looks=3)
    n = int(df["arm"].eq("control").sum())
    res = analyze(
        df, metrics=[hk.Mean("y")], plan=plan, look=1, information=[min(0.9, n / plan.n_per_arm)]
    )
    for r in res.to_records():
        assert _excludes_zero(r["effect_ci_low"], r["effect_ci_high"]) == r["significant"]
        assert r["ci_level"] > 1 - 0.05  # a look's nominal level is below alpha


def test_bayesian_intervals_are_credible_and_unadjusted() -> None:
    res = analyze(_random_table(2), metrics=[hk.Mean("y")], segments="seg", method="bayesian")
    table = res.to_pandas()
    assert table["ci_level"].tolist() == pytest.approx([0.95] * len(table))
    assert set(table["ci_adjustment"]) == {"none (credible interval)"}


# ------------------------------------------------------------------------------ verdicts
def _one_row(effect: float, se: float, mean: float = 10.0) -> hk.AnalysisResult:
    """An analysis whose single row has the given effect and standard error (large n)."""
    n = 200_000
    sd = se * math.sqrt(n / 2)
    table = pd.DataFrame(
        {
            "segment": [ALL, ALL],
            "variant": ["control", "b"],
            "n": [n, n],
            "y:n": [n, n],
            "y:sum_y": [mean * n, (mean + effect) * n],
            "y:sum_y2": [
                sd**2 * (n - 1) + mean**2 * n,
                sd**2 * (n - 1) + (mean + effect) ** 2 * n,
            ],
        }
    )
    return hk.analyze(table, variant="variant", control="control", metrics=[hk.Mean("y")])


@pytest.mark.parametrize(
    ("effect", "se", "criterion", "verdict", "reason"),
    [
        # success: significant and large enough
        (0.5, 0.1, hk.Criterion("y", min_effect=0.3, relative=False), "met",
         "significant in the good direction, and large enough"),
        # significant, estimate short of the minimum, interval still reaches it
        (0.25, 0.1, hk.Criterion("y", min_effect=0.3, relative=False), "inconclusive",
         "significant, but the estimate is below the required effect"),
        # significant, the whole interval short of the minimum
        (0.25, 0.02, hk.Criterion("y", min_effect=0.3, relative=False), "not met",
         "the interval rules out the required effect"),
        # not significant, wide
        (0.1, 0.15, hk.Criterion("y", min_effect=0.3, relative=False), "inconclusive",
         "not significant: the interval includes 0"),
        # significant the wrong way
        (-0.5, 0.1, hk.Criterion("y", relative=False), "not met",
         "significant in the wrong direction"),
        # direction decrease: a significant drop is good
        (-0.5, 0.1, hk.Criterion("y", direction="decrease", min_effect=0.03), "met",
         "significant in the good direction, and large enough"),
        # guardrail: interval rules out a harm beyond the margin
        (-0.05, 0.05, hk.Criterion("y", margin=0.3, relative=False), "met",
         "the interval rules out a harm beyond the margin"),
        # guardrail: significant harm, estimated beyond the margin
        (-0.8, 0.1, hk.Criterion("y", margin=0.3, relative=False), "not met",
         "a significant harm, estimated beyond the margin"),
        # guardrail: significant harm within the margin, interval crosses it
        (-0.25, 0.1, hk.Criterion("y", margin=0.3, relative=False), "inconclusive",
         "the interval includes a harm beyond the margin"),
        # guardrail on a decrease-is-good metric: a rise is the harm
        (0.8, 0.1, hk.Criterion("y", direction="decrease", margin=0.03), "not met",
         "a significant harm, estimated beyond the margin"),
    ],
)  # fmt: skip
def test_verdict_branches(
    effect: float, se: float, criterion: hk.Criterion, verdict: str, reason: str
) -> None:
    res = _one_row(effect, se)
    row = res.row("y")
    assert row["se"] == pytest.approx(se, rel=1e-3)
    (got,) = res.verdict([criterion]).to_records()
    assert (got["verdict"], got["reason"]) == (verdict, reason)


def test_guardrail_label_prints_a_drop_without_a_plus_sign() -> None:
    res = _one_row(0.0, 0.1)
    (got,) = res.verdict([hk.Criterion("y", margin=0.05)]).to_records()
    assert got["criterion"] == "y: no drop beyond 5.0%"
    (got,) = res.verdict(
        [hk.Criterion("y", direction="decrease", margin=2, relative=False)]
    ).to_records()
    assert got["criterion"] == "y: no rise beyond 2"


# ---------------------------------------------------------------- displays agree
def test_summary_and_html_list_the_same_findings() -> None:
    df = _random_table(0)
    df.loc[df.sample(frac=0.01, random_state=1).index, "y"] = np.nan  # an info finding
    res = analyze(df, metrics=[hk.Mean("y")], correction=None)
    notes = [f for f in res.warnings if f.severity != "warning"]
    assert notes  # the missing values
    summary, html = res.summary(), res._repr_html_()
    for f in res.warnings:
        assert f.message[:40] in summary or (f.severity == "warning" and "warning(s)" in summary)
        assert f.message[:40].replace("'", "&#x27;") in html
    if not [f for f in res.warnings if f.severity == "warning"]:
        assert "No warnings." in summary
        assert "note(s)" in summary


def test_repr_of_results_is_a_table() -> None:
    res = analyze(_random_table(0), metrics=[hk.Mean("y")], segments="seg")
    text = repr(res)
    assert text.startswith("A/B test analysis")
    assert "effect_ci_low" in text.splitlines()[1]
    assert "AnalysisResult(" not in text
    assert repr(res.srm).startswith("Sample-ratio check")
    assert "verdict" in repr(res.verdict([hk.Criterion("y")]))


def test_forest_plot_legend_names_each_variant_by_its_colour() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgba

    res = analyze(_random_table(0), metrics=[hk.Mean("y")], segments="seg")
    fig = res.plot()
    (ax,) = fig.axes
    legend = ax.get_legend()
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels[:2] == ["b", "c"]
    colors = [to_rgba(h.get_color()) for h in legend.legend_handles[:2]]
    assert colors[0] != colors[1]
    assert to_rgba("black") not in colors
    plt.close(fig)


def test_ratio_use_t_uses_welch_satterthwaite_df() -> None:
    df = _random_table(4)
    z = analyze(df, metrics=[hk.Ratio("y", "den")], correction=None).row("y/den", variant="b")
    t = analyze(df, metrics=[hk.Ratio("y", "den", use_t=True)], correction=None).row(
        "y/den", variant="b"
    )
    assert math.isinf(z["df"])
    assert z["effect"] == t["effect"]
    assert z["se"] == t["se"]
    # Welch-Satterthwaite on the arms' linearised variances.
    arms = {a: df[df["arm"] == a] for a in ("control", "b")}
    var = {}
    for a, d in arms.items():
        r = d["y"].sum() / d["den"].sum()
        lin = (d["y"] - r * d["den"]) / d["den"].mean()
        var[a] = lin.var(ddof=1) / len(d)
    df_want = (var["control"] + var["b"]) ** 2 / (
        var["control"] ** 2 / (len(arms["control"]) - 1) + var["b"] ** 2 / (len(arms["b"]) - 1)
    )
    assert t["df"] == pytest.approx(df_want, rel=1e-9)
    assert t["p_value"] == pytest.approx(2 * stats.t.sf(abs(t["statistic"]), df_want), rel=1e-9)
    assert t["p_value"] > z["p_value"]
    mean_z = analyze(df, metrics=[hk.Mean("y", use_t=False)], correction=None).row("y", variant="b")
    assert math.isinf(mean_z["df"])
    assert mean_z["p_value"] == pytest.approx(2 * stats.norm.sf(abs(mean_z["statistic"])))


# ------------------------------------------- t or normal: tea-tasting's reference values
def _tea_tasting_frame() -> pd.DataFrame:
    rng = np.random.default_rng(2026)
    n = 300
    df = pd.DataFrame(
        {"variant": rng.choice([0, 1], n), "sessions": rng.integers(1, 5, n).astype(float)}
    )
    df["revenue"] = df["sessions"] * rng.gamma(2.0, 3.0, n) + df["variant"] * 0.8
    return df


#: tea-tasting 1.14.0 on _tea_tasting_frame():
#:   tt.Experiment(rps=tt.RatioOfMeans("revenue", "sessions", use_t=True),
#:                 rpu=tt.Mean("revenue"),
#:                 rps_z=tt.RatioOfMeans("revenue", "sessions", use_t=False)).analyze(df)
#: effect_size, its CI, pvalue, rel_effect_size and its CI (tea-tasting's relative interval
#: is the delta method on the log ratio: hypokit's lift="log").
TEA_TASTING = {
    "rps": (-0.2420380112427063, -1.2808308918441067, 0.7967548693586941, 0.6469002930217392,
            -0.03807444309022856, -0.1855368106273585, 0.13608667538296926),
    "rpu": (-1.1045937679600257, -3.987966865646959, 1.7787793297269077, 0.45148644486408784,
            -0.07070598201058276, -0.23213479927867664, 0.12466012401613158),
    "rps_z": (-0.2420380112427063, -1.2765958434707467, 0.7925198209853341, 0.6465647841039919,
              -0.03807444309022856, -0.18498588263616667, 0.13531871083296476),
}  # fmt: skip


def test_t_and_normal_match_tea_tasting() -> None:
    metrics = [
        hk.Ratio("revenue", "sessions", use_t=True, name="rps"),
        hk.Mean("revenue", name="rpu"),
        hk.Ratio("revenue", "sessions", name="rps_z"),  # the default: the normal
    ]
    res = hk.analyze(
        _tea_tasting_frame(),
        variant="variant",
        control=0,
        metrics=metrics,
        correction=None,
        lift="log",
    )
    columns = ("effect", "effect_ci_low", "effect_ci_high", "p_value", "lift")
    columns += ("lift_ci_low", "lift_ci_high")
    for metric, want in TEA_TASTING.items():
        row = res.row(metric)
        assert [row[c] for c in columns[:5]] == pytest.approx(list(want[:5]), rel=1e-9), metric
        # The relative interval: tea-tasting takes Welch's df from the log-scale variances,
        # hypokit the effect's df (one critical value per row); with the normal they agree.
        rel = 1e-9 if metric == "rps_z" else 2e-4
        assert [row[c] for c in columns[5:]] == pytest.approx(list(want[5:]), rel=rel), metric


def test_bayesian_lift_keeps_the_sign_of_the_effect(profit: pd.DataFrame) -> None:
    res = analyze(profit, metrics=[hk.Mean("profit")], method="bayesian")
    row = res.row("profit")
    assert row["control_mean"] < 0 < row["effect"]
    assert row["lift"] == pytest.approx(row["effect"] / abs(row["control_mean"]), rel=1e-9)
    assert 0 < row["lift_ci_low"] < row["lift"] < row["lift_ci_high"]
