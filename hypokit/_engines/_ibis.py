"""Ibis: any Ibis table on a SQL backend, aggregated by that backend.

Ibis compiles the table to the backend's SQL (``backend.compile``); hypokit's query,
written in DuckDB's dialect over ``hk_source``, is transpiled to the backend's dialect
by sqlglot (Ibis's SQL layer) and run as ``WITH hk_source AS (<the table>) <query>``
with ``backend.raw_sql``, so the data stays in the backend (DuckDB, SQLite, Postgres,
Snowflake, BigQuery, ...) and only the small result is fetched. In-memory tables
(``ibis.memtable``) are registered with the backend first, as Ibis does before it runs
any expression.

Backends whose floats cannot hold NaN (SQLite and MySQL-like ones store it as NULL)
skip the NaN-as-missing test: there, a NaN literal would be cast to 0. On the DuckDB
backend, hypokit sets the progress bar as for DuckDB and restores the connection.

Names: the query reads the table with its columns renamed by Ibis (``hk_0, hk_1, ...``,
:meth:`IbisEngine.select`), so it names no column of the data itself. Ibis names them
as its schema does; a backend may not: DuckDB renames a column whose name differs from
another's only in case (``buy`` beside ``Buy`` becomes ``buy_1``) and then reads
``buy`` as ``Buy``. Such columns are refused, naming both.

(``Table.sql(query, dialect=...)`` would do the same, but it first asks the backend for
the result's schema with a query that Ibis 12's DuckDB backend cannot run on DuckDB 2.)
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from hypokit._engines._base import Arrays, Column, Dialect, Engine, position_names, result_arrays
from hypokit._errors import DataError, HypokitError, ValidationError

__all__ = ["IbisEngine"]

#: Backends without NaN in their floating-point columns.
NO_NAN = frozenset({"sqlite", "mysql", "singlestoredb", "mssql"})

#: Backends whose quoted column names are case-sensitive (``"Buy"`` is not ``"buy"``).
CASE_SENSITIVE = frozenset({"postgres"})

#: Backends whose names ignore the case of ASCII letters only (``"Ä"`` is not ``"ä"``).
ASCII_CASE = frozenset({"duckdb", "sqlite"})


class IbisEngine(Engine):
    """An Ibis table expression, aggregated by the SQL backend it belongs to."""

    name = "ibis"
    source = "hk_source"

    def __init__(self, table: Any, *, progress: bool | None = None) -> None:
        ibis: Any = importlib.import_module("ibis")
        self._table = table
        try:
            self._backend: Any = ibis.get_backend(table)
        except Exception as exc:  # ibis raises several kinds
            raise DataError(f"data cannot be read: the Ibis table has no backend: {exc}") from None
        self.backend_name = str(getattr(self._backend, "name", ""))
        if not hasattr(self._backend, "compile") or not hasattr(self._backend, "raw_sql"):
            raise ValidationError(
                f"data == an Ibis table on the {self.backend_name!r} backend, which does not "
                "run SQL; use a SQL backend (DuckDB, SQLite, Postgres, ...) or pass the data."
            )
        self.dialect = Dialect(nan=self.backend_name not in NO_NAN)
        self.duckdb_names = self.backend_name == "duckdb"
        hooks = getattr(self._backend, "_run_pre_execute_hooks", None)
        try:
            if hooks is not None:
                hooks(table)  # registers in-memory tables, as every Ibis execution does
            self._from = str(self._backend.compile(table))
        except Exception as exc:  # each backend raises its own errors
            raise DataError(f"data cannot be read: {exc}") from None
        self._saved: dict[str, str] = {}
        con = getattr(self._backend, "con", None)
        if self.backend_name == "duckdb" and con is not None:
            from hypokit._engines._duckdb import (
                change_settings,
                current_settings,
                progress_settings,
            )

            wanted = progress_settings(progress)
            current = current_settings(con.execute, list(wanted))
            self._saved = change_settings(con.execute, wanted, current)

    def describe(self) -> dict[str, Column]:
        """The table's columns and Ibis data types."""
        schema = self._table.schema()
        return {
            str(name): Column(
                str(dtype), bool(dtype.is_numeric() or dtype.is_boolean()), bool(dtype.is_boolean())
            )
            for name, dtype in schema.items()
        }

    def select(self, positions: Sequence[int], text: Sequence[int] = ()) -> dict[int, str]:
        """Read the columns at these positions, and only them, as ``hk_<position>``.

        Raises:
            DataError: The backend names one of them otherwise than Ibis does, or (on a
                backend whose names ignore case) another column's name differs from
                its name only in case: the backend may read the other column.
        """
        schema = list(self._table.schema().names)
        wanted = sorted(set(positions))
        fold = _ascii_lower if self.backend_name in ASCII_CASE else str.casefold
        for i in wanted:
            name = schema[i]
            twins = [n for n in schema if n != name and fold(n) == fold(name)]
            if twins and self.backend_name not in CASE_SENSITIVE:
                raise DataError(
                    f"columns {name!r} and {twins[0]!r} of the Ibis table differ only in "
                    f"case, which the {self.backend_name!r} backend ignores: it may read one "
                    "for the other. Rename one of them."
                )
        seen = self._backend_names()
        for i in wanted:
            if len(seen) != len(schema) or seen[i] != schema[i]:
                shown = f"{seen[i]!r}" if len(seen) == len(schema) else "another name"
                raise DataError(
                    f"column {schema[i]!r} of the Ibis table is {shown} in its "
                    f"{self.backend_name!r} backend, which renamed it, so it may read another "
                    "column for it; give the column a name of its own."
                )
        names = position_names(max(wanted, default=-1) + 1)
        table = self._table.select(**{names[i]: self._table[schema[i]] for i in wanted})
        try:
            self._from = str(self._backend.compile(table))
        except Exception as exc:  # each backend raises its own errors
            raise DataError(f"data cannot be read: {exc}") from None
        return {i: names[i] for i in wanted}

    def _backend_names(self) -> list[str]:
        """The table's column names as the backend returns them (no row is read)."""
        try:
            sql = f"SELECT * FROM {self.source} LIMIT 0"
            if self.backend_name != "duckdb":
                sqlglot: Any = importlib.import_module("sqlglot")
                sql = sqlglot.transpile(sql, read="duckdb", write=self._backend.dialect)[0]
            cursor = self._backend.raw_sql(self._over_table(sql))
        except Exception as exc:  # each backend raises its own errors
            raise DataError(f"the Ibis query failed: {exc}") from None
        try:
            if hasattr(cursor, "description"):  # DB-API
                return [str(d[0]) for d in cursor.description]
            return [str(c) for c in getattr(cursor, "columns", [])]  # PySpark
        finally:
            if cursor is not getattr(self._backend, "con", None) and hasattr(cursor, "close"):
                cursor.close()

    def run(self, sql: str) -> Arrays:
        """Transpile the query to the backend's dialect, run it over the table, fetch."""
        try:
            if self.backend_name == "duckdb":
                from hypokit._engines._duckdb import nan_safe

                with nan_safe(self._backend.con.execute, sql, self.dialect):
                    return self._fetch(self._backend.raw_sql(self._over_table(sql)))
            sqlglot: Any = importlib.import_module("sqlglot")
            sql = sqlglot.transpile(sql, read="duckdb", write=self._backend.dialect)[0]
            return self._fetch(self._backend.raw_sql(self._over_table(sql)))
        except HypokitError:
            raise
        except Exception as exc:  # each backend raises its own errors
            raise DataError(f"the Ibis query failed: {exc}") from None

    def _over_table(self, sql: str) -> str:
        """The query with the table's own SQL as the common table expression it reads."""
        return f"WITH {self.source} AS ({self._from}) {sql}"

    def _fetch(self, cursor: Any) -> Arrays:
        """The rows of a DB-API cursor (or a PySpark DataFrame), closed afterwards."""
        try:
            if hasattr(cursor, "description") and hasattr(cursor, "fetchall"):  # DB-API
                columns = [str(d[0]) for d in cursor.description]
                rows = cursor.fetchall()
            elif hasattr(cursor, "collect") and hasattr(cursor, "columns"):  # PySpark
                columns, rows = [str(c) for c in cursor.columns], cursor.collect()
            else:
                raise DataError(
                    f"the Ibis {self.backend_name!r} backend returned a "
                    f"{type(cursor).__name__} that hypokit cannot read; pass the data itself."
                )
        finally:
            if cursor is not getattr(self._backend, "con", None) and hasattr(cursor, "close"):
                cursor.close()  # a cursor of its own, not the backend's connection
        return result_arrays(columns, [[row[i] for row in rows] for i in range(len(columns))])

    def close(self) -> None:
        """Put a DuckDB backend's progress settings back as they were."""
        if self._saved:
            from hypokit._engines._duckdb import set_settings

            set_settings(self._backend.con.execute, self._saved)


def _ascii_lower(name: str) -> str:
    """The name with its ASCII letters in lower case, as DuckDB and SQLite compare names."""
    return name.translate(_LOWER)


_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
