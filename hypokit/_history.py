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

    Args:
        data: A pandas DataFrame or a CSV/Parquet path.
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

    frame = read_frame(data)
    if date is not None and days is not None:
        raise ValidationError("give date= or days=, not both.")
    if days is not None:
        from hypokit._validate import check_positive

        days = check_positive("days", days)
    cols: dict[str, str] = {}
    if isinstance(metric, Proportion):
        cols["x"] = _require(frame, metric.column, "column")
    elif isinstance(metric, Mean):
        cols["x"] = _require(frame, metric.column, "column")
        if metric.covariate:
            cols["c"] = _require(frame, metric.covariate, "covariate")
    elif isinstance(metric, Ratio):
        cols["x"] = _require(frame, metric.numerator, "numerator")
        cols["y"] = _require(frame, metric.denominator, "denominator")
        if metric.covariate:
            cols["c"] = _require(frame, metric.covariate, "covariate")
    else:
        raise ValidationError(f"metric == {metric!r}, must be hk.Proportion, hk.Mean or hk.Ratio.")
    work = pd.DataFrame({k: _numeric(frame, v, k) for k, v in cols.items()})
    missing = work.isna().any(axis=1)
    if missing.all():
        raise DataError("every row has a missing value in the metric's columns.")
    if isinstance(metric, Proportion):
        bad = ~work["x"].dropna().isin([0.0, 1.0])
        if bad.any():
            raise DataError(
                f"column == {metric.column!r}: a Proportion needs 0/1 values, found "
                f"{float(work['x'].dropna()[bad].iloc[0])!r}."
            )
    if segments is not None:
        work["segment"] = frame[_require(frame, segments, "segments")].astype(str)
    else:
        work["segment"] = ALL
    if date is not None:
        work["date"] = frame[_require(frame, date, "date")]
    work = work[~missing]

    records = []
    for seg, g in work.groupby("segment", sort=True):
        n = len(g)
        if n < 2:
            raise DataError(f"segment {seg!r} has {n} unit; at least 2 are needed to estimate.")
        n_days = float(g["date"].nunique()) if date is not None else days
        rec: dict[str, Any] = {
            "segment": seg,
            "units": n,
            "days": n_days,
            "traffic": n / n_days if n_days else math.nan,
        }
        if isinstance(metric, Proportion):
            p = float(g["x"].mean())
            if not 0 < p < 1:
                raise DataError(
                    f"segment {seg!r}: the rate of {metric.column!r} is {p:g}; sizing needs a "
                    "baseline in (0, 1)."
                )
            rec["baseline"] = p
        elif isinstance(metric, Mean):
            rec["mean"] = float(g["x"].mean())
            rec["sd"] = float(g["x"].std(ddof=1))
            if not rec["sd"] > 0:
                raise DataError(f"segment {seg!r}: {metric.column!r} is constant (sd 0).")
            rec["correlation"] = float(g["x"].corr(g["c"])) if "c" in g else 0.0
        else:
            rec["numerator_mean"] = float(g["x"].mean())
            rec["numerator_sd"] = float(g["x"].std(ddof=1))
            rec["denominator_mean"] = float(g["y"].mean())
            rec["denominator_sd"] = float(g["y"].std(ddof=1))
            rec["covariance"] = float(g["x"].cov(g["y"]))
            rec["correlation"] = float(g["x"].corr(g["c"])) if "c" in g else 0.0
            if not rec["denominator_mean"] > 0:
                raise DataError(f"segment {seg!r}: the mean of {metric.denominator!r} is not > 0.")
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
