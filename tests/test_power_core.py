"""Tests of the pure power core, hypokit/stats/_power.py.

Every reference value sits beside the call that produced it: the R values come from
tests/data/r_power_reference.csv (each row carries its R call, used as the test id),
the statsmodels values are computed in the test with explicit arguments, and the
closed forms are written out with scipy.stats in the test itself.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.power import NormalIndPower, TTestIndPower
from statsmodels.stats.proportion import proportion_effectsize

from hypokit import stats
from hypokit.stats._power import MAX_N

R_CSV = Path(__file__).parent / "data" / "r_power_reference.csv"


def _load_r_rows() -> list[dict[str, str]]:
    with R_CSV.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


R_ROWS = _load_r_rows()


def _num(row: dict[str, str], key: str, default: float | None = None) -> float | None:
    cell = row[key]
    return float(cell) if cell else default


def _alternative(row: dict[str, str]) -> stats.Alternative:
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


def _rows(function: str, solve_for: str) -> list[object]:
    return [
        pytest.param(r, id=r["r_call"])
        for r in R_ROWS
        if r["function"] == function and r["solve_for"] == solve_for
    ]


def test_r_reference_file_has_every_row() -> None:
    assert len(R_ROWS) == 88
    assert {r["function"] for r in R_ROWS} == {"power.t.test", "power.prop.test"}
    assert {r["solve_for"] for r in R_ROWS} == {"n", "power", "delta", "p2"}
    # Every row is used by exactly one of the parametrized tests below.
    used = sum(
        len(_rows(f, s))
        for f, s in [
            ("power.t.test", "n"),
            ("power.t.test", "power"),
            ("power.t.test", "delta"),
            ("power.prop.test", "n"),
            ("power.prop.test", "power"),
            ("power.prop.test", "p2"),
        ]
    )
    assert used == 88


# ------------------------------------------------------------------------ R: t-test
@pytest.mark.parametrize("row", _rows("power.t.test", "n"))
def test_t_n_matches_r(row: dict[str, str]) -> None:
    n = stats.t_n(
        _num(row, "delta"),
        _num(row, "sd", 1.0),
        _num(row, "power"),
        ratio=1.0,
        alpha=_num(row, "sig_level", 0.05),
        alternative=_alternative(row),
    )
    # R's uniroot stops at ~1.2e-4 absolute on n: compare with rel 1e-3.
    assert n == pytest.approx(float(row["result"]), rel=1e-3)


@pytest.mark.parametrize("row", _rows("power.t.test", "power"))
def test_t_power_matches_r(row: dict[str, str]) -> None:
    p = stats.t_power(
        _num(row, "delta"),
        _num(row, "sd", 1.0),
        _num(row, "n"),
        ratio=1.0,
        alpha=_num(row, "sig_level", 0.05),
        alternative=_alternative(row),
    )
    assert p == pytest.approx(float(row["result"]), rel=1e-6)


@pytest.mark.parametrize("row", _rows("power.t.test", "delta"))
def test_t_mde_matches_r(row: dict[str, str]) -> None:
    delta = stats.t_mde(
        _num(row, "sd", 1.0),
        _num(row, "n"),
        _num(row, "power"),
        ratio=1.0,
        alpha=_num(row, "sig_level", 0.05),
        alternative=_alternative(row),
    )
    assert delta == pytest.approx(float(row["result"]), rel=1e-3)


# ---------------------------------------------------------------- R: proportions
@pytest.mark.parametrize("row", _rows("power.prop.test", "n"))
def test_proportion_n_matches_r(row: dict[str, str]) -> None:
    n = stats.proportion_n(
        _num(row, "p1"),
        _num(row, "p2"),
        _num(row, "power"),
        ratio=1.0,
        alpha=_num(row, "sig_level", 0.05),
        alternative=_alternative(row),
        method="pooled",
    )
    assert n == pytest.approx(float(row["result"]), rel=1e-3)


@pytest.mark.parametrize("row", _rows("power.prop.test", "power"))
def test_proportion_power_matches_r(row: dict[str, str]) -> None:
    p = stats.proportion_power(
        _num(row, "p1"),
        _num(row, "p2"),
        _num(row, "n"),
        ratio=1.0,
        alpha=_num(row, "sig_level", 0.05),
        alternative=_alternative(row),
        method="pooled",
    )
    assert p == pytest.approx(float(row["result"]), rel=1e-6)


@pytest.mark.parametrize("row", _rows("power.prop.test", "p2"))
def test_proportion_mde_matches_r(row: dict[str, str]) -> None:
    p2 = stats.proportion_mde(
        _num(row, "p1"),
        _num(row, "n"),
        _num(row, "power"),
        ratio=1.0,
        alpha=_num(row, "sig_level", 0.05),
        alternative=_alternative(row),
        method="pooled",
    )
    assert p2 == pytest.approx(float(row["result"]), rel=1e-3)


def test_help_page_prop_example_is_76_70693() -> None:
    # power.prop.test(p1 = .50, p2 = .75, power = .90)  => n = 76.70693
    # (the help page prints 76.65, which is outdated; the closed form agrees with 76.70693).
    n = stats.proportion_n(0.5, 0.75, 0.9, ratio=1.0, alpha=0.05, alternative="two-sided")
    z_a, z_b = sps.norm.ppf(0.975), sps.norm.ppf(0.9)
    pbar = (0.5 + 0.75) / 2
    closed = (
        z_a * math.sqrt(2 * pbar * (1 - pbar)) + z_b * math.sqrt(0.5 * 0.5 + 0.75 * 0.25)
    ) ** 2 / 0.25**2
    assert n == pytest.approx(closed, rel=1e-12)
    # R solves with uniroot (tol ~1.2e-4 on n): 76.70693011 agrees to 2e-8 relative.
    assert n == pytest.approx(76.70693011, rel=1e-6)


# -------------------------------------------------------------- closed forms (scipy)
def test_critical_z() -> None:
    assert stats.critical_z(0.05, "two-sided") == pytest.approx(sps.norm.ppf(0.975), rel=1e-14)
    assert stats.critical_z(0.05, "greater") == pytest.approx(sps.norm.ppf(0.95), rel=1e-14)
    assert stats.critical_z(0.05, "less") == pytest.approx(sps.norm.ppf(0.95), rel=1e-14)
    assert stats.critical_z(0.01, "two-sided") == pytest.approx(2.5758293035489, rel=1e-12)


def test_normal_power_two_sided_strict_adds_the_other_tail() -> None:
    effect, se0, se1, alpha = 0.1, 0.05, 0.06, 0.05
    z = sps.norm.ppf(1 - alpha / 2)
    upper = sps.norm.cdf((effect - z * se0) / se1)
    lower = sps.norm.cdf((-effect - z * se0) / se1)
    got = stats.normal_power(effect, se0, se1, alpha, "two-sided")
    got_strict = stats.normal_power(effect, se0, se1, alpha, "two-sided", strict=True)
    assert got == pytest.approx(upper, rel=1e-12)
    assert got_strict == pytest.approx(upper + lower, rel=1e-12)
    # Symmetric in the sign of the effect.
    assert stats.normal_power(-effect, se0, se1, alpha, "two-sided") == pytest.approx(got)


def test_normal_power_one_sided_and_margin() -> None:
    z = sps.norm.ppf(0.95)
    got = stats.normal_power(0.1, 0.05, 0.05, 0.05, "greater")
    assert got == pytest.approx(sps.norm.cdf(0.1 / 0.05 - z), rel=1e-12)
    got = stats.normal_power(-0.1, 0.05, 0.05, 0.05, "less")
    assert got == pytest.approx(sps.norm.cdf(0.1 / 0.05 - z), rel=1e-12)
    # Non-inferiority: a true effect of 0 with margin 0.1 has the power of an effect of 0.1.
    got = stats.normal_power(0.0, 0.05, 0.05, 0.05, "greater", margin=0.1)
    assert got == pytest.approx(sps.norm.cdf(0.1 / 0.05 - z), rel=1e-12)
    got = stats.normal_power(0.0, 0.05, 0.05, 0.05, "less", margin=0.1)
    assert got == pytest.approx(sps.norm.cdf(0.1 / 0.05 - z), rel=1e-12)
    # At the null boundary the power is alpha.
    got = stats.normal_power(-0.1, 0.05, 0.05, 0.05, "greater", margin=0.1)
    assert got == pytest.approx(0.05, rel=1e-12)


@pytest.mark.parametrize("ratio", [0.5, 1.0, 2.0])
def test_proportion_power_pooled_is_fleiss_formula(ratio: float) -> None:
    p1, p2, n, alpha = 0.1, 0.13, 1500.0, 0.05
    n2 = ratio * n
    pbar = (n * p1 + n2 * p2) / (n + n2)
    se0 = math.sqrt(pbar * (1 - pbar) * (1 / n + 1 / n2))
    se1 = math.sqrt(p1 * (1 - p1) / n + p2 * (1 - p2) / n2)
    expected = sps.norm.cdf((p2 - p1 - sps.norm.ppf(1 - alpha / 2) * se0) / se1)
    got = stats.proportion_power(
        p1, p2, n, ratio=ratio, alpha=alpha, alternative="two-sided", method="pooled"
    )
    assert got == pytest.approx(expected, rel=1e-12)


def test_proportion_power_unpooled_is_wald() -> None:
    p1, p2, n = 0.3, 0.27, 2000.0
    se = math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / n)
    expected = sps.norm.cdf((p1 - p2) / se - sps.norm.ppf(0.95))
    got = stats.proportion_power(
        p1, p2, n, ratio=1.0, alpha=0.05, alternative="less", method="unpooled"
    )
    assert got == pytest.approx(expected, rel=1e-12)


def test_proportion_margin_uses_unpooled_variance() -> None:
    p1, n, margin = 0.2, 3000.0, 0.02
    se = math.sqrt(2 * p1 * (1 - p1) / n)
    expected = sps.norm.cdf(margin / se - sps.norm.ppf(0.95))
    for method in ("pooled", "unpooled"):
        got = stats.proportion_power(
            p1, p1, n, ratio=1.0, alpha=0.05, alternative="greater", method=method, margin=margin
        )
        assert got == pytest.approx(expected, rel=1e-12)


# ---------------------------------------------------------------- statsmodels
@pytest.mark.parametrize("ratio", [0.5, 1.0, 2.0, 3.0])
@pytest.mark.parametrize(
    ("alternative", "sm_alternative", "effect"),
    [("greater", "larger", 0.3), ("less", "smaller", -0.3), ("two-sided", "two-sided", 0.3)],
)
def test_t_n_matches_statsmodels(
    ratio: float, alternative: stats.Alternative, sm_alternative: str, effect: float
) -> None:
    expected = TTestIndPower().solve_power(
        effect_size=effect,
        nobs1=None,
        alpha=0.05,
        power=0.8,
        ratio=ratio,
        alternative=sm_alternative,
    )
    # statsmodels counts both tails of a two-sided test: strict=True.
    got = stats.t_n(
        effect,
        1.0,
        0.8,
        ratio=ratio,
        alpha=0.05,
        alternative=alternative,
        strict=alternative == "two-sided",
    )
    assert got == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("ratio", [0.5, 2.0, 3.0])
@pytest.mark.parametrize(
    ("alternative", "sm_alternative", "effect"),
    [("greater", "larger", 0.4), ("less", "smaller", -0.4), ("two-sided", "two-sided", 0.4)],
)
def test_t_power_matches_statsmodels(
    ratio: float, alternative: stats.Alternative, sm_alternative: str, effect: float
) -> None:
    expected = TTestIndPower().power(
        effect_size=effect, nobs1=40, alpha=0.05, ratio=ratio, alternative=sm_alternative
    )
    got = stats.t_power(
        effect,
        1.0,
        40.0,
        ratio=ratio,
        alpha=0.05,
        alternative=alternative,
        strict=alternative == "two-sided",
    )
    assert got == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("ratio", [0.5, 1.0, 2.0])
@pytest.mark.parametrize(
    ("alternative", "sm_alternative", "p2"),
    [("greater", "larger", 0.13), ("less", "smaller", 0.08), ("two-sided", "two-sided", 0.13)],
)
def test_arcsine_matches_statsmodels_cohens_h(
    ratio: float, alternative: stats.Alternative, sm_alternative: str, p2: float
) -> None:
    p1 = 0.1
    h = proportion_effectsize(p2, p1)  # 2 asin(sqrt(p2)) - 2 asin(sqrt(p1))
    expected_n = NormalIndPower().solve_power(
        effect_size=h, nobs1=None, alpha=0.05, power=0.8, ratio=ratio, alternative=sm_alternative
    )
    got_n = stats.proportion_n(
        p1,
        p2,
        0.8,
        ratio=ratio,
        alpha=0.05,
        alternative=alternative,
        method="arcsine",
        strict=True,
    )
    assert got_n == pytest.approx(expected_n, rel=1e-6)
    expected_power = NormalIndPower().power(
        effect_size=h, nobs1=700, alpha=0.05, ratio=ratio, alternative=sm_alternative
    )
    got_power = stats.proportion_power(
        p1,
        p2,
        700.0,
        ratio=ratio,
        alpha=0.05,
        alternative=alternative,
        method="arcsine",
        strict=True,
    )
    assert got_power == pytest.approx(expected_power, rel=1e-9)


# ------------------------------------------------------------------ inverses
@pytest.mark.parametrize("method", stats.PROPORTION_METHODS)
@pytest.mark.parametrize(
    ("alternative", "p2"), [("two-sided", 0.12), ("greater", 0.12), ("less", 0.085)]
)
@pytest.mark.parametrize("strict", [False, True])
def test_proportion_n_inverts_power(
    method: stats.ProportionMethod, alternative: stats.Alternative, p2: float, strict: bool
) -> None:
    n = stats.proportion_n(
        0.1,
        p2,
        0.85,
        ratio=1.5,
        alpha=0.02,
        alternative=alternative,
        method=method,
        strict=strict,
    )
    p = stats.proportion_power(
        0.1, p2, n, ratio=1.5, alpha=0.02, alternative=alternative, method=method, strict=strict
    )
    assert p == pytest.approx(0.85, abs=1e-9)


@pytest.mark.parametrize("method", stats.PROPORTION_METHODS)
@pytest.mark.parametrize("alternative", stats.ALTERNATIVES)
def test_proportion_mde_inverts_power(
    method: stats.ProportionMethod, alternative: stats.Alternative
) -> None:
    p2 = stats.proportion_mde(
        0.2, 2500.0, 0.8, ratio=2.0, alpha=0.05, alternative=alternative, method=method
    )
    if alternative == "less":
        assert 0 < p2 < 0.2
    else:
        assert 0.2 < p2 < 1
    p = stats.proportion_power(
        0.2, p2, 2500.0, ratio=2.0, alpha=0.05, alternative=alternative, method=method
    )
    assert p == pytest.approx(0.8, abs=1e-9)


@pytest.mark.parametrize("alternative", stats.ALTERNATIVES)
@pytest.mark.parametrize("ratio", [0.5, 1.0, 3.0])
@pytest.mark.parametrize("delta", [0.05, 0.3, 0.8])
def test_t_n_inverts_t_power(alternative: stats.Alternative, ratio: float, delta: float) -> None:
    signed = -delta if alternative == "less" else delta
    n = stats.t_n(signed, 1.0, 0.8, ratio=ratio, alpha=0.05, alternative=alternative)
    assert n > 2 / (1 + ratio)
    p = stats.t_power(signed, 1.0, n, ratio=ratio, alpha=0.05, alternative=alternative)
    assert p == pytest.approx(0.8, abs=1e-8)


@pytest.mark.parametrize("delta", [1.2, 1.5, 2.0, 3.0])
@pytest.mark.parametrize("alternative", ["two-sided", "greater"])
def test_t_n_inverts_t_power_for_large_effects(
    delta: float, alternative: stats.Alternative
) -> None:
    # Large standardized effects need small n: the root lies a few units above the
    # smallest design with degrees of freedom (n = 1 per arm).
    n = stats.t_n(delta, 1.0, 0.8, ratio=1.0, alpha=0.05, alternative=alternative)
    p = stats.t_power(delta, 1.0, n, ratio=1.0, alpha=0.05, alternative=alternative)
    assert p == pytest.approx(0.8, abs=1e-8)
    # The normal approximation is a lower bound on the t-test's n.
    z = stats.critical_z(0.05, alternative) + sps.norm.ppf(0.8)
    assert n >= 2 * (z / delta) ** 2


@pytest.mark.parametrize("delta", [0.1, 0.3, 1.5])
def test_t_n_strict_two_sided_inverts_power(delta: float) -> None:
    n = stats.t_n(delta, 1.0, 0.8, ratio=1.0, alpha=0.05, alternative="two-sided", strict=True)
    p = stats.t_power(delta, 1.0, n, ratio=1.0, alpha=0.05, alternative="two-sided", strict=True)
    assert p == pytest.approx(0.8, abs=1e-8)
    # Counting the other tail can only lower n, and only by a hair for these effects.
    n_lax = stats.t_n(delta, 1.0, 0.8, ratio=1.0, alpha=0.05, alternative="two-sided")
    assert n <= n_lax
    assert n == pytest.approx(n_lax, rel=1e-3)


@pytest.mark.parametrize("alternative", stats.ALTERNATIVES)
@pytest.mark.parametrize("n", [3.0, 20.0, 400.0])
def test_t_mde_inverts_t_power(alternative: stats.Alternative, n: float) -> None:
    delta = stats.t_mde(2.0, n, 0.9, ratio=2.0, alpha=0.05, alternative=alternative)
    assert (delta < 0) if alternative == "less" else (delta > 0)
    p = stats.t_power(delta, 2.0, n, ratio=2.0, alpha=0.05, alternative=alternative)
    assert p == pytest.approx(0.9, abs=1e-9)


@pytest.mark.parametrize("n", [5.0, 50.0, 400.0])
def test_t_mde_strict_two_sided_inverts_power(n: float) -> None:
    delta = stats.t_mde(1.0, n, 0.8, ratio=1.0, alpha=0.05, alternative="two-sided", strict=True)
    assert delta > 0
    p = stats.t_power(delta, 1.0, n, ratio=1.0, alpha=0.05, alternative="two-sided", strict=True)
    assert p == pytest.approx(0.8, abs=1e-9)


@pytest.mark.parametrize("delta", [1.5, 2.0, 2.5, 3.0])
def test_t_power_strict_is_finite_for_large_effects(delta: float) -> None:
    # n = 50 per arm, df = 98: the lower rejection region adds almost nothing.
    lax = stats.t_power(delta, 1.0, 50.0, ratio=1.0, alpha=0.05, alternative="two-sided")
    strict = stats.t_power(
        delta, 1.0, 50.0, ratio=1.0, alpha=0.05, alternative="two-sided", strict=True
    )
    assert math.isfinite(strict)
    assert lax <= strict <= 1.0
    assert strict == pytest.approx(lax, abs=1e-12)


def test_t_mde_with_margin_is_shifted_by_the_margin() -> None:
    plain = stats.t_mde(1.0, 300.0, 0.8, ratio=1.0, alpha=0.05, alternative="greater")
    ni = stats.t_mde(1.0, 300.0, 0.8, ratio=1.0, alpha=0.05, alternative="greater", margin=0.1)
    assert ni == pytest.approx(plain - 0.1, rel=1e-9)
    ni_less = stats.t_mde(1.0, 300.0, 0.8, ratio=1.0, alpha=0.05, alternative="less", margin=0.1)
    assert ni_less == pytest.approx(-(plain - 0.1), rel=1e-9)


def test_non_inferiority_t_n_is_one_sided_r() -> None:
    # power.t.test(delta = 0.2, sd = 1, power = .8, alternative = "one.sided")
    # => n = 309.8064701 (R 4.2.2); a true effect of 0 against a margin of 0.2 is the
    # same test.
    n = stats.t_n(0.0, 1.0, 0.8, ratio=1.0, alpha=0.05, alternative="greater", margin=0.2)
    assert n == pytest.approx(309.8064701, rel=1e-3)
    expected = TTestIndPower().solve_power(
        effect_size=0.2, nobs1=None, alpha=0.05, power=0.8, ratio=1.0, alternative="larger"
    )
    assert n == pytest.approx(expected, rel=1e-6)


# ------------------------------------------------------------------- failures
def test_effect_on_the_null_side_raises_solve_error() -> None:
    with pytest.raises(stats.SolveError, match="null side"):
        stats.t_n(-0.2, 1.0, 0.8, alternative="greater")
    with pytest.raises(stats.SolveError, match="null side"):
        stats.proportion_n(0.1, 0.12, 0.8, alternative="less")
    with pytest.raises(stats.SolveError, match="null side"):
        stats.t_n(-0.3, 1.0, 0.8, alternative="greater", margin=0.2)


def test_tiny_effects_raise_instead_of_returning_huge_n() -> None:
    with pytest.raises(stats.SolveError, match=r"exceeds 1e\+12"):
        stats.t_n(1e-7, 1.0, 0.8)
    with pytest.raises(stats.SolveError, match=r"exceeds 1e\+12"):
        stats.proportion_n(0.1, 0.1 + 1e-8, 0.8)
    with pytest.raises(stats.SolveError, match=r"exceeds 1e\+12"):
        stats.proportion_n(0.1, 0.1 + 1e-8, 0.8, method="arcsine", strict=True)
    assert MAX_N == 1e12


def test_proportion_mde_unreachable_power_raises() -> None:
    with pytest.raises(stats.SolveError, match="no variant rate reaches power"):
        stats.proportion_mde(0.5, 3.0, 0.99, alpha=0.001)


def test_t_mde_without_degrees_of_freedom_raises() -> None:
    with pytest.raises(stats.SolveError, match="degrees of freedom"):
        stats.t_mde(1.0, 1.0, 0.8, ratio=1.0)


def test_core_results_are_finite() -> None:
    values = [
        stats.t_n(0.2, 1.0, 0.8),
        stats.t_power(0.2, 1.0, 100.0),
        stats.t_mde(1.0, 100.0, 0.8),
        stats.proportion_n(0.1, 0.12, 0.8),
        stats.proportion_power(0.1, 0.12, 1000.0),
        stats.proportion_mde(0.1, 1000.0, 0.8),
    ]
    assert np.all(np.isfinite(values))
