"""Parts of the public API that are planned but not built yet.

Each raises :class:`~hypokit.NotYetAvailableError` with a plain message, so that code
written against the documented API fails clearly instead of with a missing name.
"""

from __future__ import annotations

from typing import Any, NoReturn

from hypokit._errors import NotYetAvailableError
from hypokit._version import __version__

__all__ = [
    "Hypothesis",
    "KeyResult",
    "Learning",
    "Objective",
    "Registry",
]


def _not_yet(name: str, what: str) -> NoReturn:
    raise NotYetAvailableError(
        f"hk.{name} ({what}) is not available yet in hypokit {__version__}; "
        "sizing (hk.size) and analysis (hk.analyze) are. See CHANGELOG.md for what each "
        "release adds."
    )


class _Planned:
    _what = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        _not_yet(type(self).__name__, self._what)


class Objective(_Planned):
    """An objective with key results: not available yet."""

    _what = "OKR records"


class KeyResult(_Planned):
    """A key result: not available yet."""

    _what = "OKR records"


class Hypothesis(_Planned):
    """A hypothesis with per-segment success criteria: not available yet."""

    _what = "hypothesis records"


class Learning(_Planned):
    """A learning with an expiry date: not available yet."""

    _what = "learning records"


class Registry(_Planned):
    """The YAML registry of records: not available yet."""

    _what = "the record registry"
