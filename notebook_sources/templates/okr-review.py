# %% [markdown]
# # Review objectives, key results and the hypotheses behind them
#
# An objective is reached through its key results, and a key result moves only through the
# changes we ship. This notebook shows how far each key result has come, which hypotheses
# serve it (and which are running), and the impact map from objective to change.
#
# 1. Set the **parameters**: `current` holds the key results' latest measured values, to
#    record in the registry on `as_of` (leave it empty to review only; `registry_path =
#    None` works in a temporary folder with example records).
# 2. Run all cells. A key result with no running hypothesis and little progress needs new
#    ideas (`hypokit new hypothesis NAME`).

# %% tags=["parameters"]
# Parameters: edit these, then run all cells.
import datetime

registry_path = None  # your registry folder; None: a temporary one with example records
as_of = datetime.date(2026, 11, 22)  # the date to review on (a date or "YYYY-MM-DD")
objective = None  # one objective's id, or None for all
current = {}  # key result id: its latest measured value, recorded in the registry on as_of
source = "okr review"  # where the values in `current` were read (a dashboard, a query)
include_closed = False  # show concluded hypotheses in the impact map too

# %%
import tempfile

import hypokit as hk
from hypokit._notebook import check_parameters

checked = check_parameters("okr-review", globals())
as_of = checked.values["as_of"]
example = checked.registry is None
registry = hk.Registry(tempfile.mkdtemp(prefix="hypokit-")) if example else checked.registry
if example:
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
    )
print(checked)
len(registry)

# %% [markdown]
# ## Record progress
#
# Each key result keeps its latest value in the registry (`current`, with the date it was
# `measured` and its `source`), so the review, `hypokit okr` and the impact map read the
# same numbers. Record a value read by hand:
#
# ```python
# registry.record_progress("kr-published", 0.405, as_of=as_of, source="publishing dashboard")
# ```
#
# or estimate it from an analysis of a change you ship:
#
# ```python
# registry.record_progress("kr-published", result, as_of=as_of, segment="casual",
#                          source="notify-ready")
# ```
#
# From an analysis, the value is the baseline moved by the effect of shipping the variant
# (in the metric's units). Shipped to one segment, a key result about everyone moves by
# that segment's share of the units times the segment's effect: the example's casual
# uploaders are 87% of the uploaders, so their +4.2 points count as +3.6. The cell below
# records the values in `current`.

# %%
for kr_id, value in current.items():
    registry.record_progress(kr_id, value, as_of=as_of, source=source)

# %% [markdown]
# ## Key-result progress
#
# `progress` is the share of the way from baseline to target (0 at the baseline, 1 at the
# target, empty until a value is recorded); `measured` and `source` say when and where
# the value was read; `days_left` counts to the deadline.

# %%
okr = registry.okr()
if objective is not None:
    okr = okr[okr["objective"] == objective].copy()
okr["days_left"] = [None if d is None else (d - as_of).days for d in okr["deadline"]]
okr[["objective", "key_result", "title", "baseline", "target", "current", "progress",
     "measured", "source", "days_left", "hypotheses", "running"]]

# %% [markdown]
# ## The hypotheses behind each key result

# %%
table = registry.hypotheses()
if objective is not None:
    table = table[table["key_result"].isin(okr["key_result"])]
table[["key_result", "id", "status", "segments", "expected_effect", "statement"]]

# %% [markdown]
# ## The impact map
#
# Objective → key result → the segments each hypothesis is for → the change; under each
# objective, its measured key results and their progress. It renders as a Mermaid diagram
# in JupyterLab and on GitHub; `to_text()` prints it as a tree.

# %%
impact = registry.impact_map(objective, include_closed=include_closed)
impact

# %%
print(impact.to_text())

# %% [markdown]
# ## Checks
#
# Findings such as a running experiment past its planned end, or a hypothesis citing an
# expired learning:

# %%
for finding in registry.check(as_of=as_of):
    print(f"[{finding.kind}] {finding.message}")

# %% [markdown]
# ## What next
#
# A key result moves when a hypothesis behind it is tested and shipped. For each
# hypothesis, where it stands and the command (run in your project's folder) that writes
# the notebook of its next step: `sizing` to plan a test, `monitor` while it runs,
# `analysis` to conclude it and record the key result's progress, `learning-review` when
# its learning is due. A key result with no running hypothesis needs new ideas: `hypokit
# new hypothesis NAME -p registry_path=records`.

# %%
from hypokit._notebook import next_steps

next_steps(registry, as_of=as_of, registry_path=registry_path)
