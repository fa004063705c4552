"""The statistics core: pure functions on numbers and arrays (numpy and scipy only).

Nothing here knows about data frames, widgets or records; the layers above
(metrics, sizing, analysis) call in, never the other way round.
"""

from hypokit.stats._power import (
    ALTERNATIVES,
    PROPORTION_METHODS,
    Alternative,
    ProportionMethod,
    SolveError,
    critical_z,
    normal_power,
    proportion_mde,
    proportion_n,
    proportion_power,
    t_mde,
    t_n,
    t_power,
)

__all__ = [
    "ALTERNATIVES",
    "PROPORTION_METHODS",
    "Alternative",
    "ProportionMethod",
    "SolveError",
    "critical_z",
    "normal_power",
    "proportion_mde",
    "proportion_n",
    "proportion_power",
    "t_mde",
    "t_n",
    "t_power",
]
