"""Day by day: how the estimate and its interval evolved as the data came in.

``hk.analyze(..., date="day")`` aggregates once by (segment, variant, day) and keeps the
table (:class:`DailyAggregates`). The analysis itself uses the sum over the days; the
day-by-day view (:meth:`hypokit.AnalysisResult.over_time`) adds the days up one at a
time and analyses each cumulative table with the same options, so the last day equals
the analysis itself, with two exceptions: units without a date count in the analysis
but in no day, and for ``method="sequential"`` the days' intervals are intersected and
their p-values kept as running minima (see :class:`OverTime`), while the analysis
reports the last look alone (both are valid).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from hypokit._aggregate import (
    ALL,
    Aggregates,
    MetricSpec,
    _aggregate,
    segment_columns,
)
from hypokit._errors import DataError, ValidationError
from hypokit._labels import Label, find_label, find_segment, segment_label, segment_values
from hypokit._results import TableMixin

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from hypokit._analysis import AnalysisResult

__all__ = ["DailyAggregates", "OverTime", "aggregate_by_date"]

#: More distinct dates than this is not a day column (timestamps, most likely).
MAX_DATES = 1000


@dataclass(frozen=True)
class DailyAggregates:
    """Sufficient statistics per day: the total, and the running sums up to each day.

    Attributes:
        column: The date column.
        dates: The dates in time order, as labels (ISO text for dates).
        cumulative: The table of all units up to and including each date.
        total: The table of every unit (units without a date included).
        undated: Units without a date (they count in ``total`` only).
    """

    column: str
    dates: tuple[str, ...]
    cumulative: tuple[Aggregates, ...]
    total: Aggregates
    undated: int


def _date_key(label: str) -> tuple[int, Any]:
    """Sort dates in time order: numbers as numbers, ISO dates and times as dates."""
    try:
        return (0, float(label))
    except ValueError:
        pass
    try:
        return (1, dt.datetime.fromisoformat(label))
    except ValueError:
        return (2, label)


def _day(label: str) -> str:
    """A midnight timestamp as its date (engines read Python dates as timestamps)."""
    if _MIDNIGHT.fullmatch(label):
        return label[:10]
    return label


_MIDNIGHT = re.compile(r"\d{4}-\d{2}-\d{2}[ T]00:00:00(\.0+)?")


def _collapse(
    daily: Aggregates, segments: Sequence[str], keep: np.ndarray, segment_cols: tuple[str, ...]
) -> Aggregates:
    """Sum the rows where ``keep`` is true by (segment, variant)."""
    kept = [int(i) for i in np.flatnonzero(keep)]
    keys = sorted({(segments[i], daily.variant[i]) for i in kept})
    index = {k: r for r, k in enumerate(keys)}
    rows = np.array([index[(segments[i], daily.variant[i])] for i in kept], dtype=np.intp)

    def total(values: np.ndarray) -> np.ndarray:
        return np.bincount(rows, weights=values[keep], minlength=len(keys)).astype(np.float64)

    return Aggregates(
        segment=tuple(k[0] for k in keys),
        variant=tuple(k[1] for k in keys),
        n=total(daily.n),
        stats={k: total(v) for k, v in daily.stats.items()},
        metrics=daily.metrics,
        segment_columns=segment_cols,
        variant_column=daily.variant_column,
        missing_variant=daily.missing_variant,
        shifts=daily.shifts,  # every row shares them, so the sums add exactly
    )


def _values(label: str) -> tuple[str | None, ...]:
    """The values of a label hypokit wrote."""
    values = segment_values(label)
    assert values, label
    return values


def aggregate_by_date(
    data: Any,
    *,
    variant: str,
    specs: tuple[MetricSpec, ...],
    segments: Any,
    date: str,
    progress: bool | None = None,
) -> DailyAggregates:
    """One query by (segment, variant, date); the running sums per date from it.

    ``date`` is the day each unit entered the experiment (a date, a day number, or
    any value that sorts in time order). Units without a date count in the total
    but in no day.
    """
    if not isinstance(date, str) or not date:
        raise ValidationError(f"date == {date!r}, must be a column name.")
    segs = segment_columns(segments)
    if date in segs:
        raise ValidationError(f"date == {date!r} is also a segment column; it cannot be both.")
    try:
        daily = _aggregate(data, variant, (*segs, date), specs, progress, segments, text=segs)
    except DataError as exc:
        text = str(exc)
        prefix = f"segments == {date!r}: no such column"
        if text.startswith(prefix):
            raise DataError(f"date == {date!r}: no such column" + text[len(prefix) :]) from None
        raise
    # each label holds the segment's values and then the date (None when missing)
    values = [_values(s) for s in daily.segment]
    seg_of = [segment_label(v[:-1]) for v in values]
    date_of = np.array([None if v[-1] is None else _day(v[-1]) for v in values], dtype=object)
    dates = tuple(sorted({d for d in date_of if d is not None}, key=_date_key))
    if len(dates) > MAX_DATES:
        raise DataError(
            f"date == {date!r} has {len(dates):,} distinct values; give the day each unit "
            f"entered (truncate timestamps to dates), at most {MAX_DATES:,} days."
        )
    if not dates:
        raise DataError(f"date == {date!r}: every unit's date is missing.")
    rank = {d: k for k, d in enumerate(dates)}
    order = np.array([rank.get(d, -1) for d in date_of])
    cumulative = tuple(
        _collapse(daily, seg_of, (order >= 0) & (order <= k), segs) for k in range(len(dates))
    )
    total = _collapse(daily, seg_of, np.ones(len(order), dtype=bool), segs)
    undated = float(daily.n[order < 0].sum())
    return DailyAggregates(
        column=date,
        dates=dates,
        cumulative=cumulative,
        total=total,
        undated=int(undated),
    )


@dataclass(frozen=True, repr=False)
class OverTime(TableMixin):
    """The analysis repeated on the data up to each day: one row per (day, table row).

    Each day's rows are what :func:`hypokit.analyze` would have said on that day, with
    the same method, options and multiple-testing family. With
    ``method="frequentist"`` a day's interval and p-value are valid for that day
    only: reading them every day and stopping at the first significant one inflates
    the false-positive rate (the peeking problem). With ``method="sequential"``
    the intervals are intersected and the p-values are running minima over the days
    (``running`` in :mod:`hypokit.stats`), which the confidence sequence allows: they
    are valid however often they are looked at. An empty intersection (a low bound
    above the high bound) means the data contradict one fixed effect over the whole
    period (a novelty effect, a change mid-test): read the days, not the total.

    Attributes:
        rows: One dict per (date, segment, metric, variant).
        date: The date column.
        method: The analysis method.
        alpha: The level of the intervals.
        control: The control variant, as the variant column holds it.
    """

    rows: tuple[dict[str, Any], ...]
    date: str
    method: str
    alpha: float
    control: Label

    _display_columns = (
        "date",
        "segment",
        "metric",
        "variant",
        "n_control",
        "n_variant",
        "effect",
        "effect_ci_low",
        "effect_ci_high",
        "lift",
        "lift_ci_low",
        "lift_ci_high",
        "p_value",
        "significant",
    )

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per (date, segment, metric, variant)."""
        return [dict(r) for r in self.rows]

    def _columns(self) -> list[str]:
        columns = list(self._display_columns)
        if self.method == "bayesian":  # posterior summaries instead of p-values
            at = columns.index("p_value")
            columns[at : at + 1] = ["prob_beats_control", "expected_loss"]
        return columns

    def _caption(self) -> str:
        return f"Day by day ({self.method}, {round((1 - self.alpha) * 100)}% intervals)"

    def plot(
        self,
        metric: str | None = None,
        *,
        segment: str | tuple[str | None, ...] = ALL,
        variant: Label | None = None,
        scale: str = "lift",
        ax: Axes | None = None,
        label: str | None = None,
    ) -> Figure:
        """The estimate and its interval by day, for one metric, segment and variant.

        Args:
            metric: The metric (may be left out when there is one).
            segment: The segment's label, or the tuple of its values (default: the
                whole population); see :meth:`hypokit.AnalysisResult.row`.
            variant: The variant (may be left out when there is one).
            scale: ``"lift"`` (relative) or ``"effect"`` (in the metric's units).
            ax: An Axes to draw on (e.g. to compare two methods side by side).
            label: The legend label of the line (default: the method).

        Returns:
            The matplotlib Figure (``ax``'s when given; else a new one that pyplot does
            not keep open, shown once in a notebook: see :mod:`hypokit._plotting`).
        """
        from matplotlib.ticker import PercentFormatter

        from hypokit._plotting import in_legend, legend, literal, new_figure

        if scale not in ("lift", "effect"):
            raise ValidationError(f"scale == {scale!r}, must be 'lift' or 'effect'.")
        metric = str(self._one("metric", metric))
        variant = self._one("variant", variant)
        segs = sorted({r["segment"] for r in self.rows})
        segment = find_segment(segment, segs) or segment
        rows = [
            r
            for r in self.rows
            if r["metric"] == metric and r["variant"] == variant and r["segment"] == segment
        ]
        if not rows:
            raise ValidationError(f"segment == {segment!r}; the days have {segs}.")
        x = np.arange(len(rows))
        est = np.array([r[scale] for r in rows], dtype=float)
        lo = np.array([r[f"{scale}_ci_low"] for r in rows], dtype=float)
        hi = np.array([r[f"{scale}_ci_high"] for r in rows], dtype=float)
        if ax is None:
            fig, ax = new_figure(figsize=(7, 3.5))
        else:
            fig = ax.figure  # type: ignore[assignment]
        name = label or self.method
        line = in_legend(ax.plot(x, est, marker="o", ms=3, label=literal(name))[0])
        color = line.get_color()
        finite = np.isfinite(lo) & np.isfinite(hi)
        lo_f, hi_f = np.where(finite, lo, np.nan), np.where(finite, hi, np.nan)
        ax.fill_between(x, lo_f, hi_f, alpha=0.15, color=color)
        ax.plot(x, lo_f, color=color, lw=0.8)
        ax.plot(x, hi_f, color=color, lw=0.8)
        hits = np.array([bool(r["significant"]) for r in rows])
        if hits.any():
            dots = ax.scatter(
                x[hits], est[hits], s=40, facecolors="none", edgecolors=color, linewidths=1.5,
                zorder=3, label=literal(f"{name}: significant that day"),
            )  # fmt: skip
            in_legend(dots)
        # The first days' intervals are very wide; keep the later ones readable.
        if finite.sum() > 4:
            low = float(np.nanpercentile(lo_f, 10))
            high = float(np.nanpercentile(hi_f, 90))
            low, high = min(low, float(np.nanmin(est))), max(high, float(np.nanmax(est)))
            pad = 0.15 * (high - low)
            bottom, top = ax.get_ylim()
            if ax.lines[:-3]:  # another series is drawn: keep both in view
                low, high = min(low, bottom + pad), max(high, top - pad)
            ax.set_ylim(low - pad, high + pad)
        ax.axhline(0, color="grey", lw=1, ls="--")
        step = max(1, math.ceil(len(rows) / 10))
        ax.set_xticks(x[::step])
        ax.set_xticklabels([literal(r["date"]) for r in rows][::step], rotation=30, ha="right")
        ax.set_xlabel(literal(self.date))
        where = "the whole population" if segment == ALL else f"segment {segment!r}"
        ax.set_ylabel(literal(f"{scale} vs {self.control}"))
        ax.set_title(literal(f"{metric}, {variant!r} in {where}"))
        if scale == "lift":
            ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
        legend(ax, fontsize="small")
        fig.tight_layout()
        return fig

    def _one(self, name: str, value: Label | None) -> Label:
        """The one metric or variant, or ``value`` as the rows hold it (one type)."""
        values = sorted({r[name] for r in self.rows})
        if value is None:
            if len(values) != 1:
                raise ValidationError(f"{name} == None; name one of {', '.join(map(str, values))}.")
            return values[0]
        found = find_label(name, value, values, f"the {name}s of the days")
        if found is None:
            raise ValidationError(
                f"{name} == {value!r}; the days have {', '.join(map(str, values))}."
            )
        return found


