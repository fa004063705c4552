"""Bayesian comparison of a variant against control: posteriors, P(beats), expected loss.

The pure statistics core: numpy and scipy only, arrays in, frozen results out, one
element per (segment, variant) row as in :mod:`hypokit.stats._compare`. Two models:

- :func:`bayes_proportions`, the beta-binomial model of a conversion rate: each arm's
  rate has the posterior ``Beta(a0 + successes, b0 + failures)`` and every quantity is
  computed from the two beta posteriors exactly (closed-form sums) or by deterministic
  adaptive quadrature (``scipy.integrate.quad``) to about 1e-10; no Monte Carlo.
- :func:`bayes_normal`, a normal model on the effect of any frequentist
  :class:`~hypokit.stats.Comparison` (means, ratios, CUPED-adjusted or not): the
  estimate ``effect_hat ~ N(effect, se^2)`` with a normal (or flat) prior on ``effect``,
  as GrowthBook's gbstats "effect" model does.

Both return a :class:`BayesResult`. ``prob_beats_control`` and the expected losses
follow ``higher_is_better``; the effect, its interval and the lift are always
``variant - control`` in the metric's units.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import cached_property
from typing import Any, Literal, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import integrate, optimize, special

from hypokit._errors import DataError, ValidationError
from hypokit._validate import check_choice, check_finite, check_open_unit, check_positive
from hypokit.stats._compare import (
    Comparison,
    FloatArray,
    ProportionStats,
    Reason,
    _flag,
    _pair,
)

__all__ = [
    "PRIOR_SCALES",
    "BayesResult",
    "Prior",
    "PriorScale",
    "bayes_normal",
    "bayes_proportions",
]

IntArray: TypeAlias = NDArray[np.int64]
BoolArray: TypeAlias = NDArray[np.bool_]

PriorScale = Literal["relative", "absolute"]
PRIOR_SCALES: tuple[PriorScale, ...] = ("relative", "absolute")

#: The closed-form sums run up to this many terms; longer ones use quadrature.
_MAX_TERMS = 10_000
#: Each posterior is integrated over its central 1 - 2e-15 (the rest is below rounding).
_TAIL = 1e-15
_QUAD = {"epsabs": 1e-13, "epsrel": 1e-11, "limit": 200, "full_output": 1}


# ---------------------------------------------------------------------------------- prior
@dataclass(frozen=True)
class Prior:
    """Prior beliefs for :func:`bayes_proportions` and :func:`bayes_normal`.

    Args:
        a: The first parameter of the Beta prior of each arm's rate (proportions).
        b: Its second parameter. The default ``Beta(1, 1)`` is the uniform prior of
            Evan Miller's and Chris Stucchio's formulas; ``a = b = 0.5`` is Jeffreys'
            prior; ``Beta(a, b)`` counts as ``a`` successes and ``b`` failures seen
            before the test.
        effect_mean: The prior mean of the effect (normal model).
        effect_sd: The prior standard deviation of the effect, or None (the default)
            for a flat, improper prior.
        effect_scale: ``"relative"`` (default): ``effect_mean`` and ``effect_sd`` are
            relative lifts, scaled by the absolute value of the observed control mean
            of each row (``effect_sd=0.3``: a lift is a priori within about ±60% with
            95% probability); ``"absolute"``: they are in the metric's units.

    Why the flat default for the normal model: it adds nothing to the data, so the
    posterior of the effect is the frequentist estimate and its standard error
    (``N(effect_hat, se^2)``), the credible interval is the z interval and
    ``prob_beats_control`` is one minus the one-sided p-value. Bayesian and frequentist
    readings of one test then agree, and no assumption about typical effect sizes is
    built in. It is also gbstats' default (``GaussianPrior(proper=False)``). Teams whose
    past tests show that large lifts are rare can shrink noisy estimates towards 0 with
    a proper prior on the relative lift, such as ``Prior(effect_sd=0.1)``; gbstats
    suggests a relative prior variance of 0.3 (``effect_sd`` about 0.55) when enabled.

    Raises:
        ValidationError: ``a`` or ``b`` not > 0, ``effect_sd`` not > 0, a non-finite
            ``effect_mean`` or an unknown ``effect_scale``; the message names it.

    >>> Prior()
    Prior(a=1.0, b=1.0, effect_mean=0.0, effect_sd=None, effect_scale='relative')
    >>> Prior(a=0)
    Traceback (most recent call last):
    ...
    hypokit._errors.ValidationError: a == 0, must be greater than 0.
    """

    a: float = 1.0
    b: float = 1.0
    effect_mean: float = 0.0
    effect_sd: float | None = None
    effect_scale: PriorScale = "relative"

    def __post_init__(self) -> None:
        object.__setattr__(self, "a", check_positive("a", self.a))
        object.__setattr__(self, "b", check_positive("b", self.b))
        object.__setattr__(self, "effect_mean", check_finite("effect_mean", self.effect_mean))
        if self.effect_sd is not None:
            object.__setattr__(self, "effect_sd", check_positive("effect_sd", self.effect_sd))
        check_choice("effect_scale", self.effect_scale, PRIOR_SCALES)

    @property
    def is_flat(self) -> bool:
        """Whether the prior of the normal model's effect is flat (``effect_sd`` None)."""
        return self.effect_sd is None


