"""Group-sequential designs: alpha spending and the boundaries of a test read at K looks.

The pure statistics core: numpy and scipy only. A group-sequential test looks at the data
at information fractions ``0 < t_1 < ... < t_K = 1`` of the planned maximum and stops at
the first look whose z statistic crosses that look's critical value. The critical values
come from an *alpha spending function* (Lan & DeMets 1983, "Discrete sequential boundaries
for clinical trials", Biometrika 70(3)): the boundary at look ``k`` is chosen so that the
probability, under the null, of crossing for the first time at look ``k`` is
``alpha(t_k) - alpha(t_{k-1})``. Two spending functions are offered:

- ``"obrien-fleming"`` (O'Brien-Fleming type): ``a(t) = 2 - 2 Phi(z_{1-a/2} / sqrt(t))``
  for a one-sided level ``a``; spends almost nothing early, so the final look keeps
  nearly the fixed-design critical value.
- ``"pocock"`` (Pocock type): ``a(t) = a log(1 + (e - 1) t)``; spends evenly, so early
  stops are easier and the final critical value is higher.

A one-sided design spends ``a = alpha``. A two-sided (symmetric) design spends
``a = alpha / 2`` on each side, so its total is ``2 a(t)``: for O'Brien-Fleming
``4 - 4 Phi(z_{1-alpha/4} / sqrt(t))``, not ``2 - 2 Phi(z_{1-alpha/2} / sqrt(t))``
(the two agree at ``t = 1`` only; Pocock's is linear in ``alpha``, so it is the same
either way). This is the convention of R's ``rpact`` (``typeOfDesign = "asOF"``,
``"asP"``), ``ldbounds`` and ``gsDesign`` and gives the published two-sided boundaries
(five looks, ``alpha = 0.05``: 4.877, 3.357, 2.680, 2.290, 2.031).

The probabilities come from the canonical joint distribution of the z statistics
(independent increments, ``corr(Z_i, Z_j) = sqrt(t_i / t_j)``), integrated by the recursive
numerical integration of Armitage, McPherson & Rowe (1969, "Repeated significance tests
on accumulating data", JRSS A 132(2)) on the grid of Jennison & Turnbull (2000,
"Group Sequential Methods with Applications to Clinical Trials", chapter 19): ``6 r - 1``
points per look (``r = 32``), trimmed to the continuation region, with Simpson's rule.
The boundaries agree with ``rpact`` to 1e-6 or better, except at looks that spend
almost nothing (nominal levels below about 1e-5), where ``rpact``'s tolerance on alpha
limits it (and, below about 1e-14, it reports ``Inf``); the values here reproduce the
spending function there too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, Literal, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special

from hypokit._errors import ValidationError
from hypokit._validate import check_choice, check_finite, check_int_at_least, check_open_unit
from hypokit.stats._power import ALTERNATIVES, Alternative, critical_z

__all__ = [
    "SPENDING_FUNCTIONS",
    "GroupSequentialDesign",
    "SpendingFunction",
    "boundaries",
    "crossing_probabilities",
    "inflation_factor",
    "repeated_testing_alpha",
    "spending",
]

FloatArray: TypeAlias = NDArray[np.float64]
SpendingFunction = Literal["obrien-fleming", "pocock"]

SPENDING_FUNCTIONS: tuple[SpendingFunction, ...] = ("obrien-fleming", "pocock")

#: Grid size parameter of Jennison & Turnbull (2000, section 19.2): 6 r - 1 points per look.
_GRID_R = 32

#: Looks closer than this (in information) make the integration kernel narrower than the
#: grid; boundaries are accurate (checked by simulation) from this spacing up.
_MIN_SPACING = 1e-3


# --------------------------------------------------------------------------- inputs
def _fractions(t: Any, looks: Any) -> FloatArray:
    """Information fractions from ``t`` or ``looks``: strictly increasing, ending at 1."""
    if t is None:
        if looks is None:
            raise ValidationError(
                "looks == None, must be given when t is not (looks at equally spaced fractions)."
            )
        k = check_int_at_least("looks", looks, 1)
        return np.arange(1, k + 1, dtype=np.float64) / k
    try:
        arr = np.array(t, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValidationError(f"t == {t!r:.80}, must be numbers.") from None
    shown = f"{np.array2string(arr, separator=', ', threshold=10)}"
    if arr.ndim != 1 or arr.size == 0:
        raise ValidationError(f"t == {shown}, must be a non-empty list of fractions.")
    if not np.all(np.isfinite(arr)) or arr[0] <= 0 or arr[-1] > 1 + 1e-12:
        raise ValidationError(f"t == {shown}, must be fractions in (0, 1].")
    if np.any(np.diff(arr) <= 0):
        raise ValidationError(f"t == {shown}, must be strictly increasing.")
    if np.any(np.diff(arr) < _MIN_SPACING):
        raise ValidationError(
            f"t == {shown}: two looks are less than {_MIN_SPACING:g} of the information "
            "apart, too close to tell apart; merge them into one look."
        )
    if abs(arr[-1] - 1) > 1e-12:
        raise ValidationError(f"t == {shown}, must end at 1 (the final look).")
    arr[-1] = 1.0
    if looks is not None and check_int_at_least("looks", looks, 1) != arr.size:
        raise ValidationError(f"looks == {looks!r}, must equal len(t) == {arr.size}.")
    return arr


def spending(
    kind: SpendingFunction,
    t: ArrayLike,
    *,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
) -> FloatArray:
    """Cumulative alpha spent at information fractions ``t`` (Lan & DeMets 1983).

    With ``a = alpha`` for a one-sided design and ``a = alpha / 2`` per side for a
    two-sided one, the amount spent on one side is ``"obrien-fleming"``:
    ``2 - 2 Phi(z_{1-a/2} / sqrt(t))`` (computed as ``2 Phi(-z_{1-a/2} / sqrt(t))`` so
    that tiny early amounts keep their precision), ``"pocock"``:
    ``a log(1 + (e - 1) t)``; a two-sided design spends twice that. Both spend 0 at
    ``t = 0`` and ``alpha`` at ``t = 1``. Matches ``rpact``'s ``alphaSpent``.

    Args:
        kind: One of :data:`SPENDING_FUNCTIONS`.
        t: Information fractions in [0, 1] (any shape).
        alpha: The total type-I error of the design.
        alternative: ``"two-sided"`` (alpha split between two symmetric boundaries),
            ``"greater"`` or ``"less"``.

    Returns:
        The cumulative alpha spent, with the shape of ``t``.

    Raises:
        ValidationError: an unknown ``kind`` or ``alternative``, ``alpha`` outside
            (0, 1), or ``t`` outside [0, 1].

    >>> # R: getDesignGroupSequential(kMax = 4, sided = 2, typeOfDesign = "asOF")$alphaSpent
    >>> # 1.473361687e-05 3.050645505e-03 1.929864963e-02 4.999999000e-02
    >>> print(*(f"{a:.6e}" for a in spending("obrien-fleming", [0.25, 0.5, 0.75, 1.0])))
    1.473362e-05 3.050646e-03 1.929865e-02 5.000000e-02
    >>> np.round(spending("pocock", [0.5, 1.0], alpha=0.025), 6)
    array([0.015503, 0.025   ])
    """
    kind = check_choice("kind", kind, SPENDING_FUNCTIONS)
    alpha = check_open_unit("alpha", alpha)
    alternative = check_choice("alternative", alternative, ALTERNATIVES)
    try:
        frac = np.array(t, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValidationError(f"t == {t!r:.80}, must be numbers.") from None
    if not np.all((frac >= 0) & (frac <= 1)):
        raise ValidationError(f"t == {t!r:.80}, must be fractions in [0, 1].")
    return _spent(kind, frac, alpha, alternative)


def _spent(
    kind: SpendingFunction, frac: FloatArray, alpha: float, alternative: Alternative
) -> FloatArray:
    sides = 2 if alternative == "two-sided" else 1
    side = alpha / sides
    if kind == "pocock":
        return np.asarray(alpha * np.log1p((math.e - 1) * frac), dtype=np.float64)
    z = critical_z(side, "two-sided")
    with np.errstate(divide="ignore"):
        spent = sides * 2 * special.ndtr(-z / np.sqrt(frac))
    return np.asarray(np.where(frac >= 1, alpha, spent), dtype=np.float64)


# ----------------------------------------------------------------------- integration
def _grid(mean: float, low: float, high: float) -> tuple[FloatArray, FloatArray]:
    """Nodes and Simpson weights on ``(low, high)`` (Jennison & Turnbull 2000, 19.2.1).

    The ``6 r - 1`` base points concentrate around ``mean`` (the mean of the z statistic)
    and reach ``mean +- (3 + 4 log r)``; points outside ``(low, high)`` are replaced by
    the ends; midpoints between consecutive points make Simpson's rule.
    """
    r = _GRID_R
    i = np.arange(1, 6 * r, dtype=np.float64)
    x = np.where(
        i < r,
        -3 - 4 * np.log(r / i),
        np.where(i <= 5 * r, -3 + 3 * (i - r) / (2 * r), 3 + 4 * np.log(r / (6 * r - i))),
    )
    x = mean + x
    start, stop = max(low, float(x[0])), min(high, float(x[-1]))
    if not start < stop:  # the region is > 3 + 4 log r from the mean: no mass
        return np.array([min(max(mean, low), high)]), np.zeros(1)
    inner = x[(x > start) & (x < stop)]
    pts = np.concatenate(([start], inner, [stop]))
    d = np.diff(pts)
    nodes = np.empty(2 * pts.size - 1)
    nodes[0::2] = pts
    nodes[1::2] = pts[:-1] + d / 2
    weights = np.zeros_like(nodes)
    weights[0:-1:2] += d / 6
    weights[1::2] += 4 * d / 6
    weights[2::2] += d / 6
    return nodes, weights


class _Recursion:
    """The sub-density of the z statistic at successive looks, without earlier stops.

    ``step(k, low, high)`` returns the probabilities of crossing look ``k`` above
    ``high`` and below ``low`` (never having crossed before), for the boundaries of the
    earlier looks given to ``advance``. Drift is ``E[Z_K]``: the z statistic at fraction
    ``t`` has mean ``drift * sqrt(t)``.
    """

    def __init__(self, t: FloatArray, drift: float) -> None:
        self.t = t
        self.drift = drift
        self.k = 0
        self.nodes: FloatArray = np.empty(0)
        self.mass: FloatArray = np.empty(0)  # density * Simpson weight at the nodes

    def _moments(self) -> tuple[FloatArray, float, float]:
        k = self.k
        prev, cur = self.t[k - 1], self.t[k]
        delta = cur - prev
        # sqrt(t_k) Z_k = sqrt(t_{k-1}) Z_{k-1} + N(drift * delta, delta)
        centre = (self.nodes * math.sqrt(prev) + self.drift * delta) / math.sqrt(cur)
        return centre, math.sqrt(delta / cur), float(cur)

    def crossing(self, low: float, high: float) -> tuple[float, float]:
        """Probabilities of first crossing above ``high`` / below ``low`` at this look."""
        if self.k == 0:
            m = self.drift * math.sqrt(self.t[0])
            return float(special.ndtr(m - high)), float(special.ndtr(low - m))
        centre, sd, _ = self._moments()
        up = float(np.dot(self.mass, special.ndtr((centre - high) / sd)))
        down = float(np.dot(self.mass, special.ndtr((low - centre) / sd)))
        return up, down

    def advance(self, low: float, high: float) -> None:
        """Condition on continuing at this look (``low < Z < high``) and move to the next."""
        mean = self.drift * math.sqrt(self.t[self.k])
        nodes, weights = _grid(mean, low, high)
        if self.k == 0:
            density = np.exp(-0.5 * (nodes - mean) ** 2) / math.sqrt(2 * math.pi)
        else:
            centre, sd, _ = self._moments()
            kernel = np.exp(-0.5 * ((nodes[:, None] - centre[None, :]) / sd) ** 2)
            density = kernel @ self.mass / (sd * math.sqrt(2 * math.pi))
        self.nodes, self.mass = nodes, density * weights
        self.k += 1


def _crossing(
    t: FloatArray, z: FloatArray, alternative: Alternative, drift: float
) -> tuple[FloatArray, FloatArray]:
    """Per-look first-crossing probabilities (upper, lower) of given boundaries."""
    sign = -1.0 if alternative == "less" else 1.0
    rec = _Recursion(t, sign * drift)
    up = np.zeros(t.size)
    down = np.zeros(t.size)
    for k in range(t.size):
        high = float(z[k])
        low = -high if alternative == "two-sided" else -math.inf
        up[k], down[k] = rec.crossing(low, high)
        if k + 1 < t.size:
            rec.advance(max(low, -1e3), min(high, 1e3))
    # For "less" the picture is mirrored (Z -> -Z, drift -> -drift): "up" is rejection.
    return up, down


# --------------------------------------------------------------------------- designs
@dataclass(frozen=True, eq=False)
class GroupSequentialDesign:
    """The boundaries of a group-sequential test; arrays are read-only, one per look.

    Reject at look ``k`` when ``Z_k >= z[k]`` (``"greater"``), ``Z_k <= -z[k]``
    (``"less"``) or ``|Z_k| >= z[k]`` (``"two-sided"``), equivalently when the look's
    fixed-horizon p-value (two-sided for a two-sided design) is at most
    ``nominal_alpha[k]``.

    Attributes:
        information: The information fractions ``t_1 < ... < t_K = 1``.
        z: The critical values (positive) of the z statistic at each look.
        nominal_alpha: The nominal p-value threshold at each look.
        alpha_spent: Cumulative alpha spent by the spending function at each look.
        alpha: The total type-I error.
        alternative: ``"two-sided"`` (symmetric), ``"greater"`` or ``"less"``
            (efficacy only: no futility boundary).
        spending: The spending function, one of :data:`SPENDING_FUNCTIONS`.
    """

    information: FloatArray
    z: FloatArray
    nominal_alpha: FloatArray
    alpha_spent: FloatArray
    alpha: float
    alternative: Alternative
    spending: SpendingFunction

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                value.setflags(write=False)

    @property
    def looks(self) -> int:
        """The number of looks ``K``."""
        return int(self.information.size)


def boundaries(
    t: ArrayLike | None = None,
    *,
    looks: int | None = None,
    alpha: float = 0.05,
    spending: SpendingFunction = "obrien-fleming",
    alternative: Alternative = "two-sided",
) -> GroupSequentialDesign:
    """Critical values of a group-sequential test with Lan-DeMets alpha spending.

    Look by look, the critical value ``c_k`` solves
    ``P0(first crossing at look k) = alpha(t_k) - alpha(t_{k-1})`` under the canonical
    joint distribution of the z statistics (recursive numerical integration, Jennison &
    Turnbull 2000, chapter 19); two-sided designs are symmetric (``+-c_k``), one-sided
    designs have an efficacy boundary only. With one look the critical value is the
    fixed-design ``z_{1-alpha/2}`` (``z_{1-alpha}`` one-sided). Matches R's
    ``rpact::getDesignGroupSequential(typeOfDesign = "asOF"/"asP")``.

    Args:
        t: Information fractions of the looks, strictly increasing and ending at 1 (the
            share of the planned sample size, or of the final variance's inverse, seen at
            each look). None for ``looks`` equally spaced looks.
        looks: The number of looks; required when ``t`` is None.
        alpha: The total type-I error (one-sided level for a one-sided design).
        spending: ``"obrien-fleming"`` or ``"pocock"`` (see :func:`spending`).
        alternative: ``"two-sided"``, ``"greater"`` or ``"less"``.

    Returns:
        A :class:`GroupSequentialDesign`.

    Raises:
        ValidationError: bad fractions, ``looks`` or options.

    >>> design = boundaries(looks=5)  # O'Brien-Fleming type, two-sided alpha = 0.05
    >>> np.round(design.z, 3)
    array([4.877, 3.357, 2.68 , 2.29 , 2.031])
    >>> # R: getDesignGroupSequential(kMax = 3, alpha = 0.05, sided = 1,
    >>> #      typeOfDesign = "asP")$criticalValues: 2.002013845 1.993796818 1.980304219
    >>> np.round(boundaries(looks=3, spending="pocock", alternative="greater").z, 6)
    array([2.002014, 1.993797, 1.980304])
    """
    frac = _fractions(t, looks)
    alpha = check_open_unit("alpha", alpha)
    kind = check_choice("spending", spending, SPENDING_FUNCTIONS)
    alternative = check_choice("alternative", alternative, ALTERNATIVES)
    spent = _spent(kind, frac, alpha, alternative)
    increments = np.diff(spent, prepend=0.0)
    two = alternative == "two-sided"

    rec = _Recursion(frac, 0.0)
    z = np.empty(frac.size)
    for k, target in enumerate(increments):
        if not target > 0:
            z[k] = math.inf
        else:
            # Crossing is at most the marginal tail, so c_k <= the fixed critical value.
            high = float(-special.ndtri(target / 2 if two else target))

            def excess(c: float, target: float = float(target)) -> float:
                up, down = rec.crossing(-c if two else -math.inf, c)
                return math.log(up + down) - math.log(target)

            if excess(high) >= 0:
                z[k] = high
            else:
                # Two-sided: at 0 everything still running crosses; one-sided: at -40.
                z[k] = optimize.brentq(excess, 0.0 if two else -40.0, high, xtol=1e-12)
        if k + 1 < frac.size:
            c = min(float(z[k]), 1e3)
            rec.advance(-c if two else -1e3, c)
    nominal = special.ndtr(-z) * (2 if two else 1)
    return GroupSequentialDesign(
        information=frac,
        z=z,
        nominal_alpha=np.asarray(nominal, dtype=np.float64),
        alpha_spent=np.asarray(spent, dtype=np.float64),
        alpha=alpha,
        alternative=alternative,
        spending=kind,
    )


def crossing_probabilities(design: GroupSequentialDesign, drift: float) -> FloatArray:
    """Probability of stopping (rejecting) at each look, for a given drift.

    ``drift`` is the expected z statistic at the final look, ``E[Z_K] = theta /
    se_K`` for a true effect ``theta``; at fraction ``t`` the z statistic has mean
    ``drift * sqrt(t)``. Positive drifts favour the variant: a ``"greater"`` design
    rejects for them, a ``"less"`` design for negative ones; a two-sided design counts
    crossings of either boundary. ``drift = 0`` gives the null: the cumulative sum then
    equals ``design.alpha_spent``.

    Args:
        design: A :class:`GroupSequentialDesign` from :func:`boundaries`.
        drift: The expected final z statistic.

    Returns:
        The probability of first crossing at each look (sum: the power, or the type-I
        error at ``drift = 0``).

    >>> design = boundaries(looks=3)
    >>> np.round(np.cumsum(crossing_probabilities(design, 0.0)), 6)  # = design.alpha_spent
    array([0.000207, 0.012097, 0.05    ])
    >>> round(float(crossing_probabilities(design, 2.8).sum()), 3)  # power at drift 2.8
    0.795
    """
    if not isinstance(design, GroupSequentialDesign):
        raise ValidationError(f"design == {type(design).__name__}, must be GroupSequentialDesign.")
    drift = check_finite("drift", drift)
    up, down = _crossing(design.information, design.z, design.alternative, drift)
    total = up + down if design.alternative == "two-sided" else up
    return np.asarray(total, dtype=np.float64)


def inflation_factor(
    design: GroupSequentialDesign, *, power: float = 0.8, strict: bool = False
) -> float:
    """The maximum sample size of a design relative to the fixed design of equal power.

    Solves for the drift at which the probability of rejecting equals ``power`` and
    returns ``(drift / (z_{1-alpha/2} + z_power))**2`` (one-sided: ``z_{1-alpha}``), as
    R's ``rpact::getDesignCharacteristics(design)$inflationFactor``. Multiply a fixed
    design's sample size by it to size the group-sequential test. As R's
    ``power.prop.test`` (``strict = FALSE``) and ``rpact``, power counts only rejections
    on the side of the true effect; ``strict=True`` adds stops at the other boundary of
    a two-sided design (they matter only for Pocock-type designs with an early look).

    Args:
        design: A :class:`GroupSequentialDesign`.
        power: The target power, in (alpha, 1).
        strict: Count rejections at either boundary of a two-sided design.

    Returns:
        The inflation factor (at least 1 up to integration error).

    Raises:
        ValidationError: ``power`` outside (alpha, 1) or not a design.

    >>> # R: getDesignCharacteristics(getDesignGroupSequential(kMax = 5, typeOfDesign =
    >>> #      "asOF"))$inflationFactor = 1.024719881 (beta = 0.1, "asP": 1.192347644)
    >>> round(inflation_factor(boundaries(looks=5)), 4)
    1.0247
    >>> round(inflation_factor(boundaries(looks=5, spending="pocock"), power=0.9), 4)
    1.1923
    """
    if not isinstance(design, GroupSequentialDesign):
        raise ValidationError(f"design == {type(design).__name__}, must be GroupSequentialDesign.")
    power = check_open_unit("power", power)
    if power <= design.alpha:
        raise ValidationError(
            f"power == {power!r}, must be greater than the design's alpha == {design.alpha!r}."
        )
    sign = -1.0 if design.alternative == "less" else 1.0
    fixed = critical_z(design.alpha, design.alternative) + float(special.ndtri(power))
    both = strict and design.alternative == "two-sided"

    def shortfall(drift: float) -> float:
        up, down = _crossing(design.information, design.z, design.alternative, sign * drift)
        return float(up.sum() + (down.sum() if both else 0.0)) - power

    high = 2 * fixed + 1
    while shortfall(high) < 0:  # pragma: no cover - only for extreme designs
        high *= 2
    drift = optimize.brentq(shortfall, 0.0, high, xtol=1e-12, rtol=1e-14)
    return float((drift / fixed) ** 2)


def repeated_testing_alpha(
    t: ArrayLike | None = None,
    *,
    looks: int | None = None,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
) -> float:
    """The type-I error of reading a fixed-horizon test at every look (peeking).

    The probability, under the null, that a level-``alpha`` z-test rejects at one or
    more of the looks at fractions ``t``: Armitage, McPherson & Rowe (1969), computed by
    the same recursive integration as :func:`boundaries`. Five equally spaced looks at
    two-sided ``alpha = 0.05`` give 0.142 (Jennison & Turnbull 2000, table 1.1).

    Args:
        t: Information fractions of the looks (see :func:`boundaries`), or None.
        looks: The number of equally spaced looks when ``t`` is None.
        alpha: The nominal level of the test at each look.
        alternative: ``"two-sided"``, ``"greater"`` or ``"less"``.

    Returns:
        The overall type-I error.

    >>> round(repeated_testing_alpha(looks=5), 3)
    0.142
    """
    frac = _fractions(t, looks)
    alpha = check_open_unit("alpha", alpha)
    alternative = check_choice("alternative", alternative, ALTERNATIVES)
    z = np.full(frac.size, critical_z(alpha, alternative))
    up, down = _crossing(frac, z, alternative, 0.0)
    total = up + down if alternative == "two-sided" else up
    return float(total.sum())
