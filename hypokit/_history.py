"""Sizing inputs estimated from historical data: baselines, spread, correlation, traffic.

This module reads pandas DataFrames and CSV/Parquet paths; it is the only part of the
sizing layer that touches a data frame.
"""

from __future__ import annotations

import math
import os
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from hypokit._errors import DataError, ValidationError
from hypokit._metrics import Mean, Metric, Proportion, Ratio

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["baselines", "fill_from_history", "read_frame"]

ALL = "(all)"


def read_frame(data: Any, *, name: str = "data") -> pd.DataFrame:
    """A pandas DataFrame from a DataFrame or a CSV/Parquet path."""
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, str | os.PathLike):
        path = os.fspath(data)
        if not os.path.exists(path):
            raise DataError(f"{name} == {path!r}: no such file.")
        lower = path.lower()
        if lower.endswith((".parquet", ".pq")):
            return pd.read_parquet(path)
        if lower.endswith((".csv", ".csv.gz", ".tsv")):
            return pd.read_csv(path, sep="\t" if lower.endswith(".tsv") else ",")
        raise DataError(f"{name} == {path!r}: expected a .csv, .csv.gz, .tsv or .parquet file.")
    raise ValidationError(
        f"{name} == {type(data).__name__} object, must be a pandas DataFrame or a path to a "
        "CSV or Parquet file."
    )


def _require(frame: pd.DataFrame, column: str | None, role: str) -> str:
    if column is None:
        raise ValidationError(f"{role} == None, must name a column of data to estimate from.")
    if column not in frame.columns:
        have = ", ".join(map(repr, frame.columns))
        raise DataError(f"{role} == {column!r}: no such column; data has {have}.")
    return column


def _numeric(frame: pd.DataFrame, column: str, role: str) -> pd.Series:
    import pandas as pd

    values = frame[column]
    if values.dtype == bool:
        values = values.astype(float)
    if not pd.api.types.is_numeric_dtype(values):
        raise DataError(f"{role} == {column!r}: expected numbers, found dtype {values.dtype}.")
    return values.astype(float)


