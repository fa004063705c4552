"""Segment labels: values that would collide, placeholders, values that print alike.

A segment is the tuple of its columns' values; its label joins them with " / ". Before,
("x / y", "z") and ("x", "y / z") were one segment, a value "(missing)" merged with the
missing values, and a value "(all)" was refused. Now a value that could be mistaken for
something else is quoted, so labels read back to their values; values of one column
that print alike (1 and "1") are refused, naming both. Every engine gives the same
labels and numbers; row(), verdict(), findings, over_time, the aggregates table and
hk.aggregate_sql read them alike.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import hypokit as hk
from hypokit._labels import ALL, MISSING, find_segment, segment_label, segment_values
from tests._servers import spark_session as _spark_session
from tests.hostile._sources import FILTERS, SOURCES, build
from tests.test_engines import spark, spark_jvm  # noqa: F401 (shared session)

pytestmark = [pytest.mark.filterwarnings(f) for f in FILTERS]


@pytest.fixture
def spark_factory(request: pytest.FixtureRequest) -> Any:
    """Start the shared local Spark session only for the Spark cases."""
    return lambda: (request.getfixturevalue("spark_jvm"), _spark_session())[1]


def _records(agg: hk.Aggregates) -> dict[tuple[str, Any], dict[str, Any]]:
    return {(r["segment"], r["variant"]): r for r in agg.to_records()}


# ------------------------------------------------------------- two columns that collide

#: (team, platform) pairs whose values joined by " / " would be one label, and the
#: labels they get; each pair's units sum to a number no other pair does.
PAIRS = [
    (("x / y", "z"), '"x / y" / z'),
    (("x", "y / z"), 'x / "y / z"'),
    (("x /", "/ z"), '"x /" / "/ z"'),
    (("x", "/ / z"), 'x / "/ / z"'),
    ((None, "z"), "(missing) / z"),
    (("(missing)", "z"), '"(missing)" / z'),
    (("(all)", "z"), '"(all)" / z'),
    (("", "z"), '"" / z'),
    ((" x", "z"), '" x" / z'),
    (('say "x"', "z"), '"say ""x""" / z'),
    (("a/b", "c"), "a/b / c"),
]


def _pairs_table() -> list[tuple[str, list[Any]]]:
    team, platform, arm, y = [], [], [], []
    for k, ((t, p), _) in enumerate(PAIRS):
        for i in range(4):
            team.append(t)
            platform.append(p)
            arm.append("ab"[i % 2])
            y.append(1000 * (k + 1) + i)
    return [("team", team), ("platform", platform), ("arm", arm), ("y", y)]


@pytest.mark.parametrize("source", SOURCES)
def test_values_that_would_join_alike_stay_apart(
    source: str, tmp_path: Path, spark_factory: Any
) -> None:
    table = _pairs_table()
    pairs = PAIRS
    if source == "csv":  # a CSV file cannot tell an empty value from a missing one
        pairs = [p for p in PAIRS if p[0][0] != ""]
        keep = [t != "" for t in table[0][1]]
        table = [(n, [v for v, k in zip(vs, keep, strict=True) if k]) for n, vs in table]
    data = build(source, table, tmp_path, spark_factory)
    agg = hk.aggregate(data, variant="arm", metrics=hk.Mean("y"), segments=["team", "platform"])
    rows = _records(agg)
    assert set(agg.segments) == {label for _, label in pairs}
    for values, label in pairs:
        k = PAIRS.index((values, label))
        assert segment_values(label) == values
        assert rows[(label, "a")]["y:sum_y"] == 2 * 1000 * (k + 1) + 0 + 2
        assert rows[(label, "b")]["y:sum_y"] == 2 * 1000 * (k + 1) + 1 + 3
    assert rows[(ALL, "a")]["n"] == 2 * len(pairs)


# --------------------------------------------------------- one column, each value alone

#: Values of one segment column and their labels: placeholders and lookalikes quoted.
VALUES = {
    "new": "new",
    "(all)": '"(all)"',
    "(missing)": '"(missing)"',
    None: "(missing)",
    "": '""',
    " new": '" new"',
    "new ": '"new "',
    "a / b": '"a / b"',
    "a/b": "a/b",
    "/": "/",
    '"new"': '"""new"""',
    "NULL": "NULL",
    "None": "None",
    "nan": "nan",
    "ünï ☃": "ünï ☃",
}


