"""Monitoring a running experiment: keep running, stop, or analyse, per segment.

Working by outcomes means plan, run, monitor, adjust. While a test runs, a product team
needs to know every day, per segment: is the split healthy (sample ratio), is a
guardrail harmed beyond its margin, how far is the test from its planned size, and when
will it get there. ``hk.monitor`` answers with intervals that stay valid however often
they are read (the confidence sequences of ``hk.analyze(method="sequential")``), so a
daily job can act on it without the peeking problem.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hypokit._aggregate import ALL
from hypokit._errors import ValidationError
from hypokit._findings import Finding
from hypokit._results import TableMixin

if TYPE_CHECKING:
    from hypokit._analysis import AnalysisResult, Criterion

__all__ = ["DECISIONS", "Monitor", "monitor"]

#: The decisions, from the most to the least urgent.
DECISIONS = (
    "stop: sample ratio mismatch",
    "stop for harm",
    "ready to analyse",
    "keep running",
)


@dataclass(frozen=True, repr=False)
class Monitor(TableMixin):
    """A running experiment's health per (segment, variant), with the decision to take.

    Attributes:
        rows: One dict per (segment, variant): units per arm, the planned units per arm,
            ``progress`` (the share of the plan reached by the arm furthest from it),
            the sample-ratio p-value, the guardrails breached, ``expected_end`` and
            ``days_left`` (from the traffic so far), ``decision`` (one of
            :data:`DECISIONS`) and ``reason``.
        result: The sequential analysis the rows rest on (always-valid intervals).
        as_of: The day of this look.

    ``exit_code`` is what ``hypokit monitor`` returns: 0 when every row says "keep
    running", 1 when any says stop or ready to analyse.
    """

    rows: tuple[dict[str, Any], ...]
    result: AnalysisResult = field(repr=False)
    as_of: dt.date | None = None

    _display_columns = (
        "segment",
        "variant",
        "n_control",
        "n_variant",
        "planned_per_arm",
        "progress",
        "srm_p_value",
        "expected_end",
        "decision",
        "reason",
    )

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per (segment, variant)."""
        return [dict(r) for r in self.rows]

    def _caption(self) -> str:
        day = f" on {self.as_of}" if self.as_of else ""
        return f"Monitor{day}: {self.headline()}"

    @property
    def decision(self) -> str:
        """The most urgent decision of any row."""
        return str(min((r["decision"] for r in self.rows), key=DECISIONS.index))

    @property
    def exit_code(self) -> int:
        """0 when every row says keep running; 1 when any row asks for action."""
        return 0 if self.decision == "keep running" else 1

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """The analysis's findings (sample ratio, guardrails, ...)."""
        return self.result.warnings

    def headline(self) -> str:
        """One sentence: what to do now, and where."""
        urgent = self.decision
        where = [
            f"{_where(r['segment'])} ({r['variant']})" for r in self.rows if r["decision"] == urgent
        ]
        if urgent == "keep running":
            ends = [r["expected_end"] for r in self.rows if r["expected_end"] is not None]
            until = f"; expected to reach the plan by {max(ends)}" if ends else ""
            return f"keep running{until}."
        return f"{urgent}: {', '.join(where)}."


def _where(segment: str) -> str:
    return "the whole population" if segment == ALL else f"segment {segment!r}"


