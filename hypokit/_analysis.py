"""Per-segment analysis of an A/B test: effects, intervals, corrections and findings.

``hk.analyze`` aggregates the data once (:mod:`hypokit._aggregate`), compares every
variant with control for every metric in every segment and in the whole population
(segment ``"(all)"``) with the statistics core, adjusts the p-values over that whole
family, and checks what an average can hide: sample-ratio mismatch, Simpson's paradox,
effects that differ across segments, segments that move against the overall result,
missing data and too little data for the plan.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from hypokit import stats
from hypokit._aggregate import (
    ALL,
    Aggregates,
    MetricSpec,
    aggregate,
    from_table,
    metric_specs,
    segment_columns,
)
from hypokit._errors import DataError, NotFoundError, ValidationError
from hypokit._findings import Finding
from hypokit._finite import check_finite
from hypokit._labels import (
    MISSING,
    Label,
    check_label,
    find_keys,
    find_label,
    find_segment,
    segment_values,
)
from hypokit._over_time import DailyAggregates, OverTime, aggregate_by_date
from hypokit._results import TableMixin, format_number, html_table
from hypokit._validate import check_choice, check_open_unit, check_positive
from hypokit.stats._compare import _lift as _fieller_lift
from hypokit.stats._group_sequential import _MIN_SPACING

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from hypokit._sizing import SizingPlan

__all__ = ["AnalysisResult", "Criterion", "SRMTable", "VerdictTable", "analyze"]

Correction = Literal["holm", "bonferroni", "bh"]
CORRECTIONS: tuple[Correction | None, ...] = ("holm", "bonferroni", "bh", None)
METHODS = ("frequentist", "sequential", "bayesian")

#: The columns promised by the API contract, in order.
CONTRACT_COLUMNS = (
    "segment",
    "metric",
    "variant",
    "n_control",
    "n_variant",
    "control_mean",
    "variant_mean",
    "effect",
    "effect_ci_low",
    "effect_ci_high",
    "lift",
    "lift_ci_low",
    "lift_ci_high",
    "p_value",
    "p_adjusted",
    "significant",
)
EXTRA_COLUMNS = (
    "kind",
    "se",
    "statistic",
    "df",
    "control_observed",
    "variant_observed",
    "variance_reduction",
    "n_missing",
    "ci_level",
    "ci_adjustment",
)

#: The columns ``method="bayesian"`` adds.
BAYES_COLUMNS = ("prob_beats_control", "expected_loss", "expected_loss_control")

#: Reasons that leave no estimate: such rows become findings, not table rows.
_FATAL = int(
    stats.Reason.TOO_FEW_UNITS | stats.Reason.ZERO_VARIANCE | stats.Reason.ZERO_DENOMINATOR
)


# ------------------------------------------------------------------------------ results
@dataclass(frozen=True, repr=False)
class SRMTable(TableMixin):
    """Sample-ratio mismatch per segment: Pearson's chi-square of units per variant.

    A p-value below ``threshold`` (0.001 by default, the usual alarm level for SRM)
    means the split of units does not match the planned allocation: something in
    assignment or logging is broken, and the segment's effects cannot be trusted.
    """

    rows: tuple[dict[str, Any], ...]
    threshold: float

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per segment."""
        return [dict(r) for r in self.rows]

    def _caption(self) -> str:
        return f"Sample-ratio check (chi-square; mismatch when p < {self.threshold:g})"

    @property
    def p_value(self) -> float:
        """The overall p-value (segment ``"(all)"``)."""
        return float(next(r["p_value"] for r in self.rows if r["segment"] == ALL))

    @property
    def mismatch(self) -> bool:
        """Whether any segment (or the whole) shows a mismatch."""
        return any(r["mismatch"] for r in self.rows)


@dataclass(frozen=True)
class Criterion:
    """A success criterion (or a guardrail) for one metric, used by ``result.verdict``.

    Args:
        metric: The metric's name (its column or ``name=``).
        min_effect: The smallest effect that counts as success (0 = any improvement).
        direction: ``"increase"`` or ``"decrease"``: the direction that is good.
        relative: Read ``min_effect`` and ``margin`` as relative lifts (default) or in
            the metric's units.
        margin: For a guardrail: the largest harm tolerated (non-inferiority margin).
            A criterion with a margin is a guardrail.

    Decision rules. Every rule reads the result's intervals, which are at the level that
    agrees with the multiple-testing correction (``ci_level``; see
    :func:`hypokit.analyze`), so a verdict never contradicts the ``significant`` column.
    On the scale where the good direction is positive, with the interval ``[lo, hi]``
    and the estimate ``est`` (relative lifts ``effect / |control_mean|`` when
    ``relative``, else effects in the metric's units):

    ============  ===============================================================
    success       **met**: ``lo > 0`` (significant in the good direction) and
                  ``est >= min_effect``; **not met**: ``hi < 0`` (significant in
                  the wrong direction) or ``hi < min_effect`` (the interval rules
                  the required effect out); **inconclusive** otherwise
                  (significant but the estimate short of ``min_effect``, or not
                  significant).
    guardrail     **met**: ``lo > -margin`` (the interval rules out a harm of
                  ``margin`` or more: non-inferiority shown); **not met**:
                  ``hi < 0`` and ``est < -margin`` (a significant harm, estimated
                  beyond the margin); **inconclusive** otherwise.
    ============  ===============================================================

    Met asks for significance and a large enough estimate, not for the whole interval
    beyond ``min_effect``: the minimum effect is what the test was sized to detect, and
    requiring the lower bound to reach it would fail most tests that were sized for it.

    "Significant" is the table's ``significant`` column (``lo > 0`` in the good direction
    with the default intervals, which agree with it); sizes are read on the criterion's
    scale. The verdict table's ``scale`` says which (``"lift"`` or ``"effect"``).

    A relative criterion needs a control mean clearly away from 0: where the lift's
    interval is unbounded (the control mean is within about two standard errors of 0)
    the verdict is inconclusive with that reason; state such criteria in the metric's
    units (``relative=False``). A relative success criterion with ``min_effect=0`` asks
    only for the direction, so it is then judged on the effect.
    """

    metric: str
    min_effect: float = 0.0
    direction: Literal["increase", "decrease"] = "increase"
    relative: bool = True
    margin: float | None = None

    def __post_init__(self) -> None:
        check_choice("direction", self.direction, ("increase", "decrease"))
        if self.margin is not None:
            check_positive("margin", self.margin)

    @property
    def guardrail(self) -> bool:
        """Whether this is a guardrail (it has a margin)."""
        return self.margin is not None


