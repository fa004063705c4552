"""Hostile data values: large offsets, an outlier first row, constants, overflow, NaN/inf.

Values of ``offset + N(0, 5)`` for offsets from 0 to 1e12 (epoch milliseconds), and
negative, go through every engine (pandas via DuckDB, polars, a Parquet file, Ibis on
DuckDB and SQLite, Spark local) as a Mean, a Mean with a CUPED covariate and Ratios
with offsets in the numerator, the denominator or both, per segment and ``(all)``.
Every row is compared with a unit-level reference computed on the exactly shifted
values (``y - offset`` is exact for values within a factor 2 of the offset; every test
here does not depend on the offset): scipy's Welch test for means, statsmodels' OLS
slope and scipy's Welch test on the adjusted values for CUPED, exact rational
arithmetic and statsmodels' ``CompareMeans`` on the linearisation for ratios. p-values
must agree to 1e-9 (relative), effects to 1e-11. Then sizing from history, an outlier
first row, a constant column, values too large to square, NaN and infinities, and
mixed signs.

Spark runs in local mode in one JVM for the module (skipped only without Java).
"""

from __future__ import annotations

import math
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from fractions import Fraction
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd
import polars as pl
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.weightstats import CompareMeans, DescrStatsW

import hypokit as hk

pytestmark = [
    # PySpark 4.3 warns that it does not fully support pandas 3 yet (hypokit never
    # converts through pandas on Spark; the test setup does, to build DataFrames).
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
    # Ibis 12's SQLite and DuckDB backends read a pandas option and a DuckDB method that
    # pandas 3 and DuckDB 2 deprecated.
    pytest.mark.filterwarnings("ignore:The 'future.infer_string' option is deprecated"),
    pytest.mark.filterwarnings(r"ignore:fetch_arrow_table\(\) is deprecated:DeprecationWarning"),
]

OFFSETS = [0.0, 1e3, 1e6, 1e9, 1e12, -1e3, -1e6, -1e9, -1e12]
P_REL = 1e-9
EFFECT_REL = 1e-11

METRICS = [
    hk.Mean("y"),
    hk.Mean("y", covariate="c", name="y_cuped"),
    hk.Ratio("y", "sessions"),  # numerator offset
    hk.Ratio("z", "x", name="z_per_x"),  # denominator offset
    hk.Ratio("y", "x", name="y_per_x"),  # both
]


# ------------------------------------------------------------------------------ the data
def unit_data(offset: float, seed: int = 11, n: int = 1600) -> pd.DataFrame:
    """Units in two segments and two arms; every value column sits at an offset.

    ``y`` at ``offset`` (sd 5; the variant 0.6 higher), its covariate ``c`` at
    ``offset / 3`` (correlated), ``x`` at ``|offset| + 50`` (sd 5), ``z`` near 3 and
    ``sessions`` small counts.
    """
    rng = np.random.default_rng(seed)
    arm = rng.choice(["a", "b"], n)
    seg = rng.choice(["s1", "s2"], n, p=[0.4, 0.6])
    f = rng.normal(0.0, 4.0, n)
    sessions = rng.poisson(2.0, n) + 1.0
    x_noise = rng.normal(0.0, 5.0, n)
    return pd.DataFrame(
        {
            "arm": arm,
            "seg": seg,
            "y": offset + (0.7 * f + rng.normal(0.0, 3.5, n) + 0.6 * (arm == "b")),
            "c": offset / 3 + f,
            "x": abs(offset) + 50.0 + x_noise,
            "z": 3.0 + 0.02 * x_noise + rng.normal(0.0, 1.0, n) + 0.1 * (arm == "b"),
            "sessions": sessions,
        }
    )


def _shifted(values: np.ndarray, shift: float) -> np.ndarray:
    out = values - shift
    assert np.array_equal(out + shift, values)  # exact
    return out


def _exact_mean(values: np.ndarray) -> Fraction:
    return sum(map(Fraction, values.tolist()), Fraction(0)) / len(values)


