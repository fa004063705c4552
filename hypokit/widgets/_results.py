"""ResultsExplorer: one metric, segment and variant of an analysis at a time."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w

from hypokit._analysis import AnalysisResult
from hypokit._findings import Finding
from hypokit._results import format_label, html_table
from hypokit.widgets._common import DESCRIPTION, Panel, field, figure_output, new_figure, show_html

__all__ = ["ResultsExplorer"]

_COLUMNS = (
    "segment", "variant", "n_control", "n_variant", "control_mean", "variant_mean", "lift",
    "lift_ci_low", "lift_ci_high", "p_value", "p_adjusted", "significant",
)  # fmt: skip


#: The segment picker's value for every segment.
EVERY = ""


def _names(finding: Finding, metric: str, segment: str | None, variant: str) -> bool:
    """Whether a finding is about this metric, segment and variant (or about all of them)."""
    return (
        finding.metric in (None, metric)
        and finding.variant in (None, variant)
        and (segment is None or finding.segment in (None, segment))
    )


class ResultsExplorer(Panel):
    """Explore an :class:`~hypokit.AnalysisResult`: pick a metric, a segment and a variant.

    The forest plot (``result.plot``) follows the metric and variant; the table rows
    and the findings follow all three. A finding that names no segment (or no metric)
    is about every one, so it stays listed.

    Args:
        result: The analysis (:func:`hypokit.analyze`).

    Attributes:
        fields: The ``metric``, ``segment`` (``""``: every segment) and ``variant``
            pickers.
        table, figure, findings: The ``Output`` widgets (classes ``hk-rows``,
            ``hk-plot``, ``hk-findings``).
        shown_findings: The findings listed now.
        widget: The root box (class ``hk-results-explorer``).
    """

    def __init__(self, result: AnalysisResult) -> None:
        super().__init__("hk-results-explorer")
        self.result = result
        style = {"style": DESCRIPTION}
        self.fields: dict[str, Any] = {
            "metric": w.Dropdown(options=list(result.metrics), description="metric", **style),
            "segment": w.Dropdown(
                # ipywidgets shows no label for the value None ("nothing picked"), so
                # every segment is the empty string.
                options=[("every segment", EVERY), *[(s, s) for s in result.segments]],
                value=EVERY,
                description="segment",
                **style,
            ),
            "variant": w.Dropdown(options=list(result.variants), description="variant", **style),
        }
        for name, widget in self.fields.items():
            field(widget, name)
            widget.observe(lambda _: self.update(), names="value")
        self.table = w.Output()
        self.table.add_class("hk-rows")
        self.figure = w.Output()
        self.figure.add_class("hk-plot")
        self.findings = w.Output()
        self.findings.add_class("hk-findings")
        self.shown_findings: list[Finding] = []
        self.widget.children = [
            w.HTML("<h3>Results</h3>"),
            w.HBox(list(self.fields.values())),
            self.figure,
            self.table,
            w.HTML("<b>Findings</b>"),
            self.findings,
        ]
        self.update()

    def _picked(self) -> tuple[str, str | None, str]:
        metric, segment, variant = (self.fields[k].value for k in ("metric", "segment", "variant"))
        return metric, (segment or None), variant

    def rows(self) -> list[dict[str, Any]]:
        """The table rows of the metric, segment and variant picked."""
        metric, segment, variant = self._picked()
        return [
            r
            for r in self.result.to_records()
            if r["metric"] == metric
            and r["variant"] == variant
            and (segment is None or r["segment"] == segment)
        ]

    def update(self) -> None:
        """Redraw the plot, the rows and the findings for the current picks."""
        metric, segment, variant = self._picked()
        rows = self.rows()
        caption = f"{metric}, {variant!r} against {self.result.control!r}"
        # (a label of 1000 is shown as it is, not as the number 1,000)
        table = html_table(rows, _COLUMNS, {"variant": format_label}, caption=caption)
        show_html(self.table, table, caption)
        fig = new_figure(6, 0.45 * len(self.result.segments) + 1.8)
        self.result.plot(metric, variant=variant, ax=fig.subplots())
        self.figure.outputs = (figure_output(fig),)
        self.shown_findings = [
            f for f in self.result.warnings if _names(f, metric, segment, variant)
        ]
        items = "".join(
            f"<li><b>{html.escape(f.kind)}</b>: {html.escape(f.message)}</li>"
            for f in self.shown_findings
        )
        text = "\n".join(f"[{f.kind}] {f.message}" for f in self.shown_findings)
        show_html(
            self.findings,
            f"<ul>{items}</ul>" if items else "<i>No findings.</i>",
            text or "No findings.",
        )
