"""HypothesisForm: write or edit a hypothesis, with a live statement and per-segment criteria."""

from __future__ import annotations

import datetime as dt
import html
import os
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from hypokit._records import (
    CONCLUDED_STATUSES,
    STATUS_MEANING,
    TRANSITIONS,
    Hypothesis,
    KeyResult,
    Learning,
    Objective,
)
from hypokit._registry import Registry
from hypokit.widgets._common import (
    Choice,
    as_date,
    button,
    error_label,
    field,
    float_input,
    int_input,
    move_hypothesis,
    observe_all,
    say,
    text,
    with_error,
)
from hypokit.widgets._form import RecordForm
from hypokit.widgets._mapping import (
    SEGMENT_FIELDS,
    Mapped,
    empty_hypothesis,
    empty_segment,
    field_label,
    hypothesis_from_values,
    hypothesis_values,
    learning_label,
)

__all__ = ["HypothesisForm", "SegmentRow"]

_NONE = "(none)"

#: What a move does, by (from, to); ("*", to) when the status it leaves does not matter.
_MOVES: dict[tuple[str, str], str] = {
    ("idea", "planned"): "Plan it: it is sized and scheduled (record the sizing plan on it with "
    "the sizing template, which plans it too).",
    ("planned", "running"): "Start it: the experiment is live from this date; its planned "
    "experiment starts with it.",
    ("planned", "idea"): "Back to idea: the plan is put aside.",
    ("running", "planned"): "Back to planned: the test stopped before its end; re-plan it.",
    ("inconclusive", "running"): "Run it again: more data for the same test.",
    ("inconclusive", "planned"): "Re-plan it: size a new test (the sizing template).",
    ("*", "archived"): "Archive it: set aside and kept for the record; nothing moves on from "
    "there.",
}


def _typed(value: Any) -> Any:
    """A number box's value for the mapping: an empty box is "" (None means none wanted)."""
    return "" if value is None else value


def _missing(record_id: str) -> str:
    return f"{record_id} (not in the registry)"