def reference(df: pd.DataFrame, offset: float) -> dict[tuple[str, str], tuple[float, float]]:
    """``(effect, p_value)`` of 'b' against 'a' per (segment, metric), at unit level."""
    out: dict[tuple[str, str], tuple[float, float]] = {}
    rows = {"s1": df["seg"] == "s1", "s2": df["seg"] == "s2", "(all)": df["seg"].notna()}
    for segment, mask in rows.items():
        part = df[mask]
        a, b = (part["arm"] == "a").to_numpy(), (part["arm"] == "b").to_numpy()
        e = _shifted(part["y"].to_numpy(), offset)
        f = _shifted(part["c"].to_numpy(), offset / 3)
        # Welch
        welch = stats.ttest_ind(e[b], e[a], equal_var=False)
        out[(segment, "y")] = (float(e[b].mean() - e[a].mean()), float(welch.pvalue))
        # CUPED: theta the pooled OLS slope, then Welch on the adjusted values
        theta = sm.OLS(e, sm.add_constant(f)).fit().params[1]
        adjusted = e - theta * (f - f.mean())
        welch = stats.ttest_ind(adjusted[b], adjusted[a], equal_var=False)
        out[(segment, "y_cuped")] = (
            float(adjusted[b].mean() - adjusted[a].mean()),
            float(welch.pvalue),
        )
        # Ratios: the exact effect, the linearisation's standard error, a z-test
        for label, num, den, k_num, k_den in (
            ("y/sessions", "y", "sessions", offset, 0.0),
            ("z_per_x", "z", "x", 0.0, abs(offset) + 50.0),
            ("y_per_x", "y", "x", offset, abs(offset) + 50.0),
        ):
            y, x = part[num].to_numpy(), part[den].to_numpy()
            ratio = {}
            linearised = {}
            for arm, m in (("a", a), ("b", b)):
                r = _exact_mean(y[m]) / _exact_mean(x[m])
                ratio[arm] = r
                # y - r x = (y - k_num) - r (x - k_den) + a constant; exact shifts
                lin = _shifted(y[m], k_num) - float(r) * _shifted(x[m], k_den)
                linearised[arm] = lin / float(_exact_mean(x[m]))
            se = CompareMeans(
                DescrStatsW(linearised["b"]), DescrStatsW(linearised["a"])
            ).std_meandiff_separatevar
            effect = float(ratio["b"] - ratio["a"])
            out[(segment, label)] = (effect, float(2 * stats.norm.sf(abs(effect / se))))
    return out


def worst_errors(
    result: Any, ref: dict[tuple[str, str], tuple[float, float]]
) -> tuple[float, float]:
    """The largest relative errors of the effects and of the p-values over the rows."""
    table = result.to_pandas()
    assert len(table) == len(ref), [f.message for f in result.warnings]
    worst_effect = worst_p = 0.0
    for row in table.itertuples():
        effect, p = ref[(row.segment, row.metric)]
        worst_effect = max(worst_effect, abs(row.effect - effect) / abs(effect))
        worst_p = max(worst_p, abs(row.p_value - p) / p)
    return worst_effect, worst_p


# --------------------------------------------------------------------------- the engines
@pytest.fixture(scope="module")
def spark_session() -> Any:
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("hypokit-hostile")
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def _parquet(df: pd.DataFrame, folder: Path) -> Path:
    path = folder / "units.parquet"
    df.to_parquet(path, index=False)
    return path


def _sqlite(df: pd.DataFrame, folder: Path) -> Any:
    path = folder / "units.sqlite"
    with closing(sqlite3.connect(path)) as con, con:
        df.to_sql("units", con, index=False, if_exists="replace")
    return ibis.sqlite.connect(path).table("units")


#: Each engine's data from a pandas frame, a scratch folder and (for Spark) a session.
ENGINES: dict[str, Callable[[pd.DataFrame, Path, Any], Any]] = {
    "pandas": lambda df, folder, spark: df,
    "polars": lambda df, folder, spark: pl.from_pandas(df),
    "parquet": lambda df, folder, spark: str(_parquet(df, folder)),
    "ibis-duckdb": lambda df, folder, spark: ibis.duckdb.connect().read_parquet(
        _parquet(df, folder)
    ),
    "ibis-sqlite": lambda df, folder, spark: _sqlite(df, folder),
    "spark": lambda df, folder, spark: spark.read.parquet(str(_parquet(df, folder))),
}


@pytest.fixture(params=list(ENGINES))
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[pd.DataFrame], Any]:
    """A function from a pandas frame to the same data on one engine."""
    spark = request.getfixturevalue("spark_session") if request.param == "spark" else None
    return lambda df: ENGINES[request.param](df, tmp_path, spark)


def analyze(data: Any, metrics: list[Any] | None = None, **kwargs: Any) -> Any:
    return hk.analyze(
        data,
        variant="arm",
        control="a",
        metrics=METRICS if metrics is None else metrics,
        segments="seg",
        correction=None,
        **kwargs,
    )


