"""``repr()`` of every public result prints its table (or tree), never the dataclass."""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil

import numpy as np
import pandas as pd
import pytest

import hypokit as hk
from hypokit._results import TableMixin

OPTIONAL = ("pyspark", "ibis", "polars", "duckdb")


def _table_classes() -> list[type]:
    for info in pkgutil.walk_packages(hk.__path__, "hypokit."):
        try:
            importlib.import_module(info.name)
        except ImportError as exc:  # pragma: no cover - an optional backend missing
            if exc.name is None or not exc.name.startswith(OPTIONAL):
                raise
    found, todo = [], list(TableMixin.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo += cls.__subclasses__()
    return found


def test_no_table_result_lets_a_dataclass_repr_hide_its_table() -> None:
    classes = _table_classes()
    assert {"AnalysisResult", "SizingPlan", "Monitor", "Board", "NextSteps"} <= {
        c.__name__ for c in classes
    }
    overridden = [c.__qualname__ for c in classes if c.__repr__ is not TableMixin.__repr__]
    assert overridden == []  # @dataclass(repr=False), or repr() prints the fields


@pytest.fixture(scope="module")
def result() -> hk.AnalysisResult:
    rng = np.random.default_rng(5)
    n = 800
    data = pd.DataFrame(
        {
            "day": [
                dt.date(2026, 10, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 4, n)
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


def test_results_repr_as_their_tables(result: hk.AnalysisResult) -> None:
    plan = hk.size(hk.Proportion(baseline=0.2), mde=0.05, traffic={"DE": 200}, looks=3)
    objects = {
        "AnalysisResult": result,
        "srm": result.srm,
        "verdict": result.verdict(hk.Criterion("converted", min_effect=0.0)),
        "OverTime": result.over_time(),
        "Aggregates": result.aggregates,
        "SizingPlan": plan,
        "LookSchedule": plan.schedule(),
    }
    for name, obj in objects.items():
        text = repr(obj)
        assert text == str(obj), name
        assert text == obj.to_string(), name
        assert "rows=" not in text, name


def test_registry_views_repr_as_their_tables(tmp_path: object) -> None:
    from hypokit._notebook import next_steps
    from hypokit._status import board

    registry = hk.Registry(tmp_path)
    registry.save(hk.Objective(id="checkout", title="Make checkout effortless"))
    registry.save(
        hk.Hypothesis(
            id="express-pay",
            change="add express pay",
            metric="converted",
            expected_effect=0.1,
            time_frame_days=14,
        )
    )
    as_of = dt.date(2026, 10, 1)
    for obj in [board(registry, as_of=as_of), next_steps(registry, as_of=as_of)]:
        assert repr(obj) == obj.to_string()
        assert "express-pay" in repr(obj)
        assert "rows=" not in repr(obj)


def test_an_impact_map_reprs_as_its_tree() -> None:
    goal = hk.Objective(id="checkout", title="Make checkout effortless")
    impact = hk.impact_map([goal], [], [])
    assert repr(impact) == str(impact) == impact.to_text()
    assert "roots=" not in repr(impact)
