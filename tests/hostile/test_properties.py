"""Properties: any column names and segment values give a plain pandas groupby's table.

Hypothesis draws column names (unicode, quotes, separators, case variants, spaces,
placeholders, SQL words, the empty name) for the variant, segment and metric columns,
and segment values (the same, and missing); every engine must aggregate them to the
table that a pandas groupby of the raw values gives, computed here independently, with
labels written by the rule the docs give, also computed here. The only refusal allowed
is Ibis over DuckDB for names that differ only in ASCII case (DuckDB renames such
columns), and it must name both. Derandomized and bounded: under a minute or two.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hypokit as hk
from hypokit._labels import ALL, segment_values
from tests._servers import spark_session as _spark_session
from tests.hostile._sources import FAST_SOURCES, FILTERS, Table, build
from tests.test_engines import spark_jvm  # noqa: F401 (the shared session)

pytestmark = [pytest.mark.filterwarnings(f) for f in FILTERS]

SETTINGS = settings(
    derandomize=True,
    deadline=None,
    max_examples=30,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: Letters that fold or combine (ASCII and not), quotes, separators, SQL punctuation.
ALPHABET = "aAbBzZ_ 01/\\\"'`;.,()-*:éÉßσΣςǅ💰価\u0301"
#: Names and values a reader or a label could take for something else.
SPECIAL = [
    "", " ", "  x", "x ", "(all)", "(missing)", "n", "variant", "segment", "hk_0", "_s0",
    "select", "buy", "Buy", "BUY", " buy", "buy_1", "column0", "a / b", "a /", "/ b", '"q"',
    "NULL", "None", "nan", "x" * 80,
]  # fmt: skip

texts = st.sampled_from(SPECIAL) | st.text(alphabet=ALPHABET, max_size=8)


# ----------------------------------------------------------------------- the reference


def label(values: tuple[str | None, ...]) -> str:
    """The label the docs promise, written here apart from hypokit's own code."""

    def part(v: str | None) -> str:
        if v is None:
            return "(missing)"
        plain = v not in ("", "(all)", "(missing)") and not re.search(r'"| /|/ |^ | $', v)
        return v if plain else '"' + v.replace('"', '""') + '"'

    return " / ".join(part(v) for v in values)


def reference(
    table: Table, variant: str, segments: list[str], metrics: list[str]
) -> dict[tuple[str, str], tuple[int, ...]]:
    """{(label, arm): (units, each metric's sum)} by a pandas groupby of the raw values."""
    frame = pd.DataFrame({f"c{i}": list(v) for i, (_, v) in enumerate(table)})
    frame["units"] = 1
    position = {n: f"c{i}" for i, (n, _) in enumerate(table)}
    keys = [position[s] for s in segments] + [position[variant]]
    sums = frame.groupby(keys, dropna=False)[["units"] + [position[m] for m in metrics]].sum()
    out = {}
    for key, row in sums.iterrows():
        key = key if isinstance(key, tuple) else (key,)
        values = tuple(None if v is None or v != v else v for v in key[:-1])
        out[(label(values) if segments else ALL, key[-1])] = tuple(int(x) for x in row)
    return out


def got(agg: hk.Aggregates, metrics: list[str]) -> dict[tuple[str, str], tuple[int, ...]]:
    return {
        (s, v): (int(agg.n[i]), *(round(float(agg.raw_sum(m, "y")[i])) for m in metrics))
        for i, (s, v) in enumerate(zip(agg.segment, agg.variant, strict=True))
    }


