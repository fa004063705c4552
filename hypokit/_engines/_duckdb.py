"""DuckDB: pandas and polars frames, Arrow tables, DuckDB relations and CSV/Parquet files.

Frames and Arrow tables are registered (zero-copy where DuckDB can) with a cursor of
one shared in-memory database, so no start-up cost is paid per call; files are read by
DuckDB's own ``read_parquet``/``read_csv``, which stream, so data larger than memory
works. A DuckDB relation is queried in its own connection.

NaN: DuckDB (up to 2.0 at least) folds a comparison with NaN to false when a Parquet
file's min/max statistics exclude NaN, as Arrow and Spark write them; so the queries
that test for NaN (the masked one) run with DuckDB's ``statistics_propagation``
optimizer off (:func:`nan_safe`).

Names: DuckDB reads some columns under other names than the data's: its CSV reader
trims a header (``" buy"`` becomes ``buy``) and names an empty one ``column0``, and a
column whose name differs from another's only in case is renamed (``buy`` beside
``Buy`` becomes ``buy_1``, and a real ``buy_1`` then ``buy_1_1``), since DuckDB's
names ignore case. So the engines read the data's own names (the frame's or table's,
the Parquet schema's, the CSV header's first row) and the queries name every column
by its position (:meth:`DuckDBEngine.select`), never by a name DuckDB may have changed.

Progress: DuckDB draws its progress bar (in a terminal, or as a widget in Jupyter) for
queries that run longer than ``progress_bar_time``; hypokit sets that per query (see
:func:`progress_settings`) and restores a relation's connection afterwards.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from hypokit._engines._base import (
    Arrays,
    Column,
    Dialect,
    Engine,
    interactive,
    position_names,
)
from hypokit._errors import DataError

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "DuckDBEngine",
    "RelationEngine",
    "change_settings",
    "current_settings",
    "is_path_list",
    "nan_safe",
    "progress_settings",
    "set_settings",
    "shared_connection",
]

#: The DuckDB types a metric can read as a DOUBLE (DECIMAL(p, s) too).
NUMERIC = frozenset(
    {
        "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
        "UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "REAL", "BOOLEAN",
    }
)  # fmt: skip

#: How long (ms) a query runs before its progress bar appears when ``progress=None``.
PROGRESS_AFTER_MS = 2000

_SHARED: list[duckdb.DuckDBPyConnection] = []

BUSY = (
    "data == a DuckDB relation whose connection has an unfinished result (from "
    "con.execute(...)), and hypokit cannot query the connection without ending it. Read "
    "that result to its end (e.g. .fetchall()) or end it with con.complete() or "
    "con.abort(), then analyze; or run such queries on a cursor of their own, "
    "con.cursor().execute(...)."
)


def shared_connection() -> duckdb.DuckDBPyConnection:
    """The in-memory DuckDB database hypokit queries through (created on first use)."""
    import duckdb

    if not _SHARED:
        _SHARED.append(duckdb.connect(":memory:"))
    return _SHARED[0]


def is_numeric(type_name: str) -> bool:
    """Whether a DuckDB type holds numbers (or booleans)."""
    kind = type_name.upper()
    return kind in NUMERIC or kind.startswith(("DECIMAL", "NUMERIC"))


def _column(type_name: str) -> Column:
    """A column of this DuckDB type."""
    return Column(type_name, is_numeric(type_name), type_name.upper() == "BOOLEAN")


def progress_settings(progress: bool | None) -> dict[str, str]:
    """The DuckDB settings for ``progress``, as SQL literals.

    True shows the bar at once, False never; None only to someone watching (a terminal
    or Jupyter) and only after 2 s, as DuckDB does by default.
    """
    if not (interactive() if progress is None else progress):
        return {"enable_progress_bar": "false"}
    return {
        "enable_progress_bar": "true",
        "enable_progress_bar_print": "true",
        "progress_bar_time": str(PROGRESS_AFTER_MS if progress is None else 0),
    }


def current_settings(execute: Callable[[str], Any], names: Sequence[str]) -> dict[str, str]:
    """The current values of DuckDB settings, as SQL literals."""
    reads = ", ".join(f"current_setting('{n}')" for n in names)
    row = execute(f"SELECT {reads}").fetchall()[0]
    return {
        n: ("true" if v else "false") if isinstance(v, bool) else str(v)
        for n, v in zip(names, row, strict=True)
    }


def set_settings(execute: Callable[[str], Any], settings: dict[str, str]) -> None:
    """Set DuckDB settings (values as SQL literals), one statement each.

    ``enable_progress_bar`` goes last: setting ``progress_bar_time`` turns it on.
    """
    for name in sorted(settings, key=lambda n: n == "enable_progress_bar"):
        execute(f"SET {name} = {settings[name]}")


def change_settings(
    execute: Callable[[str], Any], wanted: dict[str, str], current: dict[str, str]
) -> dict[str, str]:
    """Set what differs from ``current``; return the values that restore it."""
    changed = {n: v for n, v in wanted.items() if current.get(n) != v}
    set_settings(execute, changed)
    return {n: current[n] for n in changed}


@contextmanager
def nan_safe(execute: Callable[[str], Any], sql: str, dialect: Dialect) -> Iterator[None]:
    """Run a query that tests for NaN without DuckDB's statistics propagation.

    With it, ``x = 'NaN'`` (and ``isnan(x)``) is folded to false when a Parquet file's
    statistics say that ``x`` lies in [min, max], which Arrow and Spark write without
    the NaN values; the masked query would then count NaN as a value. Other queries
    keep the optimizer. The connection's setting is restored afterwards.
    """
    if not dialect.nan or dialect.nan_literal() not in sql:
        yield
        return
    before = current_settings(execute, ["disabled_optimizers"])["disabled_optimizers"]
    names = {n.strip() for n in before.split(",") if n.strip()} | {"statistics_propagation"}
    execute(f"SET disabled_optimizers = '{','.join(sorted(names))}'")
    try:
        yield
    finally:
        execute(f"SET disabled_optimizers = '{before}'")


_CURSOR_DEFAULTS: dict[str, str] = {}


def _cursor_defaults(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """A new cursor's progress settings (read once: DuckDB's defaults)."""
    if not _CURSOR_DEFAULTS:
        names = ["enable_progress_bar", "enable_progress_bar_print", "progress_bar_time"]
        _CURSOR_DEFAULTS.update(current_settings(con.execute, names))
    return _CURSOR_DEFAULTS


class DuckDBEngine(Engine):
    """A frame, Arrow table or CSV/Parquet files queried by a cursor of hypokit's database."""

    name = "duckdb"

    def __init__(self, data: Any, *, progress: bool | None = None) -> None:
        self._con = shared_connection().cursor()
        self._data = data
        self._parquet: list[str] = []  # the files, when several Parquet files are read
        self._paths: list[str] = []  # the files, when files are read
        self._csv = False
        self._described: dict[str, Column] | None = None
        try:
            if isinstance(data, str | os.PathLike) or is_path_list(data):
                self.source = self._files(data)
            else:
                try:
                    self._con.register("hk_source", data)
                except Exception as exc:  # duckdb raises its own error types
                    raise DataError(f"data cannot be read: {exc}") from None
                self.source = "hk_source"
            self._from = self.source
            # settings of this cursor only; a new cursor starts from DuckDB's defaults
            wanted = progress_settings(progress)
            change_settings(self._con.execute, wanted, _cursor_defaults(self._con))
        except BaseException:
            self._con.close()
            raise

    def _files(self, data: Any) -> str:
        paths = [os.fspath(data)] if isinstance(data, str | os.PathLike) else list(data)
        paths = [os.fspath(p) for p in paths]
        kinds = {_file_kind(p) for p in paths}
        if len(kinds) > 1:
            raise DataError(f"data == {data!r} mixes CSV and Parquet files; pass one kind.")
        literal = _literal(paths)
        self._paths = paths
        self._csv = kinds == {"csv"}
        if kinds == {"parquet"}:
            if len(paths) > 1 or any(ch in paths[0] for ch in "*?["):
                self._parquet = paths
            # union_by_name after describe() checked that every file has the same
            # columns: numeric types that differ then widen instead of being cast to
            # the first file's type.
            return f"read_parquet({literal}, union_by_name = true)"
        return f"read_csv({literal}, header = true)"

    def describe(self) -> dict[str, Column]:
        """The columns (DuckDB's types); several Parquet files must share one schema."""
        return dict(self._describe())

    def _describe(self) -> list[tuple[str, Column]]:
        if self._described is None:
            if self._parquet:
                _check_parquet_schemas(self._con, self._data, self._parquet)
            try:
                rows = self._con.execute(f"DESCRIBE SELECT * FROM {self._from}").fetchall()
            except Exception as exc:  # duckdb raises its own error types
                raise DataError(f"data cannot be read: {exc}") from None
            self._described = {str(r[0]): _column(str(r[1])) for r in rows}
        return list(self._described.items())

    def columns(self) -> list[tuple[str, Column]]:
        """The columns under the data's own names, with DuckDB's types.

        The names of the frame or Arrow table, of the first Parquet file's schema, or
        of the first CSV file's header as written (DuckDB's types and the order of its
        columns, which follow the first file). When they cannot be read, or are not as
        many as DuckDB's columns, DuckDB's names.
        """
        described = self._describe()
        names = self._own_names()
        if names is None or len(names) != len(described):
            return described
        return [(name, column) for name, (_, column) in zip(names, described, strict=True)]

    def _own_names(self) -> list[str] | None:
        import duckdb

        data = self._data
        if self._paths:
            try:
                if self._csv:
                    return self._csv_names()
                return [n for n, _ in _parquet_schema(self._con, self._paths)[0][1]]
            except duckdb.Error:  # describe() has read the files: keep its names
                return None
        if hasattr(data, "schema") and hasattr(data.schema, "names"):  # Arrow
            return [str(n) for n in data.schema.names]
        if hasattr(data, "columns"):  # pandas
            return [str(c) for c in data.columns]
        return None

    def _csv_names(self) -> list[str] | None:
        """The first file's header as written; several files must agree on theirs."""
        files: list[str] = []
        for path in self._paths:
            if "://" in path or not any(ch in path for ch in "*?["):
                files.append(path)
            else:
                rows = self._con.execute("SELECT file FROM glob(?)", [path]).fetchall()
                files.extend(str(r[0]) for r in rows)
        headers = [(f, _csv_header(self._con, f)) for f in files]
        if any(names is None for _, names in headers):
            return None
        _check_csv_headers(self._data, headers)  # type: ignore[arg-type]
        return headers[0][1]

    def select(self, positions: Sequence[int], text: Sequence[int] = ()) -> dict[int, str]:
        """Name every column by its position, ``hk_0, hk_1, ...`` (a table alias).

        A CSV file's ``text`` columns are read as text (``VARCHAR``): its reader would
        read ``TRUE``, ``true`` and ``T`` as one boolean, so that segments merge.
        """
        described = self._describe()
        names = position_names(len(described))
        q = self.dialect.ident
        source = self._from
        if self._csv and text:
            types = ", ".join(f"{_string(described[i][0])}: 'VARCHAR'" for i in sorted(set(text)))
            source = f"read_csv({_literal(self._paths)}, header = true, types = {{{types}}})"
        self.source = f"{source} AS hk_t({', '.join(map(q, names))})"
        return {i: names[i] for i in positions}

    def run(self, sql: str) -> Arrays:
        """Run the query and fetch the result with ``fetchnumpy``."""
        import duckdb

        try:
            # (fetchnumpy gives ENUM keys as a pandas Categorical, which _labels reads too)
            with nan_safe(self._con.execute, sql, self.dialect):
                result = cast(Arrays, self._con.execute(sql).fetchnumpy())
        except duckdb.Error as exc:
            raise DataError(f"data cannot be read: {exc}") from None
        return result

    def close(self) -> None:
        """Close the cursor (its registered view goes with it)."""
        self._con.close()