# ------------------------------------------------------------------- 1. offsets, exactly
@pytest.mark.parametrize("offset", OFFSETS)
def test_offsets_are_exact_on_every_engine(
    offset: float, engine: Callable[[pd.DataFrame], Any]
) -> None:
    df = unit_data(offset)
    result = analyze(engine(df))
    worst_effect, worst_p = worst_errors(result, reference(df, offset))
    assert worst_p <= P_REL
    assert worst_effect <= EFFECT_REL
    assert not [f for f in result.warnings if f.kind == "not_computed"]


@pytest.mark.parametrize("offset", [1e6, 1e12, -1e9])
def test_tables_round_trip_with_their_shifts(offset: float) -> None:
    # hk.aggregate's table, its to_pandas(), and tables of two halves added, all read
    # back by hk.analyze with the same numbers; the totals are sums of the segments.
    df = unit_data(offset)
    agg = hk.aggregate(df, variant="arm", metrics=METRICS, segments="seg")
    assert agg.shift("y", "y") == pytest.approx(offset, abs=30)
    assert agg.shift("z_per_x", "y") == 0.0  # near 0 relative to its spread: raw sums
    frame = agg.to_pandas()
    assert list(frame.columns[3:8]) == ["y:n", "y:shift_y", "y:sum_y", "y:sum_y2", "y_cuped:n"]
    assert set(frame["y:shift_y"]) == {agg.shift("y", "y")}
    ref = reference(df, offset)
    for table in (agg, frame, agg.to_pandas().query("segment != '(all)'")):
        assert worst_errors(analyze(table), ref)[1] <= P_REL
    halves = hk.aggregate(df.iloc[:500], variant="arm", metrics=METRICS, segments="seg")
    halves = halves + hk.aggregate(df.iloc[500:], variant="arm", metrics=METRICS, segments="seg")
    assert worst_errors(analyze(halves), ref)[1] <= P_REL


@pytest.mark.parametrize("offset", [1e9, -1e12])
def test_aggregate_sql_with_shifts(offset: float, spark_session: Any) -> None:
    # A warehouse runs aggregate_sql(shifts=...) itself: DuckDB and Spark SQL.
    import duckdb

    df = unit_data(offset)
    shifts = {"y": offset, "c": offset / 3, "x": abs(offset)}
    kwargs: dict[str, Any] = {"variant": "arm", "metrics": METRICS, "segments": "seg"}
    ref = reference(df, offset)
    con = duckdb.connect()
    con.register("units", df)
    table = con.execute(hk.aggregate_sql("units", shifts=shifts, **kwargs)).df()
    assert set(table["y:shift_y"]) == {offset}
    assert set(table["z_per_x:shift_y"]) == {0.0}
    assert worst_errors(analyze(table), ref)[1] <= P_REL
    spark_session.createDataFrame(df).createOrReplaceTempView("units_hostile")
    sql = hk.aggregate_sql("units_hostile", dialect="spark", shifts=shifts, **kwargs)
    rows = spark_session.sql(sql).collect()  # (toPandas fails on pandas 3)
    spark_session.catalog.dropTempView("units_hostile")
    table = pd.DataFrame([row.asDict() for row in rows])
    assert worst_errors(analyze(table), ref)[1] <= P_REL


def test_aggregate_sql_without_shifts_says_why_the_row_is_missing() -> None:
    # Raw sums of 1e9 + N(0, 5) cannot resolve the variance: the row is withheld, and
    # the finding does not claim the metric is constant.
    import duckdb

    con = duckdb.connect()
    con.register("units", unit_data(1e9))
    table = con.execute(
        hk.aggregate_sql("units", variant="arm", metrics=[hk.Mean("y")], segments="seg")
    ).df()
    assert "y:shift_y" not in table.columns  # a table of raw sums, as before shifts
    result = analyze(table, metrics=[hk.Mean("y")])
    assert result.to_pandas().empty
    messages = [f.message for f in result.warnings if f.kind == "not_computed"]
    assert len(messages) == 3
    assert all("or varies less than its sums can resolve" in m for m in messages)


