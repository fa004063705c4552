"""The conclude panel and the metric picker, driven by clicks as a product manager would."""

import datetime as dt
import html

import pandas as pd
import pytest
import yaml

import hypokit as hk
from hypokit.widgets import ConcludePanel, MetricPicker
from tests._loop import START, make_project, user_data

AS_OF = dt.date(2026, 10, 19)


@pytest.fixture(scope="module")
def result():
    return hk.analyze(
        user_data(),
        variant="variant",
        control="control",
        segments="segment",
        metrics=[hk.Proportion("converted"), hk.Mean("revenue")],
    )


def files(records):
    return sorted(p.relative_to(records).as_posix() for p in records.rglob("*.yaml"))


def read(records, rel):
    return yaml.safe_load((records / rel).read_text())


# ------------------------------------------------------------------ conclude panel
def test_nothing_is_written_before_the_confirmation(tmp_path, result):
    records = make_project(tmp_path)
    before = {p: p.read_bytes() for p in records.rglob("*.yaml")}
    panel = ConcludePanel(records, "one-tap", result, as_of=AS_OF, registry_path="records")
    assert panel.drafts is not None
    assert "would be validated on 2026-10-19" in panel.status.value
    assert "nothing is written before you press Save the conclusion" in panel.status.value
    assert {p: p.read_bytes() for p in records.rglob("*.yaml")} == before
    assert panel.draft_box.layout.display is None
    assert panel.start_box.layout.display == "none"
    shown = panel.verdicts.outputs[0]["data"]["text/plain"]
    assert "mobile" in shown
    assert "desktop" in shown
    learning = panel.learning.outputs[0]["data"]["text/plain"]
    assert "The drafted learning" in learning
    assert "expires: 2027-04-17" in learning


def test_save_writes_the_learning_experiment_and_hypothesis(tmp_path, result):
    records = make_project(tmp_path)
    panel = ConcludePanel(records, "one-tap", result, as_of=AS_OF, registry_path="records")
    panel.fields["learned"].value = "Mobile buyers finish checkout more when it takes one tap."
    panel.save_button.click()
    assert panel.message_texts() == [
        "Saved learnings/one-tap-2026-10-19.yaml, experiments/one-tap-test.yaml, "
        "hypotheses/one-tap.yaml."
    ]
    hypothesis = read(records, "hypotheses/one-tap.yaml")
    assert hypothesis["status"] == "validated"
    assert hypothesis["verdicts"]["mobile"] == "met"
    assert hypothesis["concluded"] == AS_OF
    assert read(records, "experiments/one-tap-test.yaml")["status"] == "concluded"
    learning = read(records, "learnings/one-tap-2026-10-19.yaml")
    assert learning["learned"] == "Mobile buyers finish checkout more when it takes one tap."
    assert learning["decision"] == "persevere"
    assert "was concluded on 2026-10-19: validated" in panel.status.value
    steps = panel.next_steps.outputs[0]["data"]["text/plain"]
    assert "Review the learning one-tap-2026-10-19 before it expires on 2027-04-17" in steps
    assert "hypokit new learning-review review -p registry_path=records" in steps
    assert "Record the progress of key result kr-conversion (not measured yet)" in steps
    assert "hypokit status" in steps
    assert "<" not in steps  # plain text, no markup
    assert panel.progress_box.layout.display is None
    assert panel.fields["segment"].value == "mobile"  # the one segment that met


def test_record_progress_after_saving(tmp_path, result):
    records = make_project(tmp_path)
    panel = ConcludePanel(records, "one-tap", result, as_of=AS_OF, registry_path="records")
    panel.save_button.click()
    panel.progress_button.click()
    [message] = panel.message_texts()
    assert message.startswith("Recorded kr-conversion: ")
    assert "(key_results/kr-conversion.yaml)" in message
    kr = read(records, "key_results/kr-conversion.yaml")
    assert kr["measured"] == AS_OF
    assert kr["current"] > 0.095
    assert kr["source"] == "one-tap: one_tap shipped to mobile"
    assert "now " in panel.next_steps.outputs[0]["data"]["text/plain"]


def test_a_planned_hypothesis_is_started_by_a_button_then_concluded(tmp_path, result):
    records = make_project(tmp_path, status="planned")
    panel = ConcludePanel(records, "one-tap", result, as_of=AS_OF, registry_path="records")
    assert panel.drafts is None
    assert "Hypothesis 'one-tap' is planned: only a running hypothesis can be concluded." in (
        panel.status.value.replace("&#x27;", "'")
    )
    assert panel.start_box.layout.display is None
    assert panel.draft_box.layout.display == "none"
    assert panel.verdicts.outputs  # the verdicts are shown all the same
    panel.fields["start_date"].value = START
    panel.start_button.click()
    assert panel.message_texts() == ["Started one-tap on 2026-10-05: it is running."]
    hypothesis = read(records, "hypotheses/one-tap.yaml")
    assert hypothesis["status"] == "running"
    assert hypothesis["history"][-1] == {"status": "running", "date": START}
    experiment = read(records, "experiments/one-tap-test.yaml")
    assert (experiment["status"], experiment["start"]) == ("running", START)
    assert panel.drafts is not None
    panel.save_button.click()
    assert read(records, "hypotheses/one-tap.yaml")["status"] == "validated"