def _values_table() -> list[tuple[str, list[Any]]]:
    seg, arm, y = [], [], []
    for k, value in enumerate(VALUES):
        for i in range(2):
            seg.append(value)
            arm.append("ab"[i])
            y.append(10 * (k + 1) + i)
    return [("seg", seg), ("arm", arm), ("y", y)]


@pytest.mark.parametrize("source", SOURCES)
def test_each_value_is_its_own_segment(source: str, tmp_path: Path, spark_factory: Any) -> None:
    table = _values_table()
    if source == "csv":  # a CSV file cannot tell an empty value from a missing one
        table = [(n, [v for v, s in zip(vs, table[0][1], strict=True) if s != ""])
                 for n, vs in table]  # fmt: skip
    data = build(source, table, tmp_path, spark_factory)
    agg = hk.aggregate(data, variant="arm", metrics=hk.Mean("y"), segments="seg")
    rows = _records(agg)
    expected = {v: label for v, label in VALUES.items() if source != "csv" or v != ""}
    assert set(agg.segments) == set(expected.values())
    for k, value in enumerate(VALUES):
        if value in expected:
            assert rows[(expected[value], "a")]["y:sum_y"] == 10 * (k + 1), value
            assert rows[(expected[value], "b")]["y:sum_y"] == 10 * (k + 1) + 1, value
    assert rows[(ALL, "a")]["n"] == len(expected)  # the real "(all)" is a segment


def test_null_and_nan_are_one_missing_segment() -> None:
    """polars and Arrow keep NaN apart from null; both are missing, in one segment."""
    frame = pl.DataFrame(
        {
            "seg": [1.5, None, float("nan"), 1.5, None, float("nan")],
            "arm": ["a", "a", "a", "b", "b", "b"],
            "y": [1.0, 2.0, 4.0, 8.0, 16.0, 32.0],
        }
    )
    for data in (frame, frame.to_arrow()):
        rows = _records(hk.aggregate(data, variant="arm", metrics=hk.Mean("y"), segments="seg"))
        assert rows[(MISSING, "a")]["y:sum_y"] == 6.0
        assert rows[(MISSING, "b")]["y:sum_y"] == 48.0
        assert rows[(MISSING, "a")]["n"] == 2
        assert {s for s, _ in rows} == {"1.5", MISSING, ALL}


def test_csv_segments_are_read_as_the_file_writes_them(tmp_path: Path) -> None:
    """DuckDB's CSV reader would read TRUE, true and T as one boolean: three segments."""
    path = tmp_path / "units.csv"
    path.write_text("seg,arm,y,day\nTRUE,a,1,2026-01-02\ntrue,a,2,2026-01-02\nT,b,4,2026-01-03\n")
    agg = hk.aggregate(path, variant="arm", metrics=hk.Mean("y"), segments="seg")
    assert agg.segments == ("T", "TRUE", "true")
    frame = pd.read_csv(path, dtype={"seg": str})
    assert hk.aggregate(frame, variant="arm", metrics=hk.Mean("y"), segments="seg").segments == (
        agg.segments
    )
    # a date column stays a date: its days sort in time order
    res = hk.analyze(path, variant="arm", control="a", metrics=hk.Mean("y"), date="day")
    assert res.daily is not None
    assert res.daily.dates == ("2026-01-02", "2026-01-03")


# -------------------------------------------------------------- values that print alike


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ([1, "1"], "1 (integer) and '1' (text)"),
        (["true", True], "True (boolean) and 'true' (text)"),
        ([True, 1], "True (boolean) and 1 (integer)"),
        ([1, 1.0], "1.0 (float) and 1 (integer)"),
        ([1.5, "1.5"], "1.5 (float) and '1.5' (text)"),
        ([np.int64(2), "2"], "2 (integer) and '2' (text)"),
    ],
)
def test_object_segment_values_that_print_alike_are_refused(values: list[Any], named: str) -> None:
    frame = pd.DataFrame(
        {"seg": pd.Series(values * 2, dtype=object), "arm": ["a", "a", "b", "b"], "y": 1.0}
    )
    message = re.escape(f"segments == 'seg': the column holds values that print alike: {named}")
    with pytest.raises(hk.DataError, match=message):
        hk.aggregate(frame, variant="arm", metrics=hk.Mean("y"), segments="seg")
    categorical = frame.assign(seg=pd.Categorical(frame["seg"]))
    if len(categorical["seg"].cat.categories) == 1:
        return  # pandas itself made True and 1 (or 1 and 1.0) one category
    with pytest.raises(hk.DataError, match=message):
        hk.aggregate(categorical, variant="arm", metrics=hk.Mean("y"), segments="seg")


