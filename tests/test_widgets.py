"""The record forms, driven as a user would: set widget values, click, read the files."""

import datetime as dt

import pytest
import yaml

import hypokit as hk
from hypokit.widgets import HypothesisForm, LearningForm

AS_OF = dt.date(2026, 11, 22)


@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "records"
    registry = hk.Registry(path)
    registry.save(hk.Objective(id="creators-publish", title="Creators publish what they upload"))
    registry.save(hk.Objective(id="retention", title="Creators stay"))
    registry.save(
        hk.KeyResult(
            id="kr-published",
            objective="creators-publish",
            title="Published within a day from 38% to 45%",
            metric="published",
            baseline=0.38,
            target=0.45,
            deadline=dt.date(2027, 3, 31),
        )
    )
    registry.save(
        hk.KeyResult(
            id="kr-retained",
            objective="retention",
            metric="retained",
            baseline=0.6,
            target=0.7,
            deadline=dt.date(2027, 3, 31),
        )
    )
    registry.save(
        hk.Learning(
            id="pros-wait-for-hd",
            believed="creators publish as soon as a video is playable",
            observed="82% of professional uploads are published after the HD rendition",
            learned="professional creators wait for full quality before publishing",
            decision="pivot",
            evidence=[hk.Evidence(kind="analytics", sample_size=4100, segment="professional")],
            segments=["professional"],
            recorded=dt.date(2026, 6, 3),
        )
    )
    registry.save(
        hk.Learning(
            id="casual-mobile",
            believed="casual uploaders use a desktop",
            observed="71% of casual uploads come from the app",
            learned="casual uploaders live in the app",
            decision="persevere",
            evidence=[hk.Evidence(kind="analytics", sample_size=52000)],
            recorded=dt.date(2026, 11, 2),
        )
    )
    return path


def files(folder, kind="hypotheses"):
    where = folder / kind
    return sorted(p.name for p in where.glob("*.yaml")) if where.is_dir() else []


def fill(form, **values):
    for name, value in values.items():
        form.fields[name].value = value


def fill_hypothesis(form):
    fill(form, objective="creators-publish")
    fill(
        form,
        key_result="kr-published",
        id="notify-ready",
        title="Notify when playable",
        change="notify uploaders as soon as their video is playable",
        metric="published",
        outcome="the share of uploads published within a day",
        expected_effect=0.10,
        time_frame_days=14,
        audience="uploaders",
        because="casual uploaders forget to come back",
        learnings=("pros-wait-for-hd",),
    )
    form.add_segment_button.click()
    form.add_segment_button.click()
    first, second = form.segments
    first.fields["segment"].value = "casual"
    first.fields["min_effect"].value = 0.05
    second.fields["segment"].value = "professional"
    second.fields["guardrail_only"].value = True
    second.fields["priority"].value = 2
    second.fields["guardrail_metric"].value = "published"
    second.fields["guardrail_margin"].value = 0.02


EXPECTED = hk.Hypothesis(
    id="notify-ready",
    title="Notify when playable",
    key_result="kr-published",
    change="notify uploaders as soon as their video is playable",
    metric="published",
    outcome="the share of uploads published within a day",
    expected_effect=0.10,
    time_frame_days=14,
    audience="uploaders",
    because="casual uploaders forget to come back",
    learnings=["pros-wait-for-hd"],
    criteria=[
        hk.SegmentCriteria(segment="casual", min_effect=0.05),
        hk.SegmentCriteria(
            segment="professional",
            min_effect=None,
            priority=2,
            guardrails=[hk.Guardrail(metric="published", margin=0.02)],
        ),
    ],
)