class RelationEngine(Engine):
    """A DuckDB relation, queried in its own connection under the name ``hk_source``."""

    name = "duckdb"
    source = "hk_source"
    duckdb_names = True

    def __init__(self, relation: Any, *, progress: bool | None = None) -> None:
        import duckdb

        self._rel = relation
        wanted = progress_settings(progress)
        try:
            current = current_settings(self._execute, list(wanted))
        except duckdb.Error as exc:
            # DuckDB 2 refuses any other work on a connection while a result of its
            # execute() is unfinished; running anyway (as DuckDB 1 does) would end it.
            if isinstance(exc, getattr(duckdb, "ResourceInUseException", ())):
                raise DataError(BUSY) from None
            raise DataError(f"data cannot be read: {exc}") from None
        self._saved = change_settings(self._execute, wanted, current)

    def _execute(self, sql: str) -> Any:
        return self._rel.query("hk_source", sql)

    def describe(self) -> dict[str, Column]:
        """The relation's columns and DuckDB types."""
        return dict(self.columns())

    def columns(self) -> list[tuple[str, Column]]:
        """The relation's columns and DuckDB types (two names may differ only in case)."""
        types = [str(t) for t in self._rel.types]
        return [(str(c), _column(t)) for c, t in zip(self._rel.columns, types, strict=True)]

    def select(self, positions: Sequence[int], text: Sequence[int] = ()) -> dict[int, str]:
        """Name every column by its position, ``hk_0, hk_1, ...`` (a table alias).

        A relation may have columns whose names differ only in case, which its SQL
        does not tell apart (it reads the first of them).
        """
        names = position_names(len(self._rel.columns))
        q = self.dialect.ident
        self.source = f"hk_source AS hk_t({', '.join(map(q, names))})"
        return {i: names[i] for i in positions}

    def run(self, sql: str) -> Arrays:
        """Run the query over the relation."""
        import duckdb

        try:
            with nan_safe(self._execute, sql, self.dialect):
                result = cast(Arrays, self._execute(sql).fetchnumpy())
        except duckdb.Error as exc:
            raise DataError(f"data cannot be read: {exc}") from None
        return result

    def close(self) -> None:
        """Put the connection's progress settings back as they were."""
        set_settings(self._execute, self._saved)


