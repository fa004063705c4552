"""Records: validation, statements, statuses, scores, shelf life, conclude and impact maps."""

import datetime as dt
import math

import numpy as np
import pandas as pd
import pydantic
import pytest
from scipy import integrate, stats

import hypokit as hk
from hypokit._errors import ValidationError
from hypokit._impact import ImpactMap, impact_map
from hypokit._records import (
    DEFAULT_SHELF_LIFE,
    EVI,
    ICE,
    RICE,
    TRANSITIONS,
    Evidence,
    Experiment,
    Guardrail,
    Hypothesis,
    KeyResult,
    Learning,
    Objective,
    SegmentCriteria,
    contradicted_learnings,
    evidence_contradicts,
    prioritize,
    same_change,
)
from hypokit.datasets import checkout_experiment
from tests._counts import REORDER, SHARES, counts_frame, proportion_result

DAY = dt.date(2026, 11, 10)


def hypothesis(**kw):
    fields = {
        "id": "express-pay",
        "change": "add express pay to the cart",
        "metric": "converted",
        "outcome": "checkout conversion",
        "expected_effect": 0.10,
        "time_frame_days": 7,
        "because": "paying takes new customers five steps",
    }
    return Hypothesis(**{**fields, **kw})


def learning(**kw):
    fields = {
        "id": "payment-step",
        "believed": "new customers leave at login",
        "observed": "most leave on the payment step",
        "learned": "payment loses new customers",
        "decision": "pivot",
        "evidence": [Evidence(kind="ab_test")],
        "recorded": dt.date(2026, 1, 1),
    }
    return Learning(**{**fields, **kw})


@pytest.fixture(scope="module")
def checkout_result():
    return hk.analyze(
        checkout_experiment(),
        variant="variant",
        control="control",
        segments="segment",
        metrics=[hk.Proportion("converted")],
    )


# ------------------------------------------------------------------------ ids, fields
@pytest.mark.parametrize(
    "good", ["express-pay", "kr-2026q4.1", "a", "x_1", "2026-11-10", "a" * 100]
)
def test_valid_ids(good):
    assert Objective(id=good, title="t").id == good


@pytest.mark.parametrize(
    "bad",
    ["../etc", "a/b", "a\\b", "..", "a..b", "Express", "-x", ".hidden", "", "a b", "a" * 101],
)
def test_ids_that_are_not_safe_file_names_are_refused(bad):
    with pytest.raises(ValidationError, match=r"field 'id' == .* is not a valid id"):
        Objective(id=bad, title="t")


def test_links_are_ids_too():
    with pytest.raises(ValidationError, match=r"field 'learnings\[1\]' == '\.\./x'"):
        hypothesis(learnings=["ok", "../x"])


def test_unknown_field_is_refused_with_a_suggestion():
    with pytest.raises(ValidationError, match=r"unknown field 'metrc' \(did you mean 'metric'\?\)"):
        hypothesis(metrc="converted")
    with pytest.raises(
        ValidationError,
        match=r"unknown field 'criteria\[0\].guardrail' \(did you mean 'guardrails'",
    ):
        hypothesis(criteria=[{"segment": "new", "guardrail": []}])


def test_bad_values_name_the_field_and_the_rule():
    with pytest.raises(ValidationError) as info:
        hypothesis(time_frame_days=0, expected_effect=-0.1)
    message = str(info.value)
    assert message.startswith("Hypothesis: ")
    assert "field 'time_frame_days' == 0: Input should be greater than or equal to 1" in message
    assert "field 'expected_effect' == -0.1: Input should be greater than 0" in message
    assert isinstance(info.value, hk.HypokitError)
    with pytest.raises(ValidationError, match="field 'change' is missing"):
        Hypothesis(id="x", metric="m", expected_effect=0.1, time_frame_days=1)


def test_records_are_frozen_and_changed_by_copy():
    h = hypothesis()
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        h.metric = "revenue"
    changed = h.model_copy(update={"metric": "revenue"})
    assert (h.metric, changed.metric) == ("converted", "revenue")


def test_nan_is_refused():
    with pytest.raises(ValidationError, match="expected_effect"):
        hypothesis(expected_effect=math.nan)


def test_segment_criteria_need_something_to_judge():
    with pytest.raises(ValidationError, match="neither a min_effect nor guardrails"):
        SegmentCriteria(segment="business", min_effect=None)
    with pytest.raises(ValidationError, match="segment 'new' has two sets of criteria"):
        hypothesis(criteria=[SegmentCriteria(segment="new"), SegmentCriteria(segment="new")])


def test_to_dict_keeps_field_order_and_drops_empty_optional_fields():
    data = hypothesis(criteria=[SegmentCriteria(segment="new")]).to_dict()
    assert list(data)[:4] == ["id", "change", "metric", "outcome"]
    assert "key_result" not in data
    assert "learnings" not in data
    assert "title" not in data
    assert data["criteria"] == [{"segment": "new", "min_effect": 0.0, "priority": 1}]
    assert Hypothesis.model_validate(data) == hypothesis(criteria=[SegmentCriteria(segment="new")])


# ----------------------------------------------------------------------- statements
def test_statement_for_one_segment():
    h = hypothesis(criteria=[SegmentCriteria(segment="new")])
    assert h.statement == (
        "If we add express pay to the cart, checkout conversion will increase by 10% for new "
        "customers within 7 days, because paying takes new customers five steps."
    )


def test_statement_for_several_segments_in_priority_order():
    two = hypothesis(
        criteria=[SegmentCriteria(segment="returning", priority=2), SegmentCriteria(segment="new")]
    )
    assert "by 10% for new and returning customers within 7 days" in two.statement
    three = hypothesis(
        criteria=[SegmentCriteria(segment=s) for s in ("new", "returning", "business")]
    )
    assert "for new, returning and business customers within" in three.statement


