"""Benchmark: hk.analyze on Parquet, polars and Spark against each engine's own GROUP BY.

The data: a seeded synthetic experiment (12 segments of unequal size, 2 arms, string
``segment`` and ``variant``, a proportion, a mean with a CUPED covariate and a ratio)
written to Parquet by DuckDB straight from ``range(N)`` (``benchmarks/_parquet.py``),
never held in pandas; files are cached under ``--data-dir`` and reused.

What is measured, at ``--rows`` (default 10 million):

* **DuckDB**: a hand-written ``GROUP BY segment, variant`` over the Parquet file that
  computes the counts and sums the three metrics need (the floor) against
  ``hk.analyze(path)``; goal within 1.2x.
* **polars**: one ``group_by`` with the same sums over a polars frame read from that
  file against ``hk.analyze(polars_frame)``; goal within 1.3x.
* **Spark** (local[2], shuffle partitions 2, reading the same file): a plain
  ``df.groupBy(...).agg(F.count, F.sum, ...)`` collected against
  ``hk.analyze(spark_df)``; goal under 1.5x. If hk.analyze refuses a Spark DataFrame
  (ValidationError), that is printed and the rest goes on.

Before anything is timed, every engine's hk.analyze table is checked against the
reference, hk.analyze on a pandas frame read from the same file (effects to a relative
1e-9, counts exactly), and each floor's per-(segment, variant) counts against the
reference's ``n_control``/``n_variant``. Times are the best of ``--repeat`` runs, the
floor and hk.analyze alternating, and ratios are to the floor of the same run.

Then, in fresh processes, ``hk.analyze(path)`` on the ``--rows`` file and on a
``--big-rows`` file (default 100 million): the best of ``--repeat`` times and the peak
resident memory of the whole process (Linux: ``/proc/self/clear_refs`` resets the peak
after a warm-up on a small file, then ``VmHWM`` is read; goal under 1 GiB at 100
million rows), and the ratio of the two times (linear scaling is ``big-rows / rows``).
Each file gets two processes, the files alternating, so that a burst of other work on
the machine does not land on one file only. The big file is skipped with
``--skip-big``, or when it is not cached and the data directory has less than 15 GB
free. (The files are small: zstd Parquet of this data is about 2.9 bytes a row.)

Times on a shared machine are only as good as its quiet: the load average is printed
at the start and the end.

Run from the repository root after ``pip install -e ".[bench]"`` plus polars and pyspark
(Spark needs Java 17)::

    python benchmarks/bench_engines.py                     # 10M and 100M rows, all engines
    python benchmarks/bench_engines.py --rows 1000000 --skip-big --skip-spark --repeat 3
    python benchmarks/bench_engines.py --json engines.json --data-dir /scratch/hk-bench
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _parquet import default_data_dir, parquet_path, write_experiment

import hypokit as hk

METRICS = [
    hk.Proportion("converted"),
    hk.Mean("revenue", covariate="pre_revenue"),
    hk.Ratio("revenue", "sessions"),
]
ANALYZE = {"variant": "variant", "control": "control", "segments": "segment", "metrics": METRICS}

#: The sums the three metrics need, as (alias, column, column or None): the floor of
#: every engine computes these and COUNT(*) per (segment, variant).
SUMS = [
    ("s_conv", "converted", None),
    ("s_y", "revenue", None),
    ("s_y2", "revenue", "revenue"),
    ("s_c", "pre_revenue", None),
    ("s_c2", "pre_revenue", "pre_revenue"),
    ("s_yc", "revenue", "pre_revenue"),
    ("s_x", "sessions", None),
    ("s_x2", "sessions", "sessions"),
    ("s_xy", "revenue", "sessions"),
]
GOALS = {"duckdb": 1.2, "polars": 1.3, "spark": 1.5}
LABELS = {
    "duckdb": ("hk.analyze(path)", "DuckDB query", "DuckDB GROUP BY over the Parquet file"),
    "polars": ("hk.analyze(polars frame)", "polars group_by", "polars group_by on the frame"),
    "spark": ("hk.analyze(Spark DataFrame)", "Spark groupBy", "Spark groupBy().agg().collect()"),
}
EFFECT_RTOL = 1e-9
MIN_FREE_BYTES = 15 * 10**9
MEMORY_GOAL_MIB = 1024.0
#: Fresh processes per file in the scaling runs (best time and highest peak over them).
FRESH_ROUNDS = 2


# ---------------------------------------------------------------------------- floors
def duckdb_floor_sql(path: str) -> str:
    sums = ",\n  ".join(f"SUM({a}{f' * {b}' if b else ''}) AS {alias}" for alias, a, b in SUMS)
    source = "read_parquet('" + path.replace("'", "''") + "')"
    return (
        f"SELECT segment, variant, COUNT(*) AS n,\n  {sums}\n"
        f"FROM {source} GROUP BY segment, variant"
    )


def polars_aggs() -> list[Any]:
    import polars as pl

    out = [pl.len().alias("n")]
    for alias, a, b in SUMS:
        expr = pl.col(a) if b is None else pl.col(a) * pl.col(b)
        out.append(expr.sum().alias(alias))
    return out


def spark_aggs() -> list[Any]:
    from pyspark.sql import functions as F  # noqa: N812

    out = [F.count(F.lit(1)).alias("n")]
    for alias, a, b in SUMS:
        expr = F.col(a) if b is None else F.col(a) * F.col(b)
        out.append(F.sum(expr).alias(alias))
    return out


def start_spark(path: str) -> tuple[Any, Any, float]:
    """A local[2] Spark session and a DataFrame over ``path``; also the start-up seconds."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    t0 = time.perf_counter()
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("hypokit-bench-engines")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "4g")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    sdf = spark.read.parquet(path)
    sdf.limit(1).collect()  # JVM, Parquet reader and schema resolved before timing
    return spark, sdf, time.perf_counter() - t0


