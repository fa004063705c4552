"""Fixtures for every test."""

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _close_ibis_sqlite_connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Close the SQLite connections that a test opens through Ibis when it ends.

    Python 3.13 warns (ResourceWarning: unclosed database) about a connection that is
    garbage-collected open; under warnings-as-errors that fails whichever test runs then.
    """
    try:
        import ibis
    except ImportError:
        yield
        return
    opened: list[Any] = []
    connect = ibis.sqlite.connect

    def tracked(*args: Any, **kwargs: Any) -> Any:
        backend = connect(*args, **kwargs)
        opened.append(backend)
        return backend

    monkeypatch.setattr(ibis.sqlite, "connect", tracked)
    yield
    for backend in opened:
        backend.disconnect()
