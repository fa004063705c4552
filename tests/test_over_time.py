"""The day-by-day view: ``hk.analyze(..., date=...)`` and ``result.over_time()``.

Each day's rows are checked against an independent reading: ``hk.analyze`` run on the
units that had entered by that day (filtered with pandas), so the running sums, the
padding of days where an arm has no units yet and the family-wide correction per day
are all compared with a computation that never sees the daily aggregates.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import hypokit as hk

ALL = "(all)"
METRICS = [hk.Proportion("converted"), hk.Mean("revenue", covariate="pre")]


def make_units(seed: int = 3, days: int = 6, per_day: int = 150) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = days * per_day
    frame = pd.DataFrame(
        {
            "day": np.repeat(
                [dt.date(2026, 10, 1) + dt.timedelta(days=i) for i in range(days)], per_day
            ),
            "variant": rng.choice(["control", "b"], size=n),
            "segment": rng.choice(["new", "returning"], size=n, p=[0.4, 0.6]),
            "converted": rng.binomial(1, 0.2, size=n),
            "pre": rng.gamma(2.0, 10.0, size=n),
        }
    )
    frame["revenue"] = 0.6 * frame["pre"] + rng.normal(0, 5, size=n)
    return frame


def analyze(data: object, **kw: object) -> hk.AnalysisResult:
    options = {"variant": "variant", "control": "control", "metrics": METRICS}
    options.update(kw)
    return hk.analyze(data, **options)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def units() -> pd.DataFrame:
    return make_units()


def test_date_does_not_change_the_analysis(units: pd.DataFrame) -> None:
    with_date = analyze(units, segments="segment", date="day").to_pandas()
    without = analyze(units, segments="segment").to_pandas()
    pd.testing.assert_frame_equal(with_date, without)


def test_each_day_equals_the_analysis_of_the_units_so_far(units: pd.DataFrame) -> None:
    days = analyze(units, segments="segment", date="day").over_time().to_pandas()
    dates = sorted(units["day"].unique())
    assert list(dict.fromkeys(days["date"])) == [d.isoformat() for d in dates]
    for d in (dates[0], dates[2], dates[-1]):
        want = analyze(units[units["day"] <= d], segments="segment").to_pandas()
        got = days[days["date"] == d.isoformat()].drop(columns="date").reset_index(drop=True)
        pd.testing.assert_frame_equal(got, want, rtol=1e-12)


def test_a_day_where_an_arm_has_no_units_yet() -> None:
    units = make_units(days=3, per_day=60)
    # The variant starts on the second day: its first day has control units only.
    first = units["day"] == units["day"].min()
    units = units[~(first & (units["variant"] == "b"))]
    result = analyze(units, metrics=[hk.Proportion("converted")], date="day")
    days = result.over_time().to_pandas()
    assert list(days["date"]) == [d.isoformat() for d in sorted(units["day"].unique())[1:]]
    assert (days["n_variant"] > 0).all()


def test_units_without_a_date_count_in_the_total_only(units: pd.DataFrame) -> None:
    data = units.astype({"day": object}).copy()
    data.loc[data.index[:25], "day"] = None
    result = analyze(data, date="day")
    want = analyze(units).to_pandas()
    pd.testing.assert_frame_equal(result.to_pandas(), want)
    [finding] = [f for f in result.warnings if f.kind == "missing"]
    assert "25 units have no 'day' date" in finding.message
    last = result.over_time().to_pandas().iloc[-1]
    assert (
        last["n_control"] + last["n_variant"]
        < want.iloc[0]["n_control"] + want.iloc[0]["n_variant"]
    )


def test_day_numbers_sort_as_numbers() -> None:
    units = make_units(days=12, per_day=40)
    units["day"] = (units["day"] - units["day"].min()).map(lambda d: d.days + 1)
    days = analyze(units, metrics=[hk.Proportion("converted")], date="day").over_time()
    assert list(dict.fromkeys(r["date"] for r in days.rows)) == [str(i) for i in range(1, 13)]


def test_segments_with_slashes_keep_their_names(units: pd.DataFrame) -> None:
    data = units.assign(segment=units["segment"].map({"new": "new / web", "returning": "ret"}))
    days = analyze(data, segments="segment", date="day").over_time().to_pandas()
    assert set(days["segment"]) == {ALL, '"new / web"', "ret"}  # quoted: one value


def test_plot_draws_the_interval_by_day(units: pd.DataFrame) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    days = analyze(units, segments="segment", date="day").over_time()
    fig = days.plot("converted", segment="new")
    ax = fig.axes[0]
    [line] = ax.get_lines()[:1]
    want = [r["lift"] for r in days.rows if r["segment"] == "new" and r["metric"] == "converted"]
    np.testing.assert_allclose(line.get_ydata(), want)
    assert "new" in ax.get_title()
    plt.close(fig)
    with pytest.raises(hk.ValidationError, match="metric == None"):
        days.plot()
    with pytest.raises(hk.ValidationError, match="scale == 'odds'"):
        days.plot("converted", scale="odds")
    with pytest.raises(hk.ValidationError, match="segment == 'nope'"):
        days.plot("converted", segment="nope")
    assert "Day by day" in days._repr_html_()


def test_bad_date_arguments(units: pd.DataFrame) -> None:
    with pytest.raises(hk.DataError, match=r"date == 'when': no such column; data has"):
        analyze(units, date="when")
    with pytest.raises(hk.ValidationError, match="also a segment column"):
        analyze(units, segments="segment", date="segment")
    with pytest.raises(hk.ValidationError, match="date == 3, must be a column name"):
        analyze(units, date=3)
    table = hk.aggregate(units, variant="variant", metrics=METRICS)
    with pytest.raises(hk.ValidationError, match="an aggregates table has no dates"):
        analyze(table, date="day")
    with pytest.raises(hk.ValidationError, match="analyse with date="):
        analyze(units).over_time()


def test_timestamps_are_refused_with_advice() -> None:
    units = make_units(days=1, per_day=1100)
    units["day"] = pd.Timestamp("2026-10-01") + pd.to_timedelta(np.arange(len(units)), "s")
    with pytest.raises(hk.DataError, match="truncate timestamps to dates"):
        analyze(units, metrics=[hk.Proportion("converted")], date="day")


def test_every_date_missing() -> None:
    units = make_units(days=1, per_day=50).assign(day=None)
    with pytest.raises(hk.DataError, match="every unit's date is missing"):
        analyze(units, metrics=[hk.Proportion("converted")], date="day")


@pytest.mark.parametrize("engine", ["polars", "parquet"])
def test_days_are_the_same_in_every_engine(units: pd.DataFrame, engine: str, tmp_path) -> None:
    want = analyze(units, segments="segment", date="day").over_time().to_pandas()
    if engine == "polars":
        import polars as pl

        data: object = pl.from_pandas(units)
    else:
        data = tmp_path / "units.parquet"
        units.to_parquet(data)
        data = str(data)
    got = analyze(data, segments="segment", date="day").over_time().to_pandas()
    pd.testing.assert_frame_equal(got, want, rtol=1e-9)
