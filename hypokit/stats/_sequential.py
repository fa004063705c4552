"""Always-valid inference: confidence sequences and p-values that survive peeking.

The pure statistics core: numpy and scipy only, one element per row. A fixed-horizon
test read every day declares false winners far more often than ``alpha`` (thirty daily
looks at 5% reject a true null about 28% of the time). A *confidence sequence* is a
sequence of intervals that covers the true effect at every look simultaneously with
probability ``1 - alpha``, so it may be read as often as one likes and the experiment
stopped at any time.

The method is the asymptotic confidence sequence of Waudby-Smith, Arnold, Wu, Howard &
Ramdas (2024), "Time-uniform central limit theory and asymptotic confidence sequences",
Annals of Statistics, theorem 2.2: the normal-mixture boundary of Robbins, the
same as the mixture sequential probability ratio test (mSPRT) of Johari, Koomen,
Pekelis & Walsh (2022), "Always valid inference: continuous monitoring of A/B tests",
Operations Research 70(3), and as GrowthBook's ``gbstats`` (whose
``sequentialTuningParameter`` is ``n_tune`` here).

It works on what an analysis already has per row: ``effect`` (variant minus control,
CUPED-adjusted or not), its standard error ``se`` (``V = se**2``) and ``n``, the units
in the comparison (control plus variant). With the per-unit variance
``sigma^2 = V n``, the paper's mixing parameter is written ``rho^2 / sigma^2`` (a
normal mixture of mean effects with variance ``tau^2 = sigma^2 rho^2`` in Johari et al.),
so that ``r = n rho^2`` is free of units. The mixture martingale and the two-sided
radius are then::

    Lambda_n = (1 + r)^(-1/2) exp(z^2 r / (2 (1 + r))),     z = effect / se
    radius   = sqrt(V (1 + r) / r (log(1 + r) - 2 log(alpha)))

and the interval ``effect +- radius`` excludes 0 exactly when ``Lambda_n >= 1/alpha``.
``rho`` is tuned so that the radius is (nearly) smallest when ``n = n_tune``:
minimising ``(1 + 1/r)(log(1 + r) - 2 log alpha)`` over ``r`` gives
``r = log(1 + r) - 2 log alpha``, whose first fixed-point step from ``r = -2 log alpha``
is::

    rho^2 = (-2 log(alpha) + log(-2 log(alpha) + 1)) / n_tune

(the tuning recommended by Waudby-Smith et al.; ``gbstats``' ``sequential_rho``).

Choosing ``n_tune``: set it to the planned sample size (units in both arms at the
planned end). The intervals are then only slightly wider than fixed-horizon ones at the
end (about 1.55 times at ``alpha = 0.05``) and much wider than them early on; they stay
valid for any ``n_tune``, a poor choice only costs width. The default, 5000, is
``gbstats``' default.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from hypokit._errors import DataError, ValidationError
from hypokit._validate import check_choice, check_int_at_least, check_open_unit, check_positive
from hypokit.stats._group_sequential import boundaries, repeated_testing_alpha
from hypokit.stats._power import ALTERNATIVES, Alternative

__all__ = [
    "DEFAULT_N_TUNE",
    "SequentialResult",
    "always_valid_p_value",
    "confidence_sequence",
    "mixing_rho2",
    "peeking_simulation",
    "running",
]

FloatArray: TypeAlias = NDArray[np.float64]

#: Default ``n_tune``: the sample size (both arms) at which intervals are tightest.
DEFAULT_N_TUNE = 5000.0

_LOG_2PI_HALF = 0.5 * math.log(2 * math.pi)


@dataclass(frozen=True, eq=False)
class SequentialResult:
    """A confidence sequence and always-valid p-value per row; read-only arrays.

    Attributes:
        ci_low, ci_high: The confidence sequence at this look (``ci_high = inf`` for
            ``"greater"``, ``ci_low = -inf`` for ``"less"``).
        p_value: The always-valid p-value of no effect (at most ``alpha`` exactly when
            the interval excludes 0).
        radius: The distance from ``effect`` to the finite bound(s).
    """

    ci_low: FloatArray
    ci_high: FloatArray
    p_value: FloatArray
    radius: FloatArray

    def __post_init__(self) -> None:
        for f in fields(self):
            getattr(self, f.name).setflags(write=False)


def mixing_rho2(alpha: float, n_tune: float = DEFAULT_N_TUNE) -> float:
    """The mixing parameter ``rho^2`` that makes the radius tightest near ``n_tune`` units.

    ``rho^2 = (-2 log(alpha) + log(-2 log(alpha) + 1)) / n_tune`` (Waudby-Smith et al.
    2024), on the unit-free scale of this module (``n rho^2`` is the
    mixing variance relative to the variance of the estimate).

    >>> round(mixing_rho2(0.05, 5000), 8)
    0.00158723
    """
    alpha = check_open_unit("alpha", alpha)
    return float(_rho2(alpha, np.asarray(check_positive("n_tune", n_tune))))


def _inputs(
    effect: ArrayLike, se: ArrayLike, n: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray, NDArray[np.bool_]]:
    arrays = []
    for name, value in (("effect", effect), ("se", se), ("n", n)):
        try:
            arrays.append(np.array(value, dtype=np.float64))
        except (TypeError, ValueError):
            raise DataError(f"{name} == {value!r:.80}, must be numbers.") from None
    try:
        e, s, m = np.broadcast_arrays(*arrays)
    except ValueError:
        shapes = ", ".join(str(a.shape) for a in arrays)
        raise DataError(f"effect, se and n have shapes {shapes}, which do not broadcast.") from None
    with np.errstate(invalid="ignore"):
        valid = np.isfinite(e) & np.isfinite(s) & (s > 0) & np.isfinite(m) & (m >= 2)
    return np.array(e), np.array(s), np.array(m), valid


def _options(alpha: Any, alternative: Any, n_tune: Any) -> tuple[float, Alternative, FloatArray]:
    alpha = check_open_unit("alpha", alpha)
    alternative = check_choice("alternative", alternative, ALTERNATIVES)
    if np.ndim(n_tune) == 0:
        return alpha, alternative, np.asarray(check_positive("n_tune", n_tune))
    try:
        tune = np.array(n_tune, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValidationError(f"n_tune == {n_tune!r:.80}, must be numbers.") from None
    if not np.all(np.isfinite(tune) & (tune > 0)):
        raise ValidationError(f"n_tune == {n_tune!r:.80}, must be positive numbers.")
    return alpha, alternative, tune


def _rho2(alpha: float, n_tune: FloatArray) -> FloatArray:
    """:func:`mixing_rho2` for checked options, one value per row of ``n_tune``."""
    a = -2 * math.log(alpha)
    return np.asarray((a + math.log(a + 1)) / n_tune, dtype=np.float64)


def _broadcast_tune(rho2: FloatArray, shape: tuple[int, ...]) -> FloatArray:
    """``rho^2`` per row: ``n_tune`` must broadcast against the effects."""
    try:
        return np.asarray(np.broadcast_to(rho2, shape), dtype=np.float64)
    except ValueError:
        raise ValidationError(
            f"n_tune has shape {rho2.shape}, which does not broadcast against the effects {shape}."
        ) from None


def _log_mixture(z: FloatArray, r: FloatArray, two_sided: bool) -> FloatArray:
    """``log Lambda_n`` of the two-sided or the one-sided (half-normal) mixture."""
    quad = 0.5 * z * z * r / (1 + r)
    if two_sided:
        return np.asarray(quad - 0.5 * np.log1p(r), dtype=np.float64)
    u = z * np.sqrt(r / (1 + r))
    return np.asarray(
        math.log(2) - 0.5 * np.log1p(r) + quad + special.log_ndtr(u), dtype=np.float64
    )


def _one_sided_z(r: FloatArray, alpha: FloatArray | float) -> FloatArray:
    """The z at which the one-sided mixture reaches ``1/alpha``: solves ``log Lambda = -log a``.

    With ``u = z sqrt(r / (1 + r))`` the equation is ``g(u) = u^2/2 + log Phi(u) = c``,
    ``c = -log(alpha) - log 2 + log(1 + r) / 2``; ``g`` is increasing and convex
    (``0 < g'' < 1``), so Newton's method from the right converges monotonically.
    """
    missing = np.isnan(r)
    r = np.where(missing, 1.0, r)
    c = -np.log(alpha) - math.log(2) + 0.5 * np.log1p(r)
    u = np.sqrt(2 * np.maximum(c, 0)) + 1.0
    for _ in range(200):
        log_phi = special.log_ndtr(u)
        g = 0.5 * u * u + log_phi - c
        slope = u + np.exp(-0.5 * u * u - _LOG_2PI_HALF - log_phi)
        step = g / slope
        u = u - step
        if np.all(np.abs(step) <= 1e-13 * (1 + np.abs(u))):
            break
    return np.asarray(np.where(missing, np.nan, u / np.sqrt(r / (1 + r))), dtype=np.float64)


def confidence_sequence(
    effect: ArrayLike,
    se: ArrayLike,
    n: ArrayLike,
    *,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
    n_tune: ArrayLike = DEFAULT_N_TUNE,
    level: ArrayLike | None = None,
) -> SequentialResult:
    """Asymptotic confidence sequence for an effect (Waudby-Smith et al. 2024).

    Two-sided: ``effect +- sqrt(V (1 + r) / r (log(1 + r) - 2 log alpha))`` with
    ``V = se**2``, ``r = n rho^2`` and ``rho^2`` from :func:`mixing_rho2` (theorem 2.2
    of Waudby-Smith et al.; the normal-mixture mSPRT of Johari et al. 2022). Intervals
    from every look hold together with probability ``1 - alpha`` (asymptotically, as the
    central limit theorem makes the running estimate normal), so they may be read daily.

    One-sided (``"greater"``: ``[effect - radius, inf)``; ``"less"``:
    ``(-inf, effect + radius]``): the one-sided normal mixture, mixing only over effects
    in the direction of the alternative (a half-normal mixture; Howard, Ramdas, McAuliffe
    & Sekhon 2021, "Time-uniform, nonparametric, nonasymptotic confidence sequences",
    Annals of Statistics 49(2))::

        Lambda+_n = 2 (1 + r)^(-1/2) exp(z^2 r / (2 (1 + r))) Phi(z sqrt(r / (1 + r)))

    a non-negative martingale under the null, so by Ville's inequality crossing
    ``1/alpha`` at any look has probability at most ``alpha``; ``radius = z* se`` where
    ``Lambda+(z*) = 1/alpha`` (solved numerically). It is narrower than the two-sided
    boundary at ``alpha`` and, unlike the two-sided boundary at ``2 alpha``, provably
    valid. ``rho`` is tuned as for two-sided intervals.

    Args:
        effect: Estimated effects (variant minus control), any shape.
        se: Their standard errors (broadcast against ``effect``).
        n: Units in each comparison, control plus variant (broadcast).
        alpha: One minus the coverage of the whole sequence.
        alternative: ``"two-sided"``, ``"greater"`` or ``"less"``.
        n_tune: Sample size (both arms) where the intervals are tightest: the planned
            sample size (see the module docstring); default 5000. One number, or one
            per row (broadcast against ``effect``).
        level: The level of each row's sequence (one number or one per row), when it
            differs from ``alpha``: the mixture stays tuned for ``alpha`` and the
            sequence is ``{effect: Lambda < 1 / level}``, so it excludes 0 exactly when
            the always-valid p-value (tuned for ``alpha``) is below ``level``. This is
            how a multiple-testing correction gives each row the level that agrees with
            its adjusted p-value. Default: ``alpha``.

    Returns:
        A :class:`SequentialResult`; rows with a missing or infinite input, ``n < 2`` or
        ``se <= 0`` are NaN.

    Raises:
        DataError: non-numeric inputs or shapes that do not broadcast.
        ValidationError: bad ``alpha``, ``alternative`` or ``n_tune``.

    >>> res = confidence_sequence(0.02, 0.005, 20000, n_tune=20000)
    >>> print(f"{res.ci_low:.4f} {res.ci_high:.4f} {res.radius:.4f} {res.p_value:.4f}")
    0.0048 0.0352 0.0152 0.0025
    >>> res = confidence_sequence(0.02, 0.005, 20000, n_tune=20000, alternative="greater")
    >>> print(f"{res.ci_low:.4f} {res.ci_high} {res.p_value:.4f}")
    0.0062 inf 0.0012
    """
    alpha, alternative, n_tune = _options(alpha, alternative, n_tune)
    e, s, m, valid = _inputs(effect, se, n)
    rho2 = _broadcast_tune(_rho2(alpha, n_tune), e.shape)
    a: FloatArray | float = alpha
    if level is not None:
        a = np.asarray(level, dtype=np.float64)
        if not np.all((a > 0) & (a < 1)):
            raise ValidationError(f"level == {level!r:.80}, must be in (0, 1).")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        r = np.where(valid, m, np.nan) * rho2
        if alternative == "two-sided":
            radius = s * np.sqrt((1 + r) / r * (np.log1p(r) - 2 * np.log(a)))
            low, high = e - radius, e + radius
        else:
            radius = s * _one_sided_z(r, a)
            if alternative == "greater":
                low, high = e - radius, np.full_like(e, np.inf)
            else:
                low, high = np.full_like(e, -np.inf), e + radius
    p = _p_value(e, s, r, alternative)
    nan = ~valid
    return SequentialResult(
        ci_low=np.asarray(np.where(nan, np.nan, low), dtype=np.float64),
        ci_high=np.asarray(np.where(nan, np.nan, high), dtype=np.float64),
        p_value=p,
        radius=np.asarray(np.where(nan, np.nan, radius), dtype=np.float64),
    )


def _p_value(e: FloatArray, s: FloatArray, r: FloatArray, alternative: Alternative) -> FloatArray:
    """``min(1, 1/Lambda_n)``; NaN where ``r`` is NaN (invalid rows)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = e / s
        if alternative == "less":
            z = -z
        log_lam = _log_mixture(z, r, alternative == "two-sided")
        p = np.exp(-np.maximum(log_lam, 0.0))
    return np.asarray(np.where(np.isnan(r), np.nan, p), dtype=np.float64)


