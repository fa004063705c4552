"""The engine interface: what hypokit needs from a place that can run SQL over data."""

from __future__ import annotations

import abc
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, ClassVar, NamedTuple

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "Arrays",
    "Column",
    "Dialect",
    "Engine",
    "interactive",
    "position_names",
    "result_arrays",
]

#: A query result: one array per column, missing values as None (or masked, or NaN).
Arrays = dict[str, NDArray[Any]]


class Column(NamedTuple):
    """A column as an engine describes it."""

    type: str
    """The engine's own name for the column's type, for messages."""
    numeric: bool
    """Numbers or booleans: a metric can read it as a DOUBLE."""
    boolean: bool = False
    """Declared boolean: arm labels read as False/True even where the engine returns 0/1."""


@dataclass(frozen=True)
class Dialect:
    """The few spellings in which the SQL engines hypokit runs on differ.

    The aggregation is written once (:mod:`hypokit._aggregate`); a dialect only says how
    to quote a name, which types to cast to, and whether floats can hold NaN (which
    hypokit reads as missing, as pandas does).
    """

    quote: str = '"'
    string_type: str = "VARCHAR"
    double_type: str = "DOUBLE"
    nan: bool = True
    """Whether the engine's floats can be NaN (SQLite and MySQL store NaN as NULL)."""

    def ident(self, name: str) -> str:
        """A quoted identifier."""
        return self.quote + name.replace(self.quote, self.quote * 2) + self.quote

    def double(self, sql: str) -> str:
        """An expression cast to a double."""
        return f"CAST({sql} AS {self.double_type})"

    def text(self, sql: str) -> str:
        """An expression cast to text."""
        return f"CAST({sql} AS {self.string_type})"

    def nan_literal(self) -> str:
        """The NaN constant."""
        return self.double("'NaN'")

    def value(self, column: str) -> str:
        """A metric column as a double, NaN read as missing."""
        value = self.double(self.ident(column))
        if not self.nan:
            return value
        return f"NULLIF({value}, {self.nan_literal()})"


class Engine(abc.ABC):
    """Runs hypokit's aggregation where the data lives and returns only the small result.

    An engine is made by :func:`hypokit._engines.resolve` for one data object; it
    exposes the SQL ``FROM`` target (:attr:`source`), its :attr:`dialect`, the columns
    of the data (:meth:`describe`) and runs a query (:meth:`run`). :meth:`close`
    releases what the engine registered (a view, a cursor); engines are context
    managers.
    """

    name: ClassVar[str]
    """The engine's name: ``"duckdb"``, ``"polars"``, ``"ibis"`` or ``"spark"``."""
    source: str
    """What the SQL reads: a (quoted) table name or a table function."""
    dialect: Dialect = Dialect()
    duckdb_names: bool = False
    """The data's own names are DuckDB's (a relation, an Ibis table on DuckDB): a column
    whose name differed from another's only in case may have been renamed ``<name>_1``."""

    @abc.abstractmethod
    def describe(self) -> dict[str, Column]:
        """The data's columns and their types, in order, as the engine names them."""

    def columns(self) -> list[tuple[str, Column]]:
        """The data's columns in order, named as the data itself names them.

        A reader may name a column otherwise than the data does (DuckDB trims a CSV
        header, renames a column whose name differs from another's only in case, and
        names an unnamed one ``column0``); these are the data's own names, which may
        repeat, each with the engine's type. By default, :meth:`describe`'s.
        """
        return list(self.describe().items())

    def select(self, positions: Sequence[int], text: Sequence[int] = ()) -> dict[int, str]:
        """Make :attr:`source` read the columns at these positions under names of its own.

        Returns each position's name in the SQL (unquoted; quote it with
        :attr:`dialect`). The queries then name no column of the data, so no reader's
        renaming, case rules or quoting can make them read another column. ``text``:
        positions (segment columns) to read as the data writes them, where a reader
        would guess a type (a CSV file's ``TRUE``, ``true`` and ``T`` are one boolean).
        """
        raise NotImplementedError

    @abc.abstractmethod
    def run(self, sql: str) -> Arrays:
        """Run one query and fetch its (small) result as arrays."""

    def close(self) -> None:  # noqa: B027 (optional: polars has nothing to release)
        """Release what the engine registered; the data itself is left alone."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def position_names(count: int) -> list[str]:
    """The names the engines give the data's columns, by position: ``hk_0``, ``hk_1``, ..."""
    return [f"hk_{i}" for i in range(count)]


def result_arrays(columns: Sequence[str], values: Sequence[Sequence[Any]]) -> Arrays:
    """Arrays from a small result given as Python values per column.

    A column of numbers without missing values becomes a numeric array (integers stay
    integers, so grouping keys keep their text); anything else an object array with
    None for missing values.
    """
    out: Arrays = {}
    for name, column in zip(columns, values, strict=True):
        numbers = all(
            isinstance(v, int | float | np.number) and not isinstance(v, bool | np.bool_)
            for v in column
        )
        flags = all(isinstance(v, bool | np.bool_) for v in column)
        if column and (numbers or flags):
            out[name] = np.asarray(column)
        else:
            out[name] = np.array(list(column), dtype=object)
    return out


def interactive() -> bool:
    """Whether someone watches: a terminal on stdout, or a Jupyter kernel."""
    ipython = sys.modules.get("IPython")
    shell = getattr(ipython, "get_ipython", lambda: None)()
    if getattr(shell, "kernel", None) is not None:
        return True
    stream = sys.stdout
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError):  # replaced or closed streams
        return False
