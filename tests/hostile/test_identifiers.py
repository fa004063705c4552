"""Column names: each argument reaches exactly the column it names, or is refused.

Readers rename columns: DuckDB's CSV reader trims ``" buy"`` to ``buy`` (and then calls
the real ``buy`` ``buy_1``) and names an unnamed column ``column0``; DuckDB's names
ignore case, so a frame or file with ``Buy``, ``buy`` and ``buy_1`` is read as ``Buy``,
``buy_1``, ``buy_1_1``; Spark SQL ignores case too. Every kind of data hk.aggregate
reads gets tables whose names are trimmed, case variants, renamed, invented, unicode,
quoted, very long and SQL words, as metric, variant and segment columns. Each column
holds numbers no other column sums to, so the answer tells which column was read: it
must be the named one, or a DataError naming both the column asked for and the one a
reader would have read instead.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import hypokit as hk
from tests._servers import spark_session as _spark_session
from tests.hostile._sources import FILTERS, SOURCES, Table, build, numbers
from tests.test_engines import spark_jvm  # noqa: F401 (the shared session)

pytestmark = [pytest.mark.filterwarnings(f) for f in FILTERS]

ROWS = 40
ARMS = ["a", "b"] * (ROWS // 2)

#: Column names a reader may change, or that quoting or SQL could get wrong.
NAMES: dict[str, list[str]] = {
    "trimmed": [" buy", "buy", "buy "],
    "case": ["Buy", "buy", "buy_1"],
    "unicode": ["café", "cafe\u0301", "Ä", "ä", "💰", "価格", "ΣΊΣΥΦΟΣ", "ς"],
    "quoted": ['a"b', "a'b", "a`b", '""', "a\\b", "x;--", "a,b", "\t", "a\nb", "a\r\nb"],
    "long": ["x" * 300, "x" * 299 + "y", "é" * 200],
    "sql": ["select", "n", "variant", "segment", "_s0", "_e0", "hk_0", "hk_t", "hk_source",
            "*", "1", "a.b", "count(*)", "NULL", "arm:n"],
}  # fmt: skip


def _table(names: list[str], seed: int = 3) -> tuple[Table, dict[str, int]]:
    """The arm column and one column per name; each column's sum."""
    rng = np.random.default_rng(seed)
    table = [("arm", ARMS)] + [(n, numbers(rng, ROWS, k)) for k, n in enumerate(names)]
    return table, {n: sum(v) for n, v in table[1:]}


@pytest.fixture
def spark_factory(request: pytest.FixtureRequest) -> Any:
    """Start the shared local Spark session only for the Spark cases."""
    return lambda: (request.getfixturevalue("spark_jvm"), _spark_session())[1]


def _sums(agg: hk.Aggregates, names: list[str]) -> dict[str, float]:
    return {n: float(agg.raw_sum(n, "y").sum()) for n in names}


# ---------------------------------------------------------- every column, every engine

#: (names, source) where a name is refused, and why: Ibis on DuckDB, whose backend
#: renames case variants (a memtable) or whose table shows DuckDB's renamed names
#: (a file DuckDB read). SQLite cannot hold two names that differ only in ASCII case.
NOT_APPLICABLE = {("case", "ibis-sqlite")}


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("kind", list(NAMES))
def test_every_metric_reads_its_own_column(
    kind: str, source: str, tmp_path: Path, spark_factory: Any
) -> None:
    if (kind, source) in NOT_APPLICABLE:
        return  # SQLite refuses the table itself: "duplicate column name: buy"
    names = NAMES[kind]
    if source == "csv" and kind == "quoted":
        # DuckDB's sniffer cannot read a tab-only name or line breaks among all these
        # (one line break alone reads: test_csv_header_with_a_line_break)
        names = [n for n in names if n not in ("\t", "a\nb", "a\r\nb")]
    table, want = _table(names)
    data = build(source, table, tmp_path, spark_factory)
    if kind == "case" and source in ("ibis-duckdb", "ibis-memtable"):
        _case_on_ibis_duckdb(data, source, want)
        return
    agg = hk.aggregate(data, variant="arm", metrics=[hk.Mean(n) for n in names])
    assert _sums(agg, names) == want


