# %% [markdown]
# # Worked example: sizing a checkout experiment per segment
#
# **Objective:** make checkout so good that more customers complete their purchase.
# **Key result:** checkout conversion. **Hypothesis:** if we add express pay to the cart,
# checkout conversion will rise by 10% within 7 days, for new, returning and business
# customers alike.
#
# The three segments differ in baseline conversion and in traffic, so one sample size for
# all of them would leave some underpowered. This notebook sizes the test per segment
# from two weeks of history shipped with hypokit.

# %%
import hypokit as hk
from hypokit.datasets import checkout_history

history = checkout_history()
history.head()

# %% [markdown]
# ## Baselines and traffic per segment, from history

# %%
conversion = hk.Proportion("converted")
hk.baselines(history, conversion, segments="segment", date="date")

# %% [markdown]
# ## Size for +10% relative conversion in every segment
#
# Holm shares alpha across the three segment tests; durations round up to whole weeks.

# %%
plan = hk.size(
    conversion,
    mde=0.10,
    relative=True,
    correction="holm",
    whole_weeks=True,
    data=history,
    segments="segment",
    date="date",
)
plan

# %%
# NBVAL_CHECK_OUTPUT
plan.to_pandas()[["segment", "n_per_arm", "n_total", "days"]]

# %%
plan.plot()

# %% [markdown]
# New customers convert least, so they need the most users even though they bring the
# most traffic. A 7-day test, as the hypothesis hopes, detects much less than it needs:
# what can each segment detect in one week?

# %%
week = {}
for row in plan.rows:
    n_per_arm = row.traffic * 7 / 2
    metric = hk.Proportion(baseline=row.baseline)
    week[row.segment] = hk.mde(metric, n_per_arm=n_per_arm, relative=True, alpha=row.alpha)
{segment: f"{lift:+.1%}" for segment, lift in week.items()}

# %% [markdown]
# ## Revenue per user, with and without CUPED
#
# Pre-period revenue explains part of each user's revenue. CUPED removes that variance,
# which shortens the test by the `variance_reduction` shown.

# %%
kwargs = dict(
    mde=0.10, relative=True, correction="holm", data=history, segments="segment", date="date"
)
plain = hk.size(hk.Mean("revenue"), **kwargs)
cuped = hk.size(hk.Mean("revenue", covariate="pre_revenue"), **kwargs)
comparison = plain.to_pandas()[["segment", "n_per_arm", "days"]].merge(
    cuped.to_pandas()[["segment", "variance_reduction", "n_per_arm", "days"]],
    on="segment",
    suffixes=("_plain", "_cuped"),
)
comparison

# %% [markdown]
# ## Two variants against control
#
# Testing two designs of express pay makes four more comparisons; Holm now shares alpha
# over six tests, and each variant arm needs its own users.

# %%
three_arms = hk.size(
    conversion, mde=0.10, relative=True, arms=3, correction="holm", whole_weeks=True,
    data=history, segments="segment", date="date",
)
three_arms.to_pandas()[["segment", "alpha", "n_per_arm", "n_total", "days"]]
