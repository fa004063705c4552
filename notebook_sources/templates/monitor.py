# %% [markdown]
# # Monitor a running experiment per segment: keep running, stop, or analyse
#
# While the experiment runs, look as often as you like: the intervals here stay valid
# however often they are read (confidence sequences), so looking every day does not
# fool you. Per segment, in order of urgency, the notebook says:
#
# - **stop: sample ratio mismatch**: the split of units differs from the plan; fix
#   assignment or logging first;
# - **stop for harm**: a guardrail of the hypothesis is breached;
# - **ready to analyse**: every arm has the units the plan asked for;
# - **keep running**, with the day the traffic so far reaches the plan.
#
# The plan comes from the experiment in the registry, the guardrails from its hypothesis.
# Create it from your project's folder: `hypokit new monitor NAME -p data_path=data/test.csv
# -p registry_path=records -p experiment_id=ID`, then run all cells.

# %% tags=["parameters"]
# Parameters: edit these, then run all cells.
# `hypokit new monitor NAME -p KEY=VALUE`, run in your project's folder, sets them;
# relative paths are read from that folder.
import datetime

data_path = None  # the experiment's data so far (CSV/Parquet); None: the shipped example
registry_path = None  # your registry folder (e.g. "records"); None: a temporary example
experiment_id = "express-pay-test"  # the running experiment, with its recorded plan
variant_column = "variant"
control = "control"
segments = "segment"  # a column, a list of columns, or None
date_column = "date"  # the day each unit entered (for the expected end), or None
alpha = 0.05  # the level of the always-valid intervals
as_of = datetime.date(2026, 11, 8)  # the day of this look (a date or "YYYY-MM-DD")

# %%
import hypokit as hk
from hypokit._notebook import check_parameters

checked = check_parameters("monitor", globals())
registry, experiment, hypothesis = checked.registry, checked.experiment, checked.hypothesis
as_of = checked.values["as_of"]
checked

# %% [markdown]
# ## The look

# %%
from hypokit._notebook import guardrails_of, metrics_of

report = hk.monitor(
    checked.data,
    variant=variant_column,
    control=control,
    metrics=metrics_of(checked.metrics),
    segments=segments,
    plan=experiment,
    guardrails=guardrails_of(hypothesis) or None,
    date=date_column,
    as_of=as_of,
    alpha=alpha,
)
report

# %% [markdown]
# ## The decision per segment, and why

# %%
for row in report.rows:
    print(f"{row['segment']} ({row['variant']}): {row['decision']}: {row['reason']}")

# %% [markdown]
# ## What to do next

# %%
from IPython.display import Markdown

from hypokit._notebook import analysis_command, monitor_next

command = analysis_command(checked)  # writes the analysis notebook of this experiment
Markdown(monitor_next(report, analysis_command=command, hypothesis=hypothesis.id))

# %% [markdown]
# ## What the data says so far

# %%
for finding in report.warnings:
    print(f"[{finding.kind}] {finding.message}")
