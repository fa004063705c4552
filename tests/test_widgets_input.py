"""Bad input in the forms: a message beside the field, never a silent 0, reset or clamp.

Typing in the browser reaches the kernel as ``widget.set_state({"value": text})``: that
is what these tests send, so they see what a user's key strokes do.
"""

import datetime as dt

import pytest

import hypokit as hk
from hypokit.widgets import HypothesisForm, LearningForm, SizingPanel
from hypokit.widgets._common import NumberText, float_input, int_input

AS_OF = dt.date(2026, 11, 22)
SEGMENTS = {
    "baseline": {"new": 0.04, "returning": 0.11, "business": 0.18},
    "traffic": {"new": 1500, "returning": 900, "business": 200},
}


def typed(widget, text):
    """What the browser sends when ``text`` is typed in ``widget``."""
    widget.set_state({"value": text})


def shown(widget):
    """What the browser shows in ``widget``."""
    return widget.get_state()["value"]


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "records"


def hypothesis_form(folder):
    form = HypothesisForm(folder, as_of=AS_OF)
    form.set_values(
        {
            "id": "notify-ready",
            "change": "notify uploaders as soon as their video is playable",
            "metric": "published",
            "expected_effect": 0.1,
            "time_frame_days": 14,
        }
    )
    return form


def files(folder, kind="hypotheses"):
    where = folder / kind
    return sorted(p.name for p in where.glob("*.yaml")) if where.is_dir() else []


# ------------------------------------------------------------------ the number box
def test_a_number_box_keeps_what_was_typed():
    box = float_input("x", "x", 0.1)
    assert isinstance(box, NumberText)
    typed(box, "0.10")
    assert (box.value, shown(box), box.problem) == (0.1, "0.10", None)
    typed(box, "ten")
    assert (box.value, shown(box)) == ("ten", "ten")  # not 0, not the old value
    assert box.problem == "'ten' is not a number"
    typed(box, "")
    assert (box.value, box.problem) == (None, None)  # empty: the form decides
    box.value = 0.25  # from code, the box shows the number
    assert shown(box) == "0.25"
    whole = int_input("n", "n", 14)
    typed(whole, "21.0")
    assert whole.value == 21
    typed(whole, "2.5")
    assert whole.problem == "2.5 is not a whole number"


def test_typing_does_not_rewrite_the_box_while_typing():
    box = float_input("x", "x", 0.0)
    sent = []
    box._send = lambda msg, buffers=None: sent.append(msg)
    typed(box, "1.")
    assert box.value == 1.0
    # Only the echo of what was typed goes back: "1." is not rewritten to "1.0".
    assert [m["method"] for m in sent] == ["echo_update"]
    assert shown(box) == "1."


# ------------------------------------------------------------------ hypothesis form
def test_text_in_a_number_field_is_named_beside_it_at_once(folder):
    form = hypothesis_form(folder)
    typed(form.fields["expected_effect"], "10%")
    message = "'10%' is not a number: type 0.1 for 10%"
    assert form.errors["expected_effect"].value == message  # before any Save
    assert form.errors["expected_effect"].layout.display is None
    assert "expected effect ('10%' is not a number" in form.preview_text
    assert shown(form.fields["expected_effect"]) == "10%"  # kept as typed
    form.save_button.click()
    assert files(folder) == []
    assert form.message_texts() == [f"Nothing saved. Fix expected effect: {message}."]
    typed(form.fields["expected_effect"], "0.1")
    assert form.errors["expected_effect"].value == ""
    form.save_button.click()
    assert files(folder) == ["notify-ready.yaml"]


@pytest.mark.parametrize(
    ("field", "text", "message"),
    [
        ("min_effect", "five", "'five' is not a number"),
        ("min_effect", "0,05", "'0,05' is not a number: use a point for decimals, 0.05"),
        ("priority", "2.5", "2.5 is not a whole number"),
        ("guardrail_margin", "2 points", "'2 points' is not a number"),
    ],
)
def test_text_in_a_segment_number_is_named_on_its_row(folder, field, text, message):
    form = hypothesis_form(folder)
    form.add_segment_button.click()
    row = form.segments[0]
    row.fields["segment"].value = "casual"
    row.fields["min_effect"].value = 0.05
    typed(row.fields[field], text)
    assert row.errors[field].value == message
    form.save_button.click()
    assert files(folder) == []
    assert row.errors[field].value == message
    assert form.message_texts()[0].startswith("Nothing saved. Fix segment 1: ")


def test_an_emptied_min_effect_is_required_not_turned_into_a_guardrail(folder):
    form = hypothesis_form(folder)
    form.add_segment_button.click()
    row = form.segments[0]
    row.fields["segment"].value = "professional"
    row.fields["guardrail_metric"].value = "published"
    row.fields["guardrail_margin"].value = 0.02
    typed(row.fields["min_effect"], "")
    form.save_button.click()
    assert row.errors["min_effect"].value == "required: type a number"
    assert files(folder) == []
    row.fields["guardrail_only"].value = True  # said on purpose: saved as a guardrail
    form.save_button.click()
    assert hk.Registry(folder).get("notify-ready").criteria[0].min_effect is None


