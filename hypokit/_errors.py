"""Exceptions raised by hypokit.

The hierarchy::

    HypokitError
    ├── ValidationError (also a ValueError)  bad argument: names it, its value and the rule
    ├── DataError (also a ValueError)        bad data: missing column, wrong values, empty arm
    ├── RegistryError                        a record or registry file that cannot be used
    │   └── RecordFileError                  one file: bad YAML, a wrong or unknown field
    ├── SolveError (also an ArithmeticError) no finite design meets the request
    └── NotYetAvailableError (also a NotImplementedError)
                                             a capability that is planned but not built yet

Catch ``HypokitError`` to handle everything hypokit raises on purpose.
"""

from __future__ import annotations

__all__ = [
    "DataError",
    "HypokitError",
    "NotYetAvailableError",
    "RegistryError",
    "SolveError",
    "ValidationError",
]


class HypokitError(Exception):
    """Base class of every error hypokit raises on purpose."""


class ValidationError(HypokitError, ValueError):
    """An argument is outside what the function accepts.

    The message names the argument, its value and the rule, for example
    ``alpha == 1.5, must be in (0, 1).``
    """


class DataError(HypokitError, ValueError):
    """The data cannot be analysed as asked (a missing column, an empty arm, ...)."""


class RegistryError(HypokitError):
    """A record or a registry file cannot be read or written."""


class SolveError(HypokitError, ArithmeticError):
    """No finite solution exists for the requested design (a sample size beyond 1e12, ...)."""


class NotYetAvailableError(HypokitError, NotImplementedError):
    """A capability that is planned but not part of this release yet."""