def _case_on_ibis_duckdb(data: Any, source: str, want: dict[str, int]) -> None:
    """Ibis on DuckDB: the right column, or a refusal naming both columns."""

    def one(name: str) -> Any:
        return hk.aggregate(data, variant="arm", metrics=hk.Mean(name))

    if source == "ibis-memtable":  # Ibis's names; DuckDB's are Buy, buy_1, buy_1_1
        with pytest.raises(hk.DataError, match=r"columns 'Buy' and 'buy' of the Ibis table "
                           r"differ only in case, which the 'duckdb' backend ignores"):  # fmt: skip
            one("Buy")
        with pytest.raises(hk.DataError, match=r"columns 'buy' and 'Buy' of the Ibis table "
                           r"differ only in case"):  # fmt: skip
            one("buy")
        with pytest.raises(hk.DataError, match=r"column 'buy_1' of the Ibis table is "
                           r"'buy_1_1' in its 'duckdb' backend, which renamed it"):  # fmt: skip
            one("buy_1")
        return
    # read_parquet: the Ibis table itself is named as DuckDB read the file
    assert list(data.columns) == ["arm", "Buy", "buy_1", "buy_1_1"]
    assert _sums(one("Buy"), ["Buy"]) == {"Buy": want["Buy"]}
    with pytest.raises(hk.DataError, match=r"buy column == 'buy': no such column \(the data "
                       r"has 'Buy': names are matched exactly\)"):  # fmt: skip
        one("buy")
    renamed = r"the data has 'Buy' but no 'buy', so 'buy_1' may be DuckDB's name for a column"
    with pytest.raises(hk.DataError, match=r"buy_1 column == 'buy_1': " + renamed):
        one("buy_1")


def test_a_duckdb_relation_of_a_file_is_refused_like_ibis(tmp_path: Path) -> None:
    table, want = _table(NAMES["case"])
    pq.write_table(pa.table(dict(table)), tmp_path / "units.parquet")
    relation = duckdb.connect().read_parquet(str(tmp_path / "units.parquet"))
    assert relation.columns == ["arm", "Buy", "buy_1", "buy_1_1"]
    agg = hk.aggregate(relation, variant="arm", metrics=hk.Mean("Buy"))
    assert _sums(agg, ["Buy"]) == {"Buy": want["Buy"]}
    with pytest.raises(hk.DataError, match=r"'buy_1' may be DuckDB's name for a column 'buy', "
                       r"renamed because it differs from 'Buy' only in case"):  # fmt: skip
        hk.aggregate(relation, variant="arm", metrics=hk.Mean("buy_1"))
    # the file itself: the file's own names
    agg = hk.aggregate(tmp_path / "units.parquet", variant="arm", metrics=hk.Mean("buy_1"))
    assert _sums(agg, ["buy_1"]) == {"buy_1": want["buy_1"]}


# ------------------------------------------------- variant and segment columns, by name


