"""LearningForm: record or edit a learning, with an expiry from its evidence's shelf life."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from hypokit._records import DEFAULT_SHELF_LIFE, Hypothesis, Learning, Objective
from hypokit._registry import Registry
from hypokit.widgets._common import (
    DESCRIPTION,
    Choice,
    button,
    error_label,
    field,
    int_input,
    observe_all,
    text,
    with_error,
)
from hypokit.widgets._form import RecordForm
from hypokit.widgets._mapping import (
    DECISIONS,
    EVIDENCE_FIELDS,
    Mapped,
    default_expiry,
    empty_evidence,
    empty_learning,
    learning_from_values,
    learning_values,
    split_list,
)

__all__ = ["EvidenceRow", "LearningForm"]

_NONE = "(none)"
_STRENGTHS: list[tuple[str, str | None]] = [
    ("(not rated)", None),
    ("weak", "weak"),
    ("moderate", "moderate"),
    ("strong", "strong"),
]


class EvidenceRow:
    """One piece of evidence of a learning form (class ``hk-evidence``).

    Attributes:
        fields: ``kind``, ``sample_size`` (0: unknown), ``segment``, ``metric``,
            ``method``, ``experiments`` (comma-separated ids), ``strength``.
        errors: The message label of each field (``hk-error-<name>``).
        remove_button: Removes the row (``hk-remove-evidence``).
        box: The row's box.
    """

    def __init__(
        self,
        values: dict[str, Any],
        kinds: list[str],
        on_change: Callable[[Any], None],
        on_remove: Callable[[EvidenceRow], None],
    ) -> None:
        narrow = "20em"
        self.fields: dict[str, Any] = {
            "kind": field(
                Choice(
                    options=kinds,
                    value=kinds[0],
                    description="kind",
                    style=DESCRIPTION,
                    layout=w.Layout(width=narrow),
                ),
                "kind",
            ),
            "sample_size": int_input("sample_size", "sample size", 0, width=narrow),
            "segment": text("segment", "segment", placeholder="optional", width=narrow),
            "metric": text("metric", "metric", placeholder="optional", width=narrow),
            "method": text("method", "method", placeholder="e.g. two-sample z-test"),
            "experiments": text("experiments", "experiments", placeholder="ids, comma-separated"),
            "strength": field(
                Choice(
                    options=_STRENGTHS,
                    value=None,
                    description="strength",
                    style=DESCRIPTION,
                    layout=w.Layout(width=narrow),
                ),
                "strength",
            ),
        }
        self.errors: dict[str, Any] = {name: error_label(name) for name in EVIDENCE_FIELDS}
        self.extra: dict[str, Any] = {}
        self.remove_button = button("Remove", "hk-remove-evidence", style="warning")
        self.remove_button.on_click(lambda _: on_remove(self))
        f, e = self.fields, self.errors

        def cell(name: str) -> Any:
            return w.VBox([f[name], e[name]])

        self.box = w.VBox(
            [
                w.HBox([cell("kind"), cell("sample_size"), self.remove_button]),
                w.HBox([cell("segment"), cell("metric"), cell("strength")]),
                cell("method"),
                cell("experiments"),
            ],
            layout=w.Layout(border="1px solid #ddd", padding="4px", margin="2px 0"),
        )
        self.box.add_class("hk-evidence")
        self.set_values(values)
        observe_all(self.fields.values(), on_change)

    def set_kinds(self, kinds: list[str]) -> None:
        """Offer these evidence kinds (the current one stays)."""
        current = self.fields["kind"].value
        options = list(kinds) + ([current] if current not in kinds else [])
        self.fields["kind"].options = options
        self.fields["kind"].value = current

    def values(self) -> dict[str, Any]:
        """The row's values (``sample_size`` None when 0 or less)."""
        f = self.fields
        size = f["sample_size"].value
        return {
            "kind": f["kind"].value,
            "sample_size": size if size else None,
            "segment": f["segment"].value,
            "metric": f["metric"].value,
            "method": f["method"].value,
            "experiments": split_list(f["experiments"].value),
            "strength": f["strength"].value,
            "extra": dict(self.extra),
        }

    def set_values(self, values: dict[str, Any]) -> None:
        """Fill the row from values."""
        v = {**empty_evidence(), **values}
        f = self.fields
        if v["kind"] not in f["kind"].options:
            f["kind"].options = [*f["kind"].options, v["kind"]]
        f["kind"].value = v["kind"]
        f["sample_size"].value = v["sample_size"] or 0
        f["segment"].value = v["segment"] or ""
        f["metric"].value = v["metric"] or ""
        f["method"].value = v["method"] or ""
        f["experiments"].value = ", ".join(split_list(v["experiments"]))
        f["strength"].value = v["strength"]
        self.extra = dict(v["extra"] or {})


