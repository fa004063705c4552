"""One exception tree: everything hypokit raises on purpose is a ``hk.HypokitError``."""

from __future__ import annotations

import importlib
import pkgutil
import types
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

import hypokit as hk
from hypokit import stats

#: Exception classes that never leave the module that defines them (it catches them and
#: raises a HypokitError with the file and line instead, or reads the file another way).
INTERNAL = {"hypokit._registry._BadYamlError", "hypokit._registry._UnusualError"}

#: Optional backends whose modules import their library at the top.
OPTIONAL = ("pyspark", "ibis", "polars", "duckdb")


def _modules() -> Iterator[types.ModuleType]:
    yield hk
    for info in pkgutil.walk_packages(hk.__path__, "hypokit."):
        try:
            yield importlib.import_module(info.name)
        except ImportError as exc:  # pragma: no cover - an optional backend missing
            if exc.name is None or not exc.name.startswith(OPTIONAL):
                raise


def _exception_classes() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for module in _modules():
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseException):
                home = getattr(value, "__module__", "")
                if home == "hypokit" or home.startswith("hypokit."):
                    found[f"{home}.{value.__qualname__}"] = value
    return found


def test_every_exception_class_of_the_package_is_a_hypokit_error() -> None:
    classes = _exception_classes()
    assert "hypokit.RecordFileError" in classes or "hypokit._registry.RecordFileError" in classes
    outside = sorted(
        name
        for name, cls in classes.items()
        if not issubclass(cls, hk.HypokitError) and name not in INTERNAL
    )
    assert outside == []


@pytest.mark.parametrize("namespace", ["hypokit", "hypokit.stats", "hypokit.widgets"])
def test_every_public_exception_is_a_hypokit_error(namespace: str) -> None:
    module = importlib.import_module(namespace)
    for name in module.__all__:
        value = getattr(module, name)
        if isinstance(value, type) and issubclass(value, BaseException):
            assert issubclass(value, hk.HypokitError), name


def test_errors_keep_the_builtins_they_always_were() -> None:
    """Code written before the tree existed catches these builtins: they still work."""
    assert issubclass(hk.ValidationError, ValueError)
    assert issubclass(hk.DataError, ValueError)
    assert issubclass(hk.NotFoundError, KeyError)
    assert issubclass(hk.SolveError, ArithmeticError)
    assert issubclass(hk.NotYetAvailableError, NotImplementedError)
    assert issubclass(hk.RecordFileError, hk.RegistryError)


def test_not_found_prints_its_message_not_a_quoted_key() -> None:
    plan = hk.size(hk.Proportion(baseline=0.1), mde=0.02, traffic={"new": 100, "old": 200})
    with pytest.raises(hk.NotFoundError) as caught:
        plan["ghost"]
    assert str(caught.value) == "no segment 'ghost'; the plan has new, old"


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 400
    return pd.DataFrame(
        {
            "variant": rng.choice(["a", "b"], n),
            "converted": rng.integers(0, 2, n),
            "country": rng.choice(["DE", "FR"], n),
        }
    )


def _bad_calls(data: pd.DataFrame) -> dict[str, Callable[[], Any]]:
    prop = hk.Proportion(baseline=0.1)
    metric = hk.Proportion("converted")
    return {
        "size: not a metric": lambda: hk.size("converted", mde=0.02),  # type: ignore[arg-type]
        "size: alpha": lambda: hk.size(prop, mde=0.02, alpha=1.5),
        "size: alternative": lambda: hk.size(prop, mde=0.02, alternative="up"),  # type: ignore[arg-type]
        "size: no baseline": lambda: hk.size(hk.Proportion("c"), mde=0.02),
        "size: beyond 1e12": lambda: hk.size(prop, mde=1e-9),
        "mde: n_per_arm": lambda: hk.mde(prop, n_per_arm=-3),
        "power: mde text": lambda: hk.power(prop, mde="x", n_per_arm=100),  # type: ignore[arg-type]
        "Proportion: baseline": lambda: hk.Proportion(baseline=1.5),
        "Mean: sd": lambda: hk.Mean(mean=1, sd=-1),
        "analyze: no column": lambda: hk.analyze(
            data, variant="arm", control="a", metrics=[metric]
        ),
        "analyze: no control": lambda: hk.analyze(
            data, variant="variant", control="zz", metrics=[metric]
        ),
        "analyze: metric name": lambda: hk.analyze(
            data,
            variant="variant",
            control="a",
            metrics=["converted"],  # type: ignore[list-item]
        ),
        "analyze: data": lambda: hk.analyze(3, variant="variant", control="a", metrics=[metric]),  # type: ignore[arg-type]
        "analyze: no file": lambda: hk.analyze(
            "nope.parquet", variant="variant", control="a", metrics=[metric]
        ),
        "analyze: correction": lambda: hk.analyze(
            data,
            variant="variant",
            control="a",
            metrics=[metric],
            correction="x",  # type: ignore[arg-type]
        ),
        "aggregate: no column": lambda: hk.aggregate(
            data, variant="variant", metrics=[hk.Mean("nope")]
        ),
        "result.row: segment": lambda: hk.analyze(
            data, variant="variant", control="a", metrics=[metric], segments="country"
        ).row("converted", "IT"),
        "plan[segment]": lambda: hk.size(prop, mde=0.02, traffic={"DE": 10})["IT"],
        "Hypothesis: id": lambda: hk.Hypothesis(id="Bad Id"),  # type: ignore[call-arg]
        "Learning: fields": lambda: hk.Learning(id="x"),  # type: ignore[call-arg]
        "Registry: a file": lambda: hk.Registry(__file__),
        "prioritize: not hypotheses": lambda: hk.prioritize(3),  # type: ignore[arg-type]
        "stats.p_adjust: p": lambda: stats.p_adjust([0.1, 2.0]),
        "stats.p_adjust: method": lambda: stats.p_adjust([0.1], method="x"),  # type: ignore[arg-type]
        "stats.boundaries: t": lambda: stats.boundaries([0.5, 0.2]),
    }


@pytest.mark.parametrize("case", list(_bad_calls(pd.DataFrame())))
def test_public_functions_raise_hypokit_errors_on_bad_input(
    case: str, data: pd.DataFrame, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(hk.HypokitError) as caught:
        _bad_calls(data)[case]()
    assert str(caught.value)