@dataclass(frozen=True, repr=False)
class VerdictTable(TableMixin):
    """Verdicts per (segment, criterion), with the numbers they rest on."""

    rows: tuple[dict[str, Any], ...]

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per (segment, variant, criterion)."""
        return [dict(r) for r in self.rows]

    def by_segment(self) -> dict[str, str]:
        """One verdict per segment: not met if any criterion is not met, met if all are."""
        out: dict[str, str] = {}
        for seg in dict.fromkeys(r["segment"] for r in self.rows):
            verdicts = {r["verdict"] for r in self.rows if r["segment"] == seg}
            out[seg] = (
                "not met"
                if "not met" in verdicts
                else "met"
                if verdicts == {"met"}
                else "inconclusive"
            )
        return out

    _display_columns = (
        "segment",
        "variant",
        "metric",
        "criterion",
        "estimate",
        "ci_low",
        "ci_high",
        "p_adjusted",
        "verdict",
        "reason",
    )


def _ci_label(row: Mapping[str, Any]) -> str:
    """``"95% CI"``, or ``"98.75% CI, holm-adjusted"`` for an interval at an adjusted level."""
    level = row.get("ci_level")
    if level is None or not math.isfinite(level):
        return "CI"
    text = f"{round(level * 100, 2):g}% CI"
    adjustment = str(row.get("ci_adjustment", "none"))
    if not adjustment.startswith("none"):
        text += f", {adjustment.split(' ')[0]}-adjusted"
    return text


def _pct(x: Any) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "—" if x is None or math.isnan(x) else ("+∞" if x > 0 else "−∞")
    return f"{x:+.1%}"


def _num(x: Any) -> str:
    if isinstance(x, float) and math.isfinite(x) and x != 0 and abs(x) < 1e-3:
        return f"{x:.2e}"
    return format_number(x)


def _prob(x: Any) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return f"{x:.1%}"


def _p(x: Any) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return "<0.0001" if x < 1e-4 else f"{x:.4f}"


@dataclass(frozen=True, eq=False, repr=False)
class AnalysisResult(TableMixin):
    """The analysis of an A/B test per segment; see :func:`analyze`.

    Attributes:
        rows: One dict per (segment, metric, variant) with the contract columns.
        srm: The sample-ratio check per segment.
        warnings: Plain-language findings, each naming its segment/metric/variant.
        alpha, correction, alternative, lift_method: The options used.
        control: The control variant; ``variants`` the others, sorted; both as the
            variant column holds them (``"control"``, ``0``, ``True``); ``segments``
            every segment (``"(all)"`` first); ``metrics`` the metric names.
        aggregates: The sufficient statistics the numbers come from.
    """

    rows: tuple[dict[str, Any], ...]
    srm: SRMTable
    warnings: tuple[Finding, ...]
    alpha: float
    correction: Correction | None
    alternative: str
    lift_method: str
    control: Label
    variants: tuple[Label, ...]
    segments: tuple[str, ...]
    metrics: tuple[str, ...]
    aggregates: Aggregates = field(repr=False)
    method: str = "frequentist"
    options: _Options | None = field(default=None, repr=False)
    daily: DailyAggregates | None = field(default=None, repr=False)

    _display_columns = CONTRACT_COLUMNS

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per (segment, metric, variant): the contract columns, then extras."""
        return [dict(r) for r in self.rows]

    def __len__(self) -> int:
        return len(self.rows)

    def findings(self, kind: str | None = None, **where: Any) -> list[Finding]:
        """The findings of one ``kind`` (and ``segment=``, ``metric=``, ``variant=``).

        ``segment=`` takes a label or the tuple of a segment's values, as :meth:`row`.
        """
        out = [f for f in self.warnings if kind is None or f.kind == kind]
        for key, value in where.items():
            if key == "segment" and value is not None:
                labels = list(self.segments) + [str(f.segment) for f in out if f.segment]
                value = find_segment(value, labels) or value
            out = [f for f in out if getattr(f, key) == value]
        return out

    def row(
        self,
        metric: str,
        segment: str | tuple[str | None, ...] = ALL,
        variant: Label | None = None,
    ) -> dict[str, Any]:
        """The row of one (segment, metric, variant); ``variant`` may be left out with one.

        ``segment`` is a label as the table shows it (``"new"``, ``"DE / ios"``,
        ``'"x / y" / z'``, ``"(missing)"``, ``"(all)"`` for the whole population), or
        the tuple of the segment's values, one per segment column (``("DE", "ios")``,
        ``("x / y", "z")``, ``(None,)`` for a missing value). With one segment column, a
        value that its label shows in quotes may also be given as it is (``"x / y"``),
        except ``"(all)"`` and ``"(missing)"``, which always mean the whole population
        and the missing values.

        Raises:
            NotFoundError: No such segment, or no row for it (also a ``KeyError``).
            ValidationError: ``variant`` is left out and the result has several.
        """
        found_segment = find_segment(segment, self.segments)
        if found_segment is None:
            raise NotFoundError(
                f"no segment {segment!r}; the result has {', '.join(map(repr, self.segments))}"
            )
        segment = found_segment
        if variant is None:
            if len(self.variants) != 1:
                names = ", ".join(map(str, self.variants))
                raise ValidationError(f"variant == None; name one of {names}.")
            variant = self.variants[0]
        where = f"the variants of this result (column {self.aggregates.variant_column!r})"
        found = find_label("variant", variant, self.variants, where)
        variant = variant if found is None else found
        for r in self.rows:
            if r["segment"] == segment and r["metric"] == metric and r["variant"] == variant:
                return dict(r)
        raise NotFoundError(
            f"no row for segment {segment!r}, metric {metric!r}, variant {variant!r}"
            " (see result.warnings for rows that could not be computed)"
        )

    def over_time(self) -> OverTime:
        """The analysis repeated on the data up to each day, to see how it evolved.

        Needs ``hk.analyze(..., date="<column>")``. Returns an :class:`OverTime` table
        (one row per day and table row) with ``.plot()``: the estimate and its interval
        by day. With ``method="frequentist"`` each day's interval is valid for that day
        alone (reading it daily is peeking); with ``method="sequential"`` the intervals
        hold at every day at once.

        Examples:
            >>> import hypokit as hk
            >>> from hypokit.datasets import checkout_experiment
            >>> result = hk.analyze(
            ...     checkout_experiment(), variant="variant", control="control",
            ...     metrics=[hk.Proportion("converted")], date="date",
            ... )
            >>> days = result.over_time().to_pandas()
            >>> len(days), days["n_control"].is_monotonic_increasing
            (21, True)
        """
        from hypokit._over_time import over_time

        return over_time(self)

    # ---------------------------------------------------------------- verdicts
    def verdict(
        self,
        criteria: Mapping[str, Criterion | Sequence[Criterion]] | Sequence[Criterion] | Criterion,
        *,
        variant: Label | None = None,
    ) -> VerdictTable:
        """Judge each segment against its own success criteria and guardrails.

        Args:
            criteria: ``{segment: criterion or [criteria]}`` (segments, or ``"(all)"``,
                each with its own criteria; a segment by its label or the tuple of its
                values, as in :meth:`row`), or one list applied to every segment.
            variant: Judge only this variant (default: every variant).

        Returns:
            A :class:`VerdictTable`: ``met``, ``not met`` or ``inconclusive`` per
            (segment, variant, criterion) with the reason; ``.by_segment()`` sums up.
            See :class:`Criterion` for the decision rules.
        """
        if isinstance(criteria, Criterion):
            criteria = [criteria]
        if isinstance(criteria, Mapping):
            per_segment: dict[str, list[Any]] = {}
            for key, value in criteria.items():
                label = find_segment(key, self.segments, "criteria key")
                if label is None:
                    raise ValidationError(
                        f"criteria name segment {key!r}; the result has "
                        f"{', '.join(map(repr, self.segments))}."
                    )
                if label in per_segment:
                    raise ValidationError(
                        f"criteria name segment {label!r} twice (as {key!r} too); give "
                        "each segment its criteria once."
                    )
                per_segment[label] = [value] if isinstance(value, Criterion) else list(value)
        else:
            per_segment = {s: list(criteria) for s in self.segments}
        if variant is not None:
            where = f"the variants of this result (column {self.aggregates.variant_column!r})"
            found = find_label("variant", variant, self.variants, where)
            if found is None:
                raise ValidationError(f"variant == {variant!r}; the result has {self.variants}.")
            variant = found
        variants = self.variants if variant is None else (variant,)
        out = []
        for seg, crits in per_segment.items():
            for crit in crits:
                if not isinstance(crit, Criterion):
                    raise ValidationError(
                        f"criteria for {seg!r} contain {crit!r}, not a Criterion."
                    )
                if crit.metric not in self.metrics:
                    raise ValidationError(
                        f"Criterion metric == {crit.metric!r}; the result has "
                        f"{', '.join(map(repr, self.metrics))}."
                    )
                for var in variants:
                    out.append(self._judge(seg, var, crit))
        return VerdictTable(tuple(out))

    def _judge(self, segment: str, variant: str, crit: Criterion) -> dict[str, Any]:
        """One verdict; the rules are :class:`Criterion`'s."""
        sign = 1.0 if crit.direction == "increase" else -1.0
        kind = "guardrail" if crit.guardrail else "success"
        if crit.guardrail:
            label = f"{crit.metric}: no {'drop' if sign > 0 else 'rise'} beyond "
            margin = abs(float(crit.margin or 0.0))
            label += f"{margin:.1%}" if crit.relative else format_number(margin)
        else:
            label = f"{crit.metric}: {'+' if sign > 0 else '-'}"
            label += (
                f"{abs(crit.min_effect):.1%}"
                if crit.relative
                else format_number(abs(crit.min_effect))
            )
            label += " or better"
        base = {"segment": segment, "variant": variant, "metric": crit.metric, "criterion": label}
        try:
            row = self.row(crit.metric, segment, variant)
        except KeyError:
            return {
                **base,
                "kind": kind,
                "estimate": math.nan,
                "ci_low": math.nan,
                "ci_high": math.nan,
                "p_adjusted": math.nan,
                "verdict": "inconclusive",
                "reason": "no estimate for this segment (see result.warnings)",
            }
        unit = "lift" if crit.relative else "effect"
        est, lo, hi = row[unit], row[f"{unit}_ci_low"], row[f"{unit}_ci_high"]
        unbounded = not (math.isfinite(lo) or math.isfinite(hi))
        if crit.relative and unbounded and not crit.guardrail and crit.min_effect == 0:
            # Nothing to reach: the question is the direction alone, the same in the
            # metric's units, where the interval exists whatever the control mean.
            unit = "effect"
            est, lo, hi = row["effect"], row["effect_ci_low"], row["effect_ci_high"]
        out = {**base, "kind": kind, "scale": unit, "estimate": est, "ci_low": lo, "ci_high": hi}
        out["p_adjusted"] = row["p_adjusted"]
        if (unit == "lift" and not (math.isfinite(lo) or math.isfinite(hi))) or math.isnan(est):
            why = (
                "the control mean is 0"
                if row["control_mean"] == 0
                else "the control mean is not distinguishable from 0"
            )
            return {
                **out,
                "verdict": "inconclusive",
                "reason": f"{why}, so a relative criterion cannot be judged; state it in the "
                "metric's units (relative=False)",
            }
        # Put everything on the "good is positive" scale. Significance is the table's own
        # (its intervals agree with it); the size is read on the criterion's scale.
        g_est, g_lo, g_hi = sign * est, min(sign * lo, sign * hi), max(sign * lo, sign * hi)
        good = bool(row["significant"]) and sign * row["effect"] > 0
        harm = bool(row["significant"]) and sign * row["effect"] < 0
        if crit.guardrail:
            margin = abs(float(crit.margin or 0.0))
            if g_lo > -margin:
                verdict, reason = "met", "the interval rules out a harm beyond the margin"
            elif harm and g_est < -margin:
                verdict, reason = "not met", "a significant harm, estimated beyond the margin"
            else:
                verdict, reason = "inconclusive", "the interval includes a harm beyond the margin"
        else:
            need = abs(crit.min_effect)
            if good and g_est >= need:
                verdict, reason = "met", "significant in the good direction, and large enough"
            elif harm:
                verdict, reason = "not met", "significant in the wrong direction"
            elif g_hi < need:
                verdict, reason = "not met", "the interval rules out the required effect"
            elif good:
                verdict, reason = (
                    "inconclusive",
                    "significant, but the estimate is below the required effect",
                )
            else:
                verdict, reason = "inconclusive", "not significant: the interval includes 0"
        return {**out, "verdict": verdict, "reason": reason}

    # ---------------------------------------------------------------- presentation
    def _caption(self) -> str:
        corr: str = self.correction or "no correction"
        if self.method == "bayesian":
            corr = "posterior probabilities, no correction"
        method = "" if self.method == "frequentist" else f", {self.method}"
        intervals = ""
        if self.correction is not None and self.method != "bayesian":
            intervals = f"; intervals at the {self.correction}-adjusted level (CI level column)"
        return (
            f"A/B test analysis: {len(self.variants)} variant(s) against {self.control!r}, "
            f"{len(self.segments) - 1} segment(s) and (all), alpha {self.alpha:g}, {corr}, "
            f"{self.alternative}{method}{intervals}"
        )

    def _repr_html_(self) -> str:
        def ci(lo: float, hi: float, fmt: Any) -> str:
            return f"[{fmt(lo)}, {fmt(hi)}]"

        records = []
        for r in self.rows:
            records.append(
                {
                    "segment": r["segment"],
                    "metric": r["metric"],
                    "variant": r["variant"],
                    "n (control / variant)": f"{r['n_control']:,} / {r['n_variant']:,}",
                    "control": _num(r["control_mean"]),
                    "variant mean": _num(r["variant_mean"]),
                    "lift": _pct(r["lift"]),
                    "lift CI": ci(r["lift_ci_low"], r["lift_ci_high"], _pct),
                    "effect CI": ci(r["effect_ci_low"], r["effect_ci_high"], _num),
                    "CI level": f"{round(r['ci_level'] * 100, 2):g}%",
                    "p (adjusted)": f"{_p(r['p_value'])} ({_p(r['p_adjusted'])})",
                    "significant": "yes" if r["significant"] else "no",
                }
            )
            if self.method == "bayesian":
                del records[-1]["p (adjusted)"]
                records[-1]["P(beats control)"] = _prob(r["prob_beats_control"])
                records[-1]["expected loss"] = _num(r["expected_loss"])
                records[-1]["credible"] = records[-1].pop("significant")
        columns = list(records[0]) if records else []
        table = html_table(records, columns, dict.fromkeys(columns, str), caption=self._caption())
        serious = [f for f in self.warnings if f.severity == "warning"]
        notes = [f for f in self.warnings if f.severity != "warning"]

        def items(found: list[Finding]) -> str:
            return "".join(f"<li><b>{f.kind}</b>: {_escape(f.message)}</li>" for f in found)

        srm = "mismatch" if self.srm.mismatch else "ok"
        parts = [
            f'<div class="hypokit-result">{table}',
            f"<p>Sample ratio: {srm} (overall p = {_p(self.srm.p_value)})</p>",
            f"<p>Warnings ({len(serious)}):</p><ul>{items(serious) or '<li>none</li>'}</ul>",
        ]
        if notes:
            parts.append(f"<p>Notes ({len(notes)}):</p><ul>{items(notes)}</ul>")
        return "".join(parts) + "</div>"

    def to_string(self) -> str:
        """The table, then the warnings and the notes, as plain text."""
        text = super().to_string()
        serious = [f for f in self.warnings if f.severity == "warning"]
        notes = [f for f in self.warnings if f.severity != "warning"]
        if serious:
            text += "\n\nWarnings:\n" + "\n".join(f"- {f.message}" for f in serious)
        if notes:
            text += "\n\nNotes:\n" + "\n".join(f"- {f.message}" for f in notes)
        return text

    def summary(self) -> str:
        """A short plain-language paragraph: the overall result, the segments, the warnings."""
        parts = []
        for metric in self.metrics:
            for var in self.variants:
                try:
                    overall = self.row(metric, ALL, var)
                except KeyError:
                    continue
                if self.method == "bayesian":
                    verdict = (
                        "the credible interval excludes 0"
                        if overall["significant"]
                        else "the credible interval includes 0"
                    )
                    parts.append(
                        f"Overall, {var!r} changed {metric} by {_pct(overall['lift'])} "
                        f"(credible interval {_pct(overall['lift_ci_low'])} to "
                        f"{_pct(overall['lift_ci_high'])}, P(beats control) "
                        f"{_prob(overall['prob_beats_control'])}): {verdict}."
                    )
                else:
                    verdict = "significant" if overall["significant"] else "not significant"
                    kind = " (always valid)" if self.method == "sequential" else ""
                    parts.append(
                        f"Overall, {var!r} changed {metric} by {_pct(overall['lift'])} "
                        f"({_ci_label(overall)}{kind} {_pct(overall['lift_ci_low'])} to "
                        f"{_pct(overall['lift_ci_high'])}, "
                        f"adjusted p {_p(overall['p_adjusted'])}): {verdict}."
                    )
                segs = [
                    r
                    for r in self.rows
                    if r["metric"] == metric and r["variant"] == var and r["segment"] != ALL
                ]
                if segs:
                    up = [r["segment"] for r in segs if r["significant"] and r["effect"] > 0]
                    down = [r["segment"] for r in segs if r["significant"] and r["effect"] < 0]
                    flat = [r["segment"] for r in segs if not r["significant"]]
                    bits = []
                    sure, unsure = (
                        ("credibly", "the credible interval includes 0")
                        if self.method == "bayesian"
                        else ("significantly", "not significant")
                    )
                    if up:
                        bits.append(f"{sure} up in {', '.join(up)}")
                    if down:
                        bits.append(f"{sure} down in {', '.join(down)}")
                    if flat:
                        bits.append(f"{unsure} in {', '.join(flat)}")
                    parts.append(f"By segment: {'; '.join(bits)}.")
        serious = [f for f in self.warnings if f.severity == "warning"]
        notes = [f for f in self.warnings if f.severity != "warning"]
        if serious:
            parts.append(
                f"{len(serious)} warning(s): "
                + " ".join(f.message for f in serious[:3])
                + (" ..." if len(serious) > 3 else "")
            )
        else:
            parts.append("No warnings.")
        if notes:
            parts.append(
                f"{len(notes)} note(s): "
                + " ".join(f.message for f in notes[:2])
                + (" ..." if len(notes) > 2 else "")
            )
        return " ".join(parts)

    def plot(
        self,
        metric: str | None = None,
        *,
        variant: str | None = None,
        ax: Axes | None = None,
    ) -> Figure:
        """A forest plot of the lift with its interval per segment, the overall row on top.

        Each variant has its colour; the whole population's row is a filled diamond and
        the segments' rows hollow circles. The intervals are the table's (at the
        correction's level, as the x label says); an unbounded end (a control mean
        near 0) is drawn as an arrow to the edge of the panel.

        Args:
            metric: One metric (default: every metric, one panel each).
            variant: One variant (default: every variant, side by side in each panel).
            ax: An Axes to draw one metric on.

        Returns:
            The matplotlib Figure (``ax``'s when given; else a new one that pyplot does
            not keep open, shown once in a notebook: see :mod:`hypokit._plotting`).
        """
        from hypokit._plotting import literal, new_figure

        metrics = [metric] if metric is not None else list(self.metrics)
        for m in metrics:
            if m not in self.metrics:
                raise ValidationError(f"metric == {m!r}; the result has {self.metrics}.")
        variants = [variant] if variant is not None else list(self.variants)
        if ax is not None and len(metrics) != 1:
            raise ValidationError("ax= draws one metric; pass metric= too.")
        if ax is None:
            fig, axes = new_figure(
                nrows=1,
                ncols=len(metrics),
                figsize=(5 * len(metrics), 0.45 * len(self.segments) + 1.8),
                squeeze=False,
                sharey=True,
            )
            axes_list = list(axes[0])
        else:
            fig, axes_list = ax.figure, [ax]  # type: ignore[assignment]
        order = list(self.segments)
        for a, m in zip(axes_list, metrics, strict=True):
            self._forest(a, m, variants, order)
        if len(variants) > 1 or len(order) > 1:
            from matplotlib.lines import Line2D

            handles = [
                Line2D([], [], color=f"C{j}", marker="s", ls="", label=literal(var))
                for j, var in enumerate(variants)
            ]
            if len(order) > 1:
                handles += [
                    Line2D([], [], color="black", marker="D", ls="", label=ALL),
                    Line2D([], [], color="black", marker="o", ls="", mfc="white",
                           label="segment"),
                ]  # fmt: skip
            axes_list[-1].legend(handles=handles, fontsize="small", loc="best")
        fig.tight_layout()
        return fig

    def _forest(self, a: Axes, metric: str, variants: list[str], order: list[str]) -> None:
        """One metric's panel: each row's lift and interval; unbounded ends as arrows."""
        from hypokit._plotting import literal

        points = []
        for j, var in enumerate(variants):
            offset = (j - (len(variants) - 1) / 2) * 0.18
            for i, seg in enumerate(order):
                try:
                    r = self.row(metric, seg, var)
                except KeyError:
                    continue
                if not math.isfinite(r["lift"]):
                    continue
                y = len(order) - 1 - i + offset
                points.append((j, seg, y, r["lift"], r["lift_ci_low"], r["lift_ci_high"]))
        finite = [v for p in points for v in p[3:] if math.isfinite(v)]
        low, high = (min(finite), max(finite)) if finite else (-0.1, 0.1)
        low, high = min(low, 0.0), max(high, 0.0)
        pad = 0.08 * (high - low or 0.1)
        left, right = low - pad, high + pad
        levels = {round(r["ci_level"], 6) for r in self.rows if r["metric"] == metric}
        for j, seg, y, x, lo, hi in points:
            color = f"C{j}"
            end_lo = lo if math.isfinite(lo) else left
            end_hi = hi if math.isfinite(hi) else right
            a.plot([end_lo, end_hi], [y, y], color=color, lw=1.5)
            for end, bound, arrow in ((end_lo, lo, "<"), (end_hi, hi, ">")):
                marker = "|" if math.isfinite(bound) else arrow
                a.plot([end], [y], color=color, marker=marker, ms=7)
            overall = seg == ALL
            a.plot(
                [x], [y], ls="", marker="D" if overall else "o", ms=7 if overall else 6,
                color=color, mfc=color if overall else "white", zorder=3,
            )  # fmt: skip
        a.axvline(0, color="grey", lw=1, ls="--")
        a.set_xlim(left, right)
        a.set_title(literal(metric))
        level = "CI at each row's level"
        if len(levels) == 1:
            level = f"{round(levels.pop() * 100, 2):g}% CI"
        adjusted = (
            f", {self.correction}-adjusted" if self.correction and self.method != "bayesian" else ""
        )
        a.set_xlabel(literal(f"lift vs {self.control} ({level}{adjusted})"))
        from matplotlib.ticker import PercentFormatter

        a.xaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
        a.set_yticks(range(len(order)))
        a.set_yticklabels([literal(seg) for seg in reversed(order)])


