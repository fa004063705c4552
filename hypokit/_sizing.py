"""Sample size, minimum detectable effect and power, per segment.

Methods:
* Proportions: the two-sample z-test with the pooled variance under the null and the
  unpooled variance under the alternative, as R's ``power.prop.test`` (Fleiss, Levin &
  Paik 2003); ``method="unpooled"`` (Wald) and ``method="arcsine"`` (Cohen's h, as R's
  ``pwr.2p2n.test``) are options.
* Means: the two-sample t-test with the noncentral t, exact root, rounded up, as R's
  ``power.t.test``; CUPED multiplies the variance by ``1 - rho**2`` (Deng et al. 2013).
* Ratios: the same t-test on the delta-method per-unit standard deviation.

Several treatment arms are each compared with control. The family of tests is
``(arms - 1) * n_segments``; ``correction="bonferroni"`` or ``"holm"`` sizes every
test at ``alpha / family`` (for Holm this is the first, strictest step, so each test
has at least the stated power).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from scipy import special

from hypokit import stats
from hypokit._errors import NotFoundError, ValidationError
from hypokit._metrics import Mean, Metric, PerSegment, Proportion, Ratio, _SizingInputs, value_for
from hypokit._results import TableMixin, format_number
from hypokit._validate import (
    check_choice,
    check_finite,
    check_int_at_least,
    check_nonnegative,
    check_open_unit,
    check_positive,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["Correction", "LookSchedule", "SegmentPlan", "SizingPlan", "mde", "power", "size"]

Correction = Literal["bonferroni", "holm"]
CORRECTIONS: tuple[Correction | None, ...] = ("bonferroni", "holm", None)
ALL = "(all)"


# ------------------------------------------------------------------------------- design
@dataclass(frozen=True)
class _Design:
    """The validated options shared by ``size``, ``mde`` and ``power``."""

    alpha: float
    power: float
    alternative: stats.Alternative
    ratio: float
    arms: int
    correction: Correction | None
    margin: float | None
    method: str
    strict: bool
    relative: bool

    def alpha_per_test(self, n_segments: int) -> tuple[float, int]:
        family = (self.arms - 1) * n_segments
        if self.correction is None:
            return self.alpha, family
        return self.alpha / family, family


def _design(
    metric: Metric,
    *,
    alpha: Any,
    power: Any,
    alternative: Any,
    ratio: Any,
    arms: Any,
    correction: Any,
    margin: Any,
    method: Any,
    strict: Any,
    relative: Any,
) -> _Design:
    if not isinstance(metric, Proportion | Mean | Ratio):
        raise ValidationError(f"metric == {metric!r}, must be hk.Proportion, hk.Mean or hk.Ratio.")
    alpha = check_open_unit("alpha", alpha)
    power = check_open_unit("power", power)
    alternative = check_choice("alternative", alternative, stats.ALTERNATIVES)
    sided = alpha / 2 if alternative == "two-sided" else alpha
    if power <= sided:
        raise ValidationError(
            f"power == {power!r}, must be greater than the chance of a false positive on "
            f"the side tested ({sided:g})."
        )
    ratio = check_positive("ratio", ratio)
    arms = check_int_at_least("arms", arms, 2)
    correction = check_choice("correction", correction, CORRECTIONS)
    if margin is not None:
        margin = check_nonnegative("margin", margin)
        if alternative == "two-sided" and margin > 0:
            raise ValidationError(
                f"margin == {margin!r} needs a one-sided test: alternative must be 'greater' "
                "(higher is better) or 'less' (lower is better), not 'two-sided'."
            )
    if metric.kind == "proportion":
        method = "pooled" if method is None else method
        method = check_choice("method", method, stats.PROPORTION_METHODS)
        if method == "arcsine" and margin:
            raise ValidationError(
                "margin is not supported with method == 'arcsine'; use 'pooled' or 'unpooled'."
            )
    else:
        method = "t" if method is None else method
        method = check_choice("method", method, ("t",))
    if not isinstance(strict, bool):
        raise ValidationError(f"strict == {strict!r}, must be True or False.")
    if not isinstance(relative, bool):
        raise ValidationError(f"relative == {relative!r}, must be True or False.")
    return _Design(
        alpha,
        power,
        alternative,
        ratio,
        arms,
        correction,
        margin or None,
        str(method),
        strict,
        relative,
    )


def _absolute(
    name: str, value: float, inputs: _SizingInputs, design: _Design, segment: str | None
) -> float:
    """Turn a relative effect or margin into the metric's units."""
    if not design.relative:
        return value
    if not math.isfinite(inputs.mean) or inputs.mean == 0:
        where = f" for segment {segment!r}" if segment else ""
        raise ValidationError(
            f"relative == True needs a non-zero baseline mean{where} to turn {name} == "
            f"{value!r} into units; give mean= (or use an absolute {name})."
        )
    return value * abs(inputs.mean)


