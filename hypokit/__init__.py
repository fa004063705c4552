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
import sys
from typing import TYPE_CHECKING, Any

from hypokit._errors import (
    DataError,
    HypokitError,
    NotFoundError,
    NotYetAvailableError,
    RegistryError,
    SolveError,
    ValidationError,
)
from hypokit._public import publish
from hypokit._version import __version__

if TYPE_CHECKING:
    from hypokit._aggregate import Aggregates, aggregate, aggregate_sql
    from hypokit._analysis import AnalysisResult, Criterion, analyze
    from hypokit._findings import Finding
    from hypokit._history import baselines
    from hypokit._impact import ImpactMap, impact_map
    from hypokit._metrics import Mean, Proportion, Ratio
    from hypokit._monitor import Monitor, monitor
    from hypokit._over_time import OverTime
    from hypokit._records import (
        EVI,
        ICE,
        RICE,
        Context,
        Evidence,
        Experiment,
        Guardrail,
        Hypothesis,
        KeyResult,
        Learning,
        Objective,
        PlanSegment,
        SegmentCriteria,
        StatusChange,
        prioritize,
    )
    from hypokit._registry import RecordFileError, Registry
    from hypokit._sizing import LookSchedule, SegmentPlan, SizingPlan, mde, power, size
    from hypokit.stats import Prior

__all__ = [
    "EVI",
    "ICE",
    "RICE",
    "Aggregates",
    "AnalysisResult",
    "Context",
    "Criterion",
    "DataError",
    "Evidence",
    "Experiment",
    "Finding",
    "Guardrail",
    "HypokitError",
    "Hypothesis",
    "ImpactMap",
    "KeyResult",
    "Learning",
    "LookSchedule",
    "Mean",
    "Monitor",
    "NotFoundError",
    "NotYetAvailableError",
    "Objective",
    "OverTime",
    "PlanSegment",
    "Prior",
    "Proportion",
    "Ratio",
    "RecordFileError",
    "Registry",
    "RegistryError",
    "SegmentCriteria",
    "SegmentPlan",
    "SizingPlan",
    "SolveError",
    "StatusChange",
    "ValidationError",
    "__version__",
    "aggregate",
    "aggregate_sql",
    "analyze",
    "baselines",
    "impact_map",
    "mde",
    "monitor",
    "power",
    "prioritize",
    "size",
]

_LAZY = {
    "Aggregates": "hypokit._aggregate",
    "AnalysisResult": "hypokit._analysis",
    "Context": "hypokit._records",
    "Criterion": "hypokit._analysis",
    "EVI": "hypokit._records",
    "Evidence": "hypokit._records",
    "Experiment": "hypokit._records",
    "Finding": "hypokit._findings",
    "Guardrail": "hypokit._records",
    "Hypothesis": "hypokit._records",
    "ICE": "hypokit._records",
    "ImpactMap": "hypokit._impact",
    "KeyResult": "hypokit._records",
    "Learning": "hypokit._records",
    "LookSchedule": "hypokit._sizing",
    "Mean": "hypokit._metrics",
    "Monitor": "hypokit._monitor",
    "Objective": "hypokit._records",
    "OverTime": "hypokit._over_time",
    "PlanSegment": "hypokit._records",
    "Prior": "hypokit.stats",
    "Proportion": "hypokit._metrics",
    "RICE": "hypokit._records",
    "Ratio": "hypokit._metrics",
    "RecordFileError": "hypokit._registry",
    "Registry": "hypokit._registry",
    "SegmentCriteria": "hypokit._records",
    "SegmentPlan": "hypokit._sizing",
    "SizingPlan": "hypokit._sizing",
    "StatusChange": "hypokit._records",
    "aggregate": "hypokit._aggregate",
    "aggregate_sql": "hypokit._aggregate",
    "analyze": "hypokit._analysis",
    "baselines": "hypokit._history",
    "impact_map": "hypokit._impact",
    "mde": "hypokit._sizing",
    "monitor": "hypokit._monitor",
    "power": "hypokit._sizing",
    "prioritize": "hypokit._records",
    "size": "hypokit._sizing",
}


#: Subpackages reachable as attributes (``hk.widgets.HypothesisForm``), imported on first use.
_SUBMODULES = ("datasets", "stats", "widgets")


def _publish_loaded() -> None:
    """Public classes and functions print as ``hypokit.X`` once their module is loaded.

    Called when this package is imported and whenever it loads a name lazily, for the
    names of every module loaded by then (see :mod:`hypokit._public`).
    """
    loaded = {
        name: vars(sys.modules[module]).get(name)
        for name, module in _LAZY.items()
        if module in sys.modules
    }
    publish(globals() | loaded, __all__, "hypokit")


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        submodule = importlib.import_module(f"hypokit.{name}")
        _publish_loaded()
        return submodule
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hypokit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    _publish_loaded()
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


_publish_loaded()