# ---------------------------------------------------------------- the contract
def test_css_classes_and_live_sync(folder):
    form = HypothesisForm(folder, as_of=AS_OF)
    form.add_segment_button.click()
    assert "hk-hypothesis-form" in form.widget._dom_classes
    for name in [
        "id", "title", "change", "metric", "outcome", "direction", "expected_effect",
        "relative", "time_frame_days", "audience", "because", "learnings", "objective",
        "key_result",
    ]:  # fmt: skip
        assert f"hk-field-{name}" in form.fields[name]._dom_classes
        assert f"hk-error-{name}" in form.errors[name]._dom_classes
    for name in ["id", "change", "because", "expected_effect", "time_frame_days"]:
        assert form.fields[name].continuous_update
    row = form.segments[0]
    assert "hk-segment" in row.box._dom_classes
    for name in ["segment", "min_effect", "priority", "guardrail_metric", "guardrail_margin"]:
        assert f"hk-field-{name}" in row.fields[name]._dom_classes
        assert f"hk-error-{name}" in row.errors[name]._dom_classes
        assert row.fields[name].continuous_update
    assert "hk-add-segment" in form.add_segment_button._dom_classes
    assert "hk-preview" in form.preview._dom_classes
    assert "hk-save" in form.save_button._dom_classes
    assert "hk-load" in form.load_button._dom_classes
    assert "hk-messages" in form.messages._dom_classes
    learning = LearningForm(folder, as_of=AS_OF)
    assert "hk-learning-form" in learning.widget._dom_classes
    for name in ["believed", "observed", "learned", "decision", "expires", "recorded"]:
        assert f"hk-field-{name}" in learning.fields[name]._dom_classes
    assert "hk-evidence" in learning.evidence[0].box._dom_classes


def test_forms_display_as_their_box(folder, monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *objs: shown.extend(objs))
    form = HypothesisForm(folder, as_of=AS_OF)
    form._ipython_display_()
    assert shown == [form.widget]


# ---------------------------------------------------------------- hypotheses
def test_pickers_come_from_the_registry(folder):
    form = HypothesisForm(folder, as_of=AS_OF)
    options = dict(form.fields["learnings"].options)
    assert options == {
        "casual-mobile": "casual-mobile",
        "pros-wait-for-hd (expired 2026-10-01)": "pros-wait-for-hd",
    }
    assert [v for _, v in form.fields["key_result"].options] == [
        None,
        "kr-published",
        "kr-retained",
    ]
    form.fields["objective"].value = "retention"
    assert [v for _, v in form.fields["key_result"].options] == [None, "kr-retained"]
    form.fields["key_result"].value = "kr-retained"
    form.fields["objective"].value = "creators-publish"
    assert form.fields["key_result"].value is None  # not a key result of that objective


def test_a_full_hypothesis_is_saved_and_loaded_back(folder):
    form = HypothesisForm(folder, as_of=AS_OF)
    fill_hypothesis(form)
    assert form.preview_text == EXPECTED.statement
    assert EXPECTED.statement in form.preview.value
    form.save_button.click()
    assert form.message_texts() == ["Saved hypotheses/notify-ready.yaml"]
    assert files(folder) == ["notify-ready.yaml"]
    data = yaml.safe_load((folder / "hypotheses" / "notify-ready.yaml").read_text())
    assert data["criteria"][1]["guardrails"] == [
        {"metric": "published", "margin": 0.02, "direction": "increase", "relative": True}
    ]
    assert hk.Registry(folder).get("notify-ready") == EXPECTED
    again = HypothesisForm(folder, as_of=AS_OF, hypothesis_id="notify-ready")
    assert again.values() == form.values()
    assert again.preview_text == EXPECTED.statement


def test_preview_follows_every_change_and_says_what_is_missing(folder):
    form = HypothesisForm(folder, as_of=AS_OF)
    assert form.preview_text.startswith("The statement needs: change (required)")
    fill_hypothesis(form)
    form.fields["direction"].value = "decrease"
    form.fields["relative"].value = False
    form.fields["unit"].value = "points"
    assert form.preview_text == (
        "If we notify uploaders as soon as their video is playable, the share of uploads "
        "published within a day will decrease by 0.1 points for casual uploaders within 14 "
        "days, because casual uploaders forget to come back."
    )
    form.fields["change"].value = ""
    assert form.preview_text == "The statement needs: change (required)."


def break_segment_name(form):
    form.segments[1].fields["segment"].value = "casual"


def break_margin(form):
    form.segments[1].fields["guardrail_margin"].value = -0.02


def break_min_effect(form):
    form.segments[0].fields["min_effect"].value = -0.05