def test_object_segment_values_of_several_types_that_differ() -> None:
    """7 and "x" are two segments, as SQL writes them: True as "true", not "True"."""
    frame = pd.DataFrame(
        {
            "seg": pd.Series([7, "x", True, 2.5, None] * 2, dtype=object),
            "arm": ["a"] * 5 + ["b"] * 5,
            "y": [1.0, 2.0, 4.0, 8.0, 16.0] * 2,
        }
    )
    before = frame.copy()
    agg = hk.aggregate(frame, variant="arm", metrics=hk.Mean("y"), segments="seg")
    assert agg.segments == (MISSING, "2.5", "7", "true", "x")
    rows = _records(agg)
    assert [rows[(s, "a")]["y:sum_y"] for s in ("7", "x", "true", "2.5", MISSING)] == [
        1.0, 2.0, 4.0, 8.0, 16.0,
    ]  # fmt: skip
    pd.testing.assert_frame_equal(frame, before)  # the caller's frame is left alone


def test_sqlite_values_of_two_types_that_print_alike(tmp_path: Path) -> None:
    """SQLite keeps 1 and '1' apart in a column without a type: refused, not merged."""
    import ibis

    with closing(sqlite3.connect(tmp_path / "u.sqlite")) as con, con:
        con.execute("CREATE TABLE u (seg, arm TEXT, y REAL)")
        con.executemany("INSERT INTO u VALUES (?, ?, ?)", [(1, "a", 1.0), ("1", "b", 2.0)])
    table = ibis.sqlite.connect(tmp_path / "u.sqlite").table("u")
    with pytest.raises(hk.DataError, match=r"print alike: 1 \(integer\) and '1' \(text\)"):
        hk.aggregate(table, variant="arm", metrics=hk.Mean("y"), segments="seg")


# ------------------------------------------------------------------- the analysis reads