# --------------------------------------------------------------- 2. sizing from history
@pytest.mark.parametrize("offset", [0.0, 1e6, 1e12, -1e9])
def test_baselines_and_sizes_from_history(
    offset: float, engine: Callable[[pd.DataFrame], Any]
) -> None:
    df = unit_data(offset)
    data = engine(df)
    got = hk.baselines(data, hk.Mean("y", covariate="c"), segments="seg").set_index("segment")
    ratio = hk.baselines(data, hk.Ratio("y", "x"), segments="seg").set_index("segment")
    for segment in ("s1", "s2"):
        part = df[df["seg"] == segment]
        e, f = _shifted(part["y"].to_numpy(), offset), _shifted(part["c"].to_numpy(), offset / 3)
        g = _shifted(part["x"].to_numpy(), abs(offset) + 50.0)
        row = got.loc[segment]
        assert row["mean"] == pytest.approx(float(_exact_mean(part["y"].to_numpy())), rel=1e-15)
        assert row["sd"] == pytest.approx(e.std(ddof=1), rel=1e-12)
        assert row["correlation"] == pytest.approx(np.corrcoef(e, f)[0, 1], rel=1e-12)
        row = ratio.loc[segment]
        assert row["numerator_sd"] == pytest.approx(e.std(ddof=1), rel=1e-12)
        assert row["denominator_sd"] == pytest.approx(g.std(ddof=1), rel=1e-12)
        assert row["covariance"] == pytest.approx(np.cov(e, g)[0, 1], rel=1e-11)
        assert row["denominator_mean"] == pytest.approx(part["x"].mean(), rel=1e-14)
    # hk.size(data=...) sizes from these moments: the same plan as from them by hand
    plan = hk.size(hk.Mean("y"), mde=0.5, data=data, segments="seg")
    moments = hk.baselines(df, hk.Mean("y"), segments="seg").set_index("segment")
    by_hand = hk.size(hk.Mean(mean=dict(moments["mean"]), sd=dict(moments["sd"])), mde=0.5)
    assert plan.to_pandas()["n_per_arm"].tolist() == by_hand.to_pandas()["n_per_arm"].tolist()
    assert plan.to_pandas()["n_per_arm"].iloc[0] < 10_000  # sd 5, not rounding noise


# ------------------------------------------------------------- 3. the first rows mislead
def test_an_outlier_first_row_does_not_choose_the_shift(
    engine: Callable[[pd.DataFrame], Any],
) -> None:
    df = unit_data(1e12)
    df.loc[0, "y"] = 1e15  # the first row the probe reads
    data = engine(df)
    agg = hk.aggregate(data, variant="arm", metrics=[hk.Mean("y")], segments="seg")
    assert agg.shift("y", "y") == pytest.approx(1e12, abs=30)  # the median, not 1e15
    result = analyze(data, metrics=[hk.Mean("y")])
    worst = worst_errors(result, {k: v for k, v in reference(df, 1e12).items() if k[1] == "y"})
    assert worst[1] <= P_REL


def test_a_column_missing_from_the_first_rows_is_shifted_by_the_second_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # No value of y among the rows the probe reads: the first pass has no shift, its
    # groups are far from 0 relative to their spread, and the query runs once more
    # about the column's mean.
    df = unit_data(1e12)
    df.loc[:999, "y"] = np.nan
    queries: list[str] = []
    from hypokit._engines import resolve

    def counting(data: Any, **options: Any) -> Any:
        engine = resolve(data, **options)
        run = engine.run
        engine.run = lambda sql: queries.append(sql) or run(sql)  # type: ignore[method-assign]
        return engine

    monkeypatch.setattr("hypokit._aggregate.resolve", counting)
    agg = hk.aggregate(df, variant="arm", metrics=[hk.Mean("y")], segments="seg")
    assert len(queries) == 3  # the probe, the pass without a shift, the pass with one
    assert agg.shift("y", "y") == pytest.approx(1e12, abs=1)
    ref = {k: v for k, v in reference(df.dropna(), 1e12).items() if k[1] == "y"}
    assert worst_errors(analyze(agg, metrics=[hk.Mean("y")]), ref)[1] <= P_REL


# --------------------------------------------------------------- 4. constants, overflow
def test_a_constant_column_does_not_vary_for_the_right_reason(
    engine: Callable[[pd.DataFrame], Any],
) -> None:
    df = unit_data(1e6).assign(y=1e6 + 0.1)
    agg = hk.aggregate(engine(df), variant="arm", metrics=[hk.Mean("y")], segments="seg")
    sums = agg.to_pandas()
    assert (sums["y:sum_y"] == 0).all()  # about the constant itself: exactly 0
    assert (sums["y:sum_y2"] == 0).all()
    result = analyze(engine(df), metrics=[hk.Mean("y")])
    messages = [f.message for f in result.warnings if f.kind == "not_computed"]
    assert len(messages) == 3
    for message in messages:
        assert "the metric does not vary in either arm, so there is nothing to test" in message
        assert "resolve" not in message


