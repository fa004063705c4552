"""Two-sample comparisons (variant against control) computed from sufficient statistics.

The pure statistics core of the analysis: numpy and scipy only, arrays in, arrays out.
Each comparison takes the sufficient statistics of the two arms (counts, sums, sums of
squares and cross-products; never unit-level data) as arrays with one element per
comparison, so that one call handles every (segment, metric, variant) row at once.

Letters name the per-unit variables throughout:

- ``y``: the metric (the numerator of a ratio metric);
- ``x``: the denominator of a ratio metric (``sum(y) / sum(x)``);
- ``c``: the pre-experiment covariate of CUPED (the numerator of a covariate ratio);
- ``d``: the denominator of a covariate ratio.

So ``sum_y2`` is the sum of ``y**2`` and ``sum_yc`` the sum of ``y * c`` over the units
of one arm. Sums are additive: the statistics of two disjoint groups of units add up to
the statistics of their union (``a + b``).

Shifted sums. Each variable may come with a shift ``K`` (``shift_y``, ``shift_c``, ...;
0 by default), and then its sums are of ``y - K``: ``sum_y`` is the sum of ``y - K_y``,
``sum_yc`` the sum of ``(y - K_y) (c - K_c)``. Means are ``K + sum / n``; variances and
covariances do not depend on the shifts. Raw sums of squares of values far from 0
relative to their spread (``1e6 + N(0, 5)``, epoch milliseconds) lose the variance to
rounding (``sum_y2 - sum_y**2 / n`` cancels about ``(mean / sd)**2`` times over); sums
about a shift near the data keep it to double precision, the "shifted data" algorithm
of Chan, Golub & LeVeque (1983, "Algorithms for computing the sample variance", The
American Statistician 37(3)). Statistics about different shifts are moved to one shift
exactly before they are added (:meth:`MeanStats.with_shifts`), and differences of means
and ratios are computed from the shifted means, so that an effect of 0.1 between two
means of 1e12 keeps all its digits.

Rows that cannot be computed (an arm with too few units, no variance, a zero
denominator) do not raise: their numbers come back as NaN and ``reason`` says why,
as bit flags of :class:`Reason`. Bad inputs (negative counts, non-finite sums, sums of
squares that no data can produce) raise :class:`~hypokit.DataError`; bad options raise
:class:`~hypokit.ValidationError`.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Literal, Self, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from hypokit._errors import DataError, ValidationError
from hypokit._validate import check_choice, check_open_unit
from hypokit.stats._power import ALTERNATIVES, Alternative

__all__ = [
    "LIFT_METHODS",
    "THETA_POOLINGS",
    "Comparison",
    "FloatArray",
    "LiftMethod",
    "MeanStats",
    "ProportionStats",
    "RatioStats",
    "Reason",
    "ThetaPooling",
    "compare_means",
    "compare_proportions",
    "compare_ratios",
    "describe_reason",
    "fieller_ratio",
    "lift_from_ratio",
]

FloatArray: TypeAlias = NDArray[np.float64]
BoolArray: TypeAlias = NDArray[np.bool_]
IntArray: TypeAlias = NDArray[np.int64]

LiftMethod = Literal["auto", "delta", "log", "fieller"]
ThetaPooling = Literal["total", "within"]

LIFT_METHODS: tuple[LiftMethod, ...] = ("auto", "delta", "log", "fieller")
THETA_POOLINGS: tuple[ThetaPooling, ...] = ("total", "within")

#: A variance below this fraction of the mean square is rounding noise of the sums: 0.
_ZERO_RTOL = 1e-10


class Reason(enum.IntFlag):
    """Why numbers of a comparison row are missing or qualified (bit flags; 0 is none).

    A row's ``reason`` may combine several flags: test one with
    ``reason & Reason.ZERO_VARIANCE``; :func:`describe_reason` turns a code into
    plain-language sentences.
    """

    NONE = 0
    #: An arm has too few units for a variance (n < 2; n < 1 for proportions).
    #: Standard error, interval, statistic and p-value are NaN (the means too if n == 0).
    TOO_FEW_UNITS = 1
    #: Both arms are constant (or vary less than the sums can resolve, 1e-10 of the
    #: mean square): the standard error is 0, so no test or interval exists.
    ZERO_VARIANCE = 2
    #: The denominator of a ratio metric sums to 0 in an arm: the ratio is undefined.
    ZERO_DENOMINATOR = 4
    #: The control mean is 0: the relative lift and its interval are NaN.
    ZERO_CONTROL_MEAN = 8
    #: ``lift_method="log"`` needs both means non-zero and of the same sign: the lift
    #: interval is NaN (the lift itself is reported).
    LOG_UNDEFINED = 16
    #: ``lift_method="fieller"``: the control mean is not distinguishable from 0 at this
    #: level, the Fieller set is unbounded and the lift interval is (-inf, inf).
    LIFT_UNBOUNDED = 32
    #: The CUPED covariate has no variance (or its denominator sums to 0): the row is
    #: not adjusted (theta = 0).
    COVARIATE_UNUSABLE = 64
    #: With ZERO_VARIANCE: the sums were not exactly those of constant values, so the
    #: metric may vary less than its sums can resolve (values far from the shift of the
    #: sums relative to their spread: raw sums of ``1e6 + N(0, 5)``), rather than not
    #: at all. Statistics about a shift near the data (``hk.aggregate``) resolve it.
    UNRESOLVED = 128


_REASON_TEXT: dict[Reason, str] = {
    Reason.TOO_FEW_UNITS: "an arm has too few units to estimate a variance",
    Reason.ZERO_VARIANCE: "the metric does not vary in either arm, so there is nothing to test",
    Reason.ZERO_DENOMINATOR: "the denominator of the ratio sums to 0 in an arm",
    Reason.ZERO_CONTROL_MEAN: "the control mean is 0, so a relative lift is undefined",
    Reason.LOG_UNDEFINED: (
        "the log-ratio interval for the lift needs both means non-zero and of the same sign"
    ),
    Reason.LIFT_UNBOUNDED: (
        "the control mean is not distinguishable from 0, so the lift interval is unbounded"
    ),
    Reason.COVARIATE_UNUSABLE: (
        "the covariate does not vary (or its denominator is 0), so CUPED was not applied"
    ),
}

#: ZERO_VARIANCE's sentence when UNRESOLVED qualifies it.
_UNRESOLVED_TEXT = (
    "the metric does not vary in either arm, or varies less than its sums can resolve (its "
    "values sit far from 0, or from the shift of its sums, relative to their spread: "
    "aggregate with hk.aggregate, or pass shifts= to hk.aggregate_sql)"
)


def describe_reason(code: int) -> tuple[str, ...]:
    """Plain-language sentences for the flags set in one ``reason`` code.

    >>> describe_reason(Reason.ZERO_CONTROL_MEAN | Reason.TOO_FEW_UNITS)
    ('an arm has too few units to estimate a variance', 'the control mean is 0, so a relative lift is undefined')
    """  # noqa: E501
    code = int(code)
    return tuple(
        _UNRESOLVED_TEXT if flag == Reason.ZERO_VARIANCE and code & Reason.UNRESOLVED else text
        for flag, text in _REASON_TEXT.items()
        if code & flag
    )


# ------------------------------------------------------------------------------ helpers
def _flag(mask: ArrayLike, flag: Reason) -> IntArray:
    """``flag`` where ``mask`` is true, else 0, as int64 codes."""
    return np.asarray(mask, dtype=bool).astype(np.int64) * int(flag)


def _where(mask: BoolArray) -> str:
    """The positions where ``mask`` is true, for an error message (at most five)."""
    if mask.ndim == 0:
        return "the only row"
    idx = np.argwhere(mask)
    shown: list[object] = [
        int(i[0]) if mask.ndim == 1 else tuple(int(j) for j in i) for i in idx[:5]
    ]
    more = f" and {len(idx) - 5} more" if len(idx) > 5 else ""
    return f"rows {shown}{more}"


def _as_array(name: str, value: ArrayLike) -> FloatArray:
    """``value`` as a float array of finite numbers, or a DataError naming the rows."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(f"{name} == {value!r:.80}, must be numbers.") from None
    bad = ~np.isfinite(arr)
    if bad.any():
        raise DataError(
            f"{name} has missing or infinite values at {_where(bad)}; sufficient "
            "statistics must be finite numbers."
        )
    return arr


def _init_stats(obj: object, values: dict[str, ArrayLike | None]) -> None:
    """Set the fields of a statistics dataclass: finite float arrays of one shape."""
    arrays = {k: None if v is None else _as_array(k, v) for k, v in values.items()}
    given = {k: a for k, a in arrays.items() if a is not None}
    try:
        shape = np.broadcast_shapes(*(a.shape for a in given.values()))
    except ValueError:
        shapes = ", ".join(f"{k} {a.shape}" for k, a in given.items())
        raise DataError(f"the statistics have shapes that do not broadcast: {shapes}.") from None
    for k, a in arrays.items():
        if a is not None:
            a = np.array(np.broadcast_to(a, shape))
            a.setflags(write=False)
        object.__setattr__(obj, k, a)


def _check_nonnegative(name: str, arr: FloatArray, what: str) -> None:
    bad = arr < 0
    if bad.any():
        raise DataError(f"{name} has negative values at {_where(bad)}; {what} must be >= 0.")


def _group(names: tuple[str, ...], values: dict[str, ArrayLike | None], role: str) -> bool:
    """Whether the all-or-none group of statistics ``names`` is given."""
    present = [n for n in names if values[n] is not None]
    if present and len(present) != len(names):
        missing = [n for n in names if values[n] is None]
        raise ValidationError(
            f"{', '.join(missing)} == None, must be given with {', '.join(present)} "
            f"(the {role} needs all of {', '.join(names)})."
        )
    return bool(present)


def _add_fields(a: object, b: object, skip_shifts: bool = False) -> dict[str, Any]:
    """Field-wise sum of two statistics objects of one class (None stays None).

    ``skip_shifts`` leaves the ``shift_*`` fields out (the caller sets them).
    """
    _same_kind(a, b)
    out: dict[str, Any] = {}
    for f in fields(a):  # type: ignore[arg-type]
        x, y = getattr(a, f.name), getattr(b, f.name)
        if skip_shifts and f.name.startswith("shift_"):
            continue
        out[f.name] = None if x is None else x + y
    return out


