"""The review queue, the sizing panel and the results explorer, driven programmatically."""

import datetime as dt
import math

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import hypokit as hk
from hypokit.datasets import checkout_experiment
from hypokit.widgets import ResultsExplorer, ReviewQueue, SizingPanel

AS_OF = dt.date(2026, 11, 22)


# ---------------------------------------------------------------- review queue
@pytest.fixture
def folder(tmp_path):
    path = tmp_path / "records"
    registry = hk.Registry(path)

    def learning(lid, recorded, kind="analytics", **extra):
        registry.save(
            hk.Learning(
                id=lid,
                believed="b",
                observed="o",
                learned=f"what {lid} taught",
                decision="pivot",
                evidence=[hk.Evidence(kind=kind, metric="published")],
                recorded=recorded,
                **extra,
            )
        )

    learning("expired-one", dt.date(2026, 6, 3), segments=["professional"])  # 2026-10-01
    learning("due-soon", dt.date(2026, 8, 10))  # expires 2026-12-08: 16 days left
    learning("fresh", dt.date(2026, 11, 2))  # expires 2027-03-02
    return path


def test_the_queue_lists_expired_and_due_learnings(folder):
    queue = ReviewQueue(folder, as_of=AS_OF)
    assert list(queue.items) == ["expired-one", "due-soon"]
    assert "hk-review-queue" in queue.widget._dom_classes
    item = queue.items["due-soon"]
    assert "expires in 16 day(s)" in item.label.value
    assert "expired 52 day(s) ago" in queue.items["expired-one"].label.value
    assert item.until.value == AS_OF + dt.timedelta(days=120)  # analytics shelf life
    assert list(ReviewQueue(folder, as_of=AS_OF, due_within=10).items) == ["expired-one"]


def test_renew_writes_the_file_and_refreshes(folder):
    queue = ReviewQueue(folder, as_of=AS_OF)
    queue.items["due-soon"].until.value = dt.date(2027, 6, 30)
    queue.items["due-soon"].renew_button.click()
    assert queue.message_texts() == ["Renewed due-soon until 2027-06-30."]
    assert list(queue.items) == ["expired-one"]
    text = (folder / "learnings" / "due-soon.yaml").read_text()
    assert "expires: 2027-06-30" in text
    assert "revalidated: 2026-11-22" in text
    assert hk.Registry(folder).get("due-soon").status(AS_OF) == "revalidated"


def test_retire_writes_the_file_and_refreshes(folder):
    queue = ReviewQueue(folder, as_of=AS_OF)
    queue.items["expired-one"].retire_button.click()
    assert queue.message_texts() == ["Retired expired-one on 2026-11-22."]
    assert list(queue.items) == ["due-soon"]
    assert "retired: 2026-11-22" in (folder / "learnings" / "expired-one.yaml").read_text()
    queue.retire("expired-one")
    assert "already retired" in queue.message_texts()[0]


def test_a_renewal_in_the_past_is_refused(folder):
    queue = ReviewQueue(folder, as_of=AS_OF)
    queue.items["due-soon"].until.value = dt.date(2026, 11, 1)
    queue.items["due-soon"].renew_button.click()
    assert queue.message_texts() == [
        "Nothing renewed: until == 2026-11-01, must be after as_of (2026-11-22)."
    ]
    assert list(queue.items) == ["expired-one", "due-soon"]


def test_retest_opens_a_form_that_cites_the_learning(folder):
    queue = ReviewQueue(folder, as_of=AS_OF)
    queue.items["expired-one"].retest_button.click()
    form = queue.retest_form
    assert form is not None
    assert queue.retest_area.children == (form.widget,)
    assert form.fields["learnings"].value == ("expired-one",)
    assert form.fields["metric"].value == "published"
    assert form.fields["because"].value == "what expired-one taught"
    assert [r.fields["segment"].value for r in form.segments] == ["professional"]
    form.fields["id"].value = "notify-hd-ready"
    form.fields["change"].value = "notify creators when the HD rendition is ready"
    form.fields["expected_effect"].value = 0.06
    form.save_button.click()
    assert hk.Registry(folder).get("notify-hd-ready").learnings == ("expired-one",)


def test_an_empty_queue_says_so(tmp_path):
    queue = ReviewQueue(tmp_path / "records", as_of=AS_OF)
    assert queue.items == {}
    assert "Nothing to review" in queue.list_box.children[0].value


