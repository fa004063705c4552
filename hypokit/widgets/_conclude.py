"""ConcludePanel: conclude a hypothesis on an analysis, and save it all after a confirmation."""

from __future__ import annotations

import datetime as dt
import html
import os
import re
import shlex
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from hypokit._errors import HypokitError
from hypokit._records import Hypothesis, KeyResult, Learning
from hypokit._registry import Registry, RegistryConclusion
from hypokit._results import html_table
from hypokit.widgets._common import (
    DESCRIPTION,
    Choice,
    Panel,
    as_date,
    button,
    field,
    open_registry,
    say,
    show_html,
    text,
)

if TYPE_CHECKING:
    from hypokit._analysis import AnalysisResult

__all__ = ["ConcludePanel"]

_CONCLUDED = ("validated", "invalidated", "inconclusive")


class ConcludePanel(Panel):
    """Conclude a hypothesis of the registry on an analysis: review, confirm, save.

    By the hypothesis's status:

    * **running**: its verdict per segment (against the criteria recorded with it) and
      the drafted learning, whose title and "what we learned" can be edited; **Save the
      conclusion** (``hk-conclude-save``) writes the learning, the experiment, the
      hypothesis and the learnings it contradicts (``registry.save_conclusion``).
      Nothing is written before that click.
    * **idea** or **planned**: one line saying so, and **Start it** (``hk-start``) on the
      date picked (``hk-field-start_date``), the day its experiment went live
      (``registry.move(id, "running", as_of=...)``); then it can be concluded.
    * **concluded**: its verdicts and learning, and the next steps.

    After saving, the next steps: review the learning before it expires, and record the
    key result's progress from this analysis (**Record progress**,
    ``hk-record-progress``, ``registry.record_progress``) for the segment it ships to.

    Args:
        registry: An ``hk.Registry`` or the path of its folder.
        hypothesis_id: The hypothesis the analysis tests.
        result: The analysis (:func:`hypokit.analyze`).
        as_of: The date of the conclusion (None: today).
        variant: The variant to judge (default: the first; a picker when there are
            several).
        experiment: The experiment to conclude (default: its only running one).
        registry_path: The registry's path as the notebook's parameters give it, for
            the commands shown (default: the registry's folder name).

    Attributes:
        drafts: What ``registry.conclude`` drafted (None until the hypothesis runs).
        saved: The files the last save wrote, relative to the registry.
        fields: ``title`` and ``learned`` (the learning), ``start_date``, ``variant``,
            ``segment`` (the key result's progress), classes ``hk-field-<name>``.
        save_button, start_button, progress_button: The actions.
        status: The one-line state (class ``hk-conclude-status``).
        verdicts, learning, next_steps: What is shown (classes ``hk-verdicts``,
            ``hk-learning``, ``hk-next``).
        widget: The root box (class ``hk-conclude``).
    """

    def __init__(
        self,
        registry: Registry | str | os.PathLike[str],
        hypothesis_id: str,
        result: AnalysisResult,
        *,
        as_of: dt.date | str | None = None,
        variant: Any = None,
        experiment: str | None = None,
        registry_path: str | None = None,
    ) -> None:
        super().__init__("hk-conclude")
        self.registry, problem = open_registry(registry)
        self.hypothesis_id = hypothesis_id
        self.result = result
        self.as_of = as_date(as_of)
        self.experiment = experiment
        self.registry_path = registry_path or (
            self.registry.path.name if self.registry is not None else "records"
        )
        self.drafts: RegistryConclusion | None = None
        self.saved: list[str] = []
        self.status = w.HTML()
        self.status.add_class("hk-conclude-status")
        self.verdicts = w.Output()
        self.verdicts.add_class("hk-verdicts")
        self.learning = w.Output()
        self.learning.add_class("hk-learning")
        self.next_steps = w.Output()
        self.next_steps.add_class("hk-next")
        self.fields: dict[str, Any] = {
            "title": text("title", "title"),
            "learned": text("learned", "what we learned", area=True),
            "start_date": field(
                w.DatePicker(value=self.as_of, description="went live on", style=DESCRIPTION),
                "start_date",
            ),
            "variant": field(
                Choice(
                    options=[(str(v), v) for v in result.variants],
                    value=variant if variant is not None else result.variants[0],
                    description="variant",
                    style=DESCRIPTION,
                ),
                "variant",
            ),
            "segment": field(
                Choice(
                    options=[(str(s), s) for s in result.segments],
                    value=result.segments[0],
                    description="shipped to",
                    style=DESCRIPTION,
                ),
                "segment",
            ),
        }
        self.fields["variant"].layout.display = None if len(result.variants) > 1 else "none"
        self.fields["variant"].observe(lambda _: self.refresh(), names="value")
        self.save_button = button(
            "Save the conclusion", "hk-conclude-save", style="primary",
            tooltip="Write the learning, the experiment and the hypothesis to the registry",
        )  # fmt: skip
        self.save_button.on_click(lambda _: self.save())
        self.start_button = button("Start it", "hk-start", style="info", tooltip="Mark it running")
        self.start_button.on_click(lambda _: self.start())
        self.progress_button = button(
            "Record progress", "hk-record-progress", style="success",
            tooltip="Record the key result's value from this analysis",
        )  # fmt: skip
        self.progress_button.on_click(lambda _: self.record_progress())
        self.start_box = w.HBox([self.fields["start_date"], self.start_button])
        self.draft_box = w.VBox([self.fields["title"], self.fields["learned"], self.save_button])
        self.progress_box = w.HBox([self.fields["segment"], self.progress_button])
        self.widget.children = [
            w.HTML("<h3>Conclude</h3>"),
            self.status,
            self.fields["variant"],
            self.start_box,
            self.verdicts,
            self.learning,
            self.draft_box,
            self.messages,
            self.next_steps,
            self.progress_box,
        ]
        if self.registry is None:
            self._notice(problem, "error")
        self.refresh()

    # -------------------------------------------------------------- reading
    @property
    def variant(self) -> Any:
        """The variant judged."""
        return self.fields["variant"].value

    def hypothesis(self) -> Hypothesis | None:
        """The hypothesis as the registry holds it now (None when it cannot be read)."""
        if self.registry is None:
            return None
        try:
            return self.registry.get(self.hypothesis_id, Hypothesis)
        except HypokitError:
            return None

    def _rel(self, path: Any) -> str:
        assert self.registry is not None
        return str(self.registry._rel(path))

    def _show(self, *, start: bool, draft: bool, progress: bool) -> None:
        self.start_box.layout.display = None if start else "none"
        self.draft_box.layout.display = None if draft else "none"
        self.progress_box.layout.display = None if progress else "none"

    def _set_status(self, line: str, level: str = "info") -> None:
        colors = {"info": "#1f4e79", "warning": "#8a5300", "error": "#b00020", "ok": "#1b5e20"}
        self.status.value = f'<div style="color:{colors[level]}">{html.escape(line)}</div>'

    def refresh(self) -> None:
        """Read the hypothesis again and show what can be done with it now."""
        self.drafts = None
        self.verdicts.outputs = ()
        self.learning.outputs = ()
        self.next_steps.outputs = ()
        self._show(start=False, draft=False, progress=False)
        h = self.hypothesis()
        if h is None:
            where = "the registry" if self.registry is None else str(self.registry_path)
            self._set_status(
                f"No hypothesis {self.hypothesis_id!r} in {where}: nothing to conclude.", "error"
            )
            return
        if h.status in ("idea", "planned"):
            self._set_status(
                f"Hypothesis {h.id!r} is {h.status}: only a running hypothesis can be "
                "concluded. Start it on the day its experiment went live, then conclude it.",
                "warning",
            )
            self._show_verdicts(h)
            self._show(start=True, draft=False, progress=False)
            return
        if h.status == "archived":
            self._set_status(f"Hypothesis {h.id!r} is archived: nothing to conclude.", "warning")
            return
        if h.status in _CONCLUDED:
            verdicts = ", ".join(f"{s}: {v}" for s, v in h.verdicts.items())
            self._set_status(
                f"Hypothesis {h.id!r} was concluded on {h.concluded}: {h.status} ({verdicts}).",
                "ok",
            )
            self._show_learning(self._saved_learning(h), saved=True)
            self._show_next(h)
            return
        assert self.registry is not None
        try:
            self.drafts = self.registry.conclude(
                h.id,
                self.result,
                as_of=self.as_of,
                variant=self.variant,
                experiment=self.experiment,
            )
        except HypokitError as exc:
            self._set_status(f"It cannot be concluded on this analysis: {exc}", "error")
            return
        learning = self.drafts.learning
        self.fields["title"].value = learning.title
        self.fields["learned"].value = learning.learned
        self._set_status(
            f"Hypothesis {h.id!r} would be {self.drafts.hypothesis.status} on {self.as_of}. "
            "Review the learning below (say what we now believe), then save: nothing is "
            "written before you press Save the conclusion.",
        )
        self._show_verdicts(h)
        self._show_learning(learning, saved=False)
        self._show(start=False, draft=True, progress=False)

    def _show_verdicts(self, h: Hypothesis) -> None:
        try:
            table = self.result.verdict(h.criteria_for_analysis(), variant=self.variant)
        except HypokitError as exc:
            say(self.verdicts, f"No verdicts: {exc}", "error")
            return
        columns = ["segment", "criterion", "kind", "estimate", "ci_low", "ci_high", "verdict"]
        rows = [{c: r.get(c) for c in columns} for r in table.to_records()]
        caption = f"Verdicts against the criteria of {h.id!r}"
        show_html(self.verdicts, html_table(rows, columns, caption=caption), str(table))

    def _saved_learning(self, h: Hypothesis) -> Learning | None:
        assert self.registry is not None
        own = [x for x in self.registry.records(Learning) if x.hypothesis == h.id]
        return max(own, key=lambda x: (x.recorded, x.id)) if own else None

    def _show_learning(self, learning: Learning | None, *, saved: bool) -> None:
        if learning is None:
            say(self.learning, "No learning concludes it yet.", "warning")
            return
        head = "The learning" if saved else "The drafted learning"
        items = {
            "id": learning.id,
            "believed": learning.believed,
            "observed": learning.observed,
            "learned": learning.learned,
            "decision": learning.decision,
            "expires": str(learning.expires),
        }
        if learning.contradicts:
            items["contradicts"] = ", ".join(learning.contradicts)
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
            f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
            for k, v in items.items()
        )
        text_out = "\n".join(f"{k}: {v}" for k, v in items.items())
        show_html(self.learning, f"<b>{head}</b><table>{rows}</table>", f"{head}\n{text_out}")

    # -------------------------------------------------------------- actions
    def start(self, on: dt.date | None = None) -> Hypothesis | None:
        """Start the hypothesis (and its planned experiment) on ``on``, then refresh."""
        self._reset_messages()
        day = on or self.fields["start_date"].value
        if self.registry is None or day is None:
            say(self.messages, "Not started: pick the day its experiment went live.", "error")
            return None
        try:
            moved = self.registry.move(self.hypothesis_id, "running", as_of=day)
        except HypokitError as exc:
            say(self.messages, f"Not started: {exc}", "error")
            return None
        self.refresh()
        say(self.messages, f"Started {moved.id} on {day}: it is running.", "success")
        return moved

    def save(self) -> list[str]:
        """Save the reviewed conclusion (learning, experiment, hypothesis); return the files.

        The title and "what we learned" typed in the form replace the draft's.
        """
        self._reset_messages()
        if self.registry is None or self.drafts is None:
            say(self.messages, "Nothing saved: there is no conclusion to save.", "error")
            return []
        title = self.fields["title"].value.strip()
        learned = self.fields["learned"].value.strip()
        if not learned:
            say(self.messages, "Nothing saved: say what we learned.", "error")
            return []
        drafts = self.drafts._replace(
            learning=self.drafts.learning.model_copy(
                update={"title": title or self.drafts.learning.title, "learned": learned}
            )
        )
        try:
            written = self.registry.save_conclusion(drafts)
        except HypokitError as exc:
            say(self.messages, f"Nothing saved: {exc}", "error")
            return []
        self.saved = [self._rel(p) for p in written]
        self.refresh()
        files = ", ".join(self.saved) if self.saved else "nothing new (saved already)"
        say(self.messages, f"Saved {files}.", "success")
        return self.saved

    def _key_result(self, h: Hypothesis) -> KeyResult | None:
        assert self.registry is not None
        if not h.key_result:
            return None
        try:
            return self.registry.get(h.key_result, KeyResult)
        except HypokitError:
            return None

    def _shipped_segment(self, h: Hypothesis, kr: KeyResult) -> str:
        segments = self.result.segments
        if kr.segment and kr.segment in segments:
            return kr.segment
        success = {c.segment for c in h.criteria if c.min_effect is not None}
        met = [s for s, v in h.verdicts.items() if v == "met" and s in segments and s in success]
        return met[0] if len(met) == 1 else segments[0]

    def _show_next(self, h: Hypothesis) -> None:
        assert self.registry is not None
        reg = shlex.quote(self.registry_path)
        learning = self._saved_learning(h)
        steps = []
        if learning is not None:
            steps.append(
                f"Review the learning <b>{html.escape(learning.id)}</b> before it expires on "
                f"{learning.expires}: the learning-review template lists it then "
                f"(<code>hypokit new learning-review review -p registry_path={html.escape(reg)}"
                "</code>)."
            )
        kr = self._key_result(h)
        if kr is None:
            steps.append(
                "It serves no key result of the registry: link it to one (the hypothesis "
                "template) to record the progress it makes."
            )
        else:
            if kr.current is not None:
                shown = f"now {kr.current:g}, measured {kr.measured}"
            else:
                shown = "not measured yet"
            steps.append(
                f"Record the progress of key result <b>{html.escape(kr.id)}</b> ({shown}): pick "
                "the segment the variant ships to and press Record progress "
                f"(<code>registry.record_progress({kr.id!r}, result, as_of=as_of, "
                "segment=...)</code>)."
            )
            if self.fields["segment"].value == self.result.segments[0]:
                self.fields["segment"].value = self._shipped_segment(h, kr)
        steps.append(
            "See the whole loop: <code>hypokit status"
            + ("" if self.registry_path == "records" else f" --registry {html.escape(reg)}")
            + "</code>, or the okr-review template."
        )
        items = "".join(f"<li>{s}</li>" for s in steps)
        plain = "\n".join(f"- {html.unescape(re.sub(r'<[^>]+>', '', s))}" for s in steps)
        show_html(self.next_steps, f"<b>Next</b><ol>{items}</ol>", f"Next\n{plain}")
        self._show(start=False, draft=False, progress=kr is not None)

    def record_progress(self, segment: str | None = None) -> KeyResult | None:
        """Record the key result's value from this analysis, shipped to ``segment``."""
        self._reset_messages()
        h = self.hypothesis()
        if self.registry is None or h is None or h.status not in _CONCLUDED:
            say(self.messages, "Nothing recorded: conclude the hypothesis first.", "error")
            return None
        kr = self._key_result(h)
        if kr is None:
            say(self.messages, "Nothing recorded: the hypothesis serves no key result.", "error")
            return None
        shipped = segment or self.fields["segment"].value
        try:
            updated = self.registry.record_progress(
                kr.id,
                self.result,
                as_of=self.as_of,
                segment=shipped,
                variant=self.variant,
                source=f"{h.id}: {self.variant} shipped to {shipped}",
            )
        except HypokitError as exc:
            say(self.messages, f"Nothing recorded: {exc}", "error")
            return None
        progress = updated.current_progress
        share = "" if progress is None else f", {progress:.0%} of the way to {updated.target:g}"
        say(
            self.messages,
            f"Recorded {updated.id}: {updated.current:g} on {updated.measured}{share} "
            f"({self._rel(self.registry.path_of(updated.id))}).",
            "success",
        )
        self._show_next(h)
        return updated
