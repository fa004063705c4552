"""The same aggregation on every engine: DuckDB, polars, Ibis and Spark.

One seeded data set (segments with a missing value, three variants and some units
without one, a 0/1 metric, a mean with a CUPED covariate, a ratio; missing values as
NaN in some columns and as NULL in others, so the masked query runs too) goes through
every kind of data hk.aggregate accepts; every statistic must equal the pandas
reference to a relative 1e-9, and hk.analyze must give the same result. Then each
engine's own behaviour (files, Spark views and sessions, Ibis backends, progress) and
its error messages.

PySpark runs one session for the whole run (no UI, two shuffle partitions): on the
standalone cluster at ``$HYPOKIT_SPARK_MASTER`` when it is set (``.ci/servers`` starts
one), else in local mode (``local[2]``); it is skipped only when Java is missing.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
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
import pytest

import hypokit as hk
from hypokit._aggregate import ALL, MISSING
from hypokit._engines import Dialect, resolve
from hypokit._engines._duckdb import progress_settings
from hypokit._engines._ibis import IbisEngine
from hypokit._engines._polars import PolarsEngine
from tests._servers import spark_session

pytestmark = [
    # PySpark 4.3 warns at start-up, and on each pandas conversion, that it does not
    # fully support pandas 3 yet; hypokit never converts through pandas on Spark.
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
    # Ibis 12's SQLite backend fetches through pandas and reads a pandas option that
    # pandas 3 deprecated (only the test setup reads SQLite tables through Ibis that way).
    pytest.mark.filterwarnings("ignore:The 'future.infer_string' option is deprecated"),
    # Ibis 12's DuckDB backend reads table schemas with a DuckDB 2 method it deprecated.
    pytest.mark.filterwarnings(r"ignore:fetch_arrow_table\(\) is deprecated:DeprecationWarning"),
]

METRICS = [
    hk.Proportion("buy"),
    hk.Mean("rev", covariate="pre"),
    hk.Ratio("num", "den"),
]
KWARGS: dict[str, Any] = {"variant": "arm", "metrics": METRICS, "segments": "country"}
REL = 1e-9

# ------------------------------------------------------------------------------ the data


def unit_table(seed: int = 7, n: int = 600, missing: bool = True) -> pa.Table:
    """Unit-level data as Arrow: NaN for missing ``buy``/``rev``, NULL for the rest."""
    rng = np.random.default_rng(seed)

    def some(k: int) -> np.ndarray:
        mask = np.zeros(n, dtype=bool)
        if missing:
            mask[rng.choice(n, k, replace=False)] = True
        return mask

    arm = rng.choice(["control", "treat_a", "treat_b"], n).astype(object)
    arm[some(9)] = None
    country = rng.choice(["DE", "FR", "US"], n).astype(object)
    country[some(11)] = None
    buy = rng.integers(0, 2, n).astype(float)
    buy[some(15)] = np.nan
    pre = rng.normal(20.0, 4.0, n)
    rev = pre + rng.normal(5.0, 2.0, n)
    rev[some(13)] = np.nan
    return pa.table(
        {
            "arm": pa.array(arm, pa.string()),
            "country": pa.array(country, pa.string()),
            "buy": pa.array(buy),  # NaN stays NaN in Arrow, Parquet and polars
            "rev": pa.array(rev),
            "pre": pa.array(pre, mask=some(12)),
            "num": pa.array(rng.gamma(2.0, 3.0, n) + 1.0),
            "den": pa.array(rng.integers(1, 8, n), mask=some(10)),
        }
    )


@pytest.fixture(scope="module", params=[True, False], ids=["missing", "complete"])
def table(request: pytest.FixtureRequest) -> pa.Table:
    return unit_table(missing=request.param)


@pytest.fixture(scope="module")
def files(table: pa.Table, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The data as one Parquet file, two Parquet parts and a CSV file."""
    folder = tmp_path_factory.mktemp("units")
    pq.write_table(table, folder / "units.parquet")
    half = table.num_rows // 2
    pq.write_table(table.slice(0, half), folder / "part-0.parquet")
    pq.write_table(table.slice(half), folder / "part-1.parquet")
    table.to_pandas().to_csv(folder / "units.csv", index=False)
    with closing(sqlite3.connect(folder / "units.sqlite")) as con, con:
        table.to_pandas().to_sql("units", con, index=False)
    return {
        "parquet": folder / "units.parquet",
        "glob": folder / "part-*.parquet",
        "csv": folder / "units.csv",
        "sqlite": folder / "units.sqlite",
    }