def _escape(text: str) -> str:
    import html

    return html.escape(text)


# ----------------------------------------------------------------------------- analysis
def _stats_for(spec: MetricSpec, agg: Aggregates, rows: np.ndarray) -> Any:
    """The statistics-core input for one metric at the given aggregate rows."""

    def get(stat: str) -> np.ndarray:
        return np.asarray(agg.stats[f"{spec.label}:{stat}"][rows], dtype=np.float64)

    n = get("n")
    if spec.kind == "proportion":
        return stats.ProportionStats(n=n, successes=get("successes"))
    names = [s for s in spec.stats if s != "n"]
    values: dict[str, Any] = {s: get(s) for s in names}
    # the sums are about the table's shifts (one per column; see hk.aggregate)
    values.update({f"shift_{r}": agg.shift(spec.label, r) for r in spec.shift_roles})
    if spec.kind == "mean":
        return stats.MeanStats(n=n, **values)
    return stats.RatioStats(n=n, **values)


def _compare(spec: MetricSpec, control: Any, variant: Any, **options: Any) -> stats.Comparison:
    if spec.kind == "proportion":
        options.pop("theta_pooling")
        return stats.compare_proportions(control, variant, **options)
    options["use_t"] = bool(getattr(spec.metric, "use_t", spec.kind == "mean"))
    if spec.kind == "mean":
        return stats.compare_means(control, variant, **options)
    return stats.compare_ratios(control, variant, **options)