# ---------------------------------------------------------------------------- checks
class CheckError(AssertionError):
    pass


def analyze_table(data: Any) -> pd.DataFrame:
    return hk.analyze(data, **ANALYZE).to_pandas()


def compare_tables(table: pd.DataFrame, reference: pd.DataFrame) -> float:
    """Max relative difference of the effects; raises CheckError on any disagreement."""
    key = ["segment", "metric", "variant"]
    joined = reference.merge(table, on=key, how="outer", suffixes=("", "_o"), indicator=True)
    if (joined["_merge"] != "both").any():
        odd = joined.loc[joined["_merge"] != "both", [*key, "_merge"]]
        raise CheckError(f"the tables have different rows:\n{odd}")
    for col in ("n_control", "n_variant"):
        if not (joined[col].to_numpy() == joined[f"{col}_o"].to_numpy()).all():
            raise CheckError(f"{col} differs")
    a = joined["effect"].to_numpy(np.float64)
    b = joined["effect_o"].to_numpy(np.float64)
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), 1e-300)
    rel = np.where(np.isnan(a) & np.isnan(b), 0.0, np.abs(a - b) / scale)
    if not (rel <= EFFECT_RTOL).all():  # NaN on one side only fails here too
        raise CheckError(
            f"effects differ by more than {EFFECT_RTOL:g} relative:\n"
            f"{joined.loc[~(rel <= EFFECT_RTOL), [*key, 'effect', 'effect_o']]}"
        )
    return float(rel.max())


def check_counts(rows: list[Any], reference: pd.DataFrame, n_rows: int) -> None:
    """The floor's COUNT(*) per (segment, variant) equals hk's n_control / n_variant."""
    counts = {(str(r[0]), str(r[1])): int(r[2]) for r in rows}
    if sum(counts.values()) != n_rows:
        raise CheckError(f"the floor counts {sum(counts.values()):,} rows, not {n_rows:,}")
    seg = reference[reference["segment"] != "(all)"]
    if len(counts) != 2 * seg["segment"].nunique():
        raise CheckError(f"the floor has {len(counts)} groups")
    for r in seg.itertuples(index=False):
        if counts[(r.segment, "control")] != r.n_control or counts[(r.segment, r.variant)] != (
            r.n_variant
        ):
            raise CheckError(f"counts differ in {r.segment}")


