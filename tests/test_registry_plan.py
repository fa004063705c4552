"""Registry.record_plan: a sizing plan recorded on its hypothesis, and the board."""

import datetime as dt

import pytest
import yaml

import hypokit as hk
from hypokit._errors import RegistryError
from hypokit._records import Experiment, Hypothesis, PlanSegment
from hypokit._registry import Registry

AS_OF = dt.date(2026, 11, 22)
START = dt.date(2026, 12, 1)


def hypothesis(**kw):
    fields = {
        "id": "express-pay",
        "change": "add express pay to the cart",
        "metric": "converted",
        "expected_effect": 0.1,
        "time_frame_days": 21,
        "criteria": [hk.SegmentCriteria(segment="new"), hk.SegmentCriteria(segment="returning")],
    }
    return Hypothesis(**{**fields, **kw})


@pytest.fixture(scope="module")
def plan():
    return hk.size(
        hk.Proportion(baseline={"new": 0.04, "returning": 0.11}),
        mde=0.15,
        relative=True,
        traffic={"new": 1500, "returning": 900},
    )


@pytest.fixture
def registry(tmp_path):
    reg = Registry(tmp_path / "records")
    reg.save(hypothesis())
    return reg


def test_a_plan_creates_the_experiment_and_plans_the_idea(registry, plan):
    exp = registry.record_plan(
        "express-pay", plan, as_of=AS_OF, start=START, data_source="warehouse.checkout"
    )
    again = Registry(registry.path)
    assert again.get("express-pay-test", Experiment) == exp
    assert exp.plan == Experiment.plan_from(plan)
    assert [(p.segment, p.n_per_arm, p.days) for p in exp.plan] == [
        ("new", 17943, 24),
        ("returning", 6011, 14),
    ]
    assert (exp.status, exp.hypothesis, exp.data_source) == (
        "planned",
        "express-pay",
        "warehouse.checkout",
    )
    assert (exp.start, exp.planned_end) == (START, START + dt.timedelta(days=24))
    h = again.get("express-pay", Hypothesis)
    assert h.status == "planned"
    assert [(c.status, c.date) for c in h.history] == [("planned", AS_OF)]
    data = yaml.safe_load((registry.path / "experiments" / "express-pay-test.yaml").read_text())
    assert data["plan"][0] == {
        "segment": "new", "n_per_arm": 17943, "n_total": 35886, "days": 24,
        "mde": pytest.approx(0.006), "power": pytest.approx(0.8, abs=0.01),
    }  # fmt: skip


def test_without_a_start_there_are_no_dates(registry, plan):
    exp = registry.record_plan("express-pay", plan, as_of=AS_OF)
    assert (exp.start, exp.planned_end) == (None, None)
    # Started later: the experiment starts that day.
    registry.move("express-pay", "running", as_of=dt.date(2026, 12, 2))
    assert registry.get("express-pay-test").start == dt.date(2026, 12, 2)


def test_recording_again_updates_the_planned_experiment(registry, plan):
    registry.record_plan("express-pay", plan, as_of=AS_OF, start=START, data_source="a table")
    smaller = hk.size(
        hk.Proportion(baseline={"new": 0.04, "returning": 0.11}),
        mde=0.3,
        relative=True,
        traffic={"new": 1500, "returning": 900},
    )
    exp = registry.record_plan("express-pay", smaller, as_of=dt.date(2026, 11, 23))
    assert exp.id == "express-pay-test"
    assert exp.plan == Experiment.plan_from(smaller)
    assert exp.start == START  # kept; the end follows the new days
    assert exp.planned_end == START + dt.timedelta(days=smaller.days)
    assert exp.data_source == "a table"
    assert sorted(p.name for p in (registry.path / "experiments").iterdir()) == [
        "express-pay-test.yaml"
    ]
    # The hypothesis was planned already: its history has one move.
    assert len(registry.get("express-pay", Hypothesis).history) == 1


def test_starting_keeps_the_planned_duration(registry, plan):
    registry.record_plan("express-pay", plan, as_of=AS_OF, start=START)
    registry.move("express-pay", "running", as_of=dt.date(2026, 12, 4))
    exp = Registry(registry.path).get("express-pay-test", Experiment)
    assert (exp.status, exp.start, exp.planned_end) == (
        "running",
        dt.date(2026, 12, 4),
        dt.date(2026, 12, 28),
    )