def monitor(
    data: Any,
    *,
    variant: str,
    control: Any,
    metrics: Any,
    segments: Any = None,
    plan: Any = None,
    guardrails: Any = None,
    date: str | None = None,
    as_of: dt.date | str | None = None,
    alpha: float = 0.05,
    correction: Any = "holm",
    srm_alpha: float = 0.001,
    allocation: Mapping[Any, float] | None = None,
    n_tune: float | Mapping[str, float] | None = None,
    progress: bool | None = None,
) -> Monitor:
    """Check a running experiment: sample ratio, guardrails, progress, expected end.

    The data are analysed with ``method="sequential"`` (always-valid confidence
    sequences; Waudby-Smith et al. 2024), so the intervals hold however often the test
    is monitored. Per (segment, variant), in order of urgency:

    1. **stop: sample ratio mismatch** when the segment's split of units differs from
       the allocation (chi-square p below ``srm_alpha``): assignment or logging is broken
       and no effect can be trusted.
    2. **stop for harm** when a guardrail is breached: its always-valid interval shows
       a significant harm and the estimate lies beyond the margin (the guardrail
       "not met" rule of :class:`hypokit.Criterion`, on intervals valid at any look).
    3. **ready to analyse** when every arm of the segment has the units the plan asked
       for: run the fixed-horizon analysis (``hk.analyze``) and conclude.
    4. **keep running** otherwise, with the expected end from the traffic so far.

    Args:
        data: The units so far, as for :func:`hypokit.analyze`.
        variant: The variant column.
        control: The control's label.
        metrics: The metrics (the guardrails' metrics among them).
        segments: The segment column(s), or None.
        plan: The units each segment needs: a :class:`~hypokit.SizingPlan`, an
            :class:`~hypokit.Experiment` (its recorded plan), or its ``plan`` rows.
            Without a plan, no segment is ever "ready to analyse".
        guardrails: :class:`~hypokit.Criterion` guardrails (criteria with a
            ``margin``): a list applied to every segment, or ``{segment: [criteria]}``
            (the key ``"*"`` adds criteria to every segment).
        date: The column with the day each unit entered: needed for the expected end.
        as_of: The day of this look (default: the last date in the data).
        alpha: The level of the always-valid intervals.
        correction: The multiple-testing correction over the table (as ``hk.analyze``).
        srm_alpha: The sample-ratio alarm level.
        allocation: The planned share of units per variant (equal by default).
        n_tune: Where the confidence sequences are tightest (default: from the plan).
        progress: Show the aggregation's progress bar (as ``hk.analyze``).

    Returns:
        A :class:`Monitor`.

    Examples:
        >>> import hypokit as hk
        >>> from hypokit.datasets import checkout_experiment
        >>> plan = hk.size(hk.Proportion(baseline={"new": 0.04, "returning": 0.11,
        ...     "business": 0.18}), mde=0.15, relative=True,
        ...     traffic={"new": 750, "returning": 450, "business": 100})
        >>> report = hk.monitor(
        ...     checkout_experiment(), variant="variant", control="control",
        ...     segments="segment", metrics=[hk.Proportion("converted")], plan=plan,
        ...     guardrails=[hk.Criterion("converted", margin=0.05)], date="date",
        ... )
        >>> report.to_pandas()[["segment", "progress", "decision"]].round(2)
             segment  progress          decision
        0      (all)       NaN      keep running
        1   business      0.61     stop for harm
        2        new      0.88      keep running
        3  returning      1.56  ready to analyse
        >>> report.exit_code
        1
    """
    import hypokit as hk

    result = hk.analyze(
        data,
        variant=variant,
        control=control,
        metrics=metrics,
        segments=segments,
        alpha=alpha,
        correction=correction,
        method="sequential",
        allocation=allocation,
        plan=_sizing_plan(plan),
        srm_alpha=srm_alpha,
        n_tune=n_tune,
        progress=progress,
        date=date,
    )
    planned = _planned(plan)
    breaches = _breaches(result, guardrails)
    day, per_day = _traffic(result, as_of)
    srm = {r["segment"]: r for r in result.srm.rows}
    units = result.aggregates
    rows = []
    for segment in result.segments:
        counts = {
            v: int(n)
            for s, v, n in zip(units.segment, units.variant, units.n, strict=True)
            if s == segment
        }
        n_control = counts.get(result.control, 0)
        srm_row = srm.get(segment, {})
        for var in result.variants:
            n_variant = counts.get(var, 0)
            need = planned.get(segment)
            share = math.nan
            expected_end: dt.date | None = None
            days_left: int | None = None
            if need is not None:
                n_control_needed, n_variant_needed = need
                share = min(n_control / n_control_needed, n_variant / n_variant_needed)
                rate = per_day.get(segment)
                if rate and day is not None and share < 1:
                    missing = max(n_control_needed - n_control, n_variant_needed - n_variant, 0)
                    arms = len(result.variants) + 1
                    days_left = math.ceil(missing * arms / rate)
                    expected_end = day + dt.timedelta(days=days_left)
                elif share >= 1:
                    days_left = 0
            decision, reason = _decide(
                segment, var, srm_row, breaches.get((segment, var), []), share, need
            )
            rows.append(
                {
                    "segment": segment,
                    "variant": var,
                    "n_control": n_control,
                    "n_variant": n_variant,
                    "planned_per_arm": None if need is None else need[0],
                    "progress": share,
                    "srm_p_value": float(srm_row.get("p_value", math.nan)),
                    "guardrails_breached": ", ".join(breaches.get((segment, var), [])),
                    "expected_end": expected_end,
                    "days_left": days_left,
                    "decision": decision,
                    "reason": reason,
                }
            )
    return Monitor(rows=tuple(rows), result=result, as_of=day)