@pytest.fixture(scope="module")
def units(tmp_path_factory: pytest.TempPathFactory) -> tuple[pa.Table, Path]:
    """The data with missing values, and as a Parquet file: for single-engine tests."""
    table = unit_table()
    path = tmp_path_factory.mktemp("fixed") / "units.parquet"
    pq.write_table(table, path)
    return table, path


@pytest.fixture(scope="session")
def spark_jvm() -> Iterator[None]:
    """Spark for the whole run (see tests._servers.spark_session); stopped at the end."""
    if shutil.which("java") is None:
        pytest.skip("PySpark needs Java 17+, and no `java` is on PATH")
    yield
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        active.stop()


@pytest.fixture
def spark(spark_jvm: None) -> Any:
    """The shared session (a new one if a test stopped it)."""
    return spark_session()


#: Every kind of data, built from the Arrow table, the files and (for Spark) a session.
SOURCES: dict[str, Callable[[pa.Table, dict[str, Path], Any], Any]] = {
    "pandas": lambda t, f, s: t.to_pandas(),
    "polars": lambda t, f, s: pl.from_arrow(t),
    "polars-lazy": lambda t, f, s: pl.from_arrow(t).lazy(),
    "polars-from-pandas": lambda t, f, s: pl.from_pandas(t.to_pandas()),  # NaN -> null
    "pyarrow": lambda t, f, s: t,
    "pyarrow-dataset": lambda t, f, s: pyarrow.dataset.dataset(f["parquet"]),
    "duckdb-relation": lambda t, f, s: duckdb.connect().read_parquet(str(f["parquet"])),
    "csv": lambda t, f, s: f["csv"],
    "parquet": lambda t, f, s: str(f["parquet"]),
    "parquet-glob": lambda t, f, s: str(f["glob"]),
    "parquet-list": lambda t, f, s: sorted(f["glob"].parent.glob("part-*.parquet")),
    "ibis-duckdb": lambda t, f, s: ibis.duckdb.connect().read_parquet(f["parquet"]),
    "ibis-memtable": lambda t, f, s: ibis.memtable(t),
    "ibis-sqlite": lambda t, f, s: ibis.sqlite.connect(f["sqlite"]).table("units"),
    "spark": lambda t, f, s: s.read.parquet(str(f["parquet"])),
}


@pytest.fixture(params=list(SOURCES))
def data(request: pytest.FixtureRequest, table: pa.Table, files: dict[str, Path]) -> Any:
    session = request.getfixturevalue("spark") if request.param == "spark" else None
    return SOURCES[request.param](table, files, session)


@pytest.fixture(scope="module")
def reference(table: pa.Table) -> hk.Aggregates:
    """The pandas aggregation (DuckDB), checked here against numpy for a few sums."""
    frame = table.to_pandas()
    agg = hk.aggregate(frame, **KWARGS)
    rows = {(r["segment"], r["variant"]): r for r in agg.to_records()}
    arms = frame["arm"].notna()
    assert agg.missing_variant == int((~arms).sum())
    for arm in ("control", "treat_a"):
        unit = frame[frame["arm"] == arm]
        ok = unit["rev"].notna() & unit["pre"].notna()
        assert rows[(ALL, arm)]["n"] == len(unit)
        assert rows[(ALL, arm)]["rev:n"] == ok.sum()
        assert rows[(ALL, arm)]["rev:sum_yc"] == pytest.approx(
            (unit["rev"] * unit["pre"])[ok].sum(), rel=1e-12
        )
        ratio = unit["den"].notna()
        assert rows[(ALL, arm)]["num/den:sum_y"] == pytest.approx(
            unit["num"][ratio].sum(), rel=1e-12
        )
    if frame["country"].isna().any():
        assert MISSING in agg.segments
    return agg


