# %% [markdown]
# # Worked example: analysing the express-pay experiment per segment
#
# **Hypothesis:** if we add express pay to the cart, checkout conversion will rise by 10%
# within 7 days for new and returning customers, without hurting business buyers.
#
# The experiment ran for three weeks. We analyse it per segment, with CUPED on revenue,
# and judge each segment against its own criteria, because the average can hide a segment
# that got worse.

# %%
import hypokit as hk
from hypokit.datasets import checkout_experiment, checkout_history

data = checkout_experiment()
data.head()

# %% [markdown]
# The plan sized before the test (from two weeks of history) tells the analysis how many users each segment needed.

# %%
plan = hk.size(
    hk.Proportion("converted"),
    mde=0.10,
    relative=True,
    correction="holm",
    data=checkout_history(),
    segments="segment",
    date="date",
)
metrics = [
    hk.Proportion("converted"),
    hk.Mean("revenue", covariate="pre_revenue"),
    hk.Ratio("revenue", "sessions"),
]
result = hk.analyze(
    data, variant="variant", control="control", segments="segment", metrics=metrics, plan=plan
)
result.srm

# %%
# NBVAL_CHECK_OUTPUT
columns = ["segment", "metric", "lift", "lift_ci_low", "lift_ci_high", "p_adjusted", "significant"]
result.to_pandas()[columns].round(4)

# %% [markdown]
# Overall, conversion barely moved. Per segment the picture is different: new customers
# convert more, business buyers less. The findings say so in plain words:

# %%
for finding in result.warnings:
    print(f"[{finding.kind}] {finding.message}")

# %%
result.plot()

# %% [markdown]
# ## Verdicts against each segment's own criteria
#
# New and returning customers must convert at least 10% better; business buyers have a
# guardrail: their conversion may not drop by more than 5%.

# %%
# NBVAL_CHECK_OUTPUT
verdicts = result.verdict(
    {
        "new": [hk.Criterion("converted", min_effect=0.10)],
        "returning": [hk.Criterion("converted", min_effect=0.10)],
        "business": [hk.Criterion("converted", margin=0.05)],
    }
)
verdicts.by_segment()

# %%
verdicts

# %%
print(result.summary())

# %% [markdown]
# ## A metric that can be negative
#
# Suppose each order in the test also cost a 12 EUR voucher: net revenue per user is
# revenue minus 12, and the control's average is negative. hypokit's relative lift is
# `effect / |control mean|`, so its sign is always the effect's: a drop reads as a
# negative lift, whatever the sign of the baseline. (Dividing by the signed control mean,
# as `variant / control - 1` does, would print this drop as a gain.)

# %%
# NBVAL_CHECK_OUTPUT
net = hk.analyze(
    data.assign(net_revenue=data["revenue"] - 12.0),
    variant="variant",
    control="control",
    metrics=[hk.Mean("net_revenue", covariate="pre_revenue")],
)
columns = ["control_mean", "effect", "lift", "lift_ci_low", "lift_ci_high", "significant"]
net.to_pandas()[columns].round(4)

# %% [markdown]
# A success criterion reads the same lift: asking for +5% net revenue, the test says
# "not met", because the effect went the wrong way. When a control mean is too close to 0
# for a relative lift to mean anything, the interval is unbounded, a finding says so, and
# a relative criterion is left inconclusive: state it in the metric's units instead
# (`relative=False`).

# %%
# NBVAL_CHECK_OUTPUT
net.verdict([hk.Criterion("net_revenue", min_effect=0.05)]).to_pandas()[
    ["criterion", "estimate", "verdict", "reason"]
]

# %% [markdown]
# ## Conclude the hypothesis and record the learning
#
# In a temporary registry: the hypothesis, running, with the same criteria (business
# buyers come second: their guardrail can invalidate it, not validate it), concluded on
# the analysis. The drafted learning is recorded with its expiry date.

# %%
import datetime
import tempfile

as_of = datetime.date(2026, 11, 22)
registry = hk.Registry(tempfile.mkdtemp(prefix="hypokit-"))
registry.save(
    hk.Hypothesis(
        id="express-pay",
        change="add express pay to the cart",
        metric="converted",
        outcome="checkout conversion",
        expected_effect=0.10,
        time_frame_days=7,
        criteria=[
            hk.SegmentCriteria(segment="new", min_effect=0.10),
            hk.SegmentCriteria(segment="returning", min_effect=0.10),
            hk.SegmentCriteria(
                segment="business",
                min_effect=None,
                priority=2,
                guardrails=[hk.Guardrail(metric="converted", margin=0.05)],
            ),
        ],
        status="running",
    )
)
drafts = registry.conclude("express-pay", result, as_of=as_of)
registry.save_conclusion(drafts)
concluded, learning = drafts.hypothesis, drafts.learning
print(learning.learned)

# %%
# NBVAL_CHECK_OUTPUT
recorded = registry.get(learning.id, hk.Learning)
print("hypothesis:", registry.get("express-pay", hk.Hypothesis).status)
for segment, verdict in concluded.verdicts.items():
    print(f"  {segment}: {verdict}")
print(f"learning {recorded.id} ({recorded.decision})")
print(f"recorded {recorded.recorded}, expires {recorded.expires}")
