"""polars: a DataFrame or LazyFrame aggregated by polars' own SQL, lazily.

The frame is registered with a :class:`polars.SQLContext` as a LazyFrame; the query
is planned by polars (projection pushdown: only the columns the metrics read are
touched) and only the small result is collected. polars reads the generated SQL as
it is (``CAST``, ``NULLIF``, ``COALESCE``, ``COUNT(CASE ...)``, ``GROUP BY 1, 2``), so
it uses the default dialect; polars has no progress bar. The query reads the columns
it needs under names of hypokit's own (:meth:`PolarsEngine.select`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hypokit._engines._base import Arrays, Column, Engine, position_names, result_arrays
from hypokit._errors import DataError

__all__ = ["PolarsEngine"]


class PolarsEngine(Engine):
    """A polars DataFrame or LazyFrame, aggregated natively by polars."""

    name = "polars"
    source = "hk_source"

    def __init__(self, data: Any, *, progress: bool | None = None) -> None:
        import polars as pl

        self._frame: pl.LazyFrame = data.lazy()
        self._context = pl.SQLContext(frames={self.source: self._frame})

    def describe(self) -> dict[str, Column]:
        """The frame's columns and polars data types (resolving a LazyFrame's schema)."""
        import polars as pl

        try:
            schema = self._frame.collect_schema()
        except pl.exceptions.PolarsError as exc:
            raise DataError(f"data cannot be read: {exc}") from None
        return {
            name: Column(str(dtype), dtype.is_numeric() or dtype == pl.Boolean, dtype == pl.Boolean)
            for name, dtype in schema.items()
        }

    def select(self, positions: Sequence[int], text: Sequence[int] = ()) -> dict[int, str]:
        """Register the columns at these positions, and only them, as ``hk_<position>``."""
        import polars as pl

        names = position_names(max(positions, default=-1) + 1)
        wanted = sorted(set(positions))
        frame = self._frame.select([pl.nth(i).alias(names[i]) for i in wanted])
        self._context.register(self.source, frame)
        return {i: names[i] for i in wanted}

    def run(self, sql: str) -> Arrays:
        """Plan the query lazily and collect only its result."""
        import polars as pl

        try:
            result = self._context.execute(sql, eager=False).collect()
        except pl.exceptions.PolarsError as exc:
            raise DataError(f"data cannot be read: {exc}") from None
        return result_arrays(result.columns, [result[c].to_list() for c in result.columns])
