"""Board: every hypothesis by stage under its key result, with its next action as a button."""

from __future__ import annotations

import datetime as dt
import html
import os
from typing import Any

import ipywidgets as w

from hypokit._errors import HypokitError
from hypokit._records import ALL_SEGMENTS, Experiment, Hypothesis, KeyResult, Objective
from hypokit._registry import Registry
from hypokit._status import Board as LoopTable
from hypokit.widgets._common import (
    DESCRIPTION,
    Panel,
    as_date,
    button,
    field,
    move_hypothesis,
    open_registry,
    say,
)
from hypokit.widgets._review import ReviewQueue
from hypokit.widgets._sizing import SizingPanel

__all__ = ["Board", "BoardCard"]

NO_KEY_RESULT = "(no key result)"
#: The columns of the board, left to right (archived shows only when one is).
COLUMNS = ("idea", "planned", "running", "concluded")
#: The actions a button does, with its label and class.
BUTTONS = {
    "size": ("Size it", "hk-board-size"),
    "plan": ("Plan it", "hk-board-plan"),
    "start": ("Start it", "hk-board-start"),
    "review learning": ("Review its learning", "hk-board-review"),
}


class BoardCard:
    """One hypothesis on the board (class ``hk-board-card``, and ``hk-stage-<stage>``).

    Attributes:
        row: Its row of the board table (``hypothesis``, ``stage``, ``status``,
            ``action``, ``next``, ``detail``, ``experiment``, ``learning``).
        action: The button of its next action (class ``hk-board-<action>``: ``size``,
            ``plan``, ``start``, ``review``), or None when a notebook or command does
            it.
        instruction: What to do, in words, with the exact command when there is one
            (class ``hk-board-instruction``).
        box: The card's box.
    """

    def __init__(self, row: dict[str, Any], instruction: str) -> None:
        self.row = row
        title = html.escape(str(row["title"]))
        detail = f"<br><small>{html.escape(row['detail'])}</small>" if row["detail"] else ""
        self.label = w.HTML(
            f"<b>{html.escape(row['hypothesis'])}</b>: {title}<br>"
            f"<i>{html.escape(row['status'])}</i>{detail}"
        )
        self.action: Any = None
        if row["action"] in BUTTONS:
            text, cls = BUTTONS[row["action"]]
            self.action = button(text, cls, style="info", tooltip=row["next"])
        self.instruction = w.HTML(instruction)
        self.instruction.add_class("hk-board-instruction")
        children = [self.label, self.instruction]
        if self.action is not None:
            children.append(self.action)
        self.box = w.VBox(
            children, layout=w.Layout(border="1px solid #ccc", padding="4px", margin="2px 0")
        )
        self.box.add_class("hk-board-card")
        self.box.add_class(f"hk-stage-{row['stage']}")