# --------------------------------------------------------------------------------- result
@dataclass(frozen=True, eq=False)
class BayesResult:
    """Posterior comparison of variant against control, one element per row.

    Every field is a read-only array of one shape (the broadcast shape of the inputs).

    Attributes:
        effect: The posterior mean of ``variant - control``.
        effect_sd: Its posterior standard deviation.
        effect_ci_low, effect_ci_high: The equal-tailed credible interval of the
            effect, level ``1 - alpha``.
        lift: The relative lift ``E[variant] / E[control] - 1`` (the ratio of the
            posterior means; the posterior mean of the ratio need not exist).
        lift_ci_low, lift_ci_high: The equal-tailed credible interval of
            ``variant / control - 1``.
        prob_beats_control: The posterior probability that the variant is better:
            ``P(variant > control)``, or ``P(variant < control)`` where
            ``higher_is_better`` is False.
        expected_loss: The expected loss of shipping the variant, in the metric's units:
            ``E[max(control - variant, 0)]`` (``E[max(variant - control, 0)]`` where
            lower is better).
        expected_loss_control: The expected loss of keeping control, likewise.
        control_mean, variant_mean: The posterior means of the arms (rates for
            proportions; for the normal model the arm means implied by the posterior of
            the effect, equal to the frequentist means under a flat prior).
        control_a, control_b, variant_a, variant_b: The arms' Beta posterior parameters
            (proportions; NaN for the normal model, whose posterior is
            ``N(effect, effect_sd^2)``).
        reason: :class:`~hypokit.stats.Reason` flags (int64), 0 where every number is
            available.
    """

    effect: FloatArray
    effect_sd: FloatArray
    effect_ci_low: FloatArray
    effect_ci_high: FloatArray
    lift: FloatArray
    lift_ci_low: FloatArray
    lift_ci_high: FloatArray
    prob_beats_control: FloatArray
    expected_loss: FloatArray
    expected_loss_control: FloatArray
    control_mean: FloatArray
    variant_mean: FloatArray
    control_a: FloatArray
    control_b: FloatArray
    variant_a: FloatArray
    variant_b: FloatArray
    reason: IntArray

    def __post_init__(self) -> None:
        for f in fields(self):
            getattr(self, f.name).setflags(write=False)


def _result(shape: tuple[int, ...], values: dict[str, Any], reason: IntArray) -> BayesResult:
    """A BayesResult with every field broadcast to ``shape`` (missing ones NaN)."""
    out: dict[str, Any] = {}
    for f in fields(BayesResult):
        if f.name == "reason":
            out[f.name] = np.array(np.broadcast_to(reason, shape), dtype=np.int64)
        else:
            value = values.get(f.name, np.nan)
            out[f.name] = np.array(np.broadcast_to(value, shape), dtype=np.float64)
    return BayesResult(**out)


# ------------------------------------------------------------------------------ options
def _check_prior(prior: Any) -> Prior:
    if not isinstance(prior, Prior):
        raise ValidationError(f"prior == {prior!r:.80}, must be a Prior.")
    return prior


def _check_direction(value: ArrayLike) -> BoolArray:
    arr = np.asarray(value)
    if arr.dtype != np.bool_:
        raise ValidationError(
            f"higher_is_better == {value!r:.80}, must be True or False (or an array of them)."
        )
    return arr


