"""The board of the loop: every hypothesis by stage, under its key result, and what next.

Outcome work is a loop: a key result, hypotheses per segment, sizing, the experiment,
monitoring, verdicts, a learning with an expiry, and back to the key result.
:func:`board` reads a registry and says, for each hypothesis, where it stands and what
to do next, so that a product manager sees the whole loop on one page
(``registry.status()``, ``hypokit status``, the ``Board`` widget).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hypokit._results import TableMixin

if TYPE_CHECKING:
    from hypokit._registry import Registry

__all__ = ["ACTIONS", "STAGES", "Board", "board"]

#: The stages of the loop, in order; concluded covers validated, invalidated, inconclusive.
STAGES = ("idea", "planned", "running", "concluded", "archived")

#: The next actions, each with what does it (the form or command, and its code); ``ID``
#: reads as the hypothesis's id on the board.
ACTIONS: dict[str, str] = {
    "size": "size it: the sizing template (hypokit new sizing NAME) records the plan",
    "plan": "plan it: hypokit hypotheses plan ID (or registry.move(ID, 'planned'))",
    "start": "start it: hypokit hypotheses start ID when the experiment goes live",
    "monitor": "monitor it: hypokit monitor (or the monitor template) until it is ready",
    "analyse": "analyse it: the analysis template concludes it and drafts the learning",
    "record learning": "record its learning: the analysis template saves the draft",
    "review learning": "review its learning: hypokit learnings renew/retire, or the "
    "learning-review template",
    "none": "nothing to do",
}

_CONCLUDED = ("validated", "invalidated", "inconclusive")


@dataclass(frozen=True, repr=False)
class Board(TableMixin):
    """Every hypothesis by stage under its key result, with the next action.

    Attributes:
        rows: One dict per hypothesis: ``objective``, ``key_result``, ``hypothesis``,
            ``title``, ``stage`` (one of :data:`STAGES`), ``status`` (the record's),
            ``action`` (a key of :data:`ACTIONS`), ``next`` (the action in words),
            ``detail`` (the experiment, its dates, the learning's expiry),
            ``experiment`` (the id of the experiment the action is about, or None) and
            ``learning`` (the id of its latest learning, once concluded, or None).
        as_of: The day it was read on.
    """

    rows: tuple[dict[str, Any], ...]
    as_of: dt.date

    _display_columns = ("key_result", "hypothesis", "stage", "status", "next", "detail")

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per hypothesis, by key result, then stage."""
        return [dict(r) for r in self.rows]

    def _caption(self) -> str:
        counts = {s: sum(r["stage"] == s for r in self.rows) for s in STAGES}
        parts = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        return f"The loop on {self.as_of}: {parts or 'no hypotheses yet'}"

    def stage(self, stage: str) -> list[dict[str, Any]]:
        """The rows at one stage."""
        return [dict(r) for r in self.rows if r["stage"] == stage]


def board(registry: Registry, *, as_of: dt.date) -> Board:
    """Where each hypothesis of a registry stands in the loop, and what to do next.

    The next action, by stage:

    * **idea**: ``size`` it when no experiment has a plan yet, else ``plan`` it.
    * **planned**: ``size`` it when no experiment has a plan, else ``start`` it.
    * **running**: ``monitor`` it; ``analyse`` it once its experiment is past its planned
      end.
    * **concluded** (validated, invalidated, inconclusive): ``record learning`` when no
      learning concludes it; ``review learning`` when its learning is due for review,
      expired or contradicted (as ``registry.learnings`` says: by a later learning
      recorded by ``as_of`` and not retired); otherwise ``none``.
    * **archived**: ``none``.

    Args:
        registry: The registry to read.
        as_of: The day to judge on (dates decide overdue experiments and expiring
            learnings).

    Returns:
        A :class:`Board`, rows grouped by key result (those without one last), then by
        stage.
    """
    from hypokit._records import Experiment, Hypothesis, KeyResult, Learning

    krs = {k.id: k for k in registry.records(KeyResult)}
    experiments = registry.records(Experiment)
    learnings = registry.records(Learning)
    contradicted = set(registry._contradicted(as_of))  # as registry.learnings says
    rows = []
    for h in registry.records(Hypothesis):
        stage = "concluded" if h.status in _CONCLUDED else h.status
        mine = [e for e in experiments if e.hypothesis == h.id]
        planned = [e for e in mine if e.plan]
        action, detail = "none", ""
        experiment: str | None = None
        learning: str | None = None
        if stage in ("idea", "planned"):
            if not planned:
                action = "size"
            else:
                action = "plan" if stage == "idea" else "start"
                experiment = planned[-1].id
                detail = f"experiment {planned[-1].id!r} planned for {planned[-1].units:,} units"
        elif stage == "running":
            running = [e for e in mine if e.status == "running"]
            exp = running[-1] if running else (mine[-1] if mine else None)
            overdue = exp is not None and exp.planned_end is not None and as_of > exp.planned_end
            action = "analyse" if overdue else "monitor"
            if exp is not None:
                experiment = exp.id
                end = f", planned end {exp.planned_end}" if exp.planned_end else ""
                detail = f"experiment {exp.id!r}{end}"
        elif stage == "concluded":
            own = [x for x in learnings if x.hypothesis == h.id]
            if not own:
                action = "record learning"
            else:
                latest = max(own, key=lambda x: x.recorded)
                learning = latest.id
                state: str = latest.status(as_of)
                if latest.id in contradicted:
                    state = "contradicted"
                detail = f"learning {latest.id!r} {state}, expires {latest.expires}"
                if state in ("due for review", "expired", "contradicted"):
                    action = "review learning"
        kr = krs.get(h.key_result or "")
        rows.append(
            {
                "objective": kr.objective if kr is not None else None,
                "key_result": h.key_result or "(no key result)",
                "hypothesis": h.id,
                "title": h.title or h.change,
                "stage": stage,
                "status": h.status,
                "action": action,
                "next": ACTIONS[action].replace(" ID", f" {h.id}").replace("(ID,", f"({h.id!r},"),
                "detail": detail,
                "experiment": experiment,
                "learning": learning,
            }
        )
    rows.sort(
        key=lambda r: (
            r["key_result"] == "(no key result)",
            str(r["key_result"]),
            STAGES.index(r["stage"]),
            r["hypothesis"],
        )
    )
    return Board(rows=tuple(rows), as_of=as_of)
