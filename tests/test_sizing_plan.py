"""The SizingPlan result: tables, HTML, curves and plots."""

import math

import matplotlib
import pytest

import hypokit as hk

matplotlib.use("Agg")


@pytest.fixture
def plan():
    return hk.size(
        hk.Proportion(baseline={"new": 0.05, "returning": 0.12}),
        mde=0.10,
        relative=True,
        traffic={"new": 2000, "returning": 800},
        correction="holm",
    )


def test_to_pandas_has_the_contract_columns(plan):
    table = plan.to_pandas()
    assert {"segment", "n_per_arm", "n_total", "days"} <= set(table.columns)
    assert table["segment"].tolist() == ["new", "returning"]


def test_plan_is_frozen(plan):
    with pytest.raises(AttributeError):
        plan.alpha = 0.1


def test_html_and_text(plan):
    html = plan._repr_html_()
    assert html.startswith('<table class="hypokit-table">')
    assert "<caption>Sizing plan: 2 arms" in html
    assert "holm over 2 tests" in str(plan)
    assert "37,824" in str(plan)


def test_curve_reaches_the_target_power_on_the_planned_day(plan):
    points = plan.curve()
    for row in plan.rows:
        by_day = {p["day"]: p for p in points if p["segment"] == row.segment}
        assert by_day[row.days]["power"] >= 0.8
        assert by_day[row.days - 1]["power"] < 0.8 + 1e-3
        # The detectable effect on the planned day is at most the planned MDE.
        assert by_day[row.days]["mde"] <= row.mde * (1 + 1e-9)
        powers = [by_day[d]["power"] for d in sorted(by_day)]
        assert powers == sorted(powers)


def test_mde_at_inverts_power_at(plan):
    effect = plan.mde_at(10_000, "new")
    base = plan["new"].baseline
    p = hk.power(
        hk.Proportion(baseline=base), mde=effect, n_per_arm=10_000, alpha=plan["new"].alpha
    )
    assert math.isclose(p, 0.8, rel_tol=1e-9)


@pytest.mark.parametrize("kind", ["power", "mde"])
def test_plot_draws_one_line_per_segment(plan, kind):
    (ax,) = plan.plot(kind).axes
    labels = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert labels == ["new", "returning"]
    matplotlib.pyplot.close("all")


def test_plot_needs_traffic():
    plan = hk.size(hk.Proportion(baseline=0.1), mde=0.02)
    with pytest.raises(hk.ValidationError, match="traffic == None"):
        plan.plot()
    with pytest.raises(hk.ValidationError, match=r"kind == 'days'"):
        hk.size(hk.Proportion(baseline=0.1), mde=0.02, traffic=100).plot("days")
