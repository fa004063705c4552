"""hypokit on real servers: PostgreSQL through Ibis, and a Spark standalone cluster.

The seeded data of tests/test_engines.py goes into a PostgreSQL table and a Parquet file
read by the Spark cluster; both must give the pandas reference's table to a relative
1e-9, and the same analysis, also with column names PostgreSQL's 63-byte identifiers
would cut, and with segment and variant columns named as no one should name them.
Each server must do the work: one ``GROUP BY`` (two when a metric over several columns
has missing values), only the table of sums sent back.

The servers come from ``.ci/servers`` (see tests/_servers.py): without them the
PostgreSQL tests skip and Spark runs in local mode, where the cluster tests skip; under
CI a missing server fails.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import hypokit as hk
from hypokit._aggregate import PROBE_ROWS
from hypokit._engines import resolve
from hypokit._engines._spark import SparkEngine
from tests._servers import Postgres, missing, on_cluster, postgres, spark_master
from tests.test_engines import (
    KWARGS,
    assert_same_aggregates,
    assert_same_analysis,
    spark,  # noqa: F401 (the shared Spark session)
    spark_jvm,  # noqa: F401
    unit_table,
)

pytestmark = [
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
]

# Column names of 57 to 59 characters, and one of 31 two-byte characters (62 bytes):
# each fits a PostgreSQL identifier (63 bytes), but "<name>:sum_yc" and the like do not.
LONG = {
    "rev": "revenue_in_the_seven_days_after_the_first_exposure_in_euros",
    "pre": "revenue_in_the_seven_days_before_the_first_exposure_euros",
    "num": "orders_in_the_seven_days_after_the_first_exposure_counted_",
    "den": "sessions_in_the_seven_days_after_the_first_exposure_counted",
    "buy": "ü" * 31,
}
LONG_METRICS = [
    hk.Proportion(LONG["buy"]),
    hk.Mean(LONG["rev"], covariate=LONG["pre"]),
    hk.Ratio(LONG["num"], LONG["den"], covariate=LONG["pre"], covariate_denominator=LONG["den"]),
]

# Names that need quoting everywhere: spaces, quotes of each kind, a dot, a slash (the
# segment label separator), keywords, case, non-ASCII.
AWKWARD = {
    "arm": 'Arm "B" / Test',
    "country": "Country Code",
    "buy": "select",
    "rev": "Revenue €",
    "pre": "pre.period",
    "num": "num`tick",
    "den": "den's",
}
AWKWARD_KWARGS: dict[str, Any] = {
    "variant": AWKWARD["arm"],
    "segments": [AWKWARD["country"], "group"],
    "metrics": [
        hk.Proportion(AWKWARD["buy"]),
        hk.Mean(AWKWARD["rev"], covariate=AWKWARD["pre"]),
        hk.Ratio(AWKWARD["num"], AWKWARD["den"]),
    ],
}


def renamed(table: pa.Table, names: dict[str, str]) -> pa.Table:
    return table.rename_columns([names.get(c, c) for c in table.column_names])


def awkward_table() -> pa.Table:
    table = renamed(unit_table(), AWKWARD)
    return table.append_column("group", pa.array(np.arange(table.num_rows) % 3 == 0))


def groups(table: pa.Table, keys: list[str]) -> int:
    """The number of (segment, variant) groups, missing values counting as one."""
    return int(table.to_pandas().groupby(keys, dropna=False).ngroups)


@dataclass
class Query:
    """A query hk.aggregate ran."""

    engine: str
    sql: str
    rows: int
    """How many rows came back to Python."""
    plan: str | None
    """Spark's physical plan for it."""


def grouped(queries: list[Query]) -> list[Query]:
    """The GROUP BY queries among them, without the probe (see :func:`probes`)."""
    return [q for q in queries if "GROUP BY" in q.sql]


def probes(queries: list[Query]) -> list[Query]:
    """The one probe of the first rows that chooses the shifts of sums (PROBE_ROWS)."""
    probe = [q for q in queries if "GROUP BY" not in q.sql]
    assert all(q.sql.rstrip().endswith(f"LIMIT {PROBE_ROWS}") for q in probe)
    return probe