# ==================================================================== beta-binomial model
@dataclass(frozen=True)
class _Beta:
    """One arm's Beta(a, b) posterior with its moments and the bulk of its mass."""

    a: float
    b: float

    @property
    def mean(self) -> float:
        return self.a / (self.a + self.b)

    @property
    def var(self) -> float:
        s = self.a + self.b
        return self.a * self.b / (s * s * (s + 1.0))

    @property
    def sd(self) -> float:
        return math.sqrt(self.var)

    @property
    def cv(self) -> float:
        return self.sd / self.mean

    def shifted(self) -> _Beta:
        """Beta(a + 1, b): ``E[X 1{X in S}] = mean * P(shifted in S)``."""
        return _Beta(self.a + 1.0, self.b)

    @cached_property
    def bulk(self) -> tuple[float, float]:
        lo = float(special.betaincinv(self.a, self.b, _TAIL))
        hi = float(special.betainccinv(self.a, self.b, _TAIL))
        return lo, hi

    @cached_property
    def log_norm(self) -> float:
        return float(special.betaln(self.a, self.b))

    def pdf(self, x: float) -> float:
        """The density, up to the rounding of ``betaln`` (see :attr:`mass`)."""
        if not 0.0 < x < 1.0:
            return 0.0
        return math.exp(
            (self.a - 1.0) * math.log(x) + (self.b - 1.0) * math.log1p(-x) - self.log_norm
        )

    @cached_property
    def mass(self) -> float:
        """The integral of :meth:`pdf` over the bulk, by the same quadrature.

        With 100k+ counts, ``betaln`` is about 1e5 in size and its rounding makes the
        density off by a constant factor ~1e-10; dividing each integral by this mass
        cancels it.
        """
        lo, hi = self.bulk
        return float(integrate.quad(self.pdf, lo, hi, **_QUAD)[0])

    def cdf(self, x: float) -> float:
        return float(special.betainc(self.a, self.b, min(max(x, 0.0), 1.0)))

    def sf(self, x: float) -> float:
        return float(special.betaincc(self.a, self.b, min(max(x, 0.0), 1.0)))


def _integrate(arm: _Beta, func: Callable[[float], float]) -> float:
    """``E[func(X)]`` for ``X ~ arm`` by adaptive Gauss-Kronrod quadrature on its bulk."""
    lo, hi = arm.bulk
    value = integrate.quad(lambda x: arm.pdf(x) * func(x), lo, hi, **_QUAD)[0]
    return min(max(float(value) / arm.mass, 0.0), 1.0)


def _is_int(x: float) -> bool:
    return float(x).is_integer() and x < 2.0**53


def _miller_sum(a_a: float, b_a: float, a_b: float, b_b: float) -> float:
    """``P(X_B > X_A)`` by Evan Miller's sum over ``i < a_b`` (``a_b`` a whole number).

    ``sum_i B(a_a + i, b_a + b_b) / ((b_b + i) B(1 + i, b_b) B(a_a, b_a))``, each term
    evaluated on the log scale with ``betaln`` so that large counts do not overflow.
    """
    i = np.arange(int(a_b), dtype=np.float64)
    log_terms = (
        special.betaln(a_a + i, b_a + b_b)
        - np.log(b_b + i)
        - special.betaln(1.0 + i, b_b)
        - special.betaln(a_a, b_a)
    )
    return float(np.sum(np.exp(log_terms)))


def _prob_closed_form(arm_a: _Beta, arm_b: _Beta) -> float | None:
    """``P(X_B > X_A)`` by the shortest exact sum available, or None if none is short.

    Four equivalent forms (Miller 2015; Cook 2005) sum over one of the four parameters,
    which must be a whole number: by symmetry ``P(B > A) = 1 - P(A > B)`` and, with
    ``1 - X ~ Beta(b, a)``, ``P(B > A) = P(1 - X_A > 1 - X_B)``.
    """
    a_a, b_a, a_b, b_b = arm_a.a, arm_a.b, arm_b.a, arm_b.b
    forms: list[tuple[float, Callable[[], float]]] = []
    if _is_int(a_b):
        forms.append((a_b, lambda: _miller_sum(a_a, b_a, a_b, b_b)))
    if _is_int(b_a):
        forms.append((b_a, lambda: _miller_sum(b_b, a_b, b_a, a_a)))
    if _is_int(a_a):
        forms.append((a_a, lambda: 1.0 - _miller_sum(a_b, b_b, a_a, b_a)))
    if _is_int(b_b):
        forms.append((b_b, lambda: 1.0 - _miller_sum(b_a, a_a, b_b, a_b)))
    forms = [f for f in forms if f[0] <= _MAX_TERMS]
    if not forms:
        return None
    _, compute = min(forms, key=lambda f: f[0])
    return min(max(compute(), 0.0), 1.0)


def _prob_quad(arm_a: _Beta, arm_b: _Beta) -> float:
    """``P(X_B > X_A)`` by quadrature over the narrower posterior.

    ``E[S_B(X_A)]`` when A is the narrower, else ``E[F_A(X_B)]``: the inner
    distribution function is then smooth across the bulk being integrated.
    """
    if arm_a.sd <= arm_b.sd:
        return _integrate(arm_a, arm_b.sf)
    return _integrate(arm_b, arm_a.cdf)


def _prob_greater(arm_a: _Beta, arm_b: _Beta) -> float:
    exact = _prob_closed_form(arm_a, arm_b)
    return _prob_quad(arm_a, arm_b) if exact is None else exact