def _ascii_twins(names: list[str]) -> list[tuple[str, str]]:
    lower = [n.translate(str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"))
             for n in names]  # fmt: skip
    return [
        (a, b) for i, a in enumerate(names) for j, b in enumerate(names)
        if i < j and lower[i] == lower[j]
    ]  # fmt: skip


def _check(
    source: str, table: Table, names: list[str], kwargs: dict[str, Any], folder: Path,
    spark: Any = None,
) -> None:  # fmt: skip
    """The source aggregates ``table`` as pandas does, or refuses as documented."""
    twins = _ascii_twins(names)
    if source == "ibis-sqlite" and twins:
        return  # SQLite cannot hold the table: "duplicate column name"
    if source == "duckdb-relation" and "" in names:
        return  # DuckDB has no empty name ("zero-length delimited identifier")
    data = build(source, table, folder, spark)
    metrics = [m.column for m in kwargs["metrics"]]
    if source in ("ibis-duckdb", "ibis-memtable") and (twins or "" in names):
        # DuckDB renames them: refused, naming the column and what DuckDB calls it
        with pytest.raises(hk.DataError) as refused:
            hk.aggregate(data, **kwargs)
        message = str(refused.value)
        named = [(a, b) for a, b in twins if repr(a) in message and repr(b) in message]
        assert named or ("''" in message and "" in names), message
        return
    agg = hk.aggregate(data, **kwargs)
    want = reference(table, kwargs["variant"], list(kwargs.get("segments") or []), metrics)
    assert got(agg, metrics) == want, source
    assert all(segment_values(s) is not None for s in agg.segment)


# ------------------------------------------------------------------------------ names


@st.composite
def named_tables(draw: st.DrawFn, rows: int = 12) -> tuple[Table, list[str], dict[str, Any]]:
    """Distinct names for an arm column, a segment column and two or three metrics.

    Some names are variants of others, as readers confuse them: another case, a space
    before or after, DuckDB's "_1" suffix.
    """
    names = draw(st.lists(texts, min_size=2, max_size=4, unique=True))
    # a name with letters, so that another case is another name
    names = list(dict.fromkeys([*names, draw(st.sampled_from(["buy", "Buy", "x y", "Ab/c"]))]))
    ways = st.sampled_from(["upper", "lower", "swapcase", "title", "lead", "trail", "suffix"])
    for name, how in draw(st.lists(st.tuples(st.sampled_from(names), ways), min_size=1,
                                   max_size=3)):  # fmt: skip
        twin = {"upper": name.upper(), "lower": name.lower(), "swapcase": name.swapcase(),
                "title": name.title(), "lead": " " + name, "trail": name + " ",
                "suffix": name + "_1"}[how]  # fmt: skip
        if twin not in names:
            names.append(twin)
    while len(names) < 4:
        names.append(draw(texts.filter(lambda n: n not in names)))
    names = draw(st.permutations(names))
    if "" in names[2:]:  # a metric needs a column name (Mean("") is refused)
        names.remove("")
        names.append(draw(st.text(alphabet=ALPHABET, min_size=1, max_size=4).filter(
            lambda n: n not in names)))  # fmt: skip
    rng = np.random.default_rng(len(repr(names)))
    arm = draw(st.lists(st.sampled_from(["a", "b"]), min_size=rows, max_size=rows))
    seg = draw(st.lists(st.sampled_from(["x", "y / z", None]), min_size=rows, max_size=rows))
    table: list[tuple[str, list[Any]]] = [(names[0], arm), (names[1], seg)]
    for k, name in enumerate(names[2:]):
        table.append((name, [int(v) + 1000 * (k + 1) for v in rng.integers(0, 10, rows)]))
    kwargs = {
        "variant": names[0],
        "segments": names[1],
        "metrics": [hk.Mean(n) for n in names[2:]],
    }
    return table, names, kwargs


@SETTINGS
@given(named_tables())
def test_any_names_reach_their_columns_on_every_engine(
    tmp_path: Path, case: tuple[Table, list[str], dict[str, Any]]
) -> None:
    table, names, kwargs = case
    kwargs = {**kwargs, "segments": [kwargs["segments"]]}
    for source in FAST_SOURCES:
        _check(source, table, names, kwargs, tmp_path)


@settings(SETTINGS, max_examples=6)
@given(named_tables())
@pytest.mark.usefixtures("spark_jvm")
def test_any_names_reach_their_columns_on_spark(
    tmp_path: Path, case: tuple[Table, list[str], dict[str, Any]]
) -> None:
    table, names, kwargs = case
    kwargs = {**kwargs, "segments": [kwargs["segments"]]}
    _check("spark", table, names, kwargs, tmp_path, _spark_session)


# ----------------------------------------------------------------------------- values

values = st.none() | texts.filter(lambda v: "\n" not in v)


@st.composite
def valued_tables(draw: st.DrawFn, rows: int = 16) -> tuple[Table, dict[str, Any]]:
    """Two segment columns of arbitrary values (the empty value never: CSV reads it missing)."""
    pool = draw(st.lists(values.filter(lambda v: v != ""), min_size=1, max_size=5, unique=True))
    team = draw(st.lists(st.sampled_from(pool), min_size=rows, max_size=rows))
    platform = draw(st.lists(st.sampled_from(pool), min_size=rows, max_size=rows))
    arm = draw(st.lists(st.sampled_from(["a", "b"]), min_size=rows, max_size=rows))
    y = [1000 + 7 * i for i in range(rows)]
    table = [("team", team), ("platform", platform), ("arm", arm), ("y", y)]
    return table, {"variant": "arm", "segments": ["team", "platform"],
                   "metrics": [hk.Mean("y")]}  # fmt: skip


@SETTINGS
@given(valued_tables())
def test_any_values_keep_their_own_segments_on_every_engine(
    tmp_path: Path, case: tuple[Table, dict[str, Any]]
) -> None:
    table, kwargs = case
    for source in FAST_SOURCES:
        _check(source, table, [n for n, _ in table], kwargs, tmp_path)


@settings(SETTINGS, max_examples=40)
@given(st.lists(values, min_size=1, max_size=4))
def test_labels_read_back_to_their_values(parts: list[str | None]) -> None:
    from hypokit._labels import segment_label

    written = segment_label(tuple(parts))
    assert written == label(tuple(parts))
    assert segment_values(written) == tuple(parts)
    assert written != ALL
