"""Multiple-testing adjustment (hypokit.stats._multiple), against R's p.adjust and statsmodels."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

from hypokit._errors import DataError, ValidationError
from hypokit.stats._multiple import p_adjust

SETTINGS = settings(derandomize=True, deadline=None, max_examples=60)

NAN = math.nan
P = [0.01, NAN, 0.04, 0.03, 0.005, 0.2]


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        # R: p.adjust(c(0.01, NA, 0.04, 0.03, 0.005, 0.2), "holm")
        ("holm", [0.040, NAN, 0.090, 0.090, 0.025, 0.200]),
        # R: p.adjust(c(0.01, NA, 0.04, 0.03, 0.005, 0.2), "BH")
        ("bh", [0.025, NAN, 0.050, 0.050, 0.025, 0.200]),
        # R: p.adjust(c(0.01, NA, 0.04, 0.03, 0.005, 0.2), "bonferroni")
        ("bonferroni", [0.050, NAN, 0.200, 0.150, 0.025, 1.000]),
    ],
)
def test_matches_r_with_missing_values(method: str, expected: list[float]) -> None:
    np.testing.assert_allclose(p_adjust(P, method), expected, rtol=1e-12)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("method", "sm_method"), [("holm", "holm"), ("bonferroni", "bonferroni"), ("bh", "fdr_bh")]
)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_statsmodels(method: str, sm_method: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = np.concatenate([rng.uniform(0, 0.01, 5), rng.uniform(0, 1, 20)])
    p[3] = p[7]  # a tie
    rng.shuffle(p)
    expected = multipletests(p, method=sm_method)[1]
    np.testing.assert_allclose(p_adjust(p, method), expected, rtol=1e-12)  # type: ignore[arg-type]


def test_missing_values_do_not_count_in_the_family() -> None:
    with_nan = p_adjust([0.01, NAN, 0.02, NAN], "bonferroni")
    np.testing.assert_array_equal(with_nan[[0, 2]], p_adjust([0.01, 0.02], "bonferroni"))
    assert np.isnan(with_nan[[1, 3]]).all()
    assert np.isnan(p_adjust([NAN, NAN], "holm")).all()
    assert p_adjust([], "bh").shape == (0,)


def test_none_returns_a_copy() -> None:
    p = np.array([0.2, 0.01])
    out = p_adjust(p, None)
    np.testing.assert_array_equal(out, p)
    out[0] = 1.0
    assert p[0] == 0.2


def test_shapes_and_families() -> None:
    p = np.array([[0.01, 0.02, 0.03], [0.04, NAN, 0.001]])
    whole = p_adjust(p, "holm")
    assert whole.shape == (2, 3)
    np.testing.assert_array_equal(whole.ravel(), p_adjust(p.ravel(), "holm"))
    rows = p_adjust(p, "holm", axis=1)
    for i in range(2):
        np.testing.assert_array_equal(rows[i], p_adjust(p[i], "holm"))
    cols = p_adjust(p, "bh", axis=0)
    np.testing.assert_array_equal(cols[:, 2], p_adjust(p[:, 2], "bh"))
    assert p_adjust(0.01, "holm").shape == ()


def test_bad_arguments() -> None:
    with pytest.raises(ValidationError, match=r"^method == 'fdr', must be one of 'holm', "):
        p_adjust([0.1], "fdr")  # type: ignore[arg-type]
    with pytest.raises(DataError, match=r"p has values \[1\.5\] outside \[0, 1\]"):
        p_adjust([0.1, 1.5])
    with pytest.raises(DataError, match="outside"):
        p_adjust([0.1, math.inf])
    with pytest.raises(DataError, match="must be numbers"):
        p_adjust(["a"])
    with pytest.raises(ValidationError, match="axis == 2, must be None or an axis of p"):
        p_adjust([[0.1]], axis=2)


p_values = st.lists(
    st.one_of(st.floats(0, 1, allow_nan=False), st.just(NAN), st.sampled_from([0.0, 1.0, 0.05])),
    max_size=30,
)


@SETTINGS
@given(p_values)
def test_holm_between_raw_and_bonferroni_and_bh_below_holm(p: list[float]) -> None:
    raw = np.array(p, dtype=float)
    holm = p_adjust(raw, "holm")
    bonf = p_adjust(raw, "bonferroni")
    bh = p_adjust(raw, "bh")
    ok = ~np.isnan(raw)
    assert np.array_equal(np.isnan(holm), ~ok)
    assert (holm[ok] <= bonf[ok]).all()
    assert (bh[ok] <= holm[ok]).all()
    assert (raw[ok] <= bh[ok]).all()
    assert ((bonf[ok] >= 0) & (bonf[ok] <= 1)).all()
    # The adjustment keeps the order of the p-values.
    order = np.argsort(raw[ok], kind="stable")
    for adjusted in (holm, bh, bonf):
        assert (np.diff(adjusted[ok][order]) >= 0).all()
