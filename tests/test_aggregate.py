"""Tests of hk.aggregate / hk.aggregate_sql: the one-pass sufficient statistics.

Every statistic is checked against an independent pandas computation; the missing-value
policy, file sources, SQL text, table round trip and error messages are checked too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hypokit as hk
from hypokit._aggregate import ALL, MISSING, Aggregates, MetricSpec, from_table, metric_specs

Key = tuple[str, str]

# --------------------------------------------------------------------------- helpers

#: The statistics each kind of metric must expose, by name.
PROPORTION_STATS = ("n", "successes", "invalid")
MEAN_CUPED_STATS = ("n", "sum_y", "sum_c", "sum_y2", "sum_yc", "sum_c2")
RATIO_FULL_STATS = (
    "n",
    "sum_y",
    "sum_x",
    "sum_c",
    "sum_d",
    "sum_y2",
    "sum_xy",
    "sum_yc",
    "sum_yd",
    "sum_x2",
    "sum_xc",
    "sum_xd",
    "sum_c2",
    "sum_cd",
    "sum_d2",
)


def metrics_full() -> list[Any]:
    return [
        hk.Proportion("buy"),
        hk.Mean("rev", covariate="pre"),
        hk.Ratio("num", "den", covariate="pre_num", covariate_denominator="pre_den"),
    ]


def make_frame(seed: int = 0, n: int = 600, missing: bool = False) -> pd.DataFrame:
    """Synthetic unit-level data; positive metrics so relative tolerances are meaningful."""
    rng = np.random.default_rng(seed)
    pre = rng.normal(20.0, 4.0, n)
    pre_den = rng.integers(1, 6, n).astype(float)
    df = pd.DataFrame(
        {
            "arm": rng.choice(["control", "treat_a", "treat_b"], n),
            "country": rng.choice(["DE", "FR", "US"], n),
            "platform": rng.choice(["ios", "web"], n),
            "buy": rng.integers(0, 2, n),
            "rev": pre + rng.normal(5.0, 2.0, n),
            "pre": pre,
            "num": rng.gamma(2.0, 3.0, n) + 1.0,
            "den": rng.integers(1, 8, n).astype(float),
            "pre_num": pre_den * rng.gamma(2.0, 2.0, n) + 1.0,
            "pre_den": pre_den,
        }
    )
    if missing:
        df["buy"] = df["buy"].astype(float)
        df.loc[rng.choice(n, 20, replace=False), "buy"] = np.nan
        df.loc[rng.choice(n, 15, replace=False), "rev"] = np.nan
        df.loc[rng.choice(n, 15, replace=False), "pre"] = np.nan
        df.loc[rng.choice(n, 10, replace=False), "den"] = np.nan
        df.loc[rng.choice(n, 10, replace=False), "pre_den"] = np.nan
        df.loc[rng.choice(n, 12, replace=False), "arm"] = None
        df.loc[rng.choice(n, 12, replace=False), "country"] = None
        df.loc[rng.choice(n, 12, replace=False), "platform"] = None
    return df


def _stat_values(
    df: pd.DataFrame,
    spec: MetricSpec,
    stat: str,
    valid: pd.Series,
    shifts: dict[str, float] | None = None,
) -> pd.Series:
    """One statistic per row, computed with pandas (0 where the unit is not valid).

    Sums of means and ratios are about ``shifts`` (``"<metric>:shift_<role>"``).
    """
    shift = {r: (shifts or {}).get(f"{spec.label}:shift_{r}", 0.0) for r in spec.shift_roles}
    col = {
        role: df[name].astype(float) - shift.get(role, 0.0) for role, name in spec.columns.items()
    }
    if stat == "n":
        out = pd.Series(1.0, index=df.index)
    elif stat == "successes":
        out = col["y"]
    elif stat == "invalid":
        out = (~col["y"].isin([0.0, 1.0])).astype(float)
    else:
        roles = stat.removeprefix("sum_")
        if roles.endswith("2"):
            out = col[roles[0]] ** 2
        elif len(roles) == 1:
            out = col[roles]
        else:
            out = col[roles[0]] * col[roles[1]]
    return out.where(valid, 0.0)


def expected_stats(
    df: pd.DataFrame,
    variant: str,
    metrics: list[Any],
    segments: list[str] | None = None,
    shifts: dict[str, float] | None = None,
) -> dict[Key, dict[str, float]]:
    """The aggregates table computed with pandas groupby, '(all)' rows included.

    Its sums are about ``shifts`` (those of the table it is compared with: the shifts
    themselves are checked elsewhere), which are also its ``shift`` columns.
    """
    d = df[df[variant].notna()]
    var = d[variant].astype(str)
    if segments:
        parts = [d[s].astype(object).where(d[s].notna(), MISSING).astype(str) for s in segments]
        seg = parts[0]
        for p in parts[1:]:
            seg = seg + " / " + p
    else:
        seg = pd.Series(ALL, index=d.index)
    columns: dict[str, pd.Series] = {"n": pd.Series(1.0, index=d.index)}
    for spec in metric_specs(metrics):
        valid = d[list(spec.column_names())].notna().all(axis=1)
        for stat in spec.stats:
            columns[f"{spec.label}:{stat}"] = _stat_values(d, spec, stat, valid, shifts)
    frame = pd.DataFrame(columns)
    frame["_seg"], frame["_var"] = seg, var
    by_cell = frame.groupby(["_seg", "_var"]).sum()
    out = {(str(s), str(v)): row for (s, v), row in by_cell.to_dict("index").items()}
    if segments:
        by_variant = frame.drop(columns="_seg").groupby("_var").sum()
        out.update({(ALL, str(v)): row for v, row in by_variant.to_dict("index").items()})
    shift_columns = {
        f"{spec.label}:shift_{r}": (shifts or {}).get(f"{spec.label}:shift_{r}", 0.0)
        for spec in metric_specs(metrics)
        for r in spec.shift_roles
    }
    return {
        k: {**{stat: float(x) for stat, x in row.items()}, **shift_columns}
        for k, row in out.items()
    }


def as_dict(agg: Aggregates) -> dict[Key, dict[str, float]]:
    """The table with totals, keyed by (segment, variant)."""
    return {
        (r["segment"], r["variant"]): {
            k: v for k, v in r.items() if k not in ("segment", "variant")
        }
        for r in agg.to_records()
    }


def _shift_keys(agg: Aggregates) -> list[str]:
    """Every ``"<metric>:shift_<role>"`` of the table's means and ratios."""
    return [f"{s.label}:shift_{r}" for s in agg.metrics for r in s.shift_roles]