def over_time(result: AnalysisResult) -> OverTime:
    """Analyse the running sums of every day with the result's own options."""
    from hypokit._analysis import _compare_all, _finish_rows, _grid

    daily, options = result.daily, result.options
    if daily is None or options is None:
        raise ValidationError(
            "this result has no dates; analyse with date='<column>' (the day each unit "
            "entered) to see it day by day."
        )
    arms = (result.control, *result.variants)
    out: list[dict[str, Any]] = []
    looks: list[dict[str, Any]] = []  # what a sequential day's interval needs, per row
    specs = result.aggregates.metrics
    for day, table in zip(daily.dates, daily.cumulative, strict=True):
        agg, grid = _grid(table.with_totals(), result.segments, arms)
        rows = _compare_all(
            agg,
            specs,
            result.segments,
            result.control,
            result.variants,
            grid,
            options,
            [],
        )
        finished = _finish_rows(rows, result.correction, options)
        for row, (k, i, j) in zip(finished, rows.index, strict=True):
            out.append({"date": day, **row})
            if result.method == "sequential":
                family = rows.families[k]
                comp = family.comp
                looks.append(
                    {
                        "effect": float(comp.effect[i, j]),
                        "se": float(comp.se[i, j]),
                        "n": float(family.metric_n[i, 0] + family.metric_n[i, j + 1]),
                        "control_mean": float(comp.control_mean[i, j]),
                        "variant_mean": float(comp.variant_mean[i, j]),
                        "control_var": float(comp.control_se[i, j] ** 2),
                        "variant_var": float(comp.variant_se[i, j] ** 2),
                        "proportion": family.spec.kind == "proportion",
                    }
                )
    if result.method == "sequential":
        _running(out, looks, result)
    return OverTime(
        rows=tuple(out),
        date=daily.column,
        method=result.method,
        alpha=result.alpha,
        control=result.control,
    )