def _decide(
    segment: str,
    variant: Any,
    srm_row: Mapping[str, Any],
    breached: list[str],
    share: float,
    need: tuple[int, int] | None,
) -> tuple[str, str]:
    if srm_row.get("mismatch"):
        return (
            DECISIONS[0],
            f"the split of units differs from the plan (chi-square p = "
            f"{srm_row['p_value']:.2g}): fix assignment or logging before reading anything.",
        )
    if breached:
        return (
            DECISIONS[1],
            f"guardrail breached with an always-valid interval: {'; '.join(breached)}.",
        )
    if need is not None and share >= 1:
        return (
            DECISIONS[2],
            f"every arm has the planned {need[0]:,} units: analyse it (hk.analyze) and conclude.",
        )
    if need is None:
        return DECISIONS[3], "no plan for this segment: nothing says when it is done."
    return DECISIONS[3], f"{share:.0%} of the planned units so far."


def _sizing_plan(plan: Any) -> Any:
    """The plan for tuning the confidence sequences, when it is a SizingPlan."""
    from hypokit._sizing import SizingPlan

    return plan if isinstance(plan, SizingPlan) and plan.looks is None else None


def _planned(plan: Any) -> dict[str, tuple[int, int]]:
    """Units needed per segment: ``(control, each variant)``."""
    if plan is None:
        return {}
    rows = getattr(plan, "plan", None)  # an Experiment
    if rows is None:
        rows = getattr(plan, "rows", plan)  # a SizingPlan, or its rows
    if isinstance(rows, str | bytes) or not isinstance(rows, Sequence):
        raise ValidationError(
            f"plan == {plan!r:.80}, must be a SizingPlan (hk.size), an Experiment or its plan."
        )
    out: dict[str, tuple[int, int]] = {}
    for r in rows:
        segment = str(r.segment)
        n_control = int(r.n_per_arm)
        n_variant = int(getattr(r, "n_variant", 0) or n_control)
        out[segment] = (n_control, n_variant)
    return out


def _criteria(guardrails: Any, segments: Sequence[str]) -> dict[str, list[Criterion]]:
    from hypokit._analysis import Criterion

    if guardrails is None:
        return {}
    if isinstance(guardrails, Criterion):
        guardrails = [guardrails]
    if isinstance(guardrails, Mapping):
        per = {str(k): [v] if isinstance(v, Criterion) else list(v) for k, v in guardrails.items()}
        everywhere = per.pop("*", [])
        if everywhere:
            per = {s: [*per.get(s, []), *everywhere] for s in segments}
    else:
        per = {s: list(guardrails) for s in segments}
    for seg, crits in per.items():
        for c in crits:
            if not isinstance(c, Criterion) or not c.guardrail:
                raise ValidationError(
                    f"guardrails for {seg!r} contain {c!r}: give hk.Criterion(..., margin=...)."
                )
    return per


def _breaches(result: AnalysisResult, guardrails: Any) -> dict[tuple[str, Any], list[str]]:
    per = _criteria(guardrails, result.segments)
    if not per:
        return {}
    table = result.verdict(per)
    out: dict[tuple[str, Any], list[str]] = {}
    for r in table.rows:
        if r["verdict"] == "not met":
            out.setdefault((r["segment"], r["variant"]), []).append(
                f"{r['criterion']} (estimate {_fmt(r['estimate'], r.get('scale'))}, "
                f"always-valid CI {_fmt(r['ci_low'], r.get('scale'))} to "
                f"{_fmt(r['ci_high'], r.get('scale'))})"
            )
    return out


def _fmt(x: float, scale: str | None) -> str:
    if not math.isfinite(x):
        return "-∞" if x < 0 else "+∞"
    return f"{x:+.1%}" if scale == "lift" else f"{x:+.4g}"


def _traffic(
    result: AnalysisResult, as_of: dt.date | str | None
) -> tuple[dt.date | None, dict[str, float]]:
    """The day of the look and the units per day of each segment (all arms) so far."""
    daily = result.daily
    day = _as_date(as_of, "as_of") if as_of is not None else None
    if daily is None or not daily.dates:
        return day, {}
    dates = [_as_date(d, daily.column, quiet=True) for d in daily.dates]
    known = [d for d in dates if d is not None]
    if day is None and known:
        day = max(known)
    calendar = len(known) == len(dates) and known
    span = (max(known) - min(known)).days + 1 if calendar else len(dates)
    last = daily.cumulative[-1]
    per_day: dict[str, float] = {}
    for s, n in zip(last.segment, last.n, strict=True):
        per_day[s] = per_day.get(s, 0.0) + float(n) / max(span, 1)
    per_day[ALL] = sum(v for k, v in per_day.items() if k != ALL)
    return day, per_day


def _as_date(value: Any, name: str, *, quiet: bool = False) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        if quiet:
            return None
        raise ValidationError(f"{name} == {value!r}, must be a date (YYYY-MM-DD).") from None