class SegmentRow:
    """One segment of a hypothesis form and its success criteria (class ``hk-segment``).

    Attributes:
        fields: ``segment``, ``min_effect``, ``guardrail_only``, ``priority``,
            ``guardrail_metric``, ``guardrail_margin``, ``guardrail_direction``.
        errors: The message label of each field (``hk-error-<name>``).
        remove_button: Removes the row (``hk-remove-segment``).
        box: The row's box.
    """

    def __init__(
        self,
        values: dict[str, Any],
        on_change: Callable[[Any], None],
        on_remove: Callable[[SegmentRow], None],
    ) -> None:
        narrow = "20em"
        self.fields: dict[str, Any] = {
            "segment": text("segment", "segment", placeholder="e.g. new, or (all)", width=narrow),
            "min_effect": float_input("min_effect", "min effect", width=narrow),
            "guardrail_only": field(
                w.Checkbox(value=False, description="guardrail only", indent=False),
                "guardrail_only",
            ),
            "priority": int_input("priority", "priority", 1, width=narrow),
            "guardrail_metric": text(
                "guardrail_metric", "guardrail metric", placeholder="optional", width=narrow
            ),
            "guardrail_margin": float_input("guardrail_margin", "largest harm", width=narrow),
            "guardrail_direction": field(
                Choice(
                    options=["increase", "decrease"],
                    value="increase",
                    description="good direction",
                    style={"description_width": "10em"},
                    layout=w.Layout(width="20em"),
                ),
                "guardrail_direction",
            ),
        }
        self.errors: dict[str, Any] = {name: error_label(name) for name in SEGMENT_FIELDS}
        self.extra: dict[str, Any] = {}
        self.remove_button = button("Remove", "hk-remove-segment", style="warning")
        self.remove_button.on_click(lambda _: on_remove(self))
        self.fields["guardrail_only"].observe(self._toggle, names="value")
        f, e = self.fields, self.errors

        def cell(name: str) -> Any:
            return w.VBox([f[name], e[name]])

        self.box = w.VBox(
            [
                w.HBox([cell("segment"), cell("priority"), self.remove_button]),
                w.HBox([cell("min_effect"), f["guardrail_only"]]),
                w.HBox([cell("guardrail_metric"), cell("guardrail_margin")]),
                w.HBox([cell("guardrail_direction")]),
            ],
            layout=w.Layout(border="1px solid #ddd", padding="4px", margin="2px 0"),
        )
        self.box.add_class("hk-segment")
        self.set_values(values)
        observe_all(self.fields.values(), on_change)

    def _toggle(self, _change: Any = None) -> None:
        self.fields["min_effect"].disabled = self.fields["guardrail_only"].value

    def values(self) -> dict[str, Any]:
        """The row's values (``min_effect`` None for a guardrail-only segment)."""
        f = self.fields
        return {
            "segment": f["segment"].value,
            "min_effect": None if f["guardrail_only"].value else _typed(f["min_effect"].value),
            "priority": f["priority"].value,
            "guardrail_metric": f["guardrail_metric"].value,
            "guardrail_margin": f["guardrail_margin"].value,
            "guardrail_direction": f["guardrail_direction"].value,
            "extra": dict(self.extra),
        }

    def set_values(self, values: dict[str, Any]) -> None:
        """Fill the row from values."""
        v = {**empty_segment(), **values}
        f = self.fields
        f["segment"].value = v["segment"]
        f["guardrail_only"].value = v["min_effect"] is None
        f["min_effect"].value = 0.0 if v["min_effect"] is None else v["min_effect"]
        f["priority"].value = v["priority"]
        f["guardrail_metric"].value = v["guardrail_metric"]
        f["guardrail_margin"].value = v["guardrail_margin"] or 0.0
        f["guardrail_direction"].value = v["guardrail_direction"]
        self.extra = dict(v["extra"] or {})
        self._toggle()