# --------------------------------------------------------------------------------- files
def is_path_list(data: Any) -> bool:
    return (
        isinstance(data, Sequence)
        and not isinstance(data, str)
        and bool(data)
        and all(isinstance(p, str | os.PathLike) for p in data)
    )


def _file_kind(path: str) -> str:
    """``"parquet"`` or ``"csv"``, after checking that the file (or a glob match) exists."""
    if "://" not in path:  # remote files (s3://, https://) are DuckDB's to find
        if any(ch in path for ch in "*?["):
            if not glob.glob(path, recursive=True):
                raise DataError(f"data == {path!r}: the pattern matches no file.")
        elif not os.path.exists(path):
            raise DataError(f"data == {path!r}: no such file.")
    lower = path.lower()
    if lower.endswith((".parquet", ".pq")) or os.path.isdir(path):
        return "parquet"
    if lower.endswith((".csv", ".csv.gz", ".tsv", ".txt")):
        return "csv"
    raise DataError(f"data == {path!r}: expected .parquet, .csv, .csv.gz or .tsv files.")


def _check_parquet_schemas(con: duckdb.DuckDBPyConnection, data: Any, paths: list[str]) -> None:
    """Refuse Parquet files that disagree on their columns.

    Reads only the files' footers. Every file must have the same columns; a column's
    type may differ between files only from one number type to another (DuckDB widens
    those). Anything else would be read wrongly or silently as missing.
    """
    try:
        ordered = _parquet_schema(con, paths)
    except Exception as exc:  # duckdb raises its own error types
        raise DataError(f"data cannot be read: {exc}") from None
    schemas = {file: dict(columns) for file, columns in ordered}
    if len(schemas) < 2:
        return
    files = list(schemas)
    first = files[0]
    base = os.path.basename

    def fail(problem: str, advice: str = "") -> None:
        raise DataError(
            f"data == {data!r}: the files do not share one schema: {problem}. "
            + (
                advice
                or "Read only files with the same columns, or pass duckdb.read_parquet(..., "
                "union_by_name=True) to combine them as you mean to."
            )
        )

    # DuckDB matches columns whose names differ only in case by their order in each file
    order = {f: [n for n, _ in columns] for f, columns in ordered}
    for f in files:
        folded: dict[str, str] = {}
        for name in order[f]:
            twin = folded.setdefault(name.casefold(), name)
            if twin != name and order[f] != order[first]:
                fail(
                    f"{twin!r} and {name!r} differ only in case, which DuckDB's names "
                    f"ignore, and {base(first)} and {base(f)} order the columns differently",
                    "Rename the columns so that no two differ only in case, or write every "
                    "file with its columns in one order.",
                )
    for column in dict.fromkeys(c for f in files for c in schemas[f]):
        having = [f for f in files if column in schemas[f]]
        lacking = [f for f in files if column not in schemas[f]]
        if lacking:
            more = f" (and {len(lacking) - 1} more)" if len(lacking) > 1 else ""
            fail(f"{column!r} is in {base(having[0])} but not in {base(lacking[0])}{more}")
        kinds = {schemas[f][column] for f in files}
        if len(kinds) > 1 and not all(is_numeric(k) for k in kinds):
            one = schemas[first][column]
            other = next(f for f in files if schemas[f][column] != one)
            fail(
                f"{column!r} is {one} in {base(first)} but {schemas[other][column]} in "
                f"{base(other)}"
            )


