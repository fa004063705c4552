"""Write the notebook templates and worked examples (run from the repository root).

``python scripts/make_notebooks.py`` rewrites templates/*.ipynb (no outputs) and
notebooks/*.ipynb, executing the examples to keep the outputs of the cells that nbval
checks (``# NBVAL_CHECK_OUTPUT``) and only those.
"""

import nbformat as nbf
from nbformat.v4 import new_code_cell as code
from nbformat.v4 import new_markdown_cell as md
from nbformat.v4 import new_notebook


def save(path, cells):
    nb = new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {
                "display_name": "Python 3 (ipykernel)",
                "language": "python",
                "name": "python3",
            },
            "language_info": {"name": "python"},
        },
    )
    for i, c in enumerate(nb.cells):
        c["id"] = f"cell-{i}"
    if path.startswith("notebooks/"):
        # Keep the outputs of the cells that nbval checks, and only those.
        import copy

        from nbclient import NotebookClient

        run = copy.deepcopy(nb)
        NotebookClient(run, timeout=300, kernel_name="python3").execute()
        for cell, done in zip(nb.cells, run.cells, strict=False):
            if cell.cell_type == "code" and "NBVAL_CHECK_OUTPUT" in cell.source:
                cell.outputs = list(done.outputs)
                cell.execution_count = 1
                for o in cell.outputs:
                    if "execution_count" in o:
                        o["execution_count"] = 1
    nbf.validate(nb)
    nbf.write(nb, path)


params = code("""# Parameters: edit these, or fill them with `hypokit new sizing NAME -p key=value`.
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
record = False  # True: record the plan on the hypothesis when the notebook runs""")
params.metadata["tags"] = ["parameters"]

save(
    "templates/sizing.ipynb",
    [
        md("""# Size an A/B test per segment, and record the plan with its hypothesis

Each customer segment has its own baseline and its own traffic, so each gets its own
sample size and duration. Fill in the **parameters** cell below (or create this notebook
with `hypokit new sizing NAME -p mde=0.05 -p registry_path=records -p
hypothesis_id=ID`), then run all cells. Explore with the panel, then press **Record the
plan on HYPOTHESIS**: the hypothesis's experiment keeps the plan, and an idea becomes
*planned*.

- Proportions are sized as R's `power.prop.test`, means as R's `power.t.test`.
- `correction` shares the false-positive rate across segments and arms.
- The plan's `days` is how long the slowest segment needs; the plot shows how power grows
  with every extra day."""),
        params,
        code("""import hypokit as hk
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
plan"""),
        md("Power against days of traffic: the dotted lines mark each segment's planned duration."),
        code("plan.plot();"),
        md("""## The hypothesis it tests

The registry holds the hypothesis (`registry_path = None` works in a temporary folder,
with an example hypothesis to record the plan on)."""),
        code("""import tempfile

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
registry.hypotheses()[["id", "status", "segments", "statement"]]"""),
        md("""## Explore with the panel, then record the plan

Type a number or move a slider, change the MDE or edit the traffic table: the plan and
the plot follow on every change, and a value that cannot be used is named beside its
field. The panel starts from the parameters above and does not change them.

**Record the plan on HYPOTHESIS** writes the panel's plan, as it is now, into the
hypothesis's experiment (`experiments/ID-test.yaml`: the units per segment, the days,
the planned start and end when a start is picked) and moves an idea to *planned*, dated.
Recording again updates the experiment while it is planned. Start it when the test goes
live, with **Move** in the hypothesis form (its experiment starts with it)."""),
        code("""from hypokit.widgets import SizingPanel

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
)"""),
        md("""## The same in code

`registry.record_plan` is what the button calls, here with the `plan` sized from the
parameters (set `record = True`, or run it yourself). `registry.status` is the board of
the loop: each hypothesis's stage and what to do next."""),
        code("""if record and hypothesis_id is not None:
    experiment = registry.record_plan(hypothesis_id, plan, as_of=as_of, start=start)
    print(f"recorded the plan on {hypothesis_id}: {registry.path_of(experiment.id).name}")
registry.status(as_of=as_of)"""),
        md("""## What next

- If a segment needs far too long, size it for a larger MDE, pool it with a similar
  segment, or accept that it can only be analysed as part of the whole.
- Start the test when it goes live: **Move** in the hypothesis form, or
  `registry.move(ID, "running", as_of=...)`, or `hypokit hypotheses start ID`.
- While it runs, `hypokit monitor DATA ... --registry DIR --experiment ID-test` reads
  its plan: the share of the planned units each segment has reached, and when it is
  ready to analyse."""),
    ],
)

analysis_params = code("""# Parameters: edit these, then run all cells.
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
as_of = datetime.date(2026, 11, 22)  # the date of the conclusion (a date or "YYYY-MM-DD")""")
analysis_params.metadata["tags"] = ["parameters"]

save(
    "templates/analysis.ipynb",
    [
        md("""# Analyze an A/B test per segment, conclude it, keep what you learned

Never trust the average alone: this notebook reads one row per user, checks the sample
ratio, estimates each variant's effect on each metric in every segment and overall, and
lists what the average may hide. Then it judges the hypothesis against **its own
criteria, as recorded in the registry**, drafts the learning, and saves both once you
confirm.

1. Create it from your project's folder, where your data and registry are:
   `hypokit new analysis NAME -p data_path=data/test.csv -p registry_path=records -p
   hypothesis_id=ID`. Relative paths mean what they meant there.
2. Run all cells. The first one checks every parameter: a wrong one stops there, with
   one line naming it and what it accepts.
3. Check the metrics the picker chose from your columns; review the verdicts and the
   drafted learning; press **Save the conclusion**.

- Proportions: z-test as R's `prop.test(correct = FALSE)`; means: Welch's t-test with
  CUPED when a covariate is given; ratios: the delta method.
- `correction` controls the false-positive rate over every (segment, metric, variant)."""),
        analysis_params,
        code("""import hypokit as hk
from hypokit._notebook import check_parameters

checked = check_parameters("analysis", globals())
data, registry, hypothesis = checked.data, checked.registry, checked.hypothesis
as_of = checked.values["as_of"]
checked"""),
        md("""## The metrics

One row per column of the data: analyse it as a proportion (0/1 values), a mean (with
CUPED on a pre-experiment column) or a ratio (its sum over another column's), or not
at all. The picks start from the parameters; after changing them, run the cells below
again. The parameters they amount to are shown under the rows."""),
        code("""from hypokit.widgets import MetricPicker

segment_columns = [segments] if isinstance(segments, str) else list(segments or [])
picker = MetricPicker(
    checked.sample,
    proportion=checked.metrics["proportion"],
    mean=checked.metrics["mean"],
    ratio=checked.metrics["ratio"],
    exclude=[variant_column, *segment_columns],
)
picker"""),
        code("""result = hk.analyze(
    data,
    variant=variant_column,
    control=control,
    metrics=picker.metrics(),
    segments=segments,
    alpha=alpha,
    correction=correction,
)"""),
        md("## Sample ratio: is the split what was planned?"),
        code("result.srm"),
        md("## Effects per segment and overall"),
        code("result"),
        md("## What the average may hide"),
        code('for finding in result.warnings:\n    print(f"[{finding.kind}] {finding.message}")'),
        code("result.plot();"),
        md("""## Explore one metric and segment at a time

Pick a metric, a segment and a variant: the forest plot, the rows and the findings that
name them follow."""),
        code("""from hypokit.widgets import ResultsExplorer

ResultsExplorer(result)"""),
        md("## In one paragraph"),
        code("print(result.summary())"),
        md("""## Verdicts against the hypothesis's own criteria

The criteria are the hypothesis's, as the registry holds them (edit them there, with the
hypothesis template, and this notebook follows); without a registry, those of the
parameters. A success criterion is met when the effect is significant and reaches its
`min_effect`; a guardrail is met when the interval rules out a harm of its `margin` or
more."""),
        code("""print(hypothesis.statement)
verdicts = result.verdict(hypothesis.criteria_for_analysis())
verdicts.by_segment()"""),
        code("verdicts"),
        md("""## Conclude, and keep what you learned

The panel concludes the hypothesis on this analysis (`registry.conclude`): the verdict
per segment, the outcome, and a drafted learning that expires like any A/B-test
learning. Say in the learning what we now believe, then press **Save the conclusion**:
the learning, the experiment and the hypothesis are written to the registry in one go
(`registry.save_conclusion`), and nothing before. A hypothesis that is still an idea or
planned is started first, on the day its experiment went live."""),
        code("""from hypokit.widgets import ConcludePanel

conclude = ConcludePanel(registry, hypothesis.id, result, as_of=as_of, registry_path=registry_path)
conclude"""),
        md("""## What next

- **Key result**: once saved, the panel records the key result's progress from this
  analysis for the segment you ship to (`registry.record_progress`).
- **Learning**: it expires; the learning-review template lists it when it is due
  (`hypokit new learning-review review -p registry_path=records`).
- **The loop**: `hypokit status` (or the okr-review template) shows every hypothesis by
  stage and what to do next."""),
    ],
)