def _loss_closed_form(arm_a: _Beta, arm_b: _Beta) -> float | None:
    """``E[max(X_A - X_B, 0)]`` by Stucchio's closed form, or None without short sums.

    ``E[X_A 1{X_A > X_B}] = mean_A P(Beta(a_A + 1, b_A) > X_B)`` and likewise for
    ``X_B``, so (Stucchio 2015, "Bayesian A/B testing at VWO", eq. for the loss)::

        loss = mean_A h(a_A + 1, b_A; a_B, b_B) - mean_B h(a_A, b_A; a_B + 1, b_B)

    with ``h`` the probability that the first beats the second, by the exact sums.
    """
    first = _prob_closed_form(arm_b, arm_a.shifted())
    second = _prob_closed_form(arm_b.shifted(), arm_a)
    if first is None or second is None:
        return None
    return max(arm_a.mean * first - arm_b.mean * second, 0.0)


def _loss_quad(arm_a: _Beta, arm_b: _Beta) -> float:
    """``E[max(X_A - X_B, 0)]`` by quadrature over the narrower posterior.

    The inner expectation is a partial expectation in closed form:
    ``E[(x - X_B)^+] = x F_B(x) - mean_B F_{B+1}(x)`` and
    ``E[(X_A - y)^+] = mean_A S_{A+1}(y) - y S_A(y)``, where ``B+1`` is
    ``Beta(a_B + 1, b_B)``.
    """
    a1, b1 = arm_a.shifted(), arm_b.shifted()
    if arm_a.sd <= arm_b.sd:

        def inner(x: float) -> float:
            return max(x * arm_b.cdf(x) - arm_b.mean * b1.cdf(x), 0.0)

        lo, hi = arm_a.bulk
        arm = arm_a
    else:

        def inner(x: float) -> float:
            return max(arm_a.mean * a1.sf(x) - x * arm_a.sf(x), 0.0)

        lo, hi = arm_b.bulk
        arm = arm_b
    value = integrate.quad(lambda x: arm.pdf(x) * inner(x), lo, hi, **_QUAD)[0]
    return max(float(value) / arm.mass, 0.0)


def _expected_loss(arm_a: _Beta, arm_b: _Beta) -> float:
    exact = _loss_closed_form(arm_a, arm_b)
    return _loss_quad(arm_a, arm_b) if exact is None else exact


def _cdf_difference(arm_a: _Beta, arm_b: _Beta, d: float) -> float:
    """``P(X_B - X_A <= d)``, by quadrature over the narrower posterior."""
    if arm_a.sd <= arm_b.sd:
        return _integrate(arm_a, lambda x: arm_b.cdf(x + d))
    return _integrate(arm_b, lambda y: arm_a.sf(y - d))


def _cdf_ratio(arm_a: _Beta, arm_b: _Beta, r: float) -> float:
    """``P(X_B / X_A <= r) = P(X_B <= r X_A)`` (``X_A > 0``), for ``r > 0``."""
    if arm_a.cv <= arm_b.cv:
        return _integrate(arm_a, lambda x: arm_b.cdf(r * x))
    return _integrate(arm_b, lambda y: arm_a.sf(y / r))


def _root(func: Callable[[float], float], lo: float, hi: float, xtol: float) -> float:
    return float(optimize.brentq(func, lo, hi, xtol=xtol, rtol=1e-12, maxiter=200))


def _difference_quantile(arm_a: _Beta, arm_b: _Beta, u: float) -> float:
    """The ``u`` quantile of ``X_B - X_A`` (root of the quadrature distribution function).

    The search starts within the normal approximation's mean ± (|z_u| + 8) sd and
    widens to [-1, 1], where the distribution function is 0 and 1.
    """
    m = arm_b.mean - arm_a.mean
    s = math.sqrt(arm_a.var + arm_b.var)
    k = abs(float(special.ndtri(u))) + 8.0

    def f(d: float) -> float:
        return _cdf_difference(arm_a, arm_b, d) - u

    lo, hi = max(m - k * s, -1.0), min(m + k * s, 1.0)
    if f(lo) > 0:
        lo = -1.0
    if f(hi) < 0:
        hi = 1.0
    return _root(f, lo, hi, xtol=1e-10 * s)


