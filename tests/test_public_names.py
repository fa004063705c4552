"""Public classes and functions print as the namespace users import them from."""

from __future__ import annotations

import datetime as dt
import doctest
import importlib
import inspect
import pickle
import pickletools
import subprocess
import sys

import pytest

import hypokit as hk
from hypokit._public import HOMES


@pytest.mark.parametrize("namespace", ["hypokit", "hypokit.stats", "hypokit.widgets"])
def test_public_classes_and_functions_print_as_their_namespace(namespace: str) -> None:
    module = importlib.import_module(namespace)
    for name in module.__all__:
        value = getattr(module, name)
        if isinstance(value, type) or inspect.isfunction(value):
            # hk.Prior is hypokit.stats.Prior: the first namespace to publish it keeps it
            assert value.__module__ in ("hypokit", "hypokit.stats", namespace), name
            assert getattr(sys.modules[value.__module__], value.__qualname__) is value, name


def test_reprs_name_the_public_namespace() -> None:
    assert repr(hk.Proportion) == "<class 'hypokit.Proportion'>"
    assert hk.Hypothesis.__module__ == "hypokit"
    assert hk.stats.Prior.__module__ == "hypokit.stats"
    assert repr(hk.HypokitError("x")) == "HypokitError('x')"
    with pytest.raises(hk.ValidationError) as caught:
        hk.size(hk.Proportion(baseline=0.1), mde=0.02, alpha=2)
    assert f"{type(caught.value).__module__}.{type(caught.value).__qualname__}" == (
        "hypokit.ValidationError"
    )


def test_a_result_prints_as_hypokit_though_its_class_was_never_asked_for() -> None:
    code = (
        "import hypokit as hk; plan = hk.size(hk.Proportion(baseline=0.1), mde=0.02); "
        "print(type(plan).__module__, type(plan.rows[0]).__module__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["hypokit", "hypokit"]


def _first_global(data: bytes) -> str:
    """The class a pickle names first: the object's own."""
    strings = []
    for op, arg, _ in pickletools.genops(data):
        if op.name == "STACK_GLOBAL":
            return ".".join(strings[-2:])
        if isinstance(arg, str):
            strings.append(arg)
    raise AssertionError("no class in the pickle")


def test_published_objects_pickle_by_their_public_name() -> None:
    plan = hk.size(hk.Proportion(baseline=0.1), mde=0.02, traffic={"new": 100, "old": 300})
    hypothesis = hk.Hypothesis(
        id="express-pay",
        change="add express pay",
        metric="converted",
        expected_effect=0.1,
        time_frame_days=14,
    )
    learning = hk.Learning(
        id="express-pay-lifts",
        believed="express pay helps",
        observed="+2 points",
        learned="it helps new customers",
        decision="persevere",
        evidence=[hk.Evidence(kind="ab_test", sample_size=12000)],
        recorded=dt.date(2026, 1, 5),
    )
    for obj in [plan, hypothesis, learning, hk.Proportion("converted"), hk.stats.Prior()]:
        data = pickle.dumps(obj)
        assert _first_global(data) == f"{type(obj).__module__}.{type(obj).__qualname__}"
        assert type(obj).__module__ in ("hypokit", "hypokit.stats")  # its public name
        assert pickle.loads(data) == obj
    assert pickle.loads(pickle.dumps(hk.size)) is hk.size
    error = pickle.loads(pickle.dumps(hk.NotFoundError("no segment 'x'")))
    assert type(error) is hk.NotFoundError
    assert str(error) == "no segment 'x'"


def test_pydantic_models_still_validate_and_rebuild() -> None:
    for name in ["Hypothesis", "Learning", "Experiment", "KeyResult", "Objective"]:
        model = getattr(hk, name)
        assert model.__pydantic_complete__
        model.model_rebuild(force=True)
    schema = hk.Hypothesis.model_json_schema()
    assert schema["title"] == "Hypothesis"


def test_doctests_are_found_in_the_module_that_defines_them() -> None:
    """The root conftest.py keeps doctest looking at the defining module (HOMES)."""
    _ = hk.size, hk.Proportion  # published
    assert HOMES[("hypokit", "size")] == "hypokit._sizing"
    finder = doctest.DocTestFinder()
    sizing = importlib.import_module("hypokit._sizing")
    names = {t.name for t in finder.find(sizing) if t.examples}
    assert "hypokit._sizing.size" in names
    top = {t.name for t in finder.find(hk) if t.examples}
    assert "hypokit.size" not in top
