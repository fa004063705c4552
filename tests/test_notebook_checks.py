"""What the templates' first cell checks, and the next steps they print (no kernel needed)."""

import ast
import datetime as dt
import os
import shlex

import pytest

import hypokit as hk
from hypokit import _paths
from hypokit._notebook import (
    ParameterError,
    analysis_command,
    check_parameters,
    monitor_next,
    new_command,
    next_steps,
)
from hypokit._paths import work_in
from hypokit._templates import _defaults, _parameters_cell, parse_value
from tests._loop import make_project


@pytest.fixture(autouse=True)
def fresh_kernel_state(monkeypatch):
    monkeypatch.setattr(_paths, "_STATE", {"notebook": None, "project": None, "missing": None})
    here = os.getcwd()
    yield
    os.chdir(here)


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "shop"
    make_project(root)
    (root / "notebooks").mkdir()
    os.chdir(root / "notebooks")
    work_in("..")  # what the cell hypokit new writes does
    return root


def parameters(kind, **changes):
    """The template's defaults (dates as the parameters cell has them), then ``changes``."""
    source = _parameters_cell(kind)[1]["source_text"]
    namespace: dict = {}
    exec(compile(source, kind, "exec"), namespace)
    return {**{k: v for k, v in namespace.items() if not k.startswith("__")}, **changes}


YOURS = {"data_path": "data/checkout.csv", "registry_path": "records", "hypothesis_id": "one-tap"}


def test_the_analysis_of_your_own_csv_picks_metrics_from_its_columns(project):
    checked = check_parameters("analysis", parameters("analysis", **YOURS, as_of="2026-10-19"))
    assert checked.values["as_of"] == dt.date(2026, 10, 19)
    assert checked.data == "data/checkout.csv"
    assert checked.metrics == {"proportion": ["converted"], "mean": {"revenue": None}, "ratio": []}
    assert checked.hypothesis.id == "one-tap"
    assert checked.registry.path.resolve() == (project / "records").resolve()
    notes = repr(checked)
    assert "Data: data/checkout.csv (in '..', where hypokit new ran)" in notes
    assert "Metrics picked from the data's columns" in notes
    assert "Criteria: those of hypothesis 'one-tap' (hypotheses/one-tap.yaml, running)" in notes
    assert "Relative paths are read from '..' (where hypokit new ran" in notes
    assert "pre_revenue" not in notes


def test_metrics_you_name_are_kept_and_the_hypothesis_metric_added(project):
    checked = check_parameters(
        "analysis", parameters("analysis", **YOURS, proportion_metrics=[], mean_metrics={})
    )
    # proportion_metrics and mean_metrics were set (to nothing): kept; converted is what
    # the hypothesis judges, so it is offered all the same.
    assert checked.metrics == {"proportion": ["converted"], "mean": {}, "ratio": []}


CASES = [
    ("analysis", {"alpha": 5}, "alpha = 5: expected a number in (0, 1)."),
    ("analysis", {"correction": "Holm"}, "correction = 'Holm': expected one of 'holm', "),
    ("analysis", {"data_path": "data/checkout_test.csv"},
     "data_path = 'data/checkout_test.csv': no such file in '..' (where hypokit new ran) or '.' "
     "(this notebook's folder)"),
    ("analysis", {"variant_column": "arm"},
     "variant_column = 'arm': no column 'arm' in data/checkout.csv (in '..', where hypokit new "
     "ran); it has 'user_id', 'day', 'variant', 'segment', 'converted', 'revenue'."),
    ("analysis", {"segments": ["segment", "country"]}, "segments[1]: no column 'country'"),
    ("analysis", {"mean_metrics": {"revenue": "pre_revenue_2025"}},
     "mean_metrics['revenue']: no column 'pre_revenue_2025' in data/checkout.csv"),
    ("analysis", {"hypothesis_id": "two-tap"},
     "hypothesis_id = 'two-tap': no hypothesis 'two-tap' in records (in '..', where hypokit new "
     "ran) (its hypotheses are one-tap)"),
    ("analysis", {"registry_path": "recs"}, "registry_path = 'recs': no such folder in '..'"),
    ("analysis", {"criteria": {"x": {"metrc": "converted"}}}, "criteria: a key of criteria['x']"),
    ("monitor", {"experiment_id": "nope"},
     "experiment_id = 'nope': no experiment 'nope' in records (in '..', where hypokit new ran) "
     "(its experiments are one-tap-test)"),
    ("monitor", {"date_column": "date"}, "date_column = 'date': no column 'date'"),
    ("learning-review", {"due_within": -1}, "due_within = -1: expected a whole number from 0"),
    ("okr-review", {"registry_path": "nowhere"}, "registry_path = 'nowhere': no such folder"),
    ("okr-review", {"current": {"kr": float("inf")}}, "current['kr'] is inf; expected a number"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "changes", "needle"), CASES)
def test_a_wrong_parameter_is_one_line_naming_it(project, kind, changes, needle):
    base = {"analysis": YOURS, "monitor": {
        "data_path": "data/checkout.csv", "registry_path": "records",
        "experiment_id": "one-tap-test", "date_column": "day"},
    }.get(kind, {"registry_path": "records"})  # fmt: skip
    with pytest.raises(ParameterError) as info:
        check_parameters(kind, parameters(kind, **{**base, **changes}))
    message = str(info.value)
    assert needle in message
    assert "\n" not in message
    [line] = info.value._render_traceback_()
    assert "Check the parameters: " in line
    assert needle.split(":")[0] in line


def test_a_parameter_the_cell_does_not_set_is_named(project):
    values = parameters("okr-review")
    del values["source"]
    with pytest.raises(ParameterError, match=r"^source is not set; the parameters cell sets"):
        check_parameters("okr-review", values)