# ---------------------------------------------------------------------------- timing
def best_of(fns: dict[str, Callable[[], Any]], repeat: int) -> dict[str, float]:
    """Best wall time of each function over ``repeat`` rounds, the functions alternating."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: min(t) for name, t in times.items()}


def _load() -> str:
    """The 1, 5 and 15 minute load averages, or "-" where the OS has none."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "-"


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(field)


def child_measure(path: str, warm: str, repeat: int) -> None:
    """In a fresh process: best time and peak memory of hk.analyze(path); prints JSON."""
    hk.analyze(warm, **ANALYZE)  # imports, DuckDB's connection
    gc.collect()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset VmHWM to the current resident set
    start = _status_kib("VmRSS")
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        hk.analyze(path, **ANALYZE)
        times.append(time.perf_counter() - t0)
    peak = _status_kib("VmHWM")
    print(
        json.dumps(
            {
                "seconds": min(times),
                "times": times,
                "start_mib": start / 1024,
                "peak_mib": peak / 1024,
                "beyond_start_mib": (peak - start) / 1024,
            }
        )
    )


def measure_fresh(path: Path, warm: Path, repeat: int) -> dict[str, Any]:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        str(path),
        "--warm",
        str(warm),
        "--repeat",
        str(repeat),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"the measuring process failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------------------ data
def ensure_file(n: int, seed: int, data_dir: Path, check_space: bool = False) -> Path | None:
    path = parquet_path(n, seed, data_dir)
    if not path.exists() and check_space:
        data_dir.mkdir(parents=True, exist_ok=True)
        free = shutil.disk_usage(data_dir).free
        if free < MIN_FREE_BYTES:
            print(
                f"data: skipping {n:,} rows: {free / 1e9:.1f} GB free in {data_dir}, "
                f"need {MIN_FREE_BYTES / 1e9:.0f} GB"
            )
            return None
    t0 = time.perf_counter()
    path, written = write_experiment(n, seed, data_dir)
    how = f"written in {time.perf_counter() - t0:.1f} s" if written else "cached"
    print(f"data: {n:,} rows -> {path} ({path.stat().st_size / 2**20:,.0f} MiB, {how})")
    return path


# ----------------------------------------------------------------- engine pairs
# Each yields (floor, ours): the engine's own aggregation, returning its rows, and
# hk.analyze on the same data in that engine's form. Loading is not timed.
@contextmanager
def duckdb_pair(path: str, meta: dict[str, Any]) -> Iterator[tuple[Callable[[], Any], ...]]:
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    sql = duckdb_floor_sql(path)
    try:
        yield (lambda: con.execute(sql).fetchall(), lambda: hk.analyze(path, **ANALYZE))
    finally:
        con.close()


@contextmanager
def polars_pair(path: str, meta: dict[str, Any]) -> Iterator[tuple[Callable[[], Any], ...]]:
    import polars as pl

    meta["polars"] = pl.__version__
    frame = pl.read_parquet(path)
    aggs = polars_aggs()
    yield (
        lambda: frame.group_by("segment", "variant").agg(aggs).rows(),
        lambda: hk.analyze(frame, **ANALYZE),
    )


@contextmanager
def spark_pair(path: str, meta: dict[str, Any]) -> Iterator[tuple[Callable[[], Any], ...]]:
    import pyspark

    meta["pyspark"] = pyspark.__version__
    spark, sdf, startup = start_spark(path)
    meta["spark_startup_seconds"] = startup
    print(f"  spark: local[2] session started in {startup:.1f} s (not timed)")
    aggs = spark_aggs()
    try:
        yield (
            lambda: sdf.groupBy("segment", "variant").agg(*aggs).collect(),
            lambda: hk.analyze(sdf, **ANALYZE),
        )
    finally:
        spark.stop()


