"""Seeded synthetic experiments for the benchmarks: N units, 12 segments, 2 arms.

Columns: ``segment`` and ``variant`` (strings), ``converted`` (0/1), ``revenue`` with its
pre-period ``pre_revenue`` (CUPED), and ``sessions`` (the denominator of revenue per
session).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEGMENTS = [f"segment_{i:02d}" for i in range(12)]
# Unequal sizes: segment i gets a share proportional to 1.35**i.
SHARES = np.array([1.35**i for i in range(12)]) / sum(1.35**i for i in range(12))


def make_experiment(n: int, seed: int = 2026, categorical: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    seg_idx = rng.choice(12, size=n, p=SHARES)
    treat = rng.random(n) < 0.5
    propensity = rng.lognormal(-0.5, 0.8, size=n)
    base = 0.05 + 0.01 * (seg_idx % 5)
    converted = rng.random(n) < np.clip(base * propensity * np.where(treat, 1.03, 1.0), 0, 1)
    sessions = 1 + rng.poisson(1.5, size=n)
    revenue = np.where(converted, rng.gamma(3.0, 15.0, size=n) * propensity**0.5, 0.0)
    pre_revenue = rng.poisson(2 * base * propensity) * rng.gamma(3.0, 15.0, size=n)
    frame = pd.DataFrame(
        {
            "segment": np.array(SEGMENTS, dtype=object)[seg_idx],
            "variant": np.where(treat, "treatment", "control").astype(object),
            "converted": converted.astype(np.int64),
            "revenue": revenue,
            "pre_revenue": pre_revenue,
            "sessions": sessions.astype(np.int64),
        }
    )
    if categorical:
        frame = frame.astype({"segment": "category", "variant": "category"})
    return frame
