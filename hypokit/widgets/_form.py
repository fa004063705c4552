"""The base of the record forms: registry, Save, Load, New, Reload and the messages per field."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any, Generic, TypeVar

import ipywidgets as w

from hypokit._errors import HypokitError
from hypokit._records import Record
from hypokit._registry import Registry
from hypokit.widgets._common import Choice, Panel, as_date, button, open_registry, say
from hypokit.widgets._mapping import Mapped, field_label

__all__ = ["RecordForm"]

R = TypeVar("R", bound=Record)


class RecordForm(Panel, Generic[R]):
    """A form over one kind of record of a registry (see HypothesisForm, LearningForm).

    Subclasses build their field widgets, then call :meth:`_start`; they implement
    :meth:`values`, :meth:`set_values`, :meth:`_map`, :meth:`_values_of`,
    :meth:`_empty`, :meth:`_fill_options` and :meth:`_error_targets`.
    """

    record_type: type[R]

    def __init__(
        self,
        source: Registry | str | os.PathLike[str],
        *,
        as_of: dt.date | str | None,
        root_class: str,
    ) -> None:
        super().__init__(root_class)
        self._source = source
        self.as_of = as_date(as_of)
        self.registry: Registry | None = None
        self.loaded_id: str | None = None
        self._base: R | None = None
        self._filling = False
        self._show_errors = False
        self.fields: dict[str, Any] = {}
        self.errors: dict[str, Any] = {}
        self.save_button = button("Save", "hk-save", style="primary", tooltip="Write the record")
        self.save_button.on_click(lambda _: self.save())
        self.load_choice = Choice(options=[("(choose a record)", None)], value=None)
        self.load_choice.add_class("hk-load-choice")
        self.load_button = button("Load", "hk-load", tooltip="Fill the form from the record")
        self.load_button.on_click(lambda _: self._load_chosen())
        self.new_button = button("New", "hk-new", tooltip="Empty the form for a new record")
        self.new_button.on_click(lambda _: self.new())
        self.reload_button = button(
            "Reload", "hk-reload", tooltip="Read the registry again (another notebook changed it)"
        )
        self.reload_button.on_click(lambda _: self._reload_clicked())
        self.editing = w.HTML(value="")
        self.editing.add_class("hk-editing")

    # ------------------------------------------------------------- to implement
    def values(self) -> dict[str, Any]:
        """The form's values, read from the widgets now."""
        raise NotImplementedError

    def set_values(self, values: dict[str, Any]) -> None:
        """Fill the widgets from ``values`` (the keys of :mod:`hypokit.widgets._mapping`)."""
        raise NotImplementedError

    def _map(self, values: dict[str, Any]) -> Mapped[R]:
        raise NotImplementedError

    def _values_of(self, record: R) -> dict[str, Any]:
        raise NotImplementedError

    def _empty(self) -> dict[str, Any]:
        raise NotImplementedError

    def _fill_options(self) -> None:
        """Fill the pickers from the registry, keeping the values chosen."""
        raise NotImplementedError

    def _error_targets(self) -> dict[str, Any]:
        """Form field key → the label that shows its message."""
        raise NotImplementedError

    def _on_change(self) -> None:
        """What follows every change (a preview)."""

    def _number_fields(self) -> dict[str, Any]:
        """Form field key → its number box, for the boxes in use now."""
        return {}

    def typing_errors(self) -> dict[str, str]:
        """The number boxes holding text that is not a number, with what is wrong.

        These show beside their field as soon as they are typed, before any Save.
        """
        out = {}
        for key, widget in self._number_fields().items():
            problem = getattr(widget, "problem", None)
            if problem:
                out[key] = problem
        return out

    # ------------------------------------------------------------- the flow
    def _start(self, record_id: str | None) -> None:
        self.reload()
        self._update_editing()
        if record_id is not None:
            self.load(record_id)
        else:
            self._on_change()

    def _changed(self, _change: Any = None) -> None:
        if self._filling:
            return
        self._on_change()
        self._show(self.validate().errors if self._show_errors else self.typing_errors())

    def reload(self) -> None:
        """Read the registry again from disk and refill the pickers.

        A registry that cannot be used (a file instead of a folder, a broken
        ``pyproject.toml``) is reported in the messages and Save is disabled; files it
        could not read are listed as warnings.
        """
        self._notices = []
        self.messages.outputs = ()
        self.registry, problem = open_registry(self._source)
        self.save_button.disabled = self.registry is None
        self.load_button.disabled = self.registry is None
        if self.registry is None:
            self._notice(problem, "error")
        else:
            for error in self.registry.errors:
                self._notice(f"Skipped a file that cannot be read: {error}", "warning")
            if self.loaded_id is not None and self.loaded_id in self.registry:
                record = self.registry.get(self.loaded_id)
                if isinstance(record, self.record_type):
                    self._base = record
        was = self._filling
        self._filling = True
        try:
            self._fill_options()
            self._fill_load_choice()
        finally:
            self._filling = was

    def _reload_clicked(self) -> None:
        self.reload()
        self._update_editing()
        if self.registry is not None:
            say(
                self.messages,
                f"Read the registry again ({len(self.registry)} records); what you typed stays.",
            )

    def _fill_load_choice(self) -> None:
        records = [] if self.registry is None else self.registry.records(self.record_type)
        current = self.load_choice.value
        options: list[tuple[str, str | None]] = [("(choose a record)", None)]
        options += [(r.id if r.label == r.id else f"{r.id}: {r.label}", r.id) for r in records]
        self.load_choice.options = options
        ids = {r.id for r in records}
        self.load_choice.value = current if current in ids else None

    def _rel(self, path: Path) -> str:
        assert self.registry is not None
        try:
            return path.relative_to(self.registry.path).as_posix()
        except ValueError:  # pragma: no cover - the registry writes under its folder
            return path.as_posix()

    def _update_editing(self) -> None:
        kind = self.record_type.kind.replace("_", " ")
        if self.loaded_id is None or self.registry is None:
            self.editing.value = f"<i>New {kind}: Save creates it.</i>"
        else:
            where = ""
            if self.loaded_id in self.registry:
                where = f" ({self._rel(self.registry.path_of(self.loaded_id))})"
            self.editing.value = (
                f"<i>Editing {kind} {self.loaded_id!r}{where}: Save updates it.</i>"
            )

    def validate(self) -> Mapped[R]:
        """Map the form's values to a record; an id that exists is refused unless loaded."""
        values = self.values()
        mapped = self._map(values)
        errors = dict(mapped.errors)
        record_id = str(values.get("id") or "").strip()
        if (
            self.registry is not None
            and record_id in self.registry
            and record_id != self.loaded_id
            and "id" not in errors
        ):
            where = self._rel(self.registry.path_of(record_id))
            errors["id"] = (
                f"{record_id!r} is already used by {where}: choose another id, or Load it to "
                "edit it"
            )
        return Mapped(None if errors else mapped.record, errors)

    def _show(self, errors: dict[str, str]) -> list[str]:
        """Show each message beside its field; return the keys no field shows."""
        targets = self._error_targets()
        for key, label in targets.items():
            label.value = errors.get(key, "")
        return [k for k in errors if k not in targets]

    def clear_errors(self) -> None:
        """Empty every message beside the fields."""
        self._show({})

    def save(self) -> Path | None:
        """Validate and write the record; return its file, or None when nothing was saved."""
        self._reset_messages()
        if self.registry is None:
            say(self.messages, "Nothing saved: the registry cannot be used.", "error")
            return None
        self._show_errors = True
        mapped = self.validate()
        self._show(mapped.errors)
        if not mapped.ok or mapped.record is None:
            problems = "; ".join(f"{field_label(k)}: {m}" for k, m in mapped.errors.items())
            say(self.messages, f"Nothing saved. Fix {problems}.", "error")
            return None
        record = mapped.record
        try:
            path = self.registry.save(record)
        except (HypokitError, OSError) as exc:
            hint = ""
            if "registry.reload()" in str(exc):
                hint = " In this form: press Reload (what you typed stays), check, then Save."
            say(self.messages, f"Nothing saved: {exc}{hint}", "error")
            return None
        self._base = record
        self.loaded_id = record.id
        self._filling = True
        try:
            self._fill_load_choice()
        finally:
            self._filling = False
        self._update_editing()
        say(self.messages, f"Saved {self._rel(path)}", "success")
        return path

    def _load_chosen(self) -> None:
        if self.load_choice.value is None:
            self._reset_messages()
            say(self.messages, "Choose a record to load.", "warning")
            return
        self.load(self.load_choice.value)

    def load(self, record_id: str) -> None:
        """Fill the form from the record ``record_id``; Save then updates it."""
        self._reset_messages()
        if self.registry is None:
            say(self.messages, "Nothing loaded: the registry cannot be used.", "error")
            return
        try:
            record = self.registry.get(record_id, self.record_type)
        except HypokitError as exc:
            say(self.messages, f"Nothing loaded: {exc}", "error")
            return
        self._base = record
        self.loaded_id = record.id
        self.set_values(self._values_of(record))
        self._show_errors = False
        self.clear_errors()
        self._update_editing()
        say(self.messages, f"Loaded {record.id} from {self._rel(self.registry.path_of(record.id))}")

    def new(self) -> None:
        """Empty the form for a new record."""
        self._base = None
        self.loaded_id = None
        self.set_values(self._empty())
        self._show_errors = False
        self.clear_errors()
        self._reset_messages()
        self._update_editing()
