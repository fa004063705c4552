"""One validator for every argument, so that every bad value gets the same kind of message.

Messages read ``name == value, must be <rule>.``
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection
from typing import Any, TypeVar

from hypokit._errors import ValidationError

T = TypeVar("T")


def _fmt(value: object) -> str:
    return repr(value)


def check_finite(name: str, value: Any) -> float:
    """Return ``value`` as a float, refusing non-numbers, NaN and infinities."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValidationError(f"{name} == {_fmt(value)}, must be a number.")
    x = float(value)
    if not math.isfinite(x):
        raise ValidationError(f"{name} == {_fmt(value)}, must be a finite number.")
    return x


def check_open_unit(name: str, value: Any) -> float:
    """A number strictly between 0 and 1 (a rate, alpha, power)."""
    x = check_finite(name, value)
    if not 0.0 < x < 1.0:
        raise ValidationError(f"{name} == {_fmt(value)}, must be in (0, 1).")
    return x


def check_positive(name: str, value: Any) -> float:
    """A finite number greater than 0."""
    x = check_finite(name, value)
    if x <= 0.0:
        raise ValidationError(f"{name} == {_fmt(value)}, must be greater than 0.")
    return x


def check_nonnegative(name: str, value: Any) -> float:
    """A finite number greater than or equal to 0."""
    x = check_finite(name, value)
    if x < 0.0:
        raise ValidationError(f"{name} == {_fmt(value)}, must be greater than or equal to 0.")
    return x


def check_int_at_least(name: str, value: Any, minimum: int) -> int:
    """A whole number not below ``minimum``."""
    if isinstance(value, bool):
        raise ValidationError(f"{name} == {_fmt(value)}, must be a whole number.")
    if not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and float(value).is_integer():
            value = int(float(value))
        else:
            raise ValidationError(f"{name} == {_fmt(value)}, must be a whole number.")
    if value < minimum:
        raise ValidationError(f"{name} == {_fmt(value)}, must be at least {minimum}.")
    return int(value)


def check_choice(name: str, value: T, choices: Collection[object]) -> T:
    """One of a fixed set of options (the run-time check of a ``Literal``)."""
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValidationError(f"{name} == {_fmt(value)}, must be one of {options}.")
    return value


def check_correlation(name: str, value: Any) -> float:
    """A correlation in (-1, 1)."""
    x = check_finite(name, value)
    if not -1.0 < x < 1.0:
        raise ValidationError(f"{name} == {_fmt(value)}, must be in (-1, 1).")
    return x