monitor_params = code("""# Parameters: edit these, then run all cells.
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
as_of = datetime.date(2026, 11, 8)  # the day of this look (a date or "YYYY-MM-DD")""")
monitor_params.metadata["tags"] = ["parameters"]

save(
    "templates/monitor.ipynb",
    [
        md("""# Monitor a running experiment per segment: keep running, stop, or analyse

While the experiment runs, look as often as you like: the intervals here stay valid
however often they are read (confidence sequences), so looking every day does not
fool you. Per segment, in order of urgency, the notebook says:

- **stop: sample ratio mismatch**: the split of units differs from the plan; fix
  assignment or logging first;
- **stop for harm**: a guardrail of the hypothesis is breached;
- **ready to analyse**: every arm has the units the plan asked for;
- **keep running**, with the day the traffic so far reaches the plan.

The plan comes from the experiment in the registry, the guardrails from its hypothesis.
Create it from your project's folder: `hypokit new monitor NAME -p data_path=data/test.csv
-p registry_path=records -p experiment_id=ID`, then run all cells."""),
        monitor_params,
        code("""import hypokit as hk
from hypokit._notebook import check_parameters

checked = check_parameters("monitor", globals())
registry, experiment, hypothesis = checked.registry, checked.experiment, checked.hypothesis
as_of = checked.values["as_of"]
checked"""),
        md("## The look"),
        code("""from hypokit._notebook import guardrails_of, metrics_of

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
report"""),
        md("## The decision per segment, and why"),
        code("""for row in report.rows:
    print(f"{row['segment']} ({row['variant']}): {row['decision']}: {row['reason']}")"""),
        md("## What to do next"),
        code("""from IPython.display import Markdown

from hypokit._notebook import analysis_command, monitor_next

command = analysis_command(checked)  # writes the analysis notebook of this experiment
Markdown(monitor_next(report, analysis_command=command, hypothesis=hypothesis.id))"""),
        md("## What the data says so far"),
        code('for finding in report.warnings:\n    print(f"[{finding.kind}] {finding.message}")'),
    ],
)

save(
    "notebooks/analysis-checkout.ipynb",
    [
        md("""# Worked example: analysing the express-pay experiment per segment

**Hypothesis:** if we add express pay to the cart, checkout conversion will rise by 10%
within 7 days for new and returning customers, without hurting business buyers.

The experiment ran for three weeks. We analyse it per segment, with CUPED on revenue,
and judge each segment against its own criteria, because the average can hide a segment
that got worse."""),
        code("""import hypokit as hk
from hypokit.datasets import checkout_experiment, checkout_history

data = checkout_experiment()
data.head()"""),
        md(
            "The plan sized before the test (from two weeks of history) tells the analysis "
            "how many users each segment needed."
        ),
        code("""plan = hk.size(
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
result.srm"""),
        code("""# NBVAL_CHECK_OUTPUT
columns = ["segment", "metric", "lift", "lift_ci_low", "lift_ci_high", "p_adjusted", "significant"]
result.to_pandas()[columns].round(4)"""),
        md("""Overall, conversion barely moved. Per segment the picture is different: new customers
convert more, business buyers less. The findings say so in plain words:"""),
        code('for finding in result.warnings:\n    print(f"[{finding.kind}] {finding.message}")'),
        code("result.plot();"),
        md("""## Verdicts against each segment's own criteria

New and returning customers must convert at least 10% better; business buyers have a
guardrail: their conversion may not drop by more than 5%."""),
        code("""# NBVAL_CHECK_OUTPUT
verdicts = result.verdict(
    {
        "new": [hk.Criterion("converted", min_effect=0.10)],
        "returning": [hk.Criterion("converted", min_effect=0.10)],
        "business": [hk.Criterion("converted", margin=0.05)],
    }
)
verdicts.by_segment()"""),
        code("verdicts"),
        code("print(result.summary())"),
        md("""## A metric that can be negative

Suppose each order in the test also cost a 12 EUR voucher: net revenue per user is
revenue minus 12, and the control's average is negative. hypokit's relative lift is
`effect / |control mean|`, so its sign is always the effect's: a drop reads as a
negative lift, whatever the sign of the baseline. (Dividing by the signed control mean,
as `variant / control - 1` does, would print this drop as a gain.)"""),
        code("""# NBVAL_CHECK_OUTPUT
net = hk.analyze(
    data.assign(net_revenue=data["revenue"] - 12.0),
    variant="variant",
    control="control",
    metrics=[hk.Mean("net_revenue", covariate="pre_revenue")],
)
columns = ["control_mean", "effect", "lift", "lift_ci_low", "lift_ci_high", "significant"]
net.to_pandas()[columns].round(4)"""),
        md("""A success criterion reads the same lift: asking for +5% net revenue, the test says
"not met", because the effect went the wrong way. When a control mean is too close to 0
for a relative lift to mean anything, the interval is unbounded, a finding says so, and
a relative criterion is left inconclusive: state it in the metric's units instead
(`relative=False`)."""),
        code("""# NBVAL_CHECK_OUTPUT
net.verdict([hk.Criterion("net_revenue", min_effect=0.05)]).to_pandas()[
    ["criterion", "estimate", "verdict", "reason"]
]"""),
        md("""## Conclude the hypothesis and record the learning

In a temporary registry: the hypothesis, running, with the same criteria (business
buyers come second: their guardrail can invalidate it, not validate it), concluded on
the analysis. The drafted learning is recorded with its expiry date."""),
        code("""import datetime
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
print(learning.learned)"""),
        code("""# NBVAL_CHECK_OUTPUT
recorded = registry.get(learning.id, hk.Learning)
print("hypothesis:", registry.get("express-pay", hk.Hypothesis).status)
for segment, verdict in concluded.verdicts.items():
    print(f"  {segment}: {verdict}")
print(f"learning {recorded.id} ({recorded.decision})")
print(f"recorded {recorded.recorded}, expires {recorded.expires}")"""),
    ],
)

save(
    "notebooks/sizing-checkout.ipynb",
    [
        md("""# Worked example: sizing a checkout experiment per segment

**Objective:** make checkout so good that more customers complete their purchase.
**Key result:** checkout conversion. **Hypothesis:** if we add express pay to the cart,
checkout conversion will rise by 10% within 7 days, for new, returning and business
customers alike.

The three segments differ in baseline conversion and in traffic, so one sample size for
all of them would leave some underpowered. This notebook sizes the test per segment
from two weeks of history shipped with hypokit."""),
        code("""import hypokit as hk
from hypokit.datasets import checkout_history

history = checkout_history()
history.head()"""),
        md("## Baselines and traffic per segment, from history"),
        code("""conversion = hk.Proportion("converted")
hk.baselines(history, conversion, segments="segment", date="date")"""),
        md("""## Size for +10% relative conversion in every segment

Holm shares alpha across the three segment tests; durations round up to whole weeks."""),
        code("""plan = hk.size(
    conversion,
    mde=0.10,
    relative=True,
    correction="holm",
    whole_weeks=True,
    data=history,
    segments="segment",
    date="date",
)
plan"""),
        code("""# NBVAL_CHECK_OUTPUT
plan.to_pandas()[["segment", "n_per_arm", "n_total", "days"]]"""),
        code("plan.plot();"),
        md("""New customers convert least, so they need the most users even though they bring the
most traffic. A 7-day test, as the hypothesis hopes, detects much less than it needs:
what can each segment detect in one week?"""),
        code("""week = {}
for row in plan.rows:
    n_per_arm = row.traffic * 7 / 2
    metric = hk.Proportion(baseline=row.baseline)
    week[row.segment] = hk.mde(metric, n_per_arm=n_per_arm, relative=True, alpha=row.alpha)
{segment: f"{lift:+.1%}" for segment, lift in week.items()}"""),
        md("""## Revenue per user, with and without CUPED

Pre-period revenue explains part of each user's revenue. CUPED removes that variance,
which shortens the test by the `variance_reduction` shown."""),
        code("""kwargs = dict(
    mde=0.10, relative=True, correction="holm", data=history, segments="segment", date="date"
)
plain = hk.size(hk.Mean("revenue"), **kwargs)
cuped = hk.size(hk.Mean("revenue", covariate="pre_revenue"), **kwargs)
comparison = plain.to_pandas()[["segment", "n_per_arm", "days"]].merge(
    cuped.to_pandas()[["segment", "variance_reduction", "n_per_arm", "days"]],
    on="segment",
    suffixes=("_plain", "_cuped"),
)
comparison"""),
        md("""## Two variants against control

Testing two designs of express pay makes four more comparisons; Holm now shares alpha
over six tests, and each variant arm needs its own users."""),
        code("""three_arms = hk.size(
    conversion, mde=0.10, relative=True, arms=3, correction="holm", whole_weeks=True,
    data=history, segments="segment", date="date",
)
three_arms.to_pandas()[["segment", "alpha", "n_per_arm", "n_total", "days"]]"""),
    ],
)