def _running(
    out: list[dict[str, Any]], looks: list[dict[str, Any]], result: AnalysisResult
) -> None:
    """Running p-values, the correction per day, and intervals intersected over the days.

    The running minimum of an always-valid p-value is an always-valid p-value; the
    correction is applied to each day's running p-values as the analysis applies it to
    one day's, and gives each row its level (:func:`hypokit.stats.interval_levels`). A
    confidence sequence covers the truth at every day at once, so the intersection of
    one row's sequences up to a day, all at that day's level for the row, does too; it
    excludes 0 exactly when the running p-value is below that level, so the interval
    and ``significant`` agree.
    """
    from hypokit import stats
    from hypokit._analysis import _n_tune, _sequence

    assert result.options is not None
    options = result.options
    by_row: dict[tuple[str, str, str], list[int]] = {}
    by_day: dict[str, list[int]] = {}
    for at, r in enumerate(out):  # in day order
        by_row.setdefault((r["segment"], r["metric"], r["variant"]), []).append(at)
        by_day.setdefault(r["date"], []).append(at)
    for ats in by_row.values():
        running_p = np.minimum.accumulate([out[a]["p_value"] for a in ats])
        for a, p in zip(ats, running_p, strict=True):
            out[a]["p_value"] = float(p)
    for ats in by_day.values():
        p = np.array([out[a]["p_value"] for a in ats])
        adjusted = stats.p_adjust(p, result.correction)
        levels = stats.interval_levels(p, result.correction, result.alpha)
        for a, adj, level in zip(ats, adjusted, levels, strict=True):
            out[a]["p_adjusted"] = float(adj)
            out[a]["significant"] = bool(adj < result.alpha)
            out[a]["ci_level"] = float(1 - level)
            out[a]["_level"] = float(level)
    for (segment, _, _), ats in by_row.items():
        tune = float(_n_tune(options, (segment,), (1, 1))[0, 0])

        def column(name: str, ats: list[int] = ats) -> np.ndarray:
            return np.array([looks[a][name] for a in ats], dtype=np.float64)

        effect, se, n = column("effect"), column("se"), column("n")
        mc, mv = column("control_mean"), column("variant_mean")
        vc, vv = column("control_var"), column("variant_var")
        for d, a in enumerate(ats):
            level = out[a].pop("_level")
            seen = slice(0, d + 1)
            seq = _sequence(
                effect[seen],
                se[seen],
                n[seen],
                mc[seen],
                mv[seen],
                vc[seen],
                vv[seen],
                options=options,
                tune=tune,
                levels=level,
                proportion=looks[a]["proportion"],
            )
            low, high = seq["effect_ci_low"], seq["effect_ci_high"]
            lift_lo, lift_hi = seq["lift_ci_low"], seq["lift_ci_high"]
            p_seen = np.zeros_like(low)
            for name, lo, hi in (("effect", low, high), ("lift", lift_lo, lift_hi)):
                run_lo, run_hi, _ = stats.running(lo, hi, p_seen)
                out[a][f"{name}_ci_low"] = float(run_lo[-1])
                out[a][f"{name}_ci_high"] = float(run_hi[-1])