def analyze(
    data: Any,
    *,
    variant: str,
    control: Label,
    metrics: Any,
    segments: Any = None,
    alpha: float = 0.05,
    correction: Correction | None = "holm",
    method: str = "frequentist",
    alternative: str = "two-sided",
    lift: str = "auto",
    allocation: Mapping[Label, float] | None = None,
    plan: SizingPlan | None = None,
    srm_alpha: float = 0.001,
    theta_pooling: str = "total",
    progress: bool | None = None,
    date: str | None = None,
    n_tune: float | Mapping[str, float] | None = None,
    prior: stats.Prior | None = None,
    look: int | None = None,
    information: Sequence[float] | None = None,
) -> AnalysisResult:
    """Analyze an A/B test per segment and overall, never trusting the average alone.

    Methods (from sufficient statistics, see :mod:`hypokit.stats`):

    * ``Proportion``: the two-sample z-test as R's ``prop.test(correct = FALSE)``:
      p-value from the pooled variance, interval from the unpooled standard error.
    * ``Mean``: Welch's t-test; with ``covariate=`` CUPED (theta pooled over both arms,
      Deng et al. 2013), reporting the variance reduction achieved.
    * ``Ratio``: the delta method with the covariance term (Deng, Knoblich & Lu 2018),
      CUPED on the linearised metric with a covariate.
    * ``lift = effect / control_mean`` with an interval by ``lift``: ``"delta"``
      (default), ``"log"`` (delta method on the log ratio) or ``"fieller"``.
    * ``correction`` (``"holm"``, ``"bonferroni"``, ``"bh"`` or None) adjusts the
      p-values over the whole family of tests in the table: every (segment, metric,
      variant), the ``"(all)"`` rows included; ``significant`` is
      ``p_adjusted < alpha``.

    Missing values are dropped per metric (a unit counts for a metric when every
    column it reads is present); the count is in ``n_missing`` and in a finding.

    Findings in ``result.warnings``: sample-ratio mismatch overall and per segment
    (chi-square against ``allocation``, equal by default, alarm at ``srm_alpha``);
    Simpson's paradox (pooled and segment-stratified effects, Mantel-Haenszel for
    proportions and population-weighted otherwise, of opposite signs, with a segment mix
    that differs between the arms, chi-square of segment × arm at ``srm_alpha``, or a
    nominally significant effect; not every segment needs to flip; see
    :meth:`hypokit.stats.Simpson.paradox`); heterogeneity across segments
    (Cochran's Q at ``alpha``, with I²) and segments that differ from the rest (Holm
    over the segments); segments that move significantly against the overall effect;
    rows that cannot be computed (an arm without units, a constant metric); too little
    data for the ``plan``. Each finding names its segment and the segment column(s)
    (``Finding.columns``).

    Args:
        data: One row per unit, wherever it lives: a pandas DataFrame, a polars
            DataFrame or LazyFrame, a pyarrow Table, a DuckDB relation, a path, glob or
            list of CSV/Parquet files (streamed by DuckDB), an Ibis table (any
            backend) or a PySpark DataFrame; the aggregation runs in that engine and
            only the small table of sums comes back. Or the table from
            :func:`hypokit.aggregate` (or its ``to_pandas()``, or the result of
            :func:`hypokit.aggregate_sql` run in a warehouse).
        variant: The variant column: text, integers or booleans.
        control: The control variant's label as the column holds it: ``"control"``,
            ``0`` or ``False``. Labels are compared as the data holds them, never as
            text: a label of another type (``"0"`` for an integer column, ``1`` for a
            boolean one, ``True`` for 0/1 integers) is refused, naming the column's
            labels; a number finds a number of equal value (``0`` finds ``0.0``).
            Variants are sorted within their type (numbers by value, False first).
        metrics: A metric or a list of them.
        segments: A segment column, a list of columns (their combinations are the
            segments), or None.
        alpha: The significance level; intervals have coverage ``1 - alpha``.
        correction: The multiple-testing correction over the family.
        method: ``"frequentist"`` (fixed horizon: read once, at the planned size);
            ``"sequential"``: always-valid confidence sequences and p-values (the
            asymptotic confidence sequences of Waudby-Smith et al. 2024, the normal
            mixture as in gbstats), valid however often the result is looked at; the
            lift's sequence inverts the effect's as Fieller's interval does, so both
            exclude 0 together;
            ``"bayesian"``: posterior summaries (beta-binomial for proportions, a
            normal model on the effect for means and ratios, CUPED included) with the
            columns ``prob_beats_control``, ``expected_loss`` (of shipping the
            variant) and ``expected_loss_control``; intervals are equal-tailed
            credible intervals, ``p_value``/``p_adjusted`` are NaN, ``significant`` is
            whether the credible interval excludes 0 (one-sided: whether
            ``prob_beats_control > 1 - alpha``), and no multiple-testing correction
            applies. See :mod:`hypokit.stats` for the formulas.
        alternative: ``"two-sided"``, ``"greater"`` or ``"less"``.
        lift: The interval of the relative lift: ``"delta"``, ``"log"`` or ``"fieller"``.
        allocation: The planned share of units per variant, e.g. ``{"control": 0.5,
            "treatment": 0.5}`` (any positive scale); None for equal shares.
        plan: A :class:`~hypokit.SizingPlan`: segments with fewer units per arm than
            planned get a finding.
        srm_alpha: The p-value below which the sample ratio is flagged, and the
            segment mix of two arms called different by the Simpson check.
        theta_pooling: CUPED's theta from both arms pooled (``"total"``) or within arms.
        progress: Show the aggregation's progress bar: None shows it in terminals and
            notebooks when the query runs longer than 2 s; True always; False never.
        date: The column holding the day each unit entered the experiment (dates, day
            numbers, or text that sorts in time order): the data are aggregated per day
            in the same query, and :meth:`AnalysisResult.over_time` shows the estimate
            and its interval day by day. The analysis itself is unchanged.
        n_tune: ``method="sequential"``: the number of units (both arms of a
            comparison) at which the confidence sequence is tightest; one number or
            ``{segment: units}``. Default: from ``plan`` (the planned units of the two
            arms per segment) or else 5,000 (gbstats' default). Any value keeps the
            guarantee; a value near the final size gives the narrowest final interval.
        prior: ``method="bayesian"``: an :class:`hypokit.Prior` (default ``Beta(1, 1)``
            per arm for proportions and a flat prior on the effect for means and
            ratios, under which the credible interval equals the z interval).
            ``alternative="less"`` makes lower values better for
            ``prob_beats_control`` and the expected losses.
        look: With a ``plan`` sized with ``looks=``: which planned look this is.
            ``significant`` then uses that look's group-sequential boundary
            (Lan-DeMets spending at this analysis's alpha, applied to the adjusted
            p-values) and a finding says what to do next.
        information: With ``look``: the shares of the planned units actually reached at
            looks 1 to ``look``. By default the earlier looks count as planned and this
            one at the share of the plan's control units seen (Lan-DeMets spending
            adapts to where the looks fall); the final look always spends what is left.

    Returns:
        An :class:`AnalysisResult`.

    Examples:
        >>> import hypokit as hk
        >>> from hypokit.datasets import checkout_experiment
        >>> result = hk.analyze(
        ...     checkout_experiment(), variant="variant", control="control",
        ...     metrics=[hk.Proportion("converted")], segments="segment",
        ... )
        >>> result.to_pandas()[["segment", "lift", "p_adjusted", "significant"]].round(3)
             segment   lift  p_adjusted  significant
        0      (all) -0.022       0.489        False
        1   business -0.242       0.000         True
        2        new  0.171       0.010         True
        3  returning -0.047       0.489        False
        >>> [f.kind for f in result.warnings if f.segment == "new"]
        ['segment_differs', 'segment_opposes']

        Read every day: always-valid intervals, or posterior probabilities:

        >>> from hypokit.datasets import pricing_page
        >>> seq = hk.analyze(
        ...     pricing_page(), variant="variant", control="control",
        ...     metrics=[hk.Proportion("signed_up")], method="sequential", n_tune=22_000,
        ... )
        >>> seq.to_pandas()[["lift", "lift_ci_low", "lift_ci_high", "p_value"]].round(3)
            lift  lift_ci_low  lift_ci_high  p_value
        0 -0.002       -0.151         0.173      1.0
        >>> bayes = hk.analyze(
        ...     pricing_page(), variant="variant", control="control", segments="device",
        ...     metrics=[hk.Proportion("signed_up")], method="bayesian",
        ... )
        >>> bayes.to_pandas()[["segment", "prob_beats_control", "expected_loss"]].round(4)
           segment  prob_beats_control  expected_loss
        0    (all)              0.4836         0.0013
        1  desktop              0.4083         0.0034
        2   mobile              0.6011         0.0010
    """
    alpha = check_open_unit("alpha", alpha)
    srm_alpha = check_open_unit("srm_alpha", srm_alpha)
    correction = check_choice("correction", correction, CORRECTIONS)
    method = check_choice("method", method, METHODS)
    n_tune, prior = _method_options(method, n_tune, prior)
    alternative = check_choice("alternative", alternative, stats.ALTERNATIVES)
    lift = check_choice("lift", lift, stats.LIFT_METHODS)
    theta_pooling = check_choice("theta_pooling", theta_pooling, stats.THETA_POOLINGS)
    control = check_label("control", control)
    specs = metric_specs(metrics)

    table = from_table(data, specs)
    daily: DailyAggregates | None = None
    if table is not None:
        if date is not None:
            raise ValidationError(
                f"date == {date!r} needs one row per unit; an aggregates table has no dates."
            )
        if segment_columns(segments) and all(s == ALL for s in table.segment):
            raise ValidationError(
                f"segments == {segments!r}, but the aggregates table has no segments; "
                "aggregate with segments= to analyse them."
            )
        known = {s.label for s in table.metrics}
        missing = [s.label for s in specs if s.label not in known]
        if missing:
            raise DataError(
                f"the aggregates table has no statistics for {', '.join(map(repr, missing))}."
            )
        agg = table
    elif date is not None:
        daily = aggregate_by_date(
            data, variant=variant, specs=specs, segments=segments, date=date, progress=progress
        )
        agg = daily.total
    else:
        agg = aggregate(
            data,
            variant=variant,
            metrics=[s.metric for s in specs],
            segments=segments,
            progress=progress,
        )
    agg = agg.with_totals()
    check_finite(agg)  # infinite values and overflowing squares, named by column

    present = agg.variants
    found = find_label("control", control, present, f"the labels of variant column {variant!r}")
    if found is None:
        raise DataError(
            f"control == {control!r}: no such variant in column {variant!r}; the data has "
            f"{', '.join(map(repr, present)) or 'no variants'}."
        )
    control = found
    variants = tuple(v for v in present if v != control)
    if not variants:
        raise DataError(
            f"variant column {variant!r} has only the control {control!r}; nothing to compare."
        )
    segs = (ALL, *sorted(s for s in set(agg.segment) if s != ALL))
    findings: list[Finding] = []
    if daily is not None and daily.undated:
        findings.append(
            Finding(
                "missing",
                f"{daily.undated:,} units have no {daily.column!r} date; they count in the "
                "analysis but in no day of result.over_time().",
                severity="info",
            )
        )
    if agg.missing_variant:
        findings.append(
            Finding(
                "missing",
                f"{agg.missing_variant:,} units have no variant and were left out.",
                severity="warning",
            )
        )

    arms = (control, *variants)
    allocation = find_keys("allocation", allocation, arms, f"the labels of column {variant!r}")
    agg, grid = _grid(agg, segs, arms)

    units = agg.n[grid]  # (segments, arms)
    srm_table = _srm(segs, arms, units, allocation, srm_alpha, findings, agg.segment_columns)

    # Compare every metric: control rows (S, 1) against variant rows (S, V).
    options = _Options(
        alpha=alpha,
        alternative=alternative,
        lift=lift,
        theta_pooling=theta_pooling,
        method=method,
        n_tune=n_tune,
        prior=prior,
        plan=plan,
    )
    table_rows = _compare_all(agg, specs, segs, control, variants, grid, options, findings)

    threshold = None
    if information is not None and look is None:
        raise ValidationError("information= goes with look= (a group-sequential look).")
    if look is not None:
        threshold = _look_threshold(
            plan, look, information, method, alpha, alternative, units, findings
        )
    rows = _finish_rows(table_rows, correction, options, threshold, findings)

    if len(segs) > 2:
        for family in table_rows.families:
            _segment_checks(
                family.spec, family.comp, agg, grid, segs, variants, alpha, rows, findings,
                mix_alpha=srm_alpha,
            )  # fmt: skip
    if plan is not None:
        _plan_check(plan, segs, arms, units, findings, agg.segment_columns)

    return AnalysisResult(
        rows=rows,
        srm=srm_table,
        warnings=tuple(findings),
        alpha=alpha,
        correction=correction,
        alternative=alternative,
        lift_method=lift,
        control=control,
        variants=variants,
        segments=segs,
        metrics=tuple(s.label for s in specs),
        aggregates=agg,
        method=method,
        options=options,
        daily=daily,
    )