# ------------------------------------------------------------------ record templates
# Example records for the templates' temporary registry (registry_path = None): the
# video platform of notebooks/video-uploads.ipynb, so the templates run in CI without
# touching a real registry.
EXAMPLE_OKR = """objective = hk.Objective(
    id="creators-publish",
    title="Creators publish what they upload",
    start=datetime.date(2026, 10, 1),
    end=datetime.date(2027, 3, 31),
)
key_result = hk.KeyResult(
    id="kr-published",
    objective="creators-publish",
    title="Uploads published within a day from 38% to 45%",
    metric="published",
    baseline=0.38,
    target=0.45,
    deadline=datetime.date(2027, 3, 31),
)"""

hypothesis_params = code("""# Parameters: edit these, then run all cells.
import datetime

registry_path = None  # your registry folder; None: a temporary one with example records
as_of = datetime.date(2026, 11, 22)  # the date to check on (a date or "YYYY-MM-DD")
rank_by = "ice"  # "ice", "rice" or "evi"
save = True  # save the objective, key result and hypotheses to the registry""")
hypothesis_params.metadata["tags"] = ["parameters"]

save(
    "templates/hypothesis.ipynb",
    [
        md("""# Write and rank hypotheses for a key result

A hypothesis names a change, the metric it should move, by how much, within how long,
and **for whom**: each segment gets its own success criterion or guardrail, because the
same change can help one segment and hurt another. This notebook writes an objective,
a key result and the hypotheses that could move it, prints each as a sentence, and ranks
them.

1. Set the **parameters** (`registry_path = None` works in a temporary folder with
   example records; point it at your registry to keep what you write).
2. Edit the objective, key result and hypotheses below.
3. Run all cells, then read the statements aloud: if one sounds vague, make it precise."""),
        hypothesis_params,
        code("""import datetime
import tempfile

import hypokit as hk

as_of = datetime.date.fromisoformat(str(as_of))
example = registry_path is None
registry = hk.Registry(tempfile.mkdtemp(prefix="hypokit-") if example else registry_path)
if example:
    # A learning the hypotheses below build on.
    registry.save(
        hk.Learning(
            id="pros-wait-for-hd",
            believed="creators publish as soon as a video is playable",
            observed="82% of professional uploads are published after the HD rendition",
            learned="professional creators wait for full quality before publishing",
            decision="pivot",
            evidence=[hk.Evidence(kind="analytics", sample_size=4100, segment="professional")],
            segments=["professional"],
            recorded=datetime.date(2026, 10, 12),
        )
    )
len(registry)"""),
        md("""## The objective and the key result it is measured by

Saved first, so that the form below offers them."""),
        code(
            EXAMPLE_OKR
            + """
if save:
    registry.save(objective)
    registry.save(key_result)"""
        ),
        md("""## Fill it in with the form

Fill in the fields and press **Save**: the hypothesis is written to the registry as a
YAML file, and each field that is missing or wrong says so beside it. The sentence under
*Statement* is how the hypothesis will read. To edit a hypothesis, pick it and press
**Load**; **Reload** reads the registry again after another notebook changed it.

Under *Lifecycle*, a saved hypothesis shows its status and what it means, and moves on:
pick a move and its date, and press **Move**. *Planned* once it is sized and scheduled
(the sizing template's **Record the plan** does it too), *running* when the experiment
goes live: its planned experiment starts with it. Concluding it is the analysis's job.

Analysts can skip the form: the cells below do the same in code."""),
        code("""from hypokit.widgets import HypothesisForm

form = HypothesisForm(registry, as_of=as_of)
form"""),
        md("""## Hypotheses

Give each hypothesis its segments' criteria (`hk.SegmentCriteria`): `min_effect` is the
smallest lift that counts as success there; a `hk.Guardrail` is the largest harm a
segment may suffer. Score them with ICE (1-10 each), RICE or EVI to rank them."""),
        code("""hypotheses = [
    hk.Hypothesis(
        id="notify-ready",
        change="notify uploaders as soon as their video is playable",
        metric="published",
        outcome="the share of uploads published within a day",
        expected_effect=0.10,
        time_frame_days=14,
        audience="uploaders",
        key_result="kr-published",
        because="casual uploaders forget to come back to publish",
        criteria=[
            hk.SegmentCriteria(segment="casual", min_effect=0.05),
            hk.SegmentCriteria(
                segment="professional",
                min_effect=None,
                priority=2,
                guardrails=[hk.Guardrail(metric="published", margin=0.02)],
            ),
        ],
        ice=hk.ICE(impact=6, confidence=7, ease=9),
    ),
    hk.Hypothesis(
        id="notify-hd-ready",
        change="notify professional creators when the HD rendition has passed its checks",
        metric="published",
        outcome="the share of uploads published within a day",
        expected_effect=0.08,
        time_frame_days=14,
        audience="creators",
        key_result="kr-published",
        because="professional creators wait for full quality before publishing",
        learnings=["pros-wait-for-hd"],
        criteria=[hk.SegmentCriteria(segment="professional", min_effect=0.04)],
        ice=hk.ICE(impact=5, confidence=8, ease=6),
    ),
    hk.Hypothesis(
        id="publish-from-notification",
        change="let casual uploaders publish straight from the notification",
        metric="published",
        outcome="the share of uploads published within a day",
        expected_effect=0.15,
        time_frame_days=21,
        audience="uploaders",
        key_result="kr-published",
        criteria=[hk.SegmentCriteria(segment="casual", min_effect=0.05)],
        ice=hk.ICE(impact=8, confidence=4, ease=4),
    ),
]
for h in hypotheses:
    print(f"{h.id}: {h.statement}")"""),
        md("## Rank them"),
        code("hk.prioritize(hypotheses, by=rank_by)"),
        md("""## Save them and check the registry

`registry.check` warns, for example, when a hypothesis cites a learning that has expired
or links to a record that does not exist."""),
        code("""if save:
    for record in hypotheses:
        registry.save(record)
for finding in registry.check(as_of=as_of):
    print(f"[{finding.kind}] {finding.message}")
registry.hypotheses()[["id", "status", "key_result", "segments", "expected_effect", "ice"]]"""),
        md("""## What next

- Size the top hypothesis per segment and record the plan on it (`hypokit new sizing
  NAME -p registry_path=DIR -p hypothesis_id=ID`): each segment needs enough users for
  its own criterion, and **Record the plan** makes the hypothesis *planned*.
- Start it when the experiment goes live: **Move** in the form above, or in code
  `registry.move(ID, "running", as_of=...)` (every step dated in its history; its
  planned experiment starts with it), or `hypokit hypotheses start ID`.
- See the whole loop, with the next action for each hypothesis: `hypokit new status
  NAME -p registry_path=DIR`, or `hypokit status`."""),
    ],
)

