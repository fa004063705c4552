"""What the forms share: outputs, field widgets, error labels, figures, the registry."""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import math
import numbers
import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Literal

import ipywidgets as w
import traitlets

from hypokit._errors import HypokitError
from hypokit._records import Experiment, Hypothesis
from hypokit._registry import Registry, _as_of
from hypokit.widgets._mapping import number_problem, parse_number

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "Level",
    "NumberText",
    "Panel",
    "as_date",
    "error_label",
    "figure_output",
    "html_output",
    "open_registry",
    "say",
]

Level = Literal["info", "success", "warning", "error"]

_COLORS: dict[str, str] = {
    "info": "#1f4e79",
    "success": "#1b5e20",
    "warning": "#8a5300",
    "error": "#b00020",
}
ERROR_COLOR = _COLORS["error"]
DESCRIPTION = {"description_width": "10em"}
WIDE = w.Layout(width="44em")
NARROW = w.Layout(width="22em")


def as_date(as_of: dt.date | str | None) -> dt.date:
    """``as_of`` as a date (None: today, as the registry and the command line do)."""
    return _as_of(as_of)


def html_output(text: str, level: Level = "info") -> dict[str, Any]:
    """An output of an ``Output`` widget: ``text`` as HTML, coloured by ``level``."""
    color = _COLORS[level]
    markup = f'<div class="hk-message hk-{level}" style="color:{color}">{html.escape(text)}</div>'
    return {
        "output_type": "display_data",
        "data": {"text/plain": text, "text/html": markup},
        "metadata": {},
    }


def say(out: Any, text: str, level: Level = "info") -> None:
    """Add a message to an ``Output`` widget (works with or without a kernel)."""
    out.outputs = (*out.outputs, html_output(text, level))


def show_html(out: Any, markup: str, text: str = "") -> None:
    """Replace an ``Output`` widget's content with HTML."""
    out.outputs = (
        {
            "output_type": "display_data",
            "data": {"text/plain": text or markup, "text/html": markup},
            "metadata": {},
        },
    )


def figure_output(fig: Figure) -> dict[str, Any]:
    """A PNG output of a figure that pyplot never saw (so nothing is left open)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    fig.clear()
    return {
        "output_type": "display_data",
        "data": {
            "image/png": base64.b64encode(buffer.getvalue()).decode("ascii"),
            "text/plain": "<figure>",
        },
        "metadata": {},
    }


def new_figure(width: float, height: float) -> Figure:
    """A matplotlib figure outside pyplot: drawn with Agg, never registered, never leaked."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


class Choice(w.Dropdown):  # type: ignore[misc]
    """A Dropdown whose option with the value None ("(none)") shows as picked.

    ipywidgets reads the value None as "nothing picked" and shows an empty box; here
    None picks the option whose value is None, when there is one.
    """

    @traitlets.observe("value")
    def _propagate_value(self, change: Any) -> None:
        if change["new"] is None and None in self._options_values:
            index = self._options_values.index(None)
            if getattr(self, "index", None) != index:
                self.index = index
            return
        super()._propagate_value(change)

    @traitlets.observe("options")
    def _propagate_options(self, change: Any) -> None:
        super()._propagate_options(change)
        if getattr(self, "index", None) is None and None in self._options_values:
            self.index = self._options_values.index(None)


def error_label(name: str) -> Any:
    """The label that shows the message of the field ``name`` (class ``hk-error-<name>``)."""
    label = w.Label(value="", style={"text_color": ERROR_COLOR}, layout=w.Layout(display="none"))
    label.add_class(f"hk-error-{name}")

    def toggle(change: Any) -> None:
        # An empty label would still take a line of height: hide it until it has a message.
        label.layout.display = None if change["new"] else "none"

    label.observe(toggle, names="value")
    return label


def field(widget: Any, name: str) -> Any:
    """Give ``widget`` the class ``hk-field-<name>`` and return it."""
    widget.add_class(f"hk-field-{name}")
    return widget


