"""Benchmark: hk.analyze by method, and the beta-binomial comparison on its own.

Two measurements, each printed as ratios to a baseline timed in the same run:

1. ``hk.analyze`` on one seeded experiment (default 1 million units, 50 segments of
   unequal size, 2 arms, a proportion and a CUPED mean) with
   ``method="frequentist"`` (the baseline), ``"sequential"`` and ``"bayesian"``. The
   Bayesian method runs :func:`~hypokit.stats.bayes_proportions` on every (segment,
   variant) row of the proportion and :func:`~hypokit.stats.bayes_normal` on the mean.
2. ``bayes_proportions`` alone on ``--rows`` (default 1,000) rows of typical A/B counts
   (100 to 10 million units per arm, rates 0.1% to 50%), against
   ``compare_proportions`` (the z-test) on the same rows: the time per row and the
   ratio. (An earlier version took 0.07-0.1 s a row, one row at a time.)

Times are the best of ``--repeat`` runs. Run from the repository root::

    python benchmarks/bench_methods.py
    python benchmarks/bench_methods.py --units 10000000 --segments 100 --repeat 5
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _data import make_experiment

import hypokit as hk
from hypokit.stats import ProportionStats, bayes_proportions, compare_proportions

METRICS = [hk.Proportion("converted"), hk.Mean("revenue", covariate="pre_revenue")]
METHODS = ("frequentist", "sequential", "bayesian")


def make_data(units: int, segments: int, seed: int) -> pd.DataFrame:
    """The benchmark experiment of ``_data.py`` re-cut into ``segments`` unequal segments."""
    df = make_experiment(units, seed=seed)
    rng = np.random.default_rng(seed + 1)
    share = 1.1 ** np.arange(segments)
    names = np.array([f"segment_{i:03d}" for i in range(segments)], dtype=object)
    df["segment"] = names[rng.choice(segments, size=units, p=share / share.sum())]
    return df


def make_rows(rows: int, seed: int) -> tuple[ProportionStats, ProportionStats]:
    """Typical A/B counts: 100 to 10 million units per arm, rates 0.1% to 50%."""
    rng = np.random.default_rng(seed)
    n_c = np.exp(rng.uniform(math.log(100), math.log(1e7), rows)).astype(np.int64)
    n_v = (n_c * rng.uniform(0.9, 1.1, rows)).astype(np.int64)
    rate = np.exp(rng.uniform(math.log(0.001), math.log(0.5), rows))
    s_c = rng.binomial(n_c, rate)
    s_v = rng.binomial(n_v, np.minimum(rate * rng.uniform(0.95, 1.1, rows), 1.0))
    return ProportionStats(n_c, s_c), ProportionStats(n_v, s_v)


def best_time(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def run_analyze(df: pd.DataFrame, method: str) -> Any:
    return hk.analyze(
        df,
        variant="variant",
        control="control",
        segments="segment",
        metrics=METRICS,
        method=method,
        progress=False,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--segments", type=int, default=50)
    parser.add_argument("--rows", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    print(
        f"data: {args.units:,} units, {args.segments} segments, 2 arms, "
        f"a proportion and a CUPED mean (seed {args.seed})"
    )
    df = make_data(args.units, args.segments, args.seed)
    figures: dict[str, float] = {}
    for method in METHODS:
        table = run_analyze(df, method).to_pandas()  # warm-up, and a look at the output
        figures[method] = best_time(lambda m=method: run_analyze(df, m), args.repeat)
        if method == "bayesian":
            assert table["prob_beats_control"].notna().all(), "Bayesian rows without P"
    rows = len(table)

    base = figures["frequentist"]
    print(f"\nhk.analyze ({rows} rows in the table)")
    print(f"{'method':<14}{'seconds':>10}{'x frequentist':>16}")
    for method in METHODS:
        print(f"{method:<14}{figures[method]:>10.3f}{figures[method] / base:>16.2f}")

    control, variant = make_rows(args.rows, args.seed)
    bayes_proportions(control, variant)  # warm-up
    t_bayes = best_time(lambda: bayes_proportions(control, variant), args.repeat)
    t_freq = best_time(lambda: compare_proportions(control, variant), args.repeat)
    print(f"\nbayes_proportions on {args.rows:,} rows (100 to 10M units per arm, 0.1% to 50%)")
    print(f"{'function':<22}{'seconds':>10}{'ms per row':>12}{'x z-test':>10}")
    for name, seconds in (("compare_proportions", t_freq), ("bayes_proportions", t_bayes)):
        per_row = seconds / args.rows * 1e3
        print(f"{name:<22}{seconds:>10.4f}{per_row:>12.4f}{seconds / t_freq:>10.0f}")
    print(
        f"\nbayes_proportions: {t_bayes / args.rows * 1e3:.2f} ms per row "
        "(goal < 5 ms; one row at a time it took 70-100 ms)"
    )


if __name__ == "__main__":
    main()