STATUS_RECORDS = """if example:
    registry.save(
        hk.Objective(
            id="creators-publish",
            title="Creators publish what they upload",
            start=datetime.date(2026, 10, 1),
            end=datetime.date(2027, 3, 31),
        )
    )
    registry.save(
        hk.KeyResult(
            id="kr-published",
            objective="creators-publish",
            title="Uploads published within a day from 38% to 45%",
            metric="published",
            baseline=0.38,
            target=0.45,
            deadline=datetime.date(2027, 3, 31),
        )
    )
    common = dict(
        metric="published",
        time_frame_days=14,
        audience="uploaders",
        key_result="kr-published",
        criteria=[hk.SegmentCriteria(segment="casual", min_effect=0.05)],
    )
    for hid, change, effect in [
        ("notify-ready", "notify uploaders as soon as their video is playable", 0.10),
        ("publish-from-notification", "let casual uploaders publish from the notice", 0.15),
        ("draft-reminder", "remind uploaders of drafts older than a day", 0.05),
    ]:
        registry.save(hk.Hypothesis(id=hid, change=change, expected_effect=effect, **common))
    sized = hk.size(
        hk.Proportion(baseline={"casual": 0.38}),
        mde=0.03,
        traffic={"casual": 600},
        whole_weeks=True,
    )
    # Sized and recorded (planned), then started on the day it went live (running).
    registry.record_plan(
        "notify-ready",
        sized,
        as_of=datetime.date(2026, 11, 2),
        start=datetime.date(2026, 11, 9),
        data_source="warehouse.uploads",
    )
    registry.move("notify-ready", "running", as_of=datetime.date(2026, 11, 9))
    # Sized and recorded: planned, to start.
    registry.record_plan("publish-from-notification", sized, as_of=datetime.date(2026, 11, 16))
    # Concluded a year ago; its learning has expired.
    registry.save(
        hk.Hypothesis(
            id="upload-email",
            change="email uploaders when processing ends",
            expected_effect=0.05,
            status="invalidated",
            verdicts={"casual": "not met"},
            concluded=datetime.date(2025, 11, 3),
            **common,
        )
    )
    registry.save(
        hk.Learning(
            id="upload-email-ignored",
            believed="an email when processing ends brings uploaders back",
            observed="the email changed publishing by +0.4% (CI -1.1% to +1.9%)",
            learned="an email does not bring uploaders back to publish",
            decision="retire",
            evidence=[hk.Evidence(kind="ab_test", sample_size=18000, effect=0.004)],
            hypothesis="upload-email",
            recorded=datetime.date(2025, 11, 3),
        )
    )"""

status_params = code("""# Parameters: edit these, then run all cells.
import datetime

registry_path = None  # your registry folder; None: a temporary one with example records
as_of = datetime.date(2026, 11, 22)  # the day to read the board on (a date or "YYYY-MM-DD")
due_within = 30  # days: learnings expiring this soon are due for review""")
status_params.metadata["tags"] = ["parameters"]

save(
    "templates/status.ipynb",
    [
        md("""# The whole loop on one page

Every hypothesis by stage (idea, planned, running, concluded) under the key result it
serves, and what to do next for each: size it, plan it, start it, monitor it, analyse
it, review its learning. Open it every morning.

1. Set the **parameters** (`registry_path = None` works in a temporary folder with
   example records).
2. Run all cells, then press the buttons on the board: **Plan it** and **Start it** move
   a hypothesis (dated with the board's date), **Size it** opens a sizing panel that
   records the plan on it, **Review its learning** opens the review queue. Monitoring
   and analysing happen in their own notebooks: the board gives the exact
   `hypokit new` command."""),
        status_params,
        code(f"""import datetime
import tempfile

import hypokit as hk

from hypokit._notebook import check_parameters

checked = check_parameters("status", globals())  # stops in one line on a wrong parameter
print(checked)
as_of = checked.values["as_of"]
example = checked.registry is None
registry = hk.Registry(tempfile.mkdtemp(prefix="hypokit-")) if example else checked.registry
{STATUS_RECORDS}
len(registry)"""),
        md("""## The board

Each card is a hypothesis: its status, its experiment or learning, and its next action.
The board reads the registry again after every action and on **Reload**."""),
        code("""from hypokit.widgets import Board

Board(registry, as_of=as_of, due_within=due_within)"""),
        md("""## The same in code

`registry.status(as_of=...)` is the board as a table (`hypokit status` prints it). The
buttons call `registry.move(ID, "planned" or "running", as_of=...)` and
`registry.record_plan(ID, plan, as_of=..., start=...)`."""),
        code("""registry.status(as_of=as_of)"""),
        md("""## Checks

Findings such as a running experiment past its planned end, or a hypothesis citing an
expired learning:"""),
        code("""for finding in registry.check(as_of=as_of):
    print(f"[{finding.kind}] {finding.message}")"""),
    ],
)

review_params = code("""# Parameters: edit these, then run all cells.
import datetime

registry_path = None  # your registry folder; None: a temporary one with example records
as_of = datetime.date(2026, 11, 22)  # the date to review on (a date or "YYYY-MM-DD")
due_within = 30  # days: learnings expiring this soon are due for review
renew = {"pros-wait-for-hd": datetime.date(2027, 5, 31)}  # learning id: valid until
retire = []  # ids of learnings that no longer hold""")
review_params.metadata["tags"] = ["parameters"]

EXAMPLE_LEARNINGS = """if example:
    registry.save(
        hk.Learning(
            id="upload-email-ignored",
            title="Upload emails are ignored",
            believed="an email when processing ends brings uploaders back",
            observed="the 'video processed' email changed publishing by +0.4% (CI -1.1% to +1.9%)",
            learned="an email does not bring uploaders back to publish",
            decision="retire",
            evidence=[hk.Evidence(kind="ab_test", sample_size=18000, effect=0.004)],
            recorded=datetime.date(2025, 11, 3),
        )
    )
    registry.save(
        hk.Learning(
            id="pros-wait-for-hd",
            believed="creators publish as soon as a video is playable",
            observed="82% of professional uploads are published after the HD rendition",
            learned="professional creators wait for full quality before publishing",
            decision="pivot",
            evidence=[hk.Evidence(kind="analytics", sample_size=4100, segment="professional")],
            segments=["professional"],
            recorded=datetime.date(2026, 8, 10),
        )
    )
    registry.save(
        hk.Learning(
            id="casual-mobile",
            believed="casual uploaders upload from a desktop",
            observed="71% of casual uploads come from the mobile app",
            learned="casual uploaders live in the mobile app",
            decision="persevere",
            evidence=[hk.Evidence(kind="analytics", sample_size=52000, segment="casual")],
            segments=["casual"],
            recorded=datetime.date(2026, 11, 2),
        )
    )
    registry.save(
        hk.Hypothesis(
            id="push-processed",
            change="send a push notification when processing ends",
            metric="published",
            expected_effect=0.05,
            time_frame_days=14,
            audience="uploaders",
            because="the email failed because nobody reads it",
            learnings=["upload-email-ignored"],
            status="planned",
        )
    )"""