def _ratio_quantile(arm_a: _Beta, arm_b: _Beta, u: float) -> float:
    """The ``u`` quantile of ``X_B / X_A``, found on the log scale.

    The search starts within the log-normal approximation (sd of the log ratio
    ``sqrt(cv_A^2 + cv_B^2)``) and widens by doubling steps (the ratio's upper tail is
    heavy when ``a_A`` is small).
    """
    t0 = math.log(arm_b.mean / arm_a.mean)
    s = math.hypot(arm_a.cv, arm_b.cv)
    k = abs(float(special.ndtri(u))) + 8.0

    def f(t: float) -> float:
        return _cdf_ratio(arm_a, arm_b, math.exp(t)) - u

    lo, hi = t0 - k * s, t0 + k * s
    step = k * s
    for _ in range(64):
        if f(lo) <= 0:
            break
        lo, step = lo - step, 2 * step
    else:
        return 0.0
    step = k * s
    for _ in range(64):
        if f(hi) >= 0:
            break
        if hi > 690:  # exp overflows: the quantile is beyond any float
            return math.inf
        hi, step = hi + step, 2 * step
    else:
        return math.inf
    return math.exp(_root(f, lo, hi, xtol=1e-10 * s))


_ROW_FIELDS = (
    "effect",
    "effect_sd",
    "effect_ci_low",
    "effect_ci_high",
    "lift",
    "lift_ci_low",
    "lift_ci_high",
    "prob_beats_control",
    "expected_loss",
    "expected_loss_control",
    "control_mean",
    "variant_mean",
)


def _beta_row(arm_a: _Beta, arm_b: _Beta, alpha: float, higher_is_better: bool) -> dict[str, float]:
    """Every number of one row of :func:`bayes_proportions`."""
    p_greater = _prob_greater(arm_a, arm_b)  # P(variant > control)
    p_less = _prob_greater(arm_b, arm_a)  # P(control > variant)
    loss_variant = _expected_loss(arm_a, arm_b)  # E[(control - variant)^+]
    loss_control = _expected_loss(arm_b, arm_a)  # E[(variant - control)^+]
    if not higher_is_better:
        p_greater, loss_variant, loss_control = p_less, loss_control, loss_variant
    lo, hi = alpha / 2, 1 - alpha / 2
    return {
        "effect": arm_b.mean - arm_a.mean,
        "effect_sd": math.sqrt(arm_a.var + arm_b.var),
        "effect_ci_low": _difference_quantile(arm_a, arm_b, lo),
        "effect_ci_high": _difference_quantile(arm_a, arm_b, hi),
        "lift": arm_b.mean / arm_a.mean - 1.0,
        "lift_ci_low": _ratio_quantile(arm_a, arm_b, lo) - 1.0,
        "lift_ci_high": _ratio_quantile(arm_a, arm_b, hi) - 1.0,
        "prob_beats_control": p_greater,
        "expected_loss": loss_variant,
        "expected_loss_control": loss_control,
        "control_mean": arm_a.mean,
        "variant_mean": arm_b.mean,
    }


