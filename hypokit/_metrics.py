"""Metric specifications: what is measured, and the assumptions sizing needs.

A metric names the data columns that an analysis reads (``column``, ``covariate``,
``numerator``/``denominator``) and, for sizing, the baseline assumptions. Every
assumption may be one number or a ``{segment: number}`` mapping, so that each
segment is sized with its own baseline.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass
from typing import Literal, TypeAlias

from hypokit._errors import ValidationError
from hypokit._validate import (
    check_correlation,
    check_finite,
    check_nonnegative,
    check_open_unit,
    check_positive,
)

__all__ = ["Mean", "Metric", "PerSegment", "Proportion", "Ratio"]

#: One value, or one value per segment.
PerSegment: TypeAlias = float | Mapping[str, float]

MetricKind = Literal["proportion", "mean", "ratio"]


def _per_segment(name: str, value: PerSegment | None, check: object) -> PerSegment | None:
    """Validate a scalar or a ``{segment: value}`` mapping with ``check(name, v)``."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        if not value:
            raise ValidationError(f"{name} == {{}}, must name at least one segment.")
        return {
            str(k): check(f"{name}[{k!r}]", v)  # type: ignore[operator]
            for k, v in value.items()
        }
    return check(name, value)  # type: ignore[operator,no-any-return]


def _check_use_t(value: object) -> None:
    if not isinstance(value, bool):
        raise ValidationError(f"use_t == {value!r}, must be True or False.")


def value_for(name: str, value: PerSegment | None, segment: str | None) -> float | None:
    """The value of a per-segment assumption for ``segment`` (None when unsegmented)."""
    if value is None or not isinstance(value, Mapping):
        return value
    if segment is None:
        raise ValidationError(
            f"{name} is given per segment ({', '.join(map(repr, value))}); give traffic per "
            "segment too, or a single value."
        )
    if segment not in value:
        raise ValidationError(
            f"{name} has no value for segment {segment!r}; it has {', '.join(map(repr, value))}."
        )
    return float(value[segment])


def _segments_of(*values: PerSegment | None) -> tuple[str, ...]:
    keys: list[str] = []
    for v in values:
        if isinstance(v, Mapping):
            keys.extend(k for k in v if k not in keys)
    return tuple(keys)


@dataclass(frozen=True)
class _SizingInputs:
    """The per-unit quantities sizing works from, for one segment."""

    kind: MetricKind
    mean: float  # the baseline rate, mean or ratio
    sd: float  # per-unit standard deviation (CUPED-adjusted, delta-method for ratios)
    variance_reduction: float = 0.0


@dataclass(frozen=True)
class Proportion:
    """A 0/1 metric, such as conversion.

    Args:
        column: The data column holding 0/1 (or boolean) values, for analysis.
        baseline: The control rate in (0, 1), or ``{segment: rate}``, for sizing.
        name: A display name; defaults to ``column``.

    Examples:
        >>> import hypokit as hk
        >>> hk.Proportion("converted", baseline=0.1)
        Proportion(column='converted', baseline=0.1, name=None)
    """

    column: str | None = None
    _: KW_ONLY
    baseline: PerSegment | None = None
    name: str | None = None

    kind = "proportion"

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "baseline", _per_segment("baseline", self.baseline, check_open_unit)
        )

    @property
    def label(self) -> str:
        """The name shown in tables."""
        return self.name or self.column or "proportion"

    @property
    def segments(self) -> tuple[str, ...]:
        """Segments named by per-segment assumptions."""
        return _segments_of(self.baseline)

    def _sizing_inputs(self, segment: str | None) -> _SizingInputs:
        p = value_for("baseline", self.baseline, segment)
        if p is None:
            raise ValidationError(
                "baseline == None, must be a rate in (0, 1) to size a Proportion "
                "(or pass data= to estimate it)."
            )
        return _SizingInputs("proportion", p, math.sqrt(p * (1 - p)))


@dataclass(frozen=True)
class Mean:
    """A continuous metric per unit, such as revenue per user.

    Args:
        column: The data column, for analysis.
        covariate: A pre-experiment column for CUPED variance reduction (Deng et al. 2013).
        mean: The control mean, for sizing (needed for a relative MDE).
        sd: The per-unit standard deviation, for sizing.
        correlation: The correlation between the metric and its pre-experiment covariate;
            sizing multiplies the variance by ``1 - correlation**2`` (CUPED).
        name: A display name; defaults to ``column``.
        use_t: Analyse with Welch's t-test (default: Student's t with
            Welch–Satterthwaite df, as R's ``t.test``); False uses the normal (a z-test),
            which is what very large samples give anyway.

    Examples:
        >>> import hypokit as hk
        >>> hk.Mean("revenue", covariate="pre_revenue", mean=12.0, sd=30.0, correlation=0.5)
        ... # doctest: +ELLIPSIS
        Mean(column='revenue', covariate='pre_revenue', mean=12.0, sd=30.0, correlation=0.5, ...)
    """

    column: str | None = None
    _: KW_ONLY
    covariate: str | None = None
    mean: PerSegment | None = None
    sd: PerSegment | None = None
    correlation: PerSegment | None = None
    name: str | None = None
    use_t: bool = True

    kind = "mean"

    def __post_init__(self) -> None:
        _check_use_t(self.use_t)
        object.__setattr__(self, "mean", _per_segment("mean", self.mean, check_finite))
        object.__setattr__(self, "sd", _per_segment("sd", self.sd, check_positive))
        object.__setattr__(
            self, "correlation", _per_segment("correlation", self.correlation, check_correlation)
        )

    @property
    def label(self) -> str:
        """The name shown in tables."""
        return self.name or self.column or "mean"

    @property
    def segments(self) -> tuple[str, ...]:
        """Segments named by per-segment assumptions."""
        return _segments_of(self.mean, self.sd, self.correlation)

    def _sizing_inputs(self, segment: str | None) -> _SizingInputs:
        sd = value_for("sd", self.sd, segment)
        if sd is None:
            raise ValidationError(
                "sd == None, must be a positive number to size a Mean (or pass data= to "
                "estimate it)."
            )
        mean = value_for("mean", self.mean, segment)
        rho = value_for("correlation", self.correlation, segment) or 0.0
        return _SizingInputs(
            "mean", math.nan if mean is None else mean, sd * math.sqrt(1 - rho**2), rho**2
        )