save(
    "templates/learning-review.ipynb",
    [
        md("""# Review learnings that have expired or are due

A learning has a shelf life: what held a year ago may not hold now. This notebook lists
the learnings that need attention on `as_of`, the hypotheses that still rest on them,
and renews or retires them.

1. Set the **parameters** (`registry_path = None` works in a temporary folder with
   example records).
2. Run all cells; read the table and the findings.
3. For each learning, decide: **renew** it (checked again, still true: `renew`),
   **retire** it (no longer true: `retire`), or **supersede** it with a new learning
   after a new test. Then run the notebook again."""),
        review_params,
        code(f"""import tempfile

import hypokit as hk
from hypokit._notebook import check_parameters

checked = check_parameters("learning-review", globals())
as_of = checked.values["as_of"]
example = checked.registry is None
registry = hk.Registry(tempfile.mkdtemp(prefix="hypokit-")) if example else checked.registry
{EXAMPLE_LEARNINGS}
print(checked)
len(registry)"""),
        md("## Expired, and due for review within `due_within` days"),
        code("""due = registry.learnings(expired=True, due_within=due_within, as_of=as_of)
due[["id", "status", "expires", "days_left", "decision", "evidence", "learned"]]"""),
        md("""## What rests on them

`registry.check` names the open hypotheses that cite an expired, retired or superseded
learning: re-test before you build on them."""),
        code("""findings = registry.check(as_of=as_of)
for finding in findings:
    print(f"[{finding.kind}] {finding.message}")"""),
        md("""## Review with the queue

Each learning that has expired or is due has three actions: **Renew** (checked again and
still true, valid until the date picked), **Retire** (no longer true; the record stays)
and **Re-test** (a hypothesis form that cites it). The registry's files change at once;
the cells below do the same in code."""),
        code("""from hypokit.widgets import LearningForm, ReviewQueue

ReviewQueue(registry, as_of=as_of, due_within=due_within)"""),
        md("""## Renew or retire

Renew only what you have checked again (a new test, fresh analytics, a recent survey):
`registry.renew(id, until, as_of=as_of)` records when it was checked and keeps it valid
until `until`. Retire what no longer holds: `registry.retire(id, as_of=as_of)` keeps the
record (never delete a learning). When a new test replaces a learning, save the new
learning and `registry.save(old.supersede(new.id))`."""),
        code("""for learning_id, until in renew.items():
    if learning_id in registry:
        renewed = registry.renew(learning_id, datetime.date.fromisoformat(str(until)), as_of=as_of)
        print(f"renewed {renewed.id} until {renewed.expires}")
for learning_id in retire:
    registry.retire(learning_id, as_of=as_of)
    print(f"retired {learning_id}")
registry.learnings(as_of=as_of)[["id", "status", "expires", "days_left"]]"""),
        md("""## Record a new learning

What we believed, observed and learned, and what we decided. The expiry follows the
shelf life of the evidence (180 days for an A/B test) until you pick a date yourself."""),
        code("LearningForm(registry, as_of=as_of)"),
        md("""## What next

- For an expired learning that an open hypothesis cites, size a new test
  (`hypokit new sizing NAME`) rather than renewing it on faith.
- Run `hypokit check` in CI: it exits 1 when a hypothesis rests on an expired learning.
- Learnings come from concluded tests: the analysis template concludes a hypothesis and
  saves its learning; this review comes back to it when it is due.

Every hypothesis of the registry, where it stands, and the command (in your project's
folder) that writes the notebook of its next step:"""),
        code("""from hypokit._notebook import next_steps

next_steps(registry, as_of=as_of, registry_path=registry_path)"""),
    ],
)

okr_params = code("""# Parameters: edit these, then run all cells.
import datetime

registry_path = None  # your registry folder; None: a temporary one with example records
as_of = datetime.date(2026, 11, 22)  # the date to review on (a date or "YYYY-MM-DD")
objective = None  # one objective's id, or None for all
current = {}  # key result id: its latest measured value, recorded in the registry on as_of
source = "okr review"  # where the values in `current` were read (a dashboard, a query)
include_closed = False  # show concluded hypotheses in the impact map too""")
okr_params.metadata["tags"] = ["parameters"]

EXAMPLE_OKR_RECORDS = """if example:
    registry.save(
        hk.Objective(
            id="creators-publish",
            title="Creators publish what they upload",
            start=datetime.date(2026, 10, 1),
            end=datetime.date(2027, 3, 31),
        )
    )
    registry.save(
        hk.KeyResult(
            id="kr-published",
            objective="creators-publish",
            title="Uploads published within a day from 38% to 45%",
            metric="published",
            baseline=0.38,
            target=0.45,
            deadline=datetime.date(2027, 3, 31),
        )
    )
    registry.save(
        hk.KeyResult(
            id="kr-pro-weekly",
            objective="creators-publish",
            title="Professional creators publishing weekly from 1,200 to 1,800",
            metric="weekly_publishers",
            baseline=1200,
            target=1800,
            deadline=datetime.date(2027, 3, 31),
            segment="professional",
        )
    )
    common = dict(metric="published", time_frame_days=14, audience="uploaders")
    registry.save(
        hk.Hypothesis(
            id="notify-ready",
            change="notify uploaders as soon as their video is playable",
            expected_effect=0.10,
            key_result="kr-published",
            criteria=[hk.SegmentCriteria(segment="casual", min_effect=0.05)],
            status="validated",
            verdicts={"casual": "met"},
            concluded=datetime.date(2026, 11, 16),
            **common,
        )
    )
    registry.save(
        hk.Hypothesis(
            id="notify-hd-ready",
            change="notify professional creators when the HD rendition has passed its checks",
            expected_effect=0.08,
            key_result="kr-pro-weekly",
            criteria=[hk.SegmentCriteria(segment="professional", min_effect=0.04)],
            status="planned",
            **common,
        )
    )
    registry.save(
        hk.Hypothesis(
            id="publish-from-notification",
            change="let casual uploaders publish straight from the notification",
            expected_effect=0.15,
            key_result="kr-published",
            criteria=[hk.SegmentCriteria(segment="casual", min_effect=0.05)],
            **common,
        )
    )
    # Progress so far. Read by hand from a dashboard:
    registry.record_progress(
        "kr-pro-weekly", 1450, as_of=datetime.date(2026, 11, 16), source="creator dashboard"
    )
    # Estimated from the analysis of notify-ready, shipped to casual uploaders only: their
    # effect counts in proportion to their share of the uploaders (see below).
    from hypokit.datasets import video_uploads

    notify_ready = hk.analyze(
        video_uploads(),
        variant="variant",
        control="control",
        segments="segment",
        metrics=[hk.Proportion("published")],
    )
    registry.record_progress(
        "kr-published",
        notify_ready,
        as_of=datetime.date(2026, 11, 16),
        segment="casual",
        source="notify-ready, shipped to casual uploaders",
    )"""

save(
    "templates/okr-review.ipynb",
    [
        md("""# Review objectives, key results and the hypotheses behind them

An objective is reached through its key results, and a key result moves only through the
changes we ship. This notebook shows how far each key result has come, which hypotheses
serve it (and which are running), and the impact map from objective to change.

1. Set the **parameters**: `current` holds the key results' latest measured values, to
   record in the registry on `as_of` (leave it empty to review only; `registry_path =
   None` works in a temporary folder with example records).
2. Run all cells. A key result with no running hypothesis and little progress needs new
   ideas (`hypokit new hypothesis NAME`)."""),
        okr_params,
        code(f"""import tempfile

import hypokit as hk
from hypokit._notebook import check_parameters

checked = check_parameters("okr-review", globals())
as_of = checked.values["as_of"]
example = checked.registry is None
registry = hk.Registry(tempfile.mkdtemp(prefix="hypokit-")) if example else checked.registry
{EXAMPLE_OKR_RECORDS}
print(checked)
len(registry)"""),
        md("""## Record progress

Each key result keeps its latest value in the registry (`current`, with the date it was
`measured` and its `source`), so the review, `hypokit okr` and the impact map read the
same numbers. Record a value read by hand:

```python
registry.record_progress("kr-published", 0.405, as_of=as_of, source="publishing dashboard")
```

or estimate it from an analysis of a change you ship:

```python
registry.record_progress("kr-published", result, as_of=as_of, segment="casual",
                         source="notify-ready")
```

From an analysis, the value is the baseline moved by the effect of shipping the variant
(in the metric's units). Shipped to one segment, a key result about everyone moves by
that segment's share of the units times the segment's effect: the example's casual
uploaders are 87% of the uploaders, so their +4.2 points count as +3.6. The cell below
records the values in `current`."""),
        code("""for kr_id, value in current.items():
    registry.record_progress(kr_id, value, as_of=as_of, source=source)"""),
        md("""## Key-result progress

`progress` is the share of the way from baseline to target (0 at the baseline, 1 at the
target, empty until a value is recorded); `measured` and `source` say when and where
the value was read; `days_left` counts to the deadline."""),
        code("""okr = registry.okr()
if objective is not None:
    okr = okr[okr["objective"] == objective].copy()
okr["days_left"] = [None if d is None else (d - as_of).days for d in okr["deadline"]]
okr[["objective", "key_result", "title", "baseline", "target", "current", "progress",
     "measured", "source", "days_left", "hypotheses", "running"]]"""),
        md("## The hypotheses behind each key result"),
        code("""table = registry.hypotheses()
if objective is not None:
    table = table[table["key_result"].isin(okr["key_result"])]
table[["key_result", "id", "status", "segments", "expected_effect", "statement"]]"""),
        md("""## The impact map

Objective → key result → the segments each hypothesis is for → the change; under each
objective, its measured key results and their progress. It renders as a Mermaid diagram
in JupyterLab and on GitHub; `to_text()` prints it as a tree."""),
        code("""impact = registry.impact_map(objective, include_closed=include_closed)
impact"""),
        code("print(impact.to_text())"),
        md("""## Checks

Findings such as a running experiment past its planned end, or a hypothesis citing an
expired learning:"""),
        code("""for finding in registry.check(as_of=as_of):
    print(f"[{finding.kind}] {finding.message}")"""),
        md("""## What next

A key result moves when a hypothesis behind it is tested and shipped. For each
hypothesis, where it stands and the command (run in your project's folder) that writes
the notebook of its next step: `sizing` to plan a test, `monitor` while it runs,
`analysis` to conclude it and record the key result's progress, `learning-review` when
its learning is due. A key result with no running hypothesis needs new ideas: `hypokit
new hypothesis NAME -p registry_path=records`."""),
        code("""from hypokit._notebook import next_steps

next_steps(registry, as_of=as_of, registry_path=registry_path)"""),
    ],
)

