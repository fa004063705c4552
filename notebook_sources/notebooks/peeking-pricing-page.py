# %% [markdown]
# # Worked example: look every day without fooling yourself
#
# A team redesigned its pricing page and opened the dashboard every morning. On the eighth
# day the redesign was "up 24%, p = 0.02". They were one click from shipping it.
#
# The redesign does nothing: this data (`hypokit.datasets.pricing_page`) was generated
# with the same sign-up rate in both arms. A fixed-horizon test promises a 5% false-positive
# rate **once, at the planned end**; read every day and stopped at the first p < 0.05, it
# declares false winners in more than a quarter of such tests. This notebook shows the
# problem on the team's data, then three ways to look often and stay honest:
#
# 1. **always-valid confidence sequences** (`method="sequential"`): read them as often as
#    you like;
# 2. **a group-sequential plan** (`hk.size(..., looks=4)`): a few planned looks with
#    stricter early boundaries;
# 3. a **Bayesian** reading (`method="bayesian"`), and why it does not fix peeking by itself.

# %%
import matplotlib.pyplot as plt

import hypokit as hk
from hypokit.datasets import pricing_page

data = pricing_page()
metrics = [hk.Proportion("signed_up")]
print(f"{len(data):,} visitors over {data['date'].nunique()} days")
data.head()

# %% [markdown]
# ## The plan
#
# Sign-ups run at about 6%; the team wants to detect a 15.5% relative lift with 80% power.
# They plan four weekly looks (O'Brien-Fleming spending), which costs 2% more visitors than
# a single look at the end and lets them stop early if the redesign is clearly better.

# %%
plan = hk.size(
    hk.Proportion(baseline=0.06),
    mde=0.155,
    relative=True,
    traffic=800,  # visitors per day
    looks=4,
    whole_weeks=True,
)
plan

# %%
# NBVAL_CHECK_OUTPUT
plan.schedule().to_pandas().round(6)

# %% [markdown]
# ## The peeking problem: a fixed-horizon test read every day
#
# `date="date"` aggregates by day in the same query, and `over_time()` repeats the
# analysis on the visitors seen up to each day.

# %%
naive = hk.analyze(data, variant="variant", control="control", metrics=metrics,
                   date="date")
naive_days = naive.over_time().to_pandas()

# %%
# NBVAL_CHECK_OUTPUT
columns = ["date", "n_control", "n_variant", "lift", "lift_ci_low", "lift_ci_high", "p_value",
           "significant"]
naive_days.loc[[6, 7, 8, 13, 20, 27], columns].round(4)

# %% [markdown]
# From day 8 to day 11 the redesign looks like a win (p between 0.013 and 0.022); by
# the end the lift is zero (p = 0.97). Nothing
# changed in between except more data: early estimates are noisy, and checking a noisy
# estimate every day gives chance many opportunities to cross the line.
#
# How often? A seeded simulation of A/A tests (no effect at all) read daily for 28 days:

# %%
# NBVAL_CHECK_OUTPUT
rates = hk.stats.peeking_simulation(reps=2000, days=28, seed=1)
{k: round(v, 3) for k, v in rates.items()}

# %% [markdown]
# Read once at the end, 4.8% of A/A tests are "significant", as alpha promises.
# Read daily and stopped at the first p < 0.05, **29%** are (27.5% by exact normal
# theory, as Armitage, McPherson and Rowe tabulated in 1969). The always-valid reading
# stays at 1.3% and the O'Brien-Fleming boundaries at 4.9%.
#
# ## Fix 1: always-valid confidence sequences
#
# `method="sequential"` replaces each interval and p-value with a confidence sequence
# (Waudby-Smith et al.), tuned to be tightest at the plan's size. Its intervals hold at
# every day at once, so the day-by-day view may intersect them and keep the smallest
# p-value seen so far.

# %%
sequential = hk.analyze(data, variant="variant", control="control", metrics=metrics,
                        date="date", method="sequential", plan=plan)
sequential_days = sequential.over_time().to_pandas()

# %%
# NBVAL_CHECK_OUTPUT
sequential_days.loc[[6, 7, 8, 13, 20, 27], columns].round(4)

# %%
fig, ax = plt.subplots(figsize=(8, 4))
naive.over_time().plot(ax=ax, label="fixed horizon, read daily")
sequential.over_time().plot(ax=ax, label="confidence sequence")
ax.set_title("The redesign's lift on sign-ups, day by day");

# %% [markdown]
# The sequence is wider early on, when the estimate is least reliable, and never
# excludes zero: no false winner on day 8. Its p-value is the smallest seen so far (valid
# whenever you stop), so it never rises. The price is width: at the planned size one day's
# sequence is about 1.5 times as wide as the fixed interval. Use it when the decision may
# be taken on any day.
#
# ## Fix 2: a few planned looks
#
# With the group-sequential plan, the team analyses only at the planned looks (days 7,
# 14, 21 and 28), each with its own boundary: `look=k` makes `significant` use it.

# %%
looks = []
for k, day in enumerate(plan.schedule().to_pandas()["day"], start=1):
    so_far = data[data["date"] <= sorted(data["date"].unique())[day - 1]]
    at_look = hk.analyze(so_far, variant="variant", control="control", metrics=metrics,
                         plan=plan, look=k)
    row = at_look.row("signed_up")
    boundary = float(plan.schedule().to_pandas()["p_boundary"].iloc[k - 1])
    looks.append({"look": k, "day": day, "lift": row["lift"], "p_value": row["p_value"],
                  "boundary": boundary, "stop": row["significant"]})

# %%
# NBVAL_CHECK_OUTPUT
import pandas as pd

pd.DataFrame(looks).round(6)

# %%
print(at_look.findings("look")[0].message)

# %% [markdown]
# No look crosses its boundary, and the final look concludes: no detectable
# effect. The first look's boundary (p < 0.00001) only stops for a dramatic effect; most of
# the alpha is kept for the end, so the final look's boundary (0.044) is close to the
# fixed test's 0.05.
#
# ## A Bayesian reading, and why it does not fix peeking by itself
#
# `method="bayesian"` reports the probability that the redesign beats control and the
# expected loss of shipping it.

# %%
bayes = hk.analyze(data, variant="variant", control="control", metrics=metrics,
                   date="date", method="bayesian")
bayes_days = bayes.over_time().to_pandas()

# %%
# NBVAL_CHECK_OUTPUT
bayes_days.loc[[6, 7, 8, 13, 20, 27],
               ["date", "lift", "lift_ci_low", "lift_ci_high", "prob_beats_control",
                "expected_loss"]].round(4)

# %% [markdown]
# On day 9 the posterior said 99.3% "beats control". The posterior is an honest
# summary of the data on each day, but a rule such as "ship when P(beats control) > 95%",
# checked daily, is a stopping rule with its own false-positive rate, just like the daily
# p-value. Decide by expected loss against a threshold agreed before the test, or combine
# the Bayesian summary with one of the designs above.
#
# ## What to take away
#
# - Reading a fixed-horizon test daily multiplies its false-positive rate (here 5% → 29%).
# - Looking daily is fine with `method="sequential"`; looking a few planned times is fine
#   with `hk.size(..., looks=k)` and `hk.analyze(..., plan=plan, look=k)`.
# - Record the result as a learning with its shelf life: "the pricing-page redesign did
#   not change sign-ups (28 days, both devices)".