def assert_tables_close(
    got: dict[Key, dict[str, float]], want: dict[Key, dict[str, float]], rel: float = 1e-12
) -> None:
    assert sorted(got) == sorted(want)
    for key in want:
        assert sorted(got[key]) == sorted(want[key]), key
        for stat, value in want[key].items():
            assert got[key][stat] == pytest.approx(value, rel=rel, abs=0.0), (key, stat)


# --------------------------------------------------------------- 1. correctness vs pandas


@pytest.mark.parametrize(
    ("segments", "missing"),
    [(None, False), (None, True), (["country"], False), (["country", "platform"], True)],
)
def test_matches_pandas_groupby(segments: list[str] | None, missing: bool) -> None:
    df = make_frame(seed=1, missing=missing)
    agg = hk.aggregate(df, variant="arm", metrics=metrics_full(), segments=segments)
    want = expected_stats(df, "arm", metrics_full(), segments, dict(agg.shifts))
    assert_tables_close(as_dict(agg), want)


def test_stat_columns_are_named_as_the_core_expects() -> None:
    agg = hk.aggregate(make_frame(), variant="arm", metrics=metrics_full())
    assert list(agg.stats) == (
        [f"buy:{s}" for s in PROPORTION_STATS]
        + [f"rev:{s}" for s in MEAN_CUPED_STATS]
        + [f"num/den:{s}" for s in RATIO_FULL_STATS]
    )
    assert [m.label for m in agg.metrics] == ["buy", "rev", "num/den"]
    assert agg.metrics[2].columns == {"y": "num", "x": "den", "c": "pre_num", "d": "pre_den"}
    frame = agg.to_pandas()
    assert list(frame.columns[:3]) == ["segment", "variant", "n"]
    for col in ("n", "buy:n", "buy:successes", "buy:invalid", "rev:n", "num/den:n"):
        assert frame[col].dtype == np.int64, col
    assert frame["rev:sum_y"].dtype == np.float64


def test_mean_and_ratio_without_covariate_have_only_their_own_stats() -> None:
    agg = hk.aggregate(
        make_frame(), variant="arm", metrics=[hk.Mean("rev"), hk.Ratio("num", "den")]
    )
    assert list(agg.stats) == [
        "rev:n",
        "rev:sum_y",
        "rev:sum_y2",
        "num/den:n",
        "num/den:sum_y",
        "num/den:sum_x",
        "num/den:sum_y2",
        "num/den:sum_xy",
        "num/den:sum_x2",
    ]


def test_all_rows_are_sums_of_segment_rows() -> None:
    df = make_frame(seed=2, missing=True)
    agg = hk.aggregate(df, variant="arm", metrics=metrics_full(), segments="country")
    assert ALL not in agg.segment  # raw table: segment rows only, totals added on output
    table = as_dict(agg)
    for v in agg.variants:
        rows = [vals for (s, var), vals in table.items() if var == v and s != ALL]
        for stat, total in table[(ALL, v)].items():
            assert total == pytest.approx(sum(r[stat] for r in rows), rel=1e-12)
    # the '(all)' rows come last, segments sorted within
    records = agg.to_records()
    segs = [r["segment"] for r in records]
    assert segs[-len(agg.variants) :] == [ALL] * len(agg.variants)
    assert segs[: -len(agg.variants)] == sorted(segs[: -len(agg.variants)])


def test_unsegmented_table_has_one_row_per_variant() -> None:
    df = make_frame(seed=3)
    agg = hk.aggregate(df, variant="arm", metrics=[hk.Proportion("buy")])
    assert agg.segments == (ALL,)
    assert agg.variants == ("control", "treat_a", "treat_b")
    assert agg.with_totals() is agg
    assert sorted(agg.n) == sorted(df.groupby("arm").size().astype(float))
    assert agg.segment_columns == ()
    assert agg.variant_column == "arm"


def test_docstring_example_numbers() -> None:
    df = pd.DataFrame({"arm": ["a", "a", "b", "b"], "buy": [0, 1, 1, 1]})
    frame = hk.aggregate(df, variant="arm", metrics=[hk.Proportion("buy")]).to_pandas()
    assert frame.to_dict("list") == {
        "segment": [ALL, ALL],
        "variant": ["a", "b"],
        "n": [2, 2],
        "buy:n": [2, 2],
        "buy:successes": [1, 2],
        "buy:invalid": [0, 0],
    }


# ------------------------------------------------------------------ 2. missing values


def _small_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "arm": ["a", "a", "a", "a", "b", "b", "b", "b"],
            "seg": ["x", "x", "y", "y", "x", "x", "y", "y"],
            "buy": [1, 0, 1, 1, 0, 0, 1, 0],
            "rev": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
            "pre": [1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0, 4.0],
            "num": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
            "den": [1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0],
        }
    )


def _totals(agg: Aggregates, variant: str) -> dict[str, float]:
    return as_dict(agg)[(ALL, variant)]


