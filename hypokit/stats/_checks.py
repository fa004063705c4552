"""Checks of an experiment's health and of its segments: SRM, segment mix, heterogeneity, Simpson.

The pure statistics core: numpy and scipy only. Every function is vectorised over
leading axes: the last axis holds the arms (:func:`srm`) or the segments (the other
checks), so one call checks every (metric, variant) family at once. Missing entries
(NaN effects, segments that could not be compared) are left out, so ragged families
can be padded with NaN.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from hypokit._errors import DataError, ValidationError
from hypokit._validate import check_open_unit
from hypokit.stats._compare import FloatArray, ProportionStats
from hypokit.stats._power import critical_z

__all__ = [
    "Heterogeneity",
    "PooledEffect",
    "SRMResult",
    "SegmentMix",
    "Simpson",
    "heterogeneity",
    "inverse_variance",
    "mantel_haenszel_difference",
    "segment_mix",
    "simpson",
    "simpson_proportions",
    "srm",
    "standardized",
]

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


class _ReadOnly:
    def __post_init__(self) -> None:
        for f in fields(self):  # type: ignore[arg-type]
            getattr(self, f.name).setflags(write=False)


def _floats(name: str, value: ArrayLike, *, allow_nan: bool) -> FloatArray:
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"{name} == {value!r:.80}, must be numbers.") from None
    bad = np.isinf(arr) if allow_nan else ~np.isfinite(arr)
    if bad.any():
        raise DataError(f"{name} has infinite or missing values; {name} must be finite numbers.")
    return arr


# ------------------------------------------------------------------------------------ SRM
@dataclass(frozen=True, eq=False)
class SRMResult(_ReadOnly):
    """A sample-ratio-mismatch test per row.

    Attributes:
        statistic: Pearson's chi-square statistic.
        df: Its degrees of freedom, the number of arms minus 1.
        p_value: ``P(chi2_df >= statistic)``; NaN for a row without units.
        expected: The expected count of each arm (shape of ``counts``).
    """

    statistic: FloatArray
    df: FloatArray
    p_value: FloatArray
    expected: FloatArray


def srm(counts: ArrayLike, weights: ArrayLike | None = None) -> SRMResult:
    """Sample-ratio mismatch: chi-square goodness of fit of arm counts to the allocation.

    Pearson's test, as R's ``chisq.test(counts, p = weights)`` and
    ``scipy.stats.chisquare(counts, f_exp)``::

        expected_j = N w_j / sum(w),   X^2 = sum_j (counts_j - expected_j)^2 / expected_j

    with ``k - 1`` degrees of freedom for ``k`` arms. A small p-value (the usual alarm is
    p < 0.001; Fabijan et al. 2019, "Diagnosing sample ratio mismatch in online
    controlled experiments") means the units did not split as planned and the comparison
    of the arms is not trustworthy.

    Args:
        counts: Units per arm; the last axis holds the arms (at least 2).
        weights: The planned allocation (any positive scale, normalised here), one per
            arm, broadcast against ``counts``; None for equal allocation.

    Returns:
        An :class:`SRMResult` with the shape of ``counts`` without its last axis.

    Raises:
        DataError: negative or non-finite counts, or fewer than two arms.
        ValidationError: a weight that is not a positive finite number.

    >>> # R: chisq.test(c(5100, 4900)): X-squared = 4, df = 1, p-value = 0.0455
    >>> res = srm([5100, 4900])
    >>> print(f"{res.statistic:.4f} {res.df:.0f} {res.p_value:.4f}")
    4.0000 1 0.0455
    """
    obs = _floats("counts", counts, allow_nan=False)
    if obs.ndim == 0 or obs.shape[-1] < 2:
        raise DataError(
            f"counts has shape {obs.shape}, must hold at least 2 arms on its last axis."
        )
    if (obs < 0).any():
        raise DataError("counts has negative values; counts must be >= 0.")
    if weights is None:
        w = np.ones(obs.shape[-1])
    else:
        try:
            w = np.asarray(weights, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValidationError(f"weights == {weights!r:.80}, must be numbers.") from None
        if not np.all(np.isfinite(w) & (w > 0)):
            raise ValidationError(f"weights == {weights!r:.80}, must be positive finite numbers.")
    try:
        w = np.broadcast_to(w, obs.shape)
    except ValueError:
        raise ValidationError(
            f"weights has shape {np.shape(w)}, must broadcast against counts {obs.shape}."
        ) from None
    total = obs.sum(axis=-1, keepdims=True)
    expected = total * w / w.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.sum((obs - expected) ** 2 / expected, axis=-1)
    stat = np.where(total[..., 0] > 0, stat, np.nan)
    df = np.full_like(stat, obs.shape[-1] - 1.0)
    p = np.asarray(special.chdtrc(df, stat), dtype=np.float64)
    return SRMResult(statistic=stat, df=df, p_value=p, expected=np.array(expected))


# ------------------------------------------------------------------------ segment mix
@dataclass(frozen=True, eq=False)
class SegmentMix(_ReadOnly):
    """Whether the segment mix differs between two arms, per family (row).

    Attributes:
        statistic: Pearson's chi-square of independence of segment and arm.
        df: ``k - 1`` with ``k`` the segments that have units in either arm.
        p_value: ``P(chi2_df >= statistic)``; NaN with fewer than 2 such segments or
            an arm without units.
    """

    statistic: FloatArray
    df: FloatArray
    p_value: FloatArray


def segment_mix(control_n: ArrayLike, variant_n: ArrayLike) -> SegmentMix:
    """Does the segment mix differ between two arms? Pearson's chi-square of segment × arm.

    The ``k x 2`` table of units per segment and arm is tested for independence
    (Pearson's chi-square test of a contingency table, as R's
    ``chisq.test(cbind(control_n, variant_n), correct = FALSE)`` and
    ``scipy.stats.chi2_contingency(..., correction=False)``)::

        E_ij = R_i C_j / N,   X^2 = sum_ij (O_ij - E_ij)^2 / E_ij,   df = k - 1

    with ``R_i`` the segment's units, ``C_j`` the arm's and ``N`` all of them. The test
    does not depend on the allocation ratio: under randomisation every segment splits
    between the arms in the same proportion, whatever that proportion is, so a small
    p-value means the arms' segment mix differs beyond chance. That difference is what
    confounds a pooled comparison and produces Simpson's paradox (Simpson 1951; Bickel,
    Hammel & O'Connell 1975); in a randomised experiment it is a sample-ratio mismatch
    across segments (Fabijan et al. 2019). Segments without units are left out.

    Args:
        control_n: Units per segment in control; the last axis holds the segments.
        variant_n: Units per segment in the variant, broadcast against ``control_n``.

    Returns:
        A :class:`SegmentMix` without the last axis.

    Raises:
        DataError: negative or non-finite counts, or counts that are single numbers.

    >>> # R: chisq.test(cbind(c(87, 263), c(270, 80)), correct = FALSE)
    >>> # X-squared = 191.44, df = 1, p-value < 2.2e-16 (kidney stones: stone size by arm)
    >>> res = segment_mix([87, 263], [270, 80])
    >>> print(f"{res.statistic:.2f} {res.df:.0f} {res.p_value:.3g}")
    191.44 1 1.54e-43
    """
    n0 = _floats("control_n", control_n, allow_nan=False)
    n1 = _floats("variant_n", variant_n, allow_nan=False)
    try:
        n0, n1 = np.broadcast_arrays(n0, n1)
    except ValueError:
        raise DataError(
            f"control_n {n0.shape} and variant_n {n1.shape} do not broadcast."
        ) from None
    if n0.ndim == 0:
        raise DataError("the counts are single numbers; the last axis must hold the segments.")
    if (n0 < 0).any() or (n1 < 0).any():
        raise DataError("the counts have negative values; units must be >= 0.")
    rows = n0 + n1
    used = rows > 0
    c0 = n0.sum(axis=-1, keepdims=True)
    c1 = n1.sum(axis=-1, keepdims=True)
    total = c0 + c1
    with np.errstate(divide="ignore", invalid="ignore"):
        e0 = rows * c0 / total
        e1 = rows * c1 / total
        cells = (n0 - e0) ** 2 / e0 + (n1 - e1) ** 2 / e1
        stat = np.where(used, cells, 0.0).sum(axis=-1)
    k = used.sum(axis=-1)
    ok = (k >= 2) & (c0[..., 0] > 0) & (c1[..., 0] > 0)
    stat = np.where(ok, stat, np.nan)
    df = np.where(ok, k - 1.0, np.nan)
    p = np.asarray(special.chdtrc(df, stat), dtype=np.float64)
    return SegmentMix(
        statistic=np.asarray(stat, dtype=np.float64),
        df=np.asarray(df, dtype=np.float64),
        p_value=p,
    )


# --------------------------------------------------------------------------- pooling
@dataclass(frozen=True, eq=False)
class PooledEffect(_ReadOnly):
    """A pooled (stratified) estimate per row.

    Attributes:
        estimate: The pooled effect.
        se: Its standard error.
        k: The number of segments that entered (int64).
    """

    estimate: FloatArray
    se: FloatArray
    k: IntArray


def _effects(effect: ArrayLike, se: ArrayLike) -> tuple[FloatArray, FloatArray, BoolArray]:
    e = _floats("effect", effect, allow_nan=True)
    s = _floats("se", se, allow_nan=True)
    try:
        e, s = np.broadcast_arrays(e, s)
    except ValueError:
        raise DataError(f"effect {e.shape} and se {s.shape} do not broadcast.") from None
    if e.ndim == 0:
        raise DataError("effect is a single number; the last axis must hold the segments.")
    if (s < 0).any():
        raise DataError("se has negative values; standard errors must be >= 0.")
    valid = ~np.isnan(e) & ~np.isnan(s) & (s > 0)
    return np.where(valid, e, 0.0), np.where(valid, s, np.inf), valid


def _exclusive_sum(a: FloatArray) -> FloatArray:
    """For each position on the last axis, the sum of the others (added, never subtracted)."""
    zero = np.zeros_like(a[..., :1])
    before = np.concatenate([zero, np.cumsum(a, axis=-1)[..., :-1]], axis=-1)
    rev = np.flip(a, axis=-1)
    after = np.flip(np.concatenate([zero, np.cumsum(rev, axis=-1)[..., :-1]], axis=-1), axis=-1)
    return np.asarray(before + after, dtype=np.float64)


def inverse_variance(effect: ArrayLike, se: ArrayLike) -> PooledEffect:
    """The inverse-variance weighted (fixed-effect) pool of segment effects.

    ``estimate = sum(w_i e_i) / sum(w_i)``, ``se = 1 / sqrt(sum(w_i))`` with
    ``w_i = 1 / se_i^2`` (Cochran 1954; statsmodels' ``combine_effects`` fixed effect).
    Segments with a NaN effect or a standard error that is NaN or 0 are left out.

    Args:
        effect: Segment effects; the last axis holds the segments.
        se: Their standard errors, broadcast against ``effect``.

    Returns:
        A :class:`PooledEffect` without the last axis; NaN where no segment is usable.

    >>> res = inverse_variance([1.0, 3.0], [1.0, 1.0])
    >>> float(res.estimate), round(float(res.se), 6), int(res.k)
    (2.0, 0.707107, 2)
    """
    e, s, valid = _effects(effect, se)
    w = 1 / s**2
    total = w.sum(axis=-1)
    k = valid.sum(axis=-1).astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        est = np.where(k > 0, (w * e).sum(axis=-1) / total, np.nan)
        pse = np.where(k > 0, 1 / np.sqrt(total), np.nan)
    return PooledEffect(estimate=est, se=pse, k=k)


def standardized(effect: ArrayLike, se: ArrayLike, weights: ArrayLike) -> PooledEffect:
    """The segment effects averaged with fixed weights (direct standardisation).

    ``estimate = sum(w_i e_i) / sum(w_i)`` and ``se = sqrt(sum(w_i^2 se_i^2)) / sum(w_i)``
    with ``w_i`` the segment's share of the population (its units in both arms). This is
    the effect the whole population would show if every arm had the same segment mix:
    under randomisation it estimates the same quantity as the pooled effect, whatever
    the segments' variances, so a sign reversal between the two points to a segment mix
    that differs between arms (Simpson's paradox) rather than to the weighting.
    Segments with a NaN effect or standard error are left out.

    >>> res = standardized([1.0, 3.0], [1.0, 1.0], [3, 1])
    >>> float(res.estimate), round(float(res.se), 6)
    (1.5, 0.790569)
    """
    e = _floats("effect", effect, allow_nan=True)
    s = _floats("se", se, allow_nan=True)
    w = _floats("weights", weights, allow_nan=False)
    try:
        e, s, w = np.broadcast_arrays(e, s, w)
    except ValueError:
        raise DataError(
            f"effect {e.shape}, se {s.shape} and weights {w.shape} do not broadcast."
        ) from None
    if (w < 0).any():
        raise DataError("weights has negative values; segment weights must be >= 0.")
    valid = ~np.isnan(e) & ~np.isnan(s) & (w > 0)
    w = np.where(valid, w, 0.0)
    total = w.sum(axis=-1)
    k = valid.sum(axis=-1).astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        est = np.where(k > 0, (w * np.where(valid, e, 0.0)).sum(axis=-1) / total, np.nan)
        pse = np.where(
            k > 0, np.sqrt((w**2 * np.where(valid, s, 0.0) ** 2).sum(axis=-1)) / total, np.nan
        )
    return PooledEffect(estimate=est, se=pse, k=k)


# ---------------------------------------------------------------------- heterogeneity
@dataclass(frozen=True, eq=False)
class Heterogeneity(_ReadOnly):
    """Heterogeneity of an effect across segments, per family (row).

    Attributes:
        q: Cochran's Q.
        df: ``k - 1`` with ``k`` the number of usable segments.
        p_value: ``P(chi2_df >= q)``; NaN with fewer than 2 segments.
        i_squared: Higgins & Thompson's I² in [0, 1].
        pooled_effect, pooled_se: The inverse-variance pooled effect of all segments.
        rest_effect, rest_se: For each segment, the pooled effect of the *other*
            segments (shape of ``effect``).
        segment_z: ``(effect - rest_effect) / sqrt(se^2 + rest_se^2)``.
        segment_p_value: Its two-sided normal p-value (not adjusted for multiplicity).
    """

    q: FloatArray
    df: FloatArray
    p_value: FloatArray
    i_squared: FloatArray
    pooled_effect: FloatArray
    pooled_se: FloatArray
    rest_effect: FloatArray
    rest_se: FloatArray
    segment_z: FloatArray
    segment_p_value: FloatArray


def heterogeneity(effect: ArrayLike, se: ArrayLike) -> Heterogeneity:
    """Cochran's Q, I², and each segment against the rest.

    With weights ``w_i = 1 / se_i^2`` and the inverse-variance pooled effect
    ``e_bar = sum(w_i e_i) / sum(w_i)`` (Cochran 1954, "The combination of estimates
    from different experiments"; Higgins & Thompson 2002, "Quantifying heterogeneity in
    a meta-analysis")::

        Q   = sum_i w_i (e_i - e_bar)^2      ~ chi2 with k - 1 df if the effect is common
        I^2 = max(0, (Q - (k - 1)) / Q)       the share of variation beyond chance

    Each segment against the rest compares its effect with the inverse-variance pool of
    the other segments, which is independent of it::

        e_rest,i = sum_{j != i} w_j e_j / sum_{j != i} w_j,   Var = 1 / sum_{j != i} w_j
        z_i      = (e_i - e_rest,i) / sqrt(se_i^2 + 1 / sum_{j != i} w_j)

    with a two-sided normal p-value. With two segments ``z_i^2 == Q``. Segments with a
    NaN effect or an se that is NaN or 0 are left out.

    Args:
        effect: Segment effects; the last axis holds the segments.
        se: Their standard errors, broadcast against ``effect``.

    Returns:
        A :class:`Heterogeneity`; family-level fields drop the last axis.

    >>> res = heterogeneity([0.1, 0.3, -0.2], [0.1, 0.1414213562, 0.2])
    >>> print(f"{res.q:.4f} {res.i_squared:.4f} {res.p_value:.4f}")
    4.2143 0.5254 0.1216
    """
    e, s, valid = _effects(effect, se)
    w = 1 / s**2
    we = w * e
    k = valid.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        total = w.sum(axis=-1)
        pooled = we.sum(axis=-1) / total
        q = np.sum(w * (e - pooled[..., None]) ** 2, axis=-1)
        enough = k >= 2
        q = np.where(enough, q, np.nan)
        df = np.where(enough, k - 1.0, np.nan)
        p = np.asarray(special.chdtrc(df, q), dtype=np.float64)
        i2 = np.where(q > df, (q - df) / q, 0.0)
        i2 = np.where(enough, i2, np.nan)
        pooled = np.where(k > 0, pooled, np.nan)
        pooled_se = np.where(k > 0, 1 / np.sqrt(total), np.nan)

        w_rest = _exclusive_sum(w)
        rest = _exclusive_sum(we) / w_rest
        rest_se = 1 / np.sqrt(w_rest)
        has_rest = w_rest > 0
        rest = np.where(has_rest, rest, np.nan)
        rest_se = np.where(has_rest, rest_se, np.nan)
        z = (e - rest) / np.sqrt(s**2 + rest_se**2)
        z = np.where(valid & has_rest, z, np.nan)
        zp = 2 * special.ndtr(-np.abs(z))
    return Heterogeneity(
        q=np.asarray(q, dtype=np.float64),
        df=np.asarray(df, dtype=np.float64),
        p_value=p,
        i_squared=np.asarray(i2, dtype=np.float64),
        pooled_effect=np.asarray(pooled, dtype=np.float64),
        pooled_se=np.asarray(pooled_se, dtype=np.float64),
        rest_effect=np.asarray(rest, dtype=np.float64),
        rest_se=np.asarray(rest_se, dtype=np.float64),
        segment_z=np.asarray(z, dtype=np.float64),
        segment_p_value=np.asarray(zp, dtype=np.float64),
    )


# ---------------------------------------------------------------------------- Simpson
def mantel_haenszel_difference(control: ProportionStats, variant: ProportionStats) -> PooledEffect:
    """The Mantel–Haenszel common risk difference across segments, with Sato's variance.

    Per segment ``i`` with ``n1`` variant units, ``a`` variant successes, ``n0``, ``c``
    the control's and ``N = n0 + n1`` (Greenland & Robins 1985, "Estimation of a common
    effect parameter from sparse follow-up data"; Sato 1989, "On the variance estimator
    for the Mantel-Haenszel risk difference")::

        RD_MH = sum_i w_i (a/n1 - c/n0) / sum_i w_i,   w_i = n1 n0 / N
        P_i   = (n1^2 c - n0^2 a + n1 n0 (n0 - n1) / 2) / N^2
        Q_i   = (a (n0 - c) + c (n1 - a)) / (2 N)
        Var   = (RD_MH sum_i P_i + sum_i Q_i) / (sum_i w_i)^2

    Unlike the inverse-variance pool it stays defined when a segment has 0% or 100% in
    both arms. Segments with an empty arm get weight 0.

    Args:
        control: Control counts; the last axis holds the segments.
        variant: Variant counts, same shape.

    Returns:
        A :class:`PooledEffect` (variant minus control) without the last axis.

    >>> c = ProportionStats([100, 200], [10, 40])
    >>> v = ProportionStats([100, 200], [15, 44])
    >>> print(f"{mantel_haenszel_difference(c, v).estimate:.4f}")
    0.0300
    """
    n0, c, n1, a = _proportion_arrays(control, variant)
    big_n = n0 + n1
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(big_n > 0, n1 * n0 / big_n, 0.0)
        used = w > 0
        d = np.where(used, a / n1 - c / n0, 0.0)
        total = w.sum(axis=-1)
        rd = (w * d).sum(axis=-1) / total
        p_i = np.where(used, (n1**2 * c - n0**2 * a + n1 * n0 * (n0 - n1) / 2) / big_n**2, 0.0)
        q_i = np.where(used, (a * (n0 - c) + c * (n1 - a)) / (2 * big_n), 0.0)
        var = (rd * p_i.sum(axis=-1) + q_i.sum(axis=-1)) / total**2
        k = used.sum(axis=-1).astype(np.int64)
        rd = np.where(k > 0, rd, np.nan)
        se = np.where(k > 0, np.sqrt(np.maximum(var, 0.0)), np.nan)
    return PooledEffect(estimate=rd, se=se, k=k)


def _proportion_arrays(
    control: ProportionStats, variant: ProportionStats
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    for name, arm in (("control", control), ("variant", variant)):
        if not isinstance(arm, ProportionStats):
            raise ValidationError(f"{name} == {type(arm).__name__}, must be ProportionStats.")
    try:
        n0, c, n1, a = np.broadcast_arrays(
            control.n, control.successes, variant.n, variant.successes
        )
    except ValueError:
        raise ValidationError(
            f"control {control.n.shape} and variant {variant.n.shape} do not broadcast."
        ) from None
    if n0.ndim == 0:
        raise DataError("the counts are single numbers; the last axis must hold the segments.")
    return n0, c, n1, a


@dataclass(frozen=True, eq=False)
class Simpson(_ReadOnly):
    """Pooled (unstratified) against stratified effect, per family (row).

    Attributes:
        pooled_effect: The effect with segments ignored (the ``"(all)"`` comparison).
        pooled_se: Its standard error (NaN when not given to :func:`simpson`).
        stratified_effect: The effect within segments: Mantel–Haenszel for proportions,
            population-weighted (or inverse-variance weighted) otherwise.
        stratified_se: Its standard error.
        inverse_variance_effect, inverse_variance_se: The inverse-variance pool (the
            same as ``stratified_*`` when :func:`simpson` has no weights).
        reversed: Whether ``pooled_effect`` and ``stratified_effect`` have strictly
            opposite signs. It does not need every segment to flip, and on its own it
            can be noise: :meth:`paradox` says when it is worth reporting.
        opposite_segments: How many usable segments have an effect of the sign opposite
            to ``pooled_effect`` (int64).
        segments: How many segments entered the stratified estimate (int64).
        mix_statistic, mix_df, mix_p_value: Pearson's chi-square of segment × arm
            (:func:`segment_mix`): whether the arms' segment mix differs. NaN when the
            arms' units per segment are not known.
    """

    pooled_effect: FloatArray
    pooled_se: FloatArray
    stratified_effect: FloatArray
    stratified_se: FloatArray
    inverse_variance_effect: FloatArray
    inverse_variance_se: FloatArray
    reversed: BoolArray
    opposite_segments: IntArray
    segments: IntArray
    mix_statistic: FloatArray
    mix_df: FloatArray
    mix_p_value: FloatArray

    def paradox(self, alpha: float = 0.05, mix_alpha: float = 0.001) -> BoolArray:
        """Whether the reversal is Simpson's paradox to report, not two numbers of noise.

        Simpson's paradox is a reversal between the pooled effect and the
        segment-stratified effect that arises because the arms have a different segment
        mix: the pooled comparison then measures the mix as well as the treatment
        (Simpson 1951, "The interpretation of interaction in contingency tables";
        Bickel, Hammel & O'Connell 1975, "Sex bias in graduate admissions"; Julious &
        Mullee 1994, "Confounding and Simpson's paradox", on the kidney-stone trial of
        Charig et al. 1986). A reversal alone is not enough: near a null effect the two
        estimates are noisy numbers around zero and have opposite signs by chance (in
        about one A/A experiment in ten when the segments' baselines differ). The
        reversal is reported when it is real, that is when ``reversed`` and at least one
        of:

        * the segment mix differs between the arms beyond chance,
          ``mix_p_value < mix_alpha`` (:func:`segment_mix`). The default, 0.001, is the
          usual sample-ratio alarm level (Fabijan et al. 2019): in a randomised
          experiment a mix that differs at that level is a broken split, and outside one
          it is the confounding that makes the pooled number misleading;
        * the pooled or the stratified effect is nominally significant,
          ``|effect / se| >= z_{1 - alpha/2}``: the two numbers are not both noise
          around zero, and reading the pooled one alone misleads.

        Under a null effect with balanced randomisation both conditions are rare events,
        so a false alarm needs a chance reversal *and* one of them.

        Args:
            alpha: The level of the effects' two-sided significance.
            mix_alpha: The level of the segment-mix chi-square.

        Returns:
            A boolean array with the shape of ``reversed``.

        Raises:
            ValidationError: a level outside (0, 1).
        """
        z = critical_z(check_open_unit("alpha", alpha), "two-sided")
        mix_alpha = check_open_unit("mix_alpha", mix_alpha)
        with np.errstate(divide="ignore", invalid="ignore"):
            loud = (np.abs(self.pooled_effect / self.pooled_se) >= z) & (self.pooled_se > 0)
            loud |= (np.abs(self.stratified_effect / self.stratified_se) >= z) & (
                self.stratified_se > 0
            )
        mixed = self.mix_p_value < mix_alpha
        return np.asarray(self.reversed & (mixed | loud), dtype=bool)


def _simpson(
    pooled: FloatArray,
    pooled_se: FloatArray,
    stratified: PooledEffect,
    iv: PooledEffect,
    effect: FloatArray,
    valid: BoolArray,
    mix: SegmentMix | None,
) -> Simpson:
    shape = stratified.estimate.shape
    pooled = np.broadcast_to(pooled, shape)
    sign = np.sign(pooled)
    reversed_ = (sign * np.sign(stratified.estimate)) < 0
    opposite = ((np.sign(effect) * sign[..., None] < 0) & valid).sum(axis=-1)
    nan = np.full(shape, np.nan)
    return Simpson(
        pooled_effect=np.array(pooled, dtype=np.float64),
        pooled_se=np.array(np.broadcast_to(pooled_se, shape), dtype=np.float64),
        stratified_effect=np.array(stratified.estimate),
        stratified_se=np.array(stratified.se),
        inverse_variance_effect=np.array(iv.estimate),
        inverse_variance_se=np.array(iv.se),
        reversed=np.asarray(reversed_, dtype=bool),
        opposite_segments=np.asarray(opposite, dtype=np.int64),
        segments=np.array(stratified.k),
        mix_statistic=nan if mix is None else np.array(np.broadcast_to(mix.statistic, shape)),
        mix_df=nan if mix is None else np.array(np.broadcast_to(mix.df, shape)),
        mix_p_value=nan if mix is None else np.array(np.broadcast_to(mix.p_value, shape)),
    )


def simpson(
    pooled_effect: ArrayLike,
    effect: ArrayLike,
    se: ArrayLike,
    weights: ArrayLike | None = None,
    *,
    pooled_se: ArrayLike | None = None,
    control_n: ArrayLike | None = None,
    variant_n: ArrayLike | None = None,
) -> Simpson:
    """Simpson's paradox check for means and ratios: pooled against stratified effect.

    The stratified effect is the population-weighted average of the segment effects
    (:func:`standardized`) when ``weights`` (the segments' units) are given, and the
    inverse-variance pool (:func:`inverse_variance`) otherwise; ``reversed`` says whether
    it and the pooled (unstratified) effect have strictly opposite signs, whatever the
    individual segments do. With population weights the two estimate the same quantity
    when the arms have the same segment mix, so a reversal points to a mix that differs;
    with inverse-variance weights it can also come from effects and variances that
    differ between segments. With the arms' units per segment the segment mix is tested
    (:func:`segment_mix`), and :meth:`Simpson.paradox` says whether the reversal is
    worth reporting.

    Args:
        pooled_effect: The unstratified effect of each family (the ``"(all)"`` row).
        effect: Segment effects; the last axis holds the segments.
        se: Their standard errors.
        weights: The segments' sizes (units in both arms), for a standardised effect.
            Prefer them: inverse-variance weights differ from population weights when
            segments differ in variance, and can flip the sign of a heterogeneous effect
            with no Simpson's paradox at all.
        pooled_se: The standard error of ``pooled_effect`` (for :meth:`Simpson.paradox`).
        control_n: Units per segment in control (shape of ``effect``), for the
            segment-mix test; give ``variant_n`` with it.
        variant_n: Units per segment in the variant.

    Returns:
        A :class:`Simpson` without the last axis.

    >>> res = simpson(0.5, [-0.2, -0.1, 0.3], [0.1, 0.1, 0.3])
    >>> bool(res.reversed), int(res.opposite_segments)
    (True, 2)
    >>> # The variant got mostly the segment with high values: the mix differs.
    >>> res = simpson(0.5, [-0.3, -0.1, 0.3], [0.1, 0.1, 0.3], [900, 1100, 1000],
    ...               pooled_se=0.4, control_n=[600, 300, 500], variant_n=[300, 800, 500])
    >>> print(f"{res.stratified_effect:.3f} {res.mix_p_value:.2g} {res.paradox()}")
    -0.027 3.3e-69 True
    """
    pooled = _floats("pooled_effect", pooled_effect, allow_nan=True)
    e, _, valid = _effects(effect, se)
    iv = inverse_variance(effect, se)
    try:
        np.broadcast_shapes(pooled.shape, iv.estimate.shape)
    except ValueError:
        raise DataError(
            f"pooled_effect has shape {pooled.shape}, must match the families {iv.estimate.shape}."
        ) from None
    pse = np.full(iv.estimate.shape, np.nan)
    if pooled_se is not None:
        pse = _floats("pooled_se", pooled_se, allow_nan=True)
        if (pse < 0).any():
            raise DataError("pooled_se has negative values; standard errors must be >= 0.")
    if (control_n is None) != (variant_n is None):
        raise ValidationError("control_n and variant_n go together: give both or neither.")
    mix = None if control_n is None else segment_mix(control_n, variant_n)  # type: ignore[arg-type]
    stratified = iv if weights is None else standardized(effect, se, weights)
    return _simpson(pooled, pse, stratified, iv, e, valid, mix)


def simpson_proportions(control: ProportionStats, variant: ProportionStats) -> Simpson:
    """Simpson's paradox check for proportions, from the segments' counts.

    The pooled effect is the difference of the overall rates,
    ``sum(a) / sum(n1) - sum(c) / sum(n0)``, with its unpooled (Wald) standard error;
    the stratified effect is the Mantel–Haenszel risk difference
    (:func:`mantel_haenszel_difference`), and the segment mix is tested on the arms'
    units (:func:`segment_mix`). The inverse-variance pool of the segments' differences
    (Wald variances; segments with a zero variance left out) is reported beside it.

    Args:
        control: Control counts; the last axis holds the segments.
        variant: Variant counts, same shape.

    Returns:
        A :class:`Simpson` without the last axis; ``reversed`` compares the pooled
        effect with the Mantel–Haenszel one, and :meth:`Simpson.paradox` says whether
        it is worth reporting.

    >>> # The overall rate favours the variant only because it got more "easy" units.
    >>> c = ProportionStats([800, 200], [80, 120])
    >>> v = ProportionStats([200, 800], [16, 440])
    >>> res = simpson_proportions(c, v)
    >>> print(f"{res.pooled_effect:.3f} {res.stratified_effect:.3f} {res.reversed}")
    0.256 -0.035 True
    >>> bool(res.paradox())  # the mix differs: chi-square p < 0.001
    True
    """
    n0, c, n1, a = _proportion_arrays(control, variant)
    with np.errstate(divide="ignore", invalid="ignore"):
        big_n0, big_n1 = n0.sum(axis=-1), n1.sum(axis=-1)
        all0, all1 = c.sum(axis=-1) / big_n0, a.sum(axis=-1) / big_n1
        pooled = all1 - all0
        pooled_se = np.sqrt(all0 * (1 - all0) / big_n0 + all1 * (1 - all1) / big_n1)
        p0, p1 = c / n0, a / n1
        effect = p1 - p0
        se = np.sqrt(p0 * (1 - p0) / n0 + p1 * (1 - p1) / n1)
    iv = inverse_variance(effect, se)
    mh = mantel_haenszel_difference(control, variant)
    _, _, valid = _effects(effect, se)
    valid = valid | ((n0 > 0) & (n1 > 0))
    return _simpson(
        pooled,
        pooled_se,
        mh,
        iv,
        np.where(np.isnan(effect), 0.0, effect),
        valid,
        segment_mix(n0, n1),
    )