def _csv_header(con: duckdb.DuckDBPyConnection, path: str) -> list[str] | None:
    """A CSV file's header as written: its first row read as data (untrimmed)."""
    row = con.execute(
        f"SELECT * FROM read_csv({_literal([path])}, header = false, all_varchar = true) LIMIT 1"
    ).fetchall()
    return ["" if v is None else str(v) for v in row[0]] if row else None


def _check_csv_headers(data: Any, headers: list[tuple[str, list[str]]]) -> None:
    """Refuse CSV files whose headers DuckDB would match wrongly.

    DuckDB reads several CSV files by the names of their columns as its reader makes
    them: trimmed, and renamed ``<name>_1`` when two differ only in case. So files whose
    headers its reader makes alike must have the same header, in the same order unless
    every name is one the reader keeps (not empty, no space at either end, no two that
    differ only in case). Headers it makes different, DuckDB refuses itself.
    """
    first_file, first = headers[0]
    base = os.path.basename

    def read(names: list[str]) -> list[str]:  # about as the reader names them
        return sorted(n.strip().lower() for n in names)

    for file, names in headers[1:]:
        if names == first or read(names) != read(first):
            continue  # the same header, or one DuckDB itself refuses ("schema mismatch")
        lacking = [n for n in first if n not in names]
        extra = [n for n in names if n not in first]
        if lacking:
            problem = f"{lacking[0]!r} is in {base(first_file)} but not in {base(file)}"
        elif extra:
            problem = f"{extra[0]!r} is in {base(file)} but not in {base(first_file)}"
        else:
            renamed = [n for n in first if not _kept(n, first)]
            renamed += [n for n in names if not _kept(n, names)]
            if not renamed:
                continue  # the same names in another order: DuckDB matches them
            problem = (
                f"{base(first_file)} and {base(file)} order their columns differently, "
                f"and DuckDB's CSV reader renames {renamed[0]!r}, so it may match the "
                "wrong columns"
            )
        raise DataError(
            f"data == {data!r}: the CSV files do not share one header: {problem}. Give "
            "every file the same header."
        )