def _experiment() -> pd.DataFrame:
    """Two arms in segments of (team, platform); 'x / y'+'z' has a sample-ratio mismatch."""
    rng = np.random.default_rng(2)
    cells = {
        ("x / y", "z"): (1000, 700),
        ("x", "y / z"): (1000, 1000),
        (None, "z"): (1000, 1000),
        ("(missing)", "z"): (1000, 1000),
        ("(all)", "z"): (1000, 1000),
    }
    parts = []
    for (team, platform), (n0, n1) in cells.items():
        for arm, n, shift in (("control", n0, 0.0), ("treatment", n1, 1.0)):
            parts.append(
                pd.DataFrame(
                    {
                        "team": pd.Series([team] * n, dtype=object),
                        "platform": platform,
                        "arm": arm,
                        "rev": rng.normal(50.0 + shift, 5.0, n),
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


def test_rows_verdicts_and_findings_by_label_or_values() -> None:
    df = _experiment()
    res = hk.analyze(
        df, variant="arm", control="control", metrics=hk.Mean("rev"), segments=["team", "platform"]
    )
    assert res.segments == (
        ALL, '"(all)" / z', '"(missing)" / z', '"x / y" / z', "(missing) / z", 'x / "y / z"',
    )  # fmt: skip
    # a row by its label, or by its values
    for values in [("x / y", "z"), ("x", "y / z"), (None, "z"), ("(missing)", "z"), ("(all)", "z")]:
        label = segment_label(values)
        by_label, by_values = res.row("rev", label), res.row("rev", values)
        assert by_label == by_values
        team = df["team"].isna() if values[0] is None else df["team"] == values[0]
        cell = df[team & (df["platform"] == values[1])]
        want = cell[cell["arm"] == "treatment"]["rev"].mean()
        assert by_label["variant_mean"] == pytest.approx(want, rel=1e-12)
        assert by_label["n_control"] + by_label["n_variant"] == len(cell)
    assert res.row("rev")["n_control"] + res.row("rev")["n_variant"] == len(df)
    assert res.row("rev", ALL) == res.row("rev")
    with pytest.raises(KeyError) as missing:
        res.row("rev", "x / y / z")
    assert missing.value.args[0].startswith("no segment 'x / y / z'; the result has '(all)', ")
    # verdicts: label and tuple keys, one segment named twice refused
    crit = hk.Criterion("rev", min_effect=0.0)
    table = res.verdict({'"x / y" / z': crit, ("x", "y / z"): crit, ALL: crit})
    assert [r["segment"] for r in table.rows] == ['"x / y" / z', 'x / "y / z"', ALL]
    with pytest.raises(hk.ValidationError, match=r"criteria name segment '\"x / y\" / z' twice"):
        res.verdict({'"x / y" / z': crit, ("x / y", "z"): crit})
    with pytest.raises(hk.ValidationError, match=r"criteria name segment \('x', 'y'\)"):
        res.verdict({("x", "y"): crit})
    # the finding names each value as the data holds it, missing as (missing)
    (srm,) = [f for f in res.findings("srm") if f.segment != ALL]
    assert srm.segment == '"x / y" / z'
    assert srm.columns == ("team", "platform")
    assert "Sample-ratio mismatch in segment team='x / y', platform='z':" in srm.message
    assert res.findings("srm", segment=("x / y", "z")) == [srm]


def test_messages_tell_missing_from_the_value_missing() -> None:
    from hypokit._analysis import _seg

    assert _seg("(missing) / z", ("team", "platform")) == "segment team=(missing), platform='z'"
    assert _seg('"(missing)" / z', ("team", "platform")) == (
        "segment team='(missing)', platform='z'"
    )
    assert _seg("(missing)", ("team",)) == "segment (missing) of team"
    assert _seg('"(missing)"', ("team",)) == "segment '(missing)' of team"
    assert _seg('"(all)"', ("team",)) == "segment '(all)' of team"
    assert _seg(ALL, ("team",)) == "the whole population"
    assert _seg('" x"', ("team",)) == "segment ' x' of team"
    assert _seg("a / b / c", ("team", "platform")) == "segment 'a / b / c' of team / platform"


def test_one_column_value_with_the_separator_is_found_as_it_is() -> None:
    df = _experiment().assign(team=lambda d: d["team"].fillna("n/a"))
    res = hk.analyze(df, variant="arm", control="control", metrics=hk.Mean("rev"), segments="team")
    assert res.row("rev", "x / y") == res.row("rev", '"x / y"') == res.row("rev", ("x / y",))
    # "(missing)" and "(all)" always mean the missing values and the whole population
    assert res.row("rev", "(all)") == res.row("rev")
    with pytest.raises(KeyError) as missing:
        res.row("rev", "(missing)")  # no unit misses its team here
    assert missing.value.args[0].startswith("no segment '(missing)'; the result has")
    assert res.row("rev", '"(missing)"') == res.row("rev", ("(missing)",))
    assert find_segment("(missing)", ['"(missing)"']) is None


def test_the_aggregates_table_round_trips_its_labels() -> None:
    df = _experiment()
    kwargs: dict[str, Any] = {"variant": "arm", "metrics": hk.Mean("rev")}
    agg = hk.aggregate(df, segments=["team", "platform"], **kwargs)
    direct = hk.analyze(agg, variant="arm", control="control", metrics=hk.Mean("rev"))
    for table in (agg.to_pandas(), pa.Table.from_pandas(agg.to_pandas())):
        res = hk.analyze(table, variant="arm", control="control", metrics=hk.Mean("rev"))
        assert res.segments == direct.segments
        assert res.to_pandas()["segment"].tolist() == direct.to_pandas()["segment"].tolist()
        np.testing.assert_allclose(
            res.to_pandas()["effect"], direct.to_pandas()["effect"], rtol=1e-12
        )
        got, want = res.row("rev", ("x / y", "z")), direct.row("rev", ("x / y", "z"))
        assert (got["segment"], got["n_variant"], got["effect"]) == (
            want["segment"], want["n_variant"], want["effect"],
        )  # fmt: skip
        (srm,) = [f for f in res.findings("srm") if f.segment != ALL]
        assert "in segment '\"x / y\" / z':" in srm.message  # the table knows no columns
    # a warehouse table whose segment is NULL: missing, not the text "None"
    frame = agg.to_pandas()
    frame["segment"] = frame["segment"].astype(object)
    frame.loc[frame["segment"] == "(missing) / z", "segment"] = None
    res = hk.analyze(frame, variant="arm", control="control", metrics=hk.Mean("rev"))
    assert MISSING in res.segments
    assert "None" not in res.segments


@pytest.mark.parametrize("engine", ["duckdb", "sqlite", "spark"])
def test_aggregate_sql_writes_the_same_labels(engine: str, request: pytest.FixtureRequest) -> None:
    df = _experiment().iloc[::50].reset_index(drop=True)
    kwargs: dict[str, Any] = {"variant": "arm", "metrics": hk.Mean("rev"),
                              "segments": ["team", "platform"]}  # fmt: skip
    want = {(s, v) for s, v in zip(hk.aggregate(df, **kwargs).segment,
                                   hk.aggregate(df, **kwargs).variant, strict=True)}  # fmt: skip
    if engine == "duckdb":
        con = duckdb.connect()
        con.register("units", df)
        rows = con.execute(hk.aggregate_sql("units", **kwargs)).fetchall()
    elif engine == "sqlite":
        with closing(sqlite3.connect(":memory:")) as con, con:
            df.to_sql("units", con, index=False)
            rows = con.execute(hk.aggregate_sql("units", **kwargs)).fetchall()
    else:
        session = request.getfixturevalue("spark")
        session.createDataFrame(df).createOrReplaceTempView("units_labels")
        sql = hk.aggregate_sql("units_labels", dialect="spark", **kwargs)
        rows = [tuple(r) for r in session.sql(sql).collect()]
        session.catalog.dropTempView("units_labels")
    assert {(r[0], r[1]) for r in rows} == want


def test_over_time_splits_the_date_from_quoted_values() -> None:
    df = _experiment()
    df["day"] = np.arange(len(df)) % 3 + 1
    res = hk.analyze(df, variant="arm", control="control", metrics=hk.Mean("rev"),
                     segments=["team", "platform"], date="day")  # fmt: skip
    days = res.over_time()
    assert {r["segment"] for r in days.rows} == set(res.segments)
    assert res.daily is not None
    assert res.daily.dates == ("1", "2", "3")
    last = [r for r in days.rows if r["date"] == "3" and r["segment"] == '"x / y" / z']
    assert last[0]["effect"] == pytest.approx(res.row("rev", ("x / y", "z"))["effect"])
    import matplotlib

    matplotlib.use("Agg")
    fig = days.plot("rev", segment=("x / y", "z"))
    assert "segment '\"x / y\" / z'" in fig.axes[0].get_title()


def test_a_plan_sized_from_the_labels_matches_the_analysis() -> None:
    df = _experiment().assign(team=lambda d: d["team"].fillna("none"))
    history = hk.baselines(df, hk.Mean("rev"), segments="team", days=10)
    assert set(history["segment"]) == {'"x / y"', "x", "none", '"(missing)"', '"(all)"'}
    plan = hk.size(
        hk.Mean(mean=dict(zip(history["segment"], history["mean"], strict=True)),
                sd=dict(zip(history["segment"], history["sd"], strict=True))),
        mde=100.0,
    )  # fmt: skip
    res = hk.analyze(df, variant="arm", control="control", metrics=hk.Mean("rev"),
                     segments="team", plan=plan)  # fmt: skip
    assert [f for f in res.findings("underpowered") if "does not have" in f.message] == []
    # a plan named by a value as it is finds its quoted segment
    plan = hk.size(hk.Mean(mean={"x / y": 50.0}, sd={"x / y": 5.0}), mde=100.0)
    res = hk.analyze(df, variant="arm", control="control", metrics=hk.Mean("rev"),
                     segments="team", plan=plan)  # fmt: skip
    assert [f for f in res.findings("underpowered") if "does not have" in f.message] == []
