# %% [markdown]
# # Write and rank hypotheses for a key result
#
# A hypothesis names a change, the metric it should move, by how much, within how long,
# and **for whom**: each segment gets its own success criterion or guardrail, because the
# same change can help one segment and hurt another. This notebook writes an objective,
# a key result and the hypotheses that could move it, prints each as a sentence, and ranks
# them.
#
# 1. Set the **parameters** (`registry_path = None` works in a temporary folder with
#    example records; point it at your registry to keep what you write with the form).
# 2. Write with the form, or edit the objective, key result and hypotheses in code below
#    and set `save = True` to keep them in your registry too.
# 3. Run all cells, then read the statements aloud: if one sounds vague, make it precise.

# %% tags=["parameters"]
# Parameters: edit these, then run all cells.
import datetime

registry_path = None  # your registry folder; None: a temporary one with example records
as_of = datetime.date(2026, 11, 22)  # the date to check on (a date or "YYYY-MM-DD")
rank_by = "ice"  # "ice", "rice" or "evi"
save = False  # True: also save the example records written in code below to your registry

# %%
import datetime
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
len(registry)

# %% [markdown]
# ## The objective and the key result it is measured by
#
# Saved first, so that the form below offers them.

# %%
objective = hk.Objective(
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
)
if save or example:  # the form below offers them
    registry.save(objective)
    registry.save(key_result)

# %% [markdown]
# ## Fill it in with the form
#
# Fill in the fields and press **Save**: the hypothesis is written to the registry as a
# YAML file, and each field that is missing or wrong says so beside it. The sentence under
# *Statement* is how the hypothesis will read. To edit a hypothesis, pick it and press
# **Load**; **Reload** reads the registry again after another notebook changed it.
#
# Under *Lifecycle*, a saved hypothesis shows its status and what it means, and moves on:
# pick a move and its date, and press **Move**. *Planned* once it is sized and scheduled
# (the sizing template's **Record the plan** does it too), *running* when the experiment
# goes live: its planned experiment starts with it. Concluding it is the analysis's job.
#
# Analysts can skip the form: the cells below do the same in code.

# %%
from hypokit.widgets import HypothesisForm

form = HypothesisForm(registry, as_of=as_of)
form

# %% [markdown]
# ## Hypotheses
#
# Give each hypothesis its segments' criteria (`hk.SegmentCriteria`): `min_effect` is the
# smallest lift that counts as success there; a `hk.Guardrail` is the largest harm a
# segment may suffer. Score them with ICE (1-10 each), RICE or EVI to rank them.

# %%
hypotheses = [
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
    print(f"{h.id}: {h.statement}")

# %% [markdown]
# ## Rank them

# %%
hk.prioritize(hypotheses, by=rank_by)

# %% [markdown]
# ## Save them and check the registry
#
# `registry.check` warns, for example, when a hypothesis cites a learning that has expired
# or links to a record that does not exist.

# %%
if save or example:
    for record in hypotheses:
        registry.save(record)
for finding in registry.check(as_of=as_of):
    print(f"[{finding.kind}] {finding.message}")
registry.hypotheses()[["id", "status", "key_result", "segments", "expected_effect", "ice"]]

# %% [markdown]
# ## What next
#
# - Size the top hypothesis per segment and record the plan on it (`hypokit new sizing
#   NAME -p registry_path=DIR -p hypothesis_id=ID`): each segment needs enough users for
#   its own criterion, and **Record the plan** makes the hypothesis *planned*.
# - Start it when the experiment goes live: **Move** in the form above, or in code
#   `registry.move(ID, "running", as_of=...)` (every step dated in its history; its
#   planned experiment starts with it), or `hypokit hypotheses start ID`.
# - See the whole loop, with the next action for each hypothesis: `hypokit new status
#   NAME -p registry_path=DIR`, or `hypokit status`.