@pytest.fixture
def queries(monkeypatch: pytest.MonkeyPatch) -> list[Query]:
    """Every query hk.aggregate runs, as it runs."""
    seen: list[Query] = []

    def recording(data: Any, **options: Any) -> Any:
        engine = resolve(data, **options)
        run = engine.run

        def recorded(sql: str) -> Any:
            plan = None
            if isinstance(engine, SparkEngine):  # (the view is dropped afterwards)
                execution = engine._session.sql(sql)._jdf.queryExecution()
                plan = str(execution.executedPlan().toString())
            result = run(sql)
            rows = len(np.asarray(next(iter(result.values()))))
            seen.append(Query(type(engine).__name__, sql, rows, plan))
            return result

        engine.run = recorded  # type: ignore[method-assign]
        return engine

    monkeypatch.setattr("hypokit._aggregate.resolve", recording)
    return seen


# -------------------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="module")
def pg() -> Iterator[Postgres]:
    yield from postgres()


@pytest.mark.parametrize("missing_values", [True, False], ids=["missing", "complete"])
def test_postgres_equals_the_pandas_reference(pg: Postgres, missing_values: bool) -> None:
    table = unit_table(missing=missing_values)
    data = pg.table(f"units_{missing_values:d}", table)
    assert_same_aggregates(hk.aggregate(data, **KWARGS), hk.aggregate(table.to_pandas(), **KWARGS))
    assert_same_analysis(
        hk.analyze(data, control="control", **KWARGS),
        hk.analyze(table.to_pandas(), control="control", **KWARGS),
    )


@pytest.mark.parametrize("missing_values", [True, False], ids=["missing", "complete"])
def test_postgres_runs_the_group_by_and_returns_only_sums(
    pg: Postgres, missing_values: bool, queries: list[Query]
) -> None:
    if not pg.has_statements():
        missing("the server does not record statements (pg_stat_statements is not loaded)")
    table = unit_table(missing=missing_values)
    name = f"pushed_{missing_values:d}"
    data = pg.table(name, table)
    pg.reset_statements()
    hk.aggregate(data, **KWARGS)
    want = groups(table, ["country", "arm"])
    assert want == (15 if missing_values else 9)
    # Every statement that read the table: hypokit's, each a GROUP BY run once in the
    # server, each returning one row per group (pg_stat_statements' rows), and those
    # rows are all that reached Python.
    # Before them, one probe read the first PROBE_ROWS rows to choose the shifts.
    ran = pg.statements(name)
    # (not Ibis' own schema look-up, which returns no rows)
    probe = [r for r in ran if "GROUP BY" not in r[0] and '"_p0"' in r[0]]
    ran = [r for r in ran if "GROUP BY" in r[0]]
    assert len(ran) == len(grouped(queries)) == (2 if missing_values else 1)
    for text, calls, rows in ran:
        assert text.startswith("WITH hk_source AS (SELECT")
        assert text.count("GROUP BY") == 1
        assert (calls, rows) == (1, want)
    assert [(q.engine, q.rows) for q in grouped(queries)] == [("IbisEngine", want)] * len(ran)
    assert len(probe) == len(probes(queries)) == 1
    assert probe[0][1] == 1
    assert probe[0][2] == min(table.num_rows, PROBE_ROWS)


def test_postgres_long_column_names_with_missing_values(pg: Postgres, queries: list[Query]) -> None:
    table = renamed(unit_table(), LONG)
    assert [len(n.encode()) for n in LONG.values()] == [59, 57, 58, 59, 62]
    data = pg.table("long_names", table)
    assert set(data.columns) >= set(LONG.values())  # kept whole by the server
    kwargs: dict[str, Any] = {"variant": "arm", "metrics": LONG_METRICS, "segments": "country"}
    want = hk.aggregate(table.to_pandas(), **kwargs)
    queries.clear()
    got = hk.aggregate(data, **kwargs)
    assert_same_aggregates(got, want)
    # the masked query ran (missing values in the CUPED covariate and the denominator)
    # and its output names were short, whatever the metrics' names
    assert len(grouped(queries)) == 2
    assert len(probes(queries)) == 1
    assert f"{LONG['rev']}:sum_yc" in got.stats
    assert max(len(k.encode()) for k in got.stats) > 63
    assert_same_analysis(
        hk.analyze(data, control="control", **kwargs),
        hk.analyze(table.to_pandas(), control="control", **kwargs),
    )