def bayes_proportions(
    control: ProportionStats,
    variant: ProportionStats,
    *,
    prior: Prior = Prior(),
    alpha: float = 0.05,
    higher_is_better: ArrayLike = True,
) -> BayesResult:
    """Beta-binomial comparison of two conversion rates.

    Each arm's rate ``p`` has the conjugate posterior
    ``Beta(a0 + successes, b0 + n - successes)`` with the prior ``Beta(a0, b0)`` of
    ``prior`` (default ``Beta(1, 1)``, uniform), the two arms independent. With ``A``
    the control and ``B`` the variant:

    - ``prob_beats_control = P(p_B > p_A)`` by Evan Miller's closed form ("Formulas for
      Bayesian A/B testing", 2015; Cook 2005, "Exact calculation of beta
      inequalities")::

          P(p_B > p_A) = sum_{i=0}^{a_B - 1} B(a_A + i, b_A + b_B)
                         / ((b_B + i) B(1 + i, b_B) B(a_A, b_A))

      summing over whichever of the four parameters gives the shortest sum (one of
      them must be a whole number), each term on the log scale (``betaln``). When
      every sum would exceed 10,000 terms (more than 10,000 successes and failures in
      each arm) or no parameter is whole (a non-integer prior), it is the integral
      ``E[P(p_B > x) | x = p_A]`` by adaptive Gauss-Kronrod quadrature
      (``scipy.integrate.quad``, absolute error about 1e-13) over the central
      ``1 - 2e-15`` of the narrower posterior.
    - ``expected_loss = E[max(p_A - p_B, 0)]`` by Stucchio's closed form ("Bayesian A/B
      testing at VWO", 2015): ``mean_A h(a_A + 1, b_A, a_B, b_B) - mean_B h(a_A, b_A,
      a_B + 1, b_B)`` with ``h`` the probability above, or the same quadrature of the
      partial expectation ``E[(x - p_B)^+]``. ``expected_loss_control`` swaps the arms.
    - ``effect_ci_*`` and ``lift_ci_*``: the ``alpha/2`` and ``1 - alpha/2`` quantiles
      of ``p_B - p_A`` and ``p_B / p_A - 1``, roots (Brent's method) of their
      distribution functions ``P(p_B <= x + d)`` and ``P(p_B <= r x)`` integrated
      over ``x ~ p_A`` by the same quadrature. Deterministic, accurate to about 1e-10
      of the effect's sd.
    - ``effect`` is the posterior mean ``E[p_B] - E[p_A]``; ``lift`` the ratio of
      posterior means minus 1.

    Rows are computed one at a time (about 50 quadratures each, of the order of 0.1 s
    a row), so a grid of a hundred rows takes seconds.

    With ``higher_is_better`` False (a rate to lower, such as churn),
    ``prob_beats_control = P(p_B < p_A)`` and the two losses swap.

    Args:
        control: The control arm's counts (one element per row).
        variant: The variant arm's counts (broadcast against ``control``).
        prior: The Beta prior of each arm's rate (``prior.a``, ``prior.b``).
        alpha: The credible intervals have level ``1 - alpha`` (equal-tailed).
        higher_is_better: Whether a higher rate is better (bool, or an array of bools
            broadcast against the rows).

    Returns:
        A :class:`BayesResult`. Rows where an arm has no units are NaN (reason
        TOO_FEW_UNITS); 0 successes in both arms is a proper posterior, not a gap.

    Raises:
        ValidationError: a bad option, or arms of different kinds or shapes.

    >>> res = bayes_proportions(ProportionStats(1000, 120), ProportionStats(1000, 145))
    >>> print(f"{res.prob_beats_control:.4f} {res.expected_loss:.6f}")
    0.9502 0.000316
    >>> print(f"{res.effect_ci_low:.4f} {res.effect_ci_high:.4f}")
    -0.0048 0.0547
    """
    prior = _check_prior(prior)
    alpha = check_open_unit("alpha", alpha)
    direction = _check_direction(higher_is_better)
    _pair(control, variant, ProportionStats)
    try:
        shape = np.broadcast_shapes(control.n.shape, variant.n.shape, direction.shape)
    except ValueError:
        raise ValidationError(
            f"higher_is_better has shape {direction.shape}, which does not broadcast "
            f"against the rows {np.broadcast_shapes(control.n.shape, variant.n.shape)}."
        ) from None
    nc, sc = (np.broadcast_to(x, shape) for x in (control.n, control.successes))
    nv, sv = (np.broadcast_to(x, shape) for x in (variant.n, variant.successes))
    better = np.broadcast_to(direction, shape)
    a_c, b_c = prior.a + sc, prior.b + (nc - sc)
    a_v, b_v = prior.a + sv, prior.b + (nv - sv)
    empty = (nc < 1) | (nv < 1)

    values = {name: np.full(shape, np.nan) for name in _ROW_FIELDS}
    for idx in np.ndindex(shape):
        if empty[idx]:
            continue
        row = _beta_row(
            _Beta(float(a_c[idx]), float(b_c[idx])),
            _Beta(float(a_v[idx]), float(b_v[idx])),
            alpha,
            bool(better[idx]),
        )
        for name, value in row.items():
            values[name][idx] = value
    values.update(control_a=a_c, control_b=b_c, variant_a=a_v, variant_b=b_v)
    return _result(shape, values, _flag(empty, Reason.TOO_FEW_UNITS))


# ============================================================================ normal model
def _normal_loss(z: FloatArray) -> FloatArray:
    """``E[max(-X, 0)] / s`` for ``X ~ N(z s, s^2)``: ``phi(z) - z Phi(-z)``."""
    phi = np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    return np.asarray(np.maximum(phi - z * special.ndtr(-z), 0.0), dtype=np.float64)


