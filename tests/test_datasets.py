"""The shipped example data is what the seeded generator makes."""

import pandas as pd

from hypokit.datasets import checkout_history, make_checkout_history


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
