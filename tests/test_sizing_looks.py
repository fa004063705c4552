"""Group-sequential sizing: ``hk.size(..., looks=...)``, ``plan.schedule()`` and the look
boundary applied by ``hk.analyze(..., plan=plan, look=k)``.

The maximum sample size is R's fixed-design n (``power.prop.test``, stored in
tests/data/r_power_reference.csv) times rpact's inflation factor (stored in
tests/data/rpact_reference.csv), both values from R with the call beside them; a seeded
simulation of the planned design checks its power and type-I error end to end.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import special

import hypokit as hk

DATA = Path(__file__).parent / "data"


def _rpact_inflation(sided: int, alpha: str, k: int, rates: str, power: str) -> float:
    with (DATA / "rpact_reference.csv").open() as fh:
        for row in csv.DictReader(fh):
            if (
                row["type_of_design"] == "asOF"
                and row["sided"] == str(sided)
                and row["alpha"] == alpha
                and row["k_max"] == str(k)
                and row["information_rates"] == rates
                and row["quantity"] == "inflation_factor"
                and row["power"] == power
            ):
                return float(row["value"])
    raise LookupError("no such rpact row")


def _r_n(call: str) -> float:
    with (DATA / "r_power_reference.csv").open() as fh:
        for row in csv.DictReader(fh):
            if row["r_call"] == call:
                return float(row["result"])
    raise LookupError(call)


def test_max_size_is_r_fixed_n_times_rpact_inflation() -> None:
    # power.prop.test(p1 = 0.02, p2 = 0.07, ...) n = 268.6625277; rpact asOF K = 5
    # two-sided alpha 0.05 beta 0.2: inflationFactor = 1.024719881.
    n_r = _r_n(
        "power.prop.test(p1 = 0.02, p2 = 0.07, sig.level = 0.05, power = 0.8, "
        'alternative = "two.sided")'
    )
    factor = _rpact_inflation(2, "0.05", 5, "0.2;0.4;0.6;0.8;1", "0.8")
    plan = hk.size(hk.Proportion(baseline=0.02), mde=0.05, looks=5)
    assert plan.n_per_arm == math.ceil(n_r * factor)
    assert plan.rows[0].n_fixed == math.ceil(n_r)
    assert plan.inflation == pytest.approx(factor, rel=1e-6)
    assert plan.rows[0].power == pytest.approx(0.8, abs=2e-3)  # n rounded up


def test_unequal_looks_and_power_090() -> None:
    n_r = _r_n("power.prop.test(p1 = .50, p2 = .75, power = .90)")
    factor = _rpact_inflation(2, "0.05", 5, "0.1;0.25;0.5;0.8;1", "0.9")
    plan = hk.size(hk.Proportion(baseline=0.5), mde=0.25, power=0.9, looks=[0.1, 0.25, 0.5, 0.8, 1])
    assert plan.n_per_arm == math.ceil(n_r * factor)


def test_schedule_lists_each_look_per_segment() -> None:
    plan = hk.size(
        hk.Proportion(baseline={"new": 0.05, "returning": 0.12}),
        mde=0.10,
        relative=True,
        traffic={"new": 2000, "returning": 800},
        correction="bonferroni",
        looks=4,
    )
    table = plan.schedule().to_pandas()
    assert list(table.columns) == [
        "segment", "look", "information", "n_per_arm", "n_total", "day", "z", "p_boundary",
        "alpha_spent",
    ]  # fmt: skip
    assert len(table) == 8
    design = hk.stats.boundaries(looks=4, alpha=0.025)  # Bonferroni over two segments
    new = table[table["segment"] == "new"]
    np.testing.assert_allclose(new["z"], design.z)
    np.testing.assert_allclose(new["p_boundary"], design.nominal_alpha)
    assert new["n_per_arm"].iloc[-1] == plan["new"].n_per_arm
    assert new["day"].iloc[-1] == plan["new"].days
    assert new["n_per_arm"].is_monotonic_increasing
    # O'Brien-Fleming spends almost nothing at the first look.
    assert new["p_boundary"].iloc[0] < 1e-4
    assert "4 looks" in str(plan)
    assert "n_fixed" in plan.to_pandas()


def test_pocock_inflates_more_than_obrien_fleming() -> None:
    metric = hk.Mean(mean=10.0, sd=4.0)
    fixed = hk.size(metric, mde=0.5)
    obf = hk.size(metric, mde=0.5, looks=5)
    pocock = hk.size(metric, mde=0.5, looks=5, spending="pocock")
    assert fixed.n_per_arm < obf.n_per_arm < pocock.n_per_arm
    # Jennison & Turnbull (2000), table 2.4 region: Pocock K = 5 at power 0.8 inflates ~1.2.
    assert pocock.inflation == pytest.approx(1.2, abs=0.02)
    # power_at the maximum is the target; mde_at is consistent with it.
    assert obf.power_at(obf.n_per_arm) == pytest.approx(0.8, abs=2e-3)
    assert obf.mde_at(obf.n_per_arm) == pytest.approx(0.5, rel=2e-3)


def test_bad_looks() -> None:
    metric = hk.Proportion(baseline=0.1)
    with pytest.raises(hk.ValidationError, match=r"looks == \[0.5, 0.9\]"):
        hk.size(metric, mde=0.02, looks=[0.5, 0.9])
    with pytest.raises(hk.ValidationError, match="looks == 0"):
        hk.size(metric, mde=0.02, looks=0)
    with pytest.raises(hk.ValidationError, match="spending == 'linear'"):
        hk.size(metric, mde=0.02, looks=3, spending="linear")
    with pytest.raises(hk.ValidationError, match="needs looks="):
        hk.size(metric, mde=0.02, spending="pocock")
    with pytest.raises(hk.ValidationError, match="one look at the end"):
        hk.size(metric, mde=0.02).schedule()


# ------------------------------------------------------------------ the plan in use
def _simulate(effect: float, reps: int, seed: int) -> float:
    """Share of planned O'Brien-Fleming tests (K = 4) that reject, simulated.

    Each replicate draws the counts of each look's new units, computes the pooled
    two-proportion z statistic on the running totals and compares it with the plan's
    boundary at that look.
    """
    plan = hk.size(hk.Proportion(baseline=0.10), mde=0.03, looks=4)
    schedule = plan.schedule().to_pandas()
    n = schedule["n_per_arm"].to_numpy()
    z_crit = schedule["z"].to_numpy()
    rng = np.random.default_rng(seed)
    increments = np.diff(n, prepend=0)
    a = rng.binomial(increments, 0.10, size=(reps, n.size)).cumsum(axis=1)
    b = rng.binomial(increments, 0.10 + effect, size=(reps, n.size)).cumsum(axis=1)
    pooled = (a + b) / (2 * n)
    z = (b - a) / n / np.sqrt(pooled * (1 - pooled) * 2 / n)
    return float((np.abs(z) >= z_crit).any(axis=1).mean())


@pytest.mark.slow
def test_planned_design_has_its_power_and_alpha() -> None:
    reps = 20_000
    power = _simulate(0.03, reps, seed=11)
    alpha = _simulate(0.0, reps, seed=12)
    print(f"\ngroup-sequential plan, K = 4: power {power:.3f}, type-I error {alpha:.4f}")
    band = 3 * math.sqrt(0.8 * 0.2 / reps)
    assert abs(power - 0.8) < band + 0.005  # the normal approximation of the design
    assert abs(alpha - 0.05) < 3 * math.sqrt(0.05 * 0.95 / reps)


# -------------------------------------------------------------- analyze at a look
def _units(seed: int, n: int, lift: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    variant = rng.choice(["control", "b"], size=n)
    rate = np.where(variant == "b", 0.10 * (1 + lift), 0.10)
    return pd.DataFrame({"variant": variant, "converted": rng.binomial(1, rate)})


def _counts(n: int, control: int, variant: int) -> pd.DataFrame:
    """``n`` units per arm with exactly the given numbers of conversions."""
    return pd.DataFrame(
        {
            "variant": ["control"] * n + ["b"] * n,
            "converted": [1] * control + [0] * (n - control) + [1] * variant + [0] * (n - variant),
        }
    )


def test_analyze_at_a_look_applies_the_boundary() -> None:
    plan = hk.size(hk.Proportion(baseline=0.10), mde=0.02, looks=4)
    data = _counts(3000, 300, 360)  # z about 2.5: p about 0.013
    metric = [hk.Proportion("converted")]
    fixed = hk.analyze(data, variant="variant", control="control", metrics=metric)
    row = fixed.row("converted")
    early = hk.analyze(
        data, variant="variant", control="control", metrics=metric, plan=plan, look=1,
        information=[0.25],
    )  # fmt: skip
    level = float(hk.stats.boundaries(looks=4, alpha=0.05).nominal_alpha[0])
    assert early.row("converted")["p_adjusted"] == row["p_adjusted"]
    assert early.row("converted")["significant"] == (row["p_adjusted"] < level)
    assert row["p_adjusted"] < 0.05  # significant at a fixed horizon ...
    assert not early.row("converted")["significant"]  # ... but not at a first look at 25%
    [finding] = early.findings("look")
    assert "Look 1 of 4" in finding.message
    assert "continue to the next look" in finding.message
    last = hk.analyze(data, variant="variant", control="control", metrics=metric, plan=plan, look=4)
    assert "final look" in last.findings("look")[0].message


def test_a_look_spends_alpha_where_it_falls() -> None:
    # Planned at 50% and 100%, the first look comes at 30% of the planned control units:
    # Lan-DeMets spending at 0.3. rpact: getDesignGroupSequential(kMax = 2, alpha = 0.05,
    # sided = 2, typeOfDesign = "asOF", informationRates = c(0.3, 1))$criticalValues[1]
    # = 3.928572543.
    plan = hk.size(hk.Proportion(baseline=0.10), mde=0.03, looks=2)
    n = round(0.3 * plan.n_per_arm)
    data = _counts(n, round(0.1 * n), round(0.12 * n))
    result = hk.analyze(
        data, variant="variant", control="control", metrics=[hk.Proportion("converted")],
        plan=plan, look=1,
    )  # fmt: skip
    share = n / plan.n_per_arm  # as close to 0.3 as whole units allow
    want = float(hk.stats.boundaries([share, 1.0], alpha=0.05).nominal_alpha[0])
    message = result.findings("look")[0].message
    assert f"adjusted p < {want:.3g}" in message
    assert "spends alpha at 30%" in message
    # With the share given as exactly 0.3, the boundary is rpact's.
    given = hk.analyze(
        data, variant="variant", control="control", metrics=[hk.Proportion("converted")],
        plan=plan, look=1, information=[0.3],
    )  # fmt: skip
    level = 2 * float(special.ndtr(-3.928572543))
    assert f"adjusted p < {level:.3g}" in given.findings("look")[0].message


def test_information_errors() -> None:
    plan = hk.size(hk.Proportion(baseline=0.10), mde=0.03, looks=3)
    n = round(0.2 * plan.n_per_arm)
    data = _counts(n, round(0.1 * n), round(0.1 * n))
    kw = {"variant": "variant", "control": "control", "metrics": [hk.Proportion("converted")]}
    with pytest.raises(hk.ValidationError, match="no more than look 1's planned 33%"):
        hk.analyze(data, plan=plan, look=2, **kw)  # type: ignore[arg-type]
    with pytest.raises(hk.ValidationError, match="give one for each of looks 1 to 2"):
        hk.analyze(data, plan=plan, look=2, information=[0.2], **kw)  # type: ignore[arg-type]
    with pytest.raises(hk.ValidationError, match="must increase"):
        hk.analyze(data, plan=plan, look=2, information=[0.3, 0.2], **kw)  # type: ignore[arg-type]
    with pytest.raises(hk.ValidationError, match="analyse it as the final look"):
        hk.analyze(data, plan=plan, look=2, information=[0.3, 1], **kw)  # type: ignore[arg-type]
    with pytest.raises(hk.ValidationError, match="goes with look="):
        hk.analyze(data, plan=plan, information=[0.3], **kw)  # type: ignore[arg-type]
    big = _counts(plan.n_per_arm + 10, 100, 100)
    with pytest.raises(hk.ValidationError, match=r"analyse it as the final look \(look=3\)"):
        hk.analyze(big, plan=plan, look=1, **kw)  # type: ignore[arg-type]
    # All the data at an early look, a hair short of the planned total: no room is left
    # between this look and the final one; the message says what to analyse instead.
    almost = _counts(plan.n_per_arm - 1, 100, 100)
    with pytest.raises(hk.ValidationError, match=r"only the data up to look 2's day"):
        hk.analyze(almost, plan=plan, look=2, **kw)  # type: ignore[arg-type]
    with pytest.raises(hk.ValidationError, match="analyse it as the final look"):
        hk.analyze(data, plan=plan, look=2, information=[0.3, 0.9995], **kw)  # type: ignore[arg-type]


def test_look_errors() -> None:
    data = _units(1, 400, 0.0)
    kw = {"variant": "variant", "control": "control", "metrics": [hk.Proportion("converted")]}
    with pytest.raises(hk.ValidationError, match="needs plan="):
        hk.analyze(data, look=1, **kw)  # type: ignore[arg-type]
    fixed_plan = hk.size(hk.Proportion(baseline=0.1), mde=0.02)
    with pytest.raises(hk.ValidationError, match="needs plan="):
        hk.analyze(data, plan=fixed_plan, look=1, **kw)  # type: ignore[arg-type]
    plan = hk.size(hk.Proportion(baseline=0.1), mde=0.02, looks=3)
    with pytest.raises(hk.ValidationError, match="must be a look number from 1 to 3"):
        hk.analyze(data, plan=plan, look=4, **kw)  # type: ignore[arg-type]
    with pytest.raises(hk.ValidationError, match="method is 'sequential'"):
        hk.analyze(data, plan=plan, look=1, method="sequential", **kw)  # type: ignore[arg-type]


def test_boundary_at_a_look_is_the_nominal_level_of_rpact() -> None:
    # rpact: getDesignGroupSequential(kMax = 4, alpha = 0.05, sided = 2, typeOfDesign =
    # "asOF")$criticalValues[2]; the nominal level is 2 * (1 - pnorm(z)).
    with (DATA / "rpact_reference.csv").open() as fh:
        z = next(
            float(r["value"])
            for r in csv.DictReader(fh)
            if r["type_of_design"] == "asOF"
            and r["sided"] == "2"
            and r["alpha"] == "0.05"
            and r["k_max"] == "4"
            and r["information_rates"] == "0.25;0.5;0.75;1"
            and r["quantity"] == "critical_value"
            and r["stage"] == "2"
        )
    plan = hk.size(hk.Proportion(baseline=0.1), mde=0.02, looks=4)
    data = _units(2, 600, 0.0)
    result = hk.analyze(
        data, variant="variant", control="control", metrics=[hk.Proportion("converted")],
        plan=plan, look=2, information=[0.25, 0.5],
    )  # fmt: skip
    level = 2 * float(special.ndtr(-z))
    assert f"{level:.3g}" in result.findings("look")[0].message
