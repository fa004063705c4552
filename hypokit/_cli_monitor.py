"""``hypokit monitor``: a running experiment's health, for a person or a scheduled job.

Exit status: 0 every segment keeps running; 1 a segment asks for action (stop for a
sample-ratio mismatch or for harm, or ready to analyse); 2 a usage or input error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
from typing import TYPE_CHECKING, Any

from hypokit._errors import HypokitError

if TYPE_CHECKING:
    from hypokit._analysis import Criterion
    from hypokit._monitor import Monitor

__all__ = ["add_parser", "run"]

_EPILOG = """\
guardrails (--guardrail, repeatable):
  METRIC:MARGIN             no drop of the metric beyond MARGIN (relative: 0.05 = 5%)
  METRIC:MARGIN:abs         MARGIN in the metric's units
  METRIC:MARGIN:decrease    a metric where lower is better: no rise beyond MARGIN
  (or take the plan and the guardrails from the registry: --registry DIR --experiment ID)

examples:
  hypokit monitor events.csv --variant variant --control control --segments segment \\
      --metric converted:proportion --date date --registry records --experiment express-pay-test
  hypokit monitor 'events/*.parquet' --variant arm --control A --metric converted:proportion \\
      --metric revenue:mean --guardrail revenue:0.03 --date day --format json