@pytest.mark.parametrize("source", SOURCES)
def test_variant_and_segment_columns_by_their_own_names(
    source: str, tmp_path: Path, spark_factory: Any
) -> None:
    """Twins of the variant and segment columns hold other labels: read the named ones."""
    rng = np.random.default_rng(11)
    kinds = ["Arm", "arm ", "Seg", " seg"]
    if source in ("ibis-sqlite", "ibis-memtable", "ibis-duckdb"):
        kinds = ["arm ", " seg"]  # no case twins (see test_every_metric_reads_its_own_column)
    twins = {
        "Arm": ["x", "y"] * (ROWS // 2),
        "arm ": ["p", "q"] * (ROWS // 2),
        "Seg": ["S1", "S2", "S3", "S4"] * (ROWS // 4),
        " seg": ["T1", "T2"] * (ROWS // 2),
    }
    seg = [["DE", "FR"][i % 4 // 2] for i in range(ROWS)]
    table = [(k, twins[k]) for k in kinds] + [
        ("arm", ARMS),
        ("seg", seg),
        ("y", numbers(rng, ROWS, 0)),
    ]
    data = build(source, table, tmp_path, spark_factory)
    # Raw sums (no shift): this test is about which column is read, compared exactly.
    agg = hk.aggregate(data, variant="arm", metrics=hk.Mean("y"), segments="seg", shifts={})
    assert agg.variants == ("a", "b")
    assert agg.segments == ("DE", "FR")
    y = dict(table)["y"]
    for row in agg.to_records():
        if row["segment"] == "(all)":
            continue
        cells = [i for i in range(ROWS) if ARMS[i] == row["variant"] and seg[i] == row["segment"]]
        assert row["n"] == len(cells)
        assert row["y:sum_y"] == sum(y[i] for i in cells)


# ------------------------------------------------------------------ CSV readers' names


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_trimmed_header_beside_the_real_one(tmp_path: Path) -> None:
    path = _csv(tmp_path / "units.csv", " buy,buy,arm\n1,0,a\n1,0,b\n0,1,a\n")
    agg = hk.aggregate(path, variant="arm", metrics=[hk.Proportion("buy"), hk.Proportion(" buy")])
    rows = {r["variant"]: r for r in agg.to_records()}
    assert (rows["a"]["buy:successes"], rows["a"][" buy:successes"]) == (1, 1)
    assert (rows["b"]["buy:successes"], rows["b"][" buy:successes"]) == (0, 1)
    # DuckDB calls the real buy 'buy_1'; no column of the file has that name
    renamed = r"\(duckdb reads the column 'buy' as 'buy_1': names are matched exactly\)"
    with pytest.raises(hk.DataError, match=r"buy_1 column == 'buy_1': no such column " + renamed):
        hk.aggregate(path, variant="arm", metrics=hk.Proportion("buy_1"))


def test_csv_trimmed_header_alone_is_not_taken_for_the_name(tmp_path: Path) -> None:
    path = _csv(tmp_path / "units.csv", "arm, buy\na,1\nb,0\n")
    with pytest.raises(hk.DataError, match=r"buy column == 'buy': no such column \(duckdb reads "
                       r"the column ' buy' as 'buy': names are matched exactly\); data has "
                       r"'arm', ' buy'\."):  # fmt: skip
        hk.aggregate(path, variant="arm", metrics=hk.Proportion("buy"))
    agg = hk.aggregate(path, variant="arm", metrics=hk.Proportion(" buy"))
    assert [r[" buy:successes"] for r in agg.to_records()] == [1, 0]


def test_csv_unnamed_column_is_not_column0(tmp_path: Path) -> None:
    path = _csv(tmp_path / "units.csv", ",buy,arm,column0\nx,1,a,5\ny,0,b,7\nx,1,b,9\n")
    agg = hk.aggregate(path, variant="arm", metrics=hk.Mean("column0"), segments="")
    assert agg.segments == ("x", "y")  # the unnamed column, by its name ''
    sums = {s: float(agg.stats["column0:sum_y"][np.array(agg.segment) == s].sum()) for s in "xy"}
    assert sums == {"x": 14.0, "y": 7.0}  # (the file's real column0 is DuckDB's column0_1)
    path = _csv(tmp_path / "bare.csv", ",buy,arm\n5,1,a\n7,0,b\n")
    with pytest.raises(hk.DataError, match=r"column0 column == 'column0': no such column "
                       r"\(duckdb reads the column '' as 'column0'"):  # fmt: skip
        hk.aggregate(path, variant="arm", metrics=hk.Mean("column0"))


def test_csv_case_variants_and_repeated_names(tmp_path: Path) -> None:
    path = _csv(tmp_path / "units.csv", "Buy,buy,buy_1,arm\n1,0,5,a\n0,1,7,b\n")
    agg = hk.aggregate(path, variant="arm", metrics=[hk.Mean(n) for n in ("Buy", "buy", "buy_1")])
    assert _sums(agg, ["Buy", "buy", "buy_1"]) == {"Buy": 1.0, "buy": 1.0, "buy_1": 12.0}
    path = _csv(tmp_path / "twice.csv", "buy,buy,arm\n1,0,a\n0,0,b\n")
    with pytest.raises(hk.DataError, match=r"buy column == 'buy': data has 2 columns named "
                       r"'buy' \(columns 1 and 2\); give each column its own name"):  # fmt: skip
        hk.aggregate(path, variant="arm", metrics=hk.Proportion("buy"))


def test_csv_header_with_a_line_break(tmp_path: Path) -> None:
    path = _csv(tmp_path / "units.csv", 'arm,"a\nb",a\na,1,10\nb,2,20\n')
    agg = hk.aggregate(path, variant="arm", metrics=[hk.Mean("a\nb"), hk.Mean("a")])
    assert _sums(agg, ["a\nb", "a"]) == {"a\nb": 3.0, "a": 30.0}


def test_csv_files_whose_headers_a_reader_matches_wrongly(tmp_path: Path) -> None:
    """DuckDB matches several files by its trimmed names: ' buy' in one is 'buy' in another."""
    _csv(tmp_path / "a.csv", "arm,buy, buy\na,2,1\n")
    _csv(tmp_path / "b.csv", "arm, buy,buy\nb,100,200\n")
    with pytest.raises(hk.DataError, match=r"the CSV files do not share one header: a\.csv and "
                       r"b\.csv order their columns differently, and DuckDB's CSV reader "
                       r"renames ' buy'"):  # fmt: skip
        hk.aggregate(str(tmp_path / "*.csv"), variant="arm", metrics=hk.Mean("buy"))
    _csv(tmp_path / "b.csv", "arm,buy,buy \nb,200,100\n")
    with pytest.raises(hk.DataError, match=r"' buy' is in a\.csv but not in b\.csv"):
        hk.aggregate(str(tmp_path / "*.csv"), variant="arm", metrics=hk.Mean("buy"))
    # the same plain names in another order: DuckDB matches them by name
    _csv(tmp_path / "a.csv", "arm,buy,rev\na,2,1.5\n")
    _csv(tmp_path / "b.csv", "rev,arm,buy\n2.5,b,200\n")
    agg = hk.aggregate(str(tmp_path / "*.csv"), variant="arm", metrics=hk.Mean("rev"))
    assert {r["variant"]: r["rev:sum_y"] for r in agg.to_records()} == {"a": 1.5, "b": 2.5}


# ---------------------------------------------------------------- files, several parts


def test_parquet_parts_that_order_case_twins_differently(tmp_path: Path) -> None:
    pq.write_table(pa.table({"arm": ["a"], "Buy": [1], "buy": [2]}), tmp_path / "p0.parquet")
    pq.write_table(pa.table({"arm": ["b"], "buy": [20], "Buy": [10]}), tmp_path / "p1.parquet")
    with pytest.raises(hk.DataError, match=r"'buy' and 'Buy' differ only in case, which DuckDB's "
                       r"names ignore, and p0\.parquet and p1\.parquet order the columns "
                       r"differently"):  # fmt: skip
        hk.aggregate(str(tmp_path / "*.parquet"), variant="arm", metrics=hk.Mean("buy"))
    # in the same order, DuckDB reads them by position: right
    pq.write_table(pa.table({"arm": ["b"], "Buy": [10], "buy": [20]}), tmp_path / "p1.parquet")
    agg = hk.aggregate(str(tmp_path / "*.parquet"), variant="arm", metrics=hk.Mean("buy"))
    assert {r["variant"]: r["buy:sum_y"] for r in agg.to_records()} == {"a": 2.0, "b": 20.0}


def test_parquet_parts_in_another_column_order(tmp_path: Path) -> None:
    pq.write_table(pa.table({"arm": ["a"], "x": [1], "y": [2]}), tmp_path / "p0.parquet")
    pq.write_table(pa.table({"y": [20], "arm": ["b"], "x": [10]}), tmp_path / "p1.parquet")
    agg = hk.aggregate(str(tmp_path / "*.parquet"), variant="arm", metrics=hk.Mean("y"))
    assert {r["variant"]: r["y:sum_y"] for r in agg.to_records()} == {"a": 2.0, "b": 20.0}


# ------------------------------------------------------------------------ repeated names


@pytest.mark.parametrize("source", ["pandas", "pyarrow", "csv", "parquet", "spark"])
def test_two_columns_of_one_name_are_refused(
    source: str, tmp_path: Path, spark_factory: Any
) -> None:
    table = [("arm", ARMS), ("buy", [1] * ROWS), ("rev", [2.0] * ROWS), ("buy", [0] * ROWS)]
    data = build(source, table, tmp_path, spark_factory)
    with pytest.raises(hk.DataError, match=r"buy column == 'buy': data has 2 columns named "
                       r"'buy' \(columns 2 and 4\)"):  # fmt: skip
        hk.aggregate(data, variant="arm", metrics=hk.Proportion("buy"))
    agg = hk.aggregate(data, variant="arm", metrics=hk.Mean("rev"))  # the others are fine
    assert _sums(agg, ["rev"]) == {"rev": 2.0 * ROWS}


def test_pandas_labels_that_read_as_one_name(tmp_path: Path) -> None:
    frame = build("pandas", [("arm", ARMS), ("0", [1] * ROWS)], tmp_path)
    frame[0] = 5  # the integer 0 beside the text "0": DuckDB calls it "0_1"
    with pytest.raises(hk.DataError, match=r"0 column == '0': data has 2 columns named '0'"):
        hk.aggregate(frame, variant="arm", metrics=hk.Mean("0"))


# ----------------------------------------------------- metric names that differ in case


@pytest.mark.parametrize("source", ["pandas", "polars", "parquet", "ibis-sqlite", "spark"])
def test_metrics_whose_names_differ_only_in_case(
    source: str, tmp_path: Path, spark_factory: Any
) -> None:
    """Result columns "Rev:n" and "rev:n" fold together in DuckDB: the query names them apart."""
    rng = np.random.default_rng(5)
    pre = [None if i % 7 == 0 else float(x) for i, x in enumerate(rng.normal(10, 2, ROWS))]
    table = [
        ("arm", ARMS),
        ("pre", pre),
        ("x", numbers(rng, ROWS, 0)),
        ("z", numbers(rng, ROWS, 1)),
    ]
    data = build(source, table, tmp_path, spark_factory)
    metrics = [hk.Mean("x", covariate="pre", name="Rev"), hk.Mean("z", covariate="pre", name="rev")]
    # missing pre: the masked query; raw sums (no shift), compared exactly
    agg = hk.aggregate(data, variant="arm", metrics=metrics, shifts={})
    ok = [p is not None for p in pre]
    for name, column in (("Rev", "x"), ("rev", "z")):
        values = dict(table)[column]
        assert float(agg.stats[f"{name}:sum_y"].sum()) == sum(
            v for v, keep in zip(values, ok, strict=True) if keep
        )


# ----------------------------------------------------------------------- the messages


def test_a_missing_column_names_its_near_misses(tmp_path: Path) -> None:
    table, _ = _table(["Revenue", " revenue"])
    frame = build("pandas", table, tmp_path)
    message = re.escape(
        "revenue column == 'revenue': no such column (the data has 'Revenue'; the data has "
        "' revenue': names are matched exactly); data has 'arm', 'Revenue', ' revenue'."
    )
    with pytest.raises(hk.DataError, match=message):
        hk.aggregate(frame, variant="arm", metrics=hk.Mean("revenue"))


def test_ibis_on_sqlite_keeps_unicode_case_apart(tmp_path: Path) -> None:
    """SQLite and DuckDB fold ASCII letters only: 'Ä' and 'ä' are two columns there."""
    table, want = _table(["Ä", "ä"])
    data = build("ibis-sqlite", table, tmp_path)
    agg = hk.aggregate(data, variant="arm", metrics=[hk.Mean("Ä"), hk.Mean("ä")])
    assert _sums(agg, ["Ä", "ä"]) == want
