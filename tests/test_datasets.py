"""The shipped example data is what the seeded generator makes."""

import pandas as pd

from hypokit.datasets import (
    checkout_history,
    make_checkout_history,
    make_video_uploads,
    video_uploads,
)


def test_shipped_history_matches_the_generator():
    shipped = checkout_history()
    made = make_checkout_history()
    pd.testing.assert_frame_equal(
        shipped, made.astype(shipped.dtypes.to_dict()), check_exact=False, rtol=1e-12
    )


def test_history_shape():
    history = checkout_history()
    assert list(history.columns) == [
        "user_id", "date", "segment", "converted", "revenue", "sessions", "pre_revenue",
    ]  # fmt: skip
    assert history["user_id"].is_unique
    assert history["date"].nunique() == 14
    assert set(history["converted"].unique()) == {0, 1}
    # CUPED has something to work with: revenue correlates with its pre-period.
    assert history["revenue"].corr(history["pre_revenue"]) > 0.1


def test_shipped_video_uploads_match_the_generator():
    shipped = video_uploads()
    made = make_video_uploads()
    pd.testing.assert_frame_equal(shipped, made.astype(shipped.dtypes.to_dict()))


def test_video_uploads_pooled_fine_but_professionals_worse():
    data = video_uploads()
    assert list(data.columns) == [
        "user_id", "date", "segment", "variant", "published", "pre_uploads",
    ]  # fmt: skip
    assert data["user_id"].is_unique
    assert set(data["segment"]) == {"casual", "professional"}
    rate = data.groupby(["segment", "variant"])["published"].mean()
    pooled = data.groupby("variant")["published"].mean()
    assert pooled["notify_ready"] > pooled["control"]
    assert rate["casual", "notify_ready"] > rate["casual", "control"]
    assert rate["professional", "notify_ready"] < rate["professional", "control"]


def test_shipped_pricing_page_matches_the_generator():
    from hypokit.datasets import make_pricing_page, pricing_page

    shipped = pricing_page()
    made = make_pricing_page()
    pd.testing.assert_frame_equal(shipped, made.astype(shipped.dtypes.to_dict()))


def test_pricing_page_looks_like_a_winner_on_day_eight_only():
    import hypokit as hk
    from hypokit.datasets import pricing_page

    result = hk.analyze(
        pricing_page(),
        variant="variant",
        control="control",
        metrics=[hk.Proportion("signed_up")],
        date="date",
    )
    days = result.over_time().to_pandas()
    crossed = days.index[days["p_value"] < 0.05].tolist()
    assert crossed[:1] == [7]  # the eighth day
    assert days.loc[7, "lift"] > 0.2
    assert result.row("signed_up")["p_value"] > 0.9