@pytest.mark.parametrize(
    ("breaking", "label", "message"),
    [
        ({"change": ""}, "change", "required"),
        ({"metric": "  "}, "metric", "required"),
        ({"expected_effect": 0.0}, "expected_effect", "must be greater than 0"),
        ({"time_frame_days": 0}, "time_frame_days", "must be at least 1"),
        ({"id": "Notify Ready!"}, "id", "'Notify Ready!' is not a valid id"),
        ({"id": ""}, "id", "required"),
        (break_segment_name, ("segments", 1, "segment"), "'casual' is already segment 1"),
        (break_margin, ("segments", 1, "guardrail_margin"), "must be greater than 0"),
        (break_min_effect, ("segments", 0, "min_effect"), "must be at least 0"),
    ],
    ids=[
        "empty-change",
        "blank-metric",
        "zero-effect",
        "zero-days",
        "bad-id",
        "no-id",
        "duplicate-segment",
        "negative-margin",
        "negative-min-effect",
    ],
)
def test_an_invalid_field_shows_its_message_and_saves_nothing(folder, breaking, label, message):
    form = HypothesisForm(folder, as_of=AS_OF)
    fill_hypothesis(form)
    if callable(breaking):
        breaking(form)
    else:
        fill(form, **breaking)
    form.save_button.click()
    assert files(folder) == []
    if isinstance(label, tuple):
        _, row, name = label
        shown = form.segments[row].errors[name].value
        others = [
            lbl.value
            for key, lbl in form._error_targets().items()
            if key != f"segments[{row}].{name}"
        ]
    else:
        shown = form.errors[label].value
        others = [lbl.value for key, lbl in form._error_targets().items() if key != label]
    assert message in shown
    assert not any(others), others
    assert form.message_texts()[0].startswith("Nothing saved. Fix ")
    assert message in form.message_texts()[0]
    # New empties the form and its messages.
    form.new()
    assert not any(lbl.value for lbl in form._error_targets().values())


def test_messages_follow_the_fix_after_a_failed_save(folder):
    form = HypothesisForm(folder, as_of=AS_OF)
    fill_hypothesis(form)
    form.fields["change"].value = ""
    form.save_button.click()
    assert form.errors["change"].value == "required"
    form.fields["change"].value = "notify uploaders as soon as their video is playable"
    assert form.errors["change"].value == ""
    form.save_button.click()
    assert files(folder) == ["notify-ready.yaml"]


def test_an_existing_id_is_refused(folder):
    first = HypothesisForm(folder, as_of=AS_OF)
    fill_hypothesis(first)
    first.save_button.click()
    before = (folder / "hypotheses" / "notify-ready.yaml").read_text()
    second = HypothesisForm(folder, as_of=AS_OF)
    fill_hypothesis(second)
    second.fields["title"].value = "Another"
    second.save_button.click()
    assert "'notify-ready' is already used by hypotheses/notify-ready.yaml" in (
        second.errors["id"].value
    )
    assert (folder / "hypotheses" / "notify-ready.yaml").read_text() == before
    # An id used by a record of another kind is refused too.
    second.fields["id"].value = "casual-mobile"
    second.save_button.click()
    assert "learnings/casual-mobile.yaml" in second.errors["id"].value
    assert files(folder) == ["notify-ready.yaml"]


def test_load_then_save_updates_and_keeps_what_the_form_does_not_show(folder):
    registry = hk.Registry(folder)
    registry.save(
        EXPECTED.model_copy(
            update={"status": "planned", "ice": hk.ICE(impact=6, confidence=7, ease=9)}
        )
    )
    form = HypothesisForm(registry, as_of=AS_OF)
    assert [v for _, v in form.load_choice.options] == [None, "notify-ready"]
    form.load_choice.value = "notify-ready"
    form.load_button.click()
    assert form.message_texts() == ["Loaded notify-ready from hypotheses/notify-ready.yaml"]
    assert form.fields["objective"].value == "creators-publish"
    assert form.fields["learnings"].value == ("pros-wait-for-hd",)
    assert [r.fields["segment"].value for r in form.segments] == ["casual", "professional"]
    form.fields["expected_effect"].value = 0.12
    form.segments[0].remove_button.click()
    form.save_button.click()
    assert form.message_texts() == ["Saved hypotheses/notify-ready.yaml"]
    saved = hk.Registry(folder).get("notify-ready")
    assert saved.expected_effect == 0.12
    assert [c.segment for c in saved.criteria] == ["professional"]
    assert saved.status == "planned"
    assert saved.ice_score == 378.0
    # Save again: the form now edits that record.
    form.fields["title"].value = "Notify early"
    form.save_button.click()
    assert hk.Registry(folder).get("notify-ready").title == "Notify early"
    form.new_button.click()
    assert form.fields["id"].value == ""
    assert form.loaded_id is None