# ------------------------------------------------------------------------------ main
def run_engine(
    name: str,
    floor: Callable[[], list[Any]],
    ours: Callable[[], Any],
    reference: pd.DataFrame,
    rows: int,
    repeat: int,
) -> dict[str, Any]:
    """Check, then time, one engine's floor against hk.analyze."""
    fig: dict[str, Any] = {"goal": GOALS[name]}
    check_counts(floor(), reference, rows)
    print(f"  {name}: floor counts equal hk.analyze's n_control / n_variant")
    try:
        table = ours().to_pandas()
    except hk.ValidationError as exc:
        print(f"  {name}: hk.analyze does not accept this input yet (ValidationError: {exc})")
        fig["floor_seconds"] = best_of({"floor": floor}, repeat)["floor"]
        fig["hk_error"] = f"ValidationError: {exc}"
        return fig
    fig["max_rel_effect_diff"] = compare_tables(table, reference)
    print(
        f"  {name}: hk.analyze agrees with the reference on {len(table)} rows "
        f"(max relative effect difference {fig['max_rel_effect_diff']:.1e})"
    )
    t = best_of({"floor": floor, "hk": ours}, repeat)
    fig.update(floor_seconds=t["floor"], hk_seconds=t["hk"], ratio=t["hk"] / t["floor"])
    return fig


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--big-rows", type=int, default=100_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--skip-spark", action="store_true", help="leave Spark out")
    parser.add_argument("--skip-big", action="store_true", help="leave the --big-rows file out")
    parser.add_argument("--data-dir", type=Path, default=default_data_dir())
    parser.add_argument("--json", help="also write the figures to this JSON file")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--warm", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_measure(args.child, args.warm, args.repeat)
        return 0

    import duckdb

    print(
        f"hypokit {hk.__version__}, duckdb {duckdb.__version__}, Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs; best of {args.repeat}; "
        f"load average {_load()} (other work on the machine slows every figure)"
    )
    path = ensure_file(args.rows, args.seed, args.data_dir)
    assert path is not None
    warm = ensure_file(10_000, args.seed, args.data_dir)
    assert warm is not None
    spath = str(path)
    figures: dict[str, Any] = {
        "meta": {
            "rows": args.rows,
            "big_rows": args.big_rows,
            "repeat": args.repeat,
            "seed": args.seed,
            "cpus": os.cpu_count(),
            "hypokit": hk.__version__,
            "duckdb": duckdb.__version__,
            "python": platform.python_version(),
            "load_at_start": _load(),
        },
        "engines": {},
    }
    failed: list[str] = []

    print("reference: hk.analyze on a pandas frame read from the file ...")
    frame = pd.read_parquet(spath)
    reference = analyze_table(frame)
    del frame
    gc.collect()

    print("checking, then timing ...")
    for name, build in (("duckdb", duckdb_pair), ("polars", polars_pair), ("spark", spark_pair)):
        if name == "spark" and args.skip_spark:
            continue
        try:
            with build(spath, figures["meta"]) as (floor, ours):
                figures["engines"][name] = run_engine(
                    name, floor, ours, reference, args.rows, args.repeat
                )
        except CheckError as exc:
            print(f"  {name}: CHECK FAILED, not timed: {exc}")
            figures["engines"][name] = {"goal": GOALS[name], "error": f"check failed: {exc}"}
            failed.append(name)
        except Exception as exc:
            traceback.print_exc()
            print(f"  {name}: ERROR, not timed: {type(exc).__name__}: {exc}")
            figures["engines"][name] = {"goal": GOALS[name], "error": repr(exc)}
            failed.append(name)
        gc.collect()

    # ------------------------------------------------------- scaling, fresh processes
    scaling: dict[str, Any] = {}
    can_measure = os.path.exists("/proc/self/clear_refs")
    if not can_measure:
        print("scaling: /proc/self/clear_refs is missing (not Linux); skipping")
    big = None
    if can_measure and not args.skip_big:
        big = ensure_file(args.big_rows, args.seed, args.data_dir, check_space=True)
    if can_measure:
        print(
            f"scaling: hk.analyze(path), each file in {FRESH_ROUNDS} fresh processes, "
            "the files alternating ..."
        )
        files = [(n, p) for n, p in ((args.rows, path), (args.big_rows, big)) if p is not None]
        try:
            for _ in range(FRESH_ROUNDS):
                for n, p in files:
                    fig = measure_fresh(p, warm, args.repeat)
                    acc = scaling.setdefault(str(n), {"rows": n, **fig, "times": []})
                    acc["times"] += fig["times"]
                    acc["seconds"] = min(acc["times"])
                    for key in ("start_mib", "peak_mib", "beyond_start_mib"):
                        acc[key] = max(acc[key], fig[key])
        except Exception as exc:
            print(f"  scaling: ERROR: {exc}")
            failed.append("scaling")
    figures["scaling"] = scaling

    # ------------------------------------------------------------------------ report
    print(f"\n{args.rows:,} rows, best of {args.repeat} (seconds)")
    print(f"{'engine':<8}{'floor (same sums)':<40}{'floor':>9}{'hk':>9}{'ratio':>9}{'goal':>9}")
    for name, fig in figures["engines"].items():
        floor_s = f"{fig['floor_seconds']:.3f}" if "floor_seconds" in fig else "-"
        hk_s = f"{fig['hk_seconds']:.3f}" if "hk_seconds" in fig else "-"
        ratio = f"{fig['ratio']:.2f}x" if "ratio" in fig else "-"
        print(
            f"{name:<8}{LABELS[name][2]:<40}{floor_s:>9}{hk_s:>9}{ratio:>9}"
            f"{'<= ' + str(fig['goal']) + 'x':>9}"
        )
    if scaling:
        print("\nhk.analyze(path) in fresh processes (best time; peak = VmHWM after a warm-up)")
        print(f"{'rows':>14}{'seconds':>10}{'start MiB':>11}{'peak MiB':>10}{'beyond MiB':>12}")
        for s in scaling.values():
            print(
                f"{s['rows']:>14,}{s['seconds']:>10.3f}{s['start_mib']:>11.0f}"
                f"{s['peak_mib']:>10.0f}{s['beyond_start_mib']:>12.0f}"
            )

    print()
    for name, fig in figures["engines"].items():
        ours_label, floor_label, _ = LABELS[name]
        if "ratio" in fig:
            met = "met" if fig["ratio"] <= fig["goal"] else "NOT met"
            print(
                f"{ours_label} / {floor_label}: {fig['ratio']:.2f}x (goal <= {fig['goal']}x) {met}"
            )
        elif "hk_error" in fig:
            print(f"{ours_label} / {floor_label}: not measured ({fig['hk_error']})")
        else:
            print(f"{ours_label} / {floor_label}: not measured ({fig.get('error')})")
    big_fig = scaling.get(str(args.big_rows))
    if big_fig is not None:
        met = "met" if big_fig["peak_mib"] < MEMORY_GOAL_MIB else "NOT met"
        print(
            f"hk.analyze(path) peak memory at {args.big_rows:,} rows: "
            f"{big_fig['peak_mib']:.0f} MiB (goal < {MEMORY_GOAL_MIB:.0f} MiB) {met}"
        )
        small_fig = scaling.get(str(args.rows))
        if small_fig is not None:
            ratio = big_fig["seconds"] / small_fig["seconds"]
            scaling["time_ratio"] = ratio
            print(
                f"hk.analyze(path) time({args.big_rows:,}) / time({args.rows:,}): "
                f"{ratio:.1f} (linear = {args.big_rows / args.rows:.0f})"
            )
    elif args.skip_big:
        print(f"hk.analyze(path) at {args.big_rows:,} rows: skipped (--skip-big)")
    figures["meta"]["load_at_end"] = _load()
    print(f"load average at the end: {_load()}")
    if failed:
        print(f"\nFAILED: {', '.join(failed)}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
