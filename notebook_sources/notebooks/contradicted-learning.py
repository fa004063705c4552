# %% [markdown]
# # Worked example: a learning the new evidence contradicts
#
# In July 2026 an A/B test of **one-click reorder** lifted the reorder rate of returning
# customers by 9%. The team recorded the learning, and another hypothesis now rests on
# it: *remind returning customers to reorder, because one-click reorder made it easy*.
#
# In November another team tests one-click reorder again, with the redesigned cart. This
# time returning customers reorder **less**. The old learning is still in force, and the
# reminders hypothesis still cites it: a decision built on it can no longer be trusted.
#
# This notebook works in a temporary registry. It shows how concluding the new test finds
# the contradiction, how saving the conclusion records it on both learnings, and how
# `registry.check` names the hypothesis that rests on the contradicted learning (as
# `hypokit check` does in CI, with exit status 1).

# %%
import datetime
import tempfile

import numpy as np
import pandas as pd

import hypokit as hk

as_of = datetime.date(2026, 11, 23)
registry = hk.Registry(tempfile.mkdtemp(prefix="hypokit-"))

# %% [markdown]
# ## What the registry holds
#
# The July test (`reorder-test`) concluded the hypothesis `reorder`; its learning
# `reorder-works` keeps the evidence: the lift in returning customers, its interval and
# its adjusted p-value. The running hypothesis `reminders` cites it.

# %%
common = dict(metric="reordered", outcome="the reorder rate", time_frame_days=14)
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
registry.check(as_of=as_of)  # nothing to report yet

# %% [markdown]
# ## The new test of the same change
#
# Another team's hypothesis `reorder-again` does not cite the old learning, but its change
# is the same text (case, spacing and a final full stop aside): it is the same change.
# Its test ran for two weeks; the data is simulated with a seeded generator: new
# customers reorder at 10% in both arms, returning customers at 21.4% without the change
# and 18.3% with it.

# %%
registry.save(
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
)

# %%
# NBVAL_CHECK_OUTPUT
columns = ["segment", "n_control", "n_variant", "lift", "lift_ci_low", "lift_ci_high",
           "p_adjusted", "significant"]
result.to_pandas()[columns].round(4)

# %% [markdown]
# Returning customers reorder 14.6% less, and the whole interval is below zero; with
# Holm's correction over the three rows, the adjusted p-value is still below 0.05. That is
# the other side of zero from July's +9%, in the same segment, on the same metric.
#
# ## Conclude: the draft names the learning it contradicts
#
# `registry.conclude` compares the draft with the learnings about the same change (those
# the hypothesis cites, and those concluding a hypothesis with the same change). A
# learning is contradicted when the new interval for its metric and segment lies entirely
# on the other side of zero from its effect, and the new effect is significant after the
# analysis's correction.

# %%
# NBVAL_CHECK_OUTPUT
drafts = registry.conclude("reorder-again", result, as_of=as_of)
print(drafts.hypothesis.status, drafts.hypothesis.verdicts)
print("contradicts:", drafts.learning.contradicts)
print(drafts.learning.observed)

# %% [markdown]
# Review the draft (say what we now believe), then save the conclusion in one call: the
# new learning, the old learning's `contradicted_by`, the experiment and the hypothesis.

# %%
# NBVAL_CHECK_OUTPUT
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
[path.relative_to(registry.path).as_posix() for path in written]

# %% [markdown]
# Saving the same conclusion again writes nothing, and loses nothing:

# %%
# NBVAL_CHECK_OUTPUT
registry.save_conclusion(drafts)

# %% [markdown]
# ## Both records carry it
#
# The files stay plain YAML: the new learning lists what it contradicts, the old one who
# contradicted it.

# %%
# NBVAL_CHECK_OUTPUT
print(registry.path_of("reorder-works").read_text())

# %%
# NBVAL_CHECK_OUTPUT
new = registry.get(drafts.learning.id, hk.Learning)
print("contradicts:", new.contradicts)
print(new.evidence[0].model_dump(include={"segment", "effect", "ci_low", "ci_high",
                                          "p_adjusted", "significant"}))

# %%
# NBVAL_CHECK_OUTPUT
registry.learnings(as_of=as_of)[["id", "status", "expires", "decision", "contradicted_by"]]

# %% [markdown]
# ## The check names the hypothesis that rests on it
#
# `reminders` is running and cites `reorder-works`, which is now contradicted.
# `hypokit check --as-of 2026-11-23` prints the same finding and exits 1, so CI stops
# until someone revisits the reasoning.

# %%
# NBVAL_CHECK_OUTPUT
for finding in registry.check(as_of=as_of):
    print(f"[{finding.kind}] {finding.message}")

# %% [markdown]
# ## What next
#
# - Revisit `reminders`: its reason no longer holds. Archive it, or restate it on what we
#   now know (`because=...`) and drop the old learning from its `learnings`.
# - The old learning is kept, never deleted: once the team agrees, retire it
#   (`hypokit learnings retire reorder-works`) or mark the new one as its replacement
#   (`supersede`).
# - The new learning is about returning customers with the redesigned cart; new customers
#   did not move either way.