class HypothesisForm(RecordForm[Hypothesis]):
    """A form that writes a hypothesis into a registry, or edits one.

    The statement (``hypothesis.statement``) is previewed on every change; when a value
    is missing or wrong, the preview says which. **Save** validates every field, shows
    each problem beside its field and writes nothing until all are fixed; it refuses an
    id that exists unless the form was loaded from that record (**Load**), in which
    case it updates it. The YAML registry stays the source of truth: the form reads it
    again when it is created, on :meth:`reload` and with **Reload**.

    **Lifecycle**: under the form, the saved hypothesis's status and what it means
    (``STATUS_MEANING``), its dated history, and the moves the lifecycle allows from
    there (``TRANSITIONS``; the verdicts are left to the analysis, which concludes on
    data), each explained. **Move** (:meth:`move`) reads the registry again, then calls
    ``registry.move(id, status, as_of=date)``: the move is dated in the history, and
    starting it (``running``) starts its planned experiment (the one the sizing panel
    recorded). The form then edits the moved record, so a later Save keeps the new
    status. Until the hypothesis is saved, Move is disabled and says why.

    Args:
        registry: An ``hk.Registry`` or the path of its folder.
        as_of: The date that marks expired learnings in the picker, and the default
            date of a move (None: today).
        hypothesis_id: A hypothesis to load for editing.

    Attributes:
        fields: The input widgets by record field (``"change"``, ``"objective"``, ...).
        errors: The message label beside each field.
        segments: The :class:`SegmentRow` objects, in order.
        preview: The statement preview (``preview_text`` holds it as plain text).
        save_button, load_choice, load_button, new_button, reload_button,
        add_segment_button: Actions.
        status_view: The saved status, its meaning and history (class ``hk-status``).
        move_to, move_date, move_button: Where to move it, on which date, and Move
            (classes ``hk-field-move_to``, ``hk-field-move_date``, ``hk-move``).
        move_note: What the move picked does, or why Move is disabled
            (``hk-move-note``).
        messages: What the actions did.
        widget: The form's root box (class ``hk-hypothesis-form``).

    Examples:
        >>> import tempfile
        >>> from hypokit.widgets import HypothesisForm
        >>> folder = tempfile.TemporaryDirectory()
        >>> form = HypothesisForm(folder.name, as_of="2026-11-22")
        >>> form.set_values({"id": "express-pay", "change": "add express pay",
        ...     "metric": "converted", "expected_effect": 0.1, "time_frame_days": 7})
        >>> form.preview_text
        'If we add express pay, converted will increase by 10% within 7 days.'
        >>> form.save_button.click()
        >>> form.message_texts()
        ['Saved hypotheses/express-pay.yaml']
        >>> folder.cleanup()
    """

    record_type = Hypothesis

    def __init__(
        self,
        registry: Registry | str | os.PathLike[str],
        *,
        as_of: dt.date | str | None = None,
        hypothesis_id: str | None = None,
    ) -> None:
        super().__init__(registry, as_of=as_of, root_class="hk-hypothesis-form")
        dropdown = {"style": {"description_width": "10em"}, "layout": w.Layout(width="44em")}
        f: dict[str, Any] = {
            "objective": Choice(options=[(_NONE, None)], description="objective", **dropdown),
            "key_result": Choice(options=[(_NONE, None)], description="key result", **dropdown),
            "id": text("id", "id", placeholder="e.g. express-pay (lowercase, digits, - _ .)"),
            "title": text("title", "title", placeholder="optional"),
            "change": text("change", "If we ...", placeholder="add express pay to the cart"),
            "metric": text("metric", "metric", placeholder="the analysis column: converted"),
            "outcome": text("outcome", "outcome", placeholder="in words: checkout conversion"),
            "direction": Choice(
                options=["increase", "decrease"], value="increase", description="will", **dropdown
            ),
            "expected_effect": float_input("expected_effect", "by"),
            "relative": w.ToggleButtons(
                options=[("relative", True), ("absolute", False)],
                value=True,
                tooltips=["0.1 means +10%", "in the metric's units"],
                style={"button_width": "6em"},
            ),
            "unit": text("unit", "unit", placeholder="of an absolute effect: EUR", width="22em"),
            "time_frame_days": int_input("time_frame_days", "within (days)", 14),
            "audience": text("audience", "audience", placeholder="customers", width="22em"),
            "because": text("because", "because", placeholder="the reasoning", area=True),
            "learnings": w.SelectMultiple(
                options=[],
                value=(),
                description="cited learnings",
                rows=4,
                style={"description_width": "10em"},
                layout=w.Layout(width="44em"),
            ),
        }
        for name in ("objective", "key_result", "direction", "relative", "learnings"):
            field(f[name], name)
        self.fields = f
        names = [*f, "segments"]
        self.errors = {name: error_label(name) for name in names}
        self.segments: list[SegmentRow] = []
        self.segment_box = w.VBox([])
        self.add_segment_button = button("Add segment", "hk-add-segment", style="info")
        self.add_segment_button.on_click(lambda _: self.add_segment())
        self.preview = w.HTML(value="")
        self.preview.add_class("hk-preview")
        self.preview_text = ""
        self.status_view = w.HTML(value="")
        self.status_view.add_class("hk-status")
        self.move_to = field(
            Choice(options=[("(no move)", None)], value=None, description="move to", **dropdown),
            "move_to",
        )
        self.move_date = field(
            w.DatePicker(value=self.as_of, description="on", style={"description_width": "3em"}),
            "move_date",
        )
        self.move_button = button(
            "Move", "hk-move", style="info", tooltip="Move the saved hypothesis, dated"
        )
        self.move_button.on_click(lambda _: self.move())
        self.move_note = w.HTML(value="")
        self.move_note.add_class("hk-move-note")
        self.move_to.observe(lambda _: self._explain_move(), names="value")
        e = self.errors
        self.widget.children = [
            w.HTML("<h3>Hypothesis</h3>"),
            w.HBox([self.load_choice, self.load_button, self.new_button, self.reload_button]),
            self.editing,
            with_error(f["objective"], e["objective"]),
            with_error(f["key_result"], e["key_result"]),
            with_error(f["id"], e["id"]),
            with_error(f["title"], e["title"]),
            with_error(f["change"], e["change"]),
            with_error(f["metric"], e["metric"]),
            with_error(f["outcome"], e["outcome"]),
            with_error(f["direction"], e["direction"]),
            w.HBox([f["expected_effect"], f["relative"], e["expected_effect"], e["relative"]]),
            with_error(f["unit"], e["unit"]),
            with_error(f["time_frame_days"], e["time_frame_days"]),
            with_error(f["audience"], e["audience"]),
            with_error(f["because"], e["because"]),
            with_error(f["learnings"], e["learnings"]),
            w.HTML("<b>Segments and their success criteria</b>"),
            self.segment_box,
            w.HBox([self.add_segment_button, e["segments"]]),
            w.HTML("<b>Statement</b>"),
            self.preview,
            self.save_button,
            w.HTML("<b>Lifecycle</b>"),
            self.status_view,
            w.HBox([self.move_to, self.move_date, self.move_button]),
            self.move_note,
            self.messages,
        ]
        f["objective"].observe(self._objective_changed, names="value")
        observe_all((v for k, v in f.items() if k != "objective"), self._changed)
        self._start(hypothesis_id)

    # ----------------------------------------------------------------- pickers
    def _fill_options(self) -> None:
        self._fill_objectives(self.fields["objective"].value)
        self._fill_key_results(self.fields["key_result"].value)
        self._fill_learnings(list(self.fields["learnings"].value))

    def _fill_objectives(self, keep: str | None) -> None:
        objectives = [] if self.registry is None else self.registry.records(Objective)
        options: list[tuple[str, str | None]] = [(_NONE, None)]
        options += [(f"{o.id}: {o.title}", o.id) for o in objectives]
        if keep is not None and keep not in {o.id for o in objectives}:
            options.append((_missing(keep), keep))
        widget = self.fields["objective"]
        widget.options = options
        widget.value = keep

    def _fill_key_results(self, keep: str | None) -> None:
        objective = self.fields["objective"].value
        krs = [] if self.registry is None else self.registry.records(KeyResult)
        mine = [k for k in krs if objective is None or k.objective == objective]
        options: list[tuple[str, str | None]] = [(_NONE, None)]
        options += [(f"{k.id}: {k.title}" if k.title else k.id, k.id) for k in mine]
        ids = {k.id for k in mine}
        if keep is not None and keep not in ids:
            if keep in {k.id for k in krs} or objective is not None:
                keep = None  # filtered out by the objective picked
            else:
                options.append((_missing(keep), keep))
        widget = self.fields["key_result"]
        widget.options = options
        widget.value = keep

    def _fill_learnings(self, keep: list[str]) -> None:
        learnings = [] if self.registry is None else self.registry.records(Learning)
        options = [(learning_label(x, self.as_of), x.id) for x in learnings]
        known = {x.id for x in learnings}
        options += [(_missing(i), i) for i in keep if i not in known]
        widget = self.fields["learnings"]
        widget.options = options
        widget.value = tuple(keep)

    def _objective_changed(self, _change: Any = None) -> None:
        was = self._filling
        self._filling = True
        try:
            self._fill_key_results(self.fields["key_result"].value)
        finally:
            self._filling = was
        self._changed()

    # ----------------------------------------------------------------- segments
    def add_segment(self, values: dict[str, Any] | None = None) -> SegmentRow:
        """Add a segment row (empty, or filled from ``values``) and return it."""
        row = SegmentRow(values or empty_segment(), self._changed, self.remove_segment)
        self.segments.append(row)
        self.segment_box.children = [r.box for r in self.segments]
        self._changed()
        return row

    def remove_segment(self, row: SegmentRow) -> None:
        """Remove a segment row."""
        self.segments.remove(row)
        self.segment_box.children = [r.box for r in self.segments]
        self._changed()

    # ----------------------------------------------------------------- values
    def values(self) -> dict[str, Any]:
        """The form's values, read from the widgets now."""
        f = self.fields
        out = {name: f[name].value for name in f}
        out["learnings"] = list(f["learnings"].value)
        out["segments"] = [row.values() for row in self.segments]
        return out

    def set_values(self, values: dict[str, Any]) -> None:
        """Fill the form from values (keys as :func:`~hypokit.widgets._mapping.hypothesis_values`).

        Keys that are left out keep their current value.
        """
        v = {**self.values(), **values}
        f = self.fields
        was = self._filling
        self._filling = True
        try:
            for name in ("id", "title", "change", "metric", "outcome", "unit", "audience"):
                f[name].value = v[name] or ""
            f["because"].value = v["because"] or ""
            f["direction"].value = v["direction"]
            f["relative"].value = bool(v["relative"])
            f["expected_effect"].value = v["expected_effect"]  # text that is not a number stays
            f["time_frame_days"].value = v["time_frame_days"]
            self._fill_learnings(list(v["learnings"] or []))
            objective = v["objective"]
            if objective is None and v["key_result"] and self.registry is not None:
                kr = self.registry.records(KeyResult)
                objective = next((k.objective for k in kr if k.id == v["key_result"]), None)
            self._fill_objectives(objective)
            self._fill_key_results(v["key_result"])
            if "segments" in values:
                self.segments = []
                for row in v["segments"] or []:
                    self.segments.append(SegmentRow(row, self._changed, self.remove_segment))
                self.segment_box.children = [r.box for r in self.segments]
        finally:
            self._filling = was
        self._changed()

    def _map(self, values: dict[str, Any]) -> Mapped[Hypothesis]:
        return hypothesis_from_values(values, base=self._base)

    def _values_of(self, record: Hypothesis) -> dict[str, Any]:
        return hypothesis_values(record)

    def _empty(self) -> dict[str, Any]:
        return empty_hypothesis()

    def _error_targets(self) -> dict[str, Any]:
        targets = dict(self.errors)
        for i, row in enumerate(self.segments):
            targets.update({f"segments[{i}].{name}": label for name, label in row.errors.items()})
        return targets

    def _number_fields(self) -> dict[str, Any]:
        f = self.fields
        out = {"expected_effect": f["expected_effect"], "time_frame_days": f["time_frame_days"]}
        for i, row in enumerate(self.segments):
            for name in ("min_effect", "priority", "guardrail_margin"):
                if name == "min_effect" and row.fields["guardrail_only"].value:
                    continue  # not used
                out[f"segments[{i}].{name}"] = row.fields[name]
        return out

    def _on_change(self) -> None:
        values = self.values()
        values["id"] = "preview"  # the statement does not need the id
        mapped = hypothesis_from_values(values, base=self._base)
        if mapped.record is not None:
            self.preview_text = mapped.record.statement
            self.preview.value = f"<p>{html.escape(self.preview_text)}</p>"
        else:
            needs = "; ".join(f"{field_label(k)} ({m})" for k, m in mapped.errors.items())
            self.preview_text = f"The statement needs: {needs}."
            self.preview.value = (
                f'<p style="color:#777"><i>{html.escape(self.preview_text)}</i></p>'
            )

    # ----------------------------------------------------------------- lifecycle
    def _update_editing(self) -> None:
        super()._update_editing()
        self._update_status()

    def _saved(self) -> Hypothesis | None:
        """The hypothesis as the registry holds it (None: not saved yet)."""
        if self.registry is None or self.loaded_id is None or self.loaded_id not in self.registry:
            return None
        record = self.registry.get(self.loaded_id)
        return record if isinstance(record, Hypothesis) else None

    def _update_status(self) -> None:
        saved = self._saved()
        if saved is None:
            self.status_view.value = (
                f"Status: <b>idea</b> ({html.escape(STATUS_MEANING['idea'])}): a new hypothesis "
                "starts as an idea."
            )
            self.move_to.options = [("(no move)", None)]
            self._enable_move(False, "Save the hypothesis first: then it can move on.")
            return
        status = saved.status
        history = ", ".join(f"{c.status} on {c.date}" for c in saved.history)
        self.status_view.value = (
            f"Status: <b>{status}</b> ({html.escape(STATUS_MEANING[status])})"
            + (f"<br><i>History: {html.escape(history)}.</i>" if history else "")
        )
        moves = [m for m in TRANSITIONS[status] if m not in CONCLUDED_STATUSES]
        current = self.move_to.value
        self.move_to.options = [(f"{m}: {STATUS_MEANING[m]}", m) for m in moves] or [
            ("(no move)", None)
        ]
        self.move_to.value = current if current in moves else (moves[0] if moves else None)
        if not moves:
            self._enable_move(False, f"{status.capitalize()} is final: it can move nowhere.")
        else:
            self._enable_move(True, "")
            self._explain_move()

    def _enable_move(self, enabled: bool, why: str) -> None:
        for widget in (self.move_to, self.move_date, self.move_button):
            widget.disabled = not enabled
        if why:
            self.move_note.value = f"<i>{html.escape(why)}</i>"

    def _explain_move(self) -> None:
        saved = self._saved()
        target = self.move_to.value
        if saved is None or target is None:
            return
        text_ = _MOVES.get((saved.status, target)) or _MOVES.get(("*", target), "")
        if saved.status == "running":
            text_ += (
                " Concluding it (validated, invalidated, inconclusive) is the analysis's job: "
                f"hypokit new analysis analysis-{saved.id} -p hypothesis_id={saved.id}"
            )
        self.move_note.value = f"<i>{html.escape(text_)}</i>"

    def move(
        self, status: str | None = None, *, as_of: dt.date | str | None = None
    ) -> Hypothesis | None:
        """Move the saved hypothesis to ``status`` (default: the one picked), dated.

        Reads the registry again first (another notebook may have planned or sized
        it), then calls ``registry.move``: every status on the way is dated in the
        history, and starting it starts its planned experiment. The form then edits
        the moved record; values typed and not saved stay in the form, unsaved.

        Args:
            status: Where to move it (default: :attr:`move_to`).
            as_of: The date of the move (default: :attr:`move_date`).

        Returns:
            The hypothesis as saved, or None when nothing moved (the messages say why).
        """
        self._reset_messages()
        if self.loaded_id is None:
            say(self.messages, "Nothing moved: save the hypothesis first.", "error")
            return None
        target = status if status is not None else self.move_to.value
        day = as_date(as_of) if as_of is not None else self.move_date.value
        if target is None:
            say(self.messages, "Nothing moved: choose where to move it.", "error")
            return None
        if day is None:
            say(self.messages, "Nothing moved: pick the date of the move.", "error")
            return None
        self.reload()
        registry, before = self.registry, self._saved()
        if registry is None or before is None:
            say(
                self.messages, f"Nothing moved: {self.loaded_id!r} is not in the registry.", "error"
            )
            self._update_editing()
            return None
        mapped = self.validate()
        unsaved = not mapped.ok or mapped.record != before
        moved, said = move_hypothesis(registry, before.id, target, day)
        for text_, level in said:
            say(self.messages, text_, level)
        if moved is not None:
            self._base = moved
        self._update_editing()
        if moved is None:
            return None
        if unsaved:
            say(
                self.messages,
                "The form has changes that are not saved: they stay in the form; Save them.",
                "warning",
            )
        return moved

    def cite(self, learning_id: str) -> None:
        """Add a learning to the cited learnings."""
        current = list(self.fields["learnings"].value)
        if learning_id not in current:
            self.set_values({"learnings": [*current, learning_id]})