@pytest.mark.parametrize("missing", [np.nan, None])
def test_missing_metric_value_drops_unit_for_that_metric_only(missing: Any) -> None:
    df = _small_frame()
    df["rev"] = df["rev"].astype(object)  # None stays None in an object column
    df.loc[0, "rev"] = missing
    metrics = [hk.Proportion("buy"), hk.Mean("rev"), hk.Ratio("num", "den")]
    a = _totals(hk.aggregate(df, variant="arm", metrics=metrics), "a")
    assert a["n"] == 4
    assert a["rev:n"] == 3
    assert a["rev:sum_y"] == 2.0 + 3.0 + 4.0
    assert a["rev:sum_y2"] == 4.0 + 9.0 + 16.0
    assert a["buy:n"] == 4
    assert a["num/den:n"] == 4
    assert a["num/den:sum_y"] == 10.0


def test_missing_ratio_denominator_drops_unit_from_all_ratio_sums() -> None:
    df = _small_frame()
    df.loc[4, "den"] = np.nan
    b = _totals(hk.aggregate(df, variant="arm", metrics=[hk.Ratio("num", "den")]), "b")
    assert b["n"] == 4
    assert b["num/den:n"] == 3
    assert b["num/den:sum_y"] == 6.0 + 7.0 + 8.0  # the numerator of unit 4 is dropped too
    assert b["num/den:sum_x"] == 6.0


def test_missing_covariate_drops_unit_for_the_cuped_metric() -> None:
    df = _small_frame()
    df.loc[1, "pre"] = np.nan
    metrics = [hk.Mean("rev", covariate="pre"), hk.Mean("rev", name="plain")]
    a = _totals(hk.aggregate(df, variant="arm", metrics=metrics), "a")
    assert a["rev:n"] == 3
    assert a["rev:sum_y"] == 1.0 + 3.0 + 4.0
    assert a["rev:sum_c"] == 1.0 + 2.0 + 2.0
    assert a["rev:sum_yc"] == 1.0 + 6.0 + 8.0
    assert a["plain:n"] == 4
    assert a["plain:sum_y"] == 10.0


def test_missing_proportion_value() -> None:
    df = _small_frame()
    df["buy"] = df["buy"].astype(float)
    df.loc[[0, 1], "buy"] = np.nan
    a = _totals(hk.aggregate(df, variant="arm", metrics=[hk.Proportion("buy")]), "a")
    assert (a["n"], a["buy:n"], a["buy:successes"], a["buy:invalid"]) == (4, 2, 2, 0)


@pytest.mark.parametrize("missing", [np.nan, None])
def test_missing_variant_is_dropped_and_counted(missing: Any) -> None:
    df = _small_frame()
    df.loc[[0, 5], "arm"] = missing
    agg = hk.aggregate(df, variant="arm", metrics=[hk.Mean("rev")], segments="seg")
    assert agg.missing_variant == 2
    assert agg.variants == ("a", "b")
    assert _totals(agg, "a")["n"] == 3
    assert _totals(agg, "b")["n"] == 3
    assert _totals(agg, "a")["rev:sum_y"] == 9.0


def test_missing_variant_numeric_column() -> None:
    df = _small_frame().assign(group=[0.0, 0.0, np.nan, 0.0, 1.0, 1.0, 1.0, 1.0])
    agg = hk.aggregate(df, variant="group", metrics=[hk.Mean("rev")])
    assert agg.missing_variant == 1
    assert agg.variants == (0.0, 1.0)  # pandas' floats stay floats
    assert all(type(v) is float for v in agg.variants)


def test_missing_segment_becomes_its_own_segment() -> None:
    df = _small_frame()
    df.loc[[0, 4], "seg"] = None
    agg = hk.aggregate(df, variant="arm", metrics=[hk.Mean("rev")], segments="seg")
    assert agg.segments == (MISSING, "x", "y")
    t = as_dict(agg)
    assert t[(MISSING, "a")]["n"] == 1
    assert t[(MISSING, "b")]["rev:sum_y"] == 5.0
    assert t[("x", "a")]["n"] == 1
    assert t[(ALL, "a")]["n"] == 4
    assert agg.missing_variant == 0


# --------------------------------------------------------------- 3. additivity property

_maybe_value = st.one_of(st.none(), st.integers(-400, 400).map(lambda k: k / 4))
_row = st.tuples(
    st.sampled_from(["a", "b", "c", None]),  # variant
    st.sampled_from(["x", "y", None]),  # segment
    st.sampled_from([0.0, 1.0, None]),  # proportion
    _maybe_value,  # metric
    _maybe_value,  # covariate
    _maybe_value,  # denominator
    _maybe_value,  # covariate denominator
)


