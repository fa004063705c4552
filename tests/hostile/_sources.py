"""One small table as every kind of data hk.aggregate reads, column names as given.

A table is a list of (name, values) pairs: names may repeat and may be anything a user
could type (spaces, case variants, quotes, unicode, SQL keywords). :func:`build` writes
it as the data one engine reads. Values are Python ``str``, ``int``, ``float`` or None
(missing), one type per column.
"""

from __future__ import annotations

import csv
import sqlite3
import uuid
from collections.abc import Callable, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import duckdb
import ibis
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.dataset
import pyarrow.parquet as pq

Table = Sequence[tuple[str, Sequence[Any]]]

#: Every kind of data: the DuckDB ones, polars, Ibis on DuckDB and SQLite, Spark.
SOURCES = (
    "pandas",
    "polars",
    "polars-lazy",
    "pyarrow",
    "pyarrow-dataset",
    "duckdb-relation",
    "csv",
    "parquet",
    "parquet-glob",
    "parquet-list",
    "ibis-duckdb",
    "ibis-memtable",
    "ibis-sqlite",
    "spark",
)

#: Spark-free sources, for the property tests (one JVM query per example is too slow).
FAST_SOURCES = tuple(s for s in SOURCES if s != "spark")

#: Warnings that PySpark and Ibis raise on their own (see tests/test_engines.py).
FILTERS = [
    "ignore:PySpark does not yet fully support pandas:FutureWarning",
    "ignore:The 'future.infer_string' option is deprecated",
    r"ignore:fetch_arrow_table\(\) is deprecated:DeprecationWarning",
]


def _arrow_type(values: Sequence[Any]) -> pa.DataType:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, str) for v in present):
        return pa.string()
    if present and all(isinstance(v, bool) for v in present):
        return pa.bool_()
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return pa.int64()
    return pa.float64()


def arrow(table: Table) -> pa.Table:
    """The table in Arrow, names as given (repeats included)."""
    arrays = [pa.array(list(v), _arrow_type(v)) for _, v in table]
    return pa.Table.from_arrays(arrays, names=[n for n, _ in table])


def pandas(table: Table) -> pd.DataFrame:
    """The table in pandas, names as given (repeats included), text as ``object``."""
    frame = pd.DataFrame({i: pd.Series(list(v), dtype=_pandas_dtype(v)) for i, (_, v) in
                          enumerate(table)})  # fmt: skip
    frame.columns = [n for n, _ in table]
    return frame


def _pandas_dtype(values: Sequence[Any]) -> Any:
    kind = _arrow_type(values)
    if kind == pa.int64() and None not in values:
        return "int64"
    if kind == pa.bool_():
        return object
    return object if kind == pa.string() else "float64"


def _quote(name: str, mark: str = '"') -> str:
    return mark + name.replace(mark, mark * 2) + mark


def _write_csv(table: Table, path: Path) -> None:
    rows = list(zip(*[v for _, v in table], strict=True))
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow([n for n, _ in table])
        writer.writerows([["" if x is None else x for x in row] for row in rows])


def _sqlite(table: Table, path: Path) -> Any:
    kinds = {pa.string(): "TEXT", pa.int64(): "INTEGER", pa.bool_(): "BOOLEAN"}
    columns = ", ".join(f"{_quote(n)} {kinds.get(_arrow_type(v), 'REAL')}" for n, v in table)
    rows = list(zip(*[v for _, v in table], strict=True))
    with closing(sqlite3.connect(path)) as con, con:
        con.execute(f"CREATE TABLE t ({columns})")
        con.executemany(f"INSERT INTO t VALUES ({', '.join('?' * len(table))})", rows)
    return ibis.sqlite.connect(path).table("t")


def _relation(table: Table) -> duckdb.DuckDBPyRelation:
    """A relation whose own names are the table's (a projection keeps case variants)."""
    con = duckdb.connect()
    positional = arrow(table).rename_columns([f"c{i}" for i in range(len(table))])
    con.register("units", positional)
    names = ", ".join(f'"c{i}" AS {_quote(n)}' for i, (n, _) in enumerate(table))
    return con.sql(f"SELECT {names} FROM units")


def _spark(table: Table, session: Any) -> Any:
    from pyspark.sql import types as t

    kinds = {
        pa.string(): t.StringType(),
        pa.int64(): t.LongType(),
        pa.bool_(): t.BooleanType(),
        pa.float64(): t.DoubleType(),
    }
    schema = t.StructType([t.StructField(n, kinds[_arrow_type(v)]) for n, v in table])
    rows = [tuple(row) for row in zip(*[v for _, v in table], strict=True)]
    return session.createDataFrame(rows, schema=schema)


def build(source: str, table: Table, folder: Path, spark: Callable[[], Any] | None = None) -> Any:
    """The table as ``source`` data; files are written to a new folder under ``folder``."""
    folder = folder / uuid.uuid4().hex[:8]
    folder.mkdir(parents=True)
    if source == "pandas":
        return pandas(table)
    if source in ("polars", "polars-lazy"):
        frame = pl.from_arrow(arrow(table))
        assert isinstance(frame, pl.DataFrame)
        frame.columns = [n for n, _ in table]  # (from_arrow names an empty name column_0)
        return frame.lazy() if source == "polars-lazy" else frame
    if source == "pyarrow":
        return arrow(table)
    if source == "duckdb-relation":
        return _relation(table)
    if source == "csv":
        _write_csv(table, folder / "units.csv")
        return folder / "units.csv"
    if source == "ibis-memtable":
        return ibis.memtable(arrow(table))
    if source == "ibis-sqlite":
        return _sqlite(table, folder / "units.sqlite")
    if source == "spark":
        assert spark is not None
        return _spark(table, spark())
    whole = arrow(table)
    pq.write_table(whole, folder / "units.parquet")
    half = whole.num_rows // 2
    pq.write_table(whole.slice(0, half), folder / "part-0.parquet")
    pq.write_table(whole.slice(half), folder / "part-1.parquet")
    if source == "parquet":
        return str(folder / "units.parquet")
    if source == "parquet-glob":
        return str(folder / "part-*.parquet")
    if source == "parquet-list":
        return [folder / "part-0.parquet", folder / "part-1.parquet"]
    if source == "pyarrow-dataset":
        return pyarrow.dataset.dataset(folder / "units.parquet")
    if source == "ibis-duckdb":
        return ibis.duckdb.connect().read_parquet(folder / "units.parquet")
    raise AssertionError(source)


def numbers(rng: np.random.Generator, n: int, k: int) -> list[int]:
    """``n`` integers whose sum tells column ``k`` from the others (up to 100 rows)."""
    return [int(x) for x in rng.integers(0, 10, n) + 1000 * (k + 1)]
