"""The ``hypokit`` command line.

``hypokit size`` sizes a test from assumptions, a per-segment traffic CSV or historical
data; ``hypokit demo`` prints the shipped example. Commands for analysis, records and
notebooks are listed but report that they are not available yet.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from hypokit._errors import HypokitError
from hypokit._version import __version__

__all__ = ["main"]

_PLANNED = {
    "analyze": "analyze an A/B test per segment from a CSV or Parquet file (use hk.analyze)",
    "new": "create a notebook from a template",
    "learnings": "list learnings that are expired or due for review",
    "check": "check the record registry (exit 1 on findings)",
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hypokit",
        description="Outcome-driven experimentation: size A/B tests per customer segment.",
    )
    parser.add_argument("--version", action="version", version=f"hypokit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    size = sub.add_parser(
        "size",
        help="sample size, power and days of traffic per segment",
        description=(
            "Size an A/B test. Give the metric's assumptions on the command line "
            "(--baseline, or --mean/--sd), per segment in a CSV (--segments-csv), or "
            "estimate them from historical data (--data). Proportions follow R's "
            "power.prop.test; means and ratios R's power.t.test."
        ),
        epilog=(
            "examples:\n"
            "  hypokit size --metric proportion --baseline 0.1 --mde 0.02\n"
            "  hypokit size --metric mean --mean 12 --sd 30 --mde 0.05 --relative --traffic 5000\n"
            "  hypokit size --metric proportion --mde 0.1 --relative --segments-csv traffic.csv\n"
            "      (columns: segment, traffic, and baseline or mean/sd per segment)\n"
            "  hypokit size --metric proportion --mde 0.1 --relative --data history.csv \\\n"
            "      --column converted --segment-column segment --date-column date"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    m = size.add_argument_group("metric")
    m.add_argument(
        "--metric",
        choices=("proportion", "mean", "ratio"),
        default="proportion",
        help="kind of metric (default: proportion)",
    )
    m.add_argument("--baseline", type=float, help="control rate of a proportion, in (0, 1)")
    m.add_argument("--mean", type=float, help="control mean of a mean metric")
    m.add_argument("--sd", type=float, help="per-unit standard deviation of a mean metric")
    m.add_argument(
        "--correlation",
        type=float,
        help="correlation with the pre-period covariate (CUPED: variance x (1 - rho^2))",
    )
    e = size.add_argument_group("effect and test")
    e.add_argument("--mde", type=float, required=True, help="minimum detectable effect (signed)")
    e.add_argument(
        "--relative", action="store_true", help="--mde and --margin relative to baseline"
    )
    e.add_argument("--alpha", type=float, default=0.05, help="family-wise alpha (default 0.05)")
    e.add_argument("--power", type=float, default=0.8, help="target power (default 0.8)")
    e.add_argument(
        "--alternative",
        default="two-sided",
        choices=("two-sided", "greater", "less"),
        help="direction of the test (default two-sided)",
    )
    e.add_argument("--ratio", type=float, default=1.0, help="variant units per control unit")
    e.add_argument("--arms", type=int, default=2, help="arms including control (default 2)")
    e.add_argument(
        "--correction",
        choices=("bonferroni", "holm", "none"),
        default="none",
        help="share alpha across segments and arms (default none)",
    )
    e.add_argument("--margin", type=float, help="non-inferiority margin (one-sided tests)")
    e.add_argument("--method", help="proportions: pooled (default), unpooled or arcsine; means: t")
    t = size.add_argument_group("traffic and segments")
    t.add_argument("--traffic", type=float, help="eligible units per day (whole population)")
    t.add_argument(
        "--segments-csv",
        metavar="FILE",
        help="CSV with a 'segment' column, 'traffic' and optional per-segment baseline, "
        "mean, sd, correlation and mde columns",
    )
    t.add_argument("--whole-weeks", action="store_true", help="round durations up to whole weeks")
    h = size.add_argument_group("historical data")
    h.add_argument("--data", metavar="FILE", help="CSV or Parquet file, one row per unit")
    h.add_argument("--column", help="metric column in --data")
    h.add_argument("--covariate", help="pre-period covariate column in --data (CUPED)")
    h.add_argument("--numerator", help="ratio metric numerator column in --data")
    h.add_argument("--denominator", help="ratio metric denominator column in --data")
    h.add_argument("--segment-column", help="segment column in --data")
    h.add_argument("--date-column", help="date column in --data (traffic = units per date)")
    h.add_argument("--days", type=float, help="days --data covers, without a date column")
    size.add_argument(
        "--format", choices=("table", "csv", "json"), default="table", help="output format"
    )

    sub.add_parser("demo", help="size the shipped checkout example per segment and print the plan")
    for name, text in _PLANNED.items():
        p = sub.add_parser(name, help=f"{text} (not available yet)", add_help=True)
        p.add_argument("args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return parser


def _read_segments_csv(path: str) -> dict[str, dict[str, float]]:
    import pandas as pd

    from hypokit._history import read_frame

    frame = read_frame(path, name="--segments-csv")
    if "segment" not in frame.columns or "traffic" not in frame.columns:
        have = ", ".join(map(repr, frame.columns))
        raise HypokitError(
            f"--segments-csv {path!r} needs columns 'segment' and 'traffic'; it has {have}."
        )
    out: dict[str, dict[str, float]] = {}
    for col in ("traffic", "baseline", "mean", "sd", "correlation", "mde"):
        if col in frame.columns:
            values = pd.to_numeric(frame[col], errors="coerce")
            if values.isna().any():
                row = int(values.isna().to_numpy().nonzero()[0][0]) + 2
                raise HypokitError(
                    f"--segments-csv {path!r}, line {row}: column {col!r} must be a number."
                )
            out[col] = {str(s): float(v) for s, v in zip(frame["segment"], values, strict=True)}
    return out


def _run_size(ns: argparse.Namespace) -> int:
    import hypokit as hk

    per_segment = _read_segments_csv(ns.segments_csv) if ns.segments_csv else {}

    def pick(name: str, value: Any) -> Any:
        return per_segment.get(name, value)

    metric: Any
    if ns.metric == "proportion":
        metric = hk.Proportion(ns.column, baseline=pick("baseline", ns.baseline))
    elif ns.metric == "mean":
        metric = hk.Mean(
            ns.column,
            covariate=ns.covariate,
            mean=pick("mean", ns.mean),
            sd=pick("sd", ns.sd),
            correlation=pick("correlation", ns.correlation),
        )
    else:
        if ns.data is None:
            raise HypokitError(
                "--metric ratio is sized from --data with --numerator/--denominator."
            )
        metric = hk.Ratio(
            ns.numerator,
            ns.denominator,
            covariate=ns.covariate,
            correlation=pick("correlation", ns.correlation),
        )
    traffic = per_segment.get("traffic", ns.traffic)
    plan = hk.size(
        metric,
        mde=pick("mde", ns.mde),
        relative=ns.relative,
        alpha=ns.alpha,
        power=ns.power,
        alternative=ns.alternative,
        ratio=ns.ratio,
        arms=ns.arms,
        correction=None if ns.correction == "none" else ns.correction,
        traffic=traffic,
        margin=ns.margin,
        method=ns.method,
        whole_weeks=ns.whole_weeks,
        data=ns.data,
        segments=ns.segment_column,
        date=ns.date_column,
        days=ns.days,
    )
    _print_plan(plan, ns.format)
    return 0


def _print_plan(plan: Any, fmt: str) -> None:
    if fmt == "table":
        print(plan.to_string())
    elif fmt == "csv":
        print(plan.to_pandas().to_csv(index=False), end="")
    else:
        print(json.dumps(plan.to_records(), indent=2, default=float))


def _run_demo() -> int:
    from hypokit.datasets import demo_analysis, demo_sizing

    print(demo_sizing())
    print()
    print(demo_analysis())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 findings, 2 usage or input error)."""
    parser = _parser()
    ns = parser.parse_args(argv)
    if ns.command is None:
        parser.print_help()
        return 2
    try:
        if ns.command == "size":
            return _run_size(ns)
        if ns.command == "demo":
            return _run_demo()
        print(
            f"hypokit {ns.command}: not available yet in hypokit {__version__} "
            f"({_PLANNED[ns.command]}). See CHANGELOG.md.",
            file=sys.stderr,
        )
        return 2
    except HypokitError as exc:
        print(f"hypokit {ns.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
