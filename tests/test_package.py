"""The package's shape: the public names, the light import (layers: test_layers.py)."""

import subprocess
import sys
from pathlib import Path

import pytest

import hypokit as hk

PACKAGE = Path(hk.__file__).parent

HEAVY = ["pandas", "scipy", "matplotlib", "ipywidgets", "duckdb", "polars", "ibis", "pyspark"]


def _isort_key(name: str) -> tuple[int, str]:
    """Ruff's RUF022 order: CONSTANTS, then Classes, then everything else."""
    if name.isupper():
        return (0, name)
    return (1, name) if name[:1].isupper() else (2, name)


def test_all_is_sorted_and_complete():
    assert list(hk.__all__) == sorted(hk.__all__, key=_isort_key)
    assert len(set(hk.__all__)) == len(hk.__all__)
    for name in hk.__all__:
        assert getattr(hk, name) is not None


def test_api_contract_names_exist():
    for name in [
        "Proportion", "Mean", "Ratio", "size", "mde", "power", "analyze", "aggregate",
        "Objective", "KeyResult", "Hypothesis", "Learning", "Registry",
    ]:  # fmt: skip
        assert name in hk.__all__


def test_unknown_attribute_raises_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = hk.nope  # type: ignore[attr-defined]


def test_import_is_light():
    code = f"import sys, hypokit; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"import hypokit loaded {out}"


def test_sizing_does_not_load_pandas_or_plotting():
    code = (
        "import sys, hypokit as hk; hk.size(hk.Proportion(baseline=0.1), mde=0.02); "
        "print(','.join(m for m in ['pandas', 'matplotlib', 'ipywidgets', 'duckdb'] "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""


def test_error_hierarchy():
    assert issubclass(hk.ValidationError, hk.HypokitError)
    assert issubclass(hk.ValidationError, ValueError)
    assert issubclass(hk.DataError, ValueError)
    assert issubclass(hk.RegistryError, hk.HypokitError)


def test_version_is_a_string():
    assert isinstance(hk.__version__, str)
    assert hk.__version__


def test_subpackages_are_attributes_loaded_on_first_use() -> None:
    code = (
        "import sys, hypokit as hk; before = 'ipywidgets' in sys.modules; "
        "form = hk.widgets.HypothesisForm; print(before, 'ipywidgets' in sys.modules, "
        "form.__name__, callable(hk.datasets.pricing_page))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True", "HypothesisForm", "True"]