def test_the_queue_shows_registry_problems(tmp_path, folder):
    path = tmp_path / "file"
    path.write_text("")
    assert "is a file" in ReviewQueue(path, as_of=AS_OF).message_texts()[0]
    (folder / "learnings" / "broken.yaml").write_text("- not a mapping\n")
    queue = ReviewQueue(folder, as_of=AS_OF)
    assert queue.message_texts()[0].startswith("Skipped a file that cannot be read")
    assert list(queue.items) == ["expired-one", "due-soon"]


# ---------------------------------------------------------------- sizing
SEGMENTS = {
    "baseline": {"new": 0.04, "returning": 0.11, "business": 0.18},
    "traffic": {"new": 1500, "returning": 900, "business": 200},
}


def test_the_panel_table_equals_hk_size():
    panel = SizingPanel(
        **SEGMENTS, mde=0.10, relative=True, correction="holm", whole_weeks=True, plot=False
    )
    expected = hk.size(
        hk.Proportion(baseline=SEGMENTS["baseline"]),
        mde=0.10,
        relative=True,
        correction="holm",
        whole_weeks=True,
        traffic=SEGMENTS["traffic"],
    )
    pd.testing.assert_frame_equal(panel.plan.to_pandas(), expected.to_pandas())
    assert panel.table.outputs[0]["data"]["text/html"] == expected._repr_html_()
    assert "hk-sizing-panel" in panel.widget._dom_classes
    assert [r.fields["segment"].value for r in panel.rows] == ["new", "returning", "business"]


def test_the_plan_follows_the_sliders_and_the_table():
    panel = SizingPanel(**SEGMENTS, mde=0.10, correction="holm", plot=False)
    panel.fields["power"].value = 0.9
    panel.fields["alpha"].value = 0.1
    panel.fields["ratio"].value = 2.0
    panel.rows[0].fields["traffic"].value = 3000.0
    panel.rows[2].remove_button.click()
    panel.rows[1].fields["baseline"].value = "0.2"
    panel.fields["baseline"].value = 0.05  # segments without their own baseline
    panel.rows[0].fields["baseline"].value = ""
    expected = hk.size(
        hk.Proportion(baseline={"new": 0.05, "returning": 0.2}),
        mde=0.10,
        relative=True,
        power=0.9,
        alpha=0.1,
        ratio=2.0,
        correction="holm",
        traffic={"new": 3000.0, "returning": 900},
    )
    pd.testing.assert_frame_equal(panel.plan.to_pandas(), expected.to_pandas())
    panel.add_row_button.click()
    assert panel.message_texts() == [
        "No plan: traffic is missing for 'segment-3': give every segment its units per day, "
        "or none."
    ]
    assert panel.plan is None
    assert panel.table.outputs == ()


def test_planned_looks_show_the_schedule():
    panel = SizingPanel(**SEGMENTS, mde=0.10, correction="holm", plot=False)
    panel.fields["looks"].value = 4
    panel.fields["spending"].value = "pocock"
    expected = hk.size(
        hk.Proportion(baseline=SEGMENTS["baseline"]),
        mde=0.10,
        relative=True,
        correction="holm",
        traffic=SEGMENTS["traffic"],
        looks=4,
        spending="pocock",
    )
    pd.testing.assert_frame_equal(panel.plan.to_pandas(), expected.to_pandas())
    html = panel.table.outputs[0]["data"]["text/html"]
    assert expected.schedule()._repr_html_() in html
    panel.fields["looks"].value = 1  # back to a fixed design
    assert panel.plan.looks is None


def test_means_and_one_population():
    panel = SizingPanel("mean", baseline=None, mean=12.0, sd=30.0, mde=0.05, plot=False)
    assert panel.rows == []
    expected = hk.size(hk.Mean(mean=12.0, sd=30.0), mde=0.05, relative=True)
    assert panel.plan.n_per_arm == expected.n_per_arm
    panel.fields["relative"].value = False
    panel.fields["mde"].value = 1.5
    assert panel.plan.n_per_arm == hk.size(hk.Mean(sd=30.0), mde=1.5).n_per_arm
    panel.fields["metric_kind"].value = "proportion"
    panel.fields["mde"].value = 0.02
    panel.fields["baseline"].value = 0.1
    assert panel.plan.n_per_arm == 3841  # R: power.prop.test(p1 = .10, p2 = .12, power = .8)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"mde": 0.0}, "must not be 0"),
        ({"mde": 9.0}, "the rate must stay in (0, 1)"),
        ({"alternative": "less"}, "must be below 0 for alternative 'less'"),
    ],
)
def test_bad_combinations_show_a_message(change, message):
    panel = SizingPanel(**SEGMENTS, plot=False)
    for name, value in change.items():
        panel.fields[name].value = value
    assert panel.plan is None
    assert message in panel.message_texts()[0]


