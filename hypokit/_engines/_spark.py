"""PySpark: a Spark DataFrame aggregated by Spark SQL where it lives.

The DataFrame is registered as a uniquely named temporary view, the query runs with
``spark.sql`` (backtick quoting; raw grouping keys, so no ``CAST ... AS VARCHAR``, which
Spark SQL refuses), only the small result is collected, and the view is dropped.

Names: Spark SQL ignores case by default (``buy`` beside ``Buy`` is ambiguous) and a
DataFrame may have two columns of one name; so the view the query reads has its columns
renamed by position (``DataFrame.toDF``, :meth:`SparkEngine.select`).

Progress: Spark draws its own console progress bar for long stages when
``spark.ui.showConsoleProgress`` is on (set when the session is built); hypokit does
not change it, so ``progress=`` has no effect here.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from hypokit._engines._base import Arrays, Column, Dialect, Engine, position_names, result_arrays
from hypokit._errors import DataError

__all__ = ["SparkEngine", "is_running"]

#: Spark SQL type names (``DataFrame.dtypes``) a metric can read as a DOUBLE.
NUMERIC = frozenset({"tinyint", "smallint", "int", "bigint", "float", "double", "boolean"})

NOT_RUNNING = (
    "the Spark session is not running (it was stopped); start one, e.g. "
    "SparkSession.builder.getOrCreate(), and rebuild the DataFrame in it."
)


def is_running(session: Any) -> bool:
    """Whether a SparkSession can still run queries."""
    if getattr(session, "is_stopped", False) is True:  # Spark Connect
        return False
    context = getattr(session, "_sc", None)  # classic: a stopped context drops its JVM handle
    return context is None or getattr(context, "_jsc", None) is not None


class SparkEngine(Engine):
    """A Spark DataFrame (classic or Spark Connect), aggregated by Spark SQL."""

    name = "spark"
    dialect = Dialect(quote="`", string_type="STRING")

    def __init__(self, data: Any, *, progress: bool | None = None) -> None:
        self._data = data
        self._session = data.sparkSession
        if not is_running(self._session):
            raise DataError(NOT_RUNNING)
        self._view = f"hk_source_{uuid.uuid4().hex}"
        try:
            data.createOrReplaceTempView(self._view)
        except Exception as exc:  # py4j and pyspark raise many kinds
            if not is_running(self._session):
                raise DataError(NOT_RUNNING) from None
            raise DataError(f"data cannot be read: {exc}") from None
        self.source = self.dialect.ident(self._view)

    def describe(self) -> dict[str, Column]:
        """The DataFrame's columns and Spark SQL types (no job runs)."""
        return dict(self.columns())

    def columns(self) -> list[tuple[str, Column]]:
        """The DataFrame's columns and Spark SQL types, in order (names may repeat)."""
        return [
            (
                str(name),
                Column(
                    str(kind).upper(),
                    kind in NUMERIC or kind.startswith("decimal"),
                    kind == "boolean",
                ),
            )
            for name, kind in self._data.dtypes
        ]

    def select(self, positions: Sequence[int], text: Sequence[int] = ()) -> dict[int, str]:
        """Replace the view by the DataFrame with its columns renamed ``hk_0, hk_1, ...``."""
        names = position_names(len(self._data.columns))
        try:
            self._data.toDF(*names).createOrReplaceTempView(self._view)
        except Exception as exc:  # py4j and pyspark raise many kinds
            if not is_running(self._session):
                raise DataError(NOT_RUNNING) from None
            raise DataError(f"data cannot be read: {exc}") from None
        return {i: names[i] for i in positions}

    def run(self, sql: str) -> Arrays:
        """Run ``spark.sql(sql)`` and collect the (small) result."""
        try:
            frame = self._session.sql(sql)
            rows = frame.collect()
        except Exception as exc:  # py4j and pyspark raise many kinds
            if not is_running(self._session):
                raise DataError(NOT_RUNNING) from None
            raise DataError(f"the Spark query failed: {exc}") from None
        columns = list(frame.columns)
        return result_arrays(columns, [[row[i] for row in rows] for i in range(len(columns))])

    def close(self) -> None:
        """Drop the temporary view."""
        if is_running(self._session):
            self._session.catalog.dropTempView(self._view)
