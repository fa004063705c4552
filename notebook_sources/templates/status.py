# %% [markdown]
# # The whole loop on one page
#
# Every hypothesis by stage (idea, planned, running, concluded) under the key result it
# serves, and what to do next for each: size it, plan it, start it, monitor it, analyse
# it, review its learning. Open it every morning.
#
# 1. Set the **parameters** (`registry_path = None` works in a temporary folder with
#    example records).
# 2. Run all cells, then press the buttons on the board: **Plan it** and **Start it** move
#    a hypothesis (dated with the board's date), **Size it** opens a sizing panel that
#    records the plan on it, **Review its learning** opens the review queue. Monitoring
#    and analysing happen in their own notebooks: the board gives the exact
#    `hypokit new` command.

# %% tags=["parameters"]
# Parameters: edit these, then run all cells.
import datetime

registry_path = None  # your registry folder; None: a temporary one with example records
as_of = datetime.date(2026, 11, 22)  # the day to read the board on (a date or "YYYY-MM-DD")
due_within = 30  # days: learnings expiring this soon are due for review

# %%
import datetime
import tempfile

import hypokit as hk

from hypokit._notebook import check_parameters

checked = check_parameters("status", globals())  # stops in one line on a wrong parameter
print(checked)
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
    )
len(registry)

# %% [markdown]
# ## The board
#
# Each card is a hypothesis: its status, its experiment or learning, and its next action.
# The board reads the registry again after every action and on **Reload**.

# %%
from hypokit.widgets import Board

Board(registry, as_of=as_of, due_within=due_within)

# %% [markdown]
# ## The same in code
#
# `registry.status(as_of=...)` is the board as a table (`hypokit status` prints it). The
# buttons call `registry.move(ID, "planned" or "running", as_of=...)` and
# `registry.record_plan(ID, plan, as_of=..., start=...)`.

# %%
registry.status(as_of=as_of)

# %% [markdown]
# ## Checks
#
# Findings such as a running experiment past its planned end, or a hypothesis citing an
# expired learning:

# %%
for finding in registry.check(as_of=as_of):
    print(f"[{finding.kind}] {finding.message}")
