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
whole_weeks = True  # run for whole weeks to cover weekly cycles""")
params.metadata["tags"] = ["parameters"]

save(
    "templates/sizing.ipynb",
    [
        md("""# Size an A/B test per segment

Each customer segment has its own baseline and its own traffic, so each gets its own
sample size and duration. Fill in the **parameters** cell below (or create this notebook
with `hypokit new sizing NAME -p mde=0.05`), then run all cells.

- Proportions are sized as R's `power.prop.test`, means as R's `power.t.test`.
- `correction` shares the false-positive rate across segments and arms.
- The plan's `days` is how long the slowest segment needs; the plot shows how power grows
  with every extra day."""),
        params,
        code("""import hypokit as hk

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
        md("""## What next

- If a segment needs far too long, size it for a larger MDE, pool it with a similar
  segment, or accept that it can only be analysed as part of the whole.
- Record the plan with your hypothesis so the analysis can warn when a segment ends with
  too little data."""),
    ],
)

analysis_params = code("""# Parameters: edit these, then run all cells.
data_path = None  # a CSV/Parquet path or glob; None uses the shipped checkout example
variant_column = "variant"
control = "control"
segments = "segment"  # a column, a list of columns, or None
proportion_metrics = ["converted"]  # 0/1 columns
mean_metrics = {"revenue": "pre_revenue"}  # column: CUPED covariate (or None)
ratio_metrics = [("revenue", "sessions")]  # (numerator, denominator)
alpha = 0.05
correction = "holm"  # "holm", "bonferroni", "bh" or None""")
analysis_params.metadata["tags"] = ["parameters"]

save(
    "templates/analysis.ipynb",
    [
        md("""# Analyze an A/B test per segment

Never trust the average alone: this notebook reads one row per user, checks the sample
ratio, estimates each variant's effect on each metric in every segment and overall, and
lists what the average may hide. Fill in the **parameters** cell, then run all cells.

- Proportions: z-test as R's `prop.test(correct = FALSE)`; means: Welch's t-test with
  CUPED when a covariate is given; ratios: the delta method.
- `correction` controls the false-positive rate over every (segment, metric, variant)."""),
        analysis_params,
        code("""import hypokit as hk
from hypokit.datasets import checkout_experiment

data = checkout_experiment() if data_path is None else data_path
metrics = (
    [hk.Proportion(c) for c in proportion_metrics]
    + [hk.Mean(c, covariate=cov) for c, cov in mean_metrics.items()]
    + [hk.Ratio(num, den) for num, den in ratio_metrics]
)
result = hk.analyze(
    data,
    variant=variant_column,
    control=control,
    metrics=metrics,
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
        md("## In one paragraph"),
        code("print(result.summary())"),
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