def text(
    name: str,
    description: str,
    *,
    placeholder: str = "",
    area: bool = False,
    width: str = "44em",
) -> Any:
    """A text input that syncs on every key stroke."""
    cls = w.Textarea if area else w.Text
    widget = cls(
        value="",
        description=description,
        placeholder=placeholder,
        continuous_update=True,
        style=DESCRIPTION,
        layout=w.Layout(width=width, height="4.5em" if area else None),
    )
    return field(widget, name)


def _number_to_json(value: Any, widget: NumberText) -> str:
    """What the browser shows: the text typed, as long as it still means ``value``."""
    typed = widget._typed
    if typed is not None and _same(widget._parse(typed), value):
        return typed
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    return repr(float(value))


def _number_from_json(text: Any, widget: NumberText) -> Any:
    """What the browser sent: remember the text, give the number it means."""
    widget._typed = str(text)
    return widget._parse(str(text))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True  # NaN typed twice
    return type(a) is type(b) and bool(a == b)


class NumberText(w.Text):  # type: ignore[misc]
    """A number typed as text: the kernel reads what was typed, never a silent 0.

    ipywidgets' number boxes (``FloatText``, ``IntText``) drop text that is not a
    number in the browser and keep the old value, so the form never learns that
    something was typed. Here the browser shows a plain text box and :attr:`value`
    is what the text means: the number (an int in a whole-number box), None when the
    box is empty, or the text itself when it is not a number, for the form to refuse
    beside the field (:func:`~hypokit.widgets._mapping.number_problem`). Setting
    ``value`` to a number or to text works the same way from code.

    Attributes:
        whole: Whether the box holds a whole number.
    """

    value = traitlets.Any(None, allow_none=True).tag(
        sync=True, to_json=_number_to_json, from_json=_number_from_json
    )
    whole = traitlets.Bool(False)

    def __init__(self, **kwargs: Any) -> None:
        self._typed: str | None = None
        super().__init__(**kwargs)

    def _parse(self, text: str) -> Any:
        return parse_number(text, whole=self.whole)

    @traitlets.validate("value")
    def _valid_value(self, proposal: Any) -> Any:
        value = proposal["value"]
        if isinstance(value, str):
            return self._parse(value)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise traitlets.TraitError(f"{value!r} is not a number or text")
        if self.whole and float(value).is_integer() and math.isfinite(float(value)):
            return int(float(value))
        return float(value)

    @property
    def problem(self) -> str | None:
        """Why the value is not a number (empty counts as one), or None."""
        if self.value is None:
            return None
        return number_problem(self.value, whole=self.whole)


def _number(name: str, description: str, value: Any, whole: bool, layout: dict[str, Any]) -> Any:
    widget = NumberText(
        value=value,
        whole=whole,
        description=description,
        continuous_update=True,
        style=DESCRIPTION,
        layout=w.Layout(**({"width": "22em"} | layout)),
    )
    return field(widget, name)


def float_input(name: str, description: str, value: float | None = 0.0, **layout: Any) -> Any:
    """A number box that syncs on every key stroke (no bounds: the form checks).

    Text that is not a number is kept as typed (:class:`NumberText`), for the form to
    say what is wrong beside the field.
    """
    return _number(name, description, value, False, layout)


def int_input(name: str, description: str, value: int | None = 0, **layout: Any) -> Any:
    """A whole-number box that syncs on every key stroke (see :func:`float_input`)."""
    return _number(name, description, value, True, layout)


def with_error(widget: Any, label: Any) -> Any:
    """The widget with its message beside it."""
    return w.HBox([widget, label])


#: A button is as wide as its label, and never narrower than ipywidgets' default button.
BUTTON_LAYOUT = {"width": "max-content", "min_width": "var(--jp-widgets-inline-width-short)"}