Exit status: 0 keep running (every segment); 1 act: a segment should stop (sample ratio
mismatch, harm) or is ready to analyse; 2 a usage or input error, told in one line."""


def add_parser(sub: Any) -> None:
    """Add ``hypokit monitor`` to the subparsers."""
    p = sub.add_parser(
        "monitor",
        help="a running experiment per segment: keep running, stop, or analyse",
        description=(
            "Check a running experiment per segment: the sample ratio, guardrails read with\n"
            "always-valid intervals (they hold however often the test is monitored), the\n"
            "share of the planned units reached and the expected end from the traffic so\n"
            "far; then one decision per segment: keep running, stop for a sample-ratio\n"
            "mismatch, stop for harm, or ready to analyse."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="+", metavar="PATH_OR_GLOB", help="CSV or Parquet files")
    p.add_argument("--variant", required=True, metavar="COL", help="the variant column")
    p.add_argument("--control", required=True, metavar="NAME", help="the control's label")
    p.add_argument(
        "--metric",
        dest="metrics",
        action="append",
        required=True,
        metavar="SPEC",
        help="a metric, as for hypokit analyze (converted:proportion, revenue:mean, ...)",
    )
    p.add_argument("--segments", action="append", metavar="COL", help="a segment column")
    p.add_argument("--date", metavar="COL", help="the day each unit entered (for the end date)")
    p.add_argument(
        "--guardrail", dest="guardrails", action="append", metavar="SPEC", help="see below"
    )
    p.add_argument(
        "--registry",
        metavar="DIR",
        default=os.environ.get("HYPOKIT_REGISTRY"),
        help="the registry holding the experiment (with --experiment)",
    )
    p.add_argument(
        "--experiment",
        metavar="ID",
        help="take the plan, and the guardrails of its hypothesis, from this experiment",
    )
    p.add_argument("--as-of", type=_day, metavar="DATE", help="the day of this look")
    p.add_argument("--alpha", type=float, default=0.05, help="level of the intervals")
    p.add_argument("--srm-alpha", type=float, default=0.001, help="sample-ratio alarm level")
    p.add_argument("--format", choices=("table", "json"), default="table", help="output format")


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _guardrail(spec: str) -> Criterion:
    from hypokit._analysis import Criterion

    parts = spec.split(":")
    if len(parts) < 2 or not parts[0]:
        raise HypokitError(
            f"--guardrail {spec!r}: expected METRIC:MARGIN[:abs][:decrease], e.g. revenue:0.05."
        )
    try:
        margin = float(parts[1])
    except ValueError:
        raise HypokitError(
            f"--guardrail {spec!r}: the margin {parts[1]!r} is not a number."
        ) from None
    flags = set(parts[2:])
    unknown = flags - {"abs", "decrease"}
    if unknown:
        raise HypokitError(
            f"--guardrail {spec!r}: unknown {', '.join(sorted(unknown))}; "
            "expected abs and/or decrease."
        )
    if not (math.isfinite(margin) and margin > 0):
        raise HypokitError(f"--guardrail {spec!r}: the margin must be a positive number.")
    return Criterion(
        parts[0],
        margin=margin,
        relative="abs" not in flags,
        direction="decrease" if "decrease" in flags else "increase",
    )


def _from_registry(ns: argparse.Namespace) -> tuple[Any, dict[str, list[Criterion]]]:
    """The experiment's plan and its hypothesis's guardrails per segment."""
    from hypokit._cli_records import _registry
    from hypokit._records import Experiment, Hypothesis

    if ns.experiment is None:
        return None, {}
    if ns.registry is None:
        raise HypokitError("--experiment needs --registry DIR (or $HYPOKIT_REGISTRY).")
    reg = _registry(ns)
    exp = reg.get(ns.experiment, Experiment)
    guards: dict[str, list[Criterion]] = {}
    if exp.hypothesis in reg:
        h = reg.get(exp.hypothesis, Hypothesis)
        for segment, crits in h.criteria_for_analysis().items():
            kept = [c for c in crits if c.guardrail]
            if kept:
                guards[segment] = kept
    return exp, guards


def run(ns: argparse.Namespace) -> int:
    """Run ``hypokit monitor``; returns the exit code."""
    import hypokit as hk
    from hypokit._cli import _data_argument, _parse_metrics
    from hypokit._labels import LabelText

    metrics = _parse_metrics(ns.metrics)
    data = _data_argument(ns.paths)
    plan, guards = _from_registry(ns)
    everywhere = [_guardrail(spec) for spec in ns.guardrails or ()]
    if everywhere:
        guards["*"] = everywhere
    segments = ns.segments[0] if ns.segments and len(ns.segments) == 1 else ns.segments
    report = hk.monitor(
        data,
        variant=ns.variant,
        control=LabelText(ns.control),
        metrics=metrics,
        segments=segments,
        plan=plan,
        guardrails=guards or None,
        date=ns.date,
        as_of=ns.as_of,
        alpha=ns.alpha,
        srm_alpha=ns.srm_alpha,
    )
    if ns.format == "json":
        print(json.dumps(_document(report), indent=2, allow_nan=False, default=str))
    else:
        print(_text(report))
    return report.exit_code


def _document(report: Monitor) -> dict[str, Any]:
    rows = []
    for r in report.rows:
        row = dict(r)
        for key, value in row.items():
            if isinstance(value, float) and not math.isfinite(value):
                row[key] = None
        rows.append(row)
    return {
        "as_of": report.as_of,
        "decision": report.decision,
        "headline": report.headline(),
        "exit_code": report.exit_code,
        "rows": rows,
    }


def _text(report: Monitor) -> str:
    lines = [f"Monitor{f' on {report.as_of}' if report.as_of else ''}: {report.headline()}", ""]
    header = ("segment", "variant", "units (c/v)", "plan/arm", "progress", "srm p", "expected end")
    rows = []
    for r in report.rows:
        progress = "—" if math.isnan(r["progress"]) else f"{r['progress']:.0%}"
        srm = "—" if math.isnan(r["srm_p_value"]) else f"{r['srm_p_value']:.3g}"
        planned = "—" if r["planned_per_arm"] is None else f"{r['planned_per_arm']:,}"
        end = "—" if r["expected_end"] is None else str(r["expected_end"])
        rows.append(
            (
                str(r["segment"]),
                str(r["variant"]),
                f"{r['n_control']:,}/{r['n_variant']:,}",
                planned,
                progress,
                srm,
                end,
            )
        )
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
    for row in rows:
        lines.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    lines.append("")
    for r in report.rows:
        lines.append(f"- {r['segment']} ({r['variant']}): {r['decision']}: {r['reason']}")
    return "\n".join(lines)