class Board(Panel):
    """The whole loop on one page: every hypothesis by stage, under its key result.

    One column per stage (idea, planned, running, concluded; archived when there is
    one), a card per hypothesis with its status, its experiment or learning, and its
    next action (:func:`hypokit._status.board`, ``registry.status``):

    * **Plan it** / **Start it**: a move, dated with :attr:`date` (``registry.move``;
      starting it starts its planned experiment).
    * **Size it**: a :class:`SizingPanel` for that hypothesis, below the board
      (:attr:`sizing_panel`), prefilled from it (its segments, its expected effect,
      its key result's baseline when it is a rate of the same metric), whose
      **Record the plan** button records the plan on it and plans it.
    * **Review its learning**: the :class:`ReviewQueue` below the board
      (:attr:`review_queue`).
    * Monitor it, analyse it, record its learning: what to do, with the exact
      ``hypokit new monitor|analysis NAME -p ...`` command for the notebook that does it.

    The board reads the registry again after each action and on **Reload**.

    Args:
        registry: An ``hk.Registry`` or the path of its folder.
        as_of: The day to read the board on, and the default date of the moves (None:
            today).
        due_within: Days before expiry when a learning is due for review.

    Attributes:
        table: The board's table (:class:`hypokit._status.Board`; ``table.rows``).
        cards: The :class:`BoardCard` per hypothesis id.
        date: The date of the moves (``hk-field-move_date``).
        reload_button: Reads the registry again (``hk-reload``).
        sizing_panel, review_queue: The panel and the queue opened last (or None).
        sizing_area, review_area: Where they are shown (classes ``hk-board-sizing-area``
            and ``hk-board-review-area``).
        messages: What the actions did.
        widget: The root box (class ``hk-board``).

    Examples:
        >>> import datetime as dt, tempfile
        >>> import hypokit as hk
        >>> from hypokit.widgets import Board
        >>> registry = hk.Registry(tempfile.mkdtemp())
        >>> _ = registry.save(hk.Hypothesis(id="express-pay", change="add express pay",
        ...     metric="converted", expected_effect=0.1, time_frame_days=14))
        >>> board = Board(registry, as_of="2026-11-22")
        >>> board.cards["express-pay"].action.description
        'Size it'
        >>> panel = board.act("express-pay")  # the sizing panel for it
        >>> panel.fields["mde"].value
        0.1
    """

    def __init__(
        self,
        registry: Registry | str | os.PathLike[str],
        *,
        as_of: dt.date | str | None = None,
        due_within: int = 30,
    ) -> None:
        super().__init__("hk-board")
        self._source = registry
        self.as_of = as_date(as_of)
        self.due_within = due_within
        self.registry: Registry | None = None
        self.table: LoopTable = LoopTable(rows=(), as_of=self.as_of)
        self.cards: dict[str, BoardCard] = {}
        self.sizing_panel: SizingPanel | None = None
        self.review_queue: ReviewQueue | None = None
        self.date = field(
            w.DatePicker(value=self.as_of, description="moves dated", style=DESCRIPTION),
            "move_date",
        )
        self.reload_button = button("Reload", "hk-reload", tooltip="Read the registry again")
        self.reload_button.on_click(lambda _: self.reload())
        self.caption = w.HTML(value="")
        self.caption.add_class("hk-board-caption")
        self.board_box = w.VBox([])
        self.sizing_area = w.VBox([])
        self.sizing_area.add_class("hk-board-sizing-area")
        self.review_area = w.VBox([])
        self.review_area.add_class("hk-board-review-area")  # not the button's hk-board-review
        self.widget.children = [
            w.HTML(f"<h3>The loop on {self.as_of}</h3>"),
            self.caption,
            w.HBox([self.date, self.reload_button]),
            self.board_box,
            self.messages,
            self.sizing_area,
            self.review_area,
        ]
        self.reload()

    # ----------------------------------------------------------------- reading
    def reload(self) -> None:
        """Read the registry again and redraw the board."""
        self._notices = []
        self.messages.outputs = ()
        self._refresh()

    def _refresh(self) -> None:
        self.registry, problem = open_registry(self._source)
        self._notices = []
        if self.registry is None:
            self._notice(problem, "error")
            self.table = LoopTable(rows=(), as_of=self.as_of)
        else:
            for error in self.registry.errors:
                self._notice(f"Skipped a file that cannot be read: {error}", "warning")
            self.table = self.registry.status(as_of=self.as_of)
        self._commands = self._next_commands()
        self.caption.value = f"<i>{html.escape(self.table._caption())}.</i>"
        self.cards = {}
        groups: dict[str, list[BoardCard]] = {}
        for row in self.table.rows:
            card = BoardCard(row, self._instruction(row))
            if card.action is not None:
                card.action.on_click(lambda _, hid=row["hypothesis"]: self.act(hid))
            self.cards[row["hypothesis"]] = card
            groups.setdefault(row["key_result"], []).append(card)
        if not groups:
            empty = w.HTML(
                "<i>No hypotheses yet: write one with the hypothesis template "
                "(<code>hypokit new hypothesis NAME</code>).</i>"
            )
            self.board_box.children = [empty]
            return
        self.board_box.children = [self._group(kr, cards) for kr, cards in groups.items()]

    def _group(self, key_result: str, cards: list[BoardCard]) -> Any:
        stages = [
            *COLUMNS,
            *(["archived"] if any(c.row["stage"] == "archived" for c in cards) else []),
        ]
        columns = []
        for stage in stages:
            mine = [c.box for c in cards if c.row["stage"] == stage]
            head = w.HTML(f"<b>{stage}</b> ({len(mine)})")
            column = w.VBox(
                [head, *mine],
                layout=w.Layout(width=f"{96 // len(stages)}%", padding="2px", margin="0 4px 0 0"),
            )
            column.add_class(f"hk-board-{stage}")
            columns.append(column)
        box = w.VBox([w.HTML(self._heading(key_result)), w.HBox(columns)])
        box.add_class("hk-board-key-result")
        return box

    def _heading(self, key_result: str) -> str:
        if key_result == NO_KEY_RESULT or self.registry is None or key_result not in self.registry:
            return f"<h4>{html.escape(key_result)}</h4>"
        kr = self.registry.get(key_result)
        title = f": {html.escape(kr.title)}" if isinstance(kr, KeyResult) and kr.title else ""
        objective = ""
        if isinstance(kr, KeyResult) and kr.objective in self.registry:
            obj = self.registry.get(kr.objective)
            if isinstance(obj, Objective):
                objective = f" <small>(objective {html.escape(obj.label)})</small>"
        return f"<h4>{html.escape(key_result)}{title}{objective}</h4>"

    def _next_commands(self) -> dict[str, str]:
        """Each hypothesis's next ``hypokit`` command, as :func:`hypokit._notebook.next_steps`."""
        from hypokit._notebook import next_steps

        if self.registry is None:
            return {}
        steps = next_steps(self.registry, as_of=self.as_of, registry_path=str(self.registry.path))
        return {r["hypothesis"]: r["command"] for r in steps.rows}

    def _instruction(self, row: dict[str, Any]) -> str:
        action = row["action"]
        line = self._commands.get(row["hypothesis"], "")
        shown = f"<br><code>{html.escape(line)}</code><br>" if line else " "

        if action == "monitor":
            return (
                f"monitor it: write its monitor notebook{shown}then set its data "
                "in the parameters cell and run all cells, until it says to analyse."
            )
        if action == "analyse":
            return (
                "analyse it: past its planned end. Write its analysis notebook"
                f"{shown}then set its data and run all cells: it concludes the "
                "hypothesis and drafts the learning."
            )
        if action == "record learning":
            return (
                "record its learning: the analysis notebook concludes it and saves the "
                f"learning it drafts{shown}"
            )
        if action == "none":
            return "<i>nothing to do</i>"
        return f"<i>{html.escape(row['next'])}</i>"

    # ----------------------------------------------------------------- acting
    def act(self, hypothesis_id: str) -> Any:
        """Do the next action of a hypothesis, as its button does.

        Returns:
            The hypothesis moved (plan, start), the :class:`SizingPanel` (size) or the
            :class:`ReviewQueue` (review learning); None when the action is not a
            button's or failed (the messages say why).
        """
        card = self.cards.get(hypothesis_id)
        if card is None:
            self._reset_messages()
            say(self.messages, f"{hypothesis_id!r} is not on the board.", "error")
            return None
        action = card.row["action"]
        if action == "plan":
            return self.move(hypothesis_id, "planned")
        if action == "start":
            return self.move(hypothesis_id, "running")
        if action == "size":
            return self.size(hypothesis_id)
        if action == "review learning":
            return self.review(hypothesis_id)
        self._reset_messages()
        say(self.messages, f"{hypothesis_id}: {card.row['next']}", "info")
        return None

    def move(self, hypothesis_id: str, status: str) -> Hypothesis | None:
        """Move a hypothesis to ``status`` on :attr:`date` (``registry.move``), then redraw."""
        self._reset_messages()
        day = self.date.value
        self.registry, problem = open_registry(self._source)
        if self.registry is None or day is None:
            say(self.messages, f"Nothing moved: {problem or 'pick the date of the move.'}", "error")
            return None
        moved, said = move_hypothesis(self.registry, hypothesis_id, status, day)
        self._refresh()
        for text, level in said:
            say(self.messages, text, level)
        return moved

    def size(self, hypothesis_id: str) -> SizingPanel | None:
        """Open a sizing panel for a hypothesis below the board, to record its plan."""
        self._reset_messages()
        self.registry, problem = open_registry(self._source)
        if self.registry is None:
            say(self.messages, problem, "error")
            return None
        try:
            h = self.registry.get(hypothesis_id, Hypothesis)
        except HypokitError as exc:
            say(self.messages, str(exc), "error")
            return None
        segments = [c.segment for c in h.criteria if c.segment != ALL_SEGMENTS]
        baseline, where = 0.1, "a placeholder: type your own"
        kr = (
            self.registry.get(h.key_result)
            if h.key_result and h.key_result in self.registry
            else None
        )
        if isinstance(kr, KeyResult) and kr.metric == h.metric and 0 < kr.baseline < 1:
            baseline, where = kr.baseline, f"the baseline of {kr.id}"
        panel = SizingPanel(
            baseline=dict.fromkeys(segments, baseline) if segments else baseline,
            mde=h.expected_effect,
            relative=h.relative,
            correction="holm" if len(segments) > 1 else None,
            whole_weeks=True,  # as the sizing template: whole weeks cover weekly cycles
            registry=self.registry,
            hypothesis_id=h.id,
            as_of=self.as_of,
            on_recorded=self._recorded,
        )
        self.sizing_panel = panel
        self.sizing_area.children = [panel.widget]
        say(
            self.messages,
            f"Size {h.id} below: its expected effect as the MDE, its segments, baseline "
            f"{baseline:g} ({where}). Give each segment's traffic, then Record the plan.",
        )
        return panel

    def _recorded(self, experiment: Experiment) -> None:
        self._refresh()
        say(
            self.messages,
            f"Recorded the plan of {experiment.hypothesis} on experiment {experiment.id}.",
            "success",
        )

    def review(self, hypothesis_id: str | None = None) -> ReviewQueue | None:
        """Open the review queue below the board (renew, retire, re-test learnings)."""
        self._reset_messages()
        self.registry, problem = open_registry(self._source)
        if self.registry is None:
            say(self.messages, problem, "error")
            return None
        queue = ReviewQueue(
            self.registry, as_of=self.as_of, due_within=self.due_within, on_change=self._refresh
        )
        self.review_queue = queue
        self.review_area.children = [queue.widget]
        card = self.cards.get(hypothesis_id or "")
        learning = card.row["learning"] if card is not None else None
        about = f" {learning} is among them." if learning in queue.items else ""
        say(self.messages, f"The learnings to review are below.{about}")
        return queue