def test_statement_leaves_out_guardrail_only_segments():
    h = hypothesis(
        criteria=[
            SegmentCriteria(segment="new"),
            SegmentCriteria(
                segment="business",
                min_effect=None,
                guardrails=[Guardrail(metric="converted", margin=0.05)],
            ),
        ]
    )
    assert "for new customers within" in h.statement
    assert h.segments == ("new",)


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({}, "checkout conversion will increase by 10% within 7 days, because"),
        ({"expected_effect": 0.125}, "by 12.5% within"),
        (
            {"direction": "decrease", "outcome": "cart abandonment"},
            "cart abandonment will decrease",
        ),
        (
            {"relative": False, "expected_effect": 2, "unit": "EUR", "metric": "revenue",
             "outcome": ""},
            "revenue will increase by 2 EUR within",
        ),
        ({"time_frame_days": 1}, "within 1 day,"),
        ({"criteria": [SegmentCriteria(segment="(all)")]}, "by 10% for all customers within"),
        (
            {"criteria": [SegmentCriteria(segment="smb")], "audience": "merchants"},
            "for smb merchants within",
        ),
    ],
)  # fmt: skip
def test_statement_variants(kw, expected):
    assert expected in hypothesis(**kw).statement


def test_statement_without_reason_ends_with_the_time_frame():
    h = hypothesis(because="", change="add express pay.")
    assert h.statement == (
        "If we add express pay, checkout conversion will increase by 10% within 7 days."
    )


# -------------------------------------------------------------------------- statuses
def test_the_status_path_of_a_hypothesis():
    h = hypothesis()
    for status in ("planned", "running", "validated", "archived"):
        h = h.transition(status)
        assert h.status == status


ALL_STATUSES = list(TRANSITIONS)


@pytest.mark.parametrize("old", ALL_STATUSES)
@pytest.mark.parametrize("new", ALL_STATUSES)
def test_every_transition_is_allowed_or_refused_as_the_table_says(old, new):
    h = hypothesis(status=old)
    if new == old or new in TRANSITIONS[old]:
        assert h.transition(new).status == new
    else:
        with pytest.raises(ValidationError, match=f"status '{old}' → '{new}' is not allowed"):
            h.transition(new)


def test_refused_transition_lists_the_allowed_ones():
    with pytest.raises(ValidationError, match="it can move to 'planned' or 'archived'"):
        hypothesis().transition("running")
    with pytest.raises(ValidationError, match=r"nothing \(it is final\)"):
        hypothesis(status="archived").transition("idea")
    with pytest.raises(ValidationError, match="status == 'done', must be one of"):
        hypothesis().transition("done")  # type: ignore[arg-type]


def test_concluded_statuses_lead_only_to_archived_or_a_rerun():
    assert TRANSITIONS["validated"] == ("archived",)
    assert TRANSITIONS["invalidated"] == ("archived",)
    assert "running" in TRANSITIONS["inconclusive"]


# ---------------------------------------------------------------------------- scores
def test_ice_and_rice_by_hand():
    assert ICE(impact=8, confidence=5, ease=6).score == 8 * 5 * 6
    assert RICE(reach=2000, impact=2, confidence=0.8, effort=4).score == pytest.approx(800.0)
    with pytest.raises(ValidationError, match="field 'confidence' == 80"):
        RICE(reach=1, impact=1, confidence=80, effort=1)
    with pytest.raises(ValidationError, match="field 'ease' == 0"):
        ICE(impact=1, confidence=1, ease=0)


def test_evpi_by_hand():
    # m = 0.01, s = 0.02, z = 0.5: phi(0.5) = 0.3520653267642995, Phi(-0.5) = 0.3085375387259869
    evi = EVI(prior_mean=0.01, prior_sd=0.02, value_per_effect=50_000, cost=100)
    by_hand = 50_000 * (0.02 * 0.3520653267642995 - 0.01 * 0.3085375387259869)
    assert evi.evpi == pytest.approx(by_hand, rel=1e-12)
    assert evi.evpi == pytest.approx(197.796557, rel=1e-6)
    assert evi.score == pytest.approx(by_hand - 100, rel=1e-12)
    # At a prior centred on break-even: V * s * phi(0).
    flat = EVI(prior_mean=0.0, prior_sd=0.05, value_per_effect=100_000)
    assert flat.evpi == pytest.approx(100_000 * 0.05 / math.sqrt(2 * math.pi))
    assert flat.evpi_per_unit is None
    # The traffic a sizing plan needs is a cost too.
    plan = hk.size(hk.Proportion(baseline=0.10), mde=0.02)
    sized = evi.model_copy(update={"units": plan.n_per_arm * 2, "cost_per_unit": 0.01})
    assert sized.total_cost == pytest.approx(100 + 7682 * 0.01)
    assert sized.score == pytest.approx(by_hand - 100 - 76.82, rel=1e-12)
    assert sized.evpi_per_unit == pytest.approx(by_hand / 7682)


@pytest.mark.parametrize(
    ("mean", "sd", "value", "break_even"),
    [(0.01, 0.02, 5e4, 0.0), (-0.03, 0.02, 1e3, 0.0), (0.02, 0.01, 7.0, 0.025), (0.0, 1.0, 1.0, 0)],
)
def test_evpi_is_the_expected_gain_of_deciding_with_the_true_effect(mean, sd, value, break_even):
    """EVPI = E[max(V (d - b), 0)] - max(E[V (d - b)], 0), integrated numerically."""
    prior = stats.norm(mean, sd)
    perfect, _ = integrate.quad(
        lambda d: max(value * (d - break_even), 0.0) * prior.pdf(d), mean - 12 * sd, mean + 12 * sd
    )
    now = max(value * (mean - break_even), 0.0)
    evi = EVI(prior_mean=mean, prior_sd=sd, value_per_effect=value, break_even=break_even)
    assert evi.evpi == pytest.approx(perfect - now, rel=1e-7, abs=1e-12)


def test_evpi_falls_as_the_prior_gets_surer_and_is_symmetric():
    values = [EVI(prior_mean=0.01, prior_sd=s, value_per_effect=1).evpi for s in (0.1, 0.05, 0.01)]
    assert values == sorted(values, reverse=True)
    up = EVI(prior_mean=0.01, prior_sd=0.02, value_per_effect=1).evpi
    down = EVI(prior_mean=-0.01, prior_sd=0.02, value_per_effect=1).evpi
    assert up == pytest.approx(down)


def scored(hid, ice=None, rice=None, evi=None, status="idea"):
    return hypothesis(id=hid, ice=ice, rice=rice, evi=evi, status=status)