def assert_same_aggregates(
    got: hk.Aggregates, want: hk.Aggregates, missing_variant: bool = True
) -> None:
    g, w = got.to_pandas(), want.to_pandas()
    assert list(g.columns) == list(w.columns)
    assert g["segment"].tolist() == w["segment"].tolist()
    assert g["variant"].tolist() == w["variant"].tolist()
    for column in w.columns[2:]:
        a, b = g[column].to_numpy(np.float64), w[column].to_numpy(np.float64)
        assert np.all(np.abs(a - b) <= REL * np.abs(b)), column
    if missing_variant:
        assert got.missing_variant == want.missing_variant


def assert_same_analysis(got: Any, want: Any) -> None:
    g, w = got.to_pandas(), want.to_pandas()
    assert list(g.columns) == list(w.columns)
    for column in w.columns:
        if pd.api.types.is_numeric_dtype(w[column]) and not pd.api.types.is_bool_dtype(w[column]):
            np.testing.assert_allclose(
                g[column].to_numpy(np.float64), w[column].to_numpy(np.float64), rtol=REL, atol=0
            )
        else:
            assert g[column].tolist() == w[column].tolist(), column
    assert [vars(f) for f in got.warnings] == [vars(f) for f in want.warnings]
    assert got.srm.p_value == pytest.approx(want.srm.p_value, rel=REL, abs=1e-300)


# ------------------------------------------------------------------- 1. one answer


def test_aggregates_equal_across_engines(data: Any, reference: hk.Aggregates) -> None:
    assert_same_aggregates(hk.aggregate(data, **KWARGS), reference)
    if type(data).__module__.startswith("pyspark"):  # the temporary view is dropped
        assert not [t for t in data.sparkSession.catalog.listTables() if "hk_" in t.name]


@pytest.fixture(scope="module")
def analysis(table: pa.Table) -> Any:
    return hk.analyze(table.to_pandas(), control="control", **KWARGS)


