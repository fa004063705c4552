"""Sizing from historical data reads through the same engines as the analysis."""

import duckdb
import pandas as pd
import pytest

import hypokit as hk
from hypokit.datasets import checkout_history

METRICS = [
    hk.Proportion("converted"),
    hk.Mean("revenue", covariate="pre_revenue"),
    hk.Ratio("revenue", "sessions", covariate="pre_revenue"),
]


@pytest.fixture(scope="module")
def history():
    return checkout_history()


def _pandas_moments(history, metric):
    """The sizing inputs computed directly with pandas, independently of hypokit."""
    rows = []
    for seg, g in history.groupby("segment"):
        rec = {"segment": seg, "units": len(g), "days": 14.0, "traffic": len(g) / 14}
        if isinstance(metric, hk.Proportion):
            rec["baseline"] = g["converted"].mean()
        elif isinstance(metric, hk.Mean):
            rec.update(
                mean=g["revenue"].mean(),
                sd=g["revenue"].std(),
                correlation=g["revenue"].corr(g["pre_revenue"]),
            )
        else:
            rec.update(
                numerator_mean=g["revenue"].mean(),
                numerator_sd=g["revenue"].std(),
                denominator_mean=g["sessions"].mean(),
                denominator_sd=g["sessions"].std(),
                covariance=g["revenue"].cov(g["sessions"]),
                correlation=g["revenue"].corr(g["pre_revenue"]),
            )
        rows.append(rec)
    return pd.DataFrame(rows)


@pytest.mark.parametrize("metric", METRICS, ids=lambda m: m.kind)
def test_baselines_match_pandas(history, metric):
    got = hk.baselines(history, metric, segments="segment", date="date")
    want = _pandas_moments(history, metric)
    pd.testing.assert_frame_equal(got, want, check_dtype=False, rtol=1e-9)


@pytest.mark.parametrize("metric", METRICS, ids=lambda m: m.kind)
def test_baselines_are_the_same_from_polars_and_parquet(history, metric, tmp_path):
    pl = pytest.importorskip("polars")
    want = hk.baselines(history, metric, segments="segment", date="date")
    polars_frame = hk.baselines(pl.from_pandas(history), metric, segments="segment", date="date")
    pd.testing.assert_frame_equal(polars_frame, want, rtol=1e-9)
    path = tmp_path / "history.parquet"
    con = duckdb.connect()
    con.register("h", history)
    con.execute(f"COPY h TO '{path}' (FORMAT parquet)")
    con.close()
    from_file = hk.baselines(str(path), metric, segments="segment", date="date")
    pd.testing.assert_frame_equal(from_file, want, rtol=1e-9)


def test_size_from_a_parquet_file(history, tmp_path):
    path = tmp_path / "history.parquet"
    con = duckdb.connect()
    con.register("h", history)
    con.execute(f"COPY h TO '{path}' (FORMAT parquet)")
    con.close()
    kwargs = {"mde": 0.1, "relative": True, "segments": "segment", "date": "date"}
    a = hk.size(hk.Proportion("converted"), data=history, **kwargs).to_pandas()
    b = hk.size(hk.Proportion("converted"), data=str(path), **kwargs).to_pandas()
    pd.testing.assert_frame_equal(a, b)


def test_unsegmented_history_without_dates(history):
    table = hk.baselines(history, hk.Mean("revenue"), days=14)
    assert table["segment"].tolist() == ["(all)"]
    assert table["units"].iloc[0] == len(history)
    assert table["mean"].iloc[0] == pytest.approx(history["revenue"].mean(), rel=1e-12)