def _effect(
    mde_value: Any, inputs: _SizingInputs, design: _Design, segment: str | None
) -> tuple[float, float]:
    """Validate the MDE for one segment; return it and the margin, both absolute."""
    label = "mde" if segment is None else f"mde[{segment!r}]"
    value = check_finite(label, mde_value)
    margin = _absolute("margin", design.margin or 0.0, inputs, design, segment)
    if value == 0 and not margin:
        raise ValidationError(
            f"{label} == {mde_value!r}, must not be 0: no sample size detects no effect "
            "(give a non-inferiority margin to size for a true effect of 0)."
        )
    effect = _absolute("mde", value, inputs, design, segment)
    if design.alternative == "greater" and effect + margin <= 0:
        raise ValidationError(
            f"{label} == {mde_value!r}, must be above {_neg(margin)} for alternative 'greater'."
        )
    if design.alternative == "less" and effect - margin >= 0:
        raise ValidationError(
            f"{label} == {mde_value!r}, must be below {margin:g} for alternative 'less'."
        )
    if inputs.kind == "proportion":
        p2 = inputs.mean + effect
        if not 0 < p2 < 1:
            where = f" for segment {segment!r}" if segment else ""
            raise ValidationError(
                f"{label} == {mde_value!r}, moves the rate{where} from {inputs.mean:g} to "
                f"{p2:g}; the rate must stay in (0, 1)."
            )
    return effect, margin


def _neg(x: float) -> str:
    """``-x`` for a message, without printing ``-0``."""
    return f"{-x:g}" if x else "0"


def _options(inputs: _SizingInputs, d: _Design, alpha: float, margin: float) -> dict[str, Any]:
    """The keyword arguments every core function of this metric's kind takes."""
    options: dict[str, Any] = {
        "ratio": d.ratio,
        "alpha": alpha,
        "alternative": d.alternative,
        "margin": margin,
        "strict": d.strict,
    }
    if inputs.kind == "proportion":
        options["method"] = d.method
    return options


def _solve_n(
    inputs: _SizingInputs,
    effect: float,
    margin: float,
    alpha: float,
    d: _Design,
    label: str = "mde",
    given: object = None,
) -> float:
    options = _options(inputs, d, alpha, margin)
    try:
        if inputs.kind == "proportion":
            return stats.proportion_n(inputs.mean, inputs.mean + effect, d.power, **options)
        return stats.t_n(effect, inputs.sd, d.power, **options)
    except stats.SolveError as exc:
        value = effect if given is None else given
        raise ValidationError(f"{label} == {value!r} cannot be sized: {exc}.") from None


def _power_at(
    inputs: _SizingInputs, effect: float, margin: float, alpha: float, d: _Design, n: float
) -> float:
    options = _options(inputs, d, alpha, margin)
    if inputs.kind == "proportion":
        return stats.proportion_power(inputs.mean, inputs.mean + effect, n, **options)
    return stats.t_power(effect, inputs.sd, n, **options)


def _solve_mde(inputs: _SizingInputs, n: float, alpha: float, margin: float, d: _Design) -> float:
    options = _options(inputs, d, alpha, margin)
    try:
        if inputs.kind == "proportion":
            return stats.proportion_mde(inputs.mean, n, d.power, **options) - inputs.mean
        return stats.t_mde(inputs.sd, n, d.power, **options)
    except stats.SolveError as exc:
        raise ValidationError(f"n_per_arm == {n:g} is too small: {exc}.") from None


