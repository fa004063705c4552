"""Public names print as the namespace users import them from (``hypokit.Proportion``).

Classes and functions live in private modules (``hypokit._metrics``); each public
package (``hypokit``, ``hypokit.stats``, ``hypokit.widgets``) calls :func:`publish` once
on its ``__all__``, which sets their ``__module__`` to that package. Reprs, tracebacks,
pickles and documentation then name ``hypokit.Proportion``, which is also where pickle
finds the class again.

An object keeps the first public namespace that publishes it (``hk.Prior`` is
``hypokit.stats.Prior``). The module that defines it is kept in :data:`HOMES`, for tools
that need the file (the doctest collection in ``conftest.py``).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping

__all__ = ["HOMES", "PUBLIC", "publish"]

#: The public namespaces.
PUBLIC = ("hypokit", "hypokit.stats", "hypokit.widgets")

#: The module that defines each published object, by (public module, qualified name).
HOMES: dict[tuple[str, str], str] = {}


def publish(namespace: Mapping[str, object], names: Iterable[str], module: str) -> None:
    """Set ``__module__`` to ``module`` on the classes and functions among ``names``.

    Args:
        namespace: Where the names are bound (the package's ``globals()``); a name that
            is not bound there yet (loaded lazily) is left for a later call.
        names: The public names (the package's ``__all__``).
        module: The public namespace, one of :data:`PUBLIC`.
    """
    for name in names:
        value = namespace.get(name)
        if not (isinstance(value, type) or inspect.isfunction(value)):
            continue  # constants, type aliases, modules
        home = value.__module__
        if home in PUBLIC or not home.startswith("hypokit."):
            continue  # already published, or not hypokit's
        HOMES[(module, value.__qualname__)] = home
        value.__module__ = module