def test_prioritize_by_ice_rice_and_evi():
    hs = [
        # ICE 5*5*5 = 125; RICE 1000*1*0.5/2 = 250; EVPI at m = 0: 0.1 * phi(0) * 1e4 = 398.9
        scored(
            "a",
            ICE(impact=5, confidence=5, ease=5),
            RICE(reach=1000, impact=1, confidence=0.5, effort=2),
            EVI(prior_mean=0, prior_sd=0.1, value_per_effect=1e4, cost=100),
        ),
        # ICE 10*4*4 = 160; RICE 300*3*1/1 = 900; EVPI far from break-even: about 0
        scored(
            "b",
            ICE(impact=10, confidence=4, ease=4),
            RICE(reach=300, impact=3, confidence=1, effort=1),
            EVI(prior_mean=0.5, prior_sd=0.05, value_per_effect=1e4, cost=100),
        ),
        # ICE 2*2*2 = 8; no RICE; EVPI 0.3 * phi(0) * 1e4 = 1196.8
        scored(
            "c",
            ICE(impact=2, confidence=2, ease=2),
            None,
            EVI(prior_mean=0, prior_sd=0.3, value_per_effect=1e4, cost=0),
        ),
    ]
    by_ice = prioritize(hs, by="ice")
    assert list(by_ice["id"]) == ["b", "a", "c"]
    assert list(by_ice["ice"]) == [160.0, 125.0, 8.0]
    assert list(by_ice["rank"]) == [1, 2, 3]
    by_rice = prioritize(hs, by="rice")
    assert list(by_rice["id"]) == ["b", "a", "c"]
    assert by_rice["rank"].isna().tolist() == [False, False, True]  # c has no RICE
    assert math.isnan(by_rice["rice"].iloc[2])
    by_evi = prioritize(hs, by="evi")
    assert list(by_evi["id"]) == ["c", "a", "b"]
    phi0 = 1 / math.sqrt(2 * math.pi)
    np.testing.assert_allclose(by_evi["evi"][:2], [0.3 * phi0 * 1e4, 0.1 * phi0 * 1e4 - 100])
    assert by_evi["evi"].iloc[2] == pytest.approx(-100, abs=1e-6)
    assert list(by_evi.columns) == [
        "rank", "id", "status", "ice", "rice", "evpi", "evi", "statement",
    ]  # fmt: skip


def test_prioritize_breaks_ties_by_id_and_checks_by():
    same = ICE(impact=3, confidence=3, ease=3)
    assert list(prioritize([scored("z", same), scored("m", same)])["id"]) == ["m", "z"]
    with pytest.raises(ValidationError, match="by == 'wsjf'"):
        prioritize([], by="wsjf")  # type: ignore[arg-type]
    assert prioritize([]).empty


# ----------------------------------------------------------------------- key results
def test_key_result_progress():
    kr = KeyResult(
        id="kr",
        objective="o",
        metric="converted",
        baseline=0.075,
        target=0.085,
        deadline=dt.date(2026, 12, 31),
    )
    assert kr.progress(0.075) == 0
    assert kr.progress(0.085) == pytest.approx(1)
    assert kr.progress(0.07) == pytest.approx(-0.5)
    down = kr.model_copy(update={"baseline": 0.30, "target": 0.20})
    assert down.progress(0.25) == pytest.approx(0.5)
    with pytest.raises(ValidationError, match=r"target == 0\.075, must differ from the baseline"):
        KeyResult(id="k", objective="o", metric="m", baseline=0.075, target=0.075,
                  deadline=dt.date(2026, 12, 31))  # fmt: skip


def test_key_result_progress_from_an_analysis(checkout_result):
    kr = KeyResult(
        id="kr-new",
        objective="checkout",
        metric="converted",
        baseline=0.04,
        target=0.05,
        deadline=dt.date(2026, 12, 31),
        segment="new",
    )
    row = checkout_result.row("converted", "new")
    expected = row["effect"] / 0.01
    assert kr.progress_from(checkout_result) == pytest.approx(expected)
    assert kr.progress_from(row) == pytest.approx(expected)
    frame_row = checkout_result.to_pandas().iloc[0].to_dict()  # (all)
    assert kr.progress_from(frame_row) == pytest.approx(frame_row["effect"] / 0.01)
    assert kr.progress_from(checkout_result, segment="(all)") == pytest.approx(
        frame_row["effect"] / 0.01
    )
    with pytest.raises(ValidationError, match="about metric 'revenue'"):
        kr.progress_from({"metric": "revenue", "effect": 1.0})


def conversion_kr(**kw):
    fields = {"id": "kr", "objective": "o", "metric": "converted", "baseline": 0.04,
              "target": 0.05, "deadline": dt.date(2026, 12, 31)}  # fmt: skip
    return KeyResult(**{**fields, **kw})


def test_progress_from_a_segment_is_weighted_by_its_share_of_the_units():
    result = proportion_result(SHARES)
    new = result.row("converted", "new")
    everyone = result.row("converted")
    share = (new["n_control"] + new["n_variant"]) / (everyone["n_control"] + everyone["n_variant"])
    assert share == 0.25
    assert new["effect"] == pytest.approx(0.047 - 0.040)
    kr = conversion_kr()  # about everyone: baseline 4%, target 5%
    # Shipping to new customers alone moves everyone's conversion by 0.25 × 0.007 = 0.00175:
    # 17.5% of the way from 4% to 5%, not the 70% of adding the segment's effect unweighted.
    assert kr.shipped(result, segment="new") == (pytest.approx(0.007), 0.25)
    assert kr.value_from(result, segment="new") == pytest.approx(0.04175)
    assert kr.progress_from(result, segment="new") == pytest.approx(0.175)
    # The "(all)" row is about everyone already: (367 - 320) / 8000 / 0.01.
    assert kr.progress_from(result) == pytest.approx((167 - 160) / 4000 / 0.01)
    assert kr.progress_from(result, segment="(all)") == pytest.approx(0.175)
    # A key result about new customers takes their effect whole.
    assert conversion_kr(segment="new").progress_from(result) == pytest.approx(0.7)
    assert conversion_kr(segment="new").shipped(result) == (pytest.approx(0.007), 1.0)