def always_valid_p_value(
    effect: ArrayLike,
    se: ArrayLike,
    n: ArrayLike,
    *,
    alternative: Alternative = "two-sided",
    n_tune: ArrayLike = DEFAULT_N_TUNE,
    alpha: float = 0.05,
) -> FloatArray:
    """Always-valid p-value of no effect: ``min(1, 1 / Lambda_n)`` (Johari et al. 2022).

    ``Lambda_n`` is the mixture martingale of :func:`confidence_sequence` (the one-sided
    half-normal mixture for ``"greater"``/``"less"``). Under the null,
    ``P(p_n <= a at any look) <= a`` for every ``a``, so the running minimum over looks
    is itself a valid p-value.

    The mixing parameter ``rho`` is the one tuned for ``alpha`` (and ``n_tune``), not
    re-tuned per level: ``p <= alpha`` exactly when the level-``alpha``
    :func:`confidence_sequence` with the same ``n_tune`` excludes 0. ``alpha`` only
    chooses ``rho``; the p-value stays valid at every level.

    Args:
        effect: Estimated effects (variant minus control), any shape.
        se: Their standard errors (broadcast against ``effect``).
        n: Units in each comparison, control plus variant (broadcast).
        alternative: ``"two-sided"``, ``"greater"`` or ``"less"``.
        n_tune: Sample size (both arms) where the matching intervals are tightest (one
            number, or one per row).
        alpha: The level whose tuning of ``rho`` is used.

    Returns:
        The p-values (NaN where an input is missing or infinite, ``n < 2`` or
        ``se <= 0``).

    Raises:
        DataError: non-numeric inputs or shapes that do not broadcast.
        ValidationError: bad ``alpha``, ``alternative`` or ``n_tune``.

    >>> np.round(always_valid_p_value([0.0, 0.01, 0.02], 0.005, 20000, n_tune=20000), 4)
    array([1.    , 0.506 , 0.0025])
    """
    alpha, alternative, n_tune = _options(alpha, alternative, n_tune)
    e, s, m, valid = _inputs(effect, se, n)
    r = np.where(valid, m, np.nan) * _broadcast_tune(_rho2(alpha, n_tune), e.shape)
    return _p_value(e, s, r, alternative)