def test_empty_required_numbers_are_refused(folder):
    form = hypothesis_form(folder)
    typed(form.fields["time_frame_days"], "")
    assert form.errors["time_frame_days"].value == ""  # empty is not a typing error
    form.save_button.click()
    assert form.errors["time_frame_days"].value == "required: type a number"


def test_cite_keeps_text_typed_in_a_number_field(folder):
    form = hypothesis_form(folder)
    typed(form.fields["expected_effect"], "a lot")
    form.cite("casual-mobile")  # refills the form from its values
    assert form.fields["expected_effect"].value == "a lot"
    assert form.errors["expected_effect"].value == "'a lot' is not a number"


# ------------------------------------------------------------------ learning form
def learning_form(folder):
    form = LearningForm(folder, as_of=AS_OF)
    form.set_values(
        {"id": "hd-slow", "believed": "b", "observed": "o", "learned": "l", "decision": "pivot"}
    )
    return form


@pytest.mark.parametrize(
    ("text", "message"),
    [("many", "'many' is not a number"), ("-5", "must be at least 1")],
)
def test_a_bad_evidence_value_is_named_on_its_field_not_as_missing_evidence(folder, text, message):
    form = learning_form(folder)
    typed(form.evidence[0].fields["sample_size"], text)
    form.save_button.click()
    assert form.evidence[0].errors["sample_size"].value == message
    assert form.errors["evidence"].value == ""  # there is evidence: no "add at least one"
    assert form.message_texts() == [f"Nothing saved. Fix evidence 1: sample size: {message}."]
    assert files(folder, "learnings") == []


def test_a_bad_strength_is_named_on_its_field(folder):
    from hypokit.widgets._mapping import empty_evidence, learning_from_values

    form = learning_form(folder)
    values = {**form.values(), "evidence": [{**empty_evidence(), "strength": "huge"}]}
    errors = learning_from_values(values).errors
    assert list(errors) == ["evidence[0].strength"]


# ------------------------------------------------------------------ sizing panel
@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("alpha", "five percent", "alpha == 'five percent', must be a number."),
        ("alpha", "", "alpha is empty; type a number."),
        ("baseline", "1.5", "baseline rate == 1.5, must be in (0, 1)."),
        ("ratio", "-1", "allocation ratio == -1.0, must be greater than 0."),
        ("arms", "three", "arms == 'three', must be a number."),
        ("arms", "1", "arms == 1, must be at least 2."),
        ("looks", "2.5", "looks == 2.5, must be a whole number."),
    ],
)
def test_the_panel_refuses_typed_values_beside_their_field(name, text, message):
    panel = SizingPanel(**SEGMENTS, mde=0.10, plot=False)
    typed(panel.fields[name], text)
    assert panel.errors[name].value == message
    assert panel.plan is None
    assert panel.message_texts() == [f"No plan: {message}"]
    assert shown(panel.fields[name]) == text  # never reset or clamped


def test_mean_and_sd_are_checked_for_means():
    panel = SizingPanel("mean", baseline=None, mean=12.0, sd=30.0, mde=0.05, plot=False)
    typed(panel.fields["sd"], "0")
    assert panel.errors["sd"].value == "sd == 0.0, must be greater than 0."
    typed(panel.fields["sd"], "30")
    typed(panel.fields["mean"], "twelve")
    assert panel.errors["mean"].value == "mean == 'twelve', must be a number."
    panel.fields["metric_kind"].value = "proportion"  # the mean is not used: no message
    assert panel.errors["mean"].value == ""
    assert panel.plan is not None


def test_values_beyond_a_slider_are_kept_not_clamped():
    panel = SizingPanel(**SEGMENTS, mde=0.10, plot=False)
    typed(panel.fields["ratio"], "5")
    assert panel.fields["ratio"].value == 5.0
    assert panel.sliders["ratio"].slider.value == 5.0  # the slider stretched
    expected = hk.size(
        hk.Proportion(baseline=SEGMENTS["baseline"]),
        mde=0.10,
        relative=True,
        ratio=5.0,
        traffic=SEGMENTS["traffic"],
    )
    assert panel.plan.to_pandas().equals(expected.to_pandas())
    typed(panel.fields["arms"], "8")
    assert panel.plan.arms == 8
    # Moving a slider writes its value in the box.
    panel.sliders["baseline"].slider.value = 0.2
    assert panel.fields["baseline"].value == 0.2
    panel.sliders["looks"].slider.value = 3
    assert panel.fields["looks"].value == 3
    assert panel.plan.looks is not None
    # An empty traffic box means unknown, like 0.
    typed(panel.rows[0].fields["traffic"], "")
    assert panel.rows[0].errors["traffic"].value == ""
    typed(panel.rows[0].fields["traffic"], "lots")
    assert panel.rows[0].errors["traffic"].value == "traffic['new'] == 'lots', must be a number."


def test_no_slider_has_an_editable_readout():
    import ipywidgets as w

    panel = SizingPanel(**SEGMENTS, plot=False)
    sliders = [x for x in _walk(panel.widget) if isinstance(x, w.FloatSlider | w.IntSlider)]
    assert sliders
    assert all(not s.readout for s in sliders)


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)
