"""Example data shipped with hypokit, and the seeded code that generates it.

``checkout_history()`` is two weeks of pre-experiment data from an online shop: one row
per user with their segment, whether they completed checkout, their revenue and
sessions, and their revenue in the four weeks before. It is what a team would pull to
size a checkout experiment per segment. Regenerate the shipped file with
``python scripts/make_datasets.py``; a test checks that the file matches the code.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from hypokit._sizing import SizingPlan

__all__ = [
    "checkout_experiment",
    "checkout_history",
    "demo_analysis",
    "demo_sizing",
    "make_checkout_experiment",
    "make_checkout_history",
    "make_pricing_page",
    "make_video_uploads",
    "pricing_page",
    "video_uploads",
]

#: Segment: (users per day, checkout conversion, mean order value, sessions per user).
CHECKOUT_SEGMENTS: dict[str, tuple[int, float, float, float]] = {
    "new": (1500, 0.040, 48.0, 1.6),
    "returning": (900, 0.110, 61.0, 2.4),
    "business": (200, 0.190, 240.0, 3.1),
}
CHECKOUT_FILE = "checkout_history.csv.gz"
EXPERIMENT_FILE = "checkout_experiment.csv.gz"

#: The true relative effect of express pay on conversion per segment, as generated.
EXPRESS_PAY_EFFECT = {"new": 0.15, "returning": 0.02, "business": -0.25}


def _simulate_checkout(
    seed: int,
    start: dt.date,
    days: int,
    effect: dict[str, float] | None,
    id_prefix: str,
) -> pd.DataFrame:
    """Users of the shop, one row each; with ``effect``, half get express pay.

    A user's propensity to buy and to spend carries over from the four weeks before
    (``pre_revenue``), so CUPED has real variance to remove.
    """
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    frames = []
    for segment, (per_day, rate, order_value, sessions) in CHECKOUT_SEGMENTS.items():
        counts = rng.poisson(per_day, size=days)
        n = int(counts.sum())
        dates = np.repeat([start + dt.timedelta(days=i) for i in range(days)], counts)
        treated = rng.random(n) < 0.5
        propensity = rng.lognormal(mean=-0.5, sigma=1.0, size=n)
        baseline = np.clip(rate * propensity, 0, 1)
        lift = 1.0 if effect is None else np.where(treated, 1 + effect[segment], 1.0)
        converted = rng.random(n) < np.clip(baseline * lift, 0, 1)
        spend = order_value * propensity**0.5
        revenue = np.where(converted, rng.gamma(4.0, spend / 4.0), 0.0)
        pre_revenue = rng.poisson(4 * baseline) * rng.gamma(4.0, spend / 4.0)
        columns = {
            "date": pd.to_datetime(dates).strftime("%Y-%m-%d"),
            "segment": segment,
            "variant": np.where(treated, "express_pay", "control"),
            "converted": converted.astype(np.int8),
            "revenue": revenue.round(2),
            "sessions": 1 + rng.poisson(sessions - 1, size=n),
            "pre_revenue": pre_revenue.round(2),
        }
        if effect is None:
            del columns["variant"]
        frames.append(pd.DataFrame(columns))
    frame = pd.concat(frames, ignore_index=True)
    frame = frame.sort_values(["date", "segment"], kind="stable", ignore_index=True)
    frame.insert(0, "user_id", [f"{id_prefix}{i:06d}" for i in range(len(frame))])
    return frame


def make_checkout_history(seed: int = 20261122, days: int = 14) -> pd.DataFrame:
    """Generate the checkout history (deterministic for a given ``seed``)."""
    return _simulate_checkout(seed, dt.date(2026, 10, 5), days, None, "u")


def make_checkout_experiment(seed: int = 20261123, days: int = 21) -> pd.DataFrame:
    """Generate the express-pay experiment (deterministic for a given ``seed``).

    Three weeks, half of each day's users in ``express_pay``. Express pay lifts
    conversion for new customers, barely moves returning ones, and lowers it for
    business buyers (who need invoices): the average hides a segment that got worse.
    """
    return _simulate_checkout(seed, dt.date(2026, 10, 19), days, EXPRESS_PAY_EFFECT, "x")


def checkout_experiment() -> pd.DataFrame:
    """The shipped express-pay experiment: one row per user, three weeks, three segments.

    Columns: ``user_id, date, segment, variant, converted, revenue, sessions,
    pre_revenue``; ``variant`` is ``control`` or ``express_pay``.

    Examples:
        >>> from hypokit.datasets import checkout_experiment
        >>> sorted(checkout_experiment()["variant"].unique())
        ['control', 'express_pay']
    """
    return _read(EXPERIMENT_FILE)


def _read(name: str) -> pd.DataFrame:
    import pandas as pd

    with resources.as_file(resources.files("hypokit") / "data" / name) as path:
        return pd.read_csv(path)


def checkout_history() -> pd.DataFrame:
    """The shipped checkout history: one row per user, two weeks, three segments.

    Columns: ``user_id, date, segment, converted, revenue, sessions, pre_revenue``.

    Examples:
        >>> from hypokit.datasets import checkout_history
        >>> history = checkout_history()
        >>> sorted(history["segment"].unique())
        ['business', 'new', 'returning']
    """
    return _read(CHECKOUT_FILE)


#: Segment: (uploaders per day, share who publish their upload within a day).
VIDEO_SEGMENTS: dict[str, tuple[int, float]] = {
    "casual": (900, 0.32),
    "professional": (130, 0.68),
}
VIDEO_FILE = "video_uploads.csv.gz"

#: The true relative effect of the "your video is ready" notification on publishing.
READY_NOTIFICATION_EFFECT = {"casual": 0.14, "professional": -0.10}


def make_video_uploads(seed: int = 20261124, days: int = 14) -> pd.DataFrame:
    """Generate the upload-notification experiment (deterministic for a given ``seed``).

    A video platform tells uploaders "your video is ready" as soon as the first,
    low-resolution rendition is processed (``variant == "notify_ready"``), instead of
    saying nothing (``control``). Casual uploaders publish more often; professional
    creators, who wait for the full-quality rendition and its checks, are pulled back
    too early and publish less. The pooled result looks fine; one segment got worse.

    Columns: ``user_id, date, segment, variant, published, pre_uploads``:
    ``published`` is 1 when the upload was published within a day, ``pre_uploads``
    the uploads in the four weeks before.
    """
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    start = dt.date(2026, 10, 26)
    frames = []
    for segment, (per_day, rate) in VIDEO_SEGMENTS.items():
        counts = rng.poisson(per_day, size=days)
        n = int(counts.sum())
        dates = np.repeat([start + dt.timedelta(days=i) for i in range(days)], counts)
        treated = rng.random(n) < 0.5
        lift = np.where(treated, 1 + READY_NOTIFICATION_EFFECT[segment], 1.0)
        published = rng.random(n) < np.clip(rate * lift, 0, 1)
        activity = 2.0 if segment == "casual" else 14.0
        frames.append(
            pd.DataFrame(
                {
                    "date": pd.to_datetime(dates).strftime("%Y-%m-%d"),
                    "segment": segment,
                    "variant": np.where(treated, "notify_ready", "control"),
                    "published": published.astype(np.int8),
                    "pre_uploads": rng.poisson(activity, size=n),
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    frame = frame.sort_values(["date", "segment"], kind="stable", ignore_index=True)
    frame.insert(0, "user_id", [f"v{i:06d}" for i in range(len(frame))])
    return frame


def video_uploads() -> pd.DataFrame:
    """The shipped upload-notification experiment: one row per uploader, two weeks.

    Columns: ``user_id, date, segment, variant, published, pre_uploads``; ``segment``
    is ``casual`` or ``professional``, ``variant`` is ``control`` or ``notify_ready``
    (see :func:`make_video_uploads`).

    Examples:
        >>> from hypokit.datasets import video_uploads
        >>> sorted(video_uploads()["segment"].unique())
        ['casual', 'professional']
    """
    return _read(VIDEO_FILE)


#: Device: (visitors per day, sign-up rate).
PRICING_DEVICES: dict[str, tuple[int, float]] = {
    "mobile": (520, 0.045),
    "desktop": (280, 0.085),
}
PRICING_FILE = "pricing_page.csv.gz"


def make_pricing_page(seed: int = 20261183, days: int = 28) -> pd.DataFrame:
    """Generate the pricing-page experiment (deterministic for a given ``seed``).

    A redesigned pricing page (``variant == "redesign"``) that, as generated, changes
    nothing: both arms sign up at the same rate. Four weeks of visitors on mobile and
    desktop. Read every day with a fixed-horizon test, it looks like a winner on the
    eighth day (a lift of about +24%, p about 0.01) and fades to nothing by the end:
    the peeking problem on real-looking data. The seed was picked among the first 60
    from 20261125 as the first whose daily reading crosses p < 0.05 after the first
    week while the final reading is far from significant (about one seed in ten
    does; a daily reading crosses at some day in about a quarter of them).

    Columns: ``user_id, date, device, variant, signed_up, pre_visits``:
    ``pre_visits`` is the visits in the four weeks before.
    """
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    start = dt.date(2026, 9, 7)
    frames = []
    for device, (per_day, rate) in PRICING_DEVICES.items():
        counts = rng.poisson(per_day, size=days)
        n = int(counts.sum())
        dates = np.repeat([start + dt.timedelta(days=i) for i in range(days)], counts)
        treated = rng.random(n) < 0.5
        intent = rng.lognormal(-0.3, 0.8, size=n)
        signed_up = rng.random(n) < np.clip(rate * intent, 0, 1)
        frames.append(
            pd.DataFrame(
                {
                    "date": pd.to_datetime(dates).strftime("%Y-%m-%d"),
                    "device": device,
                    "variant": np.where(treated, "redesign", "control"),
                    "signed_up": signed_up.astype(np.int8),
                    "pre_visits": rng.poisson(3 * intent),
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    frame = frame.sort_values(["date", "device"], kind="stable", ignore_index=True)
    frame.insert(0, "user_id", [f"p{i:06d}" for i in range(len(frame))])
    return frame


def pricing_page() -> pd.DataFrame:
    """The shipped pricing-page experiment: one row per visitor, four weeks, no true effect.

    Columns: ``user_id, date, device, variant, signed_up, pre_visits``; ``variant`` is
    ``control`` or ``redesign`` (see :func:`make_pricing_page`).

    Examples:
        >>> from hypokit.datasets import pricing_page
        >>> data = pricing_page()
        >>> data["date"].nunique(), sorted(data["variant"].unique())
        (28, ['control', 'redesign'])
    """
    return _read(PRICING_FILE)


def demo_sizing() -> str:
    """The sizing demo: checkout conversion and revenue, sized per segment from history."""
    import hypokit as hk

    history = checkout_history()
    conversion: SizingPlan = hk.size(
        hk.Proportion("converted"),
        mde=0.10,
        relative=True,
        correction="holm",
        whole_weeks=True,
        data=history,
        segments="segment",
        date="date",
    )
    revenue: SizingPlan = hk.size(
        hk.Mean("revenue", covariate="pre_revenue"),
        mde=0.10,
        relative=True,
        correction="holm",
        whole_weeks=True,
        data=history,
        segments="segment",
        date="date",
    )
    lines = [
        "hypokit demo: sizing a checkout experiment per segment",
        f"history: {len(history):,} users over {history['date'].nunique()} days "
        "(hypokit.datasets.checkout_history)",
        "",
        "Checkout conversion, +10% relative, two-sided, holm across segments:",
        conversion.to_string(),
        "",
        "Revenue per user, +10% relative, CUPED on pre-period revenue:",
        revenue.to_string(),
        "",
        f"Longest segment: {max(conversion.days or 0, revenue.days or 0)} days "
        "(rounded up to whole weeks).",
    ]
    return "\n".join(lines)


def demo_analysis() -> str:
    """The analysis demo: the express-pay experiment per segment, with its warnings."""
    import hypokit as hk

    data = checkout_experiment()
    result = hk.analyze(
        data,
        variant="variant",
        control="control",
        segments="segment",
        metrics=[
            hk.Proportion("converted"),
            hk.Mean("revenue", covariate="pre_revenue"),
            hk.Ratio("revenue", "sessions"),
        ],
    )
    table = result.to_pandas()[
        ["segment", "metric", "n_control", "n_variant", "lift", "lift_ci_low", "lift_ci_high",
         "p_adjusted", "significant"]
    ]  # fmt: skip
    return "\n".join(
        [
            "hypokit demo: analysing the express-pay checkout experiment per segment",
            f"data: {len(data):,} users (hypokit.datasets.checkout_experiment)",
            "",
            table.to_string(index=False, float_format=lambda x: f"{x:.4f}"),
            "",
            "Summary: " + result.summary(),
            "",
            "Warnings:",
            *[f"- [{f.kind}] {f.message}" for f in result.warnings],
        ]
    )