def running(
    ci_low: ArrayLike, ci_high: ArrayLike, p_value: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The running intersection of intervals and running minimum of p-values over looks.

    Axis 0 indexes the looks in time order. Because a confidence sequence covers the
    effect at all looks at once, the intersection of the intervals so far (the largest
    lower and smallest upper bound) is also a ``1 - alpha`` confidence sequence, and
    the running minimum of always-valid p-values is an always-valid p-value. Looks with
    NaN (too little data) are skipped; rows stay NaN until their first usable look. An
    empty intersection (``ci_low > ci_high``) can happen only with probability at most
    ``alpha`` and signals that the model (a stable effect) does not hold.

    Args:
        ci_low: Lower bounds per look (axis 0) and row (other axes).
        ci_high: Upper bounds, the same shape.
        p_value: Always-valid p-values of the same shape.

    Returns:
        ``(ci_low, ci_high, p_value)``, running along axis 0.

    Raises:
        DataError: non-numeric inputs, zero-dimensional inputs or different shapes.

    >>> low, high, p = running([-1.0, -0.5, -0.7], [1.0, 1.2, 0.8], [0.9, 0.6, 0.7])
    >>> low, high, p
    (array([-1. , -0.5, -0.5]), array([1. , 1. , 0.8]), array([0.9, 0.6, 0.6]))
    """
    arrays = []
    for name, value in (("ci_low", ci_low), ("ci_high", ci_high), ("p_value", p_value)):
        try:
            arr = np.array(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise DataError(f"{name} == {value!r:.80}, must be numbers.") from None
        if arr.ndim == 0:
            raise DataError(f"{name} is a single number; give one value per look (axis 0).")
        arrays.append(arr)
    if len({a.shape for a in arrays}) > 1:
        shapes = ", ".join(str(a.shape) for a in arrays)
        raise DataError(f"ci_low, ci_high and p_value have shapes {shapes}; they must match.")
    low, high, p = arrays
    return (
        np.asarray(np.fmax.accumulate(low, axis=0), dtype=np.float64),
        np.asarray(np.fmin.accumulate(high, axis=0), dtype=np.float64),
        np.asarray(np.fmin.accumulate(p, axis=0), dtype=np.float64),
    )


def peeking_simulation(
    reps: int = 2000,
    days: int = 30,
    seed: int = 2024,
    *,
    users_per_day: int = 200,
    rate: float = 0.10,
    alpha: float = 0.05,
) -> dict[str, float]:
    """How often daily looks at an A/A test declare a winner, three ways (seeded).

    Simulates ``reps`` A/A experiments (both arms convert at ``rate``;
    ``users_per_day`` new users per arm per day) read once a day for ``days`` days,
    from cumulative counts, and rejects the null at the first look where:

    - ``"naive"``: the fixed-horizon two-sample z-test (pooled variance) has
      ``p < alpha`` (Armitage, McPherson & Rowe 1969: far above ``alpha``);
    - ``"confidence_sequence"``: the always-valid p-value (unpooled standard error,
      ``n_tune`` the final sample size of both arms) is below ``alpha``;
    - ``"obrien_fleming"``: the z statistic crosses a Lan-DeMets O'Brien-Fleming
      design with ``days`` equally spaced looks.

    Args:
        reps: Number of simulated experiments.
        days: Looks, one per day.
        seed: Seed of ``np.random.default_rng``.
        users_per_day: New users per arm per day.
        rate: The conversion rate of both arms.
        alpha: The nominal level.

    Returns:
        The rejection rates ``naive``, ``final_look_only`` (one look at the end, about
        ``alpha``), ``confidence_sequence``, ``obrien_fleming``, and ``naive_exact``,
        the normal-theory value of the naive rate from :func:`repeated_testing_alpha`;
        plus ``reps`` and ``days``.

    >>> rates = peeking_simulation(reps=500, days=10, seed=1)
    >>> rates["naive"] > rates["final_look_only"]
    True
    """
    reps = check_int_at_least("reps", reps, 1)
    days = check_int_at_least("days", days, 1)
    users = check_int_at_least("users_per_day", users_per_day, 1)
    rate = check_open_unit("rate", rate)
    alpha = check_open_unit("alpha", alpha)
    rng = np.random.default_rng(seed)
    conversions = rng.binomial(users, rate, size=(2, days, reps)).cumsum(axis=1)
    n_arm = users * np.arange(1, days + 1, dtype=np.float64)[:, None]
    pa, pb = conversions[0] / n_arm, conversions[1] / n_arm
    effect = pb - pa
    with np.errstate(divide="ignore", invalid="ignore"):
        pooled = (pa + pb) / 2
        z = effect / np.sqrt(pooled * (1 - pooled) * 2 / n_arm)
        se = np.sqrt((pa * (1 - pa) + pb * (1 - pb)) / n_arm)
    p_naive = 2 * special.ndtr(-np.abs(z))
    p_cs = always_valid_p_value(effect, se, 2 * n_arm, n_tune=2.0 * users * days, alpha=alpha)
    design = boundaries(looks=days, alpha=alpha, spending="obrien-fleming")
    obf = np.abs(z) >= design.z[:, None]
    return {
        "reps": float(reps),
        "days": float(days),
        "naive": float(np.mean(np.any(p_naive < alpha, axis=0))),
        "final_look_only": float(np.mean(p_naive[-1] < alpha)),
        "naive_exact": repeated_testing_alpha(looks=days, alpha=alpha),
        "confidence_sequence": float(np.mean(np.any(p_cs < alpha, axis=0))),
        "obrien_fleming": float(np.mean(np.any(obf, axis=0))),
    }
