"""The form-to-record mapping of hypokit.widgets, without any widget."""

import ast
import datetime as dt
from pathlib import Path

import pytest

import hypokit as hk
from hypokit.widgets import _mapping as m

AS_OF = dt.date(2026, 11, 22)


def hypothesis_values(**changes):
    values = {
        **m.empty_hypothesis(),
        "id": "notify-ready",
        "title": "Notify when playable",
        "key_result": "kr-published",
        "change": "notify uploaders as soon as their video is playable",
        "metric": "published",
        "outcome": "the share of uploads published within a day",
        "expected_effect": 0.10,
        "time_frame_days": 14,
        "audience": "uploaders",
        "because": "casual uploaders forget to come back",
        "learnings": ["pros-wait-for-hd"],
        "segments": [
            {**m.empty_segment(), "segment": "casual", "min_effect": 0.05},
            {
                **m.empty_segment(),
                "segment": "professional",
                "min_effect": None,
                "priority": 2,
                "guardrail_metric": "published",
                "guardrail_margin": 0.02,
            },
        ],
    }
    values.update(changes)
    return values


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


def test_the_mapping_module_does_not_import_ipywidgets():
    tree = ast.parse(Path(m.__file__).read_text())
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not any(name.startswith(("ipywidgets", "IPython", "matplotlib")) for name in imported)
    assert not any(name.startswith("hypokit.widgets") for name in imported)


# ------------------------------------------------------------------ hypotheses
def test_values_make_the_hypothesis():
    mapped = m.hypothesis_from_values(hypothesis_values())
    assert mapped.ok, mapped.errors
    assert mapped.record == EXPECTED


def test_record_to_values_and_back():
    values = m.hypothesis_values(EXPECTED)
    assert values == {**hypothesis_values(), "objective": None}
    assert m.hypothesis_from_values(values).record == EXPECTED


def test_round_trip_keeps_what_the_form_does_not_show():
    h = EXPECTED.model_copy(
        update={
            "status": "planned",
            "ice": hk.ICE(impact=6, confidence=7, ease=9),
            "unit": "",
            "criteria": (
                hk.SegmentCriteria(
                    segment="casual",
                    min_effect=0.5,
                    direction="decrease",
                    relative=False,
                    guardrails=[
                        hk.Guardrail(metric="published", margin=0.02, relative=False),
                        hk.Guardrail(metric="watch_time", margin=0.05, direction="increase"),
                    ],
                ),
            ),
        }
    )
    values = m.hypothesis_values(h)
    assert values["segments"][0]["extra"] == {
        "direction": "decrease",
        "relative": False,
        "guardrail_relative": False,
        "guardrails": [
            {"metric": "watch_time", "margin": 0.05, "direction": "increase", "relative": True}
        ],
    }
    assert m.hypothesis_from_values(values, base=h).record == h
    assert m.hypothesis_values(m.hypothesis_from_values(values, base=h).record) == values


@pytest.mark.parametrize(
    ("changes", "key", "message"),
    [
        ({"change": ""}, "change", "required"),
        ({"change": "   "}, "change", "required"),
        ({"metric": ""}, "metric", "required"),
        ({"expected_effect": 0.0}, "expected_effect", "must be greater than 0"),
        ({"time_frame_days": 0}, "time_frame_days", "must be at least 1"),
        ({"id": ""}, "id", "required"),
        ({"id": "Express Pay!"}, "id", "is not a valid id"),
        ({"key_result": "KR 1"}, "key_result", "is not a valid id"),
        ({"learnings": ["../up"]}, "learnings", "is not a valid id"),
        ({"direction": "up"}, "direction", "must be one of 'increase' or 'decrease'"),
    ],
)
def test_each_bad_field_gets_its_message(changes, key, message):
    mapped = m.hypothesis_from_values(hypothesis_values(**changes))
    assert mapped.record is None
    assert list(mapped.errors) == [key]
    assert message in mapped.errors[key]


def test_segment_errors_point_at_the_row_and_field():
    values = hypothesis_values()
    values["segments"][0]["min_effect"] = -0.1
    values["segments"][1]["guardrail_margin"] = -0.02
    errors = m.hypothesis_from_values(values).errors
    assert errors == {
        "segments[0].min_effect": "must be at least 0",
        "segments[1].guardrail_margin": "must be greater than 0",
    }


def test_duplicate_segments_are_named_on_the_second_row():
    values = hypothesis_values()
    values["segments"][1]["segment"] = "casual"
    errors = m.hypothesis_from_values(values).errors
    assert errors == {"segments[1].segment": "'casual' is already segment 1"}


def test_a_segment_with_nothing_to_judge_and_a_margin_without_metric():
    values = hypothesis_values()
    values["segments"][1]["guardrail_metric"] = ""
    values["segments"][1]["guardrail_margin"] = 0.0
    assert m.hypothesis_from_values(values).errors == {
        "segments[1].min_effect": "segment 'professional' has neither a min_effect nor "
        "guardrails: give one"
    }
    values["segments"][1]["guardrail_margin"] = 0.02
    assert m.hypothesis_from_values(values).errors == {
        "segments[1].guardrail_metric": "required for a guardrail margin"
    }
    values["segments"][0]["segment"] = ""
    assert "segments[0].segment" in m.hypothesis_from_values(values).errors


