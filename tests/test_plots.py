"""Every public ``plot()`` returns a matplotlib Figure, draws into ``ax=``, shows once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from nbclient import NotebookClient

import hypokit as hk


@pytest.fixture(autouse=True)
def _no_open_figures() -> Iterator[None]:
    plt.close("all")
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def result() -> hk.AnalysisResult:
    rng = np.random.default_rng(11)
    n = 1200
    data = pd.DataFrame(
        {
            "day": [
                dt.date(2026, 10, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 5, n)
            ],
            "variant": rng.choice(["control", "b"], n),
            "country": rng.choice(["DE", "FR"], n),
            "converted": rng.binomial(1, 0.2, n),
        }
    )
    return hk.analyze(
        data,
        variant="variant",
        control="control",
        metrics=[hk.Proportion("converted")],
        segments="country",
        date="day",
    )


def _plots(result: hk.AnalysisResult) -> dict[str, Callable[..., Any]]:
    plan = hk.size(hk.Proportion(baseline=0.2), mde=0.05, traffic={"DE": 200, "FR": 300})
    return {
        "AnalysisResult.plot": lambda **kw: result.plot("converted", **kw),
        "SizingPlan.plot power": lambda **kw: plan.plot(**kw),
        "SizingPlan.plot mde": lambda **kw: plan.plot("mde", **kw),
        "OverTime.plot": lambda **kw: result.over_time().plot("converted", **kw),
    }


NAMES = ["AnalysisResult.plot", "SizingPlan.plot power", "SizingPlan.plot mde", "OverTime.plot"]


@pytest.mark.parametrize("name", NAMES)
def test_each_plot_returns_a_figure_that_pyplot_does_not_keep(
    result: hk.AnalysisResult, name: str
) -> None:
    fig = _plots(result)[name]()
    assert isinstance(fig, Figure)
    assert fig.axes
    assert fig.axes[0].has_data()
    assert plt.get_fignums() == []  # the inline backend will not show it a second time
    fig.canvas.draw()  # still renders (a notebook's repr, savefig)


@pytest.mark.parametrize("name", NAMES)
def test_each_plot_draws_into_the_given_axes(result: hk.AnalysisResult, name: str) -> None:
    fig, (left, right) = plt.subplots(1, 2)
    returned = _plots(result)[name](ax=right)
    assert returned is fig
    assert right.has_data()
    assert not left.has_data()
    assert plt.get_fignums() == [fig.number]  # the caller's figure stays the caller's


NOTEBOOK_SETUP = """\
import datetime as dt
import numpy as np, pandas as pd
import hypokit as hk
rng = np.random.default_rng(1)
n = 600
data = pd.DataFrame({
    "day": [dt.date(2026, 10, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 4, n)],
    "variant": rng.choice(["control", "b"], n),
    "converted": rng.binomial(1, 0.2, n),
})
result = hk.analyze(data, variant="variant", control="control",
                    metrics=[hk.Proportion("converted")], date="day")
plan = hk.size(hk.Proportion(baseline=0.2), mde=0.05, traffic=300)
"""


def _images(cell: Any) -> int:
    return sum("image/png" in out.get("data", {}) for out in cell.outputs)


def test_a_plot_ending_a_notebook_cell_is_shown_once(tmp_path: Any) -> None:
    cells = [
        NOTEBOOK_SETUP,
        "result.plot()",
        "plan.plot()",
        "result.over_time().plot()",
        # the caller's figure is pyplot's, shown by the inline backend: hence the ";"
        "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nplan.plot(ax=ax);",
        "plan.plot();",  # as the templates write it: shows nothing (see the CHANGELOG)
        "fig = result.plot()",  # kept, not shown
        "fig",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    assert [_images(c) for c in nb.cells] == [0, 1, 1, 1, 1, 0, 0, 1]