def test_a_concluded_hypothesis_shows_its_learning_and_next_steps(tmp_path, result):
    records = make_project(tmp_path)
    ConcludePanel(records, "one-tap", result, as_of=AS_OF).save()
    again = ConcludePanel(records, "one-tap", result, as_of=AS_OF)
    assert again.drafts is None
    assert "was concluded on 2026-10-19" in again.status.value
    assert "one-tap-2026-10-19" in again.learning.outputs[0]["data"]["text/plain"]
    again.save_button.click()
    assert again.message_texts() == ["Nothing saved: there is no conclusion to save."]


def test_problems_are_one_line_never_an_exception(tmp_path, result):
    records = make_project(tmp_path)
    missing = ConcludePanel(records, "nope", result, as_of=AS_OF)
    assert "No hypothesis 'nope'" in missing.status.value.replace("&#x27;", "'")
    registry = hk.Registry(records)
    registry.save(
        hk.Hypothesis(
            id="elsewhere",
            change="c",
            metric="converted",
            expected_effect=0.1,
            time_frame_days=7,
            criteria=[hk.SegmentCriteria(segment="tablet")],
            status="running",
        )
    )
    wrong = ConcludePanel(records, "elsewhere", result, as_of=AS_OF)
    assert "It cannot be concluded on this analysis" in wrong.status.value
    assert "tablet" in wrong.status.value
    file = tmp_path / "a-file"
    file.write_text("x")
    broken = ConcludePanel(file, "one-tap", result, as_of=AS_OF)
    assert broken.message_texts()[0].startswith("The registry cannot be used")
    broken.save_button.click()
    assert broken.message_texts()[-1] == "Nothing saved: there is no conclusion to save."


def test_an_empty_learning_is_not_saved(tmp_path, result):
    records = make_project(tmp_path)
    panel = ConcludePanel(records, "one-tap", result, as_of=AS_OF)
    panel.fields["learned"].value = "  "
    panel.save_button.click()
    assert panel.message_texts() == ["Nothing saved: say what we learned."]
    assert read(records, "hypotheses/one-tap.yaml")["status"] == "running"


# -------------------------------------------------------------------- metric picker
@pytest.fixture
def sample():
    return user_data().head(500).assign(pre_revenue=1.0)


def test_the_picker_lists_the_columns_with_the_parameters_as_defaults(sample):
    picker = MetricPicker(
        sample,
        proportion=["converted"],
        mean={"revenue": "pre_revenue"},
        exclude=["variant", "segment"],
    )
    assert list(picker.rows) == ["user_id", "day", "converted", "revenue", "pre_revenue"]
    for column, row in picker.rows.items():  # what the browser tests find the columns by
        assert "hk-metric-row" in row.box._dom_classes
        assert "hk-metric-column" in row.label._dom_classes
        assert f"<b>{column}</b>" in row.label.value
    assert picker.rows["user_id"].fields["kind"].disabled  # text: not a metric
    assert picker.rows["converted"].values_kind == "0/1"
    assert picker.parameters() == {
        "proportion_metrics": ["converted"],
        "mean_metrics": {"revenue": "pre_revenue"},
        "ratio_metrics": [],
    }
    shown = html.unescape(picker.parameters_view.value)
    assert "mean_metrics = {'revenue': 'pre_revenue'}" in shown
    metrics = picker.metrics()
    assert [type(m).__name__ for m in metrics] == ["Proportion", "Mean"]
    assert metrics[1].covariate == "pre_revenue"


def test_picking_changes_the_metrics_and_refuses_what_cannot_be_analysed(sample):
    picker = MetricPicker(sample, proportion=["converted"], exclude=["variant", "segment"])
    revenue = picker.rows["revenue"]
    revenue.fields["kind"].value = "proportion"
    assert "a proportion takes 0/1 values" in revenue.error.value
    with pytest.raises(hk.ValidationError, match=r"^metrics: revenue: a proportion takes 0/1"):
        picker.metrics()
    revenue.fields["kind"].value = "ratio"
    assert revenue.fields["denominator"].layout.display is None
    assert "needs the column it is divided by" in revenue.error.value
    revenue.fields["denominator"].value = "converted"
    assert revenue.error.value == ""
    assert picker.parameters()["ratio_metrics"] == [("revenue", "converted")]
    assert [m.label for m in picker.metrics()] == ["converted", "revenue/converted"]
    picker.rows["converted"].fields["kind"].value = ""
    revenue.fields["kind"].value = ""
    assert picker.problems() == ["no column is picked as a metric"]


def test_defaults_that_name_missing_or_text_columns_are_left_out():
    frame = pd.DataFrame({"arm": ["a", "b"] * 5, "bought": [0, 1] * 5, "note": ["x"] * 10})
    picker = MetricPicker(frame, proportion=["bought", "note", "gone"], exclude=["arm"])
    assert picker.parameters()["proportion_metrics"] == ["bought"]
