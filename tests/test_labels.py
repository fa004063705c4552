"""Arm labels as the data holds them: text, integers and booleans, the same on every engine.

One seeded two-arm data set (segments, one with the opposite effect, missing values,
units without a variant, a day column) is written with its arms labelled three ways:
``"control"``/``"treatment"``, ``0``/``1`` and ``False``/``True``. Every kind of data
hk.aggregate accepts must give the same numbers under each labelling, with the labels
as the data holds them (type included) everywhere a label shows: ``result.control``,
``result.variants``, the table, ``row``/``verdict``, the SRM columns, the findings,
``over_time`` and the aggregates table. Then the refusals (a label of another type, a
column mixing types) and the command line, which gets labels as text.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
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
from hypokit._cli import main
from hypokit._labels import LabelText, find_label
from tests.test_engines import spark, spark_jvm  # noqa: F401 (the shared Spark session)

pytestmark = [
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
    pytest.mark.filterwarnings("ignore:The 'future.infer_string' option is deprecated"),
    pytest.mark.filterwarnings(r"ignore:fetch_arrow_table\(\) is deprecated:DeprecationWarning"),
]

METRICS = [hk.Proportion("buy"), hk.Mean("rev", covariate="pre"), hk.Ratio("num", "den")]
KWARGS: dict[str, Any] = {"variant": "arm", "metrics": METRICS, "segments": "country"}
REL = 1e-9

#: The two arms (control first) under each labelling, and the Arrow and SQLite types.
LABELS: dict[str, tuple[Any, Any]] = {
    "text": ("control", "treatment"),
    "integer": (0, 1),
    "boolean": (False, True),
}
ARROW = {"text": pa.string(), "integer": pa.int64(), "boolean": pa.bool_()}
SQLITE = {"text": "TEXT", "integer": "INTEGER", "boolean": "BOOLEAN"}


def unit_table(kind: str, seed: int = 5, n: int = 1500) -> pa.Table:
    """Two arms; the treatment raises ``buy`` in DE and FR and lowers it in US."""
    rng = np.random.default_rng(seed)

    def some(k: int) -> np.ndarray:
        mask = np.zeros(n, dtype=bool)
        mask[rng.choice(n, k, replace=False)] = True
        return mask

    arm = rng.integers(0, 2, n)
    no_arm = some(9)
    country = rng.choice(["DE", "FR", "US"], n).astype(object)
    sign = np.where(country == "US", -1.0, 1.0)
    country[some(11)] = None
    buy = (rng.random(n) < 0.3 + 0.15 * sign * arm).astype(float)
    buy[some(15)] = np.nan
    pre = rng.normal(20.0, 4.0, n)
    rev = pre + rng.normal(5.0 + 0.5 * arm, 2.0, n)
    rev[some(13)] = np.nan
    labels = LABELS[kind]
    return pa.table(
        {
            "arm": pa.array(
                [None if m else labels[a] for a, m in zip(arm, no_arm, strict=True)], ARROW[kind]
            ),
            "country": pa.array(country, pa.string()),
            "day": pa.array(rng.integers(1, 8, n)),
            "buy": pa.array(buy),
            "rev": pa.array(rev),
            "pre": pa.array(pre, mask=some(12)),
            "num": pa.array(rng.gamma(2.0, 3.0, n) + 1.0),
            "den": pa.array(rng.integers(1, 8, n), mask=some(10)),
        }
    )


def to_pandas(table: pa.Table) -> pd.DataFrame:
    """pandas with nullable integers and booleans (plain pandas makes them floats)."""
    nullable = {pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype()}
    return table.to_pandas(types_mapper=nullable.get)


@pytest.fixture(scope="module", params=list(LABELS))
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def table(kind: str) -> pa.Table:
    return unit_table(kind)


@pytest.fixture(scope="module")
def files(table: pa.Table, kind: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp(f"labels-{kind}")
    pq.write_table(table, folder / "units.parquet")
    half = table.num_rows // 2
    pq.write_table(table.slice(0, half), folder / "part-0.parquet")
    pq.write_table(table.slice(half), folder / "part-1.parquet")
    to_pandas(table).to_csv(folder / "units.csv", index=False)
    # arm declared TEXT/INTEGER/BOOLEAN
    with closing(sqlite3.connect(folder / "units.sqlite")) as con, con:
        to_pandas(table).to_sql("units", con, index=False, dtype={"arm": SQLITE[kind]})
    return {
        "parquet": folder / "units.parquet",
        "glob": folder / "part-*.parquet",
        "csv": folder / "units.csv",
        "sqlite": folder / "units.sqlite",
    }


def _objects(t: pa.Table) -> pd.DataFrame:
    """pandas with the arms as Python objects (ints, bools, str and None)."""
    frame = t.to_pandas()
    frame["arm"] = pd.Series(t.column("arm").to_pylist(), dtype=object)
    return frame


SOURCES: dict[str, Callable[[pa.Table, dict[str, Path], Any], Any]] = {
    "pandas": lambda t, f, s: to_pandas(t),
    "pandas-object": lambda t, f, s: _objects(t),
    "polars": lambda t, f, s: pl.from_arrow(t),
    "polars-lazy": lambda t, f, s: pl.from_arrow(t).lazy(),
    "polars-from-pandas": lambda t, f, s: pl.from_pandas(to_pandas(t)),
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
def reference() -> hk.AnalysisResult:
    """The text-labelled data on pandas: the numbers every labelling must give."""
    frame = unit_table("text").to_pandas()
    return hk.analyze(frame, control="control", date="day", **KWARGS)


@pytest.fixture(scope="module")
def reference_aggregates() -> hk.Aggregates:
    return hk.aggregate(unit_table("text").to_pandas(), **KWARGS)


def _same_type(got: Any, want: Any) -> bool:
    """Equal and of the same type (1 is not 1.0 nor True), element by element."""
    if isinstance(want, tuple | list):
        return (
            type(got) is type(want)
            and len(got) == len(want)
            and all(_same_type(g, w) for g, w in zip(got, want, strict=True))
        )
    return type(got) is type(want) and got == want


# ----------------------------------------------------------------- 1. every engine


def test_labels_and_numbers_are_the_same_on_every_engine(
    data: Any, kind: str, reference: hk.AnalysisResult, reference_aggregates: hk.Aggregates
) -> None:
    control, treatment = LABELS[kind]
    text = dict(zip(LABELS["text"], LABELS[kind], strict=True))  # reference label -> label

    agg = hk.aggregate(data, **KWARGS)
    assert _same_type(agg.variants, (control, treatment))
    assert agg.missing_variant == 9
    rows, want_rows = agg.to_records(), reference_aggregates.to_records()
    assert [r["segment"] for r in rows] == [r["segment"] for r in want_rows]
    for r, w in zip(rows, want_rows, strict=True):
        assert _same_type(r["variant"], text[w["variant"]])
        for key in w.keys() - {"segment", "variant"}:
            assert r[key] == pytest.approx(w[key], rel=REL), key

    result = hk.analyze(data, control=control, date="day", **KWARGS)
    assert _same_type(result.control, control)
    assert _same_type(result.variants, (treatment,))
    got, want = result.to_pandas(), reference.to_pandas()
    assert list(got.columns) == list(want.columns)
    assert all(_same_type(r["variant"], treatment) for r in result.rows)
    assert _same_type(got["variant"].tolist(), [treatment] * len(want))
    for column in want.columns:
        if column == "variant":
            continue
        if pd.api.types.is_numeric_dtype(want[column]) and not pd.api.types.is_bool_dtype(
            want[column]
        ):
            np.testing.assert_allclose(
                got[column].to_numpy(np.float64), want[column].to_numpy(np.float64), rtol=REL
            )
        else:
            assert got[column].tolist() == want[column].tolist(), column

    # findings name the label as the data holds it: 1, True or 'treatment'
    named = [f for f in reference.warnings if f.variant is not None]
    assert {f.kind for f in named} >= {"heterogeneity", "segment_opposes"}
    assert [f.kind for f in result.warnings] == [f.kind for f in reference.warnings]
    for f, w in zip(result.warnings, reference.warnings, strict=True):
        assert _same_type(f.variant, None if w.variant is None else text[w.variant])
        if w.variant is None:
            assert f.message == w.message
        else:  # the same sentence, naming the label as the data holds it
            assert f.message in {
                w.message.replace(repr(w.variant), repr(f.variant)),
                w.message.replace(str(w.variant), str(f.variant)),
            }

    assert any(str(treatment) in f.message for f in result.findings("heterogeneity"))

    # the SRM table has a column per arm, named after the label
    assert list(result.srm.to_pandas().columns[1:3]) == [f"n_{control}", f"n_{treatment}"]
    assert result.srm.p_value == pytest.approx(reference.srm.p_value, rel=REL)

    # lookups by the label
    assert result.row("buy", "US", treatment)["effect"] == pytest.approx(
        reference.row("buy", "US", "treatment")["effect"], rel=REL
    )
    verdict = result.verdict([hk.Criterion("buy")], variant=treatment).to_records()
    assert {r["segment"]: r["verdict"] for r in verdict} == {
        r["segment"]: r["verdict"]
        for r in reference.verdict([hk.Criterion("buy")], variant="treatment").to_records()
    }
    assert all(_same_type(r["variant"], treatment) for r in verdict)

    # day by day, and the aggregates table read back (as it is and through pandas)
    days = result.over_time()
    assert days.control == control
    assert all(_same_type(r["variant"], treatment) for r in days.rows)
    assert len(days.rows) == len(reference.over_time().rows)
    for table in (agg, agg.to_pandas()):
        again = hk.analyze(table, control=control, **KWARGS)
        assert _same_type(again.variants, (treatment,))
        np.testing.assert_allclose(
            again.to_pandas()["p_value"].to_numpy(), want["p_value"].to_numpy(), rtol=REL
        )


@pytest.mark.parametrize("name", list(SOURCES))
def test_integer_labels_sort_by_value_on_every_engine(
    name: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """2 before 10 (as text, "10" would come first), on every engine."""
    arms = [10, 2, 0, 10, 2, 0, None, 10]
    t = pa.table({"arm": pa.array(arms, pa.int64()), "y": pa.array(np.arange(8.0))})
    pq.write_table(t, tmp_path / "units.parquet")
    pq.write_table(t.slice(0, 4), tmp_path / "part-0.parquet")
    pq.write_table(t.slice(4), tmp_path / "part-1.parquet")
    to_pandas(t).to_csv(tmp_path / "units.csv", index=False)
    with closing(sqlite3.connect(tmp_path / "units.sqlite")) as con, con:
        to_pandas(t).to_sql("units", con, index=False)
    files = {
        "parquet": tmp_path / "units.parquet",
        "glob": tmp_path / "part-*.parquet",
        "csv": tmp_path / "units.csv",
        "sqlite": tmp_path / "units.sqlite",
    }
    session = request.getfixturevalue("spark") if name == "spark" else None
    data = SOURCES[name](t, files, session)
    agg = hk.aggregate(data, variant="arm", metrics=hk.Mean("y"))
    assert _same_type(agg.variants, (0, 2, 10))
    assert _same_type([r["variant"] for r in agg.to_records()], [0, 2, 10])
    result = hk.analyze(data, variant="arm", control=10, metrics=hk.Mean("y"))
    assert _same_type(result.variants, (0, 2))
    assert _same_type([r["variant"] for r in result.rows], [0, 2])
    assert result.row("y", variant=2)["variant_mean"] == pytest.approx(2.5)  # rows 1 and 4


# ------------------------------------------------------------ 2. as they are shown


@pytest.fixture(scope="module")
def integer_result() -> hk.AnalysisResult:
    return hk.analyze(to_pandas(unit_table("integer")), control=0, **KWARGS)


def test_labels_print_as_the_data_holds_them(integer_result: hk.AnalysisResult) -> None:
    html = integer_result._repr_html_()
    assert "<td>(all)</td><td>buy</td><td>1</td>" in html
    assert "against 0," in html
    lines = integer_result.to_string().splitlines()
    header = lines[1].split()
    assert [line.split()[header.index("variant")] for line in lines[2:5]] == ["1", "1", "1"]
    assert "'1'" not in integer_result.to_string()  # never as text
    agg = integer_result.aggregates
    assert "<td>1</td>" in agg._repr_html_()
    frame = agg.to_pandas()
    assert frame["variant"].dtype == np.int64
    assert frame["variant"].tolist() == [0, 1] * 5  # (missing), DE, FR, US, (all)


def test_large_and_float_labels_are_not_formatted_as_numbers() -> None:
    frame = pd.DataFrame({"arm": [1000, 2000] * 4, "y": np.arange(8.0)})
    agg = hk.aggregate(frame, variant="arm", metrics=hk.Mean("y"))
    assert " 1000 " in f" {agg.to_string()} "  # not 1,000
    floats = frame.assign(arm=[0.0, 1.0, np.nan, 1.0, 0.0, 1.0, 0.0, 1.0])
    result = hk.analyze(floats, variant="arm", control=0, metrics=hk.Mean("y"))
    assert "1.0" in result.to_string().splitlines()[2]  # not "1"


def test_results_explorer_picks_integer_variants() -> None:
    from hypokit.widgets import ResultsExplorer

    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"arm": rng.choice([1000, 2000, 3000], 600), "y": rng.normal(size=600)})
    result = hk.analyze(frame, variant="arm", control=1000, metrics=hk.Mean("y"))
    explorer = ResultsExplorer(result)
    assert _same_type(list(explorer.fields["variant"].options), [2000, 3000])
    explorer.fields["variant"].value = 3000
    assert [r["variant"] for r in explorer.rows()] == [3000]
    html = explorer.table.outputs[0]["data"]["text/html"]
    assert "<caption>y, 3000 against 1000</caption>" in html
    assert "<td>(all)</td><td>3000</td>" in html  # not 3,000
    import matplotlib.pyplot as plt

    plt.close("all")


# ---------------------------------------------------------------- 3. the rules


def _frame(arms: list[Any], dtype: Any = None) -> pd.DataFrame:
    values = pd.Series(arms, dtype=dtype) if dtype is not None else arms
    return pd.DataFrame({"arm": values, "y": np.arange(float(len(arms)))})


INTS = _frame([0, 1, 0, 1, 0, 1])
BOOLS = _frame([False, True, False, True, False, True])
TEXT = _frame(["0", "1", "0", "1", "0", "1"])


@pytest.mark.parametrize(
    ("frame", "control", "message"),
    [
        (INTS, "0", r"control == '0' is a string, but the labels of variant column 'arm' are "
         r"integers: 0, 1; pass 0, the label as the data holds it\. Labels are compared as "
         r"the data holds them"),
        (BOOLS, 1, r"control == 1 is an integer, but the labels of variant column 'arm' are "
         r"booleans: False, True\. Labels"),
        (INTS, True, r"control == True is a boolean, but the labels of variant column 'arm' "
         r"are integers: 0, 1\. Labels"),
        (BOOLS, "False", r"control == 'False' is a string, .* booleans: False, True; pass "
         r"False, the label"),
        (TEXT, 0, r"control == 0 is an integer, .* strings: '0', '1'; pass '0', the label"),
        (INTS, 1.5, None),
        (INTS, None, r"control == None, must be a variant label as the variant column holds "
         r"it: a string, an integer or a boolean"),
        (INTS, float("nan"), r"control == nan, must be a variant label"),
    ],
)  # fmt: skip
def test_a_label_of_another_type_is_refused(
    frame: pd.DataFrame, control: Any, message: str | None
) -> None:
    if message is None:  # the right type, but no such label
        with pytest.raises(
            hk.DataError,
            match=r"control == 1\.5: no such variant in column 'arm'; the data "
            r"has 0, 1\.",
        ):
            hk.analyze(frame, variant="arm", control=control, metrics=hk.Mean("y"))
        return
    with pytest.raises(hk.ValidationError, match=message):
        hk.analyze(frame, variant="arm", control=control, metrics=hk.Mean("y"))


@pytest.mark.parametrize(
    ("frame", "control", "want"),
    [
        (INTS, np.int64(1), 1),
        (INTS, 1.0, 1),  # numbers find numbers by value
        (BOOLS, np.True_, True),
        (_frame([0.0, 1.0, np.nan, 1.0, 0.0, 1.0]), 0, 0.0),  # pandas' ints with a gap
        (_frame([0, 1, None, 1, 0, 1], "Int64"), 0, 0),
        (_frame([False, True, None, True, False, True], "boolean"), False, False),
        (_frame([0, 1, None, 1, 0, 1], object), 0, 0),
    ],
)
def test_labels_that_match(frame: pd.DataFrame, control: Any, want: Any) -> None:
    result = hk.analyze(frame, variant="arm", control=control, metrics=hk.Mean("y"))
    assert _same_type(result.control, want)
    assert len(result.variants) == 1
    assert type(result.variants[0]) is type(want)
    missing = [f for f in result.warnings if f.kind == "missing"]
    assert [f.message for f in missing] == (
        ["1 units have no variant and were left out."] if frame["arm"].isna().any() else []
    )


@pytest.mark.parametrize(
    ("arms", "message"),
    [
        ([1, "1", 2, 2], r"labels that look alike: 1 \(integer\) and '1' \(text\)"),
        ([True, 1, 0, False], r"labels that look alike: False \(boolean\) and 0 \(integer\); "
         r"True \(boolean\) and 1 \(integer\)"),
        ([1, 1.0, 2, 2], r"labels that look alike: 1\.0 \(float\) and 1 \(integer\)"),
        (["True", True, False, False],
         r"labels that look alike: True \(boolean\) and 'True' \(text\)"),
        (["a", 1, "b", None], r"labels of several types: integer 1; text 'a', 'b'"),
    ],
)  # fmt: skip
def test_a_column_mixing_label_types_is_refused(arms: list[Any], message: str) -> None:
    frame = _frame(arms, object)
    full = r"variant == 'arm': the column holds " + message + r".*give every arm a distinct"
    with pytest.raises(hk.DataError, match=full):
        hk.aggregate(frame, variant="arm", metrics=hk.Mean("y"))
    with pytest.raises(hk.DataError, match=full):
        hk.analyze(frame, variant="arm", control=arms[0], metrics=hk.Mean("y"))


def test_mixed_categories_and_mixed_aggregates_tables_are_refused() -> None:
    frame = _frame([0, 1, 0, 1]).assign(arm=pd.Categorical([0, "0", 1, 1]))
    with pytest.raises(hk.DataError, match=r"0 \(integer\) and '0' \(text\)"):
        hk.aggregate(frame, variant="arm", metrics=hk.Mean("y"))
    table = hk.aggregate(INTS, variant="arm", metrics=hk.Mean("y")).to_pandas()
    table["variant"] = pd.Series([0, "1"], dtype=object)
    with pytest.raises(hk.DataError, match=r"labels of several types: integer 0; text '1'"):
        hk.analyze(table, variant="arm", control=0, metrics=hk.Mean("y"))
    a = hk.aggregate(INTS, variant="arm", metrics=hk.Mean("y"))
    b = hk.aggregate(TEXT, variant="arm", metrics=hk.Mean("y"))
    with pytest.raises(hk.DataError, match=r"0 \(integer\) and '0' \(text\)"):
        a + b


def test_lookups_by_label(integer_result: hk.AnalysisResult) -> None:
    assert integer_result.row("buy", "US", 1) == integer_result.row("buy", "US")
    assert integer_result.row("buy", "US", 1.0) == integer_result.row("buy", "US")
    with pytest.raises(hk.ValidationError, match=r"variant == '1' is a string, but the variants "
                       r"of this result \(column 'arm'\) are integers: 1; pass 1"):  # fmt: skip
        integer_result.row("buy", "US", "1")
    with pytest.raises(hk.ValidationError, match=r"variant == True is a boolean"):
        integer_result.row("buy", "US", True)
    with pytest.raises(KeyError, match=r"no row for segment 'US', metric 'buy', variant 2"):
        integer_result.row("buy", "US", 2)
    with pytest.raises(hk.ValidationError, match=r"variant == True is a boolean"):
        integer_result.verdict([hk.Criterion("buy")], variant=True)
    with pytest.raises(hk.ValidationError, match=r"variant == 0; the result has \(1,\)"):
        integer_result.verdict([hk.Criterion("buy")], variant=0)


def test_allocation_is_keyed_by_labels() -> None:
    table = to_pandas(unit_table("integer"))
    plain = hk.analyze(table, control=0, **KWARGS)
    even = hk.analyze(table, control=0, allocation={0: 1, 1: 1}, **KWARGS)
    assert even.srm.p_value == plain.srm.p_value
    skewed = hk.analyze(table, control=0, allocation={0: 0.9, 1: 0.1}, **KWARGS)
    assert skewed.srm.mismatch
    assert next(f.segment for f in skewed.findings("srm")) == "(all)"
    with pytest.raises(hk.ValidationError, match=r"allocation key == '0' is a string, but the "
                       r"labels of column 'arm' are integers: 0, 1; pass 0"):  # fmt: skip
        hk.analyze(table, control=0, allocation={"0": 1, "1": 1}, **KWARGS)
    with pytest.raises(hk.ValidationError, match=r"allocation has no share for variant 1"):
        hk.analyze(table, control=0, allocation={0: 1, 2: 1}, **KWARGS)


def test_over_time_plot_finds_the_label() -> None:
    result = hk.analyze(to_pandas(unit_table("boolean")), control=False, date="day", **KWARGS)
    days = result.over_time()
    figure = days.plot("buy")  # the one variant, True
    assert figure.axes[0].get_title() == "buy, True in the whole population"
    days.plot("buy", variant=True)
    with pytest.raises(hk.ValidationError, match=r"variant == 1 is an integer, but the "
                       r"variants of the days are booleans: True"):  # fmt: skip
        days.plot("buy", variant=1)
    import matplotlib.pyplot as plt

    plt.close("all")


def test_text_labels_match_by_printed_form() -> None:
    assert _same_type(find_label("c", LabelText("0"), (0, 1), "x"), 0)
    assert _same_type(find_label("c", LabelText("true"), (False, True), "x"), True)
    assert _same_type(find_label("c", LabelText("True"), (False, True), "x"), True)
    assert _same_type(find_label("c", LabelText("1.0"), (0.0, 1.0), "x"), 1.0)
    assert find_label("c", LabelText("1"), (0.0, 1.0), "x") is None  # 1.0 prints as 1.0
    assert find_label("c", LabelText("1"), (False, True), "x") is None
    with pytest.raises(hk.ValidationError, match=r"c == '1' names several labels of x: 1, '1'"):
        find_label("c", LabelText("1"), (1, "1"), "x")


# ------------------------------------------------------------- 4. command line


@pytest.fixture(scope="module")
def csv_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("cli-labels")
    out = {}
    for kind in LABELS:
        path = folder / f"{kind}.csv"
        to_pandas(unit_table(kind)).to_csv(path, index=False)
        out[kind] = str(path)
    return out


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["analyze", *args])
    out, err = capsys.readouterr()
    return code, out, err


ARGS = ["--variant", "arm", "--metric", "buy:proportion", "--segments", "country"]


@pytest.mark.parametrize(
    ("kind", "control", "want_control", "want_variant"),
    [
        ("integer", "0", 0, 1),
        ("integer", "1", 1, 0),
        ("boolean", "false", False, True),
        ("boolean", "True", True, False),
        ("text", "control", "control", "treatment"),
    ],
)
def test_cli_matches_the_control_by_its_printed_form(
    capsys: pytest.CaptureFixture[str],
    csv_files: dict[str, str],
    kind: str,
    control: str,
    want_control: Any,
    want_variant: Any,
) -> None:
    code, out, err = cli(capsys, csv_files[kind], *ARGS, "--control", control, "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    assert _same_type(document["control"], want_control)
    assert _same_type(document["variants"], [want_variant])
    assert all(_same_type(r["variant"], want_variant) for r in document["rows"])
    api = hk.analyze(
        csv_files[kind], variant="arm", control=want_control, segments="country",
        metrics=[hk.Proportion("buy")],
    )  # fmt: skip
    assert [r["p_adjusted"] for r in document["rows"]] == [r["p_adjusted"] for r in api.rows]
    assert [f["variant"] for f in document["warnings"]] == [f.variant for f in api.warnings]


def test_cli_prints_integer_labels(
    capsys: pytest.CaptureFixture[str], csv_files: dict[str, str]
) -> None:
    code, out, err = cli(
        capsys, csv_files["integer"], *ARGS, "--control", "0", "--allocation", "0=0.5",
        "--allocation", "1=0.5",
    )  # fmt: skip
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("1 against 0: 4 segment(s) and (all)")
    header = lines[1].split()
    assert lines[2].split()[header.index("variant")] == "1"
    assert re.search(r"; 0: [\d,]+, 1: [\d,]+;", lines[-1])  # the SRM line's counts per arm
    assert any(line.startswith("- [segment_opposes]") for line in lines)


@pytest.mark.parametrize(
    ("kind", "extra", "message"),
    [
        ("integer", ["--control", "0.0"],
         r"control == '0\.0': no such variant in column 'arm'; the data has 0, 1\."),
        ("integer", ["--control", "zero"], r"control == 'zero': no such variant"),
        ("boolean", ["--control", "1"],
         r"control == '1': no such variant in column 'arm'; the data has False, True\."),
        ("integer", ["--control", "0", "--allocation", "0=1", "--allocation", "2=1"],
         r"allocation has no share for variant 1"),
    ],
)  # fmt: skip
def test_cli_refuses_labels_it_cannot_find(
    capsys: pytest.CaptureFixture[str],
    csv_files: dict[str, str],
    kind: str,
    extra: list[str],
    message: str,
) -> None:
    code, out, err = cli(capsys, csv_files[kind], *ARGS, *extra)
    assert code == 2
    assert out == ""
    assert err.startswith("hypokit analyze: error: ")
    assert re.search(message, err), err