def test_loading_an_unknown_id_says_so(folder):
    form = HypothesisForm(folder, as_of=AS_OF, hypothesis_id="nope")
    assert "Nothing loaded: no record 'nope'" in form.message_texts()[0]
    form.load_button.click()
    assert form.message_texts() == ["Choose a record to load."]


def test_save_refusals_from_the_registry_are_shown(folder):
    registry = hk.Registry(folder)
    registry.save(EXPECTED.model_copy(update={"status": "validated"}))
    form = HypothesisForm(folder, as_of=AS_OF, hypothesis_id="notify-ready")
    (folder / "hypotheses" / "notify-ready.yaml").write_text(
        (folder / "hypotheses" / "notify-ready.yaml").read_text() + "# edited\n"
    )
    form.fields["title"].value = "Changed"
    form.save_button.click()
    assert "changed on disk" in form.message_texts()[-1]
    form.reload()
    form.save_button.click()
    assert form.message_texts() == ["Saved hypotheses/notify-ready.yaml"]


# ---------------------------------------------------------------- registry problems
def test_a_registry_path_that_is_a_file_shows_the_error(tmp_path):
    path = tmp_path / "not-a-folder"
    path.write_text("x")
    for form in (HypothesisForm(path, as_of=AS_OF), LearningForm(path, as_of=AS_OF)):
        assert form.registry is None
        assert form.save_button.disabled
        assert "is a file; a registry is a folder" in form.message_texts()[0]
        form.save()
        assert form.message_texts()[-1] == "Nothing saved: the registry cannot be used."


def test_an_unusable_pyproject_shows_the_error(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.hypokit.shelf_life]\nab_test = 0\n")
    form = LearningForm(tmp_path / "records", as_of=AS_OF)
    assert form.save_button.disabled
    assert "ab_test == 0, must be a whole number of days" in form.message_texts()[0]


def test_a_corrupted_file_is_listed_and_the_rest_loads(folder):
    (folder / "hypotheses").mkdir()
    (folder / "hypotheses" / "broken.yaml").write_text("id: broken\nchange: [unclosed\n")
    form = HypothesisForm(folder, as_of=AS_OF)
    texts = form.message_texts()
    assert len(texts) == 1
    assert texts[0].startswith("Skipped a file that cannot be read: hypotheses/broken.yaml")
    assert not form.save_button.disabled
    assert "kr-published" in [v for _, v in form.fields["key_result"].options]
    fill_hypothesis(form)
    form.save_button.click()
    assert form.message_texts()[-1] == "Saved hypotheses/notify-ready.yaml"
    assert form.message_texts()[0].startswith("Skipped a file")  # the warning stays


def test_reload_sees_records_written_elsewhere(folder):
    form = HypothesisForm(folder, as_of=AS_OF)
    hk.Registry(folder).save(hk.Objective(id="growth", title="Grow"))
    assert "growth" not in [v for _, v in form.fields["objective"].options]
    form.reload()
    assert "growth" in [v for _, v in form.fields["objective"].options]


# ---------------------------------------------------------------- learnings
def fill_learning(form):
    fill(
        form,
        id="hd-checks-slow",
        believed="HD checks take minutes",
        observed="the median HD check takes 41 minutes",
        learned="professional creators wait most of an hour",
        decision="keep testing",
        segments="professional",
        audience="creators",
        objective="creators-publish",
    )
    row = form.evidence[0]
    row.fields["kind"].value = "analytics"
    row.fields["sample_size"].value = 900
    row.fields["metric"].value = "check_minutes"