# ------------------------------------------------------------------------------- results
@dataclass(frozen=True)
class SegmentPlan:
    """The sizing of one segment (or of the whole population, segment ``"(all)"``).

    With planned looks (``hk.size(..., looks=...)``) ``n_per_arm`` is the maximum
    sample size of the group-sequential design and ``n_fixed`` the fixed design's.
    """

    segment: str
    metric: str
    baseline: float
    sd: float
    mde: float
    mde_relative: float
    alpha: float
    power: float
    n_per_arm: int
    n_variant: int
    n_total: int
    traffic: float | None
    days: int | None
    variance_reduction: float
    _inputs: _SizingInputs = field(repr=False, compare=False)
    _margin: float = field(repr=False, compare=False, default=0.0)
    n_fixed: int | None = None


@dataclass(frozen=True, repr=False)
class SizingPlan(TableMixin):
    """A sizing plan: one row per segment, with the design it was computed under.

    ``n_per_arm`` is the control arm's size; each of the ``arms - 1`` variant arms has
    ``n_variant = ceil(ratio * n_per_arm)`` units. ``n_total`` counts every arm, and
    ``days`` is ``n_total / traffic`` rounded up (to whole weeks with ``whole_weeks``).

    With planned looks, ``looks`` is the group-sequential design (boundaries at the
    per-test alpha), the sizes are the design's maximum, and :meth:`schedule` lists
    each look's sample size, day and boundary.
    """

    rows: tuple[SegmentPlan, ...]
    alpha: float
    target_power: float
    alternative: stats.Alternative
    ratio: float
    arms: int
    correction: Correction | None
    family_size: int
    margin: float | None
    method: str
    whole_weeks: bool
    _design: _Design = field(repr=False, compare=False)
    looks: stats.GroupSequentialDesign | None = field(default=None, compare=False)

    _display_columns = (
        "segment",
        "baseline",
        "mde",
        "mde_relative",
        "alpha",
        "power",
        "n_per_arm",
        "n_total",
        "traffic",
        "days",
    )

    def _columns(self) -> list[str]:
        columns = list(self._display_columns)
        if any(r.variance_reduction > 0 for r in self.rows):
            columns.insert(columns.index("n_per_arm"), "variance_reduction")
        if any(r.n_variant != r.n_per_arm for r in self.rows):
            columns.insert(columns.index("n_total"), "n_variant")
        if self.looks is not None:
            columns.insert(columns.index("n_per_arm"), "n_fixed")
        return columns

    # ---- the unsegmented case
    def _single(self, name: str) -> SegmentPlan:
        if len(self.rows) != 1:
            segs = ", ".join(repr(r.segment) for r in self.rows)
            raise ValidationError(
                f"this plan has {len(self.rows)} segments ({segs}); {name} is per segment: use "
                f"plan[segment].{name} or plan.to_pandas()."
            )
        return self.rows[0]

    @property
    def n_per_arm(self) -> int:
        """Units in the control arm (and in each variant arm when ``ratio == 1``)."""
        return self._single("n_per_arm").n_per_arm

    @property
    def n_total(self) -> int:
        """Units across every arm and segment."""
        return sum(r.n_total for r in self.rows)

    @property
    def days(self) -> int | None:
        """Days until the slowest segment is complete (None without traffic)."""
        days = [r.days for r in self.rows]
        return None if any(d is None for d in days) else max(d for d in days if d is not None)

    @property
    def segments(self) -> tuple[str, ...]:
        """The segment names, in order."""
        return tuple(r.segment for r in self.rows)

    def __getitem__(self, segment: str) -> SegmentPlan:
        """The plan of one segment; :class:`~hypokit.NotFoundError` (a ``KeyError``) if none."""
        for r in self.rows:
            if r.segment == segment:
                return r
        raise NotFoundError(f"no segment {segment!r}; the plan has {', '.join(self.segments)}")

    def __len__(self) -> int:
        return len(self.rows)

    # ---- tables
    def to_records(self) -> list[dict[str, Any]]:
        """One dict per segment."""
        return [
            {
                "segment": r.segment,
                "metric": r.metric,
                "baseline": r.baseline,
                "sd": r.sd,
                "mde": r.mde,
                "mde_relative": r.mde_relative,
                "alpha": r.alpha,
                "power": r.power,
                "n_per_arm": r.n_per_arm,
                "n_variant": r.n_variant,
                "n_total": r.n_total,
                "traffic": r.traffic,
                "days": r.days,
                "variance_reduction": r.variance_reduction,
                **({"n_fixed": r.n_fixed} if self.looks is not None else {}),
            }
            for r in self.rows
        ]

    def _caption(self) -> str:
        corr = f", {self.correction} over {self.family_size} tests" if self.correction else ""
        ni = f", non-inferiority margin {format_number(self.margin)}" if self.margin else ""
        gs = ""
        if self.looks is not None:
            gs = (
                f", {self.looks.looks} looks ({self.looks.spending} spending, "
                f"inflation {self.inflation:.3f})"
            )
        return (
            f"Sizing plan: {self.arms} arms, ratio {format_number(self.ratio)}, "
            f"{self.alternative}, alpha {format_number(self.alpha)}{corr}, "
            f"power {format_number(self.target_power)}{ni}{gs} ({self.method})"
        )

    # ---- group-sequential looks
    @property
    def inflation(self) -> float:
        """The maximum sample size over the fixed design's (1 without looks)."""
        if self.looks is None:
            return 1.0
        return stats.inflation_factor(
            self.looks, power=self.target_power, strict=self._design.strict
        )

    def schedule(self) -> LookSchedule:
        """Each planned look per segment: its share, sample size, day and boundary.

        A look's ``n_per_arm`` is ``ceil(information * n_per_arm)`` of the maximum;
        ``z`` and ``p_boundary`` are the critical z and the nominal p-value below which
        to stop for efficacy at that look (the per-test alpha spent as the plan's
        spending function says); ``alpha_spent`` is cumulative.

        Raises:
            ValidationError: the plan has no planned looks.
        """
        if self.looks is None:
            raise ValidationError(
                "this plan has one look at the end; size with looks= (e.g. looks=4) for a "
                "group-sequential schedule."
            )
        g = self.looks
        rows = []
        for r in self.rows:
            for k in range(g.looks):
                t = float(g.information[k])
                n_c = math.ceil(t * r.n_per_arm - 1e-9)
                n_v = math.ceil(t * r.n_variant - 1e-9)
                total = n_c + (self.arms - 1) * n_v
                day = None
                if r.traffic is not None:
                    day = math.ceil(total / r.traffic - 1e-9)
                rows.append(
                    {
                        "segment": r.segment,
                        "look": k + 1,
                        "information": t,
                        "n_per_arm": n_c,
                        "n_total": total,
                        "day": day,
                        "z": float(g.z[k]),
                        "p_boundary": float(g.nominal_alpha[k]),
                        "alpha_spent": float(g.alpha_spent[k]),
                    }
                )
        return LookSchedule(tuple(rows), g.spending, g.alpha)

    # ---- curves
    def power_at(self, n_per_arm: float, segment: str | None = None) -> float:
        """Power of a segment's test with ``n_per_arm`` control units."""
        row = self[segment] if segment is not None else self._single("power_at")
        d = self._design
        fixed = _power_at(row._inputs, row.mde, row._margin, row.alpha, d, n_per_arm)
        return fixed if self.looks is None else _sequential_power(self.looks, fixed, row.alpha)

    def mde_at(self, n_per_arm: float, segment: str | None = None) -> float:
        """The effect (in the metric's units) a segment's test detects with ``n_per_arm``."""
        row = self[segment] if segment is not None else self._single("mde_at")
        d = self._design
        if self.looks is not None:
            # The group-sequential test has the target power at the drift
            # sqrt(inflation) (z_alpha + z_power): the fixed test's power at that drift.
            z_alpha = stats.critical_z(row.alpha, d.alternative)
            drift = math.sqrt(self.inflation) * (z_alpha + float(special.ndtri(d.power)))
            d = dataclasses.replace(d, power=float(special.ndtr(drift - z_alpha)))
        return _solve_mde(row._inputs, n_per_arm, row.alpha, row._margin, d)

    def curve(self, days: int | None = None) -> list[dict[str, Any]]:
        """Power and detectable effect by day of traffic, per segment.

        Rows of ``segment, day, n_per_arm, power, mde, mde_relative``: the power to detect
        the planned MDE, and the MDE detectable with the planned power, after ``day``
        days of traffic (``days`` defaults to 1.5 times the longest planned duration).
        """
        if any(r.traffic is None for r in self.rows):
            raise ValidationError("traffic == None; give traffic to see power against days.")
        if days is not None:
            days = check_int_at_least("days", days, 1)
        horizon = days or max(7, math.ceil(1.5 * max(r.days or 1 for r in self.rows)))
        share = 1 + (self.arms - 1) * self.ratio
        out = []
        for r in self.rows:
            assert r.traffic is not None
            for day in range(1, horizon + 1):
                n = r.traffic * day / share
                power, effect = 0.0, math.nan
                if n * (1 + self.ratio) > 2:
                    power = self.power_at(n, r.segment)
                    try:
                        effect = self.mde_at(n, r.segment)
                    except ValidationError:
                        effect = math.nan  # nothing within the metric's range is detectable yet
                rel = (
                    effect / abs(r.baseline)
                    if math.isfinite(r.baseline) and r.baseline
                    else math.nan
                )
                out.append(
                    {
                        "segment": r.segment,
                        "day": day,
                        "n_per_arm": n,
                        "power": power,
                        "mde": effect,
                        "mde_relative": rel,
                    }
                )
        return out

    def plot(
        self,
        kind: Literal["power", "mde"] = "power",
        *,
        days: int | None = None,
        ax: Axes | None = None,
    ) -> Figure:
        """Plot power (or the detectable effect) against days of traffic, per segment.

        Args:
            kind: ``"power"``: the power to detect the planned MDE; ``"mde"``: the effect
                detectable with the planned power (relative when the plan was sized
                relative).
            days: The horizon in days.
            ax: A matplotlib Axes to draw on.

        Returns:
            The matplotlib Figure (``ax``'s when given; else a new one that pyplot does
            not keep open, shown once in a notebook: see :mod:`hypokit._plotting`).
        """
        from hypokit._plotting import in_legend, legend, literal, new_figure

        kind = check_choice("kind", kind, ("power", "mde"))
        if ax is None:
            fig, ax = new_figure(figsize=(7, 4))
        else:
            fig = ax.figure  # type: ignore[assignment]
        points = self.curve(days)
        relative = self._design.relative
        key = "power" if kind == "power" else ("mde_relative" if relative else "mde")
        for seg in self.segments:
            xs = [p["day"] for p in points if p["segment"] == seg]
            ys = [p[key] for p in points if p["segment"] == seg]
            (line,) = ax.plot(xs, ys, label=literal(seg))
            in_legend(line)
            ax.axvline(self[seg].days or 0, color=line.get_color(), ls=":", lw=1)
            if kind == "mde":
                planned = self[seg].mde_relative if relative else self[seg].mde
                ax.axhline(planned, color=line.get_color(), ls="--", lw=0.8)
        ax.set_xlabel("days of traffic")
        if kind == "power":
            ax.axhline(self.target_power, color="grey", ls="--", lw=1)
            ax.set_ylabel("power")
            ax.set_ylim(0, 1)
            ax.set_title("Power against days, per segment")
        else:
            ax.set_ylabel("relative MDE" if relative else "MDE")
            ax.set_yscale("log")
            ax.set_title(f"Detectable effect at power {self.target_power:g}, per segment")
        legend(ax, title="segment", fontsize="small")
        return fig


