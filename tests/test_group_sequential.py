"""Tests of group-sequential designs, hypokit/stats/_group_sequential.py.

Reference values:

- R's rpact 3.3.4, tests/data/rpact_reference.csv (made by scripts/rpact_reference.R):
  each row carries the R expression that returned it, used as the test id.
- Published values: Lan-DeMets O'Brien-Fleming type, five equally spaced looks, two-sided
  alpha = 0.05 (DeMets & Lan 1994, "Interim analysis: the alpha spending function
  approach", Statistics in Medicine 13; also R's ldbounds): 4.877, 3.357, 2.680, 2.290,
  2.031; and the type-I error of repeated significance tests at the 5% level
  (Armitage, McPherson & Rowe 1969; Jennison & Turnbull 2000, table 1.1).
- An independent computation of the joint crossing probabilities with
  scipy.stats.multivariate_normal (Genz's algorithm) for K = 2, 3.
"""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sps

from hypokit._errors import ValidationError
from hypokit.stats._group_sequential import (
    SPENDING_FUNCTIONS,
    GroupSequentialDesign,
    boundaries,
    crossing_probabilities,
    inflation_factor,
    repeated_testing_alpha,
    spending,
)

RPACT_CSV = Path(__file__).parent / "data" / "rpact_reference.csv"
SPENDING = {"asOF": "obrien-fleming", "asP": "pocock"}


def _load() -> list[dict[str, str]]:
    with RPACT_CSV.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


ROWS = _load()
_DESIGNS: dict[tuple[str, ...], GroupSequentialDesign] = {}


def _design(row: dict[str, str]) -> GroupSequentialDesign:
    key = (row["type_of_design"], row["sided"], row["alpha"], row["information_rates"])
    if key not in _DESIGNS:
        _DESIGNS[key] = boundaries(
            [float(x) for x in row["information_rates"].split(";")],
            alpha=float(row["alpha"]),
            spending=SPENDING[row["type_of_design"]],  # type: ignore[arg-type]
            alternative="two-sided" if row["sided"] == "2" else "greater",
        )
    return _DESIGNS[key]


def _rows(quantity: str) -> list[object]:
    return [pytest.param(r, id=r["r_call"]) for r in ROWS if r["quantity"] == quantity]


def test_reference_file_covers_the_brief():
    designs = {(r["type_of_design"], r["sided"], r["alpha"], r["k_max"]) for r in ROWS}
    assert len(designs) == 2 * 2 * 2 * 4
    assert len({r["information_rates"] for r in ROWS}) == 8  # equal and unequal, K = 2..5
    assert all(r["r_call"].startswith("getDesign") for r in ROWS)


# --------------------------------------------------------------------------- rpact
@pytest.mark.parametrize("row", _rows("critical_value"))
def test_critical_values_match_rpact(row):
    design = _design(row)
    k = int(row["stage"]) - 1
    expected = float(row["value"])
    got = design.z[k]
    if math.isinf(expected):
        # rpact reports Inf when the alpha to spend at a look (here 5.6e-15) is below its
        # search tolerance; the exact boundary is finite and far out.
        assert got > 7.5
        assert design.nominal_alpha[k] < 1e-13
        return
    assert got == pytest.approx(expected, abs=1e-3)
    # Tighter: 1e-6 on z, or, where rpact's own tolerance on alpha (about 1e-9) is the
    # limit (nominal levels near 1e-6), 1e-9 on the nominal level.
    sides = 2 if row["sided"] == "2" else 1
    nominal_r = sides * sps.norm.sf(expected)
    assert abs(got - expected) < 1e-6 or abs(design.nominal_alpha[k] - nominal_r) < 1e-9