# ------------------------------------------------------------------ worked examples
save(
    "notebooks/video-uploads.ipynb",
    [
        md("""# Worked example: same outcome, different segments

A video platform wants uploads to be **published**: too many videos are uploaded, left
processing, and forgotten. Two segments share this problem:

- **casual uploaders** (most of the traffic) upload from their phone and forget to come
  back once the video is processed;
- **professional creators** (few, but most of the watch time) come back only when the
  full-quality rendition has passed its checks, because they publish nothing less.

**Hypothesis:** if we notify uploaders as soon as their video is playable, the share of
uploads published within a day will rise by 10% for casual uploaders within 14 days,
without costing professional creators more than 2%.

Same outcome, different needs: the criteria differ per segment, so the test is sized
per segment and judged per segment."""),
        code("""import hypokit as hk
from hypokit.datasets import video_uploads

data = video_uploads()
data.head()"""),
        md("""## Size per segment

Each segment has its own baseline (the share published within a day) and its own daily
traffic. Professional creators are few, so they set the test's length."""),
        code("""plan = hk.size(
    hk.Proportion(baseline={"casual": 0.32, "professional": 0.68}),
    mde=0.10,
    relative=True,
    traffic={"casual": 900, "professional": 130},  # uploaders per day
    correction="holm",
    whole_weeks=True,
)
plan"""),
        code("""# NBVAL_CHECK_OUTPUT
plan.to_pandas()[["segment", "n_per_arm", "n_total", "days"]]"""),
        md("""Two weeks cover both segments. The test ran for 14 days with half of each day's
uploaders notified (`notify_ready`)."""),
        code("""result = hk.analyze(
    data,
    variant="variant",
    control="control",
    segments="segment",
    metrics=[hk.Proportion("published")],
    plan=plan,
)
result.srm"""),
        md("## Pooled, it looks fine"),
        code("""# NBVAL_CHECK_OUTPUT
columns = ["segment", "n_control", "n_variant", "control_mean", "variant_mean", "lift",
           "lift_ci_low", "lift_ci_high", "p_adjusted", "significant"]
result.to_pandas()[columns].round(4)"""),
        md("""Over all uploaders, publishing rose significantly. Per segment, casual uploaders
publish more, and professional creators publish **less**: a notification on the
low-resolution rendition pulls them back before their video is ready. The findings say
so:"""),
        code('for finding in result.warnings:\n    print(f"[{finding.kind}] {finding.message}")'),
        code("result.plot();"),
        md("""## Verdicts against each segment's own criteria

The hypothesis's criteria as records: a success criterion for casual uploaders, a
guardrail for professional creators. `criteria_for_analysis()` turns them into the
criteria `result.verdict` judges; the pooled row is judged too, to show what the average
alone would have said."""),
        code("""notify_ready = hk.Hypothesis(
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
criteria"""),
        code("""# NBVAL_CHECK_OUTPUT
verdicts = result.verdict(criteria)
verdicts.by_segment()"""),
        code("verdicts"),
        md("""The pooled verdict is *met*; the casual criterion of +10% is met; the professional
guardrail is **not met**. Shipping to everyone would have hurt the segment that matters
most for watch time.

## Different solutions for different segments

Ship the notification to casual uploaders only, and test a different change for
professional creators: notify them when the HD rendition has passed its checks. Their
traffic alone decides how long that test takes."""),
        code("""notify_hd = hk.Hypothesis(
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
pro_plan.to_pandas()[["segment", "n_per_arm", "n_total", "days"]]"""),
        md("""A +6% lift for professional creators needs five weeks of their traffic: the
hypothesis's 35 days are realistic. Had we sized for the pooled population, the casual
majority would have hidden both the harm and the time this segment needs."""),
    ],
)

save(
    "notebooks/retest-expired-learning.ipynb",
    [
        md("""# Worked example: re-testing a learning that has expired

In March 2025 an A/B test of express pay "didn't work": checkout conversion barely moved
overall, and the team recorded the learning and retired the idea. A/B-test learnings
keep for 180 days by default; since then, mobile wallets have spread. A new hypothesis
cites the old learning, and `registry.check` flags it: the learning it rests on has
expired.

This notebook works in a temporary registry: it records the old learning and the new
hypothesis, checks the registry, sizes and analyses a new test per segment, and
supersedes the old learning with the new one."""),
        code("""import datetime
import tempfile

import hypokit as hk
from hypokit.datasets import checkout_experiment, checkout_history

as_of = datetime.date(2026, 11, 22)
registry = hk.Registry(tempfile.mkdtemp(prefix="hypokit-"))"""),
        md("## The old learning, and a hypothesis that cites it"),
        code("""registry.save(
    hk.Learning(
        id="express-pay-2025",
        title="Express pay didn't work",
        believed="express pay in the cart lifts checkout conversion",
        observed="conversion moved +0.8% (CI -3.1% to +4.7%) over all customers",
        learned="express pay does not move checkout conversion",
        decision="retire",
        evidence=[
            hk.Evidence(kind="ab_test", sample_size=41000, effect=0.008, ci_low=-0.031,
                        ci_high=0.047, metric="converted")
        ],
        recorded=datetime.date(2025, 3, 10),
    )
)
registry.save(
    hk.Hypothesis(
        id="express-pay-again",
        change="add express pay to the cart",
        metric="converted",
        outcome="checkout conversion",
        expected_effect=0.10,
        time_frame_days=21,
        because="mobile wallets have spread since the 2025 test, which pooled all customers",
        learnings=["express-pay-2025"],
        criteria=[
            hk.SegmentCriteria(segment="new", min_effect=0.05),
            hk.SegmentCriteria(segment="returning", min_effect=0.0, priority=2),
            hk.SegmentCriteria(
                segment="business",
                min_effect=None,
                priority=3,
                guardrails=[hk.Guardrail(metric="converted", margin=0.05)],
            ),
        ],
        status="planned",
    )
)
print(registry.get("express-pay-again").statement)"""),
        md("## The check flags it"),
        code("""# NBVAL_CHECK_OUTPUT
expired = registry.learnings(expired=True, as_of=as_of)
expired[["id", "status", "expires", "days_left", "decision"]]"""),
        code("""# NBVAL_CHECK_OUTPUT
for finding in registry.check(as_of=as_of):
    print(f"[{finding.kind}] {finding.message}")"""),
        md("""Renewing the learning on faith would be wrong: nothing was checked again. We test
again, this time per segment.

## Size the new test per segment, from two weeks of history"""),
        code("""plan = hk.size(
    hk.Proportion("converted"),
    mde=0.10,
    relative=True,
    correction="holm",
    whole_weeks=True,
    data=checkout_history(),
    segments="segment",
    date="date",
)
plan.to_pandas()[["segment", "baseline", "traffic", "n_per_arm", "days"]]"""),
        md("""## Run it, then analyse it per segment

The test ran for three weeks (`checkout_experiment`, shipped with hypokit)."""),
        code("""hypothesis = registry.get("express-pay-again", hk.Hypothesis).transition("running")
registry.save(hypothesis)
result = hk.analyze(
    checkout_experiment(),
    variant="variant",
    control="control",
    segments="segment",
    metrics=[hk.Proportion("converted")],
    plan=plan,
)
for finding in result.warnings:
    print(f"[{finding.kind}] {finding.message}")"""),
        code("""# NBVAL_CHECK_OUTPUT
columns = ["segment", "lift", "lift_ci_low", "lift_ci_high", "p_adjusted", "significant"]
result.to_pandas()[columns].round(4)"""),
        md("""Overall, conversion again barely moved, as in 2025. Per segment, express pay lifts
new customers and costs business buyers.

## Conclude, and supersede the old learning"""),
        code("""concluded, learning, _ = registry.conclude(
    "express-pay-again", result, as_of=as_of
)
learning = learning.model_copy(
    update={
        "id": "express-pay-2026",
        "title": "Express pay works for new customers, not for business buyers",
        "contradicts": ("express-pay-2025",),
    }
)
print(concluded.status, concluded.verdicts)
print(learning.decision, "|", learning.learned)"""),
        code("""registry.save(concluded)
registry.save(learning)
registry.save(registry.get("express-pay-2025", hk.Learning).supersede(learning.id))"""),
        code("""# NBVAL_CHECK_OUTPUT
registry.learnings(as_of=as_of)[["id", "status", "expires", "decision"]]"""),
        code("""# NBVAL_CHECK_OUTPUT
registry.check(as_of=as_of)"""),
        md("""The old learning is kept, marked superseded; the new one expires in 180 days like any
A/B-test learning, and the check is clean. Next: a hypothesis for new customers only
(ship express pay to them), and one for business buyers that solves their real need
(invoices)."""),
    ],
)