@dataclass(frozen=True, repr=False)
class LookSchedule(TableMixin):
    """The planned looks of a group-sequential plan, per segment (see ``schedule()``)."""

    rows: tuple[dict[str, Any], ...]
    spending: str
    alpha: float

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per (segment, look)."""
        return [dict(r) for r in self.rows]

    def _caption(self) -> str:
        return (
            f"Planned looks ({self.spending} alpha spending, per-test alpha "
            f"{format_number(self.alpha)}): stop for efficacy when p < p_boundary"
        )


# ----------------------------------------------------------------------------- functions
def _sequential_power(design: stats.GroupSequentialDesign, fixed: float, alpha: float) -> float:
    """The power of a group-sequential test whose fixed-design twin has power ``fixed``.

    Both have the same drift (expected final z statistic, ``z_alpha + z_fixed``); the
    sequential test may stop at any look (Jennison & Turnbull 2000, ch. 2).
    """
    z_alpha = stats.critical_z(alpha, design.alternative)
    drift = z_alpha + float(special.ndtri(min(max(fixed, 1e-15), 1 - 1e-15)))
    sign = -1.0 if design.alternative == "less" else 1.0
    return float(stats.crossing_probabilities(design, sign * drift).sum())


def _traffic_value(segment: str, traffic: Any) -> float:
    label = "traffic" if segment == ALL else f"traffic[{segment!r}]"
    return check_positive(label, traffic)


def size(
    metric: Metric,
    *,
    mde: PerSegment,
    relative: bool = False,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: stats.Alternative = "two-sided",
    ratio: float = 1.0,
    arms: int = 2,
    correction: Correction | None = None,
    traffic: PerSegment | None = None,
    margin: float | None = None,
    method: str | None = None,
    strict: bool = False,
    whole_weeks: bool = False,
    data: Any = None,
    segments: str | None = None,
    date: str | None = None,
    days: float | None = None,
    looks: int | Sequence[float] | None = None,
    spending: str = "obrien-fleming",
) -> SizingPlan:
    """Size an A/B test: units per arm and days of traffic, per segment.

    Args:
        metric: ``hk.Proportion``, ``hk.Mean`` or ``hk.Ratio`` with its baseline
            assumptions (each a number or ``{segment: number}``).
        mde: The minimum detectable effect, signed (negative for a decrease), in the
            metric's units, or relative to the baseline with ``relative=True``; one
            number or ``{segment: number}``.
        relative: Read ``mde`` and ``margin`` as fractions of the baseline.
        alpha: The family-wise false-positive rate.
        power: The chance of detecting an effect of size ``mde``.
        alternative: ``"two-sided"``, ``"greater"`` or ``"less"``.
        ratio: Units in each variant arm per unit in control.
        arms: Arms including control; each variant is compared with control.
        correction: ``"bonferroni"``, ``"holm"`` or None, over the
            ``(arms - 1) * n_segments`` tests.
        traffic: Eligible units per day, one number or ``{segment: units_per_day}``.
            With a mapping the plan has one row per segment.
        margin: A non-inferiority margin (positive, in the metric's units or relative):
            the test shows that the variant is not worse than control by more than it.
        method: For proportions ``"pooled"`` (default), ``"unpooled"`` or ``"arcsine"``;
            for means and ratios ``"t"``.
        strict: Count both rejection regions of a two-sided test (R's ``strict=TRUE``).
        whole_weeks: Round each segment's duration up to whole weeks (weekly cycles).
        data: Historical data (a pandas DataFrame or a CSV/Parquet path) to estimate
            the baselines, standard deviations, correlations and traffic from; explicit
            assumptions on the metric win over estimates.
        segments: The segment column of ``data``.
        date: The date column of ``data``: traffic is units per distinct date.
        days: The number of days ``data`` covers, when it has no date column.
        looks: Plan a group-sequential test: the number of equally spaced looks, or
            their information fractions (increasing, ending at 1, e.g. ``[0.5, 1]``).
            Boundaries come from Lan-DeMets alpha spending at the per-test alpha
            (:func:`hypokit.stats.boundaries`, matching R's ``rpact``); the sample
            size is the fixed design's times the inflation factor (Jennison &
            Turnbull 2000, ch. 2), so the test keeps ``power`` while it may stop
            early. :meth:`SizingPlan.schedule` lists the looks; pass the plan and
            ``look=`` to :func:`hypokit.analyze` to apply a look's boundary.
        spending: ``"obrien-fleming"`` (spends little early, default) or
            ``"pocock"`` (spends evenly), with ``looks``.

    Returns:
        A frozen :class:`SizingPlan`.

    Raises:
        ValidationError: an argument outside its range, named with its value and rule.

    Examples:
        R's ``power.prop.test(p1 = .10, p2 = .12, power = .8)`` gives n = 3840.9:

        >>> import hypokit as hk
        >>> hk.size(hk.Proportion(baseline=0.10), mde=0.02).n_per_arm
        3841

        Per segment, each with its own baseline and traffic:

        >>> plan = hk.size(
        ...     hk.Proportion(baseline={"new": 0.05, "returning": 0.12}),
        ...     mde=0.10, relative=True, traffic={"new": 2000, "returning": 800},
        ...     correction="holm",
        ... )
        >>> plan.to_pandas()[["segment", "n_per_arm", "n_total", "days"]]
             segment  n_per_arm  n_total  days
        0        new      37824    75648    38
        1  returning      14537    29074    37

        Four planned looks with O'Brien-Fleming spending: 2% more units, and the
        boundary of each look:

        >>> plan = hk.size(
        ...     hk.Proportion(baseline=0.06), mde=0.155, relative=True, traffic=800, looks=4
        ... )
        >>> plan.to_pandas()[["n_fixed", "n_per_arm", "days"]]
           n_fixed  n_per_arm  days
        0    10975      11190    28
        >>> plan.schedule().to_pandas()[["look", "n_per_arm", "day", "p_boundary"]].round(5)
           look  n_per_arm  day  p_boundary
        0     1       2798    7     0.00001
        1     2       5595   14     0.00305
        2     3       8393   21     0.01832
        3     4      11190   28     0.04400
    """
    d = _design(
        metric,
        alpha=alpha,
        power=power,
        alternative=alternative,
        ratio=ratio,
        arms=arms,
        correction=correction,
        margin=margin,
        method=method,
        strict=strict,
        relative=relative,
    )
    if not isinstance(whole_weeks, bool):
        raise ValidationError(f"whole_weeks == {whole_weeks!r}, must be True or False.")
    if data is not None:
        from hypokit._history import fill_from_history

        metric, estimated = fill_from_history(metric, data, segments=segments, date=date, days=days)
        if traffic is None:
            traffic = estimated
    elif segments is not None or date is not None or days is not None:
        raise ValidationError("segments, date and days describe data=; pass data= too.")

    names = _segment_names(metric, mde, traffic)
    alpha_test, family = d.alpha_per_test(len(names))
    design = None
    factor = 1.0
    if looks is not None:
        fractions = None if isinstance(looks, int) and not isinstance(looks, bool) else looks
        count = looks if fractions is None else None
        try:
            design = stats.boundaries(
                fractions,
                looks=count,  # type: ignore[arg-type]
                alpha=alpha_test,
                spending=spending,  # type: ignore[arg-type]
                alternative=d.alternative,
            )
        except ValidationError as exc:
            raise ValidationError(f"looks == {looks!r}: {exc}") from None
        factor = stats.inflation_factor(design, power=d.power, strict=d.strict)
    elif spending != "obrien-fleming":
        raise ValidationError(f"spending == {spending!r} needs looks= (the planned looks).")
    rows = []
    for seg in names:
        key = None if seg == ALL else seg
        inputs = metric._sizing_inputs(key)
        mde_value = value_for("mde", mde, key) if isinstance(mde, Mapping) else mde
        effect, margin_abs = _effect(mde_value, inputs, d, key)
        label = "mde" if key is None or not isinstance(mde, Mapping) else f"mde[{key!r}]"
        n_exact = _solve_n(inputs, effect, margin_abs, alpha_test, d, label, mde_value)
        n_fixed = max(math.ceil(n_exact - 1e-9), 2)
        n_control = max(math.ceil(n_exact * factor - 1e-9), 2)
        n_variant = max(math.ceil(d.ratio * n_control - 1e-9), 2)
        n_total = n_control + (d.arms - 1) * n_variant
        rate = None
        n_days = None
        if traffic is not None:
            rate = _traffic_value(seg, traffic[seg] if isinstance(traffic, Mapping) else traffic)
            n_days = math.ceil(n_total / rate - 1e-9)
            if whole_weeks:
                n_days = 7 * math.ceil(n_days / 7)
        achieved = _power_at(inputs, effect, margin_abs, alpha_test, d, n_control)
        if design is not None:
            achieved = _sequential_power(design, achieved, alpha_test)
        rows.append(
            SegmentPlan(
                segment=seg,
                metric=metric.label,
                baseline=inputs.mean,
                sd=inputs.sd,
                mde=effect,
                mde_relative=effect / inputs.mean
                if math.isfinite(inputs.mean) and inputs.mean
                else math.nan,
                alpha=alpha_test,
                power=achieved,
                n_per_arm=n_control,
                n_variant=n_variant,
                n_total=n_total,
                traffic=rate,
                days=n_days,
                variance_reduction=inputs.variance_reduction,
                _inputs=inputs,
                _margin=margin_abs,
                n_fixed=n_fixed if design is not None else None,
            )
        )
    return SizingPlan(
        rows=tuple(rows),
        alpha=d.alpha,
        target_power=d.power,
        alternative=d.alternative,
        ratio=d.ratio,
        arms=d.arms,
        correction=d.correction,
        family_size=family,
        margin=d.margin,
        method=d.method,
        whole_weeks=whole_weeks,
        _design=d,
        looks=design,
    )


def _segment_names(metric: Metric, mde: Any, traffic: Any) -> list[str]:
    if isinstance(traffic, Mapping):
        if not traffic:
            raise ValidationError("traffic == {}, must name at least one segment.")
        names = [str(k) for k in traffic]
        if isinstance(mde, Mapping):
            missing = [k for k in mde if str(k) not in names]
            if missing:
                raise ValidationError(
                    f"mde names segments that traffic does not: {', '.join(map(repr, missing))}."
                )
        return names
    keyed = list(metric.segments)
    if isinstance(mde, Mapping):
        keyed += [str(k) for k in mde if str(k) not in keyed]
    if keyed:
        if traffic is not None:
            raise ValidationError(
                f"traffic == {traffic!r} is one number but the inputs are per segment "
                f"({', '.join(map(repr, keyed))}); give traffic as {{segment: units_per_day}}."
            )
        return keyed
    return [ALL]


def _scalar_inputs(metric: Metric) -> _SizingInputs:
    if metric.segments:
        raise ValidationError(
            f"{metric.label} has per-segment inputs; hk.mde and hk.power take one segment: "
            "give single numbers, or use hk.size(..., traffic={segment: ...})."
        )
    return metric._sizing_inputs(None)


def power(
    metric: Metric,
    *,
    mde: float,
    n_per_arm: float,
    relative: bool = False,
    alpha: float = 0.05,
    alternative: stats.Alternative = "two-sided",
    ratio: float = 1.0,
    arms: int = 2,
    correction: Correction | None = None,
    margin: float | None = None,
    method: str | None = None,
    strict: bool = False,
) -> float:
    """The power of a test with ``n_per_arm`` control units to detect ``mde``.

    The inverse of :func:`size`: same methods, same options (see there).

    Examples:
        R's ``power.t.test(n = 20, delta = 1)`` gives power = 0.8689528:

        >>> import hypokit as hk
        >>> round(hk.power(hk.Mean(sd=1), mde=1, n_per_arm=20), 7)
        0.8689528
    """
    d = _design(
        metric,
        alpha=alpha,
        power=0.5,
        alternative=alternative,
        ratio=ratio,
        arms=arms,
        correction=correction,
        margin=margin,
        method=method,
        strict=strict,
        relative=relative,
    )
    n = check_positive("n_per_arm", n_per_arm)
    if n * (1 + d.ratio) <= 2:
        raise ValidationError(f"n_per_arm == {n_per_arm!r}, too small for a two-sample test.")
    inputs = _scalar_inputs(metric)
    effect, margin_abs = _effect(mde, inputs, d, None)
    alpha_test, _ = d.alpha_per_test(1)
    return _power_at(inputs, effect, margin_abs, alpha_test, d, n)


def mde(
    metric: Metric,
    *,
    n_per_arm: float,
    relative: bool = False,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: stats.Alternative = "two-sided",
    ratio: float = 1.0,
    arms: int = 2,
    correction: Correction | None = None,
    margin: float | None = None,
    method: str | None = None,
    strict: bool = False,
) -> float:
    """The smallest true effect that ``n_per_arm`` control units detect with ``power``.

    The inverse of :func:`size`: same methods, same options (see there). The result is
    signed as ``alternative`` (an increase for ``"two-sided"``), in the metric's units,
    or relative to the baseline with ``relative=True``. Proportions solve for the
    variant rate as R's ``power.prop.test(p2 = NULL)``; means solve the noncentral t
    for ``delta`` as R's ``power.t.test(delta = NULL)``.

    Examples:
        R's ``power.t.test(n = 20, power = .9)`` gives delta = 1.051991:

        >>> import hypokit as hk
        >>> round(hk.mde(hk.Mean(sd=1), n_per_arm=20, power=0.9), 6)
        1.051993
    """
    d = _design(
        metric,
        alpha=alpha,
        power=power,
        alternative=alternative,
        ratio=ratio,
        arms=arms,
        correction=correction,
        margin=margin,
        method=method,
        strict=strict,
        relative=relative,
    )
    n = check_positive("n_per_arm", n_per_arm)
    if n * (1 + d.ratio) <= 2:
        raise ValidationError(f"n_per_arm == {n_per_arm!r}, too small for a two-sample test.")
    inputs = _scalar_inputs(metric)
    margin_abs = _absolute("margin", d.margin or 0.0, inputs, d, None)
    alpha_test, _ = d.alpha_per_test(1)
    effect = _solve_mde(inputs, n, alpha_test, margin_abs, d)
    return effect / abs(inputs.mean) if d.relative else effect