@pytest.mark.parametrize(
    ("metric", "column", "role"),
    [
        (hk.Mean("y"), "y", "y column"),
        (hk.Mean("z", covariate="y"), "y", "z covariate"),
        (hk.Ratio("y", "sessions"), "y", "y/sessions numerator"),
        (hk.Ratio("z", "y"), "y", "z/y denominator"),
    ],
)
def test_values_too_large_to_square_name_the_column(
    metric: Any, column: str, role: str, engine: Callable[[pd.DataFrame], Any]
) -> None:
    df = unit_data(0.0)
    rng = np.random.default_rng(5)
    df["y"] = rng.choice([-1.0, 1.0], len(df)) * 10.0 ** rng.uniform(150, 200, len(df))
    with pytest.raises(
        hk.DataError, match=rf"^{role} == '{column}': its squares overflow 64-bit floats"
    ):
        hk.aggregate(engine(df), variant="arm", metrics=[metric], segments="seg")


def test_values_near_1e155_with_a_small_spread_are_fine() -> None:
    # Their squares would overflow; about their shift they are small.
    df = unit_data(0.0)
    df["y"] = 1e155 * (1 + 1e-12 * df["z"])
    agg = hk.aggregate(df, variant="arm", metrics=[hk.Mean("y")], segments="seg")
    assert agg.shift("y", "y") == pytest.approx(1e155, rel=1e-10)
    effect = df[df.arm == "b"].y.mean() - df[df.arm == "a"].y.mean()
    row = analyze(agg, metrics=[hk.Mean("y")]).to_pandas().query("segment == '(all)'")
    assert float(row["effect"].iloc[0]) == pytest.approx(effect, rel=1e-3)


@pytest.mark.parametrize("bad", [np.inf, -np.inf])
def test_infinite_values_name_the_column(bad: float, engine: Callable[[pd.DataFrame], Any]) -> None:
    df = unit_data(1e6)
    df.loc[7, "x"] = bad
    # (the first metric that reads x names it)
    with pytest.raises(hk.DataError, match=r"^z_per_x denominator == 'x': an infinite value"):
        hk.aggregate(engine(df), variant="arm", metrics=METRICS, segments="seg")
    df = unit_data(1e6)
    df.loc[[3, 9], "c"] = [np.inf, -np.inf]  # inf - inf: a NaN sum (NULL, so 0, in SQLite)
    with pytest.raises(hk.DataError, match=r"^y_cuped covariate == 'c': .*infinite value"):
        hk.aggregate(engine(df), variant="arm", metrics=METRICS, segments="seg")


def test_nan_values_are_missing_and_counted(engine: Callable[[pd.DataFrame], Any]) -> None:
    # NaN is a missing value on every engine (SQLite stores it as NULL): the unit is
    # dropped for that metric only, counted in n_missing, and the rest stays exact.
    df = unit_data(1e9)
    df.loc[df.index[:40], "c"] = np.nan
    result = analyze(engine(df))
    table = result.to_pandas().set_index(["segment", "metric"])
    assert table.loc[("(all)", "y_cuped"), "n_missing"] == 40
    assert table.loc[("(all)", "y"), "n_missing"] == 0
    ref = reference(df.dropna(), 1e9)
    cuped = {k: v for k, v in ref.items() if k[1] == "y_cuped"}
    rows = table.xs("y_cuped", level="metric")
    for segment, (effect, p) in ((k[0], v) for k, v in cuped.items()):
        assert rows.loc[segment, "p_value"] == pytest.approx(p, rel=P_REL)
        assert rows.loc[segment, "effect"] == pytest.approx(effect, rel=EFFECT_REL)
    assert any(f.kind == "missing" and f.metric == "y_cuped" for f in result.warnings)


# -------------------------------------------------------------------------- 5. mixed sign
@pytest.mark.parametrize("spread", [5.0, 1e9])
def test_mixed_sign_values(spread: float, engine: Callable[[pd.DataFrame], Any]) -> None:
    # Values on both sides of 0: around 0 with a small spread, and +-1e9 mixed.
    df = unit_data(0.0)
    rng = np.random.default_rng(9)
    sign = rng.choice([-1.0, 1.0], len(df))
    df["y"] = sign * spread + rng.normal(0.0, 5.0, len(df)) + 0.6 * (df["arm"] == "b")
    result = analyze(engine(df), metrics=[hk.Mean("y")])
    for row in result.to_pandas().itertuples():
        part = df if row.segment == "(all)" else df[df["seg"] == row.segment]
        a, b = part[part["arm"] == "a"]["y"], part[part["arm"] == "b"]["y"]
        ref = stats.ttest_ind(b, a, equal_var=False)
        assert row.p_value == pytest.approx(ref.pvalue, rel=P_REL)
        assert row.effect == pytest.approx(b.mean() - a.mean(), rel=1e-9, abs=1e-9 * spread)
    assert math.isfinite(float(result.to_pandas()["se"].min()))