@dataclass(frozen=True)
class _Options:
    """The options of one analysis, kept so that the day-by-day view can reuse them."""

    alpha: float
    alternative: str
    lift: str
    theta_pooling: str
    method: str = "frequentist"
    n_tune: Any = None
    prior: Any = None
    plan: Any = None


@dataclass(frozen=True)
class _Family:
    """One metric's comparisons, every (segment, variant) at once, as (S, V) arrays."""

    spec: MetricSpec
    comp: stats.Comparison
    metric_n: np.ndarray
    control: Any
    variant: Any


@dataclass(frozen=True)
class _Rows:
    """The table before the multiple-testing step: columns, and where each row came from."""

    columns: dict[str, list[Any]]
    families: list[_Family]
    index: list[tuple[int, int, int]]  # (family, segment, variant) of each row
    reasons: list[int]  # each row's Reason flags, updated when intervals are recomputed
    segments: tuple[str, ...]
    segment_columns: tuple[str, ...] = ()


def _compare_all(
    agg: Aggregates,
    specs: tuple[MetricSpec, ...],
    segs: tuple[str, ...],
    control: str,
    variants: tuple[str, ...],
    grid: np.ndarray,
    options: _Options,
    findings: list[Finding],
) -> _Rows:
    """Every (segment, metric, variant) row as columns, before the multiple-testing step.

    Intervals are at the unadjusted level here; :func:`_finish_rows` recomputes them at
    the level that agrees with each row's adjusted p-value.
    """
    units = agg.n[grid]
    extra = BAYES_COLUMNS if options.method == "bayesian" else ()
    columns: dict[str, list[Any]] = {c: [] for c in (*CONTRACT_COLUMNS, *EXTRA_COLUMNS, *extra)}
    families: list[_Family] = []
    index: list[tuple[int, int, int]] = []
    reasons: list[int] = []
    alpha, alternative = options.alpha, options.alternative
    for k, spec in enumerate(specs):
        ctrl = _stats_for(spec, agg, grid[:, :1])
        var = _stats_for(spec, agg, grid[:, 1:])
        comp = _compare(
            spec,
            ctrl,
            var,
            alpha=alpha,
            alternative=alternative,
            lift_method=options.lift,
            theta_pooling=options.theta_pooling,
        )
        metric_n = agg.stats[f"{spec.label}:n"][grid]
        families.append(_Family(spec, comp, metric_n, ctrl, var))
        _missing_finding(spec, units, metric_n, segs, findings)
        method_values = _method_values(options, spec, comp, ctrl, var, metric_n, segs)
        for j, var_label in enumerate(variants):
            for i, seg in enumerate(segs):
                reason = int(comp.reason[i, j])
                if reason & _FATAL:
                    cols = agg.segment_columns
                    findings.append(
                        _not_computed(spec, seg, var_label, control, reason, metric_n[i], j, cols)
                    )
                    continue
                if reason & stats.Reason.COVARIATE_UNUSABLE:
                    findings.append(
                        Finding(
                            "cuped",
                            f"{spec.label} in {_seg(seg, agg.segment_columns)}, "
                            f"{var_label!r}: "
                            f"{stats.describe_reason(int(stats.Reason.COVARIATE_UNUSABLE))[0]}.",
                            segment=seg,
                            metric=spec.label,
                            variant=var_label,
                            columns=_columns_of(seg, agg.segment_columns),
                        )
                    )
                index.append((k, i, j))
                reasons.append(reason)
                values = {
                    "segment": seg,
                    "metric": spec.label,
                    "variant": var_label,
                    "n_control": int(metric_n[i, 0]),
                    "n_variant": int(metric_n[i, j + 1]),
                    "control_mean": float(comp.control_mean[i, j]),
                    "variant_mean": float(comp.variant_mean[i, j]),
                    "effect": float(comp.effect[i, j]),
                    "effect_ci_low": float(comp.ci_low[i, j]),
                    "effect_ci_high": float(comp.ci_high[i, j]),
                    "lift": float(comp.lift[i, j]),
                    "lift_ci_low": float(comp.lift_ci_low[i, j]),
                    "lift_ci_high": float(comp.lift_ci_high[i, j]),
                    "p_value": float(comp.p_value[i, j]),
                    "p_adjusted": math.nan,
                    "significant": False,
                    "kind": spec.kind,
                    "se": float(comp.se[i, j]),
                    "statistic": float(comp.statistic[i, j]),
                    "df": float(comp.df[i, j]),
                    "control_observed": float(comp.control_observed[i, j]),
                    "variant_observed": float(comp.variant_observed[i, j]),
                    "variance_reduction": float(comp.variance_reduction[i, j]),
                    "n_missing": int(
                        units[i, 0] + units[i, j + 1] - metric_n[i, 0] - metric_n[i, j + 1]
                    ),
                    "ci_level": 1 - alpha,
                    "ci_adjustment": "none",
                }
                for key, arr in method_values.items():
                    if key == "_reason":
                        reasons[-1] = int(arr[i, j])
                    else:
                        values[key] = float(arr[i, j])
                for key, value in values.items():
                    columns.setdefault(key, []).append(value)
    return _Rows(columns, families, index, reasons, segs, tuple(agg.segment_columns))


def _method_options(method: str, n_tune: Any, prior: Any) -> tuple[Any, Any]:
    """Check the options that belong to one method."""
    if n_tune is not None:
        if method != "sequential":
            raise ValidationError(
                f"n_tune == {n_tune!r} tunes method='sequential'; method is {method!r}."
            )
        if isinstance(n_tune, Mapping):
            n_tune = {
                k if isinstance(k, tuple) else str(k): check_positive(f"n_tune[{k!r}]", v)
                for k, v in n_tune.items()
            }
        else:
            n_tune = check_positive("n_tune", n_tune)
    if prior is not None:
        if method != "bayesian":
            raise ValidationError(f"prior is for method='bayesian'; method is {method!r}.")
        if not isinstance(prior, stats.Prior):
            raise ValidationError(f"prior == {prior!r}, must be hk.Prior(...).")
    return n_tune, prior


