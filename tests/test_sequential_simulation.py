"""Seeded simulations of peeking: A/A tests read daily (slow; run with ``-m slow -s``).

Thirty daily looks at an A/A experiment (10% conversion, 200 users per arm per day):

- reading a fixed-horizon z-test every day rejects far more often than alpha (about 0.28
  for 30 looks at 5%: Armitage, McPherson & Rowe 1969; computed exactly by
  ``repeated_testing_alpha``);
- the always-valid p-value of the confidence sequence keeps the rate at or below alpha;
- a Lan-DeMets O'Brien-Fleming design with 30 looks keeps it at alpha.

Bands are binomial: ``3 * sqrt(alpha (1 - alpha) / reps)``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from hypokit.stats._group_sequential import boundaries, repeated_testing_alpha
from hypokit.stats._sequential import always_valid_p_value, peeking_simulation

pytestmark = pytest.mark.slow

ALPHA = 0.05
REPS = 5000


def _band(reps: int, alpha: float = ALPHA) -> float:
    return 3 * math.sqrt(alpha * (1 - alpha) / reps)


@pytest.fixture(scope="module")
def rates() -> dict[str, float]:
    result = peeking_simulation(reps=REPS, days=30, seed=20240601)
    print()
    for name, value in result.items():
        print(f"  {name:>20}: {value:.4f}")
    return result


def test_naive_daily_reading_inflates_type_one_error(rates):
    assert rates["naive"] > 0.2
    # normal theory for 30 equally spaced looks (the counts are discrete and the
    # variance estimated, hence a slightly wider band)
    assert rates["naive_exact"] == pytest.approx(0.2802, abs=1e-3)
    assert abs(rates["naive"] - rates["naive_exact"]) < 2 * _band(REPS, 0.28)
    # one look at the end is an ordinary level-alpha test
    assert abs(rates["final_look_only"] - ALPHA) < _band(REPS)


def test_confidence_sequence_keeps_alpha(rates):
    assert rates["confidence_sequence"] <= ALPHA + _band(REPS)


def test_obrien_fleming_design_spends_alpha(rates):
    assert abs(rates["obrien_fleming"] - ALPHA) < _band(REPS)


@pytest.mark.parametrize("alternative", ["two-sided", "greater"])
def test_confidence_sequence_on_gaussian_streams_with_many_looks(alternative):
    # Gaussian data, 500 looks at every 20 units per arm: the time-uniform guarantee,
    # not only a daily one. n_tune is the final sample size.
    rng = np.random.default_rng(99)
    reps, looks, batch = 4000, 500, 20
    sums = rng.normal(0, 1, size=(2, looks, reps)).cumsum(axis=1) * math.sqrt(batch)
    n_arm = batch * np.arange(1, looks + 1, dtype=float)[:, None]
    effect = (sums[1] - sums[0]) / n_arm
    se = np.sqrt(2 / n_arm)  # known unit variance
    p = always_valid_p_value(
        effect, se, 2 * n_arm, alternative=alternative, n_tune=2 * batch * looks
    )
    rate = float(np.mean((p < ALPHA).any(axis=0)))
    fixed = float(np.mean((np.abs(effect / se) > 1.959964).any(axis=0)))
    print(f"\n  {alternative}: confidence sequence {rate:.4f}, naive {fixed:.4f}")
    assert rate <= ALPHA + _band(reps)
    assert fixed > 0.3


def test_weekly_obrien_fleming_looks():
    # Four weekly looks (days 7, 14, 21, 28) with the design for those fractions.
    rng = np.random.default_rng(5)
    reps, users, rate = 5000, 200, 0.10
    days = np.array([7, 14, 21, 28])
    daily = rng.binomial(users, rate, size=(2, 28, reps)).cumsum(axis=1)[:, days - 1]
    n_arm = users * days[:, None].astype(float)
    pa, pb = daily[0] / n_arm, daily[1] / n_arm
    pooled = (pa + pb) / 2
    z = (pb - pa) / np.sqrt(pooled * (1 - pooled) * 2 / n_arm)
    design = boundaries(days / 28, alpha=ALPHA)
    rejected = float(np.mean((np.abs(z) >= design.z[:, None]).any(axis=0)))
    naive = float(np.mean((np.abs(z) >= 1.959964).any(axis=0)))
    print(f"\n  weekly: O'Brien-Fleming {rejected:.4f}, naive {naive:.4f}")
    assert abs(rejected - ALPHA) < _band(reps)
    assert naive == pytest.approx(repeated_testing_alpha(looks=4), abs=_band(reps, 0.126))
