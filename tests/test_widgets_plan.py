"""The sizing panel records its plan on a hypothesis: the button, the picker, the files."""

import datetime as dt

import pytest
import yaml

import hypokit as hk
from hypokit.widgets import SizingPanel

AS_OF = dt.date(2026, 11, 22)
START = dt.date(2026, 12, 1)
SEGMENTS = {
    "baseline": {"new": 0.04, "returning": 0.11},
    "traffic": {"new": 1500, "returning": 900},
}


def hypothesis(id, **kw):
    return hk.Hypothesis(
        id=id,
        change=f"change {id}",
        metric="converted",
        expected_effect=0.15,
        time_frame_days=21,
        criteria=[hk.SegmentCriteria(segment="new"), hk.SegmentCriteria(segment="returning")],
        **kw,
    )


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "records"
    registry = hk.Registry(path)
    registry.save(hypothesis("express-pay", title="Express pay"))
    registry.save(hypothesis("one-click"))
    registry.save(hypothesis("done", status="validated"))
    return path


def panel(folder, **kw):
    return SizingPanel(**SEGMENTS, mde=0.15, plot=False, registry=folder, as_of=AS_OF, **kw)


def test_the_button_names_the_hypothesis_picked(folder):
    p = panel(folder, hypothesis_id="express-pay")
    assert [v for _, v in p.hypothesis.options] == [None, "express-pay", "one-click"]
    assert dict(p.hypothesis.options)["express-pay (idea): Express pay"] == "express-pay"
    assert p.record_button.description == "Record the plan on express-pay"
    assert not p.record_button.disabled
    p.hypothesis.value = "one-click"
    assert p.record_button.description == "Record the plan on one-click"
    p.hypothesis.value = None
    assert p.record_button.disabled
    assert "Choose the hypothesis this plan tests." in p.record_note.value
    for name in ("hypothesis", "start", "data_source"):
        assert f"hk-field-{name}" in getattr(p, name)._dom_classes
    assert "hk-record-plan" in p.record_button._dom_classes


def test_the_button_is_as_wide_as_its_label(folder):
    # At ipywidgets' fixed width it read "Record the plan o..." in the browser
    # (tests/test_browser_loop.py checks that every button clicked shows its label).
    b = panel(folder, hypothesis_id="express-pay").record_button
    assert b.description == "Record the plan on express-pay"
    assert (b.layout.width, b.layout.min_width) == (
        "max-content",
        "var(--jp-widgets-inline-width-short)",  # short labels keep the usual width
    )


def test_record_writes_the_experiment_and_plans_the_idea(folder):
    recorded = []
    p = panel(
        folder, hypothesis_id="express-pay", start=START, data_source="warehouse.checkout",
        on_recorded=recorded.append,
    )  # fmt: skip
    p.record_button.click()
    plan = p.plan
    end = START + dt.timedelta(days=plan.days)
    assert p.record_messages.outputs[0]["data"]["text/plain"] == (
        "Recorded the plan on express-pay: experiments/express-pay-test.yaml (2 segment(s), "
        f"{plan.n_total:,} units, {plan.days} days from {START} to {end})."
    )
    assert p.record_messages.outputs[1]["data"]["text/plain"] == (
        f"express-pay moved idea → planned on {AS_OF} (hypotheses/express-pay.yaml)."
    )
    data = yaml.safe_load((folder / "experiments" / "express-pay-test.yaml").read_text())
    assert data["status"] == "planned"
    assert data["start"] == START
    assert data["planned_end"] == end
    assert data["data_source"] == "warehouse.checkout"
    assert [s["segment"] for s in data["plan"]] == ["new", "returning"]
    registry = hk.Registry(folder)
    assert registry.get("express-pay").status == "planned"
    assert recorded == [registry.get("express-pay-test")]
    # Sized again and recorded again: the planned experiment is updated.
    p.fields["mde"].value = 0.3
    p.record()
    assert len(p.record_messages.outputs) == 1  # planned already: no move
    assert hk.Registry(folder).get("express-pay-test").units == p.plan.n_total


def test_no_plan_no_record(folder):
    p = panel(folder, hypothesis_id="express-pay")
    p.fields["alpha"].value = 1.5
    assert p.record_button.disabled
    assert "No plan to record" in p.record_note.value
    assert p.record() is None
    assert not (folder / "experiments").exists()


def test_a_refusal_is_shown_and_nothing_written(folder):
    registry = hk.Registry(folder)
    p = panel(registry, hypothesis_id="express-pay")
    registry.move("express-pay", "running", as_of=AS_OF)  # started elsewhere, before sizing
    assert p.record() is None
    text = p.record_messages.outputs[0]["data"]["text/plain"]
    assert text.startswith("Nothing recorded: hypothesis 'express-pay' is running")
    assert not (folder / "experiments").exists()


def test_the_picked_hypothesis_is_kept_even_when_closed(folder):
    p = panel(folder, hypothesis_id="done")
    assert p.hypothesis.value == "done"
    p.record()
    assert "is validated" in p.record_messages.outputs[0]["data"]["text/plain"]


def test_segments_the_hypothesis_does_not_judge_are_pointed_out(folder):
    p = panel(folder, hypothesis_id="express-pay")
    assert p.record_note.value == ""
    p.add_row({"segment": "business", "traffic": 200})
    assert "The plan sizes new, returning, business; express-pay judges new, returning" in (
        p.record_note.value
    )


def test_without_a_registry_there_is_no_record_section():
    p = SizingPanel(**SEGMENTS, plot=False)
    assert p.record_box.children == ()
    assert p.record() is None


def test_an_unusable_registry_is_said(tmp_path):
    path = tmp_path / "a-file"
    path.write_text("")
    p = SizingPanel(**SEGMENTS, plot=False, registry=path)
    assert p.record_button.disabled
    assert "The registry cannot be used" in p.record_note.value