def _look_threshold(
    plan: SizingPlan | None,
    look: Any,
    information: Any,
    method: str,
    alpha: float,
    alternative: str,
    units: np.ndarray,
    findings: list[Finding],
) -> float:
    """The nominal level of a planned group-sequential look, at the analysis's alpha.

    The boundary is recomputed at the analysis's (family-wise) alpha with the plan's
    information fractions and spending function, and compared with the corrected
    p-values: Holm at the look's nominal level, which keeps the family-wise error
    over looks and tests (Maurer & Bretz 2013, group-sequential Holm).
    """
    if method != "frequentist":
        raise ValidationError(
            f"look == {look!r} applies a group-sequential boundary to method='frequentist'; "
            f"method is {method!r}."
        )
    if plan is None or plan.looks is None:
        raise ValidationError(
            f"look == {look!r} needs plan= from hk.size(..., looks=...) with planned looks."
        )
    design = plan.looks
    if isinstance(look, bool) or not isinstance(look, int) or not 1 <= look <= design.looks:
        raise ValidationError(f"look == {look!r}, must be a look number from 1 to {design.looks}.")
    planned_units = sum(r.n_per_arm for r in plan.rows)
    seen = float(units[0, 0])
    final = look == design.looks
    fractions = _look_fractions(design, look, information, seen / planned_units)
    at_alpha = stats.boundaries(
        fractions if fractions[-1] == 1.0 else [*fractions, 1.0],
        alpha=alpha,
        spending=design.spending,
        alternative=alternative,  # type: ignore[arg-type]
    )
    level = float(at_alpha.nominal_alpha[look - 1])
    share = float(design.information[look - 1])
    findings.append(
        Finding(
            "look",
            f"Look {look} of {design.looks} ({design.spending} spending): significant means "
            f"adjusted p < {level:.3g} at this look, not {alpha:g}. Planned "
            f"{share:.0%} of the units, seen {seen / planned_units:.0%} in control"
            + ("" if final else f"; the boundary spends alpha at {fractions[-1]:.0%}")
            + ". "
            + (
                "This is the final look: it spends what is left."
                if final
                else "Stop for efficacy if significant; otherwise continue to the next look."
            ),
            severity="info",
        )
    )
    return level


def _look_fractions(
    design: stats.GroupSequentialDesign, look: int, information: Any, observed: float
) -> list[float]:
    """The information fractions of looks 1 to ``look`` that the boundary spends at.

    Lan-DeMets spending lets the looks fall where they fall: by default the earlier
    looks are taken as planned and this one at the share of the planned units seen;
    ``information`` gives all of them. The final look is at 1 (it spends the rest).
    """
    k = design.looks
    if information is None:
        fractions = [float(t) for t in design.information[: look - 1]]
        if look == k:
            return [*fractions, 1.0]
        current = min(observed, 1.0)
        if fractions and current <= fractions[-1]:
            raise ValidationError(
                f"look {look} has {observed:.0%} of the planned units, no more than look "
                f"{look - 1}'s planned {fractions[-1]:.0%}; give information= with the "
                "shares actually seen at each look so far."
            )
        if current > 1.0 - _MIN_SPACING:  # no room left between this look and the final one
            raise ValidationError(
                f"look {look} already has {observed:.1%} of the planned units: analyse only "
                f"the data up to look {look}'s day (plan.schedule() lists it), or analyse it "
                f"as the final look (look={k})."
            )
        return [*fractions, current]
    if isinstance(information, str | bytes) or not isinstance(information, Sequence):
        raise ValidationError(
            f"information == {information!r}, must be the shares seen at looks 1 to {look}."
        )
    values = [check_open_unit(f"information[{i}]", t) if t != 1 else 1.0
              for i, t in enumerate(information)]  # fmt: skip
    if len(values) != look:
        raise ValidationError(
            f"information has {len(values)} shares; give one for each of looks 1 to {look}."
        )
    if any(b <= a for a, b in itertools.pairwise(values)):
        raise ValidationError(f"information == {information!r}, must increase from look to look.")
    if look == k:
        values[-1] = 1.0
    elif values[-1] > 1.0 - _MIN_SPACING:
        raise ValidationError(
            f"information reaches 1 at look {look} of {k}; analyse it as the final look."
        )
    return values


def _n_tune(options: _Options, segs: tuple[str, ...], shape: tuple[int, ...]) -> np.ndarray:
    """The confidence sequence's tuning size per row: given, from the plan, or the default.

    From a plan: the units the plan puts in the two arms compared (control and one
    variant) of the segment; for ``"(all)"`` the sum over the plan's segments.
    """
    value = options.n_tune
    if value is None and options.plan is not None:
        plan = options.plan
        planned = {r.segment: float(r.n_per_arm + r.n_variant) for r in plan.rows}
        planned.setdefault(ALL, sum(planned.values()))
        value = planned
    if value is None:
        value = stats.DEFAULT_N_TUNE
    if isinstance(value, Mapping):
        by_label = {find_segment(k, segs) or k: v for k, v in value.items()}
        out = [float(by_label.get(s, stats.DEFAULT_N_TUNE)) for s in segs]
        return np.broadcast_to(np.array(out)[:, None], shape)
    return np.full(shape, float(value))


