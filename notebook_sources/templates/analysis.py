# %% [markdown]
# # Analyze an A/B test per segment, conclude it, keep what you learned
#
# Never trust the average alone: this notebook reads one row per user, checks the sample
# ratio, estimates each variant's effect on each metric in every segment and overall, and
# lists what the average may hide. Then it judges the hypothesis against **its own
# criteria, as recorded in the registry**, drafts the learning, and saves both once you
# confirm.
#
# 1. Create it from your project's folder, where your data and registry are:
#    `hypokit new analysis NAME -p data_path=data/test.csv -p registry_path=records -p
#    hypothesis_id=ID`. Relative paths mean what they meant there.
# 2. Run all cells. The first one checks every parameter: a wrong one stops there, with
#    one line naming it and what it accepts.
# 3. Check the metrics the picker chose from your columns; review the verdicts and the
#    drafted learning; press **Save the conclusion**.
#
# - Proportions: z-test as R's `prop.test(correct = FALSE)`; means: Welch's t-test with
#   CUPED when a covariate is given; ratios: the delta method.
# - `correction` controls the false-positive rate over every (segment, metric, variant).

# %% tags=["parameters"]
# Parameters: edit these, then run all cells.
# `hypokit new analysis NAME -p KEY=VALUE`, run in your project's folder, sets them;
# relative paths are read from that folder.
import datetime

data_path = None  # your CSV/Parquet file or glob; None uses the shipped checkout example
variant_column = "variant"
control = "control"
segments = "segment"  # a column, a list of columns, or None
# Metrics: the picker below starts from these. On your own data, those left as they are
# here (the example's) are picked from your columns instead: 0/1 columns as proportions,
# other numbers as means (CUPED on a `pre_<name>` column when there is one).
proportion_metrics = ["converted"]  # 0/1 columns
mean_metrics = {"revenue": "pre_revenue"}  # column: CUPED covariate (or None)
ratio_metrics = [("revenue", "sessions")]  # (numerator, denominator)
alpha = 0.05
correction = "holm"  # "holm", "bonferroni", "bh" or None
registry_path = None  # your registry folder (e.g. "records"); None: a temporary one
hypothesis_id = "express-pay"  # the hypothesis the test judges, with its criteria
# Without a registry, the hypothesis is the one below. Criteria per segment: a success
# criterion gives min_effect (the smallest relative lift that counts); a guardrail gives
# margin (the largest relative harm tolerated) instead.
criteria = {
    "new": {"metric": "converted", "min_effect": 0.10, "margin": None},
    "returning": {"metric": "converted", "min_effect": 0.10, "margin": None},
    "business": {"metric": "converted", "min_effect": None, "margin": 0.05},
}
change = "add express pay to the cart"  # as it reads after "If we"
outcome = "checkout conversion"  # the metric of the success criteria, in plain words
expected_effect = 0.10  # relative
time_frame_days = 7
as_of = datetime.date(2026, 11, 22)  # the date of the conclusion (a date or "YYYY-MM-DD")

# %%
import hypokit as hk
from hypokit._notebook import check_parameters

checked = check_parameters("analysis", globals())
data, registry, hypothesis = checked.data, checked.registry, checked.hypothesis
as_of = checked.values["as_of"]
checked

# %% [markdown]
# ## The metrics
#
# One row per column of the data: analyse it as a proportion (0/1 values), a mean (with
# CUPED on a pre-experiment column) or a ratio (its sum over another column's), or not
# at all. The picks start from the parameters; after changing them, run the cells below
# again. The parameters they amount to are shown under the rows.

# %%
from hypokit.widgets import MetricPicker

segment_columns = [segments] if isinstance(segments, str) else list(segments or [])
picker = MetricPicker(
    checked.sample,
    proportion=checked.metrics["proportion"],
    mean=checked.metrics["mean"],
    ratio=checked.metrics["ratio"],
    exclude=[variant_column, *segment_columns],
)
picker

# %%
result = hk.analyze(
    data,
    variant=variant_column,
    control=control,
    metrics=picker.metrics(),
    segments=segments,
    alpha=alpha,
    correction=correction,
)

# %% [markdown]
# ## Sample ratio: is the split what was planned?

# %%
result.srm

# %% [markdown]
# ## Effects per segment and overall

# %%
result

# %% [markdown]
# ## What the average may hide

# %%
for finding in result.warnings:
    print(f"[{finding.kind}] {finding.message}")

# %%
result.plot()

# %% [markdown]
# ## Explore one metric and segment at a time
#
# Pick a metric, a segment and a variant: the forest plot, the rows and the findings that
# name them follow.

# %%
from hypokit.widgets import ResultsExplorer

ResultsExplorer(result)

# %% [markdown]
# ## In one paragraph

# %%
print(result.summary())

# %% [markdown]
# ## Verdicts against the hypothesis's own criteria
#
# The criteria are the hypothesis's, as the registry holds them (edit them there, with the
# hypothesis template, and this notebook follows); without a registry, those of the
# parameters. A success criterion is met when the effect is significant and reaches its
# `min_effect`; a guardrail is met when the interval rules out a harm of its `margin` or
# more.

# %%
print(hypothesis.statement)
verdicts = result.verdict(hypothesis.criteria_for_analysis())
verdicts.by_segment()

# %%
verdicts

# %% [markdown]
# ## Conclude, and keep what you learned
#
# The panel concludes the hypothesis on this analysis (`registry.conclude`): the verdict
# per segment, the outcome, and a drafted learning that expires like any A/B-test
# learning. Say in the learning what we now believe, then press **Save the conclusion**:
# the learning, the experiment and the hypothesis are written to the registry in one go
# (`registry.save_conclusion`), and nothing before. A hypothesis that is still an idea or
# planned is started first, on the day its experiment went live.

# %%
from hypokit.widgets import ConcludePanel

conclude = ConcludePanel(registry, hypothesis.id, result, as_of=as_of, registry_path=registry_path)
conclude

# %% [markdown]
# ## What next
#
# - **Key result**: once saved, the panel records the key result's progress from this
#   analysis for the segment you ship to (`registry.record_progress`).
# - **Learning**: it expires; the learning-review template lists it when it is due
#   (`hypokit new learning-review review -p registry_path=records`).
# - **The loop**: `hypokit status` (or the okr-review template) shows every hypothesis by
#   stage and what to do next.
