"""Sufficient statistics that are not finite numbers, told as the column that made them.

A unit with an infinite value makes its group's sum infinite; values beyond about
1.3e154 make a sum of squares overflow 64-bit floats (values beyond about 1.8e308 the
sum itself). The statistics core would refuse the table naming a statistic and a row
index (``sum_y2 ... at rows [(0, 0)]``); here the error names the metric, the column,
the segment and the arm instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hypokit._errors import DataError

if TYPE_CHECKING:
    from hypokit._aggregate import Aggregates, MetricSpec

__all__ = ["check_finite"]

_ROLES = {"y": "column", "x": "denominator", "c": "covariate", "d": "covariate denominator"}


def _role(spec: MetricSpec, role: str) -> str:
    name = "numerator" if spec.kind == "ratio" and role == "y" else _ROLES[role]
    return f"{spec.label} {name} == {spec.columns[role]!r}"


def _where(agg: Aggregates, rows: np.ndarray, by: str) -> str:
    from hypokit._aggregate import ALL

    i = int(rows[0])
    segment = agg.segment[i]
    place = "in the whole population" if segment == ALL else f"in segment {segment!r}"
    label = agg.variant[i]
    group = f", {by} {label!r}" if by else ""
    more = (
        f" (and {len(rows) - 1} more group{'s' if len(rows) > 2 else ''})" if len(rows) > 1 else ""
    )
    return f"{place}{group}{more}"


def check_finite(agg: Aggregates, *, by: str = "variant") -> None:
    """Refuse statistics that are infinite or NaN, naming the column at fault.

    Args:
        agg: The aggregates (per segment and ``by``).
        by: What ``agg.variant`` holds, for the message (``"variant"``, ``"date"``, or
            ``""`` for nothing).

    Raises:
        DataError: A sum is not finite (an infinite value, or values so large their
            sum overflows), or a sum of squares or products is not (values beyond
            about 1e154).
    """
    for spec in agg.metrics:
        if spec.kind == "proportion":
            continue  # infinite values are not 0/1 and are refused as such
        for role in spec.columns:
            values = np.asarray(agg.stats[f"{spec.label}:sum_{role}"], dtype=np.float64)
            bad = np.flatnonzero(~np.isfinite(values))
            if bad.size:
                raise DataError(
                    f"{_role(spec, role)}: an infinite value, or values so large that their "
                    f"sum overflows 64-bit floats, {_where(agg, bad, by)}; drop or cap them."
                )
    for spec in agg.metrics:
        if spec.kind == "proportion":
            continue
        pairs = [s for s in spec.stats if s.startswith("sum_") and len(s) == len("sum_y2")]
        for stat in sorted(pairs, key=lambda s: not s.endswith("2")):  # squares first
            values = np.asarray(agg.stats[f"{spec.label}:{stat}"], dtype=np.float64)
            bad = np.flatnonzero(~np.isfinite(values))
            if not bad.size:
                continue
            a, b = stat[4], stat[5]  # sum_y2: the squares of y; sum_yc: y times c
            what = "its squares" if b == "2" else f"its products with {spec.columns[b]!r}"
            shift = agg.shift(spec.label, a) if hasattr(agg, "shift") else 0.0
            beyond = f"1e154 away from their shift, {shift:.6g}" if shift else "1e154"
            raise DataError(
                f"{_role(spec, a)}: {what} overflow 64-bit floats (values beyond about "
                f"{beyond}, or infinite values) {_where(agg, bad, by)}; rescale the column "
                "(thousands instead of units, say) or drop the infinite values."
            )
