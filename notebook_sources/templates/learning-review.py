# %% [markdown]
# # Review learnings that have expired or are due
#
# A learning has a shelf life: what held a year ago may not hold now. This notebook lists
# the learnings that need attention on `as_of`, the hypotheses that still rest on them,
# and renews or retires them.
#
# 1. Set the **parameters** (`registry_path = None` works in a temporary folder with
#    example records).
# 2. Run all cells; read the table and the findings.
# 3. For each learning, decide: **renew** it (checked again, still true: `renew`),
#    **retire** it (no longer true: `retire`), or **supersede** it with a new learning
#    after a new test. Then run the notebook again.

# %% tags=["parameters"]
# Parameters: edit these, then run all cells.
import datetime

registry_path = None  # your registry folder; None: a temporary one with example records
as_of = datetime.date(2026, 11, 22)  # the date to review on (a date or "YYYY-MM-DD")
due_within = 30  # days: learnings expiring this soon are due for review
renew = {"pros-wait-for-hd": datetime.date(2027, 5, 31)}  # learning id: valid until
retire = []  # ids of learnings that no longer hold

# %%
import tempfile

import hypokit as hk
from hypokit._notebook import check_parameters

checked = check_parameters("learning-review", globals())
as_of = checked.values["as_of"]
example = checked.registry is None
registry = hk.Registry(tempfile.mkdtemp(prefix="hypokit-")) if example else checked.registry
if example:
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
    )
print(checked)
len(registry)

# %% [markdown]
# ## Expired, and due for review within `due_within` days

# %%
due = registry.learnings(expired=True, due_within=due_within, as_of=as_of)
due[["id", "status", "expires", "days_left", "decision", "evidence", "learned"]]

# %% [markdown]
# ## What rests on them
#
# `registry.check` names the open hypotheses that cite an expired, retired or superseded
# learning: re-test before you build on them.

# %%
findings = registry.check(as_of=as_of)
for finding in findings:
    print(f"[{finding.kind}] {finding.message}")

# %% [markdown]
# ## Review with the queue
#
# Each learning that has expired or is due has three actions: **Renew** (checked again and
# still true, valid until the date picked), **Retire** (no longer true; the record stays)
# and **Re-test** (a hypothesis form that cites it). The registry's files change at once;
# the cells below do the same in code.

# %%
from hypokit.widgets import LearningForm, ReviewQueue

ReviewQueue(registry, as_of=as_of, due_within=due_within)

# %% [markdown]
# ## Renew or retire
#
# Renew only what you have checked again (a new test, fresh analytics, a recent survey):
# `registry.renew(id, until, as_of=as_of)` records when it was checked and keeps it valid
# until `until`. Retire what no longer holds: `registry.retire(id, as_of=as_of)` keeps the
# record (never delete a learning). When a new test replaces a learning, save the new
# learning and `registry.save(old.supersede(new.id))`.

# %%
for learning_id, until in renew.items():
    if learning_id in registry:
        renewed = registry.renew(learning_id, datetime.date.fromisoformat(str(until)), as_of=as_of)
        print(f"renewed {renewed.id} until {renewed.expires}")
for learning_id in retire:
    registry.retire(learning_id, as_of=as_of)
    print(f"retired {learning_id}")
registry.learnings(as_of=as_of)[["id", "status", "expires", "days_left"]]

# %% [markdown]
# ## Record a new learning
#
# What we believed, observed and learned, and what we decided. The expiry follows the
# shelf life of the evidence (180 days for an A/B test) until you pick a date yourself.

# %%
LearningForm(registry, as_of=as_of)

# %% [markdown]
# ## What next
#
# - For an expired learning that an open hypothesis cites, size a new test
#   (`hypokit new sizing NAME`) rather than renewing it on faith.
# - Run `hypokit check` in CI: it exits 1 when a hypothesis rests on an expired learning.
# - Learnings come from concluded tests: the analysis template concludes a hypothesis and
#   saves its learning; this review comes back to it when it is due.
#
# Every hypothesis of the registry, where it stands, and the command (in your project's
# folder) that writes the notebook of its next step:

# %%
from hypokit._notebook import next_steps

next_steps(registry, as_of=as_of, registry_path=registry_path)