def test_expiry_default_follows_the_evidence_kind_until_edited(folder):
    form = LearningForm(folder, as_of=AS_OF)
    assert form.fields["recorded"].value == AS_OF
    assert form.fields["expires"].value == AS_OF + dt.timedelta(days=180)  # ab_test
    assert "shelf life of ab_test" in form.expires_note.value
    form.evidence[0].fields["kind"].value = "analytics"
    assert form.fields["expires"].value == AS_OF + dt.timedelta(days=120)
    form.add_evidence_button.click()
    form.evidence[1].fields["kind"].value = "survey"
    assert form.fields["expires"].value == AS_OF + dt.timedelta(days=90)
    form.evidence[1].remove_button.click()
    assert form.fields["expires"].value == AS_OF + dt.timedelta(days=120)
    form.fields["recorded"].value = dt.date(2026, 11, 1)
    assert form.fields["expires"].value == dt.date(2027, 3, 1)
    # A date set by hand stays when the kind changes.
    form.fields["expires"].value = dt.date(2027, 1, 15)
    form.evidence[0].fields["kind"].value = "ab_test"
    assert form.fields["expires"].value == dt.date(2027, 1, 15)
    assert "set by hand" in form.expires_note.value
    form.expires_default_button.click()
    assert form.fields["expires"].value == dt.date(2027, 4, 30)


def test_expiry_default_uses_the_registry_shelf_life(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.hypokit.shelf_life]\nab_test = 365\ninterview = 30\n"
    )
    form = LearningForm(tmp_path / "records", as_of=AS_OF)
    assert form.fields["expires"].value == AS_OF + dt.timedelta(days=365)
    assert "interview" in form.evidence[0].fields["kind"].options
    form.evidence[0].fields["kind"].value = "interview"
    assert form.fields["expires"].value == AS_OF + dt.timedelta(days=30)


def test_a_learning_is_saved_and_loaded_back(folder):
    form = LearningForm(folder, as_of=AS_OF)
    fill_learning(form)
    form.save_button.click()
    assert form.message_texts() == ["Saved learnings/hd-checks-slow.yaml"]
    saved = hk.Registry(folder).get("hd-checks-slow")
    assert saved == hk.Learning(
        id="hd-checks-slow",
        believed="HD checks take minutes",
        observed="the median HD check takes 41 minutes",
        learned="professional creators wait most of an hour",
        decision="keep testing",
        evidence=[hk.Evidence(kind="analytics", sample_size=900, metric="check_minutes")],
        segments=["professional"],
        context=hk.Context(audience="creators", objective="creators-publish"),
        recorded=AS_OF,
        expires=AS_OF + dt.timedelta(days=120),
    )
    again = LearningForm(folder, as_of=AS_OF, learning_id="hd-checks-slow")
    assert again.values() == form.values()
    assert again.expires_manual
    again.fields["learned"].value = "they wait 41 minutes"
    again.save_button.click()
    assert hk.Registry(folder).get("hd-checks-slow").learned == "they wait 41 minutes"


@pytest.mark.parametrize(
    ("name", "value", "label", "message"),
    [
        ("believed", "", "believed", "required"),
        ("decision", None, "decision", "must be one of"),
        ("expires", dt.date(2026, 11, 1), "expires", "must be after recorded"),
        ("id", "casual-mobile", "id", "already used by learnings/casual-mobile.yaml"),
    ],
)
def test_an_invalid_learning_saves_nothing(folder, name, value, label, message):
    form = LearningForm(folder, as_of=AS_OF)
    fill_learning(form)
    form.fields[name].value = value
    before = files(folder, "learnings")
    form.save_button.click()
    assert message in form.errors[label].value
    assert files(folder, "learnings") == before


def test_an_invalid_evidence_row_saves_nothing(folder):
    form = LearningForm(folder, as_of=AS_OF)
    fill_learning(form)
    form.evidence[0].remove_button.click()
    form.save_button.click()
    assert form.errors["evidence"].value == "add at least one"
    form.add_evidence_button.click()
    form.evidence[0].fields["experiments"].value = "Exp 1"
    form.save_button.click()
    assert "is not a valid id" in form.evidence[0].errors["experiments"].value
    assert "hd-checks-slow.yaml" not in files(folder, "learnings")


def test_none_options_show_as_picked(tmp_path) -> None:
    # ipywidgets shows an empty box for the value None; the forms show "(none)" instead.
    from hypokit.widgets import LearningForm

    form = LearningForm(tmp_path / "records", as_of=dt.date(2026, 11, 22))
    decision = form.fields["decision"]
    assert decision.value is None
    assert decision.label == "(choose)"
    decision.value = "pivot"
    decision.value = None
    assert decision.label == "(choose)"
    assert form.fields["objective"].label == "(none)"
