"""SizingPanel: size an A/B test per segment with sliders and inputs, and watch the plan follow."""

from __future__ import annotations

import datetime as dt
import html
import math
import os
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as w

from hypokit._errors import HypokitError, ValidationError
from hypokit._metrics import Mean, PerSegment, Proportion
from hypokit._records import Experiment, Hypothesis
from hypokit._registry import Registry
from hypokit._sizing import SizingPlan, size
from hypokit._validate import (
    check_choice,
    check_finite,
    check_int_at_least,
    check_open_unit,
    check_positive,
)
from hypokit.widgets._common import (
    DESCRIPTION,
    Choice,
    Panel,
    as_date,
    button,
    error_label,
    field,
    figure_output,
    float_input,
    int_input,
    new_figure,
    open_registry,
    say,
    show_html,
    text,
    with_error,
)

__all__ = ["SizingPanel", "SliderLink", "TrafficRow"]

KINDS = ("proportion", "mean")
_CHOOSE = "(choose a hypothesis)"
#: The fields typed as numbers, each refused beside itself when out of range.
TYPED = ("baseline", "mean", "sd", "mde", "alpha", "power", "ratio", "arms", "looks")
ALL = "(all)"
_CORRECTIONS: list[tuple[str, str | None]] = [
    ("none", None),
    ("holm", "holm"),
    ("bonferroni", "bonferroni"),
]


class SliderLink:
    """A typed number box with a slider beside it: the box holds the value, never clamped.

    An ipywidgets slider clamps whatever is typed into its readout to its range, and
    silently; here the slider has no readout. Moving it writes its value into the box;
    typing a number within the slider's range moves the slider; a number beyond it is
    kept as typed (the slider stretches to it, or the panel refuses it beside the
    field when it is out of the allowed range), and text that is not a number is
    refused beside the field.

    Attributes:
        text: The number box (the panel's field).
        slider: The slider (class ``hk-slider-<name>``).
        box: Both, with the field's message label.
    """

    def __init__(
        self,
        name: str,
        text: Any,
        label: Any,
        lo: float,
        hi: float,
        step: float,
        *,
        whole: bool = False,
        stretch: bool = True,
    ) -> None:
        cls = w.IntSlider if whole else w.FloatSlider
        self.text = text
        self.stretch = stretch
        self.slider = cls(
            value=lo, min=lo, max=hi, step=step, readout=False, continuous_update=False,
            layout=w.Layout(width="14em"),
        )  # fmt: skip
        self.slider.add_class(f"hk-slider-{name}")
        self._busy = False
        self._follow_text()
        self.slider.observe(self._moved, names="value")
        text.observe(self._follow_text, names="value")
        self.box = w.HBox([text, self.slider, label])

    def _moved(self, _change: Any = None) -> None:
        if self._busy:
            return
        self._busy = True
        try:
            value = self.slider.value
            self.text.value = value if isinstance(value, int) else round(value, 6)
        finally:
            self._busy = False

    def _follow_text(self, _change: Any = None) -> None:
        value = self.text.value
        if self._busy or isinstance(value, str) or value is None or value != value:
            return
        slider = self.slider
        if self.stretch and math.isfinite(value):
            if value > slider.max:
                slider.max = value
            if value < slider.min:
                slider.min = value
        if slider.min <= value <= slider.max:
            self._busy = True
            try:
                slider.value = value
            finally:
                self._busy = False


def _number(label: str, raw: str) -> float | None:
    """A number typed in a text box; None when it is empty."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise ValidationError(f"{label} == {raw!r}, must be a number.") from None


def _refusal(check: Callable[..., object], *args: Any) -> str:
    """The message of a field's check, or "" when the value is accepted."""
    try:
        check(*args)
    except ValidationError as exc:
        return str(exc)
    return ""


def _typed(check: Callable[..., object], name: str, value: Any, *args: Any) -> str:
    """The refusal of a typed value: empty, not a number, or refused by ``check``."""
    if value is None:
        return f"{name} is empty; type a number."
    if isinstance(value, str):
        return f"{name} == {value!r}, must be a number."
    return _refusal(check, name, value, *args)