def test_progress_from_refuses_what_it_cannot_weigh():
    result = proportion_result(SHARES)
    kr = conversion_kr()
    with pytest.raises(ValidationError, match=r"segment 'new' and key result 'kr' about everyone"):
        kr.progress_from(result.row("converted", "new"))  # a row alone has no "(all)" to weigh
    with pytest.raises(ValidationError, match="segment == 'returning'; key result 'kr' is about "
                       "segment 'new'"):  # fmt: skip
        conversion_kr(segment="new").progress_from(result, segment="returning")
    with pytest.raises(ValidationError, match="no row for metric 'converted' in segment 'pro'"):
        kr.progress_from(result, segment="pro")
    with pytest.raises(ValidationError, match="about metric 'revenue'"):
        kr.progress_from({"metric": "revenue", "effect": 1.0})
    frame = counts_frame(SHARES)
    frame["sessions"] = 1 + frame.index % 3
    ratio = hk.analyze(frame, variant="variant", control="control", segments="segment",
                       metrics=[hk.Ratio("converted", "sessions")])  # fmt: skip
    rkr = conversion_kr(metric=ratio.metrics[0])
    with pytest.raises(ValidationError, match="is a ratio: a segment moves the population"):
        rkr.progress_from(ratio, segment="new")
    assert rkr.progress_from(ratio) == pytest.approx(ratio.row(ratio.metrics[0])["effect"] / 0.01)


def test_a_key_result_keeps_its_current_value():
    kr = conversion_kr()
    assert (kr.current, kr.measured, kr.source, kr.current_progress) == (None, None, "", None)
    now = kr.measure(0.0425, as_of=DAY, source="finance dashboard")
    assert (now.current, now.measured, now.source) == (0.0425, DAY, "finance dashboard")
    assert now.current_progress == pytest.approx(0.25)
    assert kr.current is None  # a copy
    assert now.measure(0.045, as_of=DAY).source == ""  # a new reading replaces the source
    with pytest.raises(ValidationError, match="value == 'high', must be a number"):
        kr.measure("high", as_of=DAY)
    with pytest.raises(ValidationError, match="value == nan, must be a finite number"):
        kr.measure(math.nan, as_of=DAY)
    with pytest.raises(ValidationError, match="as_of == '2026-11-10', must be a date"):
        kr.measure(0.05, as_of="2026-11-10")
    with pytest.raises(ValidationError, match="current is set but measured is not"):
        conversion_kr(current=0.05)
    with pytest.raises(ValidationError, match="measured is set but current is not"):
        conversion_kr(measured=DAY)
    with pytest.raises(ValidationError, match="source is set without a current value"):
        conversion_kr(source="dashboard")


def test_objective_is_active():
    o = Objective(id="o", title="t", start=dt.date(2026, 10, 1), end=dt.date(2026, 12, 31))
    assert o.is_active(dt.date(2026, 12, 31))
    assert not o.is_active(dt.date(2027, 1, 1))
    assert not o.model_copy(update={"status": "achieved"}).is_active(dt.date(2026, 11, 1))
    with pytest.raises(ValidationError, match="end == 2026-09-01, must not be before start"):
        Objective(id="o", title="t", start=dt.date(2026, 10, 1), end=dt.date(2026, 9, 1))


# ------------------------------------------------------------------------ learnings
@pytest.mark.parametrize(("kind", "days"), sorted(DEFAULT_SHELF_LIFE.items()))
def test_default_shelf_life_per_evidence_kind(kind, days):
    item = learning(evidence=[Evidence(kind=kind)])
    assert item.expires == dt.date(2026, 1, 1) + dt.timedelta(days=days)


def test_default_shelf_lives_are_documented_values():
    assert DEFAULT_SHELF_LIFE["ab_test"] == 180
    assert DEFAULT_SHELF_LIFE["qualitative"] == 90
    assert DEFAULT_SHELF_LIFE["analytics"] == 120


def test_the_shortest_lived_evidence_sets_the_expiry():
    item = learning(evidence=[Evidence(kind="ab_test"), {"kind": "qualitative"}])
    assert item.expires == dt.date(2026, 4, 1)  # 90 days


def test_explicit_expiry_is_kept_and_must_follow_recorded():
    assert learning(expires=dt.date(2030, 1, 1)).expires == dt.date(2030, 1, 1)
    with pytest.raises(ValidationError, match="expires == 2025-12-31, must be after recorded"):
        learning(expires=dt.date(2025, 12, 31))
    with pytest.raises(ValidationError, match="expires == 2026-01-01, must be after recorded"):
        learning(expires=dt.date(2026, 1, 1))


def test_shelf_life_override_and_new_kinds():
    fields = learning().to_dict()
    del fields["expires"]
    fields["evidence"] = [{"kind": "usability"}]
    with pytest.raises(ValidationError, match="no shelf life for evidence kind 'usability'"):
        Learning(**fields)
    item = Learning.create(shelf_life={"usability": 45}, **fields)
    assert item.expires == dt.date(2026, 2, 15)
    fields["evidence"] = [{"kind": "ab_test"}]
    assert Learning.create(shelf_life={"ab_test": 365}, **fields).expires == dt.date(2027, 1, 1)
    with pytest.raises(ValidationError, match="field 'decision'"):
        Learning.create(**{**fields, "decision": "ship it"})


def test_a_default_expiry_past_the_last_date_is_an_error_about_recorded():
    with pytest.raises(ValidationError) as info:
        learning(recorded=dt.date(9999, 12, 20))
    assert str(info.value) == (
        "Learning: field 'recorded': 9999-12-20 plus the shelf life of ab_test evidence "
        "(180 days) is past 9999-12-31, the last date there is: give expires, or correct "
        "recorded."
    )
    fields = {**learning().to_dict(), "recorded": dt.date(9999, 1, 1), "expires": None}
    with pytest.raises(
        ValidationError, match=r"9999-01-01 plus the shelf life of ab_test evidence \(36500"
    ):
        Learning.create(shelf_life={"ab_test": 36_500}, **fields)
    assert learning(recorded=dt.date(9999, 12, 20), expires=dt.date.max).expires == dt.date.max