def test_without_a_registry_the_analysis_judges_its_own_criteria(project):
    checked = check_parameters(
        "analysis", parameters("analysis", data_path=None, registry_path=None)
    )
    assert checked.temporary
    h = checked.registry.get("express-pay", hk.Hypothesis)
    assert h.status == "running"
    assert [c.segment for c in h.criteria] == ["new", "returning", "business"]
    assert "Criteria: this notebook's (no registry named)." in repr(checked)
    checked = check_parameters(
        "analysis", parameters("analysis", data_path="data/checkout.csv", registry_path=None)
    )
    # default criteria judge 'converted', which the CSV has
    assert checked.hypothesis.metric == "converted"


def test_criteria_on_a_metric_your_data_lacks(project):
    values = parameters(
        "analysis",
        data_path="data/checkout.csv",
        registry_path=None,
        criteria={"mobile": {"metric": "signed_up", "min_effect": 0.1, "margin": None}},
    )
    with pytest.raises(ParameterError, match=r"^criteria judges the metric 'signed_up', which "):
        check_parameters("analysis", values)


def test_a_planned_experiment_cannot_be_monitored_yet(tmp_path):
    root = tmp_path / "shop"
    make_project(root, status="idea")
    os.chdir(root)
    values = parameters(
        "monitor", data_path="data/checkout.csv", registry_path="records",
        experiment_id="one-tap-test", date_column="day",
    )  # fmt: skip
    with pytest.raises(ParameterError) as info:
        check_parameters("monitor", values)
    assert "the experiment is planned, not running" in str(info.value)
    assert "hypokit hypotheses start one-tap --as-of YYYY-MM-DD" in str(info.value)


def test_the_monitor_reads_plan_and_guardrails_from_the_registry(project):
    checked = check_parameters("monitor", parameters(
        "monitor", data_path="data/checkout.csv", registry_path="records",
        experiment_id="one-tap-test", date_column="day", as_of="2026-10-12",
    ))  # fmt: skip
    assert checked.experiment.id == "one-tap-test"
    assert checked.metrics["proportion"] == ["converted"]
    command = analysis_command(checked)
    assert command == (
        "hypokit new analysis one-tap-analysis -p data_path=data/checkout.csv "
        "-p registry_path=records -p hypothesis_id=one-tap -p as_of=2026-10-12"
    )


@pytest.mark.parametrize(
    ("kind", "values"),
    [
        ("analysis", {"data_path": "my data/x y.csv", "control": 0, "segments": ["a", "b"],
                      "hypothesis_id": "2024", "as_of": dt.date(2026, 1, 2)}),
        ("monitor", {"control": True, "date_column": None, "experiment_id": "x-1"}),
    ],
)  # fmt: skip
def test_commands_read_back_as_the_values(kind, values):
    args = shlex.split(new_command(kind, "name", values))
    assert args[:4] == ["hypokit", "new", kind, "name"]
    pairs = dict(a.split("=", 1) for a in args[5::2])
    assert args[4::2] == ["-p"] * len(values)
    for key, value in values.items():
        expected = value.isoformat() if isinstance(value, dt.date) else value
        assert parse_value(kind, key, pairs[key]) == expected


def test_monitor_next_says_what_each_decision_asks(project):
    checked = check_parameters("monitor", parameters("monitor"))  # the shipped example
    report = hk.monitor(
        checked.data, variant="variant", control="control", segments="segment",
        metrics=[hk.Proportion("converted")], plan=checked.experiment,
        guardrails={"business": [hk.Criterion("converted", margin=0.05)]}, date="date",
    )  # fmt: skip
    text = monitor_next(report, analysis_command="CMD", hypothesis="express-pay")
    assert text.startswith("**Stop for harm: segment 'business' (express_pay).**")
    assert "- **Stop for harm** in 'business' (express_pay): guardrail breached" in text
    assert "run the analysis template, `CMD`" in text
    assert "- **Ready to analyse**: 'returning' reached the planned units." in text
    assert "- **Keep running** 'new' until 2026-11-11" in text
    assert "as_of = '2026-11-11'" in text


def test_next_steps_give_the_command_of_each_hypothesis(project):
    registry = hk.Registry(project / "records")
    registry.save(
        hk.Hypothesis(id="idea-1", change="c", metric="converted", expected_effect=0.1,
                      time_frame_days=7, key_result="kr-conversion")
    )  # fmt: skip
    steps = {r["hypothesis"]: r for r in next_steps(
        registry, as_of=dt.date(2026, 10, 10), registry_path="records").rows}  # fmt: skip
    assert steps["one-tap"]["stage"] == "running"
    assert steps["one-tap"]["command"] == (
        "hypokit new monitor one-tap-monitor -p data_path=data/checkout.csv "
        "-p registry_path=records -p experiment_id=one-tap-test"
    )
    assert steps["idea-1"]["command"] == "hypokit new sizing idea-1-sizing"
    late = {r["hypothesis"]: r for r in next_steps(
        registry, as_of=dt.date(2026, 11, 1), registry_path="my records").rows}  # fmt: skip
    assert late["one-tap"]["command"].startswith(
        "hypokit new analysis one-tap-analysis -p data_path=data/checkout.csv "
        "-p 'registry_path=my records' -p hypothesis_id=one-tap"
    )


def test_the_example_metric_defaults_are_what_the_templates_say():
    defaults = _defaults(_parameters_cell("analysis")[1]["source_text"])
    assert defaults["mean_metrics"] == {"revenue": "pre_revenue"}
    ast.parse(_parameters_cell("monitor")[1]["source_text"])