def _same_kind(a: object, b: object) -> None:
    """Refuse to add statistics of two kinds, or with covariates on one side only."""
    if type(a) is not type(b):
        raise ValidationError(
            f"cannot add {type(b).__name__} to {type(a).__name__}; add statistics of one kind."
        )
    for f in fields(a):  # type: ignore[arg-type]
        if (getattr(a, f.name) is None) != (getattr(b, f.name) is None):
            raise ValidationError(
                f"{f.name} is given on one side only; both statistics need the same covariates."
            )


def _sum(values: FloatArray | None) -> float | None:
    return None if values is None else float(np.sum(values))


def _dot(a: FloatArray | None, b: FloatArray | None) -> float | None:
    return None if a is None or b is None else float(np.sum(a * b))


def _shift_of(name: str, shift: ArrayLike | None, present: bool) -> ArrayLike | None:
    """A variable's shift: 0 when not given, refused for a variable that is absent."""
    if not present:
        if shift is not None:
            raise ValidationError(
                f"shift_{name} == {shift!r}, but sum_{name} == None; a shift needs its sums."
            )
        return None
    return 0.0 if shift is None else shift


def _unit_values(name: str, value: ArrayLike | None, size: int | None) -> FloatArray | None:
    if value is None:
        return None
    arr = _as_array(name, value)
    if arr.ndim != 1:
        raise DataError(f"{name} has shape {arr.shape}, must be one value per unit (1-D).")
    if size is not None and arr.shape[0] != size:
        raise DataError(f"{name} has {arr.shape[0]} values, must have one per unit ({size}).")
    return arr


#: Values whose centre lies within this many (robust) standard deviations of 0 are not
#: shifted: their raw sums of squares lose at most ``1 + 32**2`` ulps to cancellation.
SHIFT_RATIO = 32.0