def _check_mde(name: str, value: Any, alternative: str) -> None:
    """The MDE typed in the panel: a finite number, not 0, on the side of 0 it tests."""
    x = check_finite(name, value)
    if x == 0:
        raise ValidationError(f"{name} == 0, must not be 0: no sample size detects no effect.")
    if alternative == "greater" and x < 0:
        raise ValidationError(f"{name} == {value!r}, must be above 0 for alternative 'greater'.")
    if alternative == "less" and x > 0:
        raise ValidationError(f"{name} == {value!r}, must be below 0 for alternative 'less'.")


def _check_traffic(name: str, value: Any) -> None:
    """A segment's units per day (``name``: ``traffic['new']``): more than 0, or 0 when unknown."""
    x = check_finite(name, value)
    if x < 0:
        raise ValidationError(
            f"{name} == {value!r}, must be greater than 0 units per day (or 0 when unknown)."
        )


def _hypothesis(registry: Registry, record_id: str | None) -> Hypothesis | None:
    record = registry.get(record_id) if record_id is not None and record_id in registry else None
    return record if isinstance(record, Hypothesis) else None


def _days(exp: Experiment) -> str:
    if exp.start is not None and exp.planned_end is not None:
        return f", {(exp.planned_end - exp.start).days} days from {exp.start} to {exp.planned_end}"
    days = [p.days for p in exp.plan]
    if days and all(d is not None for d in days):
        return f", {max(d for d in days if d is not None)} days"
    return ""


def _segments_note(h: Hypothesis, plan: SizingPlan) -> str:
    """Say when the plan sizes other segments than the hypothesis judges."""
    judged = [c.segment for c in h.criteria if c.segment != ALL]
    sized = [s for s in plan.segments if s != ALL]
    if not judged or set(judged) == set(sized):
        return ""
    return (
        f"The plan sizes {', '.join(sized) or 'everyone at once'}; {h.id} judges "
        f"{', '.join(judged)}: size each segment it judges, so the analysis knows when each "
        "has enough data."
    )


def _typical(value: PerSegment | None, default: float) -> float:
    if value is None:
        return default
    if isinstance(value, Mapping):
        return float(sum(value.values()) / len(value)) if value else default
    return float(value)


class TrafficRow:
    """One segment of the traffic table (class ``hk-traffic-row``).

    Attributes:
        fields: ``segment``, ``traffic`` (units per day; 0: unknown), ``baseline``
            (proportions) or ``mean`` and ``sd`` (means): the segment's own value, or
            empty to use the panel's.
        errors: The message label beside ``traffic`` (class ``hk-error-traffic``): why
            a negative or non-finite value is refused.
        remove_button: Removes the row (``hk-remove-traffic-row``).
        box: The row's box.
    """

    def __init__(
        self,
        values: Mapping[str, Any],
        on_change: Callable[[Any], None],
        on_remove: Callable[[TrafficRow], None],
    ) -> None:
        def own(name: str) -> Any:
            widget = text(name, name, placeholder="(panel's)", width="14em")
            widget.style.description_width = "4em"
            value = values.get(name)
            widget.value = "" if value is None else f"{float(value):g}"
            return widget

        self.fields: dict[str, Any] = {
            "segment": text("segment", "segment", width="16em"),
            "traffic": float_input("traffic", "units/day", float(values.get("traffic") or 0)),
            "baseline": own("baseline"),
            "mean": own("mean"),
            "sd": own("sd"),
        }
        self.fields["segment"].style.description_width = "5em"
        self.fields["segment"].value = str(values.get("segment", ""))
        self.errors: dict[str, Any] = {"traffic": error_label("traffic")}
        self.remove_button = button("Remove", "hk-remove-traffic-row", style="warning")
        self.remove_button.on_click(lambda _: on_remove(self))
        self.box = w.HBox([])
        self.box.add_class("hk-traffic-row")
        for widget in self.fields.values():
            widget.observe(on_change, names="value")

    def show(self, kind: str) -> None:
        """Show the fields of a metric kind."""
        own = ["baseline"] if kind == "proportion" else ["mean", "sd"]
        f = self.fields
        self.box.children = [
            f["segment"],
            f["traffic"],
            self.errors["traffic"],
            *[f[n] for n in own],
            self.remove_button,
        ]


