"""The servers the engine tests run against: a Spark master and a PostgreSQL database.

``.ci/servers COMMAND`` starts both on loopback (a Spark standalone master with two
workers, and a PostgreSQL server with ``pg_stat_statements``) and sets:

* ``HYPOKIT_SPARK_MASTER``: the master URL, e.g. ``spark://127.0.0.1:7077``. Unset, the
  Spark tests run in local mode (``local[2]``).
* ``HYPOKIT_POSTGRES_URL``: a database URL, e.g.
  ``postgres://user:password@127.0.0.1:5432/db``, that the tests may create and drop a
  schema in. Unset, or when no server answers there, the PostgreSQL tests skip.

Under ``CI`` (see :func:`tests._browser.under_ci`) a missing server is an error, not a
skip: CI must not pass without having run against both.

Only the standard library and pytest are imported here (``--doctest-modules`` imports
this module); Ibis and PySpark are imported where a connection is made.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NoReturn

import pytest

from tests._browser import under_ci

#: Quick-starting JVMs for short test runs: the client compiler only, the serial collector.
JAVA_OPTIONS = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"


def missing(message: str) -> NoReturn:
    """Skip, saying what is missing; under CI fail instead."""
    if under_ci():
        pytest.fail(message + "; CI is set, so this is an error, not a skip.")
    pytest.skip(message)


# ------------------------------------------------------------------------------ Spark
def spark_master() -> str:
    """``$HYPOKIT_SPARK_MASTER``, or ``local[2]``."""
    return os.environ.get("HYPOKIT_SPARK_MASTER", "").strip() or "local[2]"


def on_cluster() -> bool:
    """Whether the Spark tests run on a standalone cluster rather than in local mode."""
    return spark_master().startswith("spark://")


def spark_session() -> Any:
    """The running session, or a new one on :func:`spark_master`.

    The driver binds to 127.0.0.1 (so executors reach it over loopback); on a cluster
    each executor takes one core and 1 GB, and runs this interpreter for Python (which
    hypokit's SQL never needs). No UI, no console progress, two shuffle partitions.
    """
    from pyspark.sql import SparkSession

    # the address the JVM names itself by, before it starts (else the host's, with a warning)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = (
        SparkSession.builder.master(spark_master())
        .appName("hypokit-tests")
        .config("spark.driver.extraJavaOptions", JAVA_OPTIONS)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
    )
    if on_cluster():
        builder = (
            builder.config("spark.executor.cores", "1")
            .config("spark.executor.memory", "1g")
            .config("spark.executor.extraJavaOptions", JAVA_OPTIONS)
            .config("spark.pyspark.python", sys.executable)
        )
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


# ------------------------------------------------------------------------- PostgreSQL
@dataclass
class Postgres:
    """An Ibis connection to the test database, and a schema of this run's own."""

    backend: Any
    schema: str

    def table(self, name: str, data: Any) -> Any:
        """``data`` (Arrow or pandas) as a new table of the schema, as an Ibis table."""
        self.backend.create_table(name, data, database=self.schema)
        return self.backend.table(name, database=self.schema)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """Rows of one statement, on the backend's own connection."""
        with self.backend.raw_sql(sql) as cursor:
            return list(cursor.fetchall()) if cursor.description else []

    def statements(self, like: str) -> list[tuple[str, int, int]]:
        """``(query, calls, rows)`` of the statements the server ran that contain ``like``.

        From ``pg_stat_statements`` since :meth:`reset_statements`; the rows are those
        each statement returned to its client.
        """
        rows = self.query(
            "SELECT query, calls, rows FROM pg_stat_statements "
            "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            f"AND query LIKE '%{like}%' AND query NOT LIKE '%pg_stat_statements%'"
        )
        return [(str(q), int(c), int(r)) for q, c, r in rows]

    def reset_statements(self) -> None:
        """Forget the statements run so far."""
        self.query("SELECT pg_stat_statements_reset()")

    def has_statements(self) -> bool:
        """Whether the server records statements (``pg_stat_statements`` is loaded)."""
        try:
            self.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            self.reset_statements()
        except Exception:  # not preloaded, or not ours to create
            return False
        return True


def postgres() -> Iterator[Postgres]:
    """A schema of its own in ``$HYPOKIT_POSTGRES_URL``'s database; dropped afterwards.

    Skips when the variable is unset or no server answers (fails under CI).
    """
    url = os.environ.get("HYPOKIT_POSTGRES_URL", "").strip()
    if not url:
        missing(
            "the PostgreSQL tests need a server: set HYPOKIT_POSTGRES_URL, or run them "
            "under .ci/servers"
        )
    import ibis

    try:
        backend = ibis.connect(url)
    except Exception as exc:  # psycopg's errors, or a missing driver
        missing(f"no PostgreSQL server answers at HYPOKIT_POSTGRES_URL: {exc}")
    schema = f"hk_test_{secrets.token_hex(4)}"
    server = Postgres(backend, schema)
    server.query(f'CREATE SCHEMA "{schema}"')
    try:
        yield server
    finally:
        server.query(f'DROP SCHEMA "{schema}" CASCADE')
        backend.disconnect()