@pytest.mark.parametrize("name", ["pandas", "polars", "parquet", "ibis-duckdb"])
def test_masked_query_runs_only_when_needed(
    name: str, table: pa.Table, files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    queries: list[str] = []

    def counting(data: Any, **options: Any) -> Any:
        engine = resolve(data, **options)
        run = engine.run
        engine.run = lambda sql: queries.append(sql) or run(sql)  # type: ignore[method-assign]
        return engine

    monkeypatch.setattr("hypokit._aggregate.resolve", counting)
    hk.aggregate(SOURCES[name](table, files, None), **KWARGS)
    missing = table.column("pre").null_count > 0
    # one probe of the first rows chooses the shifts, then the aggregation itself
    probes = [q for q in queries if "LIMIT" in q]
    assert len(probes) == 1
    assert "GROUP BY" not in probes[0]
    assert len(queries) - len(probes) == (2 if missing else 1)


def test_analysis_equal_across_engines(data: Any, analysis: Any) -> None:
    assert_same_analysis(hk.analyze(data, control="control", **KWARGS), analysis)


@pytest.mark.parametrize("name", ["pandas", "polars", "polars-lazy", "pyarrow", "spark"])
def test_unsegmented_and_two_segment_columns(
    name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    table = unit_table()
    table = table.append_column("tier", pa.array(np.arange(table.num_rows) % 2 == 0))
    if name == "spark":
        pq.write_table(table, tmp_path / "tiers.parquet")
        data = request.getfixturevalue("spark").read.parquet(str(tmp_path / "tiers.parquet"))
    else:
        data = SOURCES[name](table, {}, None)
    for segments in (None, ["country", "tier"]):
        kwargs: dict[str, Any] = {"variant": "arm", "metrics": METRICS, "segments": segments}
        got = hk.aggregate(data, **kwargs)
        assert_same_aggregates(got, hk.aggregate(table.to_pandas(), **kwargs))
    assert "DE / true" in got.segments  # booleans read as SQL writes them


def test_integer_variant_labels_agree(spark: Any) -> None:
    frame = pd.DataFrame({"arm": [0, 0, 1, 1, 2], "y": [1.0, 2.0, 3.0, 4.0, 5.0]})
    arrow = pa.Table.from_pandas(frame)
    sources = [frame, pl.from_pandas(frame), arrow, ibis.memtable(arrow)]
    sources.append(spark.createDataFrame(frame))
    for data in sources:
        agg = hk.aggregate(data, variant="arm", metrics=hk.Mean("y"))
        assert agg.variants == (0, 1, 2), type(data)  # as the data holds them
        assert all(type(v) is int for v in agg.variants), type(data)


# -------------------------------------------------------------------------------- polars


def test_polars_runs_natively_and_lazily() -> None:
    lazy = pl.LazyFrame({"arm": ["a", "b"], "y": [1.0, 2.0]})
    engine = resolve(lazy)
    assert isinstance(engine, PolarsEngine)
    assert isinstance(resolve(pl.DataFrame({"arm": ["a"]})), PolarsEngine)
    # only the result is collected: the query plan is lazy until then
    assert engine.describe()["y"].numeric


def test_polars_nan_is_missing_like_pandas() -> None:
    frame = pl.DataFrame({"arm": ["a", "a", "a", "b"], "y": [1.0, float("nan"), None, 2.0]})
    t = {
        r["variant"]: r
        for r in hk.aggregate(frame, variant="arm", metrics=hk.Mean("y")).to_records()
    }
    assert (t["a"]["y:n"], t["a"]["y:sum_y"], t["a"]["y:sum_y2"]) == (1, 1.0, 1.0)
    assert (t["b"]["y:n"], t["b"]["y:sum_y"]) == (1, 2.0)


def test_polars_column_types() -> None:
    frame = pl.DataFrame(
        {
            "arm": pl.Series(["a", "b", "a"], dtype=pl.Categorical),
            "buy": [True, False, True],
            "n8": pl.Series([1, 2, 3], dtype=pl.Int8),
            "when": pl.Series([1, 2, 3], dtype=pl.Duration("us")),
        }
    )
    agg = hk.aggregate(frame, variant="arm", metrics=[hk.Proportion("buy"), hk.Mean("n8")])
    rows = {r["variant"]: r for r in agg.to_records()}
    assert (rows["a"]["buy:successes"], rows["a"]["n8:sum_y"]) == (2, 4.0)
    with pytest.raises(hk.DataError, match=r"when column == 'when': expected numbers, found Dur"):
        hk.aggregate(frame, variant="arm", metrics=hk.Mean("when"))


def test_aggregates_tables_from_other_engines_round_trip(table: pa.Table) -> None:
    agg = hk.aggregate(table, **KWARGS)
    frame = agg.to_pandas()
    arrow = pa.Table.from_pandas(frame)
    relation = duckdb.connect().from_arrow(arrow)
    for data in (pl.from_arrow(arrow), pl.from_arrow(arrow).lazy(), arrow, relation):
        result = hk.analyze(data, control="control", **KWARGS)  # no PerformanceWarning
        # (the table keeps no row for units without a variant)
        assert_same_aggregates(result.aggregates, agg, missing_variant=False)


# ------------------------------------------------------------------------- DuckDB files


def _write(path: Path, **columns: Any) -> Path:
    pq.write_table(pa.table(columns), path)
    return path


def test_parquet_files_must_share_their_columns(tmp_path: Path) -> None:
    _write(tmp_path / "a.parquet", arm=["a"], rev=[1.0], extra=[1])
    _write(tmp_path / "b.parquet", arm=["b"], rev=[2.0])
    pattern = str(tmp_path / "*.parquet")
    with pytest.raises(
        hk.DataError,
        match=re.escape(repr(pattern)) + r": the files do not share one schema: 'extra' is in "
        r"a\.parquet but not in b\.parquet\. .*union_by_name=True",
    ):
        hk.aggregate(pattern, variant="arm", metrics=hk.Mean("rev"))


def test_parquet_files_must_agree_on_types(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.parquet", arm=["a"], rev=[1.0])
    b = _write(tmp_path / "b.parquet", arm=["b"], rev=["2.0"])
    with pytest.raises(
        hk.DataError, match=r"'rev' is DOUBLE in a\.parquet but VARCHAR in b\.parquet"
    ):
        hk.aggregate([a, b], variant="arm", metrics=hk.Mean("rev"))


def test_parquet_number_types_may_differ_between_files(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.parquet", arm=["a", "a"], rev=pa.array([1, 2], pa.int32()))
    b = _write(tmp_path / "b.parquet", arm=["a", "b"], rev=[2.5, 4.0])
    t = {
        r["variant"]: r
        for r in hk.aggregate([a, b], variant="arm", metrics=hk.Mean("rev")).to_records()
    }
    assert t["a"]["rev:sum_y"] == 5.5  # widened, not cast to the first file's INTEGER
    assert t["b"]["rev:sum_y"] == 4.0


def test_csv_files_that_disagree(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("arm,rev\na,1.0\n")
    (tmp_path / "b.csv").write_text("arm,revenue,z\nb,2.0,3\n")
    with pytest.raises(hk.DataError, match=r"cannot be read: .*[Mm]ismatch"):
        hk.aggregate(str(tmp_path / "*.csv"), variant="arm", metrics=hk.Mean("rev"))


def test_mixed_csv_and_parquet_list(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.parquet", arm=["a"], rev=[1.0])
    (tmp_path / "b.csv").write_text("arm,rev\nb,2.0\n")
    with pytest.raises(hk.DataError, match="mixes CSV and Parquet"):
        hk.aggregate([a, tmp_path / "b.csv"], variant="arm", metrics=hk.Mean("rev"))


def test_nonexistent_path(tmp_path: Path) -> None:
    path = str(tmp_path / "nope.parquet")
    with pytest.raises(hk.DataError, match=re.escape(repr(path)) + ": no such file"):
        hk.aggregate(path, **KWARGS)


def test_glob_matching_nothing(tmp_path: Path) -> None:
    pattern = str(tmp_path / "none-*.parquet")
    with pytest.raises(hk.DataError, match=re.escape(repr(pattern)) + ": the pattern matches no"):
        hk.aggregate(pattern, **KWARGS)


def test_bare_duckdb_connection_is_refused() -> None:
    con = duckdb.connect()
    with pytest.raises(
        hk.ValidationError,
        match=r"DuckDBPyConnection object: a connection is a whole database; pass one table "
        r'of it, con\.table\("name"\) or con\.sql\("SELECT \.\.\."\)',
    ):
        hk.aggregate(con, **KWARGS)
    con.close()


@pytest.mark.parametrize(
    "data",
    [
        pd.Series([1.0, 2.0]),
        pl.Series([1.0, 2.0]),
        pa.array([1.0, 2.0]),
        {"arm": ["a"]},
        np.zeros((2, 2)),
        None,
    ],
    ids=["pandas-series", "polars-series", "arrow-array", "dict", "ndarray", "none"],
)
def test_unsupported_types(data: Any) -> None:
    with pytest.raises(hk.ValidationError, match=r"data == \w+ object, must be a pandas or polars"):
        hk.aggregate(data, **KWARGS)


def test_arrow_record_batch_reader_is_refused() -> None:
    reader = pa.RecordBatchReader.from_batches(
        pa.schema([("arm", pa.string())]), iter([pa.record_batch([["a"]], names=["arm"])])
    )
    with pytest.raises(hk.ValidationError, match=r"data == RecordBatchReader object"):
        hk.aggregate(reader, **KWARGS)


@pytest.mark.skipif(
    not hasattr(duckdb, "ResourceInUseException"),
    reason="DuckDB 1 ends an unfinished result at the next query on its connection",
)
def test_duckdb_relation_whose_connection_has_an_unfinished_result(
    units: tuple[pa.Table, Path],
) -> None:
    table, path = units
    con = duckdb.connect()
    con.execute(f"CREATE TABLE units AS SELECT * FROM read_parquet('{path}')")
    before = _settings(con.execute)
    pending = con.execute("SELECT * FROM range(5000)")  # left unfetched
    with pytest.raises(hk.DataError) as raised:
        hk.analyze(con.table("units"), control="control", **KWARGS)
    assert str(raised.value) == (
        "data == a DuckDB relation whose connection has an unfinished result (from "
        "con.execute(...)), and hypokit cannot query the connection without ending it. Read "
        "that result to its end (e.g. .fetchall()) or end it with con.complete() or "
        "con.abort(), then analyze; or run such queries on a cursor of their own, "
        "con.cursor().execute(...)."
    )
    assert pending.fetchone() == (0,)  # the result is left as it was, and reads on
    assert len(pending.fetchall()) == 4999
    assert _settings(con.execute) == before
    want = hk.analyze(table.to_pandas(), control="control", **KWARGS)
    assert_same_analysis(hk.analyze(con.table("units"), control="control", **KWARGS), want)
    # as the message says: a result on a cursor of its own is no obstacle
    cursor = con.cursor()
    cursor.execute("SELECT * FROM range(5000)")
    assert_same_analysis(hk.analyze(con.table("units"), control="control", **KWARGS), want)
    assert cursor.fetchone() == (0,)
    con.execute("SELECT 1")
    con.complete()
    assert_same_analysis(hk.analyze(con.table("units"), control="control", **KWARGS), want)
    con.close()


def test_duckdb_relation_whose_connection_is_closed() -> None:
    con = duckdb.connect()
    relation = con.sql("SELECT 'a' AS arm, 1.0 AS y")
    con.close()
    with pytest.raises(
        hk.DataError, match=r"^data cannot be read: Connection Error: Connection has already been"
    ):
        hk.aggregate(relation, variant="arm", metrics=hk.Mean("y"))


def test_long_output_names_are_never_asked_of_the_engine(
    units: tuple[pa.Table, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An engine that cuts names to 63 bytes, as PostgreSQL does, gives the same table.

    The masked query (missing values in a CUPED covariate and a ratio's denominator)
    names its outputs ``_m0``, ``_m1``, ... rather than ``"<metric>:<stat>"``.
    """
    long = {"rev": "r" * 57, "pre": "p" * 58, "num": "n" * 60, "den": "d" * 63}
    table = units[0].rename_columns([long.get(c, c) for c in units[0].column_names])
    metrics = [
        hk.Mean(long["rev"], covariate=long["pre"]),
        hk.Ratio(
            long["num"], long["den"], covariate=long["pre"], covariate_denominator=long["den"]
        ),
    ]
    kwargs: dict[str, Any] = {"variant": "arm", "metrics": metrics, "segments": "country"}
    want = hk.aggregate(table, **kwargs)
    names: list[str] = []

    def cutting(data: Any, **options: Any) -> Any:
        engine = resolve(data, **options)
        run = engine.run

        def cut(sql: str) -> Any:
            result = run(sql)
            names.extend(result)
            return {k.encode()[:63].decode(errors="ignore"): v for k, v in result.items()}

        engine.run = cut  # type: ignore[method-assign]
        return engine

    monkeypatch.setattr("hypokit._aggregate.resolve", cutting)
    got = hk.aggregate(table, **kwargs)
    assert_same_aggregates(got, want)
    assert max(len(n) for n in names) == len("variant")  # and _s*, n, _e*, _m*
    assert "_m0" in names
    assert f"{'r' * 57}:sum_yc" in got.stats
    assert len(f"{long['num']}/{long['den']}:sum_xd") == 131
    assert f"{long['num']}/{long['den']}:sum_xd" in got.stats


# ------------------------------------------------------------------------------- Ibis


def test_ibis_sqlite_has_no_nan_literal(files: dict[str, Path]) -> None:
    engine = resolve(ibis.sqlite.connect(files["sqlite"]).table("units"))
    assert isinstance(engine, IbisEngine)
    assert engine.dialect == Dialect(nan=False)  # SQLite would read CAST('NaN' AS REAL) as 0
    assert isinstance(resolve(ibis.memtable({"a": [1]})), IbisEngine)


def test_ibis_expression_runs_in_its_backend(table: pa.Table) -> None:
    t = ibis.memtable(table)
    filtered = t.filter(t.country == "DE")
    got = hk.aggregate(filtered, variant="arm", metrics=METRICS)
    want = hk.aggregate(table.to_pandas().query("country == 'DE'"), variant="arm", metrics=METRICS)
    assert_same_aggregates(got, want)


# ------------------------------------------------------------------------------ Spark


def test_aggregate_sql_spark_dialect_runs_in_spark(
    spark: Any, units: tuple[pa.Table, Path]
) -> None:
    table, path = units
    reference = hk.aggregate(table, **KWARGS)
    spark.read.parquet(str(path)).createOrReplaceTempView("units_sql")
    sql = hk.aggregate_sql("units_sql", dialect="spark", **KWARGS)
    assert "AS STRING" in sql
    assert "VARCHAR" not in sql
    rows = spark.sql(sql).collect()
    spark.catalog.dropTempView("units_sql")
    got = {(r["segment"], r["variant"]): r.asDict() for r in rows if r["variant"] is not None}
    for i, (segment, variant) in enumerate(zip(reference.segment, reference.variant, strict=True)):
        row = got[(segment, variant)]
        assert row["n"] == reference.n[i]
        for key, values in reference.stats.items():
            assert row[key] == pytest.approx(values[i], rel=REL, abs=0.0), key


def test_aggregate_sql_dialects() -> None:
    sql = hk.aggregate_sql("t", dialect="spark", quote='"', **KWARGS)
    assert 'CAST("country" AS STRING)' in sql
    assert '"arm" AS "variant"' in sql  # labels keep their type
    with pytest.raises(hk.ValidationError, match="dialect == 'bigquery'"):
        hk.aggregate_sql("t", dialect="bigquery", **KWARGS)  # type: ignore[arg-type]


def test_spark_aggregates_table_is_read_by_spark(spark: Any, units: tuple[pa.Table, Path]) -> None:
    agg = hk.aggregate(units[0], **KWARGS)
    table = spark.createDataFrame(agg.to_pandas())
    result = hk.analyze(table, control="control", **KWARGS)
    assert_same_aggregates(result.aggregates, agg, missing_variant=False)


def test_spark_non_numeric_metric_column(spark: Any) -> None:
    frame = spark.createDataFrame([("a", "x"), ("b", "y")], ["arm", "rev"])
    with pytest.raises(hk.DataError, match=r"rev column == 'rev': expected numbers, found STRING"):
        hk.aggregate(frame, variant="arm", metrics=hk.Mean("rev"))


def test_stopped_spark_session(spark: Any) -> None:
    """Stops the shared session; the next test that needs Spark starts a new one."""
    frame = spark.createDataFrame([("a", 1.0), ("b", 2.0)], ["arm", "y"])
    spark.stop()
    with pytest.raises(hk.DataError, match="the Spark session is not running"):
        hk.aggregate(frame, variant="arm", metrics=hk.Mean("y"))


# --------------------------------------------------------------------------- progress


def test_progress_argument_is_checked() -> None:
    frame = pd.DataFrame({"arm": ["a", "b"], "y": [1.0, 2.0]})
    for progress in (True, False, None):
        agg = hk.aggregate(frame, variant="arm", metrics=hk.Mean("y"), progress=progress)
        assert agg.variants == ("a", "b")
    with pytest.raises(hk.ValidationError, match=r"progress == 'yes', must be True, False or None"):
        hk.aggregate(frame, variant="arm", metrics=hk.Mean("y"), progress="yes")


def test_progress_settings() -> None:
    assert progress_settings(False) == {"enable_progress_bar": "false"}
    assert progress_settings(True)["progress_bar_time"] == "0"
    # under pytest nobody watches stdout: no bar in CI logs
    assert progress_settings(None) == {"enable_progress_bar": "false"}


def _settings(execute: Callable[[str], Any]) -> tuple[Any, ...]:
    return tuple(
        execute(
            "SELECT current_setting('enable_progress_bar'), "
            "current_setting('enable_progress_bar_print'), current_setting('progress_bar_time')"
        ).fetchall()[0]
    )


@pytest.mark.parametrize("progress", [True, False, None])
def test_progress_leaves_user_connections_as_they_were(progress: bool | None) -> None:
    con = duckdb.connect()
    before = _settings(con.execute)
    rel = con.sql("SELECT 'a' AS arm, 1.0 AS y")
    hk.aggregate(rel, variant="arm", metrics=hk.Mean("y"), progress=progress)
    assert _settings(con.execute) == before
    backend = ibis.duckdb.connect()
    before = _settings(backend.con.execute)
    hk.aggregate(ibis.memtable({"arm": ["a"], "y": [1.0]}), variant="arm", metrics=hk.Mean("y"))
    backend.raw_sql("CREATE TABLE t AS SELECT 'a' AS arm, 1.0 AS y")
    table = backend.table("t")
    hk.aggregate(table, variant="arm", metrics=hk.Mean("y"), progress=progress)
    assert _settings(backend.con.execute) == before


# ------------------------------------------------------------------------- the import


def test_aggregating_pandas_loads_no_other_engine() -> None:
    code = (
        "import sys, pandas as pd, hypokit as hk; "
        "hk.aggregate(pd.DataFrame({'a': ['x', 'y'], 'y': [1.0, 2.0]}), variant='a', "
        "metrics=hk.Mean('y')); "
        "print(','.join(m for m in ['polars', 'ibis', 'pyspark'] if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""