class SizingPanel(Panel):
    """Size an A/B test per segment: typed inputs and sliders, the plan live.

    Every change recomputes the plan with :func:`hypokit.size` (the same method and
    numbers: proportions as R's ``power.prop.test``, means as R's ``power.t.test``),
    shows its table and the power-against-days plot (:meth:`SizingPlan.plot`); an
    impossible combination shows the reason instead. Every number is typed, never
    clamped or reset: text that is not a number, an empty box, or a value out of range
    (alpha, power or a baseline rate outside (0, 1), an MDE of 0 or on the wrong side
    of 0 for the alternative, a ratio or sd of 0 or less, fewer than 2 arms or 1 look,
    negative traffic) is refused with a message beside its field that names the
    allowed range, and there is no plan until it is fixed. The baseline rate, the
    allocation ratio, the arms and the looks also have a slider (:class:`SliderLink`):
    moving it writes the box; a typed value beyond its range stretches it.

    Args:
        metric_kind: ``"proportion"`` or ``"mean"``.
        baseline: The control rate, one number or ``{segment: rate}`` (proportions).
        mean, sd: The control mean and standard deviation, one number or per segment
            (means).
        correlation: A pre-period correlation for CUPED (means), kept as given.
        traffic: Units per day, one number or ``{segment: units_per_day}``: one row
            of the traffic table per segment.
        mde, relative, alpha, power, alternative, ratio, arms, correction, whole_weeks:
            As :func:`hypokit.size`.
        looks, spending: Planned looks (1: a fixed design) and the spending function, as
            ``hk.size(looks=..., spending=...)``; with more than one look the look
            schedule is shown under the plan.
        plot: Draw the power-against-days plot.
        registry: An ``hk.Registry`` or its folder: shows **Record the plan on
            HYPOTHESIS**, with a picker of the hypotheses still to test (ideas and
            planned ones), a planned start and a data source. It calls
            ``registry.record_plan`` (:meth:`record`): the hypothesis's experiment
            holds the plan, and an idea moves to planned.
        hypothesis_id: The hypothesis picked at first.
        as_of: The date an idea moves to planned on (None: today).
        start: The planned start picked at first (None: no dates).
        data_source: Where the experiment's data will come from.
        on_recorded: Called with the experiment after each plan recorded.

    Attributes:
        plan: The current :class:`~hypokit.SizingPlan` (None when the inputs are bad).
        fields: The input widgets (``"baseline"``, ``"mde"``, ``"alpha"``, ...).
        errors: The message label beside each typed field (:data:`TYPED`; classes
            ``hk-error-<name>``), empty while the value is accepted.
        sliders: The :class:`SliderLink` of ``"baseline"``, ``"ratio"``, ``"arms"``
            and ``"looks"``.
        rows: The :class:`TrafficRow` objects.
        table, figure: The ``Output`` widgets of the plan table and the plot.
        messages: Why there is no plan, when there is none.
        widget: The root box (class ``hk-sizing-panel``).
        hypothesis, start, data_source: With a registry, the hypothesis picker
            (``hk-field-hypothesis``), the planned start (``hk-field-start``) and the
            data source (``hk-field-data_source``).
        record_button, record_note, record_messages: Record the plan
            (``hk-record-plan``), why it is disabled (``hk-record-note``), and what
            it wrote (``hk-record-messages``).

    Examples:
        >>> from hypokit.widgets import SizingPanel
        >>> panel = SizingPanel(baseline=0.10, mde=0.02, relative=False, plot=False)
        >>> panel.plan.n_per_arm  # R's power.prop.test(p1 = .10, p2 = .12, power = .8)
        3841
        >>> panel.fields["power"].value = 0.9
        >>> panel.plan.n_per_arm
        5142
        >>> panel.fields["alpha"].value = 1.5
        >>> panel.plan is None, panel.errors["alpha"].value
        (True, 'alpha == 1.5, must be in (0, 1).')
    """

    def __init__(
        self,
        metric_kind: str = "proportion",
        *,
        baseline: PerSegment | None = 0.1,
        mean: PerSegment | None = None,
        sd: PerSegment | None = None,
        correlation: PerSegment | None = None,
        traffic: PerSegment | None = None,
        mde: float = 0.1,
        relative: bool = True,
        alpha: float = 0.05,
        power: float = 0.8,
        alternative: str = "two-sided",
        ratio: float = 1.0,
        arms: int = 2,
        correction: str | None = None,
        whole_weeks: bool = False,
        looks: int = 1,
        spending: str = "obrien-fleming",
        plot: bool = True,
        registry: Registry | str | os.PathLike[str] | None = None,
        hypothesis_id: str | None = None,
        as_of: dt.date | str | None = None,
        start: dt.date | str | None = None,
        data_source: str = "",
        on_recorded: Callable[[Experiment], None] | None = None,
    ) -> None:
        super().__init__("hk-sizing-panel")
        self._source = registry
        self.registry: Registry | None = None
        self.as_of = as_date(as_of)
        self.on_recorded = on_recorded
        self.hypothesis = field(
            Choice(
                options=[(_CHOOSE, None)], value=None, description="hypothesis",
                style=DESCRIPTION, layout=w.Layout(width="44em"),
            ),
            "hypothesis",
        )  # fmt: skip
        self.start = field(
            w.DatePicker(
                value=None if start is None else as_date(start),
                description="planned start",
                style=DESCRIPTION,
            ),
            "start",
        )
        self.data_source = text(
            "data_source", "data source", placeholder="optional: the table or file of its data"
        )
        self.data_source.value = data_source
        self.record_button = button(
            "Record the plan", "hk-record-plan", style="success",
            tooltip="Write the plan on the hypothesis's experiment; an idea becomes planned",
        )  # fmt: skip
        self.record_button.on_click(lambda _: self.record())
        self.record_note = w.HTML(value="")
        self.record_note.add_class("hk-record-note")
        self.record_messages: Any = w.Output()
        self.record_messages.add_class("hk-record-messages")
        self.record_box = w.VBox([])
        check_choice("metric_kind", metric_kind, KINDS)
        self.plan: SizingPlan | None = None
        self.correlation = correlation
        self.draw = plot
        self._quiet = True
        f: dict[str, Any] = {
            "metric_kind": w.ToggleButtons(options=list(KINDS), value=metric_kind),
            "baseline": float_input("baseline", "baseline rate", _typical(baseline, 0.1)),
            "mean": float_input("mean", "mean", _typical(mean, 1.0)),
            "sd": float_input("sd", "sd", _typical(sd, 1.0)),
            "mde": float_input("mde", "MDE", float(mde)),
            "relative": w.ToggleButtons(
                options=[("relative", True), ("absolute", False)], value=bool(relative)
            ),
            "alpha": float_input("alpha", "alpha", float(alpha)),
            "power": float_input("power", "power", float(power)),
            "ratio": float_input("ratio", "allocation ratio", ratio),
            "arms": int_input("arms", "arms", arms),
            "alternative": w.Dropdown(
                options=["two-sided", "greater", "less"], value=alternative,
                description="alternative", style=DESCRIPTION,
            ),
            "correction": w.Dropdown(
                options=_CORRECTIONS, value=correction, description="correction",
                style=DESCRIPTION,
            ),
            "whole_weeks": w.Checkbox(value=bool(whole_weeks), description="whole weeks"),
            "looks": int_input("looks", "looks", looks),
            "spending": w.Dropdown(
                options=[("O'Brien-Fleming", "obrien-fleming"), ("Pocock", "pocock")],
                value=spending, description="spending", style=DESCRIPTION,
            ),
        }  # fmt: skip
        for name in (
            "metric_kind", "relative", "alternative", "correction", "whole_weeks", "spending",
        ):  # fmt: skip
            field(f[name], name)
        self.fields = f
        self.errors: dict[str, Any] = {n: error_label(n) for n in TYPED}
        e = self.errors
        self.sliders: dict[str, SliderLink] = {
            "baseline": SliderLink(
                "baseline", f["baseline"], e["baseline"], 0.001, 0.999, 0.001, stretch=False
            ),
            "ratio": SliderLink("ratio", f["ratio"], e["ratio"], 0.1, 4.0, 0.05),
            "arms": SliderLink("arms", f["arms"], e["arms"], 2, 6, 1, whole=True),
            "looks": SliderLink("looks", f["looks"], e["looks"], 1, 10, 1, whole=True),
        }
        self.rows: list[TrafficRow] = []
        self.rows_box = w.VBox([])
        self.add_row_button = button("Add segment", "hk-add-traffic-row", style="info")
        self.add_row_button.on_click(lambda _: self.add_row())
        self.table = w.Output()
        self.table.add_class("hk-plan")
        self.figure = w.Output()
        self.figure.add_class("hk-plot")
        self.metric_box = w.VBox([])
        self.widget.children = [
            w.HTML("<h3>Sizing</h3>"),
            f["metric_kind"],
            self.metric_box,
            w.HBox([f["mde"], f["relative"], e["mde"]]),
            with_error(f["alpha"], e["alpha"]),
            with_error(f["power"], e["power"]),
            self.sliders["ratio"].box,
            self.sliders["arms"].box,
            f["alternative"],
            f["correction"],
            f["whole_weeks"],
            w.HBox([self.sliders["looks"].box, f["spending"]]),
            w.HTML("<b>Segments: traffic and own baselines</b>"),
            self.rows_box,
            self.add_row_button,
            self.messages,
            self.table,
            self.record_box,
            self.figure,
        ]
        if registry is not None:
            self.record_box.children = [
                w.HTML("<b>Record the plan with the hypothesis</b>"),
                self.hypothesis,
                w.HBox([self.start, self.data_source]),
                self.record_button,
                self.record_note,
                self.record_messages,
            ]
            self._read_registry(keep=hypothesis_id)
            self.hypothesis.observe(lambda _: self._update_record(), names="value")
        for row in self._initial_rows(metric_kind, baseline, mean, sd, traffic):
            self.add_row(row)
        for widget in f.values():
            widget.observe(self._changed, names="value")
        self._quiet = False
        self._show_kind()
        self.update()

    @staticmethod
    def _initial_rows(
        kind: str,
        baseline: PerSegment | None,
        mean: PerSegment | None,
        sd: PerSegment | None,
        traffic: PerSegment | None,
    ) -> list[dict[str, Any]]:
        own = {"baseline": baseline} if kind == "proportion" else {"mean": mean, "sd": sd}
        names: list[str] = []
        if isinstance(traffic, Mapping):
            names = [str(k) for k in traffic]
        elif traffic is not None:
            names = [ALL]
        else:
            for value in own.values():
                if isinstance(value, Mapping):
                    names += [str(k) for k in value if str(k) not in names]
        rows = []
        for name in names:
            row: dict[str, Any] = {"segment": name}
            if isinstance(traffic, Mapping):
                row["traffic"] = traffic[name]
            elif traffic is not None:
                row["traffic"] = traffic
            for key, value in (("baseline", baseline), ("mean", mean), ("sd", sd)):
                if isinstance(value, Mapping) and name in value:
                    row[key] = value[name]
            rows.append(row)
        return rows

    # ----------------------------------------------------------------- rows
    def add_row(self, values: Mapping[str, Any] | None = None) -> TrafficRow:
        """Add a segment to the traffic table and return its row."""
        row = TrafficRow(
            values or {"segment": f"segment-{len(self.rows) + 1}"}, self._changed, self.remove_row
        )
        row.show(self.fields["metric_kind"].value)
        self.rows.append(row)
        self.rows_box.children = [r.box for r in self.rows]
        self._changed()
        return row

    def remove_row(self, row: TrafficRow) -> None:
        """Remove a segment from the traffic table."""
        self.rows.remove(row)
        self.rows_box.children = [r.box for r in self.rows]
        self._changed()

    def _show_kind(self) -> None:
        f = self.fields
        kind = f["metric_kind"].value
        e = self.errors
        self.metric_box.children = (
            [self.sliders["baseline"].box]
            if kind == "proportion"
            else [w.HBox([f["mean"], e["mean"], f["sd"], e["sd"]])]
        )
        for row in self.rows:
            row.show(kind)

    def _changed(self, change: Any = None) -> None:
        if self._quiet:
            return
        if change is not None and change.get("owner") is self.fields["metric_kind"]:
            self._show_kind()
        self.update()

    # ----------------------------------------------------------------- sizing
    def inputs(self) -> dict[str, Any]:
        """The keyword arguments of :func:`hypokit.size` that the panel's values make.

        Raises:
            ValidationError: A segment without a name, twice the same name, a typed
                baseline that is not a number, or traffic for some segments only.
        """
        f = self.fields
        kind = f["metric_kind"].value
        names = [r.fields["segment"].value.strip() for r in self.rows]
        for i, name in enumerate(names):
            if not name:
                raise ValidationError(f"segment {i + 1} has no name; name it or remove it.")
            if name in names[:i]:
                raise ValidationError(f"segment {name!r} is in the table twice.")
        whole = names == [ALL]  # one row for the whole population: plain numbers
        if ALL in names and not whole:
            raise ValidationError(
                f"segment {ALL!r} is the whole population; it cannot sit beside segments."
            )
        rates = [r.fields["traffic"].value or 0 for r in self.rows]  # empty: unknown
        traffic: dict[str, float] | None = None
        if self.rows and any(rates):
            if not all(rates):
                missing = [n for n, t in zip(names, rates, strict=True) if not t]
                raise ValidationError(
                    f"traffic is missing for {', '.join(map(repr, missing))}: give every "
                    "segment its units per day, or none."
                )
            traffic = dict(zip(names, rates, strict=True))

        def per_segment(key: str, default: float) -> PerSegment:
            if not self.rows:
                return default
            out = {}
            for name, row in zip(names, self.rows, strict=True):
                value = _number(f"{key}[{name!r}]", row.fields[key].value)
                out[name] = default if value is None else value
            return out[ALL] if whole else out

        metric: Proportion | Mean
        if kind == "proportion":
            metric = Proportion(baseline=per_segment("baseline", f["baseline"].value))
        else:
            metric = Mean(
                mean=per_segment("mean", f["mean"].value),
                sd=per_segment("sd", f["sd"].value),
                correlation=self.correlation,
            )
        return {
            "metric": metric,
            "mde": f["mde"].value,
            "relative": f["relative"].value,
            "alpha": f["alpha"].value,
            "power": f["power"].value,
            "alternative": f["alternative"].value,
            "ratio": f["ratio"].value,
            "arms": f["arms"].value,
            "correction": f["correction"].value,
            "traffic": traffic[ALL] if whole and traffic else traffic,
            "whole_weeks": f["whole_weeks"].value,
            **(
                {"looks": f["looks"].value, "spending": f["spending"].value}
                if f["looks"].value > 1
                else {}
            ),
        }

    def refused(self) -> list[str]:
        """Check the typed fields and show each refusal beside its field.

        Returns:
            The messages of the refused fields (empty when every value is accepted).
        """
        f, e = self.fields, self.errors
        proportion = f["metric_kind"].value == "proportion"
        checks: dict[str, tuple[Callable[..., object], str, tuple[Any, ...]]] = {
            "mde": (_check_mde, "MDE", (f["alternative"].value,)),
            "alpha": (check_open_unit, "alpha", ()),
            "power": (check_open_unit, "power", ()),
            "baseline": (check_open_unit, "baseline rate", ()),
            "mean": (check_finite, "mean", ()),
            "sd": (check_positive, "sd", ()),
            "ratio": (check_positive, "allocation ratio", ()),
            "arms": (check_int_at_least, "arms", (2,)),
            "looks": (check_int_at_least, "looks", (1,)),
        }
        unused = {"mean", "sd"} if proportion else {"baseline"}
        shown = []
        for key, (check, name, args) in checks.items():
            message = "" if key in unused else _typed(check, name, f[key].value, *args)
            shown.append((e[key], message))
        for row in self.rows:
            name = row.fields["segment"].value.strip()
            traffic = row.fields["traffic"].value
            message = _typed(_check_traffic, f"traffic[{name!r}]", traffic)
            if traffic is None:
                message = ""  # an empty box: traffic unknown, as 0
            shown.append((row.errors["traffic"], message))
        for label, message in shown:
            label.value = message
        return [message for _, message in shown if message]

    def update(self) -> None:
        """Size again from the current values; show the plan and the plot, or the reason.

        A refused field (see :meth:`refused`) leaves no plan: the panel never sizes
        with a value other than the one typed.
        """
        self._size()
        self._update_record()

    def _size(self) -> None:
        self.messages.outputs = ()
        refused = self.refused()
        if refused:
            self.plan = None
            for message in refused:
                say(self.messages, f"No plan: {message}", "error")
            self.table.outputs = ()
            self.figure.outputs = ()
            return
        try:
            inputs = self.inputs()
            metric = inputs.pop("metric")
            plan = size(metric, **inputs)
        except (HypokitError, ValueError, ArithmeticError) as exc:
            self.plan = None
            say(self.messages, f"No plan: {exc}", "error")
            self.table.outputs = ()
            self.figure.outputs = ()
            return
        self.plan = plan
        html, text = plan._repr_html_(), str(plan)
        if plan.looks is not None:  # the group-sequential schedule under the plan
            schedule = plan.schedule()
            html, text = html + schedule._repr_html_(), f"{text}\n\n{schedule}"
        show_html(self.table, html, text)
        self._plot(plan)

    # ----------------------------------------------------------------- recording
    def _read_registry(self, keep: str | None = None) -> None:
        """Read the registry again and refill the hypothesis picker."""
        current = keep if keep is not None else self.hypothesis.value
        if self._source is None:
            return
        self.registry, problem = open_registry(self._source)
        if self.registry is None:
            self.hypothesis.options = [(_CHOOSE, None)]
            self.record_note.value = f"<i>{html.escape(problem)}</i>"
            self._update_record()
            return
        records = self.registry.records(Hypothesis)
        options: list[tuple[str, str | None]] = [(_CHOOSE, None)]
        for h in records:
            if h.status in ("idea", "planned") or h.id == current:
                title = f": {h.title}" if h.title else ""
                options.append((f"{h.id} ({h.status}){title}", h.id))
        if current is not None and current not in {h.id for h in records}:
            options.append((f"{current} (not in the registry)", current))
        self.hypothesis.options = options
        self.hypothesis.value = current
        self._update_record()

    def _update_record(self) -> None:
        """The Record button's label and state, and why it is disabled."""
        if self._source is None:
            return
        picked = self.hypothesis.value
        self.record_button.description = f"Record the plan on {picked or 'a hypothesis'}"
        why = ""
        if self.registry is None:
            why = "The registry cannot be used."
        elif picked is None:
            why = "Choose the hypothesis this plan tests."
        elif self.plan is None:
            why = "No plan to record: fix the inputs above."
        self.record_button.disabled = bool(why)
        if not why and self.registry is not None and self.plan is not None:
            h = _hypothesis(self.registry, picked)
            why = "" if h is None else _segments_note(h, self.plan)
        self.record_note.value = f"<i>{html.escape(why)}</i>" if why else ""

    def record(self, hypothesis_id: str | None = None) -> Experiment | None:
        """Record the current plan on a hypothesis (``registry.record_plan``) and say where.

        Reads the registry again first. The experiment is created, or updated while it
        is planned; an idea moves to planned on :attr:`as_of`; the planned start and
        data source are the panel's.

        Args:
            hypothesis_id: The hypothesis (default: the one picked).

        Returns:
            The experiment as saved, or None when nothing was recorded (the messages
            say why).
        """
        out = self.record_messages
        out.outputs = ()
        if self._source is None:
            say(out, "Nothing recorded: the panel was made without a registry.", "error")
            return None
        picked = hypothesis_id or self.hypothesis.value
        self._read_registry(keep=picked)
        registry = self.registry
        if registry is None:
            say(out, "Nothing recorded: the registry cannot be used.", "error")
            return None
        if picked is None:
            say(out, "Nothing recorded: choose the hypothesis this plan tests.", "error")
            return None
        if self.plan is None:
            say(out, "Nothing recorded: there is no plan; fix the inputs above.", "error")
            return None
        before = _hypothesis(registry, picked)
        try:
            exp = registry.record_plan(
                picked,
                self.plan,
                as_of=self.as_of,
                start=self.start.value,
                data_source=self.data_source.value.strip(),
            )
        except HypokitError as exc:
            say(out, f"Nothing recorded: {exc}", "error")
            return None

        def rel(record_id: str) -> str:
            return registry.path_of(record_id).relative_to(registry.path).as_posix()

        days = _days(exp)
        say(
            out,
            f"Recorded the plan on {picked}: {rel(exp.id)} ({len(exp.plan)} segment(s), "
            f"{exp.units:,} units{days}).",
            "success",
        )
        after = registry.get(picked, Hypothesis)
        if before is not None and before.status != after.status:
            say(
                out,
                f"{picked} moved {before.status} → {after.status} on {self.as_of} ({rel(picked)}).",
                "success",
            )
        self._read_registry(keep=picked)
        if self.on_recorded is not None:
            self.on_recorded(exp)
        return exp

    def _plot(self, plan: SizingPlan) -> None:
        if not self.draw:
            self.figure.outputs = ()
            return
        if any(r.traffic is None for r in plan.rows):
            show_html(self.figure, "<i>Give each segment's traffic to see power against days.</i>")
            return
        fig = new_figure(7, 4)
        try:
            plan.plot(ax=fig.subplots())
        except (HypokitError, ValueError, ArithmeticError) as exc:
            self.figure.outputs = ()
            say(self.messages, f"No plot: {exc}", "warning")
            return
        self.figure.outputs = (figure_output(fig),)