def test_field_labels():
    assert m.field_label("segments[0].min_effect") == "segment 1: minimum effect"
    assert m.field_label("evidence[2].sample_size") == "evidence 3: sample size"
    assert m.field_label("expected_effect") == "expected effect"
    assert m.field_label("") == "record"


# ------------------------------------------------------------------ learnings
def learning_values(**changes):
    values = {
        **m.empty_learning(AS_OF),
        "id": "pros-wait-for-hd",
        "believed": "creators publish as soon as a video is playable",
        "observed": "82% of professional uploads are published after the HD rendition",
        "learned": "professional creators wait for full quality before publishing",
        "decision": "pivot",
        "evidence": [
            {**m.empty_evidence(), "kind": "analytics", "sample_size": 4100, "segment": "pro"}
        ],
        "segments": ["pro"],
    }
    values.update(changes)
    return values


def test_values_make_the_learning_with_the_default_expiry():
    mapped = m.learning_from_values(learning_values())
    assert mapped.ok, mapped.errors
    assert mapped.record == hk.Learning(
        id="pros-wait-for-hd",
        believed="creators publish as soon as a video is playable",
        observed="82% of professional uploads are published after the HD rendition",
        learned="professional creators wait for full quality before publishing",
        decision="pivot",
        evidence=[hk.Evidence(kind="analytics", sample_size=4100, segment="pro")],
        segments=["pro"],
        recorded=AS_OF,
    )
    assert mapped.record.expires == AS_OF + dt.timedelta(days=120)
    custom = m.learning_from_values(learning_values(), shelf_life={"analytics": 10})
    assert custom.record.expires == AS_OF + dt.timedelta(days=10)


def test_learning_round_trip_keeps_hidden_fields():
    learning = hk.Learning(
        id="express-pay-2025",
        title="Express pay didn't work",
        believed="b",
        observed="o",
        learned="l",
        decision="retire",
        evidence=[
            hk.Evidence(
                kind="ab_test",
                experiments=["exp-1", "exp-2"],
                sample_size=41000,
                effect=0.008,
                ci_low=-0.031,
                ci_high=0.047,
                metric="converted",
                strength="weak",
            )
        ],
        context=hk.Context(audience="customers", objective="checkout", method="A/B test"),
        recorded=dt.date(2025, 3, 10),
        expires=dt.date(2025, 12, 1),
        contradicts=["older"],
        revalidated=dt.date(2025, 6, 1),
    )
    values = m.learning_values(learning)
    extra = {"effect": 0.008, "ci_low": -0.031, "ci_high": 0.047}
    assert values["evidence"][0]["extra"] == extra
    assert values["evidence"][0]["experiments"] == ["exp-1", "exp-2"]
    assert m.learning_from_values(values, base=learning).record == learning
    assert m.learning_values(m.learning_from_values(values, base=learning).record) == values


@pytest.mark.parametrize(
    ("changes", "key", "message"),
    [
        ({"believed": ""}, "believed", "required"),
        ({"decision": None}, "decision", "must be one of"),
        ({"evidence": []}, "evidence", "add at least one"),
        ({"expires": dt.date(2026, 11, 1)}, "expires", "must be after recorded"),
        ({"recorded": None}, "recorded", ""),
        ({"objective": "Bad Id"}, "objective", "is not a valid id"),
    ],
)
def test_each_bad_learning_field_gets_its_message(changes, key, message):
    mapped = m.learning_from_values(learning_values(**changes))
    assert mapped.record is None
    assert key in mapped.errors
    assert message in mapped.errors[key]


def test_evidence_errors_point_at_the_row():
    values = learning_values()
    values["evidence"].append({**m.empty_evidence(), "sample_size": -3, "kind": "survey"})
    errors = m.learning_from_values(values).errors
    assert errors == {"evidence[1].sample_size": "must be at least 1"}
    values["evidence"][1] = {**m.empty_evidence(), "kind": "rumour"}
    errors = m.learning_from_values(values).errors
    assert "no shelf life for evidence kind 'rumour'" in errors["evidence"]


def test_default_expiry_and_labels():
    assert m.default_expiry(AS_OF, ["ab_test"]) == dt.date(2027, 5, 21)
    assert m.default_expiry(AS_OF, ["ab_test", "survey"]) == AS_OF + dt.timedelta(days=90)
    assert m.default_expiry(AS_OF, ["rumour"]) is None
    assert m.default_expiry(None, ["ab_test"]) is None
    learning = m.learning_from_values(learning_values()).record
    assert m.learning_label(learning, AS_OF) == "pros-wait-for-hd"
    assert m.learning_label(learning.retire(as_of=AS_OF), AS_OF) == (
        "pros-wait-for-hd (retired 2026-11-22)"
    )
    assert m.learning_label(learning.supersede("new"), AS_OF) == (
        "pros-wait-for-hd (superseded by new)"
    )


def test_retest_values_cite_the_learning():
    learning = m.learning_from_values(learning_values(audience="creators")).record
    values = m.retest_values(learning)
    assert values["learnings"] == ["pros-wait-for-hd"]
    assert values["audience"] == "creators"
    assert [s["segment"] for s in values["segments"]] == ["pro"]
    assert values["because"] == learning.learned
    assert m.split_list("a,\n b ,, c") == ["a", "b", "c"]