def _control_se(comparison: Comparison, control_se: ArrayLike | None) -> FloatArray:
    """The control mean's standard errors per row (NaN where unknown)."""
    if control_se is None:
        control_se = getattr(comparison, "control_se", None)
        if control_se is None:
            return np.full(comparison.effect.shape, np.nan)
    try:
        arr = np.asarray(control_se, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValidationError(f"control_se == {control_se!r:.80}, must be numbers.") from None
    with np.errstate(invalid="ignore"):
        if (arr < 0).any() or np.isinf(arr).any():
            raise ValidationError("control_se has negative or infinite values; must be >= 0.")
        try:
            arr = np.broadcast_to(arr, comparison.effect.shape)
        except ValueError:
            raise ValidationError(
                f"control_se has shape {arr.shape}, which does not broadcast against the "
                f"comparison's {comparison.effect.shape}."
            ) from None
        too_big = arr > comparison.se * (1 + 1e-9)
    if too_big.any():
        raise DataError(
            "control_se exceeds the comparison's se in some rows; the control mean's "
            "standard error is part of the effect's, so it cannot be larger."
        )
    return np.asarray(arr, dtype=np.float64)


def bayes_normal(
    comparison: Comparison,
    *,
    prior: Prior = Prior(),
    alpha: float = 0.05,
    higher_is_better: ArrayLike = True,
    control_se: ArrayLike | None = None,
) -> BayesResult:
    """Normal model on the effect of a frequentist comparison (means, ratios, CUPED).

    The frequentist estimate is the data: ``effect_hat ~ N(effect, se^2)`` with
    ``effect_hat`` and ``se`` from ``comparison`` (so CUPED's variance reduction and the
    delta method of ratio metrics carry over), and the prior ``effect ~ N(mu0, tau0^2)``
    (``prior.effect_mean``, ``prior.effect_sd``, multiplied by ``|control mean|`` on
    the default relative scale), as the effect model of GrowthBook's gbstats. The
    conjugate posterior is normal::

        precision = 1 / se^2 + 1 / tau0^2
        effect    = (effect_hat / se^2 + mu0 / tau0^2) / precision,   effect_sd^2 = 1 / precision

    and with the default flat prior simply ``N(effect_hat, se^2)``. Then, with
    ``z = effect / effect_sd`` and ``phi``, ``Phi`` the standard normal density and
    distribution function:

    - ``prob_beats_control = Phi(z)`` (``Phi(-z)`` where lower is better); under the
      flat prior this is one minus the one-sided p-value of the z-test.
    - ``expected_loss = E[max(-effect, 0)] = effect_sd (phi(z) - z Phi(-z))`` and
      ``expected_loss_control = effect_sd (phi(z) + z Phi(z))``, the normal partial
      expectations (swapped where lower is better).
    - ``effect_ci_*``: ``effect ± z_{1-alpha/2} effect_sd``; under the flat prior the z
      interval of the frequentist estimate. The t reference of Welch's test
      (:func:`~hypokit.stats.compare_means`) is not used: the model is normal.
    - The lift needs the control mean's own standard error ``s_c`` (``control_se``, or
      the comparison's ``control_se`` attribute when it has one). The arm means
      ``(mu_c, mu_v)`` then have a joint normal posterior (the flat prior on ``mu_c``
      and the prior on the effect; with a flat prior ``N(mean_c, s_c^2)`` and
      ``N(mean_v, se^2 - s_c^2)``, independent), and the lift interval is Fieller's:
      the ``r`` with ``(E mu_v - r E mu_c)^2 <= z^2 Var(mu_v - r mu_c)``, minus 1
      (Fieller 1954). These are the exact equal-tailed posterior quantiles of
      ``mu_v / mu_c - 1`` up to the posterior probability that ``mu_c`` has the other
      sign, ``Phi(-|E mu_c| / sd(mu_c))``. When ``E mu_c^2 <= z^2 Var(mu_c)`` the set is
      unbounded: ``(-inf, inf)`` and LIFT_UNBOUNDED. In rows without ``s_c`` (None or
      NaN) the lift is ``effect / control_mean`` and its interval NaN.

    Args:
        comparison: A :class:`~hypokit.stats.Comparison` from ``compare_means``,
            ``compare_ratios`` or ``compare_proportions`` (its own ``alpha`` and
            ``alternative`` do not matter: only ``effect``, ``se``, the means and
            ``reason`` are used).
        prior: The prior of the effect (``effect_mean``, ``effect_sd``,
            ``effect_scale``); the default is flat.
        alpha: The credible intervals have level ``1 - alpha`` (equal-tailed).
        higher_is_better: Whether a higher metric is better (bool, or an array of
            bools broadcast against the rows).
        control_se: The standard error of the control mean in each row, for the lift
            interval (CUPED-adjusted where the comparison is).

    Returns:
        A :class:`BayesResult` (``control_a`` ... ``variant_b`` NaN). Rows with no
        standard error (too few units, no variance) are NaN, with the comparison's
        ``reason``; a relative prior with a control mean of 0 gives NaN
        (ZERO_CONTROL_MEAN).

    Raises:
        ValidationError: a bad option.
        DataError: ``control_se`` larger than ``se``.

    >>> from hypokit.stats._compare import RatioStats, compare_ratios
    >>> c = RatioStats.from_values(y=[3.0, 0.0, 5.0, 2.0, 4.0], x=[2, 1, 3, 1, 2])
    >>> v = RatioStats.from_values(y=[4.0, 1.0, 6.0, 6.0, 5.0], x=[2, 1, 2, 2, 2])
    >>> freq = compare_ratios(c, v, alternative="greater")
    >>> res = bayes_normal(freq)  # flat prior: P(beats) is 1 - the one-sided p-value
    >>> print(f"{res.effect:.4f} {res.prob_beats_control:.4f} {1 - freq.p_value:.4f}")
    0.8889 0.9918 0.9918
    >>> print(f"{res.expected_loss:.4f} {res.expected_loss_control:.4f}")
    0.0010 0.8899
    """
    if not isinstance(comparison, Comparison):
        raise ValidationError(f"comparison == {type(comparison).__name__}, must be a Comparison.")
    prior = _check_prior(prior)
    alpha = check_open_unit("alpha", alpha)
    direction = _check_direction(higher_is_better)
    try:
        shape = np.broadcast_shapes(comparison.effect.shape, direction.shape)
    except ValueError:
        raise ValidationError(
            f"higher_is_better has shape {direction.shape}, which does not broadcast "
            f"against the rows {comparison.effect.shape}."
        ) from None
    s_c = _control_se(comparison, control_se)
    better = np.broadcast_to(direction, shape)
    q = float(special.ndtri(1 - alpha / 2))

    effect_hat, se = comparison.effect, comparison.se
    mean_c = comparison.control_mean
    reason = np.asarray(comparison.reason, dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        valid = np.isfinite(effect_hat) & np.isfinite(se) & (se > 0)
        var_hat = np.where(valid, se * se, np.nan)
        if prior.effect_sd is None:
            m, var = np.where(valid, effect_hat, np.nan), var_hat
        else:
            scale: float | FloatArray = 1.0
            if prior.effect_scale == "relative":
                base = np.abs(comparison.control_observed)
                scale = np.where(base > 0, base, np.nan)
                reason = reason | _flag(base == 0, Reason.ZERO_CONTROL_MEAN)
            mu0 = prior.effect_mean * scale
            tau2 = (prior.effect_sd * scale) ** 2
            precision = 1 / var_hat + 1 / tau2
            m = (effect_hat / var_hat + mu0 / tau2) / precision
            var = 1 / precision
        s = np.sqrt(var)
        z = m / s
        prob = np.where(better, special.ndtr(z), special.ndtr(-z))
        loss_v, loss_c = s * _normal_loss(z), s * _normal_loss(-z)
        loss_variant = np.where(better, loss_v, loss_c)
        loss_control = np.where(better, loss_c, loss_v)

        # Rows without the control's standard error: share 0, so the arm means are the
        # frequentist ones (lift = effect / control_mean) and the lift interval is NaN.
        known = np.isfinite(s_c)
        v_c = np.where(known, s_c * s_c, 0.0)
        v_v = np.maximum(var_hat - v_c, 0.0)
        share = v_c / var_hat  # the control's part of the effect's variance
        # Joint posterior of (mu_c, mu_c + effect): mu_c | effect is normal with
        # mean (mean_c v_v + (mean_v - effect) v_c) / se^2 and variance v_c v_v / se^2.
        e_c = mean_c + (effect_hat - m) * share
        e_v = e_c + m
        var_c = v_c * v_v / var_hat + share**2 * var
        cov = var_c - share * var
        var_v = var_c + var - 2 * share * var
        lift = np.where(e_c == 0, np.nan, e_v / e_c - 1)
        # Fieller: r with (e_v - r e_c)^2 <= q^2 (var_v - 2 r cov + r^2 var_c).
        a = e_c**2 - q**2 * var_c
        b = e_v * e_c - q**2 * cov
        c = e_v**2 - q**2 * var_v
        disc = np.maximum(b**2 - a * c, 0.0)
        bounded = a > 0
        root = b + np.where(b >= 0, 1.0, -1.0) * np.sqrt(disc)
        r1 = root / a
        r2 = np.where(root == 0, r1, c / root)
        defined = known & ~np.isnan(lift) & ~np.isnan(a)
        reason = reason | _flag(defined & ~bounded, Reason.LIFT_UNBOUNDED)
        lift_lo = np.where(defined, np.where(bounded, np.minimum(r1, r2) - 1, -np.inf), np.nan)
        lift_hi = np.where(defined, np.where(bounded, np.maximum(r1, r2) - 1, np.inf), np.nan)

    values = {
        "effect": m,
        "effect_sd": s,
        "effect_ci_low": m - q * s,
        "effect_ci_high": m + q * s,
        "lift": lift,
        "lift_ci_low": lift_lo,
        "lift_ci_high": lift_hi,
        "prob_beats_control": prob,
        "expected_loss": loss_variant,
        "expected_loss_control": loss_control,
        "control_mean": np.where(np.isnan(m), np.nan, e_c),
        "variant_mean": e_v,
    }
    return _result(shape, values, reason)
