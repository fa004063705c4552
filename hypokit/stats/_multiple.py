"""Multiple-testing adjustment of p-values, as R's ``p.adjust``.

The pure statistics core: numpy only. NaN p-values (rows that could not be tested)
stay NaN and do not count in the family, as R does with ``NA``.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from hypokit._errors import DataError, ValidationError
from hypokit._validate import check_choice

__all__ = ["ADJUST_METHODS", "AdjustMethod", "p_adjust"]

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