def _method_values(
    options: _Options,
    spec: MetricSpec,
    comp: stats.Comparison,
    ctrl: Any,
    var: Any,
    metric_n: np.ndarray,
    segs: tuple[str, ...],
    levels: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """The columns a sequential or Bayesian reading replaces or adds, as (S, V) arrays.

    ``levels`` (S, V) sets each row's interval level (the analysis's alpha when None).
    """
    if options.method == "sequential":
        n = metric_n[:, :1] + metric_n[:, 1:]
        seq = _sequence(
            comp.effect,
            comp.se,
            n,
            comp.control_mean,
            comp.variant_mean,
            comp.control_se**2,
            comp.variant_se**2,
            options=options,
            tune=_n_tune(options, segs, n.shape),
            levels=levels,
            proportion=spec.kind == "proportion",
        )
        seq["_reason"] = (comp.reason & ~_LIFT_MASK) | seq.pop("lift_reason")
        return seq
    if options.method == "bayesian":
        prior = stats.Prior() if options.prior is None else options.prior
        better = options.alternative != "less"
        if spec.kind == "proportion":
            res = stats.bayes_proportions(
                ctrl, var, prior=prior, alpha=options.alpha, higher_is_better=better
            )
        else:
            res = stats.bayes_normal(
                comp, prior=prior, alpha=options.alpha, higher_is_better=better
            )
        names = (
            "control_mean",
            "variant_mean",
            "effect",
            "effect_ci_low",
            "effect_ci_high",
            "lift",
            "lift_ci_low",
            "lift_ci_high",
            *BAYES_COLUMNS,
        )
        out = {name: np.asarray(getattr(res, name)) for name in names}
        out["p_value"] = np.full(comp.effect.shape, np.nan)
        return out
    return {}


def _sequence(
    effect: np.ndarray,
    se: np.ndarray,
    n: np.ndarray,
    control_mean: np.ndarray,
    variant_mean: np.ndarray,
    control_var: np.ndarray,
    variant_var: np.ndarray,
    *,
    options: _Options,
    tune: Any,
    levels: Any = None,
    proportion: bool = False,
) -> dict[str, np.ndarray]:
    """The confidence sequence of the effect and the lift's, with the always-valid p-value.

    The lift's sequence inverts the effect's (Fieller): every lift ``L`` with
    ``|m_v - (1 + L) m_c| <= k sqrt(v_v + (1 + L)^2 v_c)``, ``k`` the sequence's multiple
    of the standard error, so it excludes 0 exactly when the effect's does. ``levels``
    sets each row's level (the mixture stays tuned for the analysis's alpha).
    """
    seq = stats.confidence_sequence(
        effect,
        se,
        n,
        alpha=options.alpha,
        alternative=options.alternative,  # type: ignore[arg-type]
        n_tune=tune,
        level=levels,
    )
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        _, lift_lo, lift_hi, lift_reason = _fieller_lift(
            effect,
            control_mean,
            variant_mean,
            control_var,
            variant_var,
            seq.radius / se,
            options.alternative,  # type: ignore[arg-type]
            "fieller",
        )
    low, high = np.asarray(seq.ci_low), np.asarray(seq.ci_high)
    if proportion:
        low, high = np.maximum(low, -1.0), np.minimum(high, 1.0)
    return {
        "effect_ci_low": low,
        "effect_ci_high": high,
        "p_value": np.asarray(seq.p_value),
        "lift_ci_low": lift_lo,
        "lift_ci_high": lift_hi,
        "lift_reason": lift_reason,
    }


def _finish_rows(
    table: _Rows,
    correction: Correction | None,
    options: _Options,
    threshold: float | None = None,
    findings: list[Finding] | None = None,
) -> tuple[dict[str, Any], ...]:
    """Adjust the p-values over the whole table, set each row's interval to agree, make rows.

    ``significant`` is ``p_adjusted < level``, the level being ``alpha`` unless a
    group-sequential look sets a stricter boundary. Each row's effect and lift
    intervals are recomputed at the level :func:`hypokit.stats.interval_levels` gives
    it, so that they exclude 0 exactly when the row is significant (``ci_level`` is the
    row's confidence level, ``ci_adjustment`` the correction). The Bayesian reading has
    no p-values: two-sided, ``significant`` is whether the credible interval excludes
    0; one-sided, whether ``prob_beats_control`` (in the direction the alternative
    calls better) exceeds ``1 - alpha``.
    """
    columns = table.columns
    alpha, method = options.alpha, options.method
    if method == "bayesian":
        columns["p_adjusted"] = [math.nan] * len(columns["p_value"])
        columns["ci_adjustment"] = ["none (credible interval)"] * len(columns["p_value"])
        if options.alternative == "two-sided":
            columns["significant"] = [
                bool(lo > 0 or hi < 0)
                for lo, hi in zip(columns["effect_ci_low"], columns["effect_ci_high"], strict=True)
            ]
        else:
            columns["significant"] = [bool(p > 1 - alpha) for p in columns["prob_beats_control"]]
    else:
        p = np.array(columns["p_value"], dtype=np.float64)
        level = alpha if threshold is None else threshold
        p_adj = stats.p_adjust(p, correction)
        levels = stats.interval_levels(p, correction, level)
        columns["p_adjusted"] = [float(x) for x in p_adj]
        columns["significant"] = [bool(x < level) for x in p_adj]
        _set_intervals(table, options, levels)
        columns["ci_level"] = [float(1 - x) for x in levels]
        columns["ci_adjustment"] = [_ADJUSTMENT[correction]] * len(p)
    if findings is not None:
        _lift_findings(table, findings)
    keys = list(columns)
    return tuple(dict(zip(keys, vals, strict=True)) for vals in zip(*columns.values(), strict=True))


#: How the intervals of a correction are adjusted, as the table's ``ci_adjustment`` says.
_ADJUSTMENT: dict[Correction | None, str] = {
    None: "none",
    "bonferroni": "bonferroni (simultaneous)",
    "holm": "holm (bonferroni level; holm step level where only holm rejects)",
    "bh": "bh (false coverage rate, Benjamini-Yekutieli)",
}

_LIFT_FLAGS = (
    stats.Reason.ZERO_CONTROL_MEAN,
    stats.Reason.LOG_UNDEFINED,
    stats.Reason.LIFT_UNBOUNDED,
)
_LIFT_MASK = int(stats.Reason.LOG_UNDEFINED | stats.Reason.LIFT_UNBOUNDED)


def _set_intervals(table: _Rows, options: _Options, levels: np.ndarray) -> None:
    """Recompute every row's effect and lift interval at its own level, in place.

    The rows' levels go into one (S, V) array per metric (rows not in the table keep
    the analysis's alpha) and each metric's comparison is recomputed at once.
    """
    columns = table.columns
    per_family = [np.full(f.comp.effect.shape, options.alpha) for f in table.families]
    for row, (k, i, j) in enumerate(table.index):
        per_family[k][i, j] = levels[row]
    recomputed: list[dict[str, np.ndarray]] = []
    for family, family_levels in zip(table.families, per_family, strict=True):
        if options.method == "sequential":
            values = _method_values(
                options, family.spec, family.comp, family.control, family.variant,
                family.metric_n, table.segments, levels=family_levels,
            )  # fmt: skip
            values["reason"] = values.pop("_reason")
        else:
            at = family.comp.at_level(family_levels)
            values = {
                "effect_ci_low": at.ci_low,
                "effect_ci_high": at.ci_high,
                "lift_ci_low": at.lift_ci_low,
                "lift_ci_high": at.lift_ci_high,
                "reason": at.reason,
            }
        recomputed.append(values)
    names = ("effect_ci_low", "effect_ci_high", "lift_ci_low", "lift_ci_high")
    for row, (k, i, j) in enumerate(table.index):
        for name in names:
            columns[name][row] = float(recomputed[k][name][i, j])
    for row, (k, i, j) in enumerate(table.index):
        table.reasons[row] = int(recomputed[k]["reason"][i, j])


def _lift_findings(table: _Rows, findings: list[Finding]) -> None:
    """A finding for each row whose lift has no interval (or none at all)."""
    columns = table.columns
    for row, reason in enumerate(table.reasons):
        seg, metric, var = columns["segment"][row], columns["metric"][row], columns["variant"][row]
        for flag in _LIFT_FLAGS:
            if reason & flag:
                where = _seg(seg, table.segment_columns)
                findings.append(
                    Finding(
                        "lift",
                        f"{metric} in {where}, {var!r}: {_lift_text(flag, columns, row)}",
                        segment=seg,
                        metric=metric,
                        variant=var,
                        severity="warning" if flag == stats.Reason.LIFT_UNBOUNDED else "info",
                        columns=_columns_of(seg, table.segment_columns),
                    )
                )


def _lift_text(flag: int, columns: dict[str, list[Any]], row: int) -> str:
    if flag == stats.Reason.LIFT_UNBOUNDED:
        mean = columns["control_mean"][row]
        return (
            f"the control mean ({_num(mean)}) is not distinguishable from 0 at this level, "
            "so the relative lift could be any size and its interval is unbounded "
            f"(-∞ to +∞). Read the effect in the metric's units instead "
            f"({_num(columns['effect'][row])}, CI {_num(columns['effect_ci_low'][row])} to "
            f"{_num(columns['effect_ci_high'][row])})."
        )
    return stats.describe_reason(int(flag))[0] + "."


def _seg(segment: str, columns: Sequence[str] = (), *, start: bool = False) -> str:
    """A segment in words, naming the column(s) its label comes from.

    ``"the whole population"`` for ``"(all)"``; ``"segment 'new' of customer_type"``
    with one column (``"segment 'new'"`` when that column is itself called
    ``segment``, as in an aggregates table); ``"segment country='DE', platform='ios'"``
    with several, each value as the data holds it (the label read back with
    :func:`hypokit._labels.segment_values`: ``'"x / y" / z'`` is ``team='x / y',
    platform='z'``). A missing value is ``(missing)``, unquoted: ``"segment (missing) of
    customer_type"``, never the value ``'(missing)'``. A label that is not one of
    hypokit's (a plan's segment name) is kept whole: ``"segment 'a / b / c' of country /
    platform"``.
    """
    values = segment_values(segment)
    named = bool(columns) and tuple(columns) != ("segment",)
    if segment == ALL:
        text = "the whole population"
    elif named and values is not None and len(values) == len(columns) == 1:
        text = f"segment {_value(values[0])} of {columns[0]}"
    elif named and values is not None and len(values) == len(columns):
        text = "segment " + ", ".join(
            f"{c}={_value(v)}" for c, v in zip(columns, values, strict=True)
        )
    elif named:
        text = f"segment {segment!r} of {' / '.join(columns)}"
    else:
        text = f"segment {segment!r}"
    return text[:1].upper() + text[1:] if start else text


def _value(value: str | None) -> str:
    """A segment value in a message: quoted as Python writes it, ``(missing)`` if missing."""
    return MISSING if value is None else repr(value)


def _segments_of(columns: Sequence[str]) -> str:
    """``"segments of customer_type"``, ``"segments of country × platform"``."""
    if not columns or tuple(columns) == ("segment",):
        return "segments"
    return "segments of " + " × ".join(columns)


def _columns_of(segment: str, columns: Sequence[str]) -> tuple[str, ...]:
    """The ``columns`` of a finding about ``segment``: none for the whole population."""
    return () if segment == ALL else tuple(columns)


def _grid(
    agg: Aggregates, segs: tuple[str, ...], arms: tuple[str, ...]
) -> tuple[Aggregates, np.ndarray]:
    """The table padded with empty rows, and the index of each (segment, arm) in it.

    A (segment, variant) pair absent from the data has 0 units.
    """
    index = {(s, v): i for i, (s, v) in enumerate(zip(agg.segment, agg.variant, strict=True))}
    grid = np.array([[index.get((s, v), -1) for v in arms] for s in segs])
    if (grid < 0).any():
        agg = _pad(agg, segs, arms, grid)
        index = {(s, v): i for i, (s, v) in enumerate(zip(agg.segment, agg.variant, strict=True))}
        grid = np.array([[index[(s, v)] for v in arms] for s in segs])
    return agg, grid


def _pad(
    agg: Aggregates, segs: tuple[str, ...], arms: tuple[str, ...], grid: np.ndarray
) -> Aggregates:
    """Add zero rows for (segment, variant) pairs that have no units."""
    extra = [(s, v) for i, s in enumerate(segs) for j, v in enumerate(arms) if grid[i, j] < 0]
    k = len(extra)
    return Aggregates(
        segment=agg.segment + tuple(s for s, _ in extra),
        variant=agg.variant + tuple(v for _, v in extra),
        n=np.concatenate([agg.n, np.zeros(k)]),
        stats={key: np.concatenate([v, np.zeros(k)]) for key, v in agg.stats.items()},
        metrics=agg.metrics,
        segment_columns=agg.segment_columns,
        variant_column=agg.variant_column,
        missing_variant=agg.missing_variant,
        shifts=agg.shifts,
    )


def _srm(
    segs: tuple[str, ...],
    arms: tuple[str, ...],
    units: np.ndarray,
    allocation: Mapping[str, float] | None,
    threshold: float,
    findings: list[Finding],
    columns: tuple[str, ...] = (),
) -> SRMTable:
    weights = None
    if allocation is not None:
        if not isinstance(allocation, Mapping):
            raise ValidationError(
                f"allocation == {allocation!r}, must be a mapping {{variant: share}}."
            )
        missing = [a for a in arms if a not in allocation]
        if missing:
            raise ValidationError(
                f"allocation has no share for variant {missing[0]!r}; give one for each of "
                f"{', '.join(map(repr, arms))}."
            )
        weights = np.array([check_positive(f"allocation[{a!r}]", allocation[a]) for a in arms])
    res = stats.srm(units, weights)
    rows = []
    share = (weights if weights is not None else np.ones(len(arms))) / (
        weights.sum() if weights is not None else len(arms)
    )
    for i, seg in enumerate(segs):
        p = float(res.p_value[i])
        mismatch = bool(p < threshold)
        row: dict[str, Any] = {"segment": seg}
        for j, a in enumerate(arms):
            row[f"n_{a}"] = int(units[i, j])
        row.update(
            {
                "statistic": float(res.statistic[i]),
                "df": float(res.df[i]),
                "p_value": p,
                "mismatch": mismatch,
            }
        )
        rows.append(row)
        if mismatch:
            observed = units[i] / units[i].sum()
            detail = ", ".join(
                f"{a} {observed[j]:.1%} (planned {share[j]:.1%})" for j, a in enumerate(arms)
            )
            findings.append(
                Finding(
                    "srm",
                    f"Sample-ratio mismatch in {_seg(seg, columns)}: {detail}; "
                    f"chi-square p = {p:.2g}. "
                    "Assignment or logging may be broken; do not trust these effects.",
                    segment=seg,
                    severity="warning",
                    columns=_columns_of(seg, columns),
                )
            )
    return SRMTable(tuple(rows), threshold)


def _missing_finding(
    spec: MetricSpec,
    units: np.ndarray,
    metric_n: np.ndarray,
    segs: tuple[str, ...],
    findings: list[Finding],
) -> None:
    total = float(units[0].sum())
    dropped = total - float(metric_n[0].sum())
    if dropped > 0:
        findings.append(
            Finding(
                "missing",
                f"{spec.label}: {int(dropped):,} of {int(total):,} units ({dropped / total:.1%}) "
                "have a missing value in the metric's columns and were left out of it.",
                metric=spec.label,
                severity="info" if dropped / total < 0.05 else "warning",
            )
        )


def _not_computed(
    spec: MetricSpec,
    seg: str,
    variant: str,
    control: str,
    reason: int,
    metric_n: np.ndarray,
    j: int,
    columns: tuple[str, ...] = (),
) -> Finding:
    n_c, n_v = int(metric_n[0]), int(metric_n[j + 1])
    if n_c == 0 or n_v == 0:
        empty = control if n_c == 0 else variant
        text = f"{_seg(seg, columns, start=True)} has no units with {spec.label} in {empty!r}"
        text += "; it has one arm only, so it cannot be compared." if n_c + n_v else "."
        kind = "one_arm" if n_c + n_v else "no_data"
    else:
        kind = "not_computed"
        text = (
            f"{spec.label} in {_seg(seg, columns)}, {variant!r} against {control!r}: "
            + "; ".join(stats.describe_reason(reason))
            + f" (n = {n_c:,} / {n_v:,}). No estimate is reported."
        )
    return Finding(
        kind,
        text,
        segment=seg,
        metric=spec.label,
        variant=variant,
        severity="warning",
        columns=_columns_of(seg, columns),
    )


def _segment_checks(
    spec: MetricSpec,
    comp: stats.Comparison,
    agg: Aggregates,
    grid: np.ndarray,
    segs: tuple[str, ...],
    variants: tuple[str, ...],
    alpha: float,
    rows: tuple[dict[str, Any], ...],
    findings: list[Finding],
    *,
    mix_alpha: float = 0.001,
) -> None:
    """Simpson's paradox, heterogeneity and opposing segments for one metric.

    Simpson's paradox is reported by :meth:`hypokit.stats.Simpson.paradox`: the pooled
    effect and the segment-stratified one (Mantel-Haenszel for a proportion; for a mean
    the segment effects weighted by the segments' units, for a ratio by their
    denominator totals: the weights under which the pooled effect is that same average
    when the arms' segment mixes agree) have opposite signs, and either the segment mix
    differs between the two arms (Pearson's chi-square of segment × arm on the metric's
    units, p < ``mix_alpha``, the sample-ratio alarm level) or one of the two effects is
    significant at ``alpha`` (two-sided, nominal). Two numbers of noise around zero with
    opposite signs are not reported.
    """
    columns = agg.segment_columns
    usable = (comp.reason[1:] & _FATAL) == 0  # (S-1, V)
    effect = np.where(usable, comp.effect[1:], np.nan).T  # (V, S-1)
    se = np.where(usable, comp.se[1:], np.nan).T
    pooled = comp.effect[0]  # (V,)
    if spec.kind == "proportion":
        ctrl = _stats_for(spec, agg, grid[1:, 0])
        simpson = stats.simpson_proportions(
            stats.ProportionStats(n=ctrl.n[None, :], successes=ctrl.successes[None, :]),
            _stats_for(spec, agg, grid[1:, 1:].T),
        )
        method = "Mantel-Haenszel"
    else:
        # The population the pooled number averages over: units for a mean, the
        # denominator for a ratio (a ratio of sums weights its segments by their share
        # of the denominator), in every arm.
        base = agg.n if spec.kind == "mean" else agg.raw_sum(spec.label, "x")
        size = base[grid[1:]].sum(axis=1)
        metric_n = agg.stats[f"{spec.label}:n"][grid[1:]]  # (S-1, arms)
        simpson = stats.simpson(
            pooled,
            effect,
            se,
            weights=size[None, :],
            pooled_se=comp.se[0],
            control_n=metric_n[None, :, 0],
            variant_n=metric_n[:, 1:].T,
        )
        method = "population-weighted"
    paradox = simpson.paradox(alpha, mix_alpha)
    het = stats.heterogeneity(effect, se)
    seg_names = segs[1:]
    for j, var in enumerate(variants):
        if bool(paradox[j]):
            mix_p = float(simpson.mix_p_value[j])
            if mix_p < mix_alpha:
                why = (
                    "The arms have a different segment mix (chi-square of segment × arm, "
                    f"p = {mix_p:.2g}), so the pooled number compares unlike groups of units"
                )
            else:
                est = np.array([pooled[j], simpson.stratified_effect[j]])
                est_se = np.array([simpson.pooled_se[j], simpson.stratified_se[j]])
                ok = est_se > 0  # paradox() makes one of them significant
                z = float(np.max(np.abs(est[ok] / est_se[ok])))
                why = (
                    f"The disagreement is not noise (one of the two has |z| = {z:.1f}): the "
                    "arms' segment mix differs only a little (chi-square of segment × arm, "
                    f"p = {_p(mix_p)}), but enough to flip the pooled number"
                )
            findings.append(
                Finding(
                    "simpson",
                    f"Simpson's paradox for {spec.label}, {var!r}: the pooled effect "
                    f"({_num(float(pooled[j]))}) and the effect within "
                    f"{_segments_of(columns)} ({method}, "
                    f"{_num(float(simpson.stratified_effect[j]))}) point in opposite "
                    f"directions; {int(simpson.opposite_segments[j])} of "
                    f"{int(simpson.segments[j])} segments go against the pooled number. "
                    f"{why}: read the segments, not the average.",
                    metric=spec.label,
                    variant=var,
                    severity="warning",
                    columns=tuple(columns),
                )
            )
        if int(np.isfinite(effect[j]).sum()) >= 2 and float(het.p_value[j]) < alpha:
            findings.append(
                Finding(
                    "heterogeneity",
                    f"The effect of {var!r} on {spec.label} differs across "
                    f"{_segments_of(columns)} (Cochran's Q = {float(het.q[j]):.1f}, "
                    f"p = {float(het.p_value[j]):.2g}, I² = {float(het.i_squared[j]):.0%}); "
                    "the overall number averages unlike effects.",
                    metric=spec.label,
                    variant=var,
                    severity="warning",
                    columns=tuple(columns),
                )
            )
            p_seg = stats.p_adjust(het.segment_p_value[j], "holm")
            for k, seg in enumerate(seg_names):
                if np.isfinite(p_seg[k]) and p_seg[k] < alpha:
                    findings.append(
                        Finding(
                            "segment_differs",
                            f"{_seg(seg, columns, start=True)} differs from the other "
                            f"segments on {spec.label} for {var!r}: "
                            f"{_num(float(effect[j, k]))} against "
                            f"{_num(float(het.rest_effect[j, k]))} elsewhere "
                            f"(Holm-adjusted p = {float(p_seg[k]):.2g}).",
                            segment=seg,
                            metric=spec.label,
                            variant=var,
                            severity="warning",
                            columns=_columns_of(seg, columns),
                        )
                    )
        overall = next(
            (
                r
                for r in rows
                if r["segment"] == ALL and r["metric"] == spec.label and r["variant"] == var
            ),
            None,
        )
        if overall is None:
            continue
        for r in rows:
            if (
                r["metric"] == spec.label
                and r["variant"] == var
                and r["segment"] != ALL
                and r["significant"]
                and np.sign(r["effect"]) == -np.sign(overall["effect"])
                and overall["effect"] != 0
            ):
                bounded = all(
                    math.isfinite(x[k])
                    for x in (r, overall)
                    for k in ("lift", "lift_ci_low", "lift_ci_high")
                )
                if bounded:  # lifts have the effect's sign whatever the control mean
                    seg_text = (
                        f"{_pct(r['lift'])} ({_ci_label(r)} {_pct(r['lift_ci_low'])} to "
                        f"{_pct(r['lift_ci_high'])})"
                    )
                    all_text = _pct(overall["lift"])
                else:  # no bounded relative lift (a control mean near 0): use effects
                    seg_text = (
                        f"{_num(r['effect'])} ({_ci_label(r)} {_num(r['effect_ci_low'])} to "
                        f"{_num(r['effect_ci_high'])})"
                    )
                    all_text = _num(overall["effect"])
                findings.append(
                    Finding(
                        "segment_opposes",
                        f"{_seg(r['segment'], columns, start=True)} moved {spec.label} the "
                        f"other way: {seg_text} while the whole moved {all_text}. The average "
                        "hides it.",
                        segment=r["segment"],
                        metric=spec.label,
                        variant=var,
                        severity="warning",
                        columns=_columns_of(r["segment"], columns),
                    )
                )


def _plan_check(
    plan: SizingPlan,
    segs: tuple[str, ...],
    arms: tuple[str, ...],
    units: np.ndarray,
    findings: list[Finding],
    columns: tuple[str, ...] = (),
) -> None:
    from hypokit._sizing import SizingPlan

    if not isinstance(plan, SizingPlan):
        raise ValidationError(f"plan == {plan!r}, must be a SizingPlan from hk.size.")
    for row in plan.rows:
        label = find_segment(row.segment, segs)
        if label is None:
            findings.append(
                Finding(
                    "underpowered",
                    f"The plan sizes {_seg(row.segment, columns)}, which the data does not have.",
                    segment=row.segment,
                    severity="warning",
                    columns=_columns_of(row.segment, columns),
                )
            )
            continue
        i = segs.index(label)
        need = [row.n_per_arm] + [row.n_variant] * (len(arms) - 1)
        short = [
            (a, int(units[i, j]), n)
            for j, (a, n) in enumerate(zip(arms, need, strict=True))
            if units[i, j] < n
        ]
        if short:
            detail = ", ".join(f"{a} {have:,} of {n:,}" for a, have, n in short)
            worst = min(have / n for _, have, n in short)
            findings.append(
                Finding(
                    "underpowered",
                    f"{_seg(label, columns, start=True)} has too little data for the "
                    f"planned MDE ({_num(row.mde)} on {row.metric}): {detail} units per arm "
                    f"({worst:.0%} of plan). A non-significant result there is not evidence "
                    "of no effect.",
                    segment=label,
                    metric=row.metric,
                    severity="warning",
                    columns=_columns_of(label, columns),
                )
            )