save(
    "notebooks/contradicted-learning.ipynb",
    [
        md("""# Worked example: a learning the new evidence contradicts

In July 2026 an A/B test of **one-click reorder** lifted the reorder rate of returning
customers by 9%. The team recorded the learning, and another hypothesis now rests on
it: *remind returning customers to reorder, because one-click reorder made it easy*.

In November another team tests one-click reorder again, with the redesigned cart. This
time returning customers reorder **less**. The old learning is still in force, and the
reminders hypothesis still cites it: a decision built on it can no longer be trusted.

This notebook works in a temporary registry. It shows how concluding the new test finds
the contradiction, how saving the conclusion records it on both learnings, and how
`registry.check` names the hypothesis that rests on the contradicted learning (as
`hypokit check` does in CI, with exit status 1)."""),
        code("""import datetime
import tempfile

import numpy as np
import pandas as pd

import hypokit as hk

as_of = datetime.date(2026, 11, 23)
registry = hk.Registry(tempfile.mkdtemp(prefix="hypokit-"))"""),
        md("""## What the registry holds

The July test (`reorder-test`) concluded the hypothesis `reorder`; its learning
`reorder-works` keeps the evidence: the lift in returning customers, its interval and
its adjusted p-value. The running hypothesis `reminders` cites it."""),
        code("""common = dict(metric="reordered", outcome="the reorder rate", time_frame_days=14)
registry.save(
    hk.Hypothesis(
        id="reorder",
        change="Offer one-click reorder.",
        expected_effect=0.05,
        criteria=[hk.SegmentCriteria(segment="returning")],
        status="validated",
        verdicts={"returning": "met"},
        concluded=datetime.date(2026, 7, 20),
        **common,
    )
)
registry.save(
    hk.Experiment(
        id="reorder-test",
        hypothesis="reorder",
        status="concluded",
        start=datetime.date(2026, 6, 22),
        end=datetime.date(2026, 7, 20),
        verdicts={"returning": "met"},
    )
)
registry.save(
    hk.Learning(
        id="reorder-works",
        title="One-click reorder lifts returning customers' reorders",
        believed="If we offer one-click reorder, the reorder rate will increase by 5%.",
        observed="returning: reordered +9.0% (95% CI +2.1% to +15.9%), +5% or better: met.",
        learned="Returning customers reorder more when it takes one click.",
        decision="persevere",
        hypothesis="reorder",
        segments=["returning"],
        evidence=[
            hk.Evidence(
                experiments=["reorder-test"],
                method="two-sample z-test, holm correction",
                sample_size=6200,
                segment="returning",
                metric="reordered",
                effect=0.09,
                ci_low=0.021,
                ci_high=0.159,
                strength="moderate",
                p_adjusted=0.021,
                significant=True,
            )
        ],
        recorded=datetime.date(2026, 7, 20),
    )
)
registry.save(
    hk.Hypothesis(
        id="reminders",
        change="remind returning customers to reorder",
        expected_effect=0.04,
        because="one-click reorder made reordering easy",
        learnings=["reorder-works"],
        criteria=[hk.SegmentCriteria(segment="returning")],
        status="running",
        **common,
    )
)
registry.check(as_of=as_of)  # nothing to report yet"""),
        md("""## The new test of the same change

Another team's hypothesis `reorder-again` does not cite the old learning, but its change
is the same text (case, spacing and a final full stop aside): it is the same change.
Its test ran for two weeks; the data is simulated with a seeded generator: new
customers reorder at 10% in both arms, returning customers at 21.4% without the change
and 18.3% with it."""),
        code("""registry.save(
    hk.Hypothesis(
        id="reorder-again",
        change="offer one-click reorder",
        expected_effect=0.05,
        because="the redesigned cart shows past orders first",
        criteria=[
            hk.SegmentCriteria(segment="returning", min_effect=0.05),
            hk.SegmentCriteria(segment="new", priority=2),
        ],
        status="running",
        **common,
    )
)
registry.save(
    hk.Experiment(
        id="reorder-again-test",
        hypothesis="reorder-again",
        status="running",
        start=datetime.date(2026, 11, 9),
    )
)

rng = np.random.default_rng(20261108)
parts = []
for segment, units, rates in [
    ("new", 2000, {"control": 0.10, "variant": 0.10}),
    ("returning", 2800, {"control": 0.214, "variant": 0.183}),
]:
    for arm, rate in rates.items():
        reordered = (rng.random(units) < rate).astype(int)
        parts.append(pd.DataFrame({"segment": segment, "variant": arm, "reordered": reordered}))
data = pd.concat(parts, ignore_index=True)
result = hk.analyze(
    data,
    variant="variant",
    control="control",
    segments="segment",
    metrics=[hk.Proportion("reordered")],
)"""),
        code("""# NBVAL_CHECK_OUTPUT
columns = ["segment", "n_control", "n_variant", "lift", "lift_ci_low", "lift_ci_high",
           "p_adjusted", "significant"]
result.to_pandas()[columns].round(4)"""),
        md("""Returning customers reorder 14.6% less, and the whole interval is below zero; with
Holm's correction over the three rows, the adjusted p-value is still below 0.05. That is
the other side of zero from July's +9%, in the same segment, on the same metric.

## Conclude: the draft names the learning it contradicts

`registry.conclude` compares the draft with the learnings about the same change (those
the hypothesis cites, and those concluding a hypothesis with the same change). A
learning is contradicted when the new interval for its metric and segment lies entirely
on the other side of zero from its effect, and the new effect is significant after the
analysis's correction."""),
        code("""# NBVAL_CHECK_OUTPUT
drafts = registry.conclude("reorder-again", result, as_of=as_of)
print(drafts.hypothesis.status, drafts.hypothesis.verdicts)
print("contradicts:", drafts.learning.contradicts)
print(drafts.learning.observed)"""),
        md("""Review the draft (say what we now believe), then save the conclusion in one call: the
new learning, the old learning's `contradicted_by`, the experiment and the hypothesis."""),
        code("""# NBVAL_CHECK_OUTPUT
drafts = drafts._replace(
    learning=drafts.learning.model_copy(
        update={
            "title": "With the redesigned cart, one-click reorder costs returning reorders",
            "learned": "One-click reorder no longer lifts returning customers' reorders: "
            "with the redesigned cart it lowers them. July's learning does not hold.",
        }
    )
)
written = registry.save_conclusion(drafts)
[path.relative_to(registry.path).as_posix() for path in written]"""),
        md("Saving the same conclusion again writes nothing, and loses nothing:"),
        code("""# NBVAL_CHECK_OUTPUT
registry.save_conclusion(drafts)"""),
        md("""## Both records carry it

The files stay plain YAML: the new learning lists what it contradicts, the old one who
contradicted it."""),
        code("""# NBVAL_CHECK_OUTPUT
print(registry.path_of("reorder-works").read_text())"""),
        code("""# NBVAL_CHECK_OUTPUT
new = registry.get(drafts.learning.id, hk.Learning)
print("contradicts:", new.contradicts)
print(new.evidence[0].model_dump(include={"segment", "effect", "ci_low", "ci_high",
                                          "p_adjusted", "significant"}))"""),
        code("""# NBVAL_CHECK_OUTPUT
registry.learnings(as_of=as_of)[["id", "status", "expires", "decision", "contradicted_by"]]"""),
        md("""## The check names the hypothesis that rests on it

`reminders` is running and cites `reorder-works`, which is now contradicted.
`hypokit check --as-of 2026-11-23` prints the same finding and exits 1, so CI stops
until someone revisits the reasoning."""),
        code("""# NBVAL_CHECK_OUTPUT
for finding in registry.check(as_of=as_of):
    print(f"[{finding.kind}] {finding.message}")"""),
        md("""## What next

- Revisit `reminders`: its reason no longer holds. Archive it, or restate it on what we
  now know (`because=...`) and drop the old learning from its `learnings`.
- The old learning is kept, never deleted: once the team agrees, retire it
  (`hypokit learnings retire reorder-works`) or mark the new one as its replacement
  (`supersede`).
- The new learning is about returning customers with the redesigned cart; new customers
  did not move either way."""),
    ],
)