def _frame_from_rows(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    cols = list(zip(*rows, strict=True)) if rows else [()] * 7
    return pd.DataFrame(
        {
            "arm": pd.Series(cols[0], dtype="str"),
            "seg": pd.Series(cols[1], dtype="str"),
            "buy": pd.Series(cols[2], dtype="float64"),
            "y": pd.Series(cols[3], dtype="float64"),
            "c": pd.Series(cols[4], dtype="float64"),
            "d": pd.Series(cols[5], dtype="float64"),
            "x": pd.Series(cols[6], dtype="float64"),
        }
    )


#: Every role (y, x, c, d) and both kinds of statistics; a Mean's sums are a subset of
#: these, and each extra metric costs a wider query in every example.
_PROPERTY_METRICS = [
    hk.Proportion("buy"),
    hk.Ratio("y", "d", covariate="c", covariate_denominator="x"),
]


@pytest.mark.slow
@settings(derandomize=True, deadline=None, max_examples=40)
@given(
    rows=st.lists(_row, min_size=0, max_size=40),
    cut=st.floats(0.0, 1.0),
    segmented=st.booleans(),
)
def test_adding_halves_equals_the_whole(
    rows: list[tuple[Any, ...]], cut: float, segmented: bool
) -> None:
    df = _frame_from_rows(rows)
    k = round(cut * len(df))
    kwargs: dict[str, Any] = {
        "variant": "arm",
        "metrics": _PROPERTY_METRICS,
        "segments": "seg" if segmented else None,
    }
    whole = hk.aggregate(df, **kwargs)
    parts = hk.aggregate(df.iloc[:k], **kwargs) + hk.aggregate(df.iloc[k:], **kwargs)
    assert parts.missing_variant == whole.missing_variant == int(df["arm"].isna().sum())
    # each part may have chosen other shifts: compare about the whole's
    same = {k: whole.shift(*k.split(":shift_")) for k in _shift_keys(whole)}
    assert_tables_close(as_dict(parts.with_shifts(same)), as_dict(whole), rel=1e-9)


def test_adding_tables_of_different_metrics_is_refused() -> None:
    df = _small_frame()
    a = hk.aggregate(df, variant="arm", metrics=[hk.Mean("rev")])
    b = hk.aggregate(df, variant="arm", metrics=[hk.Mean("num")])
    with pytest.raises(hk.ValidationError, match="same metrics"):
        _ = a + b


# ------------------------------------------------------------- 4. several segment columns


def test_several_segment_columns_label_combinations() -> None:
    df = make_frame(seed=4, n=300)
    df.loc[[0, 1, 2], "platform"] = None
    agg = hk.aggregate(
        df, variant="arm", metrics=[hk.Mean("rev")], segments=["country", "platform"]
    )
    expected = {
        f"{c} / {p}"
        for c, p in zip(df["country"], df["platform"].astype(object).fillna(MISSING), strict=True)
    }
    assert set(agg.segments) == expected
    assert agg.segment_columns == ("country", "platform")
    seg_order = hk.aggregate(
        df, variant="arm", metrics=[hk.Mean("rev")], segments=("platform", "country")
    )
    assert "web / DE" in seg_order.segments
    assert "DE / web" not in seg_order.segments


def test_integer_and_boolean_segment_columns() -> None:
    df = _small_frame().assign(tier=[1, 1, 2, 2, 1, 1, 2, 2], flag=[True, False] * 4)
    agg = hk.aggregate(df, variant="arm", metrics=[hk.Mean("rev")], segments=["tier", "flag"])
    assert set(agg.segments) == {"1 / true", "1 / false", "2 / true", "2 / false"}


# ---------------------------------------------------------------------------- 5. files


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    con = duckdb.connect()
    try:
        con.register("frame_to_write", df)
        literal = str(path).replace("'", "''")
        con.execute(f"COPY (SELECT * FROM frame_to_write) TO '{literal}' (FORMAT parquet)")
    finally:
        con.close()


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return make_frame(seed=5, n=400, missing=True)


@pytest.fixture(scope="module")
def frame_table(frame: pd.DataFrame) -> dict[Key, dict[str, float]]:
    """The aggregation of ``frame``, checked against pandas once."""
    agg = _agg(frame)
    assert agg.missing_variant == 12
    table = as_dict(agg)
    want = expected_stats(frame, "arm", metrics_full(), ["country"], dict(agg.shifts))
    assert_tables_close(table, want)
    return table


def _agg(data: Any) -> Aggregates:
    return hk.aggregate(data, variant="arm", metrics=metrics_full(), segments="country")


def test_csv_path(tmp_path: Path, frame: pd.DataFrame, frame_table: Any) -> None:
    path = tmp_path / "units.csv"
    frame.to_csv(path, index=False)
    from_file = _agg(path)
    assert from_file.missing_variant == 12
    assert_tables_close(as_dict(from_file), frame_table)
    assert_tables_close(as_dict(_agg(str(path))), frame_table)


def test_parquet_path(tmp_path: Path, frame: pd.DataFrame, frame_table: Any) -> None:
    path = tmp_path / "units.parquet"
    write_parquet(frame, path)
    got = _agg(path)
    assert_tables_close(as_dict(got), frame_table)
    assert got.missing_variant == 12


def test_parquet_glob_equals_concatenated_frame(
    tmp_path: Path, frame: pd.DataFrame, frame_table: Any
) -> None:
    write_parquet(frame.iloc[:150], tmp_path / "part-0.parquet")
    write_parquet(frame.iloc[150:], tmp_path / "part-1.parquet")
    (tmp_path / "other.csv").write_text("arm\nz\n")  # not matched by the glob
    got = _agg(str(tmp_path / "part-*.parquet"))
    assert_tables_close(as_dict(got), frame_table)
    assert got.missing_variant == int(frame["arm"].isna().sum())


def test_list_of_paths(tmp_path: Path, frame: pd.DataFrame, frame_table: Any) -> None:
    p0, p1 = tmp_path / "a.parquet", tmp_path / "b.parquet"
    write_parquet(frame.iloc[:100], p0)
    write_parquet(frame.iloc[100:], p1)
    want = frame_table
    assert_tables_close(as_dict(_agg([p0, p1])), want)
    assert_tables_close(as_dict(_agg([str(p0), str(p1)])), want)
    c0, c1 = tmp_path / "a.csv", tmp_path / "b.csv"
    frame.iloc[:100].to_csv(c0, index=False)
    frame.iloc[100:].to_csv(c1, index=False)
    assert_tables_close(as_dict(_agg([c0, c1])), want)


def test_path_with_a_quote(tmp_path: Path) -> None:
    folder = tmp_path / "it's here"
    folder.mkdir()
    path = folder / "units.csv"
    _small_frame().to_csv(path, index=False)
    got = hk.aggregate(path, variant="arm", metrics=[hk.Mean("rev")])
    assert_tables_close(
        as_dict(got), as_dict(hk.aggregate(_small_frame(), variant="arm", metrics=[hk.Mean("rev")]))
    )


def test_nonexistent_path(tmp_path: Path) -> None:
    path = str(tmp_path / "nope.parquet")
    with pytest.raises(hk.DataError, match=re.escape(repr(path)) + ".*no such file"):
        _agg(path)


def test_glob_matching_nothing(tmp_path: Path) -> None:
    pattern = str(tmp_path / "none-*.parquet")
    with pytest.raises(hk.DataError, match=re.escape(repr(pattern)) + ".*matches no file"):
        _agg(pattern)


def test_unsupported_extension(tmp_path: Path) -> None:
    path = tmp_path / "units.json"
    path.write_text("[]")
    with pytest.raises(hk.DataError, match=re.escape(repr(str(path))) + ".*expected .parquet"):
        _agg(path)


def test_list_with_a_missing_file(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    _small_frame().to_csv(good, index=False)
    bad = str(tmp_path / "bad.csv")
    with pytest.raises(hk.DataError, match=re.escape(repr(bad))):
        hk.aggregate([good, bad], variant="arm", metrics=[hk.Mean("rev")])


def test_unreadable_file_is_a_data_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"not a parquet file")
    with pytest.raises(hk.DataError, match="cannot be read"):
        _agg(path)


# ---------------------------------------------------------------------------- 6. errors


def test_missing_variant_column_lists_columns() -> None:
    df = _small_frame()
    with pytest.raises(
        hk.DataError, match=r"variant == 'group': no such column; data has 'arm', 'seg', 'buy'"
    ):
        hk.aggregate(df, variant="group", metrics=[hk.Mean("rev")])


def test_missing_segment_column() -> None:
    with pytest.raises(hk.DataError, match=r"segments == 'region': no such column"):
        hk.aggregate(_small_frame(), variant="arm", metrics=[hk.Mean("rev")], segments="region")


@pytest.mark.parametrize(
    ("metric", "message"),
    [
        (hk.Mean("revenue"), r"revenue column == 'revenue': no such column"),
        (hk.Mean("rev", covariate="pre2"), r"rev covariate == 'pre2': no such column"),
        (hk.Ratio("num", "visits"), r"num/visits denominator == 'visits': no such column"),
        (hk.Ratio("clicks", "den"), r"clicks/den numerator == 'clicks': no such column"),
        (
            hk.Ratio("num", "den", covariate="num", covariate_denominator="pd"),
            r"num/den covariate == 'pd': no such column",
        ),
        (hk.Proportion("bought"), r"bought column == 'bought': no such column"),
    ],
)
def test_missing_metric_column(metric: Any, message: str) -> None:
    with pytest.raises(hk.DataError, match=message):
        hk.aggregate(_small_frame(), variant="arm", metrics=[metric])


def test_non_numeric_metric_column() -> None:
    df = _small_frame().assign(rev=list("abcdefgh"))
    with pytest.raises(hk.DataError, match=r"rev column == 'rev': expected numbers, found VARCHAR"):
        hk.aggregate(df, variant="arm", metrics=[hk.Mean("rev")])
    with pytest.raises(hk.DataError, match=r"num/rev denominator == 'rev': expected numbers"):
        hk.aggregate(df, variant="arm", metrics=[hk.Ratio("num", "rev")])


@pytest.mark.parametrize("bad", [2, -1, 0.5])
def test_proportion_with_values_other_than_0_and_1(bad: float) -> None:
    df = _small_frame()
    df["buy"] = df["buy"].astype(float)
    df.loc[3, "buy"] = bad
    with pytest.raises(hk.DataError, match=r"column == 'buy': a Proportion needs 0/1.*1 unit has"):
        hk.aggregate(df, variant="arm", metrics=[hk.Proportion("buy")], segments="seg")


@pytest.mark.parametrize(
    ("metric", "message"),
    [
        (hk.Proportion(), r"Proportion\(column=None.*has no column"),
        (hk.Mean(), r"Mean\(column=None.*has no column"),
        (hk.Ratio("num"), r"needs numerator and denominator"),
    ],
)
def test_metric_without_a_column(metric: Any, message: str) -> None:
    with pytest.raises(hk.ValidationError, match=message):
        hk.aggregate(_small_frame(), variant="arm", metrics=[metric])
    with pytest.raises(hk.ValidationError, match=message):
        hk.aggregate_sql("t", variant="arm", metrics=[metric])


def test_duplicate_metric_labels() -> None:
    with pytest.raises(hk.ValidationError, match=r"two metrics named 'rev'.*name="):
        hk.aggregate(
            _small_frame(),
            variant="arm",
            metrics=[hk.Mean("rev"), hk.Mean("rev", covariate="pre")],
        )
    # a name= resolves it
    agg = hk.aggregate(
        _small_frame(),
        variant="arm",
        metrics=[hk.Mean("rev"), hk.Mean("rev", covariate="pre", name="rev_cuped")],
    )
    assert "rev_cuped:sum_yc" in agg.stats


@pytest.mark.parametrize("metrics", ["rev", [], None, [hk.Mean("rev"), "num"], 3])
def test_bad_metrics_argument(metrics: Any) -> None:
    with pytest.raises(hk.ValidationError, match="metrics"):
        hk.aggregate(_small_frame(), variant="arm", metrics=metrics)


def test_variant_also_a_segment_column() -> None:
    with pytest.raises(hk.ValidationError, match=r"variant == 'arm' is also a segment column"):
        hk.aggregate(
            _small_frame(), variant="arm", metrics=[hk.Mean("rev")], segments=["seg", "arm"]
        )


def test_variant_must_be_a_string() -> None:
    with pytest.raises(hk.ValidationError, match=r"variant == \['arm'\], must be a column name"):
        hk.aggregate(_small_frame(), variant=["arm"], metrics=[hk.Mean("rev")])


@pytest.mark.parametrize("segments", [3, ["seg", 1], {"seg": 1}, ("seg", "seg")])
def test_bad_segments_type(segments: Any) -> None:
    with pytest.raises(hk.ValidationError, match=r"segments == "):
        hk.aggregate(_small_frame(), variant="arm", metrics=[hk.Mean("rev")], segments=segments)


@pytest.mark.parametrize("data", [{"arm": ["a"], "rev": [1.0]}, [1, 2, 3], np.zeros((3, 2)), 42])
def test_unsupported_data_type(data: Any) -> None:
    with pytest.raises(hk.ValidationError, match=r"data == \w+ object, must be a pandas"):
        hk.aggregate(data, variant="arm", metrics=[hk.Mean("rev")])


def test_errors_are_value_errors() -> None:
    assert issubclass(hk.DataError, ValueError)
    assert issubclass(hk.ValidationError, ValueError)


# ------------------------------------------------------------------- 7. aggregate_sql


def _sql_rows(sql: str, tables: dict[str, pd.DataFrame]) -> dict[Key, dict[str, float]]:
    con = duckdb.connect()
    try:
        for name, df in tables.items():
            con.register(name, df)
        result = con.execute(sql).fetchdf()
    finally:
        con.close()
    result = result[result["variant"].notna()]
    return {
        (str(r["segment"]), str(r["variant"])): {
            k: float(v) for k, v in r.items() if k not in ("segment", "variant")
        }
        for r in result.to_dict("records")
    }


def _raw_rows(agg: Aggregates) -> dict[Key, dict[str, float]]:
    """The table without the added totals."""
    return {
        (s, v): {"n": float(agg.n[i]), **{k: float(x[i]) for k, x in agg.stats.items()}}
        for i, (s, v) in enumerate(zip(agg.segment, agg.variant, strict=True))
    }


@pytest.mark.parametrize("segments", [None, ["country", "platform"]])
def test_sql_runs_in_duckdb_and_matches_aggregate(segments: Any) -> None:
    df = make_frame(seed=6, n=300, missing=True)
    sql = hk.aggregate_sql("events", variant="arm", metrics=metrics_full(), segments=segments)
    assert sql.startswith("SELECT ")
    assert "FROM events GROUP BY 1, 2" in sql
    got = _sql_rows(sql, {"events": df})
    agg = hk.aggregate(df, variant="arm", metrics=metrics_full(), segments=segments)
    assert_tables_close(got, _raw_rows(agg))


def test_sql_with_a_subquery_source() -> None:
    df = _small_frame()
    sql = hk.aggregate_sql(
        "(SELECT * FROM units WHERE rev > 1)", variant="arm", metrics=hk.Mean("rev")
    )
    got = _sql_rows(sql, {"units": df})
    want = _raw_rows(hk.aggregate(df[df["rev"] > 1], variant="arm", metrics=hk.Mean("rev")))
    assert_tables_close(got, want)


def test_sql_backtick_quoting() -> None:
    sql = hk.aggregate_sql(
        "events",
        variant="arm",
        metrics=[hk.Mean("rev", covariate="pre"), hk.Proportion("buy")],
        segments=["country", "odd`col"],
        quote="`",
    )
    assert '"' not in re.sub(r"'[^']*'", "", sql)  # only in string literals, no identifier
    assert "`arm` AS `variant`" in sql  # labels keep their type
    assert "CAST(`country` AS VARCHAR)" in sql
    assert "AS `segment`" in sql
    assert "AS `rev:sum_yc`" in sql
    assert "`odd``col`" in sql  # an embedded backtick is doubled
    assert "'(missing)'" in sql


def test_sql_default_quoting_uses_double_quotes() -> None:
    sql = hk.aggregate_sql("events", variant="arm", metrics=[hk.Proportion("buy")])
    assert '"arm" AS "variant"' in sql
    assert 'CAST("arm"' not in sql
    assert 'AS "buy:successes"' in sql
    assert "`" not in sql


def test_column_names_with_double_quotes_are_quoted_safely() -> None:
    df = pd.DataFrame(
        {
            'the "arm"': ["a", "a", "b", "b"],
            'seg"': ["x", "y", "x", "y"],
            'rev"; DROP TABLE t; --': [1.0, 2.0, 3.0, 4.0],
        }
    )
    metric = hk.Mean('rev"; DROP TABLE t; --')
    kwargs: dict[str, Any] = {"variant": 'the "arm"', "metrics": [metric], "segments": 'seg"'}
    sql = hk.aggregate_sql("t", **kwargs)
    assert '"the ""arm"""' in sql
    got = _sql_rows(sql, {"t": df})
    agg = hk.aggregate(df, **kwargs)
    assert_tables_close(got, _raw_rows(agg))
    assert as_dict(agg)[(ALL, "b")][f"{metric.label}:sum_y"] == 7.0


def test_aggregate_sql_validates_arguments() -> None:
    with pytest.raises(hk.ValidationError, match="segments"):
        hk.aggregate_sql("t", variant="arm", metrics=[hk.Mean("rev")], segments=5)
    with pytest.raises(hk.ValidationError, match="two metrics named"):
        hk.aggregate_sql("t", variant="arm", metrics=[hk.Mean("rev"), hk.Mean("rev")])


# --------------------------------------------------------------- 8. from_table round trip


@pytest.mark.parametrize("segments", [None, ["country", "platform"]])
def test_from_table_round_trip(segments: Any) -> None:
    df = make_frame(seed=7, n=300, missing=True)
    agg = hk.aggregate(df, variant="arm", metrics=metrics_full(), segments=segments)
    back = from_table(agg.to_pandas(), agg.metrics)
    assert back is not None
    assert ALL not in back.segment or not segments  # totals dropped, recomputed on output
    assert_tables_close(_raw_rows(back), _raw_rows(agg))
    assert_tables_close(as_dict(back), as_dict(agg))


def test_from_table_recomputes_totals_from_segment_rows() -> None:
    agg = hk.aggregate(_small_frame(), variant="arm", metrics=[hk.Mean("rev")], segments="seg")
    table = agg.to_pandas()
    table.loc[table["segment"] == ALL, "rev:sum_y"] = 1e9  # stale totals are ignored
    back = from_table(table, agg.metrics)
    assert back is not None
    assert as_dict(back)[(ALL, "a")]["rev:sum_y"] == 10.0


def test_from_table_passes_aggregates_through_and_ignores_raw_data() -> None:
    agg = hk.aggregate(_small_frame(), variant="arm", metrics=[hk.Mean("rev")])
    assert from_table(agg, agg.metrics) is agg
    assert from_table(_small_frame(), agg.metrics) is None
    assert from_table([1, 2], agg.metrics) is None


def test_from_table_missing_stat_column() -> None:
    agg = hk.aggregate(
        _small_frame(), variant="arm", metrics=[hk.Mean("rev", covariate="pre")], segments="seg"
    )
    table = agg.to_pandas().drop(columns=["rev:sum_yc"])
    with pytest.raises(hk.DataError, match=r"lacks 'rev:sum_yc'"):
        from_table(table, agg.metrics)


def test_from_table_rejects_invalid_proportion_counts() -> None:
    agg = hk.aggregate(_small_frame(), variant="arm", metrics=[hk.Proportion("buy")])
    table = agg.to_pandas()
    table.loc[0, "buy:invalid"] = 3
    with pytest.raises(hk.DataError, match="a Proportion needs 0/1"):
        from_table(table, agg.metrics)


def test_from_table_counts_missing_variant_rows_unsegmented() -> None:
    specs = metric_specs([hk.Mean("y")])
    table = pd.DataFrame(
        {
            "segment": [ALL, ALL, ALL],
            "variant": ["a", "b", None],
            "n": [2, 3, 4],
            "y:n": [2, 3, 4],
            "y:sum_y": [1.0, 2.0, 3.0],
            "y:sum_y2": [1.0, 2.0, 3.0],
        }
    )
    back = from_table(table, specs)
    assert back is not None
    assert back.variants == ("a", "b")
    assert back.missing_variant == 4


def test_from_table_polars() -> None:
    pl = pytest.importorskip("polars")
    agg = hk.aggregate(_small_frame(), variant="arm", metrics=[hk.Mean("rev")], segments="seg")
    back = from_table(pl.from_pandas(agg.to_pandas()), agg.metrics)
    assert back is not None
    assert_tables_close(as_dict(back), as_dict(agg))


def test_polars_data_frame_input() -> None:
    pl = pytest.importorskip("polars")
    df = _small_frame()
    got = hk.aggregate(pl.from_pandas(df), variant="arm", metrics=[hk.Mean("rev")])
    assert_tables_close(
        as_dict(got), as_dict(hk.aggregate(df, variant="arm", metrics=[hk.Mean("rev")]))
    )


# ---------------------------------------------------------------------------- 9. dtypes


def test_boolean_column_as_proportion() -> None:
    df = _small_frame()
    df["buy"] = df["buy"].astype(bool)
    t = as_dict(hk.aggregate(df, variant="arm", metrics=[hk.Proportion("buy")]))
    assert t[(ALL, "a")]["buy:successes"] == 3
    assert t[(ALL, "b")]["buy:successes"] == 1
    assert t[(ALL, "a")]["buy:invalid"] == 0


def test_nullable_boolean_column_as_proportion() -> None:
    df = _small_frame()
    df["buy"] = pd.array([True, None, True, True, False, False, True, None], dtype="boolean")
    t = as_dict(hk.aggregate(df, variant="arm", metrics=[hk.Proportion("buy")]))
    assert (t[(ALL, "a")]["buy:n"], t[(ALL, "a")]["buy:successes"]) == (3, 3)
    assert (t[(ALL, "b")]["buy:n"], t[(ALL, "b")]["buy:successes"]) == (3, 1)


def test_integer_and_narrow_columns() -> None:
    df = _small_frame()
    # (DuckDB column names are case-insensitive: "int64" and "Int64" would collide)
    dtypes = {"i8": "int8", "i16": "int16", "i32": "int32", "i64": "int64", "u32": "uint32"}
    dtypes |= {"nullable": "Int64", "f32": "float32"}
    for key, dtype in dtypes.items():
        df[f"num_{key}"] = df["num"].astype(int).astype(dtype)
        df[f"den_{key}"] = df["den"].astype(int).astype(dtype)
        df[f"buy_{key}"] = df["buy"].astype(dtype)
    metrics = [
        m
        for dtype in dtypes
        for m in (
            hk.Proportion(f"buy_{dtype}"),
            hk.Mean(f"num_{dtype}", covariate=f"den_{dtype}"),
            hk.Ratio(f"num_{dtype}", f"den_{dtype}"),
        )
    ]
    got = hk.aggregate(df, variant="arm", metrics=metrics, segments="seg")
    assert_tables_close(as_dict(got), expected_stats(df, "arm", metrics, ["seg"], dict(got.shifts)))
    table = as_dict(got)
    for dtype in dtypes:
        assert table[(ALL, "b")][f"num_{dtype}:sum_y"] == 26.0, dtype


def test_large_integers_do_not_overflow() -> None:
    df = pd.DataFrame({"arm": ["a", "a", "b"], "y": np.array([2**40, 2**40, 3], dtype=np.int64)})
    # raw sums (shifts={}): squares of int64 past 2**63 are summed as doubles
    t = as_dict(hk.aggregate(df, variant="arm", metrics=[hk.Mean("y")], shifts={}))
    assert t[(ALL, "a")]["y:sum_y2"] == pytest.approx(2.0 * 2.0**80, rel=1e-12)
    # chosen shifts: arm a is constant, and its sums about 2**40 say so exactly
    agg = hk.aggregate(df, variant="arm", metrics=[hk.Mean("y")])
    assert agg.shifts == {"y:shift_y": 2.0**40}
    t = as_dict(agg)
    assert (t[(ALL, "a")]["y:sum_y"], t[(ALL, "a")]["y:sum_y2"]) == (0.0, 0.0)
    assert t[(ALL, "b")]["y:sum_y"] == 3.0 - 2.0**40


def test_nullable_integer_with_missing() -> None:
    df = _small_frame()
    df["num"] = pd.array([1, None, 3, 4, 5, 6, None, 8], dtype="Int64")
    t = as_dict(hk.aggregate(df, variant="arm", metrics=[hk.Mean("num")]))
    assert (t[(ALL, "a")]["num:n"], t[(ALL, "a")]["num:sum_y"]) == (3, 8.0)
    assert (t[(ALL, "b")]["num:n"], t[(ALL, "b")]["num:sum_y"]) == (3, 19.0)


def test_integer_variant_column() -> None:
    df = _small_frame().assign(group=[0, 0, 0, 0, 1, 1, 1, 1])
    agg = hk.aggregate(df, variant="group", metrics=[hk.Mean("rev")])
    assert agg.variants == (0, 1)
    assert all(type(v) is int for v in agg.variants)


def test_all_nan_metric_column() -> None:
    df = _small_frame().assign(empty=np.nan)
    metrics = [hk.Mean("empty"), hk.Mean("rev"), hk.Ratio("rev", "empty")]
    t = as_dict(hk.aggregate(df, variant="arm", metrics=metrics, segments="seg"))
    for key, row in t.items():
        assert row["empty:n"] == 0, key
        assert row["empty:sum_y"] == 0.0
        assert row["empty:sum_y2"] == 0.0
        assert row["rev/empty:n"] == 0
        assert row["rev/empty:sum_y"] == 0.0
        assert row["rev:n"] == row["n"] == 2 if key[0] != ALL else 4


def test_empty_frame_gives_an_empty_table() -> None:
    agg = hk.aggregate(_small_frame().iloc[:0], variant="arm", metrics=[hk.Mean("rev")])
    assert agg.segment == ()
    assert agg.to_records() == []
    assert agg.missing_variant == 0


def test_categorical_columns() -> None:
    df = _small_frame()
    df["arm"] = df["arm"].astype("category")
    df["seg"] = df["seg"].astype("category")
    agg = hk.aggregate(df, variant="arm", metrics=[hk.Mean("rev")], segments="seg")
    assert_tables_close(
        as_dict(agg),
        as_dict(
            hk.aggregate(_small_frame(), variant="arm", metrics=[hk.Mean("rev")], segments="seg")
        ),
    )


# ------------------------------------------------------------ edge cases / regressions


@pytest.mark.parametrize("default_connection", [False, True])
def test_duckdb_relation_input(
    default_connection: bool, frame: pd.DataFrame, frame_table: Any
) -> None:
    df = frame
    con = duckdb.default_connection() if default_connection else duckdb.connect()
    con.register("units_for_relation", df)
    rel = con.sql("SELECT * FROM units_for_relation")
    got = hk.aggregate(rel, variant="arm", metrics=metrics_full(), segments="country")
    assert_tables_close(as_dict(got), frame_table)
    assert got.missing_variant == int(df["arm"].isna().sum())
    con.unregister("units_for_relation")


def test_segment_value_equal_to_the_all_label_is_quoted() -> None:
    # a real segment named '(all)' is its own segment, never the total rows
    df = _small_frame().assign(seg=[ALL, "x"] * 4)
    agg = hk.aggregate(df, variant="arm", metrics=[hk.Mean("rev")], segments="seg")
    assert agg.segments == ('"(all)"', "x")
    totals = agg.with_totals()
    assert sorted(totals.segment) == sorted(['"(all)"', '"(all)"', "x", "x", ALL, ALL])


def test_nan_in_parquet_is_missing(tmp_path: Path) -> None:
    # DuckDB keeps IEEE NaN distinct from NULL; hypokit reads NaN as missing, as pandas does
    path = str(tmp_path / "nan.parquet")
    nan = "'nan'::DOUBLE"
    duckdb.sql(
        "COPY (SELECT * FROM (VALUES "
        f"('a', 1.0::DOUBLE, 1.0::DOUBLE, 1.0::DOUBLE), ('a', {nan}, 2.0, 0.0), "
        f"('b', 3.0, {nan}, 1.0), ('b', 4.0, 2.0, {nan}), ('b', 5.0, 4.0, 0.0)) "
        f"t(arm, y, x, buy)) TO '{path}' (FORMAT parquet)"
    )
    metrics = [hk.Mean("y"), hk.Ratio("y", "x"), hk.Proportion("buy")]
    t = as_dict(hk.aggregate(path, variant="arm", metrics=metrics))
    a, b = t[(ALL, "a")], t[(ALL, "b")]
    assert (a["y:n"], a["y:sum_y"], a["y:sum_y2"]) == (1, 1.0, 1.0)
    assert (b["y:n"], b["y:sum_y"]) == (3, 12.0)
    assert (b["y/x:n"], b["y/x:sum_y"], b["y/x:sum_x"], b["y/x:sum_xy"]) == (2, 9.0, 6.0, 28.0)
    assert (a["buy:n"], a["buy:successes"], a["buy:invalid"]) == (2, 1, 0)
    assert (b["buy:n"], b["buy:successes"], b["buy:invalid"]) == (2, 1, 0)


def test_interval_metric_column_is_a_data_error() -> None:
    df = _small_frame().assign(t=pd.to_timedelta(range(8), unit="s"))
    with pytest.raises(hk.DataError, match=r"t column == 't': expected numbers, found INTERVAL"):
        hk.aggregate(df, variant="arm", metrics=[hk.Mean("t")])


def test_from_table_counts_missing_variant_rows_segmented() -> None:
    specs = metric_specs([hk.Mean("y")])
    table = pd.DataFrame(
        {
            "segment": ["x", "x", "x"],
            "variant": ["a", "b", None],
            "n": [2, 3, 4],
            "y:n": [2, 3, 4],
            "y:sum_y": [1.0, 2.0, 3.0],
            "y:sum_y2": [1.0, 2.0, 3.0],
        }
    )
    back = from_table(table, specs)
    assert back is not None
    assert back.variants == ("a", "b")
    assert back.missing_variant == 4
