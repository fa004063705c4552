# %% [markdown]
# # Worked example: re-testing a learning that has expired
#
# In March 2025 an A/B test of express pay "didn't work": checkout conversion barely moved
# overall, and the team recorded the learning and retired the idea. A/B-test learnings
# keep for 180 days by default; since then, mobile wallets have spread. A new hypothesis
# cites the old learning, and `registry.check` flags it: the learning it rests on has
# expired.
#
# This notebook works in a temporary registry: it records the old learning and the new
# hypothesis, checks the registry, sizes and analyses a new test per segment, and
# supersedes the old learning with the new one.

# %%
import datetime
import tempfile

import hypokit as hk
from hypokit.datasets import checkout_experiment, checkout_history

as_of = datetime.date(2026, 11, 22)
registry = hk.Registry(tempfile.mkdtemp(prefix="hypokit-"))

# %% [markdown]
# ## The old learning, and a hypothesis that cites it

# %%
registry.save(
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
print(registry.get("express-pay-again").statement)

# %% [markdown]
# ## The check flags it

# %%
# NBVAL_CHECK_OUTPUT
expired = registry.learnings(expired=True, as_of=as_of)
expired[["id", "status", "expires", "days_left", "decision"]]

# %%
# NBVAL_CHECK_OUTPUT
for finding in registry.check(as_of=as_of):
    print(f"[{finding.kind}] {finding.message}")

# %% [markdown]
# Renewing the learning on faith would be wrong: nothing was checked again. We test
# again, this time per segment.
#
# ## Size the new test per segment, from two weeks of history

# %%
plan = hk.size(
    hk.Proportion("converted"),
    mde=0.10,
    relative=True,
    correction="holm",
    whole_weeks=True,
    data=checkout_history(),
    segments="segment",
    date="date",
)
plan.to_pandas()[["segment", "baseline", "traffic", "n_per_arm", "days"]]

# %% [markdown]
# ## Run it, then analyse it per segment
#
# The test ran for three weeks (`checkout_experiment`, shipped with hypokit).

# %%
hypothesis = registry.get("express-pay-again", hk.Hypothesis).transition("running")
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
    print(f"[{finding.kind}] {finding.message}")

# %%
# NBVAL_CHECK_OUTPUT
columns = ["segment", "lift", "lift_ci_low", "lift_ci_high", "p_adjusted", "significant"]
result.to_pandas()[columns].round(4)

# %% [markdown]
# Overall, conversion again barely moved, as in 2025. Per segment, express pay lifts
# new customers and costs business buyers.
#
# ## Conclude, and supersede the old learning

# %%
concluded, learning, _ = registry.conclude(
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
print(learning.decision, "|", learning.learned)

# %%
registry.save(concluded)
registry.save(learning)
registry.save(registry.get("express-pay-2025", hk.Learning).supersede(learning.id))

# %%
# NBVAL_CHECK_OUTPUT
registry.learnings(as_of=as_of)[["id", "status", "expires", "decision"]]

# %%
# NBVAL_CHECK_OUTPUT
registry.check(as_of=as_of)

# %% [markdown]
# The old learning is kept, marked superseded; the new one expires in 180 days like any
# A/B-test learning, and the check is clean. Next: a hypothesis for new customers only
# (ship express pay to them), and one for business buyers that solves their real need
# (invoices).