def test_postgres_awkward_segment_and_variant_names(pg: Postgres) -> None:
    table = awkward_table()
    data = pg.table("Awkward Names", table)
    got = hk.aggregate(data, **AWKWARD_KWARGS)
    want = hk.aggregate(table.to_pandas(), **AWKWARD_KWARGS)
    assert_same_aggregates(got, want)
    assert got.segment_columns == ("Country Code", "group")
    assert got.variant_column == 'Arm "B" / Test'
    assert "DE / true" in got.segments
    assert got.variants == ("control", "treat_a", "treat_b")


# ------------------------------------------------------------------------------- Spark


@pytest.fixture
def cluster(request: pytest.FixtureRequest) -> Any:
    """The shared session, on the standalone cluster, with its executors registered."""
    if not on_cluster():
        missing(
            "the Spark cluster tests need a standalone master: set HYPOKIT_SPARK_MASTER, or "
            "run them under .ci/servers"
        )
    session = request.getfixturevalue("spark")
    assert session.sparkContext.master == spark_master()
    status = session.sparkContext._jsc.sc().getExecutorMemoryStatus()
    deadline = time.monotonic() + 60
    while status.size() < 2 and time.monotonic() < deadline:  # the driver and an executor
        time.sleep(0.2)
        status = session.sparkContext._jsc.sc().getExecutorMemoryStatus()
    assert status.size() >= 2, "no executor registered with the driver"
    return session


@pytest.mark.parametrize("missing_values", [True, False], ids=["missing", "complete"])
def test_spark_cluster_equals_the_pandas_reference_and_aggregates_there(
    cluster: Any, missing_values: bool, tmp_path: Path, queries: list[Query]
) -> None:
    table = unit_table(missing=missing_values)
    pq.write_table(table, tmp_path / "units.parquet")
    data = cluster.read.parquet(str(tmp_path / "units.parquet"))
    want = hk.aggregate(table.to_pandas(), **KWARGS)
    queries.clear()
    assert_same_aggregates(hk.aggregate(data, **KWARGS), want)
    # In standalone mode the driver runs no task: the executors read the file and summed
    # it, partially per partition, then per group after a shuffle; one row per group
    # came back.
    rows = groups(table, ["country", "arm"])
    assert [(q.engine, q.rows) for q in grouped(queries)] == [("SparkEngine", rows)] * (
        2 if missing_values else 1
    )
    assert len(probes(queries)) == 1
    for query in grouped(queries):
        plan = str(query.plan)
        assert "FileScan parquet" in plan
        assert "partial_count(1)" in plan
        assert "Exchange hashpartitioning" in plan
        assert plan.count("HashAggregate(") == 2
    assert_same_analysis(
        hk.analyze(data, control="control", **KWARGS),
        hk.analyze(table.to_pandas(), control="control", **KWARGS),
    )


def test_spark_cluster_long_and_awkward_names(cluster: Any, tmp_path: Path) -> None:
    long = renamed(unit_table(), LONG)
    pq.write_table(long, tmp_path / "long.parquet")
    kwargs: dict[str, Any] = {"variant": "arm", "metrics": LONG_METRICS, "segments": "country"}
    assert_same_aggregates(
        hk.aggregate(cluster.read.parquet(str(tmp_path / "long.parquet")), **kwargs),
        hk.aggregate(long.to_pandas(), **kwargs),
    )
    awkward = awkward_table()
    got = hk.aggregate(cluster.createDataFrame(awkward.to_pandas()), **AWKWARD_KWARGS)
    assert_same_aggregates(got, hk.aggregate(awkward.to_pandas(), **AWKWARD_KWARGS))
    assert "DE / true" in got.segments