save(
    "notebooks/peeking-pricing-page.ipynb",
    [
        md("""# Worked example: look every day without fooling yourself

A team redesigned its pricing page and opened the dashboard every morning. On the eighth
day the redesign was "up 24%, p = 0.02". They were one click from shipping it.

The redesign does nothing: this data (`hypokit.datasets.pricing_page`) was generated
with the same sign-up rate in both arms. A fixed-horizon test promises a 5% false-positive
rate **once, at the planned end**; read every day and stopped at the first p < 0.05, it
declares false winners in more than a quarter of such tests. This notebook shows the
problem on the team's data, then three ways to look often and stay honest:

1. **always-valid confidence sequences** (`method="sequential"`): read them as often as
   you like;
2. **a group-sequential plan** (`hk.size(..., looks=4)`): a few planned looks with
   stricter early boundaries;
3. a **Bayesian** reading (`method="bayesian"`), and why it does not fix peeking by itself."""),
        code("""import matplotlib.pyplot as plt

import hypokit as hk
from hypokit.datasets import pricing_page

data = pricing_page()
metrics = [hk.Proportion("signed_up")]
print(f"{len(data):,} visitors over {data['date'].nunique()} days")
data.head()"""),
        md("""## The plan

Sign-ups run at about 6%; the team wants to detect a 15.5% relative lift with 80% power.
They plan four weekly looks (O'Brien-Fleming spending), which costs 2% more visitors than
a single look at the end and lets them stop early if the redesign is clearly better."""),
        code("""plan = hk.size(
    hk.Proportion(baseline=0.06),
    mde=0.155,
    relative=True,
    traffic=800,  # visitors per day
    looks=4,
    whole_weeks=True,
)
plan"""),
        code("""# NBVAL_CHECK_OUTPUT
plan.schedule().to_pandas().round(6)"""),
        md("""## The peeking problem: a fixed-horizon test read every day

`date="date"` aggregates by day in the same query, and `over_time()` repeats the
analysis on the visitors seen up to each day."""),
        code("""naive = hk.analyze(data, variant="variant", control="control", metrics=metrics,
                   date="date")
naive_days = naive.over_time().to_pandas()"""),
        code("""# NBVAL_CHECK_OUTPUT
columns = ["date", "n_control", "n_variant", "lift", "lift_ci_low", "lift_ci_high", "p_value",
           "significant"]
naive_days.loc[[6, 7, 8, 13, 20, 27], columns].round(4)"""),
        md("""From day 8 to day 11 the redesign looks like a win (p between 0.013 and 0.022); by
the end the lift is zero (p = 0.97). Nothing
changed in between except more data: early estimates are noisy, and checking a noisy
estimate every day gives chance many opportunities to cross the line.

How often? A seeded simulation of A/A tests (no effect at all) read daily for 28 days:"""),
        code("""# NBVAL_CHECK_OUTPUT
rates = hk.stats.peeking_simulation(reps=2000, days=28, seed=1)
{k: round(v, 3) for k, v in rates.items()}"""),
        md("""Read once at the end, 4.8% of A/A tests are "significant", as alpha promises.
Read daily and stopped at the first p < 0.05, **29%** are (27.5% by exact normal
theory, as Armitage, McPherson and Rowe tabulated in 1969). The always-valid reading
stays at 1.3% and the O'Brien-Fleming boundaries at 4.9%.

## Fix 1: always-valid confidence sequences

`method="sequential"` replaces each interval and p-value with a confidence sequence
(Waudby-Smith et al.), tuned to be tightest at the plan's size. Its intervals hold at
every day at once, so the day-by-day view may intersect them and keep the smallest
p-value seen so far."""),
        code("""sequential = hk.analyze(data, variant="variant", control="control", metrics=metrics,
                        date="date", method="sequential", plan=plan)
sequential_days = sequential.over_time().to_pandas()"""),
        code("""# NBVAL_CHECK_OUTPUT
sequential_days.loc[[6, 7, 8, 13, 20, 27], columns].round(4)"""),
        code("""fig, ax = plt.subplots(figsize=(8, 4))
naive.over_time().plot(ax=ax, label="fixed horizon, read daily")
sequential.over_time().plot(ax=ax, label="confidence sequence")
ax.set_title("The redesign's lift on sign-ups, day by day");"""),
        md("""The sequence is wider early on, when the estimate is least reliable, and never
excludes zero: no false winner on day 8. Its p-value is the smallest seen so far (valid
whenever you stop), so it never rises. The price is width: at the planned size one day's
sequence is about 1.5 times as wide as the fixed interval. Use it when the decision may
be taken on any day.

## Fix 2: a few planned looks

With the group-sequential plan, the team analyses only at the planned looks (days 7,
14, 21 and 28), each with its own boundary: `look=k` makes `significant` use it."""),
        code("""looks = []
for k, day in enumerate(plan.schedule().to_pandas()["day"], start=1):
    so_far = data[data["date"] <= sorted(data["date"].unique())[day - 1]]
    at_look = hk.analyze(so_far, variant="variant", control="control", metrics=metrics,
                         plan=plan, look=k)
    row = at_look.row("signed_up")
    boundary = float(plan.schedule().to_pandas()["p_boundary"].iloc[k - 1])
    looks.append({"look": k, "day": day, "lift": row["lift"], "p_value": row["p_value"],
                  "boundary": boundary, "stop": row["significant"]})"""),
        code("""# NBVAL_CHECK_OUTPUT
import pandas as pd

pd.DataFrame(looks).round(6)"""),
        code("""print(at_look.findings("look")[0].message)"""),
        md("""No look crosses its boundary, and the final look concludes: no detectable
effect. The first look's boundary (p < 0.00001) only stops for a dramatic effect; most of
the alpha is kept for the end, so the final look's boundary (0.044) is close to the
fixed test's 0.05.

## A Bayesian reading, and why it does not fix peeking by itself

`method="bayesian"` reports the probability that the redesign beats control and the
expected loss of shipping it."""),
        code("""bayes = hk.analyze(data, variant="variant", control="control", metrics=metrics,
                   date="date", method="bayesian")
bayes_days = bayes.over_time().to_pandas()"""),
        code("""# NBVAL_CHECK_OUTPUT
bayes_days.loc[[6, 7, 8, 13, 20, 27],
               ["date", "lift", "lift_ci_low", "lift_ci_high", "prob_beats_control",
                "expected_loss"]].round(4)"""),
        md("""On day 9 the posterior said 99.3% "beats control". The posterior is an honest
summary of the data on each day, but a rule such as "ship when P(beats control) > 95%",
checked daily, is a stopping rule with its own false-positive rate, just like the daily
p-value. Decide by expected loss against a threshold agreed before the test, or combine
the Bayesian summary with one of the designs above.

## What to take away

- Reading a fixed-horizon test daily multiplies its false-positive rate (here 5% → 29%).
- Looking daily is fine with `method="sequential"`; looking a few planned times is fine
  with `hk.size(..., looks=k)` and `hk.analyze(..., plan=plan, look=k)`.
- Record the result as a learning with its shelf life: "the pricing-page redesign did
  not change sign-ups (28 days, both devices)"."""),
    ],
)