def test_values_in_messages_are_cut_short():
    with pytest.raises(ValidationError) as info:
        learning(title=["x" * 10_000] * 1000)
    assert "field 'title' == ['xxxxxxxx" in str(info.value)
    assert len(str(info.value)) < 300


def test_a_learning_needs_evidence():
    with pytest.raises(ValidationError, match="field 'evidence'"):
        learning(evidence=[])


def test_evidence_interval_is_ordered():
    with pytest.raises(ValidationError, match=r"ci_low == 0\.2 is above ci_high == 0\.1"):
        Evidence(ci_low=0.2, ci_high=0.1)


def test_learning_status_over_time():
    item = learning()  # recorded 2026-01-01, A/B test: expires 2026-06-30
    assert item.expires == dt.date(2026, 6, 30)
    assert item.status(dt.date(2026, 2, 1)) == "active"
    assert item.status(dt.date(2026, 5, 30)) == "active"  # 31 days left
    assert item.status(dt.date(2026, 5, 31)) == "due for review"  # 30 days left
    assert item.status(dt.date(2026, 5, 31), due_within=29) == "active"
    assert item.status(dt.date(2026, 5, 21), due_within=40) == "due for review"
    assert item.status(dt.date(2026, 6, 29)) == "due for review"
    assert item.status(dt.date(2026, 6, 30)) == "expired"  # the expiry day itself
    assert item.status(dt.date(2030, 1, 1)) == "expired"
    assert item.days_left(dt.date(2026, 6, 20)) == 10


def test_renew_retire_supersede():
    item = learning()
    renewed = item.renew(dt.date(2027, 1, 1), as_of=dt.date(2026, 7, 15))
    assert renewed.expires == dt.date(2027, 1, 1)
    assert renewed.revalidated == dt.date(2026, 7, 15)
    assert renewed.status(dt.date(2026, 7, 20)) == "revalidated"
    assert renewed.status(dt.date(2026, 12, 20)) == "due for review"
    assert item.status(dt.date(2026, 7, 20)) == "expired"  # the original is unchanged
    with pytest.raises(ValidationError, match="until == 2026-07-01, must be after as_of"):
        item.renew(dt.date(2026, 7, 1), as_of=dt.date(2026, 7, 15))
    retired = item.retire(as_of=dt.date(2026, 3, 1))
    assert retired.status(dt.date(2026, 2, 1)) == "active"
    assert retired.status(dt.date(2026, 3, 1)) == "retired"
    assert retired.status(dt.date(2030, 1, 1)) == "retired"
    with pytest.raises(ValidationError, match="already retired on 2026-03-01"):
        retired.retire(as_of=dt.date(2026, 4, 1))
    with pytest.raises(ValidationError, match="is retired; it cannot be renewed"):
        retired.renew(dt.date(2027, 1, 1), as_of=dt.date(2026, 4, 1))
    superseded = item.supersede("payment-step-v2")
    assert superseded.status(dt.date(2026, 2, 1)) == "superseded"
    with pytest.raises(ValidationError, match="is superseded"):
        superseded.renew(dt.date(2027, 1, 1), as_of=dt.date(2026, 4, 1))


# ----------------------------------------------------------------------- experiments
def test_experiment_plan_dates_and_verdicts():
    plan = hk.size(
        hk.Proportion(baseline={"new": 0.04, "returning": 0.11}),
        mde=0.15,
        relative=True,
        traffic={"new": 1500, "returning": 900},
    )
    exp = Experiment(
        id="t",
        hypothesis="h",
        plan=plan,
        status="running",
        start=dt.date(2026, 10, 19),
        planned_end=dt.date(2026, 11, 9),
    )
    records = plan.to_records()
    assert [p.segment for p in exp.plan] == ["new", "returning"]
    assert [p.n_per_arm for p in exp.plan] == [r["n_per_arm"] for r in records]
    assert [p.days for p in exp.plan] == [r["days"] for r in records]
    assert exp.units == sum(r["n_total"] for r in records)
    assert Experiment.model_validate(exp.to_dict()) == exp
    assert not exp.is_overdue(dt.date(2026, 11, 9))
    assert exp.is_overdue(dt.date(2026, 11, 10))
    done = exp.conclude({"new": "met"}, as_of=dt.date(2026, 11, 12))
    assert (done.status, done.end, done.verdicts) == (
        "concluded",
        dt.date(2026, 11, 12),
        {"new": "met"},
    )
    assert not done.is_overdue(dt.date(2027, 1, 1))
    with pytest.raises(ValidationError, match="planned_end == 2026-10-01, must not be before"):
        Experiment(id="t", hypothesis="h", start=dt.date(2026, 10, 19),
                   planned_end=dt.date(2026, 10, 1))  # fmt: skip


# -------------------------------------------------------------------------- conclude
def running(**kw):
    return hypothesis(status="running", time_frame_days=21, **kw)


def test_conclude_validated_in_the_segment_that_matters(checkout_result):
    h = running(criteria=[SegmentCriteria(segment="new", min_effect=0.05)])
    done, draft = h.conclude(checkout_result, as_of=DAY, experiment="express-pay-test")
    assert done.status == "validated"
    assert done.verdicts == {"new": "met"}
    assert done.concluded == DAY
    assert h.status == "running"  # the original is unchanged
    assert draft.decision == "persevere"
    assert draft.recorded == DAY
    assert draft.expires == DAY + dt.timedelta(days=180)
    assert draft.hypothesis == "express-pay"
    assert draft.believed == h.statement
    assert draft.segments == ("new",)
    row = checkout_result.row("converted", "new")
    (ev,) = draft.evidence
    assert ev.kind == "ab_test"
    assert ev.experiments == ("express-pay-test",)
    assert ev.segment == "new"
    assert ev.metric == "converted"
    assert ev.relative
    assert ev.effect == pytest.approx(row["lift"], rel=1e-5)
    assert (ev.ci_low, ev.ci_high) == pytest.approx(
        (row["lift_ci_low"], row["lift_ci_high"]), rel=1e-5
    )
    assert ev.sample_size == row["n_control"] + row["n_variant"]
    assert ev.strength == "strong"  # adjusted p 0.0097 < 0.05 / 5
    # The interval is the Holm-adjusted one the verdict read: 4 tests, Bonferroni level.
    assert row["ci_level"] == pytest.approx(1 - 0.05 / 4)
    assert "new: converted +17.1% (98.75% CI, holm-adjusted +2.4% to +33.8%)" in draft.observed
    assert draft.status(DAY) == "active"