def test_bad_table_entries_show_a_message():
    panel = SizingPanel(**SEGMENTS, plot=False)
    panel.rows[0].fields["baseline"].value = "four percent"
    assert panel.message_texts() == [
        "No plan: baseline['new'] == 'four percent', must be a number."
    ]
    panel.rows[0].fields["baseline"].value = "0.04"
    panel.rows[1].fields["segment"].value = "new"
    assert panel.message_texts() == ["No plan: segment 'new' is in the table twice."]
    panel.rows[1].fields["segment"].value = " "
    assert panel.message_texts() == ["No plan: segment 2 has no name; name it or remove it."]


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("alpha", 1.5, "alpha == 1.5, must be in (0, 1)."),
        ("alpha", 0.0, "alpha == 0.0, must be in (0, 1)."),
        ("power", 1.2, "power == 1.2, must be in (0, 1)."),
        ("power", -0.8, "power == -0.8, must be in (0, 1)."),
        ("mde", 0.0, "MDE == 0, must not be 0: no sample size detects no effect."),
        ("mde", math.inf, "MDE == inf, must be a finite number."),
    ],
)
def test_out_of_range_values_are_refused_beside_their_field(name, value, message):
    panel = SizingPanel(**SEGMENTS, mde=0.10, plot=False)
    assert panel.plan is not None
    panel.fields[name].value = value
    assert panel.fields[name].value == value  # kept as typed, never clamped
    assert panel.errors[name].value == message
    assert panel.errors[name].layout.display is None  # shown
    assert "hk-error-" + name in panel.errors[name]._dom_classes
    assert panel.plan is None
    assert panel.table.outputs == ()
    assert panel.message_texts() == [f"No plan: {message}"]
    # The other fields say nothing.
    assert [n for n, label in panel.errors.items() if label.value] == [name]


def test_a_refused_value_is_never_replaced_by_another():
    # The panel used to clamp alpha 1.5 to its slider's 0.2 and size with that.
    panel = SizingPanel(**SEGMENTS, mde=0.10, plot=False)
    panel.fields["alpha"].value = 0.2
    at_02 = panel.plan.to_pandas()
    panel.fields["alpha"].value = 1.5
    assert panel.plan is None
    # Values the sliders could not hold are fine when they are in range.
    panel.fields["alpha"].value = 0.3
    panel.fields["power"].value = 0.995
    expected = hk.size(
        hk.Proportion(baseline=SEGMENTS["baseline"]),
        mde=0.10,
        relative=True,
        alpha=0.3,
        power=0.995,
        traffic=SEGMENTS["traffic"],
    )
    pd.testing.assert_frame_equal(panel.plan.to_pandas(), expected.to_pandas())
    assert not panel.plan.to_pandas().equals(at_02)
    assert all(label.value == "" for label in panel.errors.values())
    assert panel.errors["alpha"].layout.display == "none"
    # Refused from the start too.
    refused = SizingPanel(**SEGMENTS, alpha=1.5, power=2.0, plot=False)
    assert refused.plan is None
    assert refused.fields["alpha"].value == 1.5
    assert refused.message_texts() == [
        "No plan: alpha == 1.5, must be in (0, 1).",
        "No plan: power == 2.0, must be in (0, 1).",
    ]