def button(description: str, cls: str, *, style: str = "", tooltip: str = "") -> Any:
    """A button with the class ``cls``, wide enough for its whole label.

    ipywidgets gives every button one fixed width and cuts a longer label with an
    ellipsis: "Record the plan on express-pay" showed as "Record the plan o...".
    """
    b = w.Button(
        description=description,
        button_style=style,
        tooltip=tooltip,
        layout=w.Layout(**BUTTON_LAYOUT),
    )
    b.add_class(cls)
    return b


def open_registry(source: Registry | str | os.PathLike[str]) -> tuple[Registry | None, str]:
    """The registry (read again from disk), or None and the reason it cannot be used."""
    try:
        if isinstance(source, Registry):
            source.reload()
            return source, ""
        return Registry(source), ""
    except (HypokitError, OSError, TypeError) as exc:
        return None, f"The registry cannot be used: {exc}"


class Panel:
    """The base of every form: a root ``VBox`` in :attr:`widget` and a messages ``Output``.

    Attributes:
        widget: The root box, to display or to place in a layout.
        messages: The ``Output`` widget that shows what actions did (class
            ``hk-messages``).
    """

    def __init__(self, root_class: str) -> None:
        self.messages: Any = w.Output()
        self.messages.add_class("hk-messages")
        self.widget: Any = w.VBox([])
        self.widget.add_class(root_class)
        self._notices: list[dict[str, Any]] = []

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)  # type: ignore[no-untyped-call]

    def _reset_messages(self) -> None:
        """Keep only the standing notices (registry problems) in the messages."""
        self.messages.outputs = tuple(self._notices)

    def _notice(self, text: str, level: Level) -> None:
        """A message that stays until the next reload (a registry problem)."""
        self._notices.append(html_output(text, level))
        say(self.messages, text, level)

    def message_texts(self) -> list[str]:
        """The messages shown, as plain text (for tests and logs)."""
        return [
            str(o.get("data", {}).get("text/plain", o.get("text", "")))
            for o in self.messages.outputs
        ]


def move_hypothesis(
    registry: Registry, hypothesis_id: str, status: str, as_of: dt.date
) -> tuple[Hypothesis | None, list[tuple[str, Level]]]:
    """``registry.move``, and what it did in words: the steps, the files, the experiment.

    Returns:
        The hypothesis as saved (None when the move was refused) and the messages.
    """
    try:
        before = registry.get(hypothesis_id, Hypothesis)
        experiments = {
            e.id: e.status for e in registry.records(Experiment) if e.hypothesis == before.id
        }
        moved = registry.move(hypothesis_id, status, as_of=as_of)
    except HypokitError as exc:
        return None, [(f"Nothing moved: {exc}", "error")]

    def rel(record_id: str) -> str:
        return registry.path_of(record_id).relative_to(registry.path).as_posix()

    added = [c.status for c in moved.history[len(before.history) :]]
    if not added:
        return moved, [(f"{moved.id} is {moved.status} already ({rel(moved.id)}).", "info")]
    steps = " → ".join([before.status, *added])
    out: list[tuple[str, Level]] = [
        (f"Moved {moved.id}: {steps} on {as_of} ({rel(moved.id)}).", "success")
    ]
    started = [
        e
        for e in registry.records(Experiment)
        if e.hypothesis == moved.id and e.status == "running" and experiments.get(e.id) != "running"
    ]
    for exp in started:
        end = f", planned end {exp.planned_end}" if exp.planned_end else ""
        out.append((f"Started experiment {exp.id} on {exp.start}{end} ({rel(exp.id)}).", "success"))
    if moved.status == "running" and not started:
        out.append(
            (
                "No planned experiment was started: record the sizing plan on this hypothesis "
                "(the sizing template's Record button, or registry.record_plan) so that "
                "monitoring and the analysis know its plan.",
                "warning",
            )
        )
    return moved, out


def observe_all(widgets: Iterable[Any], handler: Callable[[Any], None]) -> None:
    """Call ``handler`` whenever one of ``widgets`` changes its value."""
    for widget in widgets:
        widget.observe(handler, names="value")
