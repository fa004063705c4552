"""Hostile labels in every plot hypokit draws: shown as written, never typeset or dropped.

Matplotlib reads text between two ``$`` as mathtext (``$5-$10`` typeset as maths,
``$x_$`` raising while drawing) and leaves labels starting with ``_`` out of automatic
legends. Segment, variant, metric and date labels come from the data, so every plot
(forest, over time, sizing, and the widgets that draw them) must show them literally.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Text

import hypokit as hk
from hypokit._plotting import literal

LABELS = ["$5-$10", "$x_$", "_hidden", "a\\$b", "\\alpha$", "100% {x}"]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def shown(fig) -> list[str]:
    """Every piece of text in ``fig`` as matplotlib will render it; none as mathtext."""
    fig.canvas.draw()  # raises on text matplotlib cannot parse
    texts = []
    for t in fig.findobj(Text):
        if not t.get_text():
            continue
        text, math = t._preprocess_math(t.get_text())
        if t.get_text().startswith("$\\mathdefault{"):  # matplotlib's own log-scale ticks
            continue
        assert math is False, t.get_text()
        texts.append(text)
    return texts


@pytest.fixture(scope="module")
def result():
    rng = np.random.default_rng(7)
    n = 6000
    frame = pd.DataFrame(
        {
            "arm": rng.choice(["ctrl $", "$B_$", "_v"], n),
            "segment": rng.choice(LABELS, n),
            "converted": rng.integers(0, 2, n),
            "day": rng.choice(["2026-01-01", "$2026$-01-02", "_third"], n),
        }
    )
    return hk.analyze(
        frame,
        variant="arm",
        control="ctrl $",
        segments="segment",
        metrics=[hk.Proportion("converted", name="$rate_$")],
        date="day",
    )


def test_literal_round_trips_through_matplotlib():
    for label in [*LABELS, "", "$", "$$", "\\$", "a$b$c$"]:
        text = Text(text=literal(label))
        assert text._preprocess_math(text.get_text()) == (label, False)


def test_the_forest_plot(result):
    texts = shown(result.plot())
    for label in [*LABELS, "$B_$", "_v", "$rate_$"]:
        assert label in texts, label
    assert any(t.startswith("lift vs ctrl $ (") and t.endswith("holm-adjusted)") for t in texts)


def test_the_over_time_plot(result):
    days = result.over_time()
    for segment in ("$5-$10", "_hidden", "(all)"):
        fig = days.plot(segment=segment, variant="$B_$")
        texts = shown(fig)
        where = "the whole population" if segment == "(all)" else f"segment {segment!r}"
        assert f"$rate_$, '$B_$' in {where}" in texts, texts
        assert "$2026$-01-02" in texts
        assert "_third" in texts
        assert "day" in texts


def test_two_series_on_one_axes_keep_both_legend_entries(result):
    days = result.over_time()
    fig, ax = plt.subplots()
    days.plot(segment="$x_$", variant="_v", ax=ax, label="_first")
    days.plot(segment="$x_$", variant="_v", ax=ax, label="$second$")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert [t for t in legend if not t.endswith("significant that day")] == [
        literal("_first"),
        literal("$second$"),
    ]
    shown(fig)


@pytest.mark.parametrize("kind", ["power", "mde"])
def test_the_sizing_plots(kind):
    baseline = dict(zip(LABELS, np.linspace(0.05, 0.3, len(LABELS)), strict=True))
    traffic = dict.fromkeys(LABELS, 500)
    plan = hk.size(hk.Proportion(baseline=baseline), mde=0.2, relative=True, traffic=traffic)
    fig = plan.plot(kind)
    (ax,) = fig.axes
    texts = shown(fig)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert [literal(s) for s in plan.segments] == legend  # every segment, "_hidden" too
    for label in LABELS:
        assert label in texts


def test_the_widgets_draw_them(result):
    from hypokit.widgets import ResultsExplorer, SizingPanel

    explorer = ResultsExplorer(result)
    assert explorer.figure.outputs
    assert explorer.figure.outputs[0]["data"]["image/png"]
    panel = SizingPanel(
        baseline=dict.fromkeys(LABELS, 0.1), traffic=dict.fromkeys(LABELS, 800), mde=0.2
    )
    assert panel.plan is not None
    assert panel.messages.outputs == ()  # no "No plot: ..." warning
    assert panel.figure.outputs[0]["data"]["image/png"]