def test_conclude_uses_the_same_criteria_as_result_verdict(checkout_result):
    h = running(
        criteria=[
            SegmentCriteria(segment="new", min_effect=0.05),
            SegmentCriteria(segment="returning", priority=2),
            SegmentCriteria(
                segment="business",
                min_effect=None,
                priority=3,
                guardrails=[Guardrail(metric="converted", margin=0.05)],
            ),
        ]
    )
    by_hand = checkout_result.verdict(
        {
            "new": [hk.Criterion("converted", min_effect=0.05)],
            "returning": [hk.Criterion("converted")],
            "business": [hk.Criterion("converted", margin=0.05)],
        }
    ).by_segment()
    assert by_hand == {"new": "met", "returning": "inconclusive", "business": "not met"}
    done, draft = h.conclude(checkout_result, as_of=DAY)
    assert done.verdicts == by_hand
    assert list(done.verdicts) == ["new", "returning", "business"]
    # A guardrail breached in business invalidates it; new works, so: pivot.
    assert done.status == "invalidated"
    assert draft.decision == "pivot"
    assert [e.segment for e in draft.evidence] == ["new", "returning", "business"]
    assert [e.strength for e in draft.evidence] == ["strong", "weak", "strong"]
    assert "business: converted -24.2%" in draft.observed
    assert "guardrail converted: no drop beyond" in draft.observed
    assert "it works for new; it does not for business" in draft.learned


def test_conclude_inconclusive_keeps_testing(checkout_result):
    done, draft = running(criteria=[SegmentCriteria(segment="returning")]).conclude(
        checkout_result, as_of=DAY
    )
    assert (done.status, done.verdicts, draft.decision) == (
        "inconclusive",
        {"returning": "inconclusive"},
        "keep testing",
    )


def test_conclude_invalidated_everywhere_retires_the_idea(checkout_result):
    # returning's Holm-adjusted interval (-14.1%, +5.7%) rules out the +6% asked for.
    h = running(criteria=[SegmentCriteria(segment="returning", min_effect=0.06)])
    done, draft = h.conclude(checkout_result, as_of=DAY)
    assert (done.status, done.verdicts, draft.decision) == (
        "invalidated",
        {"returning": "not met"},
        "retire",
    )


def test_conclude_top_priority_decides(checkout_result):
    h = running(
        criteria=[
            SegmentCriteria(segment="new", priority=1),
            SegmentCriteria(segment="returning", min_effect=0.06, priority=2),
        ]
    )
    done, draft = h.conclude(checkout_result, as_of=DAY)
    assert done.verdicts == {"new": "met", "returning": "not met"}
    assert done.status == "validated"  # returning is secondary, and no guardrail broke
    assert draft.decision == "persevere"


def test_conclude_without_criteria_judges_everyone(checkout_result):
    done, draft = running().conclude(checkout_result, as_of=DAY, learning_id="overall")
    assert done.verdicts == {"(all)": "inconclusive"}
    assert draft.id == "overall"
    assert draft.segments == ()


def test_conclude_with_absolute_criteria_and_shelf_life(checkout_result):
    h = running(relative=False, expected_effect=0.005,
                criteria=[SegmentCriteria(segment="new", min_effect=0.002)])  # fmt: skip
    done, draft = h.conclude(
        checkout_result, as_of=DAY, shelf_life={"ab_test": 30}, objective="checkout"
    )
    row = checkout_result.row("converted", "new")
    assert done.verdicts == {"new": "met"}
    assert draft.evidence[0].effect == pytest.approx(row["effect"], rel=1e-5)
    assert not draft.evidence[0].relative
    assert draft.expires == DAY + dt.timedelta(days=30)
    assert draft.context.objective == "checkout"


def test_conclude_refusals(checkout_result):
    with pytest.raises(
        ValidationError, match="is 'planned'; only a running one can be concluded: start it first"
    ):
        hypothesis(status="planned").conclude(checkout_result, as_of=DAY)
    with pytest.raises(ValidationError, match="criteria name segment 'enterprise'"):
        running(criteria=[SegmentCriteria(segment="enterprise")]).conclude(
            checkout_result, as_of=DAY
        )
    with pytest.raises(ValidationError, match="Criterion metric == 'revenue'"):
        running(metric="revenue").conclude(checkout_result, as_of=DAY)


def test_conclude_needs_a_variant_when_there_are_several():
    rng = np.random.default_rng(7)
    n = 3000
    data = pd.DataFrame(
        {
            "variant": rng.choice(["control", "a", "b"], n),
            "segment": rng.choice(["new", "returning"], n),
            "converted": rng.random(n) < 0.3,
        }
    )
    data["converted"] = data["converted"].astype(int)
    result = hk.analyze(
        data, variant="variant", control="control", segments="segment",
        metrics=[hk.Proportion("converted")],
    )  # fmt: skip
    h = running(criteria=[SegmentCriteria(segment="new")])
    with pytest.raises(ValidationError, match="variant == None; the result has"):
        h.conclude(result, as_of=DAY)
    done, _ = h.conclude(result, as_of=DAY, variant="a")
    assert set(done.verdicts) == {"new"}


# -------------------------------------------------------------------- contradictions
def reorder_learning(**kw):
    """An earlier learning: one-click reorder lifted returning customers' conversion."""
    fields = {
        "id": "reorder-works",
        "believed": "one-click reorder lifts reorders",
        "observed": "returning: converted +9.0% (95% CI +2.0% to +16.0%)",
        "learned": "returning customers reorder more with one click",
        "decision": "persevere",
        "evidence": [
            Evidence(metric="converted", segment="returning", effect=0.09, ci_low=0.02,
                     ci_high=0.16)
        ],
        "recorded": dt.date(2026, 5, 4),
    }  # fmt: skip
    return Learning(**{**fields, **kw})