class LearningForm(RecordForm[Learning]):
    """A form that records a learning in a registry, or edits one.

    What we believed, observed and learned, the decision, the evidence (one row per
    piece), the segments, and the dates. ``recorded`` defaults to ``as_of``; the expiry
    defaults to ``recorded`` plus the shortest shelf life of the evidence kinds (the
    registry's, from its ``pyproject.toml``), and follows the evidence kinds until the
    date is edited by hand. Save and Load work as in :class:`HypothesisForm`.

    Args:
        registry: An ``hk.Registry`` or the path of its folder.
        as_of: The default recorded date (None: today).
        learning_id: A learning to load for editing.

    Attributes:
        fields: The input widgets by field (``"believed"``, ``"expires"``, ...).
        errors: The message label beside each field.
        evidence: The :class:`EvidenceRow` objects, in order.
        expires_note: Says where the expiry comes from.
        save_button, load_choice, load_button, new_button, reload_button, add_evidence_button,
        expires_default_button: Actions.
        messages: What the actions did.
        widget: The form's root box (class ``hk-learning-form``).
    """

    record_type = Learning

    def __init__(
        self,
        registry: Registry | str | os.PathLike[str],
        *,
        as_of: dt.date | str | None = None,
        learning_id: str | None = None,
    ) -> None:
        super().__init__(registry, as_of=as_of, root_class="hk-learning-form")
        self.expires_manual = False
        self._setting_expiry = False
        dropdown = {"style": DESCRIPTION, "layout": w.Layout(width="44em")}
        f: dict[str, Any] = {
            "id": text("id", "id", placeholder="e.g. pros-wait-for-hd"),
            "title": text("title", "title", placeholder="optional"),
            "believed": text("believed", "we believed", area=True),
            "observed": text("observed", "we observed", area=True),
            "learned": text("learned", "we learned", area=True),
            "decision": Choice(
                options=[("(choose)", None), *[(d, d) for d in DECISIONS]],
                value=None,
                description="therefore",
                **dropdown,
            ),
            "segments": text("segments", "segments", placeholder="comma-separated; empty: all"),
            "audience": text("audience", "audience", placeholder="optional", width="22em"),
            "objective": Choice(options=[(_NONE, None)], description="objective", **dropdown),
            "hypothesis": Choice(options=[(_NONE, None)], description="hypothesis", **dropdown),
            "recorded": w.DatePicker(value=self.as_of, description="recorded", style=DESCRIPTION),
            "expires": w.DatePicker(value=None, description="expires", style=DESCRIPTION),
        }
        for name in ("decision", "objective", "hypothesis", "recorded", "expires"):
            field(f[name], name)
        self.fields = f
        self.errors = {name: error_label(name) for name in [*f, "evidence"]}
        self.evidence: list[EvidenceRow] = []
        self.evidence_box = w.VBox([])
        self.add_evidence_button = button("Add evidence", "hk-add-evidence", style="info")
        self.add_evidence_button.on_click(lambda _: self.add_evidence())
        self.expires_note = w.HTML(value="")
        self.expires_note.add_class("hk-expires-note")
        self.expires_default_button = button(
            "Default expiry", "hk-expires-default", tooltip="Use the evidence's shelf life"
        )
        self.expires_default_button.on_click(lambda _: self.use_default_expiry())
        e = self.errors
        self.widget.children = [
            w.HTML("<h3>Learning</h3>"),
            w.HBox([self.load_choice, self.load_button, self.new_button, self.reload_button]),
            self.editing,
            with_error(f["id"], e["id"]),
            with_error(f["title"], e["title"]),
            with_error(f["believed"], e["believed"]),
            with_error(f["observed"], e["observed"]),
            with_error(f["learned"], e["learned"]),
            with_error(f["decision"], e["decision"]),
            w.HTML("<b>Evidence</b>"),
            self.evidence_box,
            w.HBox([self.add_evidence_button, e["evidence"]]),
            with_error(f["segments"], e["segments"]),
            with_error(f["audience"], e["audience"]),
            with_error(f["objective"], e["objective"]),
            with_error(f["hypothesis"], e["hypothesis"]),
            with_error(f["recorded"], e["recorded"]),
            w.HBox([f["expires"], self.expires_default_button, e["expires"]]),
            self.expires_note,
            self.save_button,
            self.messages,
        ]
        f["expires"].observe(self._expires_edited, names="value")
        f["recorded"].observe(self._kinds_changed, names="value")
        observe_all((v for k, v in f.items() if k not in ("expires", "recorded")), self._changed)
        self._filling = True
        try:
            self.add_evidence()
        finally:
            self._filling = False
        self._start(learning_id)
        if learning_id is None:
            self._update_expiry()

    # ----------------------------------------------------------------- pickers
    @property
    def shelf_life(self) -> dict[str, int]:
        """Days per evidence kind: the registry's, or the defaults."""
        return dict(DEFAULT_SHELF_LIFE) if self.registry is None else dict(self.registry.shelf_life)

    def _kinds(self) -> list[str]:
        return list(self.shelf_life)

    def _fill_options(self) -> None:
        self._fill(self.fields["objective"], self._objective_items())
        self._fill(self.fields["hypothesis"], self._hypothesis_items())
        for row in self.evidence:
            row.set_kinds(self._kinds())

    @staticmethod
    def _fill(widget: Any, items: list[tuple[str, str]], keep: Any = ...) -> None:
        current = widget.value if keep is ... else keep
        options: list[tuple[str, str | None]] = [(_NONE, None), *[(label, i) for i, label in items]]
        if current is not None and current not in {i for i, _ in items}:
            options.append((f"{current} (not in the registry)", current))
        widget.options = options
        widget.value = current

    # ----------------------------------------------------------------- evidence
    def add_evidence(self, values: dict[str, Any] | None = None) -> EvidenceRow:
        """Add an evidence row (empty, or filled from ``values``) and return it."""
        row = EvidenceRow(
            values or empty_evidence(), self._kinds(), self._evidence_changed, self.remove_evidence
        )
        self.evidence.append(row)
        self.evidence_box.children = [r.box for r in self.evidence]
        self._evidence_changed()
        return row

    def remove_evidence(self, row: EvidenceRow) -> None:
        """Remove an evidence row."""
        self.evidence.remove(row)
        self.evidence_box.children = [r.box for r in self.evidence]
        self._evidence_changed()

    def _evidence_changed(self, _change: Any = None) -> None:
        self._kinds_changed()

    # ----------------------------------------------------------------- expiry
    def default_expiry(self) -> dt.date | None:
        """``recorded`` plus the shortest shelf life of the evidence kinds."""
        kinds = [row.fields["kind"].value for row in self.evidence]
        return default_expiry(self.fields["recorded"].value, kinds, self.shelf_life)

    def _kinds_changed(self, _change: Any = None) -> None:
        if self._filling:
            return
        if not self.expires_manual:
            self._update_expiry()
        self._changed()

    def _update_expiry(self) -> None:
        default = self.default_expiry()
        self._setting_expiry = True
        try:
            self.fields["expires"].value = default
        finally:
            self._setting_expiry = False
        self._note()

    def _note(self) -> None:
        default = self.default_expiry()
        kinds = [row.fields["kind"].value for row in self.evidence]
        shelf = self.shelf_life
        known = [k for k in kinds if k in shelf]
        if self.expires_manual:
            text_ = "<i>Expiry set by hand.</i>"
            if default is not None:
                text_ = f"<i>Expiry set by hand (the shelf life gives {default}).</i>"
        elif default is None:
            text_ = "<i>Give a recorded date and the evidence to get a default expiry.</i>"
        else:
            kind = min(known, key=lambda k: shelf[k])
            text_ = f"<i>Default: recorded + {shelf[kind]} days (shelf life of {kind}).</i>"
        self.expires_note.value = text_

    def _expires_edited(self, _change: Any = None) -> None:
        if self._setting_expiry or self._filling:
            return
        self.expires_manual = True
        self._note()
        self._changed()

    def use_default_expiry(self) -> None:
        """Forget a hand-edited expiry and follow the evidence's shelf life again."""
        self.expires_manual = False
        self._update_expiry()
        self._changed()

    # ----------------------------------------------------------------- values
    def values(self) -> dict[str, Any]:
        """The form's values, read from the widgets now."""
        f = self.fields
        out = {name: f[name].value for name in f}
        out["segments"] = split_list(f["segments"].value)
        out["evidence"] = [row.values() for row in self.evidence]
        return out

    def set_values(self, values: dict[str, Any]) -> None:
        """Fill the form from values (keys as :func:`~hypokit.widgets._mapping.learning_values`).

        Keys that are left out keep their current value. A given ``expires`` counts as
        set by hand; None follows the shelf life.
        """
        v = {**self.values(), **values}
        f = self.fields
        was = self._filling
        self._filling = True
        try:
            for name in ("id", "title", "believed", "observed", "learned", "audience"):
                f[name].value = v[name] or ""
            f["decision"].value = v["decision"]
            f["segments"].value = ", ".join(split_list(v["segments"]))
            f["recorded"].value = v["recorded"]
            self._fill(f["objective"], self._objective_items(), keep=v["objective"])
            self._fill(f["hypothesis"], self._hypothesis_items(), keep=v["hypothesis"])
            if "evidence" in values:
                self.evidence = [
                    EvidenceRow(row, self._kinds(), self._evidence_changed, self.remove_evidence)
                    for row in v["evidence"] or []
                ]
                self.evidence_box.children = [r.box for r in self.evidence]
            if "expires" in values:
                self.expires_manual = values["expires"] is not None
                self._setting_expiry = True
                try:
                    f["expires"].value = values["expires"]
                finally:
                    self._setting_expiry = False
        finally:
            self._filling = was
        if not self.expires_manual:
            self._update_expiry()
        self._note()
        self._changed()

    def _objective_items(self) -> list[tuple[str, str]]:
        objectives = [] if self.registry is None else self.registry.records(Objective)
        return [(o.id, f"{o.id}: {o.title}") for o in objectives]

    def _hypothesis_items(self) -> list[tuple[str, str]]:
        hypotheses = [] if self.registry is None else self.registry.records(Hypothesis)
        return [(h.id, f"{h.id}: {h.label}") for h in hypotheses]

    def _map(self, values: dict[str, Any]) -> Mapped[Learning]:
        return learning_from_values(values, shelf_life=self.shelf_life, base=self._base)

    def _values_of(self, record: Learning) -> dict[str, Any]:
        return learning_values(record)

    def _empty(self) -> dict[str, Any]:
        return empty_learning(self.as_of)

    def _number_fields(self) -> dict[str, Any]:
        return {
            f"evidence[{i}].sample_size": r.fields["sample_size"]
            for i, r in enumerate(self.evidence)
        }

    def _error_targets(self) -> dict[str, Any]:
        targets = dict(self.errors)
        for i, row in enumerate(self.evidence):
            targets.update({f"evidence[{i}].{name}": label for name, label in row.errors.items()})
        return targets
