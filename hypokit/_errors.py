"""Exceptions raised by hypokit.

The hierarchy::

    HypokitError
    ├── ValidationError (also a ValueError)  bad argument: names it, its value and the rule
    ├── DataError (also a ValueError)        bad data: missing column, wrong values, empty arm
    ├── NotFoundError (also a KeyError)      no such segment, metric or row in a result or plan
    ├── RegistryError                        a record or registry file that cannot be used
    │   └── RecordFileError                  one file: bad YAML, a wrong or unknown field
    ├── SolveError (also an ArithmeticError) no finite design meets the request
    └── NotYetAvailableError (also a NotImplementedError)
                                             a capability that is planned but not built yet

Catch ``HypokitError`` to handle everything hypokit raises on purpose. Where a builtin
fits, a class also derives from it (``ValueError``, ``KeyError``, ...), so that code which
catches the builtin keeps working. A record built from bad values raises
:class:`ValidationError`; only pydantic's own ``model_validate`` keeps pydantic's error.
``NotImplementedError`` from an abstract method and ``TypeError`` from a call with a
wrong signature are Python's.
"""

from __future__ import annotations

__all__ = [
    "DataError",
    "HypokitError",
    "NotFoundError",
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


class NotFoundError(HypokitError, KeyError):
    """A segment, metric or row that a result or a plan does not have.

    The message names what was asked for and lists what there is. It prints as a
    message, not as the quoted key that a plain ``KeyError`` shows.
    """

    def __str__(self) -> str:
        return str(self.args[0]) if len(self.args) == 1 else super().__str__()


class RegistryError(HypokitError):
    """A record or a registry file cannot be read or written."""


class SolveError(HypokitError, ArithmeticError):
    """No finite solution exists for the requested design (a sample size beyond 1e12, ...)."""


class NotYetAvailableError(HypokitError, NotImplementedError):
    """A capability that is planned but not part of this release yet."""
