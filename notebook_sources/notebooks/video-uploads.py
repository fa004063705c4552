# %% [markdown]
# # Worked example: same outcome, different segments
#
# A video platform wants uploads to be **published**: too many videos are uploaded, left
# processing, and forgotten. Two segments share this problem:
#
# - **casual uploaders** (most of the traffic) upload from their phone and forget to come
#   back once the video is processed;
# - **professional creators** (few, but most of the watch time) come back only when the
#   full-quality rendition has passed its checks, because they publish nothing less.
#
# **Hypothesis:** if we notify uploaders as soon as their video is playable, the share of
# uploads published within a day will rise by 10% for casual uploaders within 14 days,
# without costing professional creators more than 2%.
#
# Same outcome, different needs: the criteria differ per segment, so the test is sized
# per segment and judged per segment.

# %%
import hypokit as hk
from hypokit.datasets import video_uploads

data = video_uploads()
data.head()

# %% [markdown]
# ## Size per segment
#
# Each segment has its own baseline (the share published within a day) and its own daily
# traffic. Professional creators are few, so they set the test's length.

# %%
plan = hk.size(
    hk.Proportion(baseline={"casual": 0.32, "professional": 0.68}),
    mde=0.10,
    relative=True,
    traffic={"casual": 900, "professional": 130},  # uploaders per day
    correction="holm",
    whole_weeks=True,
)
plan

# %%
# NBVAL_CHECK_OUTPUT
plan.to_pandas()[["segment", "n_per_arm", "n_total", "days"]]

# %% [markdown]
# Two weeks cover both segments. The test ran for 14 days with half of each day's
# uploaders notified (`notify_ready`).

# %%
result = hk.analyze(
    data,
    variant="variant",
    control="control",
    segments="segment",
    metrics=[hk.Proportion("published")],
    plan=plan,
)
result.srm

# %% [markdown]
# ## Pooled, it looks fine

# %%
# NBVAL_CHECK_OUTPUT
columns = ["segment", "n_control", "n_variant", "control_mean", "variant_mean", "lift",
           "lift_ci_low", "lift_ci_high", "p_adjusted", "significant"]
result.to_pandas()[columns].round(4)

# %% [markdown]
# Over all uploaders, publishing rose significantly. Per segment, casual uploaders
# publish more, and professional creators publish **less**: a notification on the
# low-resolution rendition pulls them back before their video is ready. The findings say
# so:

# %%
for finding in result.warnings:
    print(f"[{finding.kind}] {finding.message}")

# %%
result.plot()

# %% [markdown]
# ## Verdicts against each segment's own criteria
#
# The hypothesis's criteria as records: a success criterion for casual uploaders, a
# guardrail for professional creators. `criteria_for_analysis()` turns them into the
# criteria `result.verdict` judges; the pooled row is judged too, to show what the average
# alone would have said.

# %%
notify_ready = hk.Hypothesis(
    id="notify-ready",
    change="notify uploaders as soon as their video is playable",
    metric="published",
    outcome="the share of uploads published within a day",
    expected_effect=0.10,
    time_frame_days=14,
    audience="uploaders",
    criteria=[
        hk.SegmentCriteria(segment="casual", min_effect=0.10),
        hk.SegmentCriteria(
            segment="professional",
            min_effect=None,
            priority=2,
            guardrails=[hk.Guardrail(metric="published", margin=0.02)],
        ),
    ],
)
print(notify_ready.statement)
criteria = {"(all)": [hk.Criterion("published")], **notify_ready.criteria_for_analysis()}
criteria

# %%
# NBVAL_CHECK_OUTPUT
verdicts = result.verdict(criteria)
verdicts.by_segment()

# %%
verdicts

# %% [markdown]
# The pooled verdict is *met*; the casual criterion of +10% is met; the professional
# guardrail is **not met**. Shipping to everyone would have hurt the segment that matters
# most for watch time.
#
# ## Different solutions for different segments
#
# Ship the notification to casual uploaders only, and test a different change for
# professional creators: notify them when the HD rendition has passed its checks. Their
# traffic alone decides how long that test takes.

# %%
notify_hd = hk.Hypothesis(
    id="notify-hd-ready",
    change="notify professional creators when the HD rendition has passed its checks",
    metric="published",
    outcome="the share of uploads published within a day",
    expected_effect=0.06,
    time_frame_days=35,
    audience="creators",
    because="professional creators wait for full quality before publishing",
    criteria=[hk.SegmentCriteria(segment="professional", min_effect=0.06)],
)
print(notify_hd.statement)
pro_plan = hk.size(
    hk.Proportion(baseline={"professional": 0.68}),
    mde=0.06,
    relative=True,
    traffic={"professional": 130},
    whole_weeks=True,
)
pro_plan.to_pandas()[["segment", "n_per_arm", "n_total", "days"]]

# %% [markdown]
# A +6% lift for professional creators needs five weeks of their traffic: the
# hypothesis's 35 days are realistic. Had we sized for the pooled population, the casual
# majority would have hidden both the harm and the time this segment needs.