@dataclass(frozen=True)
class Ratio:
    """A ratio of two per-unit sums, such as revenue per session, analysed by the delta method.

    The unit of randomisation is the user; the metric is ``sum(numerator) /
    sum(denominator)``. Its per-unit variance is the delta-method expression
    ``(var_n - 2 R cov_nd + R**2 var_d) / mean_d**2`` with ``R = mean_n / mean_d``
    (Deng, Knoblich & Lu 2018, "Applying the delta method in metric analytics").

    Args:
        numerator: The numerator column (revenue).
        denominator: The denominator column (sessions).
        covariate: A pre-experiment column for CUPED: a per-unit value, or the numerator of
            a pre-experiment ratio when ``covariate_denominator`` is given too.
        covariate_denominator: The denominator of the pre-experiment ratio (sessions
            before the experiment), for CUPED on a ratio covariate.
        numerator_mean, numerator_sd, denominator_mean, denominator_sd, covariance:
            Per-unit moments for sizing (each a number or ``{segment: number}``).
        correlation: Correlation with the pre-experiment covariate, for CUPED sizing.
        name: A display name; defaults to ``"numerator/denominator"``.
        use_t: Analyse with Student's t and the Welch–Satterthwaite df of the two arms'
            linearised variances (as tea-tasting's ``RatioOfMeans`` does) instead of the
            normal (default False: the z-test of Deng et al. 2018). The two agree for
            the sample sizes of most online experiments.
    """

    numerator: str | None = None
    denominator: str | None = None
    _: KW_ONLY
    covariate: str | None = None
    covariate_denominator: str | None = None
    numerator_mean: PerSegment | None = None
    numerator_sd: PerSegment | None = None
    denominator_mean: PerSegment | None = None
    denominator_sd: PerSegment | None = None
    covariance: PerSegment | None = None
    correlation: PerSegment | None = None
    name: str | None = None
    use_t: bool = False

    kind = "ratio"

    def __post_init__(self) -> None:
        _check_use_t(self.use_t)
        if self.covariate_denominator is not None and self.covariate is None:
            raise ValidationError(
                f"covariate_denominator == {self.covariate_denominator!r} needs covariate= "
                "(the pre-experiment numerator) too."
            )
        for field, check in (
            ("numerator_mean", check_finite),
            ("numerator_sd", check_nonnegative),
            ("denominator_mean", check_positive),
            ("denominator_sd", check_nonnegative),
            ("covariance", check_finite),
            ("correlation", check_correlation),
        ):
            object.__setattr__(self, field, _per_segment(field, getattr(self, field), check))

    @property
    def label(self) -> str:
        """The name shown in tables."""
        if self.name:
            return self.name
        if self.numerator and self.denominator:
            return f"{self.numerator}/{self.denominator}"
        return "ratio"

    @property
    def segments(self) -> tuple[str, ...]:
        """Segments named by per-segment assumptions."""
        return _segments_of(
            self.numerator_mean,
            self.numerator_sd,
            self.denominator_mean,
            self.denominator_sd,
            self.covariance,
            self.correlation,
        )

    def _sizing_inputs(self, segment: str | None) -> _SizingInputs:
        values = {}
        for field in (
            "numerator_mean",
            "numerator_sd",
            "denominator_mean",
            "denominator_sd",
        ):
            v = value_for(field, getattr(self, field), segment)
            if v is None:
                raise ValidationError(
                    f"{field} == None, must be given to size a Ratio (or pass data= to "
                    "estimate it)."
                )
            values[field] = v
        cov = value_for("covariance", self.covariance, segment) or 0.0
        mn, sn = values["numerator_mean"], values["numerator_sd"]
        md, sd_ = values["denominator_mean"], values["denominator_sd"]
        r = mn / md
        var = (sn**2 - 2 * r * cov + r**2 * sd_**2) / md**2
        if not var > 0:
            raise ValidationError(
                f"the delta-method variance of {self.label} is {var:g} for segment "
                f"{segment!r}; check numerator_sd, denominator_sd and covariance "
                "(|covariance| must not exceed numerator_sd * denominator_sd)."
            )
        rho = value_for("correlation", self.correlation, segment) or 0.0
        return _SizingInputs("ratio", r, math.sqrt(var * (1 - rho**2)), rho**2)


Metric: TypeAlias = Proportion | Mean | Ratio