def test_a_running_experiment_is_refused_by_name(registry, plan):
    registry.record_plan("express-pay", plan, as_of=AS_OF)
    registry.move("express-pay", "running", as_of=START)
    before = (registry.path / "experiments" / "express-pay-test.yaml").read_text()
    with pytest.raises(RegistryError, match=r"hypothesis 'express-pay' is running: .*move it back"):
        registry.record_plan("express-pay", plan, as_of=AS_OF)
    registry.move("express-pay", "planned", as_of=dt.date(2026, 12, 5))
    with pytest.raises(
        RegistryError,
        match=r"experiment 'express-pay-test' \(experiments/express-pay-test.yaml\) is running "
        r"since 2026-12-01: its plan is what it was run with",
    ):
        registry.record_plan("express-pay", plan, as_of=AS_OF, experiment_id="express-pay-test")
    assert (registry.path / "experiments" / "express-pay-test.yaml").read_text() == before
    # Re-planned under a new id: the running one is left as it is.
    exp = registry.record_plan("express-pay", plan, as_of=AS_OF)
    assert exp.id == "express-pay-test-2"


def test_a_concluded_experiment_is_refused_by_name(registry, plan):
    registry.save(
        Experiment(id="old-test", hypothesis="express-pay", status="concluded", plan=plan)
    )
    with pytest.raises(RegistryError, match=r"experiment 'old-test' .* is concluded"):
        registry.record_plan("express-pay", plan, as_of=AS_OF, experiment_id="old-test")
    assert registry.get("express-pay", Hypothesis).status == "idea"


@pytest.mark.parametrize("status", ["validated", "archived"])
def test_a_closed_hypothesis_is_refused(tmp_path, plan, status):
    registry = Registry(tmp_path)
    registry.save(hypothesis(status=status))
    with pytest.raises(RegistryError, match=rf"is {status}: a plan is recorded before"):
        registry.record_plan("express-pay", plan, as_of=AS_OF)
    assert not (tmp_path / "experiments").exists()


def test_other_refusals_write_nothing(registry, plan):
    registry.save(hypothesis(id="other"))
    registry.save(Experiment(id="other-test", hypothesis="other", plan=plan))
    with pytest.raises(RegistryError, match="tests hypothesis 'other', not 'express-pay'"):
        registry.record_plan("express-pay", plan, as_of=AS_OF, experiment_id="other-test")
    with pytest.raises(RegistryError, match="already used by the hypothesis"):
        registry.record_plan("express-pay", plan, as_of=AS_OF, experiment_id="other")
    with pytest.raises(RegistryError, match="not a valid id"):
        registry.record_plan("express-pay", plan, as_of=AS_OF, experiment_id="Bad Id")
    with pytest.raises(RegistryError, match="not a sizing plan"):
        registry.record_plan("express-pay", "3841 per arm", as_of=AS_OF)
    with pytest.raises(RegistryError, match="no record 'nope'"):
        registry.record_plan("nope", plan, as_of=AS_OF)
    registry.save(Experiment(id="a-test", hypothesis="express-pay", plan=plan))
    registry.save(Experiment(id="b-test", hypothesis="express-pay", plan=plan))
    with pytest.raises(RegistryError, match="2 planned experiments \\('a-test', 'b-test'\\)"):
        registry.record_plan("express-pay", plan, as_of=AS_OF)
    assert Registry(registry.path).get("express-pay", Hypothesis).status == "idea"
    assert "express-pay-test" not in Registry(registry.path)


def test_a_plan_summary_is_accepted(registry):
    segments = [
        PlanSegment(segment="(all)", n_per_arm=3841, n_total=7682, days=None),
    ]
    exp = registry.record_plan("express-pay", segments, as_of=AS_OF, start=START)
    assert (exp.start, exp.planned_end, exp.units) == (START, None, 7682)
    exp = registry.record_plan(
        "express-pay", [{"segment": "(all)", "n_per_arm": 10, "n_total": 20, "days": 7}],
        as_of="2026-11-22",
    )  # fmt: skip
    assert exp.planned_end == START + dt.timedelta(days=7)


def test_a_changed_file_is_not_overwritten(registry, plan):
    other = Registry(registry.path)
    other.move("express-pay", "planned", as_of=AS_OF)  # another notebook planned it
    with pytest.raises(RegistryError, match="changed on disk"):
        registry.record_plan("express-pay", plan, as_of=AS_OF)
    assert "express-pay-test" not in Registry(registry.path)
    registry.reload()
    registry.record_plan("express-pay", plan, as_of=AS_OF)
    assert Registry(registry.path).get("express-pay-test").status == "planned"


def test_status_is_the_board(registry, plan):
    table = registry.status(as_of=AS_OF)
    assert [(r["hypothesis"], r["action"]) for r in table.rows] == [("express-pay", "size")]
    registry.record_plan("express-pay", plan, as_of=AS_OF, start=START)
    assert registry.status(as_of=AS_OF).rows[0]["action"] == "start"
    registry.move("express-pay", "running", as_of=START)
    row = registry.status(as_of="2026-12-10").rows[0]
    assert (row["stage"], row["action"]) == ("running", "monitor")
    assert registry.status(as_of="2026-12-26").rows[0]["action"] == "analyse"
