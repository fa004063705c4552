"""Benchmark: hk.analyze against a DuckDB GROUP BY floor, a pandas + scipy loop and tea-tasting.

The data: a seeded synthetic experiment of N rows (default 10 million), 12 segments of
unequal size, 2 arms, string ``segment`` and ``variant`` columns, and three metrics (a
proportion, a mean with CUPED, a ratio). Every implementation's numbers are checked
against hk.analyze before anything is timed; times are the best of ``--repeat`` runs
and are printed as ratios to the DuckDB floor measured in the same run.

Peak memory beyond the input frame is measured in a fresh process per implementation
(Linux: the peak resident set is reset after the data is built).

Run from the repository root after ``pip install -e ".[bench]"``::

    python benchmarks/bench_analyze.py            # 10 million rows
    python benchmarks/bench_analyze.py --rows 1000000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _data import make_experiment

import hypokit as hk

METRICS = [
    hk.Proportion("converted"),
    hk.Mean("revenue", covariate="pre_revenue"),
    hk.Ratio("revenue", "sessions"),
]

FLOOR_SQL = """
SELECT segment, variant, COUNT(*) AS n,
  SUM(converted) AS s_conv,
  SUM(revenue) AS s_y, SUM(revenue * revenue) AS s_y2,
  SUM(pre_revenue) AS s_c, SUM(pre_revenue * pre_revenue) AS s_c2,
  SUM(revenue * pre_revenue) AS s_yc,
  SUM(sessions) AS s_x, SUM(sessions * sessions) AS s_x2, SUM(revenue * sessions) AS s_xy