@pytest.mark.parametrize("row", _rows("alpha_spent"))
def test_alpha_spent_matches_rpact(row):
    design = _design(row)
    got = design.alpha_spent[int(row["stage"]) - 1]
    assert got == pytest.approx(float(row["value"]), rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("row", _rows("inflation_factor"))
def test_inflation_factor_matches_rpact(row):
    got = inflation_factor(_design(row), power=float(row["power"]))
    assert got == pytest.approx(float(row["value"]), rel=1e-6)


# ---------------------------------------------------------------------- published
def test_lan_demets_obrien_fleming_five_looks_published():
    design = boundaries(looks=5, alpha=0.05, spending="obrien-fleming")
    # DeMets & Lan (1994), ldbounds, rpact: 4.877, 3.357, 2.680, 2.290, 2.031. (2.040 is
    # the final value of the original O'Brien-Fleming design, not of its spending version.)
    np.testing.assert_allclose(design.z, [4.877, 3.357, 2.680, 2.290, 2.031], atol=5e-4)
    assert design.information.tolist() == [0.2, 0.4, 0.6, 0.8, 1.0]
    assert design.looks == 5


@pytest.mark.parametrize("kind", SPENDING_FUNCTIONS)
@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
@pytest.mark.parametrize("alpha", [0.05, 0.025, 0.1])
def test_one_look_is_the_fixed_design(kind, alternative, alpha):
    design = boundaries(looks=1, alpha=alpha, spending=kind, alternative=alternative)
    z = sps.norm.isf(alpha / 2 if alternative == "two-sided" else alpha)
    assert design.z[0] == pytest.approx(z, abs=1e-10)
    assert design.nominal_alpha[0] == pytest.approx(alpha, rel=1e-9)
    assert inflation_factor(design) == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize(
    ("looks", "expected"),
    # Jennison & Turnbull (2000), table 1.1 (Armitage, McPherson & Rowe 1969)
    [
        (1, 0.05),
        (2, 0.083),
        (3, 0.107),
        (4, 0.126),
        (5, 0.142),
        (10, 0.193),
        (20, 0.248),
        (50, 0.320),
    ],
)
def test_repeated_significance_testing_error(looks, expected):
    assert repeated_testing_alpha(looks=looks) == pytest.approx(expected, abs=6e-4)


# ------------------------------------------------------------ multivariate normal
def _mvn_first_crossing(t, z, alternative, drift):
    """P(first crossing at look k) from multivariate normal rectangle probabilities."""
    t = np.asarray(t, dtype=float)
    k_max = t.size
    cov = np.sqrt(np.minimum.outer(t, t) / np.maximum.outer(t, t))
    mean = drift * np.sqrt(t)
    rng = np.random.default_rng(11)

    def inside(k):  # P(no crossing at looks 1..k)
        if k == 0:
            return 1.0
        high = np.asarray(z[:k], dtype=float)
        low = -high if alternative == "two-sided" else np.full(k, -np.inf)
        value = sps.multivariate_normal.cdf(
            high,
            mean[:k],
            cov[:k, :k],
            maxpts=200_000,
            abseps=1e-8,
            releps=0,
            lower_limit=low,
            rng=rng,
        )
        return float(value)

    stay = [inside(k) for k in range(k_max + 1)]
    return np.array([stay[k] - stay[k + 1] for k in range(k_max)])


@pytest.mark.parametrize("t", [[0.5, 1.0], [0.3, 1.0], [1 / 3, 2 / 3, 1.0], [0.2, 0.7, 1.0]])
@pytest.mark.parametrize("alternative", ["two-sided", "greater"])
@pytest.mark.parametrize("drift", [0.0, 1.5, 2.8])
def test_crossing_probabilities_match_multivariate_normal(t, alternative, drift):
    for kind in SPENDING_FUNCTIONS:
        design = boundaries(t, alpha=0.05, spending=kind, alternative=alternative)
        ours = crossing_probabilities(design, drift)
        expected = _mvn_first_crossing(t, design.z, alternative, drift)
        np.testing.assert_allclose(ours, expected, atol=1e-6)


def test_less_is_the_mirror_of_greater():
    t = [0.25, 0.6, 1.0]
    greater = boundaries(t, alpha=0.025, alternative="greater")
    less = boundaries(t, alpha=0.025, alternative="less")
    np.testing.assert_array_equal(greater.z, less.z)
    np.testing.assert_allclose(
        crossing_probabilities(less, -2.5), crossing_probabilities(greater, 2.5), rtol=1e-12
    )
    assert crossing_probabilities(less, 2.5).sum() < 1e-4
    assert inflation_factor(less) == pytest.approx(inflation_factor(greater), rel=1e-10)


# ----------------------------------------------------------------------- properties
@pytest.mark.parametrize("kind", SPENDING_FUNCTIONS)
@pytest.mark.parametrize("alternative", ["two-sided", "greater"])
@pytest.mark.parametrize(
    "t", [[0.5, 1.0], [0.1, 0.2, 0.5, 0.9, 1.0], np.arange(1, 11) / 10, [0.05, 0.06, 1.0]]
)
def test_null_crossing_equals_spending_at_every_look(kind, alternative, t):
    design = boundaries(t, alpha=0.05, spending=kind, alternative=alternative)
    cumulative = np.cumsum(crossing_probabilities(design, 0.0))
    np.testing.assert_allclose(cumulative, design.alpha_spent, rtol=1e-7, atol=1e-14)
    np.testing.assert_allclose(
        design.alpha_spent, spending(kind, t, alpha=0.05, alternative=alternative), rtol=1e-14
    )
    assert np.all(design.nominal_alpha <= design.alpha)


def test_spending_functions_written_out():
    t = np.array([0.0, 0.1, 0.25, 0.5, 0.75, 1.0])
    for alpha in (0.05, 0.025):
        a = alpha / 2  # per side of a two-sided design
        of_side = 2 - 2 * sps.norm.cdf(sps.norm.ppf(1 - a / 2) / np.sqrt(np.maximum(t, 1e-300)))
        np.testing.assert_allclose(
            spending("obrien-fleming", t, alpha=alpha), 2 * of_side, rtol=1e-10, atol=1e-15
        )
        of_one = 2 - 2 * sps.norm.cdf(sps.norm.ppf(1 - alpha / 2) / np.sqrt(np.maximum(t, 1e-300)))
        np.testing.assert_allclose(
            spending("obrien-fleming", t, alpha=alpha, alternative="greater"),
            of_one,
            rtol=1e-10,
            atol=1e-15,
        )
        pocock = alpha * np.log(1 + (math.e - 1) * t)
        for alternative in ("two-sided", "greater"):
            np.testing.assert_allclose(
                spending("pocock", t, alpha=alpha, alternative=alternative), pocock, rtol=1e-14
            )


def test_obrien_fleming_spends_less_early_than_pocock():
    of = boundaries(looks=4, spending="obrien-fleming")
    pk = boundaries(looks=4, spending="pocock")
    assert np.all(of.alpha_spent[:-1] < pk.alpha_spent[:-1])
    assert of.z[-1] < pk.z[-1]
    assert np.all(np.diff(of.z) < 0)
    assert inflation_factor(of) < inflation_factor(pk)


def test_inflation_factor_power_and_strict():
    design = boundaries([0.1, 0.25, 0.5, 0.8, 1.0], spending="pocock")
    plain = inflation_factor(design)
    strict = inflation_factor(design, strict=True)
    assert strict < plain  # crossings of the wrong boundary add power
    # power at the solved drift reproduces the target
    fixed = sps.norm.isf(0.025) + sps.norm.ppf(0.8)
    drift = math.sqrt(strict) * fixed
    assert crossing_probabilities(design, drift).sum() == pytest.approx(0.8, abs=1e-9)


def test_many_looks_are_stable():
    design = boundaries(looks=30)
    assert np.all(np.isfinite(design.z))
    assert np.all(np.diff(design.z) < 0)
    assert design.z[0] > 10
    np.testing.assert_allclose(
        np.cumsum(crossing_probabilities(design, 0.0)),
        design.alpha_spent,
        rtol=1e-6,
        atol=1e-15,
    )


def test_design_is_frozen_and_read_only():
    design = boundaries(looks=3)
    with pytest.raises(ValueError, match="read-only"):
        design.z[0] = 1.0
    with pytest.raises(AttributeError):
        design.alpha = 0.1  # type: ignore[misc]


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "looks == None, must be given when t is not"),
        ({"looks": 0}, "looks == 0, must be at least 1."),
        ({"looks": 2.5}, "looks == 2.5, must be a whole number."),
        ({"t": [0.5, 0.4, 1.0]}, "t == [0.5, 0.4, 1. ], must be strictly increasing."),
        ({"t": [0.5, 0.9]}, "t == [0.5, 0.9], must end at 1 (the final look)."),
        ({"t": [0.0, 1.0]}, "t == [0., 1.], must be fractions in (0, 1]."),
        ({"t": [0.5, 1.2]}, "t == [0.5, 1.2], must be fractions in (0, 1]."),
        ({"t": []}, "t == [], must be a non-empty list of fractions."),
        ({"t": ["a"]}, "t == ['a'], must be numbers."),
        ({"t": [0.5, 1.0], "looks": 3}, "looks == 3, must equal len(t) == 2."),
        ({"looks": 3, "alpha": 1.5}, "alpha == 1.5, must be in (0, 1)."),
        ({"looks": 3, "spending": "haybittle"}, "spending == 'haybittle', must be one of"),
        ({"looks": 3, "alternative": "both"}, "alternative == 'both', must be one of"),
    ],
)
def test_boundaries_errors(kwargs, message):
    with pytest.raises(ValidationError, match=re.escape(message)):
        boundaries(**kwargs)


def test_other_errors():
    design = boundaries(looks=2, alpha=0.05)
    with pytest.raises(ValidationError, match=re.escape("power == 0.04, must be greater than")):
        inflation_factor(design, power=0.04)
    with pytest.raises(ValidationError, match=re.escape("power == 1.0, must be in (0, 1).")):
        inflation_factor(design, power=1.0)
    with pytest.raises(
        ValidationError, match=re.escape("design == dict, must be GroupSequentialDesign.")
    ):
        crossing_probabilities({}, 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=re.escape("drift == nan, must be a finite")):
        crossing_probabilities(design, math.nan)
    with pytest.raises(ValidationError, match="kind == 'linear', must be one of"):
        spending("linear", [0.5])  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=re.escape("must be fractions in [0, 1].")):
        spending("pocock", [1.5])


def test_looks_too_close_together_are_refused() -> None:
    with pytest.raises(ValidationError, match="too close to tell apart"):
        boundaries([0.25, 0.5, 0.5005, 1.0])
    design = boundaries([0.25, 0.5, 0.501, 1.0])  # 0.001 apart: still computed
    assert np.all(np.isfinite(design.z))
