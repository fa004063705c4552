"""MetricPicker: pick the metrics to analyse from the data's columns."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as w

from hypokit._errors import ValidationError
from hypokit.widgets._common import Choice, Panel, error_label, field

__all__ = ["MetricPicker", "MetricRow"]

#: The kinds a numeric column can be analysed as ("" is "not a metric").
KINDS: list[tuple[str, str]] = [
    ("not a metric", ""),
    ("proportion (0/1)", "proportion"),
    ("mean", "mean"),
    ("ratio: its sum over another's", "ratio"),
]
_NARROW = {"description_width": "7em"}


def _values_kind(values: Any) -> str:
    """``"0/1"``, ``"numbers"`` or ``"text"``, from the first rows of a column."""
    from hypokit._notebook import _is_binary, _is_number

    if not _is_number(values):
        return "text"
    return "0/1" if _is_binary(values) else "numbers"


class MetricRow:
    """One column of the data, and how to analyse it (class ``hk-metric-row``).

    Attributes:
        column: The column.
        values_kind: What its first rows hold: ``"0/1"``, ``"numbers"`` or ``"text"``.
        fields: ``kind`` (``""``: not a metric, ``proportion``, ``mean``, ``ratio``),
            ``covariate`` (a mean's CUPED covariate, ``""``: none) and ``denominator``
            (a ratio's), classes ``hk-field-<name>``.
        error: The message beside the row (``hk-error-metric``).
        label: The column's name and what it holds (class ``hk-metric-column``; the
            name in bold).
        box: The row's box.
    """

    def __init__(
        self,
        column: str,
        values_kind: str,
        numeric: Sequence[str],
        on_change: Callable[[Any], None],
    ) -> None:
        self.column = column
        self.values_kind = values_kind
        others = [c for c in numeric if c != column]
        text = values_kind == "text"
        self.fields: dict[str, Any] = {
            "kind": field(
                Choice(
                    options=KINDS[:1] if text else KINDS,
                    value="",
                    description="analyse as",
                    disabled=text,
                    style=_NARROW,
                    layout=w.Layout(width="22em"),
                ),
                "kind",
            ),
            "covariate": field(
                Choice(
                    options=[("no CUPED", ""), *((f"CUPED on {c}", c) for c in others)],
                    value="",
                    description="covariate",
                    style=_NARROW,
                    layout=w.Layout(width="22em"),
                ),
                "covariate",
            ),
            "denominator": field(
                Choice(
                    options=[("(choose)", ""), *((c, c) for c in others)],
                    value="",
                    description="over",
                    style=_NARROW,
                    layout=w.Layout(width="18em"),
                ),
                "denominator",
            ),
        }
        self.error = error_label("metric")
        self.label = w.HTML(
            f"<b>{html.escape(column)}</b> <i>({values_kind})</i>",
            layout=w.Layout(width="16em"),
        )
        self.label.add_class("hk-metric-column")
        self.box = w.HBox([self.label, *self.fields.values(), self.error])
        self.box.add_class("hk-metric-row")
        for widget in self.fields.values():
            widget.observe(on_change, names="value")
        self.show()

    def show(self) -> None:
        """Show the covariate for a mean, the denominator for a ratio."""
        kind = self.fields["kind"].value
        self.fields["covariate"].layout.display = None if kind == "mean" else "none"
        self.fields["denominator"].layout.display = None if kind == "ratio" else "none"

    def problem(self) -> str:
        """Why the row cannot be analysed as picked, or ``""``."""
        kind = self.fields["kind"].value
        if kind == "proportion" and self.values_kind != "0/1":
            return f"{self.column}: a proportion takes 0/1 values; its first rows hold others"
        if kind == "ratio" and not self.fields["denominator"].value:
            return f"{self.column}: a ratio needs the column it is divided by"
        return ""


class MetricPicker(Panel):
    """Pick the metrics to analyse among the data's columns, the parameters as defaults.

    One row per column (those in ``exclude`` left out): analyse it as a proportion (0/1
    values), a mean (with CUPED on a pre-experiment column, optionally) or a ratio (its
    sum over another column's, by the delta method), or not at all. The parameters the
    picks amount to are shown under the rows, to copy into the parameters cell.

    Args:
        data: The data, or its first rows (a pandas frame; anything else is read with
            :func:`hypokit._notebook.preview`).
        proportion: Columns picked as proportions.
        mean: ``{column: covariate or None}`` picked as means.
        ratio: ``(numerator, denominator)`` pairs picked as ratios.
        exclude: Columns that are not metrics (the variant, the segments, the date).

    Attributes:
        rows: The :class:`MetricRow` per column.
        parameters_view: The parameters the picks amount to (class
            ``hk-metric-parameters``).
        widget: The root box (class ``hk-metric-picker``).
    """

    def __init__(
        self,
        data: Any,
        *,
        proportion: Sequence[str] = (),
        mean: Mapping[str, str | None] | None = None,
        ratio: Sequence[Sequence[str]] = (),
        exclude: Sequence[str] = (),
    ) -> None:
        super().__init__("hk-metric-picker")
        import pandas as pd

        from hypokit._notebook import preview

        sample = data if isinstance(data, pd.DataFrame) else preview(data)
        columns = [str(c) for c in sample.columns if str(c) not in exclude]
        kinds = {c: _values_kind(sample[c]) for c in columns}
        numeric = [c for c in columns if kinds[c] != "text"]
        self.rows: dict[str, MetricRow] = {
            c: MetricRow(c, kinds[c], numeric, self._changed) for c in columns
        }
        self.parameters_view = w.HTML()
        self.parameters_view.add_class("hk-metric-parameters")
        self._filling = False
        self.set_parameters(proportion, mean or {}, ratio)
        self.widget.children = [
            w.HTML(
                "<b>Metrics</b>: pick how to analyse each column, then run the cells below "
                "again (<i>Run &gt; Run Selected Cell and All Below</i>)."
            ),
            *(r.box for r in self.rows.values()),
            self.parameters_view,
            self.messages,
        ]
        self._changed()

    def set_parameters(
        self,
        proportion: Sequence[str],
        mean: Mapping[str, str | None],
        ratio: Sequence[Sequence[str]],
    ) -> None:
        """Pick the columns the parameters name (others: not a metric)."""
        self._filling = True
        try:
            for row in self.rows.values():
                row.fields["kind"].value = ""
            for column in proportion:
                self._pick(column, "proportion")
            for column, covariate in mean.items():
                if self._pick(column, "mean") and covariate in self.rows:
                    self.rows[column].fields["covariate"].value = covariate
            for num, den in ratio:
                if self._pick(num, "ratio") and den in self.rows:
                    self.rows[num].fields["denominator"].value = den
        finally:
            self._filling = False
        self._changed()

    def _pick(self, column: str, kind: str) -> bool:
        row = self.rows.get(column)
        if row is None or row.values_kind == "text" or row.fields["kind"].value:
            return False
        row.fields["kind"].value = kind
        return True

    def _changed(self, _change: Any = None) -> None:
        if self._filling:
            return
        for row in self.rows.values():
            row.show()
            row.error.value = row.problem()
        p = self.parameters()
        lines = [f"{k} = {v!r}" for k, v in p.items()]
        self.parameters_view.value = (
            "<i>As parameters:</i><pre>" + html.escape("\n".join(lines)) + "</pre>"
        )

    def parameters(self) -> dict[str, Any]:
        """The picks as the template's parameters (``proportion_metrics``, ...)."""
        proportion: list[str] = []
        mean: dict[str, str | None] = {}
        ratio: list[tuple[str, str]] = []
        for column, row in self.rows.items():
            kind = row.fields["kind"].value
            if kind == "proportion":
                proportion.append(column)
            elif kind == "mean":
                mean[column] = row.fields["covariate"].value or None
            elif kind == "ratio" and row.fields["denominator"].value:
                ratio.append((column, row.fields["denominator"].value))
        return {"proportion_metrics": proportion, "mean_metrics": mean, "ratio_metrics": ratio}

    def problems(self) -> list[str]:
        """Why the picks cannot be analysed (empty when they can)."""
        out = [p for p in (r.problem() for r in self.rows.values()) if p]
        if not any(self.parameters().values()):
            out.append("no column is picked as a metric")
        return out

    def metrics(self) -> list[Any]:
        """The metrics picked, for ``hk.analyze``.

        Raises:
            ValidationError: A pick cannot be analysed (the message says which and why).
        """
        from hypokit._notebook import metrics_of

        problems = self.problems()
        if problems:
            raise ValidationError(f"metrics: {'; '.join(problems)}; change them in the picker.")
        p = self.parameters()
        return metrics_of(
            {"proportion": p["proportion_metrics"], "mean": p["mean_metrics"],
             "ratio": p["ratio_metrics"]}
        )  # fmt: skip