def _kept(name: str, names: Sequence[str]) -> bool:
    """Whether DuckDB's CSV reader keeps this header name as it is."""
    lower = name.lower()
    return bool(name) and name == name.strip() and sum(n.lower() == lower for n in names) == 1


def _string(text: str) -> str:
    """A DuckDB string literal."""
    return "'" + text.replace("'", "''") + "'"


def _literal(paths: Sequence[str]) -> str:
    """A list of paths as a DuckDB list literal."""
    return "[" + ", ".join(map(_string, paths)) + "]"


def _parquet_schema(
    con: duckdb.DuckDBPyConnection, paths: Sequence[str]
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each file's top-level columns and DuckDB types, in order (the footers only)."""
    rows = con.execute(
        f"SELECT file_name, name, duckdb_type, num_children FROM parquet_schema({_literal(paths)})"
    ).fetchall()
    by_file: dict[str, list[tuple[str, str, int]]] = {}
    for file, name, kind, children in rows:
        by_file.setdefault(str(file), []).append((str(name), str(kind), int(children or 0)))
    return [(file, _top_level(nodes)) for file, nodes in by_file.items()]


def _top_level(nodes: list[tuple[str, str, int]]) -> list[tuple[str, str]]:
    """The top-level columns of one file's Parquet schema tree (depth-first, root first)."""
    out: list[tuple[str, str]] = []
    position = 1

    def skip(count: int) -> None:
        nonlocal position
        for _ in range(count):
            children = nodes[position][2]
            position += 1
            skip(children)

    for _ in range(nodes[0][2]):
        name, kind, children = nodes[position]
        position += 1
        skip(children)
        out.append((name, kind))
    return out
