"""Multiple-testing adjustment of p-values, as R's ``p.adjust``, and matching intervals.

The pure statistics core: numpy only. NaN p-values (rows that could not be tested)
stay NaN and do not count in the family, as R does with ``NA``.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hypokit._errors import DataError, ValidationError
from hypokit._validate import check_choice, check_open_unit

__all__ = ["ADJUST_METHODS", "AdjustMethod", "interval_levels", "p_adjust"]

AdjustMethod = Literal["holm", "bonferroni", "bh"]

ADJUST_METHODS: tuple[AdjustMethod | None, ...] = ("holm", "bonferroni", "bh", None)


def _adjust_family(p: NDArray[np.float64], method: AdjustMethod) -> NDArray[np.float64]:
    """Adjust one 1-D family; NaN entries stay NaN and are left out of the count."""
    out = p.copy()
    ok = ~np.isnan(p)
    q = p[ok]
    m = q.size
    if m == 0:
        return out
    if method == "bonferroni":
        adj = np.minimum(1.0, m * q)
    elif method == "holm":
        order = np.argsort(q, kind="stable")
        steps = m - np.arange(m)  # m, m - 1, ..., 1
        adj = np.empty_like(q)
        adj[order] = np.minimum(1.0, np.maximum.accumulate(steps * q[order]))
    else:
        order = np.argsort(q, kind="stable")[::-1]
        ranks = np.arange(m, 0, -1)  # m, m - 1, ..., 1 for the p-values in decreasing order
        adj = np.empty_like(q)
        adj[order] = np.minimum(1.0, np.minimum.accumulate(m / ranks * q[order]))
    out[ok] = adj
    return out


def p_adjust(
    p: ArrayLike,
    method: AdjustMethod | None = "holm",
    *,
    axis: int | None = None,
) -> NDArray[np.float64]:
    """P-values adjusted for multiple testing, as R's ``p.adjust(p, method)``.

    With ``m`` the number of non-NaN p-values in a family and ``p_(1) <= ... <= p_(m)``
    their order statistics:

    - ``"bonferroni"``: ``min(1, m p_i)``.
    - ``"holm"`` (Holm 1979, "A simple sequentially rejective multiple test procedure"):
      ``p~_(i) = min(1, max_{j <= i} (m - j + 1) p_(j))``; controls the family-wise
      error rate like Bonferroni and is never larger.
    - ``"bh"`` (Benjamini & Hochberg 1995, "Controlling the false discovery rate"):
      ``p~_(i) = min(1, min_{j >= i} m p_(j) / j)``; controls the false discovery rate
      (R's ``"BH"``/``"fdr"``, statsmodels' ``"fdr_bh"``) and is never larger than Holm.
    - ``None``: the p-values unchanged (R's ``"none"``).

    Rejecting where the adjusted p-value is at most ``alpha`` is the procedure at level
    ``alpha``.

    Args:
        p: P-values in [0, 1]; NaN marks a test that was not run.
        method: ``"holm"``, ``"bonferroni"``, ``"bh"`` or None.
        axis: None (default) adjusts the whole array as one family; an integer adjusts
            each 1-D slice along that axis as its own family.

    Returns:
        A new float array of the shape of ``p``; NaN where ``p`` is NaN.

    Raises:
        DataError: a p-value outside [0, 1] or infinite.
        ValidationError: an unknown ``method`` or a bad ``axis``.

    >>> p = [0.01, float("nan"), 0.04, 0.03, 0.005, 0.2]
    >>> # R: p.adjust(c(0.01, NA, 0.04, 0.03, 0.005, 0.2), "holm")
    >>> p_adjust(p, "holm").round(6).tolist()
    [0.04, nan, 0.09, 0.09, 0.025, 0.2]
    >>> # R: p.adjust(c(0.01, NA, 0.04, 0.03, 0.005, 0.2), "BH")
    >>> p_adjust(p, "bh").round(6).tolist()
    [0.025, nan, 0.05, 0.05, 0.025, 0.2]
    """
    method = check_choice("method", method, ADJUST_METHODS)
    try:
        arr = np.array(p, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"p == {p!r:.80}, must be numbers.") from None
    bad = np.isinf(arr) | (arr < 0) | (arr > 1)
    if bad.any():
        shown = arr[bad][:5].tolist()
        raise DataError(f"p has values {shown} outside [0, 1]; p-values must be in [0, 1].")
    if method is None:
        return arr
    if axis is None:
        return _adjust_family(arr.ravel(), method).reshape(arr.shape)
    if isinstance(axis, bool) or not isinstance(axis, int) or not -arr.ndim <= axis < arr.ndim:
        raise ValidationError(f"axis == {axis!r}, must be None or an axis of p (ndim {arr.ndim}).")
    adjusted: Any = np.apply_along_axis(_adjust_family, axis, arr, method)
    return np.asarray(adjusted, dtype=np.float64)


def interval_levels(
    p: ArrayLike, method: AdjustMethod | None = "holm", alpha: float = 0.05
) -> NDArray[np.float64]:
    """The level of each row's confidence interval, so that it agrees with the correction.

    An interval at level ``a`` (coverage ``1 - a``) excludes the null value exactly when
    the row's p-value is below ``a``. The levels returned make every interval exclude
    the null value exactly when the row's adjusted p-value (:func:`p_adjust`) is below
    ``alpha``, so a table never shows an interval that excludes 0 beside "not
    significant", or the reverse. With ``m`` the number of non-NaN p-values:

    - ``None``: ``alpha`` for every row (unadjusted intervals).
    - ``"bonferroni"``: ``alpha / m`` for every row: simultaneous intervals, which cover
      all ``m`` effects at once with probability at least ``1 - alpha`` (Bonferroni's
      inequality; Dunn 1961, "Multiple comparisons among means").
    - ``"bh"``: ``R alpha / m`` for every row, ``R`` the number of rows the
      Benjamini–Hochberg procedure rejects at ``alpha`` (``1`` when it rejects none):
      the false-coverage-rate adjusted intervals of Benjamini & Yekutieli (2005, "False
      discovery rate-adjusted multiple confidence intervals for selected parameters",
      JASA 100(469)). Over the rows selected as significant, the expected share of
      intervals that miss their effect is at most ``alpha`` (independent or positively
      dependent tests). The rows not selected take the same level, so one level serves
      the whole table.
    - ``"holm"``: ``alpha / m`` (Bonferroni's level) for every row, except the rows that
      Holm's step-down procedure rejects although their p-value is at least
      ``alpha / m``: the ``j``-th smallest p-value then takes the level of the step that
      rejected it, ``alpha / (m - j + 1)``. No interval of fixed width per row can
      agree with every decision of a step-down procedure and cover all effects at once
      (Strassburger & Bretz 2008, "Compatible simultaneous lower confidence bounds for
      the Holm procedure and other Bonferroni-based closed tests", Statistics in
      Medicine 27(24), whose compatible bounds collapse to 0 for the rejected rows).
      These intervals agree with Holm's decisions; together they miss an effect of 0
      with probability at most ``alpha`` (Holm's family-wise error rate), and they are
      Bonferroni's simultaneous intervals wherever Holm and Bonferroni decide alike.
      Use ``"bonferroni"`` when every interval must cover its effect at once.

    NaN p-values (rows that were not tested) get NaN.

    Args:
        p: P-values in [0, 1], one family (any shape; NaN for rows not tested).
        method: ``"holm"``, ``"bonferroni"``, ``"bh"`` or None.
        alpha: The family's significance level, in (0, 1).

    Returns:
        An array of levels, the shape of ``p``.

    >>> interval_levels([0.001, 0.02, 0.3], "bonferroni").round(6).tolist()
    [0.016667, 0.016667, 0.016667]
    >>> # Holm rejects 0.001 (< 0.05/3) and then 0.02 (< 0.05/2): 0.02 takes step 2's level.
    >>> interval_levels([0.001, 0.02, 0.3], "holm").round(6).tolist()
    [0.016667, 0.025, 0.016667]
    >>> # BH rejects two of three: level 2 * 0.05 / 3.
    >>> interval_levels([0.001, 0.02, 0.3], "bh").round(6).tolist()
    [0.033333, 0.033333, 0.033333]
    """
    method = check_choice("method", method, ADJUST_METHODS)
    alpha = check_open_unit("alpha", alpha)
    adjusted = p_adjust(p, method)
    arr = np.array(p, dtype=np.float64)
    ok = ~np.isnan(arr)
    out = np.full(arr.shape, np.nan)
    m = int(ok.sum())
    if m == 0:
        return out
    if method is None:
        out[ok] = alpha
        return out
    if method == "bonferroni":
        out[ok] = alpha / m
        return out
    if method == "bh":
        rejected = int((adjusted[ok] < alpha).sum())
        out[ok] = max(rejected, 1) * alpha / m
        return out
    q = arr[ok]
    level = np.full(q.shape, alpha / m)
    order = np.argsort(q, kind="stable")
    rank = np.empty(m, dtype=np.int64)
    rank[order] = np.arange(1, m + 1)
    holm_only = (adjusted[ok] < alpha) & (q >= alpha / m)
    level[holm_only] = alpha / (m - rank[holm_only] + 1)
    out[ok] = level
    return out