FROM df GROUP BY segment, variant
"""


# ------------------------------------------------------------------ implementations
def run_duckdb_floor(df: pd.DataFrame) -> pd.DataFrame:
    import duckdb

    con = duckdb.connect()
    con.register("df", df)
    out = con.execute(FLOOR_SQL).df()
    con.close()
    return out


def run_hypokit(df: pd.DataFrame) -> pd.DataFrame:
    result = hk.analyze(
        df, variant="variant", control="control", segments="segment", metrics=METRICS
    )
    return result.to_pandas()


def _welch(y_c, y_v):
    from scipy import stats

    res = stats.ttest_ind(y_v, y_c, equal_var=False)
    return float(np.mean(y_v) - np.mean(y_c)), float(res.pvalue)


def run_pandas_scipy(df: pd.DataFrame) -> pd.DataFrame:
    """What an analyst writes in a notebook: a loop over segments with scipy."""
    from scipy import stats

    rows = []
    for segment, g in df.groupby("segment", sort=True):
        c = g[g["variant"] == "control"]
        v = g[g["variant"] == "treatment"]
        # conversion: pooled z-test
        n_c, n_v = len(c), len(v)
        p_c, p_v = c["converted"].mean(), v["converted"].mean()
        p = (c["converted"].sum() + v["converted"].sum()) / (n_c + n_v)
        z = (p_v - p_c) / np.sqrt(p * (1 - p) * (1 / n_c + 1 / n_v))
        rows.append((segment, "converted", p_v - p_c, 2 * stats.norm.sf(abs(z))))
        # revenue with CUPED (theta over both arms)
        theta = np.cov(g["revenue"], g["pre_revenue"])[0, 1] / g["pre_revenue"].var()
        mean_pre = g["pre_revenue"].mean()
        adj_c = c["revenue"] - theta * (c["pre_revenue"] - mean_pre)
        adj_v = v["revenue"] - theta * (v["pre_revenue"] - mean_pre)
        rows.append((segment, "revenue", *_welch(adj_c.to_numpy(), adj_v.to_numpy())))
        # revenue per session, delta method
        est = []
        for arm in (c, v):
            y, x = arm["revenue"].to_numpy(), arm["sessions"].to_numpy()
            r = y.mean() / x.mean()
            lin = (y - r * x) / x.mean()
            est.append((r, lin.var(ddof=1) / len(y)))
        eff = est[1][0] - est[0][0]
        z = eff / np.sqrt(est[0][1] + est[1][1])
        rows.append((segment, "revenue/sessions", eff, 2 * stats.norm.sf(abs(z))))
    return pd.DataFrame(rows, columns=["segment", "metric", "effect", "p_value"])


def run_tea_tasting(df: pd.DataFrame) -> pd.DataFrame:
    """tea-tasting called once per segment, as its documentation suggests."""
    import tea_tasting as tt

    experiment = tt.Experiment(
        converted=tt.Mean("converted"),
        revenue=tt.Mean("revenue", "pre_revenue"),
        rps=tt.RatioOfMeans("revenue", "sessions"),
    )
    names = {"converted": "converted", "revenue": "revenue", "rps": "revenue/sessions"}
    rows = []
    for segment in sorted(df["segment"].unique()):
        result = experiment.analyze(df[df["segment"] == segment], control="control")
        for rec in result.to_dicts():
            rows.append((segment, names[rec["metric"]], rec["effect_size"], rec["pvalue"]))
    return pd.DataFrame(rows, columns=["segment", "metric", "effect", "p_value"])


IMPLEMENTATIONS = {
    "duckdb_floor": run_duckdb_floor,
    "hypokit": run_hypokit,
    "pandas_scipy": run_pandas_scipy,
    "tea_tasting": run_tea_tasting,
}


# --------------------------------------------------------------------------- checks
def check_agreement(df: pd.DataFrame, available: list[str]) -> None:
    ours = run_hypokit(df)
    ours = ours[ours["segment"] != "(all)"].set_index(["segment", "metric"])
    floor = run_duckdb_floor(df).set_index(["segment", "variant"])
    n = floor["n"].unstack()
    assert (
        ours["n_control"] == n["control"].reindex(ours.index.get_level_values(0)).to_numpy()
    ).all()
    for name in ("pandas_scipy", "tea_tasting"):
        if name not in available:
            continue
        other = IMPLEMENTATIONS[name](df).set_index(["segment", "metric"])
        joined = ours.join(other, rsuffix="_other", how="inner")
        assert len(joined) == len(ours), f"{name}: rows differ"
        # CUPED estimates differ slightly between implementations' theta pooling.
        tol = np.where(joined.index.get_level_values(1) == "revenue", 2e-3, 1e-7)
        rel = np.abs(joined["effect"] - joined["effect_other"]) / np.abs(joined["effect"]).clip(
            1e-12
        )
        assert (rel <= tol).all(), f"{name}: effects disagree\n{joined[rel > tol]}"
        print(
            f"  {name}: effects agree with hypokit on {len(joined)} rows "
            f"(max relative difference {rel.max():.1e})"
        )


# ----------------------------------------------------------------------------- timing
def best_time(fn, df, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(df)
        times.append(time.perf_counter() - t0)
    return min(times)


def _rss_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(field)


def measure_memory(name: str, rows: int, seed: int, categorical: bool) -> float:
    """Peak memory (MiB) beyond the input frame, in a fresh process."""
    code = (
        "import sys, gc; sys.argv=['x']; "
        f"sys.path.insert(0, {str(Path(__file__).resolve().parent)!r}); "
        "import bench_analyze as b; "
        f"df = b.make_experiment({rows}, seed={seed}, categorical={categorical}); "
        "b.IMPLEMENTATIONS[" + repr(name) + "](df.head(1000)); gc.collect(); "
        "open('/proc/self/clear_refs', 'w').write('5'); "
        "base = b._rss_kib('VmRSS'); "
        "b.IMPLEMENTATIONS[" + repr(name) + "](df); "
        "print((b._rss_kib('VmHWM') - base) / 1024)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-memory", action="store_true", help="skip the memory runs")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    parser.add_argument(
        "--categorical",
        action="store_true",
        help="store segment and variant as pandas categoricals instead of strings",
    )
    args = parser.parse_args()

    available = ["duckdb_floor", "hypokit", "pandas_scipy"]
    try:
        import tea_tasting  # noqa: F401

        available.append("tea_tasting")
    except ImportError:
        print("tea-tasting is not installed (pip install -e '.[bench]'); skipping it")

    kind = "categorical" if args.categorical else "string"
    print(f"data: {args.rows:,} rows, 12 segments, 2 arms, {kind} keys (seed {args.seed})")
    df = make_experiment(args.rows, seed=args.seed, categorical=args.categorical)
    print("checking that the implementations agree ...")
    check_agreement(df, available)

    figures: dict[str, dict[str, float]] = {}
    for name in available:
        repeat = 1 if name in ("tea_tasting", "pandas_scipy") else args.repeat
        IMPLEMENTATIONS[name](df.head(1000))  # warm up imports
        figures[name] = {"seconds": best_time(IMPLEMENTATIONS[name], df, repeat)}
    if not args.no_memory and os.path.exists("/proc/self/clear_refs"):
        for name in available:
            figures[name]["peak_mib"] = measure_memory(name, args.rows, args.seed, args.categorical)

    floor = figures["duckdb_floor"]["seconds"]
    ours = figures["hypokit"]["seconds"]
    print(f"\n{'implementation':<16}{'seconds':>10}{'x floor':>10}{'peak MiB':>10}")
    for name, fig in figures.items():
        mem = f"{fig['peak_mib']:.0f}" if "peak_mib" in fig else "-"
        print(f"{name:<16}{fig['seconds']:>10.3f}{fig['seconds'] / floor:>10.2f}{mem:>10}")
    print(f"\nhk.analyze / DuckDB GROUP BY floor: {ours / floor:.2f}x (goal <= 1.3x)")
    if "tea_tasting" in figures:
        speedup = figures["tea_tasting"]["seconds"] / ours
        print(f"tea-tasting per segment / hk.analyze: {speedup:.1f}x faster (goal >= 20x)")
    print(
        f"pandas + scipy loop / hk.analyze: {figures['pandas_scipy']['seconds'] / ours:.1f}x faster"
    )
    if "peak_mib" in figures["hypokit"]:
        print(
            f"hk.analyze peak memory beyond the input: {figures['hypokit']['peak_mib']:.0f} MiB "
            "(goal < 256 MiB)"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