def choose_shift(values: ArrayLike) -> float:
    """A shift for sums of ``values``: a typical value when they sit far from 0, else 0.

    The shift is the lower median of the finite values (one of the values, robust to
    outliers; ``y - K`` is then exact for every ``y`` within a factor 2 of ``K``). It is 0
    when the values are centred within ``SHIFT_RATIO`` robust standard deviations of 0
    (1.4826 times the median absolute deviation; the mean absolute deviation when more
    than half the values are equal), where raw sums are precise enough, and when no
    value is finite. Missing (NaN) and infinite values are ignored.

    >>> choose_shift([1e12 + 3, 1e12 - 2, 1e12 + 1, 5e15])
    1000000000001.0
    >>> choose_shift([1.0, 2.0, 3.0, 4.0])
    0.0
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        return 0.0
    centre = float(np.partition(v, (v.size - 1) // 2)[(v.size - 1) // 2])
    deviation = np.abs(v - centre)
    spread = 1.4826 * float(np.median(deviation))
    if spread == 0:
        spread = float(np.mean(deviation))
    if not math.isfinite(spread) or abs(centre) <= SHIFT_RATIO * spread:
        return 0.0
    return centre


def _reshifted(
    values: dict[str, FloatArray | None],
    variables: tuple[str, ...],
    old: dict[str, FloatArray],
    new: dict[str, FloatArray],
) -> dict[str, FloatArray | None]:
    """Sums about shifts ``old`` moved to shifts ``new``, exactly.

    With ``e = K_old - K_new``: ``sum_a' = sum_a + n e_a`` and
    ``sum_ab' = sum_ab + e_a sum_b + e_b sum_a + n e_a e_b`` (the pairwise update of
    Chan, Golub & LeVeque 1983 written for shifted sums). Where the shifts agree ``e``
    is 0 and the sums are returned unchanged, bit for bit; when they are close (both
    near the data) the corrections are small and nothing is lost.
    """
    n = values["n"]
    assert n is not None
    out = dict(values)
    delta = {v: old[v] - new[v] for v in variables}
    for name, (a, b) in _PRODUCT_NAMES.items():
        sab = values.get(name)
        if sab is None or a not in delta or b not in delta:
            continue
        sa, sb = values[f"sum_{a}"], values[f"sum_{b}"]
        assert sa is not None
        assert sb is not None
        da, db = delta[a], delta[b]
        out[name] = sab + da * sb + db * sa + n * da * db
    for v in variables:
        s = values[f"sum_{v}"]
        assert s is not None
        out[f"sum_{v}"] = s + n * delta[v]
    return out


#: The sums of products, by the variables they multiply.
_PRODUCT_NAMES: dict[str, tuple[str, str]] = {
    "sum_y2": ("y", "y"),
    "sum_x2": ("x", "x"),
    "sum_xy": ("x", "y"),
    "sum_c2": ("c", "c"),
    "sum_d2": ("d", "d"),
    "sum_cd": ("c", "d"),
    "sum_yc": ("y", "c"),
    "sum_yd": ("y", "d"),
    "sum_xc": ("x", "c"),
    "sum_xd": ("x", "d"),
}


class _Shifted:
    """What the statistics classes share: shifts, exact re-shifting and addition."""

    #: The variables of the class, in the order of their ``shift_*`` fields.
    _variables: ClassVar[tuple[str, ...]] = ()
    n: FloatArray

    def _present(self) -> tuple[str, ...]:
        return tuple(v for v in self._variables if getattr(self, f"sum_{v}") is not None)

    def _sums(self) -> dict[str, FloatArray | None]:
        names = [f"sum_{v}" for v in self._variables]
        names += [k for k, (a, b) in _PRODUCT_NAMES.items() if {a, b} <= set(self._variables)]
        return {name: getattr(self, name) for name in names}

    def _shifts(self) -> dict[str, FloatArray]:
        return {v: getattr(self, f"shift_{v}") for v in self._present()}

    def with_shifts(self, **shifts: ArrayLike) -> Self:
        """The same statistics as sums about other shifts (``shift_y=...``), exactly.

        Variables not named keep their shift. The means, variances and every comparison
        are unchanged (up to rounding, which is nil when the shifts are near the data).
        """
        present = self._present()
        unknown = sorted(set(shifts) - {f"shift_{v}" for v in present})
        if unknown:
            raise ValidationError(
                f"{unknown[0]} is not a shift of these statistics; they have "
                f"{', '.join(f'shift_{v}' for v in present)}."
            )
        old = self._shifts()
        new = {v: _as_array(f"shift_{v}", shifts.get(f"shift_{v}", old[v])) for v in present}
        values: dict[str, Any] = {"n": self.n, **self._sums()}
        out = _reshifted(values, present, old, new)
        return type(self)(**out, **{f"shift_{v}": new[v] for v in present})

    def __add__(self, other: Self) -> Self:
        """The statistics of the union of two disjoint groups of units.

        Where the two sides have different shifts, both are first moved (exactly, see
        :meth:`with_shifts`) to the shift of the side with more units.
        """
        _same_kind(self, other)
        mine, theirs = self._shifts(), other._shifts()
        if all(np.array_equal(mine[v], theirs[v]) for v in mine):
            a, b = self, other
            target = mine
        else:
            larger = other.n > self.n
            target = {v: np.where(larger, theirs[v], mine[v]) for v in mine}
            kwargs = {f"shift_{v}": target[v] for v in mine}
            a, b = self.with_shifts(**kwargs), other.with_shifts(**kwargs)
        total = _add_fields(a, b, skip_shifts=True)
        total.update({f"shift_{v}": target[v] for v in mine})
        return type(self)(**total)


# ------------------------------------------------------------------- sufficient statistics
@dataclass(frozen=True, eq=False, init=False)
class MeanStats(_Shifted):
    """Sufficient statistics of a per-unit metric ``y`` in one arm, one element per row.

    Args:
        n: The number of units.
        sum_y: The sum of the metric (of ``y - shift_y``).
        sum_y2: The sum of its squares.
        sum_c: The sum of the pre-experiment covariate (CUPED; of ``c - shift_c``), or
            None.
        sum_c2: The sum of the covariate's squares.
        sum_yc: The sum of ``y * c`` (of ``(y - shift_y) * (c - shift_c)``).
        shift_y: The value subtracted from ``y`` before it was summed (0: raw sums).
        shift_c: The same for the covariate (0 when not given).

    The three covariate statistics are given together or not at all. All arrays
    broadcast to one shape and are stored read-only. The mean is
    ``shift_y + sum_y / n``; see the module docstring on shifted sums.

    Raises:
        DataError: a non-finite value, a negative count or sum of squares.
        ValidationError: only some of the covariate statistics.

    >>> a = MeanStats.from_values([1.0, 2.0, 3.0])
    >>> b = MeanStats.from_values([4.0, 5.0])
    >>> float((a + b).sum_y2) == float(MeanStats.from_values([1, 2, 3, 4, 5]).sum_y2)
    True
    >>> big = MeanStats.from_values([1e12 + 1, 1e12 + 2, 1e12 + 6])  # shifted: exact
    >>> float(big.shift_y), float(big.sum_y), float(big.sum_y2)
    (1000000000002.0, 3.0, 17.0)
    """

    _variables: ClassVar[tuple[str, ...]] = ("y", "c")

    n: FloatArray
    sum_y: FloatArray
    sum_y2: FloatArray
    sum_c: FloatArray | None
    sum_c2: FloatArray | None
    sum_yc: FloatArray | None
    shift_y: FloatArray
    shift_c: FloatArray | None

    def __init__(
        self,
        n: ArrayLike,
        sum_y: ArrayLike,
        sum_y2: ArrayLike,
        sum_c: ArrayLike | None = None,
        sum_c2: ArrayLike | None = None,
        sum_yc: ArrayLike | None = None,
        *,
        shift_y: ArrayLike = 0.0,
        shift_c: ArrayLike | None = None,
    ) -> None:
        values = {
            "n": n,
            "sum_y": sum_y,
            "sum_y2": sum_y2,
            "sum_c": sum_c,
            "sum_c2": sum_c2,
            "sum_yc": sum_yc,
        }
        has_c = _group(("sum_c", "sum_c2", "sum_yc"), values, "covariate")
        values["shift_y"] = shift_y
        values["shift_c"] = _shift_of("c", shift_c, has_c)
        _init_stats(self, values)
        _check_nonnegative("n", self.n, "counts")
        _check_nonnegative("sum_y2", self.sum_y2, "sums of squares")
        if self.sum_c2 is not None:
            _check_nonnegative("sum_c2", self.sum_c2, "sums of squares")

    @property
    def has_covariate(self) -> bool:
        """Whether the statistics include a CUPED covariate."""
        return self.sum_c is not None

    @classmethod
    def from_values(cls, y: ArrayLike, c: ArrayLike | None = None) -> Self:
        """The statistics of unit-level values ``y`` (and covariate ``c``): one row.

        Each variable's sums are about :func:`choose_shift` of its values (0 unless
        they sit far from 0 relative to their spread).
        """
        ya = _unit_values("y", y, None)
        assert ya is not None
        ca = _unit_values("c", c, ya.shape[0])
        ky = choose_shift(ya)
        ys = ya - ky
        if ca is None:
            return cls(
                n=ya.shape[0], sum_y=float(np.sum(ys)), sum_y2=float(np.sum(ys * ys)), shift_y=ky
            )
        kc = choose_shift(ca)
        cs = ca - kc
        return cls(
            n=ya.shape[0],
            sum_y=float(np.sum(ys)),
            sum_y2=float(np.sum(ys * ys)),
            sum_c=_sum(cs),
            sum_c2=_dot(cs, cs),
            sum_yc=_dot(ys, cs),
            shift_y=ky,
            shift_c=kc,
        )

    def _linear(self) -> _Linear:
        return _linearise(
            self.n,
            {"y": self.sum_y, "c": self.sum_c},
            {"yy": self.sum_y2, "cc": self.sum_c2, "yc": self.sum_yc},
            {"y": self.shift_y, "c": self.shift_c},
        )


@dataclass(frozen=True, eq=False, init=False)
class ProportionStats:
    """Sufficient statistics of a 0/1 metric in one arm: units and successes per row.

    Args:
        n: The number of units.
        successes: The number of units with the event (the sum of the 0/1 metric).

    Raises:
        DataError: a non-finite value, a negative count or more successes than units.

    >>> s = ProportionStats.from_values([0, 1, 1, 0])
    >>> float(s.n), float(s.successes)
    (4.0, 2.0)
    """

    n: FloatArray
    successes: FloatArray

    def __init__(self, n: ArrayLike, successes: ArrayLike) -> None:
        _init_stats(self, {"n": n, "successes": successes})
        _check_nonnegative("n", self.n, "counts")
        _check_nonnegative("successes", self.successes, "counts")
        bad = self.successes > self.n
        if bad.any():
            raise DataError(
                f"successes exceeds n at {_where(bad)}; an arm cannot have more successes "
                "than units."
            )

    def __add__(self, other: Self) -> Self:
        return type(self)(**_add_fields(self, other))

    @classmethod
    def from_values(cls, y: ArrayLike) -> Self:
        """The statistics of unit-level 0/1 values ``y``: one row."""
        ya = _unit_values("y", y, None)
        assert ya is not None
        bad = (ya != 0) & (ya != 1)
        if bad.any():
            raise DataError(f"y has values other than 0 and 1 at {_where(bad)}.")
        return cls(n=ya.shape[0], successes=float(np.sum(ya)))


_RATIO_COVARIATE = ("sum_c", "sum_c2", "sum_yc", "sum_xc")
_RATIO_COVARIATE_DENOMINATOR = ("sum_d", "sum_d2", "sum_cd", "sum_yd", "sum_xd")


@dataclass(frozen=True, eq=False, init=False)
class RatioStats(_Shifted):
    """Sufficient statistics of a ratio metric ``sum(y) / sum(x)`` in one arm, per row.

    A ratio metric divides two per-unit sums, such as revenue per session: ``y`` is a
    unit's revenue, ``x`` its sessions. The optional CUPED covariate is a per-unit value
    ``c`` (then ``d`` is omitted and taken as 1) or itself a ratio ``sum(c) / sum(d)``,
    such as the pre-experiment revenue per session.

    Args:
        n: The number of units.
        sum_y, sum_x: The sums of the numerator and the denominator.
        sum_y2, sum_x2, sum_xy: Their sums of squares and of products ``x * y``.
        sum_c, sum_c2, sum_yc, sum_xc: The covariate's sum, sum of squares and
            products with ``y`` and ``x`` (all four or none).
        sum_d, sum_d2, sum_cd, sum_yd, sum_xd: The covariate denominator's sum, sum of
            squares and products with ``c``, ``y`` and ``x`` (all five or none; they
            need the covariate).
        shift_y, shift_x, shift_c, shift_d: The values subtracted from each variable
            before it was summed (0: raw sums; see the module docstring): ``sum_x`` is
            the sum of ``x - shift_x``, ``sum_xy`` of ``(x - shift_x) (y - shift_y)``.

    Raises:
        DataError: a non-finite value, a negative count or sum of squares.
        ValidationError: an incomplete group of covariate statistics.
    """

    _variables: ClassVar[tuple[str, ...]] = ("y", "x", "c", "d")

    n: FloatArray
    sum_y: FloatArray
    sum_x: FloatArray
    sum_y2: FloatArray
    sum_x2: FloatArray
    sum_xy: FloatArray
    sum_c: FloatArray | None
    sum_c2: FloatArray | None
    sum_yc: FloatArray | None
    sum_xc: FloatArray | None
    sum_d: FloatArray | None
    sum_d2: FloatArray | None
    sum_cd: FloatArray | None
    sum_yd: FloatArray | None
    sum_xd: FloatArray | None
    shift_y: FloatArray
    shift_x: FloatArray
    shift_c: FloatArray | None
    shift_d: FloatArray | None

    def __init__(
        self,
        n: ArrayLike,
        sum_y: ArrayLike,
        sum_x: ArrayLike,
        sum_y2: ArrayLike,
        sum_x2: ArrayLike,
        sum_xy: ArrayLike,
        *,
        sum_c: ArrayLike | None = None,
        sum_c2: ArrayLike | None = None,
        sum_yc: ArrayLike | None = None,
        sum_xc: ArrayLike | None = None,
        sum_d: ArrayLike | None = None,
        sum_d2: ArrayLike | None = None,
        sum_cd: ArrayLike | None = None,
        sum_yd: ArrayLike | None = None,
        sum_xd: ArrayLike | None = None,
        shift_y: ArrayLike = 0.0,
        shift_x: ArrayLike = 0.0,
        shift_c: ArrayLike | None = None,
        shift_d: ArrayLike | None = None,
    ) -> None:
        values = {
            "n": n,
            "sum_y": sum_y,
            "sum_x": sum_x,
            "sum_y2": sum_y2,
            "sum_x2": sum_x2,
            "sum_xy": sum_xy,
            "sum_c": sum_c,
            "sum_c2": sum_c2,
            "sum_yc": sum_yc,
            "sum_xc": sum_xc,
            "sum_d": sum_d,
            "sum_d2": sum_d2,
            "sum_cd": sum_cd,
            "sum_yd": sum_yd,
            "sum_xd": sum_xd,
        }
        has_c = _group(_RATIO_COVARIATE, values, "covariate")
        has_d = _group(_RATIO_COVARIATE_DENOMINATOR, values, "covariate denominator")
        if has_d and not has_c:
            raise ValidationError(
                "sum_c == None, must be given with sum_d (a covariate denominator needs a "
                "covariate numerator)."
            )
        values["shift_y"] = shift_y
        values["shift_x"] = shift_x
        values["shift_c"] = _shift_of("c", shift_c, has_c)
        values["shift_d"] = _shift_of("d", shift_d, has_d)
        _init_stats(self, values)
        _check_nonnegative("n", self.n, "counts")
        for name in ("sum_y2", "sum_x2", "sum_c2", "sum_d2"):
            arr = getattr(self, name)
            if arr is not None:
                _check_nonnegative(name, arr, "sums of squares")

    @property
    def has_covariate(self) -> bool:
        """Whether the statistics include a CUPED covariate."""
        return self.sum_c is not None

    @classmethod
    def from_values(
        cls,
        y: ArrayLike,
        x: ArrayLike,
        c: ArrayLike | None = None,
        d: ArrayLike | None = None,
    ) -> Self:
        """The statistics of unit-level numerators ``y``, denominators ``x``: one row.

        ``c`` is the covariate (numerator) and ``d`` its denominator, both optional.
        Each variable's sums are about :func:`choose_shift` of its values.
        """
        ya = _unit_values("y", y, None)
        assert ya is not None
        size = ya.shape[0]
        xa = _unit_values("x", x, size)
        assert xa is not None
        ca = _unit_values("c", c, size)
        da = _unit_values("d", d, size)
        if da is not None and ca is None:
            raise ValidationError("c == None, must be given with d.")
        ky, kx = choose_shift(ya), choose_shift(xa)
        kc = None if ca is None else choose_shift(ca)
        kd = None if da is None else choose_shift(da)
        ys, xs = ya - ky, xa - kx
        cs = None if ca is None or kc is None else ca - kc
        ds = None if da is None or kd is None else da - kd
        return cls(
            n=size,
            sum_y=float(np.sum(ys)),
            sum_x=float(np.sum(xs)),
            sum_y2=float(np.sum(ys * ys)),
            sum_x2=float(np.sum(xs * xs)),
            sum_xy=float(np.sum(xs * ys)),
            sum_c=_sum(cs),
            sum_c2=_dot(cs, cs),
            sum_yc=_dot(ys, cs),
            sum_xc=_dot(xs, cs),
            sum_d=_sum(ds),
            sum_d2=_dot(ds, ds),
            sum_cd=_dot(cs, ds),
            sum_yd=_dot(ys, ds),
            sum_xd=_dot(xs, ds),
            shift_y=ky,
            shift_x=kx,
            shift_c=kc,
            shift_d=kd,
        )

    def _linear(self) -> _Linear:
        return _linearise(
            self.n,
            {"y": self.sum_y, "x": self.sum_x, "c": self.sum_c, "d": self.sum_d},
            {
                "yy": self.sum_y2,
                "xx": self.sum_x2,
                "yx": self.sum_xy,
                "cc": self.sum_c2,
                "dd": self.sum_d2,
                "cd": self.sum_cd,
                "yc": self.sum_yc,
                "yd": self.sum_yd,
                "xc": self.sum_xc,
                "xd": self.sum_xd,
            },
            {"y": self.shift_y, "x": self.shift_x, "c": self.shift_c, "d": self.shift_d},
        )


# -------------------------------------------------------------------- linearisation
@dataclass(frozen=True)
class _Linear:
    """One arm's estimate and its delta-method (linearised) per-unit moments.

    ``estimate`` is ``mean(y) / mean(x)`` (``mean(y)`` for a mean); ``var`` the
    per-unit variance of its linearisation ``L = (y - estimate * x) / mean(x)``;
    ``cov_estimate``, ``cov_var`` the same for the covariate (``M``) and ``cross`` the
    covariance of ``L`` and ``M``. All variances use ``ddof=1`` and are NaN when n < 2.
    ``shift``, ``centred`` and ``mean`` hold each variable's shift ``K``, shifted mean
    ``sum / n`` and mean ``K + sum / n`` (an absent ``x`` or ``d`` is the constant 1:
    shift 1, shifted mean 0), from which :func:`_difference` takes differences.
    ``unresolved``: a variance of ``y``, ``x`` or ``L`` was set to 0 though its sums
    gave a value other than 0 (rounding noise, or variation the sums cannot resolve).
    """

    n: FloatArray
    estimate: FloatArray
    var: FloatArray
    cov_estimate: FloatArray | None
    cov_var: FloatArray | None
    cross: FloatArray | None
    zero_denominator: BoolArray
    zero_cov_denominator: BoolArray | None
    shift: dict[str, FloatArray]
    centred: dict[str, FloatArray]
    mean: dict[str, FloatArray]
    unresolved: BoolArray


def _linearise(
    n: FloatArray,
    sums: dict[str, FloatArray | None],
    cross: dict[str, FloatArray | None],
    shifts: dict[str, FloatArray | None],
) -> _Linear:
    """Means, covariances and linearised variances from (shifted) sums.

    A variable whose sums are absent is the constant 1 (``x`` of a mean, ``d`` of a
    per-unit covariate): its mean is exactly 1 and its covariances exactly 0, so a mean
    is the ratio ``y / 1`` without any rounding. Covariances are
    ``(sum_ab - sum_a * sum_b / n) / (n - 1)`` of the shifted sums (shifts do not change
    them); a variance below ``1e-10`` of the mean square of the shifted values is
    rounding noise of the sums and set to 0, so values that vary well within their
    shift are resolved however large the shift is.
    """
    small = n < 2
    zeros = np.zeros_like(n)
    ones = np.ones_like(n)
    shift: dict[str, FloatArray] = {}
    centred: dict[str, FloatArray] = {}
    mean: dict[str, FloatArray] = {}
    msq: dict[str, FloatArray] = {}
    cov: dict[str, FloatArray] = {}
    raw: dict[str, FloatArray] = {}  # variances before rounding noise is set to 0
    unresolved = np.zeros(n.shape, dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for v in ("y", "x", "c", "d"):
            s, sq = sums.get(v), cross.get(v + v)
            if s is None:
                shift[v], centred[v], msq[v] = ones, zeros, zeros
            else:
                k = shifts.get(v)
                shift[v] = zeros if k is None else k
                centred[v] = s / n
                msq[v] = zeros if sq is None else sq / n
            mean[v] = shift[v] + centred[v]
        for v in ("y", "x", "c", "d"):
            s, sq = sums.get(v), cross.get(v + v)
            if s is None or sq is None:
                cov[v + v] = zeros
                continue
            var = (sq - s * (s / n)) / (n - 1)
            scale = sq / n
            bad = ~small & (var < -_ZERO_RTOL * scale * 1e4)
            if bad.any():
                raise DataError(
                    f"sum_{v}2 is smaller than sum_{v}**2 / n at {_where(bad)}; these sums "
                    "cannot come from any data."
                )
            raw[v] = np.maximum(var, 0.0)
            zeroed = var <= _ZERO_RTOL * scale
            if v in ("y", "x"):
                unresolved = unresolved | (~small & zeroed & (var != 0))
            cov[v + v] = np.where(small, np.nan, np.where(zeroed, 0.0, var))
        for a, b in (("y", "x"), ("c", "d"), ("y", "c"), ("y", "d"), ("x", "c"), ("x", "d")):
            sa, sb, sab = sums.get(a), sums.get(b), cross.get(a + b)
            if sa is None or sb is None or sab is None:
                cov[a + b] = zeros
                continue
            c_ab = (sab - sa * (sb / n)) / (n - 1)
            # |cov| <= sqrt(va vb): beyond rounding of the sums the data are inconsistent;
            # within it, clip (and 0 where either variance is 0).
            limit = np.sqrt(raw[a] * raw[b])
            slack = 1e4 * _ZERO_RTOL * np.sqrt(msq[a] * msq[b])
            bad = ~small & (np.abs(c_ab) > limit + slack)
            if bad.any():
                name = "sum_xy" if a + b == "yx" else f"sum_{a}{b}"
                raise DataError(
                    f"{name} implies a correlation beyond 1 at {_where(bad)}; these sums "
                    "cannot come from any data."
                )
            c_ab = np.clip(c_ab, -limit, limit)
            c_ab = np.where((cov[a + a] == 0) | (cov[b + b] == 0), 0.0, c_ab)
            cov[a + b] = np.where(small, np.nan, c_ab)

        zero_x = mean["x"] == 0
        estimate = mean["y"] / mean["x"]
        # (the terms of an absent x are left out, not multiplied by 0: for values near
        # 1e155 the squared estimate overflows, and inf * 0 would be NaN)
        has_x, has_d = sums.get("x") is not None, sums.get("d") is not None
        var_l = cov["yy"]
        if has_x:
            var_l = (var_l - 2 * estimate * cov["yx"] + estimate**2 * cov["xx"]) / mean["x"] ** 2
        scale_l = (np.sqrt(msq["y"]) + np.abs(estimate) * np.sqrt(msq["x"])) ** 2 / mean["x"] ** 2
        zeroed_l = var_l <= _ZERO_RTOL * scale_l
        unresolved = unresolved | (~small & zeroed_l & (var_l != 0))
        var_l = np.where(zeroed_l, 0.0, var_l)
        estimate = np.where(zero_x, np.nan, estimate)
        var_l = np.where(zero_x | small, np.nan, var_l)
        if sums.get("c") is None:
            return _Linear(
                n, estimate, var_l, None, None, None, zero_x, None, shift, centred, mean, unresolved
            )

        zero_d = mean["d"] == 0
        cov_est = mean["c"] / mean["d"]
        var_m = cov["cc"]
        if has_d:
            var_m = (var_m - 2 * cov_est * cov["cd"] + cov_est**2 * cov["dd"]) / mean["d"] ** 2
        scale_m = (np.sqrt(msq["c"]) + np.abs(cov_est) * np.sqrt(msq["d"])) ** 2 / mean["d"] ** 2
        var_m = np.where(var_m <= _ZERO_RTOL * scale_m, 0.0, var_m)
        lm = cov["yc"]
        if has_d:
            lm = lm - cov_est * cov["yd"]
        if has_x:
            lm = lm - estimate * cov["xc"]
        if has_x and has_d:
            lm = lm + estimate * cov_est * cov["xd"]
        lm = lm / (mean["x"] * mean["d"])
        lm = np.where((var_m == 0) | (var_l == 0), 0.0, lm)
        cov_est = np.where(zero_d, np.nan, cov_est)
        var_m = np.where(zero_d | small, np.nan, var_m)
        lm = np.where(zero_x | zero_d | small, np.nan, lm)
    return _Linear(
        n, estimate, var_l, cov_est, var_m, lm, zero_x, zero_d, shift, centred, mean, unresolved
    )


def _difference(a: _Linear, b: _Linear, covariate: bool = False) -> FloatArray:
    """``a``'s estimate minus ``b``'s (their covariates' with ``covariate``), stably.

    Two means of 1e12 that differ by 0.1 each carry an error of about 1e-4, so their
    difference would too; the difference of the shifted means does not. For ratios
    ``R = mean(y) / mean(x)``, exactly::

        R_a - R_b = (dy - R_b dx) / mean_a(x),   dv = (K_a,v - K_b,v) + (m_a,v - m_b,v)

    (``mean_a(y) - R_b mean_a(x) = dy - R_b dx`` because ``mean_b(y) = R_b mean_b(x)``),
    with ``K`` the shifts and ``m`` the shifted means; for a mean (``x`` the constant 1)
    it is ``dy``. Both are differences of small numbers, free of the cancellation of
    ``R_a - R_b``. Call under ``np.errstate``.
    """
    y, x = ("c", "d") if covariate else ("y", "x")
    estimate = b.cov_estimate if covariate else b.estimate
    assert estimate is not None
    dy = (a.shift[y] - b.shift[y]) + (a.centred[y] - b.centred[y])
    dx = (a.shift[x] - b.shift[x]) + (a.centred[x] - b.centred[x])
    out = np.where(a.mean[x] == 0, np.nan, (dy - estimate * dx) / a.mean[x])
    return np.asarray(out, dtype=np.float64)


# ------------------------------------------------------------------------------- result
@dataclass(frozen=True, eq=False)
class Comparison:
    """Variant against control, one element per row; every field is a read-only array.

    Attributes:
        effect: ``variant_mean - control_mean`` (CUPED-adjusted when a covariate is given).
        se: The standard error of ``effect``.
        control_se, variant_se: The standard errors of the two arm means (``se`` is the
            root of the sum of their squares; CUPED-adjusted with a covariate).
        ci_low, ci_high: Its confidence interval (one-sided tests: one bound infinite,
            or ``-1``/``1`` for proportions, as R's ``prop.test``).
        lift: ``effect / |control_mean|`` (its sign is the effect's).
        lift_ci_low, lift_ci_high: The interval of ``lift`` (``lift_method``).
        p_value: The p-value of the test of no effect.
        statistic: The test statistic (t for means; z for proportions and ratios).
        df: Degrees of freedom of the reference distribution (``inf`` for a normal).
        control_mean, variant_mean: The arm means (rates, ratios) that ``effect`` and
            ``lift`` compare: CUPED-adjusted when a covariate is given.
        control_observed, variant_observed: The unadjusted arm means.
        variance_reduction: ``1 - Var(adjusted effect) / Var(unadjusted effect)``
            (NaN without a covariate).
        theta: The CUPED coefficient (NaN without a covariate).
        reason: :class:`Reason` flags (int64), 0 where every number is available.
    """

    effect: FloatArray
    se: FloatArray
    control_se: FloatArray
    variant_se: FloatArray
    ci_low: FloatArray
    ci_high: FloatArray
    lift: FloatArray
    lift_ci_low: FloatArray
    lift_ci_high: FloatArray
    p_value: FloatArray
    statistic: FloatArray
    df: FloatArray
    control_mean: FloatArray
    variant_mean: FloatArray
    control_observed: FloatArray
    variant_observed: FloatArray
    variance_reduction: FloatArray
    theta: FloatArray
    reason: IntArray
    alternative: Alternative = "two-sided"
    lift_method: LiftMethod = "delta"
    bounds: tuple[float, float] = (-math.inf, math.inf)
    counts: tuple[FloatArray, FloatArray, FloatArray, FloatArray] | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                value.setflags(write=False)

    def reasons(self) -> list[tuple[str, ...]]:
        """:func:`describe_reason` of every row, flattened in C order."""
        return [describe_reason(int(r)) for r in self.reason.ravel()]

    def at_level(self, alpha: ArrayLike) -> Comparison:
        """The same comparison with its intervals at level ``alpha``: one, or one per row.

        Estimates, tests and p-values are unchanged; the effect's and the lift's
        intervals are recomputed with the critical value of ``alpha`` (Student's t with
        the row's df, or the normal) in each row, so that multiple-testing corrections
        can give each row the level that agrees with its adjusted p-value (see
        :func:`hypokit.stats.interval_levels`). A row's interval excludes 0 exactly
        when its p-value is below its level.

        >>> res = compare_proportions(
        ...     ProportionStats(500, 45), ProportionStats(510, 60), interval="wald"
        ... )
        >>> wide = res.at_level(0.01)  # R: prop.test(..., conf.level = 0.99, correct = FALSE)
        >>> print(f"{wide.ci_low:.6f} {wide.ci_high:.6f} {wide.p_value == res.p_value}")
        -0.021722 0.077016 True
        """
        a = np.asarray(alpha, dtype=np.float64)
        bad = ~((a > 0) & (a < 1))
        if bad.any():
            raise ValidationError(f"alpha has values outside (0, 1) at {_where(bad)}.")
        try:
            a = np.broadcast_to(a, self.effect.shape)
        except ValueError:
            raise ValidationError(
                f"alpha has shape {a.shape}, which does not broadcast against the rows "
                f"{self.effect.shape}."
            ) from None
        var_c, var_v = self.control_se**2, self.variant_se**2
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            ci_low, ci_high, _, lift_lo, lift_hi, lift_reason = _intervals(
                self.effect,
                self.se,
                self.df,
                self.control_mean,
                self.variant_mean,
                var_c,
                var_v,
                a,
                self.alternative,
                self.lift_method,
                self.bounds,
                self.counts,
            )
        unbounded = int(Reason.LIFT_UNBOUNDED | Reason.LOG_UNDEFINED)
        reason = (self.reason & ~unbounded) | (lift_reason & unbounded)
        return dataclasses.replace(
            self,
            ci_low=np.array(ci_low, dtype=np.float64),
            ci_high=np.array(ci_high, dtype=np.float64),
            lift_ci_low=np.array(lift_lo, dtype=np.float64),
            lift_ci_high=np.array(lift_hi, dtype=np.float64),
            reason=np.array(reason, dtype=np.int64),
        )


# ------------------------------------------------------------------------- finishing
def _options(
    alpha: Any, alternative: Any, lift_method: Any
) -> tuple[float, Alternative, LiftMethod]:
    alpha = check_open_unit("alpha", alpha)
    alternative = check_choice("alternative", alternative, ALTERNATIVES)
    lift_method = check_choice("lift_method", lift_method, LIFT_METHODS)
    return alpha, alternative, lift_method


def _check_use_t(use_t: Any) -> bool:
    if not isinstance(use_t, bool | np.bool_):
        raise ValidationError(f"use_t == {use_t!r}, must be True or False.")
    return bool(use_t)


def _welch_df(parts: dict[str, Any], nc: FloatArray, nv: FloatArray, use_t: bool) -> FloatArray:
    """Welch–Satterthwaite degrees of freedom of the arms' variances, or inf (the normal).

    ``df = (V_c + V_v)^2 / (V_c^2 / (n_c - 1) + V_v^2 / (n_v - 1))`` with ``V_a`` the
    variance of arm ``a``'s (adjusted, linearised) mean (Satterthwaite 1946; Welch 1947).
    """
    vc, vv = parts["var_c"], parts["var_v"]
    if not use_t:
        return np.full(np.broadcast_shapes(np.shape(vc), np.shape(vv)), np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        # in shares of the total, which cannot overflow: (V_c + V_v)^2 can
        total = vc + vv
        share_c, share_v = vc / total, vv / total
        return np.asarray(1 / (share_c**2 / (nc - 1) + share_v**2 / (nv - 1)), np.float64)


def _pair(control: Any, variant: Any, kind: type) -> None:
    for name, arm in (("control", control), ("variant", variant)):
        if not isinstance(arm, kind):
            raise ValidationError(f"{name} == {type(arm).__name__}, must be {kind.__name__}.")
    if getattr(control, "has_covariate", False) != getattr(variant, "has_covariate", False):
        raise ValidationError(
            "only one arm has covariate statistics; give the covariate for both or neither."
        )
    try:
        np.broadcast_shapes(control.n.shape, variant.n.shape)
    except ValueError:
        raise ValidationError(
            f"control and variant have shapes {control.n.shape} and {variant.n.shape}, "
            "which do not broadcast."
        ) from None


def _quantile(df: FloatArray, prob: FloatArray | float) -> FloatArray:
    """The ``prob`` quantile of Student's t with ``df`` (the normal when ``df`` is inf)."""
    return np.asarray(special.stdtrit(df, prob), dtype=np.float64)


def _finish(
    *,
    effect: FloatArray,
    var_c: FloatArray,
    var_v: FloatArray,
    df: FloatArray,
    mean_c: FloatArray,
    mean_v: FloatArray,
    observed_c: FloatArray,
    observed_v: FloatArray,
    reason: IntArray,
    alpha: float,
    alternative: Alternative,
    lift_method: LiftMethod,
    statistic: FloatArray | None = None,
    bounds: tuple[float, float] = (-math.inf, math.inf),
    variance_reduction: FloatArray | None = None,
    theta: FloatArray | None = None,
    counts: tuple[FloatArray, FloatArray, FloatArray, FloatArray] | None = None,
    unresolved: BoolArray | None = None,
) -> Comparison:
    """Test, interval and lift from the arms' estimates and the variances of those estimates.

    ``var_c``, ``var_v`` are the variances of the arm estimates (already divided by n);
    rows already flagged TOO_FEW_UNITS / ZERO_DENOMINATOR come in with NaN there.
    ``unresolved`` qualifies ZERO_VARIANCE with UNRESOLVED (see :class:`_Linear`).
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        var = var_c + var_v
        se = np.sqrt(var)
        if statistic is None:
            zero_var = var == 0
            reason = reason | _flag(zero_var, Reason.ZERO_VARIANCE)
            if unresolved is not None:
                reason = reason | _flag(zero_var & unresolved, Reason.UNRESOLVED)
            stat = effect / np.where(zero_var, np.nan, se)
        else:
            # The caller's statistic (the pooled z of proportions) may exist even where
            # the unpooled se is 0; the caller flags the rows where it does not.
            stat = statistic
        untestable = np.isnan(stat)
        df = np.where(untestable, np.nan, df)

        if alternative == "two-sided":
            p = 2 * special.stdtr(df, -np.abs(stat))
        elif alternative == "greater":
            p = special.stdtr(df, -stat)
        else:
            p = special.stdtr(df, stat)
        p = np.minimum(np.asarray(p, dtype=np.float64), 1.0)

        ci_low, ci_high, lift, lift_lo, lift_hi, lift_reason = _intervals(
            effect,
            se,
            df,
            mean_c,
            mean_v,
            var_c,
            var_v,
            alpha,
            alternative,
            lift_method,
            bounds,
            counts,
        )
        reason = reason | lift_reason

    nan = np.full_like(effect, np.nan)

    def f(a: Any) -> FloatArray:
        return np.array(np.broadcast_to(a, effect.shape), dtype=np.float64)

    return Comparison(
        effect=f(effect),
        se=f(se),
        control_se=f(np.sqrt(var_c)),
        variant_se=f(np.sqrt(var_v)),
        ci_low=f(ci_low),
        ci_high=f(ci_high),
        lift=f(lift),
        lift_ci_low=f(lift_lo),
        lift_ci_high=f(lift_hi),
        p_value=f(p),
        statistic=f(stat),
        df=f(df),
        control_mean=f(mean_c),
        variant_mean=f(mean_v),
        control_observed=f(observed_c),
        variant_observed=f(observed_v),
        variance_reduction=f(nan if variance_reduction is None else variance_reduction),
        theta=f(nan if theta is None else theta),
        reason=np.array(np.broadcast_to(reason, effect.shape), dtype=np.int64),
        alternative=alternative,
        lift_method=lift_method,
        bounds=bounds,
        counts=None if counts is None else tuple(f(c) for c in counts),  # type: ignore[arg-type]
    )


def _intervals(
    effect: FloatArray,
    se: FloatArray,
    df: FloatArray,
    mean_c: FloatArray,
    mean_v: FloatArray,
    var_c: FloatArray,
    var_v: FloatArray,
    alpha: ArrayLike,
    alternative: Alternative,
    lift_method: str,
    bounds: tuple[float, float],
    counts: tuple[FloatArray, FloatArray, FloatArray, FloatArray] | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, IntArray]:
    """The effect's and the lift's intervals at level ``alpha`` (one per row, or one).

    With ``counts`` (two proportions: ``n_c, successes_c, n_v, successes_v``) the
    effect's interval is the score interval that inverts the pooled z-test, and the
    ``"auto"`` lift interval the score interval of the ratio. Rows whose test is
    undefined (NaN ``df``) get NaN intervals; call under ``np.errstate``.
    """
    a = np.asarray(alpha, dtype=np.float64)
    untestable = np.isnan(df)
    q = _quantile(df, 1 - a / 2) if alternative == "two-sided" else _quantile(df, 1 - a)
    lo_bound, hi_bound = bounds
    if counts is not None:
        from hypokit.stats._score import score_interval_difference

        level = np.where(untestable, 0.5, np.broadcast_to(a, effect.shape))
        ci_low, ci_high = score_interval_difference(*counts, level, alternative)
    else:
        half = q * se
        ci_low = np.maximum(effect - half, lo_bound)
        ci_high = np.minimum(effect + half, hi_bound)
        if alternative == "greater":
            ci_high = np.full_like(ci_low, hi_bound)
        elif alternative == "less":
            ci_low = np.full_like(ci_high, lo_bound)
    ci_low = np.where(untestable, np.nan, ci_low)
    ci_high = np.where(untestable, np.nan, ci_high)
    lift, lift_lo, lift_hi, reason = _lift(
        effect, mean_c, mean_v, var_c, var_v, q, alternative, lift_method
    )
    if counts is not None and lift_method == "auto":
        from hypokit.stats._score import score_interval_ratio

        level = np.where(untestable, 0.5, np.broadcast_to(a, effect.shape))
        r_lo, r_hi = score_interval_ratio(*counts, level, alternative)
        defined = ~np.isnan(lift) & ~untestable
        lift_lo = np.where(defined, r_lo - 1.0, np.nan)
        lift_hi = np.where(defined, r_hi - 1.0, np.nan)
        # The score set of the ratio is bounded whenever the control has a success.
        reason = reason & ~int(Reason.LIFT_UNBOUNDED)
    lift_lo = np.where(untestable, np.nan, lift_lo)
    lift_hi = np.where(untestable, np.nan, lift_hi)
    return ci_low, ci_high, lift, lift_lo, lift_hi, reason


def fieller_ratio(
    num: FloatArray,
    den: FloatArray,
    var_num: FloatArray,
    var_den: FloatArray,
    cov: FloatArray | float,
    q: FloatArray | float,
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Fieller's set for the ratio of two normal estimates; call under ``np.errstate``.

    The ratios ``r`` with ``(num - r den)^2 <= q^2 (var_num - 2 r cov + r^2 var_den)``
    (Fieller 1954): the interval between the roots of ``a r^2 - 2 b r + c = 0`` when
    ``a = den^2 - q^2 var_den > 0`` (the denominator is distinguishable from 0), else
    unbounded (``-inf, inf``; ``bounded`` False). Roots in the stable form ``s / a``
    and ``c / s`` with ``s = b + sign(b) sqrt(b^2 - a c)``.

    Returns:
        ``(low, high, bounded)``.
    """
    a = den**2 - q**2 * var_den
    b = num * den - q**2 * cov
    c = num**2 - q**2 * var_num
    disc = np.maximum(b**2 - a * c, 0.0)
    bounded = np.asarray(a > 0)
    s = b + np.where(b >= 0, 1.0, -1.0) * np.sqrt(disc)
    r1 = s / a
    r2 = np.where(s == 0, r1, c / s)
    low = np.where(bounded, np.minimum(r1, r2), -np.inf)
    high = np.where(bounded, np.maximum(r1, r2), np.inf)
    return np.asarray(low, np.float64), np.asarray(high, np.float64), bounded


def lift_from_ratio(ratio: ArrayLike, control_mean: ArrayLike) -> FloatArray:
    """The relative lift ``(variant - control) / |control|`` from the ratio ``variant / control``.

    ``lift = sign(control) (ratio - 1)``: the lift has the sign of the effect whatever the
    sign of the control mean, so a profit of -0.5 that becomes +0.5 is a lift of +200%,
    not -200%. Call under ``np.errstate``.
    """
    return np.asarray(np.sign(control_mean) * (np.asarray(ratio) - 1.0), dtype=np.float64)


def _lift_bounds(
    r_lo: FloatArray, r_hi: FloatArray, mc: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """The lift interval from an interval ``[r_lo, r_hi]`` of the ratio ``mv / mc``."""
    return _excess_bounds(r_lo - 1.0, r_hi - 1.0, mc)


def _excess_bounds(
    u_lo: FloatArray, u_hi: FloatArray, mc: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """The lift interval from an interval ``[u_lo, u_hi]`` of ``mv / mc - 1``.

    The lift is ``sign(mc) (mv / mc - 1)``.
    """
    negative = mc < 0
    lo = np.where(negative, -u_hi, u_lo)
    hi = np.where(negative, -u_lo, u_hi)
    return lo, hi


def fieller_excess(
    effect: FloatArray,
    mc: FloatArray,
    var_c: FloatArray,
    var_effect: FloatArray,
    cov_c_effect: FloatArray | float,
    q: FloatArray | float,
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Fieller's set for ``u = mv / mc - 1``, from the effect ``mv - mc``; call under errstate.

    The same set as :func:`fieller_ratio` for ``r = 1 + u`` (Fieller 1954), written in
    the effect so that it keeps its digits when the means are large and the effect is
    small (means of 1e12 that differ by 0.1: ``r - 1`` would keep none). The ``u`` with
    ``(effect - u mc)^2 <= q^2 Var(effect - u mc_hat)``, ``Var(mc) = var_c``,
    ``Var(effect) = var_effect`` and ``Cov(mc, effect) = cov_c_effect``, are between the
    roots of ``A u^2 - 2 B u + C`` with::

        A = mc^2 - q^2 var_c,  B = effect mc - q^2 cov_c_effect,  C = effect^2 - q^2 var_effect
        B^2 - A C = q^2 (mc^2 var_effect - 2 effect mc cov_c_effect + effect^2 var_c)
                    - q^4 (var_c var_effect - cov_c_effect^2)

    (the discriminant in a form without the cancellation of ``B^2 - A C``), bounded
    when ``A > 0``; roots in the stable form ``s / A`` and ``C / s``, computed with
    every term divided by ``mc^2`` so that nothing overflows. ``mc`` must not be 0.

    Returns:
        ``(low, high, bounded)`` of ``u``.
    """
    # Everything divided by mc (and the variances by mc^2): the same roots, and no
    # overflow for means near 1e155.
    e, vc = effect / mc, var_c / mc / mc
    ve, k = var_effect / mc / mc, cov_c_effect / mc / mc
    a = 1.0 - q**2 * vc
    b = e - q**2 * k
    c = e**2 - q**2 * ve
    quad = ve - 2 * e * k + e**2 * vc
    det = vc * ve - k**2
    disc = np.maximum(q**2 * quad - q**4 * det, 0.0)
    bounded = np.asarray(a > 0)
    s = b + np.where(b >= 0, 1.0, -1.0) * np.sqrt(disc)
    u1 = s / a
    u2 = np.where(s == 0, u1, c / s)
    low = np.where(bounded, np.minimum(u1, u2), -np.inf)
    high = np.where(bounded, np.maximum(u1, u2), np.inf)
    return np.asarray(low, np.float64), np.asarray(high, np.float64), bounded


def _lift(
    effect: FloatArray,
    mc: FloatArray,
    mv: FloatArray,
    vc: FloatArray,
    vv: FloatArray,
    q: FloatArray,
    alternative: Alternative,
    method: str,
) -> tuple[FloatArray, FloatArray, FloatArray, IntArray]:
    """The relative lift ``effect / |mc|`` and its interval; call under ``np.errstate``.

    The lift's sign is the effect's. When the control mean is not distinguishable from
    0 at the interval's level (``mc^2 <= q^2 vc``), the ratio is unbounded whatever the
    method (Fieller's set is the whole line or two disjoint rays; the delta and log
    intervals would be finite but meaningless): the interval is ``(-inf, inf)``,
    flagged LIFT_UNBOUNDED. One-sided tests leave open the side the alternative leaves
    open for the effect.
    """
    zero_mc = mc == 0
    reason = _flag(zero_mc, Reason.ZERO_CONTROL_MEAN)
    lift = np.where(zero_mc, np.nan, effect / np.abs(mc))
    # Interval flags only where an interval could otherwise be computed.
    defined = ~np.isnan(lift) & ~np.isnan(vc + vv + q)
    bounded = np.asarray(np.abs(mc) > q * np.sqrt(vc))  # mc^2 > q^2 vc, without overflow
    reason = reason | _flag(defined & ~bounded, Reason.LIFT_UNBOUNDED)
    if method == "delta":
        # sqrt(vv / mc^2 + mv^2 vc / mc^4), in ratios that cannot overflow
        se = np.hypot(np.sqrt(vv) / mc, (mv / mc) * (np.sqrt(vc) / mc))
        lo, hi = lift - q * se, lift + q * se
    elif method == "log":
        same_sign = (mv != 0) & (np.sign(mc) == np.sign(mv))
        reason = reason | _flag(defined & bounded & ~same_sign, Reason.LOG_UNDEFINED)
        # log(mv / mc) as log1p(effect / mc): all its digits when mv is close to mc
        log_ratio = np.log1p(np.where(same_sign, effect / mc, np.nan))
        se = np.hypot(np.sqrt(vv) / mv, np.sqrt(vc) / mc)
        lo, hi = _excess_bounds(np.expm1(log_ratio - q * se), np.expm1(log_ratio + q * se), mc)
        usable = same_sign | ~bounded
        lo, hi = np.where(usable, lo, np.nan), np.where(usable, hi, np.nan)
    else:  # "fieller", and "auto" (the interval that inverts the effect's test)
        # independent arms: Var(effect) = vc + vv, Cov(mc, effect) = -vc
        u_lo, u_hi, _ = fieller_excess(effect, mc, vc, vc + vv, -vc, q)
        lo, hi = _excess_bounds(u_lo, u_hi, mc)
    lo = np.where(bounded, lo, -np.inf)
    hi = np.where(bounded, hi, np.inf)
    if alternative != "two-sided":
        # The lift has the effect's sign: "greater" leaves the upper side open. An
        # interval the method cannot give (LOG_UNDEFINED) stays NaN on both sides.
        undefined = np.isnan(lo) & np.isnan(hi)
        if alternative == "greater":
            hi = np.where(undefined, np.nan, np.inf)
        else:
            lo = np.where(undefined, np.nan, -np.inf)
    lo = np.where(defined, lo, np.nan)
    hi = np.where(defined, hi, np.nan)
    return lift, lo, hi, reason


# ------------------------------------------------------------------------- comparisons
def _linear_compare(
    control: _Linear,
    variant: _Linear,
    pooled: _Linear,
    *,
    theta_pooling: str,
) -> dict[str, Any]:
    """Arm estimates and their variances, CUPED-adjusted when there is a covariate.

    Returns the pieces :func:`_finish` needs, with NaN where a row cannot be computed.
    The effect is computed from differences of the arms' shifted means
    (:func:`_difference`), never as the difference of two large means.
    """
    nc, nv = control.n, variant.n
    reason = _flag((nc < 2) | (nv < 2), Reason.TOO_FEW_UNITS)
    reason = reason | np.where(
        control.zero_denominator | variant.zero_denominator, int(Reason.ZERO_DENOMINATOR), 0
    )
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        var_c0 = control.var / nc
        var_v0 = variant.var / nv
        effect0 = _difference(variant, control)
        out: dict[str, Any] = {
            "observed_c": control.estimate,
            "observed_v": variant.estimate,
            "reason": reason,
            "unresolved": control.unresolved | variant.unresolved,
        }
        if control.cross is None:
            out.update(
                effect=effect0,
                mean_c=control.estimate,
                mean_v=variant.estimate,
                var_c=var_c0,
                var_v=var_v0,
            )
            return out
        assert variant.cross is not None
        assert pooled.cross is not None
        assert control.cov_var is not None
        assert variant.cov_var is not None
        assert control.cov_estimate is not None
        assert variant.cov_estimate is not None
        assert pooled.cov_var is not None
        assert pooled.cov_estimate is not None
        if theta_pooling == "total":
            num, den = pooled.cross, pooled.cov_var
        else:
            num = (nc - 1) * control.cross + (nv - 1) * variant.cross
            den = (nc - 1) * control.cov_var + (nv - 1) * variant.cov_var
        # Rows without variances (too few units, a zero denominator) are not adjusted
        # and stay NaN; a covariate without variance falls back to theta = 0, flagged.
        failed = np.isnan(control.var) | np.isnan(variant.var)
        unusable = ~failed & (
            ~(den > 0)
            | np.isnan(pooled.cov_estimate)
            | np.isnan(control.cov_estimate)
            | np.isnan(variant.cov_estimate)
        )
        keep = failed | unusable
        theta = np.where(failed, np.nan, np.where(unusable, 0.0, num / den))

        def adjust(arm: _Linear, n: FloatArray) -> tuple[FloatArray, FloatArray]:
            assert arm.cross is not None
            assert arm.cov_var is not None
            # the covariate's distance from the pooled centre, from the shifted means
            mean = arm.estimate - theta * _difference(arm, pooled, covariate=True)
            var = arm.var - 2 * theta * arm.cross + theta**2 * arm.cov_var
            var = np.maximum(np.where(var <= _ZERO_RTOL * arm.var, 0.0, var), 0.0)
            return np.where(keep, arm.estimate, mean), np.where(keep, arm.var, var) / n

        mean_c, var_c = adjust(control, nc)
        mean_v, var_v = adjust(variant, nv)
        # the centre cancels in the effect: (R_v - R_c) - theta (R'_v - R'_c)
        effect = effect0 - theta * _difference(variant, control, covariate=True)
        total0 = var_c0 + var_v0
        reduction = np.where(total0 > 0, 1 - (var_c + var_v) / total0, np.nan)
        out.update(
            effect=np.where(keep, effect0, effect),
            mean_c=mean_c,
            mean_v=mean_v,
            var_c=var_c,
            var_v=var_v,
            theta=theta,
            variance_reduction=np.where(unusable, 0.0, reduction),
            reason=reason | _flag(unusable, Reason.COVARIATE_UNUSABLE),
        )
    return out


def compare_means(
    control: MeanStats,
    variant: MeanStats,
    *,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
    lift_method: LiftMethod = "delta",
    theta_pooling: ThetaPooling = "total",
    use_t: bool = True,
) -> Comparison:
    """Welch's t-test of the difference of two means, CUPED-adjusted with a covariate.

    Without a covariate this is Welch's unequal-variances t-test (Welch 1947), as R's
    ``t.test(variant, control)`` and ``scipy.stats.ttest_ind(equal_var=False)``::

        effect = mean_v - mean_c,   s_a^2 = (sum_y2 - sum_y^2 / n) / (n - 1)
        se^2   = s_c^2 / n_c + s_v^2 / n_v
        t      = effect / se,   df = se^4 / ((s_c^2/n_c)^2/(n_c-1) + (s_v^2/n_v)^2/(n_v-1))

    (the Welch–Satterthwaite degrees of freedom; Satterthwaite 1946); the interval is
    ``effect ± t_{df, 1-alpha/2} se`` (one-sided: ``t_{df, 1-alpha}`` and an infinite
    bound).

    With a covariate ``c`` (CUPED; Deng, Xu, Kohavi & Walker 2013, "Improving the
    sensitivity of online controlled experiments by utilizing pre-experiment data")
    each arm's mean is adjusted with one coefficient shared by both arms::

        theta      = cov(y, c) / var(c)
        adjusted_a = mean_y,a - theta (mean_c,a - mean_c,pooled)
        Var(adjusted_a) = (s_y,a^2 - 2 theta s_yc,a + theta^2 s_c,a^2) / n_a

    where ``mean_c,pooled`` is the covariate mean of both arms together, and ``s_*,a``
    are the arm's own sample (co)variances. ``theta_pooling`` says where ``cov`` and
    ``var`` come from:

    - ``"total"`` (default, Deng et al.): the two arms pooled into one sample,
      ``cov = (sum_yc - sum_y sum_c / N) / (N - 1)`` with every sum over both arms.
    - ``"within"``: the within-arm sums of products pooled,
      ``theta = (S_yc,c + S_yc,v) / (S_cc,c + S_cc,v)`` with ``S`` the centred sums of
      each arm. This is the least-squares slope of ``y ~ variant + c``, so ``effect``
      equals the treatment coefficient of that regression (ANCOVA) exactly.

    The total sums add the between-arm term ``n_c n_v / N (dmean_y)(dmean_c)`` to the
    within sums, so the two effects differ by exactly
    ``(theta_within - theta_total) (mean_c,v - mean_c,c)``: second order in the
    covariate imbalance, which randomisation keeps small. The t-test then runs on the
    adjusted means and variances (Welch–Satterthwaite df from the adjusted variances);
    theta is treated as known, as usual.
    ``variance_reduction = 1 - Var(adjusted effect) / Var(effect)`` (about the squared
    correlation of ``y`` and ``c`` in large samples). A covariate with no variance
    leaves the row unadjusted, flagged COVARIATE_UNUSABLE.

    The relative lift is ``effect / |mc|``, ``mc`` the control mean: its sign is always
    the effect's, so a metric that can be negative (profit, net balance) reads the
    right way round (from -0.5 to +0.5 is +200%, not -200%); for ``mc > 0`` it is the
    usual ``mv / mc - 1``. Its interval follows ``lift_method`` (``mc``, ``mv`` the arm
    means, CUPED-adjusted when there is a covariate; ``V_a`` the variance of arm
    ``a``'s mean; ``q`` the critical value used for ``effect``; the arms treated as
    independent, which for CUPED ignores the shared centring ``mean_c,pooled``, a term
    proportional to the effect itself; intervals of the ratio ``r = mv / mc`` map to the
    lift as ``sign(mc) (r - 1)``):

    - ``"delta"``: ``lift ± q sqrt(V_v / mc^2 + mv^2 V_c / mc^4)`` (delta method).
    - ``"log"``: ``exp(log(mv / mc) ± q sqrt(V_v / mv^2 + V_c / mc^2))`` for the ratio,
      the delta method on the log ratio; needs both means non-zero and of one sign.
    - ``"fieller"``: Fieller's theorem (Fieller 1954, "Some problems in interval
      estimation"): every ``r`` with ``(mv - r mc)^2 <= q^2 (V_v + r^2 V_c)``. It
      inverts the effect's own test: it excludes a lift of 0 exactly when the effect's
      interval excludes 0, so the two never disagree (the delta and log intervals can,
      at the margin).
    - ``"auto"``: the interval that inverts the comparison's test: Fieller's here.

    Whatever the method, when the control mean is not distinguishable from 0 at the
    interval's level (``mc^2 <= q^2 V_c``, about ``|mc| <= 2`` standard errors) no
    finite interval of the ratio exists (Fieller's set is the whole line or two
    disjoint rays): the lift interval is ``(-inf, inf)``, flagged LIFT_UNBOUNDED.

    Args:
        control: The control arm's statistics (one element per row).
        variant: The variant arm's statistics (broadcast against ``control``).
        alpha: The significance level; intervals have coverage ``1 - alpha``.
        alternative: ``"two-sided"``, ``"greater"`` (variant above control) or ``"less"``.
        lift_method: ``"auto"``, ``"delta"``, ``"log"`` or ``"fieller"``.
        theta_pooling: ``"total"`` or ``"within"`` (with a covariate only).
        use_t: Student's t with Welch–Satterthwaite df (default, Welch's test); False
            uses the standard normal (a z-test, ``df = inf``).

    Returns:
        A :class:`Comparison`. Rows with an arm of fewer than 2 units, or with no
        variance in either arm, have NaN tests and intervals and a ``reason``.

    Raises:
        ValidationError: a bad option, or arms of different kinds or shapes.

    >>> control = MeanStats.from_values([1, 2, 3, 4, 5])
    >>> variant = MeanStats.from_values([2, 4, 6, 8, 11])
    >>> res = compare_means(control, variant)
    >>> # R: t.test(c(2, 4, 6, 8, 11), c(1, 2, 3, 4, 5)): t = 1.8663, df = 5.5733, p = 0.115
    >>> print(f"{res.statistic:.4f} {res.df:.4f} {res.p_value:.4f}")
    1.8663 5.5733 0.1150
    >>> print(f"{res.ci_low:.6f} {res.ci_high:.6f}")
    -1.074692 7.474692
    """
    alpha, alternative, lift_method = _options(alpha, alternative, lift_method)
    theta_pooling = check_choice("theta_pooling", theta_pooling, THETA_POOLINGS)
    _pair(control, variant, MeanStats)
    lc, lv = control._linear(), variant._linear()
    pooled = (control + variant)._linear() if control.has_covariate else lc
    parts = _linear_compare(lc, lv, pooled, theta_pooling=theta_pooling)
    df = _welch_df(parts, lc.n, lv.n, _check_use_t(use_t))
    return _finish(
        df=df,
        alpha=alpha,
        alternative=alternative,
        lift_method=lift_method,
        **parts,
    )


def compare_ratios(
    control: RatioStats,
    variant: RatioStats,
    *,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
    lift_method: LiftMethod = "delta",
    theta_pooling: ThetaPooling = "total",
    use_t: bool = False,
) -> Comparison:
    """z-test of the difference of two ratio metrics ``sum(y) / sum(x)`` (delta method).

    Each arm's ratio ``R = mean(y) / mean(x)`` has the delta-method variance, covariance
    term included (Deng, Knoblich & Lu 2018, "Applying the delta method in metric
    analytics", KDD)::

        Var(R) = (s_y^2 - 2 R s_xy + R^2 s_x^2) / (n mean(x)^2)

    with ``s`` the arm's sample (co)variances (``ddof=1``). This is the variance of the
    mean of the per-unit linearisation ``L = (y - R x) / mean(x)``. The reference
    distribution is the standard normal (``df = inf``) by default, as in Deng et al.;
    ``use_t=True`` uses Student's t with the Welch–Satterthwaite df of the two arms'
    linearised variances instead (as tea-tasting's ``RatioOfMeans`` does by default);
    ``effect = R_v - R_c``, ``z = effect / sqrt(Var(R_c) + Var(R_v))``.

    With a covariate (CUPED on the linearisation), the covariate ``c`` (per unit, or
    the ratio ``sum(c) / sum(d)``) is linearised the same way,
    ``M = (c - R_c' d) / mean(d)`` with ``R_c' = mean(c) / mean(d)``, and::

        theta      = cov(L, M) / var(M)
        adjusted_a = R_a - theta (R_c',a - R_c',pooled)
        Var(adjusted_a) = (var(L_a) - 2 theta cov(L_a, M_a) + theta^2 var(M_a)) / n_a

    ``cov(L, M) = (s_yc - R_c' s_yd - R s_xc + R R_c' s_xd) / (mean(x) mean(d))``.
    ``theta_pooling="total"`` (default) computes ``theta`` on both arms pooled into one
    sample (``L`` and ``M`` linearised at the pooled ratios), ``"within"`` from the
    within-arm moments (each arm linearised at its own ratios) pooled with weights
    ``n_a - 1``. For a mean (``x = d = 1``) both reduce to :func:`compare_means`' theta.

    The lift ``effect / |R_c|`` and its interval follow ``lift_method`` as in
    :func:`compare_means`, with the same critical value as the effect.

    Args:
        control: The control arm's statistics.
        variant: The variant arm's statistics.
        alpha: The significance level.
        alternative: ``"two-sided"``, ``"greater"`` or ``"less"``.
        lift_method: ``"auto"``, ``"delta"``, ``"log"`` or ``"fieller"``.
        theta_pooling: ``"total"`` or ``"within"`` (with a covariate only).
        use_t: Student's t with Welch–Satterthwaite df instead of the normal.

    Returns:
        A :class:`Comparison` (``df = inf`` unless ``use_t``). Rows with an arm of fewer
        than 2 units, a zero denominator or no variance have NaN tests and a ``reason``.

    Raises:
        ValidationError: a bad option, or arms of different kinds or shapes.

    >>> c = RatioStats.from_values(y=[3.0, 0.0, 5.0, 2.0], x=[2, 1, 3, 1])
    >>> v = RatioStats.from_values(y=[4.0, 1.0, 6.0, 6.0], x=[2, 1, 2, 2])
    >>> res = compare_ratios(c, v)
    >>> print(f"{res.control_mean:.4f} {res.variant_mean:.4f} {res.effect:.4f}")
    1.4286 2.4286 1.0000
    """
    alpha, alternative, lift_method = _options(alpha, alternative, lift_method)
    theta_pooling = check_choice("theta_pooling", theta_pooling, THETA_POOLINGS)
    _pair(control, variant, RatioStats)
    lc, lv = control._linear(), variant._linear()
    pooled = (control + variant)._linear() if control.has_covariate else lc
    parts = _linear_compare(lc, lv, pooled, theta_pooling=theta_pooling)
    return _finish(
        df=_welch_df(parts, lc.n, lv.n, _check_use_t(use_t)),
        alpha=alpha,
        alternative=alternative,
        lift_method=lift_method,
        **parts,
    )


def compare_proportions(
    control: ProportionStats,
    variant: ProportionStats,
    *,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
    lift_method: LiftMethod = "delta",
    interval: Literal["score", "wald"] = "score",
) -> Comparison:
    """Two-sample z-test of proportions, as R's ``prop.test(correct = FALSE)``.

    With ``p_a = successes_a / n_a`` and ``p = (successes_c + successes_v) / (n_c + n_v)``::

        effect = p_v - p_c
        z      = effect / sqrt(p (1 - p) (1/n_c + 1/n_v))       (pooled under the null)
        se     = sqrt(p_c (1 - p_c) / n_c + p_v (1 - p_v) / n_v)  (unpooled)

    ``statistic`` is ``z``; ``z**2`` is R's ``X-squared`` (Pearson's chi-square of the
    2×2 table without continuity correction) and the two-sided p-value is the same.
    ``df = inf``.

    The interval (``interval="score"``, the default) is the score interval that inverts
    this same test (Mee 1984; Miettinen & Nurminen 1985 without their ``N / (N - 1)``
    factor; see :func:`~hypokit.stats.score_interval_difference`): it excludes 0 exactly
    when the pooled z-test rejects, so a row never shows "p < 0.05" beside an interval
    that includes 0. ``interval="wald"`` gives R's ``prop.test`` interval instead,
    ``effect ± z_{1-alpha/2} se`` clipped to [-1, 1] (statsmodels'
    ``confint_proportions_2indep(method="wald")`` without the clipping), which can
    disagree with the test at the margin. One-sided: the open bound is -1 or 1.

    The lift ``effect / p_c`` (``p_c >= 0``) takes its interval by ``lift_method`` as in
    :func:`compare_means`, with ``V_a = p_a (1 - p_a) / n_a`` and the normal critical
    value; ``"auto"`` with the score interval is the score interval of the ratio
    ``p_v / p_c`` (Koopman 1984; :func:`~hypokit.stats.score_interval_ratio`) minus 1,
    which excludes 0 exactly when the test rejects.

    Args:
        control: The control arm's counts.
        variant: The variant arm's counts.
        alpha: The significance level.
        alternative: ``"two-sided"``, ``"greater"`` or ``"less"``.
        lift_method: ``"auto"``, ``"delta"``, ``"log"`` or ``"fieller"``.
        interval: ``"score"`` (inverts the test) or ``"wald"`` (R's ``prop.test``).

    Returns:
        A :class:`Comparison`. An empty arm gives NaN (TOO_FEW_UNITS); both arms at 0%
        or both at 100% give a NaN test and interval (ZERO_VARIANCE).

    Raises:
        ValidationError: a bad option, or arms of different kinds or shapes.

    >>> res = compare_proportions(
    ...     ProportionStats(500, 45), ProportionStats(510, 60), interval="wald"
    ... )
    >>> # R: prop.test(c(60, 45), c(510, 500), correct = FALSE)
    >>> # X-squared = 2.0717, p-value = 0.1501, 95% CI -0.009917921 0.065212039
    >>> print(f"{res.statistic**2:.4f} {res.p_value:.4f} {res.ci_low:.9f} {res.ci_high:.9f}")
    2.0717 0.1501 -0.009917921 0.065212039
    >>> score = compare_proportions(ProportionStats(500, 45), ProportionStats(510, 60))
    >>> print(f"{score.ci_low:.6f} {score.ci_high:.6f}")  # Mee's score interval
    -0.010140 0.065786
    """
    alpha, alternative, lift_method = _options(alpha, alternative, lift_method)
    interval = check_choice("interval", interval, ("score", "wald"))
    _pair(control, variant, ProportionStats)
    nc, nv = control.n, variant.n
    with np.errstate(divide="ignore", invalid="ignore"):
        pc = control.successes / nc
        pv = variant.successes / nv
        empty = (nc < 1) | (nv < 1)
        vc = np.where(empty, np.nan, pc * (1 - pc) / nc)
        vv = np.where(empty, np.nan, pv * (1 - pv) / nv)
        pbar = (control.successes + variant.successes) / (nc + nv)
        se0 = np.sqrt(pbar * (1 - pbar) * (1 / nc + 1 / nv))
        effect = pv - pc
        z = effect / se0
    reason = _flag(empty, Reason.TOO_FEW_UNITS)
    # The test is undefined when the pooled rate is 0 or 1 (both arms at 0% or 100%).
    reason = reason | _flag(~empty & (se0 == 0), Reason.ZERO_VARIANCE)
    return _finish(
        effect=effect,
        var_c=vc,
        var_v=vv,
        df=np.full_like(effect, np.inf),
        mean_c=pc,
        mean_v=pv,
        observed_c=pc,
        observed_v=pv,
        reason=reason,
        alpha=alpha,
        alternative=alternative,
        lift_method=lift_method,
        statistic=np.where(se0 == 0, np.nan, z),
        bounds=(-1.0, 1.0),
        counts=(nc, control.successes, nv, variant.successes) if interval == "score" else None,
    )