def reorder_again(**kw):
    fields = {
        "id": "reorder-again",
        "change": "offer one-click reorder",
        "metric": "converted",
        "expected_effect": 0.05,
        "time_frame_days": 14,
        "status": "running",
        "learnings": ["reorder-works"],
        "criteria": [SegmentCriteria(segment="returning")],
    }
    return Hypothesis(**{**fields, **kw})


@pytest.fixture(scope="module")
def reorder_result():
    return proportion_result(REORDER)


def test_the_draft_keeps_the_adjusted_p_value_and_the_analysis_decision(reorder_result):
    _, draft = reorder_again().conclude(reorder_result, as_of=DAY)
    (ev,) = draft.evidence
    row = reorder_result.row("converted", "returning")
    # 512 / 2800 against 600 / 2800: the lift is 512 / 600 - 1.
    assert ev.effect == pytest.approx(512 / 600 - 1, rel=1e-5)
    assert ev.effect == pytest.approx(-0.1467, abs=1e-4)
    assert ev.p_adjusted == pytest.approx(row["p_adjusted"], rel=1e-3)
    assert ev.p_adjusted == pytest.approx(0.0096, abs=5e-5)
    assert ev.significant is True
    assert ev.ci_high < 0


def test_the_issue_scenario_is_a_contradiction(reorder_result):
    done, draft = reorder_again().conclude(reorder_result, as_of=DAY, earlier=[reorder_learning()])
    assert done.verdicts == {"returning": "not met"}
    assert draft.contradicts == ("reorder-works",)
    # Without earlier learnings to compare with, the draft contradicts nothing.
    _, alone = reorder_again().conclude(reorder_result, as_of=DAY)
    assert alone.contradicts == ()


def test_the_mirror_case_and_absolute_effects_compare_by_sign():
    old = Evidence(metric="converted", segment="new", effect=-0.02)  # absolute, a drop
    new = Evidence(metric="converted", segment="new", effect=0.11, ci_low=0.03, ci_high=0.19,
                   significant=True)  # fmt: skip
    assert evidence_contradicts(old, new)
    assert not evidence_contradicts(old, new.model_copy(update={"ci_low": -0.01}))
    # The same direction is no contradiction, however strong.
    assert not evidence_contradicts(old.model_copy(update={"effect": 0.02}), new)


@pytest.mark.parametrize(
    ("old", "new", "why"),
    [
        ({}, {"ci_high": 0.01}, "the new interval includes zero"),
        ({}, {"significant": False}, "not significant after the correction"),
        ({"metric": "revenue"}, {}, "another metric"),
        ({"segment": "new"}, {}, "another segment"),
        ({"segment": None}, {}, "everyone against one segment"),
        ({"metric": None}, {}, "an old effect without a metric"),
        ({"effect": None}, {}, "no old effect"),
        ({"effect": 0.0}, {}, "an old effect of zero"),
        ({}, {"ci_low": None, "ci_high": None}, "no new interval"),
    ],
)
def test_what_is_not_a_contradiction(old, new, why):
    base_old = Evidence(metric="converted", segment="returning", effect=0.09)
    base_new = Evidence(metric="converted", segment="returning", effect=-0.147, ci_low=-0.24,
                        ci_high=-0.05, p_adjusted=0.0096, significant=True)  # fmt: skip
    assert evidence_contradicts(base_old, base_new)
    assert not evidence_contradicts(
        base_old.model_copy(update=old), base_new.model_copy(update=new)
    ), why


def test_no_segment_means_everyone():
    old = Evidence(metric="converted", effect=0.01)
    new = Evidence(metric="converted", segment="(all)", effect=-0.1, ci_low=-0.2, ci_high=-0.01)
    assert evidence_contradicts(old, new)  # significance not recorded: the interval decides


def test_an_interval_that_excludes_zero_before_the_correction_only_is_not_enough():
    # Overall, 722 / 4800 against 800 / 4800: the raw p-value is below 0.05, but Holm over
    # the three rows ((all), new, returning) leaves the adjusted p-value above 0.05, and
    # the interval at the adjusted level includes zero.
    result = proportion_result(REORDER)
    row = result.row("converted")  # (all)
    assert row["p_value"] < 0.05
    assert row["p_adjusted"] > 0.05  # not after Holm over the three tests
    assert not row["significant"]
    assert row["effect_ci_low"] < 0 < row["effect_ci_high"]
    unadjusted = proportion_result(REORDER, correction=None).row("converted")
    assert unadjusted["effect_ci_high"] < 0  # the raw interval says "lower"
    old = reorder_learning(evidence=[Evidence(metric="converted", effect=0.02)])  # everyone
    h = reorder_again(criteria=[SegmentCriteria(segment="(all)")])
    _, draft = h.conclude(result, as_of=DAY, earlier=[old])
    assert draft.evidence[0].ci_low < 0 < draft.evidence[0].ci_high
    assert draft.contradicts == ()


def test_contradicted_learnings_compares_only_earlier_learnings_in_force(reorder_result):
    _, draft = reorder_again().conclude(reorder_result, as_of=DAY)
    old = reorder_learning()
    assert contradicted_learnings(draft, [old]) == ("reorder-works",)
    later = old.model_copy(update={"recorded": DAY + dt.timedelta(days=1)})
    retired = old.model_copy(update={"retired": dt.date(2026, 6, 1)})
    superseded = old.supersede("reorder-v2")
    itself = old.model_copy(update={"id": draft.id})
    assert contradicted_learnings(draft, [later, retired, superseded, itself]) == ()
    expired = old.model_copy(update={"expires": dt.date(2026, 6, 1)})
    assert contradicted_learnings(draft, [expired]) == ("reorder-works",)  # still compared
    two = [old.model_copy(update={"id": "b"}), old.model_copy(update={"id": "a"})]
    assert contradicted_learnings(draft, two) == ("a", "b")


def test_same_change_ignores_case_whitespace_and_a_full_stop():
    assert same_change("Offer one-click reorder.", "offer  one-click\treorder")
    assert same_change(" offer one-click reorder ", "OFFER ONE-CLICK REORDER")
    assert not same_change("offer one-click reorder", "offer one click reorder")
    assert not same_change("offer one-click reorder", "offer one-click reorder on mobile")


