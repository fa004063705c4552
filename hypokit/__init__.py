"""hypokit: outcome-driven experimentation in Jupyter.

Write hypotheses tied to key results, size A/B tests per customer segment, analyze
them per segment, and keep learnings with expiry dates.

>>> import hypokit as hk
>>> hk.size(hk.Proportion(baseline=0.10), mde=0.02).n_per_arm
3841

Everything public is importable from here; heavy modules load on first use, so
``import hypokit`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from hypokit._errors import (
    DataError,
    HypokitError,
    NotYetAvailableError,
    RegistryError,
    ValidationError,
)
from hypokit._version import __version__

if TYPE_CHECKING:
    from hypokit._aggregate import Aggregates, aggregate, aggregate_sql
    from hypokit._analysis import AnalysisResult, Criterion, analyze
    from hypokit._findings import Finding
    from hypokit._history import baselines
    from hypokit._metrics import Mean, Proportion, Ratio
    from hypokit._planned import (
        Hypothesis,
        KeyResult,
        Learning,
        Objective,
        Registry,
    )
    from hypokit._sizing import SegmentPlan, SizingPlan, mde, power, size

__all__ = [
    "Aggregates",
    "AnalysisResult",
    "Criterion",
    "DataError",
    "Finding",
    "HypokitError",
    "Hypothesis",
    "KeyResult",
    "Learning",
    "Mean",
    "NotYetAvailableError",
    "Objective",
    "Proportion",
    "Ratio",
    "Registry",
    "RegistryError",
    "SegmentPlan",
    "SizingPlan",
    "ValidationError",
    "__version__",
    "aggregate",
    "aggregate_sql",
    "analyze",
    "baselines",
    "mde",
    "power",
    "size",
]

_LAZY = {
    "Mean": "hypokit._metrics",
    "Proportion": "hypokit._metrics",
    "Ratio": "hypokit._metrics",
    "SegmentPlan": "hypokit._sizing",
    "SizingPlan": "hypokit._sizing",
    "mde": "hypokit._sizing",
    "power": "hypokit._sizing",
    "size": "hypokit._sizing",
    "baselines": "hypokit._history",
    "Hypothesis": "hypokit._planned",
    "KeyResult": "hypokit._planned",
    "Learning": "hypokit._planned",
    "Objective": "hypokit._planned",
    "Registry": "hypokit._planned",
    "aggregate": "hypokit._aggregate",
    "aggregate_sql": "hypokit._aggregate",
    "Aggregates": "hypokit._aggregate",
    "analyze": "hypokit._analysis",
    "AnalysisResult": "hypokit._analysis",
    "Criterion": "hypokit._analysis",
    "Finding": "hypokit._findings",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hypokit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