def test_the_mde_must_lie_on_the_side_of_the_alternative():
    panel = SizingPanel(**SEGMENTS, mde=0.10, plot=False)
    panel.fields["alternative"].value = "less"
    assert panel.errors["mde"].value == "MDE == 0.1, must be below 0 for alternative 'less'."
    assert panel.plan is None
    panel.fields["mde"].value = -0.10
    assert panel.errors["mde"].value == ""
    expected = hk.size(
        hk.Proportion(baseline=SEGMENTS["baseline"]),
        mde=-0.10,
        relative=True,
        alternative="less",
        traffic=SEGMENTS["traffic"],
    )
    pd.testing.assert_frame_equal(panel.plan.to_pandas(), expected.to_pandas())
    panel.fields["alternative"].value = "greater"
    assert panel.errors["mde"].value == "MDE == -0.1, must be above 0 for alternative 'greater'."
    panel.fields["alternative"].value = "two-sided"  # a decrease is a two-sided MDE too
    assert panel.errors["mde"].value == ""
    assert panel.plan is not None


def test_negative_traffic_is_refused_beside_its_row():
    panel = SizingPanel(**SEGMENTS, mde=0.10, plot=False)
    row = panel.rows[1]
    row.fields["traffic"].value = -900.0
    message = (
        "traffic['returning'] == -900.0, must be greater than 0 units per day (or 0 when unknown)."
    )
    assert row.errors["traffic"].value == message
    assert row.errors["traffic"] in row.box.children
    assert panel.rows[0].errors["traffic"].value == ""
    assert panel.plan is None
    assert panel.message_texts() == [f"No plan: {message}"]
    row.fields["traffic"].value = 900.0
    assert row.errors["traffic"].value == ""
    assert panel.plan.to_pandas()["days"].notna().all()


def test_the_plot_is_drawn_without_leaking_figures():
    before = plt.get_fignums()
    panel = SizingPanel(baseline=0.1, traffic=2000, mde=0.1)
    assert [o["output_type"] for o in panel.figure.outputs] == ["display_data"]
    assert "image/png" in panel.figure.outputs[0]["data"]
    panel.fields["power"].value = 0.85
    assert "image/png" in panel.figure.outputs[0]["data"]
    assert plt.get_fignums() == before
    expected = hk.size(hk.Proportion(baseline=0.1), mde=0.1, relative=True, power=0.85)
    assert panel.plan.n_per_arm == expected.n_per_arm
    assert panel.plan.days == math.ceil(2 * expected.n_per_arm / 2000)
    panel.rows[0].fields["traffic"].value = 0.0  # no traffic: no days, no plot
    assert panel.plan is not None
    assert panel.plan.days is None
    assert "Give each segment's traffic" in panel.figure.outputs[0]["data"]["text/html"]
    panel.add_row_button.click()
    assert "'(all)' is the whole population" in panel.message_texts()[0]


# ---------------------------------------------------------------- results
@pytest.fixture(scope="module")
def result():
    return hk.analyze(
        checkout_experiment(),
        variant="variant",
        control="control",
        segments="segment",
        metrics=[hk.Proportion("converted"), hk.Mean("revenue")],
    )


def test_the_explorer_follows_metric_and_segment(result):
    before = plt.get_fignums()
    explorer = ResultsExplorer(result)
    assert "hk-results-explorer" in explorer.widget._dom_classes
    assert explorer.fields["segment"].label == "every segment"  # shown, not blank
    assert {r["segment"] for r in explorer.rows()} == {"(all)", "business", "new", "returning"}
    assert {r["metric"] for r in explorer.rows()} == {"converted"}
    assert "image/png" in explorer.figure.outputs[0]["data"]
    kinds = {(f.kind, f.segment) for f in explorer.shown_findings}
    assert ("segment_opposes", "new") in kinds
    assert all(f.metric == "converted" for f in explorer.shown_findings)
    explorer.fields["segment"].value = "business"
    assert [r["segment"] for r in explorer.rows()] == ["business"]
    assert explorer.shown_findings == [
        f
        for f in result.warnings
        if f.metric in (None, "converted") and f.segment in (None, "business")
    ]
    assert {f.segment for f in explorer.shown_findings} == {None, "business"}
    text = explorer.findings.outputs[0]["data"]["text/plain"]
    assert "[segment_differs] Segment 'business' differs" in text
    assert "'new'" not in text
    explorer.fields["metric"].value = "revenue"
    assert [(r["segment"], r["metric"]) for r in explorer.rows()] == [("business", "revenue")]
    assert all(f.metric == "revenue" for f in explorer.shown_findings)
    assert "revenue" in explorer.table.outputs[0]["data"]["text/html"]
    assert plt.get_fignums() == before
