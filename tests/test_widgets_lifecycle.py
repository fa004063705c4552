"""The lifecycle in the hypothesis form: status, allowed moves, dated Move, then Save."""

import datetime as dt

import pytest
import yaml

import hypokit as hk
from hypokit._records import STATUS_MEANING
from hypokit.widgets import HypothesisForm

AS_OF = dt.date(2026, 11, 22)
START = dt.date(2026, 11, 30)


@pytest.fixture
def folder(tmp_path):
    return tmp_path / "records"


def saved_form(folder, **kw):
    form = HypothesisForm(folder, as_of=AS_OF, **kw)
    form.set_values(
        {
            "id": "notify-ready",
            "change": "notify uploaders as soon as their video is playable",
            "metric": "published",
            "expected_effect": 0.1,
            "time_frame_days": 14,
        }
    )
    form.add_segment({"segment": "casual", "min_effect": 0.05})
    form.save_button.click()
    assert form.message_texts() == ["Saved hypotheses/notify-ready.yaml"]
    return form


def stored(folder, record_id="notify-ready"):
    return yaml.safe_load((folder / "hypotheses" / f"{record_id}.yaml").read_text())


def options(form):
    return [value for _, value in form.move_to.options]


def test_move_is_disabled_until_the_hypothesis_is_saved(folder):
    form = HypothesisForm(folder, as_of=AS_OF)
    assert form.move_button.disabled
    assert form.move_to.disabled
    assert form.move_date.disabled
    assert "Save the hypothesis first" in form.move_note.value
    assert "Status: <b>idea</b>" in form.status_view.value
    assert form.move() is None
    assert form.message_texts() == ["Nothing moved: save the hypothesis first."]
    assert "hk-move" in form.move_button._dom_classes
    assert "hk-field-move_to" in form.move_to._dom_classes
    assert "hk-status" in form.status_view._dom_classes


def test_the_status_its_meaning_and_the_allowed_moves(folder):
    form = saved_form(folder)
    assert not form.move_button.disabled
    assert f"Status: <b>idea</b> ({STATUS_MEANING['idea']})" in form.status_view.value
    assert options(form) == ["planned", "archived"]
    assert {v: k for k, v in form.move_to.options}["planned"] == (
        f"planned: {STATUS_MEANING['planned']}"
    )
    assert form.move_to.value == "planned"
    assert "Plan it" in form.move_note.value
    assert form.move_date.value == AS_OF  # the form's as_of
    form.move_to.value = "archived"
    assert "Archive it" in form.move_note.value


def test_move_to_planned_then_start_dates_each_step_and_starts_the_experiment(folder):
    form = saved_form(folder)
    form.move_button.click()
    assert form.message_texts() == [
        f"Moved notify-ready: idea → planned on {AS_OF} (hypotheses/notify-ready.yaml)."
    ]
    assert stored(folder)["status"] == "planned"
    assert stored(folder)["history"] == [{"status": "planned", "date": AS_OF}]
    assert "Status: <b>planned</b>" in form.status_view.value
    assert f"planned on {AS_OF}" in form.status_view.value
    assert options(form) == ["running", "idea", "archived"]
    # Another notebook records the sizing plan on it meanwhile.
    plan = hk.size(hk.Proportion(baseline={"casual": 0.38}), mde=0.05, traffic={"casual": 4000})
    hk.Registry(folder).record_plan("notify-ready", plan, as_of=AS_OF, start=START)
    form.move_to.value = "running"
    form.move_date.value = START
    assert "Start it" in form.move_note.value
    form.move_button.click()
    end = START + dt.timedelta(days=plan.days)
    assert form.message_texts() == [
        f"Moved notify-ready: planned → running on {START} (hypotheses/notify-ready.yaml).",
        f"Started experiment notify-ready-test on {START}, planned end {end} "
        "(experiments/notify-ready-test.yaml).",
    ]
    registry = hk.Registry(folder)
    assert registry.get("notify-ready-test").status == "running"
    h = registry.get("notify-ready")
    assert [(c.status, c.date) for c in h.history] == [("planned", AS_OF), ("running", START)]
    assert options(form) == ["planned", "archived"]  # no verdicts: the analysis concludes
    assert "hypokit new analysis analysis-notify-ready -p hypothesis_id=notify-ready" in (
        form.move_note.value
    )


def test_a_later_save_keeps_the_move_and_is_not_stale(folder):
    form = saved_form(folder)
    form.move("running", as_of=START)  # passes through planned
    assert [m["status"] for m in stored(folder)["history"]] == ["planned", "running"]
    assert form.message_texts()[-1].startswith("No planned experiment was started")
    form.fields["title"].value = "Notify when playable"
    form.save_button.click()
    assert form.message_texts() == ["Saved hypotheses/notify-ready.yaml"]
    h = hk.Registry(folder).get("notify-ready")
    assert (h.title, h.status, len(h.history)) == ("Notify when playable", "running", 2)


def test_unsaved_changes_are_said_and_kept(folder):
    form = saved_form(folder)
    form.fields["title"].value = "typed, not saved"
    form.move("planned")
    assert form.message_texts()[-1] == (
        "The form has changes that are not saved: they stay in the form; Save them."
    )
    assert form.fields["title"].value == "typed, not saved"
    assert "title" not in stored(folder)


def test_a_move_the_lifecycle_refuses_is_said(folder):
    form = saved_form(folder)
    assert form.move("idea") is not None  # already there: nothing to move
    assert form.message_texts() == ["notify-ready is idea already (hypotheses/notify-ready.yaml)."]
    assert form.move("validated") is None
    assert "is a verdict; conclude it on an analysis" in form.message_texts()[0]
    assert stored(folder)["status"] == "idea"


def test_archived_is_final(folder):
    form = saved_form(folder)
    form.move("archived")
    assert form.move_button.disabled
    assert "Archived is final" in form.move_note.value


def test_a_loaded_hypothesis_shows_its_status_and_new_disables_move(folder):
    registry = hk.Registry(folder)
    registry.save(
        hk.Hypothesis(
            id="x",
            change="c",
            metric="m",
            expected_effect=0.1,
            time_frame_days=7,
        )
    )
    registry.move("x", "running", as_of=START)
    form = HypothesisForm(registry, as_of=AS_OF, hypothesis_id="x")
    assert "Status: <b>running</b>" in form.status_view.value
    assert f"planned on {START}, running on {START}" in form.status_view.value
    form.new_button.click()
    assert form.move_button.disabled


def test_the_form_reads_the_registry_again_before_moving(folder):
    form = saved_form(folder)
    hk.Registry(folder).move("notify-ready", "planned", as_of=AS_OF)  # elsewhere
    form.move("running", as_of=START)
    assert form.message_texts()[0] == (
        f"Moved notify-ready: planned → running on {START} (hypotheses/notify-ready.yaml)."
    )
    assert [m["status"] for m in stored(folder)["history"]] == ["planned", "running"]


def test_reload_and_a_stale_save_say_what_to_press(folder):
    form = saved_form(folder)
    other = hk.Registry(folder)
    other.save(other.get("notify-ready").model_copy(update={"title": "from elsewhere"}))
    form.fields["because"].value = "they forget"
    form.save_button.click()
    assert "press Reload (what you typed stays)" in form.message_texts()[0]
    form.reload_button.click()
    assert form.message_texts() == ["Read the registry again (1 records); what you typed stays."]
    assert form.fields["because"].value == "they forget"
    form.save_button.click()
    assert form.message_texts() == ["Saved hypotheses/notify-ready.yaml"]
