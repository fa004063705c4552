"""Engines: where hypokit's one aggregation query runs.

``hk.aggregate`` writes one SQL ``GROUP BY`` (:mod:`hypokit._aggregate`) and hands it
to the engine the data lives in, which returns only the small table of sums:

=====================================  ===================================================
data                                   engine
=====================================  ===================================================
pandas DataFrame, pyarrow Table or     DuckDB, a cursor of one shared in-memory database
Dataset, CSV/Parquet path, glob, list  (files are streamed, never loaded whole)
DuckDB relation                        DuckDB, in the relation's own connection
polars DataFrame or LazyFrame          polars' own SQL, lazily; only the result is
                                       collected (2.7x as fast as DuckDB over the frame)
Ibis table                             its backend, the SQL transpiled by Ibis/sqlglot
PySpark DataFrame                      Spark SQL over a temporary view
=====================================  ===================================================

:func:`resolve` picks the engine from the type of ``data`` by the module its class
comes from, so it imports no optional library the data does not already come from:
``import hypokit`` loads none of DuckDB, polars, Ibis or PySpark.

An engine (:class:`Engine`) exposes the SQL ``FROM`` target (``source``), its
:class:`Dialect` (identifier quote, type names, NaN), ``describe()`` (columns and
whether they hold numbers), ``run(sql)`` (a dict of numpy arrays) and ``close()``.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

from hypokit._engines._base import Arrays, Column, Dialect, Engine
from hypokit._errors import ValidationError

__all__ = ["Arrays", "Column", "Dialect", "Engine", "resolve"]

SUPPORTED = (
    "a pandas or polars DataFrame (or LazyFrame), a pyarrow Table, a DuckDB relation, a "
    "CSV/Parquet path, glob or list of paths, an Ibis table, a PySpark DataFrame, or a "
    "table from hk.aggregate"
)


def _modules(data: Any) -> set[str]:
    """The top-level packages of the classes ``data`` is an instance of."""
    return {str(getattr(c, "__module__", "")).split(".")[0] for c in type(data).__mro__}


def resolve(data: Any, *, progress: bool | None = None) -> Engine:
    """The engine that runs the aggregation over ``data``.

    Args:
        data: The unit-level data (see the module docstring for what is accepted).
        progress: Show a progress bar for long queries (True), never (False), or only
            to someone watching and after 2 s (None); see :func:`hypokit.aggregate`.

    Raises:
        ValidationError: ``data`` is of no supported type (a DuckDB connection, which is
            a whole database, among them).
        DataError: The data cannot be read (a missing file, files that disagree on
            their columns, a stopped Spark session).
    """
    from hypokit._engines._duckdb import DuckDBEngine, is_path_list

    if isinstance(data, str | os.PathLike) or is_path_list(data):
        return DuckDBEngine(data, progress=progress)
    modules = _modules(data)
    if modules & {"duckdb", "_duckdb"}:
        import duckdb

        from hypokit._engines._duckdb import RelationEngine

        if isinstance(data, duckdb.DuckDBPyRelation):
            return RelationEngine(data, progress=progress)
        if isinstance(data, duckdb.DuckDBPyConnection):
            raise ValidationError(
                "data == DuckDBPyConnection object: a connection is a whole database; pass "
                'one table of it, con.table("name") or con.sql("SELECT ...").'
            )
    elif "polars" in modules:
        import polars as pl

        from hypokit._engines._polars import PolarsEngine

        if isinstance(data, pl.DataFrame | pl.LazyFrame):
            return PolarsEngine(data, progress=progress)
    elif "ibis" in modules:
        if isinstance(data, importlib.import_module("ibis.expr.types").Table):
            from hypokit._engines._ibis import IbisEngine

            return IbisEngine(data, progress=progress)
    elif "pyspark" in modules:
        from hypokit._engines._spark import SparkEngine

        if hasattr(data, "createOrReplaceTempView") and hasattr(data, "sparkSession"):
            return SparkEngine(data, progress=progress)
    elif "pandas" in modules:
        import pandas as pd

        if isinstance(data, pd.DataFrame):
            return DuckDBEngine(data, progress=progress)
    elif "pyarrow" in modules:
        pa = importlib.import_module("pyarrow")
        dataset = importlib.import_module("pyarrow.dataset")
        # not a RecordBatchReader: it can be read only once, and a query may need two
        if isinstance(data, pa.Table | pa.RecordBatch | dataset.Dataset):
            return DuckDBEngine(data, progress=progress)
    raise ValidationError(f"data == {type(data).__name__} object, must be {SUPPORTED}.")