def test_contradicted_by_is_the_other_side():
    old = reorder_learning()
    marked = old.contradicted("reorder-again-2026-11-10")
    assert marked.contradicted_by == ("reorder-again-2026-11-10",)
    assert marked.contradicted("reorder-again-2026-11-10") is marked  # recorded once
    assert marked.contradicted("later").contradicted_by == ("reorder-again-2026-11-10", "later")
    assert ("contradicted_by[0]", "reorder-again-2026-11-10", "learning") in marked.links()
    assert old.contradicted_by == ()  # a copy; the original is unchanged
    with pytest.raises(ValidationError, match="cannot contradict itself"):
        old.contradicted("reorder-works")
    with pytest.raises(ValidationError, match="by == 'Not An Id'"):
        old.contradicted("Not An Id")
    with pytest.raises(ValidationError, match="contradicted_by names the learning itself"):
        reorder_learning(contradicted_by=["reorder-works"])
    with pytest.raises(ValidationError, match="contradicts names the learning itself"):
        reorder_learning(contradicts=["reorder-works"])


# ------------------------------------------------------------------------ impact maps
def okr_records():
    goal = Objective(id="checkout", title="Make checkout effortless")
    other = Objective(id="retention", title="Keep customers")
    kr = KeyResult(id="kr-conv", objective="checkout", metric="converted", baseline=0.075,
                   target=0.085, deadline=dt.date(2026, 12, 31))  # fmt: skip
    hs = [
        hypothesis(
            key_result="kr-conv",
            criteria=[SegmentCriteria(segment="new"), SegmentCriteria(segment="returning")],
        ),
        hypothesis(
            id="one-click",
            change="offer one-click reorder",
            key_result="kr-conv",
            criteria=[SegmentCriteria(segment="returning")],
            status="planned",
        ),
        hypothesis(id="old", key_result="kr-conv", status="archived"),
        hypothesis(
            id="loose",
            change='say "hi" <b>',
            metric="aov",
            direction="decrease",
            outcome="",
            relative=False,
            expected_effect=2,
            unit="EUR",
        ),
    ]
    return [goal, other], [kr], hs


def test_impact_map_text_tree():
    objectives, krs, hs = okr_records()
    tree = impact_map(objectives, krs, hs)
    assert isinstance(tree, ImpactMap)
    assert tree.to_text() == "\n".join(
        [
            "Make checkout effortless (checkout)",
            "├── new customers",
            "│   └── checkout conversion ↑",
            "│       └── express-pay: add express pay to the cart (+10% within 7 days) [idea]",
            "└── returning customers",
            "    └── checkout conversion ↑",
            "        ├── express-pay: add express pay to the cart (+10% within 7 days) [idea]",
            "        └── one-click: offer one-click reorder (+10% within 7 days) [planned]",
            "Keep customers (retention)",
            "(no objective)",
            "└── all customers",
            "    └── aov ↓",
            '        └── loose: say "hi" <b> (-2 EUR within 7 days) [idea]',
        ]
    )
    assert str(tree) == tree.to_text()
    closed = impact_map(objectives, krs, hs, include_closed=True).to_text()
    assert "old: add express pay" in closed


def test_impact_map_mermaid():
    objectives, krs, hs = okr_records()
    mermaid = impact_map(objectives, krs, hs).to_mermaid()
    lines = mermaid.splitlines()
    assert lines[0] == "flowchart LR"
    assert '    o1["Make checkout effortless (checkout)"]' in lines
    assert '    a1(["new customers"])' in lines
    assert '    c1{{"checkout conversion ↑"}}' in lines
    assert '    h1("express-pay: add express pay to the cart (+10% within 7 days) [idea]")' in lines
    # One node per hypothesis, with an edge from each outcome it serves.
    assert sum(line.startswith("    h1(") for line in lines) == 1
    assert "    c1 --> h1" in lines
    assert "    c2 --> h1" in lines
    assert "    c2 --> h2" in lines
    assert "    o1 --> a1" in lines
    assert "    a1 --> c1" in lines
    # Quotes and angle brackets are escaped for Mermaid.
    assert "say #quot;hi#quot; #lt;b#gt;" in mermaid
    assert "    class o1,o2,o3 objective" in lines
    assert "    classDef hypothesis fill:#fff,stroke:#555" in lines
    assert len(set(lines)) == len(lines)  # no repeated edges
    tree = impact_map(objectives, krs, hs)
    assert tree._repr_markdown_() == f"```mermaid\n{mermaid}\n```"
    assert tree.to_mermaid("TD").startswith("flowchart TD\n")


def test_impact_map_shows_the_progress_of_measured_key_results():
    objectives, (kr,), hs = okr_records()
    aov = KeyResult(id="kr-aov", objective="checkout", metric="aov", baseline=52, target=60,
                    unit="EUR", deadline=dt.date(2026, 12, 31))  # fmt: skip
    krs = [kr.measure(0.079, as_of=DAY, source="dashboard"), aov.measure(56, as_of=DAY)]
    tree = impact_map(objectives, krs, hs)
    assert tree.to_text().splitlines()[:4] == [
        "Make checkout effortless (checkout)",
        "│   kr-aov: 50% of the way (56 EUR on 2026-11-10; 52 → 60)",
        "│   kr-conv: 40% of the way (0.079 on 2026-11-10; 0.075 → 0.085)",
        "├── new customers",
    ]
    mermaid = tree.to_mermaid().splitlines()
    assert (
        '    o1["Make checkout effortless (checkout)<br/>kr-aov: 50% of the way (56 EUR on '
        "2026-11-10; 52 → 60)<br/>kr-conv: 40% of the way (0.079 on 2026-11-10; 0.075 → "
        '0.085)"]'
    ) in mermaid
    # Not measured: nothing is added (as in test_impact_map_text_tree).
    assert (
        impact_map(objectives, [kr, aov], hs).to_text()
        == impact_map(objectives, [kr], hs).to_text()
    )
    # An objective without hypotheses still shows its key result's progress.
    alone = impact_map([objectives[1]], [kr.model_copy(update={"objective": "retention"})
                                          .measure(0.085, as_of=DAY)], [])  # fmt: skip
    assert alone.to_text() == (
        "Keep customers (retention)\n    kr-conv: 100% of the way (0.085 on 2026-11-10; "
        "0.075 → 0.085)"
    )
