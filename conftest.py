"""Doctests of the published names (hypokit._public) run in the module that defines them.

A public class prints as ``hypokit.Proportion`` though ``hypokit/_metrics.py`` defines
it; doctest decides where an object belongs by its ``__module__``, so without this its
examples would be skipped in ``_metrics`` (and collected in ``hypokit/__init__.py``).
"""

from __future__ import annotations

import doctest
from typing import Any

from hypokit._public import HOMES

_from_module = doctest.DocTestFinder._from_module  # type: ignore[attr-defined]


def _from_defining_module(self: doctest.DocTestFinder, module: Any, obj: Any) -> bool:
    key = (getattr(obj, "__module__", None), getattr(obj, "__qualname__", None))
    home = HOMES.get(key)  # type: ignore[arg-type]
    if home is not None and module is not None:
        return bool(module.__name__ == home)
    return bool(_from_module(self, module, obj))


doctest.DocTestFinder._from_module = _from_defining_module  # type: ignore[attr-defined]
