# %% [markdown]
# # Size an A/B test per segment, and record the plan with its hypothesis
#
# Each customer segment has its own baseline and its own traffic, so each gets its own
# sample size and duration. Fill in the **parameters** cell below (or create this notebook
# with `hypokit new sizing NAME -p mde=0.05 -p registry_path=records -p
# hypothesis_id=ID`), then run all cells. Explore with the panel, then press **Record the
# plan on HYPOTHESIS**: the hypothesis's experiment keeps the plan, and an idea becomes
# *planned*.
#
# - Proportions are sized as R's `power.prop.test`, means as R's `power.t.test`.
# - `correction` shares the false-positive rate across segments and arms.
# - The plan's `days` is how long the slowest segment needs; the plot shows how power grows
#   with every extra day.

# %% tags=["parameters"]
# Parameters: edit these, or fill them with `hypokit new sizing NAME -p key=value`.
import datetime

metric_kind = "proportion"  # "proportion" or "mean"
# Per-segment assumptions: the control rate (proportion) or mean and sd (mean).
baseline = {"new": 0.04, "returning": 0.11, "business": 0.18}
mean = {"new": 2.7, "returning": 9.5, "business": 59.0}
sd = {"new": 16.0, "returning": 36.0, "business": 160.0}
correlation = None  # pre-period correlation for CUPED, e.g. {"new": 0.2, ...}
traffic = {"new": 1500, "returning": 900, "business": 200}  # eligible users per day
mde = 0.10  # minimum detectable effect
relative = True  # mde as a fraction of the baseline
alpha = 0.05
power = 0.8
alternative = "two-sided"  # "two-sided", "greater" or "less"
arms = 2  # including control
correction = "holm"  # shares alpha across segments and arms: "holm", "bonferroni" or None
whole_weeks = True  # run for whole weeks to cover weekly cycles
# The hypothesis the plan is for: the plan is recorded on it (its experiment).
registry_path = None  # your registry folder; None: a temporary one with an example hypothesis
hypothesis_id = "express-pay"  # the hypothesis this test judges (None: size only)
as_of = datetime.date(2026, 11, 22)  # the date an idea becomes planned (a date or "YYYY-MM-DD")
start = None  # the planned first day of the experiment ("YYYY-MM-DD"), or None
record = False  # True: record the plan on the hypothesis when the notebook runs

# %%
import hypokit as hk
from hypokit._notebook import check_parameters

checked = check_parameters("sizing", globals())  # stops in one line on a wrong parameter
if metric_kind == "proportion":
    metric = hk.Proportion(baseline=baseline)
else:
    metric = hk.Mean(mean=mean, sd=sd, correlation=correlation)

plan = hk.size(
    metric,
    mde=mde,
    relative=relative,
    alpha=alpha,
    power=power,
    alternative=alternative,
    arms=arms,
    correction=correction,
    traffic=traffic,
    whole_weeks=whole_weeks,
)
plan

# %% [markdown]
# Power against days of traffic: the dotted lines mark each segment's planned duration.

# %%
plan.plot()

# %% [markdown]
# ## The hypothesis it tests
#
# The registry holds the hypothesis (`registry_path = None` works in a temporary folder,
# with an example hypothesis to record the plan on).

# %%
import tempfile

print(checked)
as_of = checked.values["as_of"]
start = None if start is None else datetime.date.fromisoformat(str(start))
example = checked.registry is None
registry = hk.Registry(tempfile.mkdtemp(prefix="hypokit-")) if example else checked.registry
if example and hypothesis_id is not None:
    registry.save(
        hk.Hypothesis(
            id=hypothesis_id,
            change="add express pay to the cart",
            metric="converted",
            outcome="checkout conversion",
            expected_effect=0.10,
            time_frame_days=21,
            criteria=[hk.SegmentCriteria(segment=s) for s in plan.segments if s != "(all)"],
        )
    )
registry.hypotheses()[["id", "status", "segments", "statement"]]

# %% [markdown]
# ## Explore with the panel, then record the plan
#
# Type a number or move a slider, change the MDE or edit the traffic table: the plan and
# the plot follow on every change, and a value that cannot be used is named beside its
# field. The panel starts from the parameters above and does not change them.
#
# **Record the plan on HYPOTHESIS** writes the panel's plan, as it is now, into the
# hypothesis's experiment (`experiments/ID-test.yaml`: the units per segment, the days,
# the planned start and end when a start is picked) and moves an idea to *planned*, dated.
# Recording again updates the experiment while it is planned. Start it when the test goes
# live, with **Move** in the hypothesis form (its experiment starts with it).

# %%
from hypokit.widgets import SizingPanel

SizingPanel(
    metric_kind,
    baseline=baseline,
    mean=mean,
    sd=sd,
    correlation=correlation,
    traffic=traffic,
    mde=mde,
    relative=relative,
    alpha=alpha,
    power=power,
    alternative=alternative,
    arms=arms,
    correction=correction,
    whole_weeks=whole_weeks,
    registry=registry,
    hypothesis_id=hypothesis_id,
    as_of=as_of,
    start=start,
)

# %% [markdown]
# ## The same in code
#
# `registry.record_plan` is what the button calls, here with the `plan` sized from the
# parameters (set `record = True`, or run it yourself). `registry.status` is the board of
# the loop: each hypothesis's stage and what to do next.

# %%
if record and hypothesis_id is not None:
    experiment = registry.record_plan(hypothesis_id, plan, as_of=as_of, start=start)
    print(f"recorded the plan on {hypothesis_id}: {registry.path_of(experiment.id).name}")
registry.status(as_of=as_of)

# %% [markdown]
# ## What next
#
# - If a segment needs far too long, size it for a larger MDE, pool it with a similar
#   segment, or accept that it can only be analysed as part of the whole.
# - Start the test when it goes live: **Move** in the hypothesis form, or
#   `registry.move(ID, "running", as_of=...)`, or `hypokit hypotheses start ID`.
# - While it runs, `hypokit monitor DATA ... --registry DIR --experiment ID-test` reads
#   its plan: the share of the planned units each segment has reached, and when it is
#   ready to analyse.