def baselines(
    data: Any,
    metric: Metric,
    *,
    segments: str | None = None,
    date: str | None = None,
    days: float | None = None,
) -> pd.DataFrame:
    """Estimate a metric's sizing inputs per segment from historical data, one row per unit.

    The data is read by the same one-pass aggregation as :func:`hypokit.analyze`, so it
    may be anything ``hk.analyze`` accepts (pandas, polars, files, Ibis, Spark, ...).
    A unit counts for the moments when every column the metric reads is present; all
    units count for traffic.

    Args:
        data: One row per unit: a DataFrame, a CSV/Parquet path or glob, a table.
        metric: The metric; its columns name what to read.
        segments: The segment column, or None for the whole population.
        date: A date column: daily traffic is the units per distinct date.
        days: The number of days the data covers, when there is no date column.

    Returns:
        One row per segment with ``segment, units, days, traffic`` and the moments the
        metric needs (``baseline`` for proportions; ``mean, sd, correlation`` for means;
        ``numerator_mean, numerator_sd, denominator_mean, denominator_sd, covariance,
        correlation`` for ratios). Standard deviations use ``ddof=1``.
    """
    import pandas as pd

    from hypokit._aggregate import aggregate_units
    from hypokit._finite import check_finite
    from hypokit._validate import check_positive

    if not isinstance(metric, Proportion | Mean | Ratio):
        raise ValidationError(f"metric == {metric!r}, must be hk.Proportion, hk.Mean or hk.Ratio.")
    if date is not None and days is not None:
        raise ValidationError("give date= or days=, not both.")
    if days is not None:
        days = check_positive("days", days)
    if segments is not None and not isinstance(segments, str):
        raise ValidationError(f"segments == {segments!r}, must be one column name or None.")
    table = aggregate_units(data, metric, segments=segments, by=date)
    check_finite(table, by="date" if date else "")
    label = metric.label
    keep = [i for i, s in enumerate(table.segment) if s != ALL] or list(range(len(table.segment)))
    names = sorted({table.segment[i] for i in keep})
    if not names:
        raise DataError("data has no rows.")

    def total(stat: str, seg: str) -> float:
        values = table.n if stat == "units" else table.stats[f"{label}:{stat}"]
        return float(sum(values[i] for i in keep if table.segment[i] == seg))

    def mean(seg: str, role: str, n: float) -> float:
        """The mean of role ``role``: its shift plus the mean of its shifted sums."""
        return table.shift(label, role) + total(f"sum_{role}", seg) / n

    def moments(seg: str, a: str, b: str, n: float) -> float:
        """The sample (co)variance of roles ``a`` and ``b``, ddof=1.

        From the table's shifted sums (one shift per column, so the rows add exactly;
        covariances do not depend on it), which keeps every digit of values far from 0.
        """
        pair = (
            f"sum_{a}2"
            if a == b
            else next(k for k in (f"sum_{a}{b}", f"sum_{b}{a}") if f"{label}:{k}" in table.stats)
        )
        return (total(pair, seg) - total(f"sum_{a}", seg) * total(f"sum_{b}", seg) / n) / (n - 1)

    records = []
    for seg in names:
        units = total("units", seg)
        n = total("n", seg)
        if n < 2:
            raise DataError(
                f"segment {seg!r} has {int(n)} unit(s) with {label}; at least 2 are needed to "
                "estimate."
            )
        n_days = float(sum(1 for i in keep if table.segment[i] == seg)) if date else days
        rec: dict[str, Any] = {
            "segment": seg,
            "units": int(units),
            "days": n_days,
            "traffic": units / n_days if n_days else math.nan,
        }
        if isinstance(metric, Proportion):
            p = total("successes", seg) / n
            if not 0 < p < 1:
                raise DataError(
                    f"segment {seg!r}: the rate of {metric.column!r} is {p:g}; sizing needs a "
                    "baseline in (0, 1)."
                )
            rec["baseline"] = p
        else:
            var_y = moments(seg, "y", "y", n)
            # rounding noise is relative to the squares summed: those of y - shift
            if not var_y > 1e-12 * max(1.0, (total("sum_y", seg) / n) ** 2):
                column = metric.column if isinstance(metric, Mean) else metric.numerator
                raise DataError(f"segment {seg!r}: {column!r} is constant (sd 0).")
            rho = 0.0
            if f"{label}:sum_c" in table.stats:
                var_c = moments(seg, "c", "c", n)
                rho = moments(seg, "y", "c", n) / math.sqrt(var_y * var_c) if var_c > 0 else 0.0
            if isinstance(metric, Mean):
                rec.update(mean=mean(seg, "y", n), sd=math.sqrt(var_y), correlation=float(rho))
            else:
                mean_x = mean(seg, "x", n)
                if not mean_x > 0:
                    raise DataError(
                        f"segment {seg!r}: the mean of {metric.denominator!r} is not > 0."
                    )
                rec.update(
                    numerator_mean=mean(seg, "y", n),
                    numerator_sd=math.sqrt(var_y),
                    denominator_mean=mean_x,
                    denominator_sd=math.sqrt(max(moments(seg, "x", "x", n), 0.0)),
                    covariance=moments(seg, "x", "y", n),
                    correlation=float(rho),
                )
        records.append(rec)
    return pd.DataFrame.from_records(records)


_FIELDS = {
    Proportion: ("baseline",),
    Mean: ("mean", "sd", "correlation"),
    Ratio: (
        "numerator_mean",
        "numerator_sd",
        "denominator_mean",
        "denominator_sd",
        "covariance",
        "correlation",
    ),
}


def fill_from_history(
    metric: Metric,
    data: Any,
    *,
    segments: str | None,
    date: str | None,
    days: float | None,
) -> tuple[Metric, dict[str, float] | float | None]:
    """The metric with its missing assumptions estimated from data, and the traffic."""
    table = baselines(data, metric, segments=segments, date=date, days=days)
    changes: dict[str, Any] = {}
    for name in _FIELDS[type(metric)]:
        if getattr(metric, name) is not None:
            continue  # explicit assumptions win over estimates
        if name == "correlation" and not getattr(metric, "covariate", None):
            continue
        col = table[name]
        changes[name] = (
            {str(s): float(v) for s, v in zip(table["segment"], col, strict=True)}
            if segments is not None
            else float(col.iloc[0])
        )
    traffic: dict[str, float] | float | None = None
    if date is not None or days is not None:
        if segments is not None:
            traffic = {
                str(s): float(t) for s, t in zip(table["segment"], table["traffic"], strict=True)
            }
        else:
            traffic = float(table["traffic"].iloc[0])
    return replace(metric, **changes), traffic
